/* json_arena.c - see json_arena.h. */
#include "base/json_arena.h"

#include "base/sp_error.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(ARENA_ASAN)
#define ARENA_ASAN 1
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
/* a poisoned gap after each allocation, so reading past a string is seen */
#define ARENA_FENCE 16u
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ARENA_FENCE 0u
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* The first chunk; each next one doubles, so a scope holds few chunks and
 * the ownership test in hook_free() walks a short list. */
#define ARENA_FIRST_CHUNK ((size_t)64 << 10)
#define ARENA_ALIGN alignof(max_align_t)

struct chunk {
    struct chunk *next; /* older chunks */
    size_t size;        /* bytes of data[] */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct arena {
    struct chunk *head; /* the chunk being filled first, then older ones */
    size_t taken;       /* bytes of chunks this scope (the bound) */
    size_t fallbacks;   /* allocations of this scope that malloc served */
    int depth;          /* open scopes on this thread */
};

static bool installed;
static size_t max_bytes = SP_JSON_ARENA_MAX_BYTES;
static pthread_key_t arena_key;
static _Thread_local struct arena *tls_arena;

static void chunks_free(struct chunk *c)
{
    while (c) {
        struct chunk *next = c->next;
        UNPOISON(c->data, c->size);
        free(c);
        c = next;
    }
}

static void arena_destroy(void *p)
{
    struct arena *a = p;
    if (!a)
        return;
    chunks_free(a->head);
    free(a);
}

static void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = (n + ARENA_FENCE + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (need < n)
        return NULL;
    struct chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t size = c ? c->size * 2 : ARENA_FIRST_CHUNK;
        while (size < need)
            size *= 2;
        if (a->taken > max_bytes || size > max_bytes - a->taken)
            return NULL; /* over the bound: malloc serves the rest */
        struct chunk *nc = malloc(sizeof(*nc) + size);
        if (!nc)
            return NULL;
        nc->next = c;
        nc->size = size;
        nc->used = 0;
        POISON(nc->data, size);
        a->head = nc;
        a->taken += size;
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += need;
    UNPOISON(p, n);
    return p;
}

static bool arena_owns(const struct arena *a, const void *p)
{
    uintptr_t q = (uintptr_t)p;
    for (const struct chunk *c = a->head; c; c = c->next)
        if (q >= (uintptr_t)c->data && q < (uintptr_t)c->data + c->size)
            return true;
    return false;
}

/* Kept out of hook_malloc() so that its common path saves no registers. */
#if defined(__GNUC__) || defined(__clang__)
#define ARENA_COLD __attribute__((noinline, cold))
#else
#define ARENA_COLD
#endif

/* A new chunk, or malloc past the bound. */
ARENA_COLD static void *hook_malloc_slow(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p)
        return p;
    a->fallbacks++;
    return malloc(n);
}

/* Called for every node and string of a tree (millions in a class): the
 * bump into the current chunk is kept short, the rest is out of line. */
static void *hook_malloc(size_t n)
{
    struct arena *a = tls_arena;
    if (!a || a->depth <= 0)
        return malloc(n);
    struct chunk *c = a->head;
    size_t need = (n + ARENA_FENCE + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (!c || need < n || c->size - c->used < need)
        return hook_malloc_slow(a, n);
    void *p = c->data + c->used;
    c->used += need;
    UNPOISON(p, n);
    return p;
}

static void hook_free(void *p)
{
    struct arena *a = tls_arena;
    if (!p)
        return;
    if (a && a->depth > 0 && arena_owns(a, p))
        return; /* released with the scope */
    free(p);
}

int sp_json_arena_install(void)
{
    if (installed)
        return 0;
    if (pthread_key_create(&arena_key, arena_destroy) != 0)
        return SP_ENOMEM;
    cJSON_Hooks h = {hook_malloc, hook_free};
    cJSON_InitHooks(&h);
    installed = true;
    return 0;
}

void sp_json_arena_set_max_bytes(size_t n)
{
    max_bytes = n ? n : SP_JSON_ARENA_MAX_BYTES;
}

int sp_json_arena_installed(void)
{
    return installed;
}

void sp_json_arena_begin(void)
{
    if (!installed)
        return;
    struct arena *a = tls_arena;
    if (!a) {
        a = calloc(1, sizeof(*a));
        if (!a)
            return; /* cJSON goes on with malloc */
        if (pthread_setspecific(arena_key, a) != 0) {
            free(a);
            return;
        }
        tls_arena = a;
    }
    if (a->depth == 0 && a->taken > max_bytes) { /* the bound was lowered */
        chunks_free(a->head);
        a->head = NULL;
        a->taken = 0;
    }
    if (a->depth == 0)
        a->fallbacks = 0;
    a->depth++;
}

void sp_json_arena_end(void)
{
    struct arena *a = tls_arena;
    if (!a || a->depth == 0)
        return;
    if (--a->depth > 0)
        return;
    /* keep the newest (largest) chunk if it is small enough, empty */
    struct chunk *keep = a->head;
    if (keep && keep->size > SP_JSON_ARENA_KEEP_BYTES)
        keep = NULL;
    chunks_free(keep ? keep->next : a->head);
    a->head = keep;
    a->taken = 0;
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
        POISON(keep->data, keep->size);
        a->taken = keep->size;
    }
}

void sp_json_arena_delete(struct cJSON *item)
{
    const struct arena *a = tls_arena;
    if (item && a && a->depth > 0 && a->fallbacks == 0 && arena_owns(a, item))
        return; /* end drops it */
    cJSON_Delete(item);
}

size_t sp_json_arena_used(void)
{
    const struct arena *a = tls_arena;
    if (!a || a->depth == 0)
        return 0;
    size_t n = 0;
    for (const struct chunk *c = a->head; c; c = c->next)
        n += c->used;
    return n;
}
