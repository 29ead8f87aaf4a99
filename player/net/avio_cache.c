/* avio_cache.c - AVIOContext callbacks over a fetch_stream. */
#include "player/net/avio_cache.h"

#include "base/sp_error.h"

#include <libavutil/error.h>
#include <libavutil/mem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct avio_cache {
    struct fetch_stream *s;
    AVIOContext *pb;
    unsigned char *buf; /* owned by pb once it exists */
    int64_t pos;
    char error[DIAG_MAX_TEXT];
};

static int to_averror(int err)
{
    switch (err) {
    case SP_ECANCELLED:
        return AVERROR_EXIT;
    case SP_ENOENT:
        return AVERROR(ENOENT);
    case SP_ENOMEM:
        return AVERROR(ENOMEM);
    case SP_ETIMEOUT:
        return AVERROR(ETIMEDOUT);
    case SP_EHTTP:
        return AVERROR_HTTP_OTHER_4XX;
    default:
        return AVERROR(EIO);
    }
}

static void note_error(struct avio_cache *ac, int err)
{
    struct fetch_status st;
    fetch_stream_status(ac->s, &st);
    snprintf(ac->error, sizeof(ac->error), "%s", st.message[0] ? st.message : sp_strerror(err));
}

static int read_packet(void *opaque, uint8_t *buf, int size)
{
    struct avio_cache *ac = opaque;
    int64_t n = fetch_stream_read(ac->s, ac->pos, buf, (size_t)size);
    if (n == 0)
        return AVERROR_EOF;
    if (n < 0) {
        note_error(ac, (int)n);
        return to_averror((int)n);
    }
    ac->pos += n;
    return (int)n;
}

static int64_t seek(void *opaque, int64_t offset, int whence)
{
    struct avio_cache *ac = opaque;
    whence &= ~AVSEEK_FORCE;
    if (whence == AVSEEK_SIZE) {
        int64_t size = fetch_stream_size(ac->s);
        return size < 0 ? to_averror((int)size) : size;
    }
    int64_t base = 0;
    if (whence == SEEK_CUR)
        base = ac->pos;
    else if (whence == SEEK_END) {
        int64_t size = fetch_stream_size(ac->s);
        if (size < 0)
            return to_averror((int)size);
        base = size;
    } else if (whence != SEEK_SET)
        return AVERROR(EINVAL);
    if (base + offset < 0)
        return AVERROR(EINVAL);
    /* Only the position moves; the next read asks for its bytes, which is
     * what starts a ranged request when they are not cached. */
    ac->pos = base + offset;
    return ac->pos;
}

int avio_cache_open(struct fetch *f, const char *url, unsigned flags, int64_t size_bytes,
                    struct avio_cache **out)
{
    *out = NULL;
    struct avio_cache *ac = calloc(1, sizeof(*ac));
    if (!ac)
        return SP_ENOMEM;
    int r = fetch_stream_open_expect(f, url, flags, size_bytes, &ac->s);
    if (r) {
        free(ac);
        return r;
    }
    ac->buf = av_malloc(AVIO_CACHE_BUFFER);
    if (ac->buf)
        ac->pb = avio_alloc_context(ac->buf, AVIO_CACHE_BUFFER, 0, ac, read_packet, NULL, seek);
    if (!ac->pb) {
        av_free(ac->buf);
        fetch_stream_close(&ac->s);
        free(ac);
        return SP_ENOMEM;
    }
    ac->pb->seekable = AVIO_SEEKABLE_NORMAL;
    *out = ac;
    return 0;
}

AVIOContext *avio_cache_ctx(struct avio_cache *ac)
{
    return ac->pb;
}

void avio_cache_cancel(struct avio_cache *ac)
{
    fetch_stream_cancel(ac->s);
}

void avio_cache_status(struct avio_cache *ac, struct fetch_status *st)
{
    fetch_stream_status(ac->s, st);
}

const char *avio_cache_error(struct avio_cache *ac)
{
    return ac->error;
}

void avio_cache_close(struct avio_cache **pac)
{
    if (!pac || !*pac)
        return;
    struct avio_cache *ac = *pac;
    *pac = NULL;
    if (ac->pb) {
        av_freep(&ac->pb->buffer); /* may have been reallocated by FFmpeg */
        avio_context_free(&ac->pb);
    }
    fetch_stream_close(&ac->s);
    free(ac);
}
