/* json_out.c - files and the JSON documents of a class: the replay manifest,
 * the plain recording result, the shapes a result arrives in (event
 * callback envelope, HTTP API answer; REPLAY-FORMAT.md section 1a), a failed
 * task's callback, a video generation request with a ModelId layout
 * (section 7), the seed-like manifest without OmittedDurations, and
 * truth.json (what was really written, for tests; the player never reads
 * it).
 */
#define _POSIX_C_SOURCE 200809L
#include "mkclass.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavutil/md5.h>

/* The callback's signing key: the service signs a callback with
 * md5(key + ExpireTime); this is the sample class's made-up key. */
#define CALLBACK_KEY "sigplay-sample-callback-key"
#define SDK_APP_ID 1400000000
#define CALLBACK_DELAY_S 30 /* the callback goes out after the files are processed */
#define CALLBACK_TTL_S 300  /* its signature stays valid this long */

int mk_path(const struct mk_plan *p, const char *rel, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/%s", p->opt.out_dir, rel);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "sigplay-mkclass: path too long: %s/%s\n", p->opt.out_dir, rel);
        return -1;
    }
    return 0;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "sigplay-mkclass: cannot create directory %s: %s\n", buf,
                    strerror(errno));
            return -1;
        }
        buf[i] = saved;
    }
    return 0;
}

int mk_dirs_create(const struct mk_plan *p)
{
    static const char *const subdirs[] = {"media", "im", "images"};
    if (make_dirs(p->opt.out_dir) < 0)
        return -1;
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        char path[4096];
        if (mk_path(p, subdirs[i], path, sizeof path) < 0 || make_dirs(path) < 0)
            return -1;
    }
    /* A stale manifest must not make a half-written class look complete:
     * replay.json is written last. */
    char path[4096];
    if (mk_path(p, "replay.json", path, sizeof path) == 0)
        remove(path);
    return 0;
}

int mk_write_file(const struct mk_plan *p, const char *rel, const void *data, size_t len)
{
    char path[4096];
    if (mk_path(p, rel, path, sizeof path) < 0)
        return -1;
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "sigplay-mkclass: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = fwrite(data, 1, len, f);
    int rc = fclose(f);
    if (n != len || rc != 0) {
        fprintf(stderr, "sigplay-mkclass: writing %s failed\n", path);
        return -1;
    }
    return 0;
}

int mk_write_json(const struct mk_plan *p, const char *rel, const cJSON *json)
{
    char *text = cJSON_Print(json);
    if (!text) {
        fprintf(stderr, "sigplay-mkclass: out of memory printing %s\n", rel);
        return -1;
    }
    size_t len = strlen(text);
    char *with_nl = malloc(len + 2);
    if (!with_nl) {
        cJSON_free(text);
        return -1;
    }
    memcpy(with_nl, text, len);
    with_nl[len] = '\n';
    with_nl[len + 1] = '\0';
    cJSON_free(text);
    int rc = mk_write_file(p, rel, with_nl, len + 1);
    free(with_nl);
    return rc;
}

/* cJSON stores numbers as double: exact for integers below 2^53, which
 * covers Unix ms for the next quarter million years. */
static void add_int(cJSON *o, const char *key, int64_t v)
{
    cJSON_AddItemToObject(o, key, cJSON_CreateNumber((double)v));
}

static cJSON *video_info(const struct mk_plan *p, const struct mk_segment *s)
{
    const struct mk_lane *l = &p->lanes[s->lane];
    cJSON *v = cJSON_CreateObject();
    bool audio_only = l->video_type == 4;
    add_int(v, "VideoPlayTime", s->play_time_ms);
    add_int(v, "VideoSize", s->size_bytes);
    cJSON_AddStringToObject(v, "VideoFormat", audio_only ? "mp3" : "mp4");
    add_int(v, "VideoDuration", s->duration_ms);
    cJSON_AddStringToObject(v, "VideoUrl", s->file);
    cJSON_AddStringToObject(v, "VideoId", s->video_id);
    add_int(v, "VideoType", l->video_type);
    cJSON_AddStringToObject(v, "UserId", l->user_id);
    if (!audio_only) { /* a picture size means nothing for sound */
        add_int(v, "Width", p->opt.width);
        add_int(v, "Height", p->opt.height);
    }
    /* no SEI (screen share, audio only): the board time of the first
     * sample is given here instead */
    if (l->sei == MK_SEI_NONE)
        add_int(v, "SyncTime", s->first_board_ms);
    return v;
}

/* The recording result as the service returns it. */
static cJSON *recording_result(const struct mk_plan *p, bool with_omitted)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "TaskId", p->task_id);
    cJSON_AddStringToObject(r, "Status", "FINISHED");
    cJSON_AddStringToObject(r, "FinishReason", "USER_CALL");
    add_int(r, "RoomId", p->room_id);
    cJSON_AddStringToObject(r, "GroupId", p->group_id);
    cJSON_AddStringToObject(r, "RecordUserId", p->record_user_id);
    add_int(r, "RecordStartTime", p->record_start_s);
    add_int(r, "RecordStopTime", p->record_stop_s);
    add_int(r, "TotalTime", p->opt.duration_ms);
    add_int(r, "ExceptionCnt", 0);
    cJSON *interrupts = cJSON_AddArrayToObject(r, "Interrupts");
    cJSON *it = cJSON_CreateObject();
    cJSON_AddStringToObject(it, "UserId", p->lanes[1].user_id);
    add_int(it, "Count", 1);
    cJSON_AddItemToArray(interrupts, it);
    if (with_omitted) {
        cJSON *om = cJSON_AddArrayToObject(r, "OmittedDurations");
        cJSON *o = cJSON_CreateObject();
        add_int(o, "VideoTime", p->pause_play_ms);
        add_int(o, "PauseTime", p->pause_wall_ms);
        add_int(o, "ResumeTime", p->resume_wall_ms);
        cJSON_AddItemToArray(om, o);
    }
    /* Listed as the service lists them: every lane's first segment, then
     * the segments after the pause (then third ones, when a camera hole
     * cut a lane into three). */
    cJSON *infos = cJSON_AddArrayToObject(r, "VideoInfos");
    int pieces = 0;
    for (int i = 0; i < p->segment_count; i++)
        pieces = p->segments[i].index_in_lane >= pieces ? p->segments[i].index_in_lane + 1 : pieces;
    for (int part = 0; part < pieces; part++) {
        for (int i = 0; i < p->segment_count; i++) {
            if (p->segments[i].index_in_lane == part)
                cJSON_AddItemToArray(infos, video_info(p, &p->segments[i]));
        }
    }
    return r;
}

static void add_replay_fields(cJSON *r, int page_count)
{
    add_int(r, "Version", 1);
    cJSON *wb = cJSON_AddObjectToObject(r, "Whiteboard");
    add_int(wb, "Width", 1280);
    add_int(wb, "Height", 960);
    cJSON *msgs = cJSON_AddArrayToObject(r, "Messages");
    for (int i = 0; i < page_count; i++) {
        char url[64];
        snprintf(url, sizeof url, "im/messages-%03d.json", i);
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "Url", url);
        cJSON_AddItemToArray(msgs, m);
    }
}

/* The RequestId of the API answer: a UUID-shaped id from its own random
 * stream (the plan's stream must not move, or every id would change). */
static void request_id(const struct mk_plan *p, char *buf, size_t size)
{
    struct mk_rng r;
    mk_rng_init(&r, p->opt.seed * 7 + 11);
    uint64_t a = mk_rng_next(&r), b = mk_rng_next(&r);
    snprintf(buf, size, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xFFFF, (unsigned)a & 0xFFF,
             0x8000u | ((unsigned)(b >> 48) & 0x3FFF),
             (unsigned long long)(b & UINT64_C(0xFFFFFFFFFFFF)));
}

/* An event callback: {EventType, EventData, Timestamp, ExpireTime, SdkAppId,
 * Sign}; Sign = md5 hex of key + ExpireTime. Takes ownership of data. */
static cJSON *callback_envelope(const struct mk_plan *p, cJSON *data)
{
    int64_t ts = p->record_stop_s + CALLBACK_DELAY_S, expire = ts + CALLBACK_TTL_S;
    char signed_text[96], sign[33];
    snprintf(signed_text, sizeof signed_text, "%s%lld", CALLBACK_KEY, (long long)expire);
    uint8_t md5[16];
    av_md5_sum(md5, (const uint8_t *)signed_text, strlen(signed_text));
    for (int i = 0; i < 16; i++)
        snprintf(sign + 2 * i, 3, "%02x", md5[i]);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "EventType", "OnlineRecordFinished");
    cJSON_AddItemToObject(e, "EventData", data);
    add_int(e, "Timestamp", ts);
    add_int(e, "ExpireTime", expire);
    add_int(e, "SdkAppId", SDK_APP_ID);
    cJSON_AddStringToObject(e, "Sign", sign);
    return e;
}

/* The shapes of section 1a: the same result (with ReplayUrl, so each leads
 * to the manifest) as the callback and as the API answer; a failed task's
 * callback; and a CreateVideoGenerationTask request asking for layout 2
 * with the teacher in the first tile. */
static int envelopes_write(const struct mk_plan *p)
{
    int rc = 0;
    cJSON *result = recording_result(p, true);
    cJSON_AddStringToObject(result, "ReplayUrl", "replay.json");
    cJSON *callback = callback_envelope(p, result);
    rc |= mk_write_json(p, "callback.json", callback);
    cJSON_Delete(callback);

    result = recording_result(p, true);
    cJSON_AddStringToObject(result, "ReplayUrl", "replay.json");
    char rid[48];
    request_id(p, rid, sizeof rid);
    cJSON_AddStringToObject(result, "RequestId", rid);
    cJSON *answer = cJSON_CreateObject();
    cJSON_AddItemToObject(answer, "Response", result);
    rc |= mk_write_json(p, "api-answer.json", answer);
    cJSON_Delete(answer);

    cJSON *failed = cJSON_CreateObject();
    cJSON_AddStringToObject(failed, "TaskId", p->task_id);
    cJSON *err = cJSON_AddObjectToObject(failed, "Error");
    cJSON_AddStringToObject(err, "Code", "FailedOperation.Transcode");
    cJSON_AddStringToObject(err, "Message", "Transcoding the recorded streams failed.");
    cJSON *fcb = callback_envelope(p, failed);
    rc |= mk_write_json(p, "task-failed.json", fcb);
    cJSON_Delete(fcb);

    cJSON *req = cJSON_CreateObject();
    add_int(req, "SdkAppId", SDK_APP_ID);
    cJSON_AddStringToObject(req, "OnlineRecordTaskId", p->task_id);
    cJSON *wb = cJSON_AddObjectToObject(req, "Whiteboard");
    add_int(wb, "Width", 1280);
    add_int(wb, "Height", 960);
    cJSON *mix = cJSON_AddObjectToObject(req, "MixStream");
    cJSON_AddBoolToObject(mix, "Enabled", 1);
    add_int(mix, "ModelId", 2);
    cJSON_AddStringToObject(mix, "TeacherId", p->lanes[0].user_id);
    rc |= mk_write_json(p, "task-model2.json", req);
    cJSON_Delete(req);
    return rc ? -1 : 0;
}

int mk_manifests_write(const struct mk_plan *p, int page_count)
{
    int rc = 0;
    cJSON *result = recording_result(p, true);
    rc |= mk_write_json(p, "result.json", result);
    cJSON_Delete(result);

    rc |= envelopes_write(p);

    cJSON *seedlike = recording_result(p, false);
    add_replay_fields(seedlike, page_count);
    rc |= mk_write_json(p, "seedlike.json", seedlike);
    cJSON_Delete(seedlike);

    /* Last: its appearance means the class is complete. */
    if (rc == 0) {
        cJSON *replay = recording_result(p, true);
        add_replay_fields(replay, page_count);
        rc |= mk_write_json(p, "replay.json", replay);
        cJSON_Delete(replay);
    }
    return rc ? -1 : 0;
}

static cJSON *image_json(const struct mk_image_info *im)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", im->file);
    add_int(o, "width", im->width);
    add_int(o, "height", im->height);
    add_int(o, "size", im->size_bytes);
    return o;
}

/* A growing text buffer for the long lists of truth.json: they are printed
 * as text and handed to cJSON as raw JSON, because a cJSON node per value
 * would take hundreds of MB for a 500k-op class. */
struct text {
    char *buf;
    size_t len, cap;
    bool oom;
};

static void text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_printf(struct text *t, const char *fmt, ...)
{
    if (t->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0) {
        t->oom = true;
        return;
    }
    if (t->len + (size_t)need + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + (size_t)need + 1)
            cap *= 2;
        char *nb = realloc(t->buf, cap);
        if (!nb) {
            t->oom = true;
            return;
        }
        t->buf = nb;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)need;
}

/* Adds the list as raw JSON under key; one entry per line, indented as
 * cJSON indents a top-level key's value. Returns -1 on out of memory. */
static int add_raw_list(cJSON *o, const char *key, struct text *t)
{
    if (t->len == 0)
        text_printf(t, "[]");
    else
        text_printf(t, "\n\t]");
    int rc = t->oom || !cJSON_AddRawToObject(o, key, t->buf) ? -1 : 0;
    free(t->buf);
    *t = (struct text){0};
    return rc;
}

static void list_item(struct text *t)
{
    text_printf(t, "%s", t->len == 0 ? "[\n\t\t" : ",\n\t\t");
}

/* Every op that changes the visible page: the navigation's "next change"
 * and tests of what the board shows at a change need each one's time. Ops
 * in the pause show at the pause's VideoTime. */
static int add_board_changes(const struct mk_plan *p, cJSON *t, const struct mk_board_stats *bs)
{
    struct text x = {0};
    for (int i = 0; i < bs->change_count; i++) {
        const struct mk_board_change *c = &bs->changes[i];
        list_item(&x);
        text_printf(&x, "{\"play_ms\": %lld, \"wall_ms\": %lld, \"op\": \"%s\", \"user\": \"%s\"}",
                    (long long)mk_plan_play(p, c->wall_ms), (long long)c->wall_ms,
                    mk_op_kind_names[c->kind], p->lanes[c->user].user_id);
    }
    cJSON *kinds = cJSON_AddArrayToObject(t, "board_change_ops");
    for (int k = 0; k < MK_OP_KINDS; k++) {
        if (mk_op_kind_is_change(k))
            cJSON_AddItemToArray(kinds, cJSON_CreateString(mk_op_kind_names[k]));
    }
    return add_raw_list(t, "board_changes", &x);
}

/* First playback time at which w(t) >= wall: what a correct player shows
 * for a time the format gives (chat: MsgTimeStamp, whole seconds). */
static int64_t shown_play(const struct mk_plan *p, int64_t wall)
{
    int64_t t = mk_plan_play(p, wall);
    return t < 0 ? 0 : t;
}

/* Every chat message (board batches left out), in MsgSeq order. play_ms is
 * when a correct player shows it: MsgTimeStamp has one-second resolution,
 * so that is the playback time of MsgTimeStamp * 1000 (wall_ms), not of
 * the exact send time (sent_wall_ms). Placeholders (IsPlaceMsg 1) are
 * listed, marked, though a player shows nothing for them. */
static int add_chat_messages(const struct mk_plan *p, cJSON *t, const struct mk_msg_list *msgs)
{
    struct text x = {0};
    for (int i = 0; i < msgs->count; i++) {
        const struct mk_msg *m = &msgs->items[i];
        if (m->board)
            continue;
        int64_t wall = m->wall_ms / 1000 * 1000;
        list_item(&x);
        text_printf(&x,
                    "{\"seq\": %lld, \"from\": \"%s\", \"play_ms\": %lld, \"wall_ms\": %lld, "
                    "\"sent_wall_ms\": %lld, \"sent_play_ms\": %lld, \"placeholder\": %s}",
                    (long long)m->seq, m->from, (long long)shown_play(p, wall), (long long)wall,
                    (long long)m->wall_ms, (long long)shown_play(p, m->wall_ms),
                    m->placeholder ? "true" : "false");
    }
    return add_raw_list(t, "chat_messages", &x);
}

static cJSON *anchors_json(const struct mk_anchor *a, int n)
{
    cJSON *arr = cJSON_CreateArray();
    for (int k = 0; k < n; k++) {
        cJSON *o = cJSON_CreateObject();
        add_int(o, "pts_ms", a[k].pts_ms);
        add_int(o, "sync_time", a[k].sync_time);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

int mk_truth_write(const struct mk_plan *p, const struct mk_images *img,
                   const struct mk_board_stats *bs, const struct mk_chat_stats *cs,
                   const struct mk_msg_list *msgs, int page_count)
{
    int message_count = msgs->count;
    const struct mk_options *o = &p->opt;
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "generator", "sigplay-mkclass");
    cJSON *opt = cJSON_AddObjectToObject(t, "options");
    add_int(opt, "duration_ms", o->duration_ms);
    add_int(opt, "lanes", o->lanes);
    add_int(opt, "width", o->width);
    add_int(opt, "height", o->height);
    add_int(opt, "fps", o->fps);
    add_int(opt, "ops", o->ops);
    add_int(opt, "chat", o->chat);
    add_int(opt, "start_offset_ms", o->start_offset_ms);
    add_int(opt, "pause_ms", o->pause_ms);
    add_int(opt, "seed", (int64_t)o->seed);
    cJSON_AddBoolToObject(opt, "audio_only", o->audio_only);
    add_int(opt, "camera_hole_start_ms", o->hole_start_ms);
    add_int(opt, "camera_hole_len_ms", o->hole_len_ms);
    cJSON *st = cJSON_AddArrayToObject(opt, "sei_types");
    for (int i = 0; i < o->sei_type_count; i++)
        cJSON_AddItemToArray(st, cJSON_CreateNumber(o->sei_types[i]));
    cJSON_AddBoolToObject(opt, "sei_decoy_244", o->sei_decoy_244);
    cJSON *lags = cJSON_AddArrayToObject(opt, "lag_ms");
    for (int i = 0; i < o->lag_count; i++) {
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "user", o->lags[i].user);
        add_int(l, "ms", o->lags[i].ms);
        cJSON_AddItemToArray(lags, l);
    }

    add_int(t, "true_start_ms", p->true_start_ms);
    add_int(t, "record_start_time", p->record_start_s);
    add_int(t, "total_time_ms", o->duration_ms);
    cJSON *pauses = cJSON_AddArrayToObject(t, "pauses");
    cJSON *pz = cJSON_CreateObject();
    add_int(pz, "video_time", p->pause_play_ms);
    add_int(pz, "pause_time", p->pause_wall_ms);
    add_int(pz, "resume_time", p->resume_wall_ms);
    cJSON_AddItemToArray(pauses, pz);

    char uuid[40];
    const uint8_t *u = p->sei_uuid;
    snprintf(uuid, sizeof uuid,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    cJSON_AddStringToObject(t, "sei_uuid", uuid);
    add_int(t, "audio_rate", MK_AUDIO_RATE);

    cJSON *segs = cJSON_AddArrayToObject(t, "segments");
    for (int i = 0; i < p->segment_count; i++) {
        const struct mk_segment *s = &p->segments[i];
        const struct mk_lane *l = &p->lanes[s->lane];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "file", s->file);
        cJSON_AddStringToObject(j, "user_id", l->user_id);
        add_int(j, "video_type", l->video_type);
        add_int(j, "segment", s->index_in_lane);
        add_int(j, "video_play_time", s->play_time_ms);
        add_int(j, "video_duration", s->duration_ms);
        add_int(j, "true_offset_ms", s->true_offset_ms);
        add_int(j, "first_frame_board_ms", s->first_board_ms);
        add_int(j, "frames", s->frames);
        add_int(j, "fps", o->fps);
        add_int(j, "audio_samples", s->audio_samples);
        add_int(j, "tone_hz", l->audio ? l->tone_hz : 0);
        add_int(j, "beep_hz", l->audio ? l->beep_hz : 0);
        add_int(j, "sei_payload_type", (int)l->sei);
        cJSON_AddItemToObject(j, "anchors", anchors_json(s->anchors, s->anchor_count));
        cJSON_AddStringToObject(j, "format", l->video_type == 4 ? "mp3" : "mp4");
        add_int(j, "lag_ms", l->lag_ms);
        /* type-244 SEI beside the anchors: never to be used */
        cJSON_AddItemToObject(j, "decoys_244", anchors_json(s->decoys, s->decoy_count));
        cJSON_AddItemToArray(segs, j);
    }

    cJSON *board = cJSON_AddObjectToObject(t, "board");
    add_int(board, "ops", bs->ops);
    add_int(board, "batches", bs->batches);
    add_int(board, "ops_in_pause", bs->ops_in_pause);
    cJSON *kinds = cJSON_AddObjectToObject(board, "per_kind");
    for (int k = 0; k < MK_OP_KINDS; k++)
        add_int(kinds, mk_op_kind_names[k], bs->per_kind[k]);

    cJSON *chat = cJSON_AddObjectToObject(t, "chat");
    add_int(chat, "messages", cs->chat);
    add_int(chat, "placeholders", cs->placeholders);
    add_int(chat, "in_pause", cs->in_pause);

    add_int(t, "im_messages", message_count);
    add_int(t, "im_pages", page_count);
    add_int(t, "im_page_size", MK_PAGE_SIZE);

    cJSON *images = cJSON_AddObjectToObject(t, "images");
    cJSON_AddItemToObject(images, "slide", image_json(&img->slide));
    cJSON_AddItemToObject(images, "photo", image_json(&img->photo));
    cJSON_AddItemToObject(images, "photo_thumb", image_json(&img->photo_thumb));

    /* What tests of the newer options need; all after the older keys. */
    if (o->hole_len_ms > 0) {
        int64_t h0 = o->hole_start_ms, h1 = h0 + o->hole_len_ms;
        cJSON *h = cJSON_AddObjectToObject(t, "camera_hole");
        add_int(h, "start_ms", h0);
        add_int(h, "end_ms", h1);
        int inside = 0;
        for (int i = 0; i < bs->change_count; i++) {
            int64_t pt = mk_plan_play(p, bs->changes[i].wall_ms);
            inside += pt >= h0 && pt < h1;
        }
        add_int(h, "board_changes_inside", inside);
    } else {
        cJSON_AddNullToObject(t, "camera_hole");
    }
    add_int(t, "sei_decoy_offset_ms", o->sei_decoy_244 ? MK_SEI_DECOY_OFFSET_MS : 0);
    cJSON *env = cJSON_AddObjectToObject(t, "envelopes");
    char rid[48];
    request_id(p, rid, sizeof rid);
    cJSON_AddStringToObject(env, "request_id", rid);
    add_int(env, "sdk_app_id", SDK_APP_ID);
    cJSON_AddStringToObject(env, "callback_key", CALLBACK_KEY);
    cJSON_AddStringToObject(env, "teacher_id", p->lanes[0].user_id);
    int rc = 0;
    if (add_board_changes(p, t, bs) < 0 || add_chat_messages(p, t, msgs) < 0) {
        fprintf(stderr, "sigplay-mkclass: out of memory writing truth.json\n");
        cJSON_Delete(t);
        return -1;
    }

    rc = mk_write_json(p, "truth.json", t);
    cJSON_Delete(t);
    return rc;
}
