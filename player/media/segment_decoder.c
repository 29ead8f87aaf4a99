/* segment_decoder.c - see segment_decoder.h.
 *
 * Threads: demux_main opens the file, then reads packets into the two
 * packet queues; stream_main (one per stream) decodes them into the frame
 * queues. The decode threads start at create time and simply wait on their
 * empty packet queue until the demuxer has set up their codec context: the
 * queue's mutex orders the set-up before the first packet. */
#include "player/media/segment_decoder.h"
#include "player/media/picture_limit.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "base/platform/os_time.h"
#include "base/log.h"
#include "player/media/audio_mix.h"
#include "player/media/packet_queue.h"
#include "base/sp_error.h"

static struct sp_log lg = SP_LOG_INIT("media");

#define NO_TARGET INT64_MIN
#define VIDEO_PACKETS_MAX 600 /* ~20 s at 30 fps */
#define VIDEO_BYTES_MAX ((size_t)8 << 20)
#define AUDIO_PACKETS_MAX 600 /* ~13 s of AAC */
#define AUDIO_BYTES_MAX ((size_t)1 << 20)
#define PROBE_MAX_PACKETS 400 /* anchor probe at open: packets read at most */
#define PROBE_MAX_US 6000000  /* ... and video time (SEI comes every 1 to 5 s) */
#define DECODE_WARN_EVERY 100 /* after the first, one decode warning per N */

struct stream_dec {
    struct segdec *d;
    bool is_video;
    int index;                  /* stream index; -1 if absent (set before packets flow) */
    AVRational tb;              /* the stream's time base */
    AVCodecContext *avctx;      /* owned; set up by the demux thread */
    struct picture_limit limit; /* what avctx refused (video) */
    struct packet_queue *pq;
    struct frame_queue *fq;
    pthread_t thread;
    bool started;
};

struct segdec {
    char *url, *lane; /* owned copies */
    AVIOContext *pb;  /* borrowed */
    bool no_video, no_audio;
    int codec_threads;
    segdec_sei_us_fn sei_scan;
    void *sei_opaque;

    AVFormatContext *fmt; /* owned; used by the demux thread only */
    struct stream_dec v, a;
    pthread_t demux;
    bool demux_started;
    atomic_bool abort;

    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t cond;  /* state, seek requests, abort */
    enum segdec_state state;
    struct segdec_info info;
    struct lane_map map;
    /* A local sync correction (spec section 8): added to every board time
     * the map gives, so the same frames show offset_us later (µs). */
    int64_t board_offset_us;
    struct diag_list diag;
    int serial;              /* current generation */
    int64_t target_us;       /* exact-seek target of `serial`, NO_TARGET if none */
    int64_t target_board_us; /* if not NO_TARGET: target_us is resolved from it by
                                the demux thread (after the anchor probe) */
    bool seek_pending;       /* the demuxer has not yet moved for `serial` */
    unsigned sei_problems;   /* damaged SEI seen (for rate-limited warnings) */
};

static char *dup_or_empty(const char *s)
{
    const char *src = s ? s : "";
    size_t n = strlen(src) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, src, n);
    return p;
}

/* One warning naming lane, file and media time, with the code a caller
 * acts on; logged and kept. */
static void warn_at_code(struct segdec *d, enum diag_code code, int64_t pts_us, const char *what,
                         int averr)
{
    char err[AV_ERROR_MAX_STRING_SIZE] = "";
    if (averr)
        av_strerror(averr, err, sizeof(err));
    char when[48] = "";
    if (pts_us != AV_NOPTS_VALUE)
        snprintf(when, sizeof(when), "at %.3f s: ", (double)pts_us / 1e6);
    pthread_mutex_lock(&d->lock);
    diag_add_code(&d->diag, DIAG_WARNING, code, "%s%s%s: %s%s%s%s%s", d->lane, *d->lane ? ": " : "",
                  d->url, when, what, averr ? " (" : "", err, averr ? ")" : "");
    pthread_mutex_unlock(&d->lock);
    /* the diag list is the user's channel; the log only for debugging */
    SP_DBG(&lg, "%s%s%s: %s%s%s%s%s", d->lane, *d->lane ? ": " : "", d->url, when, what,
           averr ? " (" : "", err, averr ? ")" : "");
}

static void warn_at(struct segdec *d, int64_t pts_us, const char *what, int averr)
{
    warn_at_code(d, DIAG_CODE_NONE, pts_us, what, averr);
}

static int64_t to_us(int64_t ts, AVRational tb)
{
    return ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(ts, tb, AV_TIME_BASE_Q);
}

/* ---- decode threads ------------------------------------------------------ */

/* A picture over the limit (picture_limit.h) fails to decode like damage
 * does; the user hears which it was. */
static void warn_decode_failed(struct stream_dec *sd, int64_t pts_us, int averr)
{
    if (sd->is_video && picture_limit_refused(&sd->limit))
        warn_at_code(sd->d, DIAG_CODE_MEDIA_PICTURE_LIMIT, pts_us,
                     "a picture over the size limit (" PICTURE_LIMIT_TEXT "): not decoded", 0);
    else
        warn_at(sd->d, pts_us, "decoding failed", averr);
}

struct decode_state {
    int serial;
    int64_t target_us;
    AVFrame *held; /* video: best candidate so far for the seek target */
    bool have_held;
    int64_t held_pts;
    int64_t next_pts; /* synthesized pts for frames without one */
    unsigned errors;  /* decode errors in this serial */
    /* video, while seeking: the highest packet pts sent so far that is at
     * most the target (NO_TARGET: none yet). A frame whose pts is below
     * it cannot be the one held for the target, see skip_before_target() */
    int64_t best_below;
};

static int push(struct stream_dec *sd, AVFrame *f, int64_t pts, int serial)
{
    struct segdec *d = sd->d;
    int64_t dur;
    if (sd->is_video) {
        pthread_mutex_lock(&d->lock);
        dur = d->info.frame_dur_us;
        pthread_mutex_unlock(&d->lock);
    } else {
        dur = f->sample_rate > 0 ? (int64_t)f->nb_samples * 1000000 / f->sample_rate : 0;
    }
    struct frame_meta m = {.serial = serial, .pts_us = pts, .duration_us = dur};
    return frame_queue_push(sd->fq, f, &m);
}

static void note_first_pts(struct segdec *d, int64_t pts, bool is_video)
{
    pthread_mutex_lock(&d->lock);
    /* the first frame of the segment: video wins over audio */
    if (!d->info.first_known && (is_video || !d->info.has_video)) {
        d->info.first_pts_us = pts;
        d->info.first_known = true;
        lane_map_set_first_pts(&d->map, pts);
    }
    pthread_mutex_unlock(&d->lock);
}

/* Routes one decoded frame: exact-seek filtering, then the queue. Returns
 * SP_ECANCELLED when the decoder is shutting down. */
static int handle_frame(struct stream_dec *sd, struct decode_state *ds, AVFrame *f)
{
    int64_t pts = to_us(f->best_effort_timestamp, sd->tb);
    if (pts == AV_NOPTS_VALUE)
        pts = ds->next_pts;
    int64_t dur_us = 0;
    if (!sd->is_video && f->sample_rate > 0)
        dur_us = (int64_t)f->nb_samples * 1000000 / f->sample_rate;
    ds->next_pts = pts + dur_us;
    if (ds->serial == 0 && ds->target_us == NO_TARGET)
        note_first_pts(sd->d, pts, sd->is_video);

    if (ds->target_us != NO_TARGET) {
        if (sd->is_video && pts <= ds->target_us) {
            av_frame_unref(ds->held);
            av_frame_move_ref(ds->held, f);
            ds->have_held = true;
            ds->held_pts = pts;
            return 0;
        }
        if (!sd->is_video && pts + dur_us <= ds->target_us) {
            av_frame_unref(f);
            return 0;
        }
        ds->target_us = NO_TARGET;
        if (ds->have_held) {
            ds->have_held = false;
            if (push(sd, ds->held, ds->held_pts, ds->serial) < 0)
                return SP_ECANCELLED;
        }
    }
    return push(sd, f, pts, ds->serial) < 0 ? SP_ECANCELLED : 0;
}

static int receive_all(struct stream_dec *sd, struct decode_state *ds, AVFrame *f)
{
    for (;;) {
        int r = avcodec_receive_frame(sd->avctx, f);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0) {
            if (ds->errors++ % DECODE_WARN_EVERY == 0)
                warn_decode_failed(sd, ds->next_pts, r);
            return 0;
        }
        /* concealed damage decodes "fine" but the user should hear of it */
        if ((f->decode_error_flags || (f->flags & AV_FRAME_FLAG_CORRUPT)) &&
            ds->errors++ % DECODE_WARN_EVERY == 0)
            warn_at(sd->d, to_us(f->best_effort_timestamp, sd->tb), "damaged frame concealed", 0);
        if (handle_frame(sd, ds, f) < 0)
            return SP_ECANCELLED;
    }
}

/* Exact seek, decode forward from the key frame: a frame that comes out
 * before the target is dropped (only the last one at or below the target
 * is kept), so a frame nothing refers to need not be decoded at all. That
 * is provable for a packet whose pts is below that of a packet already
 * sent with pts <= target: frames come out in pts order, so the later one
 * replaces it as the held frame. Such a packet is sent with skip_frame =
 * AVDISCARD_NONREF: the decoder drops it if it is a non-reference frame
 * (B-frames, typically half the frames of a GOP) and decodes it as usual
 * otherwise (a reference frame is needed for what follows). The frames
 * that do come out are bit-identical: a reference picture never depends
 * on a non-reference one. (With frame threads, libavcodec copies
 * skip_frame to the worker with each packet.) */
static void skip_before_target(struct stream_dec *sd, struct decode_state *ds, const AVPacket *pkt)
{
    bool skip = false;
    int64_t pts = to_us(pkt->pts, sd->tb);
    if (sd->is_video && ds->target_us != NO_TARGET && pts != AV_NOPTS_VALUE) {
        skip = ds->best_below != NO_TARGET && pts < ds->best_below;
        if (pts <= ds->target_us && (ds->best_below == NO_TARGET || pts > ds->best_below))
            ds->best_below = pts;
    }
    sd->avctx->skip_frame = skip ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
}

static void *stream_main(void *arg)
{
    struct stream_dec *sd = arg;
    struct segdec *d = sd->d;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    struct decode_state ds = {.serial = -1, .target_us = NO_TARGET, .best_below = NO_TARGET};
    ds.held = av_frame_alloc();
    if (!pkt || !f || !ds.held)
        goto done;
    for (;;) {
        int serial;
        if (packet_queue_get(sd->pq, pkt, &serial, true) < 0)
            break;
        if (serial != ds.serial) {
            /* a new generation: forget the old one entirely */
            if (ds.serial >= 0)
                avcodec_flush_buffers(sd->avctx);
            ds.serial = serial;
            av_frame_unref(ds.held);
            ds.have_held = false;
            ds.errors = 0;
            pthread_mutex_lock(&d->lock);
            ds.target_us = serial == d->serial ? d->target_us : NO_TARGET;
            pthread_mutex_unlock(&d->lock);
            ds.next_pts = ds.target_us != NO_TARGET ? ds.target_us : 0;
            ds.best_below = NO_TARGET;
        }
        bool drain = pkt->size == 0 && !pkt->data;
        if (!drain)
            skip_before_target(sd, &ds, pkt);
        int r = avcodec_send_packet(sd->avctx, drain ? NULL : pkt);
        /* a packet the file ends inside (flagged corrupt) fails for that
         * reason alone: the short file is said where it is known */
        bool cut = !drain && (pkt->flags & AV_PKT_FLAG_CORRUPT);
        if (r < 0 && r != AVERROR_EOF && !cut && ds.errors++ % DECODE_WARN_EVERY == 0)
            warn_decode_failed(sd, to_us(pkt->pts, sd->tb), r);
        av_packet_unref(pkt);
        if (receive_all(sd, &ds, f) < 0)
            break;
        if (drain) {
            /* a seek target past the last frame shows the last frame */
            if (ds.have_held) {
                ds.have_held = false;
                if (push(sd, ds.held, ds.held_pts, ds.serial) < 0)
                    break;
            }
            frame_queue_set_eof(sd->fq, ds.serial);
            /* the codec is drained: it takes packets again only after a
             * flush, which the next serial change does */
            avcodec_flush_buffers(sd->avctx);
        }
    }
done:
    av_frame_free(&ds.held);
    av_frame_free(&f);
    av_packet_free(&pkt);
    return NULL;
}

/* ---- demux thread --------------------------------------------------------- */

static int interrupt_cb(void *opaque)
{
    struct segdec *d = opaque;
    return atomic_load(&d->abort) ? 1 : 0;
}

static int open_codec(struct segdec *d, struct stream_dec *sd, const AVStream *st)
{
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec) {
        warn_at(d, AV_NOPTS_VALUE,
                sd->is_video ? "no decoder for the video codec" : "no decoder for the audio codec",
                0);
        return SP_EUNSUPPORTED;
    }
    AVCodecContext *c = avcodec_alloc_context3(codec);
    if (!c)
        return SP_ENOMEM;
    int r = avcodec_parameters_to_context(c, st->codecpar);
    if (r >= 0) {
        c->pkt_timebase = st->time_base;
        c->thread_count = d->codec_threads;
        picture_limit_decoder(c, &sd->limit);
        r = avcodec_open2(c, codec, NULL);
    }
    if (r < 0) {
        warn_at(d, AV_NOPTS_VALUE, "cannot open the decoder", r);
        avcodec_free_context(&c);
        return SP_EDECODE;
    }
    sd->avctx = c;
    sd->index = st->index;
    sd->tb = st->time_base;
    return 0;
}

const char *segdec_protocol_whitelist(bool custom_io)
{
    return custom_io ? "" : "file";
}

/* Opens the file and the decoders; publishes info. Returns 0 or < 0 (the
 * warning already given). */
static int open_input(struct segdec *d)
{
    d->fmt = avformat_alloc_context();
    if (!d->fmt)
        return SP_ENOMEM;
    d->fmt->interrupt_callback.callback = interrupt_cb;
    d->fmt->interrupt_callback.opaque = d;
    if (d->pb) {
        d->fmt->pb = d->pb;
        d->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    }
    /* No FFmpeg protocol is reachable from a document: a local file opens
     * through "file" only, and remote media comes through our own AVIO, so
     * with custom IO FFmpeg may open nothing at all (an empty list matches
     * no protocol). */
    AVDictionary *opts = NULL;
    int r = av_dict_set(&opts, "protocol_whitelist", segdec_protocol_whitelist(d->pb != NULL), 0);
    if (r < 0) {
        avformat_free_context(d->fmt); /* a custom pb is ours, not closed here */
        d->fmt = NULL;
        return SP_ENOMEM;
    }
    /* A local path is opened as "file:PATH", so FFmpeg never reads a
     * protocol out of the path itself ("pipe:0", "subfile,,...:"). */
    char *local = NULL;
    if (!d->pb && strncmp(d->url, "file:", 5) != 0) {
        size_t n = strlen(d->url) + sizeof("file:");
        local = malloc(n);
        if (local)
            snprintf(local, n, "file:%s", d->url);
    }
    if (!d->pb && !local && strncmp(d->url, "file:", 5) != 0) {
        av_dict_free(&opts);
        avformat_free_context(d->fmt);
        d->fmt = NULL;
        return SP_ENOMEM;
    }
    r = avformat_open_input(&d->fmt, local ? local : d->url, NULL, &opts);
    free(local);
    av_dict_free(&opts);
    if (r < 0) {
        /* fmt is freed by FFmpeg; an abort is not the file's fault */
        if (!atomic_load(&d->abort))
            warn_at_code(d, DIAG_CODE_MEDIA_UNREADABLE, AV_NOPTS_VALUE, "cannot open", r);
        return SP_EIO;
    }
    r = picture_limit_find_stream_info(d->fmt);
    if (r < 0) {
        if (!atomic_load(&d->abort))
            warn_at_code(d, DIAG_CODE_MEDIA_UNREADABLE, AV_NOPTS_VALUE,
                         "cannot read the stream layout", r);
        return SP_EIO;
    }
    int vi = d->no_video ? -1 : av_find_best_stream(d->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    int ai = d->no_audio ? -1 : av_find_best_stream(d->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    bool refused = false; /* a stream is over a limit: said, and why nothing plays */
    if (vi >= 0) {
        const AVCodecParameters *par = d->fmt->streams[vi]->codecpar;
        if (par->width > 0 && par->height > 0 && picture_over_limit(par->width, par->height)) {
            char what[160];
            snprintf(what, sizeof(what),
                     "the video declares %dx%d, over the size limit (" PICTURE_LIMIT_TEXT
                     "): not decoded",
                     par->width, par->height);
            warn_at_code(d, DIAG_CODE_MEDIA_PICTURE_LIMIT, AV_NOPTS_VALUE, what, 0);
            vi = -1;
            refused = true;
        }
    }
    if (vi >= 0 && open_codec(d, &d->v, d->fmt->streams[vi]) < 0)
        vi = -1;
    if (ai >= 0) {
        /* the rate sets how many samples a frame becomes in the mix */
        int rate = d->fmt->streams[ai]->codecpar->sample_rate;
        if (rate > 0 && (rate < AUDIO_MIX_MIN_IN_RATE || rate > AUDIO_MIX_MAX_IN_RATE)) {
            char what[160];
            snprintf(what, sizeof(what),
                     "the audio declares %d Hz, outside the rates played (%d to %d Hz): not played",
                     rate, AUDIO_MIX_MIN_IN_RATE, AUDIO_MIX_MAX_IN_RATE);
            warn_at_code(d, DIAG_CODE_MEDIA_AUDIO_RATE, AV_NOPTS_VALUE, what, 0);
            ai = -1;
            refused = true;
        }
    }
    if (ai >= 0 && open_codec(d, &d->a, d->fmt->streams[ai]) < 0)
        ai = -1;
    if (vi < 0 && ai < 0) {
        if (!refused)
            warn_at(d, AV_NOPTS_VALUE, "no playable video or audio stream", 0);
        return SP_EUNSUPPORTED;
    }
    for (unsigned i = 0; i < d->fmt->nb_streams; i++)
        if ((int)i != vi && (int)i != ai)
            d->fmt->streams[i]->discard = AVDISCARD_ALL;
    /* An MP4's index lists every sample before any is read: a file whose
     * streams have an index and no samples opens fine and shows nothing,
     * which verify reports; say it here too (a warning: play ends non-zero). */
    if (strstr(d->fmt->iformat->name, "mp4") &&
        (vi < 0 || avformat_index_get_entries_count(d->fmt->streams[vi]) == 0) &&
        (ai < 0 || avformat_index_get_entries_count(d->fmt->streams[ai]) == 0))
        warn_at_code(d, DIAG_CODE_MEDIA_UNREADABLE, AV_NOPTS_VALUE,
                     "has no samples (its index lists none): nothing of it can be shown", 0);

    struct segdec_info in = {0};
    if (vi >= 0) {
        const AVStream *st = d->fmt->streams[vi];
        AVRational fr = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
        in.has_video = true;
        in.width = st->codecpar->width;
        in.height = st->codecpar->height;
        in.frame_dur_us = fr.num > 0 && fr.den > 0 ? av_rescale(1000000, fr.den, fr.num) : 40000;
    }
    if (ai >= 0) {
        const AVStream *st = d->fmt->streams[ai];
        in.has_audio = true;
        in.sample_rate = st->codecpar->sample_rate;
        in.channels = st->codecpar->ch_layout.nb_channels;
    }
    in.duration_us = d->fmt->duration > 0 ? d->fmt->duration : 0;
    /* The first frame's media time: the stream's start time (after the
     * edit list), or else the first decoded frame (note_first_pts). */
    const AVStream *first = d->fmt->streams[vi >= 0 ? vi : ai];
    pthread_mutex_lock(&d->lock);
    in.first_known = d->info.first_known; /* keep what a decode thread set */
    in.first_pts_us = d->info.first_pts_us;
    if (!in.first_known && first->start_time != AV_NOPTS_VALUE) {
        in.first_pts_us = to_us(first->start_time, first->time_base);
        in.first_known = true;
        lane_map_set_first_pts(&d->map, in.first_pts_us);
    }
    d->info = in;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

static void scan_sei(struct segdec *d, const AVPacket *pkt)
{
    if (!d->sei_scan || pkt->pts == AV_NOPTS_VALUE)
        return;
    int64_t sync[SEGDEC_MAX_SEI_PER_PACKET];
    struct diag_list local;
    diag_init(&local);
    size_t n = d->sei_scan(d->sei_opaque, d->fmt->streams[d->v.index]->codecpar, pkt->data,
                           (size_t)pkt->size, sync, SEGDEC_MAX_SEI_PER_PACKET, &local);
    int64_t pts = to_us(pkt->pts, d->v.tb);
    pthread_mutex_lock(&d->lock);
    int refused = 0;
    for (size_t i = 0; i < n && i < SEGDEC_MAX_SEI_PER_PACKET; i++)
        if (lane_map_add_anchor_us(&d->map, pts, sync[i]) < 0)
            refused++;
    /* corrupt SEI comes in runs (a damaged stretch of file): the first of
     * a run of DECODE_WARN_EVERY is reported, with lane, file and time. A
     * packet the file ends inside (FFmpeg flags it corrupt) is not: the
     * short file is said once, where it is known (its VideoSize, the
     * download's length) */
    bool cut = pkt->flags & AV_PKT_FLAG_CORRUPT;
    bool report = local.count > 0 && !cut && d->sei_problems++ % DECODE_WARN_EVERY == 0;
    pthread_mutex_unlock(&d->lock);
    if (report)
        warn_at(d, pts, local.items[0].text, 0);
    diag_clear(&local);
    if (refused)
        warn_at(d, pts, "SEI syncTime inconsistent with the earlier ones; ignored", 0);
}

/* Marks eof on the queues of absent streams for this serial. */
static void eof_absent(struct segdec *d, int serial)
{
    if (d->v.index < 0)
        frame_queue_set_eof(d->v.fq, serial);
    if (d->a.index < 0)
        frame_queue_set_eof(d->a.fq, serial);
}

static void put_eof(struct segdec *d, int serial)
{
    AVPacket *empty = av_packet_alloc();
    if (!empty)
        return;
    if (d->v.index >= 0)
        packet_queue_put(d->v.pq, empty, serial, true);
    if (d->a.index >= 0)
        packet_queue_put(d->a.pq, empty, serial, true);
    av_packet_free(&empty);
}

/* Waits for a seek or abort; returns false on abort. */
static bool wait_for_seek(struct segdec *d)
{
    pthread_mutex_lock(&d->lock);
    while (!d->seek_pending && !atomic_load(&d->abort))
        pthread_cond_wait(&d->cond, &d->lock);
    pthread_mutex_unlock(&d->lock);
    return !atomic_load(&d->abort);
}

/* Back to the first packet of the stream. (INT64_MIN as a target makes
 * the mov demuxer pick the last key frame, hence the start time.) */
static int rewind_to_start(struct segdec *d, const struct stream_dec *sd)
{
    const AVStream *st = d->fmt->streams[sd->index];
    int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    if (av_seek_frame(d->fmt, sd->index, start, AVSEEK_FLAG_BACKWARD) >= 0)
        return 0;
    return avformat_seek_file(d->fmt, sd->index, INT64_MIN, start, start, 0) < 0 ? SP_EIO : 0;
}

static void do_seek(struct segdec *d, int serial, int64_t target)
{
    const struct stream_dec *sd = d->v.index >= 0 ? &d->v : &d->a;
    if (target == NO_TARGET) { /* segdec_rewind() */
        if (rewind_to_start(d, sd) < 0)
            warn_at(d, AV_NOPTS_VALUE, "cannot go back to the start", 0);
        eof_absent(d, serial);
        return;
    }
    /* round down: a key frame 1 µs after the target must not be chosen */
    int64_t ts = av_rescale_q_rnd(target, AV_TIME_BASE_Q, sd->tb, AV_ROUND_DOWN);
    int r = av_seek_frame(d->fmt, sd->index, ts, AVSEEK_FLAG_BACKWARD);
    if (r < 0) {
        /* before the first key frame (or unseekable): read from the start */
        if (rewind_to_start(d, sd) < 0)
            warn_at(d, target, "seek failed", r);
    }
    eof_absent(d, serial);
}

/* Reads the first video packets until the SEI hook has given an anchor (or
 * PROBE_MAX_PACKETS / PROBE_MAX_US of video went by), then rewinds: a seek
 * by board time needs the map before it picks its key frame. */
static void probe_anchors(struct segdec *d, AVPacket *pkt)
{
    if (!d->sei_scan || d->v.index < 0)
        return;
    int64_t first = AV_NOPTS_VALUE;
    bool read_any = false;
    for (int i = 0; i < PROBE_MAX_PACKETS && !atomic_load(&d->abort); i++) {
        if (av_read_frame(d->fmt, pkt) < 0)
            break;
        read_any = true;
        bool video = pkt->stream_index == d->v.index;
        int64_t pts = video ? to_us(pkt->pts, d->v.tb) : AV_NOPTS_VALUE;
        if (video)
            scan_sei(d, pkt);
        av_packet_unref(pkt);
        if (pts != AV_NOPTS_VALUE && first == AV_NOPTS_VALUE)
            first = pts;
        if (segdec_anchor_count(d) > 0 || (pts != AV_NOPTS_VALUE && pts - first > PROBE_MAX_US))
            break;
    }
    if (read_any && rewind_to_start(d, &d->v) < 0)
        warn_at(d, AV_NOPTS_VALUE, "cannot rewind after reading the first sync times", 0);
}

static void *demux_main(void *arg)
{
    struct segdec *d = arg;
    AVPacket *pkt = av_packet_alloc();
    bool ok = pkt && open_input(d) == 0;
    if (!ok) {
        d->v.index = d->a.index = -1;
        avformat_close_input(&d->fmt);
    } else {
        probe_anchors(d, pkt); /* before RUNNING: then the map is known */
    }
    pthread_mutex_lock(&d->lock);
    d->state = ok ? SEGDEC_RUNNING : SEGDEC_FAILED;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);

    int serial = 0;
    eof_absent(d, 0);
    bool at_eof = !ok || !pkt;
    while (!atomic_load(&d->abort)) {
        pthread_mutex_lock(&d->lock);
        bool seek = d->seek_pending;
        if (seek && d->target_board_us != NO_TARGET) {
            d->target_us = lane_map_pts_us(&d->map, d->target_board_us - d->board_offset_us) -
                           SEGDEC_SEEK_MARGIN_US;
            d->target_board_us = NO_TARGET;
        }
        int64_t target = d->target_us;
        if (seek) {
            serial = d->serial;
            d->seek_pending = false;
        }
        pthread_mutex_unlock(&d->lock);
        if (seek) {
            if (ok && pkt) {
                do_seek(d, serial, target);
                at_eof = false;
            } else {
                eof_absent(d, serial);
            }
        }
        if (at_eof) {
            if (!wait_for_seek(d))
                break;
            continue;
        }
        int r = av_read_frame(d->fmt, pkt);
        if (r < 0) {
            if (r != AVERROR_EOF && !atomic_load(&d->abort))
                warn_at_code(d, DIAG_CODE_MEDIA_UNREADABLE, AV_NOPTS_VALUE,
                             "read error, the rest of the file is skipped", r);
            put_eof(d, serial);
            at_eof = true;
            continue;
        }
        struct stream_dec *sd = pkt->stream_index == d->v.index   ? &d->v
                                : pkt->stream_index == d->a.index ? &d->a
                                                                  : NULL;
        if (!sd) {
            av_packet_unref(pkt);
            continue;
        }
        if (sd == &d->v)
            scan_sei(d, pkt);
        /* a starving sibling lets this queue overfill (see packet_queue.h) */
        struct stream_dec *other = sd == &d->v ? &d->a : &d->v;
        size_t other_n = 1;
        if (other->index >= 0)
            packet_queue_level(other->pq, &other_n, NULL);
        if (packet_queue_put(sd->pq, pkt, serial, other_n == 0) == SP_ECANCELLED)
            break;
    }
    av_packet_free(&pkt);
    return NULL;
}

/* ---- public ---------------------------------------------------------------- */

static int stream_init(struct segdec *d, struct stream_dec *sd, bool is_video, size_t frames)
{
    sd->d = d;
    sd->is_video = is_video;
    sd->index = -1;
    int r = packet_queue_create(&sd->pq, is_video ? VIDEO_PACKETS_MAX : AUDIO_PACKETS_MAX,
                                is_video ? VIDEO_BYTES_MAX : AUDIO_BYTES_MAX);
    if (r == 0)
        r = frame_queue_create(&sd->fq, frames);
    return r;
}

int segdec_create(const struct segdec_opts *o, struct segdec **out)
{
    if (!o || !out || !o->url || !*o->url)
        return SP_EINVAL;
    *out = NULL;
    size_t vf = o->video_frames ? o->video_frames : 4;
    size_t af = o->audio_frames ? o->audio_frames : 48;
    if (vf > FRAME_QUEUE_MAX || af > FRAME_QUEUE_MAX)
        return SP_EINVAL;
    struct segdec *d = calloc(1, sizeof(*d));
    if (!d)
        return SP_ENOMEM;
    pthread_mutex_init(&d->lock, NULL);
    sp_os_cond_init(&d->cond);
    diag_init(&d->diag);
    lane_map_init_us(&d->map, 0, o->sync_time_us, o->play_time_board_us);
    d->board_offset_us = o->board_offset_us;
    d->url = dup_or_empty(o->url);
    d->lane = dup_or_empty(o->lane);
    d->pb = o->pb;
    d->no_video = o->no_video;
    d->no_audio = o->no_audio;
    d->codec_threads = o->codec_threads;
    d->sei_scan = o->sei_scan;
    d->sei_opaque = o->sei_opaque;
    d->target_us = NO_TARGET;
    d->target_board_us = NO_TARGET;
    if (o->start_board_us > 0) {
        d->target_board_us = o->start_board_us;
        d->seek_pending = true;
    } else if (o->start_pts_us > 0) {
        d->target_us = o->start_pts_us;
        d->seek_pending = true;
    }
    int r = SP_ENOMEM;
    if (!d->url || !d->lane)
        goto fail;
    if ((r = stream_init(d, &d->v, true, vf)) < 0 || (r = stream_init(d, &d->a, false, af)) < 0)
        goto fail;
    r = SP_ENOMEM;
    if (pthread_create(&d->v.thread, NULL, stream_main, &d->v) != 0)
        goto fail;
    d->v.started = true;
    if (pthread_create(&d->a.thread, NULL, stream_main, &d->a) != 0)
        goto fail;
    d->a.started = true;
    if (pthread_create(&d->demux, NULL, demux_main, d) != 0)
        goto fail;
    d->demux_started = true;
    *out = d;
    return 0;
fail:
    segdec_destroy(&d);
    return r;
}

static void stream_free(struct stream_dec *sd)
{
    if (sd->started)
        pthread_join(sd->thread, NULL);
    avcodec_free_context(&sd->avctx);
    packet_queue_destroy(&sd->pq);
    frame_queue_destroy(&sd->fq);
}

void segdec_abort(struct segdec *d)
{
    if (!d)
        return;
    atomic_store(&d->abort, true);
    pthread_mutex_lock(&d->lock);
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    struct stream_dec *sds[] = {&d->v, &d->a};
    for (int i = 0; i < 2; i++) {
        if (sds[i]->pq)
            packet_queue_abort(sds[i]->pq);
        if (sds[i]->fq)
            frame_queue_abort(sds[i]->fq);
    }
}

void segdec_destroy(struct segdec **dp)
{
    if (!dp || !*dp)
        return;
    struct segdec *d = *dp;
    segdec_abort(d); /* wakes every thread, so the joins below return */
    if (d->demux_started)
        pthread_join(d->demux, NULL);
    stream_free(&d->v);
    stream_free(&d->a);
    avformat_close_input(&d->fmt);
    lane_map_clear(&d->map);
    diag_clear(&d->diag);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
    free(d->url);
    free(d->lane);
    free(d);
    *dp = NULL;
}

enum segdec_state segdec_state(struct segdec *d)
{
    pthread_mutex_lock(&d->lock);
    enum segdec_state s = d->state;
    pthread_mutex_unlock(&d->lock);
    return s;
}

int segdec_wait_ready_us(struct segdec *d, int64_t timeout_us)
{
    struct timespec dl;
    sp_os_cond_now(&dl);
    int64_t t0_us = (int64_t)dl.tv_sec * 1000000 + dl.tv_nsec / 1000;
    if (timeout_us >= 0) {
        int64_t ns = dl.tv_nsec + (timeout_us % 1000000) * 1000;
        dl.tv_sec += (time_t)(timeout_us / 1000000 + ns / 1000000000);
        dl.tv_nsec = (long)(ns % 1000000000);
    }
    pthread_mutex_lock(&d->lock);
    while (d->state == SEGDEC_OPENING) {
        if (timeout_us < 0)
            pthread_cond_wait(&d->cond, &d->lock);
        else if (pthread_cond_timedwait(&d->cond, &d->lock, &dl) != 0)
            break;
    }
    enum segdec_state st = d->state;
    bool video = d->info.has_video;
    pthread_mutex_unlock(&d->lock);
    if (st == SEGDEC_OPENING)
        return SP_ETIMEOUT;
    if (st == SEGDEC_FAILED)
        return SP_EEOF;
    int64_t left_us = -1;
    if (timeout_us >= 0) {
        struct timespec now;
        sp_os_cond_now(&now);
        int64_t spent = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000 - t0_us;
        left_us = spent < timeout_us ? timeout_us - spent : 0;
    }
    return frame_queue_wait_us(video ? d->v.fq : d->a.fq, 1, left_us);
}

void segdec_get_info(struct segdec *d, struct segdec_info *info)
{
    pthread_mutex_lock(&d->lock);
    *info = d->info;
    pthread_mutex_unlock(&d->lock);
}

struct frame_queue *segdec_video_frames(struct segdec *d)
{
    return d->v.fq;
}

struct frame_queue *segdec_audio_frames(struct segdec *d)
{
    return d->a.fq;
}

int segdec_serial(struct segdec *d)
{
    pthread_mutex_lock(&d->lock);
    int s = d->serial;
    pthread_mutex_unlock(&d->lock);
    return s;
}

/* One seek request: pts target, or board target resolved by the demuxer. */
static int request_seek(struct segdec *d, int64_t pts_us, int64_t board_us)
{
    pthread_mutex_lock(&d->lock);
    int serial = ++d->serial;
    d->target_us = pts_us;
    d->target_board_us = board_us;
    d->seek_pending = true;
    /* flush under the lock so that serials reach the queues in order */
    packet_queue_flush(d->v.pq, serial);
    packet_queue_flush(d->a.pq, serial);
    frame_queue_flush(d->v.fq, serial);
    frame_queue_flush(d->a.fq, serial);
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    return serial;
}

int segdec_seek(struct segdec *d, int64_t pts_us)
{
    return request_seek(d, pts_us, NO_TARGET);
}

int segdec_seek_board(struct segdec *d, int64_t board_us)
{
    return request_seek(d, NO_TARGET, board_us);
}

int segdec_rewind(struct segdec *d)
{
    return request_seek(d, NO_TARGET, NO_TARGET);
}

int64_t segdec_board_us(struct segdec *d, int64_t pts_us)
{
    pthread_mutex_lock(&d->lock);
    int64_t b = lane_map_board_us(&d->map, pts_us) + d->board_offset_us;
    pthread_mutex_unlock(&d->lock);
    return b;
}

int64_t segdec_pts_us(struct segdec *d, int64_t board_us)
{
    pthread_mutex_lock(&d->lock);
    int64_t p = lane_map_pts_us(&d->map, board_us - d->board_offset_us);
    pthread_mutex_unlock(&d->lock);
    return p;
}

int64_t segdec_start_board_us(struct segdec *d, enum lane_map_source *source)
{
    pthread_mutex_lock(&d->lock);
    int64_t b = lane_map_start_board_us(&d->map, source);
    pthread_mutex_unlock(&d->lock);
    return b;
}

void segdec_set_board_offset_us(struct segdec *d, int64_t offset_us)
{
    pthread_mutex_lock(&d->lock);
    d->board_offset_us = offset_us;
    pthread_mutex_unlock(&d->lock);
}

void segdec_set_play_time_board_us(struct segdec *d, int64_t board_us)
{
    pthread_mutex_lock(&d->lock);
    lane_map_set_play_time_board_us(&d->map, board_us);
    pthread_mutex_unlock(&d->lock);
}

size_t segdec_anchor_count(struct segdec *d)
{
    pthread_mutex_lock(&d->lock);
    size_t n = lane_map_anchor_count(&d->map);
    pthread_mutex_unlock(&d->lock);
    return n;
}

int64_t segdec_anchor_board_before(struct segdec *d, int64_t pts_us)
{
    struct lane_map_point a;
    pthread_mutex_lock(&d->lock);
    bool found = lane_map_anchor_before(&d->map, pts_us, &a);
    int64_t off = d->board_offset_us;
    pthread_mutex_unlock(&d->lock);
    return found ? a.board_us + off : -1;
}

void segdec_take_diags(struct segdec *d, struct diag_list *dst)
{
    pthread_mutex_lock(&d->lock);
    diag_move(dst, &d->diag);
    pthread_mutex_unlock(&d->lock);
}
