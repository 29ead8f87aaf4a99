/* Tests for the drawing kept between frames: a chat panel that draws the
 * same thing again copies its last drawing (render/chat_panel.c). Whatever
 * changes what the panel shows (new messages, scrolling, a long message
 * expanded, an image arriving with the box size already known, a new
 * rectangle) must show exactly what a fresh panel draws: each step compares
 * a long-lived panel, drawn onto a canvas scribbled over in between (so
 * every pixel must come from the panel), with a new panel in the same state,
 * byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im/chat.h"
#include "base/diag.h"
#include "im/msgpage.h"
#include "render/canvas.h"
#include "render/chat_panel.h"
#include "render/image.h"
#include "render/text.h"

#define W 360
#define H 480
#define T0 1700000000LL /* Unix s of the first message */

static cJSON *msg(cJSON *list, int64_t *seq, const char *from, int64_t s)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "From_Account", from);
    cJSON_AddNumberToObject(m, "MsgSeq", (double)(*seq)++);
    cJSON_AddNumberToObject(m, "MsgRandom", 1);
    cJSON_AddNumberToObject(m, "MsgTimeStamp", (double)(T0 + s));
    cJSON_AddNumberToObject(m, "IsPlaceMsg", 0);
    cJSON_AddItemToArray(list, m);
    return cJSON_AddArrayToObject(m, "MsgBody");
}

static void text_el(cJSON *body, const char *text)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "MsgType", "TIMTextElem");
    cJSON_AddItemToArray(body, e);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "MsgContent"), "Text", text);
}

static void image_el(cJSON *body, const char *url, int w, int h)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "MsgType", "TIMImageElem");
    cJSON_AddItemToArray(body, e);
    cJSON *c = cJSON_AddObjectToObject(e, "MsgContent");
    cJSON_AddStringToObject(c, "UUID", "img");
    cJSON *arr = cJSON_AddArrayToObject(c, "ImageInfoArray");
    cJSON *info = cJSON_CreateObject();
    cJSON_AddNumberToObject(info, "Type", 3);
    cJSON_AddNumberToObject(info, "Width", w);
    cJSON_AddNumberToObject(info, "Height", h);
    cJSON_AddStringToObject(info, "URL", url);
    cJSON_AddItemToArray(arr, info);
}

/* Messages at 1..40 s: texts, an image (200 x 150 given) at 20 s, a long
 * text at 30 s. */
static struct chat_log *make_chat(void)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "ActionStatus", "OK");
    cJSON_AddNumberToObject(root, "ErrorCode", 0);
    cJSON_AddStringToObject(root, "GroupId", "g1");
    cJSON_AddNumberToObject(root, "IsFinished", 1);
    cJSON *list = cJSON_AddArrayToObject(root, "RspMsgList");
    int64_t seq = 100;
    char *long_text = calloc(1, 4096);
    assert_non_null(long_text);
    for (int i = 0; i < 60; i++)
        strcat(long_text, "This is a long message. ");
    for (int s = 1; s <= 40; s++) {
        char t[64];
        snprintf(t, sizeof(t), "message %d: hello everyone", s);
        cJSON *b = msg(list, &seq, s % 3 ? "alice" : "teacher_01", s);
        if (s == 20)
            image_el(b, "images/homework-thumb.jpg", 200, 150);
        else
            text_el(b, s == 30 ? long_text : t);
    }
    free(long_text);
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    assert_non_null(json);
    struct msg_log *log = msg_log_create();
    struct diag_list d = {0};
    assert_int_equal(msg_log_add_json(log, json, strlen(json), "im/page.json", &d), 0);
    free(json);
    struct chat_log *chat = NULL;
    assert_int_equal(chat_log_build(log, &chat, &d), 0);
    diag_clear(&d);
    msg_log_destroy(&log);
    return chat;
}

struct loader {
    bool offline; /* answers NULL: not fetched yet */
    struct image *img;
};

static struct image *load_image(void *ud, const char *url)
{
    struct loader *l = ud;
    if (l->offline)
        return NULL;
    if (!l->img) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", SIGPLAY_SAMPLE_DIR, url);
        assert_int_equal(image_load_file(path, &l->img), 0);
    }
    return l->img;
}

static int64_t class_time(void *ud, int64_t wall_us)
{
    (void)ud;
    return wall_us - T0 * 1000000;
}

struct state {
    struct text_ctx *t;
    struct chat_log *chat;
    struct loader ld;
    struct chat_panel *kept; /* the long-lived panel */
    struct canvas *a, *b;
    int64_t wall;
    double scroll;   /* scrolled by, since the last time change */
    size_t expanded; /* item expanded; SIZE_MAX none */
    struct canvas_rect rect;
};

static struct chat_panel *new_panel(struct state *s)
{
    struct chat_panel_opts o = {.class_time = class_time, .image = load_image, .image_ud = &s->ld};
    struct chat_panel *p = NULL;
    assert_int_equal(chat_panel_create(s->t, s->chat, &o, &p), 0);
    return p;
}

/* Draws the kept panel (twice: the second from its cache) over scribbles
 * and a fresh panel in the same state; the canvases must be equal, and so
 * must what a click hits. */
static void check_same(struct state *s, const char *what)
{
    for (int k = 0; k < 2; k++) {
        memset(s->a->px, 0x5A + 17 * k, (size_t)s->a->stride * s->a->h);
        assert_int_equal(chat_panel_draw(s->kept, s->a, s->rect), 0);
    }
    memset(s->b->px, 0x5A, (size_t)s->b->stride * s->b->h);
    struct chat_panel *p = new_panel(s);
    chat_panel_set_time(p, s->wall);
    assert_int_equal(chat_panel_draw(p, s->b, s->rect), 0);
    if (s->expanded != SIZE_MAX)
        chat_panel_toggle_more(p, s->expanded);
    if (s->scroll != 0) {
        chat_panel_scroll(p, s->scroll);
    }
    memset(s->b->px, 0x5A + 17, (size_t)s->b->stride * s->b->h);
    assert_int_equal(chat_panel_draw(p, s->b, s->rect), 0);
    if (memcmp(s->a->px, s->b->px, (size_t)s->a->stride * s->a->h) != 0)
        fail_msg("%s: the kept panel draws something else than a new one", what);
    for (int y = s->rect.y; y < s->rect.y + s->rect.h; y += 7) {
        struct chat_panel_hit ha, hb;
        bool a = chat_panel_hit(s->kept, s->rect.x + 20, y, &ha);
        bool b = chat_panel_hit(p, s->rect.x + 20, y, &hb);
        assert_int_equal(a, b);
        if (a) {
            assert_int_equal(ha.item, hb.item);
            assert_int_equal(ha.more, hb.more);
            assert_int_equal(ha.newer, hb.newer);
        }
    }
    chat_panel_destroy(&p);
}

static void test_kept_panel_equals_new(void **unused)
{
    (void)unused;
    struct state s = {.expanded = SIZE_MAX, .rect = {20, 10, 300, 440}};
    assert_int_equal(text_create(&s.t), 0);
    s.chat = make_chat();
    assert_int_equal(canvas_create(&s.a, W, H), 0);
    assert_int_equal(canvas_create(&s.b, W, H), 0);
    s.ld.offline = true;
    s.kept = new_panel(&s);

    s.wall = (T0 + 5) * 1000000;
    chat_panel_set_time(s.kept, s.wall);
    check_same(&s, "first messages");
    s.wall = (T0 + 6) * 1000000;
    chat_panel_set_time(s.kept, s.wall);
    check_same(&s, "a new message");
    s.wall = (T0 + 22) * 1000000; /* the image, not fetched yet */
    chat_panel_set_time(s.kept, s.wall);
    check_same(&s, "image placeholder");
    s.ld.offline = false; /* it arrives: same box, now the picture */
    check_same(&s, "image arrived");
    s.wall = (T0 + 31) * 1000000;
    chat_panel_set_time(s.kept, s.wall);
    check_same(&s, "long message, cut");
    struct chat_panel_hit h = {0};
    bool found = false;
    for (int y = s.rect.y; y < s.rect.y + s.rect.h && !found; y++)
        found = chat_panel_hit(s.kept, s.rect.x + 20, y, &h) && h.more;
    assert_true(found);
    chat_panel_toggle_more(s.kept, h.item);
    s.expanded = h.item;
    check_same(&s, "long message, expanded");
    s.scroll = 5 * chat_panel_line_step(s.kept);
    chat_panel_scroll(s.kept, s.scroll);
    check_same(&s, "scrolled back");
    s.rect = (struct canvas_rect){0, 0, 250, 480};
    check_same(&s, "another rectangle");

    chat_panel_destroy(&s.kept);
    image_free(s.ld.img);
    chat_log_destroy(&s.chat);
    canvas_destroy(&s.a);
    canvas_destroy(&s.b);
    text_destroy(&s.t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept_panel_equals_new),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
