/* text.h - UTF-8 text with FreeType, fonts found through fontconfig.
 *
 * The primary font is fontconfig's match for "sans-serif"; a code point the
 * fonts loaded so far lack is looked up per code point through fontconfig
 * (preferring Simplified Chinese forms for Han characters), so CJK text
 * falls back to e.g. Noto Sans CJK. Bitmap-only faces are not used for
 * text. Emoji (Emoji_Presentation code points, or any emoji followed by
 * U+FE0F) draw in color from fontconfig's color emoji font when there is
 * one (render/emoji.h: strike scaled to the size); without one they draw
 * as monochrome outlines from whichever scalable font has them (e.g.
 * DejaVu Sans), or as the missing-glyph box. Zero-width joiners, variation
 * selectors and skin tone modifiers draw nothing.
 * No shaping beyond one glyph per code point (enough for Latin and CJK).
 *
 * Layout: '\n' starts a new line; with max_width > 0 lines are also wrapped
 * at the last space that fits, or between any two characters when a word is
 * wider than max_width (which is how CJK text wraps). Lines are
 * TEXT_LINE_HEIGHT * size_px apart; (x, y) is the top-left of the first
 * line box. Glyphs are placed on whole pixels.
 *
 * Caps: sizes are clamped to [TEXT_MIN_PX, TEXT_MAX_PX]; at most
 * TEXT_MAX_FACES fonts are opened; one call reads at most TEXT_MAX_BYTES
 * bytes (the rest is ignored); the glyph cache holds at most
 * TEXT_CACHE_MAX_GLYPHS glyphs or TEXT_CACHE_MAX_BYTES of bitmaps and is
 * emptied when either is exceeded. Invalid UTF-8 draws U+FFFD.
 *
 * A struct text_ctx is not thread-safe: one per drawing thread.
 */
#ifndef SP_RENDER_TEXT_H
#define SP_RENDER_TEXT_H

#include "render/canvas.h"

#include <stdbool.h>
#include <stddef.h>

#define TEXT_LINE_HEIGHT 1.25
#define TEXT_MIN_PX 1.0
/* The smallest size (pixels) of text meant to be read: chat, names, the
 * OSD, badges, overlays. The window's canvas is its drawable size, so a
 * canvas pixel is a window pixel; below this size Latin and CJK glyphs
 * stop being legible, so what does not fit is dropped or ellipsised
 * instead of drawn smaller (docs/layouts.md, "Small windows"). */
#define TEXT_READABLE_PX 11.0
#define TEXT_MAX_PX 512.0
#define TEXT_MAX_FACES 16
#define TEXT_MAX_BYTES (1u << 20)
#define TEXT_CACHE_MAX_GLYPHS 4096
/* 13 MiB of bitmaps, + at most one 1 MiB glyph past the cap, + the 0.45 MiB
 * index: under 16 MB (16e6 bytes) in the worst case. */
#define TEXT_CACHE_MAX_BYTES (13u << 20)

struct text_ctx;

struct text_metrics {
    double width;  /* widest line, pixels */
    double height; /* lines * line height, pixels */
    int lines;     /* line count (an empty string is one empty line) */
};

/* Opens FreeType and the primary font. Returns 0, SP_ENOMEM, or SP_ENOENT
 * (fontconfig found no usable font); *out is NULL on error. */
int text_create(struct text_ctx **out);

/* A second context drawing exactly what src draws, for another thread: it
 * shares src's font configuration (no second font discovery) and has its
 * own faces and glyph cache. src must outlive it. Returns 0, SP_EINVAL,
 * SP_ENOMEM or SP_ENOENT; *out NULL on error. */
int text_clone(const struct text_ctx *src, struct text_ctx **out);

/* Makes t's open faces src's, in src's order (a clone draws exactly what
 * src draws only then: fallback picks the first open face that has a
 * glyph). Cheap when they already are. Returns 0, SP_EINVAL or SP_ENOMEM. */
int text_sync_faces(struct text_ctx *t, const struct text_ctx *src);

/* Later drawing writes only canvas rows [y0, y1) (y1 <= 0: every row, the
 * default); layout and measuring are unchanged. For two threads drawing the
 * same text into two bands of one canvas, each with its own context. */
void text_set_rows(struct text_ctx *t, int y0, int y1);

/* NULL-safe; sets *t to NULL. */
void text_destroy(struct text_ctx **t);

/* Measures utf8 (NUL-terminated) laid out at size_px, wrapped at max_width
 * pixels when max_width > 0. Returns 0, SP_EINVAL or SP_ENOMEM. */
int text_measure(struct text_ctx *t, const char *utf8, double size_px, double max_width,
                 struct text_metrics *out);

/* Draws utf8 with its first line box's top-left at (x, y) pixels, clipped
 * to the canvas. out (may be NULL) receives the metrics. Returns 0,
 * SP_EINVAL or SP_ENOMEM. */
int text_draw(struct text_ctx *t, struct canvas *c, double x, double y, const char *utf8,
              double size_px, struct canvas_color color, double max_width,
              struct text_metrics *out);

/* The font file that draws code point cp (after fallback), or NULL if none
 * has it; the string lives as long as t. For tests and diagnostics. */
const char *text_font_for(struct text_ctx *t, unsigned cp);

/* Glyphs currently cached (tests check the cap). */
size_t text_cache_count(const struct text_ctx *t);

/* Bytes the glyph cache holds now: bitmaps plus the fixed slot table. */
size_t text_cache_bytes(const struct text_ctx *t);

/* Whether emoji draw in color (a color emoji font was found and color is
 * on). */
bool text_color_emoji(const struct text_ctx *t);

/* Turns color emoji off (monochrome fallback) or back on (only if a color
 * font was found). Empties the glyph cache when it changes. */
void text_set_color_emoji(struct text_ctx *t, bool on);

#endif
