/* layer_cache.c - the board's page layer kept on disk (see layer_cache.h).
 *
 * File layout, little-endian:
 *   "SPLAYER\0"  u32 version  u32 0  u64 content
 *   u32 w  u32 h  u32 page_index  u32 examined  u32 top_in_layer  u32 npending
 *   npending x u32 (ascending, each < examined)
 *   u64 zlen  zlen bytes (zlib of h rows of w*4 bytes)
 *   u64 checksum (sp_checksum64 of everything before it)
 */
#include "render/layer_cache.h"

#include "base/platform/os_file.h"
#include "base/sp_bytes.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "render/image.h"
#include "sigplay_version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define HEAD_BYTES (8 + 4 + 4 + 8 + 6 * 4)
/* Bump when the drawing of a page changes in a way the build string does
 * not tell (it does not change with uncommitted edits). */
#define LAYER_DRAW_REVISION 1

/* ---- the file --------------------------------------------------------------- */

int layer_file_parse(const uint8_t *d, size_t len, struct layer_file *f)
{
    memset(f, 0, sizeof(*f));
    if (!d || len < HEAD_BYTES + 8 + 8 || memcmp(d, LAYER_FILE_MAGIC, 8) != 0)
        return SP_EPARSE;
    if (sp_get_u32(d + 8) != LAYER_FILE_VERSION)
        return SP_EUNSUPPORTED;
    if (sp_get_u64(d + len - 8) != sp_checksum64(d, len - 8))
        return SP_EPARSE;
    f->content = sp_get_u64(d + 16);
    const uint8_t *p = d + 24;
    f->w = sp_get_u32(p);
    f->h = sp_get_u32(p + 4);
    f->page_index = sp_get_u32(p + 8);
    f->examined = sp_get_u32(p + 12);
    f->top_in_layer = sp_get_u32(p + 16);
    f->npending = sp_get_u32(p + 20);
    if (f->w < 1 || f->h < 1 || f->w > CANVAS_MAX_DIM || f->h > CANVAS_MAX_DIM ||
        f->top_in_layer > f->examined || f->npending > LAYER_FILE_MAX_PENDING ||
        f->npending > f->examined)
        return SP_EPARSE;
    size_t left = len - HEAD_BYTES - 8; /* bytes between the head and the checksum */
    size_t pend = (size_t)f->npending * 4;
    if (pend + 8 > left)
        return SP_EPARSE;
    f->pending = d + HEAD_BYTES;
    for (uint32_t i = 0; i < f->npending; i++) {
        uint32_t s = sp_get_u32(f->pending + 4 * (size_t)i);
        if (s >= f->examined || (i > 0 && s <= sp_get_u32(f->pending + 4 * (size_t)(i - 1))))
            return SP_EPARSE;
    }
    left -= pend + 8;
    uint64_t zlen = sp_get_u64(f->pending + pend);
    if (zlen != left || zlen == 0)
        return SP_EPARSE;
    f->z = f->pending + pend + 8;
    f->zlen = (size_t)zlen;
    return 0;
}

int layer_file_pixels(const struct layer_file *f, struct canvas *dst)
{
    if ((uint32_t)dst->w != f->w || (uint32_t)dst->h != f->h || dst->stride != 4 * dst->w)
        return SP_EINVAL;
    size_t want = (size_t)f->w * f->h * 4;
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit(&zs) != Z_OK)
        return SP_ENOMEM;
    /* zlib counts in uInt: feed and drain in pieces below 4 GiB (a layer is
     * at most 64 MiB, but keep it honest). */
    zs.next_in = (Bytef *)f->z;
    zs.avail_in = (uInt)f->zlen;
    zs.next_out = dst->px;
    zs.avail_out = (uInt)want;
    int zr = inflate(&zs, Z_FINISH);
    bool ok = zr == Z_STREAM_END && zs.total_out == want && zs.avail_in == 0;
    inflateEnd(&zs);
    return ok ? 0 : SP_EPARSE;
}

int layer_file_encode(uint64_t content, const struct board_draw_layer *l, uint8_t **out,
                      size_t *len)
{
    *out = NULL;
    *len = 0;
    const struct canvas *c = l->layer;
    if (!c || l->npending > LAYER_FILE_MAX_PENDING || c->stride != 4 * c->w)
        return SP_EINVAL;
    size_t raw = (size_t)c->w * c->h * 4;
    uLong bound = compressBound((uLong)raw);
    size_t pend = l->npending * 4;
    uint8_t *b = malloc(HEAD_BYTES + pend + 8 + bound + 8);
    if (!b)
        return SP_ENOMEM;
    memcpy(b, LAYER_FILE_MAGIC, 8);
    sp_put_u32(b + 8, LAYER_FILE_VERSION);
    sp_put_u32(b + 12, 0);
    sp_put_u64(b + 16, content);
    uint32_t head[6] = {(uint32_t)c->w, (uint32_t)c->h,  l->page_index,
                        l->examined,    l->top_in_layer, (uint32_t)l->npending};
    for (int i = 0; i < 6; i++)
        sp_put_u32(b + 24 + 4 * i, head[i]);
    for (size_t i = 0; i < l->npending; i++)
        sp_put_u32(b + HEAD_BYTES + 4 * i, l->pending[i]);
    uint8_t *z = b + HEAD_BYTES + pend + 8;
    uLongf zlen = bound;
    /* Level 1: a page is mostly runs of the background; the fastest level
     * costs a few ms where the drawing it saves costs seconds. */
    if (compress2(z, &zlen, c->px, (uLong)raw, 1) != Z_OK) {
        free(b);
        return SP_ENOMEM;
    }
    sp_put_u64(b + HEAD_BYTES + pend, (uint64_t)zlen);
    size_t n = HEAD_BYTES + pend + 8 + zlen;
    sp_put_u64(b + n, sp_checksum64(b, n));
    *out = b;
    *len = n + 8;
    return 0;
}

/* ---- what the pixels are drawn from ----------------------------------------- */

struct hasher {
    uint64_t h;
    uint8_t buf[256];
    size_t n;
};

static void h_flush(struct hasher *hs)
{
    if (!hs->n)
        return;
    hs->h = (hs->h ^ sp_checksum64(hs->buf, hs->n)) * 0x9e3779b97f4a7c15ull;
    hs->n = 0;
}

static void h_bytes(struct hasher *hs, const void *p, size_t n)
{
    if (n > sizeof(hs->buf) - hs->n) {
        h_flush(hs);
        if (n > sizeof(hs->buf)) { /* large runs (points, pixels) hashed whole */
            uint8_t len[8];
            sp_put_u64(len, n);
            hs->h = (hs->h ^ sp_checksum64(p, n) ^ sp_checksum64(len, 8)) * 0x9e3779b97f4a7c15ull;
            return;
        }
    }
    memcpy(hs->buf + hs->n, p, n);
    hs->n += n;
}

static void h_u64(struct hasher *hs, uint64_t v)
{
    uint8_t b[8];
    sp_put_u64(b, v);
    h_bytes(hs, b, 8);
}

static void h_f64(struct hasher *hs, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    h_u64(hs, u);
}

static void h_str(struct hasher *hs, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    h_u64(hs, s ? n + 1 : 0); /* NULL and "" differ */
    if (n)
        h_bytes(hs, s, n);
}

static void h_element(struct hasher *hs, const struct board_element *e)
{
    h_u64(hs, 1 + (uint64_t)e->kind);
    h_u64(hs, (uint64_t)e->tool | (uint64_t)e->finished << 8 | (uint64_t)e->has_fill << 16);
    h_u64(hs, (uint64_t)e->color << 32 | e->fill);
    h_f64(hs, e->width);
    h_u64(hs, e->npts);
    if (e->npts && e->pts)
        h_bytes(hs, e->pts, (size_t)e->npts * 2 * sizeof(float));
    h_f64(hs, e->x1);
    h_f64(hs, e->y1);
    h_f64(hs, e->x2);
    h_f64(hs, e->y2);
    h_str(hs, e->text);
    h_f64(hs, e->size);
    h_f64(hs, e->dx);
    h_f64(hs, e->dy);
}

struct layer_cache {
    char *dir, *key;
    int bw, bh;
    board_draw_image_fn get_image;
    void *opaque;
    /* the layer taken from or written to a file in this run, by page */
    uint32_t last_page, last_examined;
    bool has_last;
    struct canvas *scratch;
    struct layer_cache_stats st;
};

/* The hash of what layer l of state s's page p shows at w x h. Slots in
 * pending are not in the layer, so not in the hash. */
static uint64_t content_hash(const struct layer_cache *lc, const struct board_state *s,
                             const struct board_page *p, int w, int h, uint32_t examined,
                             const uint32_t *pending, size_t npending)
{
    struct hasher hs = {.h = 0x53504c4159455231ull, .n = 0};
    h_str(&hs, SIGPLAY_VERSION);
    h_u64(&hs, LAYER_DRAW_REVISION);
    h_u64(&hs, (uint64_t)w << 32 | (uint32_t)h);
    h_u64(&hs, (uint64_t)(uint32_t)lc->bw << 32 | (uint32_t)lc->bh);
    h_u64(&hs, p->index);
    h_str(&hs, p->name);
    h_u64(&hs, (uint64_t)p->bg.has_color << 40 | (uint64_t)p->bg.fit << 32 | p->bg.color);
    h_str(&hs, p->bg.image);
    const struct image *img =
        p->bg.image && lc->get_image ? lc->get_image(lc->opaque, p->bg.image) : NULL;
    h_u64(&hs, img ? (uint64_t)img->w << 32 | (uint32_t)img->h : 0);
    if (img && img->px)
        h_bytes(&hs, img->px, (size_t)img->w * img->h * 4);
    h_f64(&hs, p->view.scale);
    h_f64(&hs, p->view.x);
    h_f64(&hs, p->view.y);
    h_u64(&hs, examined);
    size_t k = 0;
    for (uint32_t i = 0; i < examined; i++) {
        if (k < npending && pending[k] == i) {
            k++;
            h_u64(&hs, 0xFFFFFFFFull); /* pending: drawn from the state, not the layer */
            continue;
        }
        const struct board_element *e = board_state_slot(s, p, i);
        if (!e)
            h_u64(&hs, 0);
        else
            h_element(&hs, e);
    }
    h_flush(&hs);
    return hs.h;
}

/* ---- the store -------------------------------------------------------------- */

int layer_cache_create(const struct layer_cache_opts *o, struct layer_cache **out)
{
    *out = NULL;
    if (!o || !o->dir || !o->key)
        return SP_EINVAL;
    struct layer_cache *lc = calloc(1, sizeof(*lc));
    if (!lc)
        return SP_ENOMEM;
    size_t dn = strlen(o->dir) + sizeof("/layers");
    lc->dir = malloc(dn);
    lc->key = strdup(o->key);
    if (!lc->dir || !lc->key) {
        layer_cache_destroy(&lc);
        return SP_ENOMEM;
    }
    snprintf(lc->dir, dn, "%s/layers", o->dir);
    lc->bw = o->board_w;
    lc->bh = o->board_h;
    lc->get_image = o->get_image;
    lc->opaque = o->opaque;
    *out = lc;
    return 0;
}

void layer_cache_destroy(struct layer_cache **lcp)
{
    if (!lcp || !*lcp)
        return;
    free((*lcp)->dir);
    free((*lcp)->key);
    canvas_destroy(&(*lcp)->scratch);
    free(*lcp);
    *lcp = NULL;
}

/* <dir>/layers/<16 hex>.layer: the recording, the region size and the page. */
static char *file_path(const struct layer_cache *lc, const struct board_page *p, int w, int h)
{
    struct hasher hs = {.h = 0x4c41594552504154ull, .n = 0};
    h_str(&hs, lc->key);
    h_u64(&hs, (uint64_t)w << 32 | (uint32_t)h);
    h_u64(&hs, (uint64_t)(uint32_t)lc->bw << 32 | (uint32_t)lc->bh);
    h_str(&hs, p->name);
    h_flush(&hs);
    size_t n = strlen(lc->dir) + 1 + 16 + sizeof(".layer");
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/%016llx.layer", lc->dir, (unsigned long long)hs.h);
    return path;
}

bool layer_cache_seed(struct layer_cache *lc, struct board_draw *bd, int w, int h,
                      const struct board_state *s)
{
    const struct board_page *p = s ? board_state_current(s) : NULL;
    if (!lc || !p || board_page_slot_count(p) < LAYER_CACHE_MIN_SLOTS)
        return false;
    char *path = file_path(lc, p, w, h);
    char *data = NULL;
    size_t len = 0;
    bool ok = false;
    uint32_t *pending = NULL;
    struct layer_file f;
    if (!path || sp_read_file(path, LAYER_FILE_MAX_BYTES, &data, &len) != 0)
        goto out; /* no file: nothing refused */
    ok = layer_file_parse((const uint8_t *)data, len, &f) == 0 && f.w == (uint32_t)w &&
         f.h == (uint32_t)h && f.page_index == p->index && f.examined <= board_page_slot_count(p);
    if (ok && f.npending) {
        pending = malloc(f.npending * sizeof(*pending));
        ok = pending != NULL;
        for (uint32_t i = 0; ok && i < f.npending; i++)
            pending[i] = sp_get_u32(f.pending + 4 * (size_t)i);
    }
    ok = ok && content_hash(lc, s, p, w, h, f.examined, pending, f.npending) == f.content;
    if (ok && !lc->scratch)
        ok = canvas_create(&lc->scratch, w, h) == 0;
    else if (ok && (lc->scratch->w != w || lc->scratch->h != h)) {
        canvas_destroy(&lc->scratch);
        ok = canvas_create(&lc->scratch, w, h) == 0;
    }
    ok = ok && layer_file_pixels(&f, lc->scratch) == 0;
    struct board_draw_layer in = {.layer = lc->scratch,
                                  .page_index = p->index,
                                  .examined = ok ? f.examined : 0,
                                  .top_in_layer = ok ? f.top_in_layer : 0,
                                  .pending = pending,
                                  .npending = ok ? f.npending : 0};
    ok = ok && board_draw_set_layer(bd, s, &in) == 0;
    if (ok) {
        lc->st.seeded++;
        lc->has_last = true;
        lc->last_page = p->index;
        lc->last_examined = f.examined;
    } else {
        lc->st.refused++;
    }
out:
    free(pending);
    free(data);
    free(path);
    canvas_destroy(&lc->scratch); /* one seed per page and run: not worth keeping */
    return ok;
}

int layer_cache_save(struct layer_cache *lc, const struct board_draw *bd,
                     const struct board_state *s)
{
    const struct board_page *p = s ? board_state_current(s) : NULL;
    struct board_draw_layer l;
    if (!lc || !p || board_draw_get_layer(bd, &l) != 0 || l.page_index != p->index ||
        l.examined < LAYER_CACHE_MIN_SLOTS)
        return 0;
    if (lc->has_last && lc->last_page == p->index &&
        l.examined < lc->last_examined + LAYER_CACHE_MIN_SLOTS)
        return 0; /* the file already holds nearly all of it */
    uint64_t content =
        content_hash(lc, s, p, l.layer->w, l.layer->h, l.examined, l.pending, l.npending);
    uint8_t *data = NULL;
    size_t len = 0;
    char *path = file_path(lc, p, l.layer->w, l.layer->h);
    int rc = path ? layer_file_encode(content, &l, &data, &len) : SP_ENOMEM;
    if (!rc)
        rc = sp_os_mkdir_p(lc->dir);
    if (!rc)
        rc = sp_write_file_atomic(path, data, len);
    if (!rc) {
        lc->st.written++;
        lc->has_last = true;
        lc->last_page = p->index;
        lc->last_examined = l.examined;
    }
    free(data);
    free(path);
    return rc;
}

void layer_cache_get_stats(const struct layer_cache *lc, struct layer_cache_stats *st)
{
    if (lc)
        *st = lc->st;
    else
        memset(st, 0, sizeof(*st));
}
