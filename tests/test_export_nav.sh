#!/usr/bin/env bash
# `sigplay export` with the class's navigation: ffprobe lists the chapters
# probe lists (times and titles); --chat-subs adds a mov_text stream whose
# packets carry "sender: text" of each chat message at its play_ms
# (truth.json); --subs-out writes a WebVTT file whose cues (read by a small
# parser here: Python's webvtt is not in Debian) have the same times and
# texts as the mov_text packets.
set -u
BIN=${SIGPLAY_BIN:?} SAMPLE=${SIGPLAY_SAMPLE_DIR:?}
TMP=${SIGPLAY_TEST_TMP:?}/export_nav
rm -rf "$TMP" && mkdir -p "$TMP"
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
for tool in ffprobe jq python3; do command -v $tool >/dev/null || { echo "FAIL: $tool missing"; exit 1; }; done

"$BIN" probe "$SAMPLE/replay.json" --json >"$TMP/probe.json" 2>/dev/null
"$BIN" export "$SAMPLE/replay.json" -o "$TMP/c.mp4" --size 160x120 --fps 2 --no-audio \
  --chat-subs --subs-out "$TMP/c.vtt" 2>"$TMP/err"
rc=$?
[ $rc -le 1 ] && ok "export exit $rc" || { bad "export exit $rc: $(cat "$TMP/err")"; exit 1; }

ffprobe -v error -show_chapters -of json "$TMP/c.mp4" >"$TMP/ch.json"
want=$(jq -c '[.chapters[] | [.t_ms, .title]]' "$TMP/probe.json")
got=$(jq -c '[.chapters[] | [(.start | tonumber), .tags.title]]' "$TMP/ch.json")
[ "$got" = "$want" ] && ok "ffprobe -show_chapters lists probe's chapters ($(jq length <<<"$want"))" \
  || bad "chapters: got $got want $want"

ffprobe -v error -show_streams -of json "$TMP/c.mp4" >"$TMP/st.json"
sidx=$(jq '[.streams[] | select(.codec_name == "mov_text")][0].index' "$TMP/st.json")
[ "$sidx" != "null" ] && ok "a mov_text stream (#$sidx)" || bad "no mov_text stream"
ffprobe -v error -select_streams "$sidx" -show_packets -show_data -of json "$TMP/c.mp4" >"$TMP/pk.json"

python3 - "$TMP/pk.json" "$TMP/c.vtt" "$SAMPLE/truth.json" <<'PY' || fail=1
import json, re, sys
pk, vtt, truth = sys.argv[1:4]
def hexdata(s):
    out = bytearray()
    for line in s.strip().splitlines():
        m = re.match(r"[0-9a-f]+: ((?:[0-9a-f]{2,4} ?)+)", line)
        out += bytes.fromhex(m.group(1).replace(" ", ""))
    return bytes(out)
cues = []  # (start_ms, end_ms, text) of packets with text
for p in json.load(open(pk))["packets"]:
    d = hexdata(p["data"])
    n = int.from_bytes(d[:2], "big")
    if n:
        t = round(float(p["pts_time"]) * 1000)
        cues.append((t, t + round(float(p["duration_time"]) * 1000), d[2:2 + n].decode()))
def ms(s):
    h, m, rest = s.split(":")
    sec, milli = rest.split(".")
    return ((int(h) * 60 + int(m)) * 60 + int(sec)) * 1000 + int(milli)
text = open(vtt, encoding="utf-8").read()
assert text.startswith("WEBVTT\n"), "no WEBVTT header"
vcues = []
for block in text.split("\n\n")[1:]:
    lines = [l for l in block.split("\n") if l]
    i = next(k for k, l in enumerate(lines) if "-->" in l)
    a, b = [x.strip() for x in lines[i].split("-->")]
    body = "\n".join(lines[i + 1:]).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    vcues.append((ms(a), ms(b), body))
fails = 0
def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    fails += not cond
check(len(cues) > 0, f"mov_text packets carry {len(cues)} cues")
check(vcues == cues, "the .vtt cues equal the mov_text cues (times and text round-trip)")
tr = json.load(open(truth))
msgs = [m for m in tr["chat_messages"] if not m["placeholder"]]
times = sorted({m["play_ms"] for m in msgs})
check([c[0] for c in cues] == times, "one cue at each chat message's play_ms (truth.json)")
senders_ok = all(any(line.startswith(m["from"] + ":") for c in cues if c[0] == m["play_ms"]
                     for line in c[2].split("\n")) for m in msgs)
check(senders_ok, "each message shows as 'sender: text' in the cue at its time")
nxt = times[1:] + [10**12]
check(all(c[1] - c[0] == min(4000, n - c[0], tr["total_time_ms"] - c[0]) for c, n in zip(cues, nxt)),
      "each cue lasts 4 s or until the next one")
sys.exit(1 if fails else 0)
PY

# --mute-lane with a name that is no lane is a usage error
"$BIN" export "$SAMPLE/replay.json" -o "$TMP/x.mp4" --mute-lane nobody 2>"$TMP/err2"
[ $? -eq 64 ] && grep -q "no lane" "$TMP/err2" && ok "--mute-lane nobody: exit 64" || bad "--mute-lane nobody"
exit $fail
