/* mkclass.c - sigplay-mkclass: writes a complete, realistic sample class
 * (recording result, replay manifest, media, IM pages, images, truth.json)
 * into a directory. Options and their checks live here; the work is done by
 * the other files of tools/mkclass/ (see mkclass.h for the flow).
 */
#include "mkclass.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/log.h>

#define MK_MIN_OPS 100 /* the scripted lesson alone is fewer ops than this */
#define MK_MIN_PAUSE_MS 2000
#define MK_MAX_PAUSE_MS 5400000 /* the service force-stops after 90 min paused */
#define MK_MIN_HOLE_MS 1000     /* shorter holes hold no board op worth testing */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sigplay-mkclass -o DIR [options]\n"
            "\n"
            "Writes a sample recorded class into DIR: replay.json (replay manifest),\n"
            "result.json (plain recording result), callback.json (the event callback\n"
            "envelope; its result points to replay.json by ReplayUrl), api-answer.json\n"
            "(the HTTP API answer), task-failed.json (a failed task's callback),\n"
            "task-model2.json (a video generation request with MixStream ModelId 2),\n"
            "seedlike.json (manifest without OmittedDurations), truth.json (what was\n"
            "written, for tests), media/*.mp4 (*.mp3 with --audio-only),\n"
            "im/messages-NNN.json, images/*. The same options always give the same bytes.\n"
            "\n"
            "options:\n"
            "  -o, --out DIR           output directory (created if missing)\n"
            "  --duration-ms N         playback length, pause removed (%d..%d, default 60000)\n"
            "  --lanes N               video lanes: teacher, late student, screen share,\n"
            "                          then extra student cameras (%d..%d, default 3)\n"
            "  --size WxH              frame size, even numbers (160x90..3840x2160,\n"
            "                          default 640x360)\n"
            "  --fps N                 frames per second (1..%d, default 15)\n"
            "  --ops N                 whiteboard ops in total (%d..%d, default 400)\n"
            "  --chat N                chat messages in total (%d..%d, default 16)\n"
            "  --start-offset-ms N     true class start = 1700000000000 + N ms; N not a\n"
            "                          multiple of 1000 makes RecordStartTime truncated;\n"
            "                          negative N keeps RecordStartTime at 1700000000, so\n"
            "                          the media's and board's clocks begin |N| ms before\n"
            "                          it (%d..86399999, default 0)\n"
            "  --pause-ms N            wall-clock length of the pause (%d..%d, default 20000)\n"
            "  --seed N                seed of the random parts (default 1)\n"
            "  --audio-only            no video at all: every camera lane is an audio-only\n"
            "                          lane (VideoType 4, MP3 files, the same tones and\n"
            "                          beeps) and the screen share lane is left out; the\n"
            "                          board and the chat are unchanged\n"
            "  --camera-hole-ms S:L    every camera lane has no segment for playback\n"
            "                          [S, S+L) ms (cameras off; L >= %d) while board ops go\n"
            "                          on: a few strokes, a shape and a text fall inside it\n"
            "  --sei-types A,B,...     SEI payload types the camera lanes use in turn, each\n"
            "                          one of 5, 100, 242, 243 (default: 242, 5, then\n"
            "                          alternately 5 and 242)\n"
            "  --sei-decoy-244         beside every sync SEI, a payload type 244 SEI with a\n"
            "                          wrong syncTime (+%d ms), which players must ignore\n"
            "  --lag-ms USER:MS        USER's media is MS ms late against the board (negative:\n"
            "                          early; |MS| <= %d); its SEI syncTime (or SyncTime)\n"
            "                          says so; may be given once per lane\n"
            "  -q, --quiet             print nothing on success\n"
            "  -h, --help              this text\n",
            MK_MIN_DURATION_MS, MK_MAX_DURATION_MS, MK_MIN_LANES, MK_MAX_LANES, MK_MAX_FPS,
            MK_MIN_OPS, MK_MAX_OPS, MK_MIN_START_OFFSET_MS, mk_chat_scripted(), MK_MAX_CHAT,
            MK_MIN_PAUSE_MS, MK_MAX_PAUSE_MS, MK_MIN_HOLE_MS, MK_SEI_DECOY_OFFSET_MS,
            MK_MAX_LAG_MS);
}

/* Parses a whole decimal integer in [lo, hi]; prints one clear line if not. */
static int parse_int(const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end != '\0' || errno == ERANGE || v < lo || v > hi) {
        fprintf(stderr,
                "sigplay-mkclass: %s: expected an integer from %" PRId64 " to %" PRId64
                ", got '%s'\n",
                opt, lo, hi, s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_size(const char *s, int *w, int *h)
{
    int64_t ww, hh;
    const char *x = s ? strchr(s, 'x') : NULL;
    char wbuf[16];
    if (x && (size_t)(x - s) < sizeof wbuf) {
        memcpy(wbuf, s, (size_t)(x - s));
        wbuf[x - s] = '\0';
        if (parse_int("--size (width)", wbuf, 160, 3840, &ww) == 0 &&
            parse_int("--size (height)", x + 1, 90, 2160, &hh) == 0) {
            if (ww % 2 || hh % 2) {
                fprintf(stderr,
                        "sigplay-mkclass: --size: width and height must be even "
                        "(4:2:0 video), got '%s'\n",
                        s);
                return -1;
            }
            *w = (int)ww;
            *h = (int)hh;
            return 0;
        }
        return -1;
    }
    fprintf(stderr, "sigplay-mkclass: --size: expected WxH such as 640x360, got '%s'\n",
            s ? s : "");
    return -1;
}

/* "S:L" of --camera-hole-ms; the range against the duration is checked
 * once every option is known. */
static int parse_hole(const char *s, int64_t *start, int64_t *len)
{
    const char *colon = s ? strchr(s, ':') : NULL;
    char buf[32];
    if (!colon || (size_t)(colon - s) >= sizeof buf) {
        fprintf(stderr,
                "sigplay-mkclass: --camera-hole-ms: expected START:LEN in ms such as "
                "12000:8000, got '%s'\n",
                s ? s : "");
        return -1;
    }
    memcpy(buf, s, (size_t)(colon - s));
    buf[colon - s] = '\0';
    if (parse_int("--camera-hole-ms (start)", buf, 0, MK_MAX_DURATION_MS, start) < 0 ||
        parse_int("--camera-hole-ms (length)", colon + 1, MK_MIN_HOLE_MS, MK_MAX_DURATION_MS, len) <
            0)
        return -1;
    return 0;
}

static int parse_sei_types(const char *s, struct mk_options *o)
{
    o->sei_type_count = 0;
    const char *p = s ? s : "";
    for (;;) {
        char *end = NULL;
        errno = 0;
        long v = strtol(p, &end, 10);
        bool known = v == 5 || v == 100 || v == 242 || v == 243;
        /* each entry: digits only, one of the readable types, then ',' or the end */
        if (end == p || *p == '-' || *p == '+' || *p == ' ' || errno || !known ||
            (*end != ',' && *end != '\0') || o->sei_type_count == MK_MAX_SEI_TYPES) {
            fprintf(stderr,
                    "sigplay-mkclass: --sei-types: expected up to %d of 5, 100, 242, 243 "
                    "separated by commas, got '%s'\n",
                    MK_MAX_SEI_TYPES, s ? s : "");
            return -1;
        }
        o->sei_types[o->sei_type_count++] = (int)v;
        if (*end == '\0')
            return 0;
        p = end + 1; /* after ',': an empty entry fails above (end == p) */
    }
}

static int parse_lag(const char *s, struct mk_options *o)
{
    const char *colon = s ? strrchr(s, ':') : NULL;
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof o->lags[0].user) {
        fprintf(stderr,
                "sigplay-mkclass: --lag-ms: expected USER:MS such as student_02:300, "
                "got '%s'\n",
                s ? s : "");
        return -1;
    }
    if (o->lag_count == MK_MAX_LANES) {
        fprintf(stderr, "sigplay-mkclass: --lag-ms: given more than %d times\n", MK_MAX_LANES);
        return -1;
    }
    struct mk_lag *l = &o->lags[o->lag_count];
    memcpy(l->user, s, (size_t)(colon - s));
    l->user[colon - s] = '\0';
    for (int i = 0; i < o->lag_count; i++) {
        if (!strcmp(o->lags[i].user, l->user)) {
            fprintf(stderr, "sigplay-mkclass: --lag-ms: lane '%s' given twice\n", l->user);
            return -1;
        }
    }
    if (parse_int("--lag-ms", colon + 1, -MK_MAX_LAG_MS, MK_MAX_LAG_MS, &l->ms) < 0)
        return -1;
    o->lag_count++;
    return 0;
}

/* Returns 0 to run, 1 for --help, -1 on a bad option. */
static int parse_options(int argc, char **argv, struct mk_options *o, bool *quiet)
{
    *o = (struct mk_options){.duration_ms = 60000,
                             .lanes = 3,
                             .width = 640,
                             .height = 360,
                             .fps = 15,
                             .ops = 400,
                             .chat = 16,
                             .start_offset_ms = 0,
                             .pause_ms = 20000,
                             .seed = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t v = 0;
        int rc = 0;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            return 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            *quiet = true;
            continue;
        } else if (!strcmp(a, "--audio-only")) {
            o->audio_only = true;
            continue;
        } else if (!strcmp(a, "--sei-decoy-244")) {
            o->sei_decoy_244 = true;
            continue;
        }
        if (!val) {
            fprintf(stderr, "sigplay-mkclass: %s: %s\n", a,
                    a[0] == '-' ? "missing value (or unknown option; see --help)"
                                : "unexpected argument (see --help)");
            return -1;
        }
        if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            if (!*val) {
                fprintf(stderr, "sigplay-mkclass: %s: empty directory name\n", a);
                return -1;
            }
            o->out_dir = val;
        } else if (!strcmp(a, "--duration-ms")) {
            rc = parse_int(a, val, MK_MIN_DURATION_MS, MK_MAX_DURATION_MS, &v);
            o->duration_ms = v;
        } else if (!strcmp(a, "--lanes")) {
            rc = parse_int(a, val, MK_MIN_LANES, MK_MAX_LANES, &v);
            o->lanes = (int)v;
        } else if (!strcmp(a, "--size")) {
            rc = parse_size(val, &o->width, &o->height);
        } else if (!strcmp(a, "--fps")) {
            rc = parse_int(a, val, 1, MK_MAX_FPS, &v);
            o->fps = (int)v;
        } else if (!strcmp(a, "--ops")) {
            rc = parse_int(a, val, MK_MIN_OPS, MK_MAX_OPS, &v);
            o->ops = (int)v;
        } else if (!strcmp(a, "--chat")) {
            rc = parse_int(a, val, mk_chat_scripted(), MK_MAX_CHAT, &v);
            o->chat = (int)v;
        } else if (!strcmp(a, "--start-offset-ms")) {
            rc = parse_int(a, val, MK_MIN_START_OFFSET_MS, 86399999, &v);
            o->start_offset_ms = v;
        } else if (!strcmp(a, "--pause-ms")) {
            rc = parse_int(a, val, MK_MIN_PAUSE_MS, MK_MAX_PAUSE_MS, &v);
            o->pause_ms = v;
        } else if (!strcmp(a, "--seed")) {
            rc = parse_int(a, val, 0, INT64_MAX, &v);
            o->seed = (uint64_t)v;
        } else if (!strcmp(a, "--camera-hole-ms")) {
            rc = parse_hole(val, &o->hole_start_ms, &o->hole_len_ms);
        } else if (!strcmp(a, "--sei-types")) {
            rc = parse_sei_types(val, o);
        } else if (!strcmp(a, "--lag-ms")) {
            rc = parse_lag(val, o);
        } else {
            fprintf(stderr, "sigplay-mkclass: unknown option '%s' (see --help)\n", a);
            return -1;
        }
        if (rc < 0)
            return -1;
        i++;
    }
    if (!o->out_dir) {
        fprintf(stderr, "sigplay-mkclass: -o DIR is required (see --help)\n");
        return -1;
    }
    if (o->hole_len_ms > 0 && o->hole_start_ms + o->hole_len_ms > o->duration_ms) {
        fprintf(stderr,
                "sigplay-mkclass: --camera-hole-ms: %" PRId64 ":%" PRId64
                " ends after the class (--duration-ms %" PRId64 ")\n",
                o->hole_start_ms, o->hole_len_ms, o->duration_ms);
        return -1;
    }
    if (o->audio_only && o->sei_type_count > 0) {
        fprintf(stderr, "sigplay-mkclass: --sei-types: an --audio-only class has no video to "
                        "carry SEI\n");
        return -1;
    }
    if (o->audio_only && o->sei_decoy_244) {
        fprintf(stderr, "sigplay-mkclass: --sei-decoy-244: an --audio-only class has no video "
                        "to carry SEI\n");
        return -1;
    }
    return 0;
}

/* Pages left from an earlier, longer run in the same directory would be
 * confusing (nothing lists them, but a person might read them). */
static void remove_stale_pages(const struct mk_plan *p, int from)
{
    for (int i = from; i < 100000; i++) {
        char rel[64], path[4096];
        snprintf(rel, sizeof rel, "im/messages-%03d.json", i);
        if (mk_path(p, rel, path, sizeof path) < 0 || remove(path) != 0)
            break;
    }
}

int main(int argc, char **argv)
{
    struct mk_options opt;
    bool quiet = false;
    int prc = parse_options(argc, argv, &opt, &quiet);
    if (prc > 0) {
        usage(stdout);
        return 0;
    }
    if (prc < 0)
        return 2;                   /* the one line saying what is wrong is already out */
    av_log_set_level(AV_LOG_ERROR); /* x264 prints its settings at info level */

    static struct mk_plan plan; /* large: keep it off the stack */
    if (mk_plan_build(&plan, &opt) < 0)
        return 2; /* a --lag-ms lane that does not exist: an option error */
    struct mk_images images;
    struct mk_msg_list msgs = {0};
    struct mk_board_stats bstats = {0};
    struct mk_chat_stats cstats;
    int pages = 0;
    int rc = 1;

    if (mk_dirs_create(&plan) < 0 || mk_images_write(&plan, &images) < 0)
        goto out;
    for (int i = 0; i < plan.segment_count; i++) {
        if (mk_segment_write(&plan, i) < 0)
            goto out;
    }
    if (mk_board_ops_generate(&plan, &images, &msgs, &bstats) < 0 ||
        mk_chat_generate(&plan, &images, &msgs, &cstats) < 0 ||
        mk_im_pages_write(&plan, &msgs, &pages) < 0)
        goto out;
    remove_stale_pages(&plan, pages);
    if (mk_truth_write(&plan, &images, &bstats, &cstats, &msgs, pages) < 0 ||
        mk_manifests_write(&plan, pages) < 0)
        goto out;
    if (!quiet)
        printf("sigplay-mkclass: wrote %s: %d lanes, %d segments, %d board ops in %d batches, "
               "%d chat messages, %d IM pages\n",
               opt.out_dir, plan.lane_count, plan.segment_count, bstats.ops, bstats.batches,
               cstats.chat, pages);
    rc = 0;
out:
    mk_board_stats_free(&bstats);
    mk_msgs_free(&msgs);
    mk_plan_free(&plan);
    return rc;
}
