/* Tests for player/media/sei: syncTime in H.264 / HEVC SEI (spec section 6).
 * Every NAL here is built by hand, byte by byte, in this file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "base/diag.h"
#include "player/media/sei.h"
#include "base/sp_error.h"
#include "base/sp_file.h"

/* A growable byte buffer. */
struct buf {
    uint8_t b[16384];
    size_t n;
};

static void put(struct buf *o, const void *p, size_t n)
{
    assert_true(o->n + n <= sizeof(o->b));
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put1(struct buf *o, uint8_t v)
{
    put(o, &v, 1);
}

static void put_ff(struct buf *o, size_t v)
{
    while (v >= 255) {
        put1(o, 0xFF);
        v -= 255;
    }
    put1(o, (uint8_t)v);
}

/* Appends one sei_message (type, size, payload) to an RBSP. */
static void sei_msg(struct buf *rbsp, size_t type, const void *payload, size_t len)
{
    put_ff(rbsp, type);
    put_ff(rbsp, len);
    put(rbsp, payload, len);
}

static const uint8_t UUID[16] = {0x00, 0x00, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44,
                                 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0x00, 0x00};

static void sei_msg_uuid(struct buf *rbsp, const uint8_t uuid[16], const char *text, size_t len)
{
    put_ff(rbsp, 5);
    put_ff(rbsp, 16 + len);
    put(rbsp, uuid, 16);
    put(rbsp, text, len);
}

/* NAL = header + RBSP (+ trailing 0x80) with emulation prevention. Returns
 * how many 03 bytes were inserted. */
static int make_nal(struct buf *nal, const uint8_t *hdr, size_t hdr_len, const struct buf *rbsp)
{
    put(nal, hdr, hdr_len);
    int zeros = 0, epb = 0;
    for (size_t i = 0; i <= rbsp->n; i++) {
        uint8_t c = i < rbsp->n ? rbsp->b[i] : 0x80;
        if (zeros >= 2 && c <= 3) {
            put1(nal, 3);
            zeros = 0;
            epb++;
        }
        put1(nal, c);
        zeros = c == 0 ? zeros + 1 : 0;
    }
    return epb;
}

static const uint8_t H264_SEI[] = {0x06};
static const uint8_t H264_IDR[] = {0x65, 0x88, 0x84, 0x00, 0x33, 0xff};
static const uint8_t HEVC_PREFIX[] = {39 << 1, 0x01};
static const uint8_t HEVC_SUFFIX[] = {40 << 1, 0x01};

static void lp(struct buf *pkt, const void *nal, size_t n, int nls)
{
    for (int k = nls - 1; k >= 0; k--)
        put1(pkt, (uint8_t)(n >> (8 * k)));
    put(pkt, nal, n);
}

static void annexb(struct buf *pkt, const void *nal, size_t n, int sc_len)
{
    static const uint8_t sc4[] = {0, 0, 0, 1};
    put(pkt, sc4 + (4 - sc_len), (size_t)sc_len);
    put(pkt, nal, n);
}

static struct buf *new_buf(void)
{
    struct buf *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    return b;
}

static const char *JSON1 = "{\"syncTime\":1700000001234}";

static void test_h264_242_length_prefixed(void **state)
{
    (void)state;
    struct buf *rbsp = new_buf(), *nal = new_buf(), *pkt = new_buf();
    sei_msg(rbsp, 242, JSON1, strlen(JSON1));
    make_nal(nal, H264_SEI, 1, rbsp);
    lp(pkt, nal->b, nal->n, 4);
    lp(pkt, H264_IDR, sizeof(H264_IDR), 4);
    struct diag_list d = {0};
    int64_t v = 0;
    assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, &v, &d), 1);
    assert_int_equal(v, 1700000001234LL * 1000);
    assert_int_equal(d.count, 0);
    /* Same NAL with 2- and 1-byte lengths. */
    pkt->n = 0;
    lp(pkt, nal->b, nal->n, 2);
    assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 2, &v, &d), 1);
    pkt->n = 0;
    lp(pkt, nal->b, nal->n, 1);
    v = 0;
    assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 1, &v, &d), 1);
    assert_int_equal(v, 1700000001234LL * 1000);
    /* A slice alone has none. */
    pkt->n = 0;
    lp(pkt, H264_IDR, sizeof(H264_IDR), 4);
    assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, &v, &d), 0);
    assert_int_equal(sei_find_sync_time_us(pkt->b, 0, SEI_CODEC_H264, 4, &v, &d), 0);
    assert_int_equal(d.count, 0);
    free(rbsp);
    free(nal);
    free(pkt);
}

/* Payload types 100 and 243 read like 242; a 244 (the SDK's own
 * timestamp) before them, holding a wrong syncTime, is never an anchor; the
 * seen mask names what was found. */
static void test_types_100_243_and_244_decoy(void **state)
{
    (void)state;
    static const char *decoy = "{\"syncTime\":1700000009999}";
    static const char *j100 = "{\"syncTime\":1700000000100}";
    static const char *j243 = "{\"syncTime\":1700000000243}";
    struct buf *rbsp = new_buf(), *nal = new_buf(), *pkt = new_buf();
    sei_msg(rbsp, 244, decoy, strlen(decoy));
    sei_msg(rbsp, 100, j100, strlen(j100));
    sei_msg(rbsp, 244, decoy, strlen(decoy));
    sei_msg(rbsp, 243, j243, strlen(j243));
    make_nal(nal, H264_SEI, 1, rbsp);
    lp(pkt, nal->b, nal->n, 4);
    struct diag_list d = {0};
    int64_t v[4] = {0};
    unsigned seen = 0;
    assert_int_equal(
        sei_find_sync_times_seen_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, v, 4, &seen, &d), 2);
    assert_int_equal(v[0], 1700000000100LL * 1000);
    assert_int_equal(v[1], 1700000000243LL * 1000);
    assert_int_equal(seen, SEI_SEEN_100 | SEI_SEEN_243 | SEI_SEEN_244);
    assert_int_equal(d.count, 0);
    /* 244 alone gives nothing, and sei_parse_payload_us refuses it too. */
    rbsp->n = nal->n = pkt->n = 0;
    sei_msg(rbsp, 244, decoy, strlen(decoy));
    make_nal(nal, H264_SEI, 1, rbsp);
    lp(pkt, nal->b, nal->n, 4);
    seen = 0;
    assert_int_equal(
        sei_find_sync_times_seen_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, v, 4, &seen, &d), 0);
    assert_int_equal(seen, SEI_SEEN_244);
    int64_t one = 0;
    assert_int_equal(sei_parse_payload_us(244, (const uint8_t *)decoy, strlen(decoy), &one, NULL),
                     0);
    /* A UUID before the JSON of a type 100 is accepted. */
    uint8_t withuuid[64] = {0};
    memset(withuuid, 0x5a, 16);
    memcpy(withuuid + 16, j100, strlen(j100));
    assert_int_equal(sei_parse_payload_us(100, withuuid, 16 + strlen(j100), &one, NULL), 1);
    assert_int_equal(one, 1700000000100LL * 1000);
    /* A NUL in any string of it refuses the payload, with a reason. */
    const char *nul = "{\"syncTime\":1700000000100,\"room\":\"a\\u0000b\"}";
    const char *why = NULL;
    one = 0;
    assert_int_equal(sei_parse_payload_us(100, (const uint8_t *)nul, strlen(nul), &one, &why),
                     SP_EPARSE);
    assert_int_equal(one, 0);
    assert_non_null(why);
    assert_non_null(strstr(why, "NUL"));
    free(rbsp);
    free(nal);
    free(pkt);
}

static void test_type5_uuid_with_emulation_prevention(void **state)
{
    (void)state;
    struct buf *rbsp = new_buf(), *nal = new_buf(), *pkt = new_buf();
    /* The UUID starts and ends with zeros and the JSON carries NUL padding:
     * 00 00 00 sequences in the payload need emulation prevention. */
    const char json[] = "{ \"syncTime\" : 1600152855000 }\0\0\0\0";
    sei_msg_uuid(rbsp, UUID, json, sizeof(json) - 1);
    int epb = make_nal(nal, H264_SEI, 1, rbsp);
    assert_true(epb >= 2);
    annexb(pkt, nal->b, nal->n, 4);
    annexb(pkt, H264_IDR, sizeof(H264_IDR), 3);
    int64_t v = 0;
    struct diag_list d = {0};
    assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 0, &v, &d), 1);
    assert_int_equal(v, 1600152855000LL * 1000);
    assert_int_equal(d.count, 0);
    /* The payload as a decoder sees it (escaped) must not parse: proves the
     * 03 bytes are removed rather than ignored. A payload of the escaped
     * size would run off the end. */
    const uint8_t *esc = nal->b + 1 + 2; /* header, type 5, size */
    int64_t w = 0;
    assert_int_not_equal(sei_parse_payload_us(5, esc, 16 + sizeof(json) - 1, &w, NULL), 1);
    free(rbsp);
    free(nal);
    free(pkt);
}

static void test_several_messages_and_x264_settings(void **state)
{
    (void)state;
    struct buf *rbsp = new_buf(), *nal = new_buf(), *pkt = new_buf();
    /* x264's own user data: its UUID, then its settings string. */
    static const uint8_t x264_uuid[16] = {0xdc, 0x45, 0xe9, 0xbd, 0xe6, 0xd9, 0x48, 0xb7,
                                          0x96, 0x2c, 0xd8, 0x20, 0xd9, 0x23, 0xee, 0xef};
    const char *x264 = "x264 - core 164 r3095 baee400 - H.264/MPEG-4 AVC codec - Copyleft "
                       "2003-2022 - http://www.videolan.org/x264.html - options: cabac=1 ref=3 "
                       "deblock=1:0:0 analyse=0x3:0x113 me=hex subme=7 psy=1 psy_rd=1.00:0.00 "
                       "mixed_ref=1 me_range=16 chroma_me=1 trellis=1 8x8dct=1 cqm=0 "
                       "deadzone=21,11 fast_pskip=1 chroma_qp_offset=-2 threads=3";
    sei_msg_uuid(rbsp, x264_uuid, x264, strlen(x264) + 1);
    static const uint8_t recovery[] = {0x84}; /* recovery point, 1 byte */
    sei_msg(rbsp, 6, recovery, sizeof(recovery));
    sei_msg(rbsp, 242, JSON1, strlen(JSON1));
    const char *other = "{\"hello\":1}";
    sei_msg(rbsp, 242, other, strlen(other));
    const char *second = "{\"syncTime\":1700000002000,\"x\":[1,2]}";
    sei_msg_uuid(rbsp, UUID, second, strlen(second));
    make_nal(nal, H264_SEI, 1, rbsp);
    lp(pkt, nal->b, nal->n, 4);
    int64_t v[4] = {0};
    struct diag_list d = {0};
    assert_int_equal(sei_find_sync_times_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, v, 4, &d), 2);
    assert_int_equal(v[0], 1700000001234LL * 1000);
    assert_int_equal(v[1], 1700000002000LL * 1000);
    /* max bounds what is written. */
    v[1] = 0;
    assert_int_equal(sei_find_sync_times_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, v, 1, &d), 1);
    assert_int_equal(v[1], 0);
    assert_int_equal(d.count, 0);

    /* The x264 message alone: nothing, silently. */
    rbsp->n = nal->n = pkt->n = 0;
    sei_msg_uuid(rbsp, x264_uuid, x264, strlen(x264) + 1);
    make_nal(nal, H264_SEI, 1, rbsp);
    lp(pkt, nal->b, nal->n, 4);
    assert_int_equal(sei_find_sync_times_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, v, 4, &d), 0);
    assert_int_equal(d.count, 0);
    free(rbsp);
    free(nal);
    free(pkt);
}

static void test_long_payload_ff_coding(void **state)
{
    (void)state;
    struct buf *rbsp = new_buf(), *nal = new_buf(), *pkt = new_buf();
    /* An unknown type >= 255 first (type coded FF 0B = 266), then a JSON
     * payload of 600 bytes (size coded FF FF 5A). */
    static const uint8_t junk[300] = {1};
    sei_msg(rbsp, 266, junk, sizeof(junk));
    char json[601];
    int n = snprintf(json, sizeof(json), "{\"syncTime\":1700000005000,\"pad\":\"");
    memset(json + n, 'a', 600 - (size_t)n - 2);
    memcpy(json + 598, "\"}", 2);
    json[600] = '\0';
    sei_msg(rbsp, 242, json, 600);
    assert_int_equal(rbsp->b[0], 0xFF);
    make_nal(nal, H264_SEI, 1, rbsp);
    lp(pkt, nal->b, nal->n, 4);
    int64_t v = 0;
    assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, &v, NULL), 1);
    assert_int_equal(v, 1700000005000LL * 1000);
    free(rbsp);
    free(nal);
    free(pkt);
}

static void test_hevc_prefix_and_suffix(void **state)
{
    (void)state;
    struct buf *rbsp = new_buf(), *nal = new_buf(), *pkt = new_buf();
    sei_msg(rbsp, 242, JSON1, strlen(JSON1));
    make_nal(nal, HEVC_PREFIX, 2, rbsp);
    static const uint8_t idr[] = {1 << 1, 0x01, 0xaf, 0x00, 0x11}; /* TRAIL_R slice */
    lp(pkt, nal->b, nal->n, 4);
    lp(pkt, idr, sizeof(idr), 4);
    int64_t v = 0;
    assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_HEVC, 4, &v, NULL), 1);
    assert_int_equal(v, 1700000001234LL * 1000);
    /* Read as H.264 the header byte 0x4e is NAL type 14, not SEI. */
    assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, &v, NULL), 0);

    /* Suffix SEI after the slice, type 5, Annex B. */
    rbsp->n = nal->n = pkt->n = 0;
    const char *j = "{\"syncTime\":42}";
    sei_msg_uuid(rbsp, UUID, j, strlen(j));
    make_nal(nal, HEVC_SUFFIX, 2, rbsp);
    annexb(pkt, idr, sizeof(idr), 4);
    annexb(pkt, nal->b, nal->n, 3);
    assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_HEVC, 0, &v, NULL), 1);
    assert_int_equal(v, 42 * 1000);
    free(rbsp);
    free(nal);
    free(pkt);
}

static void test_annexb_start_codes(void **state)
{
    (void)state;
    struct buf *rbsp = new_buf(), *nal = new_buf(), *pkt = new_buf();
    sei_msg(rbsp, 242, JSON1, strlen(JSON1));
    make_nal(nal, H264_SEI, 1, rbsp);
    static const uint8_t aud[] = {0x09, 0xf0};
    static const uint8_t sps[] = {0x67, 0x64, 0x00, 0x1f, 0xac};
    for (int sc = 3; sc <= 4; sc++) {
        pkt->n = 0;
        annexb(pkt, aud, sizeof(aud), sc);
        annexb(pkt, sps, sizeof(sps), sc);
        annexb(pkt, nal->b, nal->n, sc);
        put1(pkt, 0); /* trailing_zero_8bits */
        annexb(pkt, H264_IDR, sizeof(H264_IDR), 7 - sc);
        put1(pkt, 0);
        int64_t v = 0;
        struct diag_list d = {0};
        assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 0, &v, &d), 1);
        assert_int_equal(v, 1700000001234LL * 1000);
        assert_int_equal(d.count, 0);
        /* Annex B data with avcC-style length size: read as Annex B. */
        v = 0;
        assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, &v, &d), 1);
        assert_int_equal(v, 1700000001234LL * 1000);
        assert_int_equal(d.count, 0);
    }
    free(rbsp);
    free(nal);
    free(pkt);
}

static void test_bad_sync_values(void **state)
{
    (void)state;
    static const char *bad[] = {
        "{\"syncTime\":\"1700000000000\"}",
        "{\"syncTime\":-5}",
        "{\"syncTime\":1.5}",
        "{\"syncTime\":1e300}",
        "{\"syncTime\":null}",
        "{\"syncTime\":18014398509481984}",
    };
    static const char *why[] = {
        "syncTime is not a number", "syncTime is negative",     "syncTime is not an integer",
        "syncTime is too large",    "syncTime is not a number", "syncTime is too large",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct buf *rbsp = new_buf(), *nal = new_buf(), *pkt = new_buf();
        sei_msg(rbsp, 242, bad[i], strlen(bad[i]));
        make_nal(nal, H264_SEI, 1, rbsp);
        lp(pkt, nal->b, nal->n, 4);
        struct diag_list d = {0};
        int64_t v = 77;
        assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, &v, &d),
                         SP_ERANGE);
        assert_int_equal(v, 77);
        assert_int_equal(d.count, 1);
        assert_true(diag_contains(&d, why[i]));
        assert_true(diag_contains(&d, "SEI: NAL 0 (type 6): SEI message 0 (payloadType 242)"));
        diag_clear(&d);
        free(rbsp);
        free(nal);
        free(pkt);
    }
    /* Not ours: silently nothing. */
    static const char *ignored[] = {"[1,2]", "{\"synctime\":5}", "{\"syncTime\":", "hello", "",
                                    "   {}"};
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
        int64_t v = 0;
        const char *reason = "x";
        assert_int_equal(
            sei_parse_payload_us(242, (const uint8_t *)ignored[i], strlen(ignored[i]), &v, &reason),
            0);
        assert_null(reason);
    }
    int64_t v = 0;
    assert_int_equal(sei_parse_payload_us(5, (const uint8_t *)"short", 5, &v, NULL), 0);
    assert_int_equal(sei_parse_payload_us(6, (const uint8_t *)JSON1, strlen(JSON1), &v, NULL), 0);
    assert_int_equal(sei_parse_payload_us(242, (const uint8_t *)" {\"syncTime\":0}", 15, &v, NULL),
                     1);
    assert_int_equal(v, 0);
}

static void test_damaged_packets(void **state)
{
    (void)state;
    struct buf *rbsp = new_buf(), *nal = new_buf(), *pkt = new_buf();
    struct diag_list d = {0};
    int64_t v = 0;

    /* NAL length past the end of the packet. */
    static const uint8_t p1[] = {0x00, 0x00, 0x10, 0x00, 0x06, 0xf2, 0x05, 0x7b};
    assert_int_equal(sei_find_sync_time_us(p1, sizeof(p1), SEI_CODEC_H264, 4, &v, &d), SP_EPARSE);
    assert_true(diag_contains(&d, "SEI: packet: NAL 0: length 4096 runs past the end of the "
                                  "packet (4 bytes left)"));
    /* Stray bytes shorter than a length field. */
    static const uint8_t p2[] = {0x00, 0x00, 0x00, 0x02, 0x65, 0x11, 0x00, 0x00};
    assert_int_equal(sei_find_sync_time_us(p2, sizeof(p2), SEI_CODEC_H264, 4, &v, &d), SP_EPARSE);
    assert_true(diag_contains(&d, "2 stray bytes after NAL 1"));

    /* payloadSize past the end of the NAL (a truncated SEI). */
    sei_msg(rbsp, 242, JSON1, strlen(JSON1));
    make_nal(nal, H264_SEI, 1, rbsp);
    lp(pkt, nal->b, nal->n - 6, 4);
    assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, &v, &d), SP_EPARSE);
    assert_true(diag_contains(&d, "payloadSize 26 runs past the end of the NAL"));

    /* 0xFF runs that never end. */
    static const uint8_t p3[] = {0x00, 0x00, 0x00, 0x04, 0x06, 0xff, 0xff, 0xff};
    assert_int_equal(sei_find_sync_time_us(p3, sizeof(p3), SEI_CODEC_H264, 4, &v, &d), SP_EPARSE);
    assert_true(diag_contains(&d, "payloadType runs past the end"));
    static const uint8_t p4[] = {0x00, 0x00, 0x00, 0x04, 0x06, 0xf2, 0xff, 0xff};
    assert_int_equal(sei_find_sync_time_us(p4, sizeof(p4), SEI_CODEC_H264, 4, &v, &d), SP_EPARSE);
    assert_true(diag_contains(&d, "payloadSize runs past the end"));

    /* Empty and tiny NALs are not damage. */
    static const uint8_t p5[] = {0, 0, 0, 0, 0, 0, 0, 1, 0x06, 0, 0, 0, 1, 0x4e};
    size_t before = d.count;
    assert_int_equal(sei_find_sync_time_us(p5, sizeof(p5), SEI_CODEC_H264, 4, &v, &d), 0);
    assert_int_equal(sei_find_sync_time_us(p5, sizeof(p5), SEI_CODEC_HEVC, 4, &v, &d), 0);
    assert_int_equal(d.count, before);

    /* Ten broken SEI NALs in one packet: one diagnostic. */
    diag_clear(&d);
    pkt->n = 0;
    for (int i = 0; i < 10; i++)
        lp(pkt, p3 + 4, 4, 4);
    assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, &v, &d), SP_EPARSE);
    assert_int_equal(d.count, 1);

    /* A good value with damage after it: found, and the damage is said. */
    diag_clear(&d);
    pkt->n = 0;
    lp(pkt, nal->b, nal->n, 4);
    lp(pkt, p3 + 4, 4, 4);
    assert_int_equal(sei_find_sync_time_us(pkt->b, pkt->n, SEI_CODEC_H264, 4, &v, &d), 1);
    assert_int_equal(v, 1700000001234LL * 1000);
    assert_int_equal(d.count, 1);

    /* Bad arguments. */
    assert_int_equal(sei_find_sync_time_us(NULL, 4, SEI_CODEC_H264, 4, &v, &d), SP_EINVAL);
    assert_int_equal(sei_find_sync_time_us(p1, sizeof(p1), SEI_CODEC_H264, 5, &v, &d), SP_EINVAL);
    assert_int_equal(sei_find_sync_times_us(p1, sizeof(p1), SEI_CODEC_H264, 4, NULL, 2, &d),
                     SP_EINVAL);
    diag_clear(&d);
    free(rbsp);
    free(nal);
    free(pkt);
}

static void test_nal_length_size(void **state)
{
    (void)state;
    static const uint8_t avcc4[] = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00};
    static const uint8_t avcc2[] = {0x01, 0x64, 0x00, 0x1f, 0xfd, 0xe1, 0x00};
    static const uint8_t annexb4[] = {0, 0, 0, 1, 0x67, 0x64};
    static const uint8_t annexb3[] = {0, 0, 1, 0x67, 0x64};
    static const uint8_t junk[] = {0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42};
    assert_int_equal(sei_nal_length_size(avcc4, sizeof(avcc4), SEI_CODEC_H264), 4);
    assert_int_equal(sei_nal_length_size(avcc2, sizeof(avcc2), SEI_CODEC_H264), 2);
    assert_int_equal(sei_nal_length_size(annexb4, sizeof(annexb4), SEI_CODEC_H264), 0);
    assert_int_equal(sei_nal_length_size(annexb3, sizeof(annexb3), SEI_CODEC_HEVC), 0);
    assert_int_equal(sei_nal_length_size(NULL, 0, SEI_CODEC_H264), 0);
    assert_int_equal(sei_nal_length_size(junk, sizeof(junk), SEI_CODEC_H264), SP_EPARSE);
    assert_int_equal(sei_nal_length_size(avcc4, 3, SEI_CODEC_H264), SP_EPARSE);
    uint8_t hvcc[23] = {0x01};
    hvcc[21] = 0x0f;
    assert_int_equal(sei_nal_length_size(hvcc, sizeof(hvcc), SEI_CODEC_HEVC), 4);
    hvcc[21] = 0x0c;
    assert_int_equal(sei_nal_length_size(hvcc, sizeof(hvcc), SEI_CODEC_HEVC), 1);
    assert_int_equal(sei_nal_length_size(hvcc, 22, SEI_CODEC_HEVC), SP_EPARSE);
}

static void test_segdec_adapter(void **state)
{
    (void)state;
    struct buf *rbsp = new_buf(), *nal = new_buf(), *pkt = new_buf();
    sei_msg(rbsp, 242, JSON1, strlen(JSON1));
    make_nal(nal, H264_SEI, 1, rbsp);
    lp(pkt, nal->b, nal->n, 4);
    AVCodecParameters *par = avcodec_parameters_alloc();
    assert_non_null(par);
    par->codec_id = AV_CODEC_ID_H264;
    static const uint8_t avcc4[] = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00};
    par->extradata = av_mallocz(sizeof(avcc4) + AV_INPUT_BUFFER_PADDING_SIZE);
    memcpy(par->extradata, avcc4, sizeof(avcc4));
    par->extradata_size = sizeof(avcc4);
    int64_t v[2] = {0};
    assert_int_equal(sei_scan_packet_us(NULL, par, pkt->b, pkt->n, v, 2, NULL), 1);
    assert_int_equal(v[0], 1700000001234LL * 1000);
    par->codec_id = AV_CODEC_ID_VP9;
    assert_int_equal(sei_scan_packet_us(NULL, par, pkt->b, pkt->n, v, 2, NULL), 0);
    assert_int_equal(sei_scan_packet_us(NULL, NULL, pkt->b, pkt->n, v, 2, NULL), 0);
    avcodec_parameters_free(&par);
    free(rbsp);
    free(nal);
    free(pkt);
}

/* ---- the generated sample class ---------------------------------------------- */

/* Demuxes one media file and checks the (pts, syncTime) anchors the parser
 * finds against the generator's record (truth.json). */
static void check_segment(const cJSON *seg)
{
    const char *file = cJSON_GetObjectItem(seg, "file")->valuestring;
    int ptype = cJSON_GetObjectItem(seg, "sei_payload_type")->valueint;
    const cJSON *want = cJSON_GetObjectItem(seg, "anchors");
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", SIGPLAY_SAMPLE_DIR, file);
    AVFormatContext *fmt = NULL;
    assert_int_equal(avformat_open_input(&fmt, path, NULL, NULL), 0);
    assert_true(avformat_find_stream_info(fmt, NULL) >= 0);
    int vs = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    assert_true(vs >= 0);
    AVStream *st = fmt->streams[vs];
    int nls = sei_nal_length_size(st->codecpar->extradata, (size_t)st->codecpar->extradata_size,
                                  SEI_CODEC_H264);
    assert_true(nls >= 0);
    AVPacket *pkt = av_packet_alloc();
    struct diag_list d = {0};
    int found = 0;
    while (av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == vs) {
            int64_t v[SEI_MAX_MESSAGES];
            int n = sei_find_sync_times_us(pkt->data, (size_t)pkt->size, SEI_CODEC_H264, nls, v,
                                           SEI_MAX_MESSAGES, &d);
            assert_true(n >= 0);
            int64_t pts_ms = av_rescale_q(pkt->pts, st->time_base, (AVRational){1, 1000});
            for (int k = 0; k < n; k++, found++) {
                const cJSON *a = cJSON_GetArrayItem(want, found);
                assert_non_null(a);
                assert_int_equal(pts_ms, (int64_t)cJSON_GetObjectItem(a, "pts_ms")->valuedouble);
                assert_int_equal(v[k],
                                 (int64_t)cJSON_GetObjectItem(a, "sync_time")->valuedouble * 1000);
            }
        }
        av_packet_unref(pkt);
    }
    assert_int_equal(found, cJSON_GetArraySize(want));
    if (ptype != 0)
        assert_true(found > 0);
    assert_int_equal(d.count, 0);
    av_packet_free(&pkt);
    avformat_close_input(&fmt);
}

static void test_sample_media_anchors(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof(path), "%s/truth.json", SIGPLAY_SAMPLE_DIR);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(sp_read_file(path, 16u << 20, &text, &len), 0);
    cJSON *truth = cJSON_ParseWithLength(text, len);
    free(text);
    assert_non_null(truth);
    const cJSON *segs = cJSON_GetObjectItem(truth, "segments");
    assert_true(cJSON_GetArraySize(segs) > 0);
    int with_242 = 0, with_5 = 0;
    const cJSON *seg;
    cJSON_ArrayForEach(seg, segs)
    {
        check_segment(seg);
        int t = cJSON_GetObjectItem(seg, "sei_payload_type")->valueint;
        with_242 += t == 242;
        with_5 += t == 5;
    }
    /* The default class has lanes of both kinds. */
    assert_true(with_242 > 0 && with_5 > 0);
    cJSON_Delete(truth);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h264_242_length_prefixed),
        cmocka_unit_test(test_type5_uuid_with_emulation_prevention),
        cmocka_unit_test(test_types_100_243_and_244_decoy),
        cmocka_unit_test(test_several_messages_and_x264_settings),
        cmocka_unit_test(test_long_payload_ff_coding),
        cmocka_unit_test(test_hevc_prefix_and_suffix),
        cmocka_unit_test(test_annexb_start_codes),
        cmocka_unit_test(test_bad_sync_values),
        cmocka_unit_test(test_damaged_packets),
        cmocka_unit_test(test_nal_length_size),
        cmocka_unit_test(test_segdec_adapter),
        cmocka_unit_test(test_sample_media_anchors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
