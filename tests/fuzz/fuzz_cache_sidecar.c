/* fuzz_cache_sidecar.c - any bytes as a cache entry's sidecar (<key>.json)
 * next to a fixed 100-byte .data file and a 40-byte .part file: opening
 * the entry must not crash or allocate from the sidecar's numbers, and an
 * entry that reads as complete must hold exactly what its sidecar's
 * length says, with the CRC it records (when it records one). The cache
 * directory is made once, under $TMPDIR, and reused for every input.
 * fuzz-runs: 3000 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "player/net/cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define URL "http://fuzz.example/p1.json"
#define DATA_LEN 100

static struct cache *c;
static char side[4200], dfile[4200], pfile[4200];

static int write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(buf, 1, len, f);
    return fclose(f) == 0 && n == len ? 0 : -1;
}

static int init(void)
{
    const char *t = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof(tmpl), "%s/sigplay-fuzz-cache-XXXXXX", t && t[0] ? t : "/tmp");
    if (!mkdtemp(tmpl) || cache_open(tmpl, 0, false, &c))
        return -1;
    char key[65];
    cache_key(URL, key);
    snprintf(side, sizeof(side), "%s/%s.json", tmpl, key);
    snprintf(dfile, sizeof(dfile), "%s/%s.data", tmpl, key);
    snprintf(pfile, sizeof(pfile), "%s/%s.part", tmpl, key);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready)
        ready = init() == 0 ? 1 : -1;
    if (ready < 0)
        return 0;
    unsigned char content[DATA_LEN];
    for (int i = 0; i < DATA_LEN; i++)
        content[i] = (unsigned char)(i * 7 + 1);
    /* an entry that failed the check is deleted: put the files back */
    if (write_file(dfile, content, DATA_LEN) || write_file(pfile, content, 40) ||
        write_file(side, data, size))
        return 0;
    struct cache_entry *e = NULL;
    if (cache_entry_open(c, URL, &e))
        return 0;
    struct cache_info ci;
    cache_entry_info(e, &ci);
    if (ci.complete) {
        if (ci.length != DATA_LEN)
            abort(); /* complete only with exactly the file's length */
        unsigned char back[DATA_LEN];
        if (cache_entry_read(e, 0, back, DATA_LEN) != DATA_LEN || memcmp(back, content, DATA_LEN))
            abort();
    } else if (ci.have > 40) {
        abort(); /* a partial entry never claims bytes the .part lacks */
    }
    /* released without writes: nothing is rewritten, but a loaded partial
     * entry may checkpoint (fdatasync) its sidecar */
    cache_entry_release(&e);
    unlink(side);
    return 0;
}
