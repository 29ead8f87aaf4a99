/* cmd_export.c - `sigplay export SOURCE -o OUT.mp4`: the replay as one
 * MP4 file (H.264 + AAC), composed exactly as the window draws it.
 *
 * The same path as `sigplay render` frame after frame: the play loop in
 * max-speed mode brings every lane exactly to t = from + i / fps
 * (player_step_at), render/class_scene draws the board and chat at w(t) and
 * the lanes' frames into a canvas, and app/mp4_out encodes it. The audio is
 * the player's own mixer (the one the window's device reads), pulled like
 * a null sink: exactly the samples of each frame's interval, after every
 * lane has handed the mixer its audio up to the interval's end
 * (player_fill_audio), so nothing starves. Where a lane's segment starts or
 * ends inside an interval the lanes are also stepped to that boundary, so
 * the audio of both segments is in the mix. Output: ceil((to - from) * fps
 * / 1000) frames and exactly (to - from) * 48 audio samples. */
#include "app/chat_subs.h"
#include "app/commands.h"
#include "app/layout_arg.h"
#include "app/mp4_out.h"
#include "app/netopts.h"
#include "app/timearg.h"
#include "app/progress.h"
#include "app/stop_signals.h"
#include "app/winopts.h"

#include "render/osd.h"
#include "player//media/audio_mix.h"
#include "base/platform/os_file.h"
#include "base/diag.h"
#include "player/net/loader.h"
#include "player/recording/manifest.h"
#include "player/playloop.h"
#include "player/media/sei.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"
#include "render/canvas.h"
#include "player/class.h"
#include "player/navigate.h"
#include "render/class_scene.h"
#include "render/layout.h"

#include <libavutil/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT_DEFAULT_FPS 25
#define EXPORT_DEFAULT_CRF 23
#define EXPORT_DEFAULT_PRESET "veryfast"
#define EXPORT_MAX_FPS 60
#define AUDIO_CHUNK 2048 /* stereo frames read from the mixer at a time */
#define SAMPLES_PER_MS (AUDIO_MIX_RATE / 1000)
/* After a decoder once failed to deliver audio in PLAYER_DECODE_WAIT_US,
 * later waits are this short: one broken lane must not make the
 * export crawl; it is silent where its audio is missing. */
#define AUDIO_WAIT_AFTER_TIMEOUT_US 200000

static const char *const x264_presets[] = {"ultrafast", "superfast", "veryfast", "faster",
                                           "fast",      "medium",    "slow",     "slower",
                                           "veryslow",  "placebo",   NULL};

static void usage(FILE *f)
{
    fprintf(
        f,
        "Usage: sigplay export SOURCE -o OUT.mp4 [--layout FILE|board|grid|focus|model1|model2]\n"
        "                      [--size WxH] [--fps N] [--crf N] [--preset P]\n"
        "                      [--from T] [--to T] [--chat | --no-chat] [--no-audio]\n"
        "                      [--chat-subs] [--subs-out FILE.vtt] [--mute-lane USER]\n"
        "                      [network options]\n"
        "Writes the replay as one MP4 file (H.264 and AAC), composed as the window\n"
        "draws it (without the on-screen controls), with the mixed audio.\n"
        "-o OUT.mp4     the file to write (replaced)\n"
        "--layout L     a preset (board, grid, focus), the service's model1 or model2,\n"
        "               or a layout file: a CustomLayout, or a video generation\n"
        "               request with MixStream.Custom or MixStream.ModelId (see\n"
        "               docs/layouts.md); default board\n"
        "--size WxH     frame size, even numbers (default 1280x720, or the layout's\n"
        "               canvas, scaled whole into another size)\n"
        "--fps N        frames per second, 1 to %d (default %d)\n"
        "--crf N        x264 quality, 0 (lossless) to 51 (default %d)\n"
        "--preset P     x264 preset, ultrafast to placebo (default %s)\n"
        "--from T       start at playback time T (ms, 20.5s, 1:05, 1:02:03 or 1m5s;\n"
        "               default 0)\n"
        "--to T         end at playback time T (default: the recording's end)\n"
        "--chat         show the chat column (default: as the link's\n"
        "               showChatMessages says, else off); --no-chat hides it\n"
        "--no-audio     no audio track\n"
        "-q, --quiet    no line on success (the path, size and duration)\n"
        "--chat-subs    a subtitle track (mov_text) with each chat message as\n"
        "               \"sender: text\" at its time, for 4 s or until the next\n"
        "--subs-out F   the same cues as a WebVTT file F\n"
        "--mute-lane U  leave lane U (UserId or lane name) out of the mix (repeatable)\n"
        "The class's chapters (pages, screen shares, resumes) are written as MP4\n"
        "chapters.\n"
        "%s"
        "A progress bar is drawn on stderr when it is a terminal.\n"
        "Exit: 0 written, 1 written with warnings, 2 could not export, 64 bad command "
        "line.\n",
        EXPORT_MAX_FPS, EXPORT_DEFAULT_FPS, EXPORT_DEFAULT_CRF, EXPORT_DEFAULT_PRESET,
        app_net_help());
}

struct export_args {
    const char *source, *out, *layout, *preset;
    int w, h, fps, crf, chat;
    int64_t from_ms, to_ms;        /* to: -1 the end */
    const char *from_arg, *to_arg; /* as given (argv), for messages; NULL: not given */
    bool audio;
    bool quiet;           /* -q: no line on success */
    bool chat_subs;       /* --chat-subs */
    const char *subs_out; /* --subs-out FILE.vtt, NULL none */
    const char *mute[8];  /* --mute-lane USER */
    int n_mute;
};

static int bad_value(const char *opt, const char *want, const char *got)
{
    fprintf(stderr, "sigplay: export: %s: expected %s, got '%s'\n", opt, want, got);
    return -1;
}

static int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi) {
        char want[48];
        snprintf(want, sizeof(want), "an integer %d to %d", lo, hi);
        return bad_value(opt, want, s);
    }
    *out = (int)v;
    return 0;
}

static bool known_preset(const char *p)
{
    for (size_t i = 0; x264_presets[i]; i++)
        if (!strcmp(p, x264_presets[i]))
            return true;
    return false;
}

/* Returns 0, 1 (help printed) or -1 (usage error printed). */
static int parse_args(int argc, char **argv, struct export_args *a, struct app_net *net)
{
    *a = (struct export_args){.fps = EXPORT_DEFAULT_FPS,
                              .crf = EXPORT_DEFAULT_CRF,
                              .preset = EXPORT_DEFAULT_PRESET,
                              .chat = -1,
                              .to_ms = -1,
                              .audio = true};
    for (int i = 1; i < argc; i++) {
        int r = app_net_parse(net, argc, argv, &i);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = !strcmp(o, "-o") || !strcmp(o, "--layout") || !strcmp(o, "--size") ||
                     !strcmp(o, "--fps") || !strcmp(o, "--crf") || !strcmp(o, "--preset") ||
                     !strcmp(o, "--from") || !strcmp(o, "--to") || !strcmp(o, "--subs-out") ||
                     !strcmp(o, "--mute-lane");
        if (takes && !v) {
            fprintf(stderr, "sigplay: export: %s needs a value\n", o);
            return -1;
        }
        if (takes)
            i++;
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(o, "-o")) {
            a->out = v;
        } else if (!strcmp(o, "--layout")) {
            a->layout = v;
        } else if (!strcmp(o, "--size")) {
            if (layout_parse_size(v, &a->w, &a->h) != 0 || a->w % 2 || a->h % 2 || a->w < 2 ||
                a->h < 2)
                return bad_value(o, "WxH, even numbers 2 to 16384", v);
        } else if (!strcmp(o, "--fps")) {
            if (parse_int(o, v, 1, EXPORT_MAX_FPS, &a->fps) < 0)
                return -1;
        } else if (!strcmp(o, "--crf")) {
            if (parse_int(o, v, 0, 51, &a->crf) < 0)
                return -1;
        } else if (!strcmp(o, "--preset")) {
            if (!known_preset(v))
                return bad_value(o, "an x264 preset (ultrafast ... placebo)", v);
            a->preset = v;
        } else if (!strcmp(o, "--from")) {
            int64_t t_us;
            if (app_parse_time_us(v, &t_us) < 0)
                return bad_value(o, APP_TIME_FORMS, v);
            a->from_ms = t_us / 1000; /* whole ms */
            a->from_arg = v;
        } else if (!strcmp(o, "--to")) {
            int64_t t_us;
            if (app_parse_time_us(v, &t_us) < 0)
                return bad_value(o, APP_TIME_FORMS, v);
            a->to_ms = t_us / 1000; /* whole ms */
            a->to_arg = v;
        } else if (!strcmp(o, "--chat")) {
            a->chat = 1;
        } else if (!strcmp(o, "--no-chat")) {
            a->chat = 0;
        } else if (!strcmp(o, "--no-audio")) {
            a->audio = false;
        } else if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) {
            a->quiet = true;
        } else if (!strcmp(o, "--chat-subs")) {
            a->chat_subs = true;
        } else if (!strcmp(o, "--subs-out")) {
            a->subs_out = v;
        } else if (!strcmp(o, "--mute-lane")) {
            if (a->n_mute >= (int)(sizeof(a->mute) / sizeof(a->mute[0])))
                return bad_value(o, "at most 8 lanes", v);
            a->mute[a->n_mute++] = v;
        } else if (o[0] == '-' && o[1] != '\0') {
            fprintf(stderr, "sigplay: export: unknown option '%s'\n", o);
            usage(stderr);
            return -1;
        } else if (a->source) {
            fprintf(stderr, "sigplay: export: one SOURCE only (got '%s' and '%s')\n", a->source, o);
            return -1;
        } else {
            a->source = o;
        }
    }
    if (!a->source || !a->out) {
        if (a->source)
            fprintf(stderr, "sigplay: export: -o OUT.mp4 is required\n");
        usage(stderr);
        return -1;
    }
    return 0;
}

/* Everything one export holds; freed by job_free(). */
struct job {
    struct export_args a;
    struct app_net net;
    struct diag_list diag;
    struct sp_class *c;
    const struct recording *rec; /* the class's */
    struct timeline *tl;         /* the class's */
    struct class_scene *cs;
    struct player *p; /* the class's */
    struct layout *l;
    struct canvas *cv;
    struct app_mp4 *mp4;
    bool chat_on;
    struct nav_index *nav; /* chapters */
    struct app_cue *cues;  /* chat subtitles (--chat-subs, --subs-out) */
    size_t n_cues;
    int64_t audio_wait_us;
    bool audio_gap_warned;
    float buf[AUDIO_CHUNK * AUDIO_MIX_CHANNELS];
};

/* Draws the lanes' current views and the board and chat at the player's
 * w(t) into the canvas, as `sigplay render` does. */
static int draw_frame(struct job *j)
{
    const struct lane_view *views[PLAYER_MAX_LANES];
    struct class_frame f;
    class_scene_frame(j->c, j->chat_on, views, PLAYER_MAX_LANES, &f);
    return class_scene_draw(j->cs, j->l, &f, j->cv);
}

/* Reads `frames` stereo frames of the mix (every lane already filled up to
 * their end) and hands them to the encoder. A mix that stalls (a lane's
 * decoder never delivered) is padded with silence and moved past the gap. */
static int pull_audio(struct job *j, int64_t frames)
{
    struct audio_mix *mix = player_mixer(j->p);
    while (frames > 0) {
        int want = frames < AUDIO_CHUNK ? (int)frames : AUDIO_CHUNK;
        struct audio_mix_status st;
        int got = audio_mix_read(mix, j->buf, want, &st);
        if (got < 0)
            return got;
        if (got < want) {
            /* the rest of buf is zeroed: silence; move the mix past it */
            if (!j->audio_gap_warned)
                diag_add(&j->diag, DIAG_WARNING,
                         "audio: no data at %.3f s; silence written where it is missing",
                         (double)(st.t_us + (int64_t)got * 1000000 / AUDIO_MIX_RATE) / 1e6);
            j->audio_gap_warned = true;
            audio_mix_reset(mix, audio_mix_pos_us(mix) +
                                     (int64_t)(want - got) * 1000000 / AUDIO_MIX_RATE);
        }
        int r = app_mp4_audio(j->mp4, j->buf, want);
        if (r < 0)
            return r;
        frames -= want;
    }
    return 0;
}

/* Audio from the mix position up to sample `end` (samples since from):
 * lanes filled up to there first; at each lane boundary inside the span
 * the lanes are stepped there, so the segment that starts feeds its audio.
 * *done counts the samples written so far. */
static int audio_to(struct job *j, int64_t *done, int64_t end)
{
    int64_t from_us = j->a.from_ms * 1000;
    while (*done < end) {
        int64_t pos_ms = j->a.from_ms + *done / SAMPLES_PER_MS;
        int64_t stop = end;
        int64_t b = tl_next_boundary_us(j->tl, pos_ms * 1000);
        if (b != TL_NONE)
            b /= 1000;
        bool at_boundary = false;
        if (b != TL_NONE && (b - j->a.from_ms) * SAMPLES_PER_MS < end) {
            stop = (b - j->a.from_ms) * SAMPLES_PER_MS;
            at_boundary = true;
        }
        int64_t until_us = from_us + (stop * 1000000 + AUDIO_MIX_RATE - 1) / AUDIO_MIX_RATE;
        if (player_fill_audio(j->p, until_us, j->audio_wait_us) == SP_ETIMEOUT &&
            j->audio_wait_us > AUDIO_WAIT_AFTER_TIMEOUT_US) {
            diag_add(&j->diag, DIAG_WARNING,
                     "audio: a lane's decoder did not deliver in %d ms at %.3f s; it is silent "
                     "where its audio is missing",
                     (int)(j->audio_wait_us / 1000), (double)pos_ms / 1000);
            j->audio_wait_us = AUDIO_WAIT_AFTER_TIMEOUT_US;
        }
        int r = pull_audio(j, stop - *done);
        if (r < 0)
            return r;
        *done = stop;
        if (at_boundary && (r = class_step_at(j->c, b * 1000)) < 0)
            return r;
    }
    return 0;
}

static int run(struct job *j, int64_t from_ms, int64_t to_ms)
{
    const int fps = j->a.fps;
    int64_t span_ms = to_ms - from_ms;
    int64_t n_frames = (span_ms * fps + 999) / 1000;
    int64_t total_samples = span_ms * SAMPLES_PER_MS;
    int64_t done = 0; /* audio samples written */
    struct app_progress pg;
    app_progress_start(&pg, 1, -1);
    class_seek_us(j->c, from_ms * 1000);
    class_signaling_wait(j->c, true, -1); /* every frame exact: all pages in */
    int r = 0;
    for (int64_t i = 0; i < n_frames && r >= 0; i++) {
        if (app_stop_signal()) { /* ends as on any error: the partial file goes */
            r = SP_ECANCELLED;
            break;
        }
        int64_t t_us = from_ms * 1000 + i * 1000000 / fps;
        if ((r = class_step_at(j->c, t_us)) < 0)
            break;
        if ((r = draw_frame(j)) < 0)
            break;
        if ((r = app_mp4_video(j->mp4, j->cv)) < 0)
            break;
        if (j->a.audio) {
            int64_t end = (i + 1) * AUDIO_MIX_RATE / fps;
            r = audio_to(j, &done, end < total_samples ? end : total_samples);
        }
        app_progress_media(&pg, (i + 1) * 1000 / fps * 1000, span_ms * 1000);
    }
    app_progress_end(&pg);
    return r < 0 ? r : 0;
}

static void job_free(struct job *j)
{
    nav_destroy(&j->nav);
    app_cues_free(j->cues, j->n_cues);
    app_mp4_destroy(&j->mp4);
    canvas_destroy(&j->cv);
    class_scene_destroy(&j->cs);
    class_close(&j->c);
    diag_clear(&j->diag);
    free(j->l);
}

/* Opens the recording, scene, layout and player. Returns 0, or the exit
 * code to end with (its line printed or in diag). */
static int job_open(struct job *j)
{
    struct export_args *a = &j->a;
    struct class_opts co;
    class_opts_init(&co);
    app_net_to_class(&j->net, &co);
    co.play.audio = a->audio;
    co.play.max_speed = true;
    int rc = class_open(a->source, &co, &j->diag, &j->c);
    if (rc)
        return SP_EXIT_ERROR; /* diag names the source and the reason, or the status */
    j->rec = class_recording(j->c);
    j->tl = class_timeline(j->c);
    j->p = class_player(j->c);
    int64_t total = j->rec->total_us / 1000;
    if (a->from_arg && app_time_check_end("export", "--from", a->from_arg, a->from_ms * 1000,
                                          j->rec->total_us) < 0)
        return SP_EXIT_USAGE;
    if (a->to_arg &&
        app_time_check_end("export", "--to", a->to_arg, a->to_ms * 1000, j->rec->total_us) < 0)
        return SP_EXIT_USAGE;
    if (a->to_ms < 0)
        a->to_ms = total;
    if (a->from_ms >= a->to_ms) {
        fprintf(stderr, "sigplay: export: --from %lld ms --to %lld ms: expected from before to\n",
                (long long)a->from_ms, (long long)a->to_ms);
        return SP_EXIT_USAGE;
    }
    struct class_scene_opts so = {.loader = class_loader(j->c)};
    if ((rc = class_scene_create(j->rec, j->tl, &so, &j->cs)) != 0)
        goto fail;
    j->chat_on = a->chat >= 0 ? a->chat == 1 : j->rec->show_chat == 1;
    if (!(j->l = malloc(sizeof(*j->l)))) {
        rc = SP_ENOMEM;
        goto fail;
    }
    rc = app_layout_load(a->layout, j->rec, class_has_board(j->c), a->w, a->h, j->chat_on, &j->diag,
                         j->l);
    if (rc == SP_EINVAL || rc == SP_ENOMEM)
        goto fail;
    if (rc)
        return SP_EXIT_ERROR; /* diag names the file and the reason */
    if (a->chat < 0 && layout_places_chat(j->l))
        j->chat_on = true; /* the layout places tic_im_chat: it shows the chat */
    if ((j->l->w % 2 || j->l->h % 2) &&
        (rc = layout_fit_to(j->l, j->l->w & ~1, j->l->h & ~1, j->l)) != 0)
        goto fail; /* a custom canvas of odd size: H.264 4:2:0 wants even sides */
    if ((rc = canvas_create(&j->cv, j->l->w, j->l->h)) != 0)
        goto fail;

    return 0;
fail:
    fprintf(stderr, "sigplay: export: %s\n", sp_strerror(rc));
    return SP_EXIT_ERROR;
}

/* --mute-lane: every lane of each named user leaves the mix. A name that
 * is no lane is a usage error (exit 64, its line printed). */
static int mute_lanes(struct job *j)
{
    struct audio_mix *mix = j->p ? player_mixer(j->p) : NULL;
    for (int k = 0; k < j->a.n_mute; k++) {
        bool any = false;
        for (size_t l = 0; l < j->rec->n_lanes && l < AUDIO_MIX_MAX_LANES; l++) {
            if (!app_lane_is_user(&j->rec->lanes[l], j->a.mute[k]))
                continue;
            any = true;
            if (mix)
                audio_mix_set_mute(mix, (int)l, true);
        }
        if (!any) {
            fprintf(stderr, "sigplay: export: --mute-lane: '%s' is no lane of this class\n",
                    j->a.mute[k]);
            return SP_EXIT_USAGE;
        }
    }
    return 0;
}

/* The chapters inside [from, to) and the chat cues, once every IM page is
 * in. The chapter in force at --from starts the file (named "Start" when
 * the class has none yet). */
static int nav_parts(struct job *j, struct app_mp4_chapter **chs, size_t *n_ch,
                     struct app_mp4_sub **subs)
{
    *chs = NULL;
    *n_ch = 0;
    *subs = NULL;
    class_signaling_wait(j->c, true, -1);
    int rc = nav_build_class(j->c, &j->nav);
    if (rc)
        return rc;
    int64_t from = j->a.from_ms, to = j->a.to_ms;
    size_t n = nav_chapter_count(j->nav);
    *chs = calloc(n + 1, sizeof(**chs));
    if (!*chs)
        return SP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct nav_chapter *c = nav_chapter_at(j->nav, i);
        int64_t t = c->t_us / 1000;
        if (t >= to)
            break;
        if (t <= from) { /* the latest one at or before from opens the file */
            (*chs)[0] = (struct app_mp4_chapter){0, 0, c->title};
            *n_ch = 1;
            continue;
        }
        if (*n_ch == 0)
            (*chs)[(*n_ch)++] = (struct app_mp4_chapter){0, 0, "Start"};
        (*chs)[(*n_ch)++] = (struct app_mp4_chapter){(t - from) * 1000, 0, c->title};
    }
    for (size_t i = 0; i < *n_ch; i++)
        (*chs)[i].end_us = i + 1 < *n_ch ? (*chs)[i + 1].start_us : (to - from) * 1000;
    if (!j->a.chat_subs && !j->a.subs_out)
        return 0;
    if ((rc = app_chat_cues(class_chat(j->c), j->tl, from * 1000, to * 1000, &j->cues,
                            &j->n_cues)) != 0 &&
        rc != SP_EINVAL)
        return rc; /* SP_EINVAL: no chat at all, no cues */
    if (j->a.subs_out) {
        char err[300];
        if ((rc = app_vtt_write(j->a.subs_out, j->cues, j->n_cues, err, sizeof(err))) != 0) {
            fprintf(stderr, "sigplay: export: --subs-out: %s\n", err);
            return rc;
        }
    }
    if (j->a.chat_subs && j->n_cues) {
        *subs = calloc(j->n_cues, sizeof(**subs));
        if (!*subs)
            return SP_ENOMEM;
        for (size_t i = 0; i < j->n_cues; i++)
            (*subs)[i] =
                (struct app_mp4_sub){j->cues[i].start_us, j->cues[i].end_us, j->cues[i].text};
    }
    return 0;
}

int cmd_export(int argc, char **argv)
{
    struct job *j = calloc(1, sizeof(*j));
    if (!j) {
        fprintf(stderr, "sigplay: export: %s\n", sp_strerror(SP_ENOMEM));
        return SP_EXIT_ERROR;
    }
    app_net_init(&j->net);
    diag_init(&j->diag);
    j->audio_wait_us = PLAYER_DECODE_WAIT_US;
    int exit_code = SP_EXIT_ERROR;
    int pr = parse_args(argc, argv, &j->a, &j->net);
    if (pr != 0) {
        exit_code = pr > 0 ? SP_EXIT_OK : SP_EXIT_USAGE;
        goto out;
    }
    if (av_log_get_level() > AV_LOG_ERROR && !getenv("SIGPLAY_LOG"))
        av_log_set_level(AV_LOG_FATAL); /* bad media is reported as our own warnings */
    if ((exit_code = job_open(j)) != 0)
        goto out;
    if ((exit_code = mute_lanes(j)) != 0)
        goto out;
    exit_code = SP_EXIT_ERROR;
    struct app_mp4_chapter *chs = NULL;
    struct app_mp4_sub *subs = NULL;
    size_t n_ch = 0;
    int nr = nav_parts(j, &chs, &n_ch, &subs);
    if (nr) {
        free(chs);
        free(subs);
        if (nr != SP_EIO)
            fprintf(stderr, "sigplay: export: %s\n", sp_strerror(nr));
        goto out;
    }

    char err[300];
    struct app_mp4_opts mo = {.w = j->l->w,
                              .h = j->l->h,
                              .fps = j->a.fps,
                              .crf = j->a.crf,
                              .preset = j->a.preset,
                              .audio = j->a.audio,
                              .chapters = chs,
                              .n_chapters = n_ch,
                              .subs = subs,
                              .n_subs = subs ? j->n_cues : 0};
    int rc = app_mp4_open(j->a.out, &mo, &j->mp4, err, sizeof(err));
    free(chs);
    free(subs);
    if (rc) {
        fprintf(stderr, "sigplay: export: %s\n", err);
        goto out;
    }
    app_stop_signals_catch();
    rc = run(j, j->a.from_ms, j->a.to_ms);
    app_stop_signals_restore();
    if (rc < 0 && app_stop_signal()) {
        exit_code =
            app_stop_signals_report("export", "%s not written; " APP_STOP_KEPT_IN_FLIGHT, j->a.out);
        app_mp4_destroy(&j->mp4);
        sp_os_unlink(j->a.out);
        goto out;
    }
    if (rc < 0) {
        const char *why = app_mp4_error(j->mp4);
        fprintf(stderr, "sigplay: export: %s\n", why[0] ? why : sp_strerror(rc));
        app_mp4_destroy(&j->mp4);
        sp_os_unlink(j->a.out);
        goto out;
    }
    if ((rc = app_mp4_finish(&j->mp4, err, sizeof(err))) != 0) {
        fprintf(stderr, "sigplay: export: %s\n", err);
        sp_os_unlink(j->a.out);
        goto out;
    }
    exit_code = SP_EXIT_OK;
    if (!j->a.quiet) {
        struct sp_os_stat st;
        char size[32], dur[32];
        app_human_bytes(sp_os_stat(j->a.out, &st) == 0 ? (double)st.size : 0, size, sizeof(size));
        osd_format_time_us((j->a.to_ms - j->a.from_ms) * 1000, dur, sizeof(dur));
        printf("sigplay: export: wrote %s (%s, %dx%d, %s)\n", j->a.out, size, j->l->w, j->l->h,
               dur);
    }
out:
    class_take_diags(j->c, &j->diag);
    if (j->cs)
        class_scene_take_diags(j->cs, &j->diag);
    diag_print(&j->diag, stderr);
    if (exit_code == SP_EXIT_OK && (j->diag.warnings || j->diag.errors))
        exit_code = SP_EXIT_WARN;
    job_free(j);
    free(j);
    return exit_code;
}
