/* play_window.c - windowed play (see play_window.h). */
#include "app/play_window.h"
#include "app/chat_subs.h"

#include "app/commands.h"
#include "app/control_arg.h"
#include "app/layout_arg.h"
#include "app/netopts.h"
#include "app/stop_signals.h"
#include "app/winopts.h"

#include "player/class.h"
#include "base/diag.h"
#include "player/recording/manifest.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"
#include "render/canvas.h"
#include "ui/engine_ui.h"
#include "render/layout.h"
#include "render/text.h"
#include "ui/window.h"
#include "ui/window_loop.h"
#include "player/control/control_server.h"

#include "base/log.h"
#include "base/platform/os_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* False when SDL cannot have a display here: an X11 or Wayland driver
 * (SDL's default) without DISPLAY and WAYLAND_DISPLAY. Another driver
 * named in SDL_VIDEODRIVER is left to SDL to judge. */
static struct sp_log lg = SP_LOG_INIT("play");

static bool display_likely(void)
{
    const char *drv = getenv("SDL_VIDEODRIVER");
    if (drv && *drv && strcmp(drv, "x11") && strcmp(drv, "wayland"))
        return true;
    const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    return (x && *x) || (wl && *wl);
}

/* The frame at wo->start_us, drawn by the engine in max-speed mode (every
 * lane exact: what `sigplay render` draws) into a PNG named like a window
 * screenshot. Prints one line saying where. */
static int draw_instead(const char *source, const struct app_net *net, struct text_ctx *text,
                        struct engine_ui_opts eo, const struct app_winopts *wo, const char *why,
                        struct diag_list *diag)
{
    eo.max_speed = true;
    eo.audio = false;
    struct engine_ui *e = NULL;
    struct canvas *cv = NULL;
    struct sp_class *c = NULL;
    struct class_opts co;
    class_opts_init(&co);
    app_net_to_class(net, &co);
    co.play.audio = false;
    co.play.max_speed = true;
    /* The source is read a second time: what it said the first time is in
     * diag already and is not said twice. */
    struct diag_list again;
    diag_init(&again);
    int rc = class_open(source, &co, &again, &c);
    if (rc == 0)
        rc = class_signaling_wait(c, true, -1); /* the frame drawn is exact */
    if (rc == 0)
        rc = engine_ui_create(c, text, &eo, diag, &e);
    struct player_ui ui;
    struct pui_state st;
    memset(&st, 0, sizeof(st));
    if (rc == 0) {
        ui = engine_ui_callbacks(e);
        rc = ui.step(ui.opaque, NULL);
        rc = rc == SP_EEOF ? 0 : rc < 0 ? rc : 0;
    }
    if (rc == 0)
        rc = canvas_create(&cv, eo.canvas_w, eo.canvas_h);
    if (rc == 0)
        rc = ui.draw(ui.opaque, cv);
    char name[128], path[4096];
    if (rc == 0) {
        ui.get_state(ui.opaque, &st);
        window_loop_screenshot_name(&st, name, sizeof(name));
        snprintf(path, sizeof(path), "%s/%s", wo->screenshot_dir ? wo->screenshot_dir : ".", name);
        rc = canvas_write_png(cv, path);
    }
    if (rc == 0) {
        char at[32];
        osd_format_time_us(st.t_us, at, sizeof(at));
        printf("sigplay: play: %s; drew the frame at %s into %s\n", why, at, path);
    } else {
        fprintf(stderr, "sigplay: play: %s, and drawing the frame failed: %s\n", why,
                sp_strerror(rc));
    }
    engine_ui_take_diags(e, &again);
    class_take_diags(c, &again);
    diag_move_unseen(diag, &again);
    canvas_destroy(&cv);
    engine_ui_destroy(&e);
    class_close(&c);
    return rc == 0 ? SP_EXIT_OK : SP_EXIT_ERROR;
}

/* What a remote control's "load" needs to open another SOURCE in the
 * same window: the class and engine now playing (swapped on success). */
struct reload {
    const struct class_opts *co;
    struct engine_ui_opts eo; /* as for the first one, with a preset layout */
    struct text_ctx *text;
    struct diag_list *diag;
    struct sp_class **c;
    struct engine_ui **e;
};

static int reload(void *opaque, const char *source, struct player_ui *ui)
{
    struct reload *r = opaque;
    struct sp_class *c = NULL;
    struct engine_ui *e = NULL;
    int rc = class_open(source, r->co, r->diag, &c);
    if (rc == 0)
        rc = engine_ui_create(c, r->text, &r->eo, r->diag, &e);
    if (rc) {
        engine_ui_destroy(&e);
        class_close(&c);
        return rc < 0 ? rc : SP_EINVAL;
    }
    engine_ui_take_diags(*r->e, r->diag);
    engine_ui_destroy(r->e);
    class_take_diags(*r->c, r->diag);
    class_close(r->c);
    *r->c = c;
    *r->e = e;
    *ui = engine_ui_callbacks(e);
    return 0;
}

static void wake(void *opaque)
{
    (void)opaque;
    window_wake();
}

int app_play_window(const char *source, const struct app_winopts *wo, const struct app_net *net,
                    const struct app_control *ctl, bool audio)
{
    struct control_server *srv = NULL;
    struct diag_list diag;
    diag_init(&diag);
    struct sp_class *c = NULL;
    const struct recording *rec = NULL;
    struct text_ctx *text = NULL;
    struct engine_ui *e = NULL;
    struct layout *custom = NULL;
    int exit_code = SP_EXIT_ERROR;
    bool warned = false;

    /* Whether a window can open is known before anything is read: without
     * one, the exact frame is drawn instead (max speed, no audio). */
    bool window = display_likely();
    struct class_opts co;
    class_opts_init(&co);
    app_net_to_class(net, &co);
    co.play.audio = audio && window;
    co.play.speed = wo->speed;
    co.play.max_speed = !window;
    /* startup steps on the monotonic clock (SIGPLAY_LOG=debug), to compare
     * with a launcher's own reading of it (bench/first_picture.sh) */
    SP_DBG(&lg, "startup: play begins at %lld us", (long long)sp_os_mono_us());
    int rc = class_open(source, &co, &diag, &c);
    SP_DBG(&lg, "startup: class opened at %lld us", (long long)sp_os_mono_us());
    if (rc)
        goto out; /* diag names the source and the reason, or the status */
    rec = class_recording(c);
    if (wo->start_arg &&
        app_time_check_end("play", "--start", wo->start_arg, wo->start_us, rec->total_us) < 0) {
        exit_code = SP_EXIT_USAGE;
        goto out;
    }
    bool chat = wo->chat >= 0 ? wo->chat == 1 : rec->show_chat == 1;
    int layout = 0;
    if (wo->layout && (layout = layout_preset_from_name(wo->layout)) < 0) {
        custom = malloc(sizeof(*custom));
        if (!custom)
            goto out;
        rc = app_layout_load(wo->layout, rec, false, wo->width, wo->height, chat, &diag, custom);
        if (rc) {
            if (rc == SP_EINVAL)
                fprintf(stderr, "sigplay: play: --layout %s: %s\n", wo->layout, sp_strerror(rc));
            goto out; /* diag names the file and the reason */
        }
        layout = ENGINE_UI_PRESETS;
        if (wo->chat < 0 && layout_places_chat(custom))
            chat = true; /* the layout places tic_im_chat: it shows the chat */
    }
    if (text_create(&text) != 0) {
        fprintf(stderr, "sigplay: play: no font found (fontconfig has none)\n");
        goto out;
    }
    SP_DBG(&lg, "startup: fonts found at %lld us", (long long)sp_os_mono_us());
    bool mute_lanes[PLAYER_MAX_LANES] = {false};
    for (int k = 0; k < wo->n_mute_lane; k++) {
        bool any = false;
        for (size_t l = 0; l < rec->n_lanes && l < PLAYER_MAX_LANES; l++)
            if (app_lane_is_user(&rec->lanes[l], wo->mute_lane[k]))
                any = mute_lanes[l] = true;
        if (!any)
            fprintf(stderr, "sigplay: play: --mute-lane: '%s' is no lane of this class\n",
                    wo->mute_lane[k]);
    }
    struct engine_ui_opts eo = {.canvas_w = wo->width,
                                .canvas_h = wo->height,
                                .start_us = wo->start_us,
                                .speed = wo->speed,
                                .layout = layout,
                                .custom = custom,
                                .chat = chat,
                                .volume = wo->volume,
                                .muted = wo->mute,
                                .mute_lanes = mute_lanes,
                                .audio = audio};
    if (!window) {
        class_close(&c);
        exit_code = draw_instead(source, net, text, eo, wo,
                                 "no display (DISPLAY and WAYLAND_DISPLAY are unset)", &diag);
        goto out;
    }
    /* A stop signal leaves the loop as at q (app/stop_signals.h). Caught
     * before the audio device starts SDL, so SDL keeps its own handlers
     * out (it installs them only over the default action). */
    app_stop_signals_catch();
    if ((rc = engine_ui_create(c, text, &eo, &diag, &e)) != 0) {
        fprintf(stderr, "sigplay: play: %s\n", sp_strerror(rc));
        goto out;
    }
    SP_DBG(&lg, "startup: engine made at %lld us", (long long)sp_os_mono_us());
    diag_print(&diag, stderr); /* what the pages said, before the window hides the terminal */
    warned = diag.warnings || diag.errors;
    diag_clear(&diag);
    struct player_ui ui = engine_ui_callbacks(e);
    struct reload rl = {.co = &co, .eo = eo, .text = text, .diag = &diag, .c = &c, .e = &e};
    rl.eo.custom = NULL; /* a custom layout belongs to its recording */
    if (rl.eo.layout >= ENGINE_UI_PRESETS)
        rl.eo.layout = 0;
    rl.eo.start_us = 0;
    if (app_control_start(ctl, wake, NULL, &srv) < 0)
        goto out;
    struct window_loop_opts lo = {.control = srv,
                                  .source = source,
                                  .load = reload,
                                  .load_opaque = &rl,
                                  .title = "sigplay",
                                  .canvas_w = wo->width,
                                  .canvas_h = wo->height,
                                  .fullscreen = wo->fullscreen,
                                  .kiosk = wo->kiosk,
                                  .fit_screen = !wo->size_given,
                                  .loop = wo->loop,
                                  .autoplay = !wo->pause,
                                  .state_file = wo->state_file,
                                  .screenshot_dir = wo->screenshot_dir,
                                  .text = text,
                                  .stop = app_stop_asked};
    rc = window_loop_run(&lo, &ui);
    if (rc == SP_EUNSUPPORTED) {
        engine_ui_take_diags(e, &diag);
        engine_ui_destroy(&e);
        class_close(&c);
        exit_code = draw_instead(source, net, text, eo, wo,
                                 "no display (the window could not open)", &diag);
        goto out;
    }
    if (rc == 0)
        exit_code = SP_EXIT_OK;
    else
        fprintf(stderr, "sigplay: play: %s\n", sp_strerror(rc));
out:;
    /* each step's time at SIGPLAY_LOG=debug: quitting must stay quick */
    int64_t t0 = sp_os_mono_us();
    control_server_stop(&srv);
    engine_ui_take_diags(e, &diag);
    diag_print(&diag, stderr);
    if (exit_code == SP_EXIT_OK && (warned || diag.warnings || diag.errors))
        exit_code = SP_EXIT_WARN;
    int64_t t1 = sp_os_mono_us();
    engine_ui_destroy(&e);
    int64_t t2 = sp_os_mono_us();
    class_take_diags(c, &diag);
    class_close(&c); /* after the engine: its streams are closed */
    int64_t t3 = sp_os_mono_us();
    text_destroy(&text);
    SP_DBG(&lg, "shut down in %lld us: control %lld, engine %lld, class %lld, text %lld",
           (long long)(sp_os_mono_us() - t0), (long long)(t1 - t0), (long long)(t2 - t1),
           (long long)(t3 - t2), (long long)(sp_os_mono_us() - t3));
    free(custom);
    diag_clear(&diag);
    return app_stop_signals_end(exit_code, "play", APP_STOP_KEPT_IN_FLIGHT);
}
