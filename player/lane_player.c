/* lane_player.c - see lane_player.h. */
#include "player/lane_player.h"

#include "base/platform/os_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/frame.h>

#include "player/media/audio_mix.h"
#include "player/net/avio_cache.h"
#include "player/net/fetch.h"
#include "player/recording/manifest.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"
#include "player/net/url.h"

#define SLOTS 2 /* the active segment and the next one (or an idle one) */

struct slot {
    const struct rec_segment *seg; /* NULL: free */
    struct segdec *dec;
    struct avio_cache *ac; /* remote media: the decoder reads through it */
    bool est_fed;          /* its origin estimate was handed out */
    bool ac_reported;      /* the download's failure is in the diag list */
    bool len_reported;     /* the download's length warning is in the diag list */
    bool mix_refused;      /* a frame the mixer refused is in the diag list */
    bool aborted;          /* lane_player_abort() stopped it, its diagnostics taken */
    /* Idle: a seek moved away from it (local media only). The decoder is
     * kept (a seek back to it needs no reopen) until
     * LANE_PLAYER_KEEP_IDLE_US of playback have passed since idle_since_us
     * (re-armed by each seek), or its slot is needed. Stale: its position
     * is not what play needs; it is re-aimed before use. */
    bool idle, stale;
    int64_t idle_since_us;
    /* Its decoder was opened or seeked at a board time (so it skipped
     * what came before): an origin moved earlier must re-aim it. */
    bool aimed;
};

struct lane_player {
    struct lane_player_opts o;
    const struct rec_lane *lane;
    struct slot slots[SLOTS];
    AVFrame *shown; /* ref of the frame on screen (empty if none) */
    AVFrame *tmp;
    bool have_shown;
    struct lane_view view;
    struct diag_list diag; /* decoder warnings of closed slots */
    bool audio_active;
    char reason[256]; /* what view.unavailable points at */
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

int64_t lane_player_wall_us(const struct timeline *tl, int64_t t_us)
{
    int64_t ms = floor_div(t_us, 1000);
    return tl_wall_from_play_us(tl, ms * 1000) + (t_us - ms * 1000);
}

int64_t lane_player_play_us(const struct timeline *tl, int64_t board_us)
{
    int64_t ms = floor_div(board_us, 1000);
    return tl_play_from_wall_us(tl, ms * 1000) + (board_us - ms * 1000);
}

int lane_player_create(const struct lane_player_opts *o, struct lane_player **out)
{
    if (!o || !o->tl || !out)
        return SP_EINVAL;
    const struct recording *rec = tl_recording(o->tl);
    if (!rec || o->lane >= rec->n_lanes)
        return SP_EINVAL;
    struct lane_player *lp = calloc(1, sizeof(*lp));
    if (!lp)
        return SP_ENOMEM;
    lp->o = *o;
    lp->lane = &rec->lanes[o->lane];
    diag_init(&lp->diag);
    lp->shown = av_frame_alloc();
    lp->tmp = av_frame_alloc();
    if (!lp->shown || !lp->tmp) {
        lane_player_destroy(&lp);
        return SP_ENOMEM;
    }
    lp->view.state = LANE_PLACEHOLDER;
    lp->view.anchor_board_us = -1;
    *out = lp;
    return 0;
}

/* Moves the slot decoder's warnings to the lane's list. When the download
 * failed (HTTP 404, timeout), the download's own reason replaces the
 * decoder's lines about an unreadable file (DIAG_CODE_MEDIA_UNREADABLE:
 * cannot open, read error): one line, the one that says why. A download
 * whose length is not the segment's VideoSize is one warning
 * (DIAG_CODE_MEDIA_LENGTH), which likewise stands for the decoder's lines
 * about the file ending early. */
static void take_slot_diags(struct lane_player *lp, struct slot *s)
{
    if (!s->dec)
        return;
    struct diag_list tmp;
    diag_init(&tmp);
    segdec_take_diags(s->dec, &tmp);
    const char *e = s->ac ? avio_cache_error(s->ac) : "";
    bool short_file = false;
    if (s->ac) {
        struct fetch_status fs;
        avio_cache_status(s->ac, &fs);
        short_file = fs.warning[0] != '\0';
        if (short_file && !s->len_reported)
            diag_add_code(&lp->diag, DIAG_WARNING, DIAG_CODE_MEDIA_LENGTH, "%s: %s", lp->lane->name,
                          fs.warning);
        s->len_reported = s->len_reported || short_file;
    }
    for (size_t i = 0; i < tmp.count; i++) {
        const struct diag_entry *t = &tmp.items[i];
        if (short_file && !e[0] && t->code == DIAG_CODE_MEDIA_UNREADABLE)
            continue; /* the length warning says why */
        if (e[0] && t->code == DIAG_CODE_MEDIA_UNREADABLE) {
            if (!s->ac_reported)
                diag_add_code(&lp->diag, DIAG_WARNING, DIAG_CODE_MEDIA_UNREADABLE, "%s: %s",
                              lp->lane->name, e);
            s->ac_reported = true;
            continue;
        }
        diag_add_code(&lp->diag, t->level, t->code, "%s", t->text);
    }
    diag_clear(&tmp);
}

static void close_slot(struct lane_player *lp, struct slot *s)
{
    /* before the cancel below sets its own error (lane_player_abort took
     * them before its cancel) */
    if (!s->aborted)
        take_slot_diags(lp, s);
    /* a demux thread blocked in a read for bytes not downloaded yet only
     * returns once its read is cancelled: cancel first, then join (what
     * it says while being cancelled is not the file's fault) */
    if (s->ac)
        avio_cache_cancel(s->ac);
    if (s->dec) {
        if (!s->ac && !s->aborted)
            segdec_take_diags(s->dec, &lp->diag);
        segdec_destroy(&s->dec);
    }
    avio_cache_close(&s->ac);
    s->seg = NULL;
    s->est_fed = false;
    s->ac_reported = s->len_reported = s->aborted = s->mix_refused = false;
    s->idle = s->stale = s->aimed = false;
}

void lane_player_abort(struct lane_player *lp)
{
    if (!lp)
        return;
    for (int i = 0; i < SLOTS; i++) {
        struct slot *s = &lp->slots[i];
        if (!s->dec)
            continue;
        take_slot_diags(lp, s); /* as close_slot(): what it says once cancelled is not news */
        if (!s->ac)
            segdec_take_diags(s->dec, &lp->diag);
        if (s->ac)
            avio_cache_cancel(s->ac);
        segdec_abort(s->dec);
        s->aborted = true;
    }
}

void lane_player_destroy(struct lane_player **lpp)
{
    if (!lpp || !*lpp)
        return;
    struct lane_player *lp = *lpp;
    for (int i = 0; i < SLOTS; i++)
        close_slot(lp, &lp->slots[i]);
    av_frame_free(&lp->shown);
    av_frame_free(&lp->tmp);
    diag_clear(&lp->diag);
    free(lp);
    *lpp = NULL;
}

/* The file name of a segment's URL (after its last '/'). */
static const char *url_base(const char *url)
{
    const char *s = url ? strrchr(url, '/') : NULL;
    return s ? s + 1 : url ? url : "";
}

/* The lane shows its tile because seg's media cannot give a picture at t:
 * why, for the tile's badge and the `i` overlay. s: its slot, NULL when
 * the segment could not even be started. */
static void set_unavailable(struct lane_player *lp, const struct rec_segment *seg,
                            const struct slot *s, const char *what)
{
    const char *base = url_base(seg->url);
    const char *e = s && s->ac ? avio_cache_error(s->ac) : "";
    if (what) {
        snprintf(lp->reason, sizeof(lp->reason), "%s: %s", base, what);
    } else if (e && e[0]) {
        snprintf(lp->reason, sizeof(lp->reason), "%s: %s", base, e);
    } else if (!seg->url || !seg->url[0]) {
        snprintf(lp->reason, sizeof(lp->reason), "no media URL");
    } else {
        char *path = NULL;
        int err = 0;
        if (url_kind(seg->url) == URL_KIND_FILE && url_to_path(seg->url, &path) == 0) {
            int fd = sp_os_open(path, SP_OS_RDONLY); /* the reason, as errno names it */
            if (fd < 0)
                err = -fd;
            sp_os_close(fd);
        }
        free(path);
        snprintf(lp->reason, sizeof(lp->reason), "%s: %s", base,
                 err ? strerror(err) : "cannot be opened or decoded");
    }
    lp->view.unavailable = lp->reason;
}

static struct slot *find_slot(struct lane_player *lp, const struct rec_segment *seg)
{
    for (int i = 0; i < SLOTS; i++)
        if (seg && lp->slots[i].seg == seg)
            return &lp->slots[i];
    return NULL;
}

/* seg's sync correction (µs). */
static int64_t seg_offset(const struct lane_player *lp, const struct rec_segment *seg)
{
    if (!lp->o.seg_offset_us || seg < lp->lane->segments ||
        seg >= lp->lane->segments + lp->lane->n_segments)
        return 0;
    return lp->o.seg_offset_us[seg - lp->lane->segments];
}

/* Opens seg in a free slot (closing one whose segment is not `keep` if
 * none is free), starting at board time start_board_us (0: from its
 * beginning). A segment that cannot even be started (no URL, no memory)
 * gets no slot and shows as a placeholder; the reason is kept. */
static void open_slot(struct lane_player *lp, const struct rec_segment *seg, int64_t start_board_us,
                      const struct rec_segment *keep)
{
    struct slot *s = NULL;
    for (int i = 0; i < SLOTS && !s; i++)
        if (!lp->slots[i].seg)
            s = &lp->slots[i];
    for (int i = 0; i < SLOTS && !s; i++)
        if (lp->slots[i].seg != keep) {
            s = &lp->slots[i];
            close_slot(lp, s);
        }
    if (!s)
        return;
    char *path = NULL;
    const char *src = seg->url;
    if (*src && url_named_check(NULL, src) != URL_NAMED_OK) {
        /* the manifest reader refuses these; never hand one to FFmpeg */
        diag_add(&lp->diag, DIAG_ERROR, "%s: '%.80s': %s", lp->lane->name, src,
                 url_named_reason(URL_NAMED_SCHEME_DENIED));
        return;
    }
    if (url_kind(src) == URL_KIND_FILE && url_to_path(src, &path) == 0)
        src = path;
    if (*src && lp->o.fetch && fetch_is_remote(src)) {
        int r = avio_cache_open(lp->o.fetch, src, FETCH_MEDIA, seg->size_bytes, &s->ac);
        if (r < 0) {
            diag_add(&lp->diag, DIAG_WARNING, "%s: %s: cannot open (%s)", lp->lane->name, src,
                     sp_strerror(r));
            free(path);
            return;
        }
    }
    struct segdec_opts o = {
        .url = src,
        .pb = s->ac ? avio_cache_ctx(s->ac) : NULL,
        .lane = lp->lane->name,
        .no_audio = lp->o.mix == NULL,
        .codec_threads = lp->o.codec_threads,
        .sei_scan = lp->o.sei_scan,
        .sync_time_us = seg->has_sync_time ? seg->sync_time_us : -1,
        .play_time_board_us = tl_wall_from_play_us(lp->o.tl, seg->play_us),
        .start_board_us = start_board_us,
        .board_offset_us = seg_offset(lp, seg),
    };
    if (!*src && seg->url_denied) {
        /* the manifest reader said why, once */
    } else if (!*src) {
        diag_add(&lp->diag, DIAG_WARNING, "%s: segment at %.3f s has no VideoUrl; skipped",
                 lp->lane->name, (double)seg->play_us / 1000000);
    } else if (segdec_create(&o, &s->dec) == 0) {
        s->seg = seg;
        s->aimed = start_board_us > 0;
    }
    if (!s->seg)
        avio_cache_close(&s->ac);
    free(path);
}

/* Makes sure seg has a decoder aimed at start_board_us (0: its start):
 * the slot it has (re-aimed if a seek left it stale), or a new one. */
static void need_slot(struct lane_player *lp, const struct rec_segment *seg, int64_t start_board_us,
                      const struct rec_segment *keep)
{
    struct slot *s = find_slot(lp, seg);
    if (!s) {
        open_slot(lp, seg, start_board_us, keep);
        return;
    }
    if (s->stale) {
        if (start_board_us > 0)
            segdec_seek_board(s->dec, start_board_us);
        else
            segdec_rewind(s->dec);
        s->stale = false;
        s->aimed = start_board_us > 0;
    }
}

static void drop_shown(struct lane_player *lp)
{
    av_frame_unref(lp->shown);
    lp->have_shown = false;
}

/* Moves s's decoded audio into the mixer until the lane's data reaches
 * ahead_us past the mix position, the audio ends (0) or the mixer is full
 * (0); waits up to wait_us for each missing frame (SP_ETIMEOUT if one does
 * not come). */
static int write_audio(struct lane_player *lp, struct slot *s, int64_t ahead_us, int64_t wait_us)
{
    int lane = (int)lp->o.lane;
    struct frame_queue *aq = segdec_audio_frames(s->dec);
    while (audio_mix_buffered_us(lp->o.mix, lane) < ahead_us) {
        struct frame_meta m;
        int r = frame_queue_peek(aq, 0, lp->tmp, &m);
        if (r == SP_EAGAIN && wait_us > 0) {
            r = frame_queue_wait_us(aq, 1, wait_us);
            if (r == 0)
                continue;
            return r == SP_EEOF ? 0 : SP_ETIMEOUT;
        }
        if (r != 0)
            return 0;
        int64_t t = lane_player_play_us(lp->o.tl, segdec_board_us(s->dec, m.pts_us));
        r = audio_mix_write(lp->o.mix, lane, lp->tmp, t);
        if (r == SP_EAGAIN) {
            av_frame_unref(lp->tmp);
            return 0;
        }
        if (r < 0 && !s->mix_refused) {
            /* once per segment: a stream's frames are all alike */
            diag_add_code(&lp->diag, DIAG_WARNING, DIAG_CODE_MEDIA_AUDIO_RATE,
                          "%s: %s: an audio frame of %d samples at %d Hz is not played (%s; the "
                          "mixer takes %d to %d Hz, at most %d s a frame)",
                          lp->lane->name, s->seg->url, lp->tmp->nb_samples, lp->tmp->sample_rate,
                          sp_strerror(r), AUDIO_MIX_MIN_IN_RATE, AUDIO_MIX_MAX_IN_RATE,
                          (int)(AUDIO_MIX_MAX_BUFFER_US / 1000000));
            s->mix_refused = true;
        }
        av_frame_unref(lp->tmp);
        frame_queue_pop(aq); /* written, or a frame the mixer refused */
    }
    return 0;
}

static void feed_audio(struct lane_player *lp, struct slot *s)
{
    if (!lp->o.mix)
        return;
    int lane = (int)lp->o.lane;
    if (!s || !s->dec) {
        if (lp->audio_active)
            audio_mix_set_active(lp->o.mix, lane, false);
        lp->audio_active = false;
        return;
    }
    struct frame_queue *aq = segdec_audio_frames(s->dec);
    (void)write_audio(lp, s, LANE_PLAYER_AUDIO_AHEAD_US, 0);
    bool active = frame_queue_wait_us(aq, 1, 0) != SP_EEOF;
    if (active != lp->audio_active)
        audio_mix_set_active(lp->o.mix, lane, active);
    lp->audio_active = active;
}

int lane_player_update(struct lane_player *lp, int64_t t_us, int64_t wait_us)
{
    struct tl_lane_state st, st2;
    int64_t t_ms = floor_div(t_us, 1000);
    if (tl_lane_at_us(lp->o.tl, lp->o.lane, t_ms * 1000, &st) < 0)
        return SP_EINVAL;
    const struct rec_segment *next = NULL;
    if (st.next_change_us != TL_NONE && st.next_change_us - t_us <= LANE_PLAYER_PREFETCH_US &&
        tl_lane_at_us(lp->o.tl, lp->o.lane, st.next_change_us, &st2) == 0 && st2.seg != st.seg)
        next = st2.seg;
    for (int i = 0; i < SLOTS; i++) {
        struct slot *s = &lp->slots[i];
        if (!s->seg)
            continue;
        if (s->seg == st.seg || s->seg == next) {
            s->idle = false;
            continue;
        }
        if (!s->idle) {
            /* its segment just ended in play: the lane's audio starts
             * over; the decoder is done (only a seek leaves one idle) */
            if (lp->o.mix)
                audio_mix_lane_reset(lp->o.mix, (int)lp->o.lane);
            close_slot(lp, s);
        } else if (t_us - s->idle_since_us > LANE_PLAYER_KEEP_IDLE_US ||
                   s->idle_since_us - t_us > LANE_PLAYER_KEEP_IDLE_US) {
            close_slot(lp, s);
        }
    }
    int64_t w = lane_player_wall_us(lp->o.tl, t_us);
    if (st.seg)
        need_slot(lp, st.seg, t_ms * 1000 > st.seg->play_us ? w : 0, next);
    if (next)
        need_slot(lp, next, 0, st.seg);

    struct slot *cur = find_slot(lp, st.seg);
    if (!cur || lp->view.seg != st.seg)
        drop_shown(lp);
    lp->view.seg = st.seg;
    lp->view.unavailable = NULL;
    lp->view.buffering = false;
    lp->view.anchors = cur ? segdec_anchor_count(cur->dec) : 0;
    lp->view.anchor_board_us = -1;
    lp->view.frame_dur_us = 0;
    if (cur && cur->ac) {
        struct fetch_status fs;
        avio_cache_status(cur->ac, &fs);
        lp->view.buffering = fs.buffering;
    }
    feed_audio(lp, cur);
    if (!cur) {
        lp->view.state = LANE_PLACEHOLDER;
        lp->view.frame = NULL;
        if (st.seg)
            set_unavailable(lp, st.seg, NULL, NULL);
        return 0;
    }
    /* the last frame with board time <= w */
    struct frame_queue *q = segdec_video_frames(cur->dec);
    bool head_known = false, ended = false;
    for (;;) {
        struct frame_meta m;
        int r = frame_queue_peek(q, 0, lp->tmp, &m);
        if (r == 0) {
            int64_t b = segdec_board_us(cur->dec, m.pts_us);
            if (b > w) {
                av_frame_unref(lp->tmp);
                head_known = true;
                break;
            }
            av_frame_unref(lp->shown);
            av_frame_move_ref(lp->shown, lp->tmp);
            lp->have_shown = true;
            lp->view.pts_us = m.pts_us;
            lp->view.board_us = b;
            frame_queue_pop(q);
            continue;
        }
        if (r == SP_EAGAIN && wait_us > 0 && frame_queue_wait_us(q, 1, wait_us) == 0)
            continue;
        ended = r == SP_EEOF;
        break;
    }
    if (!lp->have_shown) {
        lp->view.state = LANE_PLACEHOLDER;
        lp->view.frame = NULL;
        if (segdec_state(cur->dec) == SEGDEC_FAILED)
            set_unavailable(lp, st.seg, cur, NULL);
        else if (ended)
            set_unavailable(lp, st.seg, cur, "no picture could be decoded");
        return 0;
    }
    lp->view.anchor_board_us = segdec_anchor_board_before(cur->dec, lp->view.pts_us);
    /* the shown frame's board time as the map and the correction say now:
     * an origin refinement or a sync correction since it was picked moves
     * it, and a frame held at the end of its media must be judged by that */
    lp->view.board_us = segdec_board_us(cur->dec, lp->view.pts_us);
    struct segdec_info in;
    segdec_get_info(cur->dec, &in);
    lp->view.frame_dur_us = in.frame_dur_us > 0 ? in.frame_dur_us : 0;
    int64_t stale_by = w - lp->view.board_us;
    if ((ended && stale_by >= in.frame_dur_us) ||
        (head_known && stale_by >= LANE_PLAYER_HOLE_FRAMES * in.frame_dur_us)) {
        /* a hole in the media (damage skipped, file cut short): the tile,
         * not a frozen frame */
        lp->view.state = LANE_PLACEHOLDER;
        lp->view.frame = NULL;
        set_unavailable(lp, st.seg, cur, "no decodable picture here (damaged or cut short)");
        return 0;
    }
    bool late = !head_known && !ended && stale_by >= in.frame_dur_us;
    lp->view.state = late ? LANE_WAITING : LANE_SHOWING;
    lp->view.frame = lp->shown;
    return 0;
}

void lane_player_offsets_changed(struct lane_player *lp)
{
    for (int i = 0; i < SLOTS; i++) {
        struct slot *s = &lp->slots[i];
        if (!s->seg || !s->dec)
            continue;
        segdec_set_board_offset_us(s->dec, seg_offset(lp, s->seg));
        s->stale = true; /* what it queued was aimed with the old offset */
    }
    drop_shown(lp);
}

const struct lane_view *lane_player_view(const struct lane_player *lp)
{
    return &lp->view;
}

int64_t lane_player_next_change(struct lane_player *lp, int64_t wait_us)
{
    struct slot *cur = find_slot(lp, lp->view.seg);
    if (!cur)
        return INT64_MAX;
    struct frame_queue *q = segdec_video_frames(cur->dec);
    struct frame_meta m;
    int r = frame_queue_peek(q, 0, lp->tmp, &m);
    if (r == SP_EAGAIN && wait_us > 0 && frame_queue_wait_us(q, 1, wait_us) == 0)
        r = frame_queue_peek(q, 0, lp->tmp, &m);
    if (r != 0)
        return INT64_MAX;
    av_frame_unref(lp->tmp);
    return lane_player_play_us(lp->o.tl, segdec_board_us(cur->dec, m.pts_us));
}

void lane_player_seek(struct lane_player *lp, int64_t t_us)
{
    /* a short step forward within the segment on screen (a frame step, a
     * nudge): play on to it instead, from the frames already decoded */
    int64_t w_to = lane_player_wall_us(lp->o.tl, t_us);
    struct slot *cur = lp->have_shown ? find_slot(lp, lp->view.seg) : NULL;
    if (cur && !cur->stale && t_us >= cur->seg->play_us && t_us < rec_segment_end_us(cur->seg) &&
        w_to >= lp->view.board_us && w_to - lp->view.board_us <= LANE_PLAYER_SEEK_AHEAD_US)
        return;
    drop_shown(lp);
    lp->view.state = LANE_PLACEHOLDER;
    lp->view.frame = NULL;
    lp->view.unavailable = NULL;
    lp->view.anchor_board_us = -1;
    int64_t w = lane_player_wall_us(lp->o.tl, t_us);
    for (int i = 0; i < SLOTS; i++) {
        struct slot *s = &lp->slots[i];
        if (!s->seg)
            continue;
        if (t_us >= s->seg->play_us && t_us < rec_segment_end_us(s->seg)) {
            segdec_seek_board(s->dec, w);
            s->stale = s->idle = false;
            s->aimed = true;
        } else if (s->ac) {
            close_slot(lp, s); /* remote: its reads would compete with play's */
        } else {
            /* kept for a seek back; update() re-aims it if play needs it */
            s->stale = s->idle = true;
            s->idle_since_us = t_us;
        }
    }
    /* open what t needs now rather than in update(), which waits for
     * each lane's frames in turn: every lane's decoder starts at once */
    struct tl_lane_state st;
    int64_t t_ms = floor_div(t_us, 1000);
    if (tl_lane_at_us(lp->o.tl, lp->o.lane, t_ms * 1000, &st) == 0 && st.seg &&
        !find_slot(lp, st.seg))
        open_slot(lp, st.seg, t_ms * 1000 > st.seg->play_us ? w : 0, NULL);
}

int lane_player_take_estimate(struct lane_player *lp, int64_t *play_us, int64_t *board_us)
{
    for (int i = 0; i < SLOTS; i++) {
        struct slot *s = &lp->slots[i];
        if (!s->seg || s->est_fed || segdec_state(s->dec) != SEGDEC_RUNNING)
            continue;
        enum lane_map_source src;
        int64_t b = segdec_start_board_us(s->dec, &src) / 1000;
        if (src == LANE_MAP_PLAY_TIME) {
            s->est_fed = true; /* says nothing about the origin */
            continue;
        }
        s->est_fed = true;
        *play_us = s->seg->play_us / 1000 * 1000; /* whole ms, as the header says */
        *board_us = b * 1000;
        return 1;
    }
    return 0;
}

void lane_player_origin_changed(struct lane_player *lp, int64_t t_us)
{
    int64_t w = lane_player_wall_us(lp->o.tl, t_us);
    for (int i = 0; i < SLOTS; i++) {
        struct slot *s = &lp->slots[i];
        if (!s->seg)
            continue;
        segdec_set_play_time_board_us(s->dec, tl_wall_from_play_us(lp->o.tl, s->seg->play_us));
        if (s->stale || s->idle || s->seg != lp->view.seg)
            continue; /* re-aimed before use, or not consumed from yet */
        /* An origin moved earlier can put w(t) before what this decoder
         * has already handed out (the frame on screen) or skipped (a start
         * or seek at the old w(t)): those frames are needed again. The
         * decoder goes back; update() re-aims it at the new w(t). */
        bool ahead = lp->have_shown && segdec_board_us(s->dec, lp->view.pts_us) > w;
        if (ahead || (s->aimed && !lp->have_shown)) {
            s->stale = true;
            drop_shown(lp);
            if (lp->o.mix)
                audio_mix_lane_reset(lp->o.mix, (int)lp->o.lane);
        }
    }
}

void lane_player_take_diags(struct lane_player *lp, struct diag_list *dst)
{
    for (int i = 0; i < SLOTS; i++)
        take_slot_diags(lp, &lp->slots[i]);
    diag_move(dst, &lp->diag);
}

int lane_player_fill_audio(struct lane_player *lp, int64_t until_us, int64_t wait_us)
{
    if (!lp->o.mix || !lp->view.seg)
        return 0;
    struct slot *cur = find_slot(lp, lp->view.seg);
    if (!cur || !cur->dec)
        return 0;
    int r = write_audio(lp, cur, until_us - audio_mix_pos_us(lp->o.mix), wait_us);
    /* audio that ended short of until_us must not stall the mix */
    bool active = frame_queue_wait_us(segdec_audio_frames(cur->dec), 1, 0) != SP_EEOF;
    if (active != lp->audio_active)
        audio_mix_set_active(lp->o.mix, (int)lp->o.lane, active);
    lp->audio_active = active;
    return r;
}
