/* text.c - FreeType glyphs, fontconfig fallback, a bounded glyph cache,
 * line breaking. */
#include "render/text.h"

#include "base/sp_error.h"
#include "render/emoji.h"

#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 8192 /* power of two, > 1.5 * TEXT_CACHE_MAX_GLYPHS */
#define MISS_SLOTS 1024  /* code points no font has (negative cache) */
/* Cache key flag: draw this code point from the color emoji font. */
#define EMOJI_KEY 0x80000000u

struct face {
    FT_Face face;
    char *path;
    int index;
    int px; /* pixel size currently set, 0 = none */
};

struct glyph {
    bool used;
    uint32_t cp; /* code point, | EMOJI_KEY for the color emoji form */
    int px;
    int face;      /* index into faces, -1 = drawn from nowhere (empty) */
    int advance;   /* pixels */
    int left, top; /* bitmap offset from the pen position on the baseline */
    int w, h;
    bool color;    /* bits is premultiplied RGBA (4*w*h), not coverage */
    uint8_t *bits; /* w*h coverage, owned */
};

struct text_ctx {
    FT_Library lib;
    FcConfig *fc;
    struct face faces[TEXT_MAX_FACES];
    int nfaces;
    struct glyph *cache; /* CACHE_SLOTS, open addressing */
    size_t cached, cached_bytes;
    uint32_t miss[MISS_SLOTS]; /* cp + 1, 0 = empty */
    struct emoji_font *emoji;  /* color emoji font, NULL if none */
    bool emoji_on;             /* draw emoji from it (text_set_color_emoji) */
    int rows_y0, rows_y1;      /* text_set_rows(): rows drawing may write; y1 0 = all */
};

/* ---- fonts --------------------------------------------------------------- */

static int open_face(struct text_ctx *t, const char *path, int index)
{
    for (int i = 0; i < t->nfaces; i++)
        if (t->faces[i].index == index && strcmp(t->faces[i].path, path) == 0)
            return i;
    if (t->nfaces >= TEXT_MAX_FACES)
        return -1;
    FT_Face f;
    if (FT_New_Face(t->lib, path, index, &f))
        return -1;
    if (!FT_IS_SCALABLE(f)) { /* bitmap-only (color emoji): see text.h */
        FT_Done_Face(f);
        return -1;
    }
    char *p = strdup(path);
    if (!p) {
        FT_Done_Face(f);
        return -1;
    }
    struct face *fc = &t->faces[t->nfaces];
    fc->face = f;
    fc->path = p;
    fc->index = index;
    fc->px = 0;
    return t->nfaces++;
}

/* fontconfig's best match for pattern text plus, if cp, a charset holding
 * cp. Returns a face index or -1. */
static int match_face(struct text_ctx *t, const char *pattern, uint32_t cp)
{
    FcPattern *pat = FcNameParse((const FcChar8 *)pattern);
    if (!pat)
        return -1;
    FcCharSet *cs = NULL;
    if (cp) {
        cs = FcCharSetCreate();
        if (!cs || !FcCharSetAddChar(cs, cp) || !FcPatternAddCharSet(pat, FC_CHARSET, cs)) {
            if (cs)
                FcCharSetDestroy(cs);
            FcPatternDestroy(pat);
            return -1;
        }
    }
    FcPatternAddBool(pat, FC_SCALABLE, FcTrue);
    FcConfigSubstitute(t->fc, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *m = FcFontMatch(t->fc, pat, &res);
    int idx = -1;
    if (m) {
        FcChar8 *file = NULL;
        int index = 0;
        FcCharSet *mcs = NULL;
        bool has = !cp || (FcPatternGetCharSet(m, FC_CHARSET, 0, &mcs) == FcResultMatch &&
                           FcCharSetHasChar(mcs, cp));
        if (has && FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch) {
            FcPatternGetInteger(m, FC_INDEX, 0, &index);
            idx = open_face(t, (const char *)file, index);
        }
        FcPatternDestroy(m);
    }
    if (cs)
        FcCharSetDestroy(cs);
    FcPatternDestroy(pat);
    return idx;
}

static bool known_missing(const struct text_ctx *t, uint32_t cp)
{
    return t->miss[(cp * 2654435761u) % MISS_SLOTS] == cp + 1;
}

/* The face that has cp, loading a fallback through fontconfig if needed.
 * Sets *gi to the glyph index; returns a face index (0 with gi 0 = the
 * primary font's missing-glyph box). */
static int face_for(struct text_ctx *t, uint32_t cp, FT_UInt *gi)
{
    for (int i = 0; i < t->nfaces; i++) {
        *gi = FT_Get_Char_Index(t->faces[i].face, cp);
        if (*gi)
            return i;
    }
    *gi = 0;
    if (known_missing(t, cp))
        return 0;
    /* Han characters in their Simplified Chinese forms (the service's
     * classrooms are Chinese); fontconfig still picks JP/KR fonts for
     * characters only they have. */
    int i = match_face(t, "sans-serif:lang=zh-cn", cp);
    if (i >= 0 && (*gi = FT_Get_Char_Index(t->faces[i].face, cp)) != 0)
        return i;
    t->miss[(cp * 2654435761u) % MISS_SLOTS] = cp + 1;
    *gi = 0;
    return 0;
}

static void cache_clear(struct text_ctx *t);
static int ctx_new(const struct text_ctx *src, struct text_ctx **out);

int text_create(struct text_ctx **out)
{
    return ctx_new(NULL, out);
}

static void close_faces(struct text_ctx *t)
{
    for (int i = 0; i < t->nfaces; i++) {
        FT_Done_Face(t->faces[i].face);
        free(t->faces[i].path);
    }
    t->nfaces = 0;
}

/* Which face draws a code point depends on the faces already open (the
 * first that has it wins), so a context draws what another draws only with
 * the same faces in the same order. */
static bool same_faces(const struct text_ctx *a, const struct text_ctx *b)
{
    if (a->nfaces != b->nfaces)
        return false;
    for (int i = 0; i < a->nfaces; i++)
        if (a->faces[i].index != b->faces[i].index || strcmp(a->faces[i].path, b->faces[i].path))
            return false;
    return true;
}

void text_set_rows(struct text_ctx *t, int y0, int y1)
{
    if (!t)
        return;
    t->rows_y0 = y1 > 0 ? y0 : 0;
    t->rows_y1 = y1 > 0 ? y1 : 0;
}

int text_sync_faces(struct text_ctx *t, const struct text_ctx *src)
{
    if (!t || !src)
        return SP_EINVAL;
    if (same_faces(t, src))
        return 0;
    cache_clear(t);
    memset(t->miss, 0, sizeof(t->miss));
    close_faces(t);
    for (int i = 0; i < src->nfaces; i++) {
        if (open_face(t, src->faces[i].path, src->faces[i].index) != i) {
            close_faces(t);
            return SP_ENOMEM;
        }
    }
    return 0;
}

int text_clone(const struct text_ctx *src, struct text_ctx **out)
{
    *out = NULL;
    return src ? ctx_new(src, out) : SP_EINVAL;
}

/* A new context: its own FreeType library, faces and glyph cache. Without
 * src it loads the fontconfig configuration and opens the sans-serif face;
 * a clone of src shares src's configuration (fontconfig's queries are
 * thread-safe and the config is not changed after loading) and opens the
 * same faces in the same order, so that it draws what src draws. */
static int ctx_new(const struct text_ctx *src, struct text_ctx **out)
{
    *out = NULL;
    struct text_ctx *t = calloc(1, sizeof(*t));
    if (!t)
        return SP_ENOMEM;
    t->cache = calloc(CACHE_SLOTS, sizeof(*t->cache));
    if (!t->cache || FT_Init_FreeType(&t->lib)) {
        t->lib = NULL;
        text_destroy(&t);
        return SP_ENOMEM;
    }
    int ret = 0;
    if (src) {
        t->fc = FcConfigReference(src->fc);
        ret = t->fc ? text_sync_faces(t, src) : SP_ENOMEM;
        if (ret == 0 && t->nfaces == 0)
            ret = SP_ENOENT;
    } else {
        t->fc = FcInitLoadConfigAndFonts();
        if (!t->fc || match_face(t, "sans-serif", 0) != 0)
            ret = SP_ENOENT;
    }
    if (ret == 0 && emoji_font_open(t->lib, t->fc, &t->emoji) == SP_ENOMEM)
        ret = SP_ENOMEM; /* no color font: monochrome outlines (fallback) */
    if (ret) {
        text_destroy(&t);
        return ret;
    }
    t->emoji_on = (src ? src->emoji_on : true) && t->emoji != NULL;
    *out = t;
    return 0;
}

static void cache_clear(struct text_ctx *t)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        free(t->cache[i].bits);
        t->cache[i].bits = NULL;
        t->cache[i].used = false;
    }
    t->cached = 0;
    t->cached_bytes = 0;
}

void text_destroy(struct text_ctx **tp)
{
    if (!tp || !*tp)
        return;
    struct text_ctx *t = *tp;
    if (t->cache) {
        cache_clear(t);
        free(t->cache);
    }
    close_faces(t);
    emoji_font_close(&t->emoji);
    if (t->lib)
        FT_Done_FreeType(t->lib);
    if (t->fc)
        FcConfigDestroy(t->fc);
    free(t);
    *tp = NULL;
}

size_t text_cache_count(const struct text_ctx *t)
{
    return t->cached;
}

size_t text_cache_bytes(const struct text_ctx *t)
{
    return t->cached_bytes + CACHE_SLOTS * sizeof(struct glyph);
}

bool text_color_emoji(const struct text_ctx *t)
{
    return t->emoji_on;
}

void text_set_color_emoji(struct text_ctx *t, bool on)
{
    on = on && t->emoji;
    if (on != t->emoji_on) {
        t->emoji_on = on;
        cache_clear(t);
    }
}

/* Whether cp at s (n bytes used, len bytes left from s) draws in color: an
 * Emoji_Presentation code point not followed by VS15 (U+FE0E), or any
 * emoji followed by VS16 (U+FE0F), that the color font has. */
static bool wants_color(const struct text_ctx *t, uint32_t cp, const unsigned char *s, size_t n,
                        size_t len)
{
    if (!t->emoji_on || cp < 0x80)
        return false;
    bool vs = len - n >= 3 && s[n] == 0xEF && s[n + 1] == 0xB8;
    if (vs && s[n + 2] == 0x8E)
        return false;
    if (!(vs && s[n + 2] == 0x8F) && !emoji_presentation(cp))
        return false;
    return emoji_font_has(t->emoji, cp);
}

const char *text_font_for(struct text_ctx *t, unsigned cp)
{
    if (t->emoji_on && emoji_presentation(cp) && emoji_font_has(t->emoji, cp))
        return emoji_font_path(t->emoji);
    FT_UInt gi;
    int f = face_for(t, cp, &gi);
    return gi ? t->faces[f].path : NULL;
}

/* ---- glyph cache ------------------------------------------------------- */

/* The cached glyph for (cp, px); NULL only when out of memory. */
/* A color glyph for g from the emoji font; false to fall back to outlines. */
static bool color_glyph(struct text_ctx *t, struct glyph *g, uint32_t cp, int px)
{
    struct emoji_glyph eg;
    if (emoji_font_render(t->emoji, cp, px, &eg))
        return false;
    g->color = true;
    g->advance = eg.advance;
    g->left = eg.left;
    g->top = eg.top;
    g->w = eg.w;
    g->h = eg.h;
    g->bits = eg.px;
    return true;
}

static const struct glyph *glyph_get(struct text_ctx *t, uint32_t key, int px)
{
    uint32_t h = (key * 2654435761u) ^ ((uint32_t)px * 40503u);
    size_t i = h & (CACHE_SLOTS - 1);
    while (t->cache[i].used) {
        if (t->cache[i].cp == key && t->cache[i].px == px)
            return &t->cache[i];
        i = (i + 1) & (CACHE_SLOTS - 1);
    }
    if (t->cached >= TEXT_CACHE_MAX_GLYPHS || t->cached_bytes > TEXT_CACHE_MAX_BYTES) {
        cache_clear(t);
        return glyph_get(t, key, px); /* the table is empty now: no recursion loop */
    }
    struct glyph g = {.used = true, .cp = key, .px = px, .face = -1};
    uint32_t cp = key & ~EMOJI_KEY;
    if (emoji_ignorable(cp) || ((key & EMOJI_KEY) && color_glyph(t, &g, cp, px))) {
        /* zero-width joiners and selectors draw nothing (no shaping) */
        t->cache[i] = g;
        t->cached++;
        t->cached_bytes += (size_t)g.w * g.h * 4 + sizeof(g);
        return &t->cache[i];
    }
    FT_UInt gi;
    int fi = face_for(t, cp, &gi);
    struct face *f = &t->faces[fi];
    if (f->px != px && !FT_Set_Pixel_Sizes(f->face, 0, (FT_UInt)px))
        f->px = px;
    if (f->px == px && !FT_Load_Glyph(f->face, gi, FT_LOAD_DEFAULT | FT_LOAD_NO_BITMAP) &&
        !FT_Render_Glyph(f->face->glyph, FT_RENDER_MODE_NORMAL)) {
        FT_GlyphSlot s = f->face->glyph;
        g.face = fi;
        g.advance = (int)((s->advance.x + 32) >> 6);
        g.left = s->bitmap_left;
        g.top = s->bitmap_top;
        if (s->bitmap.pixel_mode == FT_PIXEL_MODE_GRAY && s->bitmap.width && s->bitmap.rows) {
            g.w = (int)s->bitmap.width;
            g.h = (int)s->bitmap.rows;
            g.bits = malloc((size_t)g.w * g.h);
            if (!g.bits)
                return NULL;
            for (int y = 0; y < g.h; y++)
                memcpy(g.bits + (size_t)y * g.w, s->bitmap.buffer + (ptrdiff_t)y * s->bitmap.pitch,
                       (size_t)g.w);
        }
    }
    t->cache[i] = g;
    t->cached++;
    t->cached_bytes += (size_t)g.w * g.h + sizeof(g);
    return &t->cache[i];
}

/* ---- UTF-8 and layout ---------------------------------------------------- */

/* Decodes one code point at s (len bytes left); sets *n to bytes used.
 * Invalid or overlong sequences give U+FFFD and consume one byte. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *n)
{
    *n = 1;
    unsigned c = s[0];
    if (c < 0x80)
        return c;
    int extra = c >= 0xF0 && c < 0xF5 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : -1;
    if (c >= 0xF5 || extra < 0 || (size_t)extra >= len)
        return 0xFFFD;
    uint32_t cp = c & (0x3F >> extra);
    for (int k = 1; k <= extra; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0xFFFD;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0xFFFD;
    *n = (size_t)extra + 1;
    return cp;
}

struct layout {
    struct text_ctx *t;
    struct canvas *c; /* NULL: measure only */
    struct canvas_color color;
    int px;
    double x0, y0;
    int ascent, line_h;
    double max_width;
    struct text_metrics m;
};

static void draw_glyph(struct layout *L, const struct glyph *g, int pen_x, int base_y)
{
    if (!L->c || !g->bits)
        return;
    struct canvas *c = L->c;
    int gx = pen_x + g->left, gy = base_y - g->top;
    int lo = L->t->rows_y0 > 0 ? L->t->rows_y0 : 0;
    int hi = L->t->rows_y1 > 0 && L->t->rows_y1 < c->h ? L->t->rows_y1 : c->h;
    for (int y = 0; y < g->h; y++) {
        int cy = gy + y;
        if (cy < lo || cy >= hi)
            continue;
        int x0 = gx < 0 ? -gx : 0;
        int x1 = gx + g->w > c->w ? c->w - gx : g->w;
        if (x1 <= x0)
            continue;
        if (g->color) /* its own colors; the text color's alpha fades it */
            canvas_blend_premul_row(c, gx + x0, cy, x1 - x0, g->bits + ((size_t)y * g->w + x0) * 4,
                                    L->color.a);
        else
            canvas_blend_mask_row(c, gx + x0, cy, x1 - x0, g->bits + (size_t)y * g->w + x0,
                                  L->color);
    }
}

/* Decodes the code point at s (len bytes left) and returns its glyph;
 * *n gets the bytes used, *cp the code point. NULL only when out of memory. */
static const struct glyph *next_glyph(struct layout *L, const unsigned char *s, size_t len,
                                      size_t *n, uint32_t *cp)
{
    *cp = utf8_next(s, len, n);
    uint32_t key = wants_color(L->t, *cp, s, *n, len) ? *cp | EMOJI_KEY : *cp;
    return glyph_get(L->t, key, L->px);
}

/* Lays out and (if L->c) draws one logical line [s, s+len), wrapping. */
static int do_line(struct layout *L, const unsigned char *s, size_t len)
{
    size_t pos = 0;
    do {
        /* find how much of the rest fits: [pos, end) */
        size_t i = pos, end = len, last_space = 0;
        int w = 0, w_at_space = 0;
        bool wrapped = false;
        while (i < len) {
            size_t n;
            uint32_t cp;
            const struct glyph *g = next_glyph(L, s + i, len - i, &n, &cp);
            if (!g)
                return SP_ENOMEM;
            /* a space never wraps: it may hang past the margin */
            if (cp != ' ' && L->max_width > 0 && w + g->advance > L->max_width && i > pos) {
                wrapped = true;
                end = last_space > pos ? last_space : i;
                if (last_space > pos)
                    w = w_at_space;
                break;
            }
            if (cp == ' ') {
                last_space = i;
                w_at_space = w;
            }
            w += g->advance;
            i += n;
        }
        if (!wrapped)
            end = len;
        /* draw [pos, end) */
        int base_y = (int)lround(L->y0) + L->m.lines * L->line_h + L->ascent;
        int pen = (int)lround(L->x0);
        int width = 0;
        for (size_t k = pos; k < end;) {
            size_t n;
            uint32_t cp;
            const struct glyph *g = next_glyph(L, s + k, end - k, &n, &cp);
            if (!g)
                return SP_ENOMEM;
            draw_glyph(L, g, pen + width, base_y);
            width += g->advance;
            k += n;
        }
        if (width > L->m.width)
            L->m.width = width;
        L->m.lines++;
        pos = end;
        if (wrapped && pos < len && s[pos] == ' ')
            pos++; /* the space a line was broken at is not drawn */
    } while (pos < len);
    return 0;
}

static int run(struct text_ctx *t, struct canvas *c, double x, double y, const char *utf8,
               double size_px, struct canvas_color color, double max_width,
               struct text_metrics *out)
{
    if (!t || !utf8 || !isfinite(size_px) || !isfinite(x) || !isfinite(y) || !isfinite(max_width))
        return SP_EINVAL;
    if (size_px < TEXT_MIN_PX)
        size_px = TEXT_MIN_PX;
    if (size_px > TEXT_MAX_PX)
        size_px = TEXT_MAX_PX;
    struct layout L = {.t = t, .c = c, .color = color, .x0 = x, .y0 = y, .max_width = max_width};
    L.px = (int)lround(size_px);
    L.line_h = (int)lround(size_px * TEXT_LINE_HEIGHT);
    /* baseline: the primary font's ascender, centred in the line box */
    struct face *f = &t->faces[0];
    if (f->px != L.px && !FT_Set_Pixel_Sizes(f->face, 0, (FT_UInt)L.px))
        f->px = L.px;
    int asc = (int)(f->face->size->metrics.ascender >> 6);
    int desc = (int)(-f->face->size->metrics.descender >> 6);
    L.ascent = asc + (L.line_h - (asc + desc)) / 2;
    size_t len = strlen(utf8);
    if (len > TEXT_MAX_BYTES)
        len = TEXT_MAX_BYTES;
    const unsigned char *s = (const unsigned char *)utf8;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '\n') {
            size_t e = i;
            if (e > start && s[e - 1] == '\r')
                e--;
            int ret = do_line(&L, s + start, e - start);
            if (ret)
                return ret;
            start = i + 1;
        }
    }
    L.m.height = (double)L.m.lines * L.line_h;
    if (out)
        *out = L.m;
    return 0;
}

int text_measure(struct text_ctx *t, const char *utf8, double size_px, double max_width,
                 struct text_metrics *out)
{
    if (!out)
        return SP_EINVAL;
    return run(t, NULL, 0, 0, utf8, size_px, canvas_rgba(0, 0, 0, 0), max_width, out);
}

int text_draw(struct text_ctx *t, struct canvas *c, double x, double y, const char *utf8,
              double size_px, struct canvas_color color, double max_width, struct text_metrics *out)
{
    if (!c)
        return SP_EINVAL;
    return run(t, c, x, y, utf8, size_px, color, max_width, out);
}
