/* class.c - the class at t (see class.h). */
#include "player/class.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "im/chat.h"
#include "player/board/board.h"
#include "player/net/cache.h"
#include "player/clock.h"
#include "player/lane_player.h"
#include "player/recording/manifest.h"
#include "player/recording/offsets.h"
#include "base/sp_error.h"
#include "base/sp_time.h"
#include "player/recording/timeline.h"
#include "player/net/url.h"
#include "base/log.h"
#include "base/platform/os_time.h"

static struct sp_log lg = SP_LOG_INIT("class");

#define MAX_LASERS 64 /* laser marks compared between steps; more are rare */

struct sp_class {
    struct class_opts o;
    struct recording *rec;
    struct timeline *tl;

    /* The network client, started on the first remote URL. Signaling
     * workers ask for it from their threads, hence the lock. */
    pthread_mutex_t net_lock;
    struct fetch *f; /* guarded by net_lock until class_close */
    bool net_tried;  /* guarded by net_lock */
    int net_rc;      /* guarded by net_lock: fetch_create()'s result */
    char *cache_dir; /* the resolved cache directory (NULL: none) */
    struct sp_loader loader;
    struct sp_loader page_loader; /* class_get_page(): pages not kept downloaded */

    struct player *p; /* NULL without CLASS_MEDIA */
    struct signaling *sig;
    struct signal_set *set; /* the generation shown; NULL before the first */
    int64_t t_us;           /* without media: the position */

    /* what the last step showed, to tell changes */
    int64_t w_ms;
    size_t ops_shown;
    size_t chat_shown;
    size_t n_lasers;
    uint64_t laser_sum;
    bool shown; /* the fields above were set since the last seek */

    /* play state (class.h "End of play and frame steps") */
    bool ended;            /* class_step() reached the end; a seek clears it */
    bool step_pending;     /* a forward frame step waits for the decoders */
    int64_t step_since_us; /* monotonic µs since it waits */
    struct diag_list diag;

    /* sync corrections (class.h) */
    int64_t *seg_offset_us; /* rec->n_segments, flat; read by the lane players */
    char *offsets_path;     /* NULL: none */
    const char *source;     /* what the user named (the file's Source); owned */
    bool offsets_loaded;
    size_t offsets_applied;
    bool aborted; /* class_abort() was called: what the parts say since is not news */
};

void class_opts_init(struct class_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->parts = CLASS_MEDIA | CLASS_SIGNALING;
    fetch_opts_init(&o->net);
    o->play.audio = true;
}

/* ---- network ----------------------------------------------------------------- */

struct fetch *class_fetch(struct sp_class *c, bool start, struct diag_list *diag)
{
    if (c->o.fetch)
        return c->o.fetch; /* set before the class existed: no lock */
    pthread_mutex_lock(&c->net_lock);
    if (!c->net_tried && start) {
        c->net_tried = true;
        struct diag_list sub;
        diag_init(&sub);
        c->net_rc = fetch_create(&c->o.net, &c->f, &sub);
        if (c->net_rc)
            diag_add(diag, DIAG_ERROR, "the network client could not start: %s",
                     sub.count ? sub.items[0].text : sp_strerror(c->net_rc));
        diag_clear(&sub);
    } else if (start && !c->f) {
        diag_add(diag, DIAG_ERROR, "the network client could not start: %s",
                 sp_strerror(c->net_rc ? c->net_rc : SP_ENET));
    }
    struct fetch *f = c->f;
    pthread_mutex_unlock(&c->net_lock);
    return f;
}

static bool is_remote(const char *url)
{
    enum url_kind k = url_kind(url);
    return k == URL_KIND_HTTP || k == URL_KIND_HTTPS;
}

/* The loader: local documents from disk, remote ones through the client
 * (started on first need) with flags (SP_LOAD_*). Callable from any
 * thread. */
static int class_get_flags(struct sp_class *c, const char *url, size_t max_bytes, unsigned flags,
                           char **data, size_t *len, struct diag_list *diag)
{
    if (!is_remote(url))
        return sp_loader_get(NULL, url, max_bytes, data, len, diag);
    *data = NULL;
    *len = 0;
    struct fetch *f = class_fetch(c, true, diag);
    if (!f) {
        pthread_mutex_lock(&c->net_lock);
        int rc = c->net_rc ? c->net_rc : SP_ENET;
        pthread_mutex_unlock(&c->net_lock);
        return rc;
    }
    return fetch_get_ex(f, url, max_bytes, flags, data, len, NULL, diag);
}

static int class_get(void *opaque, const char *url, size_t max_bytes, char **data, size_t *len,
                     struct diag_list *diag)
{
    return class_get_flags(opaque, url, max_bytes, 0, data, len, diag);
}

/* class_get() for the IM pages whose parsed form the signal cache keeps:
 * a page not held yet is not written to the download cache (three new
 * files per page were most of a cold open's cost beyond the parsing). */
static int class_get_page(void *opaque, const char *url, size_t max_bytes, char **data, size_t *len,
                          struct diag_list *diag)
{
    return class_get_flags(opaque, url, max_bytes, SP_LOAD_NO_STORE, data, len, diag);
}

/* Where the parsed signaling is kept: the download cache's directory. */
static char *signal_cache_dir(const struct class_opts *o)
{
    if (o->no_signal_cache || o->net.no_cache)
        return NULL;
    if (o->net.cache_dir)
        return strdup(o->net.cache_dir);
    char buf[4096];
    if (cache_default_dir(buf, sizeof(buf)) != 0)
        return NULL;
    return strdup(buf);
}

/* ---- signaling at w ----------------------------------------------------------- */

static const struct board_log *cur_log(const struct sp_class *c)
{
    return c->set ? board_player_log(c->set->board) : NULL;
}

/* Index of the first chat item shown after w_us (count if none). */
static size_t chat_first_after(const struct chat_log *chat, int64_t w_us)
{
    size_t lo = 0, hi = chat->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (chat->show[mid] <= w_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* player_opts.next_event_us: the next op, chat message or laser fading. */
static int64_t next_event(void *opaque, int64_t t_us)
{
    struct sp_class *c = opaque;
    if (!c->set)
        return INT64_MAX;
    /* board time is whole ms inside the board: w_us at its ms, so that the
     * chat and the lasers are compared at the ms the board shows */
    int64_t w_us = sp_floor_ms(lane_player_wall_us(c->tl, t_us)) * 1000;
    int64_t next_us = board_log_next_op_time_us(cur_log(c), w_us);
    const struct chat_log *chat = c->set->chat;
    size_t i = chat_first_after(chat, w_us);
    if (i < chat->count && sp_floor_ms(chat->show[i]) * 1000 < next_us)
        next_us = sp_floor_ms(chat->show[i]) * 1000;
    struct board_laser las[MAX_LASERS];
    size_t n = board_state_lasers(board_player_state(c->set->board), las, MAX_LASERS);
    for (size_t k = 0; k < n && k < MAX_LASERS; k++) {
        int64_t gone_us = las[k].t_us + BOARD_LASER_US;
        if (gone_us > w_us && gone_us < next_us)
            next_us = gone_us;
    }
    if (next_us == INT64_MAX)
        return INT64_MAX;
    int64_t t = lane_player_play_us(c->tl, next_us);
    return t > t_us ? t : t_us + 1;
}

/* Takes the newest generation, if any. Returns true when it changed. */
static bool take_generation(struct sp_class *c)
{
    if (!c->sig)
        return false;
    struct signal_set *s = NULL;
    if (!signaling_take(c->sig, c->set ? c->set->generation : 0, &s))
        return false;
    signal_set_free(&c->set);
    c->set = s;
    return true;
}

/* Brings board and chat to board time w_us (Unix µs; both are shown at
 * its whole ms). Returns true when the picture changed. */
static bool bring_signaling(struct sp_class *c, int64_t w_us)
{
    if (!c->set)
        return false;
    int64_t w_ms = sp_floor_ms(w_us);
    if (board_seek_us(c->set->board, w_us) != 0)
        diag_add(&c->diag, DIAG_WARNING, "board: out of memory at %lld", (long long)w_ms);
    size_t ops = board_log_ops_until_us(cur_log(c), w_us);
    size_t chat = chat_visible_count(c->set->chat, w_ms * 1000);
    struct board_laser las[MAX_LASERS];
    size_t n = board_state_lasers(board_player_state(c->set->board), las, MAX_LASERS);
    uint64_t sum = 0; /* unsigned: the sum of µs times may wrap, harmlessly */
    for (size_t k = 0; k < n && k < MAX_LASERS; k++)
        sum += (uint64_t)las[k].t_us;
    bool changed = !c->shown || ops != c->ops_shown || chat != c->chat_shown || n != c->n_lasers ||
                   sum != c->laser_sum;
    c->w_ms = w_ms;
    c->ops_shown = ops;
    c->chat_shown = chat;
    c->n_lasers = n;
    c->laser_sum = sum;
    c->shown = true;
    return changed;
}

/* ---- sync corrections ------------------------------------------------------------ */

/* The cache folder the default offsets file of a remote source lives in
 * (the download cache's; none with a temporary cache). */
static char *offsets_cache_dir(const struct class_opts *o)
{
    if (o->net.no_cache)
        return NULL;
    if (o->net.cache_dir)
        return strdup(o->net.cache_dir);
    char buf[4096];
    if (cache_default_dir(buf, sizeof(buf)) != 0)
        return NULL;
    return strdup(buf);
}

/* Finds and reads the offsets file; only out of memory fails. */
static int load_offsets(struct sp_class *c, const char *source, const struct class_opts *o,
                        struct diag_list *diag)
{
    size_t n = c->rec->n_segments;
    c->seg_offset_us = calloc(n ? n : 1, sizeof *c->seg_offset_us);
    c->source = strdup(source);
    if (!c->seg_offset_us || !c->source)
        return SP_ENOMEM;
    if (o->offsets_path) {
        c->offsets_path = strdup(o->offsets_path);
        if (!c->offsets_path)
            return SP_ENOMEM;
    } else {
        char *dir = offsets_cache_dir(o);
        c->offsets_path = offsets_default_path(source, dir);
        free(dir);
    }
    if (o->no_offsets || !c->offsets_path)
        return 0;
    struct rec_offsets *off = NULL;
    int rc = offsets_read(c->offsets_path, diag, &off);
    if (rc == SP_ENOENT && o->offsets_path)
        diag_add_code(diag, DIAG_ERROR, DIAG_CODE_OFFSETS_BAD,
                      "%s: no such offsets file; no corrections applied", c->offsets_path);
    if (rc)
        return rc == SP_ENOMEM ? rc : 0; /* said (or absent): play goes on */
    c->offsets_loaded = true;
    c->offsets_applied = offsets_match(off, c->rec, c->offsets_path, c->seg_offset_us, diag);
    offsets_free(off);
    diag_add_code(diag, DIAG_INFO, DIAG_CODE_OFFSETS_APPLIED,
                  "sync corrections from %s: %zu segment%s corrected (--no-offsets ignores them)",
                  c->offsets_path, c->offsets_applied, c->offsets_applied == 1 ? "" : "s");
    return 0;
}

const char *class_offsets_path(const struct sp_class *c)
{
    return c->offsets_path;
}

const char *class_offsets_source(const struct sp_class *c)
{
    return c->source;
}

bool class_offsets_loaded(const struct sp_class *c)
{
    return c->offsets_loaded;
}

size_t class_offsets_applied(const struct sp_class *c)
{
    return c->offsets_applied;
}

const int64_t *class_offsets_us(const struct sp_class *c)
{
    return c->seg_offset_us;
}

int64_t class_lane_offset_us(struct sp_class *c, size_t lane)
{
    if (lane >= c->rec->n_lanes || !c->rec->lanes[lane].n_segments)
        return 0;
    const struct rec_segment *seg = NULL;
    if (c->p && lane < player_lane_count(c->p))
        seg = player_lane_view(c->p, lane)->seg;
    size_t k = seg ? (size_t)(seg - c->rec->lanes[lane].segments) : 0;
    return c->seg_offset_us[offsets_flat_index(c->rec, lane, k)];
}

int class_shift_lane_us(struct sp_class *c, size_t lane, int64_t delta_us)
{
    if (lane >= c->rec->n_lanes)
        return SP_EINVAL;
    size_t base = offsets_flat_index(c->rec, lane, 0);
    const int64_t cap = (int64_t)OFFSETS_MAX_ABS_MS * 1000;
    for (size_t k = 0; k < c->rec->lanes[lane].n_segments; k++) {
        int64_t v = c->seg_offset_us[base + k] + delta_us;
        c->seg_offset_us[base + k] = v > cap ? cap : v < -cap ? -cap : v;
    }
    if (c->p) {
        player_offsets_changed(c->p);
        class_seek_us(c, class_position_us(c));
    }
    return 0;
}

int class_write_offsets(struct sp_class *c, size_t *n_written)
{
    if (n_written)
        *n_written = 0;
    if (!c->offsets_path)
        return SP_ENOENT;
    return offsets_write(c->offsets_path, c->rec, c->seg_offset_us, c->source, n_written);
}

/* ---- life ----------------------------------------------------------------------- */

static bool any_remote_media(const struct recording *rec)
{
    for (size_t l = 0; l < rec->n_lanes; l++)
        for (size_t s = 0; s < rec->lanes[l].n_segments; s++)
            if (is_remote(rec->lanes[l].segments[s].url))
                return true;
    return false;
}

int class_open(const char *source, const struct class_opts *opts, struct diag_list *diag,
               struct sp_class **out)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!source || !opts)
        return SP_EINVAL;
    struct sp_class *c = calloc(1, sizeof(*c));
    if (!c)
        return SP_ENOMEM;
    c->o = *opts;
    pthread_mutex_init(&c->net_lock, NULL);
    diag_init(&c->diag);
    c->loader = (struct sp_loader){class_get, c};
    c->page_loader = (struct sp_loader){class_get_page, c};
    int ready = 0;
    int rc = manifest_open(source, &c->loader, NULL, diag, &c->rec);
    if (!c->rec) {
        if (!diag->count)
            diag_add(diag, DIAG_ERROR, "%s: %s", source, sp_strerror(rc));
        goto fail;
    }
    if (rc == SP_ENOTREADY)
        ready = rc; /* the caller may describe it; nothing plays */
    if ((rc = tl_create(c->rec, &c->tl)) != 0)
        goto fail;
    if ((rc = load_offsets(c, source, opts, diag)) != 0)
        goto fail;
    if (ready) {
        *out = c;
        return ready;
    }
    if (opts->parts & CLASS_SIGNALING) {
        c->cache_dir = signal_cache_dir(opts);
        struct signaling_opts so = {.loader = &c->loader,
                                    .page_loader = &c->page_loader,
                                    .pages_not_kept = opts->net.no_cache,
                                    .cache_dir = c->cache_dir,
                                    .parallel = opts->signal_parallel,
                                    .stop_at_bound = opts->signal_until_wait};
        if ((rc = signaling_start(c->rec, &so, &c->sig)) != 0)
            goto fail;
    }
    if (opts->parts & CLASS_MEDIA) {
        struct player_opts po = opts->play;
        po.fetch = any_remote_media(c->rec) ? class_fetch(c, true, diag) : NULL;
        if (opts->batch)
            po.codec_threads = player_batch_codec_threads(c->tl);
        po.next_event_us = next_event;
        po.event_opaque = c;
        po.seg_offset_us = c->seg_offset_us;
        if ((rc = player_create(c->tl, &po, &c->p)) != 0) {
            if (rc == SP_ELIMIT)
                diag_add(diag, DIAG_ERROR, "%s: more than %d lanes", source, PLAYER_MAX_LANES);
            goto fail;
        }
    }
    *out = c;
    return 0;
fail:
    class_close(&c);
    return rc ? rc : SP_EINVAL;
}

void class_abort(struct sp_class *c)
{
    if (!c || c->aborted)
        return;
    /* what was said until now is kept; what the cancelled requests and
     * stopped decoders say from here on ("cancelled", a cut packet) is the
     * quitting's echo, not news */
    class_take_diags(c, &c->diag);
    c->aborted = true;
    player_abort(c->p);
    pthread_mutex_lock(&c->net_lock); /* a worker may be starting the client */
    struct fetch *f = c->f;
    pthread_mutex_unlock(&c->net_lock);
    fetch_cancel_all(f);
}

void class_close(struct sp_class **cp)
{
    if (!cp || !*cp)
        return;
    struct sp_class *c = *cp;
    /* how long each part takes to go (SIGPLAY_LOG=debug): quitting is
     * bounded by the slowest of them */
    int64_t t0 = sp_os_mono_us();
    player_destroy(&c->p);
    int64_t t1 = sp_os_mono_us();
    /* The signaling workers may be inside a page request: cancelled (for
     * good), they return at once and signaling_destroy() joins them before
     * the network client goes. */
    fetch_cancel_all(c->f); /* NULL with a shared client: its other users go on */
    signaling_destroy(&c->sig);
    signal_set_free(&c->set);
    int64_t t2 = sp_os_mono_us();
    fetch_destroy(&c->f);
    int64_t t3 = sp_os_mono_us();
    tl_destroy(&c->tl);
    recording_free(c->rec);
    free(c->seg_offset_us);
    free(c->offsets_path);
    free((char *)c->source);
    free(c->cache_dir);
    diag_clear(&c->diag);
    pthread_mutex_destroy(&c->net_lock);
    free(c);
    *cp = NULL;
    SP_DBG(&lg, "closed in %lld us: player %lld, signaling %lld, network %lld",
           (long long)(sp_os_mono_us() - t0), (long long)(t1 - t0), (long long)(t2 - t1),
           (long long)(t3 - t2));
}

/* ---- accessors ------------------------------------------------------------------------ */

const struct recording *class_recording(const struct sp_class *c)
{
    return c->rec;
}

struct timeline *class_timeline(struct sp_class *c)
{
    return c->tl;
}

struct player *class_player(struct sp_class *c)
{
    return c->p;
}

const struct sp_loader *class_loader(struct sp_class *c)
{
    return &c->loader;
}

const char *class_cache_dir(const struct sp_class *c)
{
    return c->cache_dir;
}

int64_t class_total_us(const struct sp_class *c)
{
    int64_t t = tl_total_us(c->tl);
    return t > 0 ? t : 0;
}

int64_t class_time_us(struct sp_class *c)
{
    return c->p ? player_time_us(c->p) : c->t_us;
}

int64_t class_board_us(struct sp_class *c)
{
    return c->p ? player_board_us(c->p) : lane_player_wall_us(c->tl, c->t_us);
}

bool class_has_board(const struct sp_class *c)
{
    return c->rec && c->rec->n_message_pages > 0;
}

const struct board_state *class_board(const struct sp_class *c)
{
    return c->set && class_has_board(c) ? board_player_state(c->set->board) : NULL;
}

const struct board_player *class_board_player(const struct sp_class *c)
{
    return c->set ? c->set->board : NULL;
}

const struct chat_log *class_chat(const struct sp_class *c)
{
    return c->set && class_has_board(c) ? c->set->chat : NULL;
}

uint64_t class_signal_generation(const struct sp_class *c)
{
    return c->set ? c->set->generation : 0;
}

size_t class_board_ops_shown(const struct sp_class *c)
{
    return c->ops_shown;
}

size_t class_chat_shown(const struct sp_class *c)
{
    return c->chat_shown;
}

void class_signaling_progress(const struct sp_class *c, struct signaling_progress *out)
{
    memset(out, 0, sizeof(*out));
    if (c->sig)
        signaling_progress(c->sig, out);
    else
        out->finished = true;
}

/* ---- stepping ---------------------------------------------------------------------------- */

static bool frame_forward(struct sp_class *c, bool give_up);

/* Every lane shows what t calls for: a frame, or its tile because no
 * segment covers t (a lane with a segment but no frame may still be
 * decoding after a seek). */
static bool views_final(const struct player *p)
{
    for (size_t i = 0; i < player_lane_count(p); i++) {
        const struct lane_view *v = player_lane_view(p, i);
        if (v->state == LANE_WAITING || v->buffering || (v->state == LANE_PLACEHOLDER && v->seg))
            return false;
    }
    return true;
}

int class_step(struct sp_class *c, int64_t *wait_us)
{
    if (c->ended) { /* nothing moves until a seek or play */
        if (wait_us)
            *wait_us = CLASS_ENDED_WAIT_US;
        return SP_EEOF;
    }
    bool changed = take_generation(c);
    int r = 0;
    if (c->p) {
        r = player_step(c->p, wait_us);
        if (r < 0 && r != SP_EEOF)
            return r;
    } else if (wait_us) {
        *wait_us = PLAYER_MAX_WAIT_US;
    }
    if (r == SP_EEOF) {
        c->ended = true;
        c->step_pending = false;
        return SP_EEOF;
    }
    if (c->p) {
        if (clock_paused(player_clock(c->p)) && wait_us && !c->step_pending && views_final(c->p))
            *wait_us = CLASS_PAUSED_WAIT_US; /* nothing will change by itself */
        if (c->step_pending &&
            frame_forward(c, clock_time_monotonic(NULL) - c->step_since_us > CLASS_STEP_WAIT_US))
            changed = true;
    }
    if (bring_signaling(c, class_board_us(c)))
        changed = true;
    if (c->sig)
        signaling_want(c->sig, c->w_ms * 1000); /* the whole ms the board shows */
    return r == 1 || changed ? 1 : 0;
}

int class_step_at(struct sp_class *c, int64_t t_us)
{
    bool changed = take_generation(c);
    int r = 0;
    if (c->p) {
        r = player_step_at(c->p, t_us);
        if (r < 0)
            return r;
    } else {
        c->t_us = t_us;
    }
    if (bring_signaling(c, class_board_us(c)))
        changed = true;
    return r == 1 || changed ? 1 : 0;
}

void class_seek_us(struct sp_class *c, int64_t t_us)
{
    int64_t total = class_total_us(c);
    t_us = t_us < 0 ? 0 : t_us > total ? total : t_us;
    if (c->p)
        player_seek_us(c->p, t_us);
    else
        c->t_us = t_us;
    c->shown = false;
    c->ended = false;
    c->step_pending = false; /* a newer position wins */
    if (c->sig)
        signaling_want(c->sig, lane_player_wall_us(c->tl, t_us));
}

int class_signaling_wait(struct sp_class *c, bool all, int64_t timeout_us)
{
    if (!c->sig)
        return 0;
    /* the time the board shows: w(t), refined by the SEI when media play */
    int64_t w = all ? INT64_MAX : class_board_us(c);
    signaling_want(c->sig, w == INT64_MAX ? class_board_us(c) : w);
    int rc = signaling_wait(c->sig, w, timeout_us);
    if (take_generation(c))
        c->shown = false;
    if (c->set)
        bring_signaling(c, class_board_us(c));
    return rc;
}

void class_take_diags(struct sp_class *c, struct diag_list *dst)
{
    if (!c)
        return;
    if (c->p && !c->aborted)
        player_take_diags(c->p, &c->diag);
    if (c->sig && !c->aborted)
        signaling_take_diags(c->sig, &c->diag);
    if (dst != &c->diag)
        diag_move(dst, &c->diag);
}

/* ---- end of play, pause, frame steps ------------------------------------------------ */

static int64_t ceil_ms(int64_t us)
{
    return -sp_floor_ms(-us);
}

bool class_ended(const struct sp_class *c)
{
    return c && c->ended;
}

int64_t class_position_us(struct sp_class *c)
{
    return c->ended ? class_total_us(c) : class_time_us(c);
}

bool class_paused(struct sp_class *c)
{
    return !c->p || clock_paused(player_clock(c->p));
}

void class_set_paused(struct sp_class *c, bool paused)
{
    if (!c->p)
        return;
    if (!paused && (c->ended || class_time_us(c) >= class_total_us(c)))
        class_seek_us(c, 0); /* play at the end starts over */
    player_set_paused(c->p, paused);
}

/* Lanes are at t: none waits for a frame it should show. */
static bool views_settled(const struct player *p)
{
    for (size_t i = 0; i < player_lane_count(p); i++)
        if (player_lane_view(p, i)->state == LANE_WAITING)
            return false;
    return true;
}

/* Backward: 1 ms before the newest frame start among the lanes shown,
 * where the picture was the previous one; with no frame shown, the
 * previous multiple of CLASS_FRAME_US. Whole ms, as the position is shown
 * and entered in ms. */
static int64_t frame_back_target_us(struct sp_class *c)
{
    int64_t t = player_time_us(c->p);
    int64_t newest = INT64_MIN; /* ms */
    for (size_t i = 0; i < player_lane_count(c->p); i++) {
        const struct lane_view *v = player_lane_view(c->p, i);
        if (v->state == LANE_PLACEHOLDER || !v->frame)
            continue;
        int64_t start = ceil_ms(lane_player_play_us(c->tl, v->board_us));
        if (start * 1000 <= t && start > newest)
            newest = start;
    }
    if (newest != INT64_MIN && newest > 0)
        return (newest - 1) * 1000;
    int64_t f = CLASS_FRAME_US / 1000, ms = sp_floor_ms(t);
    return (ms % f ? ms / f * f : ms - f) * 1000;
}

/* Forward: the next frame due in any lane, or a segment boundary, whichever
 * comes first, at the first whole ms at which it shows. Returns false
 * while the decoders have not got that far (class_step() retries), unless
 * give_up: then a nominal CLASS_FRAME_US when nothing is known. */
static bool frame_forward(struct sp_class *c, bool give_up)
{
    int64_t t = player_time_us(c->p);
    int64_t nf = player_next_frame_us(c->p);
    if (!give_up && (nf == INT64_MAX || !views_settled(c->p)))
        return false;
    int64_t target = class_total_us(c);
    int64_t nb = tl_next_boundary_us(c->tl, sp_floor_ms(t) * 1000);
    if (nb != TL_NONE && nb < target)
        target = nb;
    if (nf < target)
        target = nf;
    if (nf == INT64_MAX && give_up) /* nothing known: a nominal frame */
        target = t + CLASS_FRAME_US < target ? t + CLASS_FRAME_US : target;
    int64_t ms = ceil_ms(target); /* the first ms at which it shows */
    if (ms * 1000 <= t)
        ms = sp_floor_ms(t) + 1;
    class_seek_us(c, ms * 1000); /* clears step_pending */
    return true;
}

int class_frame_step(struct sp_class *c, int dir)
{
    if (!c || !c->p || dir == 0)
        return SP_EINVAL;
    player_set_paused(c->p, true);
    if (dir < 0) {
        class_seek_us(c, c->ended ? class_total_us(c) - CLASS_FRAME_US : frame_back_target_us(c));
        return 1;
    }
    if (c->ended)
        return 0; /* nothing after the end */
    if (frame_forward(c, false))
        return 1;
    c->step_pending = true;
    c->step_since_us = clock_time_monotonic(NULL);
    return 0;
}

bool class_frame_step_pending(const struct sp_class *c)
{
    return c && c->step_pending;
}
