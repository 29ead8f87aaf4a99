/* emoji.h - color emoji glyphs for render/text.
 *
 * A color emoji font is found through fontconfig (a font with color=true
 * that has U+1F600, e.g. Noto Color Emoji). Such fonts are usually bitmap
 * only (CBDT/sbix: PNG strikes at one fixed size, 109 px for Noto), so a
 * glyph is loaded from the strike with FT_LOAD_COLOR and then scaled to the
 * requested pixel size with libswscale (area filter). Color outline fonts
 * (COLR) are rendered at the requested size directly. The result is a
 * premultiplied RGBA bitmap, the canvas format.
 *
 * Which code points are drawn in color is the caller's choice; the helpers
 * below give the usual rule: code points with the Unicode property
 * Emoji_Presentation (default emoji style), or any emoji followed by
 * U+FE0F VARIATION SELECTOR-16. There is no shaping: a ZWJ sequence draws
 * as its parts, a skin tone modifier is dropped (emoji_ignorable()).
 *
 * Not thread-safe: one per struct text_ctx (which owns it).
 */
#ifndef SP_RENDER_EMOJI_H
#define SP_RENDER_EMOJI_H

#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include <stdbool.h>
#include <stdint.h>

struct emoji_font;

/* One rendered glyph. px is premultiplied RGBA8, stride 4*w, owned by the
 * caller (free()); NULL with w = h = 0 for a blank glyph. left/top: bitmap
 * offset from the pen position on the baseline (y up), advance: pixels. */
struct emoji_glyph {
    int w, h, left, top, advance;
    uint8_t *px;
};

/* Finds and opens the color emoji font with FreeType library lib (must
 * outlive the font). Returns 0 and *out, SP_ENOENT when fontconfig knows no
 * usable color font (the caller falls back to monochrome outlines), or
 * SP_ENOMEM; *out is NULL on error. */
int emoji_font_open(FT_Library lib, FcConfig *fc, struct emoji_font **out);

/* NULL-safe; sets *e to NULL. */
void emoji_font_close(struct emoji_font **e);

/* True if the font has a glyph for cp. */
bool emoji_font_has(const struct emoji_font *e, uint32_t cp);

/* The font file (for tests and diagnostics); lives as long as e. */
const char *emoji_font_path(const struct emoji_font *e);

/* Renders cp for a line of size_px pixels (the glyph is about 1.2 em wide,
 * like the font's own proportions). Returns 0, SP_ENOENT (not in the font),
 * SP_EDECODE (FreeType failed) or SP_ENOMEM. px must be in 1..512. */
int emoji_font_render(struct emoji_font *e, uint32_t cp, int px, struct emoji_glyph *out);

/* Unicode Emoji_Presentation=Yes (emoji-data.txt, Unicode 15): drawn as
 * emoji without a variation selector. */
bool emoji_presentation(uint32_t cp);

/* Code points that never draw on their own here: ZWJ (U+200D), variation
 * selectors U+FE00..FE0F, skin tone modifiers U+1F3FB..1F3FF (no shaping
 * to merge them), zero-width space/joiners/marks U+200B..200F, U+2060..2064
 * and U+FEFF. */
bool emoji_ignorable(uint32_t cp);

#endif
