/* engine_ui.h - the real playback engine behind the window: struct
 * player_ui (ui/player_ui.h) over the player core (player/playloop.h),
 * the class scene (render/class_scene.h) and the audio device
 * (ui/audio_out.h).
 *
 * A thin adapter, no drawing of its own: step is player_step() with the
 * deadline it computes; draw is class_scene_draw() with the current layout
 * and the lanes' views, exactly what `sigplay render` and `sigplay export`
 * draw (plus a small "waiting" badge on a lane whose data has been late for
 * ENGINE_UI_WAIT_BADGE_US); apply turns commands into player calls (exact
 * seeks, the newest replacing the one in flight; pause; speed; frame
 * steps), layout and chat changes, chat scrolling and clicks, volume and
 * mute on the mixer; get_state reports the OSD's numbers, the lanes'
 * coverage from the recording and the sync statistics.
 *
 * Layouts: `l` cycles the presets board, grid, focus (computed for the
 * canvas, with a chat column while the chat is on) and then the custom
 * layout, when one was given. The resize callback makes the canvas
 * another size (the window's): presets are computed again for it, the
 * custom layout (as given) has its rectangles re-mapped (layout_remap).
 *
 * Clock: with audio, the SDL audio device is the master clock
 * (audio_out.h); when it cannot open, the mix goes to the player's null
 * sink and the system clock leads. In max-speed mode (a single frame
 * drawn without a window) there is no clock and no device: each step brings
 * every lane exactly to t.
 *
 * Frame steps, the end of play (play at the end starts over) and the long
 * waits while paused or ended are the class's (player/class.h: "End of
 * play and frame steps"); `.` and `,` are class_frame_step(c, +1 / -1).
 *
 * Stats: per lane the SEI anchors read and the age of the last one passed
 * (the shown frame's board time minus the anchor's). The bar's buffered
 * band is the whole class for local media; for remote media it is what
 * the download cache holds (player/net/buffered.h), read every half second.
 *
 * Threads: one (the window loop's); the player's decoders and the audio
 * callback run their own.
 */
#ifndef SP_RENDER_ENGINE_UI_H
#define SP_RENDER_ENGINE_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "ui/player_ui.h"

struct diag_list;
struct layout;
struct sp_class;
struct text_ctx;

#define ENGINE_UI_WAIT_BADGE_US 300000 /* a lane late this long shows "waiting" */
#define ENGINE_UI_PRESETS 3            /* board, grid, focus; then the custom layout */
/* The teacher's frame is put over a hover thumbnail when the lane's last
 * decoded frame is within this much board time of the hovered time (no
 * decode is ever started for a thumbnail). */
#define ENGINE_UI_THUMB_FRAME_NEAR_US 3000000

struct engine_ui_opts {
    int canvas_w, canvas_h;      /* the picture's size at start (the window's canvas) */
    int64_t start_us;            /* initial position (clamped to the recording) */
    double speed;                /* 0.5..2.0 in 0.25 steps; 0 means 1 */
    int layout;                  /* 0..ENGINE_UI_PRESETS-1 a preset; ENGINE_UI_PRESETS the custom */
    const struct layout *custom; /* bound to the recording and canvas_w x canvas_h (copied);
                                    NULL: none */
    bool chat;                   /* the chat panel shown */
    int volume;                  /* percent; clamped to 0..100 */
    bool muted;
    const bool *mute_lanes; /* NULL, or one per recording lane: starts muted (--mute-lane) */
    bool audio;             /* play audio on the device (else a null sink); the class's
                               player must have been opened with audio */
    bool max_speed;         /* no clock, no device: for drawing single frames (the class's
                               player must be in max-speed mode) */
};

struct engine_ui;

/* Drives the class c (player/class.h, opened with CLASS_MEDIA): builds the
 * scene and, with audio, opens the audio device. c and text are borrowed
 * and must outlive the engine; text may be NULL (the scene opens its own
 * fonts; no badge text). The engine starts paused at start_us. Returns 0,
 * SP_EINVAL (no player, bad speed, layout or size), SP_ENOENT (no font) or
 * SP_ENOMEM. */
int engine_ui_create(struct sp_class *c, struct text_ctx *text, const struct engine_ui_opts *o,
                     struct diag_list *diag, struct engine_ui **out);

/* Closes the audio device, stops the decoders, frees. NULL-safe; sets *e
 * to NULL. */
void engine_ui_destroy(struct engine_ui **e);

/* The callbacks, with e as opaque. */
struct player_ui engine_ui_callbacks(struct engine_ui *e);

/* True when the audio device is open (it is the master clock). */
bool engine_ui_has_audio_device(const struct engine_ui *e);

/* Moves the player's and the scene's warnings (bad media, images) to dst. */
void engine_ui_take_diags(struct engine_ui *e, struct diag_list *dst);

#endif
