/* Tests for render/chat_panel: golden images of fixed scenes (Chinese,
 * English, emoji, images, a long message, names, a scrolled history, the
 * generated sample class) and the panel's behaviour: what is visible after
 * a seek, click-to-seek, scrollback and following, the height cache.
 *
 * Golden images live in tests/data/golden/chat_*.png. To regenerate them
 * after an intended change, run this test with SIGPLAY_UPDATE_GOLDEN=1
 * (e.g. `SIGPLAY_UPDATE_GOLDEN=1 ctest -R test_chat_panel`), LOOK at the new
 * PNGs, and commit them. Every render is also written to SIGPLAY_TEST_TMP
 * (chat_*.png, and chat_*-diff.png when a comparison fails).
 *
 * Needs fonts-dejavu-core, fonts-noto-cjk and fonts-noto-color-emoji
 * (scripts/deps.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im/chat.h"
#include "base/diag.h"
#include "player/recording/manifest.h"
#include "im/msgpage.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "player/recording/timeline.h"
#include "render/canvas.h"
#include "render/chat_panel.h"
#include "render/image.h"
#include "render/text.h"

#define W 360
#define H 480
#define T0 1700000000LL /* Unix s of the synthetic scenes' first message */

/* ---- building chats from IM pages --------------------------------------- */

struct pagebuf {
    cJSON *root, *list;
    int64_t seq;
};

static void page_begin(struct pagebuf *pb)
{
    pb->root = cJSON_CreateObject();
    cJSON_AddStringToObject(pb->root, "ActionStatus", "OK");
    cJSON_AddNumberToObject(pb->root, "ErrorCode", 0);
    cJSON_AddStringToObject(pb->root, "GroupId", "g1");
    cJSON_AddNumberToObject(pb->root, "IsFinished", 1);
    pb->list = cJSON_AddArrayToObject(pb->root, "RspMsgList");
    pb->seq = 100;
}

/* A message from `from` at T0 + s seconds; returns its MsgBody to fill. */
static cJSON *msg(struct pagebuf *pb, const char *from, int64_t s)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "From_Account", from);
    cJSON_AddNumberToObject(m, "MsgSeq", (double)pb->seq++);
    cJSON_AddNumberToObject(m, "MsgRandom", 1);
    cJSON_AddNumberToObject(m, "MsgTimeStamp", (double)(T0 + s));
    cJSON_AddNumberToObject(m, "IsPlaceMsg", 0);
    cJSON_AddItemToArray(pb->list, m);
    return cJSON_AddArrayToObject(m, "MsgBody");
}

static cJSON *elem(cJSON *body, const char *type)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "MsgType", type);
    cJSON_AddItemToArray(body, e);
    return cJSON_AddObjectToObject(e, "MsgContent");
}

static void text_el(cJSON *body, const char *text)
{
    cJSON_AddStringToObject(elem(body, "TIMTextElem"), "Text", text);
}

static void image_el(cJSON *body, const char *url, int w, int h)
{
    cJSON *c = elem(body, "TIMImageElem");
    cJSON_AddStringToObject(c, "UUID", "img");
    cJSON *arr = cJSON_AddArrayToObject(c, "ImageInfoArray");
    cJSON *info = cJSON_CreateObject();
    cJSON_AddNumberToObject(info, "Type", 3);
    if (w > 0) {
        cJSON_AddNumberToObject(info, "Width", w);
        cJSON_AddNumberToObject(info, "Height", h);
    }
    cJSON_AddStringToObject(info, "URL", url);
    cJSON_AddItemToArray(arr, info);
}

static void text_msg(struct pagebuf *pb, const char *from, int64_t s, const char *text)
{
    text_el(msg(pb, from, s), text);
}

/* Builds the chat; frees the page. */
static struct chat_log *page_chat(struct pagebuf *pb)
{
    char *json = cJSON_PrintUnformatted(pb->root);
    assert_non_null(json);
    cJSON_Delete(pb->root);
    struct msg_log *log = msg_log_create();
    struct diag_list d = {0};
    assert_int_equal(msg_log_add_json(log, json, strlen(json), "im/page.json", &d), 0);
    free(json);
    struct chat_log *chat = NULL;
    assert_int_equal(chat_log_build(log, &chat, &d), 0);
    diag_print(&d, stderr);
    diag_clear(&d);
    msg_log_destroy(&log); /* chat_item.page dangles; not used here */
    return chat;
}

/* ---- an image loader over local files ----------------------------------- */

#define MAX_IMAGES 8

struct loader {
    bool offline; /* answers NULL: images not fetched yet */
    int calls;
    char *url[MAX_IMAGES];
    struct image *img[MAX_IMAGES];
    int n;
};

/* file:// URLs and paths relative to the sample class. */
static struct image *load_image(void *ud, const char *url)
{
    struct loader *l = ud;
    l->calls++;
    if (l->offline)
        return NULL;
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->url[i], url) == 0)
            return l->img[i];
    if (l->n == MAX_IMAGES)
        return NULL;
    char path[4096];
    if (strncmp(url, "file://", 7) == 0)
        snprintf(path, sizeof(path), "%s", url + 7);
    else
        snprintf(path, sizeof(path), "%s/%s", SIGPLAY_SAMPLE_DIR, url);
    struct image *img = NULL;
    if (image_load_file(path, &img))
        return NULL;
    l->url[l->n] = strdup(url);
    l->img[l->n++] = img;
    return img;
}

static void loader_clear(struct loader *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->url[i]);
        image_free(l->img[i]);
    }
    l->n = 0;
}

/* Class time of the synthetic scenes: the class starts at T0. */
static int64_t class_time(void *ud, int64_t wall_us)
{
    (void)ud;
    return wall_us - T0 * 1000000;
}

/* ---- fixture -------------------------------------------------------------- */

struct fix {
    struct text_ctx *t;
    struct canvas *c;
    struct loader ld;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    if (!f || text_create(&f->t) || canvas_create(&f->c, W, H))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    loader_clear(&f->ld);
    text_destroy(&f->t);
    canvas_destroy(&f->c);
    free(f);
    return 0;
}

static struct chat_panel *panel(struct fix *f, const struct chat_log *chat)
{
    struct chat_panel_opts o = {.class_time = class_time, .image = load_image, .image_ud = &f->ld};
    struct chat_panel *p = NULL;
    assert_int_equal(chat_panel_create(f->t, chat, &o, &p), 0);
    return p;
}

static const struct canvas_rect FULL = {0, 0, W, H};

/* ---- golden comparison ---------------------------------------------------- */

/* Tolerances. The panel is mostly flat background with text. Between
 * FreeType releases (and hinting/LCD settings) glyph edges change coverage
 * by a few levels and sometimes a glyph's bitmap moves by one pixel; on our
 * scenes that costs a mean absolute difference well under 1 level and well
 * under 1% of pixels differing by more than MAX_DIFF_LEVEL. Real breakage
 * is far above: one missing message line moves ~2-4% of the pixels, a
 * layout shift of one line or a missing thumbnail moves 5-20%, and every
 * pixel of a wrong background moves the mean by > 10. The thresholds sit
 * between the two. */
#define MEAN_TOLERANCE 1.5  /* mean |a-b| over all RGB channels, 0..255 */
#define MAX_DIFF_LEVEL 64   /* a pixel "differs" above this in any channel */
#define DIFF_FRACTION 0.008 /* at most this fraction of pixels may differ */

struct diffstat {
    double mean;
    double frac;
};

static struct diffstat compare(const struct canvas *a, const struct image *b, struct canvas *diff)
{
    struct diffstat s = {0, 0};
    double sum = 0;
    size_t differ = 0;
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w; x++) {
            const uint8_t *pa = a->px + (size_t)y * a->stride + 4 * (size_t)x;
            const uint8_t *pb = b->px + ((size_t)y * b->w + x) * 4;
            int worst = 0;
            for (int k = 0; k < 3; k++) {
                int d = abs(pa[k] - pb[k]);
                sum += d;
                worst = d > worst ? d : worst;
            }
            differ += worst > MAX_DIFF_LEVEL;
            if (diff)
                canvas_fill_rect(
                    diff, (struct canvas_rect){x, y, 1, 1},
                    canvas_rgba((uint8_t)worst, worst > MAX_DIFF_LEVEL ? 0 : worst, 0, 255));
        }
    s.mean = sum / (3.0 * a->w * a->h);
    s.frac = (double)differ / ((double)a->w * a->h);
    return s;
}

/* Writes c to SIGPLAY_TEST_TMP/<name>.png and compares it with the golden
 * (or replaces the golden when SIGPLAY_UPDATE_GOLDEN=1). */
static void check_golden(const struct canvas *c, const char *name)
{
    char out[4096], golden[4096];
    snprintf(out, sizeof(out), "%s/%s.png", SIGPLAY_TEST_TMP, name);
    snprintf(golden, sizeof(golden), "%s/golden/%s.png", SIGPLAY_TEST_DATA, name);
    assert_int_equal(canvas_write_png(c, out), 0);
    const char *upd = getenv("SIGPLAY_UPDATE_GOLDEN");
    if (upd && strcmp(upd, "1") == 0) {
        assert_int_equal(canvas_write_png(c, golden), 0);
        fprintf(stderr, "updated %s\n", golden);
        return;
    }
    struct image *g = NULL;
    int ret = image_load_file(golden, &g);
    if (ret)
        fail_msg("%s: %s (run with SIGPLAY_UPDATE_GOLDEN=1 to create it)", golden,
                 sp_strerror(ret));
    assert_int_equal(g->w, c->w);
    assert_int_equal(g->h, c->h);
    struct canvas *diff = NULL;
    assert_int_equal(canvas_create(&diff, c->w, c->h), 0);
    struct diffstat s = compare(c, g, diff);
    fprintf(stderr, "%s: mean diff %.3f, differing %.4f%%\n", name, s.mean, 100 * s.frac);
    if (s.mean > MEAN_TOLERANCE || s.frac > DIFF_FRACTION) {
        snprintf(out, sizeof(out), "%s/%s-diff.png", SIGPLAY_TEST_TMP, name);
        canvas_write_png(diff, out);
    }
    canvas_destroy(&diff);
    image_free(g);
    assert_true(s.mean <= MEAN_TOLERANCE);
    assert_true(s.frac <= DIFF_FRACTION);
}

/* The comparison must notice a layout that is off by one text line. */
static void test_tolerance_catches_shift(void **state)
{
    struct fix *f = *state;
    struct pagebuf pb;
    page_begin(&pb);
    for (int i = 0; i < 30; i++)
        text_msg(&pb, i % 2 ? "alice" : "bob", i, "The quick brown fox jumps over the lazy dog");
    struct chat_log *chat = page_chat(&pb);
    struct chat_panel *p = panel(f, chat);
    chat_panel_set_time(p, (T0 + 100) * 1000000);
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    struct image ref = {.w = W, .h = H, .px = malloc((size_t)W * H * 4)};
    assert_non_null(ref.px);
    for (int y = 0; y < H; y++)
        memcpy(ref.px + (size_t)y * W * 4, f->c->px + (size_t)y * f->c->stride, (size_t)W * 4);
    chat_panel_scroll(p, 19); /* one body line */
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    struct diffstat s = compare(f->c, &ref, NULL);
    assert_true(s.mean > MEAN_TOLERANCE || s.frac > DIFF_FRACTION);
    free(ref.px);
    chat_panel_destroy(&p);
    chat_log_destroy(&chat);
}

/* ---- golden scenes -------------------------------------------------------- */

static char thumb_url[4200];
static char wide_url[4200];

static const char *sample_thumb(void)
{
    snprintf(thumb_url, sizeof(thumb_url), "file://%s/images/homework-thumb.jpg",
             SIGPLAY_SAMPLE_DIR);
    return thumb_url;
}

/* Chinese, English, emoji and an image in one view (also looked at by eye). */
static void test_golden_mixed(void **state)
{
    struct fix *f = *state;
    struct pagebuf pb;
    page_begin(&pb);
    text_msg(&pb, "teacher_01", 2, "大家好 👋 今天我们学习分数。请打开课本第 12 页，看第一道例题。");
    text_msg(&pb, "student_02", 9, "OK, got it!\tThe second example is about mixed numbers.");
    text_msg(&pb, "student_03", 15, "老师，1/2 + 1/3 = 5/6 对吗？🤔");
    cJSON *b = msg(&pb, "student_02", 21);
    text_el(b, "我的作业 📷");
    image_el(b, sample_thumb(), 200, 150);
    text_msg(&pb, "teacher_01", 75, "很好！👍 大家都做对了 🎉☕❤️");
    struct chat_log *chat = page_chat(&pb);
    struct chat_panel *p = panel(f, chat);
    chat_panel_set_time(p, (T0 + 80) * 1000000);
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    check_golden(f->c, "chat_mixed");
    /* the thumbnail is the decoded picture, not the placeholder box */
    assert_true(f->ld.n == 1);
    chat_panel_destroy(&p);
    chat_log_destroy(&chat);
}

/* A long message: cut with an ellipsis and "Show more"; then expanded. */
static void test_golden_long(void **state)
{
    struct fix *f = *state;
    struct pagebuf pb;
    page_begin(&pb);
    char *long_text = malloc(8192);
    assert_non_null(long_text);
    long_text[0] = '\0';
    for (int i = 0; i < 60; i++)
        strcat(long_text, i % 3 == 2 ? "这是一段很长的消息。" : "This is a long message. ");
    text_msg(&pb, "student_04", 30, "Before the long one");
    text_msg(&pb, "student_04", 31, long_text);
    free(long_text);
    struct chat_log *chat = page_chat(&pb);
    assert_true(chat->items[1].truncated);
    struct chat_panel *p = panel(f, chat);
    chat_panel_set_time(p, (T0 + 40) * 1000000);
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    check_golden(f->c, "chat_long");

    /* the "Show more" line is hit as such, and expands the item */
    int h0 = chat_panel_item_height(p, 1, W);
    struct chat_panel_hit hit;
    bool found = false;
    for (int y = 0; y < H && !found; y++)
        found = chat_panel_hit(p, 20, y, &hit) && hit.more;
    assert_true(found);
    assert_int_equal(hit.item, 1);
    chat_panel_toggle_more(p, hit.item);
    int h1 = chat_panel_item_height(p, 1, W);
    assert_true(h1 > h0);
    chat_panel_toggle_more(p, hit.item);
    assert_int_equal(chat_panel_item_height(p, 1, W), h0);
    chat_panel_destroy(&p);
    chat_log_destroy(&chat);
}

/* Sender colors and names (a name too long for the line is cut with an
 * ellipsis), a placeholder line, an image not fetched yet (a box of the
 * message's size), a time past one hour. */
static void test_golden_names(void **state)
{
    struct fix *f = *state;
    struct pagebuf pb;
    page_begin(&pb);
    const char *names[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
    for (int i = 0; i < 6; i++)
        text_msg(&pb, names[i], 60 * i, "hi 你好");
    text_msg(&pb, "a_student_with_a_really_very_long_account_name_that_does_not_fit", 400,
             "name cut");
    cJSON *b = msg(&pb, "bob", 3725);
    cJSON *c = elem(b, "TIMFileElem");
    cJSON_AddStringToObject(c, "FileName", "作业-第3题.pdf");
    cJSON_AddNumberToObject(c, "FileSize", 48213);
    cJSON_AddStringToObject(c, "Url", "files/x.pdf");
    image_el(msg(&pb, "carol", 3726), sample_thumb(), 200, 150);
    struct chat_log *chat = page_chat(&pb);
    struct chat_panel *p = panel(f, chat);
    f->ld.offline = true;
    chat_panel_set_time(p, (T0 + 4000) * 1000000);
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    check_golden(f->c, "chat_names");
    /* the box has the message's size: the image arriving changes no height */
    chat_panel_invalidate(p);
    int calls = f->ld.calls;
    int h = chat_panel_item_height(p, chat->count - 1, W);
    assert_int_equal(f->ld.calls, calls); /* measuring a sized image fetches nothing */
    f->ld.offline = false;
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    assert_int_equal(chat_panel_item_height(p, chat->count - 1, W), h);
    chat_panel_destroy(&p);
    chat_log_destroy(&chat);
}

/* Many messages, scrolled back by a few notches. */
static void test_golden_scrolled(void **state)
{
    struct fix *f = *state;
    struct pagebuf pb;
    page_begin(&pb);
    char line[128];
    for (int i = 0; i < 200; i++) {
        snprintf(line, sizeof(line), i % 4 == 1 ? "第 %d 条消息，继续。" : "message number %d", i);
        text_msg(&pb, i % 3 ? "student_02" : "teacher_01", 10 * i, line);
    }
    struct chat_log *chat = page_chat(&pb);
    struct chat_panel *p = panel(f, chat);
    chat_panel_set_time(p, (T0 + 2000) * 1000000);
    assert_int_equal(chat_panel_visible_count(p), 200);
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    chat_panel_scroll(p, 12 * chat_panel_line_step(p)); /* 4 wheel notches */
    assert_false(chat_panel_following(p));
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    check_golden(f->c, "chat_scrolled");
    chat_panel_destroy(&p);
    chat_log_destroy(&chat);
}

static int64_t tl_class_time(void *ud, int64_t wall_us)
{
    return tl_play_from_wall_us(ud, wall_us);
}

/* The generated sample class at 25 s of class time, through the real
 * manifest, timeline and IM pages; images relative to the class. */
static void test_golden_sample(void **state)
{
    struct fix *f = *state;
    char path[4096];
    char *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/replay.json", SIGPLAY_SAMPLE_DIR);
    assert_int_equal(sp_read_file(path, 1u << 20, &text, &len), 0);
    struct recording *rec = NULL;
    struct diag_list d = {0};
    assert_int_equal(manifest_parse(text, len, NULL, &d, &rec), 0);
    free(text);
    struct timeline *tl = NULL;
    assert_int_equal(tl_create(rec, &tl), 0);

    struct msg_log *log = msg_log_create();
    for (int i = 0;; i++) {
        snprintf(path, sizeof(path), "%s/im/messages-%03d.json", SIGPLAY_SAMPLE_DIR, i);
        if (sp_read_file(path, MSG_PAGE_MAX_BYTES, &text, &len))
            break;
        assert_int_equal(msg_log_add_json(log, text, len, "page", &d), 0);
        free(text);
    }
    struct chat_log *chat = NULL;
    assert_int_equal(chat_log_build(log, &chat, &d), 0);
    assert_true(chat->count > 5);

    struct chat_panel_opts o = {
        .class_time = tl_class_time, .class_time_ud = tl, .image = load_image, .image_ud = &f->ld};
    struct chat_panel *p = NULL;
    assert_int_equal(chat_panel_create(f->t, chat, &o, &p), 0);
    chat_panel_set_time(p, tl_wall_from_play_us(tl, 25000000));
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    check_golden(f->c, "chat_sample");
    chat_panel_destroy(&p);
    chat_log_destroy(&chat);
    msg_log_destroy(&log);
    tl_destroy(&tl);
    recording_free(rec);
    diag_clear(&d);
}

/* ---- behaviour ------------------------------------------------------------ */

static struct chat_log *numbered(int count, int step_s)
{
    struct pagebuf pb;
    page_begin(&pb);
    char line[96];
    for (int i = 0; i < count; i++) {
        snprintf(line, sizeof(line), i % 5 == 0 ? "消息 %d 比较长一些，会换行显示出来吧" : "msg %d",
                 i);
        text_msg(&pb, i % 2 ? "a" : "b", (int64_t)i * step_s, line);
    }
    return page_chat(&pb);
}

/* The item drawn lowest in the panel. */
static size_t bottom_item(struct chat_panel *p)
{
    struct chat_panel_hit hit;
    for (int y = H - 1; y >= 0; y--)
        if (chat_panel_hit(p, W / 2, y, &hit))
            return hit.item;
    fail_msg("no item drawn");
    return 0;
}

static void test_seek_shows_exactly_items_up_to_w(void **state)
{
    struct fix *f = *state;
    struct chat_log *chat = numbered(300, 7);
    struct chat_panel *p = panel(f, chat);
    uint64_t r = 12345;
    for (int k = 0; k < 60; k++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        int64_t w = T0 * 1000 - 5000 + (int64_t)(r >> 33) % (300 * 7000 + 10000);
        chat_panel_set_time(p, w * 1000);
        size_t n = chat_panel_visible_count(p);
        assert_int_equal(n, chat_visible_count(chat, w * 1000));
        assert_true(n == 0 || chat->items[n - 1].show_us <= w * 1000);
        assert_true(n == chat->count || chat->items[n].show_us > w * 1000);
        assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
        struct chat_panel_hit hit;
        if (n == 0) {
            assert_false(chat_panel_hit(p, W / 2, H / 2, &hit));
            continue;
        }
        assert_int_equal(bottom_item(p), n - 1); /* newest at the bottom */
    }
    chat_panel_destroy(&p);
    chat_log_destroy(&chat);
}

static void test_click_seeks_to_message(void **state)
{
    struct fix *f = *state;
    struct chat_log *chat = numbered(100, 10);
    struct chat_panel *p = panel(f, chat);
    chat_panel_set_time(p, (T0 + 2000) * 1000000);
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    struct chat_panel_hit hit;
    assert_true(chat_panel_hit(p, 30, H / 3, &hit));
    assert_true(hit.item < 99);
    assert_false(chat_panel_hit(p, W + 5, H / 3, &hit));
    assert_false(chat_panel_hit(p, -1, H / 3, &hit));
    chat_panel_set_time(p, hit.show_us);
    assert_int_equal(chat_panel_visible_count(p), hit.item + 1);
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    assert_int_equal(bottom_item(p), hit.item);
    chat_panel_destroy(&p);
    chat_log_destroy(&chat);
}

static void test_scrollback_and_follow(void **state)
{
    struct fix *f = *state;
    struct chat_log *chat = numbered(200, 10);
    struct chat_panel *p = panel(f, chat);
    chat_panel_set_time(p, (T0 + 1000) * 1000000); /* 101 items */
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    assert_true(chat_panel_following(p));
    chat_panel_scroll(p, 9 * chat_panel_line_step(p));
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    struct chat_panel_hit a, b;
    assert_true(chat_panel_hit(p, W / 2, H / 2, &a));
    assert_true(a.item < 100);
    /* a few new messages arrive: the view stays on the same ones */
    chat_panel_set_time(p, (T0 + 1050) * 1000000);
    assert_int_equal(chat_panel_visible_count(p), 106);
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    assert_true(chat_panel_hit(p, W / 2, H / 2, &b));
    assert_int_equal(a.item, b.item);
    assert_false(chat_panel_following(p));
    /* the "Newer messages" button sits at the bottom while scrolled back */
    struct chat_panel_hit pill = {0};
    for (int y = H - 1; y > H - 60 && !pill.newer; y--)
        assert_true(chat_panel_hit(p, W / 2, y, &pill) || y > H - 5);
    assert_true(pill.newer);
    /* scrolling down past the newest resumes following */
    chat_panel_scroll(p, -1e6);
    assert_true(chat_panel_following(p));
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    assert_int_equal(bottom_item(p), 105);
    assert_false(chat_panel_hit(p, W / 2, H - 12, &pill) && pill.newer);
    /* scrolling far back stops at the oldest, at the top */
    chat_panel_scroll(p, 1e9);
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    struct chat_panel_hit top;
    assert_true(chat_panel_hit(p, W / 2, 12, &top));
    assert_int_equal(top.item, 0);
    assert_false(chat_panel_following(p));
    /* a backward seek returns to following */
    chat_panel_set_time(p, (T0 + 500) * 1000000);
    assert_true(chat_panel_following(p));
    /* so does a big jump forward while scrolled back */
    chat_panel_scroll(p, 200);
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    assert_false(chat_panel_following(p));
    chat_panel_set_time(p, (T0 + 1990) * 1000000);
    assert_true(chat_panel_following(p));
    chat_panel_follow(p);
    assert_true(chat_panel_following(p));
    chat_panel_destroy(&p);
    chat_log_destroy(&chat);
}

/* Few messages start at the top; nothing visible draws just the background. */
static void test_few_and_none(void **state)
{
    struct fix *f = *state;
    struct chat_log *chat = numbered(3, 10);
    struct chat_panel *p = panel(f, chat);
    chat_panel_set_time(p, T0 * 1000000 - 1000);
    assert_int_equal(chat_panel_visible_count(p), 0);
    canvas_clear(f->c, canvas_rgba(255, 0, 0, 255));
    assert_int_equal(chat_panel_draw(p, f->c, (struct canvas_rect){10, 20, 100, 50}), 0);
    struct canvas_color bg = canvas_get(f->c, 50, 40);
    assert_true(bg.r < 64 && bg.g < 64);
    assert_int_equal(canvas_get(f->c, 5, 40).r, 255); /* outside the rect untouched */
    assert_int_equal(canvas_get(f->c, 50, 75).r, 255);
    chat_panel_set_time(p, (T0 + 100) * 1000000);
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    struct chat_panel_hit hit;
    assert_true(chat_panel_hit(p, W / 2, 12, &hit));
    assert_int_equal(hit.item, 0);
    assert_false(chat_panel_hit(p, W / 2, H - 5, &hit));
    /* a rect partly off the canvas, and a tiny one, are fine */
    assert_int_equal(chat_panel_draw(p, f->c, (struct canvas_rect){W - 50, -30, 300, 900}), 0);
    assert_int_equal(chat_panel_draw(p, f->c, (struct canvas_rect){0, 0, 5, 5}), 0);
    assert_int_equal(chat_panel_draw(p, f->c, (struct canvas_rect){W + 10, 0, 50, 50}), 0);
    struct chat_panel *bad = p;
    assert_int_equal(chat_panel_create(NULL, chat, NULL, &bad), SP_EINVAL);
    assert_null(bad);
    chat_panel_destroy(&p);
    assert_null(p);
    chat_panel_destroy(&p);
    chat_log_destroy(&chat);
}

/* Section 4's other messages: a recalled one is one grey line "<sender>
 * recalled a message" with no sender header and never its former content;
 * a system notice, a TXConferenceExt time sync and a file-borne board
 * batch change no pixel; a merged forward is a placeholder with its title. */
static cJSON *raw_msg(struct pagebuf *pb, const char *from, int64_t s, int place, int sys)
{
    cJSON *body = msg(pb, from, s);
    cJSON *m = cJSON_GetArrayItem(pb->list, cJSON_GetArraySize(pb->list) - 1);
    cJSON_ReplaceItemInObject(m, "IsPlaceMsg", cJSON_CreateNumber(place));
    if (sys)
        cJSON_AddNumberToObject(m, "IsSystemMsg", 1);
    return body;
}

static struct chat_log *special_chat(bool recalled, bool quiet_ones, bool relay)
{
    struct pagebuf pb;
    page_begin(&pb);
    text_msg(&pb, "teacher_01", 0, "Good morning");
    if (quiet_ones) {
        text_el(raw_msg(&pb, "@TIM#SYSTEM", 1, 0, 1), "student_02 joined the group");
        cJSON *c = elem(raw_msg(&pb, "teacher_01", 2, 0, 0), "TIMCustomElem");
        cJSON_AddStringToObject(c, "Data",
                                "{\"type\":1008,\"time_line\":12000,\"board_time\":1700000002000}");
        cJSON_AddStringToObject(c, "Ext", "TXConferenceExt");
        cJSON *f = elem(raw_msg(&pb, "teacher_01", 3, 0, 0), "TIMFileElem");
        cJSON_AddStringToObject(f, "Url", "board/batch-0001.json");
        cJSON_AddStringToObject(f, "FileName", "TXWhiteBoardExt");
        cJSON_AddNumberToObject(f, "FileSize", 70000);
    }
    if (recalled)
        text_el(raw_msg(&pb, "student_02", 4, 2, 0), "SECRET former content");
    if (relay) {
        cJSON *r = elem(raw_msg(&pb, "student_02", 5, 0, 0), "TIMRelayElem");
        cJSON_AddStringToObject(r, "Title", "Chat history of group 1234");
    }
    return page_chat(&pb);
}

static void test_recalled_system_conference_relay(void **state)
{
    struct fix *f = *state;
    struct chat_log *all = special_chat(true, true, true);
    assert_int_equal(all->count, 3);
    assert_string_equal(all->items[0].parts[0].text, "Good morning");
    assert_int_equal(all->items[1].part_count, 1);
    assert_int_equal(all->items[1].parts[0].kind, CHAT_PART_NOTICE);
    assert_string_equal(all->items[1].parts[0].text, "student_02 recalled a message");
    assert_int_equal(all->items[1].wall_us, (T0 + 4) * 1000000);
    assert_int_equal(all->items[2].parts[0].kind, CHAT_PART_PLACEHOLDER);
    assert_string_equal(all->items[2].parts[0].text,
                        "[merged messages] Chat history of group 1234");
    /* the notice survives the chat cache */
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(chat_log_serialize(all, &bytes, &len), 0);
    struct chat_log *back = NULL;
    assert_int_equal(chat_log_deserialize(bytes, len, &back, NULL), 0);
    assert_int_equal(back->items[1].parts[0].kind, CHAT_PART_NOTICE);
    free(bytes);
    chat_log_destroy(&back);
    chat_log_destroy(&all);

    /* system notice, time sync and file-borne batch: no pixel changes */
    struct chat_log *plain = special_chat(false, false, false);
    struct chat_log *quiet = special_chat(false, true, false);
    struct canvas *a = NULL, *b = NULL;
    assert_int_equal(canvas_create(&a, W, H), 0);
    assert_int_equal(canvas_create(&b, W, H), 0);
    struct chat_panel *pa = panel(f, plain), *pq = panel(f, quiet);
    chat_panel_set_time(pa, (T0 + 10) * 1000000);
    chat_panel_set_time(pq, (T0 + 10) * 1000000);
    assert_int_equal(chat_panel_draw(pa, a, FULL), 0);
    assert_int_equal(chat_panel_draw(pq, b, FULL), 0);
    assert_memory_equal(a->px, b->px, (size_t)a->stride * H);
    chat_panel_destroy(&pa);
    chat_panel_destroy(&pq);

    /* the recalled line: below the first message, only grey ink (no
       sender-coloured header, no white body text), and it appears at its
       time */
    struct chat_log *rec = special_chat(true, false, false);
    struct chat_panel *pr = panel(f, rec);
    chat_panel_set_time(pr, (T0 + 3) * 1000000);
    assert_int_equal(chat_panel_draw(pr, a, FULL), 0);
    chat_panel_set_time(pr, (T0 + 4) * 1000000);
    assert_int_equal(chat_panel_draw(pr, b, FULL), 0);
    int changed = 0, top = H, not_grey = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            struct canvas_color p = canvas_get(a, x, y), q = canvas_get(b, x, y);
            if (p.r == q.r && p.g == q.g && p.b == q.b)
                continue;
            changed++;
            if (y < top)
                top = y;
            /* grey text over the dark background: blue >= red, never
               brighter than the placeholder grey */
            if (q.b + 2 < q.r || q.r > 0xA8 + 3 || q.g > 0xAE + 3 || q.b > 0xBA + 3)
                not_grey++;
        }
    assert_true(changed > 50);
    assert_true(top > 12); /* under the first item */
    assert_int_equal(not_grey, 0);
    chat_panel_destroy(&pr);
    chat_log_destroy(&rec);
    canvas_destroy(&a);
    canvas_destroy(&b);
    chat_log_destroy(&plain);
    chat_log_destroy(&quiet);
}

/* Heights are cached: drawing again lays nothing out; a width change does. */
static void test_height_cache(void **state)
{
    struct fix *f = *state;
    struct chat_log *chat = numbered(2000, 1);
    struct chat_panel *p = panel(f, chat);
    chat_panel_set_time(p, (T0 + 1000) * 1000000);
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    int narrow0 = chat_panel_item_height(p, 1000, W); /* "消息 1000 ..." wraps */
    assert_true(narrow0 > 0);
    assert_int_equal(chat_panel_draw(p, f->c, (struct canvas_rect){0, 0, 150, H}), 0);
    int narrow = chat_panel_item_height(p, 1000, W);
    assert_true(narrow > narrow0);
    chat_panel_invalidate(p);
    assert_int_equal(chat_panel_item_height(p, 1000, W), narrow);
    assert_int_equal(chat_panel_item_height(p, 5000, W), -1);
    chat_panel_destroy(&p);
    chat_log_destroy(&chat);
}

/* An image without a size gets a guessed box until it arrives, then the
 * picture's aspect. */
static void test_image_without_size(void **state)
{
    struct fix *f = *state;
    struct canvas *wide = NULL;
    assert_int_equal(canvas_create(&wide, 300, 100), 0);
    canvas_clear(wide, canvas_rgba(200, 40, 40, 255));
    char path[4096];
    snprintf(path, sizeof(path), "%s/chat_panel_wide.png", SIGPLAY_TEST_TMP);
    assert_int_equal(canvas_write_png(wide, path), 0);
    canvas_destroy(&wide);
    snprintf(wide_url, sizeof(wide_url), "file://%s", path);

    struct pagebuf pb;
    page_begin(&pb);
    image_el(msg(&pb, "a", 1), wide_url, 0, 0);
    struct chat_log *chat = page_chat(&pb);
    struct chat_panel *p = panel(f, chat);
    chat_panel_set_time(p, (T0 + 5) * 1000000);
    f->ld.offline = true;
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    int guessed = chat_panel_item_height(p, 0, W);
    f->ld.offline = false;
    assert_int_equal(chat_panel_draw(p, f->c, FULL), 0);
    int real = chat_panel_item_height(p, 0, W);
    assert_int_equal(guessed - real, CHAT_PANEL_THUMB_H - 67); /* 200x67 for 300x100 */
    /* the picture is drawn: its red is in the panel */
    bool red = false;
    for (int y = 0; y < H && !red; y += 2)
        for (int x = 0; x < W && !red; x += 2) {
            struct canvas_color px = canvas_get(f->c, x, y);
            red = px.r > 180 && px.g < 60;
        }
    assert_true(red);
    chat_panel_destroy(&p);
    chat_log_destroy(&chat);
}

static void test_format_time(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        const char *s;
    } cases[] = {
        {0, "0:00"},          {999, "0:00"},
        {59999, "0:59"},      {61000, "1:01"},
        {3599999, "59:59"},   {3600000, "1:00:00"},
        {7322000, "2:02:02"}, {-5500, "-0:05"},
        {-61000, "-1:01"},    {INT64_MIN / 1000, "-2562047788:00:54"}, /* µs: INT64_MIN + 808 */
    };
    char buf[32];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        chat_panel_format_time(cases[i].ms * 1000, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].s);
    }
    chat_panel_format_time(INT64_MIN, buf, sizeof(buf)); /* no overflow at the end */
    assert_string_equal(buf, "-2562047788:00:54");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_time),
        cmocka_unit_test_setup_teardown(test_recalled_system_conference_relay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tolerance_catches_shift, setup, teardown),
        cmocka_unit_test_setup_teardown(test_golden_mixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_golden_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_golden_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_golden_scrolled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_golden_sample, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seek_shows_exactly_items_up_to_w, setup, teardown),
        cmocka_unit_test_setup_teardown(test_click_seeks_to_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scrollback_and_follow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_few_and_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_height_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_without_size, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
