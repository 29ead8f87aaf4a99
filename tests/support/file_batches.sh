# file_batches.sh - sourced by shell tests: turn a generated class's board
# batches into file-borne ones (REPLAY-FORMAT.md section 4: a TIMFileElem
# whose FileName is TXWhiteBoardExt, its Url relative to the page).
#
#   fb_make SAMPLE DEST   copies SAMPLE to DEST and moves every
#                         stroke-carrying batch to DEST/board/batch-<MsgSeq>.json;
#                         sets FB_MOVED to the number moved
#   fb_first_file DEST    prints the path of the batch file the first page of
#                         the list names first (in the page's own order): the
#                         first file in the signaling cache's list, which a
#                         warm open over HTTP always re-gets
#   fb_add_stroke FILE    appends a long, wide black stroke to the batch in
#                         FILE, on the board and at the time of its first
#                         stroke, and moves its mtime on by 10 s

fb_make() {
    local sample=$1 dest=$2 page seq
    rm -rf "$dest"
    cp -r "$sample" "$dest"
    mkdir -p "$dest/board"
    FB_MOVED=0
    for page in "$dest"/im/messages-*.json; do
        # one jq a page, not one a batch (a page holds hundreds): each
        # batch as its MsgSeq and its text, NUL after each, split here
        jq -j '.RspMsgList[] | select(.MsgBody[0].MsgType == "TIMCustomElem"
                 and .MsgBody[0].MsgContent.Ext == "TXWhiteBoardExt"
                 and (.MsgBody[0].MsgContent.Data | contains("stroke.begin")))
               | "\(.MsgSeq)\u0000\(.MsgBody[0].MsgContent.Data)\n\u0000"' \
            "$page" >"$dest/.batches"
        while IFS= read -r -d '' seq && IFS= read -r -d '' data; do
            printf '%s' "$data" >"$dest/board/batch-$seq.json"
            FB_MOVED=$((FB_MOVED + 1))
        done <"$dest/.batches"
        jq '.RspMsgList |= map(if (.MsgBody[0].MsgType == "TIMCustomElem"
                 and .MsgBody[0].MsgContent.Ext == "TXWhiteBoardExt"
                 and (.MsgBody[0].MsgContent.Data | contains("stroke.begin")))
              then .MsgBody = [{"MsgType": "TIMFileElem", "MsgContent": {
                     "Url": ("../board/batch-\(.MsgSeq).json"), "FileName": "TXWhiteBoardExt",
                     "FileSize": (.MsgBody[0].MsgContent.Data | length), "UUID": "wb-\(.MsgSeq)"}}]
              else . end)' "$page" >"$page.new"
        mv "$page.new" "$page"
    done
    rm -f "$dest/.batches"
}

fb_first_file() {
    local dest=$1 first seq
    first=$(jq -r '.Messages[0].Url' "$dest/replay.json")
    seq=$(jq '[.RspMsgList[] | select(.MsgBody[0].MsgType == "TIMFileElem") | .MsgSeq] | .[0]' \
        "$dest/$first")
    echo "$dest/board/batch-$seq.json"
}

fb_add_stroke() {
    local f=$1 m
    m=$(stat -c %Y "$f")
    jq -c '(.ops | map(select(.op == "stroke.begin")) | .[0]) as $s
           | .ops += [{"t": $s.t, "op": "stroke.begin", "user": $s.user, "id": "extra-stroke",
                       "board": $s.board, "tool": "pen", "color": "#000000", "width": 40,
                       "pts": [100, 100, 1800, 900, 100, 900, 1800, 100]},
                      {"t": ($s.t + 1), "op": "stroke.end", "user": $s.user, "id": "extra-stroke"}]' \
        "$f" >"$f.new"
    mv "$f.new" "$f"
    touch -d "@$((m + 10))" "$f"
}
