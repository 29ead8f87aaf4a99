/* fuzz_manifest.c - any bytes through the manifest reader, then the
 * timeline built from whatever it returned (every query walked once).
 *
 * manifest_parse() takes a length, so the input is passed as is (no
 * terminating NUL): ASan catches any read past its end.
 */
#include <stdint.h>
#include <stdlib.h>

#include "base/diag.h"
#include "player/recording/manifest.h"
#include "player/recording/timeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    manifest_parse((const char *)data, size, "https://fuzz.example/a/b/replay.json", &d, &rec);
    struct timeline *tl = NULL;
    if (rec && tl_create(rec, &tl) == 0) {
        int64_t total = tl_total_us(tl);
        for (int64_t t = -1; t <= total + 1; t = t < 0 ? 0 : t + 1 + total / 7) {
            int64_t w = tl_wall_from_play_us(tl, t);
            if (t >= 0 && t <= total && tl_play_from_wall_us(tl, w) != t)
                abort(); /* the inverse must undo w(t) on the timeline */
            for (size_t l = 0; l < rec->n_lanes; l++) {
                struct tl_lane_state st;
                tl_lane_at_us(tl, l, t, &st);
            }
            tl_next_boundary_us(tl, t);
        }
        struct tl_anchor a[2] = {{0, tl_origin_us(tl) + 500000},
                                 {total, tl_wall_from_play_us(tl, total)}};
        tl_refine_origin_us(tl, a, 2, &d, NULL);
        tl_destroy(&tl);
    }
    recording_free(rec);
    diag_clear(&d);
    return 0;
}
