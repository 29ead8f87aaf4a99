/* chat_panel.h - the chat panel: the chat items visible at the board time,
 * drawn into a rectangle of a canvas.
 *
 * What it shows. chat_panel_set_time(w) makes items [0, n) visible, n =
 * chat_visible_count(chat, w) (one binary search), so after a seek the panel
 * shows exactly the messages at or before w(t). Newest at the bottom; when
 * there are fewer than fill the rectangle they start at its top. Each item:
 * the sender's name in its color (a fixed palette indexed by chat_item.color)
 * and the class time (the caller's wall -> playback conversion, shown m:ss
 * or h:mm:ss), then the parts: text, emoji and face labels flow together as
 * one wrapped paragraph (Latin breaks at spaces, CJK between any two
 * characters: render/text.h), an image as a thumbnail, a placeholder as a
 * grey line. A cut long text ends in an ellipsis and has a "Show more"
 * marker; clicking it (chat_panel_toggle_more) shows the whole text.
 *
 * Images. The panel asks the caller's loader for the decoded image of a
 * URL each time it draws one; the loader returns NULL until it has it (the
 * app fetches in the background), and the panel draws a placeholder box of
 * the same size meanwhile: the size comes from the part's Width/Height, so
 * the layout does not jump when the picture arrives (only when the message
 * gave no size does the box change once, to the picture's aspect).
 *
 * Scrolling. The view follows the newest item until the user scrolls back
 * (chat_panel_scroll); then it stays on the same messages while new ones
 * arrive below, and a "Newer messages" button shows at the bottom, until
 * the user scrolls back down, clicks the button (chat_panel_follow()), or
 * the time moves backwards or far forwards (a seek), which returns to
 * following.
 *
 * Cost. Item heights are cached per item (for the current width) and only
 * items on screen, or scrolled past, are ever laid out: a seek costs one
 * binary search plus laying out about a screenful of items. The last
 * drawing is kept (a canvas the size of the rectangle): a draw that would
 * show the same items at the same places (same rectangle, scroll, heights,
 * expanded texts, and the loader giving the same images) copies it. Else
 * drawing re-runs the text layout of the items on screen from the glyph
 * cache (text.h).
 *
 * Coordinates are canvas pixels. Not thread-safe: one thread (the one that
 * draws) uses a panel.
 */
#ifndef SP_RENDER_CHAT_PANEL_H
#define SP_RENDER_CHAT_PANEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "im/chat.h"
#include "render/canvas.h"
#include "render/image.h"
#include "render/text.h"

/* Default message text size (pixels); names and times are drawn smaller. */
#define CHAT_PANEL_FONT_PX 15.0
/* Thumbnails are at most this many pixels (and the panel's width) wide/high. */
#define CHAT_PANEL_THUMB_W 200
#define CHAT_PANEL_THUMB_H 150
/* A time jump adding more than this many items while scrolled back counts
 * as a seek: the view returns to following the newest item. */
#define CHAT_PANEL_KEEP_MAX 64

struct chat_panel;

/* Wall µs (Unix) -> class time in µs (playback t, e.g. tl_play_from_wall_us). */
typedef int64_t (*chat_panel_clock_fn)(void *ud, int64_t wall_us);

/* The decoded image for url (as written in the message), or NULL while it
 * is not available. The image stays owned by the loader and must stay
 * valid until the panel's draw call returns; the panel may draw it (which
 * may attach a cached scaled copy to it, see image.h). */
typedef struct image *(*chat_panel_image_fn)(void *ud, const char *url);

struct chat_panel_opts {
    double font_px;                 /* 0: CHAT_PANEL_FONT_PX; clamped to [8, 64] */
    chat_panel_clock_fn class_time; /* NULL: no time label */
    void *class_time_ud;
    chat_panel_image_fn image; /* NULL: images are always placeholder boxes */
    void *image_ud;
};

/* Creates a panel over chat, drawing with text. Both are borrowed and must
 * outlive the panel; opts is copied (may be NULL for defaults). Nothing is
 * visible until chat_panel_set_time(). Returns 0 and *out, SP_EINVAL or
 * SP_ENOMEM (*out NULL). */
int chat_panel_create(struct text_ctx *text, const struct chat_log *chat,
                      const struct chat_panel_opts *opts, struct chat_panel **out);

/* NULL-safe; sets *p to NULL. */
void chat_panel_destroy(struct chat_panel **p);

/* Shows the items at or before wall_us (Unix µs): O(log n), plus laying
 * out the newly arrived items when scrolled back. */
void chat_panel_set_time(struct chat_panel *p, int64_t wall_us);

/* Items visible now: [0, count). */
size_t chat_panel_visible_count(const struct chat_panel *p);

/* Scrolls by dy pixels; dy > 0 moves toward older messages (SDL's wheel
 * y > 0). Clamped at the oldest message (at the next draw) and at the
 * newest (which resumes following). */
void chat_panel_scroll(struct chat_panel *p, double dy);

/* Pixels of one text line: scroll n lines with chat_panel_scroll(p, n *
 * chat_panel_line_step(p)) (a wheel notch is three lines). */
double chat_panel_line_step(const struct chat_panel *p);

/* Jumps to and follows the newest item. */
void chat_panel_follow(struct chat_panel *p);

/* True when the view follows the newest item (not scrolled back). */
bool chat_panel_following(const struct chat_panel *p);

/* Draws the panel into rect of c (clipped to c), background included.
 * Returns 0, SP_EINVAL or SP_ENOMEM. */
int chat_panel_draw(struct chat_panel *p, struct canvas *c, struct canvas_rect rect);

/* What a click hit, from the last draw. */
struct chat_panel_hit {
    size_t item;     /* index into chat->items */
    int64_t show_us; /* when the item appears (chat_item.show_us): seek here
                      * (e.g. tl_play_from_wall_us) and the item is the newest shown */
    bool more;       /* on its "Show more"/"Show less" marker */
    bool newer;      /* on the "Newer messages" button shown while scrolled
                      * back (item and show_us unset): call chat_panel_follow() */
};

/* What is at canvas point (x, y) in the last drawn frame; false if nothing.
 * The window's click: newer -> chat_panel_follow(); more ->
 * chat_panel_toggle_more(item); else seek to show_us. */
bool chat_panel_hit(const struct chat_panel *p, int x, int y, struct chat_panel_hit *out);

/* Where item (an index into chat->items) was drawn in the last frame,
 * clipped to the panel: true and *out, or false when it was not on screen
 * (the chat search's highlight of the current hit). */
bool chat_panel_item_rect(const struct chat_panel *p, size_t item, struct canvas_rect *out);

/* Expands a cut long text to the whole text, or cuts it again. */
void chat_panel_toggle_more(struct chat_panel *p, size_t item);

/* The height of item i (pixels) at the width of the last draw (or of
 * rect_w if nothing was drawn yet), from the cache or laid out now. For
 * tests and the benchmark. Returns -1 for a bad index or out of memory. */
int chat_panel_item_height(struct chat_panel *p, size_t i, int rect_w);

/* Forgets every cached item height (the benchmark's no-cache baseline). */
void chat_panel_invalidate(struct chat_panel *p);

/* Formats a class time (µs) as "m:ss", or "h:mm:ss" from one hour, with
 * '-' before the start; whole seconds, rounded down. buf >= 24 bytes. */
void chat_panel_format_time(int64_t t_us, char *buf, size_t size);

#endif
