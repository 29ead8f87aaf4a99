/* play_window.h - `sigplay play SOURCE` with a window: the engine adapter
 * (ui/engine_ui.h) in the window loop (ui/window_loop.h), with the
 * audio device as master clock. Without a display it says so in one line
 * and draws the frame at --start into a PNG instead (the path of `sigplay
 * render`), then exits 0. */
#ifndef SP_APP_PLAY_WINDOW_H
#define SP_APP_PLAY_WINDOW_H

#include <stdbool.h>

struct app_control;
struct app_net;
struct app_winopts;

/* Runs the window until it is closed. ctl: the remote control (--control;
 * its "load" reopens another SOURCE in the same window). audio false: no
 * audio decoded (the system clock leads). Returns an SP_EXIT_* code. */
int app_play_window(const char *source, const struct app_winopts *wo, const struct app_net *net,
                    const struct app_control *ctl, bool audio);

#endif
