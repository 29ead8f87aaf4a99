/* Tests for player/board/board: op parsing, the effect of every op, undo/redo across
 * users, ordering, lasers, pauses through the timeline, and seek equality
 * (snapshot + ops == continuous application) on a generated op stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board_gen.h"
#include "player/board/board.h"
#include "base/diag.h"
#include "player/recording/manifest.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"

/* ---- helpers ------------------------------------------------------------------ */

/* JSON written with ' for " (readable in C). Returns a static buffer. */
static const char *J(const char *s)
{
    static char buf[1 << 14];
    size_t n = strlen(s);
    assert_true(n < sizeof(buf));
    for (size_t i = 0; i <= n; i++)
        buf[i] = s[i] == '\'' ? '"' : s[i];
    return buf;
}

static int add(struct board_log *log, const char *ops_sq, int64_t seq, struct diag_list *d)
{
    char where[64];
    snprintf(where, sizeof(where), "im/messages-000.json: RspMsgList[%lld]", (long long)seq);
    const char *json = J(ops_sq);
    return board_log_add_batch(log, json, strlen(json), seq, where, d);
}

/* A player over one batch. */
static struct board_player *player1(const char *ops_sq, struct diag_list *d)
{
    struct board_log *log = board_log_create();
    assert_non_null(log);
    assert_int_equal(add(log, ops_sq, 1, d), 0);
    assert_int_equal(board_log_finish(log, d), 0);
    struct board_player *p = NULL;
    struct board_opts o = {4, 0}; /* tiny spacing: snapshots get exercised */
    assert_int_equal(board_player_create(&p, log, &o, d), 0);
    return p;
}

static const struct board_state *at(struct board_player *p, int64_t w)
{
    assert_int_equal(board_seek_us(p, w * 1000), 0);
    return board_player_state(p);
}

/* The shown element with this id on any page, or NULL. */
static const struct board_element *find(const struct board_state *s, const char *name)
{
    for (uint32_t i = 0; i < board_state_page_count(s); i++) {
        const struct board_page *pg = board_state_page(s, i);
        for (uint32_t k = 0; pg && k < board_page_slot_count(pg); k++) {
            const struct board_element *e = board_state_slot(s, pg, k);
            if (e && strcmp(e->name, name) == 0)
                return e;
        }
    }
    return NULL;
}

/* Shown element ids of the current page in z-order, space separated. */
static const char *zorder(const struct board_state *s)
{
    static char buf[1024];
    buf[0] = '\0';
    const struct board_page *pg = board_state_current(s);
    for (uint32_t k = 0; pg && k < board_page_slot_count(pg); k++) {
        const struct board_element *e = board_state_slot(s, pg, k);
        if (e) {
            if (buf[0])
                strcat(buf, " ");
            strcat(buf, e->name);
        }
    }
    return buf;
}

#define PAGE                                                                                       \
    "{'t':1000,'user':'T','op':'board.add','board':'p1','color':'#ffffff'},"                       \
    "{'t':1000,'user':'T','op':'board.switch','board':'p1'}"

#define STROKE(t, u, id)                                                                           \
    "{'t':" #t ",'user':'" u "','op':'stroke.begin','id':'" id "','board':'p1',"                   \
    "'tool':'pen','color':'#ff0000','width':4,'pts':[0,0,10,10]},"                                 \
    "{'t':" #t ",'user':'" u "','op':'stroke.end','id':'" id "'}"

/* ---- parsing ------------------------------------------------------------------ */

static void test_parse_fields_are_checked(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct board_log *log = board_log_create();
    assert_int_equal(add(log,
                         "{'v':1,'ops':["
                         "{'t':1,'user':'a','op':'board.add','board':'p1'},"
                         "{'t':2,'user':'a','op':'stroke.begin','id':'s1','board':'p1',"
                         "'tool':'pen','color':'red','width':2,'pts':[1,2]},"
                         "{'t':3,'user':'a','op':'stroke.begin','id':'s2','board':'p1',"
                         "'tool':'pen','color':'#ff0000','width':2,'pts':[1,2,3]},"
                         "{'t':'4','user':'a','op':'undo'},"
                         "{'t':5,'user':'a','op':'teleport'},"
                         "{'t':6,'op':'undo'},"
                         "{'t':7,'user':'a','op':'shape','id':'r','board':'p1','kind':'star',"
                         "'x1':0,'y1':0,'x2':1,'y2':1,'color':'#000000','width':1},"
                         "{'t':8,'user':'a','op':'move','ids':[],'dx':1,'dy':1},"
                         "{'t':9,'user':'a','op':'text','id':'x','board':'p1','x':0,'y':0,"
                         "'text':'hi','size':12,'color':'#00000080'}"
                         "]}",
                         7, &d),
                     0);
    assert_int_equal(board_log_op_count(log), 2); /* board.add and the text */
    assert_true(diag_contains(&d, "im/messages-000.json: RspMsgList[7]: Data.ops[1].color: "
                                  "expected #RRGGBB or #RRGGBBAA, got \"red\""));
    assert_true(diag_contains(&d, "Data.ops[2].pts: odd number of coordinates"));
    assert_true(diag_contains(&d, "Data.ops[3].t: expected number, got string"));
    assert_true(diag_contains(&d, "Data.ops[4].op: unknown operation \"teleport\""));
    assert_true(diag_contains(&d, "Data.ops[5].user: missing"));
    assert_true(diag_contains(&d, "Data.ops[6].kind: expected line, arrow, rect or ellipse"));
    assert_true(diag_contains(&d, "Data.ops[7].ids: empty"));
    assert_int_equal(d.warnings, 7);

    /* Whole-batch problems. */
    assert_int_equal(add(log, "{'v':2,'ops':[]}", 8, &d), SP_EUNSUPPORTED);
    assert_true(diag_contains(&d, "RspMsgList[8]: Data.v: unsupported version 2"));
    assert_int_equal(add(log, "{'v':1,'ops':[", 9, &d), SP_EPARSE);
    assert_true(diag_contains(&d, "RspMsgList[9]: Data: not valid JSON"));
    assert_int_equal(add(log, "[1]", 10, &d), SP_EPARSE);
    assert_int_equal(add(log, "{'v':1,'ops':{}}", 11, &d), SP_EPARSE);
    assert_true(diag_contains(&d, "RspMsgList[11]: Data.ops: expected array, got object"));
    /* a NUL in an op's string: the batch is skipped, the field named (cJSON
       would read the text "hi\u0000evil" as "hi") */
    size_t ops_before = board_log_op_count(log);
    assert_int_equal(add(log,
                         "{'v':1,'ops':[{'t':9,'user':'a','op':'text','id':'n','board':'p1',"
                         "'x':0,'y':0,'text':'hi\\u0000evil','size':12,'color':'#000000'}]}",
                         12, &d),
                     SP_EPARSE);
    assert_int_equal(board_log_op_count(log), ops_before);
    assert_true(diag_contains(&d, "RspMsgList[12]: Data.ops[0].text: a string holds a NUL "
                                  "character (\\u0000); the batch is skipped"));

    assert_int_equal(board_log_finish(log, &d), 0);
    assert_int_equal(add(log, "{'v':1,'ops':[]}", 12, &d), SP_EINVAL);
    struct board_player *p = NULL;
    assert_int_equal(board_player_create(&p, log, NULL, &d), 0);
    const struct board_state *s = at(p, 100);
    const struct board_page *pg = board_state_page(s, 0);
    assert_non_null(pg);
    assert_string_equal(pg->name, "p1");
    const struct board_element *x = find(s, "x");
    assert_non_null(x);
    assert_int_equal(x->color, 0x00000080);
    board_player_destroy(&p);
    assert_null(p);
    board_player_destroy(&p);
    diag_clear(&d);
}

static void test_unfinished_log_is_refused(void **state)
{
    (void)state;
    struct board_log *log = board_log_create();
    struct board_player *p = (struct board_player *)1;
    assert_int_equal(board_player_create(&p, log, NULL, NULL), SP_EINVAL); /* log freed */
    assert_null(p);
    board_log_free(NULL);
}

/* ---- pages ---------------------------------------------------------------------- */

static void test_pages(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct board_player *p =
        player1("{'v':1,'ops':["
                "{'t':1000,'user':'T','op':'board.add','board':'p1','color':'#ffffff'},"
                "{'t':2000,'user':'T','op':'board.add','board':'p2','image':'images/slide1.png',"
                "'fit':'cover'},"
                "{'t':3000,'user':'T','op':'board.switch','board':'p2'},"
                "{'t':4000,'user':'T','op':'board.bg','board':'p2','color':'#102030'},"
                "{'t':5000,'user':'T','op':'view','board':'p2','scale':2,'x':100,'y':50},"
                "{'t':6000,'user':'T','op':'board.switch','board':'p1'},"
                "{'t':7000,'user':'T','op':'board.remove','board':'p1'},"
                "{'t':8000,'user':'T','op':'board.switch','board':'p9'},"
                "{'t':9000,'user':'T','op':'board.add','board':'p2'}"
                "]}",
                &d);
    const struct board_state *s = at(p, 1500);
    assert_null(board_state_current(s)); /* added, not switched to: nothing shown */
    assert_non_null(board_state_page(s, 0));
    assert_true(board_state_page(s, 0)->bg.has_color);
    assert_int_equal(board_state_page(s, 0)->bg.color, 0xffffffff);
    s = at(p, 3000);
    const struct board_page *pg = board_state_current(s);
    assert_non_null(pg);
    assert_string_equal(pg->name, "p2");
    assert_string_equal(pg->bg.image, "images/slide1.png");
    assert_int_equal(pg->bg.fit, BOARD_FIT_COVER);
    assert_false(pg->bg.has_color);
    uint64_t v3 = pg->version;
    s = at(p, 4000);
    pg = board_state_current(s);
    assert_true(pg->bg.has_color);
    assert_int_equal(pg->bg.color, 0x102030ff);
    assert_null(pg->bg.image); /* board.bg replaces the whole background */
    assert_true(pg->version > v3);
    s = at(p, 5000);
    pg = board_state_current(s);
    assert_true(pg->view.scale == 2 && pg->view.x == 100 && pg->view.y == 50);
    s = at(p, 6500);
    assert_string_equal(board_state_current(s)->name, "p1");
    s = at(p, 7000);
    assert_null(board_state_current(s)); /* the shown page was removed */
    assert_null(board_state_page(s, 0));
    s = at(p, 10000);
    assert_null(board_state_current(s));
    assert_true(diag_contains(&d, "Data.ops[7] (board.switch): unknown board \"p9\" (skipped)"));
    assert_true(diag_contains(&d, "Data.ops[8] (board.add): board \"p2\" already exists"));
    assert_int_equal(d.warnings, 2);
    /* Back in time: everything as it was. */
    s = at(p, 3500);
    assert_string_equal(board_state_current(s)->name, "p2");
    assert_string_equal(board_state_current(s)->bg.image, "images/slide1.png");
    board_player_destroy(&p);
    diag_clear(&d);
}

/* ---- elements --------------------------------------------------------------------- */

static void test_stroke_in_progress(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct board_player *p = player1(
        "{'v':1,'ops':[" PAGE ","
        "{'t':2000,'user':'T','op':'stroke.begin','id':'s1','board':'p1','tool':'highlighter',"
        "'color':'#ffff0080','width':10,'pts':[10,20]},"
        "{'t':2100,'user':'T','op':'stroke.append','id':'s1','pts':[30,40,50,60]},"
        "{'t':2200,'user':'T','op':'stroke.append','id':'s1','pts':[70,10]},"
        "{'t':2300,'user':'T','op':'stroke.end','id':'s1'},"
        "{'t':2400,'user':'T','op':'stroke.append','id':'s1','pts':[1,1]},"
        "{'t':2500,'user':'T','op':'stroke.append','id':'nope','pts':[1,1]}"
        "]}",
        &d);
    const struct board_state *s = at(p, 1999);
    assert_null(find(s, "s1"));
    s = at(p, 2000);
    const struct board_element *e = find(s, "s1");
    assert_non_null(e);
    assert_int_equal(e->kind, BOARD_ELEM_STROKE);
    assert_int_equal(e->tool, BOARD_TOOL_HIGHLIGHTER);
    assert_int_equal(e->color, 0xffff0080);
    assert_false(e->finished);
    assert_int_equal(e->npts, 1);
    s = at(p, 2150);
    e = find(s, "s1");
    assert_int_equal(e->npts, 3);
    assert_false(e->finished);
    assert_true(e->pts[4] == 50 && e->pts[5] == 60);
    s = at(p, 2300);
    e = find(s, "s1");
    assert_int_equal(e->npts, 4);
    assert_true(e->finished);
    /* bbox: points 10..70 x 10..60, widened by half the width (5). */
    assert_true(e->bbox.x0 == 5 && e->bbox.y0 == 5 && e->bbox.x1 == 75 && e->bbox.y1 == 65);
    s = at(p, 9999);
    assert_int_equal(find(s, "s1")->npts, 4);
    assert_true(diag_contains(&d, "Data.ops[6] (stroke.append): stroke \"s1\" already ended"));
    assert_true(diag_contains(&d, "Data.ops[7] (stroke.append): unknown id \"nope\""));
    /* Seeking back into the stroke shows the prefix again. */
    s = at(p, 2100);
    assert_int_equal(find(s, "s1")->npts, 3);
    board_player_destroy(&p);
    diag_clear(&d);
}

static void test_shapes_and_text(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct board_player *p =
        player1("{'v':1,'ops':[" PAGE ","
                "{'t':2000,'user':'T','op':'shape','id':'l','board':'p1','kind':'line',"
                "'x1':0,'y1':0,'x2':100,'y2':50,'color':'#000000','width':2},"
                "{'t':2001,'user':'T','op':'shape','id':'a','board':'p1','kind':'arrow',"
                "'x1':100,'y1':100,'x2':0,'y2':0,'color':'#0000ff','width':3},"
                "{'t':2002,'user':'T','op':'shape','id':'r','board':'p1','kind':'rect',"
                "'x1':10,'y1':10,'x2':60,'y2':40,'color':'#000000','width':2,'fill':'#00ff0040'},"
                "{'t':2003,'user':'T','op':'shape','id':'e','board':'p1','kind':'ellipse',"
                "'x1':200,'y1':200,'x2':300,'y2':260,'color':'#ff0000','width':1},"
                "{'t':2004,'user':'T','op':'text','id':'t','board':'p1','x':5,'y':6,"
                "'text':'Hello\\nworld','size':20,'color':'#112233'},"
                "{'t':2005,'user':'T','op':'text','id':'t','board':'p1','x':0,'y':0,"
                "'text':'dup','size':20,'color':'#112233'},"
                "{'t':2006,'user':'T','op':'shape','id':'z','board':'nope','kind':'line',"
                "'x1':0,'y1':0,'x2':1,'y2':1,'color':'#000000','width':2}"
                "]}",
                &d);
    const struct board_state *s = at(p, 3000);
    assert_string_equal(zorder(s), "l a r e t");
    const struct board_element *e = find(s, "a");
    assert_int_equal(e->kind, BOARD_ELEM_ARROW);
    assert_true(e->x1 == 100 && e->x2 == 0);
    e = find(s, "r");
    assert_int_equal(e->kind, BOARD_ELEM_RECT);
    assert_true(e->has_fill);
    assert_int_equal(e->fill, 0x00ff0040);
    assert_false(find(s, "e")->has_fill);
    assert_int_equal(find(s, "e")->kind, BOARD_ELEM_ELLIPSE);
    e = find(s, "t");
    assert_int_equal(e->kind, BOARD_ELEM_TEXT);
    assert_string_equal(e->text, "Hello\nworld");
    assert_true(e->x1 == 5 && e->y1 == 6 && e->size == 20);
    assert_true(e->bbox.y1 - e->bbox.y0 == 50); /* two lines of 1.25 em */
    assert_true(diag_contains(&d, "Data.ops[7] (text): id \"t\" already used (skipped)"));
    assert_true(diag_contains(&d, "Data.ops[8] (shape): unknown board \"nope\" (skipped)"));
    assert_int_equal(d.warnings, 2);
    board_player_destroy(&p);
    diag_clear(&d);
}

static void test_move_erase_clear(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct board_player *p = player1(
        "{'v':1,'ops':[" PAGE "," STROKE(2000, "T", "s1") "," STROKE(2001, "T", "s2") "," STROKE(
            2002, "T",
            "s3") ","
                  "{'t':3000,'user':'T','op':'move','ids':['s1','s2','s1','ghost'],'dx':5,'dy':-2},"
                  "{'t':4000,'user':'T','op':'erase','ids':['s2']},"
                  "{'t':4500,'user':'T','op':'erase','ids':['s2']},"
                  "{'t':5000,'user':'T','op':'clear','board':'p1'},"
                  "{'t':6000,'user':'T','op':'move','ids':['s1'],'dx':1,'dy':1}," STROKE(7000, "T",
                                                                                         "s4") "]}",
        &d);
    const struct board_state *s = at(p, 2500);
    uint64_t v0 = board_state_current(s)->version;
    s = at(p, 3000);
    const struct board_element *e = find(s, "s1");
    assert_true(e->dx == 5 && e->dy == -2);           /* a repeated id moves once */
    assert_true(e->bbox.x0 == 3 && e->bbox.y0 == -4); /* 0 - 2 + 5, 0 - 2 - 2 */
    assert_true(find(s, "s2")->dx == 5);
    assert_true(find(s, "s3")->dx == 0);
    assert_true(board_state_current(s)->version > v0);
    assert_true(diag_contains(&d, "Data.ops[8] (move): 1 of 4 ids unknown or not shown, "
                                  "e.g. \"ghost\""));
    s = at(p, 4000);
    assert_string_equal(zorder(s), "s1 s3");
    assert_true(diag_contains(&d, "Data.ops[10] (erase): 1 of 1 ids unknown or not shown, "
                                  "e.g. \"s2\" (skipped)"));
    s = at(p, 5000);
    assert_string_equal(zorder(s), "");
    assert_true(diag_contains(&d, "Data.ops[12] (move): 1 of 1 ids unknown or not shown"));
    s = at(p, 7000);
    assert_string_equal(zorder(s), "s4");
    assert_int_equal(board_page_slot_count(board_state_current(s)), 4);
    board_player_destroy(&p);
    diag_clear(&d);
}

/* ---- undo / redo ------------------------------------------------------------------- */

static void test_undo_redo_across_users(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct board_player *p = player1(
        "{'v':1,'ops':[" PAGE "," STROKE(2000, "A", "a1") "," STROKE(2100, "B", "b1") "," STROKE(
            2200, "A",
            "a2") ","
                  "{'t':3000,'user':'A','op':'undo'}," /* a2 gone */
                  "{'t':3100,'user':'A','op':'undo'}," /* a1 gone, b1 stays */
                  "{'t':3200,'user':'B','op':'undo'}," /* b1 gone */
                  "{'t':3300,'user':'B','op':'undo'}," /* nothing left for B: warned */
                  "{'t':3400,'user':'A','op':'redo'}," /* a1 back */
                  "{'t':3500,'user':'B','op':'redo'}," /* b1 back */
                  "{'t':3600,'user':'A','op':'move','ids':['a1'],'dx':10,'dy':0}," /* clears A's
                                                                                      redo */
                  "{'t':3700,'user':'A','op':'redo'}," /* nothing: a2 stays undone */
                  "{'t':3800,'user':'A','op':'undo'}," /* the move */
                  "{'t':3900,'user':'A','op':'redo'}"  /* the move again */
                  "]}",
        &d);
    const struct board_state *s = at(p, 2999);
    assert_string_equal(zorder(s), "a1 b1 a2");
    assert_string_equal(zorder(at(p, 3000)), "a1 b1");
    assert_string_equal(zorder(at(p, 3100)), "b1");
    assert_string_equal(zorder(at(p, 3200)), "");
    assert_true(diag_contains(&d, "Data.ops[11] (undo): nothing to undo for user \"B\""));
    assert_string_equal(zorder(at(p, 3400)), "a1");
    assert_string_equal(zorder(at(p, 3500)), "a1 b1"); /* z-order kept */
    assert_true(find(at(p, 3600), "a1")->dx == 10);
    assert_string_equal(zorder(at(p, 3700)), "a1 b1");
    assert_true(diag_contains(&d, "Data.ops[15] (redo): nothing to redo for user \"A\""));
    assert_true(find(at(p, 3800), "a1")->dx == 0);
    assert_true(find(at(p, 3900), "a1")->dx == 10);
    assert_int_equal(d.warnings, 2);
    board_player_destroy(&p);
    diag_clear(&d);
}

static void test_erase_of_undone_element(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct board_player *p =
        player1("{'v':1,'ops':[" PAGE "," STROKE(2000, "A", "a1") "," STROKE(
                    2100, "A",
                    "a2") ","
                          "{'t':3000,'user':'A','op':'undo'},"               /* a2 undone */
                          "{'t':3100,'user':'B','op':'erase','ids':['a2']}," /* warned, skipped */
                          "{'t':3200,'user':'B','op':'undo'}," /* B has nothing (erase skipped) */
                          "{'t':3300,'user':'A','op':'redo'}," /* a2 back */
                          "{'t':3400,'user':'B','op':'erase','ids':['a1','a2']},"
                          "{'t':3500,'user':'A','op':'undo'}," /* undo the add of a2: already
                                                                  erased, no-op */
                          "{'t':3600,'user':'B','op':'undo'}," /* erase undone: a1 back, a2 back */
                          "{'t':3700,'user':'A','op':'redo'}" /* A's no-op entry: changes nothing */
                          "]}",
                &d);
    assert_string_equal(zorder(at(p, 3100)), "a1");
    assert_true(diag_contains(&d, "Data.ops[7] (erase): 1 of 1 ids unknown or not shown, "
                                  "e.g. \"a2\" (skipped)"));
    assert_true(diag_contains(&d, "Data.ops[8] (undo): nothing to undo for user \"B\""));
    assert_string_equal(zorder(at(p, 3300)), "a1 a2");
    assert_string_equal(zorder(at(p, 3400)), "");
    assert_string_equal(zorder(at(p, 3500)), "");
    assert_string_equal(zorder(at(p, 3600)), "a1 a2");
    assert_string_equal(zorder(at(p, 3700)), "a1 a2");
    board_player_destroy(&p);
    diag_clear(&d);
}

static void test_clear_then_undo(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct board_player *p = player1(
        "{'v':1,'ops':[" PAGE "," STROKE(2000, "A", "a1") "," STROKE(2100, "B", "b1") "," STROKE(
            2200, "A",
            "a2") ","
                  "{'t':2300,'user':'A','op':'undo'}," /* a2 undone before the clear */
                  "{'t':3000,'user':'B','op':'clear','board':'p1'}," STROKE(
                      3100, "A",
                      "a3") ","                                  /* drawn after the clear */
                            "{'t':3200,'user':'B','op':'undo'}," /* the clear: a1 b1 back */
                            "{'t':3300,'user':'B','op':'redo'}," /* cleared again, a3 stays */
                            "{'t':3400,'user':'B','op':'undo'}"
                            "]}",
        &d);
    assert_string_equal(zorder(at(p, 2300)), "a1 b1");
    assert_string_equal(zorder(at(p, 3000)), "");
    assert_string_equal(zorder(at(p, 3100)), "a3");
    /* Restored under a3 (original z-order); a2 stays undone. */
    assert_string_equal(zorder(at(p, 3200)), "a1 b1 a3");
    assert_string_equal(zorder(at(p, 3300)), "a3");
    assert_string_equal(zorder(at(p, 3400)), "a1 b1 a3");
    assert_int_equal(d.warnings, 0);
    board_player_destroy(&p);
    diag_clear(&d);
}

static void test_undo_of_stroke_in_progress(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct board_player *p =
        player1("{'v':1,'ops':[" PAGE ","
                "{'t':2000,'user':'A','op':'stroke.begin','id':'s','board':'p1','tool':'pen',"
                "'color':'#000000','width':1,'pts':[0,0]},"
                "{'t':2100,'user':'A','op':'undo'},"
                "{'t':2200,'user':'A','op':'stroke.append','id':'s','pts':[5,5]},"
                "{'t':2300,'user':'A','op':'stroke.end','id':'s'},"
                "{'t':2400,'user':'A','op':'redo'}"
                "]}",
                &d);
    assert_non_null(find(at(p, 2000), "s"));
    assert_null(find(at(p, 2300), "s"));
    const struct board_element *e = find(at(p, 2400), "s");
    assert_non_null(e); /* hidden strokes still take their author's points */
    assert_int_equal(e->npts, 2);
    assert_true(e->finished);
    assert_int_equal(d.warnings, 0);
    board_player_destroy(&p);
    diag_clear(&d);
}

/* ---- time: order, lasers, pauses ----------------------------------------------- */

static void test_order_by_time_then_seq_then_position(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct board_log *log = board_log_create();
    /* Batches arrive out of order; ties in t are broken by MsgSeq, then by
     * the position inside the batch. */
    assert_int_equal(
        add(log,
            "{'v':1,'ops':[" STROKE(
                2000, "A", "late") ","
                                   "{'t':1500,'user':'A','op':'shape','id':'x','board':'p1',"
                                   "'kind':'line','x1':0,'y1':0,'x2':1,'y2':1,'color':'#000000',"
                                   "'width':1}]}",
            20, &d),
        0);
    assert_int_equal(
        add(log, "{'v':1,'ops':[" STROKE(1500, "B", "b") "," STROKE(1500, "B", "c") "]}", 10, &d),
        0);
    assert_int_equal(add(log, "{'v':1,'ops':[" PAGE "]}", 30, &d), 0);
    assert_int_equal(board_log_finish(log, &d), 0);
    assert_int_equal(board_log_first_time_us(log), 1000000);
    assert_int_equal(board_log_last_time_us(log), 2000000);
    /* µs at the API, whole ms inside: w_us reaches the ops with t_ms * 1000 <= w_us */
    assert_int_equal(board_log_ops_until_us(log, 999999), 0);
    assert_true(board_log_ops_until_us(log, 1000000) > 0);
    assert_true(board_log_ops_until_us(log, 1000999) == board_log_ops_until_us(log, 1000000));
    assert_int_equal(board_log_ops_until_us(log, -1), 0);
    assert_true(board_log_next_op_time_us(log, -1) == 1000000);
    assert_true(board_log_next_op_time_us(log, 999999) == 1000000);
    assert_true(board_log_next_op_time_us(log, 1999999) == 2000000);
    assert_true(board_log_next_op_time_us(log, 2000000) == INT64_MAX);
    assert_true(board_log_next_op_time_us(log, INT64_MAX) == INT64_MAX);
    assert_true(sp_floor_ms(-1) == -1 && sp_floor_ms(-1000) == -1);
    assert_true(sp_floor_ms(-1001) == -2 && sp_floor_ms(999) == 0);
    assert_true(sp_floor_ms(INT64_MIN) == INT64_MIN / 1000 - 1);
    struct board_player *p = NULL;
    assert_int_equal(board_player_create(&p, log, NULL, &d), 0);
    assert_string_equal(zorder(at(p, 1500)), "b c x");
    assert_string_equal(zorder(at(p, 5000)), "b c x late");
    assert_int_equal(d.warnings, 0);
    board_player_destroy(&p);
    diag_clear(&d);
}

static void test_laser_one_second(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct board_player *p =
        player1("{'v':1,'ops':[" PAGE ","
                "{'t':2000,'user':'T','op':'laser','board':'p1','x':10,'y':20},"
                "{'t':2500,'user':'T','op':'laser','board':'p1','x':30,'y':40},"
                "{'t':2600,'user':'T','op':'laser','board':'zz','x':30,'y':40}"
                "]}",
                &d);
    struct board_laser l[8];
    assert_int_equal(board_state_lasers(at(p, 1999), l, 8), 0);
    assert_int_equal(board_state_lasers(at(p, 2000), l, 8), 1);
    assert_true(l[0].t_us == 2000000 && l[0].x == 10 && l[0].y == 20 && l[0].page == 0);
    assert_int_equal(board_state_lasers(at(p, 2999), l, 8), 2);
    assert_true(l[0].t_us == 2000000 && l[1].t_us == 2500000);  /* oldest first */
    assert_int_equal(board_state_lasers(at(p, 3000), l, 8), 1); /* 1 s later: gone */
    assert_int_equal(board_state_lasers(at(p, 3499), l, 8), 1);
    assert_int_equal(board_state_lasers(at(p, 3500), l, 8), 0);
    assert_true(diag_contains(&d, "(laser): unknown board \"zz\""));
    board_player_destroy(&p);
    diag_clear(&d);
}

/* The state's time and the ops' times in µs at the API, whole ms inside:
 * the empty board's INT64_MIN and seeks to the far ends of int64 saturate
 * instead of overflowing (UBSan would stop here), and never pass w_us. */
static void test_state_time_us_ends(void **state)
{
    (void)state;
    assert_true(sp_ms_to_us(INT64_MIN) == INT64_MIN && sp_ms_to_us(INT64_MAX) == INT64_MAX);
    assert_true(sp_ms_to_us(-1) == -1000 &&
                sp_ms_to_us(INT64_MAX / 1000) == INT64_MAX / 1000 * 1000);
    assert_true(sp_ms_to_us(INT64_MIN / 1000 - 1) == INT64_MIN);
    struct diag_list d;
    diag_init(&d);
    struct board_player *p = player1(
        "{'v':1,'ops':[" PAGE ",{'t':2000,'user':'T','op':'laser','board':'p1','x':1,'y':2}]}", &d);
    assert_true(board_state_time_us(NULL) == 0);
    assert_true(board_state_time_us(board_player_state(p)) == INT64_MIN); /* not yet sought */
    /* a seek to w shows its whole ms, in µs, saturated at the int64 ends */
    static const struct {
        int64_t w, want;
    } c[] = {
        {INT64_MIN, INT64_MIN},
        {INT64_MIN + 1, INT64_MIN},
        {-1001, -2000},
        {-1000, -1000},
        {-1, -1000},
        {0, 0},
        {999, 0},
        {1000, 1000},
        {1999999, 1999000},
        {2000000, 2000000},
        {2000999, 2000000},
        {INT64_MAX - 1, INT64_MAX / 1000 * 1000},
        {INT64_MAX, INT64_MAX / 1000 * 1000},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        assert_int_equal(board_seek_us(p, c[i].w), 0);
        int64_t got = board_state_time_us(board_player_state(p));
        if (got != c[i].want || got > c[i].w)
            fail_msg("seek to %lld: time %lld, expected %lld", (long long)c[i].w, (long long)got,
                     (long long)c[i].want);
        struct board_state *st = NULL;
        assert_int_equal(board_player_state_at_us(p, c[i].w, &st), 0);
        assert_true(board_state_time_us(st) == c[i].want);
        board_state_free(&st);
    }
    struct board_laser l[2];
    assert_int_equal(board_state_lasers(at(p, 2999), l, 2), 1);
    assert_true(l[0].t_us == 2000000);
    assert_true(board_state_time_us(board_player_state(p)) - l[0].t_us < BOARD_LASER_US);
    const struct board_log *log = board_player_log(p);
    struct board_op_info oi;
    assert_int_equal(board_log_op_info(log, board_log_op_count(log) - 1, &oi), 0);
    assert_true(oi.t_us == 2000000 && oi.kind == BOARD_OP_LASER);
    board_player_destroy(&p);
    diag_clear(&d);
}

/* Ops drawn during a pause appear at the pause's VideoTime: the timeline maps
 * VideoTime to the wall time after the pause. */
static void test_pause_ops_appear_at_video_time(void **state)
{
    (void)state;
    /* RecordStartTime 1700000000 s; a 20 s pause at VideoTime 30000 (wall
     * 1700000030000 .. 1700000050000). */
    const char *manifest =
        J("{'RoomId':1,'RecordStartTime':1700000000,'RecordStopTime':1700000080,"
          "'TotalTime':60000,'OmittedDurations':[{'VideoTime':30000,'PauseTime':1700000030000,"
          "'ResumeTime':1700000050000}],'VideoInfos':[]}");
    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    assert_int_equal(manifest_parse(manifest, strlen(manifest), NULL, &d, &rec), 0);
    struct timeline *tl = NULL;
    assert_int_equal(tl_create(rec, &tl), 0);
    struct board_player *p = player1(
        "{'v':1,'ops':["
        "{'t':1700000001000,'user':'T','op':'board.add','board':'p1'},"
        "{'t':1700000001000,'user':'T','op':'board.switch','board':'p1'},"
        "{'t':1700000029000,'user':'T','op':'shape','id':'before','board':'p1','kind':'line',"
        "'x1':0,'y1':0,'x2':1,'y2':1,'color':'#000000','width':1},"
        "{'t':1700000040000,'user':'T','op':'shape','id':'during','board':'p1','kind':'line',"
        "'x1':0,'y1':0,'x2':1,'y2':1,'color':'#000000','width':1},"
        "{'t':1700000051000,'user':'T','op':'shape','id':'after','board':'p1','kind':'line',"
        "'x1':0,'y1':0,'x2':1,'y2':1,'color':'#000000','width':1}"
        "]}",
        &d);
    assert_string_equal(zorder(at(p, tl_wall_from_play_us(tl, 29999 * 1000LL) / 1000)), "before");
    assert_string_equal(zorder(at(p, tl_wall_from_play_us(tl, 30000 * 1000LL) / 1000)),
                        "before during");
    assert_string_equal(zorder(at(p, tl_wall_from_play_us(tl, 30999 * 1000LL) / 1000)),
                        "before during");
    assert_string_equal(zorder(at(p, tl_wall_from_play_us(tl, 31000 * 1000LL) / 1000)),
                        "before during after");
    /* Seeking back to just before the pause hides the pause's drawing again. */
    assert_string_equal(zorder(at(p, tl_wall_from_play_us(tl, 29999 * 1000LL) / 1000)), "before");
    board_player_destroy(&p);
    tl_destroy(&tl);
    recording_free(rec);
    diag_clear(&d);
}

/* Caps: an op with too many points is skipped; a stroke stops growing at
 * BOARD_MAX_STROKE_POINTS; a batch over BOARD_MAX_BATCH_BYTES is refused. */
static void test_caps(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct board_log *log = board_log_create();
    assert_int_equal(add(log,
                         "{'v':1,'ops':[" PAGE ","
                         "{'t':2000,'user':'T','op':'stroke.begin','id':'s','board':'p1',"
                         "'tool':'pen','color':'#000000','width':1,'pts':[0,0]}]}",
                         1, &d),
                     0);
    /* Appends of BOARD_MAX_OP_POINTS points each until the stroke is full. */
    size_t cap = 64 + (size_t)BOARD_MAX_OP_POINTS * 2 * 4 + 64;
    char *big = malloc(cap);
    assert_non_null(big);
    int appends = BOARD_MAX_STROKE_POINTS / BOARD_MAX_OP_POINTS;
    for (int i = 0; i <= appends; i++) {
        size_t n = (size_t)snprintf(big, cap,
                                    "{\"v\":1,\"ops\":[{\"t\":%d,\"user\":\"T\","
                                    "\"op\":\"stroke.append\",\"id\":\"s\",\"pts\":[",
                                    2001 + i);
        for (int k = 0; k < BOARD_MAX_OP_POINTS; k++)
            n += (size_t)snprintf(big + n, cap - n, "%s1,2", k ? "," : "");
        n += (size_t)snprintf(big + n, cap - n, "]}]}");
        assert_int_equal(board_log_add_batch(log, big, n, 10 + i, "big", &d), 0);
    }
    /* One point too many in a single op. */
    size_t n = (size_t)snprintf(big, cap,
                                "{\"v\":1,\"ops\":[{\"t\":3000,\"user\":\"T\","
                                "\"op\":\"stroke.append\",\"id\":\"s\",\"pts\":[1,2");
    for (int k = 0; k < BOARD_MAX_OP_POINTS; k++)
        n += (size_t)snprintf(big + n, cap - n, ",1,2");
    n += (size_t)snprintf(big + n, cap - n, "]}]}");
    assert_int_equal(board_log_add_batch(log, big, n, 100, "huge", &d), 0);
    assert_true(diag_contains(&d, "huge: Data.ops[0].pts: more than BOARD_MAX_OP_POINTS points"));
    free(big);
    assert_int_equal(board_log_add_batch(log, "{}", BOARD_MAX_BATCH_BYTES + 1, 101, "toobig", &d),
                     SP_ELIMIT);
    assert_true(diag_contains(&d, "toobig: Data: batch of"));
    assert_int_equal(board_log_finish(log, &d), 0);
    struct board_player *p = NULL;
    assert_int_equal(board_player_create(&p, log, NULL, &d), 0);
    const struct board_element *e = find(at(p, 5000), "s");
    assert_non_null(e);
    /* 1 + appends * BOARD_MAX_OP_POINTS would pass the cap: the last append is skipped. */
    assert_int_equal(e->npts, 1 + (appends - 1) * BOARD_MAX_OP_POINTS);
    assert_true(diag_contains(&d, "exceeds BOARD_MAX_STROKE_POINTS"));
    board_player_destroy(&p);
    diag_clear(&d);
}

/* ---- seek equality ------------------------------------------------------------------ */

static struct board_log *generated_log(uint64_t seed, size_t target_ops, struct diag_list *d)
{
    struct board_log *log = board_log_create();
    struct bgen g;
    bgen_init(&g, seed, 1700000000000LL, 40);
    int64_t seq = 1;
    size_t n = 0;
    while (n < target_ops) {
        int64_t bt;
        int u;
        n += (size_t)bgen_batch(&g, 8, &bt, &u);
        char where[64];
        snprintf(where, sizeof(where), "gen: batch %lld", (long long)seq);
        assert_int_equal(board_log_add_batch(log, g.buf, g.len, seq++, where, d), 0);
    }
    bgen_free(&g);
    assert_int_equal(board_log_finish(log, d), 0);
    assert_int_equal(board_log_op_count(log), n); /* the generator writes only valid ops */
    return log;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void check_seek_equality(uint64_t seed, size_t nops)
{
    struct diag_list d;
    diag_init(&d);
    struct board_player *snap = NULL, *cont = NULL;
    struct board_opts so = {300, 5000000};
    struct board_opts none = {0, 0};
    assert_int_equal(board_player_create(&snap, generated_log(seed, nops, &d), &so, &d), 0);
    size_t warnings = d.warnings;
    assert_true(warnings > 0); /* ghost ids, undo with nothing to undo, removed pages */
    assert_int_equal(board_player_create(&cont, generated_log(seed, nops, NULL), &none, NULL), 0);
    struct board_stats st;
    board_player_stats(snap, &st);
    assert_true(st.snapshots > nops / 400); /* by op count at least */

    const struct board_log *log = board_player_log(snap);
    int64_t t0 = board_log_first_time_us(log) / 1000 - 500,
            t1 = board_log_last_time_us(log) / 1000 + 1500;
    enum { N = 100 };
    int64_t times[N], sorted[N];
    uint64_t hash[N];
    uint64_t rng = seed + 7;
    for (int i = 0; i < N; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        times[i] = t0 + (int64_t)((rng >> 20) % (uint64_t)(t1 - t0));
        sorted[i] = times[i];
    }
    qsort(sorted, N, sizeof(int64_t), cmp_i64);
    /* Continuous application: one pass forward, no snapshots. */
    for (int i = 0; i < N; i++) {
        assert_int_equal(board_seek_us(cont, sorted[i] * 1000), 0);
        hash[i] = board_state_hash(board_player_state(cont));
    }
    board_player_stats(cont, &st);
    /* Without snapshots, playing forward applies every op at most once. */
    assert_true(st.ops_applied <= board_log_op_count(board_player_log(cont)));
    /* Random-order seeks with snapshots give the same states. */
    size_t distinct = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(board_seek_us(snap, times[i] * 1000), 0);
        uint64_t h = board_state_hash(board_player_state(snap));
        int k = 0;
        while (sorted[k] != times[i])
            k++;
        if (h != hash[k]) {
            fprintf(stderr, "seek to %lld differs from continuous playback\n", (long long)times[i]);
            board_seek_us(cont, times[i] * 1000);
            board_state_dump(board_player_state(cont), stderr);
            board_state_dump(board_player_state(snap), stderr);
        }
        assert_true(h == hash[k]);
        if (i && hash[k] != hash[0])
            distinct++;
    }
    assert_true(distinct > N / 2); /* the times really show different boards */
    /* And the baseline (replay from the empty board) agrees. */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(board_seek_from_start_us(snap, times[i] * 1000), 0);
        int k = 0;
        while (sorted[k] != times[i])
            k++;
        assert_true(board_state_hash(board_player_state(snap)) == hash[k]);
    }
    board_player_stats(snap, &st);
    assert_true(st.model_bytes > 0);
    board_player_destroy(&snap);
    board_player_destroy(&cont);
    diag_clear(&d);
}

static void test_seek_equality_generated(void **state)
{
    (void)state;
    check_seek_equality(1, 12000);
    check_seek_equality(2, 3000);
}

/* A state of its own at any time (the seek bar's thumbnails) equals what a
 * seek to that time shows, and leaves the player's own state alone. */
static void test_state_at_leaves_player(void **state)
{
    (void)state;
    struct board_player *p = NULL, *ref = NULL;
    struct board_opts o = {300, 5000000};
    assert_int_equal(board_player_create(&p, generated_log(4, 6000, NULL), &o, NULL), 0);
    assert_int_equal(board_player_create(&ref, generated_log(4, 6000, NULL), &o, NULL), 0);
    const struct board_log *log = board_player_log(p);
    int64_t t0 = board_log_first_time_us(log) / 1000, t1 = board_log_last_time_us(log) / 1000;
    int64_t here = t0 + (t1 - t0) / 3;
    assert_int_equal(board_seek_us(p, here * 1000), 0);
    const struct board_state *live = board_player_state(p);
    uint64_t live_hash = board_state_hash(live), live_serial = board_state_serial(live);
    uint64_t rng = 11;
    size_t differs = 0;
    for (int i = 0; i < 60; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        int64_t w = t0 - 100 + (int64_t)((rng >> 20) % (uint64_t)(t1 - t0 + 200));
        struct board_state *s = NULL;
        /* any µs inside the ms w means ms w: the model's time is whole ms */
        assert_int_equal(board_player_state_at_us(p, w * 1000 + (i % 2 ? 999 : 0), &s), 0);
        assert_non_null(s);
        assert_int_equal(board_seek_us(ref, w * 1000), 0);
        assert_true(board_state_hash(s) == board_state_hash(board_player_state(ref)));
        differs += board_state_hash(s) != live_hash;
        board_state_free(&s);
        assert_null(s);
        /* the player did not move */
        assert_ptr_equal(board_player_state(p), live);
        assert_true(board_state_hash(live) == live_hash);
        assert_true(board_state_serial(live) == live_serial);
    }
    assert_true(differs > 30);
    /* a negative µs time before any op: the empty board */
    struct board_state *s = NULL;
    assert_int_equal(board_player_state_at_us(p, -1, &s), 0);
    assert_null(board_state_current(s));
    board_state_free(&s);
    board_state_free(NULL);
    assert_int_equal(board_player_state_at_us(NULL, 0, &s), SP_EINVAL);
    assert_null(s);
    assert_int_equal(board_player_state_at_us(p, 0, NULL), SP_EINVAL);
    board_player_destroy(&p);
    board_player_destroy(&ref);
}

/* The serial changes when a seek rebuilds from a snapshot, not when playing on. */
static void test_serial_and_forward_play(void **state)
{
    (void)state;
    struct board_player *p = NULL;
    struct board_opts o = {100, 0};
    assert_int_equal(board_player_create(&p, generated_log(3, 2000, NULL), &o, NULL), 0);
    const struct board_log *log = board_player_log(p);
    int64_t t = board_log_first_time_us(log) / 1000;
    assert_int_equal(board_seek_us(p, t * 1000), 0);
    uint64_t serial = board_state_serial(board_player_state(p));
    struct board_stats st;
    board_player_stats(p, &st);
    size_t applied = st.ops_applied;
    for (int i = 0; i < 50; i++) {
        t += 20;
        assert_int_equal(board_seek_us(p, t * 1000), 0);
    }
    assert_true(board_state_serial(board_player_state(p)) == serial);
    board_player_stats(p, &st);
    assert_true(st.ops_applied > applied);
    assert_true(board_state_time_us(board_player_state(p)) == t * 1000);
    assert_int_equal(board_seek_us(p, (t - 30000) * 1000), 0);
    assert_true(board_state_serial(board_player_state(p)) != serial);
    board_player_destroy(&p);
}

/* Dump and hash see the same things. */
static void test_dump_and_hash(void **state)
{
    (void)state;
    struct board_player *p = player1(
        "{'v':1,'ops':[" PAGE
        "," STROKE(2000, "A", "a1") ","
                                    "{'t':2100,'user':'A','op':'text','id':'t','board':'p1',"
                                    "'x':1,'y':2,'text':'say \\\"hi\\\"','size':10,"
                                    "'color':'#000000'}]}",
        NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    board_state_dump(at(p, 3000), f);
    fclose(f);
    assert_non_null(strstr(buf, "page 0 \"p1\""));
    assert_non_null(strstr(buf, "id \"a1\" stroke pen color ff0000ff width 4"));
    assert_non_null(strstr(buf, "pts 2: 0,0 10,10"));
    assert_non_null(strstr(buf, "text \"say \\\"hi\\\"\""));
    assert_non_null(strstr(buf, "undo: add(\"t\") add(\"a1\")"));
    uint64_t h1 = board_state_hash(at(p, 3000));
    uint64_t h2 = board_state_hash(at(p, 2000));
    assert_true(h1 != h2);
    assert_true(h1 == board_state_hash(at(p, 3000)));
    free(buf);
    board_player_destroy(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_fields_are_checked),
        cmocka_unit_test(test_unfinished_log_is_refused),
        cmocka_unit_test(test_pages),
        cmocka_unit_test(test_stroke_in_progress),
        cmocka_unit_test(test_shapes_and_text),
        cmocka_unit_test(test_move_erase_clear),
        cmocka_unit_test(test_undo_redo_across_users),
        cmocka_unit_test(test_erase_of_undone_element),
        cmocka_unit_test(test_clear_then_undo),
        cmocka_unit_test(test_undo_of_stroke_in_progress),
        cmocka_unit_test(test_order_by_time_then_seq_then_position),
        cmocka_unit_test(test_laser_one_second),
        cmocka_unit_test(test_pause_ops_appear_at_video_time),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_seek_equality_generated),
        cmocka_unit_test(test_serial_and_forward_play),
        cmocka_unit_test(test_state_at_leaves_player),
        cmocka_unit_test(test_dump_and_hash),
        cmocka_unit_test(test_state_time_us_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
