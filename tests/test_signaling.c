/* Tests for player/signaling/signaling: IM pages streamed into board + chat generations.
 *
 * The reference is the old way of reading a class: every page one after
 * another with msg_log_add_json(), the board log from msg_wb_next(), the
 * chat from chat_log_build(). Pages come from a class made by
 * sigplay-mkclass (newest first, each page sharing a message with the next).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "im/chat.h"
#include "player/board/board.h"
#include "base/diag.h"
#include "player/net/loader.h"
#include "player/recording/manifest.h"
#include "im/msgpage.h"
#include "player/signaling/signaling.h"
#include "base/sp_bytes.h"
#include "base/sp_error.h"
#include "player/net/url.h"

#define CLASS_DIR SIGPLAY_TEST_TMP "/signaling-class"
#define WAIT_MS 60000 /* bound on any wait (sanitizer builds are slow) */

static struct recording *g_rec;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup(void **state)
{
    (void)state;
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "'%s' -q -o '%s' --duration-ms 60000 --size 160x90 --fps 1 --ops 3000 --chat 200 "
             "--pause-ms 5000",
             SIGPLAY_MKCLASS, CLASS_DIR);
    int rc = system(cmd);
    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
        return -1;
    struct diag_list d;
    diag_init(&d);
    rc = manifest_open(CLASS_DIR "/replay.json", NULL, NULL, &d, &g_rec);
    diag_clear(&d);
    return rc == 0 && g_rec->n_message_pages > 10 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    recording_free(g_rec);
    g_rec = NULL;
    return 0;
}

/* ---- the reference: pages read one after another ------------------------------- */

struct ref {
    struct msg_log *msgs;
    struct board_player *board;
    struct chat_log *chat;
};

static void ref_build(const char *const *urls, size_t n, struct ref *r, struct diag_list *d)
{
    r->msgs = msg_log_create();
    assert_non_null(r->msgs);
    for (size_t i = 0; i < n; i++) {
        char *json = NULL;
        size_t len = 0;
        if (sp_loader_get(NULL, urls[i], MSG_PAGE_MAX_BYTES, &json, &len, d))
            continue;
        char *name = url_display_name(urls[i]);
        msg_log_add_json(r->msgs, json, len, name, d);
        free(name);
        free(json);
    }
    struct board_log *log = board_log_create();
    struct msg_wb_iter it;
    struct msg_wb_batch b;
    msg_wb_iter_init(&it, r->msgs);
    while (msg_wb_next(&it, &b))
        if (board_log_add_batch(log, b.data, b.len, b.msg_seq, b.where, d) == SP_ELIMIT)
            break;
    assert_int_equal(board_log_finish(log, d), 0);
    assert_int_equal(board_player_create(&r->board, log, NULL, d), 0);
    assert_int_equal(chat_log_build(r->msgs, &r->chat, d), 0);
}

static void ref_free(struct ref *r)
{
    chat_log_destroy(&r->chat);
    board_player_destroy(&r->board);
    msg_log_destroy(&r->msgs);
}

/* Board states equal at many times across [from, to]. */
static void assert_boards_equal(struct board_player *a, struct board_player *b, int64_t from,
                                int64_t to)
{
    int64_t step = (to - from) / 97 + 1;
    int checked = 0;
    for (int64_t t = from; t <= to + step; t += step) {
        assert_int_equal(board_seek_us(a, t * 1000), 0);
        assert_int_equal(board_seek_us(b, t * 1000), 0);
        if (board_state_hash(board_player_state(a)) != board_state_hash(board_player_state(b))) {
            fprintf(stderr, "board differs at %lld\n", (long long)t);
            fail();
        }
        checked++;
    }
    assert_true(checked > 90);
}

static void assert_chat_equal(const struct chat_log *a, const struct chat_log *b)
{
    assert_int_equal(a->count, b->count);
    assert_int_equal(a->board_elems, b->board_elems);
    assert_int_equal(a->empty_messages, b->empty_messages);
    for (size_t i = 0; i < a->count; i++) {
        const struct chat_item *x = &a->items[i], *y = &b->items[i];
        assert_int_equal(x->seq, y->seq);
        assert_int_equal(x->wall_us, y->wall_us);
        assert_int_equal(x->show_us, y->show_us);
        assert_string_equal(x->sender, y->sender);
        /* x->page may name the other page of an overlap: the pages are read
         * in time order here, in list order there (first seen wins) */
        assert_non_null(x->page);
        assert_non_null(strstr(x->page, "messages-"));
        assert_int_equal(x->part_count, y->part_count);
        for (size_t k = 0; k < x->part_count; k++) {
            assert_int_equal(x->parts[k].kind, y->parts[k].kind);
            assert_string_equal(x->parts[k].text, y->parts[k].text);
        }
    }
}

static void assert_same_as_ref(const struct signal_set *set, struct ref *r)
{
    const struct board_log *log = board_player_log(r->board);
    assert_int_equal(board_log_op_count(board_player_log(set->board)), board_log_op_count(log));
    assert_true(board_log_op_count(log) > 1000);
    assert_boards_equal(set->board, r->board, board_log_first_time_us(log) / 1000 - 1000,
                        board_log_last_time_us(log) / 1000 + 1000);
    assert_chat_equal(set->chat, r->chat);
    assert_true(r->chat->count > 100);
}

/* ---- a loader for tests: counts calls, can hold pages back ---------------------- */

struct test_loader {
    struct sp_loader l;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const char *hold; /* URLs containing this wait while !open */
    bool open;
    int held_now; /* calls waiting at the gate */
    int held_total;
    atomic_int calls;
};

static int tl_get(void *opaque, const char *url, size_t max, char **data, size_t *len,
                  struct diag_list *d)
{
    struct test_loader *t = opaque;
    atomic_fetch_add(&t->calls, 1);
    pthread_mutex_lock(&t->mu);
    if (t->hold && strstr(url, t->hold)) {
        t->held_now++;
        t->held_total++;
        pthread_cond_broadcast(&t->cv);
        while (!t->open)
            pthread_cond_wait(&t->cv, &t->mu);
        t->held_now--;
        pthread_cond_broadcast(&t->cv);
    }
    pthread_mutex_unlock(&t->mu);
    return sp_loader_get(NULL, url, max, data, len, d);
}

static void tl_init(struct test_loader *t, const char *hold)
{
    memset(t, 0, sizeof(*t));
    t->l.get = tl_get;
    t->l.opaque = t;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->hold = hold;
    t->open = hold == NULL;
}

/* Bounded wait until held_now reaches n. */
static bool tl_wait_held(struct test_loader *t, int n)
{
    int64_t end = now_ms() + WAIT_MS;
    pthread_mutex_lock(&t->mu);
    while (t->held_now != n && now_ms() < end) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&t->cv, &t->mu, &ts);
    }
    bool ok = t->held_now == n;
    pthread_mutex_unlock(&t->mu);
    return ok;
}

static void tl_open(struct test_loader *t)
{
    pthread_mutex_lock(&t->mu);
    t->open = true;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

/* ---- helpers ------------------------------------------------------------------- */

/* Starts, waits for the final generation, takes it. */
static struct signal_set *run_all(const struct recording *rec, const struct signaling_opts *o,
                                  struct diag_list *d, struct signaling_progress *pr)
{
    struct signaling *s = NULL;
    assert_int_equal(signaling_start(rec, o, &s), 0);
    assert_int_equal(signaling_wait(s, INT64_MAX, WAIT_MS * 1000), 0);
    struct signal_set *set = NULL;
    assert_true(signaling_take(s, 0, &set));
    assert_int_equal(set->complete_until_us, INT64_MAX);
    if (pr)
        signaling_progress(s, pr);
    if (d)
        signaling_take_diags(s, d);
    signaling_destroy(&s);
    assert_null(s);
    return set;
}

static size_t count_lines(const struct diag_list *d, const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < d->count; i++)
        n += strstr(d->items[i].text, needle) != NULL;
    return n;
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_equals_sequential(void **state)
{
    (void)state;
    struct diag_list d;
    diag_init(&d);
    struct ref r;
    ref_build(g_rec->message_urls, g_rec->n_message_pages, &r, &d);
    struct signaling_progress pr;
    struct signal_set *set = run_all(g_rec, NULL, NULL, &pr);
    assert_int_equal(pr.total, g_rec->n_message_pages);
    assert_int_equal(pr.done, pr.total);
    assert_int_equal(pr.failed, 0);
    assert_true(pr.finished);
    assert_false(pr.from_cache);
    assert_same_as_ref(set, &r);
    signal_set_free(&set);
    assert_null(set);
    ref_free(&r);
    diag_clear(&d);
}

/* The pages oldest first, every page twice (overlap everywhere), a few
 * worker counts. */
static void test_order_and_overlap(void **state)
{
    (void)state;
    size_t n = g_rec->n_message_pages;
    const char **urls = calloc(2 * n, sizeof(*urls));
    assert_non_null(urls);
    for (size_t i = 0; i < n; i++) {
        urls[2 * i] = g_rec->message_urls[n - 1 - i];
        urls[2 * i + 1] = g_rec->message_urls[n - 1 - i];
    }
    struct recording rec = *g_rec;
    rec.message_urls = urls;
    rec.n_message_pages = 2 * n;
    struct diag_list d;
    diag_init(&d);
    struct ref r;
    ref_build(g_rec->message_urls, n, &r, &d);
    const int par[] = {1, 3, 8};
    for (size_t k = 0; k < sizeof(par) / sizeof(par[0]); k++) {
        struct signaling_opts o = {.parallel = par[k]};
        struct diag_list sd;
        diag_init(&sd);
        struct signal_set *set = run_all(&rec, &o, &sd, NULL);
        assert_same_as_ref(set, &r);
        assert_int_equal(sd.errors, 0);
        signal_set_free(&set);
        diag_clear(&sd);
    }
    ref_free(&r);
    diag_clear(&d);
    free(urls);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_bad_pages(void **state)
{
    (void)state;
    size_t n = g_rec->n_message_pages;
    const char **urls = calloc(n + 2, sizeof(*urls));
    assert_non_null(urls);
    write_file(SIGPLAY_TEST_TMP "/signaling-bad.json", "{\"ActionStatus\":\"OK\", oops");
    char *bad = NULL, *missing = NULL;
    assert_int_equal(url_from_path(SIGPLAY_TEST_TMP "/signaling-bad.json", &bad), 0);
    assert_int_equal(url_from_path(SIGPLAY_TEST_TMP "/signaling-missing.json", &missing), 0);
    unlink(SIGPLAY_TEST_TMP "/signaling-missing.json");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == n / 3)
            urls[m++] = missing;
        if (i == 2 * n / 3)
            urls[m++] = bad;
        urls[m++] = g_rec->message_urls[i];
    }
    struct recording rec = *g_rec;
    rec.message_urls = urls;
    rec.n_message_pages = m;
    struct diag_list d, sd;
    diag_init(&d);
    diag_init(&sd);
    struct ref r;
    ref_build(g_rec->message_urls, n, &r, &d);
    struct signaling_progress pr;
    struct signal_set *set = run_all(&rec, NULL, &sd, &pr);
    assert_int_equal(pr.failed, 2);
    assert_int_equal(pr.done, m);
    assert_same_as_ref(set, &r);
    assert_int_equal(count_lines(&sd, "signaling-missing.json"), 1);
    assert_int_equal(count_lines(&sd, "signaling-bad.json"), 1);
    assert_int_equal(sd.errors, 2);
    /* the diagnostics were moved: a second take finds none */
    signal_set_free(&set);
    ref_free(&r);
    diag_clear(&d);
    diag_clear(&sd);
    free(bad);
    free(missing);
    free(urls);
}

/* The chronologically last page is held back: a wait for a mid-class time
 * must still come back, with a generation that is not the final one and
 * whose board at that time is the final board's. */
static void test_want_mid_class(void **state)
{
    (void)state;
    size_t n = g_rec->n_message_pages;
    char *last = url_display_name(g_rec->message_urls[0]); /* newest first */
    assert_non_null(last);
    struct test_loader tl;
    tl_init(&tl, last);
    struct signaling_opts o = {.loader = &tl.l, .parallel = 4};
    struct signaling *s = NULL;
    assert_int_equal(signaling_start(g_rec, &o, &s), 0);
    assert_true(tl_wait_held(&tl, 1));

    struct ref r;
    struct diag_list d;
    diag_init(&d);
    ref_build(g_rec->message_urls, n, &r, &d);
    const struct board_log *log = board_player_log(r.board);
    int64_t mid = (board_log_first_time_us(log) / 1000 + board_log_last_time_us(log) / 1000) / 2;

    signaling_want(s, mid * 1000);
    assert_int_equal(signaling_wait(s, mid * 1000, WAIT_MS * 1000), 0);
    struct signal_set *set = NULL;
    assert_true(signaling_take(s, 0, &set));
    assert_true(set->complete_until_us >= mid * 1000);
    assert_true(set->complete_until_us < INT64_MAX);
    struct signaling_progress pr;
    signaling_progress(s, &pr);
    assert_false(pr.finished);
    assert_true(pr.done < n);
    /* nothing newer yet: take says so and leaves *out alone */
    struct signal_set *none = (struct signal_set *)&tl;
    assert_false(signaling_take(s, set->generation, &none));
    assert_ptr_equal(none, &tl);

    tl_open(&tl);
    assert_int_equal(signaling_wait(s, INT64_MAX, WAIT_MS * 1000), 0);
    struct signal_set *fin = NULL;
    assert_true(signaling_take(s, set->generation, &fin));
    assert_true(fin->generation > set->generation);
    assert_same_as_ref(fin, &r);
    for (int64_t t = board_log_first_time_us(log) / 1000; t <= mid; t += (mid - t) / 8 + 1) {
        assert_int_equal(board_seek_us(set->board, t * 1000), 0);
        assert_int_equal(board_seek_us(fin->board, t * 1000), 0);
        assert_int_equal(board_state_hash(board_player_state(set->board)),
                         board_state_hash(board_player_state(fin->board)));
    }
    assert_int_equal(chat_visible_count(set->chat, mid * 1000),
                     chat_visible_count(fin->chat, mid * 1000));
    /* board warnings come once: only the final generation gives them */
    struct diag_list sd;
    diag_init(&sd);
    signaling_take_diags(s, &sd);
    assert_int_equal(sd.warnings, d.warnings);
    diag_clear(&sd);
    signaling_destroy(&s);
    signal_set_free(&set);
    signal_set_free(&fin);
    ref_free(&r);
    diag_clear(&d);
    free(last);
}

/* Opens the test loader's gate after a delay (a network client's transfers
 * being cancelled, as class_close() does before signaling_destroy()). */
static void *open_later(void *arg)
{
    nanosleep(&(struct timespec){0, 200 * 1000 * 1000L}, NULL);
    tl_open(arg);
    return NULL;
}

/* A page request in flight when signaling is destroyed: destroy waits for
 * it to return (the worker is joined: the loader's owner frees it next),
 * and returns as soon as it has, with nothing left running. */
static void test_destroy_with_page_in_flight(void **state)
{
    (void)state;
    char *name = url_display_name(g_rec->message_urls[g_rec->n_message_pages / 2]);
    struct test_loader tl;
    tl_init(&tl, name);
    struct signaling_opts o = {.loader = &tl.l};
    struct signaling *s = NULL;
    assert_int_equal(signaling_start(g_rec, &o, &s), 0);
    assert_true(tl_wait_held(&tl, 1));
    /* it cannot finish: the wait times out */
    assert_int_equal(signaling_wait(s, INT64_MAX, 50000), SP_ETIMEOUT);
    pthread_t opener;
    assert_int_equal(pthread_create(&opener, NULL, open_later, &tl), 0);
    int64_t t0 = now_ms();
    signaling_destroy(&s);
    int64_t took = now_ms() - t0;
    /* it waited for the request (opened after 200 ms), and no longer */
    assert_true(took >= 150);
    assert_true(took < 5000);
    assert_null(s);
    pthread_join(opener, NULL);
    /* joined: the held call has returned, nothing is inside the loader */
    assert_int_equal(tl.held_now, 0);
    assert_int_equal(tl.held_total, 1);
    signaling_destroy(&s); /* NULL: no-op */
    free(name);
}

static void test_no_pages(void **state)
{
    (void)state;
    struct recording rec = *g_rec;
    rec.message_urls = NULL;
    rec.n_message_pages = 0;
    struct signaling_progress pr;
    struct signal_set *set = run_all(&rec, NULL, NULL, &pr);
    assert_true(pr.finished);
    assert_int_equal(pr.total, 0);
    assert_non_null(set->board);
    assert_non_null(set->chat);
    assert_int_equal(set->chat->count, 0);
    assert_int_equal(board_log_op_count(board_player_log(set->board)), 0);
    signal_set_free(&set);
    signal_set_free(&set); /* NULL: no-op */
    struct signaling *s = NULL;
    assert_int_equal(signaling_start(NULL, NULL, &s), SP_EINVAL);
    assert_null(s);
}

/* ---- the disk cache --------------------------------------------------------------- */

/* Serves http://pages.test/<name> from the class directory, as a network
 * loader would: the pages count as remote (validated by content). */
static int remote_get(void *opaque, const char *url, size_t max, char **data, size_t *len,
                      struct diag_list *d)
{
    struct test_loader *t = opaque;
    atomic_fetch_add(&t->calls, 1);
    const char *prefix = "http://pages.test/";
    if (strncmp(url, prefix, strlen(prefix)) != 0)
        return sp_loader_get(NULL, url, max, data, len, d);
    char path[4096];
    snprintf(path, sizeof path, "%s/im/%s", CLASS_DIR, url + strlen(prefix));
    char *fu = NULL;
    assert_int_equal(url_from_path(path, &fu), 0);
    int rc = sp_loader_get(NULL, fu, max, data, len, d);
    free(fu);
    return rc;
}

static void fresh_dir(const char *dir)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);
}

/* The one cache file under dir/signaling. */
static bool cache_file(const char *dir, char *out, size_t cap)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "ls '%s'/signaling/*.sig 2>/dev/null", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    bool ok = fgets(out, (int)cap, p) != NULL;
    pclose(p);
    if (ok)
        out[strcspn(out, "\n")] = '\0';
    return ok;
}

static void test_cache_local(void **state)
{
    (void)state;
    const char *dir = SIGPLAY_TEST_TMP "/signaling-cache-local";
    fresh_dir(dir);
    struct diag_list d;
    diag_init(&d);
    struct ref r;
    ref_build(g_rec->message_urls, g_rec->n_message_pages, &r, &d);
    struct test_loader tl;
    tl_init(&tl, NULL);
    struct signaling_opts o = {.loader = &tl.l, .cache_dir = dir};
    struct signaling_progress pr;

    struct signal_set *cold = run_all(g_rec, &o, NULL, &pr);
    assert_false(pr.from_cache);
    assert_int_equal(atomic_load(&tl.calls), (int)g_rec->n_message_pages);
    char path[4096];
    assert_true(cache_file(dir, path, sizeof path));

    /* warm: every local page checked by stat, none read */
    atomic_store(&tl.calls, 0);
    struct signal_set *warm = run_all(g_rec, &o, NULL, &pr);
    assert_true(pr.from_cache);
    assert_true(pr.finished);
    assert_int_equal(pr.done, g_rec->n_message_pages);
    assert_int_equal(atomic_load(&tl.calls), 0);
    assert_same_as_ref(warm, &r);
    signal_set_free(&warm);

    /* a touched page: stale, read again (and the file replaced) */
    char page[4096];
    snprintf(page, sizeof page, "%s/im/messages-003.json", CLASS_DIR);
    struct timespec times[2] = {{.tv_sec = 1600000000, .tv_nsec = 5},
                                {.tv_sec = 1600000000, .tv_nsec = 5}};
    assert_int_equal(utimensat(AT_FDCWD, page, times, 0), 0);
    warm = run_all(g_rec, &o, NULL, &pr);
    assert_false(pr.from_cache);
    assert_same_as_ref(warm, &r);
    signal_set_free(&warm);
    warm = run_all(g_rec, &o, NULL, &pr);
    assert_true(pr.from_cache);
    signal_set_free(&warm);

    /* a damaged file: ignored, read again, replaced */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 4000, SEEK_SET), 0);
    int ch = fgetc(f);
    assert_int_equal(fseek(f, 4000, SEEK_SET), 0);
    fputc(ch ^ 0x5a, f);
    fclose(f);
    atomic_store(&tl.calls, 0);
    warm = run_all(g_rec, &o, NULL, &pr);
    assert_false(pr.from_cache);
    assert_int_equal(atomic_load(&tl.calls), (int)g_rec->n_message_pages);
    assert_same_as_ref(warm, &r);
    signal_set_free(&warm);
    /* a truncated one too */
    assert_int_equal(truncate(path, 100), 0);
    warm = run_all(g_rec, &o, NULL, &pr);
    assert_false(pr.from_cache);
    signal_set_free(&warm);
    warm = run_all(g_rec, &o, NULL, &pr);
    assert_true(pr.from_cache);
    signal_set_free(&warm);

    signal_set_free(&cold);
    ref_free(&r);
    diag_clear(&d);
}

/* A bounded open (`render`): the first wait sets the bound; reading stops
 * once it is covered. Returns the last generation. */
static struct signal_set *run_bounded(const struct signaling_opts *o, int64_t w_us,
                                      struct signaling_progress *pr)
{
    struct signaling *s = NULL;
    assert_int_equal(signaling_start(g_rec, o, &s), 0);
    assert_int_equal(signaling_wait(s, w_us, WAIT_MS * 1000), 0);
    struct signal_set *set = NULL;
    assert_true(signaling_take(s, 0, &set));
    assert_true(set->complete_until_us >= w_us);
    signaling_progress(s, pr);
    assert_true(pr->finished);              /* no generation follows */
    if (set->complete_until_us < INT64_MAX) /* past the prefix: nothing comes */
        assert_int_equal(signaling_wait(s, INT64_MAX, WAIT_MS * 1000), SP_ERANGE);
    signaling_destroy(&s);
    return set;
}

/* set shows what the sequential read shows at every time up to w (ms). */
static void assert_prefix_as_ref(struct signal_set *set, struct ref *r, int64_t w)
{
    const struct board_log *log = board_player_log(r->board);
    assert_boards_equal(set->board, r->board, board_log_first_time_us(log) / 1000 - 1000, w);
    assert_int_equal(chat_visible_count(set->chat, w * 1000),
                     chat_visible_count(r->chat, w * 1000));
    assert_true(chat_visible_count(set->chat, w * 1000) > 10);
}

static void test_bound_reads_a_prefix(void **state)
{
    (void)state;
    const char *dir = SIGPLAY_TEST_TMP "/signaling-bound";
    fresh_dir(dir);
    size_t n = g_rec->n_message_pages;
    struct diag_list d;
    diag_init(&d);
    struct ref r;
    ref_build(g_rec->message_urls, n, &r, &d);
    const struct board_log *log = board_player_log(r.board);
    int64_t first = board_log_first_time_us(log) / 1000, last = board_log_last_time_us(log) / 1000;
    int64_t q1 = first + (last - first) / 4;
    struct test_loader tl;
    tl_init(&tl, NULL);
    struct signaling_opts o = {
        .loader = &tl.l, .cache_dir = dir, .parallel = 2, .stop_at_bound = true};
    struct signaling_progress pr;

    /* the first quarter: fewer pages read than the class has */
    struct signal_set *a = run_bounded(&o, q1 * 1000, &pr);
    assert_false(pr.from_cache);
    assert_true(a->complete_until_us < INT64_MAX);
    int calls = atomic_load(&tl.calls);
    assert_true(calls < (int)n * 3 / 4);
    assert_prefix_as_ref(a, &r, q1);
    char path[4096];
    assert_true(cache_file(dir, path, sizeof path));

    /* an earlier bound: the prefix file serves it, no page read */
    atomic_store(&tl.calls, 0);
    struct signal_set *b = run_bounded(&o, (q1 - 1000) * 1000, &pr);
    assert_true(pr.from_cache);
    assert_int_equal(atomic_load(&tl.calls), 0);
    assert_int_equal(b->complete_until_us, a->complete_until_us);
    assert_true(pr.done < n);
    assert_prefix_as_ref(b, &r, q1);
    signal_set_free(&b);

    /* a bound past the prefix: read again, and the file now covers it */
    int64_t w = a->complete_until_us / 1000 + 3000;
    assert_true(w < last);
    struct signal_set *c = run_bounded(&o, w * 1000, &pr);
    assert_false(pr.from_cache);
    assert_prefix_as_ref(c, &r, w);
    signal_set_free(&c);
    c = run_bounded(&o, w * 1000, &pr);
    assert_true(pr.from_cache);
    assert_prefix_as_ref(c, &r, w);
    signal_set_free(&c);

    /* an open that wants every page does not take a prefix: it reads all
     * and replaces the file, which then serves any bound */
    struct signaling_opts all = o;
    all.stop_at_bound = false;
    atomic_store(&tl.calls, 0);
    struct signal_set *full = run_all(g_rec, &all, NULL, &pr);
    assert_false(pr.from_cache);
    assert_int_equal(atomic_load(&tl.calls), (int)n);
    assert_same_as_ref(full, &r);
    signal_set_free(&full);
    atomic_store(&tl.calls, 0);
    c = run_bounded(&o, q1 * 1000, &pr);
    assert_true(pr.from_cache);
    assert_int_equal(c->complete_until_us, INT64_MAX);
    assert_int_equal(pr.done, n);
    assert_int_equal(atomic_load(&tl.calls), 0);
    signal_set_free(&c);

    signal_set_free(&a);
    ref_free(&r);
    diag_clear(&d);
}

static void test_cache_remote_and_diags(void **state)
{
    (void)state;
    const char *dir = SIGPLAY_TEST_TMP "/signaling-cache-remote";
    fresh_dir(dir);
    size_t n = g_rec->n_message_pages;
    char **urls = calloc(n + 1, sizeof(*urls));
    assert_non_null(urls);
    for (size_t i = 0; i < n; i++) {
        char *name = url_display_name(g_rec->message_urls[i]);
        urls[i] = malloc(strlen(name) + 32);
        sprintf(urls[i], "http://pages.test/%s", name);
        free(name);
    }
    urls[n] = strdup("http://pages.test/gone-404.json");
    struct recording rec = *g_rec;
    rec.message_urls = (const char *const *)urls;
    rec.n_message_pages = n + 1;
    struct test_loader tl;
    tl_init(&tl, NULL);
    tl.l.get = remote_get;
    struct signaling_opts o = {.loader = &tl.l, .cache_dir = dir};
    struct signaling_progress pr;
    struct diag_list d1, d2;
    diag_init(&d1);
    diag_init(&d2);
    struct signal_set *cold = run_all(&rec, &o, &d1, &pr);
    assert_false(pr.from_cache);
    assert_int_equal(pr.failed, 1);
    assert_int_equal(count_lines(&d1, "gone-404.json"), 1);

    atomic_store(&tl.calls, 0);
    struct signal_set *warm = run_all(&rec, &o, &d2, &pr);
    assert_true(pr.from_cache);
    assert_int_equal(pr.failed, 1);
    /* a bounded sample re-got, not every page */
    assert_true(atomic_load(&tl.calls) <= 8);
    assert_true(atomic_load(&tl.calls) >= 2);
    /* the same lines as the cold open */
    assert_int_equal(d2.count, d1.count);
    for (size_t i = 0; i < d1.count; i++)
        assert_string_equal(d1.items[i].text, d2.items[i].text);
    struct board_player *a = cold->board, *b = warm->board;
    const struct board_log *log = board_player_log(a);
    assert_boards_equal(a, b, board_log_first_time_us(log) / 1000,
                        board_log_last_time_us(log) / 1000);
    assert_chat_equal(cold->chat, warm->chat);

    signal_set_free(&cold);
    signal_set_free(&warm);
    diag_clear(&d1);
    diag_clear(&d2);
    for (size_t i = 0; i <= n; i++)
        free(urls[i]);
    free(urls);
}

/* opts.page_loader: with a cache directory, every page but the sample the
 * warm open re-gets comes through it (those need not stay downloaded);
 * the sample through the loader. Without one, only the loader is used,
 * unless nothing is to be kept (pages_not_kept): then only the page loader. */
static void test_page_loader(void **state)
{
    (void)state;
    const char *dir = SIGPLAY_TEST_TMP "/signaling-page-loader";
    fresh_dir(dir);
    size_t n = g_rec->n_message_pages;
    char **urls = calloc(n, sizeof(*urls));
    assert_non_null(urls);
    for (size_t i = 0; i < n; i++) {
        char *name = url_display_name(g_rec->message_urls[i]);
        urls[i] = malloc(strlen(name) + 32);
        sprintf(urls[i], "http://pages.test/%s", name);
        free(name);
    }
    struct recording rec = *g_rec;
    rec.message_urls = (const char *const *)urls;
    struct test_loader tl, pl;
    tl_init(&tl, NULL);
    tl_init(&pl, NULL);
    tl.l.get = remote_get;
    pl.l.get = remote_get;
    struct signaling_opts o = {.loader = &tl.l, .page_loader = &pl.l, .cache_dir = dir};
    struct signaling_progress pr;
    struct signal_set *cold = run_all(&rec, &o, NULL, &pr);
    assert_false(pr.from_cache);
    int sample = atomic_load(&tl.calls);
    assert_true(sample >= 2 && sample <= 8);
    assert_int_equal(sample + atomic_load(&pl.calls), (int)n);

    /* warm: the sample again, through the loader that keeps it */
    atomic_store(&tl.calls, 0);
    atomic_store(&pl.calls, 0);
    struct signal_set *warm = run_all(&rec, &o, NULL, &pr);
    assert_true(pr.from_cache);
    assert_int_equal(atomic_load(&tl.calls), sample);
    assert_int_equal(atomic_load(&pl.calls), 0);
    signal_set_free(&warm);

    /* no cache directory: nothing stands for the pages, all kept */
    atomic_store(&tl.calls, 0);
    struct signaling_opts nocache = {.loader = &tl.l, .page_loader = &pl.l};
    warm = run_all(&rec, &nocache, NULL, &pr);
    assert_int_equal(atomic_load(&tl.calls), (int)n);
    assert_int_equal(atomic_load(&pl.calls), 0);
    struct board_player *a = cold->board, *b = warm->board;
    const struct board_log *log = board_player_log(a);
    assert_boards_equal(a, b, board_log_first_time_us(log) / 1000,
                        board_log_last_time_us(log) / 1000);
    assert_chat_equal(cold->chat, warm->chat);
    signal_set_free(&warm);

    /* nothing outlives the open (--no-cache): every page through the
     * page loader, with or without a cache directory */
    atomic_store(&tl.calls, 0);
    atomic_store(&pl.calls, 0);
    nocache.pages_not_kept = true;
    warm = run_all(&rec, &nocache, NULL, &pr);
    assert_int_equal(atomic_load(&tl.calls), 0);
    assert_int_equal(atomic_load(&pl.calls), (int)n);
    assert_boards_equal(a, warm->board, board_log_first_time_us(log) / 1000,
                        board_log_last_time_us(log) / 1000);
    assert_chat_equal(cold->chat, warm->chat);
    signal_set_free(&warm);
    signal_set_free(&cold);
    for (size_t i = 0; i < n; i++)
        free(urls[i]);
    free(urls);
}

/* ---- the disk cache and board batch files -------------------------------------- */

#define FILES_DIR SIGPLAY_TEST_TMP "/signaling-class-files"

/* Runs a function of tests/support/file_batches.sh; its stdout (one line)
 * into out when out is not NULL. */
static void fb_run(const char *call, char *out, size_t cap)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "bash -c '. \"%s/tests/support/file_batches.sh\" && %s'",
             SIGPLAY_SOURCE_DIR, call);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    bool got = out && fgets(out, (int)cap, p) != NULL;
    assert_int_equal(pclose(p), 0);
    if (out) {
        assert_true(got);
        out[strcspn(out, "\n")] = '\0';
    }
}

/* Serves http://files.test/<path> from FILES_DIR: pages and batch files
 * count as remote (validated by content). */
static int files_get(void *opaque, const char *url, size_t max, char **data, size_t *len,
                     struct diag_list *d)
{
    struct test_loader *t = opaque;
    atomic_fetch_add(&t->calls, 1);
    const char *prefix = "http://files.test/";
    if (strncmp(url, prefix, strlen(prefix)) != 0)
        return SP_EINVAL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", FILES_DIR, url + strlen(prefix));
    char *fu = NULL;
    assert_int_equal(url_from_path(path, &fu), 0);
    int rc = sp_loader_get(NULL, fu, max, data, len, d);
    free(fu);
    return rc;
}

static size_t op_count(const struct signal_set *s)
{
    return board_log_op_count(board_player_log(s->board));
}

/* One batch file changes behind unchanged pages: the warm open reads the
 * class again and shows what a fresh read shows; unchanged, the cache is
 * used. remote: pages and files through files_get(). */
static void check_batch_file_change(bool remote)
{
    const char *dir = remote ? SIGPLAY_TEST_TMP "/signaling-cache-files-remote"
                             : SIGPLAY_TEST_TMP "/signaling-cache-files-local";
    fresh_dir(dir);
    char call[4096], first[4096];
    snprintf(call, sizeof call, "fb_make \"%s\" \"%s\" >/dev/null", CLASS_DIR, FILES_DIR);
    fb_run(call, NULL, 0);
    snprintf(call, sizeof call, "fb_first_file \"%s\"", FILES_DIR);
    fb_run(call, first, sizeof first);

    struct diag_list d;
    diag_init(&d);
    struct recording *rec = NULL;
    assert_int_equal(manifest_open(FILES_DIR "/replay.json", NULL, NULL, &d, &rec), 0);
    char **urls = calloc(rec->n_message_pages, sizeof(*urls));
    assert_non_null(urls);
    struct recording r2 = *rec;
    if (remote) {
        for (size_t i = 0; i < rec->n_message_pages; i++) {
            char *name = url_display_name(rec->message_urls[i]);
            urls[i] = malloc(strlen(name) + 32);
            sprintf(urls[i], "http://files.test/im/%s", name);
            free(name);
        }
        r2.message_urls = (const char *const *)urls;
    }
    struct test_loader tl;
    tl_init(&tl, NULL);
    if (remote)
        tl.l.get = files_get;
    struct signaling_opts o = {.loader = &tl.l, .cache_dir = dir};
    struct signaling_opts nocache = {.loader = &tl.l};
    struct signaling_progress pr;

    struct signal_set *cold = run_all(&r2, &o, &d, &pr);
    assert_false(pr.from_cache);
    assert_int_equal(count_lines(&d, "board batch file"), 0);
    struct signal_set *warm = run_all(&r2, &o, NULL, &pr);
    assert_true(pr.from_cache);
    assert_int_equal(op_count(warm), op_count(cold));
    signal_set_free(&warm);

    /* the first batch file gains a stroke (two ops); the pages do not change */
    assert_true(snprintf(call, sizeof call, "fb_add_stroke \"%s\"", first) < (int)sizeof call);
    fb_run(call, NULL, 0);
    atomic_store(&tl.calls, 0);
    struct signal_set *changed = run_all(&r2, &o, NULL, &pr);
    assert_false(pr.from_cache);
    struct signal_set *fresh = run_all(&r2, &nocache, NULL, &pr);
    assert_false(pr.from_cache);
    assert_int_equal(op_count(fresh), op_count(cold) + 2);
    assert_int_equal(op_count(changed), op_count(fresh));
    const struct board_log *log = board_player_log(fresh->board);
    assert_boards_equal(changed->board, fresh->board, board_log_first_time_us(log) / 1000,
                        board_log_last_time_us(log) / 1000);

    /* the file rewritten by that open is used again, with a bounded number
     * of gets when remote: a sample of pages and of batch files */
    atomic_store(&tl.calls, 0);
    warm = run_all(&r2, &o, NULL, &pr);
    assert_true(pr.from_cache);
    assert_int_equal(op_count(warm), op_count(fresh));
    if (remote)
        assert_true(atomic_load(&tl.calls) < (int)rec->n_message_pages + 16 + 8 * 8);
    else
        assert_int_equal(atomic_load(&tl.calls), 0);
    signal_set_free(&warm);

    /* a version-1 file (the same bytes, the old version, a right
     * checksum) is not read: the class is read again, the file replaced */
    char path[4096];
    assert_true(cache_file(dir, path, sizeof path));
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long sz = ftell(f);
    assert_true(sz > 48);
    uint8_t *buf = malloc((size_t)sz);
    assert_non_null(buf);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
    sp_put_u32(buf + 8, 1);
    sp_put_u64(buf + sz - 8, sp_checksum64(buf, (size_t)sz - 8));
    rewind(f);
    assert_int_equal(fwrite(buf, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    free(buf);
    warm = run_all(&r2, &o, NULL, &pr);
    assert_false(pr.from_cache);
    assert_int_equal(op_count(warm), op_count(fresh));
    signal_set_free(&warm);
    warm = run_all(&r2, &o, NULL, &pr);
    assert_true(pr.from_cache);
    signal_set_free(&warm);

    signal_set_free(&cold);
    signal_set_free(&changed);
    signal_set_free(&fresh);
    if (remote)
        for (size_t i = 0; i < rec->n_message_pages; i++)
            free(urls[i]);
    free(urls);
    recording_free(rec);
    diag_clear(&d);
}

static void test_cache_batch_file_local(void **state)
{
    (void)state;
    check_batch_file_change(false);
}

static void test_cache_batch_file_remote(void **state)
{
    (void)state;
    check_batch_file_change(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equals_sequential),
        cmocka_unit_test(test_order_and_overlap),
        cmocka_unit_test(test_bad_pages),
        cmocka_unit_test(test_want_mid_class),
        cmocka_unit_test(test_destroy_with_page_in_flight),
        cmocka_unit_test(test_no_pages),
        cmocka_unit_test(test_cache_local),
        cmocka_unit_test(test_cache_remote_and_diags),
        cmocka_unit_test(test_bound_reads_a_prefix),
        cmocka_unit_test(test_page_loader),
        cmocka_unit_test(test_cache_batch_file_local),
        cmocka_unit_test(test_cache_batch_file_remote),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
