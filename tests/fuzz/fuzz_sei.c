/* fuzz_sei.c - demuxed video packets through the SEI syncTime reader.
 *
 * Byte 0 picks the codec (bit 0: HEVC) and the NAL length size
 * ((byte >> 1) % 5, 0 = Annex B); the rest is the packet, copied into an
 * exact-size buffer. The same bytes also go through the extradata reader
 * and, as one payload of a type picked by the same bits (242, 5, 100, 243
 * or 244), through the payload reader.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "player/media/sei.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum sei_codec codec = (data[0] & 1) ? SEI_CODEC_HEVC : SEI_CODEC_H264;
    int nls = (data[0] >> 1) % 5;
    size_t n = size - 1;
    uint8_t *pkt = malloc(n ? n : 1);
    if (!pkt)
        return 0;
    memcpy(pkt, data + 1, n);
    struct diag_list d;
    diag_init(&d);
    int64_t out[8];
    int r = sei_find_sync_times_us(pkt, n, codec, nls, out, 8, &d);
    if (r > 8 || d.count > 1)
        abort(); /* at most max values, at most one diagnostic per packet */
    (void)sei_nal_length_size(pkt, n, codec);
    int64_t v;
    static const int types[] = {242, 5, 100, 243, 244};
    (void)sei_parse_payload_us(types[(data[0] >> 1) % 5], pkt, n, &v, NULL);
    unsigned seen = 0;
    r = sei_find_sync_times_seen_us(pkt, n, codec, nls, out, 8, &seen, NULL);
    if (r > 8 || (seen & ~(SEI_SEEN_5 | SEI_SEEN_100 | SEI_SEEN_242 | SEI_SEEN_243 | SEI_SEEN_244)))
        abort();
    diag_clear(&d);
    free(pkt);
    return 0;
}
