/* video.c - the H.264 encoder (libx264 through libavcodec) and the sync SEI
 * written into each lane's video once per second (payload type per lane:
 * 242, 5, 100 or 243; with --sei-decoy-244 also a type-244 SEI carrying a
 * wrong syncTime in the same access unit).
 *
 * Determinism: one encoder thread, bit-exact flags, no scene-cut key frames
 * (a key frame every 2 s exactly, which the seek tests rely on). x264's own
 * SEI (its version and settings, payload type 5) stays in the first access
 * unit, as in every real x264 file: readers must skip it.
 */
#include "mkclass.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>

AVCodecContext *mk_video_open(const struct mk_plan *p, bool global_header)
{
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    if (!codec) {
        fprintf(stderr, "sigplay-mkclass: FFmpeg has no libx264 encoder\n");
        return NULL;
    }
    AVCodecContext *c = avcodec_alloc_context3(codec);
    if (!c)
        return NULL;
    c->width = p->opt.width;
    c->height = p->opt.height;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    /* One tick per frame: pts are frame numbers, durations are exact. */
    c->time_base = (AVRational){1, p->opt.fps};
    c->framerate = (AVRational){p->opt.fps, 1};
    c->gop_size = 2 * p->opt.fps;
    c->keyint_min = 2 * p->opt.fps;
    c->max_b_frames = 2; /* decode order != presentation order, as in real files */
    c->thread_count = 1;
    c->flags |= AV_CODEC_FLAG_BITEXACT;
    if (global_header)
        c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    av_opt_set(c->priv_data, "preset", "superfast", 0);
    av_opt_set(c->priv_data, "crf", "26", 0);
    av_opt_set(c->priv_data, "x264-params", "scenecut=0:threads=1:lookahead-threads=1", 0);
    if (avcodec_open2(c, codec, NULL) < 0) {
        fprintf(stderr, "sigplay-mkclass: cannot open the libx264 encoder\n");
        avcodec_free_context(&c);
        return NULL;
    }
    return c;
}

static int anchor_push(struct mk_anchor **list, int *count, int64_t pts_ms, int64_t sync)
{
    struct mk_anchor *a = realloc(*list, (size_t)(*count + 1) * sizeof *a);
    if (!a)
        return -1;
    *list = a;
    a[*count].pts_ms = pts_ms;
    a[*count].sync_time = sync;
    (*count)++;
    return 0;
}

/* Builds and inserts one {"syncTime": sync} SEI of the given payload type
 * before the first slice (so after any earlier inserted SEI). */
static int insert_sync_sei(const struct mk_plan *p, const struct mk_segment *s, AVPacket *pkt,
                           int payload_type, int64_t sync)
{
    char json[64];
    snprintf(json, sizeof json, "{\"syncTime\":%" PRId64 "}", sync);
    size_t len = 0;
    uint8_t *nal = mk_sei_build(payload_type, p->sei_uuid, json, &len);
    if (!nal)
        return -1;
    int rc = mk_sei_insert(pkt, nal, len);
    free(nal);
    if (rc < 0)
        fprintf(stderr, "sigplay-mkclass: %s: cannot insert SEI at pts %" PRId64 "\n", s->file,
                (int64_t)pkt->pts);
    return rc;
}

int mk_video_add_sei(const struct mk_plan *p, struct mk_segment *s, AVPacket *pkt)
{
    const struct mk_lane *l = &p->lanes[s->lane];
    int fps = p->opt.fps;
    if (l->sei == MK_SEI_NONE || pkt->pts < 0 || pkt->pts % fps != 0)
        return 0;
    /* A frame on a whole second of media time: exact in ms. */
    int64_t pts_ms = pkt->pts / fps * 1000;
    int64_t sync = s->first_board_ms + pts_ms;
    if (!p->opt.sei_decoy_244) {
        if (insert_sync_sei(p, s, pkt, (int)l->sei, sync) < 0)
            return -1;
        return anchor_push(&s->anchors, &s->anchor_count, pts_ms, sync);
    }
    /* The decoy goes before the real anchor at even whole seconds and after
     * it at odd ones: a reader that takes the first SEI of an access unit
     * and one that takes the last are both caught. */
    int64_t decoy = sync + MK_SEI_DECOY_OFFSET_MS;
    bool decoy_first = (pts_ms / 1000) % 2 == 0;
    if ((decoy_first && insert_sync_sei(p, s, pkt, MK_SEI_DECOY_TYPE, decoy) < 0) ||
        insert_sync_sei(p, s, pkt, (int)l->sei, sync) < 0 ||
        (!decoy_first && insert_sync_sei(p, s, pkt, MK_SEI_DECOY_TYPE, decoy) < 0))
        return -1;
    if (anchor_push(&s->anchors, &s->anchor_count, pts_ms, sync) < 0 ||
        anchor_push(&s->decoys, &s->decoy_count, pts_ms, decoy) < 0)
        return -1;
    return 0;
}
