/* sp_bytes.h - little-endian encoding and the checksum shared by the
 * serialized forms of the board log (player/board/board_log_io.c) and of the chat
 * model (im/chat_io.c).
 *
 * Both forms are written little-endian whatever the host, so a cache file
 * moves between machines; on a little-endian host the array helpers are
 * plain memcpy. The checksum is a 64-bit hash (four 8-byte lanes, xxHash64's
 * round and constants, then a byte-wise tail and a final mix). It detects
 * damage, not tampering: every change of a single byte changes it (each step
 * is a bijection of the lane it touches). The fuzz target recomputes it to
 * reach the structural checks behind it.
 */
#ifndef SP_BYTES_H
#define SP_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/sp_error.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SP_BYTES_LE 1
#else
#define SP_BYTES_LE 0
#endif

static inline void sp_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void sp_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void sp_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t sp_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t sp_get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static inline uint64_t sp_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static inline uint32_t sp_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    return u;
}

static inline float sp_bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

/* n 32-bit words (uint32_t or float) to / from little-endian bytes. */
static inline void sp_put_words(uint8_t *dst, const void *src, size_t n)
{
    if (SP_BYTES_LE) {
        if (n)
            memcpy(dst, src, n * 4);
        return;
    }
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++) {
        uint32_t v;
        memcpy(&v, s + 4 * i, 4);
        sp_put_u32(dst + 4 * i, v);
    }
}

static inline void sp_get_words(void *dst, const uint8_t *src, size_t n)
{
    if (SP_BYTES_LE) {
        if (n)
            memcpy(dst, src, n * 4);
        return;
    }
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = sp_get_u32(src + 4 * i);
        memcpy(d + 4 * i, &v, 4);
    }
}

static inline uint64_t sp_rotl64(uint64_t x, int r)
{
    return x << r | x >> (64 - r);
}

static inline uint64_t sp_checksum64(const uint8_t *p, size_t n)
{
    const uint64_t p1 = 11400714785074694791ull, p2 = 14029467366897019727ull;
    uint64_t a[4] = {p1 + p2, p2, 0, 0 - p1};
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 4; k++)
            a[k] = sp_rotl64(a[k] + sp_get_u64(p + i + 8 * k) * p2, 31) * p1;
    uint64_t h =
        sp_rotl64(a[0], 1) + sp_rotl64(a[1], 7) + sp_rotl64(a[2], 12) + sp_rotl64(a[3], 18);
    for (; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    h ^= (uint64_t)n;
    h ^= h >> 33;
    h *= p2;
    h ^= h >> 29;
    return h;
}

/* Where a streamed writer puts its bytes: put(opaque, p, n) takes the next
 * n bytes, in order, and returns 0 or an error code, which ends the writing
 * with that code. */
struct sp_sink {
    int (*put)(void *opaque, const void *p, size_t n);
    void *opaque;
};

/* A sink into a buffer of cap bytes the caller allocated: bytes beyond it
 * are refused (SP_ELIMIT) and n is how many were taken. */
struct sp_mem_sink {
    uint8_t *p;
    size_t n, cap;
};

static inline int sp_mem_sink_put(void *opaque, const void *p, size_t n)
{
    struct sp_mem_sink *m = (struct sp_mem_sink *)opaque;
    if (n > m->cap - m->n)
        return SP_ELIMIT;
    if (n)
        memcpy(m->p + m->n, p, n);
    m->n += n;
    return 0;
}

/* What a streamed writer gives, into a new buffer of exactly total bytes
 * (the length it is known to give): *data (the caller frees) and *len, or
 * an error with *data NULL (SP_ENOMEM, the writer's, or SP_EINVAL when it
 * gave another length). */
static inline int sp_sink_to_memory(uint64_t total,
                                    int (*serialize)(const void *model, const struct sp_sink *out),
                                    const void *model, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (total > SIZE_MAX)
        return SP_ENOMEM;
    struct sp_mem_sink m = {(uint8_t *)malloc(total ? (size_t)total : 1), 0, (size_t)total};
    if (!m.p)
        return SP_ENOMEM;
    struct sp_sink out = {sp_mem_sink_put, &m};
    int rc = serialize(model, &out);
    if (rc == 0 && m.n != total)
        rc = SP_EINVAL;
    if (rc) {
        free(m.p);
        return rc;
    }
    *data = m.p;
    *len = m.n;
    return 0;
}

/* The same checksum fed in pieces, for a writer that streams a file instead
 * of building it in memory first: init, update with the bytes in order
 * (any split), final gives exactly sp_checksum64() of their concatenation. */
struct sp_checksum64_state {
    uint64_t a[4];
    uint64_t total;   /* bytes fed */
    uint8_t tail[32]; /* bytes not yet a whole 32-byte block */
    size_t ntail;
};

static inline void sp_checksum64_init(struct sp_checksum64_state *s)
{
    const uint64_t p1 = 11400714785074694791ull, p2 = 14029467366897019727ull;
    s->a[0] = p1 + p2;
    s->a[1] = p2;
    s->a[2] = 0;
    s->a[3] = 0 - p1;
    s->total = 0;
    s->ntail = 0;
}

static inline void sp_checksum64_block(uint64_t a[4], const uint8_t *p)
{
    const uint64_t p1 = 11400714785074694791ull, p2 = 14029467366897019727ull;
    for (int k = 0; k < 4; k++)
        a[k] = sp_rotl64(a[k] + sp_get_u64(p + 8 * k) * p2, 31) * p1;
}

static inline void sp_checksum64_update(struct sp_checksum64_state *s, const uint8_t *p, size_t n)
{
    s->total += n;
    if (s->ntail) {
        size_t k = 32 - s->ntail < n ? 32 - s->ntail : n;
        memcpy(s->tail + s->ntail, p, k);
        s->ntail += k;
        p += k;
        n -= k;
        if (s->ntail < 32)
            return;
        sp_checksum64_block(s->a, s->tail);
        s->ntail = 0;
    }
    for (; n >= 32; p += 32, n -= 32)
        sp_checksum64_block(s->a, p);
    if (n)
        memcpy(s->tail, p, n);
    s->ntail = n;
}

static inline uint64_t sp_checksum64_final(const struct sp_checksum64_state *s)
{
    const uint64_t p2 = 14029467366897019727ull;
    const uint64_t *a = s->a;
    uint64_t h =
        sp_rotl64(a[0], 1) + sp_rotl64(a[1], 7) + sp_rotl64(a[2], 12) + sp_rotl64(a[3], 18);
    for (size_t i = 0; i < s->ntail; i++)
        h = (h ^ s->tail[i]) * 1099511628211ull;
    h ^= s->total;
    h ^= h >> 33;
    h *= p2;
    h ^= h >> 29;
    return h;
}

#endif
