/* fuzz_layout.c - any bytes through the layout reader (a CustomLayout, a
 * request with MixStream.Custom or MixStream.ModelId and TeacherId), binding to a
 * small fixed recording, fitting into a window whose size comes from the
 * input, and every preset at that size. Each layout made must keep every
 * region inside its view and the region count within the cap. The input is
 * copied into an exact-size buffer (the reader takes a length, no NUL). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "player/recording/manifest.h"
#include "render/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct layout *l)
{
    if (l->n > LAYOUT_MAX_REGIONS)
        abort();
    for (size_t i = 0; i < l->n; i++) {
        struct layout_rect r = l->regions[i].r;
        if (r.w < 1 || r.h < 1 || r.x < l->view.x || r.y < l->view.y ||
            r.x + r.w > l->view.x + l->view.w || r.y + r.h > l->view.y + l->view.h)
            abort();
        if (l->regions[i].src == LAYOUT_SRC_LANE && l->regions[i].lane >= 4)
            abort();
    }
    if (l->view.x < 0 || l->view.y < 0 || l->view.x + l->view.w > l->w ||
        l->view.y + l->view.h > l->h)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct rec_segment segs[4] = {
        {.play_us = 0, .duration_us = 1000000, .width = 640, .height = 360},
        {.play_us = 500000, .duration_us = 1000000},
        {.play_us = 100000, .duration_us = 1000000, .width = 1, .height = 9999},
        {.play_us = 0, .duration_us = 1000000},
    };
    static const struct rec_lane lanes[4] = {
        {"teacher", 0, REC_LANE_CAMERA, "teacher", "teacher", &segs[0], 1},
        {"tic_substream_teacher", 1, REC_LANE_SCREEN, "teacher", "teacher (screen)", &segs[1], 1},
        {"student", 0, REC_LANE_CAMERA, "student", "student", &segs[2], 1},
        {"", 2, REC_LANE_WHITEBOARD, "", "whiteboard", &segs[3], 1},
    };
    struct recording rec;
    memset(&rec, 0, sizeof(rec));
    rec.lanes = lanes;
    rec.n_lanes = 4;
    rec.board_w = 1280;
    rec.board_h = 960;

    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    /* Window size from the last bytes (whatever they are). */
    int ww = 1 + (size >= 2 ? (data[size - 1] | (data[size - 2] << 8)) % 4096 : 640);
    int wh = 1 + (size >= 4 ? (data[size - 3] | (data[size - 4] << 8)) % 4096 : 360);

    struct diag_list d;
    diag_init(&d);
    struct layout *l = malloc(sizeof(*l)), *o = malloc(sizeof(*o));
    if (l && o) {
        if (layout_parse_custom(buf, size, "fuzz.json", &d, l) == 0) {
            check(l);
            /* a ModelId layout is the board and four tiles, nothing else */
            if (l->model_id && (l->n != 1 + LAYOUT_MODEL_TILES || layout_places_chat(l)))
                abort();
            layout_bind(l, &rec, &d);
            check(l);
            if (layout_fit_to(l, ww, wh, o) == 0) {
                check(o);
                layout_hit(o, ww / 2, wh / 2);
            }
        } else if (l->n != 0) {
            abort();
        }
        for (int p = 0; p < LAYOUT_PRESET_COUNT; p++) {
            if (layout_preset(p, &rec, size & 1, ww, wh, size & 2, l) != 0)
                abort();
            check(l);
        }
    }
    free(l);
    free(o);
    diag_clear(&d);
    free(buf);
    return 0;
}
