/* manifest_impl.h - internals shared by manifest.c (JSON fields),
 * manifest_build.c (lanes, pauses, checks) and manifest_open.c (sources,
 * ReplayUrl). Not a public header. */
#ifndef SP_MANIFEST_IMPL_H
#define SP_MANIFEST_IMPL_H

#include "player/recording/manifest.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diag_list;

/* Strings of one recording live in a chain of chunks freed at once. */
struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    char data[];
};

/* The recording plus what owns its memory; pub must stay first so a
 * struct recording * converts back. */
struct rec_impl {
    struct recording pub;
    struct arena_chunk *arena;
    struct rec_segment *segs; /* n_segs, grouped lane by lane once built */
    size_t n_segs;
    struct rec_lane *lanes;
    struct rec_pause *pauses;
    struct rec_interrupt *interrupts;
    const char **message_urls;
    bool has_messages; /* the Messages key was present */
    bool has_start, has_stop, has_total;
    const char *seg_array; /* "VideoInfos", or "VideoInfoList" for a video
                              generation result (names entries in messages) */
};

/* Parse state for one document. */
struct mctx {
    struct rec_impl *r;
    struct diag_list *diag;
    const char *name; /* the document's short name for diagnostics */
    const char *doc_url;
    bool oom;
};

/* Copies n bytes (plus a NUL) into the recording's arena; NULL and
 * c->oom set when out of memory. */
const char *mf_strdup(struct mctx *c, const char *s, size_t n);

/* The lane key of each segment read, parallel to rec_impl.segs until
 * mf_build() groups them. */
struct seg_key {
    const char *user; /* UserId, "" for null/absent */
    int64_t vtype;    /* VideoType */
    size_t own_lane;  /* SIZE_MAX, or a number making the segment a lane of
                         its own (a video generation result's composed videos) */
};

/* Groups segments into lanes (keys parallel to c->r->segs), sorts them,
 * places or checks pauses and warns about overlaps and segments past
 * TotalTime. Returns 0 or SP_ENOMEM. */
int mf_build(struct mctx *c, const struct seg_key *keys);

/* The rec_impl behind a recording. */
static inline struct rec_impl *mf_impl(struct recording *rec)
{
    return (struct rec_impl *)rec;
}

#endif
