/* layer_cache.h - the board's page layer kept on disk between runs.
 *
 * Drawing a crowded page from scratch (tens of thousands of strokes at an
 * hour into a lesson) is most of what `sigplay render` spends once the
 * parsed signaling comes from its cache. The board drawer keeps a page
 * layer (render/board_draw.h: background + finished elements); this keeps
 * that layer in a file next to the signaling cache, one per recording,
 * board region size and page, so a later run shows the page by copying it
 * and drawing only the elements added since.
 *
 * A file is used only when it shows exactly what the drawer would draw:
 * it carries a hash of everything the pixels come from (the build, the
 * region and board sizes, the page's background, its image's pixels, its
 * view, and every element of the slots it holds: kind, colors, widths,
 * points, text, moves). Before it is used that hash is computed again
 * from the state being drawn; on any difference (another build, an erase
 * or undo, another recording under the same name, a changed image) it is
 * ignored and the page is drawn from scratch, then written again. The
 * pixels are zlib-compressed.
 *
 * Files are untrusted bytes: layer_file_parse() checks magic, version,
 * checksum, every count against the bytes present and the caps below
 * before anything is allocated from it, and the pixels must inflate to
 * exactly w*h*4 bytes. A file that fails is ignored (no diagnostic: it is
 * a cache).
 *
 * Not thread-safe: one thread (the drawing one) uses a cache.
 */
#ifndef SP_RENDER_LAYER_CACHE_H
#define SP_RENDER_LAYER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "player/board/board.h"
#include "render/board_draw.h"
#include "render/canvas.h"

#define LAYER_FILE_MAGIC "SPLAYER\0"
#define LAYER_FILE_VERSION 1
/* Pages holding fewer slots than this are not written: they draw quickly. */
#define LAYER_CACHE_MIN_SLOTS 256
/* Most pending (unfinished) strokes a file may list. */
#define LAYER_FILE_MAX_PENDING 4096u
/* Largest file read (a 4096x4096 layer uncompressed is 64 MiB). */
#define LAYER_FILE_MAX_BYTES ((size_t)80 << 20)

/* A parsed file; points into the bytes it was parsed from. */
struct layer_file {
    uint64_t content; /* hash of what the pixels were drawn from */
    uint32_t w, h;
    uint32_t page_index, examined, top_in_layer;
    uint32_t npending;
    const uint8_t *pending; /* npending little-endian u32 */
    const uint8_t *z;       /* zlib stream of w*h*4 bytes, premultiplied RGBA rows */
    size_t zlen;
};

/* Checks magic, version, checksum, layout and caps. Returns 0 (*f filled),
 * SP_EPARSE or SP_EUNSUPPORTED (another version). */
int layer_file_parse(const uint8_t *data, size_t len, struct layer_file *f);

/* Inflates f's pixels into dst, which must be f->w x f->h. Returns 0,
 * SP_EINVAL (size) or SP_EPARSE (not exactly w*h*4 bytes of zlib). */
int layer_file_pixels(const struct layer_file *f, struct canvas *dst);

/* Encodes a layer: *out is a new malloc'd buffer of *len bytes. Returns 0,
 * SP_EINVAL (too many pending) or SP_ENOMEM. */
int layer_file_encode(uint64_t content, const struct board_draw_layer *l, uint8_t **out,
                      size_t *len);

struct layer_cache_opts {
    const char *dir;               /* the cache directory (files go under layers/) */
    const char *key;               /* names the recording (its source as given) */
    int board_w, board_h;          /* board units, as for board_draw */
    board_draw_image_fn get_image; /* the page backgrounds, as board_draw gets them */
    void *opaque;
};

struct layer_cache;

struct layer_cache_stats {
    uint64_t seeded;  /* layers taken from a file */
    uint64_t refused; /* files present but not used (damaged, stale, another build) */
    uint64_t written; /* files written */
};

/* Returns 0 and *out, SP_EINVAL (no dir or key) or SP_ENOMEM. */
int layer_cache_create(const struct layer_cache_opts *o, struct layer_cache **out);
/* NULL-safe; sets *lc to NULL. */
void layer_cache_destroy(struct layer_cache **lc);

/* Before bd (a w x h drawer) draws state s, when bd has no layer for it
 * (board_draw_layer_fits() false): takes the one in the file of s's shown
 * page if that file fits (board_draw_set_layer()). Returns true when it
 * did; every failure is a false (bd then draws from scratch). */
bool layer_cache_seed(struct layer_cache *lc, struct board_draw *bd, int w, int h,
                      const struct board_state *s);

/* After bd drew state s: writes bd's layer when its page holds at least
 * LAYER_CACHE_MIN_SLOTS slots and the layer holds LAYER_CACHE_MIN_SLOTS
 * slots more than the file it came from (or there was none). Returns 0,
 * or the write's error (nothing else changes). */
int layer_cache_save(struct layer_cache *lc, const struct board_draw *bd,
                     const struct board_state *s);

void layer_cache_get_stats(const struct layer_cache *lc, struct layer_cache_stats *st);

#endif
