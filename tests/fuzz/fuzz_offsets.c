/* fuzz_offsets.c - any bytes as a sync-corrections file (format section 8):
 * the reader, the matching against a small fixed recording, and the writer,
 * whose output must read back to the same corrections. The input is copied
 * into an exact-size buffer (no NUL: the reader takes a length). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "player/recording/manifest.h"
#include "player/recording/offsets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char REC[] =
    "{\"RecordStartTime\":1700000000,\"RecordStopTime\":1700000100,\"TotalTime\":60000,"
    "\"VideoInfos\":["
    "{\"UserId\":\"teacher_01\",\"VideoType\":0,\"VideoId\":\"1\",\"VideoPlayTime\":0,"
    "\"VideoDuration\":30000,\"VideoUrl\":\"a.mp4\"},"
    "{\"UserId\":\"teacher_01\",\"VideoType\":0,\"VideoId\":\"2\",\"VideoPlayTime\":30000,"
    "\"VideoDuration\":30000,\"VideoUrl\":\"b.mp4\"},"
    "{\"UserId\":\"pc_test1\",\"VideoType\":0,\"VideoPlayTime\":300000,"
    "\"VideoDuration\":30000,\"VideoUrl\":\"c.mp4\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct recording *rec;
    if (!rec && manifest_parse(REC, sizeof REC - 1, NULL, NULL, &rec) != 0)
        abort();
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    struct diag_list d = {0};
    struct rec_offsets *o = NULL;
    int rc = offsets_parse(s, size, "fuzz.offsets.json", &d, &o);
    free(s);
    if (rc == 0 && !o)
        abort();
    if (rc != 0 && (o || d.errors != 1))
        abort(); /* a file refused is one error line */
    if (o) {
        int64_t seg[3] = {0, 0, 0}, again[3] = {0, 0, 0};
        size_t n = offsets_match(o, rec, "fuzz.offsets.json", seg, &d);
        if (n > 3)
            abort();
        for (int i = 0; i < 3; i++)
            if (seg[i] > OFFSETS_MAX_ABS_MS * 1000LL || seg[i] < -OFFSETS_MAX_ABS_MS * 1000LL)
                abort();
        char *text = offsets_format(rec, seg, o->source);
        if (text) {
            struct diag_list d2 = {0};
            struct rec_offsets *back = NULL;
            if (offsets_parse(text, strlen(text), "again", &d2, &back) != 0)
                abort();
            offsets_match(back, rec, "again", again, &d2);
            /* what is written reads back to the same corrections, to the µs
             * (ms with three decimals) */
            for (int i = 0; i < 3; i++)
                if (seg[i] != again[i])
                    abort();
            if (d2.warnings || d2.errors)
                abort();
            offsets_free(back);
            diag_clear(&d2);
            free(text);
        }
        offsets_free(o);
    }
    diag_clear(&d);
    return 0;
}
