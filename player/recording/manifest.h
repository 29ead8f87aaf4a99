/* manifest.h - a recording as the service describes it, read once.
 *
 * Reads a recording result, a replay manifest (a result plus Version,
 * Whiteboard and Messages) or the web player's link to one (see
 * docs/formats.md and the replay format contract, sections 1 to 3) into one
 * immutable struct recording: media lanes with their segments in playback
 * order, pauses (given in OmittedDurations or inferred), board size, the
 * URLs of the message pages and the task's status fields.
 *
 * Every URL in a recording is absolute: relative references are resolved
 * against the URL of the document they came from (RFC 3986 section 5).
 *
 * Problems in the input are diagnostics ("replay.json: VideoInfos[3].
 * VideoPlayTime: expected integer, got string") appended to a diag_list;
 * the reader keeps what it can. Only a document that is not a JSON object
 * (or breaks a size cap) fails outright.
 *
 * A recording is immutable once returned and may be read from any thread.
 */
#ifndef SP_MANIFEST_H
#define SP_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diag_list;
struct sp_loader;

/* Caps on what a document may make us allocate (see docs/formats.md). */
#define MANIFEST_MAX_DOC_BYTES ((size_t)64 << 20) /* one manifest or result */
#define MANIFEST_MAX_JSON_VALUES 2000000          /* values in one document */
#define MANIFEST_MAX_SEGMENTS 100000              /* VideoInfos entries read */
/* Messages entries read. Group history holds at most 20 messages a page, so
 * a two-hour class has about 10,600 pages (500k board ops, 20k chat lines)
 * and a long day of lessons ten times that; 200,000 leaves room for both.
 * What it bounds: one URL string per page (about 20 MB at the cap) and the
 * signaling's per-page slots; the document itself is capped by
 * MANIFEST_MAX_DOC_BYTES and MANIFEST_MAX_JSON_VALUES first. */
#define MANIFEST_MAX_MESSAGE_PAGES 200000
#define MANIFEST_MAX_PAUSES 10000            /* OmittedDurations entries read */
#define MANIFEST_MAX_INTERRUPTS 10000        /* Interrupts entries read */
#define MANIFEST_MAX_STRING 65536            /* bytes in one string field */
#define MANIFEST_MAX_HOPS 4                  /* ReplayUrl documents followed */
#define MANIFEST_MAX_TIME_MS 1000000000000LL /* playback ms and durations as read (~31 years) */
#define MANIFEST_DEFAULT_BOARD_W 1280
#define MANIFEST_DEFAULT_BOARD_H 960
#define MANIFEST_MAX_BOARD_SIDE 65536
/* Wall minus playback time up to this much is rounding of the one-second
 * RecordStartTime/RecordStopTime, not a pause (µs). */
#define MANIFEST_PAUSE_SLACK_US 2000000
/* Segment ends and starts this close count as one boundary when a pause is
 * inferred (µs). */
#define MANIFEST_BOUNDARY_TOLERANCE_US 1000000

/* From VideoType. */
enum rec_lane_kind {
    REC_LANE_CAMERA = 0,
    REC_LANE_SCREEN = 1,
    REC_LANE_WHITEBOARD = 2, /* the board recorded as video (real-time mode) */
    REC_LANE_MIXED = 3,
    REC_LANE_AUDIO = 4,  /* audio only (mp3) */
    REC_LANE_UNKNOWN = 5 /* a VideoType this reader does not know (warned) */
};

/* One VideoInfo. Times in µs (the document's ms * 1000). */
struct rec_segment {
    int64_t play_us;      /* VideoPlayTime: start on the playback timeline */
    int64_t duration_us;  /* VideoDuration */
    int64_t size_bytes;   /* VideoSize, -1 if absent */
    int64_t sync_time_us; /* SyncTime (board time of the first frame, Unix µs), if has_sync_time */
    bool has_sync_time;
    int width, height;    /* 0 if absent */
    const char *format;   /* VideoFormat, "" if absent */
    const char *url;      /* VideoUrl resolved to an absolute URL; "" if absent or refused */
    bool url_denied;      /* VideoUrl named a URL this document may not name
                             (url_named_check); the error is already given */
    const char *video_id; /* VideoId, "" if absent */
    size_t source_index;  /* its index in VideoInfos (VideoInfoList for a video
                             generation result), for messages */
    size_t lane;          /* index of its lane in recording.lanes */
};

/* Segments of one (UserId, VideoType). */
struct rec_lane {
    const char *user_id; /* UserId as given; "" for null/absent */
    int video_type;      /* VideoType as given */
    enum rec_lane_kind kind;
    const char *owner;                  /* the user the stream belongs to: user_id without a
                                           tic_substream_ prefix; "" for the whiteboard */
    const char *name;                   /* for people: "ios_test1", "x (screen)", "whiteboard" */
    const struct rec_segment *segments; /* sorted by play_us (stable) */
    size_t n_segments;
};

/* A pause: playback stops at video_us while the wall clock runs on. */
struct rec_pause {
    int64_t video_us;       /* VideoTime */
    int64_t pause_wall_us;  /* PauseTime (Unix µs); for an inferred pause,
                               computed from RecordStartTime */
    int64_t resume_wall_us; /* ResumeTime (Unix µs) */
    bool inferred;          /* true if placed by section 3's rule */
};

struct rec_interrupt {
    const char *user_id;
    int64_t count;
};

struct recording {
    const char *doc_url;  /* absolute URL of the document read ("" if none given) */
    const char *doc_name; /* its short name, used in diagnostics */
    bool is_manifest;     /* it had Version, Whiteboard or Messages */
    const char *shape;    /* how the document the user gave arrived (format section
                           * 1a): "result", "api-answer", "callback" or
                           * "generation-result" (a bare VideoInfoList; static
                           * strings); for a followed ReplayUrl, the first one's */
    bool is_generation;   /* a video generation result: lanes are its VideoInfoList,
                           * one composed video each; no board time */
    int version;          /* Version, 0 if absent */

    const char *task_id;       /* "" if absent */
    const char *status;        /* "" if absent (taken as finished) */
    bool ready;                /* Status absent or FINISHED */
    const char *finish_reason; /* "" if absent */
    int64_t exception_cnt;     /* -1 if absent */
    const struct rec_interrupt *interrupts;
    size_t n_interrupts;

    int64_t room_id; /* -1 if absent */
    const char *group_id;
    const char *record_user_id;
    int64_t record_start_us; /* RecordStartTime (Unix s * 1000000), 0 if absent/bad */
    int64_t record_stop_us;  /* RecordStopTime (Unix s * 1000000), 0 if absent/bad */
    int64_t total_us;        /* TotalTime (µs); if absent/bad, the last segment end */
    const char *replay_url;  /* ReplayUrl, absolute; "" if absent */

    const struct rec_lane *lanes; /* in order of first appearance */
    size_t n_lanes;
    size_t n_segments; /* over all lanes */

    const struct rec_pause *pauses; /* sorted by video_us */
    size_t n_pauses;
    bool pauses_given;   /* OmittedDurations was present (even empty) */
    int64_t unplaced_us; /* wall time (µs) that looks paused but found no place */

    int board_w, board_h;            /* Whiteboard, or 1280 x 960 */
    const char *const *message_urls; /* Messages[].Url, absolute, in order */
    size_t n_message_pages;

    int show_chat; /* -1 not said; 0 or 1 from the web player link's
                      showChatMessages */
};

/* Reads one document (json, len bytes; need not be NUL-terminated) whose own
 * URL is doc_url (absolute, used to resolve relative URLs and to name the
 * document in diagnostics; NULL: relative URLs stay as written and the
 * document is called "manifest"). Does not follow ReplayUrl.
 *
 * Returns 0 and *out (caller frees with recording_free()), with any
 * warnings and field errors appended to diag (may be NULL);
 * SP_ENOTREADY: Status is not FINISHED; *out is still set so a caller can
 *   show what there is, and diag says what the state means;
 * SP_EPARSE (not a JSON object), SP_ELIMIT (a size cap), SP_EINVAL or
 *   SP_ENOMEM: *out is NULL and diag has one error line. */
int manifest_parse(const char *json, size_t len, const char *doc_url, struct diag_list *diag,
                   struct recording **out);

struct manifest_open_opts {
    int max_hops;         /* ReplayUrl documents to follow; 0 means MANIFEST_MAX_HOPS */
    size_t max_doc_bytes; /* 0 means MANIFEST_MAX_DOC_BYTES */
};

/* Opens a source: a local path, a file:// or http(s):// URL, or the web
 * player's link (...index.html?url=<encoded>&showChatMessages=1, which sets
 * show_chat). Documents are fetched through loader (NULL: sp_loader_local()).
 * A result that carries a ReplayUrl and no Messages leads to that manifest
 * (at most opts->max_hops documents, never the same URL twice); if the
 * manifest cannot be read, the result itself is returned with an error in
 * diag. opts may be NULL.
 *
 * Returns what manifest_parse() returns for the last document read, or the
 * loader's error (SP_ENOENT, SP_EIO, SP_EUNSUPPORTED, ...; *out NULL), or
 * SP_EINVAL for an empty source or a link without a url parameter. */
int manifest_open(const char *source, const struct sp_loader *loader,
                  const struct manifest_open_opts *opts, struct diag_list *diag,
                  struct recording **out);

/* Frees a recording and everything in it; NULL is a no-op. */
void recording_free(struct recording *rec);

/* "camera", "screen", "whiteboard", "mixed", "audio", "unknown". */
const char *rec_lane_kind_name(enum rec_lane_kind kind);

/* What a Status means to the user, e.g. for "STOPPED": "recording has
 * stopped and the result is still being processed; try again later".
 * Never NULL. */
const char *rec_status_explain(const char *status);

/* End of a segment on the playback timeline (µs). */
static inline int64_t rec_segment_end_us(const struct rec_segment *s)
{
    return s->play_us + s->duration_us;
}

#endif
