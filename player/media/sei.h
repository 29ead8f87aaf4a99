/* sei.h - board sync time carried in video SEI (replay format, section 6).
 *
 * Classroom clients write {"syncTime": <board time, Unix ms>} into their
 * video every 1 to 5 s as an SEI message: H.264 NAL type 6, HEVC prefix (39)
 * or suffix (40) SEI; payloadType 242 (the payload is the JSON) or 5
 * (user_data_unregistered: a 16-byte UUID, then the JSON). This module finds
 * those values in demuxed packets, either length-prefixed (MP4/MKV: avcC /
 * hvcC) or Annex B (start codes). It undoes emulation prevention and reads
 * the 0xFF-run coded payload type and size.
 *
 * Payloads that are not a JSON object (x264's own type-5 settings string,
 * other encoders' user data) and JSON objects without a "syncTime" member
 * are ignored silently. A "syncTime" that is not an integer in
 * [0, SEI_SYNC_TIME_MAX] is reported and ignored. Structural damage
 * (impossible sizes, truncated NAL units or SEI messages) is reported.
 * At most ONE diagnostic per packet, shaped "SEI: <where>: <reason>", so a
 * broken stream cannot flood the list.
 *
 * Caps: SEI NAL units over SEI_MAX_NAL_BYTES are skipped (reported); at most
 * SEI_MAX_MESSAGES SEI messages per NAL unit and SEI_MAX_NALS NAL units per
 * packet are looked at. Nothing is allocated from a size read from the
 * stream: the one buffer (for the unescaped NAL) is at most the NAL size,
 * which is bounded by the packet the caller holds.
 *
 * Pure C, no global state, thread-safe (the demux thread calls it).
 */
#ifndef SP_SEI_H
#define SP_SEI_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

#define SEI_MAX_NAL_BYTES (1u << 20)
#define SEI_MAX_MESSAGES 64
#define SEI_MAX_NALS 4096
/* Largest accepted syncTime, ms: 2^53 - 1, the largest integer JSON
 * numbers carry exactly. */
#define SEI_SYNC_TIME_MAX 9007199254740991LL

/* Payload types that carry the sync time (format section 6): 242 and 5
 * (a 16-byte UUID first) as the RTC SDK recommends, 100 and 243 from an
 * experimental setting of it. 244 is the SDK's own internal timestamp and
 * never an anchor, whatever it holds. */
#define SEI_PAYLOAD_JSON 242
#define SEI_PAYLOAD_USER_DATA_UNREGISTERED 5
#define SEI_PAYLOAD_EXPERIMENTAL_100 100
#define SEI_PAYLOAD_EXPERIMENTAL_243 243
#define SEI_PAYLOAD_SDK_TIMESTAMP 244

/* Bits of a "payload types seen" mask (sei_find_sync_times_seen_us()): one
 * per type that gave an anchor, and SEI_SEEN_244 for SDK timestamps met
 * (and ignored). */
#define SEI_SEEN_5 (1u << 0)
#define SEI_SEEN_100 (1u << 1)
#define SEI_SEEN_242 (1u << 2)
#define SEI_SEEN_243 (1u << 3)
#define SEI_SEEN_244 (1u << 4)

/* True for the payload types sei_parse_payload_us() reads (5, 100, 242, 243). */
int sei_is_sync_payload(int payload_type);

/* The SEI_SEEN_* bit of a payload type, 0 for others. */
unsigned sei_seen_bit(int payload_type);

enum sei_codec { SEI_CODEC_H264, SEI_CODEC_HEVC };

/* NAL length size (bytes before each NAL unit in a packet) from the codec
 * extradata: avcC (H.264) or hvcC (HEVC) give 1, 2 or 4 (3 is accepted);
 * empty extradata or Annex B extradata (starts with a start code) give 0,
 * meaning packets carry start codes. Returns SP_EPARSE for extradata that
 * is neither. */
int sei_nal_length_size(const uint8_t *extradata, size_t size, enum sei_codec codec);

/* Scans one packet for sync SEI. nal_length_size is 1..4 for
 * length-prefixed packets, 0 for Annex B. If a length-prefixed packet turns
 * out to start with a start code and its lengths do not add up, it is read
 * as Annex B instead. Writes up to max syncTime values (Unix µs) to out in
 * stream order (values past max are dropped). Returns how many were
 * written (>= 0); if none was found, SP_EPARSE
 * for a damaged packet or SP_ERANGE for a syncTime out of range (a
 * diagnostic says where); SP_EINVAL for bad arguments. diag may be NULL. */
int sei_find_sync_times_us(const uint8_t *pkt, size_t size, enum sei_codec codec,
                           int nal_length_size, int64_t *out, size_t max, struct diag_list *diag);

/* As sei_find_sync_times_us(), and ORs into *seen (if non-NULL) the
 * SEI_SEEN_* bits of the payload types that gave an anchor, plus
 * SEI_SEEN_244 if an SDK timestamp was met. */
int sei_find_sync_times_seen_us(const uint8_t *pkt, size_t size, enum sei_codec codec,
                                int nal_length_size, int64_t *out, size_t max, unsigned *seen,
                                struct diag_list *diag);

/* The first syncTime in the packet: returns 1 and sets *sync_us (Unix µs),
 * 0 if none, or a negative SP_E* as sei_find_sync_times_us(). */
int sei_find_sync_time_us(const uint8_t *pkt, size_t size, enum sei_codec codec,
                          int nal_length_size, int64_t *sync_us, struct diag_list *diag);

/* Reads one SEI payload (the bytes after payloadType and payloadSize, with
 * emulation prevention already removed). Types 100, 242 and 243 hold the
 * JSON itself (a 16-byte UUID before it is accepted too), type 5 a UUID
 * and then the JSON. Returns 1 and sets *sync_us (the payload's Unix ms *
 * 1000: where the SEI's ms become µs) for a JSON object with an integer
 * syncTime; 0 for anything that is not ours (other payload types,
 * 244 always, not JSON, no syncTime); SP_ERANGE if syncTime is
 * there but not an integer in range, SP_EPARSE if a string of the object
 * holds \u0000 (then, if reason is non-NULL, it points at a static text
 * saying why). */
int sei_parse_payload_us(int payload_type, const uint8_t *payload, size_t len, int64_t *sync_us,
                         const char **reason);

/* Adapter with the shape of the segment decoder's SEI hook (segdec_sei_us_fn
 * in player/media/segment_decoder.h): takes codec and extradata from par (H.264
 * and HEVC; any other codec gives 0) and returns how many values were
 * written (errors count as 0; their diagnostic is in diag). opaque is NULL
 * or an unsigned mask that gets the SEI_SEEN_* bits of what was found. */
struct AVCodecParameters;
size_t sei_scan_packet_us(void *opaque, const struct AVCodecParameters *par, const uint8_t *data,
                          size_t size, int64_t *out, size_t max, struct diag_list *diag);

#endif
