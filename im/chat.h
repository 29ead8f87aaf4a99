/* chat.h - the chat model: IM messages as the chat panel shows them.
 *
 * Built once from the merged message log (im/msgpage.h): messages in
 * MsgSeq order, placeholders already gone. Each message becomes one chat
 * item with a sender, a wall time and parts:
 *
 *   TIMTextElem       TEXT: the text, repaired to valid UTF-8 (ill-formed
 *                     bytes become U+FFFD); a long text is cut (see
 *                     CHAT_PREVIEW_*) and ends in an ellipsis, with the
 *                     whole text kept for a "more" affordance
 *   TIMFaceElem       EMOJI when Data holds a short non-ASCII string (the
 *                     emoji itself), else FACE: a face tile by Index
 *   TIMImageElem      IMAGE: the thumbnail (Type 3), else the large image
 *                     (2), else the original (1), else any entry with a URL
 *   TIMFileElem, TIMSoundElem, TIMVideoFileElem, TIMLocationElem
 *                     PLACEHOLDER: one line naming the kind and the file
 *                     name, size, duration or place ("[file] notes.pdf
 *                     (2.0 KB)")
 *   TIMCustomElem     whiteboard signaling (Ext "TXWhiteBoardExt") is never
 *                     chat: left out here, the board reads it. Others: TEXT
 *                     with Desc, or the placeholder "[custom message]"
 *                     Ext "TXConferenceExt" (the classroom SDK's time
 *                     sync) is never shown either
 *   TIMFileElem with FileName "TXWhiteBoardExt"
 *                     a board batch by file: never chat
 *   TIMRelayElem      PLACEHOLDER "[merged messages] <Title>"
 *   anything else     PLACEHOLDER "[unsupported message: <MsgType>]"
 * A recalled message (IsPlaceMsg 2) is one NOTICE item "<sender> recalled a
 * message" at its time, never its former content; a group system notice
 * (IsSystemMsg 1) makes no item.
 *
 * A message with no chat parts (only whiteboard batches, or no MsgBody)
 * makes no item.
 *
 * Time. MsgTimeStamp is Unix seconds, so an item's wall_us is
 * MsgTimeStamp * 1000000 (Unix µs, like every time at the API). Items are
 * ordered by MsgSeq; the panel shows the items whose show_us is at or
 * before the board/wall time w(t) of the playback position
 * (player/recording/timeline). show_us is wall_us made
 * non-decreasing along MsgSeq (an item never appears before one the
 * server numbered earlier), so the visible items are always a prefix and a
 * seek is one binary search. A message sent during a pause has a wall time
 * inside [PauseTime, ResumeTime); w(t) jumps over that range at the pause's
 * VideoTime, so the message appears at that playback time, as the format
 * asks. A message without MsgTimeStamp takes the time of the item before it
 * (or after it, for the first).
 *
 * Caps: the whole model holds at most as many items as the log (itself
 * capped, MSG_LOG_MAX_MESSAGES); per text part the preview is at most
 * CHAT_PREVIEW_BYTES / CHAT_PREVIEW_CODEPOINTS / CHAT_PREVIEW_LINES; the
 * whole text is at most MSG_MAX_TEXT_BYTES (msgpage's cap).
 *
 * Ownership: the model owns every string it holds, page names included
 * (one copy per page), and nothing points into the msg_log it was built
 * from. It can be saved and loaded (chat_log_serialize() /
 * chat_log_deserialize()) so a second open does not parse the pages again.
 *
 * Pure C; the model is read-only after chat_log_build(), so any number of
 * threads may read it.
 */
#ifndef SP_CHAT_H
#define SP_CHAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "im/msgpage.h"

#define CHAT_PREVIEW_BYTES 2048
#define CHAT_PREVIEW_CODEPOINTS 500
#define CHAT_PREVIEW_LINES 12
#define CHAT_ELLIPSIS "\xE2\x80\xA6" /* U+2026 */

/* Number of sender colors; render/ owns the palette. */
#define CHAT_SENDER_COLORS 12

enum chat_part_kind {
    CHAT_PART_TEXT,        /* text (from a text element or a custom Desc) */
    CHAT_PART_EMOJI,       /* text is the emoji to draw */
    CHAT_PART_FACE,        /* face tile face_index; text is a fallback label */
    CHAT_PART_IMAGE,       /* url (may be NULL: draw the label); text "[image]" */
    CHAT_PART_PLACEHOLDER, /* text is the one-line placeholder */
    CHAT_PART_NOTICE       /* the item's only part: a grey line without the sender
                              header ("<sender> recalled a message") */
};

struct chat_part {
    enum chat_part_kind kind;
    enum msg_elem_type source; /* the element it came from */
    char *text;                /* owned, valid UTF-8, NUL-terminated, never NULL; for a
                                * cut TEXT part the preview ending in CHAT_ELLIPSIS */
    char *full_text;           /* owned; a cut TEXT part's whole (repaired) text, else NULL */
    bool truncated;            /* text is a preview of full_text ("more" affordance) */
    int64_t face_index;        /* FACE: Index (>= 0), else -1 */
    char *url;                 /* IMAGE: chosen image URL as written (relative URLs
                                * resolve against the manifest); owned; may be NULL */
    int image_type;            /* IMAGE: 3 thumbnail, 2 large, 1 original, 0 unknown */
    int width, height;         /* IMAGE: px of the chosen image, 0 if unknown */
};

struct chat_item {
    int64_t seq;             /* MsgSeq */
    int64_t wall_us;         /* MsgTimeStamp * 1000000, Unix µs (see the header comment) */
    int64_t show_us;         /* when it appears: max wall_us of it and all earlier items */
    char *sender;            /* From_Account, valid UTF-8; "(unknown)" if missing; owned */
    unsigned color;          /* chat_sender_color(sender) */
    struct chat_part *parts; /* owned, part_count >= 1 */
    size_t part_count;
    bool truncated;   /* some part is a preview */
    bool repaired;    /* some text had ill-formed UTF-8 replaced by U+FFFD */
    const char *page; /* the name of the page it came from, for reports: one of
                       * chat_log.pages (owned by the chat log, shared by every
                       * item of that page); NULL if the message had none */
    int index;        /* its RspMsgList index in that page */
};

struct chat_log {
    struct chat_item *items; /* owned, in MsgSeq order */
    size_t count;
    int64_t *show;         /* owned copy of items[i].show_us: a compact array
                            * for the binary search */
    size_t board_elems;    /* whiteboard elements left out of the chat */
    size_t empty_messages; /* messages that made no item */
    size_t repaired_items; /* items with U+FFFD replacements */
    char **pages;          /* owned: each distinct page name of the items once, in
                            * order of first use; chat_item.page points here */
    size_t page_count;
};

/* Builds the chat from a merged log. Problems (an image without any URL,
 * ill-formed UTF-8, unknown element types) are warnings naming the page
 * and field. Returns 0 and *out (free with chat_log_destroy()), SP_EINVAL
 * or SP_ENOMEM (*out NULL). The chat model owns everything it points to
 * (page names included), so the msg_log may be destroyed right after. */
int chat_log_build(const struct msg_log *log, struct chat_log **out, struct diag_list *diag);

/* NULL-safe; sets *chat to NULL. */
void chat_log_destroy(struct chat_log **chat);

/* The serialized form of a chat model (docs/chat.md, "Serialized chat"):
 * versioned, little-endian, with a checksum; items, parts, page names and
 * counters. *data is a new malloc'd buffer of *len bytes, owned by the
 * caller (free()). Returns 0, SP_EINVAL, SP_ELIMIT or SP_ENOMEM; *data is
 * NULL on error. */
int chat_log_serialize(const struct chat_log *chat, uint8_t **data, size_t *len);

/* The same bytes streamed to out in pieces of at most 64 KB, in order
 * (never held whole); their number is what chat_log_serialized_len()
 * gives. Returns 0, what chat_log_serialize() returns, or the first error
 * out->put() returned (the writing stops). */
struct sp_sink; /* base/sp_bytes.h */
int chat_log_serialize_to(const struct chat_log *chat, const struct sp_sink *out);
int chat_log_serialized_len(const struct chat_log *chat, uint64_t *len);

/* Loads a serialized chat model: *out (chat_log_destroy()) equals the one
 * serialized, item for item and part for part, with the same show array,
 * page names and counters. The input is borrowed. Every count and length is
 * checked against the caps above and the bytes present before anything is
 * allocated from it, every string is checked (UTF-8 where chat_part and
 * chat_item promise it), every derived field (show_us, color, flags) is
 * checked against what chat_log_build() would have made. Damaged
 * (checksum), truncated, foreign or inconsistent input gives SP_EPARSE,
 * another format version SP_EUNSUPPORTED, both with one diagnostic line
 * "chat cache: <reason>". Else 0, SP_EINVAL or SP_ENOMEM; *out is NULL on
 * error. */
int chat_log_deserialize(const uint8_t *data, size_t len, struct chat_log **out,
                         struct diag_list *diag);

/* How many items are visible at wall time wall_us (Unix µs): items
 * [0, n) have show_us <= wall_us. O(log n). */
size_t chat_visible_count(const struct chat_log *chat, int64_t wall_us);

/* The panel's window at wall_us: the last (at most) max_items visible
 * items, as [*first, *first + count). Returns count. */
size_t chat_view_at(const struct chat_log *chat, int64_t wall_us, size_t max_items, size_t *first);

/* Stable color index in [0, CHAT_SENDER_COLORS) for a sender name
 * (FNV-1a of the bytes): the same sender has the same color in every run. */
unsigned chat_sender_color(const char *sender);

#endif
