/* msgpage.h - IM group-history pages (replay format, section 4).
 *
 * A page is the group-history REST answer: {ActionStatus, ErrorCode,
 * GroupId, IsFinished, RspMsgList: [message...]}. The pages carry both the
 * chat and the whiteboard signaling (TIMCustomElem with Ext
 * "TXWhiteBoardExt"). This module only reads them: msg_page_parse() turns
 * one page into messages, struct msg_log merges pages into one list ordered
 * by MsgSeq, and msg_wb_next() walks the whiteboard batches for the board.
 * The chat model (im/chat.h) and the board read the merged log.
 *
 * Strings are kept as the bytes the page held (cJSON decodes escapes; raw
 * bytes are not validated here). Display code repairs UTF-8 (base/utf8.h).
 *
 * Caps (input beyond them is cut or refused with a diagnostic, never
 * allocated from):
 *   MSG_PAGE_MAX_BYTES      a page's JSON text
 *   MSG_PAGE_MAX_MESSAGES   entries of RspMsgList read per page (rest ignored)
 *   MSG_MAX_ELEMS           MsgBody elements read per message (rest ignored)
 *   MSG_MAX_IMAGE_INFOS     ImageInfoArray entries read per image
 *   MSG_MAX_TEXT_BYTES      Text, Data and Desc values; a longer Text is cut
 *                           at a UTF-8 boundary, a longer Data or Desc dropped
 *   MSG_MAX_FIELD_BYTES     every other string (account, URL, file name, ...);
 *                           longer ones are dropped
 *   MSG_LOG_MAX_MESSAGES    messages a msg_log holds in total
 *
 * Diagnostics are "file: field: reason", e.g.
 * "im/messages-001.json: RspMsgList[4].MsgSeq: expected integer, got string".
 */
#ifndef SP_MSGPAGE_H
#define SP_MSGPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

#define MSG_PAGE_MAX_BYTES (64u << 20)
#define MSG_PAGE_MAX_MESSAGES 100000
#define MSG_MAX_ELEMS 64
#define MSG_MAX_IMAGE_INFOS 8
#define MSG_MAX_TEXT_BYTES (1u << 20)
#define MSG_MAX_FIELD_BYTES 4096
#define MSG_LOG_MAX_MESSAGES 2000000

/* The Ext value that marks a custom element as a whiteboard batch, and the
 * FileName that marks a file element as one too large for a custom
 * message (its Url holds the batch). */
#define MSG_WHITEBOARD_EXT "TXWhiteBoardExt"
/* The Ext of the classroom SDK's time-sync signaling: neither chat nor a
 * board batch. */
#define MSG_CONFERENCE_EXT "TXConferenceExt"

enum msg_elem_type {
    MSG_ELEM_TEXT,     /* TIMTextElem {Text} */
    MSG_ELEM_FACE,     /* TIMFaceElem {Index, Data} */
    MSG_ELEM_IMAGE,    /* TIMImageElem {UUID, ImageFormat, ImageInfoArray} */
    MSG_ELEM_FILE,     /* TIMFileElem {Url, FileSize, FileName, UUID} */
    MSG_ELEM_SOUND,    /* TIMSoundElem {Url, Size, Second, UUID} */
    MSG_ELEM_VIDEO,    /* TIMVideoFileElem {VideoUrl, VideoSize, VideoSecond, ThumbUrl, ...} */
    MSG_ELEM_LOCATION, /* TIMLocationElem {Desc, Latitude, Longitude} */
    MSG_ELEM_CUSTOM,   /* TIMCustomElem {Data, Desc, Ext} */
    MSG_ELEM_RELAY,    /* TIMRelayElem (merged forward) {Title, ...} */
    MSG_ELEM_UNKNOWN   /* any other MsgType (kept so the chat can say so) */
};

/* One ImageInfoArray entry. */
struct msg_image_info {
    int type;     /* 1 original, 2 large, 3 thumbnail; 0 if missing */
    int64_t size; /* bytes; -1 if missing */
    int width;    /* px; 0 if missing */
    int height;   /* px; 0 if missing */
    char *url;    /* owned; NULL if missing */
};

/* One MsgBody element. Every string is owned by the element and NULL when
 * the page did not have it; numbers are -1 when missing (lat/lon: NAN).
 * Which fields a type uses:
 *   TEXT      text
 *   FACE      index, data
 *   IMAGE     uuid, image_format, images[image_count]
 *   FILE      url, size (FileSize), file_name, uuid
 *   SOUND     url, size, seconds (Second), uuid
 *   VIDEO     url (VideoUrl), size (VideoSize), seconds (VideoSecond),
 *             thumb_url (ThumbUrl), uuid (VideoUUID)
 *   LOCATION  desc, latitude, longitude
 *   CUSTOM    data (+ data_len), desc, ext
 *   RELAY     text (Title)
 *   UNKNOWN   type_name only */
struct msg_elem {
    enum msg_elem_type type;
    char *type_name; /* MsgType as written; never NULL ("" when missing or when the
                      * MsgBody entry was not an object: indices follow MsgBody) */
    char *text;
    bool text_cut; /* text was longer than MSG_MAX_TEXT_BYTES and was cut */
    int64_t index;
    char *data;
    size_t data_len; /* bytes of data (cJSON strings end at a NUL) */
    char *desc;
    char *ext;
    char *url;
    char *thumb_url;
    char *file_name;
    char *uuid;
    int64_t size;
    int64_t seconds;
    double latitude, longitude;
    int64_t image_format;
    struct msg_image_info *images; /* owned array */
    size_t image_count;
};

/* One RspMsgList entry. */
struct msg_message {
    char *from;             /* From_Account; owned; never NULL ("" when missing) */
    int64_t seq;            /* MsgSeq (always present: entries without it are skipped) */
    int64_t random;         /* MsgRandom; -1 if missing */
    int64_t timestamp;      /* MsgTimeStamp, Unix SECONDS (wall clock); -1 if missing */
    bool is_place;          /* IsPlaceMsg 1: placeholder for an expired/deleted message */
    bool is_recalled;       /* IsPlaceMsg 2: recalled by its sender; its body is not
                               read (elem_count 0) */
    bool is_system;         /* IsSystemMsg 1: a group system notice, not chat */
    struct msg_elem *elems; /* owned array */
    size_t elem_count;
    bool body_missing; /* MsgBody absent or not an array (a warning was given) */
    const char *page;  /* name of the page it came from; owned by the page/log */
    int index;         /* its index in that page's RspMsgList */
};

/* One parsed page. */
struct msg_page {
    char *name;               /* owned: the label given to msg_page_parse() */
    char *group_id;           /* owned; NULL if missing */
    bool is_finished;         /* IsFinished 1 */
    struct msg_message *msgs; /* owned array, in page order */
    size_t count;
};

/* Parses one page. name labels diagnostics (e.g. "im/messages-001.json");
 * it is copied. On success *out is a new page (caller frees with
 * msg_page_free()) and entries that could not be used were skipped with a
 * diagnostic. An empty RspMsgList is a valid empty page.
 * Returns 0; SP_ELIMIT if len > MSG_PAGE_MAX_BYTES; SP_EPARSE if the text is
 * not a JSON object or the page reports a failure (ActionStatus not "OK" or
 * ErrorCode not 0; the diagnostic quotes ErrorInfo); SP_EINVAL, SP_ENOMEM.
 * *out is NULL on error. json need not be NUL-terminated. */
int msg_page_parse(const char *json, size_t len, const char *name, struct msg_page **out,
                   struct diag_list *diag);

/* NULL is a no-op. */
void msg_page_free(struct msg_page *page);

/* Frees what an element owns (not the element itself). */
void msg_elem_clear(struct msg_elem *e);

/* True for a TIMCustomElem whose Ext is "TXWhiteBoardExt". */
bool msg_elem_is_whiteboard(const struct msg_elem *e);

/* True for a TIMFileElem whose FileName is "TXWhiteBoardExt": a board batch
 * to download from its Url (player/signaling/file_batches.h turns it into
 * an ordinary whiteboard element). Never chat. */
bool msg_elem_is_board_file(const struct msg_elem *e);

/* True for a TIMCustomElem whose Ext is "TXConferenceExt". */
bool msg_elem_is_conference(const struct msg_elem *e);

/* Short kind name for messages and placeholders: "text", "face", "image",
 * "file", "sound", "video", "location", "custom", "relay", "unknown". */
const char *msg_elem_type_name(enum msg_elem_type type);

/* ---- the merged message log ------------------------------------------------ */

/* Messages from every page, ordered by MsgSeq (ascending), one per MsgSeq,
 * placeholders (IsPlaceMsg 1) left out. Pages may come in any order
 * (newest first is normal) and may overlap. */
struct msg_log {
    struct msg_message *msgs; /* sorted by seq, seqs unique; points into store */
    size_t count;
    /* internal: msgs lives inside store (cap entries) with free room on both
     * sides, so that pages arriving newest first (or oldest first) merge in
     * time proportional to the page, not to the log */
    struct msg_message *store;
    size_t cap;
    char **pages; /* owned names of the pages added */
    size_t page_count;
    /* counters, for reports and tests */
    size_t duplicates;   /* messages dropped because their MsgSeq was already there */
    size_t conflicts;    /* ...of which differed from the kept one (a warning each) */
    size_t placeholders; /* IsPlaceMsg 1 entries skipped */
};

struct msg_log *msg_log_create(void);

/* NULL-safe; sets *log to NULL. */
void msg_log_destroy(struct msg_log **log);

/* Merges a page into the log and takes it over: the page is freed (and
 * *page set to NULL) whether or not this succeeds. A message whose MsgSeq is
 * already in the log is dropped (the first one seen stays); if it differs
 * (sender, MsgRandom or timestamp) a warning names both. Returns 0,
 * SP_ELIMIT (log would exceed MSG_LOG_MAX_MESSAGES: the page is dropped,
 * with a diagnostic) or SP_ENOMEM. */
int msg_log_add_page(struct msg_log *log, struct msg_page **page, struct diag_list *diag);

/* msg_page_parse() + msg_log_add_page(). Same returns. */
int msg_log_add_json(struct msg_log *log, const char *json, size_t len, const char *name,
                     struct diag_list *diag);

/* Index of the message with MsgSeq seq, or -1. O(log n). */
ptrdiff_t msg_log_find(const struct msg_log *log, int64_t seq);

/* ---- whiteboard batches ---------------------------------------------------- */

/* One whiteboard batch: the Data string of a TXWhiteBoardExt custom
 * element. Pointers point into the log and stay valid while it lives and is
 * not changed. where names the element for diagnostics, e.g.
 * "im/messages-001.json: RspMsgList[4].MsgBody[0]" (it lives in the
 * iterator and is rewritten by the next call). */
struct msg_wb_batch {
    const char *data; /* NUL-terminated JSON text (section 5) */
    size_t len;       /* bytes, without the NUL */
    int64_t msg_seq;
    int64_t timestamp; /* MsgTimeStamp of the message, Unix seconds; -1 if missing */
    const char *from;  /* From_Account */
    const char *where;
};

struct msg_wb_iter {
    const struct msg_log *log;
    size_t msg;  /* next message to look at */
    size_t elem; /* next element in it */
    char where[MSG_MAX_FIELD_BYTES + 64];
};

void msg_wb_iter_init(struct msg_wb_iter *it, const struct msg_log *log);

/* Fills *out with the next batch in MsgSeq order (elements in body order)
 * and returns true; false when there are no more. Batches with an empty or
 * missing Data are skipped. */
bool msg_wb_next(struct msg_wb_iter *it, struct msg_wb_batch *out);

#endif
