/* segment_decoder.h - one media segment: demux + decode on its own threads.
 *
 * A segment decoder opens one file (a path or URL through libavformat, or
 * an AVIOContext the caller provides), demuxes it on a thread into bounded
 * packet queues, and decodes video and audio on one thread each into
 * bounded frame queues the play loop and the audio mixer read. It is the
 * ffplay "Decoder" room, plus what sigplay needs on top:
 *
 * - SEI anchors: every video packet passes a scan hook on the demux thread
 *   (player/media/sei.h plugs in there); the syncTime values it finds become
 *   anchors of the segment's lane_map, seconds before the frames they
 *   stamp are shown.
 * - Exact seek: segdec_seek() moves to the key frame at or before the
 *   target and decodes forward; the first video frame queued afterwards is
 *   the one with pts <= target < next pts (the frame continuous play shows
 *   at the target), later ones follow in order. Audio frames that end at or
 *   before the target are dropped. A new seek cancels the one in flight
 *   (serial numbers on every packet and frame).
 * - Bad media is normal: a file that does not open, a read error, garbage
 *   that does not decode. Each becomes one warning naming the lane, the file
 *   and the media time ("teacher_01: media/t1.mp4: at 12.480 s: decoding
 *   failed (Invalid data found...)"), kept in the decoder's diag list and
 *   logged; the decoder then skips ahead or ends cleanly (eof on its
 *   queues). Nothing blocks forever: destroy aborts every wait.
 *
 * Times: media time (pts) in microseconds on the segment's own clock (the
 * stream's pts rescaled to µs), board time in Unix µs (see lane_map.h).
 *
 * Threads and locks: three internal threads (demux, video, audio). The
 * queues have their own locks (packet_queue.h, frame_queue.h); the map,
 * info, state and diag list are guarded by the decoder's mutex. Lock
 * order: the decoder's mutex is a leaf (the queues' locks and the log's
 * are never taken while it is held, nor it while one of theirs is). Every
 * public function is callable from any one controlling thread (the play
 * loop); the frame queues may be read from another (the audio callback).
 */
#ifndef SP_SEGMENT_DECODER_H
#define SP_SEGMENT_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libavcodec/codec_par.h>
#include <libavformat/avio.h>

#include "base/diag.h"
#include "player/media/frame_queue.h"
#include "player/media/lane_map.h"

/* Finds syncTime values (board time, Unix µs) in one demuxed video packet
 * (par says the codec and the extradata: AVCC length-prefixed or Annex B).
 * Writes at most max values to out and returns how many; problems (corrupt
 * SEI) go to diag as warnings (may be NULL). Called on the demux thread. */
typedef size_t (*segdec_sei_us_fn)(void *opaque, const AVCodecParameters *par, const uint8_t *data,
                                   size_t size, int64_t *out, size_t max, struct diag_list *diag);

#define SEGDEC_MAX_SEI_PER_PACKET 8

struct segdec_opts {
    const char *url;           /* path or URL to open; with pb, only its name */
    AVIOContext *pb;           /* optional: read through this instead (borrowed:
                                  it must outlive the decoder) */
    const char *lane;          /* lane name for warnings ("teacher_01"); may be NULL */
    bool no_video, no_audio;   /* skip a stream even if present */
    size_t video_frames;       /* decoded video frames queued; 0: 4 */
    size_t audio_frames;       /* decoded audio frames queued; 0: 48 */
    int codec_threads;         /* libavcodec threads per decoder; 0: auto */
    segdec_sei_us_fn sei_scan; /* optional SEI hook; NULL: no anchors */
    void *sei_opaque;
    /* lane_map fallbacks (see lane_map.h): SyncTime (< 0: none) and
     * w(VideoPlayTime), both Unix µs. */
    int64_t sync_time_us;
    int64_t play_time_board_us;
    /* Where to start: an exact seek to media time start_pts_us if > 0, or
     * (wins if > 0) a seek by board time, see segdec_seek_board(). */
    int64_t start_pts_us;
    int64_t start_board_us;
    /* A local sync correction (spec section 8, µs): every board time the
     * map gives is this much later, so positive shows the pictures later.
     * The origin estimate (segdec_start_board_us()) does not include it. */
    int64_t board_offset_us;
};

enum segdec_state {
    SEGDEC_OPENING, /* the demux thread is opening the file */
    SEGDEC_RUNNING, /* opened, anchor probe done (the map is as good as the
                       file's start makes it); frames flow */
    SEGDEC_FAILED,  /* could not open (warning in the diag list); queues at eof */
};

struct segdec_info {
    bool has_video, has_audio;
    int width, height;    /* video, pixels */
    int64_t frame_dur_us; /* nominal video frame interval (from the frame rate) */
    int sample_rate;      /* audio, Hz */
    int channels;         /* audio */
    int64_t duration_us;  /* container duration, 0 if unknown */
    int64_t first_pts_us; /* media time of the first video (else audio) frame;
                             valid once first_known */
    bool first_known;
};

struct segdec;

/* The protocol_whitelist every avformat_open_input() in sigplay passes:
 * "file" for a local file, "" (nothing) when the input comes through our
 * own AVIO (custom_io), so no FFmpeg protocol (tcp, pipe, concat, data,
 * ftp, http) is ever reachable from a document. Static string. */
const char *segdec_protocol_whitelist(bool custom_io);

/* Starts a decoder: copies opts (strings included), starts the threads and
 * returns at once (opening happens on the demux thread). Returns 0 and *out
 * (free with segdec_destroy()), SP_EINVAL (no url) or SP_ENOMEM. */
int segdec_create(const struct segdec_opts *opts, struct segdec **out);

/* Aborts every queue, joins the threads, frees everything; NULL-safe,
 * nulls *d. */
void segdec_destroy(struct segdec **d);

/* Tells the threads to stop without waiting for them (the first half of
 * segdec_destroy(), which may follow at any time): many decoders stopped
 * this way first wind down at once instead of one after another.
 * NULL-safe; idempotent. */
void segdec_abort(struct segdec *d);

enum segdec_state segdec_state(struct segdec *d);

/* Waits up to timeout_us (µs; < 0: forever) until the decoder is open and the
 * first frame of the current serial is decoded (video if it has video) or
 * the stream ended. Returns 0, SP_EEOF (ended/failed, nothing to show),
 * SP_ETIMEOUT. */
int segdec_wait_ready_us(struct segdec *d, int64_t timeout_us);

/* Copies the stream info (zeros while opening). */
void segdec_get_info(struct segdec *d, struct segdec_info *info);

/* The decoded frames. Owned by the decoder; valid until destroy; never
 * NULL. A stream the segment lacks (or skips) keeps its queue at eof.
 * Frames carry the serial of the seek they belong to (segdec_serial()). */
struct frame_queue *segdec_video_frames(struct segdec *d);
struct frame_queue *segdec_audio_frames(struct segdec *d);

/* Current seek generation. */
int segdec_serial(struct segdec *d);

/* Exact seek to media time pts_us (see above); returns the new serial. The
 * queues are flushed before it returns: nothing older is ever seen. */
int segdec_seek(struct segdec *d, int64_t pts_us);

/* Seek by board time (Unix µs): the demux thread turns it into media time
 * with the map as it stands then (after the anchor probe at open: the
 * first video packets are read until an SEI anchor shows up, so the map is
 * known before the first seek), minus SEGDEC_SEEK_MARGIN_US: the frames
 * queued start a little early and the consumer picks the exact one by
 * board time, with the same rule as continuous play. Returns the serial. */
#define SEGDEC_SEEK_MARGIN_US 200000
int segdec_seek_board(struct segdec *d, int64_t board_us);

/* Back to the start of the segment: every frame is queued from the first
 * on, as after opening it without a start. Returns the serial. */
int segdec_rewind(struct segdec *d);

/* Board time <-> media time through the segment's map plus the board
 * offset (locked). */
int64_t segdec_board_us(struct segdec *d, int64_t pts_us);
int64_t segdec_pts_us(struct segdec *d, int64_t board_us);
/* The map's estimate of w(VideoPlayTime) (Unix µs), see
 * lane_map_start_board_us(). */
int64_t segdec_start_board_us(struct segdec *d, enum lane_map_source *source);
/* A new sync correction (µs, see segdec_opts.board_offset_us): applies to
 * every later call and seek; frames already queued are judged by it too.
 * The caller re-seeks to show the frame the new offset wants. */
void segdec_set_board_offset_us(struct segdec *d, int64_t offset_us);
/* After an origin refinement: the new w(VideoPlayTime) (Unix µs). */
void segdec_set_play_time_board_us(struct segdec *d, int64_t board_us);
size_t segdec_anchor_count(struct segdec *d);
/* Board time (Unix µs) of the last SEI anchor at or before media time
 * pts_us, or -1 when none is (yet) known that early. */
int64_t segdec_anchor_board_before(struct segdec *d, int64_t pts_us);

/* Moves the decoder's warnings so far to the end of dst. */
void segdec_take_diags(struct segdec *d, struct diag_list *dst);

#endif
