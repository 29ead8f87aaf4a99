/* bench_manifest_junk.c - how fast the manifest reader gives up on 10 MB of
 * junk, and what reading a huge valid manifest costs.
 *
 * For each input: the median of RUNS calls of manifest_parse(), and as the
 * baseline, measured in the same run on the same buffer, the median of
 * cJSON_ParseWithLength() alone (what any reader built on cJSON pays at
 * least). Prints both and their ratio. The claim it backs: junk fails
 * cleanly in well under a second (docs/formats.md, "Limits").
 *
 * Usage: bench_manifest_junk [runs]   (default 7)
 */
#include "base/diag.h"
#include "player/recording/manifest.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JUNK_BYTES ((size_t)10 << 20)
#define MAX_RUNS 101

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void bench(const char *label, const char *buf, size_t len, int runs)
{
    double ours[MAX_RUNS], base[MAX_RUNS];
    int rc = 0;
    size_t diags = 0;
    for (int i = 0; i < runs; i++) {
        struct diag_list d;
        diag_init(&d);
        struct recording *rec = NULL;
        double t0 = now_ms();
        rc = manifest_parse(buf, len, "file:///bench/manifest.json", &d, &rec);
        ours[i] = now_ms() - t0;
        diags = d.errors + d.warnings;
        recording_free(rec);
        diag_clear(&d);
        t0 = now_ms();
        cJSON *j = cJSON_ParseWithLength(buf, len);
        cJSON_Delete(j);
        base[i] = now_ms() - t0;
    }
    double m = median(ours, runs), b = median(base, runs);
    printf("%-34s %6.1f MB  manifest_parse %9.4f ms  cJSON_Parse %9.4f ms  ratio %6.2f  "
           "(rc %d, %zu diagnostics)\n",
           label, (double)len / (1 << 20), m, b, b > 0 ? m / b : 0.0, rc, diags);
}

/* A valid manifest of n segments over n / 100 lanes. */
static char *big_manifest(size_t n, size_t *len)
{
    size_t cap = n * 200 + 256;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t o = (size_t)snprintf(s, cap,
                                "{\"RoomId\":1,\"RecordStartTime\":1700000000,"
                                "\"RecordStopTime\":1700100000,\"TotalTime\":100000000,"
                                "\"VideoInfos\":[");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(s + o, cap - o,
                              "%s{\"VideoPlayTime\":%zu,\"VideoDuration\":1000,\"VideoType\":0,"
                              "\"UserId\":\"user_%zu\",\"VideoUrl\":\"media/%zu.mp4\","
                              "\"VideoFormat\":\"mp4\",\"VideoSize\":12345}",
                              i ? "," : "", (i / 100) * 1000, i % 100, i);
    o += (size_t)snprintf(s + o, cap - o, "]}");
    *len = o;
    return s;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    if (runs < 1 || runs > MAX_RUNS)
        runs = 7;
    char *buf = malloc(JUNK_BYTES);
    if (!buf)
        return 1;
    printf("median of %d runs each\n", runs);

    uint32_t x = 12345;
    for (size_t i = 0; i < JUNK_BYTES; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (char)(x >> 16);
    }
    bench("random bytes", buf, JUNK_BYTES, runs);

    memset(buf, '[', JUNK_BYTES);
    bench("'[' nesting", buf, JUNK_BYTES, runs);

    memcpy(buf, "{\"a\":[", 6);
    for (size_t i = 6; i + 2 < JUNK_BYTES; i += 2) {
        buf[i] = '1';
        buf[i + 1] = ',';
    }
    memcpy(buf + JUNK_BYTES - 3, "1]}", 3);
    bench("{\"a\":[1,1,1,...]} (5M values)", buf, JUNK_BYTES, runs);

    for (size_t i = 0; i + 5 <= JUNK_BYTES; i += 5)
        memcpy(buf + i, "{\"a\":", 5);
    bench("{\"a\":{\"a\":... nesting", buf, JUNK_BYTES, runs);

    /* Valid JSON up to the last byte, then broken: the worst case for a
     * parser that must read everything before failing. */
    memset(buf, ' ', JUNK_BYTES);
    memcpy(buf, "{\"GroupId\":\"", 12);
    memset(buf + 12, 'z', JUNK_BYTES - 16);
    memcpy(buf + JUNK_BYTES - 4, "\",x}", 4);
    bench("10 MB string, broken at the end", buf, JUNK_BYTES, runs);
    free(buf);

    size_t len = 0;
    char *big = big_manifest(MANIFEST_MAX_SEGMENTS, &len);
    if (!big)
        return 1;
    bench("valid, 100000 segments", big, len, runs);
    free(big);
    return 0;
}
