/* cmd_render.c - `sigplay render SOURCE --at MS -o FILE.png`: one frame of
 * the class as the window shows it, without a display. The lanes are
 * brought to t by the class core (player/class.h: exact frames, refined
 * origin, the board and chat at w(t), the IM pages read up to w(t) only:
 * signaling_opts.stop_at_bound), and the frame is
 * drawn by render/class_scene.h, the same path as the window; the OSD is
 * left out. Remote sources go through the network client and its cache,
 * so a class fetched before renders offline. */
#include "app/commands.h"
#include "app/layout_arg.h"
#include "app/netopts.h"
#include "app/progress.h"
#include "app/timearg.h"

#include "render/osd.h"
#include "player//class.h"
#include "base/platform/os_file.h"
#include "base/diag.h"
#include "player/recording/manifest.h"
#include "player/playloop.h"
#include "base/sp_error.h"
#include "render/canvas.h"
#include "render/class_scene.h"
#include "render/layout.h"

#include <libavutil/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: sigplay render SOURCE --at T -o FILE.png\n"
            "                      [--layout FILE|board|grid|focus|model1|model2]\n"
            "                      [--size WxH] [--chat | --no-chat] [network options]\n"
            "Draws the class at playback time T into a PNG, as the window shows it\n"
            "(without the on-screen controls). The IM pages are read only as far as\n"
            "the frame at T needs (a bad page after it is not read; sigplay verify\n"
            "reads them all).\n"
            "--at T         playback time, 0 to the recording's TotalTime: ms (40000),\n"
            "               40s, 0:40, 0:00:40.5 or 1m5s\n"
            "-o FILE.png    where to write the frame\n"
            "-q, --quiet    no line on success (the path, size and the frame's time)\n"
            "--layout L     a preset (board: the board large, pictures in a strip;\n"
            "               grid; focus: the teacher's camera large), the service's\n"
            "               model1 or model2, or a layout file: a CustomLayout, or a\n"
            "               video generation request with MixStream.Custom or\n"
            "               MixStream.ModelId (see docs/layouts.md); default board\n"
            "--size WxH     frame size in pixels (default 1280x720, or the layout's\n"
            "               canvas); a file's layout is scaled into it keeping its aspect\n"
            "--chat         show the chat column (default: as the link's\n"
            "               showChatMessages says, else off); --no-chat hides it\n"
            "%s"
            "Exit: 0 written, 1 written with warnings, 2 could not render, 64 bad command "
            "line.\n",
            app_net_help());
}

int cmd_render(int argc, char **argv)
{
    const char *source = NULL, *out_path = NULL, *layout_spec = NULL;
    int64_t at_us = -1;
    const char *at_arg = NULL;
    bool quiet = false;
    int size_w = 0, size_h = 0, chat = -1;
    struct app_net net;
    app_net_init(&net);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        int nr = app_net_parse(&net, argc, argv, &i);
        if (nr < 0)
            return SP_EXIT_USAGE;
        if (nr > 0)
            continue;
        if (!strcmp(a, "--at") && has_val) {
            int64_t v;
            at_arg = argv[++i];
            if (app_parse_time_us(at_arg, &v) < 0) {
                fprintf(stderr, "sigplay: render: --at: expected " APP_TIME_FORMS ", got '%s'\n",
                        at_arg);
                return SP_EXIT_USAGE;
            }
            at_us = v;
        } else if (!strcmp(a, "-o") && has_val) {
            out_path = argv[++i];
        } else if (!strcmp(a, "--layout") && has_val) {
            layout_spec = argv[++i];
        } else if (!strcmp(a, "--size") && has_val) {
            if (layout_parse_size(argv[++i], &size_w, &size_h) != 0) {
                fprintf(stderr, "sigplay: render: --size: expected WxH, 1 to %d each, got '%s'\n",
                        LAYOUT_MAX_DIM, argv[i]);
                return SP_EXIT_USAGE;
            }
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = true;
        } else if (!strcmp(a, "--chat")) {
            chat = 1;
        } else if (!strcmp(a, "--no-chat")) {
            chat = 0;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return SP_EXIT_OK;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "sigplay: render: unknown option or missing value: '%s'\n", a);
            usage(stderr);
            return SP_EXIT_USAGE;
        } else if (source) {
            fprintf(stderr, "sigplay: render: one SOURCE only (got '%s' and '%s')\n", source, a);
            return SP_EXIT_USAGE;
        } else {
            source = a;
        }
    }
    if (!source || !out_path || at_us < 0) {
        if (source && !out_path)
            fprintf(stderr, "sigplay: render: -o FILE.png is required\n");
        else if (source)
            fprintf(stderr, "sigplay: render: --at T is required\n");
        usage(stderr);
        return SP_EXIT_USAGE;
    }
    if (av_log_get_level() > AV_LOG_ERROR && !getenv("SIGPLAY_LOG"))
        av_log_set_level(AV_LOG_FATAL); /* bad media is reported as our own warnings */

    struct diag_list diag;
    diag_init(&diag);
    struct sp_class *c = NULL;
    struct class_scene *cs = NULL;
    struct canvas *cv = NULL;
    struct layout *l = malloc(sizeof(*l));
    int exit_code = SP_EXIT_ERROR;
    if (!l)
        goto out;
    /* The lanes at t exactly: max-speed play waits for every decoder. */
    struct class_opts co;
    class_opts_init(&co);
    app_net_to_class(&net, &co);
    co.play.audio = false;
    co.play.max_speed = true;
    co.signal_until_wait = true; /* the pages up to the frame's time only */
    int rc = class_open(source, &co, &diag, &c);
    if (rc)
        goto out; /* diag names the source and the reason, or the status */
    const struct recording *rec = class_recording(c);
    if (app_time_check_end("render", "--at", at_arg, at_us, rec->total_us) < 0) {
        exit_code = SP_EXIT_USAGE;
        goto out;
    }
    struct class_scene_opts so = {.loader = class_loader(c), .layer_cache_dir = class_cache_dir(c)};
    if ((rc = class_scene_create(rec, class_timeline(c), &so, &cs)) != 0)
        goto fail;
    bool chat_on = chat >= 0 ? chat == 1 : rec->show_chat == 1;
    if ((rc = app_layout_load(layout_spec, rec, class_has_board(c), size_w, size_h, chat_on, &diag,
                              l)) != 0) {
        if (rc == SP_EINVAL)
            goto fail;
        goto out; /* diag names the file and the reason */
    }
    if (chat < 0 && layout_places_chat(l))
        chat_on = true; /* the layout places tic_im_chat: it shows the chat */
    class_seek_us(c, at_us);
    rc = class_step(c, NULL);
    if (rc < 0 && rc != SP_EEOF)
        goto fail;
    /* the frame is exact: every op and message up to w(t) is in (the pages
     * after it are not read) */
    if ((rc = class_signaling_wait(c, false, -1)) != 0)
        goto fail;
    const struct lane_view *views[PLAYER_MAX_LANES];
    struct class_frame f;
    class_scene_frame(c, chat_on, views, PLAYER_MAX_LANES, &f);
    if ((rc = canvas_create(&cv, l->w, l->h)) != 0)
        goto fail;
    if ((rc = class_scene_draw(cs, l, &f, cv)) != 0)
        goto fail;
    if ((rc = canvas_write_png(cv, out_path)) != 0) {
        fprintf(stderr, "sigplay: render: %s: cannot write: %s\n", out_path, sp_strerror(rc));
        goto out;
    }
    exit_code = SP_EXIT_OK;
    if (!quiet) {
        struct sp_os_stat st;
        char size[32], at[32];
        app_human_bytes(sp_os_stat(out_path, &st) == 0 ? (double)st.size : 0, size, sizeof(size));
        osd_format_time_us(at_us, at, sizeof(at));
        printf("sigplay: render: wrote %s (%s, %dx%d, the frame at %s)\n", out_path, size, l->w,
               l->h, at);
    }
    goto out;
fail:
    fprintf(stderr, "sigplay: render: %s\n", sp_strerror(rc));
out:
    class_take_diags(c, &diag);
    if (cs)
        class_scene_take_diags(cs, &diag);
    diag_print(&diag, stderr);
    if (exit_code == SP_EXIT_OK && (diag.warnings || diag.errors))
        exit_code = SP_EXIT_WARN;
    canvas_destroy(&cv);
    class_scene_destroy(&cs);
    class_close(&c);
    diag_clear(&diag);
    free(l);
    return exit_code;
}
