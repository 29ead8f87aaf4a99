/* test_avio_cache.c - FFmpeg demuxing through player/net/avio_cache while the
 * file downloads from a real HTTP server on 127.0.0.1. */
#include "player/net/avio_cache.h"
#include "player/net/cache.h"
#include "base/sp_error.h"
#include "support/httpd.h"

#include <libavformat/avformat.h>

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static char root[512], cachedir[1024], tail_mp4[600];
static struct httpd *srv;

static struct fetch *new_fetch(void)
{
    struct fetch_opts o;
    fetch_opts_init(&o);
    o.cache_dir = cachedir;
    o.backoff_us = 50000;
    struct fetch *f = NULL;
    assert_int_equal(fetch_create(&o, &f, NULL), 0);
    return f;
}

/* Offset of the top-level box of type t, or -1. */
static long box_offset(const char *path, const char *t)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    long off = 0, found = -1;
    unsigned char h[8];
    while (fseek(fp, off, SEEK_SET) == 0 && fread(h, 1, 8, fp) == 8) {
        unsigned long sz = (unsigned long)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
        if (!memcmp(h + 4, t, 4)) {
            found = off;
            break;
        }
        if (sz < 8)
            break;
        off += (long)sz;
    }
    fclose(fp);
    return found;
}

struct demux_result {
    int packets;
    int64_t bytes;
};

/* Opens pb (or path if pb is NULL), reads up to max packets. */
static int demux(AVIOContext *pb, const char *path, int max, struct demux_result *out)
{
    AVFormatContext *fc = avformat_alloc_context();
    if (pb) {
        fc->pb = pb;
        fc->flags |= AVFMT_FLAG_CUSTOM_IO;
    }
    int r = avformat_open_input(&fc, pb ? NULL : path, NULL, NULL);
    if (r < 0)
        return r;
    r = avformat_find_stream_info(fc, NULL);
    memset(out, 0, sizeof(*out));
    AVPacket *pkt = av_packet_alloc();
    while (r >= 0 && out->packets < max && (r = av_read_frame(fc, pkt)) >= 0) {
        out->packets++;
        out->bytes += pkt->size;
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    avformat_close_input(&fc);
    return r == AVERROR_EOF || r >= 0 ? 0 : r;
}

static void test_plays_before_download_ends(void **state)
{
    (void)state;
    /* 1 KB per 5 ms: the ~900 KB file needs about 4.5 s in full */
    httpd_set_slow_ms(srv, 5);
    struct fetch *f = new_fetch();
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow/tail.mp4", httpd_port(srv));
    struct avio_cache *ac;
    assert_int_equal(avio_cache_open(f, url, FETCH_MEDIA, -1, &ac), 0);
    struct demux_result dr;
    assert_int_equal(demux(avio_cache_ctx(ac), NULL, 10, &dr), 0);
    assert_int_equal(dr.packets, 10);
    struct fetch_status st;
    avio_cache_status(ac, &st);
    /* the index at the end was reached by a ranged request, not by
     * downloading everything before it */
    assert_true(st.total > 0);
    assert_true(st.have < st.total);
    avio_cache_close(&ac);
    fetch_destroy(&f);
}

static void test_same_packets_as_local(void **state)
{
    (void)state;
    struct fetch *f = new_fetch();
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/tail.mp4", httpd_port(srv));
    struct avio_cache *ac;
    assert_int_equal(avio_cache_open(f, url, FETCH_MEDIA, -1, &ac), 0);
    struct demux_result net, local;
    assert_int_equal(demux(avio_cache_ctx(ac), NULL, 1 << 20, &net), 0);
    assert_int_equal(demux(NULL, tail_mp4, 1 << 20, &local), 0);
    assert_true(local.packets > 100);
    assert_int_equal(net.packets, local.packets);
    assert_int_equal(net.bytes, local.bytes);
    avio_cache_close(&ac);
    /* a local path goes straight to disk */
    assert_int_equal(avio_cache_open(f, tail_mp4, FETCH_MEDIA, -1, &ac), 0);
    assert_int_equal(demux(avio_cache_ctx(ac), NULL, 1 << 20, &net), 0);
    assert_int_equal(net.packets, local.packets);
    avio_cache_close(&ac);
    fetch_destroy(&f);
}

struct reader {
    struct avio_cache *ac;
    int result;
};

static void *read_far(void *arg)
{
    struct reader *r = arg;
    AVIOContext *pb = avio_cache_ctx(r->ac);
    avio_seek(pb, 800000, SEEK_SET);
    unsigned char buf[4096];
    r->result = avio_read(pb, buf, sizeof(buf));
    return NULL;
}

static void test_buffering_state_and_cancel(void **state)
{
    (void)state;
    /* a server that never sends the body: the read must wait */
    struct fetch *f = new_fetch();
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/stall/tail.mp4", httpd_port(srv));
    struct reader r = {NULL, 0};
    assert_int_equal(avio_cache_open(f, url, FETCH_MEDIA, -1, &r.ac), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, read_far, &r), 0);
    bool seen = false;
    for (int i = 0; i < 200 && !seen; i++) {
        struct fetch_status st;
        avio_cache_status(r.ac, &st);
        seen = st.buffering;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_true(seen);
    avio_cache_cancel(r.ac);
    pthread_join(th, NULL);
    assert_int_equal(r.result, AVERROR_EXIT);
    avio_cache_close(&r.ac);
    fetch_destroy(&f);
}

static void test_404_media_says_why(void **state)
{
    (void)state;
    struct fetch *f = new_fetch();
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/404/tail.mp4", httpd_port(srv));
    struct avio_cache *ac;
    assert_int_equal(avio_cache_open(f, url, FETCH_MEDIA, -1, &ac), 0);
    struct demux_result dr;
    assert_true(demux(avio_cache_ctx(ac), NULL, 10, &dr) < 0);
    if (!strstr(avio_cache_error(ac), "HTTP 404"))
        fail_msg("error was: %s", avio_cache_error(ac));
    assert_non_null(strstr(avio_cache_error(ac), "3 days"));
    avio_cache_close(&ac);
    fetch_destroy(&f);
}

static int setup(void **state)
{
    (void)state;
    static int serial;
    snprintf(cachedir, sizeof(cachedir), "%s/cache-%d", root, serial++);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[1100];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cachedir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    snprintf(root, sizeof(root), "%s/avio-root-%d", SIGPLAY_TEST_TMP, (int)getpid());
    mkdir(root, 0700);
    /* an MP4 with its index (moov) at the end, remuxed from the sample */
    snprintf(tail_mp4, sizeof(tail_mp4), "%s/tail.mp4", root);
    char cmd[2000];
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -nostdin -v error -y -i '%s/media/teacher_01-0.mp4' "
             "-c copy -f mp4 '%s'",
             SIGPLAY_SAMPLE_DIR, tail_mp4);
    if (system(cmd) != 0 || box_offset(tail_mp4, "moov") < box_offset(tail_mp4, "mdat")) {
        fprintf(stderr, "cannot make an MP4 with its index at the end\n");
        return 1;
    }
    if (httpd_start(root, &srv)) {
        fprintf(stderr, "cannot start the test server\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plays_before_download_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_packets_as_local, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buffering_state_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_404_media_says_why, setup, teardown),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    httpd_stop(&srv);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
        r = 1;
    return r;
}
