/* picture_limit.h - the largest video picture sigplay decodes.
 *
 * A picture's size comes from the file (an SPS, a JPEG frame header, the
 * container), and the decoder allocates from it before anything else is
 * read: a damaged or hostile 1 KB segment that declares 47873x1282 made
 * verify, render and play allocate some 600 MB to 1 GB and spend seconds
 * per frame. The limit is the largest picture any H.264 or HEVC level
 * allows (level 6.2: 139,264 macroblocks, 35,651,584 luma samples), so 8K
 * screens and cameras play; no side may exceed 16384 px.
 *
 * Every decoder of recorded media (the segment decoder, verify) applies it
 * to avformat_find_stream_info()'s own decoders and to its own. */
#ifndef SP_PICTURE_LIMIT_H
#define SP_PICTURE_LIMIT_H

#include <stdatomic.h>
#include <stdbool.h>

struct AVCodecContext;
struct AVFormatContext;

#define PICTURE_MAX_DIM 16384
#define PICTURE_MAX_PIXELS 35651584LL /* 8192 x 4352 */
/* the limit in words, for messages */
#define PICTURE_LIMIT_TEXT "16384 px a side, 35.7 Mpx"

/* true when w x h is empty or over the limit */
bool picture_over_limit(int w, int h);

/* What a decoder refused, for the message; one per decoder, owned by the
 * caller, outliving the decoder. */
struct picture_limit {
    atomic_bool refused; /* a picture was over the limit since the last picture_limit_refused() */
};

/* Sets c's limit before avcodec_open2(): a buffer callback that refuses a
 * picture over the limit when the decoder asks for its buffer, right after
 * the picture's header and before it is decoded, and notes it in *pl.
 * FFmpeg's own max_pixels stays as a backstop at PICTURE_MAX_DIM squared.
 * The callback touches only the atomic, so frame threads may share it.
 * Takes c->opaque. */
void picture_limit_decoder(struct AVCodecContext *c, struct picture_limit *pl);

/* true when c refused a picture since the last call (and clears it) */
bool picture_limit_refused(struct picture_limit *pl);

/* avformat_find_stream_info() with the limit on the decoders it opens to
 * read the streams' parameters (their max_pixels: it can set no callback),
 * so a stream that declares a picture over the limit keeps the size its
 * container gives (FFmpeg would leave 0x0). Returns what it returns, or AVERROR(ENOMEM). */
int picture_limit_find_stream_info(struct AVFormatContext *fmt);

#endif
