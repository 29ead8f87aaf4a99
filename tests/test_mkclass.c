/* The sample class generator (tools/mkclass), checked from the outside:
 * - the media probed with FFmpeg's own API (not the player's SEI parser):
 *   segment durations, key frames every 2 s, payloadType-5 anchors read back
 *   as AV_FRAME_DATA_SEI_UNREGISTERED side data, payloadType-242 anchors read
 *   by a small independent NAL reader below, audio that is not silence and
 *   beeps on whole board seconds;
 * - the manifests (replay, plain result, callback, seed-like) and every IM
 *   page against REPLAY-FORMAT.md: shape, order, overlap, placeholder, every
 *   op kind of section 5, chat element kinds, traffic during the pause;
 * - truth.json's board changes and chat times against the IM pages;
 * - the options: --audio-only (MP3 lanes, read by ffprobe and decoded),
 *   --camera-hole-ms, --sei-types / --sei-decoy-244 / --lag-ms (every SEI
 *   message read back), and the section 1a envelopes;
 * - determinism: two runs with the same options give identical files;
 * - option checking: one clear line and exit status 2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <libavutil/md5.h>

#include "base/sp_file.h"

#define SAMPLE SIGPLAY_SAMPLE_DIR

static const uint8_t sync_uuid[16] = {0xf0, 0xb3, 0xa8, 0xe2, 0x5c, 0x71, 0x4f, 0x2e,
                                      0x9a, 0x6d, 0x3c, 0x8e, 0x1b, 0x7d, 0x2a, 0x90};
/* x264's own user-data SEI (version and settings) */
static const uint8_t x264_uuid[16] = {0xdc, 0x45, 0xe9, 0xbd, 0xe6, 0xd9, 0x48, 0xb7,
                                      0x96, 0x2c, 0xd8, 0x20, 0xd9, 0x23, 0xee, 0xef};

/* ---- helpers ------------------------------------------------------------- */

static cJSON *load_json(const char *dir, const char *rel)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *text = NULL;
    size_t len = 0;
    int rc = sp_read_file(path, 64u << 20, &text, &len);
    if (rc != 0)
        fail_msg("cannot read %s", path);
    cJSON *j = cJSON_Parse(text);
    free(text);
    if (!j)
        fail_msg("%s is not valid JSON", path);
    return j;
}

static const cJSON *get(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        fail_msg("missing field %s", key);
    return v;
}

static int64_t num(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("field %s is not a number", key);
    return (int64_t)v->valuedouble;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    if (!cJSON_IsString(v))
        fail_msg("field %s is not a string", key);
    return v->valuestring;
}

static const cJSON *truth_segment(const cJSON *truth, const char *file)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, get(truth, "segments"))
    {
        if (strcmp(str(s, "file"), file) == 0)
            return s;
    }
    fail_msg("truth.json has no segment %s", file);
    return NULL;
}

static int64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

static int run(const char *args, const char *out_file)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>&1", SIGPLAY_MKCLASS, args, out_file);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* ---- manifests ------------------------------------------------------------ */

static void check_result_fields(const cJSON *r)
{
    assert_string_equal(str(r, "Status"), "FINISHED");
    int64_t room = num(r, "RoomId");
    char prefix[64];
    snprintf(prefix, sizeof prefix, "tic_record_user_%lld_", (long long)room);
    assert_true(strncmp(str(r, "RecordUserId"), prefix, strlen(prefix)) == 0);
    assert_true(cJSON_IsString(get(r, "GroupId")));
    int64_t total = num(r, "TotalTime");
    int64_t wall_s = num(r, "RecordStopTime") - num(r, "RecordStartTime");
    assert_true(wall_s * 1000 > total); /* a pause happened */
    assert_true(cJSON_GetArraySize(get(r, "VideoInfos")) >= 6);
}

/* The callback envelope's other fields; Sign is md5 hex of the callback key
 * and ExpireTime, computed here with FFmpeg's MD5. */
static void check_envelope(const cJSON *e, const cJSON *truth)
{
    const cJSON *env = get(truth, "envelopes");
    int64_t ts = num(e, "Timestamp"), expire = num(e, "ExpireTime");
    assert_true(ts > 1600000000 && ts < 2000000000); /* Unix seconds */
    assert_true(expire > ts);
    assert_int_equal(num(e, "SdkAppId"), num(env, "sdk_app_id"));
    char text[128], hex[33];
    snprintf(text, sizeof text, "%s%lld", str(env, "callback_key"), (long long)expire);
    uint8_t md5[16];
    av_md5_sum(md5, (const uint8_t *)text, strlen(text));
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", md5[i]);
    assert_string_equal(str(e, "Sign"), hex);
}

static void test_manifest_variants(void **state)
{
    (void)state;
    cJSON *replay = load_json(SAMPLE, "replay.json");
    cJSON *result = load_json(SAMPLE, "result.json");
    cJSON *callback = load_json(SAMPLE, "callback.json");
    cJSON *seedlike = load_json(SAMPLE, "seedlike.json");
    cJSON *truth = load_json(SAMPLE, "truth.json");

    check_result_fields(replay);
    assert_int_equal(num(replay, "Version"), 1);
    assert_int_equal(num(get(replay, "Whiteboard"), "Width"), 1280);
    assert_int_equal(num(get(replay, "Whiteboard"), "Height"), 960);
    const cJSON *msgs = get(replay, "Messages");
    assert_true(cJSON_GetArraySize(msgs) >= 2);
    const cJSON *m;
    cJSON_ArrayForEach(m, msgs)
    {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", SAMPLE, str(m, "Url"));
        assert_true(file_size(path) > 0);
    }
    const cJSON *om = get(replay, "OmittedDurations");
    assert_int_equal(cJSON_GetArraySize(om), 1);
    const cJSON *pz = cJSON_GetArrayItem(om, 0);
    assert_true(num(pz, "ResumeTime") > num(pz, "PauseTime"));
    /* The pause's wall length is exactly what RecordStop-Start says beyond
     * TotalTime (pause and start are whole seconds in the default class). */
    assert_int_equal(num(pz, "ResumeTime") - num(pz, "PauseTime"),
                     (num(replay, "RecordStopTime") - num(replay, "RecordStartTime")) * 1000 -
                         num(replay, "TotalTime"));

    check_result_fields(result);
    assert_null(cJSON_GetObjectItemCaseSensitive(result, "Whiteboard"));
    assert_null(cJSON_GetObjectItemCaseSensitive(result, "Messages"));
    assert_null(cJSON_GetObjectItemCaseSensitive(result, "ReplayUrl"));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(result, "OmittedDurations"));

    /* callback.json: the event-callback envelope around the result */
    assert_string_equal(str(callback, "EventType"), "OnlineRecordFinished");
    const cJSON *event = get(callback, "EventData");
    check_result_fields(event);
    assert_string_equal(str(event, "ReplayUrl"), "replay.json");
    assert_null(cJSON_GetObjectItemCaseSensitive(event, "Whiteboard"));
    assert_null(cJSON_GetObjectItemCaseSensitive(event, "Messages"));
    assert_null(cJSON_GetObjectItemCaseSensitive(callback, "VideoInfos"));
    check_envelope(callback, truth);

    check_result_fields(seedlike);
    assert_null(cJSON_GetObjectItemCaseSensitive(seedlike, "OmittedDurations"));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(seedlike, "Messages"));

    /* Same segments in every variant. */
    char *a = cJSON_PrintUnformatted(get(replay, "VideoInfos"));
    char *b = cJSON_PrintUnformatted(get(result, "VideoInfos"));
    char *c = cJSON_PrintUnformatted(get(seedlike, "VideoInfos"));
    assert_string_equal(a, b);
    assert_string_equal(a, c);
    cJSON_free(a);
    cJSON_free(b);
    cJSON_free(c);

    /* The API answer holds the very same result, plus RequestId. */
    cJSON *answer = load_json(SAMPLE, "api-answer.json");
    cJSON *resp = cJSON_Duplicate(get(answer, "Response"), 1);
    assert_string_equal(str(resp, "RequestId"), str(get(truth, "envelopes"), "request_id"));
    assert_true(strlen(str(resp, "RequestId")) == 36);
    cJSON_DeleteItemFromObjectCaseSensitive(resp, "RequestId");
    assert_true(cJSON_Compare(resp, event, 1));
    assert_true(cJSON_Compare(get(resp, "VideoInfos"), get(replay, "VideoInfos"), 1));
    cJSON_Delete(resp);
    cJSON_Delete(answer);

    /* A failed task: an envelope with Error and no recording. */
    cJSON *failed = load_json(SAMPLE, "task-failed.json");
    assert_string_equal(str(failed, "EventType"), "OnlineRecordFinished");
    const cJSON *fdata = get(failed, "EventData");
    assert_string_equal(str(get(fdata, "Error"), "Code"), "FailedOperation.Transcode");
    assert_true(strlen(str(get(fdata, "Error"), "Message")) > 0);
    assert_null(cJSON_GetObjectItemCaseSensitive(fdata, "VideoInfos"));
    assert_string_equal(str(fdata, "TaskId"), str(replay, "TaskId"));
    check_envelope(failed, truth);
    cJSON_Delete(failed);

    /* A video generation request with layout 2, the teacher first. */
    cJSON *model2 = load_json(SAMPLE, "task-model2.json");
    const cJSON *mix = get(model2, "MixStream");
    assert_int_equal(num(mix, "ModelId"), 2);
    assert_string_equal(str(mix, "TeacherId"), "teacher_01");
    assert_string_equal(str(mix, "TeacherId"), str(get(truth, "envelopes"), "teacher_id"));
    assert_null(cJSON_GetObjectItemCaseSensitive(mix, "Custom")); /* Custom would win */
    assert_string_equal(str(model2, "OnlineRecordTaskId"), str(replay, "TaskId"));
    cJSON_Delete(model2);

    cJSON_Delete(truth);
    cJSON_Delete(replay);
    cJSON_Delete(result);
    cJSON_Delete(callback);
    cJSON_Delete(seedlike);
}

static void test_lanes_and_segments(void **state)
{
    (void)state;
    cJSON *replay = load_json(SAMPLE, "replay.json");
    int64_t pause_t = num(cJSON_GetArrayItem(get(replay, "OmittedDurations"), 0), "VideoTime");
    int64_t total = num(replay, "TotalTime");
    int cameras = 0, screens = 0, late = 0, before = 0, after = 0, synced_screens = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, get(replay, "VideoInfos"))
    {
        int64_t start = num(v, "VideoPlayTime"), dur = num(v, "VideoDuration");
        const char *user = str(v, "UserId");
        int64_t type = num(v, "VideoType");
        /* every lane is cut at the pause */
        if (start + dur == pause_t)
            before++;
        else if (start == pause_t && start + dur == total)
            after++;
        else
            fail_msg("segment %s [%lld, +%lld) not cut at the pause", str(v, "VideoUrl"),
                     (long long)start, (long long)dur);
        if (start == pause_t)
            continue;
        if (type == 0) {
            cameras++;
            if (start > 0)
                late++;
        } else if (type == 1) {
            screens++;
            assert_true(strncmp(user, "tic_substream_", 14) == 0);
            if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(v, "SyncTime")))
                synced_screens++;
        }
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", SAMPLE, str(v, "VideoUrl"));
        assert_int_equal(file_size(path), num(v, "VideoSize"));
        assert_string_equal(str(v, "VideoFormat"), "mp4");
    }
    assert_int_equal(before, after);
    assert_true(cameras >= 2);
    assert_int_equal(screens, 1);
    assert_int_equal(synced_screens, 1);
    assert_int_equal(late, 1);
    cJSON_Delete(replay);
}

/* ---- media, probed with FFmpeg ---------------------------------------------- */

struct probe {
    int64_t frames;
    int64_t duration_ms; /* from the first pts to the end of the last frame */
    double frame_ms;
    int keyframes;
    bool keys_on_2s; /* every key frame at a multiple of 2000 ms */
    bool has_audio;
    /* payloadType 242 anchors found by scanning packets */
    int64_t a242_pts[4096], a242_sync[4096];
    int n242;
    int n5_ours_in_packets; /* payloadType 5 with our UUID, seen in packets */
    /* every JSON-carrying SEI message (types 100, 242, 243, 244 and 5 with
     * our UUID) in file order: what a reader meets, decoys included */
    int64_t sei_pts[8192], sei_sync[8192];
    int sei_type[8192];
    int nsei;
};

/* Removes emulation prevention bytes in place; returns the new length. */
static size_t unescape(uint8_t *b, size_t n)
{
    size_t o = 0;
    int zeros = 0;
    for (size_t i = 0; i < n; i++) {
        if (zeros >= 2 && b[i] == 3) {
            zeros = 0;
            continue;
        }
        zeros = b[i] == 0 ? zeros + 1 : 0;
        b[o++] = b[i];
    }
    return o;
}

static int64_t json_sync_time(const uint8_t *data, size_t len)
{
    char buf[256];
    if (len >= sizeof buf)
        return -1;
    memcpy(buf, data, len);
    buf[len] = '\0';
    cJSON *j = cJSON_Parse(buf);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "syncTime");
    int64_t r = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
    cJSON_Delete(j);
    return r;
}

/* An SEI rbsp: messages of (type, size, payload) until the trailing bits. */
static void scan_sei(struct probe *pr, uint8_t *rbsp, size_t n, int64_t pts_ms)
{
    size_t i = 1; /* skip the NAL header */
    while (i + 2 <= n && !(rbsp[i] == 0x80 && i + 1 == n)) {
        size_t type = 0, size = 0;
        while (i < n && rbsp[i] == 0xFF)
            type += rbsp[i++];
        if (i >= n)
            return;
        type += rbsp[i++];
        while (i < n && rbsp[i] == 0xFF)
            size += rbsp[i++];
        if (i >= n)
            return;
        size += rbsp[i++];
        if (size > n - i)
            return;
        const uint8_t *pl = rbsp + i;
        bool ours5 = type == 5 && size >= 16 && memcmp(pl, sync_uuid, 16) == 0;
        if ((type == 100 || type == 242 || type == 243 || type == 244 || ours5) &&
            pr->nsei < 8192) {
            pr->sei_pts[pr->nsei] = pts_ms;
            pr->sei_type[pr->nsei] = (int)type;
            pr->sei_sync[pr->nsei] =
                ours5 ? json_sync_time(pl + 16, size - 16) : json_sync_time(pl, size);
            pr->nsei++;
        }
        if (type == 242 && pr->n242 < 4096) {
            pr->a242_pts[pr->n242] = pts_ms;
            pr->a242_sync[pr->n242] = json_sync_time(pl, size);
            pr->n242++;
        } else if (type == 5 && size >= 16 && memcmp(pl, sync_uuid, 16) == 0) {
            pr->n5_ours_in_packets++;
        }
        i += size;
    }
}

static void probe_file(const char *path, struct probe *pr)
{
    memset(pr, 0, sizeof *pr);
    AVFormatContext *fc = NULL;
    assert_int_equal(avformat_open_input(&fc, path, NULL, NULL), 0);
    assert_true(avformat_find_stream_info(fc, NULL) >= 0);
    int vi = av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    assert_true(vi >= 0);
    AVStream *st = fc->streams[vi];
    assert_int_equal(st->codecpar->codec_id, AV_CODEC_ID_H264);
    pr->has_audio = av_find_best_stream(fc, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0) >= 0;
    /* avcC: NAL length size in the low two bits of byte 4 */
    assert_true(st->codecpar->extradata_size > 5 && st->codecpar->extradata[0] == 1);
    int len_size = (st->codecpar->extradata[4] & 3) + 1;
    pr->frame_ms = 1000.0 * st->avg_frame_rate.den / st->avg_frame_rate.num;
    pr->keys_on_2s = true;
    AVPacket *pkt = av_packet_alloc();
    int64_t first = INT64_MAX, end = INT64_MIN;
    while (av_read_frame(fc, pkt) >= 0) {
        if (pkt->stream_index == vi) {
            int64_t pts_ms = av_rescale_q(pkt->pts, st->time_base, (AVRational){1, 1000});
            int64_t e = pkt->pts + pkt->duration;
            first = pkt->pts < first ? pkt->pts : first;
            end = e > end ? e : end;
            pr->frames++;
            if (pkt->flags & AV_PKT_FLAG_KEY) {
                pr->keyframes++;
                if (pts_ms % 2000 != 0)
                    pr->keys_on_2s = false;
            }
            size_t off = 0;
            while (off + (size_t)len_size <= (size_t)pkt->size) {
                size_t nl = 0;
                for (int k = 0; k < len_size; k++)
                    nl = nl << 8 | pkt->data[off + (size_t)k];
                off += (size_t)len_size;
                if (nl == 0 || nl > (size_t)pkt->size - off)
                    break;
                if ((pkt->data[off] & 0x1F) == 6) {
                    uint8_t *copy = malloc(nl);
                    assert_non_null(copy);
                    memcpy(copy, pkt->data + off, nl);
                    scan_sei(pr, copy, unescape(copy, nl), pts_ms);
                    free(copy);
                }
                off += nl;
            }
        }
        av_packet_unref(pkt);
    }
    pr->duration_ms = av_rescale_q(end - first, st->time_base, (AVRational){1, 1000});
    av_packet_free(&pkt);
    avformat_close_input(&fc);
}

static void test_segment_durations(void **state)
{
    (void)state;
    cJSON *replay = load_json(SAMPLE, "replay.json");
    cJSON *truth = load_json(SAMPLE, "truth.json");
    const cJSON *v;
    cJSON_ArrayForEach(v, get(replay, "VideoInfos"))
    {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", SAMPLE, str(v, "VideoUrl"));
        struct probe *pr = malloc(sizeof *pr);
        assert_non_null(pr);
        probe_file(path, pr);
        int64_t want = num(v, "VideoDuration");
        int64_t diff = pr->duration_ms > want ? pr->duration_ms - want : want - pr->duration_ms;
        if ((double)diff > pr->frame_ms)
            fail_msg("%s: duration %lld ms, VideoDuration %lld", path, (long long)pr->duration_ms,
                     (long long)want);
        assert_int_equal(pr->frames, num(truth_segment(truth, str(v, "VideoUrl")), "frames"));
        /* a key frame every 2 s, nowhere else */
        assert_true(pr->keys_on_2s);
        assert_int_equal(pr->keyframes, (want + 1999) / 2000);
        /* cameras carry audio, the screen share does not */
        assert_int_equal(pr->has_audio, num(v, "VideoType") == 0);
        free(pr);
    }
    cJSON_Delete(replay);
    cJSON_Delete(truth);
}

/* payloadType 242 (teacher) read by the scanner above; payloadType 5
 * anchors never appear in a 242 lane nor in the screen share. */
static void test_sei_242_anchors(void **state)
{
    (void)state;
    cJSON *truth = load_json(SAMPLE, "truth.json");
    int lanes_242 = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, get(truth, "segments"))
    {
        int64_t type = num(s, "sei_payload_type");
        if (type == 5)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", SAMPLE, str(s, "file"));
        struct probe *pr = malloc(sizeof *pr);
        assert_non_null(pr);
        probe_file(path, pr);
        const cJSON *anchors = get(s, "anchors");
        assert_int_equal(pr->n5_ours_in_packets, 0);
        if (type == 0) {
            assert_int_equal(pr->n242, 0);
            assert_int_equal(cJSON_GetArraySize(anchors), 0);
            free(pr);
            continue;
        }
        lanes_242++;
        /* one per second of media */
        assert_int_equal(pr->n242, (num(s, "video_duration") + 999) / 1000);
        assert_int_equal(pr->n242, cJSON_GetArraySize(anchors));
        /* packets come in decode order; match each truth anchor by pts */
        const cJSON *a;
        cJSON_ArrayForEach(a, anchors)
        {
            int64_t pts = num(a, "pts_ms");
            bool found = false;
            for (int i = 0; i < pr->n242; i++) {
                if (pr->a242_pts[i] == pts) {
                    assert_int_equal(pr->a242_sync[i], num(a, "sync_time"));
                    found = true;
                }
            }
            if (!found)
                fail_msg("%s: no payloadType 242 SEI at %lld ms", path, (long long)pts);
            assert_int_equal(num(a, "sync_time") - pts, num(s, "first_frame_board_ms"));
        }
        free(pr);
    }
    assert_true(lanes_242 >= 2);
    cJSON_Delete(truth);
}

/* payloadType 5, read back by FFmpeg's H.264 decoder as side data. */
static void decode_type5(const char *path, int64_t *pts_out, int64_t *sync_out, int cap, int *n_out,
                         bool *x264_sei_seen)
{
    AVFormatContext *fc = NULL;
    assert_int_equal(avformat_open_input(&fc, path, NULL, NULL), 0);
    assert_true(avformat_find_stream_info(fc, NULL) >= 0);
    const AVCodec *codec = NULL;
    int vi = av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    assert_true(vi >= 0 && codec);
    AVStream *st = fc->streams[vi];
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    assert_non_null(dec);
    assert_true(avcodec_parameters_to_context(dec, st->codecpar) >= 0);
    dec->thread_count = 1;
    assert_int_equal(avcodec_open2(dec, codec, NULL), 0);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    int n = 0;
    *x264_sei_seen = false;
    bool eof = false;
    while (!eof) {
        int rr = av_read_frame(fc, pkt);
        if (rr < 0) {
            eof = true;
            avcodec_send_packet(dec, NULL);
        } else if (pkt->stream_index == vi) {
            assert_true(avcodec_send_packet(dec, pkt) >= 0);
        }
        av_packet_unref(pkt);
        while (avcodec_receive_frame(dec, fr) >= 0) {
            int64_t pts_ms =
                av_rescale_q(fr->best_effort_timestamp, st->time_base, (AVRational){1, 1000});
            for (int i = 0; i < fr->nb_side_data; i++) {
                const AVFrameSideData *sd = fr->side_data[i];
                if (sd->type != AV_FRAME_DATA_SEI_UNREGISTERED || sd->size < 16)
                    continue;
                if (memcmp(sd->data, x264_uuid, 16) == 0)
                    *x264_sei_seen = true;
                if (memcmp(sd->data, sync_uuid, 16) == 0 && n < cap) {
                    pts_out[n] = pts_ms;
                    sync_out[n] = json_sync_time(sd->data + 16, sd->size - 16);
                    n++;
                }
            }
            av_frame_unref(fr);
        }
    }
    *n_out = n;
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fc);
}

static void test_sei_type5_anchors_via_ffmpeg(void **state)
{
    (void)state;
    cJSON *truth = load_json(SAMPLE, "truth.json");
    char uuid[40];
    snprintf(uuid, sizeof uuid, "%s", str(truth, "sei_uuid"));
    assert_string_equal(uuid, "f0b3a8e2-5c71-4f2e-9a6d-3c8e1b7d2a90");
    int lanes5 = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, get(truth, "segments"))
    {
        if (num(s, "sei_payload_type") != 5)
            continue;
        lanes5++;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", SAMPLE, str(s, "file"));
        static int64_t pts[8192], sync[8192];
        int n = 0;
        bool x264_seen = false;
        decode_type5(path, pts, sync, 8192, &n, &x264_seen);
        assert_true(x264_seen); /* the encoder's own SEI is left in */
        const cJSON *anchors = get(s, "anchors");
        assert_int_equal(n, cJSON_GetArraySize(anchors));
        assert_true(n >= 2);
        /* frames come out in presentation order, as do truth's anchors */
        int i = 0;
        const cJSON *a;
        cJSON_ArrayForEach(a, anchors)
        {
            assert_int_equal(pts[i], num(a, "pts_ms"));
            assert_int_equal(sync[i], num(a, "sync_time"));
            i++;
        }
        /* frames 1 s apart carry board times 1 s apart */
        assert_int_equal(sync[1] - sync[0], pts[1] - pts[0]);
    }
    assert_true(lanes5 >= 2);
    cJSON_Delete(truth);
}

/* Decodes a segment's audio into cap samples. by_pts: place each frame
 * where its pts says (the AAC decoder also outputs the encoder's priming,
 * and the pts says where a frame really starts); otherwise one after the
 * other from the first decoded sample (MP3: the decoder trims the delay the
 * LAME header gives, and the first sample it returns is media time 0).
 * *total: every sample decoded (by_pts: up to the last frame's end). */
static float *decode_pcm(const char *path, int rate, size_t cap, bool by_pts, size_t *total,
                         enum AVCodecID *codec_id)
{
    AVFormatContext *fc = NULL;
    assert_int_equal(avformat_open_input(&fc, path, NULL, NULL), 0);
    assert_true(avformat_find_stream_info(fc, NULL) >= 0);
    const AVCodec *codec = NULL;
    int ai = av_find_best_stream(fc, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    assert_true(ai >= 0 && codec);
    *codec_id = fc->streams[ai]->codecpar->codec_id;
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    assert_true(avcodec_parameters_to_context(dec, fc->streams[ai]->codecpar) >= 0);
    assert_int_equal(avcodec_open2(dec, codec, NULL), 0);
    assert_int_equal(dec->sample_rate, rate);
    assert_int_equal(dec->ch_layout.nb_channels, 1);
    float *pcm = calloc(cap, sizeof *pcm);
    assert_non_null(pcm);
    size_t have = 0;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    bool eof = false;
    while (!eof) {
        if (av_read_frame(fc, pkt) < 0) {
            eof = true;
            avcodec_send_packet(dec, NULL);
        } else if (pkt->stream_index == ai) {
            assert_true(avcodec_send_packet(dec, pkt) >= 0);
        }
        av_packet_unref(pkt);
        while (avcodec_receive_frame(dec, fr) >= 0) {
            /* FFmpeg's AAC and MP3 decoders both give planar float */
            assert_int_equal(fr->format, AV_SAMPLE_FMT_FLTP);
            int64_t at = (int64_t)have;
            if (by_pts)
                at = av_rescale_q(fr->pts, fc->streams[ai]->time_base, (AVRational){1, rate});
            for (int k = 0; k < fr->nb_samples; k++) {
                int64_t idx = at + k;
                float v = ((const float *)fr->data[0])[k];
                if (idx >= 0 && (size_t)idx < cap)
                    pcm[idx] = v;
            }
            if (at + fr->nb_samples > 0)
                have = (size_t)(at + fr->nb_samples);
            av_frame_unref(fr);
        }
    }
    *total = have;
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fc);
    return pcm;
}

/* Not silence, and a beep right at each whole board second (the window
 * starting there is much louder than the window half a second later). */
static void check_beeps(const char *path, const float *pcm, size_t cap, int rate,
                        int64_t first_board)
{
    double total = 0;
    for (size_t i = 0; i < cap; i++)
        total += (double)pcm[i] * pcm[i];
    assert_true(total / (double)cap > 1e-4);
    int64_t first_beep_ms = (1000 - first_board % 1000) % 1000;
    int win = rate / 25; /* 40 ms, inside the 50 ms beep */
    int64_t len_ms = (int64_t)cap * 1000 / rate;
    int beeps = 0;
    for (int64_t b = first_beep_ms; b + 600 < len_ms; b += 1000) {
        size_t at = (size_t)(b * rate / 1000), quiet = (size_t)((b + 500) * rate / 1000);
        double e_beep = 0, e_quiet = 0;
        for (int k = 0; k < win; k++) {
            e_beep += (double)pcm[at + (size_t)k] * pcm[at + (size_t)k];
            e_quiet += (double)pcm[quiet + (size_t)k] * pcm[quiet + (size_t)k];
        }
        if (!(e_beep > 4 * e_quiet))
            fail_msg("%s: no beep at media %lld ms (board second): %g vs %g", path, (long long)b,
                     e_beep, e_quiet);
        beeps++;
    }
    /* a beep checked in every full second of the segment */
    assert_true(beeps >= (len_ms - 600) / 1000);
}

static void test_audio_beeps_on_board_seconds(void **state)
{
    (void)state;
    cJSON *truth = load_json(SAMPLE, "truth.json");
    const cJSON *seg = truth_segment(truth, "media/student_02-0.mp4");
    int rate = (int)num(truth, "audio_rate");
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", SAMPLE, "media/student_02-0.mp4");
    size_t cap = (size_t)rate * 6, have = 0; /* the first 6 s are enough */
    enum AVCodecID id;
    float *pcm = decode_pcm(path, rate, cap, true, &have, &id);
    assert_int_equal(id, AV_CODEC_ID_AAC);
    assert_true(have >= cap);
    check_beeps(path, pcm, cap, rate, num(seg, "first_frame_board_ms"));
    free(pcm);
    cJSON_Delete(truth);
}

/* ---- IM pages ------------------------------------------------------------ */

static bool has_4byte_utf8(const char *s)
{
    for (; *s; s++) {
        if (((unsigned char)*s & 0xF8) == 0xF0)
            return true;
    }
    return false;
}

static bool has_cjk(const char *s)
{
    /* U+4E00..U+9FFF are E4..E9 lead bytes */
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0xE4 && c <= 0xE9)
            return true;
    }
    return false;
}

static const char *const op_kinds[] = {"board.add",    "board.switch",  "board.remove", "board.bg",
                                       "stroke.begin", "stroke.append", "stroke.end",   "shape",
                                       "text",         "move",          "erase",        "clear",
                                       "undo",         "redo",          "laser",        "view"};
#define N_KINDS (int)(sizeof op_kinds / sizeof op_kinds[0])

struct im_scan {
    int kind_count[N_KINDS];
    int64_t ops, batches, placeholders, chat;
    bool face, image, custom_chat, cjk_text, emoji_text, highlighter, pen, chinese_board_text;
    bool shape_kind[4];
    int board_in_pause, chat_in_pause;
};

static void scan_board_data(struct im_scan *sc, const char *data, int64_t pause_from,
                            int64_t pause_to)
{
    cJSON *d = cJSON_Parse(data);
    assert_non_null(d);
    assert_int_equal(num(d, "v"), 1);
    const cJSON *ops = get(d, "ops");
    assert_true(cJSON_IsArray(ops) && cJSON_GetArraySize(ops) > 0);
    const cJSON *op;
    cJSON_ArrayForEach(op, ops)
    {
        int64_t t = num(op, "t");
        const char *kind = str(op, "op");
        assert_true(strlen(str(op, "user")) > 0);
        int k = 0;
        while (k < N_KINDS && strcmp(op_kinds[k], kind) != 0)
            k++;
        if (k == N_KINDS)
            fail_msg("unknown op kind %s", kind);
        sc->kind_count[k]++;
        sc->ops++;
        if (t > pause_from && t < pause_to)
            sc->board_in_pause++;
        if (!strcmp(kind, "stroke.begin")) {
            const char *tool = str(op, "tool");
            sc->highlighter |= !strcmp(tool, "highlighter");
            sc->pen |= !strcmp(tool, "pen");
            assert_true(cJSON_GetArraySize(get(op, "pts")) % 2 == 0);
        } else if (!strcmp(kind, "shape")) {
            static const char *const shapes[4] = {"line", "arrow", "rect", "ellipse"};
            for (int i = 0; i < 4; i++)
                sc->shape_kind[i] |= !strcmp(str(op, "kind"), shapes[i]);
        } else if (!strcmp(kind, "text")) {
            sc->chinese_board_text |= has_cjk(str(op, "text"));
        }
    }
    cJSON_Delete(d);
}

static void test_im_pages(void **state)
{
    (void)state;
    cJSON *replay = load_json(SAMPLE, "replay.json");
    cJSON *truth = load_json(SAMPLE, "truth.json");
    const cJSON *pz = cJSON_GetArrayItem(get(replay, "OmittedDurations"), 0);
    int64_t pause_from = num(pz, "PauseTime"), pause_to = num(pz, "ResumeTime");
    const char *group = str(replay, "GroupId");
    struct im_scan *sc = calloc(1, sizeof *sc);
    assert_non_null(sc);
    int64_t prev_page_oldest = -1, newest = -1, oldest = -1, distinct = 0;
    int pages = cJSON_GetArraySize(get(replay, "Messages"));
    int page_no = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, get(replay, "Messages"))
    {
        cJSON *page = load_json(SAMPLE, str(m, "Url"));
        assert_string_equal(str(page, "ActionStatus"), "OK");
        assert_int_equal(num(page, "ErrorCode"), 0);
        assert_string_equal(str(page, "GroupId"), group);
        assert_int_equal(num(page, "IsFinished"), page_no == pages - 1 ? 1 : 0);
        const cJSON *list = get(page, "RspMsgList");
        assert_true(cJSON_IsArray(list) && cJSON_GetArraySize(list) > 0);
        int64_t prev_seq = INT64_MAX;
        int idx = 0;
        const cJSON *msg;
        cJSON_ArrayForEach(msg, list)
        {
            int64_t seq = num(msg, "MsgSeq");
            assert_true(seq < prev_seq); /* newest first */
            prev_seq = seq;
            if (page_no == 0 && idx == 0)
                newest = seq;
            /* consecutive pages share exactly one message */
            if (page_no > 0 && idx == 0)
                assert_int_equal(seq, prev_page_oldest);
            bool dup = page_no > 0 && idx == 0;
            idx++;
            if (dup)
                continue;
            distinct++;
            oldest = seq;
            num(msg, "MsgRandom");
            int64_t ts = num(msg, "MsgTimeStamp");
            assert_true(ts > 1600000000 && ts < 2000000000);
            num(msg, "MsgPriority");
            assert_true(strlen(str(msg, "From_Account")) > 0);
            const cJSON *body = get(msg, "MsgBody");
            assert_true(cJSON_IsArray(body));
            if (num(msg, "IsPlaceMsg") == 1) {
                sc->placeholders++;
                continue;
            }
            assert_int_equal(num(msg, "IsPlaceMsg"), 0);
            assert_true(cJSON_GetArraySize(body) > 0);
            bool board = false;
            const cJSON *el;
            cJSON_ArrayForEach(el, body)
            {
                const char *type = str(el, "MsgType");
                const cJSON *c = get(el, "MsgContent");
                if (!strcmp(type, "TIMCustomElem")) {
                    if (!strcmp(str(c, "Ext"), "TXWhiteBoardExt")) {
                        board = true;
                        sc->batches++;
                        scan_board_data(sc, str(c, "Data"), pause_from, pause_to);
                    } else {
                        sc->custom_chat = true;
                        assert_true(strlen(str(c, "Desc")) > 0);
                    }
                } else if (!strcmp(type, "TIMTextElem")) {
                    sc->cjk_text |= has_cjk(str(c, "Text"));
                    sc->emoji_text |= has_4byte_utf8(str(c, "Text"));
                } else if (!strcmp(type, "TIMFaceElem")) {
                    sc->face = true;
                    num(c, "Index");
                } else if (!strcmp(type, "TIMImageElem")) {
                    sc->image = true;
                    const cJSON *infos = get(c, "ImageInfoArray");
                    assert_int_equal(cJSON_GetArraySize(infos), 3);
                    const cJSON *ii;
                    cJSON_ArrayForEach(ii, infos)
                    {
                        char path[2048];
                        snprintf(path, sizeof path, "%s/%s", SAMPLE, str(ii, "URL"));
                        assert_int_equal(file_size(path), num(ii, "Size"));
                        assert_true(num(ii, "Width") > 0 && num(ii, "Height") > 0);
                    }
                }
            }
            if (!board) {
                sc->chat++;
                if (ts * 1000 >= pause_from && ts * 1000 < pause_to - 1000)
                    sc->chat_in_pause++;
            }
        }
        prev_page_oldest = prev_seq;
        cJSON_Delete(page);
        page_no++;
    }
    /* contiguous MsgSeq from oldest to newest, nothing lost */
    assert_int_equal(newest - oldest + 1, distinct);
    assert_int_equal(distinct, num(truth, "im_messages"));
    for (int k = 0; k < N_KINDS; k++) {
        if (sc->kind_count[k] == 0)
            fail_msg("op kind %s never appears", op_kinds[k]);
    }
    assert_int_equal(sc->ops, num(get(truth, "board"), "ops"));
    assert_int_equal(sc->ops, num(get(truth, "options"), "ops"));
    assert_int_equal(sc->batches, num(get(truth, "board"), "batches"));
    assert_true(sc->batches > 1 && sc->batches < sc->ops); /* really batched */
    assert_true(sc->pen && sc->highlighter && sc->chinese_board_text);
    for (int i = 0; i < 4; i++)
        assert_true(sc->shape_kind[i]);
    assert_int_equal(sc->placeholders, 1);
    assert_true(sc->face && sc->image && sc->custom_chat && sc->cjk_text && sc->emoji_text);
    assert_int_equal(sc->chat, num(get(truth, "chat"), "messages"));
    assert_true(sc->board_in_pause > 0);
    assert_int_equal(sc->board_in_pause, num(get(truth, "board"), "ops_in_pause"));
    assert_true(sc->chat_in_pause > 0);
    free(sc);
    cJSON_Delete(replay);
    cJSON_Delete(truth);
}

/* The op stream in MsgSeq order, flattened. */
struct flat_op {
    int64_t t;
    const char *op, *user; /* point into docs[] */
};

struct flat {
    struct flat_op *ops;
    int n, cap;
    cJSON *docs[4096]; /* parsed batch Data, owned */
    int ndocs;
};

static void flatten(struct flat *f)
{
    cJSON *replay = load_json(SAMPLE, "replay.json");
    int pages = cJSON_GetArraySize(get(replay, "Messages"));
    /* oldest page first, each page oldest message first, skipping the one
     * message a page shares with the next-newer page */
    int64_t last_seq = -1;
    for (int pg = pages - 1; pg >= 0; pg--) {
        cJSON *page =
            load_json(SAMPLE, str(cJSON_GetArrayItem(get(replay, "Messages"), pg), "Url"));
        const cJSON *list = get(page, "RspMsgList");
        for (int i = cJSON_GetArraySize(list) - 1; i >= 0; i--) {
            const cJSON *msg = cJSON_GetArrayItem(list, i);
            int64_t seq = num(msg, "MsgSeq");
            if (seq <= last_seq)
                continue;
            last_seq = seq;
            const cJSON *el;
            cJSON_ArrayForEach(el, get(msg, "MsgBody"))
            {
                if (strcmp(str(el, "MsgType"), "TIMCustomElem") != 0 ||
                    strcmp(str(get(el, "MsgContent"), "Ext"), "TXWhiteBoardExt") != 0)
                    continue;
                assert_true(f->ndocs < 4096);
                cJSON *d = cJSON_Parse(str(get(el, "MsgContent"), "Data"));
                assert_non_null(d);
                f->docs[f->ndocs++] = d;
                const cJSON *op;
                cJSON_ArrayForEach(op, get(d, "ops"))
                {
                    if (f->n == f->cap) {
                        f->cap = f->cap ? 2 * f->cap : 1024;
                        f->ops = realloc(f->ops, (size_t)f->cap * sizeof *f->ops);
                        assert_non_null(f->ops);
                    }
                    f->ops[f->n++] = (struct flat_op){num(op, "t"), str(op, "op"), str(op, "user")};
                }
            }
        }
        cJSON_Delete(page);
    }
    cJSON_Delete(replay);
}

/* Index of the next op by user after i (or -1). */
static int next_by(const struct flat *f, int i, const char *user, int dir)
{
    for (int k = i + dir; k >= 0 && k < f->n; k += dir) {
        if (!strcmp(f->ops[k].user, user))
            return k;
    }
    return -1;
}

/* The script's undo/redo targets are what it says: filler never slips in
 * between (the player's board tests rely on this). */
static void test_scripted_undo_targets(void **state)
{
    (void)state;
    struct flat *f = calloc(1, sizeof *f);
    assert_non_null(f);
    flatten(f);
    /* per user, op times never go back */
    for (int i = 0; i < f->n; i++) {
        int j = next_by(f, i, f->ops[i].user, 1);
        if (j >= 0)
            assert_true(f->ops[j].t >= f->ops[i].t);
    }
    int clear = -1, student_undo = -1;
    for (int i = 0; i < f->n; i++) {
        if (clear < 0 && !strcmp(f->ops[i].op, "clear"))
            clear = i;
        if (student_undo < 0 && !strcmp(f->ops[i].op, "undo") &&
            !strcmp(f->ops[i].user, "student_02"))
            student_undo = i;
    }
    assert_true(clear >= 0 && student_undo >= 0);
    const char *teacher = f->ops[clear].user;
    static const char *const after_clear[] = {"undo", "redo", "undo"};
    int k = clear;
    for (int i = 0; i < 3; i++) {
        k = next_by(f, k, teacher, 1);
        assert_true(k >= 0);
        assert_string_equal(f->ops[k].op, after_clear[i]);
    }
    /* the student's undo takes back the student's stroke although the
     * teacher drew a shape in between */
    int prev = next_by(f, student_undo, "student_02", -1);
    assert_true(prev >= 0);
    assert_string_equal(f->ops[prev].op, "stroke.end");
    bool teacher_shape_between = false;
    for (int i = prev + 1; i < student_undo; i++)
        teacher_shape_between |= !strcmp(f->ops[i].op, "shape") && !strcmp(f->ops[i].user, teacher);
    assert_true(teacher_shape_between);
    int redo = next_by(f, student_undo, "student_02", 1);
    assert_true(redo >= 0);
    assert_string_equal(f->ops[redo].op, "redo");
    for (int i = 0; i < f->ndocs; i++)
        cJSON_Delete(f->docs[i]);
    free(f->ops);
    free(f);
}

/* ---- determinism and options ---------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compares two trees byte for byte; returns the number of files compared. */
static int compare_trees(const char *a, const char *b)
{
    DIR *da = opendir(a);
    assert_non_null(da);
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(da)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        assert_true(n < 512);
        names[n++] = strdup(e->d_name);
    }
    closedir(da);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    /* b has exactly the same entries */
    DIR *db = opendir(b);
    assert_non_null(db);
    int nb = 0;
    while ((e = readdir(db)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            nb++;
    }
    closedir(db);
    assert_int_equal(nb, n);
    int files = 0;
    for (int i = 0; i < n; i++) {
        char pa[2048], pb[2048];
        snprintf(pa, sizeof pa, "%s/%s", a, names[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, names[i]);
        struct stat st;
        assert_int_equal(stat(pa, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            files += compare_trees(pa, pb);
        } else {
            char *x = NULL, *y = NULL;
            size_t lx = 0, ly = 0;
            assert_int_equal(sp_read_file(pa, 256u << 20, &x, &lx), 0);
            if (sp_read_file(pb, 256u << 20, &y, &ly) != 0)
                fail_msg("%s missing in the second run", pb);
            if (lx != ly || memcmp(x, y, lx) != 0)
                fail_msg("%s and %s differ", pa, pb);
            free(x);
            free(y);
            files++;
        }
        free(names[i]);
    }
    return files;
}

static void test_same_options_same_bytes(void **state)
{
    (void)state;
    /* short, small and with the optional twists: an extra camera and a start
     * that is not on a whole second */
    const char *opts = "--duration-ms 4000 --size 192x108 --fps 10 --lanes 4 "
                       "--start-offset-ms 370 --ops 150 --chat 12 --pause-ms 3000 --seed 7 -q";
    char args[1024], log[1024], dir_a[1024], dir_b[1024];
    snprintf(dir_a, sizeof dir_a, "%s/mkclass-det-a", SIGPLAY_TEST_TMP);
    snprintf(dir_b, sizeof dir_b, "%s/mkclass-det-b", SIGPLAY_TEST_TMP);
    snprintf(log, sizeof log, "%s/mkclass-det.log", SIGPLAY_TEST_TMP);
    assert_true(snprintf(args, sizeof args, "-o '%s' %s", dir_a, opts) < (int)sizeof args);
    assert_int_equal(run(args, log), 0);
    assert_true(snprintf(args, sizeof args, "-o '%s' %s", dir_b, opts) < (int)sizeof args);
    assert_int_equal(run(args, log), 0);
    int files = compare_trees(dir_a, dir_b);
    assert_true(files >= 8 + 5 + 3 + 1); /* media, json, images, pages */

    /* and the options took effect */
    cJSON *replay = load_json(dir_a, "replay.json");
    assert_int_equal(cJSON_GetArraySize(get(replay, "VideoInfos")), 8);
    assert_int_equal(num(replay, "RecordStartTime"), 1700000000);
    assert_int_equal(num(replay, "TotalTime"), 4000);
    const cJSON *pz = cJSON_GetArrayItem(get(replay, "OmittedDurations"), 0);
    assert_int_equal(num(pz, "ResumeTime") - num(pz, "PauseTime"), 3000);
    assert_int_equal(num(cJSON_GetArrayItem(get(replay, "VideoInfos"), 0), "Width"), 192);
    cJSON *truth = load_json(dir_a, "truth.json");
    assert_int_equal(num(truth, "true_start_ms"), INT64_C(1700000000370));
    assert_int_equal(num(get(truth, "board"), "ops"), 150);
    assert_int_equal(num(get(truth, "chat"), "messages"), 12);
    cJSON_Delete(truth);
    cJSON_Delete(replay);
}

static void expect_rejected(const char *args, const char *needle)
{
    char log[1024];
    snprintf(log, sizeof log, "%s/mkclass-bad.log", SIGPLAY_TEST_TMP);
    assert_int_equal(run(args, log), 2);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(sp_read_file(log, 1 << 20, &text, &len), 0);
    if (!strstr(text, needle))
        fail_msg("'%s': expected '%s' in: %s", args, needle, text);
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 1); /* one clear line */
    free(text);
}

static void test_bad_options(void **state)
{
    (void)state;
    char out[1024];
    snprintf(out, sizeof out, "-o '%s/mkclass-never'", SIGPLAY_TEST_TMP);
    char args[2048];
    expect_rejected("--fps 15", "-o DIR is required");
    snprintf(args, sizeof args, "%s --fps 0", out);
    expect_rejected(args, "--fps: expected an integer from 1 to 60, got '0'");
    snprintf(args, sizeof args, "%s --size 641x360", out);
    expect_rejected(args, "must be even");
    snprintf(args, sizeof args, "%s --size big", out);
    expect_rejected(args, "--size: expected WxH");
    snprintf(args, sizeof args, "%s --lanes 2", out);
    expect_rejected(args, "--lanes");
    snprintf(args, sizeof args, "%s --ops 600000", out);
    expect_rejected(args, "--ops");
    snprintf(args, sizeof args, "%s --duration-ms 12abc", out);
    expect_rejected(args, "got '12abc'");
    snprintf(args, sizeof args, "%s --frobnicate 1", out);
    expect_rejected(args, "unknown option '--frobnicate'");
    snprintf(args, sizeof args, "%s --seed", out);
    expect_rejected(args, "--seed: missing value");
    snprintf(args, sizeof args, "%s --camera-hole-ms 5", out);
    expect_rejected(args, "--camera-hole-ms: expected START:LEN");
    snprintf(args, sizeof args, "%s --camera-hole-ms 1000:10", out);
    expect_rejected(args, "--camera-hole-ms (length): expected an integer from 1000");
    snprintf(args, sizeof args, "%s --camera-hole-ms 59000:5000", out);
    expect_rejected(args, "ends after the class");
    snprintf(args, sizeof args, "%s --sei-types 5,244", out);
    expect_rejected(args, "--sei-types: expected up to 8 of 5, 100, 242, 243");
    snprintf(args, sizeof args, "%s --sei-types 5,,242", out);
    expect_rejected(args, "got '5,,242'");
    snprintf(args, sizeof args, "%s --audio-only --sei-types 5", out);
    expect_rejected(args, "no video to carry SEI");
    snprintf(args, sizeof args, "%s --lag-ms student_02:x", out);
    expect_rejected(args, "--lag-ms: expected an integer");
    snprintf(args, sizeof args, "%s --lag-ms nobody:300", out);
    expect_rejected(args, "--lag-ms: no lane 'nobody'");

    char log[1024];
    snprintf(log, sizeof log, "%s/mkclass-help.log", SIGPLAY_TEST_TMP);
    assert_int_equal(run("--help", log), 0);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(sp_read_file(log, 1 << 20, &text, &len), 0);
    static const char *const documented[] = {
        "--duration-ms", "--lanes",           "--size",      "--fps",           "--ops",
        "--chat",        "--start-offset-ms", "--pause-ms",  "--seed",          "-o, --out",
        "--audio-only",  "--camera-hole-ms",  "--sei-types", "--sei-decoy-244", "--lag-ms"};
    for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++)
        assert_non_null(strstr(text, documented[i]));
    free(text);
}

/* ---- truth.json: board changes and chat times ------------------------------ */

/* Playback time of a wall time: what a correct player shows, computed from
 * the manifest's own pause (not from the generator's code). */
static int64_t play_of(int64_t wall, int64_t start, const cJSON *pause)
{
    int64_t pz = num(pause, "PauseTime"), rs = num(pause, "ResumeTime");
    int64_t t = wall < pz   ? wall - start
                : wall < rs ? num(pause, "VideoTime")
                            : wall - start - (rs - pz);
    return t < 0 ? 0 : t;
}

static const char *const change_ops[] = {
    "board.switch", "board.bg", "stroke.begin", "stroke.append", "shape", "text",
    "move",         "erase",    "clear",        "undo",          "redo",  "view"};
#define N_CHANGE_OPS (int)(sizeof change_ops / sizeof change_ops[0])

static bool is_change_op(const char *op)
{
    for (int i = 0; i < N_CHANGE_OPS; i++) {
        if (!strcmp(op, change_ops[i]))
            return true;
    }
    return false;
}

static void test_truth_board_changes(void **state)
{
    (void)state;
    cJSON *replay = load_json(SAMPLE, "replay.json");
    cJSON *truth = load_json(SAMPLE, "truth.json");
    const cJSON *pause = cJSON_GetArrayItem(get(replay, "OmittedDurations"), 0);
    int64_t start = num(truth, "true_start_ms");
    const cJSON *kinds = get(truth, "board_change_ops");
    assert_int_equal(cJSON_GetArraySize(kinds), N_CHANGE_OPS);
    const cJSON *k;
    cJSON_ArrayForEach(k, kinds) assert_true(is_change_op(k->valuestring));

    struct flat *f = calloc(1, sizeof *f);
    assert_non_null(f);
    flatten(f);
    const cJSON *changes = get(truth, "board_changes");
    const cJSON *c = changes->child;
    int listed = 0, in_pause = 0;
    for (int i = 0; i < f->n; i++) {
        if (!is_change_op(f->ops[i].op))
            continue;
        if (!c)
            fail_msg("board_changes ends before op %d (%s at %lld)", i, f->ops[i].op,
                     (long long)f->ops[i].t);
        assert_string_equal(str(c, "op"), f->ops[i].op);
        assert_string_equal(str(c, "user"), f->ops[i].user);
        assert_int_equal(num(c, "wall_ms"), f->ops[i].t);
        assert_int_equal(num(c, "play_ms"), play_of(f->ops[i].t, start, pause));
        in_pause +=
            num(c, "play_ms") == num(pause, "VideoTime") && f->ops[i].t < num(pause, "ResumeTime");
        listed++;
        c = c->next;
    }
    assert_null(c); /* nothing more listed than the ops say */
    assert_true(listed > 100);
    assert_true(in_pause >= 3); /* the pause's text, stroke and move show at VideoTime */
    for (int i = 0; i < f->ndocs; i++)
        cJSON_Delete(f->docs[i]);
    free(f->ops);
    free(f);

    /* chat: every non-board message, in MsgSeq order, with the time the
     * page gives (MsgTimeStamp, seconds) and its playback time */
    int64_t ts_of[4096] = {0};
    int place_of[4096] = {0};
    bool chat_seq[4096] = {false};
    const cJSON *m;
    cJSON_ArrayForEach(m, get(replay, "Messages"))
    {
        cJSON *page = load_json(SAMPLE, str(m, "Url"));
        const cJSON *msg;
        cJSON_ArrayForEach(msg, get(page, "RspMsgList"))
        {
            int64_t seq = num(msg, "MsgSeq") - 1000;
            assert_true(seq >= 0 && seq < 4096);
            bool board = false;
            const cJSON *el;
            cJSON_ArrayForEach(el, get(msg, "MsgBody"))
            {
                const cJSON *ext = cJSON_GetObjectItemCaseSensitive(get(el, "MsgContent"), "Ext");
                board |= cJSON_IsString(ext) && !strcmp(ext->valuestring, "TXWhiteBoardExt");
            }
            chat_seq[seq] = !board;
            ts_of[seq] = num(msg, "MsgTimeStamp");
            place_of[seq] = (int)num(msg, "IsPlaceMsg");
        }
        cJSON_Delete(page);
    }
    int want = 0;
    for (int i = 0; i < 4096; i++)
        want += chat_seq[i];
    const cJSON *chat = get(truth, "chat_messages");
    assert_int_equal(cJSON_GetArraySize(chat), want);
    assert_int_equal(want,
                     num(get(truth, "chat"), "messages") + num(get(truth, "chat"), "placeholders"));
    int64_t prev = -1;
    cJSON_ArrayForEach(m, chat)
    {
        int64_t seq = num(m, "seq") - 1000;
        assert_true(seq > prev && chat_seq[seq]);
        prev = seq;
        assert_int_equal(num(m, "wall_ms"), ts_of[seq] * 1000);
        assert_int_equal(num(m, "sent_wall_ms") / 1000, ts_of[seq]);
        assert_int_equal(num(m, "play_ms"), play_of(ts_of[seq] * 1000, start, pause));
        assert_int_equal(cJSON_IsTrue(get(m, "placeholder")), place_of[seq] == 1);
    }
    cJSON_Delete(truth);
    cJSON_Delete(replay);
}

/* ---- the newer options ------------------------------------------------------ */

static void gen(const char *name, const char *opts, char *dir, size_t size)
{
    char args[2048], log[1024];
    snprintf(dir, size, "%s/%s", SIGPLAY_TEST_TMP, name);
    snprintf(log, sizeof log, "%s/%s.log", SIGPLAY_TEST_TMP, name);
    snprintf(args, sizeof args, "-o '%s' %s -q", dir, opts);
    if (run(args, log) != 0)
        fail_msg("sigplay-mkclass %s failed (see %s)", args, log);
}

/* What the ffprobe command line says of a file's first audio stream. */
static void ffprobe_audio(const char *path, char *out, size_t size)
{
    char cmd[4096], log[1024];
    snprintf(log, sizeof log, "%s/mkclass-ffprobe.txt", SIGPLAY_TEST_TMP);
    snprintf(cmd, sizeof cmd,
             "ffprobe -v error -select_streams a:0 -show_entries "
             "stream=codec_name,sample_rate,channels -of csv=p=0 '%s' >'%s' 2>&1",
             path, log);
    int rc = system(cmd);
    assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(sp_read_file(log, 1 << 16, &text, &len), 0);
    snprintf(out, size, "%s", text);
    free(text);
}

#define SMALL "--duration-ms 6000 --size 192x108 --fps 10 --ops 150 --chat 12 --pause-ms 3000"

static void test_audio_only(void **state)
{
    (void)state;
    char dir[1024], ref[1024], again[1024];
    gen("mkclass-audio", SMALL " --lanes 4 --audio-only", dir, sizeof dir);
    gen("mkclass-audio-ref", SMALL " --lanes 4", ref, sizeof ref);
    cJSON *replay = load_json(dir, "replay.json");
    cJSON *truth = load_json(dir, "truth.json");
    int rate = (int)num(truth, "audio_rate");
    int segs = 0, teacher = 0, student2 = 0, student3 = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, get(replay, "VideoInfos"))
    {
        const char *url = str(v, "VideoUrl"), *user = str(v, "UserId");
        assert_int_equal(num(v, "VideoType"), 4);
        assert_string_equal(str(v, "VideoFormat"), "mp3");
        assert_true(strlen(url) > 4 && !strcmp(url + strlen(url) - 4, ".mp3"));
        assert_null(cJSON_GetObjectItemCaseSensitive(v, "Width"));
        assert_true(strncmp(user, "tic_substream_", 14) != 0); /* the screen lane is left out */
        teacher += !strcmp(user, "teacher_01");
        student2 += !strcmp(user, "student_02");
        student3 += !strcmp(user, "student_03");
        const cJSON *ts = truth_segment(truth, url);
        assert_string_equal(str(ts, "format"), "mp3");
        assert_int_equal(num(ts, "frames"), 0);
        assert_int_equal(num(v, "SyncTime"), num(ts, "first_frame_board_ms"));
        char path[2048], probe[256];
        snprintf(path, sizeof path, "%s/%s", dir, url);
        assert_int_equal(file_size(path), num(v, "VideoSize"));
        ffprobe_audio(path, probe, sizeof probe);
        assert_string_equal(probe, "mp3,48000,1\n");
        /* exactly VideoDuration x 48 samples once decoded, beeps on board
         * seconds counted from the first decoded sample */
        size_t want = (size_t)num(v, "VideoDuration") * (size_t)(rate / 1000), have = 0;
        assert_int_equal(num(ts, "audio_samples"), want);
        enum AVCodecID id;
        float *pcm = decode_pcm(path, rate, want, false, &have, &id);
        assert_int_equal(id, AV_CODEC_ID_MP3);
        assert_int_equal(have, want);
        check_beeps(path, pcm, want, rate, num(ts, "first_frame_board_ms"));
        free(pcm);
        segs++;
    }
    assert_int_equal(segs, 6);
    assert_true(teacher == 2 && student2 == 2 && student3 == 2);
    /* nothing but MP3 in media/ */
    char media[1100];
    snprintf(media, sizeof media, "%s/media", dir);
    DIR *d = opendir(media);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] != '.' && !(n > 4 && !strcmp(e->d_name + n - 4, ".mp3")))
            fail_msg("%s/%s in an audio-only class", media, e->d_name);
    }
    closedir(d);
    /* the board is the same as with video; the chat as many messages */
    cJSON *rtruth = load_json(ref, "truth.json");
    assert_true(cJSON_Compare(get(truth, "board_changes"), get(rtruth, "board_changes"), 1));
    assert_true(cJSON_Compare(get(truth, "board"), get(rtruth, "board"), 1));
    assert_true(cJSON_GetArraySize(get(truth, "board_changes")) > 50);
    assert_int_equal(cJSON_GetArraySize(get(truth, "chat_messages")),
                     cJSON_GetArraySize(get(rtruth, "chat_messages")));
    cJSON_Delete(rtruth);
    cJSON_Delete(truth);
    cJSON_Delete(replay);
    gen("mkclass-audio-2", SMALL " --lanes 4 --audio-only", again, sizeof again);
    assert_true(compare_trees(dir, again) >= 6 + 9);
}

static void test_camera_hole(void **state)
{
    (void)state;
    char dir[1024], again[1024];
    const char *opts = "--size 192x108 --fps 10 --camera-hole-ms 33000:9000";
    const int64_t h0 = 33000, h1 = 42000;
    gen("mkclass-hole", opts, dir, sizeof dir);
    cJSON *replay = load_json(dir, "replay.json");
    cJSON *truth = load_json(dir, "truth.json");
    const cJSON *pause = cJSON_GetArrayItem(get(replay, "OmittedDurations"), 0);
    int64_t start = num(truth, "true_start_ms");
    int teacher = 0, screen_covers = 0, after_hole = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, get(replay, "VideoInfos"))
    {
        int64_t a = num(v, "VideoPlayTime"), b = a + num(v, "VideoDuration");
        if (num(v, "VideoType") == 0) {
            if (a < h1 && b > h0)
                fail_msg("%s [%lld, %lld) overlaps the camera hole", str(v, "VideoUrl"),
                         (long long)a, (long long)b);
            teacher += !strcmp(str(v, "UserId"), "teacher_01");
            if (a == h1) {
                /* a camera back on is placed where VideoPlayTime says */
                const cJSON *ts = truth_segment(truth, str(v, "VideoUrl"));
                assert_int_equal(num(ts, "true_offset_ms"), 0);
                assert_int_equal(num(ts, "first_frame_board_ms"),
                                 start + h1 + num(pause, "ResumeTime") - num(pause, "PauseTime"));
                after_hole++;
            }
        } else if (num(v, "VideoType") == 1) {
            screen_covers += a <= h0 && b >= h1; /* the screen share goes on */
        }
        const cJSON *ts = truth_segment(truth, str(v, "VideoUrl"));
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, str(v, "VideoUrl"));
        assert_int_equal(file_size(path), num(v, "VideoSize"));
        struct probe *pr = malloc(sizeof *pr);
        assert_non_null(pr);
        probe_file(path, pr);
        assert_int_equal(pr->frames, num(ts, "frames"));
        int64_t want = num(v, "VideoDuration");
        int64_t diff = pr->duration_ms > want ? pr->duration_ms - want : want - pr->duration_ms;
        assert_true((double)diff <= pr->frame_ms);
        free(pr);
    }
    assert_int_equal(teacher, 3); /* [0, 30000), [30000, 33000), [42000, 60000) */
    assert_int_equal(after_hole, 2);
    assert_int_equal(screen_covers, 1);
    /* the board goes on in the hole: strokes, a shape, a text */
    const cJSON *hole = get(truth, "camera_hole");
    assert_int_equal(num(hole, "start_ms"), h0);
    assert_int_equal(num(hole, "end_ms"), h1);
    int inside = 0, strokes = 0, shapes = 0, texts = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, get(truth, "board_changes"))
    {
        int64_t t = num(c, "play_ms");
        if (t < h0 || t >= h1)
            continue;
        inside++;
        strokes += !strcmp(str(c, "op"), "stroke.begin");
        shapes += !strcmp(str(c, "op"), "shape");
        texts += !strcmp(str(c, "op"), "text");
    }
    assert_int_equal(inside, num(hole, "board_changes_inside"));
    assert_true(strokes >= 2 && shapes >= 1 && texts >= 1);
    cJSON_Delete(truth);
    cJSON_Delete(replay);
    gen("mkclass-hole-2", opts, again, sizeof again);
    assert_true(compare_trees(dir, again) >= 8 + 9);
}

/* Every JSON SEI message of one segment against truth: the lane's own type
 * carries the anchors, type 244 the decoys (before the anchor at even
 * seconds, after it at odd ones), nothing else. */
static void check_sei_segment(const char *dir, const cJSON *ts, int64_t decoy_offset)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, str(ts, "file"));
    struct probe *pr = malloc(sizeof *pr);
    assert_non_null(pr);
    probe_file(path, pr);
    int type = (int)num(ts, "sei_payload_type");
    const cJSON *anchors = get(ts, "anchors"), *decoys = get(ts, "decoys_244");
    assert_int_equal(cJSON_GetArraySize(decoys), cJSON_GetArraySize(anchors));
    assert_int_equal(pr->nsei, 2 * cJSON_GetArraySize(anchors));
    const cJSON *a = anchors->child, *d = decoys->child;
    for (; a && d; a = a->next, d = d->next) {
        int64_t pts = num(a, "pts_ms");
        assert_int_equal(num(d, "pts_ms"), pts);
        assert_int_equal(num(d, "sync_time"), num(a, "sync_time") + decoy_offset);
        int real = -1, decoy = -1;
        for (int i = 0; i < pr->nsei; i++) {
            if (pr->sei_pts[i] != pts)
                continue;
            if (pr->sei_type[i] == 244) {
                assert_int_equal(pr->sei_sync[i], num(d, "sync_time"));
                decoy = i;
            } else {
                assert_int_equal(pr->sei_type[i], type);
                assert_int_equal(pr->sei_sync[i], num(a, "sync_time"));
                real = i;
            }
        }
        if (real < 0 || decoy < 0)
            fail_msg("%s: anchor or decoy missing at %lld ms", path, (long long)pts);
        assert_int_equal(decoy < real, (pts / 1000) % 2 == 0);
        assert_int_equal(num(a, "sync_time") - pts, num(ts, "first_frame_board_ms"));
    }
    free(pr);
}

static void test_sei_types_decoys_lag(void **state)
{
    (void)state;
    char dir[1024], again[1024];
    const char *opts =
        SMALL " --lanes 5 --sei-types 100,243,5 --sei-decoy-244 --lag-ms student_02:300";
    gen("mkclass-sei", opts, dir, sizeof dir);
    cJSON *replay = load_json(dir, "replay.json");
    cJSON *truth = load_json(dir, "truth.json");
    const cJSON *pause = cJSON_GetArrayItem(get(replay, "OmittedDurations"), 0);
    int64_t start = num(truth, "true_start_ms");
    int64_t offset = num(truth, "sei_decoy_offset_ms");
    assert_true(offset != 0);
    static const struct {
        const char *user;
        int type;
    } want[] = {{"teacher_01", 100},
                {"student_02", 243},
                {"student_03", 5},
                {"student_04", 100},
                {"tic_substream_teacher_01", 0}};
    int checked = 0;
    const cJSON *ts;
    cJSON_ArrayForEach(ts, get(truth, "segments"))
    {
        const char *user = str(ts, "user_id");
        int type = -1;
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            if (!strcmp(want[i].user, user))
                type = want[i].type;
        }
        assert_int_equal(num(ts, "sei_payload_type"), type);
        if (type == 0) {
            assert_int_equal(cJSON_GetArraySize(get(ts, "decoys_244")), 0);
            continue;
        }
        check_sei_segment(dir, ts, offset);
        checked++;
        /* the lagged lane's media shows each board time 300 ms late: its
         * first frame's board time is 300 ms before where VideoPlayTime
         * puts it (120 ms join latency on the first segment aside) */
        int64_t vpt = num(ts, "video_play_time");
        int64_t placed =
            start + vpt +
            (vpt >= num(pause, "VideoTime") ? num(pause, "ResumeTime") - num(pause, "PauseTime")
                                            : 0);
        int64_t lag = !strcmp(user, "student_02") ? 300 : 0;
        assert_int_equal(num(ts, "lag_ms"), lag);
        int64_t join = !strcmp(user, "student_02") && num(ts, "segment") == 0  ? 120
                       : strcmp(user, "teacher_01") && num(ts, "segment") == 0 ? 80
                                                                               : 0;
        assert_int_equal(num(ts, "first_frame_board_ms"), placed + join - lag);
    }
    assert_int_equal(checked, 8);
    cJSON_Delete(truth);
    cJSON_Delete(replay);
    gen("mkclass-sei-2", opts, again, sizeof again);
    assert_true(compare_trees(dir, again) >= 10 + 9);
}

int main(void)
{
    av_log_set_level(AV_LOG_QUIET);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_variants),
        cmocka_unit_test(test_lanes_and_segments),
        cmocka_unit_test(test_segment_durations),
        cmocka_unit_test(test_sei_242_anchors),
        cmocka_unit_test(test_sei_type5_anchors_via_ffmpeg),
        cmocka_unit_test(test_audio_beeps_on_board_seconds),
        cmocka_unit_test(test_im_pages),
        cmocka_unit_test(test_scripted_undo_targets),
        cmocka_unit_test(test_truth_board_changes),
        cmocka_unit_test(test_same_options_same_bytes),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_audio_only),
        cmocka_unit_test(test_camera_hole),
        cmocka_unit_test(test_sei_types_decoys_lag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
