/* cmd_play.c - `sigplay play SOURCE [...]`: the player window
 * (app/play_window.c), or with --headless the whole playback engine without
 * a window or audio device (a null sink), for tests, benchmarks and traces.
 * The trace format is in docs/playback.md. */
#include "commands.h"
#include "netopts.h"
#include "play_window.h"
#include "winopts.h"

#include "player/diag.h"
#include "player/fetch.h"
#include "player/manifest.h"
#include "player/playloop.h"
#include "player/sei.h"
#include "player/sp_error.h"
#include "player/timeline.h"

#include <libavutil/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: sigplay play SOURCE [window options] [--no-audio] [network options]\n"
            "       sigplay play SOURCE --headless [--speed N | --max-speed] [--trace FILE]\n"
            "                    [--start T] [--until MS] [--no-audio] [network options]\n"
            "Plays a recording in a window (keys: docs/keys.md; space pause, arrows seek,\n"
            "[ ] speed, l layout, c chat, f fullscreen, i stats, s screenshot, q quit).\n"
            "Without a display it draws the frame at --start into a PNG instead.\n"
            "%s"
            "--no-audio    do not decode or play audio\n"
            "--headless    no window and no audio device (the mix goes to a null sink):\n"
            "  --max-speed   no clock: go from one frame change to the next at once\n"
            "  --trace FILE  one line per presented frame ('-' for stdout)\n"
            "  --until MS    stop after presenting the frame at or past this time\n"
            "%s"
            "Remote media is cached and plays while it downloads.\n"
            "Exit: 0 played, 1 played with warnings, 2 could not play, 64 bad command line.\n",
            app_winopts_help(), app_net_help());
}

static void sleep_us(int64_t us)
{
    if (us <= 0)
        return;
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static void trace_header(FILE *f, const struct recording *rec)
{
    fprintf(f, "# sigplay-trace/1\tt_ms\tw_ms");
    for (size_t i = 0; i < rec->n_lanes; i++)
        fprintf(f, "\t%s", rec->lanes[i].name);
    fputc('\n', f);
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

static void trace_line(FILE *f, struct player *p)
{
    put_ms(f, player_time_us(p));
    fputc('\t', f);
    put_ms(f, player_board_us(p));
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
    fputc('\n', f);
}

int cmd_play(int argc, char **argv)
{
    const char *source = NULL, *trace_path = NULL;
    bool headless = false, max_speed = false, audio = true;
    long long until_ms = -1;
    struct app_net net;
    app_net_init(&net);
    struct app_winopts wo; /* --start and --speed serve headless play too */
    app_winopts_init(&wo);
    for (int i = 1; i < argc; i++) {
        int nr = app_net_parse(&net, argc, argv, &i);
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
        } else if (!strcmp(a, "--trace") && has_val) {
            trace_path = argv[++i];
        } else if (!strcmp(a, "--until") && has_val) {
            char *end;
            until_ms = strtoll(argv[++i], &end, 10);
            if (end == argv[i] || *end || until_ms < 0) {
                fprintf(stderr, "sigplay: play: --until: expected ms >= 0, got '%s'\n", argv[i]);
                return SP_EXIT_USAGE;
            }
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
        return app_play_window(source, &wo, &net, audio);
    double speed = wo.speed;
    int64_t start_ms = wo.start_ms;

    struct diag_list diag;
    diag_init(&diag);
    struct recording *rec = NULL;
    struct timeline *tl = NULL;
    struct player *p = NULL;
    struct fetch *f = NULL; /* started only for remote documents or media */
    FILE *trace = NULL;
    int exit_code = SP_EXIT_ERROR;
    struct sp_loader loader;
    if (fetch_is_remote(source)) {
        if (app_net_start(&net, &f))
            goto out;
        loader = fetch_loader(f);
    }
    int rc = manifest_open(source, f ? &loader : NULL, NULL, &diag, &rec);
    if (!rec) {
        if (!diag.count)
            fprintf(stderr, "sigplay: play: %s: %s\n", source, sp_strerror(rc));
        goto out;
    }
    if (rc == SP_ENOTREADY)
        goto out; /* diag says what the status means */
    if (tl_create(rec, &tl) != 0)
        goto out;
    for (size_t l = 0; !f && l < rec->n_lanes; l++)
        for (size_t s = 0; !f && s < rec->lanes[l].n_segments; s++)
            if (fetch_is_remote(rec->lanes[l].segments[s].url) && app_net_start(&net, &f))
                goto out;
    struct player_opts po = {.audio = audio,
                             .max_speed = max_speed,
                             .speed = speed,
                             .sei_scan = sei_scan_packet,
                             .null_sink = true,
                             .fetch = f};
    if (max_speed)
        po.codec_threads = player_batch_codec_threads(tl);
    rc = player_create(tl, &po, &p);
    if (rc == SP_ERANGE) {
        fprintf(stderr, "sigplay: play: --speed: expected 0.5 to 2.0 in steps of 0.25\n");
        exit_code = SP_EXIT_USAGE;
        goto out;
    }
    if (rc < 0) {
        fprintf(stderr, "sigplay: play: %s\n", sp_strerror(rc));
        goto out;
    }
    if (trace_path) {
        trace = strcmp(trace_path, "-") ? fopen(trace_path, "w") : stdout;
        if (!trace) {
            fprintf(stderr, "sigplay: play: %s: cannot write the trace\n", trace_path);
            goto out;
        }
        trace_header(trace, rec);
    }
    player_seek(p, start_ms);
    player_set_paused(p, false);
    for (;;) {
        int64_t wait = 0;
        int r = player_step(p, &wait);
        if (r == SP_EEOF)
            break;
        if (r < 0) {
            fprintf(stderr, "sigplay: play: %s\n", sp_strerror(r));
            goto out;
        }
        if (r == 1 && trace)
            trace_line(trace, p);
        if (until_ms >= 0 && player_time_us(p) >= until_ms * 1000)
            break;
        sleep_us(wait);
    }
    exit_code = SP_EXIT_OK;
out:
    if (p)
        player_take_diags(p, &diag);
    diag_print(&diag, stderr);
    if (exit_code == SP_EXIT_OK && (diag.warnings || diag.errors))
        exit_code = SP_EXIT_WARN;
    if (trace && trace != stdout)
        fclose(trace);
    else if (trace)
        fflush(trace);
    player_destroy(&p);
    fetch_destroy(&f); /* after the player: its streams are closed */
    tl_destroy(&tl);
    recording_free(rec);
    diag_clear(&diag);
    return exit_code;
}
