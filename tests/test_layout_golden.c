/* Golden frames of the service's layouts (REPLAY-FORMAT.md section 7):
 * `sigplay render --layout` with a video generation request holding
 * MixStream.ModelId 1 or 2 (and TeacherId), with the presets model1 and
 * model2 by name, at 1:1 and at a scaled --size, on a generated class of
 * five cameras that join one after another.
 *
 * Besides the golden comparison (same tolerance as test_render), each
 * frame is checked for what the spec's table says, without the golden:
 *   - the canvas size (1320 x 1224, 1624 x 1000, or the --size asked);
 *   - the board rectangle: the board's page fills (8, 8, 1280, 960) and
 *     the 8 px gap around it is the black canvas (scaled: the same
 *     rectangle scaled);
 *   - who is in each tile: the teacher (TeacherId) in tile 1, then the
 *     other cameras in the order they first appear in replay.json's
 *     VideoInfos timeline (read here from the file, earliest VideoPlayTime,
 *     ties in list order). Each tile is compared with a frame of a custom
 *     layout that shows exactly that user in a 320 x 240 region.
 *
 * A layout placing tic_im_chat shows the chat without --chat.
 *
 * Golden images: tests/data/golden/layout_*.png. To regenerate after an
 * intended change: SIGPLAY_UPDATE_GOLDEN=1 ctest -R test_layout_golden,
 * then LOOK at them and commit. Frames are also left in SIGPLAY_TEST_TMP
 * (layout_*.png, layout_*-diff.png on a failed comparison).
 *
 * Needs the fonts of scripts/deps.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/sp_error.h"
#include "base/sp_file.h"
#include "render/canvas.h"
#include "render/image.h"

#define CLASS_DIR SIGPLAY_TEST_TMP "/layout-class"
#define SOURCE CLASS_DIR "/replay.json"
#define AT_MS 7000 /* every camera has joined (the last at 4 s) */

/* As test_render: the same libraries give the same bytes; other builds
 * move a few levels and glyph edges; a wrong tile or layout moves far more
 * than this. */
#define MEAN_TOLERANCE 1.0
#define MAX_DIFF_LEVEL 64
#define DIFF_FRACTION 0.001

static int run(const char *args)
{
    char cmd[16384];
    snprintf(cmd, sizeof(cmd), "%s 2>'%s/layout-stderr.txt'", args, SIGPLAY_TEST_TMP);
    int st = system(cmd);
    assert_true(st != -1 && WIFEXITED(st));
    if (WEXITSTATUS(st) != 0) {
        char *err = NULL;
        size_t len = 0;
        if (sp_read_file(SIGPLAY_TEST_TMP "/layout-stderr.txt", 1 << 20, &err, &len) == 0)
            fprintf(stderr, "'%s': exit %d: %s\n", args, WEXITSTATUS(st), err);
        free(err);
    }
    return WEXITSTATUS(st);
}

static void write_text(const char *path, const char *text)
{
    assert_int_equal(sp_write_file_atomic(path, text, strlen(text)), 0);
}

static struct image *render(const char *name, const char *layout, const char *extra)
{
    char out[4096], args[16384];
    snprintf(out, sizeof(out), "%s/layout_%s.png", SIGPLAY_TEST_TMP, name);
    remove(out);
    snprintf(args, sizeof(args), "'%s' render '%s' --at %d --layout '%s' %s -q -o '%s'",
             SIGPLAY_BIN, SOURCE, AT_MS, layout, extra, out);
    assert_int_equal(run(args), 0);
    struct image *img = NULL;
    assert_int_equal(image_load_file(out, &img), 0);
    return img;
}

/* ---- comparing pictures --------------------------------------------------- */

struct diffstat {
    double mean, frac;
};

/* a's w x h block at (ax, ay) against b's at (bx, by); diff_png: where a
 * picture of the differences goes (NULL: none). */
static struct diffstat compare_block(const struct image *a, int ax, int ay, const struct image *b,
                                     int bx, int by, int w, int h, const char *diff_png)
{
    struct diffstat s = {1e9, 1.0};
    if (ax + w > a->w || ay + h > a->h || bx + w > b->w || by + h > b->h)
        return s;
    struct canvas *diff = NULL;
    if (diff_png)
        assert_int_equal(canvas_create(&diff, w, h), 0);
    double sum = 0;
    size_t differ = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *pa = a->px + 4 * ((size_t)(ay + y) * a->w + ax + x);
            const uint8_t *pb = b->px + 4 * ((size_t)(by + y) * b->w + bx + x);
            int worst = 0;
            for (int k = 0; k < 3; k++) {
                int d = abs(pa[k] - pb[k]);
                sum += d;
                worst = d > worst ? d : worst;
            }
            differ += worst > MAX_DIFF_LEVEL;
            if (diff) {
                uint8_t *pd = diff->px + (size_t)y * diff->stride + 4 * x;
                pd[0] = (uint8_t)worst;
                pd[1] = worst > MAX_DIFF_LEVEL ? 0 : (uint8_t)worst;
                pd[2] = 0;
                pd[3] = 255;
            }
        }
    s.mean = sum / (3.0 * w * h);
    s.frac = (double)differ / ((double)w * h);
    if (diff) {
        canvas_write_png(diff, diff_png);
        canvas_destroy(&diff);
    }
    return s;
}

static bool within(struct diffstat s)
{
    return s.mean <= MEAN_TOLERANCE && s.frac <= DIFF_FRACTION;
}

static void check_golden(const struct image *img, const char *name)
{
    char golden[4096], src[4096], diff[4096];
    snprintf(golden, sizeof(golden), "%s/golden/layout_%s.png", SIGPLAY_TEST_DATA, name);
    snprintf(src, sizeof(src), "%s/layout_%s.png", SIGPLAY_TEST_TMP, name);
    snprintf(diff, sizeof(diff), "%s/layout_%s-diff.png", SIGPLAY_TEST_TMP, name);
    const char *upd = getenv("SIGPLAY_UPDATE_GOLDEN");
    if (upd && !strcmp(upd, "1")) {
        char *data = NULL;
        size_t len = 0;
        assert_int_equal(sp_read_file(src, 32u << 20, &data, &len), 0);
        assert_int_equal(sp_write_file_atomic(golden, data, len), 0);
        free(data);
        fprintf(stderr, "updated %s\n", golden);
        return;
    }
    struct image *g = NULL;
    int rc = image_load_file(golden, &g);
    if (rc)
        fail_msg("%s: %s (run with SIGPLAY_UPDATE_GOLDEN=1 to create it)", golden, sp_strerror(rc));
    assert_int_equal(img->w, g->w);
    assert_int_equal(img->h, g->h);
    struct diffstat s = compare_block(img, 0, 0, g, 0, 0, img->w, img->h, NULL);
    fprintf(stderr, "%s: %dx%d, mean diff %.3f, differing %.4f%%\n", name, img->w, img->h, s.mean,
            100 * s.frac);
    if (!within(s))
        compare_block(img, 0, 0, g, 0, 0, img->w, img->h, diff);
    assert_true(within(s));
    image_free(g);
}

/* ---- what the table says ---------------------------------------------------- */

static const uint8_t *px(const struct image *img, int x, int y)
{
    assert_true(x >= 0 && y >= 0 && x < img->w && y < img->h);
    return img->px + 4 * ((size_t)y * img->w + x);
}

static bool is_black(const uint8_t *p)
{
    return p[0] < 8 && p[1] < 8 && p[2] < 8;
}

/* The board (a page at AT_MS: a slide image under strokes, no black at
 * its corners) fills (x, y, w, h) of img, and the black canvas lies just
 * outside each corner. */
static void check_board(const struct image *img, int x, int y, int w, int h)
{
    const int cx[2] = {x, x + w - 1}, cy[2] = {y, y + h - 1};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            int ox = i ? cx[i] + 1 : cx[i] - 1, oy = j ? cy[j] + 1 : cy[j] - 1;
            bool in = !is_black(px(img, cx[i], cy[j])), out = is_black(px(img, ox, oy));
            if (!in || !out)
                fprintf(stderr, "board corner (%d, %d) / outside (%d, %d)\n", cx[i], cy[j], ox, oy);
            assert_true(in);
            assert_true(out);
        }
}

/* The camera users of replay.json in the order they first appear on the
 * timeline (earliest VideoPlayTime; ties: the order of VideoInfos). */
static size_t join_order(char users[][64], size_t cap)
{
    char *doc = NULL;
    size_t len = 0;
    assert_int_equal(sp_read_file(SOURCE, 16u << 20, &doc, &len), 0);
    cJSON *root = cJSON_ParseWithLength(doc, len);
    free(doc);
    assert_non_null(root);
    const cJSON *infos = cJSON_GetObjectItemCaseSensitive(root, "VideoInfos");
    double first[16];
    size_t n = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, infos)
    {
        const cJSON *uid = cJSON_GetObjectItemCaseSensitive(v, "UserId");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(v, "VideoType");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(v, "VideoPlayTime");
        assert_true(cJSON_IsString(uid) && cJSON_IsNumber(type) && cJSON_IsNumber(at));
        if (type->valuedouble != 0)
            continue; /* cameras only */
        size_t k = 0;
        while (k < n && strcmp(users[k], uid->valuestring))
            k++;
        if (k == n) {
            assert_true(n < cap && n < 16);
            snprintf(users[n], 64, "%s", uid->valuestring);
            first[n++] = at->valuedouble;
        } else if (at->valuedouble < first[k]) {
            first[k] = at->valuedouble;
        }
    }
    cJSON_Delete(root);
    /* stable insertion sort by first appearance */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && first[j] < first[j - 1]; j--) {
            double t = first[j];
            first[j] = first[j - 1];
            first[j - 1] = t;
            char u[64];
            memcpy(u, users[j], 64);
            memcpy(users[j], users[j - 1], 64);
            memcpy(users[j - 1], u, 64);
        }
    return n;
}

/* The four tiles expected: teacher first (NULL: none given), then the
 * other cameras in join order. */
static void expected_tiles(const char *teacher, char tiles[4][64])
{
    char users[16][64];
    size_t n = join_order(users, 16);
    assert_true(n >= 5); /* the class has more cameras than tiles */
    size_t t = 0;
    if (teacher)
        snprintf(tiles[t++], 64, "%s", teacher);
    for (size_t i = 0; i < n && t < 4; i++)
        if (!teacher || strcmp(users[i], teacher))
            snprintf(tiles[t++], 64, "%s", users[i]);
}

/* Each tile of img (model m, 1:1) shows the user expected there: it
 * matches that user's region of a custom layout made for the purpose
 * (four 320 x 240 regions in a row, one per expected user), and not the
 * region of the user in the next tile. */
static void check_tiles(const struct image *img, int m, const char tiles[4][64], const char *name)
{
    char path[4096], doc[4096];
    snprintf(path, sizeof(path), "%s/layout_%s_ref.json", SIGPLAY_TEST_TMP, name);
    snprintf(doc, sizeof(doc),
             "{\"Canvas\":{\"LayoutParams\":{\"Width\":1280,\"Height\":240}},\"InputStreamList\":["
             "{\"LayoutParams\":{\"X\":0,\"Width\":320,\"Height\":240},\"InputStreamId\":\"%s\"},"
             "{\"LayoutParams\":{\"X\":320,\"Width\":320,\"Height\":240},\"InputStreamId\":\"%s\"},"
             "{\"LayoutParams\":{\"X\":640,\"Width\":320,\"Height\":240},\"InputStreamId\":\"%s\"},"
             "{\"LayoutParams\":{\"X\":960,\"Width\":320,\"Height\":240},\"InputStreamId\":\"%s\"}"
             "]}",
             tiles[0], tiles[1], tiles[2], tiles[3]);
    write_text(path, doc);
    char ref_name[128];
    snprintf(ref_name, sizeof(ref_name), "%s_ref", name);
    struct image *ref = render(ref_name, path, "");
    for (int i = 0; i < 4; i++) {
        int tx = m == 1 ? 8 + 328 * i : 1296, ty = m == 1 ? 976 : 8 + 248 * i;
        char diff[4096];
        snprintf(diff, sizeof(diff), "%s/layout_%s_tile%d-diff.png", SIGPLAY_TEST_TMP, name, i);
        struct diffstat s = compare_block(img, tx, ty, ref, 320 * i, 0, 320, 240, NULL);
        fprintf(stderr, "%s: tile %d (%s): mean diff %.3f\n", name, i + 1, tiles[i], s.mean);
        if (!within(s))
            compare_block(img, tx, ty, ref, 320 * i, 0, 320, 240, diff);
        assert_true(within(s));
        /* negative control: not the next one's picture */
        struct diffstat o = compare_block(img, tx, ty, ref, 320 * ((i + 1) % 4), 0, 320, 240, NULL);
        assert_false(within(o));
    }
    image_free(ref);
}

/* ---- the cases ------------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    char cmd[8192];
    /* five cameras joining at 0, 2, 3, 4 and 4 s (the last two tie: list
     * order decides), small pictures to keep it quick */
    snprintf(cmd, sizeof(cmd),
             "rm -rf '%s' && '%s' -o '%s' --lanes 6 --duration-ms 10000 --size 320x180 -q",
             CLASS_DIR, SIGPLAY_MKCLASS, CLASS_DIR);
    int st = system(cmd);
    return st == 0 ? 0 : -1;
}

/* The request mkclass writes (MixStream ModelId 2, TeacherId teacher_01),
 * as the service would take it. */
static void test_model2_request(void **state)
{
    (void)state;
    struct image *img = render("model2", CLASS_DIR "/task-model2.json", "");
    assert_int_equal(img->w, 1624);
    assert_int_equal(img->h, 1000);
    check_board(img, 8, 8, 1280, 960);
    char tiles[4][64];
    expected_tiles("teacher_01", tiles);
    check_tiles(img, 2, tiles, "model2");
    check_golden(img, "model2");
    image_free(img);
}

/* ModelId 1 with a TeacherId who joined late: that camera takes tile 1,
 * the others follow in join order, beginning with the first to join. */
static void test_model1_teacher(void **state)
{
    (void)state;
    const char *path = SIGPLAY_TEST_TMP "/layout-task-model1.json";
    write_text(path,
               "{\"SdkAppId\":1400000000,\"OnlineRecordTaskId\":\"x\","
               "\"MixStream\":{\"Enabled\":true,\"ModelId\":1,\"TeacherId\":\"student_04\"}}");
    struct image *img = render("model1", path, "");
    assert_int_equal(img->w, 1320);
    assert_int_equal(img->h, 1224);
    check_board(img, 8, 8, 1280, 960);
    char tiles[4][64];
    expected_tiles("student_04", tiles);
    check_tiles(img, 1, tiles, "model1");
    check_golden(img, "model1");
    image_free(img);
}

/* --size scales the whole canvas: half size, the board at (4, 4, 640,
 * 480); the presets by name without a TeacherId (join order throughout).
 * A --size of another shape keeps the aspect (letterbox bars). */
static void test_scaled(void **state)
{
    (void)state;
    struct image *img = render("model2_half", CLASS_DIR "/task-model2.json", "--size 812x500");
    assert_int_equal(img->w, 812);
    assert_int_equal(img->h, 500);
    check_board(img, 4, 4, 640, 480);
    check_golden(img, "model2_half");
    image_free(img);

    img = render("model1_half", "model1", "--size 660x612");
    assert_int_equal(img->w, 660);
    assert_int_equal(img->h, 612);
    check_board(img, 4, 4, 640, 480);
    check_golden(img, "model1_half");
    /* the preset by name, 1:1, is the request without TeacherId: its tile 1
     * is the first camera to join */
    struct image *full = render("model1_name", "model1", "");
    assert_int_equal(full->w, 1320);
    assert_int_equal(full->h, 1224);
    char tiles[4][64];
    expected_tiles(NULL, tiles);
    check_tiles(full, 1, tiles, "model1_name");
    image_free(full);
    image_free(img);
}

/* Pixels of img's (x, y, w, h) that differ from its top-left one. */
static size_t varied(const struct image *img, int x, int y, int w, int h)
{
    const uint8_t *ref = px(img, x, y);
    size_t n = 0;
    for (int j = y; j < y + h; j++)
        for (int i = x; i < x + w; i++)
            n += memcmp(px(img, i, j), ref, 3) != 0;
    return n;
}

/* A layout that places tic_im_chat shows the chat without --chat (the
 * class itself does not ask for it); --no-chat still turns it off. */
static void test_chat_region(void **state)
{
    (void)state;
    const char *path = SIGPLAY_TEST_TMP "/layout-chat.json";
    write_text(path, "{\"MixStream\":{\"ModelId\":2,\"Custom\":{"
                     "\"Canvas\":{\"LayoutParams\":{\"Width\":640,\"Height\":360},"
                     "\"BackgroundColor\":\"#101010\"},\"InputStreamList\":["
                     "{\"LayoutParams\":{\"X\":0,\"Y\":0,\"Width\":400,\"Height\":300},"
                     "\"InputStreamId\":\"tic_record_user\"},"
                     "{\"LayoutParams\":{\"X\":400,\"Y\":0,\"Width\":240,\"Height\":360},"
                     "\"InputStreamId\":\"tic_im_chat\"}]}}}");
    struct image *on = render("chat_on", path, "");
    struct image *off = render("chat_off", path, "--no-chat");
    size_t v_on = varied(on, 400, 0, 240, 360), v_off = varied(off, 400, 0, 240, 360);
    fprintf(stderr, "chat region: %zu pixels vary without --chat, %zu with --no-chat\n", v_on,
            v_off);
    assert_int_equal(v_off, 0);         /* the region's background only */
    assert_true(v_on > 240 * 360 / 50); /* the panel: lines of text */
    image_free(on);
    image_free(off);
}

/* Bad layouts: one line naming the field, exit 2, nothing written. */
static void test_errors(void **state)
{
    (void)state;
    const char *bad = SIGPLAY_TEST_TMP "/layout-bad.json";
    const char *out = SIGPLAY_TEST_TMP "/layout_bad.png";
    const char *errf = SIGPLAY_TEST_TMP "/layout-stderr.txt";
    struct {
        const char *doc, *line;
    } cases[] = {
        {"{\"MixStream\":{\"ModelId\":3}}",
         "sigplay: error: layout-bad.json: MixStream.ModelId: 3 is not a layout this player "
         "knows (1 or 2, or give MixStream.Custom)\n"},
        {"{\"MixStream\":{\"Custom\":{\"InputStreamList\":[]}}}",
         "sigplay: error: layout-bad.json: MixStream.Custom.Canvas: missing\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_text(bad, cases[i].doc);
        remove(out);
        char args[8192];
        snprintf(args, sizeof(args), "'%s' render '%s' --at 0 --layout '%s' -o '%s'", SIGPLAY_BIN,
                 SOURCE, bad, out);
        assert_int_equal(run(args), 2);
        char *err = NULL;
        size_t len = 0;
        assert_int_equal(sp_read_file(errf, 1 << 20, &err, &len), 0);
        /* the class's own notes may come first; the layout's line is the
         * only error */
        const char *at = strstr(err, "error:");
        if (!at || strcmp(at - strlen("sigplay: "), cases[i].line) != 0)
            fprintf(stderr, "stderr:\n%s\nwant the last line:\n%s", err, cases[i].line);
        assert_non_null(at);
        assert_string_equal(at - strlen("sigplay: "), cases[i].line);
        free(err);
        FILE *f = fopen(out, "rb");
        assert_null(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model2_request), cmocka_unit_test(test_model1_teacher),
        cmocka_unit_test(test_scaled),         cmocka_unit_test(test_chat_region),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
