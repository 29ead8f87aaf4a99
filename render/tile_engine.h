/* tile_engine.h - a stand-in playback engine: the timeline clock and lane
 * name tiles, no media.
 *
 * It implements struct player_ui over a recording's timeline with the
 * system clock (player/clock.h): play, pause, speed, seeks, frame steps
 * (TILE_ENGINE_FRAME_MS), layouts and the chat column. Its picture is a
 * dark canvas with one tile per lane (lit while the lane has media at t,
 * with its name and segment offset) and a board tile showing w(t). It lets
 * the window, the OSD, the keys and the window tests run before the media
 * compositor is plugged in, and stays useful as a fallback view of a
 * recording whose media cannot be read.
 *
 * Threads: one (the window loop's).
 */
#ifndef SP_RENDER_TILE_ENGINE_H
#define SP_RENDER_TILE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "render/player_ui.h"

struct timeline;
struct text_ctx;

#define TILE_ENGINE_FRAME_MS 40 /* frame step and redraw interval (25 fps) */
#define TILE_ENGINE_LAYOUTS 3   /* "board", "grid", "focus" */

struct tile_engine_opts {
    int64_t start_ms; /* initial position (clamped) */
    double speed;     /* 0.5..2.0 in 0.25 steps; 0 means 1 */
    int layout;       /* 0..TILE_ENGINE_LAYOUTS-1 */
    bool chat;        /* chat column shown */
    int volume;       /* percent; clamped to 0..100 */
    bool muted;
};

struct tile_engine;

/* tl (and its recording) must outlive the engine; text may be NULL (no
 * labels) and is borrowed. The engine starts paused. Returns 0, SP_EINVAL
 * (bad speed or layout) or SP_ENOMEM. */
int tile_engine_create(const struct timeline *tl, struct text_ctx *text,
                       const struct tile_engine_opts *o, struct tile_engine **out);
void tile_engine_destroy(struct tile_engine **e);

/* The callbacks, with e as opaque. */
struct player_ui tile_engine_ui(struct tile_engine *e);

/* "board", "grid", "focus"; the index for a name or -1. */
const char *tile_engine_layout_name(int index);
int tile_engine_layout_index(const char *name);

#endif
