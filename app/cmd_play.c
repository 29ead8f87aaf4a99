/* cmd_play.c - `sigplay play SOURCE [...]`: the player window
 * (app/play_window.c), or with --headless the whole playback engine without
 * a window or audio device (a null sink), for tests, benchmarks and traces.
 * The trace format is in docs/playback.md. */
#include "app/commands.h"
#include "base/term_text.h"
#include "app/control_arg.h"
#include "app/netopts.h"
#include "app/play_window.h"
#include "app/stop_signals.h"
#include "app/winopts.h"

#include "player/class.h"
#include "player/clock.h"
#include "player/media/audio_mix.h"
#include "base/platform/os_file.h"
#include "base/platform/os_time.h"
#include "base/diag.h"
#include "player/recording/manifest.h"
#include "player/playloop.h"
#include "player/control/control_server.h"
#include "base/sp_error.h"

#include <libavutil/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavutil/time.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: sigplay play SOURCE [window options] [--no-audio] [network options]\n"
            "       sigplay play SOURCE --headless [--speed N | --max-speed] [--trace FILE]\n"
            "                    [--start T] [--until T] [--no-audio] [network options]\n"
            "Plays a recording in a window (keys: docs/keys.md; space pause, arrows seek,\n"
            "[ ] speed, l layout, c chat, f fullscreen, i stats, s screenshot, q quit).\n"
            "Without a display it draws the frame at --start into a PNG instead.\n"
            "%s"
            "--no-audio    do not decode or play audio\n"
            "--headless    no window and no audio device (the mix goes to a null sink):\n"
            "  --max-speed   no clock: go from one frame change to the next at once\n"
            "  --trace FILE  one line per presented frame ('-' for stdout)\n"
            "  --trace-av    add each lane's audio-against-video offset to the trace\n"
            "  --until T     stop after presenting the frame at or past this time\n"
            "%s%s"
            "Remote media is cached and plays while it downloads.\n"
            "Exit: 0 played, 1 played with warnings, 2 could not play, 64 bad command line.\n",
            app_winopts_help(), app_control_help(), app_net_help());
}

static void sleep_us(int64_t us)
{
    sp_os_sleep_us(us);
}

static void trace_header(FILE *f, const struct recording *rec, bool av)
{
    fprintf(f, "# sigplay-trace/1\tt_ms\tw_ms");
    /* the lanes played: the first PLAYER_MAX_LANES */
    for (size_t i = 0; i < rec->n_lanes && i < PLAYER_MAX_LANES; i++)
        fprintf(f, "\t%s", TERM_SAFE(rec->lanes[i].name));
    fprintf(f, "\t#board\t#chat%s\n", av ? "\tav_ms" : "");
}

/* --trace-av: per lane showing a frame while its sound plays, how far the
 * audio at the sink's position is ahead of that frame (ms; positive: audio
 * early, as ATSC IS-191 counts it): the playback time the sound was
 * stamped for (the mix position less the mixer's placement error) minus
 * the playback time the frame was stamped for. "lane:ms" items joined by
 * ',', '-' when no lane sounds. */
static void trace_av(FILE *f, struct sp_class *c)
{
    struct player *p = class_player(c);
    struct audio_mix *mix = player_mixer(p);
    int64_t t = class_time_us(c), w = class_board_us(c);
    int64_t pos = mix ? audio_mix_pos_us(mix) : 0;
    int n = 0;
    fputc('\t', f);
    for (size_t i = 0; mix && i < player_lane_count(p); i++) {
        const struct lane_view *v = player_lane_view(p, i);
        int64_t late = audio_mix_lane_late_us(mix, (int)i);
        if (v->state == LANE_PLACEHOLDER || late == AUDIO_MIX_NO_SKEW)
            continue;
        int64_t frame_t = t - (w - v->board_us);
        fprintf(f, "%s%zu:", n++ ? "," : "", i + 1);
        int64_t d = pos - late - frame_t;
        fprintf(f, "%s%lld.%03lld", d < 0 ? "-" : "", (long long)(d < 0 ? -d : d) / 1000,
                (long long)(d < 0 ? -d : d) % 1000);
    }
    if (!n)
        fputc('-', f);
}

/* "1700000012345.678": Unix µs as ms with three decimals */
static void put_ms(FILE *f, int64_t us)
{
    int64_t ms = us / 1000, frac = us % 1000;
    if (frac < 0) {
        frac += 1000;
        ms--;
    }
    fprintf(f, "%lld.%03lld", (long long)ms, (long long)frac);
}

static void trace_line(FILE *f, struct sp_class *c)
{
    struct player *p = class_player(c);
    put_ms(f, class_time_us(c));
    fputc('\t', f);
    put_ms(f, class_board_us(c));
    for (size_t i = 0; i < player_lane_count(p); i++) {
        const struct lane_view *v = player_lane_view(p, i);
        fputc('\t', f);
        if (v->state == LANE_PLACEHOLDER) {
            fputc('-', f);
            continue;
        }
        put_ms(f, v->pts_us);
        fputc('@', f);
        put_ms(f, v->board_us);
        if (v->state == LANE_WAITING)
            fputc('~', f);
    }
    fprintf(f, "\t%zu\t%zu", class_board_ops_shown(c), class_chat_shown(c));
}

/* Headless play under a remote control: what it carries out itself (the
 * window's properties are kept and reported, with nothing to show). */
struct headless {
    struct sp_class *c;
    const struct class_opts *co;
    bool ended, paused, chat, muted;
    double speed;
    int volume;
    char layout[64];
    char source[CONTROL_MAX_STR];
    bool quit;
};

static void headless_state(struct headless *h, struct control_state *cs)
{
    memset(cs, 0, sizeof(*cs));
    const struct recording *rec = class_recording(h->c);
    cs->t_us = class_time_us(h->c);
    cs->duration_us = class_total_us(h->c);
    cs->wall_us = class_board_us(h->c);
    cs->paused = h->paused;
    cs->ended = h->ended;
    cs->buffering = player_buffering(class_player(h->c));
    cs->speed = h->speed;
    cs->volume = h->volume;
    cs->muted = h->muted;
    snprintf(cs->layout, sizeof(cs->layout), "%s", h->layout);
    cs->chat = h->chat;
    for (size_t i = 0; i < rec->n_pauses; i++)
        cs->chapter += rec->pauses[i].video_us <= cs->t_us;
    snprintf(cs->source, sizeof(cs->source), "%s", h->source);
    struct signaling_progress sp;
    class_signaling_progress(h->c, &sp);
    cs->board_loading = !sp.finished;
    cs->board_pages_done = (int64_t)sp.done;
    cs->board_pages_total = (int64_t)sp.total;
}

static const char *headless_set(struct headless *h, const struct control_req *r)
{
    struct player *p = class_player(h->c);
    switch (r->prop) {
    case CONTROL_P_PAUSE:
        h->paused = r->b;
        player_set_paused(p, r->b || h->ended);
        return NULL;
    case CONTROL_P_SPEED:
        if (player_set_speed(p, r->num) < 0)
            return CONTROL_E_INVALID;
        h->speed = r->num;
        return NULL;
    case CONTROL_P_VOLUME:
        if (r->num < 0 || r->num > 100)
            return CONTROL_E_INVALID;
        h->volume = (int)r->num;
        return NULL;
    case CONTROL_P_MUTE:
        h->muted = r->b;
        return NULL;
    case CONTROL_P_CHAT:
        h->chat = r->b;
        return NULL;
    case CONTROL_P_LAYOUT:
        if (strcmp(r->str, "board") && strcmp(r->str, "grid") && strcmp(r->str, "focus"))
            return CONTROL_E_INVALID;
        snprintf(h->layout, sizeof(h->layout), "%.16s", r->str); /* a preset's name */
        return NULL;
    case CONTROL_P_FULLSCREEN:
        return CONTROL_E_UNAVAIL; /* no window */
    default:
        return CONTROL_E_RDONLY;
    }
}

static const char *headless_load(struct headless *h, const char *source, struct diag_list *diag)
{
    struct sp_class *n = NULL;
    int rc = class_open(source, h->co, diag, &n);
    if (rc) {
        class_close(&n);
        return CONTROL_E_FAILED; /* diag says why; the old class plays on */
    }
    class_take_diags(h->c, diag);
    class_close(&h->c);
    h->c = n;
    h->ended = false;
    snprintf(h->source, sizeof(h->source), "%s", source);
    class_seek_us(n, 0);
    player_set_paused(class_player(n), h->paused);
    player_set_speed(class_player(n), h->speed);
    return NULL;
}

static void headless_control(struct headless *h, struct control_server *srv, struct diag_list *diag)
{
    uint64_t client;
    struct control_req *r = malloc(sizeof(*r));
    while (r && !h->quit && control_server_next(srv, &client, r)) {
        const char *err = NULL;
        char *data = NULL;
        struct control_state cs;
        switch (r->op) {
        case CONTROL_SEEK: {
            /* a relative seek counts from t in whole ms, the wire's unit */
            int64_t t = r->relative ? class_time_us(h->c) / 1000 * 1000 + r->us : r->us;
            class_seek_us(h->c, t < 0 ? 0 : t);
            h->ended = false;
            player_set_paused(class_player(h->c), h->paused);
            break;
        }
        case CONTROL_SET:
            err = headless_set(h, r);
            break;
        case CONTROL_GET:
            headless_state(h, &cs);
            data = control_prop_json(&cs, r->prop);
            break;
        case CONTROL_OBSERVE:
            if (control_server_observe(srv, client, r->observe_id, r->prop) < 0)
                err = CONTROL_E_LIMIT;
            break;
        case CONTROL_UNOBSERVE:
            control_server_unobserve(srv, client, r->observe_id);
            break;
        case CONTROL_LOAD:
            err = headless_load(h, r->str, diag);
            break;
        case CONTROL_QUIT:
            h->quit = true;
            break;
        default: /* screenshot: there is no picture without a window */
            err = CONTROL_E_UNAVAIL;
            break;
        }
        control_server_answer(srv, client, r, err, data);
        free(data);
        if (r->op == CONTROL_OBSERVE) { /* its first value: the one at its reply */
            headless_state(h, &cs);
            control_server_publish(srv, &cs, av_gettime_relative());
        }
    }
    free(r);
}

int cmd_play(int argc, char **argv)
{
    const char *source = NULL, *trace_path = NULL;
    bool headless = false, max_speed = false, audio = true, trace_avs = false;
    int64_t until_us = -1;
    struct app_net net;
    app_net_init(&net);
    struct app_winopts wo; /* --start and --speed serve headless play too */
    app_winopts_init(&wo);
    struct app_control ctl;
    app_control_init(&ctl);
    for (int i = 1; i < argc; i++) {
        int nr = app_net_parse(&net, argc, argv, &i);
        if (nr == 0)
            nr = app_control_parse(&ctl, argc, argv, &i);
        if (nr == 0)
            nr = app_winopts_parse(&wo, "play", argc, argv, &i);
        if (nr < 0)
            return SP_EXIT_USAGE;
        if (nr > 0)
            continue;
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (!strcmp(a, "--headless")) {
            headless = true;
        } else if (!strcmp(a, "--max-speed")) {
            max_speed = true;
        } else if (!strcmp(a, "--no-audio")) {
            audio = false;
        } else if (!strcmp(a, "--trace-av")) {
            trace_avs = true;
        } else if (!strcmp(a, "--trace") && has_val) {
            trace_path = argv[++i];
        } else if (!strcmp(a, "--until") && has_val) {
            int64_t v;
            if (app_parse_time_us(argv[++i], &v) < 0) {
                fprintf(stderr, "sigplay: play: --until: expected " APP_TIME_FORMS ", got '%s'\n",
                        argv[i]);
                return SP_EXIT_USAGE;
            }
            until_us = v;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return SP_EXIT_OK;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "sigplay: play: unknown option or missing value: '%s'\n", a);
            usage(stderr);
            return SP_EXIT_USAGE;
        } else if (source) {
            fprintf(stderr, "sigplay: play: one SOURCE only (got '%s' and '%s')\n", source, a);
            return SP_EXIT_USAGE;
        } else {
            source = a;
        }
    }
    if (!source) {
        usage(stderr);
        return SP_EXIT_USAGE;
    }
    if (av_log_get_level() > AV_LOG_ERROR && !getenv("SIGPLAY_LOG"))
        av_log_set_level(AV_LOG_FATAL); /* bad media is reported as our own warnings */
    if (!headless)
#ifdef SIGPLAY_HAVE_UI
        return app_play_window(source, &wo, &net, &ctl, audio);
#else
    {
        fprintf(stderr, "sigplay: play: this sigplay is built without a window (SIGPLAY_UI=OFF): "
                        "use --headless, or render / export\n");
        return SP_EXIT_USAGE;
    }
#endif
    double speed = wo.speed;
    int64_t start_us = wo.start_us;

    struct diag_list diag;
    diag_init(&diag);
    struct sp_class *c = NULL;
    FILE *trace = NULL;
    int exit_code = SP_EXIT_ERROR;
    if (!clock_speed_valid(speed > 0 ? speed : 1.0)) {
        fprintf(stderr, "sigplay: play: --speed: expected 0.5 to 2.0 in steps of 0.25\n");
        return SP_EXIT_USAGE;
    }
    struct class_opts co;
    class_opts_init(&co);
    app_net_to_class(&net, &co);
    co.play.audio = audio;
    co.play.max_speed = max_speed;
    co.play.speed = speed;
    co.play.null_sink = true;
    co.batch = max_speed;
    struct control_server *srv = NULL;
    int rc = class_open(source, &co, &diag, &c);
    if (rc)
        goto out; /* diag names the source and the reason, or the status */
    if (wo.start_arg && app_time_check_end("play", "--start", wo.start_arg, start_us,
                                           class_recording(c)->total_us) < 0) {
        exit_code = SP_EXIT_USAGE;
        goto out;
    }
    if (app_control_start(&ctl, NULL, NULL, &srv) < 0)
        goto out;
    struct headless h = {.co = &co,
                         .speed = speed > 0 ? speed : 1.0,
                         .volume = wo.volume,
                         .muted = wo.mute,
                         .chat = wo.chat == 1,
                         .layout = "board"};
    snprintf(h.source, sizeof(h.source), "%s", source);
    if (trace_path) {
        trace = strcmp(trace_path, "-") ? sp_os_fopen(trace_path, "w") : stdout;
        if (!trace) {
            fprintf(stderr, "sigplay: play: %s: cannot write the trace\n", trace_path);
            goto out;
        }
        trace_header(trace, class_recording(c), trace_avs);
    }
    class_seek_us(c, start_us);
    /* a stop signal ends the loop and the class closes as at the end */
    app_stop_signals_catch();
    /* at max speed every change is listed: the board's too, so every page
     * is read first; in real time the pages stream in beside the media */
    if (max_speed)
        class_signaling_wait(c, true, -1);
    h.paused = wo.pause && srv;
    player_set_paused(class_player(c), h.paused);
    for (;;) {
        if (app_stop_signal())
            break;
        int64_t wait = 0;
        int r = h.ended ? 0 : class_step(c, &wait);
        if (r == SP_EEOF && !srv)
            break;
        if (r == SP_EEOF) { /* under a remote control the end is a state, not the exit */
            h.ended = true;
            player_set_paused(class_player(c), true);
            r = 0;
        }
        /* under a remote control, observers get their events at least 10
         * times a second (max-speed play without one never sleeps) */
        if (srv && (h.ended || wait <= 0 || wait > 100000))
            wait = h.ended || wait > 100000 || !max_speed ? 100000 : 0;
        if (r < 0) {
            fprintf(stderr, "sigplay: play: %s\n", sp_strerror(r));
            goto out;
        }
        if (r == 1 && trace) {
            trace_line(trace, c);
            if (trace_avs)
                trace_av(trace, c);
            fputc('\n', trace);
        }
        if (until_us >= 0 && class_time_us(c) >= until_us)
            break;
        if (!srv) {
            sleep_us(wait);
            continue;
        }
        control_server_wait(srv, wait);
        h.c = c;
        headless_control(&h, srv, &diag);
        c = h.c; /* a load replaced it */
        if (h.quit)
            break;
        struct control_state cs;
        headless_state(&h, &cs);
        control_server_publish(srv, &cs, av_gettime_relative());
    }
    exit_code = SP_EXIT_OK;
out:
    control_server_stop(&srv);
    class_take_diags(c, &diag);
    diag_print(&diag, stderr);
    if (exit_code == SP_EXIT_OK && (diag.warnings || diag.errors))
        exit_code = SP_EXIT_WARN;
    if (trace && trace != stdout)
        fclose(trace);
    else if (trace)
        fflush(trace);
    class_close(&c);
    diag_clear(&diag);
    return app_stop_signals_end(exit_code, "play", APP_STOP_KEPT_IN_FLIGHT);
}
