/* sei.c - find {"syncTime": ms} in H.264 / HEVC SEI (spec section 6). */
#include "player/media/sei.h"

#include <cjson/cJSON.h>
#include <libavcodec/codec_id.h>
#include <libavcodec/codec_par.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/platform/os_libc.h"
#include "base/json_util.h"
#include "base/sp_error.h"

#define H264_NAL_SEI 6
#define HEVC_NAL_SEI_PREFIX 39
#define HEVC_NAL_SEI_SUFFIX 40
#define UUID_BYTES 16

/* One packet's scan: results and the first problem met. */
struct scan {
    enum sei_codec codec;
    int64_t *out;
    size_t max;
    size_t found;
    int err;           /* first problem's code (SP_EPARSE / SP_ERANGE), 0 if none */
    char problem[256]; /* its text, reported once per packet */
    uint8_t *buf;      /* unescape buffer, grown as needed (owned) */
    size_t buf_cap;
    unsigned seen; /* SEI_SEEN_* bits of the payload types met */
};

static void problem(struct scan *s, int err, const char *fmt, ...) SP_FORMAT_PRINTF(3, 4);

static void problem(struct scan *s, int err, const char *fmt, ...)
{
    if (s->err)
        return; /* keep the first: one diagnostic per packet */
    s->err = err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->problem, sizeof(s->problem), fmt, ap);
    va_end(ap);
}

int sei_is_sync_payload(int payload_type)
{
    return payload_type == SEI_PAYLOAD_USER_DATA_UNREGISTERED ||
           payload_type == SEI_PAYLOAD_EXPERIMENTAL_100 || payload_type == SEI_PAYLOAD_JSON ||
           payload_type == SEI_PAYLOAD_EXPERIMENTAL_243;
}

unsigned sei_seen_bit(int payload_type)
{
    switch (payload_type) {
    case SEI_PAYLOAD_USER_DATA_UNREGISTERED:
        return SEI_SEEN_5;
    case SEI_PAYLOAD_EXPERIMENTAL_100:
        return SEI_SEEN_100;
    case SEI_PAYLOAD_JSON:
        return SEI_SEEN_242;
    case SEI_PAYLOAD_EXPERIMENTAL_243:
        return SEI_SEEN_243;
    case SEI_PAYLOAD_SDK_TIMESTAMP:
        return SEI_SEEN_244;
    default:
        return 0;
    }
}

/* Where the JSON starts: after blanks, or (not for type 5, which always
 * has one) after a 16-byte UUID when the payload does not start with '{'.
 * Returns len when there is no '{' to read. */
static size_t json_start(int payload_type, const uint8_t *payload, size_t len)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t i = payload_type == SEI_PAYLOAD_USER_DATA_UNREGISTERED || pass ? UUID_BYTES : 0;
        if (i > len)
            return len;
        while (i < len && (payload[i] == ' ' || payload[i] == '\t' || payload[i] == '\r' ||
                           payload[i] == '\n'))
            i++;
        if (i < len && payload[i] == '{')
            return i;
        if (payload_type == SEI_PAYLOAD_USER_DATA_UNREGISTERED)
            return len;
    }
    return len;
}

int sei_parse_payload_us(int payload_type, const uint8_t *payload, size_t len, int64_t *sync_us,
                         const char **reason)
{
    if (reason)
        *reason = NULL;
    if (!payload || !sync_us || !sei_is_sync_payload(payload_type))
        return 0;
    /* Cheap test before JSON parsing: ours starts with '{' (after blanks);
     * x264's settings string and most user data do not. */
    size_t i = json_start(payload_type, payload, len);
    if (i >= len)
        return 0;
    /* Some writers count a terminating NUL into the payload. */
    while (len > i && payload[len - 1] == 0)
        len--;
    char *text = malloc(len - i + 1);
    if (!text)
        return 0;
    memcpy(text, payload + i, len - i);
    text[len - i] = '\0';
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len - i, &end, 0);
    if (!root) {
        free(text);
        return 0;
    }
    /* the rule of every JSON reader (base/json_util.h), though only
       syncTime is read here: a payload cut at a NUL is not what was sent */
    bool nul = sp_json_refuse_nul(NULL, DIAG_WARNING, NULL, NULL, text, len - i, NULL);
    free(text);
    int rc = 0;
    const cJSON *v =
        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "syncTime") : NULL;
    if (v && nul) {
        rc = SP_EPARSE;
        if (reason)
            *reason = "a string holds a NUL character (\\u0000)";
    } else if (!v) {
        rc = 0;
    } else if (!cJSON_IsNumber(v)) {
        rc = SP_ERANGE;
        if (reason)
            *reason = "syncTime is not a number";
    } else {
        double d = v->valuedouble;
        const char *why = NULL;
        if (!isfinite(d) || d != floor(d))
            why = "syncTime is not an integer";
        else if (d < 0)
            why = "syncTime is negative";
        else if (d > (double)SEI_SYNC_TIME_MAX)
            why = "syncTime is too large";
        if (why) {
            rc = SP_ERANGE;
            if (reason)
                *reason = why;
        } else {
            *sync_us = (int64_t)d * 1000; /* fits: SEI_SYNC_TIME_MAX * 1000 < 2^63 */
            rc = 1;
        }
    }
    cJSON_Delete(root);
    return rc;
}

/* Copies src to s->buf without emulation-prevention bytes (the 03 of each
 * 00 00 03) and without trailing zero bytes. Returns the RBSP length, or
 * (size_t)-1 out of memory. */
static size_t unescape(struct scan *s, const uint8_t *src, size_t n)
{
    if (n > s->buf_cap) {
        uint8_t *p = realloc(s->buf, n);
        if (!p)
            return (size_t)-1;
        s->buf = p;
        s->buf_cap = n;
    }
    size_t o = 0;
    int zeros = 0;
    for (size_t i = 0; i < n; i++) {
        if (zeros >= 2 && src[i] == 3) {
            zeros = 0;
            continue;
        }
        s->buf[o++] = src[i];
        zeros = src[i] == 0 ? zeros + 1 : 0;
    }
    while (o > 0 && s->buf[o - 1] == 0)
        o--;
    return o;
}

/* Reads an 0xFF-run coded value at *pos. Returns false if it runs past n. */
static bool read_ff_coded(const uint8_t *b, size_t n, size_t *pos, size_t *value)
{
    size_t v = 0;
    while (*pos < n && b[*pos] == 0xFF) {
        v += 255;
        (*pos)++;
    }
    if (*pos >= n)
        return false;
    v += b[(*pos)++];
    *value = v;
    return true;
}

/* Walks the SEI messages of one SEI NAL (header already skipped). */
static void scan_sei_nal(struct scan *s, const uint8_t *nal, size_t n, size_t nal_no, int nal_type)
{
    if (n > SEI_MAX_NAL_BYTES) {
        problem(s, SP_EPARSE, "NAL %zu (type %d): %zu bytes, over the limit of %u; skipped", nal_no,
                nal_type, n, SEI_MAX_NAL_BYTES);
        return;
    }
    size_t len = unescape(s, nal, n);
    if (len == (size_t)-1)
        return;
    const uint8_t *b = s->buf;
    size_t pos = 0;
    for (int msg = 0; msg < SEI_MAX_MESSAGES; msg++) {
        /* more_rbsp_data(): stop at the trailing bits (one 0x80 byte). */
        if (pos >= len || (pos == len - 1 && b[pos] == 0x80))
            return;
        size_t type, size;
        if (!read_ff_coded(b, len, &pos, &type)) {
            problem(s, SP_EPARSE,
                    "NAL %zu (type %d): SEI message %d: payloadType runs past "
                    "the end",
                    nal_no, nal_type, msg);
            return;
        }
        if (!read_ff_coded(b, len, &pos, &size)) {
            problem(s, SP_EPARSE,
                    "NAL %zu (type %d): SEI message %d (payloadType %zu): "
                    "payloadSize runs past the end",
                    nal_no, nal_type, msg, type);
            return;
        }
        if (size > len - pos) {
            problem(s, SP_EPARSE,
                    "NAL %zu (type %d): SEI message %d (payloadType %zu): "
                    "payloadSize %zu runs past the end of the NAL (%zu bytes left)",
                    nal_no, nal_type, msg, type, size, len - pos);
            return;
        }
        if (type == SEI_PAYLOAD_SDK_TIMESTAMP) {
            s->seen |= SEI_SEEN_244; /* never an anchor, whatever it holds */
        } else if (type <= INT32_MAX && sei_is_sync_payload((int)type)) {
            int64_t v = 0;
            const char *why = NULL;
            int r = sei_parse_payload_us((int)type, b + pos, size, &v, &why);
            if (r == 1)
                s->seen |= sei_seen_bit((int)type);
            if (r == 1 && s->found < s->max)
                s->out[s->found++] = v;
            else if (r < 0)
                problem(s, r, "NAL %zu (type %d): SEI message %d (payloadType %zu): %s", nal_no,
                        nal_type, msg, type, why ? why : "bad syncTime");
        }
        pos += size;
    }
}

static void scan_nal(struct scan *s, const uint8_t *nal, size_t n, size_t nal_no)
{
    if (s->codec == SEI_CODEC_H264) {
        if (n < 1)
            return;
        int type = nal[0] & 0x1F;
        if (type == H264_NAL_SEI)
            scan_sei_nal(s, nal + 1, n - 1, nal_no, type);
    } else {
        if (n < 2)
            return;
        int type = (nal[0] >> 1) & 0x3F;
        if (type == HEVC_NAL_SEI_PREFIX || type == HEVC_NAL_SEI_SUFFIX)
            scan_sei_nal(s, nal + 2, n - 2, nal_no, type);
    }
}

/* Offset of the next 00 00 01 at or after from, or n. */
static size_t next_start_code(const uint8_t *p, size_t from, size_t n)
{
    for (size_t i = from; i + 2 < n; i++) {
        if (p[i + 2] > 1) {
            i += 2; /* neither p[i+1] nor p[i+2] can start a match here */
            continue;
        }
        if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1)
            return i;
    }
    return n;
}

static void scan_annexb(struct scan *s, const uint8_t *p, size_t n)
{
    size_t i = next_start_code(p, 0, n);
    size_t nal_no = 0;
    while (i < n && nal_no < SEI_MAX_NALS) {
        size_t start = i + 3;
        size_t next = next_start_code(p, start, n);
        size_t end = next;
        /* Zeros before the next start code belong to it (4-byte start codes,
         * trailing_zero_8bits), not to this NAL. */
        while (end > start && p[end - 1] == 0)
            end--;
        scan_nal(s, p + start, end - start, nal_no++);
        i = next;
    }
}

/* Returns false if the lengths do not add up (a problem is recorded). */
static bool scan_length_prefixed(struct scan *s, const uint8_t *p, size_t n, int nls)
{
    size_t pos = 0, nal_no = 0;
    while (pos < n && nal_no < SEI_MAX_NALS) {
        if (n - pos < (size_t)nls) {
            problem(s, SP_EPARSE,
                    "packet: %zu stray bytes after NAL %zu, shorter than a "
                    "%d-byte length",
                    n - pos, nal_no, nls);
            return false;
        }
        size_t len = 0;
        for (int k = 0; k < nls; k++)
            len = (len << 8) | p[pos + (size_t)k];
        pos += (size_t)nls;
        if (len > n - pos) {
            problem(s, SP_EPARSE,
                    "packet: NAL %zu: length %zu runs past the end of the "
                    "packet (%zu bytes left)",
                    nal_no, len, n - pos);
            return false;
        }
        scan_nal(s, p + pos, len, nal_no++);
        pos += len;
    }
    return true;
}

static bool starts_with_start_code(const uint8_t *p, size_t n)
{
    return (n >= 3 && p[0] == 0 && p[1] == 0 && p[2] == 1) ||
           (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 1);
}

int sei_find_sync_times_us(const uint8_t *pkt, size_t size, enum sei_codec codec,
                           int nal_length_size, int64_t *out, size_t max, struct diag_list *diag)
{
    return sei_find_sync_times_seen_us(pkt, size, codec, nal_length_size, out, max, NULL, diag);
}

int sei_find_sync_times_seen_us(const uint8_t *pkt, size_t size, enum sei_codec codec,
                                int nal_length_size, int64_t *out, size_t max, unsigned *seen,
                                struct diag_list *diag)
{
    if ((!pkt && size) || (!out && max) || nal_length_size < 0 || nal_length_size > 4 ||
        (codec != SEI_CODEC_H264 && codec != SEI_CODEC_HEVC))
        return SP_EINVAL;
    struct scan s = {.codec = codec, .out = out, .max = max};
    if (size == 0)
        return 0;
    if (nal_length_size == 0) {
        scan_annexb(&s, pkt, size);
    } else if (!scan_length_prefixed(&s, pkt, size, nal_length_size) && s.found == 0 &&
               starts_with_start_code(pkt, size)) {
        /* Annex B data behind avcC/hvcC extradata (some muxers do this). */
        struct scan again = {
            .codec = codec, .out = out, .max = max, .buf = s.buf, .buf_cap = s.buf_cap};
        scan_annexb(&again, pkt, size);
        s = again;
    }
    free(s.buf);
    if (seen)
        *seen |= s.seen;
    if (s.err)
        diag_add(diag, DIAG_WARNING, "SEI: %s", s.problem);
    if (s.found > 0)
        return (int)s.found;
    return s.err ? s.err : 0;
}

int sei_find_sync_time_us(const uint8_t *pkt, size_t size, enum sei_codec codec,
                          int nal_length_size, int64_t *sync_us, struct diag_list *diag)
{
    int64_t v = 0;
    int r = sei_find_sync_times_us(pkt, size, codec, nal_length_size, &v, 1, diag);
    if (r > 0 && sync_us)
        *sync_us = v;
    return r > 0 ? 1 : r;
}

int sei_nal_length_size(const uint8_t *ed, size_t size, enum sei_codec codec)
{
    if (!ed || size == 0)
        return 0;
    if (starts_with_start_code(ed, size))
        return 0;
    if (codec == SEI_CODEC_H264) {
        /* avcC: version 1, profile, compat, level, 6 bits 1 + lengthSizeMinusOne. */
        if (size >= 7 && ed[0] == 1)
            return (ed[4] & 3) + 1;
        return SP_EPARSE;
    }
    /* hvcC: lengthSizeMinusOne in the low bits of byte 21 (of at least 23). */
    if (size >= 23)
        return (ed[21] & 3) + 1;
    return SP_EPARSE;
}

size_t sei_scan_packet_us(void *opaque, const struct AVCodecParameters *par, const uint8_t *data,
                          size_t size, int64_t *out, size_t max, struct diag_list *diag)
{
    if (!par)
        return 0;
    enum sei_codec codec;
    if (par->codec_id == AV_CODEC_ID_H264)
        codec = SEI_CODEC_H264;
    else if (par->codec_id == AV_CODEC_ID_HEVC)
        codec = SEI_CODEC_HEVC;
    else
        return 0;
    size_t ed_size = par->extradata_size > 0 ? (size_t)par->extradata_size : 0;
    int nls = sei_nal_length_size(par->extradata, ed_size, codec);
    if (nls < 0) {
        /* Unknown extradata: guess from the packet itself. */
        nls = starts_with_start_code(data, size) ? 0 : 4;
    }
    int r = sei_find_sync_times_seen_us(data, size, codec, nls, out, max, (unsigned *)opaque, diag);
    return r > 0 ? (size_t)r : 0;
}
