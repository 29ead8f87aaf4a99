/* sei.c - builds H.264 SEI NAL units carrying {"syncTime": ms} and inserts
 * them into encoded access units.
 *
 * Written by hand on purpose: this is what a classroom client does (the
 * service's SDK calls it sendSEIMsg), and the player's reader must be tested
 * against bytes produced independently of it. Payload type 242 carries the
 * JSON itself, as do 100, 243 and the 244 decoys; payload type 5
 * (user_data_unregistered) carries a 16-byte UUID, then the JSON.
 */
#include "mkclass.h"

#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

/* 0xFF-run coding of payload type and size (H.264 7.3.2.3.1). */
static size_t put_ff_coded(uint8_t *dst, size_t value)
{
    size_t n = 0;
    while (value >= 255) {
        dst[n++] = 0xFF;
        value -= 255;
    }
    dst[n++] = (uint8_t)value;
    return n;
}

uint8_t *mk_sei_build(int payload_type, const uint8_t uuid[16], const char *json, size_t *out_len)
{
    size_t json_len = strlen(json);
    size_t payload_len = json_len + (payload_type == 5 ? 16 : 0);
    /* rbsp: type + size (each at most len/255 + 1 bytes), payload, trailing */
    size_t rbsp_cap = 2 * (payload_len / 255 + 2) + payload_len + 1;
    uint8_t *rbsp = malloc(rbsp_cap);
    if (!rbsp)
        return NULL;
    size_t n = put_ff_coded(rbsp, (size_t)payload_type);
    n += put_ff_coded(rbsp + n, payload_len);
    if (payload_type == 5) {
        memcpy(rbsp + n, uuid, 16);
        n += 16;
    }
    memcpy(rbsp + n, json, json_len);
    n += json_len;
    rbsp[n++] = 0x80; /* rbsp_stop_one_bit + alignment zeros */

    /* Start code, NAL header, then the rbsp with emulation prevention: every
     * 00 00 followed by a byte <= 03 gets an 03 in between. Worst case one
     * extra byte per two input bytes. */
    uint8_t *nal = malloc(5 + n + n / 2 + 1);
    if (!nal) {
        free(rbsp);
        return NULL;
    }
    size_t o = 0;
    nal[o++] = 0;
    nal[o++] = 0;
    nal[o++] = 0;
    nal[o++] = 1;
    nal[o++] = 0x06; /* forbidden_zero 0, nal_ref_idc 0, type 6 (SEI) */
    int zeros = 0;
    for (size_t i = 0; i < n; i++) {
        if (zeros >= 2 && rbsp[i] <= 3) {
            nal[o++] = 3;
            zeros = 0;
        }
        nal[o++] = rbsp[i];
        zeros = rbsp[i] == 0 ? zeros + 1 : 0;
    }
    free(rbsp);
    *out_len = o;
    return nal;
}

/* Offset of the start code of the first slice NAL (types 1..5) in an Annex B
 * access unit, or -1 if there is none. */
static long first_slice_offset(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i + 3 < len; i++) {
        if (buf[i] != 0 || buf[i + 1] != 0 || buf[i + 2] != 1)
            continue;
        int type = buf[i + 3] & 0x1F;
        if (type >= 1 && type <= 5)
            return (long)(i > 0 && buf[i - 1] == 0 ? i - 1 : i);
        i += 2;
    }
    return -1;
}

int mk_sei_insert(AVPacket *pkt, const uint8_t *nal, size_t nal_len)
{
    if (pkt->size < 4 || pkt->data[0] != 0 || pkt->data[1] != 0)
        return -1; /* not Annex B: the encoder was configured differently */
    long at = first_slice_offset(pkt->data, (size_t)pkt->size);
    if (at < 0)
        return -1;
    int old_size = pkt->size;
    if (av_grow_packet(pkt, (int)nal_len) < 0)
        return -1;
    memmove(pkt->data + at + nal_len, pkt->data + at, (size_t)(old_size - at));
    memcpy(pkt->data + at, nal, nal_len);
    return 0;
}
