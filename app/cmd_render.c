/* cmd_render.c - `sigplay render SOURCE --at MS -o FILE.png`: one frame of
 * the class as the window shows it, without a display. The lanes are
 * brought to t by the play loop (exact frames, refined origin), the board
 * and chat to w(t), and the frame is drawn by render/class_scene.h, the
 * same path as the window; the OSD is left out. */
#include "commands.h"
#include "layout_arg.h"

#include "player/diag.h"
#include "player/manifest.h"
#include "player/playloop.h"
#include "player/sei.h"
#include "player/sp_error.h"
#include "player/timeline.h"
#include "render/canvas.h"
#include "render/class_scene.h"
#include "render/layout.h"

#include <libavutil/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "Usage: sigplay render SOURCE --at MS -o FILE.png [--layout FILE|board|grid|focus]\n"
               "                      [--size WxH] [--chat | --no-chat]\n"
               "Draws the class at playback time MS into a PNG, as the window shows it\n"
               "(without the on-screen controls).\n"
               "--at MS        playback time in ms, 0 to the recording's TotalTime\n"
               "-o FILE.png    where to write the frame\n"
               "--layout L     a preset (board: the board large, pictures in a strip;\n"
               "               grid; focus: the teacher's camera large) or a CustomLayout\n"
               "               JSON file (see docs/layouts.md); default board\n"
               "--size WxH     frame size in pixels (default 1280x720, or a custom layout's\n"
               "               canvas); a custom layout is scaled into it keeping its aspect\n"
               "--chat         show the chat column (default: as the link's\n"
               "               showChatMessages says, else off); --no-chat hides it\n"
               "Exit: 0 written, 1 written with warnings, 2 could not render, 64 bad command "
               "line.\n");
}

int cmd_render(int argc, char **argv)
{
    const char *source = NULL, *out_path = NULL, *layout_spec = NULL;
    long long at_ms = -1;
    int size_w = 0, size_h = 0, chat = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (!strcmp(a, "--at") && has_val) {
            char *end;
            at_ms = strtoll(argv[++i], &end, 10);
            if (end == argv[i] || *end || at_ms < 0) {
                fprintf(stderr, "sigplay: render: --at: expected ms >= 0, got '%s'\n", argv[i]);
                return SP_EXIT_USAGE;
            }
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
    if (!source || !out_path || at_ms < 0) {
        if (source && !out_path)
            fprintf(stderr, "sigplay: render: -o FILE.png is required\n");
        else if (source)
            fprintf(stderr, "sigplay: render: --at MS is required\n");
        usage(stderr);
        return SP_EXIT_USAGE;
    }
    if (av_log_get_level() > AV_LOG_ERROR && !getenv("SIGPLAY_LOG"))
        av_log_set_level(AV_LOG_FATAL); /* bad media is reported as our own warnings */

    struct diag_list diag;
    diag_init(&diag);
    struct recording *rec = NULL;
    struct timeline *tl = NULL;
    struct player *p = NULL;
    struct class_scene *cs = NULL;
    struct canvas *cv = NULL;
    struct layout *l = malloc(sizeof(*l));
    int exit_code = SP_EXIT_ERROR;
    if (!l)
        goto out;
    int rc = manifest_open(source, NULL, NULL, &diag, &rec);
    if (!rec) {
        if (!diag.count)
            fprintf(stderr, "sigplay: render: %s: %s\n", source, sp_strerror(rc));
        goto out;
    }
    if (rc == SP_ENOTREADY)
        goto out; /* diag says what the status means */
    if (at_ms > rec->total_ms) {
        fprintf(stderr, "sigplay: render: --at: %lld is past the end (TotalTime %lld ms)\n", at_ms,
                (long long)rec->total_ms);
        exit_code = SP_EXIT_USAGE;
        goto out;
    }
    if ((rc = tl_create(rec, &tl)) != 0)
        goto fail;
    if ((rc = class_scene_create(rec, tl, NULL, &diag, &cs)) != 0)
        goto fail;
    bool chat_on = chat >= 0 ? chat == 1 : rec->show_chat == 1;
    if ((rc = app_layout_load(layout_spec, rec, class_scene_has_board(cs), size_w, size_h, chat_on,
                              &diag, l)) != 0) {
        if (rc == SP_EINVAL)
            goto fail;
        goto out; /* diag names the file and the reason */
    }

    /* The lanes at t exactly: max-speed play waits for every decoder. */
    struct player_opts po = {.audio = false, .max_speed = true, .sei_scan = sei_scan_packet};
    if ((rc = player_create(tl, &po, &p)) != 0)
        goto fail;
    player_seek(p, at_ms);
    rc = player_step(p, NULL);
    if (rc < 0 && rc != SP_EEOF)
        goto fail;
    size_t n = player_lane_count(p);
    const struct lane_view *views[PLAYER_MAX_LANES];
    for (size_t i = 0; i < n && i < PLAYER_MAX_LANES; i++)
        views[i] = player_lane_view(p, i);
    int64_t w_us = player_board_us(p);
    int64_t w_ms = w_us >= 0 ? w_us / 1000 : -((-w_us + 999) / 1000);

    if ((rc = canvas_create(&cv, l->w, l->h)) != 0)
        goto fail;
    if ((rc = class_scene_draw(cs, l, w_ms, views, n, chat_on, cv)) != 0)
        goto fail;
    if ((rc = canvas_write_png(cv, out_path)) != 0) {
        fprintf(stderr, "sigplay: render: %s: cannot write: %s\n", out_path, sp_strerror(rc));
        goto out;
    }
    exit_code = SP_EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "sigplay: render: %s\n", sp_strerror(rc));
out:
    if (p)
        player_take_diags(p, &diag);
    if (cs)
        class_scene_take_diags(cs, &diag);
    diag_print(&diag, stderr);
    if (exit_code == SP_EXIT_OK && (diag.warnings || diag.errors))
        exit_code = SP_EXIT_WARN;
    canvas_destroy(&cv);
    player_destroy(&p);
    class_scene_destroy(&cs);
    tl_destroy(&tl);
    recording_free(rec);
    diag_clear(&diag);
    free(l);
    return exit_code;
}
