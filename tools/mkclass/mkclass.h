/* mkclass.h - shared types of sigplay-mkclass, the sample class generator.
 *
 * The generator is a stand-alone program (it links FFmpeg, cJSON and libm,
 * not the player's core library): the class it writes is the player's test
 * input, so it must not share the player's code paths.
 *
 * Flow: mk_options -> mk_plan (lanes, segments, pause, all times) ->
 * media files (video.c + audio.c + mux.c) -> images (images.c) ->
 * board ops + chat (board_ops.c, chat.c) -> IM pages (im_pages.c) ->
 * manifests and truth.json (json_out.c). Every step is deterministic: the
 * same options give the same bytes.
 *
 * Units: times named *_ms are milliseconds; "board" and "wall" times are
 * Unix ms (the recording has one clock for both); "play" times are ms on
 * the playback timeline with the pause removed.
 */
#ifndef MKCLASS_H
#define MKCLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* ---- options ------------------------------------------------------------ */

#define MK_MIN_DURATION_MS 4000
#define MK_MAX_DURATION_MS 7200000 /* 2 h, for benchmarks */
#define MK_MIN_LANES 3
#define MK_MAX_LANES 16
#define MK_MAX_OPS 500000
#define MK_MAX_CHAT 100000
#define MK_MAX_FPS 60
#define MK_MAX_SEI_TYPES 8
#define MK_MAX_LAG_MS 10000
/* Media and board clocks that begin before RecordStartTime: the service
 * starts recording about 2 s after it is asked to, and rounds either way. */
#define MK_MIN_START_OFFSET_MS (-60000)

/* --lag-ms USER:MS: that lane's media shows board time b at the media
 * position where VideoPlayTime places board time b + ms. */
struct mk_lag {
    char user[64];
    int64_t ms;
};

struct mk_options {
    const char *out_dir;
    int64_t duration_ms;     /* TotalTime: playback length, pause removed */
    int lanes;               /* >= 3: teacher, student, screen share, extra cameras */
    int width, height;       /* camera and screen frames, even numbers */
    int fps;                 /* integer frames per second */
    int ops;                 /* board ops in total (scripted + filler) */
    int chat;                /* chat messages in total (scripted + filler) */
    int64_t start_offset_ms; /* true class start = 1700000000000 + this; < 0: before
                                RecordStartTime, which stays 1700000000 */
    int64_t pause_ms;        /* wall length of the one pause */
    uint64_t seed;
    /* Every camera lane is an audio-only lane (VideoType 4, MP3) and the
     * screen share lane is left out. */
    bool audio_only;
    /* Camera lanes have no segment for playback [start, start + len); len 0:
     * no hole. */
    int64_t hole_start_ms, hole_len_ms;
    /* SEI payload types the camera lanes use in turn; count 0: the default
     * scheme (242, 5, then alternately 5 and 242). */
    int sei_types[MK_MAX_SEI_TYPES];
    int sei_type_count;
    bool sei_decoy_244; /* a type-244 SEI with a wrong syncTime beside each anchor */
    struct mk_lag lags[MK_MAX_LANES];
    int lag_count;
};

/* ---- deterministic random numbers (splitmix64) -------------------------- */

struct mk_rng {
    uint64_t state;
};

void mk_rng_init(struct mk_rng *r, uint64_t seed);
uint64_t mk_rng_next(struct mk_rng *r);
/* Uniform in [lo, hi] (inclusive); lo <= hi. */
int64_t mk_rng_range(struct mk_rng *r, int64_t lo, int64_t hi);

/* ---- the plan: lanes, segments, the pause -------------------------------- */

enum mk_sei_kind {
    MK_SEI_NONE = 0,
    MK_SEI_5 = 5,
    MK_SEI_100 = 100,
    MK_SEI_242 = 242,
    MK_SEI_243 = 243
};

/* The SDK's own timestamp SEI: never an anchor. Decoys carry the true
 * syncTime plus this, so a player that reads them is visibly off. */
#define MK_SEI_DECOY_TYPE 244
#define MK_SEI_DECOY_OFFSET_MS 4321

/* Two segments per lane (cut at the pause), three when a camera hole falls
 * inside one of them. */
#define MK_MAX_SEGMENTS (MK_MAX_LANES * 3)
/* A camera that is on for less than this between the hole and a segment
 * boundary writes no file: a sub-second segment is not worth a test. */
#define MK_MIN_SEGMENT_MS 1000

/* One SEI anchor written into a segment: presentation time (ms from the
 * segment's first frame) and the board time carried in the JSON. */
struct mk_anchor {
    int64_t pts_ms;
    int64_t sync_time;
};

struct mk_lane {
    char user_id[64]; /* UserId of the segments */
    char label[64];   /* what the frames show: the lane name */
    int video_type;   /* 0 camera, 1 screen share, 4 audio only (MP3) */
    enum mk_sei_kind sei;
    bool audio;               /* cameras carry AAC audio */
    int tone_hz;              /* the lane's continuous tone */
    int beep_hz;              /* the beep at every whole board second */
    uint8_t bg_y, bg_u, bg_v; /* frame background */
    int64_t join_play_ms;     /* playback time of the lane's first segment */
    int64_t lag_ms;           /* --lag-ms: media this much late against the board */
};

/* Camera lanes, audio-only or not: what holes and SEI schemes apply to. */
bool mk_lane_is_camera(const struct mk_lane *l);

struct mk_segment {
    int lane;               /* index into mk_plan.lanes */
    int index_in_lane;      /* 0, 1, ... in time order (0 before the pause, 1 after,
                               unless a camera hole cuts one) */
    int64_t play_time_ms;   /* VideoPlayTime */
    int64_t duration_ms;    /* VideoDuration */
    int64_t true_offset_ms; /* media starts this much later in board time than
                               VideoPlayTime says (join latency, minus lag) */
    int64_t first_board_ms; /* true board time of the first frame */
    char file[96];          /* relative to the output dir: media/<name>.mp4|.mp3 */
    char video_id[32];
    /* filled in when the file is written */
    int64_t size_bytes;
    int frames;
    int audio_samples;
    struct mk_anchor *anchors; /* owned */
    int anchor_count;
    struct mk_anchor *decoys; /* type-244 decoys written, owned */
    int decoy_count;
};

struct mk_plan {
    struct mk_options opt;
    int64_t true_start_ms;  /* board/wall time of playback t = 0 */
    int64_t record_start_s; /* RecordStartTime: true start truncated; 1700000000
                               when the true start is before it */
    int64_t record_stop_s;  /* RecordStopTime */
    int64_t pause_play_ms;  /* VideoTime of the pause */
    int64_t pause_wall_ms;  /* PauseTime */
    int64_t resume_wall_ms; /* ResumeTime */
    int64_t room_id;
    char group_id[32];
    char record_user_id[64];
    char task_id[64];
    struct mk_lane lanes[MK_MAX_LANES];
    int lane_count;
    struct mk_segment segments[MK_MAX_SEGMENTS];
    int segment_count;
    uint8_t sei_uuid[16]; /* the UUID of payloadType-5 sync SEI */
};

/* Builds the plan from validated options. Fails (-1, one line on stderr)
 * only when a --lag-ms user names no lane. */
int mk_plan_build(struct mk_plan *p, const struct mk_options *opt);
void mk_plan_free(struct mk_plan *p);
/* True wall/board time of playback time t (ms). */
int64_t mk_plan_wall(const struct mk_plan *p, int64_t play_ms);
/* Playback time shown for a true board time (inverse of mk_plan_wall; board
 * times inside the pause map to the pause's VideoTime). */
int64_t mk_plan_play(const struct mk_plan *p, int64_t board_ms);

/* ---- drawing into YUV 4:2:0 frames (font5x7.c) ---------------------------- */

struct mk_yuv {
    uint8_t *plane[3];
    int stride[3];
    int width, height;
};

struct mk_color {
    uint8_t y, u, v;
};

struct mk_color mk_rgb(int r, int g, int b);
void mk_fill_rect(struct mk_yuv *img, int x, int y, int w, int h, struct mk_color c);
/* Draws ASCII text with the built-in 5x7 font; each font pixel becomes a
 * scale x scale block; glyph cell is 6x9 font pixels. Lower case is drawn as
 * upper case; characters without a glyph draw as '?'. Returns the x after
 * the text. Clips at the image edges. */
int mk_draw_text(struct mk_yuv *img, int x, int y, int scale, const char *text, struct mk_color c);
int mk_text_width(const char *text, int scale);
#define MK_GLYPH_W 6
#define MK_GLYPH_H 9

/* ---- media ---------------------------------------------------------------- */

/* Builds one H.264 SEI NAL unit (Annex B: 4-byte start code, header, payload
 * type and size in 0xFF-run coding, payload, rbsp trailing bits, emulation
 * prevention). payload_type 5 prefixes the 16-byte uuid. Returns a malloc'd
 * buffer (caller frees) and its size in *out_len, or NULL on out of memory. */
uint8_t *mk_sei_build(int payload_type, const uint8_t uuid[16], const char *json, size_t *out_len);

struct AVPacket;
/* Inserts an Annex B NAL unit before the first slice of an Annex B access
 * unit (so after any AUD/SPS/PPS/SEI). Returns 0, or -1 if the packet is not
 * Annex B, has no slice, or memory ran out. */
int mk_sei_insert(struct AVPacket *pkt, const uint8_t *nal, size_t nal_len);

struct AVCodecContext;
/* Opens the lane video encoder (libx264) / an audio encoder by FFmpeg name
 * ("aac" for cameras, "libmp3lame" for audio-only lanes). NULL on error. */
struct AVCodecContext *mk_video_open(const struct mk_plan *p, bool global_header);
struct AVCodecContext *mk_audio_open(const char *encoder, bool global_header);
/* If pkt is a frame on a whole media second and the lane carries SEI,
 * inserts {"syncTime": board ms} and records the anchor. 0 or -1. */
int mk_video_add_sei(const struct mk_plan *p, struct mk_segment *s, struct AVPacket *pkt);

/* Writes one segment's MP4 (video, plus AAC when the lane has audio), or
 * for an audio-only lane its MP3, and fills its size, frame count and
 * anchors. Returns 0 or -1 with a message on stderr. */
int mk_segment_write(struct mk_plan *p, int seg_index);

/* Draws the lane's picture for one frame. */
void mk_frame_draw(const struct mk_plan *p, const struct mk_segment *s, int frame_index,
                   struct mk_yuv *img);

/* Fills n mono float samples starting at sample index first (48 kHz). */
#define MK_AUDIO_RATE 48000
void mk_audio_fill(const struct mk_plan *p, const struct mk_segment *s, int64_t first, int n,
                   float *out);

/* ---- images --------------------------------------------------------------- */

struct mk_image_info {
    char file[64]; /* relative: images/<name> */
    int width, height;
    int64_t size_bytes;
};

struct mk_images {
    struct mk_image_info slide;       /* page background, PNG */
    struct mk_image_info photo;       /* chat image original, JPEG */
    struct mk_image_info photo_thumb; /* chat image thumbnail, JPEG */
};

int mk_images_write(const struct mk_plan *p, struct mk_images *out);

/* ---- IM messages ---------------------------------------------------------- */

struct mk_msg {
    int64_t wall_ms; /* when it was sent (board ops: the batch's last op) */
    int order;       /* tie-breaker for equal wall_ms: creation order */
    char from[64];
    bool placeholder; /* IsPlaceMsg 1 */
    bool board;       /* TXWhiteBoardExt signaling */
    int op_count;     /* ops in a board batch */
    cJSON *body;      /* MsgBody array, owned */
    int64_t seq;      /* assigned after sorting */
    uint32_t random;
};

struct mk_msg_list {
    struct mk_msg *items; /* owned */
    int count, cap;
};

/* Appends a message; takes ownership of body. Returns 0 or -1 (no memory). */
int mk_msgs_add(struct mk_msg_list *l, int64_t wall_ms, const char *from, cJSON *body);
void mk_msgs_free(struct mk_msg_list *l);

/* Counts per op kind, for truth.json. */
#define MK_OP_KINDS 16
extern const char *const mk_op_kind_names[MK_OP_KINDS];

/* An op that changes what the visible page shows, at the op's time. */
struct mk_board_change {
    int64_t wall_ms; /* the op's t */
    int kind;        /* index into mk_op_kind_names */
    int user;        /* lane index of the author */
};

struct mk_board_stats {
    int ops;
    int batches;
    int ops_in_pause;
    int per_kind[MK_OP_KINDS];
    struct mk_board_change *changes; /* owned; in op order */
    int change_count;
};

void mk_board_stats_free(struct mk_board_stats *s);
/* Whether ops of this kind count as board changes (see board_ops.c). */
bool mk_op_kind_is_change(int kind);

/* Generates the board op script and appends it as TXWhiteBoardExt batches. */
int mk_board_ops_generate(const struct mk_plan *p, const struct mk_images *img,
                          struct mk_msg_list *out, struct mk_board_stats *stats);

struct mk_chat_stats {
    int chat; /* chat messages, placeholders excluded */
    int placeholders;
    int in_pause;
};

/* Generates chat messages (and the one placeholder). */
int mk_chat_generate(const struct mk_plan *p, const struct mk_images *img, struct mk_msg_list *out,
                     struct mk_chat_stats *stats);

/* Scripted chat messages (placeholders excluded): the least --chat can be. */
int mk_chat_scripted(void);

#define MK_PAGE_SIZE 20 /* messages per group-history page, the REST maximum */

/* Sorts by wall time, assigns MsgSeq/MsgRandom, writes im/messages-NNN.json
 * (newest first, consecutive pages sharing one message). Sets *page_count. */
int mk_im_pages_write(const struct mk_plan *p, struct mk_msg_list *msgs, int *page_count);

/* ---- output --------------------------------------------------------------- */

/* Writes a whole file under the output dir (rel is relative to it).
 * Returns 0 or -1 with a message on stderr. */
int mk_write_file(const struct mk_plan *p, const char *rel, const void *data, size_t len);
/* Same for a cJSON tree, printed formatted with a trailing newline. */
int mk_write_json(const struct mk_plan *p, const char *rel, const cJSON *json);
/* Builds dir/rel into buf; returns -1 if it does not fit. */
int mk_path(const struct mk_plan *p, const char *rel, char *buf, size_t size);

/* Creates the output dir and its media/, im/, images/; removes a stale
 * replay.json (written last, so its presence means "complete"). */
int mk_dirs_create(const struct mk_plan *p);
/* Writes result.json, the section 1a shapes (callback.json, api-answer.json,
 * task-failed.json, task-model2.json), seedlike.json and last replay.json. */
int mk_manifests_write(const struct mk_plan *p, int page_count);
/* msgs: the sorted list after mk_im_pages_write (MsgSeq assigned). */
int mk_truth_write(const struct mk_plan *p, const struct mk_images *img,
                   const struct mk_board_stats *bs, const struct mk_chat_stats *cs,
                   const struct mk_msg_list *msgs, int page_count);

/* Board time formatted "2023-11-14 22:13:20.000" (UTC). */
void mk_format_utc(int64_t board_ms, char *buf, size_t size);

#endif
