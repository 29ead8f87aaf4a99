/* emoji.c - color emoji from a CBDT/sbix strike or a COLR font, scaled
 * with libswscale. */
#include "render/emoji.h"

#include "base/sp_error.h"

#include <libavutil/mem.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct emoji_font {
    FT_Face face;
    char *path;
    bool strike; /* bitmap strikes only: scale from strike_ppem */
    double strike_ppem;
    int set_px;             /* COLR: pixel size currently set, 0 = none */
    struct SwsContext *sws; /* reused while sizes repeat */
};

/* The font fontconfig offers for "emoji" with color=true and U+1F600, as a
 * file path (caller frees), or NULL. */
static char *find_color_font(FcConfig *fc, int *index)
{
    FcPattern *pat = FcPatternCreate();
    FcCharSet *cs = FcCharSetCreate();
    char *path = NULL;
    if (!pat || !cs || !FcCharSetAddChar(cs, 0x1F600) ||
        !FcPatternAddCharSet(pat, FC_CHARSET, cs) ||
        !FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)"emoji") ||
        !FcPatternAddBool(pat, FC_COLOR, FcTrue))
        goto done;
    FcConfigSubstitute(fc, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *m = FcFontMatch(fc, pat, &res);
    if (!m)
        goto done;
    FcBool color = FcFalse;
    FcCharSet *mcs = NULL;
    FcChar8 *file = NULL;
    if (FcPatternGetBool(m, FC_COLOR, 0, &color) == FcResultMatch && color &&
        FcPatternGetCharSet(m, FC_CHARSET, 0, &mcs) == FcResultMatch &&
        FcCharSetHasChar(mcs, 0x1F600) &&
        FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch) {
        *index = 0;
        FcPatternGetInteger(m, FC_INDEX, 0, index);
        path = strdup((const char *)file);
    }
    FcPatternDestroy(m);
done:
    if (cs)
        FcCharSetDestroy(cs);
    if (pat)
        FcPatternDestroy(pat);
    return path;
}

int emoji_font_open(FT_Library lib, FcConfig *fc, struct emoji_font **out)
{
    *out = NULL;
    if (!lib || !fc)
        return SP_EINVAL;
    struct emoji_font *e = calloc(1, sizeof(*e));
    if (!e)
        return SP_ENOMEM;
    int index = 0;
    e->path = find_color_font(fc, &index);
    if (!e->path || FT_New_Face(lib, e->path, index, &e->face)) {
        e->face = NULL;
        emoji_font_close(&e);
        return SP_ENOENT;
    }
    FT_Face f = e->face;
    if (!FT_HAS_COLOR(f)) {
        emoji_font_close(&e);
        return SP_ENOENT;
    }
    if (!FT_IS_SCALABLE(f)) {
        if (f->num_fixed_sizes < 1) {
            emoji_font_close(&e);
            return SP_ENOENT;
        }
        /* the largest strike: downscaling keeps detail, upscaling blurs */
        int best = 0;
        for (int i = 1; i < f->num_fixed_sizes; i++)
            if (f->available_sizes[i].y_ppem > f->available_sizes[best].y_ppem)
                best = i;
        if (FT_Select_Size(f, best) || f->available_sizes[best].y_ppem <= 0) {
            emoji_font_close(&e);
            return SP_ENOENT;
        }
        e->strike = true;
        e->strike_ppem = f->available_sizes[best].y_ppem / 64.0;
    }
    *out = e;
    return 0;
}

void emoji_font_close(struct emoji_font **ep)
{
    if (!ep || !*ep)
        return;
    struct emoji_font *e = *ep;
    if (e->face)
        FT_Done_Face(e->face);
    sws_freeContext(e->sws);
    free(e->path);
    free(e);
    *ep = NULL;
}

bool emoji_font_has(const struct emoji_font *e, uint32_t cp)
{
    return e && FT_Get_Char_Index(e->face, cp) != 0;
}

const char *emoji_font_path(const struct emoji_font *e)
{
    return e ? e->path : NULL;
}

/* Copies a BGRA (premultiplied) FreeType bitmap to RGBA, scaled to dw x dh.
 * Returns a malloc'd buffer or NULL. */
static uint8_t *scale_bgra(struct emoji_font *e, const FT_Bitmap *bm, int dw, int dh)
{
    int sw = (int)bm->width, sh = (int)bm->rows;
    uint8_t *out = malloc((size_t)dw * dh * 4);
    if (!out)
        return NULL;
    if (sw == dw && sh == dh) {
        for (int y = 0; y < sh; y++) {
            const uint8_t *s = bm->buffer + (ptrdiff_t)y * bm->pitch;
            uint8_t *d = out + (size_t)y * dw * 4;
            for (int x = 0; x < sw; x++) {
                d[4 * x + 0] = s[4 * x + 2];
                d[4 * x + 1] = s[4 * x + 1];
                d[4 * x + 2] = s[4 * x + 0];
                d[4 * x + 3] = s[4 * x + 3];
            }
        }
        return out;
    }
    /* swscale wants aligned rows for its fast paths: scale into an
     * av_malloc'd buffer with a padded stride, then copy out. */
    int dstride = (dw * 4 + 63) & ~63;
    uint8_t *tmp = av_malloc((size_t)dstride * dh);
    int flags = (dw < sw || dh < sh) ? SWS_AREA : SWS_BILINEAR;
    e->sws = sws_getCachedContext(e->sws, sw, sh, AV_PIX_FMT_BGRA, dw, dh, AV_PIX_FMT_RGBA, flags,
                                  NULL, NULL, NULL);
    if (!tmp || !e->sws) {
        av_free(tmp);
        free(out);
        return NULL;
    }
    const uint8_t *src[4] = {bm->buffer, NULL, NULL, NULL};
    int sstride[4] = {bm->pitch, 0, 0, 0};
    uint8_t *dst[4] = {tmp, NULL, NULL, NULL};
    int dstr[4] = {dstride, 0, 0, 0};
    if (bm->pitch <= 0 || sws_scale(e->sws, src, sstride, 0, sh, dst, dstr) != dh) {
        av_free(tmp);
        free(out);
        return NULL;
    }
    for (int y = 0; y < dh; y++) {
        const uint8_t *s = tmp + (size_t)y * dstride;
        uint8_t *d = out + (size_t)y * dw * 4;
        for (int x = 0; x < dw; x++) {
            uint8_t a = s[4 * x + 3];
            /* filtering may overshoot by a rounding step: keep the
             * premultiplied invariant color <= alpha */
            for (int k = 0; k < 3; k++)
                d[4 * x + k] = s[4 * x + k] > a ? a : s[4 * x + k];
            d[4 * x + 3] = a;
        }
    }
    av_free(tmp);
    return out;
}

int emoji_font_render(struct emoji_font *e, uint32_t cp, int px, struct emoji_glyph *out)
{
    memset(out, 0, sizeof(*out));
    if (!e || px < 1 || px > 512)
        return SP_EINVAL;
    FT_UInt gi = FT_Get_Char_Index(e->face, cp);
    if (!gi)
        return SP_ENOENT;
    double s = 1.0;
    if (e->strike) {
        s = px / e->strike_ppem;
    } else if (e->set_px != px) {
        if (FT_Set_Pixel_Sizes(e->face, 0, (FT_UInt)px))
            return SP_EDECODE;
        e->set_px = px;
    }
    if (FT_Load_Glyph(e->face, gi, FT_LOAD_COLOR))
        return SP_EDECODE;
    FT_GlyphSlot slot = e->face->glyph;
    if (slot->format != FT_GLYPH_FORMAT_BITMAP && FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL))
        return SP_EDECODE;
    const FT_Bitmap *bm = &slot->bitmap;
    out->advance = (int)lround(slot->advance.x / 64.0 * s);
    if (bm->width == 0 || bm->rows == 0)
        return 0;
    if (bm->pixel_mode != FT_PIXEL_MODE_BGRA)
        return SP_EDECODE;
    int dw = (int)lround(bm->width * s), dh = (int)lround(bm->rows * s);
    if (dw < 1)
        dw = 1;
    if (dh < 1)
        dh = 1;
    out->px = scale_bgra(e, bm, dw, dh);
    if (!out->px)
        return SP_ENOMEM;
    out->w = dw;
    out->h = dh;
    out->left = (int)lround(slot->bitmap_left * s);
    out->top = (int)lround(slot->bitmap_top * s);
    return 0;
}

/* ---- classification -------------------------------------------------- */

/* Emoji_Presentation=Yes ranges from Unicode's emoji-data.txt (15.0). */
static const uint32_t PRESENTATION[][2] = {
    {0x231A, 0x231B},   {0x23E9, 0x23EC},   {0x23F0, 0x23F0},   {0x23F3, 0x23F3},
    {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x267F, 0x267F},
    {0x2693, 0x2693},   {0x26A1, 0x26A1},   {0x26AA, 0x26AB},   {0x26BD, 0x26BE},
    {0x26C4, 0x26C5},   {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},
    {0x26F2, 0x26F3},   {0x26F5, 0x26F5},   {0x26FA, 0x26FA},   {0x26FD, 0x26FD},
    {0x2705, 0x2705},   {0x270A, 0x270B},   {0x2728, 0x2728},   {0x274C, 0x274C},
    {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
    {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},
    {0x2B55, 0x2B55},   {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E},
    {0x1F191, 0x1F19A}, {0x1F1E6, 0x1F1FF}, {0x1F201, 0x1F201}, {0x1F21A, 0x1F21A},
    {0x1F22F, 0x1F22F}, {0x1F232, 0x1F236}, {0x1F238, 0x1F23A}, {0x1F250, 0x1F251},
    {0x1F300, 0x1F320}, {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393},
    {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4},
    {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D},
    {0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596},
    {0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC},
    {0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7}, {0x1F6DC, 0x1F6DF}, {0x1F6EB, 0x1F6EC},
    {0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0}, {0x1F90C, 0x1F93A},
    {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FA7C}, {0x1FA80, 0x1FA88},
    {0x1FA90, 0x1FABD}, {0x1FABF, 0x1FAC5}, {0x1FACE, 0x1FADB}, {0x1FAE0, 0x1FAE8},
    {0x1FAF0, 0x1FAF8},
};

bool emoji_presentation(uint32_t cp)
{
    if (cp < 0x231A)
        return false;
    size_t lo = 0, hi = sizeof(PRESENTATION) / sizeof(PRESENTATION[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < PRESENTATION[mid][0])
            hi = mid;
        else if (cp > PRESENTATION[mid][1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

bool emoji_ignorable(uint32_t cp)
{
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF || (cp >= 0x1F3FB && cp <= 0x1F3FF);
}
