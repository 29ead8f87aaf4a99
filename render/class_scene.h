/* class_scene.h - a class's drawable content, ready to draw any moment.
 *
 * Reads what a recording shows besides its media, once: the IM message
 * pages (merged), the whiteboard (board log -> board player with
 * snapshots) and the chat (im/chat.h -> render/chat_panel.h), plus the
 * images they refer to (page backgrounds, chat pictures: read through the
 * loader and decoded on first use, kept for the scene's life). Then, per
 * frame, class_scene_draw() turns the lanes' views at t (player/playloop.h)
 * and the board time w(t) into a struct compose_scene and draws it with
 * render/compose.h. The window and `sigplay render` both draw through here:
 * one drawing path.
 *
 * Images are read synchronously through the loader on the drawing thread:
 * fine for local files and the cache; a caller on a slow network should
 * hand in a loader that answers from its cache and fails fast otherwise (a
 * missing image is drawn as the page color / a placeholder box).
 *
 * Caps: at most CLASS_SCENE_MAX_IMAGES images and CLASS_SCENE_MAX_IMAGE_BYTES
 * decoded bytes are kept; later images are not loaded (drawn as missing).
 * Pages are read under msgpage.h's caps, the board under board.h's.
 *
 * Not thread-safe: one thread (the drawing one) uses a scene.
 */
#ifndef SP_RENDER_CLASS_SCENE_H
#define SP_RENDER_CLASS_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "player/diag.h"
#include "player/lane_player.h"
#include "player/loader.h"
#include "player/manifest.h"
#include "player/timeline.h"
#include "render/canvas.h"
#include "render/layout.h"
#include "render/text.h"

#define CLASS_SCENE_MAX_IMAGES 512
#define CLASS_SCENE_MAX_IMAGE_BYTES ((size_t)512 << 20)

struct chat_panel;
struct class_scene;

struct class_scene_opts {
    const struct sp_loader *loader; /* pages and images; NULL: local files */
    struct text_ctx *text;          /* borrowed; NULL: the scene opens its own */
};

/* Reads rec's message pages and builds the board and the chat. rec and tl
 * are borrowed and must outlive the scene (tl converts chat times to class
 * times for the chat panel's labels). Pages that cannot be read or parsed
 * are skipped with their diagnostic; bad ops and messages are diagnostics
 * too. opts may be NULL. Returns 0 and *out, SP_EINVAL, SP_ENOMEM or
 * SP_ENOENT (no font). */
int class_scene_create(const struct recording *rec, const struct timeline *tl,
                       const struct class_scene_opts *opts, struct diag_list *diag,
                       struct class_scene **out);

/* NULL-safe; sets *cs to NULL. */
void class_scene_destroy(struct class_scene **cs);

/* The recording has message pages: its board is drawn (an empty board
 * until the first op). */
bool class_scene_has_board(const struct class_scene *cs);

/* The chat panel (for scrolling and clicks), or NULL when there is no chat
 * model (no pages). */
struct chat_panel *class_scene_chat(struct class_scene *cs);

/* Moves the image problems met so far (unreadable or undecodable page and
 * chat images, one line each) to dst. */
void class_scene_take_diags(struct class_scene *cs, struct diag_list *dst);

/* Draws the frame: board and chat at board time w_ms (Unix ms), lane i
 * showing views[i] (n views, indexed like rec->lanes; a NULL view or one
 * in LANE_PLACEHOLDER state shows the lane's name tile), laid out by l,
 * chat regions filled when chat_on. dst must be l->w x l->h. Returns 0,
 * SP_EINVAL or SP_ENOMEM. */
int class_scene_draw(struct class_scene *cs, const struct layout *l, int64_t w_ms,
                     const struct lane_view *const *views, size_t n, bool chat_on,
                     struct canvas *dst);

#endif
