/* cmd_preview.c - `sigplay preview SOURCE [options]`: the player window on
 * a recording's timeline: OSD, keys, mouse, layouts of lane tiles, chat
 * column, kiosk mode; no media decoding (render/tile_engine.h). Shares its
 * options with windowed play (app/winopts.h). */
#include "commands.h"
#include "winopts.h"

#include "player/diag.h"
#include "player/manifest.h"
#include "player/sp_error.h"
#include "player/timeline.h"
#include "render/text.h"
#include "render/tile_engine.h"
#include "render/window_loop.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: sigplay preview SOURCE [options]\n"
            "Opens the player window on the recording's timeline: seek bar, keys, layouts\n"
            "of lane tiles and the chat column, without decoding media.\n%s"
            "Keys: see docs/keys.md (space pause, arrows seek, [ ] speed, l layout, c chat,\n"
            "f fullscreen, i stats, s screenshot, q quit).\n"
            "Exit: 0 closed, 2 could not open the recording or the window, 64 bad command line.\n",
            app_winopts_help());
}

int cmd_preview(int argc, char **argv)
{
    struct app_winopts wo;
    app_winopts_init(&wo);
    const char *source = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = app_winopts_parse(&wo, "preview", argc, argv, &i);
        if (r < 0)
            return SP_EXIT_USAGE;
        if (r > 0)
            continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return SP_EXIT_OK;
        }
        if (a[0] == '-' && a[1]) {
            fprintf(stderr, "sigplay: preview: unknown option '%s'\n", a);
            usage(stderr);
            return SP_EXIT_USAGE;
        }
        if (source) {
            fprintf(stderr, "sigplay: preview: one SOURCE only (got '%s' and '%s')\n", source, a);
            return SP_EXIT_USAGE;
        }
        source = a;
    }
    if (!source) {
        usage(stderr);
        return SP_EXIT_USAGE;
    }
    int layout = 0;
    if (wo.layout) {
        layout = tile_engine_layout_index(wo.layout);
        if (layout < 0) {
            fprintf(stderr,
                    "sigplay: preview: --layout %s: custom layout files are drawn by "
                    "'play'; the preview shows the 'board' preset\n",
                    wo.layout);
            layout = 0;
        }
    }

    struct diag_list diag;
    diag_init(&diag);
    struct recording *rec = NULL;
    struct timeline *tl = NULL;
    struct text_ctx *text = NULL;
    struct tile_engine *eng = NULL;
    int exit_code = SP_EXIT_ERROR;
    int rc = manifest_open(source, NULL, NULL, &diag, &rec);
    if (!rec) {
        if (!diag.count)
            fprintf(stderr, "sigplay: preview: %s: %s\n", source, sp_strerror(rc));
        goto out;
    }
    if (rc == SP_ENOTREADY || tl_create(rec, &tl) != 0)
        goto out;
    if (text_create(&text) != 0)
        fprintf(stderr, "sigplay: preview: no font found; the OSD shows no text\n");
    struct tile_engine_opts eo = {.start_ms = wo.start_ms,
                                  .speed = wo.speed,
                                  .layout = layout,
                                  .chat = wo.chat == 1 || (wo.chat < 0 && rec->show_chat == 1),
                                  .volume = wo.volume,
                                  .muted = wo.mute};
    if (tile_engine_create(tl, text, &eo, &eng) != 0)
        goto out;
    struct player_ui ui = tile_engine_ui(eng);
    struct window_loop_opts lo = {.title = "sigplay",
                                  .canvas_w = wo.width,
                                  .canvas_h = wo.height,
                                  .fullscreen = wo.fullscreen,
                                  .kiosk = wo.kiosk,
                                  .loop = wo.loop,
                                  .autoplay = true,
                                  .state_file = wo.state_file,
                                  .screenshot_dir = wo.screenshot_dir,
                                  .text = text};
    rc = window_loop_run(&lo, &ui);
    if (rc == 0)
        exit_code = SP_EXIT_OK;
    else
        fprintf(stderr, "sigplay: preview: %s\n", sp_strerror(rc));
out:
    diag_print(&diag, stderr);
    tile_engine_destroy(&eng);
    text_destroy(&text);
    tl_destroy(&tl);
    recording_free(rec);
    diag_clear(&diag);
    return exit_code;
}
