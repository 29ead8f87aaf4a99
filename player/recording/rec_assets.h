/* rec_assets.h - every URL a recording needs, in one list.
 *
 * A recording is its manifest, its IM message pages (Messages[].Url), its
 * media segments (VideoUrl), the board batches the pages deliver as files
 * (TIMFileElem with FileName TXWhiteBoardExt, spec section 4; URLs relative
 * to their page) and the images the pages refer to: whiteboard
 * page images (image of board.add / board.bg ops, spec section 5) and chat
 * images (every ImageInfoArray URL of a TIMImageElem, spec section 4: the
 * chat shows the thumbnail, a viewer may open the large or original one, so
 * all of them are needed to replay without the network). `sigplay fetch`
 * downloads this list; a checker of a cache can walk it too.
 *
 * URLs are absolute: relative image URLs resolve against the manifest's URL
 * (rec->doc_url), as segment and page URLs already do. The list holds each
 * URL once (the first kind it was seen as wins), in the order manifest,
 * pages, media, board files (in message order), images (page images in op
 * order, then chat images in message order).
 *
 * Caps: REC_ASSETS_MAX_URLS entries in a list (more: SP_ELIMIT and a
 * diagnostic; the list keeps what came before). Pages are read whole up to
 * MSG_PAGE_MAX_BYTES each, and parsed under msgpage.h's and board.h's caps.
 */
#ifndef SP_REC_ASSETS_H
#define SP_REC_ASSETS_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "player/net/loader.h"
#include "im/msgpage.h"
#include "player/recording/manifest.h"

#define REC_ASSETS_MAX_URLS 1000000

enum rec_asset_kind {
    REC_ASSET_MANIFEST,  /* the replay manifest (or the plain result) itself */
    REC_ASSET_PAGE,      /* an IM group-history page */
    REC_ASSET_MEDIA,     /* a media segment */
    REC_ASSET_IMAGE,     /* a page background image or a chat image */
    REC_ASSET_BOARD_FILE /* a board batch delivered as a file (TIMFileElem) */
};
#define REC_ASSET_KINDS 5

struct rec_asset {
    char *url; /* absolute; owned by the list */
    enum rec_asset_kind kind;
    int64_t size; /* bytes the recording announces (VideoSize, ImageInfoArray
                   * Size), -1 unknown */
};

/* A zeroed struct is an empty list; rec_assets_clear() frees it. */
struct rec_assets {
    struct rec_asset *items; /* owned */
    size_t count;
    size_t cap;
    size_t pages_unread;             /* pages rec_assets_collect() could not read or parse */
    size_t by_kind[REC_ASSET_KINDS]; /* count of each enum rec_asset_kind */
    /* internal: open-addressing set over items (index + 1, 0 empty) */
    uint32_t *slots;
    size_t nslots; /* power of two, or 0 */
};

void rec_assets_clear(struct rec_assets *l);

/* Adds url, resolved against base when relative (base NULL or "": url must
 * be absolute), unless the list has it already. Returns 0 (also when it was
 * there), SP_EINVAL (relative URL without a usable base, or NULL/empty url),
 * SP_ELIMIT (REC_ASSETS_MAX_URLS) or SP_ENOMEM. */
int rec_assets_add(struct rec_assets *l, const char *base, const char *url,
                   enum rec_asset_kind kind, int64_t size);

/* Index of url (absolute, compared byte for byte) in the list, or -1. */
ptrdiff_t rec_assets_find(const struct rec_assets *l, const char *url);

/* Lists everything rec needs into *out (appended; out may already hold
 * entries). Reads every message page through loader (NULL: the local
 * loader; several at a time, merged in list order, so the result is that of
 * reading them in turn; the loader must be callable from any thread) to
 * find the images: a page that cannot be read or parsed stays in
 * the list, counts in out->pages_unread and leaves its reason in diag.
 * Warnings about the pages' content (bad ops, bad fields) go to diag too.
 * Returns 0, SP_ELIMIT (list cap, see above) or SP_ENOMEM. */
int rec_assets_collect(const struct recording *rec, const struct sp_loader *loader,
                       struct diag_list *diag, struct rec_assets *out);

/* Called for each page, in list order, on the caller's thread: rc is 0 or
 * why it could not be read, parsed or merged; d holds what reading it said
 * (the callee may move entries out; it is cleared afterwards); fs counts
 * the page's board batches delivered as files (player/signaling/
 * file_batches.h), which are fetched through the loader and read as
 * batches at their message's place. */
struct sig_file_stats;
typedef void (*rec_page_fn)(void *opaque, size_t index, int rc, const struct sig_file_stats *fs,
                            struct diag_list *d);

/* Reads rec's message pages into log (msgpage.h's merged log), READ_WORKERS
 * at a time through loader (callable from any thread), merged in list
 * order: the result is exactly that of reading them one after another,
 * without the round trips in series. on_page may be NULL. Returns 0 or
 * SP_ENOMEM. */
int rec_pages_read(const struct recording *rec, const struct sp_loader *loader, struct msg_log *log,
                   rec_page_fn on_page, void *opaque);

/* "manifest", "page", "media", "image". */
const char *rec_asset_kind_name(enum rec_asset_kind kind);

#endif
