/* json_out.c - files and the JSON documents of a class: the replay manifest,
 * the plain recording result, the callback form, the seed-like manifest
 * without OmittedDurations, and truth.json (what was really written, for
 * tests; the player never reads it).
 */
#define _POSIX_C_SOURCE 200809L
#include "mkclass.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    add_int(v, "VideoPlayTime", s->play_time_ms);
    add_int(v, "VideoSize", s->size_bytes);
    cJSON_AddStringToObject(v, "VideoFormat", "mp4");
    add_int(v, "VideoDuration", s->duration_ms);
    cJSON_AddStringToObject(v, "VideoUrl", s->file);
    cJSON_AddStringToObject(v, "VideoId", s->video_id);
    add_int(v, "VideoType", l->video_type);
    cJSON_AddStringToObject(v, "UserId", l->user_id);
    add_int(v, "Width", p->opt.width);
    add_int(v, "Height", p->opt.height);
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
     * the segments after the pause. */
    cJSON *infos = cJSON_AddArrayToObject(r, "VideoInfos");
    for (int part = 0; part < 2; part++) {
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

int mk_manifests_write(const struct mk_plan *p, int page_count)
{
    int rc = 0;
    cJSON *result = recording_result(p, true);
    rc |= mk_write_json(p, "result.json", result);
    cJSON_Delete(result);

    cJSON *callback = recording_result(p, true);
    cJSON_AddStringToObject(callback, "ReplayUrl", "replay.json");
    rc |= mk_write_json(p, "callback.json", callback);
    cJSON_Delete(callback);

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

int mk_truth_write(const struct mk_plan *p, const struct mk_images *img,
                   const struct mk_board_stats *bs, const struct mk_chat_stats *cs,
                   int message_count, int page_count)
{
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
        cJSON *anchors = cJSON_AddArrayToObject(j, "anchors");
        for (int k = 0; k < s->anchor_count; k++) {
            cJSON *a = cJSON_CreateObject();
            add_int(a, "pts_ms", s->anchors[k].pts_ms);
            add_int(a, "sync_time", s->anchors[k].sync_time);
            cJSON_AddItemToArray(anchors, a);
        }
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

    int rc = mk_write_json(p, "truth.json", t);
    cJSON_Delete(t);
    return rc;
}
