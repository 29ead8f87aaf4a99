/* verify.h - quality checks on a recording (`sigplay verify`).
 *
 * A verify run is stateless: it reads a recording (manifest, media, message
 * pages), measures, and fills one struct verify_report with findings and
 * measurements. The app prints the report (human text and JSON, schema
 * sigplay-verify/1, docs/verify-json.md) and turns it into an exit code
 * (0 clean, 1 warnings, 2 errors). Nothing here prints or keeps state
 * between runs.
 *
 * The checks, in the order a caller runs them:
 *   verify_report_setup()  one struct verify_segment per segment, in lane order
 *   verify_recording()     Status, FinishReason, ExceptionCnt, Interrupts,
 *                          wall time that looks paused but has no place
 *   verify_media()         per segment: reachable, size = VideoSize, decodes
 *                          start to end (errors listed with times; quick mode
 *                          decodes sampled windows), duration = VideoDuration
 *                          within one frame, SEI anchors (present, monotonic,
 *                          at most VERIFY_SEI_MAX_GAP_MS apart), audio present
 *                          and not silent on camera / mixed / audio lanes
 *   verify_sync()          each segment's board time of its first frame
 *                          (anchors, else SyncTime) against w(VideoPlayTime):
 *                          the offset against RecordStartTime and against the
 *                          refined origin (median, timeline.h); flags the
 *                          latter above VERIFY_SYNC_WARN_MS
 *   verify_coverage()      playback stretches where no lane has usable media
 *   verify_messages()      message pages fetched and parsed, the board log
 *                          built and replayed (unknown ids etc. as findings)
 * Thresholds are the VERIFY_* constants below (documented in
 * docs/verify-json.md).
 *
 * Caps: at most VERIFY_MAX_FINDINGS findings are stored (the rest only
 * counted); at most VERIFY_MAX_DECODE_LISTED decoding errors are listed per
 * segment (the rest counted); at most LANE_MAP_MAX_ANCHORS anchors are read
 * per segment.
 *
 * Times: µs (int64_t, *_us), but measured in whole ms (each rounds as
 * its comment says), the unit the report shows: app/cmd_verify.c prints
 * and writes them in ms (docs/verify-json.md), so nothing there changes.
 *
 * Threads: none. A report is used from one thread; reports of different
 * recordings may be built at once on different threads (`verify --jobs`):
 * nothing here is shared between them.
 */
#ifndef SP_VERIFY_H
#define SP_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/platform/os_libc.h"
#include "player/media/lane_map.h"

struct recording;
struct rec_segment;
struct timeline;
struct fetch;
struct sp_loader;
struct msg_log;

#define VERIFY_SCHEMA "sigplay-verify/1"

#define VERIFY_MAX_FINDINGS 5000
#define VERIFY_MAX_DECODE_LISTED 10
/* The limits are in µs, like every time here, and each is a whole ms:
 * docs/verify-json.md states them in ms, and where one is written (a JSON
 * key, a message) it is divided by 1000 there, exactly. */
/* The format asks for an anchor every 1 to 5 s; a longer gap (or a first
 * anchor later than this into the segment, or a last one earlier than this
 * before its end) is flagged. The extra 500 ms allow for frame placement.
 * Compared with sei_max_gap_us; written nowhere. */
#define VERIFY_SEI_MAX_GAP_US 5500000
/* Between two anchors, board time and media time must advance alike: a
 * difference beyond this is a clock jump. Compared in whole ms (syncTime's
 * unit, verify_media.c); written nowhere. */
#define VERIFY_SEI_JUMP_US 200000
/* |offset| of a segment's first frame from where the refined timeline puts
 * its VideoPlayTime, above which it is flagged. Joining latency is a
 * few hundred ms at most; a second-level error is a misplaced segment.
 * Published: the report's sync.offset_limit_ms and the sync.offset message
 * give it in ms (VERIFY_SYNC_WARN_US / 1000, app/cmd_verify.c, verify.c). */
#define VERIFY_SYNC_WARN_US 500000
/* Audio whose RMS level over what was decoded stays below this is silent
 * (dBFS). */
#define VERIFY_SILENCE_DBFS (-60.0)
/* Holes in the coverage shorter than this are rounding, not gaps. Compared
 * with the gap's whole ms in µs; written nowhere. */
#define VERIFY_COVERAGE_MIN_GAP_US 200000
/* Quick mode: this many windows of this length are decoded per segment (at
 * the start, the middle and the end). Media times are µs; written nowhere. */
#define VERIFY_QUICK_WINDOWS 3
#define VERIFY_QUICK_WINDOW_US 2000000

enum verify_severity { VERIFY_INFO, VERIFY_WARNING, VERIFY_ERROR };

/* One finding. code is a stable dotted id ("media.size", "sync.offset";
 * the list is in docs/verify-json.md); message is one line a person can act
 * on, naming lane and file. */
struct verify_finding {
    enum verify_severity severity;
    const char *code;  /* static string */
    char *message;     /* owned */
    ptrdiff_t segment; /* index into verify_report.segments, -1 if none */
    int64_t media_us;  /* media time inside the segment (whole ms), -1 if none */
    int64_t play_us;   /* playback time (whole ms), -1 if none */
};

/* Measurements of one segment. -1 / NAN mean "not measured". */
struct verify_segment {
    const struct rec_segment *seg; /* borrowed from the recording */
    size_t lane;                   /* index into recording.lanes */
    const char *name;              /* short file name (owned) */
    bool reachable;                /* fetched / opened */
    bool decoded;                  /* was decoded (fully or sampled) */
    bool usable;                   /* reachable and has some media */
    bool has_video, has_audio;
    int64_t size_bytes;               /* actual bytes, -1 unknown */
    int64_t duration_us;              /* measured (to the nearest ms), -1 unknown */
    int64_t frame_us;                 /* nominal video frame interval (whole ms), 0 unknown */
    int64_t video_packets;            /* demuxed video packets */
    int64_t frames_decoded;           /* video frames out of the decoder */
    int64_t decode_errors;            /* read or decode errors (all, listed or not) */
    double audio_dbfs;                /* RMS level of the decoded audio; NAN if none */
    size_t sei_count;                 /* anchors found */
    size_t sei_refused;               /* anchors the lane map refused */
    int64_t sei_max_gap_us;           /* largest media-time gap between anchors (whole ms), -1 */
    unsigned sei_types;               /* SEI_SEEN_* bits (player/media/sei.h): payload
                                         types that gave anchors, and 244 met */
    enum lane_map_source sync_source; /* what places the segment */
    int64_t start_board_us;           /* board time of the first frame (SEI/SyncTime), or 0 */
    int64_t offset_us;                /* start_board - w(VideoPlayTime), RecordStartTime origin */
    int64_t offset_refined_us;        /* the same against the refined origin */
    int64_t correction_us;            /* its sync correction (offsets file, section 8;
                                         µs; positive: shown later), 0 none */
    int64_t offset_corrected_us;      /* offset_refined_us + the correction: what
                                         sync is judged on */
};

struct verify_gap {
    int64_t start_us, end_us; /* playback time, [start, end) (whole ms) */
};

struct verify_report {
    bool quick;
    struct verify_finding *findings; /* owned */
    size_t n_findings, cap_findings;
    size_t dropped;                  /* findings past VERIFY_MAX_FINDINGS */
    size_t counts[3];                /* by severity, stored or not */
    struct verify_segment *segments; /* owned, recording order: lane by lane */
    size_t n_segments;
    int64_t origin_us;         /* RecordStartTime, Unix µs (whole ms) */
    int64_t refined_origin_us; /* after verify_sync() (= origin_us without estimates) */
    size_t origin_estimates;   /* segments that gave an estimate */
    struct verify_gap *gaps;   /* owned */
    size_t n_gaps;
    int64_t uncovered_us;     /* sum of the gaps */
    size_t pages, pages_read; /* message pages listed / read and parsed */
    size_t messages;          /* merged messages */
    size_t board_batches, board_ops;
    size_t file_batches;        /* board batches delivered as files (TIMFileElem) */
    size_t file_batches_failed; /* of which could not be fetched or read (warned) */
    size_t chat_items;          /* set by the caller (im/chat lives above player/) */
};

/* A zeroed report is empty; verify_report_clear() frees it. */
void verify_report_clear(struct verify_report *r);

/* Adds a finding (message formatted like printf). Out of memory or past the
 * cap only counts it. */
void verify_add(struct verify_report *r, enum verify_severity sev, const char *code,
                ptrdiff_t segment, int64_t media_us, const char *fmt, ...) SP_FORMAT_PRINTF(6, 7);

/* Adds every entry of d as a finding with code (DIAG_ERROR -> error,
 * DIAG_WARNING -> warning, else info); entries d dropped are counted. */
void verify_add_diags(struct verify_report *r, const struct diag_list *d, const char *code);

/* Fills r->segments from rec. Returns 0 or SP_ENOMEM. */
int verify_report_setup(struct verify_report *r, const struct recording *rec);

/* 2 if any error, 1 if any warning, else 0. */
int verify_exit_code(const struct verify_report *r);

const char *verify_severity_name(enum verify_severity s);

/* Findings from the reader's diagnostics (manifest_diag, may be NULL):
 * Status (not FINISHED: error, with what the state means), FinishReason
 * (EXCEPTION, FORCE_STOP: warning), ExceptionCnt > 0 (warning), Interrupts
 * (info), each under its own code; any other line under "manifest". */
void verify_recording(struct verify_report *r, const struct recording *rec,
                      const struct diag_list *manifest_diag);

/* Marks segment i unreachable with the line the fetch layer gave (e.g.
 * "https://x/a.mp4: HTTP 404 Not Found: ... kept 3 days"). */
void verify_unreachable(struct verify_report *r, size_t i, const char *reason);

/* Checks segment i. f (may be NULL) reads remote URLs through the cache
 * (the caller downloaded them first); local URLs are opened directly.
 * tl gives w(VideoPlayTime) for the fallback of the map. Returns 0 (the
 * findings say what is wrong) or SP_ENOMEM / SP_EINVAL. */
int verify_media(struct verify_report *r, size_t i, struct fetch *f, const struct timeline *tl);

/* Origin estimates from every checked segment -> tl_refine_origin() (the
 * timeline's origin is changed), offsets per segment, findings above
 * VERIFY_SYNC_WARN_MS after the segment's correction (verify_set_corrections()).
 * The estimates are the media's own, without corrections, as in play. */
void verify_sync(struct verify_report *r, struct timeline *tl);

/* The sync corrections to judge sync after (player/recording/offsets.h):
 * seg_us holds one per segment of rec (µs), flat in the report's segment order
 * (which is offsets_flat_index()'s); NULL: none. One info finding
 * ("offsets") lists each corrected segment. Call before verify_sync(). */
void verify_set_corrections(struct verify_report *r, const struct recording *rec,
                            const int64_t *seg_us);

/* What `verify --suggest-offsets` writes, after verify_sync(): for each
 * segment whose offset against the refined origin is above
 * VERIFY_SYNC_WARN_MS, the correction that cancels it (-offset_refined_us,
 * in µs) into seg_us (flat, r->n_segments); every other segment keeps what
 * seg_us holds (the corrections in use, so a hand-made nudge survives).
 * Returns the number of segments given a suggestion. */
size_t verify_suggest_offsets(const struct verify_report *r, int64_t *seg_us);

/* Playback stretches of more than VERIFY_COVERAGE_MIN_GAP_MS where no lane
 * has a usable segment (segments not checked count as usable). */
int verify_coverage(struct verify_report *r, const struct timeline *tl);

/* Reads every message page through loader (NULL: local), merges them and
 * builds and replays the board. *log_out (may be NULL) receives the merged
 * log for the caller's chat check (msg_log_destroy()). Returns 0 or
 * SP_ENOMEM. */
int verify_messages(struct verify_report *r, const struct recording *rec,
                    const struct sp_loader *loader, struct msg_log **log_out);

#endif
