/* window.c - SDL2 window presenting a canvas (see window.h). */
#include "ui/window.h"

#include "base/platform/os_process.h"
#include "base/platform/os_time.h"
#include "base/log.h"
#include "base/sp_error.h"

#include <SDL.h>
#include <SDL_syswm.h>
/* Xlib only where X11 is the desktop's (fullscreen without a window
 * manager, below); elsewhere SDL's fullscreen is trusted. */
#if defined(__linux__) || defined(__FreeBSD__)
#define SP_UI_X11 1
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#endif
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct sp_log lg = SP_LOG_INIT("window");

/* The user event type window_wake() pushes; 0 until a window registered
 * it. Atomic: window_wake() runs on any thread. */
static atomic_uint wake_type;

struct window {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    int cw, ch; /* canvas size */
    bool kiosk;
    bool fullscreen;
    /* fullscreen by hand: no window manager to ask, so the window itself
     * covers its display, borderless; windowed is where it goes back to */
    bool filled;
    SDL_Rect windowed;
    bool cursor_shown;
    int64_t last_mouse_us;
};

int64_t window_now_us(void)
{
    return sp_os_mono_us();
}

/* Whether the GL renderer would draw in software: no GPU render node, or
 * Mesa told to. Mesa's software GL (llvmpipe) takes seconds to start on a
 * loaded machine and draws no faster than SDL's own software renderer,
 * which starts in milliseconds and scales linearly too (SDL >= 2.0.16). */
static bool gl_is_software(void)
{
    const char *soft = getenv("LIBGL_ALWAYS_SOFTWARE");
    if (soft && soft[0] && strcmp(soft, "0") != 0)
        return true;
    return !sp_os_has_gpu_render_node();
}

/* The renderer: SDL's choice (or the user's SDL_RENDER_DRIVER), except
 * that without a GPU SDL's software renderer is taken (the window's first
 * picture waits for the renderer). */
static SDL_Renderer *create_renderer(SDL_Window *win)
{
    if (!getenv("SDL_RENDER_DRIVER") && gl_is_software()) {
        /* the window's own X framebuffer, not one behind a GL texture */
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
        SDL_Renderer *r = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
        if (r)
            return r;
    }
    return SDL_CreateRenderer(win, -1, 0);
}

int window_create(const struct window_opts *o, struct window **out)
{
    *out = NULL;
    if (!o || o->canvas_w < 1 || o->canvas_h < 1 || o->canvas_w > CANVAS_MAX_DIM ||
        o->canvas_h > CANVAS_MAX_DIM)
        return SP_EINVAL;
    struct window *w = SDL_calloc(1, sizeof(*w));
    if (!w)
        return SP_ENOMEM;
    w->cw = o->canvas_w;
    w->ch = o->canvas_h;
    w->kiosk = o->kiosk;
    w->fullscreen = o->fullscreen || o->kiosk;
    w->cursor_shown = true;
    w->last_mouse_us = window_now_us();

    /* SIGINT/SIGTERM arrive as SDL_QUIT (SDL's default) unless the caller
     * caught them first (sigplay play does: window_loop_opts.stop), so
     * Ctrl+C in the terminal ends the loop cleanly either way. */
    if (!SDL_WasInit(SDL_INIT_VIDEO) && SDL_InitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        SP_ERR(&lg, "cannot open a display: %s", SDL_GetError());
        SDL_free(w);
        return SP_EUNSUPPORTED;
    }
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    /* A double click is for fullscreen; do not let the desktop minimise us
     * when focus moves to another screen in fullscreen. */
    SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
    /* windowed first: going fullscreen needs to know whether a window
     * manager does it (window_set_fullscreen) */
    Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
    bool full = w->fullscreen;
    w->fullscreen = false;
    w->win = SDL_CreateWindow(o->title ? o->title : "sigplay", SDL_WINDOWPOS_CENTERED,
                              SDL_WINDOWPOS_CENTERED, w->cw, w->ch, flags);
    if (!w->win)
        goto fail;
    w->ren = create_renderer(w->win);
    if (!w->ren)
        goto fail;
    /* The renderer scales the canvas into the window keeping its aspect
     * and maps mouse coordinates back to canvas pixels. */
    if (SDL_RenderSetLogicalSize(w->ren, w->cw, w->ch) != 0)
        goto fail;
    w->tex = SDL_CreateTexture(w->ren, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STREAMING, w->cw,
                               w->ch);
    if (!w->tex)
        goto fail;
    SDL_SetTextureBlendMode(w->tex, SDL_BLENDMODE_NONE);
    if (atomic_load(&wake_type) == 0) {
        Uint32 t = SDL_RegisterEvents(1);
        if (t != (Uint32)-1)
            atomic_store(&wake_type, t);
    }
    if (full)
        window_set_fullscreen(w, true);
    if (w->kiosk) {
        SDL_ShowCursor(SDL_DISABLE);
        w->cursor_shown = false;
    }
    *out = w;
    return 0;
fail:
    SP_ERR(&lg, "cannot open the window: %s", SDL_GetError());
    window_destroy(&w);
    return SP_EUNSUPPORTED;
}

void window_destroy(struct window **pw)
{
    if (!pw || !*pw)
        return;
    struct window *w = *pw;
    if (w->tex)
        SDL_DestroyTexture(w->tex);
    if (w->ren)
        SDL_DestroyRenderer(w->ren);
    if (w->win)
        SDL_DestroyWindow(w->win);
    SDL_ShowCursor(SDL_ENABLE);
    /* SDL's video subsystem stays up until the process ends: quitting it
     * unloads the X11 libraries, which strands their process-lifetime
     * caches (reported as leaks from an unknown module) and gains nothing
     * for a program that opens its window once. */
    SDL_free(w);
    *pw = NULL;
}

int window_present(struct window *w, const struct canvas *c)
{
    if (!w || !c || c->w != w->cw || c->h != w->ch)
        return SP_EINVAL;
    if (SDL_UpdateTexture(w->tex, NULL, c->px, c->stride) != 0)
        return SP_EIO;
    SDL_SetRenderDrawColor(w->ren, 0, 0, 0, 255); /* the letterbox bars */
    SDL_RenderClear(w->ren);
    if (SDL_RenderCopy(w->ren, w->tex, NULL, NULL) != 0)
        return SP_EIO;
    SDL_RenderPresent(w->ren);
    return 0;
}

int window_set_canvas(struct window *w, int cw, int ch)
{
    if (!w || cw < 1 || ch < 1 || cw > CANVAS_MAX_DIM || ch > CANVAS_MAX_DIM)
        return SP_EINVAL;
    if (cw == w->cw && ch == w->ch)
        return 0;
    SDL_Texture *tex =
        SDL_CreateTexture(w->ren, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STREAMING, cw, ch);
    if (!tex) {
        SP_WARN(&lg, "canvas %dx%d: %s", cw, ch, SDL_GetError());
        return SP_EIO;
    }
    if (SDL_RenderSetLogicalSize(w->ren, cw, ch) != 0) {
        SP_WARN(&lg, "canvas %dx%d: %s", cw, ch, SDL_GetError());
        SDL_DestroyTexture(tex);
        SDL_RenderSetLogicalSize(w->ren, w->cw, w->ch);
        return SP_EIO;
    }
    SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_NONE);
    SDL_DestroyTexture(w->tex);
    w->tex = tex;
    w->cw = cw;
    w->ch = ch;
    return 0;
}

void window_drawable_size(const struct window *w, int *dw, int *dh)
{
    int x = 0, y = 0;
    if (w && SDL_GetRendererOutputSize(w->ren, &x, &y) != 0)
        SDL_GetWindowSize(w->win, &x, &y);
    *dw = x;
    *dh = y;
}

int window_screen_size(const struct window *w, int *sw, int *sh)
{
    *sw = *sh = 0;
    int d = w ? SDL_GetWindowDisplayIndex(w->win) : -1;
    SDL_DisplayMode m;
    if (d < 0 || SDL_GetDesktopDisplayMode(d, &m) != 0 || m.w < 1 || m.h < 1)
        return SP_EIO;
    *sw = m.w;
    *sh = m.h;
    return 0;
}

bool window_is_fullscreen(const struct window *w)
{
    return w && w->fullscreen;
}

/* Whether a window manager runs on w's X display (one that follows the
 * EWMH sets _NET_SUPPORTING_WM_CHECK on the root window). Not X11: true,
 * SDL's fullscreen is trusted there. */
static bool has_window_manager(SDL_Window *win)
{
#ifndef SP_UI_X11
    (void)win;
    return true;
#else
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (!SDL_GetWindowWMInfo(win, &info) || info.subsystem != SDL_SYSWM_X11)
        return true;
    Display *d = info.info.x11.display;
    Atom check = XInternAtom(d, "_NET_SUPPORTING_WM_CHECK", True);
    if (check == None)
        return false;
    Atom type = None;
    int format = 0;
    unsigned long n = 0, after = 0;
    unsigned char *prop = NULL;
    int rc = XGetWindowProperty(d, DefaultRootWindow(d), check, 0, 1, False, XA_WINDOW, &type,
                                &format, &n, &after, &prop);
    bool wm = rc == Success && type == XA_WINDOW && n == 1;
    if (prop)
        XFree(prop);
    return wm;
#endif
}

/* Without a window manager SDL's fullscreen only changes SDL's idea of
 * the window's size (the X window keeps its own, so the picture is drawn
 * cropped and shifted): the window is moved and sized over its display
 * instead, which X grants at once when nobody manages windows. */
static int fill_display(struct window *w)
{
    SDL_Rect b;
    int d = SDL_GetWindowDisplayIndex(w->win);
    if (d < 0 || SDL_GetDisplayBounds(d, &b) != 0)
        return SP_EIO;
    int x, y, cw, ch;
    SDL_GetWindowPosition(w->win, &x, &y);
    SDL_GetWindowSize(w->win, &cw, &ch);
    if (x == b.x && y == b.y && cw == b.w && ch == b.h)
        return 0;
    SDL_SetWindowBordered(w->win, SDL_FALSE);
    SDL_SetWindowPosition(w->win, b.x, b.y);
    SDL_SetWindowSize(w->win, b.w, b.h);
    SDL_RaiseWindow(w->win);
    return 0;
}

void window_refit(struct window *w)
{
    if (w && w->filled)
        fill_display(w);
}

int window_set_fullscreen(struct window *w, bool on)
{
    if (!w)
        return SP_EINVAL;
    if (on == w->fullscreen)
        return 0;
    if (on && !has_window_manager(w->win)) {
        SDL_GetWindowPosition(w->win, &w->windowed.x, &w->windowed.y);
        SDL_GetWindowSize(w->win, &w->windowed.w, &w->windowed.h);
        w->filled = true;
        w->fullscreen = true;
        return fill_display(w);
    }
    if (!on && w->filled) {
        SDL_SetWindowSize(w->win, w->windowed.w, w->windowed.h);
        SDL_SetWindowPosition(w->win, w->windowed.x, w->windowed.y);
        SDL_SetWindowBordered(w->win, SDL_TRUE);
        w->filled = false;
        w->fullscreen = false;
        return 0;
    }
    if (SDL_SetWindowFullscreen(w->win, on ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0) != 0) {
        SP_WARN(&lg, "fullscreen: %s", SDL_GetError());
        return SP_EIO;
    }
    w->fullscreen = on;
    return 0;
}

void window_note_mouse(struct window *w, int64_t now_us)
{
    w->last_mouse_us = now_us;
    if (!w->kiosk && !w->cursor_shown) {
        SDL_ShowCursor(SDL_ENABLE);
        w->cursor_shown = true;
    }
}

int64_t window_update_cursor(struct window *w, int64_t now_us)
{
    if (!w->cursor_shown)
        return INT64_MAX;
    int64_t left = w->last_mouse_us + WINDOW_CURSOR_IDLE_US - now_us;
    if (left > 0)
        return left;
    SDL_ShowCursor(SDL_DISABLE);
    w->cursor_shown = false;
    return INT64_MAX;
}

int window_wait_event(struct window *w, int64_t timeout_us, SDL_Event *ev)
{
    (void)w;
    int got;
    if (timeout_us <= 0) {
        got = SDL_PollEvent(ev);
    } else {
        /* SDL waits in ms: rounded up, so a short wait is not a poll */
        int64_t ms = timeout_us / 1000 + (timeout_us % 1000 != 0);
        got = SDL_WaitEventTimeout(ev, ms > INT32_MAX ? INT32_MAX : (int)ms);
    }
    if (!got)
        return 0;
    unsigned wt = atomic_load(&wake_type);
    if (wt != 0 && ev->type == wt)
        return 0;
    return 1;
}

void window_wake(void)
{
    unsigned wt = atomic_load(&wake_type);
    if (wt == 0)
        return;
    SDL_Event ev;
    SDL_zero(ev);
    ev.type = wt;
    SDL_PushEvent(&ev); /* thread-safe; a full queue already means "wake" */
}
