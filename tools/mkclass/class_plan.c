/* class_plan.c - the deterministic plan of a class: lanes, segments, pause.
 *
 * Everything time-related is decided here once, so the media, the board
 * ops, the chat and truth.json all agree. The shape follows the recording
 * service: every lane is cut into two segments at the one pause, one camera
 * joins late, and a lane's media may start a little later (in board time)
 * than its VideoPlayTime says, which is what SEI anchors exist to correct.
 */
#include "mkclass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reference instant of the default class: 2023-11-14 22:13:20 UTC. */
#define BASE_BOARD_MS INT64_C(1700000000000)

/* Join latency of the late camera's first segment, ms of board time. Only
 * that one segment is off, so a robust average over segments still finds
 * the class origin exactly. */
#define LATE_JOIN_OFFSET_MS 120
#define EXTRA_LANE_OFFSET_MS 80

void mk_rng_init(struct mk_rng *r, uint64_t seed)
{
    r->state = seed ^ UINT64_C(0x5DEECE66D);
}

uint64_t mk_rng_next(struct mk_rng *r)
{
    /* splitmix64: tiny, good enough, identical on every platform */
    uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

int64_t mk_rng_range(struct mk_rng *r, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (int64_t)(mk_rng_next(r) % span);
}

int64_t mk_plan_wall(const struct mk_plan *p, int64_t play_ms)
{
    int64_t w = p->true_start_ms + play_ms;
    if (play_ms >= p->pause_play_ms)
        w += p->resume_wall_ms - p->pause_wall_ms;
    return w;
}

int64_t mk_plan_play(const struct mk_plan *p, int64_t board_ms)
{
    if (board_ms < p->pause_wall_ms)
        return board_ms - p->true_start_ms;
    if (board_ms < p->resume_wall_ms)
        return p->pause_play_ms;
    return board_ms - p->true_start_ms - (p->resume_wall_ms - p->pause_wall_ms);
}

static void lane_set(struct mk_lane *l, const char *user, int video_type, enum mk_sei_kind sei,
                     int tone, int beep, int r, int g, int b, int64_t join)
{
    snprintf(l->user_id, sizeof l->user_id, "%s", user);
    snprintf(l->label, sizeof l->label, "%s", user);
    l->video_type = video_type;
    l->sei = sei;
    l->audio = video_type == 0;
    l->tone_hz = tone;
    l->beep_hz = beep;
    struct mk_color c = mk_rgb(r, g, b);
    l->bg_y = c.y;
    l->bg_u = c.u;
    l->bg_v = c.v;
    l->join_play_ms = join;
}

bool mk_lane_is_camera(const struct mk_lane *l)
{
    return l->video_type == 0 || l->video_type == 4;
}

/* Appends one segment of lane li covering playback [from, to). */
static void segment_add(struct mk_plan *p, int li, int piece, int64_t from, int64_t to,
                        int64_t offset)
{
    const struct mk_lane *l = &p->lanes[li];
    struct mk_segment *s = &p->segments[p->segment_count];
    s->lane = li;
    s->index_in_lane = piece;
    s->play_time_ms = from;
    s->duration_ms = to - from;
    s->true_offset_ms = offset - l->lag_ms;
    s->first_board_ms = mk_plan_wall(p, s->play_time_ms) + s->true_offset_ms;
    char user[sizeof l->user_id]; /* both live in *p: copied, so they cannot overlap */
    memcpy(user, l->user_id, sizeof user);
    snprintf(s->file, sizeof s->file, "media/%s-%d.%s", user, piece,
             l->video_type == 4 ? "mp3" : "mp4");
    snprintf(s->video_id, sizeof s->video_id, "52858907815706%05d", 53800 + p->segment_count);
    p->segment_count++;
}

/* The lane's two parts (before and after the pause), less the camera hole
 * for camera lanes. Only a segment starting where the lane joined keeps the
 * join latency: a camera switched back on after the hole is placed right. */
static void lane_segments(struct mk_plan *p, int li, int64_t join_offset)
{
    const struct mk_lane *l = &p->lanes[li];
    const struct mk_options *opt = &p->opt;
    int64_t h0 = opt->hole_start_ms, h1 = opt->hole_start_ms + opt->hole_len_ms;
    bool hole = opt->hole_len_ms > 0 && mk_lane_is_camera(l);
    int piece = 0;
    for (int part = 0; part < 2; part++) {
        int64_t from = part == 0 ? l->join_play_ms : p->pause_play_ms;
        int64_t to = part == 0 ? p->pause_play_ms : opt->duration_ms;
        int64_t offset = part == 0 ? join_offset : 0;
        if (!hole || h1 <= from || h0 >= to) {
            segment_add(p, li, piece++, from, to, offset);
            continue;
        }
        if (h0 - from >= MK_MIN_SEGMENT_MS)
            segment_add(p, li, piece++, from, h0, offset);
        if (to - h1 >= MK_MIN_SEGMENT_MS)
            segment_add(p, li, piece++, h1, to, 0);
    }
}

int mk_plan_build(struct mk_plan *p, const struct mk_options *opt)
{
    memset(p, 0, sizeof *p);
    p->opt = *opt;
    struct mk_rng rng;
    mk_rng_init(&rng, opt->seed);

    p->true_start_ms = BASE_BOARD_MS + opt->start_offset_ms;
    /* A negative offset: the clients' clocks (SEI, board) began before the
     * RecordStartTime the service wrote, as they do when it starts late or
     * rounds up. */
    p->record_start_s = opt->start_offset_ms < 0 ? BASE_BOARD_MS / 1000 : p->true_start_ms / 1000;
    /* The pause sits on a whole second near the middle: a whole second is a
     * whole number of frames at any integer frame rate. */
    p->pause_play_ms = opt->duration_ms / 2 / 1000 * 1000;
    p->pause_wall_ms = p->true_start_ms + p->pause_play_ms;
    p->resume_wall_ms = p->pause_wall_ms + opt->pause_ms;
    p->record_stop_s = (p->record_start_s * 1000 + opt->duration_ms + opt->pause_ms) / 1000;

    p->room_id = 880321;
    snprintf(p->group_id, sizeof p->group_id, "%lld", (long long)p->room_id);
    snprintf(p->record_user_id, sizeof p->record_user_id, "tic_record_user_%lld_%06x",
             (long long)p->room_id, (unsigned)(mk_rng_next(&rng) & 0xFFFFFF));
    snprintf(p->task_id, sizeof p->task_id, "task-%016llx", (unsigned long long)mk_rng_next(&rng));
    static const uint8_t uuid[16] = {0xf0, 0xb3, 0xa8, 0xe2, 0x5c, 0x71, 0x4f, 0x2e,
                                     0x9a, 0x6d, 0x3c, 0x8e, 0x1b, 0x7d, 0x2a, 0x90};
    memcpy(p->sei_uuid, uuid, sizeof uuid);

    /* The late camera joins at 8 s, or earlier in short classes, always on a
     * whole second and at least a second before the pause. */
    int64_t join = p->pause_play_ms / 2 / 1000 * 1000;
    if (join > 8000)
        join = 8000;
    if (join < 1000)
        join = 1000;

    lane_set(&p->lanes[0], "teacher_01", 0, MK_SEI_242, 220, 880, 28, 48, 110, 0);
    lane_set(&p->lanes[1], "student_02", 0, MK_SEI_5, 330, 1320, 24, 96, 48, join);
    lane_set(&p->lanes[2], "tic_substream_teacher_01", 1, MK_SEI_NONE, 0, 0, 226, 226, 214, 0);
    p->lane_count = 3;
    static const int extra_rgb[][3] = {{110, 40, 40}, {90, 40, 110}, {110, 80, 20},
                                       {20, 90, 100}, {70, 70, 70},  {120, 30, 90}};
    for (int k = 3; k < opt->lanes && k < MK_MAX_LANES; k++) {
        char user[32];
        snprintf(user, sizeof user, "student_%02d", k);
        const int *rgb = extra_rgb[(k - 3) % 6];
        int64_t j = join + 1000 * (k - 2);
        if (j > p->pause_play_ms - 1000)
            j = p->pause_play_ms - 1000;
        lane_set(&p->lanes[k], user, 0, (k % 2) ? MK_SEI_5 : MK_SEI_242, 200 + 37 * k,
                 700 + 110 * k, rgb[0], rgb[1], rgb[2], j);
        p->lane_count++;
    }

    if (opt->audio_only) {
        /* A class with no video at all: the cameras' sound stays, the screen
         * share (silent, picture only) has nothing left to give. */
        memmove(&p->lanes[2], &p->lanes[3], (size_t)(p->lane_count - 3) * sizeof p->lanes[0]);
        p->lane_count--;
        for (int li = 0; li < p->lane_count; li++) {
            p->lanes[li].video_type = 4;
            p->lanes[li].sei = MK_SEI_NONE;
        }
    } else if (opt->sei_type_count > 0) {
        int c = 0;
        for (int li = 0; li < p->lane_count; li++) {
            if (p->lanes[li].video_type == 0)
                p->lanes[li].sei = (enum mk_sei_kind)opt->sei_types[c++ % opt->sei_type_count];
        }
    }
    for (int i = 0; i < opt->lag_count; i++) {
        int li = 0;
        while (li < p->lane_count && strcmp(p->lanes[li].user_id, opt->lags[i].user) != 0)
            li++;
        if (li == p->lane_count) {
            fprintf(stderr, "sigplay-mkclass: --lag-ms: no lane '%s' in this class (lanes: %s",
                    opt->lags[i].user, p->lanes[0].user_id);
            for (int k = 1; k < p->lane_count; k++)
                fprintf(stderr, ", %s", p->lanes[k].user_id);
            fprintf(stderr, ")\n");
            return -1;
        }
        p->lanes[li].lag_ms = opt->lags[i].ms;
    }

    for (int li = 0; li < p->lane_count; li++) {
        /* user ids, not indices: the audio-only class has no screen lane */
        int64_t join_offset = 0;
        if (!strcmp(p->lanes[li].user_id, "student_02"))
            join_offset = LATE_JOIN_OFFSET_MS;
        else if (mk_lane_is_camera(&p->lanes[li]) && li >= 2)
            join_offset = EXTRA_LANE_OFFSET_MS;
        lane_segments(p, li, join_offset);
    }
    return 0;
}

void mk_plan_free(struct mk_plan *p)
{
    for (int i = 0; i < p->segment_count; i++) {
        free(p->segments[i].anchors);
        p->segments[i].anchors = NULL;
        free(p->segments[i].decoys);
        p->segments[i].decoys = NULL;
    }
}
