/* playloop.c - see playloop.h. */
#include "player/playloop.h"

#include <stdlib.h>
#include <string.h>

#include <libavutil/cpu.h>

#include "player/media/audio_mix.h"
#include "player/clock.h"
#include "player/recording/manifest.h"
#include "player/media/sei.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"

#define SINK_CHUNK 1024 /* frames the null sink reads at a time */

struct shown_key {
    enum lane_show state;
    int64_t pts_us;
    const struct rec_segment *seg;
};

struct player {
    struct timeline *tl; /* borrowed */
    struct player_opts o;
    size_t n;
    struct lane_player *lanes[PLAYER_MAX_LANES];
    struct shown_key prev[PLAYER_MAX_LANES]; /* last presented, for "changed" */
    struct sp_clock *clock;
    struct audio_mix *mix; /* NULL without audio */
    int64_t t_us;          /* max-speed: the t of the next step */
    int64_t cur_t_us;      /* the t of the last step (what the views show) */
    int64_t next_frame_us; /* when a lane's next decoded frame is due (last step) */
    int64_t total_us;
    bool ended;     /* max-speed: the last t was presented */
    bool presented; /* something was presented since the last seek */
    /* real time at the end: the lanes show their last frames (end_shown;
     * the end is reported from then on), tried since end_since_us
     * (monotonic) */
    bool end_shown;
    int64_t end_since_us;
    int serial;            /* seek generation */
    struct tl_anchor *est; /* origin estimates so far */
    size_t n_est, cap_est;
    struct diag_list diag;
    float sink[SINK_CHUNK * AUDIO_MIX_CHANNELS];
};

int player_create(struct timeline *tl, const struct player_opts *o, struct player **out)
{
    if (!tl || !o || !out)
        return SP_EINVAL;
    *out = NULL;
    const struct recording *rec = tl_recording(tl);
    /* a lane past the limit is not played; the first PLAYER_MAX_LANES are */
    size_t n_lanes = rec->n_lanes < PLAYER_MAX_LANES ? rec->n_lanes : PLAYER_MAX_LANES;
    struct player *p = calloc(1, sizeof(*p));
    if (!p)
        return SP_ENOMEM;
    p->tl = tl;
    p->o = *o;
    if (p->o.speed == 0)
        p->o.speed = 1.0;
    /* A generation task's composed video keeps the SEI of the streams it
       was made from, which says where those were, not where the composite
       is: it is placed by VideoPlayTime alone. */
    if (p->o.no_sei || rec->is_generation)
        p->o.sei_scan = NULL;
    else if (!p->o.sei_scan)
        p->o.sei_scan = sei_scan_packet_us;
    diag_init(&p->diag);
    if (rec->n_lanes > PLAYER_MAX_LANES)
        diag_add(&p->diag, DIAG_WARNING,
                 "%s: %zu lanes, more than the limit of %d; playing the first %d (lanes %s to "
                 "%s are not played)",
                 rec->doc_name, rec->n_lanes, PLAYER_MAX_LANES, PLAYER_MAX_LANES,
                 rec->lanes[PLAYER_MAX_LANES].name, rec->lanes[rec->n_lanes - 1].name);
    p->total_us = tl_total_us(tl);
    int r = clock_create(&p->clock, NULL, NULL);
    if (r == 0 && clock_set_speed(p->clock, p->o.speed) < 0)
        r = SP_ERANGE;
    if (r == 0 && o->audio) {
        r = audio_mix_create(&p->mix);
        if (r == 0)
            r = audio_mix_set_speed(p->mix, p->o.speed);
    }
    size_t seg_base = 0; /* the lane's first segment in seg_offset_us */
    for (size_t i = 0; r == 0 && i < n_lanes; i++) {
        struct lane_player_opts lo = {.tl = tl,
                                      .seg_offset_us =
                                          o->seg_offset_us ? o->seg_offset_us + seg_base : NULL,
                                      .lane = i,
                                      .sei_scan = p->o.sei_scan,
                                      .mix = p->mix,
                                      .codec_threads = o->codec_threads,
                                      .fetch = o->fetch};
        r = lane_player_create(&lo, &p->lanes[i]);
        if (r == 0)
            p->n++;
        seg_base += rec->lanes[i].n_segments;
    }
    if (r < 0) {
        player_destroy(&p);
        return r;
    }
    *out = p;
    return 0;
}

void player_abort(struct player *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        lane_player_abort(p->lanes[i]);
}

void player_destroy(struct player **pp)
{
    if (!pp || !*pp)
        return;
    struct player *p = *pp;
    /* every decoder told to stop first: their threads wind down together,
     * then each is joined (quitting waits for the slowest, not the sum) */
    player_abort(p);
    for (size_t i = 0; i < p->n; i++)
        lane_player_destroy(&p->lanes[i]);
    audio_mix_destroy(&p->mix);
    clock_destroy(&p->clock);
    free(p->est);
    diag_clear(&p->diag);
    free(p);
    *pp = NULL;
}

/* Step: collect new origin estimates; refine. Returns true if it moved.
 * The origin may move either way (RecordStartTime is rounded either way,
 * and the clients' clocks may begin before it); every lane follows, back
 * to frames already passed if need be. t_us: the step's playback time. */
static bool refine_origin(struct player *p, int64_t t_us)
{
    bool added = false;
    for (size_t i = 0; i < p->n; i++) {
        int64_t play_us, board_us;
        while (lane_player_take_estimate(p->lanes[i], &play_us, &board_us) == 1) {
            if (p->n_est == p->cap_est) {
                size_t cap = p->cap_est ? p->cap_est * 2 : 16;
                struct tl_anchor *a = realloc(p->est, cap * sizeof(*a));
                if (!a)
                    return false; /* keep the origin we have */
                p->est = a;
                p->cap_est = cap;
            }
            p->est[p->n_est++] = (struct tl_anchor){play_us, board_us};
            added = true;
        }
    }
    if (!added)
        return false;
    int64_t before = tl_origin_us(p->tl);
    tl_refine_origin_us(p->tl, p->est, p->n_est, &p->diag, NULL);
    if (tl_origin_us(p->tl) == before)
        return false;
    for (size_t i = 0; i < p->n; i++)
        lane_player_origin_changed(p->lanes[i], t_us);
    return true;
}

/* The lanes' time for t. Segments are half-open, so none covers the end
 * itself: at t = total each lane shows its last instant, which holds its
 * last frame, as mpv holds the last frame at the end of a file. */
static int64_t lane_time(const struct player *p, int64_t t)
{
    return t >= p->total_us && p->total_us > 0 ? p->total_us - 1 : t;
}

/* Every lane shows what it should (no frame still awaited). */
static bool lanes_settled(const struct player *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct lane_view *v = lane_player_view(p->lanes[i]);
        if (v->state == LANE_WAITING || v->buffering || (v->state == LANE_PLACEHOLDER && v->seg))
            return false;
    }
    return true;
}

static int update_lanes(struct player *p, int64_t t, int64_t wait_us)
{
    t = lane_time(p, t);
    for (size_t i = 0; i < p->n; i++) {
        int r = lane_player_update(p->lanes[i], t, wait_us);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Step: the null sink plays the mix up to t (no device: the mix is read at
 * the pace of t so that decoders and mixer work as with a device). In real
 * time it is the master the way a device is: when the mix has nothing to
 * play (every lane that should sound is still downloading), the clock is
 * held at the mix position until audio is there again. */
static void null_sink(struct player *p, int64_t t)
{
    if (!p->mix || !p->o.null_sink)
        return;
    if (!p->o.max_speed && clock_held(p->clock)) {
        struct audio_mix_status st;
        int n = audio_mix_read(p->mix, p->sink, SINK_CHUNK, &st);
        if (n <= 0)
            return; /* still nothing to play */
        /* the chunk just read starts playing now */
        clock_update_at(p->clock, st.t_us, p->serial, clock_time_monotonic(NULL));
        clock_set_held(p->clock, false);
        return;
    }
    for (int guard = 0; guard < 100000; guard++) {
        int64_t behind = t - audio_mix_pos_us(p->mix);
        int frames = (int)(behind * AUDIO_MIX_RATE / 1000000);
        if (frames <= 0)
            break;
        if (frames > SINK_CHUNK)
            frames = SINK_CHUNK;
        struct audio_mix_status st;
        int n = audio_mix_read(p->mix, p->sink, frames, &st);
        if (n <= 0) {
            if (!p->o.max_speed && st.stalled) {
                /* nothing to play: the whole replay waits where the sound
                 * stopped (max speed has no clock to hold) */
                clock_update_at(p->clock, audio_mix_pos_us(p->mix), p->serial,
                                clock_time_monotonic(NULL));
                clock_set_held(p->clock, true);
            }
            break;
        }
    }
}

static bool views_changed(struct player *p)
{
    bool changed = !p->presented;
    for (size_t i = 0; i < p->n; i++) {
        const struct lane_view *v = lane_player_view(p->lanes[i]);
        struct shown_key k = {v->state, v->state == LANE_PLACEHOLDER ? 0 : v->pts_us, v->seg};
        if (memcmp(&k, &p->prev[i], sizeof(k)) != 0)
            changed = true;
        p->prev[i] = k;
    }
    p->presented = true;
    return changed;
}

int player_step(struct player *p, int64_t *wait_us)
{
    if (wait_us)
        *wait_us = 0;
    int64_t t;
    bool at_end = false;
    if (p->o.max_speed) {
        if (p->ended)
            return SP_EEOF;
        t = p->t_us;
    } else {
        t = clock_get(p->clock);
        if (t >= p->total_us) {
            clock_set_paused(p->clock, true);
            if (p->end_shown)
                return SP_EEOF;
            /* reached or sought to: the lanes' last frames first (a seek
             * to the end has them decoded from the segments' ends) */
            if (p->end_since_us == 0)
                p->end_since_us = clock_time_monotonic(NULL);
            t = p->total_us;
            at_end = true;
        }
        if (t < 0)
            t = 0;
    }
    int64_t decode_wait_us = p->o.max_speed ? PLAYER_DECODE_WAIT_US : 0;
    refine_origin(p, t);
    int r = update_lanes(p, t, decode_wait_us);
    /* a segment opened by this update may have moved the origin: bring
     * every lane to the refined w(t) before presenting */
    if (r == 0 && refine_origin(p, t))
        r = update_lanes(p, t, decode_wait_us);
    if (r < 0)
        return r;
    null_sink(p, t);
    bool changed = views_changed(p);

    /* when does anything change next? */
    int64_t next = p->total_us;
    int64_t b = tl_next_boundary_us(p->tl, t / 1000 * 1000);
    if (b != TL_NONE && b < next)
        next = b;
    p->next_frame_us = INT64_MAX;
    for (size_t i = 0; i < p->n; i++) {
        int64_t c = lane_player_next_change(p->lanes[i], decode_wait_us);
        if (c < p->next_frame_us)
            p->next_frame_us = c;
    }
    if (p->next_frame_us < next)
        next = p->next_frame_us;
    if (p->o.next_event_us) {
        int64_t ev = p->o.next_event_us(p->o.event_opaque, t);
        if (ev > t && ev < next)
            next = ev;
    }
    if (next <= t)
        next = t + 1;
    if (at_end) {
        /* shown once every lane has its frame; a lane that cannot get
         * there in PLAYER_END_WAIT_US does not hold up the end */
        p->end_shown =
            lanes_settled(p) || clock_time_monotonic(NULL) - p->end_since_us >= PLAYER_END_WAIT_US;
        if (wait_us)
            *wait_us = p->end_shown ? 0 : PLAYER_END_POLL_US;
    } else if (p->o.max_speed) {
        p->t_us = next;
        p->ended = next >= p->total_us;
    } else if (wait_us) {
        int64_t w = clock_paused(p->clock) ? PLAYER_MAX_WAIT_US
                                           : (int64_t)((double)(next - t) / clock_speed(p->clock));
        *wait_us = w < PLAYER_MAX_WAIT_US ? (w > 0 ? w : 0) : PLAYER_MAX_WAIT_US;
    }
    p->cur_t_us = t;
    return changed ? 1 : 0;
}

int64_t player_time_us(struct player *p)
{
    return p->cur_t_us;
}

int64_t player_board_us(struct player *p)
{
    return lane_player_wall_us(p->tl, p->cur_t_us);
}

int64_t player_next_frame_us(const struct player *p)
{
    return p->next_frame_us > p->cur_t_us ? p->next_frame_us : INT64_MAX;
}

size_t player_lane_count(const struct player *p)
{
    return p->n;
}

const struct lane_view *player_lane_view(const struct player *p, size_t lane)
{
    return lane < p->n ? lane_player_view(p->lanes[lane]) : NULL;
}

void player_seek_us(struct player *p, int64_t t_us)
{
    int64_t t = t_us;
    if (t < 0)
        t = 0;
    if (t > p->total_us)
        t = p->total_us;
    p->serial++;
    /* the mix first: an audio callback that reads it in between sets the
     * clock with the old serial, which the clock then refuses */
    if (p->mix)
        audio_mix_reset(p->mix, t);
    clock_set(p->clock, t, p->serial);
    for (size_t i = 0; i < p->n; i++)
        lane_player_seek(p->lanes[i], lane_time(p, t));
    p->t_us = p->cur_t_us = t;
    p->next_frame_us = INT64_MAX; /* unknown until a step looks */
    p->ended = false;
    p->presented = false;
    p->end_shown = false;
    p->end_since_us = 0;
}

void player_offsets_changed(struct player *p)
{
    for (size_t i = 0; i < p->n; i++)
        lane_player_offsets_changed(p->lanes[i]);
}

void player_set_paused(struct player *p, bool paused)
{
    clock_set_paused(p->clock, paused);
}

int player_set_speed(struct player *p, double speed)
{
    int r = clock_set_speed(p->clock, speed);
    if (r == 0 && p->mix)
        r = audio_mix_set_speed(p->mix, speed);
    if (r == 0)
        p->o.speed = speed;
    return r;
}

double player_speed(struct player *p)
{
    return clock_speed(p->clock);
}

bool player_speed_valid(double speed)
{
    return clock_speed_valid(speed);
}

double player_speed_step(double speed, int dir)
{
    return clock_speed_step(speed, dir);
}

void player_set_null_sink(struct player *p, bool on)
{
    p->o.null_sink = on;
}

bool player_buffering(struct player *p)
{
    return clock_held(p->clock);
}

int player_serial(struct player *p)
{
    return p->serial;
}

struct audio_mix *player_mixer(struct player *p)
{
    return p->mix;
}

struct sp_clock *player_clock(struct player *p)
{
    return p->clock;
}

void player_take_diags(struct player *p, struct diag_list *dst)
{
    for (size_t i = 0; i < p->n; i++)
        lane_player_take_diags(p->lanes[i], &p->diag);
    diag_move(dst, &p->diag);
}

int player_step_at(struct player *p, int64_t t_us)
{
    if (!p->o.max_speed || t_us < p->cur_t_us || t_us > p->total_us)
        return SP_EINVAL;
    p->t_us = t_us;
    p->ended = false;
    int r = player_step(p, NULL);
    return r == SP_EEOF ? 0 : r;
}

int player_fill_audio(struct player *p, int64_t until_us, int64_t wait_us)
{
    int rc = 0;
    for (size_t i = 0; p->mix && i < p->n; i++) {
        int r = lane_player_fill_audio(p->lanes[i], until_us, wait_us);
        if (r < 0 && rc == 0)
            rc = r;
    }
    return rc;
}

int player_batch_codec_threads(const struct timeline *tl)
{
    const struct recording *rec = tl_recording(tl);
    size_t lanes = 0;
    for (size_t i = 0; i < rec->n_lanes; i++)
        if (rec->lanes[i].n_segments > 0)
            lanes++;
    int cpus = av_cpu_count();
    return cpus > 0 && lanes >= (size_t)cpus ? 1 : 0;
}
