/* cmd_play.c - `sigplay play SOURCE [...]`: the player window
 * (app/play_window.c), or with --headless the whole playback engine without
 * a window or audio device (a null sink), for tests, benchmarks and traces.
 * The trace format is in docs/playback.md. */
#include "app/commands.h"
#include "app/netopts.h"
#include "app/play_window.h"
#include "app/winopts.h"

#include "player/class.h"
#include "player/clock.h"
#include "base/diag.h"
#include "player/recording/manifest.h"
#include "player/playloop.h"
#include "base/sp_error.h"

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
            "                    [--start T] [--until T] [--no-audio] [network options]\n"
            "Plays a recording in a window (keys: docs/keys.md; space pause, arrows seek,\n"
            "[ ] speed, l layout, c chat, f fullscreen, i stats, s screenshot, q quit).\n"
            "Without a display it draws the frame at --start into a PNG instead.\n"
            "%s"
            "--no-audio    do not decode or play audio\n"
            "--headless    no window and no audio device (the mix goes to a null sink):\n"
            "  --max-speed   no clock: go from one frame change to the next at once\n"
            "  --trace FILE  one line per presented frame ('-' for stdout)\n"
            "  --until T     stop after presenting the frame at or past this time\n"
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
    fprintf(f, "\t#board\t#chat\n");
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
    fprintf(f, "\t%zu\t%zu\n", class_board_ops_shown(c), class_chat_shown(c));
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
            int64_t v;
            if (app_parse_time_ms(argv[++i], &v) < 0) {
                fprintf(stderr, "sigplay: play: --until: expected " APP_TIME_FORMS ", got '%s'\n",
                        argv[i]);
                return SP_EXIT_USAGE;
            }
            until_ms = v;
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
        return app_play_window(source, &wo, &net, audio);
#else
    {
        fprintf(stderr, "sigplay: play: this sigplay is built without a window (SIGPLAY_UI=OFF): "
                        "use --headless, or render / export\n");
        return SP_EXIT_USAGE;
    }
#endif
    double speed = wo.speed;
    int64_t start_ms = wo.start_ms;

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
    co.net = net.opts;
    co.play.audio = audio;
    co.play.max_speed = max_speed;
    co.play.speed = speed;
    co.play.null_sink = true;
    co.batch = max_speed;
    int rc = class_open(source, &co, &diag, &c);
    if (rc)
        goto out; /* diag names the source and the reason, or the status */
    if (wo.start_arg && app_time_check_end("play", "--start", wo.start_arg, start_ms,
                                           class_recording(c)->total_ms) < 0) {
        exit_code = SP_EXIT_USAGE;
        goto out;
    }
    if (trace_path) {
        trace = strcmp(trace_path, "-") ? fopen(trace_path, "w") : stdout;
        if (!trace) {
            fprintf(stderr, "sigplay: play: %s: cannot write the trace\n", trace_path);
            goto out;
        }
        trace_header(trace, class_recording(c));
    }
    class_seek_us(c, start_ms * 1000);
    /* at max speed every change is listed: the board's too, so every page
     * is read first; in real time the pages stream in beside the media */
    if (max_speed)
        class_signaling_wait(c, true, -1);
    player_set_paused(class_player(c), false);
    for (;;) {
        int64_t wait = 0;
        int r = class_step(c, &wait);
        if (r == SP_EEOF)
            break;
        if (r < 0) {
            fprintf(stderr, "sigplay: play: %s\n", sp_strerror(r));
            goto out;
        }
        if (r == 1 && trace)
            trace_line(trace, c);
        if (until_ms >= 0 && class_time_us(c) >= until_ms * 1000)
            break;
        sleep_us(wait);
    }
    exit_code = SP_EXIT_OK;
out:
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
    return exit_code;
}
