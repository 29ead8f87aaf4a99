/* signal_cache.c - the parsed-signaling cache file (see signal_cache.h). */
#include "player/signal_cache.h"

#include <string.h>

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return x;
}

uint64_t sig_hash64(const void *data, size_t len, uint64_t seed)
{
    /* Eight bytes a step, four independent lanes (the multiplies overlap),
     * a final avalanche: about a byte a cycle less than FNV-1a costs. */
    const unsigned char *p = data;
    uint64_t h[4] = {seed ^ 0x9e3779b97f4a7c15ull, seed + 0x632be59bd9b4e019ull,
                     seed ^ 0x85ebca77c2b2ae63ull, seed - 0x27d4eb2f165667c5ull};
    size_t i = 0;
    for (; i + 32 <= len; i += 32)
        for (int k = 0; k < 4; k++)
            h[k] = (h[k] ^ rd64(p + i + 8 * k)) * 0x9fb21c651e98df25ull;
    uint64_t r = mix64(h[0]) ^ mix64(h[1] + 1) ^ mix64(h[2] + 2) ^ mix64(h[3] + 3);
    for (; i + 8 <= len; i += 8)
        r = (r ^ rd64(p + i)) * 0x9fb21c651e98df25ull;
    unsigned char tail[8] = {0};
    if (len > i)
        memcpy(tail, p + i, len - i);
    r = (r ^ rd64(tail) ^ ((uint64_t)len << 56)) * 0x9fb21c651e98df25ull;
    return mix64(r ^ (uint64_t)len);
}
