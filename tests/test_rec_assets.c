/* test_rec_assets.c - the list of everything a recording needs
 * (player/recording/rec_assets.h): the sample class against truth.json, relative and
 * absolute image URLs, duplicates, unreadable pages, and the images served
 * by the fetch layer from its cache once the server is gone. */
#include "base/diag.h"
#include "player/net/fetch.h"
#include "player/recording/manifest.h"
#include "player/recording/rec_assets.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "player/net/url.h"
#include "support/httpd.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static char *file_url(const char *path)
{
    char *u = NULL;
    assert_int_equal(url_from_path(path, &u), 0);
    return u;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* The image files truth.json says the generator wrote (relative paths). */
static size_t truth_images(char files[][256], size_t cap)
{
    char path[1024], *json = NULL;
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/truth.json", SIGPLAY_SAMPLE_DIR);
    assert_int_equal(sp_read_file(path, 1 << 24, &json, &len), 0);
    cJSON *root = cJSON_ParseWithLength(json, len);
    assert_non_null(root);
    const cJSON *images = cJSON_GetObjectItemCaseSensitive(root, "images");
    assert_true(cJSON_IsObject(images));
    size_t n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, images)
    {
        const cJSON *file = cJSON_GetObjectItemCaseSensitive(it, "file");
        assert_true(cJSON_IsString(file));
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen = seen || !strcmp(files[k], file->valuestring);
        if (!seen) {
            assert_true(n < cap);
            snprintf(files[n++], 256, "%s", file->valuestring);
        }
    }
    cJSON_Delete(root);
    free(json);
    return n;
}

static size_t distinct_segment_urls(const struct recording *rec)
{
    size_t n = 0;
    for (size_t l = 0; l < rec->n_lanes; l++)
        for (size_t k = 0; k < rec->lanes[l].n_segments; k++) {
            const char *u = rec->lanes[l].segments[k].url;
            bool seen = false;
            for (size_t m = 0; m < l && !seen; m++)
                for (size_t j = 0; j < rec->lanes[m].n_segments && !seen; j++)
                    seen = !strcmp(rec->lanes[m].segments[j].url, u);
            for (size_t j = 0; j < k && !seen; j++)
                seen = !strcmp(rec->lanes[l].segments[j].url, u);
            n += !seen;
        }
    return n;
}

/* Every image of truth.json is listed (as the URL relative to the manifest
 * resolves to), nothing else is an image, and each listed file exists. */
static void check_sample_list(const char *doc)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", SIGPLAY_SAMPLE_DIR, doc);
    struct diag_list d = {0};
    struct recording *rec = NULL;
    assert_int_equal(manifest_open(path, NULL, NULL, &d, &rec), 0);
    struct rec_assets l = {0};
    assert_int_equal(rec_assets_collect(rec, NULL, &d, &l), 0);
    assert_int_equal(l.pages_unread, 0);
    assert_int_equal(d.errors, 0);

    assert_int_equal(l.by_kind[REC_ASSET_MANIFEST], 1);
    assert_string_equal(l.items[0].url, rec->doc_url);
    assert_true(strstr(rec->doc_url, "/replay.json") != NULL);
    assert_true(rec->n_message_pages > 0);
    assert_int_equal(l.by_kind[REC_ASSET_PAGE], rec->n_message_pages);
    assert_int_equal(l.by_kind[REC_ASSET_MEDIA], distinct_segment_urls(rec));

    char files[16][256];
    size_t n = truth_images(files, 16);
    assert_true(n >= 3); /* the slide, the chat photo and its thumbnail */
    assert_int_equal(l.by_kind[REC_ASSET_IMAGE], n);
    for (size_t k = 0; k < n; k++) {
        snprintf(path, sizeof(path), "%s/%s", SIGPLAY_SAMPLE_DIR, files[k]);
        char *u = file_url(path);
        ptrdiff_t i = rec_assets_find(&l, u);
        assert_true(i >= 0);
        assert_int_equal(l.items[i].kind, REC_ASSET_IMAGE);
        free(u);
    }
    /* order: manifest, pages, media, images */
    for (size_t i = 1; i < l.count; i++)
        assert_true(l.items[i - 1].kind <= l.items[i].kind);
    rec_assets_clear(&l);
    recording_free(rec);
    diag_clear(&d);
}

static void test_sample_class(void **state)
{
    (void)state;
    check_sample_list("replay.json");
}

/* callback.json leads to the manifest through ReplayUrl: same images. */
static void test_sample_via_replay_url(void **state)
{
    (void)state;
    check_sample_list("callback.json");
}

static void test_add_and_find(void **state)
{
    (void)state;
    struct rec_assets l = {0};
    assert_int_equal(rec_assets_add(&l, NULL, "img/a.png", REC_ASSET_IMAGE, -1), SP_EINVAL);
    assert_int_equal(rec_assets_add(&l, "", "img/a.png", REC_ASSET_IMAGE, -1), SP_EINVAL);
    assert_int_equal(rec_assets_add(&l, NULL, "", REC_ASSET_IMAGE, -1), SP_EINVAL);
    assert_int_equal(
        rec_assets_add(&l, "http://h/r/replay.json", "../img/a.png", REC_ASSET_IMAGE, 12), 0);
    assert_int_equal(rec_assets_add(&l, NULL, "http://h/img/a.png", REC_ASSET_MEDIA, -1), 0);
    assert_int_equal(l.count, 1); /* the same URL: the first kind stays */
    assert_string_equal(l.items[0].url, "http://h/img/a.png");
    assert_int_equal(l.items[0].kind, REC_ASSET_IMAGE);
    assert_int_equal(l.items[0].size, 12);
    assert_int_equal(rec_assets_find(&l, "http://h/img/b.png"), -1);
    /* enough entries to grow the set several times */
    char u[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(u, sizeof(u), "http://h/%d", i % 500);
        assert_int_equal(rec_assets_add(&l, NULL, u, REC_ASSET_PAGE, -1), 0);
    }
    assert_int_equal(l.count, 501);
    assert_int_equal(l.by_kind[REC_ASSET_PAGE], 500);
    assert_int_equal(rec_assets_find(&l, "http://h/499"), 500);
    assert_string_equal(rec_asset_kind_name(REC_ASSET_IMAGE), "image");
    rec_assets_clear(&l);
    rec_assets_clear(&l); /* cleared twice: still fine */
    rec_assets_clear(NULL);
}

/* A hand-made recording: relative, absolute and repeated image URLs, an
 * image element with several sizes, an op that is skipped, a missing page. */
static void test_handmade(void **state)
{
    (void)state;
    char dir[512], sub[600], path[700];
    snprintf(dir, sizeof(dir), "%s/rec-assets-%d", SIGPLAY_TEST_TMP, (int)getpid());
    mkdir(dir, 0700);
    snprintf(sub, sizeof(sub), "%s/r", dir);
    mkdir(sub, 0700);
    snprintf(path, sizeof(path), "%s/replay.json", sub);
    write_text(path,
               "{\"Version\":1,\"RecordStartTime\":1700000000,\"TotalTime\":1000,"
               "\"VideoInfos\":[],\"Messages\":[{\"Url\":\"p0.json\"},{\"Url\":\"gone.json\"},"
               "{\"Url\":\"p1.json\"}]}");
    /* board ops: relative + absolute + a repeat + a bad op (skipped) */
    const char *wb = "{\\\"v\\\":1,\\\"ops\\\":["
                     "{\\\"t\\\":1700000000100,\\\"op\\\":\\\"board.add\\\",\\\"user\\\":\\\"u\\\","
                     "\\\"board\\\":\\\"b1\\\",\\\"image\\\":\\\"../slides/s%201.png\\\"},"
                     "{\\\"t\\\":1700000000200,\\\"op\\\":\\\"board.bg\\\",\\\"user\\\":\\\"u\\\","
                     "\\\"board\\\":\\\"b1\\\",\\\"image\\\":\\\"https://cdn.test/bg.jpg\\\"},"
                     "{\\\"t\\\":1700000000300,\\\"op\\\":\\\"board.bg\\\",\\\"user\\\":\\\"u\\\","
                     "\\\"board\\\":\\\"b1\\\",\\\"image\\\":\\\"./x/../../slides/s%201.png\\\"},"
                     "{\\\"t\\\":1700000000400,\\\"op\\\":\\\"board.bg\\\",\\\"user\\\":\\\"u\\\","
                     "\\\"board\\\":\\\"b1\\\",\\\"image\\\":7}]}";
    char page[4096];
    snprintf(page, sizeof(page),
             "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":["
             "{\"From_Account\":\"u\",\"MsgSeq\":2,\"MsgTimeStamp\":1700000000,"
             "\"MsgBody\":[{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"%s\","
             "\"Ext\":\"TXWhiteBoardExt\"}}]}]}",
             wb);
    snprintf(path, sizeof(path), "%s/p0.json", sub);
    write_text(path, page);
    snprintf(path, sizeof(path), "%s/p1.json", sub);
    write_text(path,
               "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":["
               "{\"From_Account\":\"s\",\"MsgSeq\":3,\"MsgTimeStamp\":1700000001,"
               "\"MsgBody\":[{\"MsgType\":\"TIMImageElem\",\"MsgContent\":{\"UUID\":\"x\","
               "\"ImageInfoArray\":["
               "{\"Type\":1,\"Size\":900,\"URL\":\"chat/big.jpg\"},"
               "{\"Type\":2,\"Size\":900,\"URL\":\"chat/big.jpg\"},"
               "{\"Type\":3,\"Size\":90,\"URL\":\"chat/thumb.jpg\"},"
               "{\"Type\":3,\"Size\":90}]}}]},"
               "{\"From_Account\":\"s\",\"MsgSeq\":4,\"IsPlaceMsg\":1,\"MsgTimeStamp\":1700000001,"
               "\"MsgBody\":[{\"MsgType\":\"TIMImageElem\",\"MsgContent\":{\"ImageInfoArray\":["
               "{\"Type\":3,\"URL\":\"chat/deleted.jpg\"}]}}]}]}");
    snprintf(path, sizeof(path), "%s/replay.json", sub);

    struct diag_list d = {0};
    struct recording *rec = NULL;
    assert_int_equal(manifest_open(path, NULL, NULL, &d, &rec), 0);
    diag_clear(&d);
    struct rec_assets l = {0};
    assert_int_equal(rec_assets_collect(rec, NULL, &d, &l), 0);
    assert_int_equal(l.pages_unread, 1);
    assert_true(diag_contains(&d, "gone.json"));
    assert_true(diag_contains(&d, "image"));        /* the skipped op */
    assert_int_equal(l.by_kind[REC_ASSET_PAGE], 3); /* the missing one stays listed */
    assert_int_equal(l.by_kind[REC_ASSET_MEDIA], 0);

    char want[4][700];
    /* url_from_path would encode the '%': build the expected URLs from the
     * directory's URL instead */
    char *du = file_url(dir);
    snprintf(want[0], sizeof(want[0]), "%s/slides/s%%201.png", du);
    snprintf(want[1], sizeof(want[1]), "https://cdn.test/bg.jpg");
    snprintf(want[2], sizeof(want[2]), "%s/r/chat/big.jpg", du);
    snprintf(want[3], sizeof(want[3]), "%s/r/chat/thumb.jpg", du);
    free(du);
    assert_int_equal(l.by_kind[REC_ASSET_IMAGE], 4);
    size_t first_image = l.count - 4;
    for (size_t k = 0; k < 4; k++) {
        assert_string_equal(l.items[first_image + k].url, want[k]);
        assert_int_equal(l.items[first_image + k].kind, REC_ASSET_IMAGE);
    }
    assert_int_equal(l.items[first_image].size, -1);
    assert_int_equal(l.items[first_image + 2].size, 900);
    assert_int_equal(l.items[first_image + 3].size, 90);
    rec_assets_clear(&l);
    recording_free(rec);
    diag_clear(&d);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* A board image refused by the scheme allow-list (a data: URL, from a
 * local document) is one warning giving the reason, and not listed; the
 * old line said it "cannot be resolved". */
static void test_refused_image_says_why(void **state)
{
    (void)state;
    char dir[512], path[700];
    snprintf(dir, sizeof(dir), "%s/rec-assets-refused-%d", SIGPLAY_TEST_TMP, (int)getpid());
    mkdir(dir, 0700);
    snprintf(path, sizeof(path), "%s/p0.json", dir);
    write_text(path,
               "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"RspMsgList\":["
               "{\"From_Account\":\"u\",\"MsgSeq\":2,\"MsgTimeStamp\":1700000000,"
               "\"MsgBody\":[{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":"
               "\"{\\\"v\\\":1,\\\"ops\\\":[{\\\"t\\\":1700000000100,\\\"op\\\":\\\"board.add\\\","
               "\\\"user\\\":\\\"u\\\",\\\"board\\\":\\\"b1\\\","
               "\\\"image\\\":\\\"data:image/png;base64,AAAA\\\"}]}\","
               "\"Ext\":\"TXWhiteBoardExt\"}}]}]}");
    snprintf(path, sizeof(path), "%s/replay.json", dir);
    write_text(path, "{\"Version\":1,\"RecordStartTime\":1700000000,\"TotalTime\":1000,"
                     "\"VideoInfos\":[],\"Messages\":[{\"Url\":\"p0.json\"}]}");
    struct diag_list d = {0};
    struct recording *rec = NULL;
    assert_int_equal(manifest_open(path, NULL, NULL, &d, &rec), 0);
    diag_clear(&d);
    struct rec_assets l = {0};
    assert_int_equal(rec_assets_collect(rec, NULL, &d, &l), 0);
    assert_int_equal(l.by_kind[REC_ASSET_IMAGE], 0);
    assert_int_equal(d.warnings, 1);
    assert_true(diag_contains(&d, "whiteboard: image URL 'data:image/png;base64,AAAA' refused: "
                                  "URL scheme not allowed"));
    assert_false(diag_contains(&d, "cannot be resolved"));
    rec_assets_clear(&l);
    recording_free(rec);
    diag_clear(&d);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static int same_as_file(const char *data, size_t len, const char *path)
{
    char *want = NULL;
    size_t wlen = 0;
    if (sp_read_file(path, 1 << 26, &want, &wlen))
        return 0;
    int same = wlen == len && !memcmp(want, data, len);
    free(want);
    return same;
}

/* Over HTTP: download the list, stop the server, then every image (and the
 * pages) is served by fetch_get from the cache, byte for byte. */
static void test_http_then_offline(void **state)
{
    (void)state;
    struct httpd *srv = NULL;
    assert_int_equal(httpd_start(SIGPLAY_SAMPLE_DIR, &srv), 0);
    char cdir[512], url[256];
    snprintf(cdir, sizeof(cdir), "%s/rec-assets-cache-%d", SIGPLAY_TEST_TMP, (int)getpid());
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/replay.json", httpd_port(srv));
    struct fetch_opts o;
    fetch_opts_init(&o);
    o.cache_dir = cdir;
    o.max_tries = 1;
    o.connect_timeout_us = 2000000;
    struct fetch *f = NULL;
    struct diag_list d = {0};
    assert_int_equal(fetch_create(&o, &f, &d), 0);
    struct sp_loader loader = fetch_loader(f);
    struct recording *rec = NULL;
    assert_int_equal(manifest_open(url, &loader, NULL, &d, &rec), 0);
    struct rec_assets l = {0};
    assert_int_equal(rec_assets_collect(rec, &loader, &d, &l), 0);
    assert_int_equal(l.pages_unread, 0);
    char files[16][256];
    size_t n = truth_images(files, 16);
    assert_int_equal(l.by_kind[REC_ASSET_IMAGE], n);
    for (size_t i = 0; i < l.count; i++) {
        if (l.items[i].kind == REC_ASSET_MEDIA)
            continue; /* media downloads are test_fetch's and test_fetch_cli's */
        assert_int_equal(fetch_download(f, l.items[i].url, 0, NULL, NULL, &d), 0);
    }
    httpd_stop(&srv);

    size_t checked = 0;
    size_t prefix = strlen(url) - strlen("replay.json");
    for (size_t i = 0; i < l.count; i++) {
        const struct rec_asset *a = &l.items[i];
        if (a->kind == REC_ASSET_MEDIA)
            continue;
        char *data = NULL;
        size_t len = 0;
        struct diag_list e = {0};
        int rc = fetch_get(f, a->url, 1 << 26, &data, &len, &e);
        if (rc)
            fail_msg("%s offline: %s", a->url, e.count ? e.items[0].text : sp_strerror(rc));
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", SIGPLAY_SAMPLE_DIR, a->url + prefix);
        assert_true(same_as_file(data, len, path));
        free(data);
        diag_clear(&e);
        checked += a->kind == REC_ASSET_IMAGE;
    }
    assert_int_equal(checked, n);
    rec_assets_clear(&l);
    recording_free(rec);
    diag_clear(&d);
    fetch_destroy(&f);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cdir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_and_find),          cmocka_unit_test(test_sample_class),
        cmocka_unit_test(test_sample_via_replay_url), cmocka_unit_test(test_handmade),
        cmocka_unit_test(test_http_then_offline),     cmocka_unit_test(test_refused_image_says_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
