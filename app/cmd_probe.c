/* cmd_probe.c - `sigplay probe SOURCE [--json]`: what a recording holds,
 * from its manifest alone (no media is fetched). The JSON form is
 * documented in docs/probe-json.md. */
#include "app/commands.h"
#include "base/json_util.h"
#include "base/term_text.h"
#include "app/netopts.h"

#include "player/class.h"
#include "im/chat.h"
#include "player/navigate.h"
#include "base/platform/os_time.h"
#include "base/diag.h"
#include "player/net/fetch.h"
#include "player/net/loader.h"
#include "player/recording/manifest.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"
#include "player/net/url.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROBE_SCHEMA "sigplay-probe/1"
#define BAR_WIDTH 60           /* columns of a lane's timeline bar */
#define MAX_LISTED_SEGMENTS 20 /* per lane in the human form */

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: sigplay probe SOURCE [--json] [network options]\n"
            "Summarises a recording from its manifest alone (no media is fetched):\n"
            "lanes with a timeline bar each, pauses, durations, warnings.\n"
            "SOURCE: a path, file:// or http(s):// URL, or the web player's link.\n"
            "--json           print the summary as JSON (schema sigplay-probe/1)\n"
            "--chat-search WORD  print only the chat messages holding WORD (case-\n"
            "                 insensitive for Latin letters), one per line: playback ms,\n"
            "                 time, sender: text (in --json: a chat_search object)\n"
            "%s"
            "Exit: 0 read (warnings may be printed), 2 not ready, unreadable or\n"
            "field errors, 64 bad command line.\n",
            app_net_help());
}

/* "2019-05-23T12:05:40Z", with ".mmm" when the ms are not whole seconds. */
static void iso_utc(int64_t unix_ms, char *buf, size_t n)
{
    int64_t s = unix_ms / 1000, ms = unix_ms % 1000;
    if (ms < 0) {
        ms += 1000;
        s--;
    }
    struct tm tm;
    if (sp_os_gmtime(s, &tm) != 0) {
        snprintf(buf, n, "(unix ms %" PRId64 ")", unix_ms);
        return;
    }
    char date[40];
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    if (ms)
        snprintf(buf, n, "%s.%03dZ", date, (int)ms);
    else
        snprintf(buf, n, "%sZ", date);
}

/* "24:00.000", or "1:02:03.000" from one hour on. */
static void fmt_dur(int64_t ms, char *buf, size_t n)
{
    const char *sign = ms < 0 ? "-" : "";
    if (ms < 0)
        ms = -ms;
    int64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, r = ms % 1000;
    if (h)
        snprintf(buf, n, "%s%" PRId64 ":%02d:%02d.%03d", sign, h, (int)m, (int)s, (int)r);
    else
        snprintf(buf, n, "%s%d:%02d.%03d", sign, (int)m, (int)s, (int)r);
}

/* One lane's bar: '#' where some segment covers part of the column, '.'
 * where none does, '|' in the column of a pause. */
static void lane_bar(const struct timeline *tl, const struct rec_lane *ln, char *bar)
{
    int64_t total = (tl_total_us(tl) / 1000);
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = '.';
    bar[BAR_WIDTH] = '\0';
    if (total <= 0)
        return;
    for (size_t k = 0; k < ln->n_segments; k++) {
        const struct rec_segment *s = &ln->segments[k];
        int64_t a = s->play_us / 1000, b = (rec_segment_end_us(s) / 1000);
        if (b <= a || a >= total)
            continue;
        if (b > total)
            b = total;
        int c0 = (int)(a * BAR_WIDTH / total);
        int c1 = (int)((b * BAR_WIDTH + total - 1) / total);
        for (int c = c0; c < c1 && c < BAR_WIDTH; c++)
            bar[c] = '#';
    }
    for (size_t i = 0; i < tl_pause_count(tl); i++) {
        int64_t v = tl_pause_at(tl, i)->video_us / 1000;
        if (v > 0 && v < total)
            bar[v * BAR_WIDTH / total] = '|';
    }
}

static int64_t lane_media_ms(const struct rec_lane *ln)
{
    int64_t sum = 0;
    for (size_t k = 0; k < ln->n_segments; k++)
        sum += ln->segments[k].duration_us / 1000;
    return sum;
}

/* The shape of the document the user gave (format section 1a), in words. */
static const char *shape_text(const char *shape)
{
    if (!shape || !strcmp(shape, "result"))
        return "bare result";
    if (!strcmp(shape, "api-answer"))
        return "HTTP API answer {\"Response\": ...}";
    if (!strcmp(shape, "callback"))
        return "event callback {\"EventType\", \"EventData\": ...}";
    if (!strcmp(shape, "generation-result"))
        return "video generation result (VideoInfoList)";
    return shape;
}

static void print_human(const struct recording *rec, const struct timeline *tl)
{
    char a[64], b[64], c[64];
    printf("recording   %s\n", TERM_SAFE(rec->doc_url));
    printf("kind        %s\n", rec->is_generation ? "video generation result"
                               : rec->is_manifest ? "replay manifest"
                                                  : "recording result");
    printf("shape       %s\n", shape_text(rec->shape));
    if (rec->room_id >= 0)
        printf("room        %" PRId64 "%s%s%s\n", rec->room_id, *rec->group_id ? " (group " : "",
               TERM_SAFE(rec->group_id), *rec->group_id ? ")" : "");
    printf("status      %s%s%s\n",
           *rec->status ? TERM_SAFE(rec->status) : "(not given: taken as finished)",
           *rec->finish_reason ? ", finish reason " : "", TERM_SAFE(rec->finish_reason));
    iso_utc((tl_origin_us(tl) / 1000), a, sizeof(a));
    printf("started     %s (RecordStartTime %" PRId64 ")\n", a, rec->record_start_us / 1000000);
    fmt_dur((tl_total_us(tl) / 1000), a, sizeof(a));
    fmt_dur((tl_wall_duration_us(tl) / 1000), b, sizeof(b));
    printf("duration    %s playback (%" PRId64 " ms), %s wall (%" PRId64 " ms)\n", a,
           (tl_total_us(tl) / 1000), b, (tl_wall_duration_us(tl) / 1000));
    printf("board       %dx%d\n", rec->board_w, rec->board_h);
    printf("messages    %zu page(s)%s\n", rec->n_message_pages,
           rec->show_chat == 0 ? ", chat hidden by the link" : "");
    fmt_dur((tl_total_us(tl) / 1000), a, sizeof(a));
    printf("lanes       %zu lane(s), %zu segment(s); bar: %d columns = %s, '#' media, "
           "'.' none, '|' pause\n",
           rec->n_lanes, rec->n_segments, BAR_WIDTH, a);
    for (size_t l = 0; l < rec->n_lanes; l++) {
        const struct rec_lane *ln = &rec->lanes[l];
        char bar[BAR_WIDTH + 1];
        lane_bar(tl, ln, bar);
        fmt_dur(lane_media_ms(ln), a, sizeof(a));
        printf("  %-24s %-10s [%s] %zu seg, %s\n", TERM_SAFE(ln->name),
               rec_lane_kind_name(ln->kind), bar, ln->n_segments, a);
        for (size_t k = 0; k < ln->n_segments && k < MAX_LISTED_SEGMENTS; k++) {
            const struct rec_segment *s = &ln->segments[k];
            fmt_dur(s->play_us / 1000, a, sizeof(a));
            fmt_dur((rec_segment_end_us(s) / 1000), b, sizeof(b));
            printf("      %10s - %-10s VideoInfos[%zu] %s\n", a, b, s->source_index,
                   *s->url ? TERM_SAFE(s->url) : "(no URL)");
        }
        if (ln->n_segments > MAX_LISTED_SEGMENTS)
            printf("      ... and %zu more\n", ln->n_segments - MAX_LISTED_SEGMENTS);
    }
    printf("pauses      %zu\n", tl_pause_count(tl));
    for (size_t i = 0; i < tl_pause_count(tl); i++) {
        const struct tl_pause *p = tl_pause_at(tl, i);
        fmt_dur(p->video_us / 1000, a, sizeof(a));
        fmt_dur(p->duration_us / 1000, b, sizeof(b));
        iso_utc(p->wall_start_us / 1000, c, sizeof(c));
        char d[64];
        iso_utc(p->wall_start_us / 1000 + p->duration_us / 1000, d, sizeof(d));
        printf("  at %s (%" PRId64 " ms) for %s (%" PRId64 " ms): wall %s to %s%s\n", a,
               p->video_us / 1000, b, p->duration_us / 1000, c, d,
               p->inferred ? " (inferred)" : "");
    }
    if (rec->unplaced_us) {
        fmt_dur(rec->unplaced_us / 1000, a, sizeof(a));
        printf("  %s of wall time looks paused but could not be placed\n", a);
    }
}

/* ---- navigation: chapters and chat search (player/navigate.h) ---------------- */

#define PROBE_PAGES_TIMEOUT_US 120000000 /* reading every IM page for the chapters */

struct probe_nav {
    struct sp_class *c; /* the probe's class (borrowed), for the board and chat */
    struct nav_index *nav;
    bool board_read; /* every page was read */
};

/* Waits for the IM pages (the class was opened with its signaling) and
 * builds the chapters. One class, one network client: the manifest is read
 * once. */
static void nav_open(const char *source, struct sp_class *c, struct probe_nav *pn,
                     struct diag_list *diag)
{
    pn->c = c;
    pn->board_read = class_signaling_wait(c, true, PROBE_PAGES_TIMEOUT_US) == 0;
    if (!pn->board_read)
        diag_add(diag, DIAG_WARNING,
                 "%s: messages: not all pages read in %d s: chapters "
                 "and chat search cover what was",
                 source, PROBE_PAGES_TIMEOUT_US / 1000000);
    if (nav_build_class(c, &pn->nav) != 0)
        diag_add(diag, DIAG_WARNING, "%s: chapters: out of memory", source);
}

static void nav_close(struct probe_nav *pn)
{
    nav_destroy(&pn->nav);
    pn->c = NULL; /* the caller's */
}

/* A chat item's text as one line: its text parts, newlines as spaces. */
static void item_line(const struct chat_item *it, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t p = 0; p < it->part_count && o + 1 < n; p++) {
        const char *t = it->parts[p].full_text ? it->parts[p].full_text : it->parts[p].text;
        if (p && o + 1 < n)
            buf[o++] = ' ';
        for (; *t && o + 1 < n; t++)
            buf[o++] = (*t == '\n' || *t == '\r' || *t == '\t') ? ' ' : *t;
    }
    buf[o < n ? o : n - 1] = '\0';
}

static void print_chapters(const struct nav_index *nav)
{
    char a[64];
    printf("chapters    %zu\n", nav_chapter_count(nav));
    for (size_t i = 0; i < nav_chapter_count(nav); i++) {
        const struct nav_chapter *ch = nav_chapter_at(nav, i);
        fmt_dur(ch->t_us / 1000, a, sizeof(a));
        printf("  %10s (%" PRId64 " ms) %s\n", a, ch->t_us / 1000, TERM_SAFE(ch->title));
    }
}

static cJSON *chapters_json(const struct nav_index *nav)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < nav_chapter_count(nav); i++) {
        const struct nav_chapter *ch = nav_chapter_at(nav, i);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "t_ms", (double)(ch->t_us / 1000));
        cJSON_AddStringToObject(o, "title", ch->title);
        cJSON *k = cJSON_AddArrayToObject(o, "kinds");
        if (ch->kinds & NAV_CHAPTER_PAGE)
            cJSON_AddItemToArray(k, cJSON_CreateString("page"));
        if (ch->kinds & NAV_CHAPTER_SHARE)
            cJSON_AddItemToArray(k, cJSON_CreateString("share"));
        if (ch->kinds & NAV_CHAPTER_RESUME)
            cJSON_AddItemToArray(k, cJSON_CreateString("resume"));
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* The hits of query: printed (json NULL) or added to json. Returns 0 or
 * an SP_E* code. */
static int chat_search(struct probe_nav *pn, const char *query, cJSON *json)
{
    const struct chat_log *chat = pn->c ? class_chat(pn->c) : NULL;
    struct nav_hit *hits = NULL;
    int n = 0;
    if (chat) {
        n = nav_chat_search(chat, class_timeline(pn->c), query, &hits);
        if (n < 0)
            return n;
    }
    cJSON *arr = NULL;
    if (json) {
        cJSON *o = cJSON_AddObjectToObject(json, "chat_search");
        cJSON_AddStringToObject(o, "query", query);
        arr = cJSON_AddArrayToObject(o, "hits");
    }
    char line[1024], a[64];
    for (int i = 0; i < n; i++) {
        const struct chat_item *it = &chat->items[hits[i].item];
        item_line(it, line, sizeof(line));
        if (arr) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "t_ms", (double)(hits[i].t_us / 1000));
            cJSON_AddNumberToObject(o, "seq", (double)it->seq);
            cJSON_AddNumberToObject(o, "wall_ms", (double)(it->show_us / 1000));
            cJSON_AddStringToObject(o, "sender", it->sender);
            cJSON_AddStringToObject(o, "text", line);
            cJSON_AddItemToArray(arr, o);
        } else {
            fmt_dur(hits[i].t_us / 1000, a, sizeof(a));
            printf("%" PRId64 "\t%s\t%s: %s\n", hits[i].t_us / 1000, a, TERM_SAFE(it->sender),
                   TERM_SAFE(line));
        }
    }
    free(hits);
    return 0;
}

/* cJSON helpers: numbers are exact up to 2^53, which every field respects. */
static void add_str_or_null(cJSON *o, const char *k, const char *v)
{
    if (v && *v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void add_num_or_null(cJSON *o, const char *k, bool present, int64_t v)
{
    if (present)
        cJSON_AddNumberToObject(o, k, (double)v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *segment_json(const struct rec_segment *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", (double)s->source_index);
    cJSON_AddNumberToObject(o, "play_ms", (double)(s->play_us / 1000));
    cJSON_AddNumberToObject(o, "duration_ms", (double)(s->duration_us / 1000));
    cJSON_AddNumberToObject(o, "end_ms", (double)(rec_segment_end_us(s) / 1000));
    add_str_or_null(o, "url", s->url);
    add_str_or_null(o, "format", s->format);
    add_str_or_null(o, "video_id", s->video_id);
    add_num_or_null(o, "size_bytes", s->size_bytes >= 0, s->size_bytes);
    add_num_or_null(o, "width", s->width > 0, s->width);
    add_num_or_null(o, "height", s->height > 0, s->height);
    add_num_or_null(o, "sync_time_ms", s->has_sync_time, s->sync_time_us / 1000);
    return o;
}

static void add_diags(cJSON *root, const struct diag_list *diag)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "diagnostics");
    for (size_t i = 0; i < diag->count; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "level", diag_level_name(diag->items[i].level));
        cJSON_AddStringToObject(o, "text", diag->items[i].text);
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_AddNumberToObject(root, "diagnostics_dropped", (double)diag->dropped);
    cJSON_AddNumberToObject(root, "errors", (double)diag->errors);
    cJSON_AddNumberToObject(root, "warnings", (double)diag->warnings);
}

static cJSON *recording_json(const struct recording *rec, const struct timeline *tl)
{
    char iso[64];
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", PROBE_SCHEMA);
    cJSON_AddBoolToObject(root, "ok", 1);
    cJSON_AddStringToObject(root, "document", rec->doc_url);
    cJSON_AddStringToObject(root, "kind",
                            rec->is_generation ? "generation"
                            : rec->is_manifest ? "manifest"
                                               : "result");
    cJSON_AddStringToObject(root, "shape", rec->shape ? rec->shape : "result");
    add_num_or_null(root, "version", rec->version > 0, rec->version);
    add_str_or_null(root, "task_id", rec->task_id);
    add_str_or_null(root, "status", rec->status);
    cJSON_AddBoolToObject(root, "ready", rec->ready);
    add_str_or_null(root, "finish_reason", rec->finish_reason);
    add_num_or_null(root, "exception_count", rec->exception_cnt >= 0, rec->exception_cnt);
    cJSON *ints = cJSON_AddArrayToObject(root, "interrupts");
    for (size_t i = 0; i < rec->n_interrupts; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "user_id", rec->interrupts[i].user_id);
        cJSON_AddNumberToObject(o, "count", (double)rec->interrupts[i].count);
        cJSON_AddItemToArray(ints, o);
    }
    add_num_or_null(root, "room_id", rec->room_id >= 0, rec->room_id);
    add_str_or_null(root, "group_id", rec->group_id);
    add_str_or_null(root, "record_user_id", rec->record_user_id);
    cJSON_AddNumberToObject(root, "record_start_s", (double)(rec->record_start_us / 1000000));
    cJSON_AddNumberToObject(root, "record_stop_s", (double)(rec->record_stop_us / 1000000));
    cJSON_AddNumberToObject(root, "origin_ms", (double)(tl_origin_us(tl) / 1000));
    iso_utc((tl_origin_us(tl) / 1000), iso, sizeof(iso));
    cJSON_AddStringToObject(root, "start_utc", iso);
    cJSON_AddNumberToObject(root, "total_ms", (double)(tl_total_us(tl) / 1000));
    cJSON_AddNumberToObject(root, "wall_ms", (double)(tl_wall_duration_us(tl) / 1000));
    cJSON *board = cJSON_AddObjectToObject(root, "board");
    cJSON_AddNumberToObject(board, "width", rec->board_w);
    cJSON_AddNumberToObject(board, "height", rec->board_h);
    if (rec->show_chat < 0)
        cJSON_AddNullToObject(root, "show_chat");
    else
        cJSON_AddBoolToObject(root, "show_chat", rec->show_chat);
    add_str_or_null(root, "replay_url", rec->replay_url);
    cJSON *pages = cJSON_AddArrayToObject(root, "message_pages");
    for (size_t i = 0; i < rec->n_message_pages; i++)
        cJSON_AddItemToArray(pages, cJSON_CreateString(rec->message_urls[i]));
    cJSON *lanes = cJSON_AddArrayToObject(root, "lanes");
    for (size_t l = 0; l < rec->n_lanes; l++) {
        const struct rec_lane *ln = &rec->lanes[l];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", ln->name);
        cJSON_AddStringToObject(o, "user_id", ln->user_id);
        cJSON_AddStringToObject(o, "owner", ln->owner);
        cJSON_AddNumberToObject(o, "video_type", ln->video_type);
        cJSON_AddStringToObject(o, "kind", rec_lane_kind_name(ln->kind));
        cJSON_AddNumberToObject(o, "media_ms", (double)lane_media_ms(ln));
        char bar[BAR_WIDTH + 1];
        lane_bar(tl, ln, bar);
        cJSON_AddStringToObject(o, "bar", bar);
        cJSON *segs = cJSON_AddArrayToObject(o, "segments");
        for (size_t k = 0; k < ln->n_segments; k++)
            cJSON_AddItemToArray(segs, segment_json(&ln->segments[k]));
        cJSON_AddItemToArray(lanes, o);
    }
    cJSON *pauses = cJSON_AddArrayToObject(root, "pauses");
    for (size_t i = 0; i < tl_pause_count(tl); i++) {
        const struct tl_pause *p = tl_pause_at(tl, i);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "video_ms", (double)(p->video_us / 1000));
        cJSON_AddNumberToObject(o, "duration_ms", (double)(p->duration_us / 1000));
        cJSON_AddNumberToObject(o, "wall_start_ms", (double)(p->wall_start_us / 1000));
        cJSON_AddNumberToObject(o, "wall_end_ms",
                                (double)(p->wall_start_us / 1000 + p->duration_us / 1000));
        iso_utc(p->wall_start_us / 1000, iso, sizeof(iso));
        cJSON_AddStringToObject(o, "wall_start_utc", iso);
        iso_utc(p->wall_start_us / 1000 + p->duration_us / 1000, iso, sizeof(iso));
        cJSON_AddStringToObject(o, "wall_end_utc", iso);
        cJSON_AddBoolToObject(o, "inferred", p->inferred);
        cJSON_AddItemToArray(pauses, o);
    }
    cJSON_AddNumberToObject(root, "unplaced_pause_ms", (double)(rec->unplaced_us / 1000));
    return root;
}

static void print_json(cJSON *root)
{
    char *text = root ? sp_json_print_safe(root, true) : NULL;
    if (text) {
        printf("%s\n", text);
        free(text);
    } else {
        fprintf(stderr, "sigplay: probe: out of memory\n");
    }
}

int cmd_probe(int argc, char **argv)
{
    const char *source = NULL;
    bool json = false;
    const char *query = NULL;
    struct app_net net;
    app_net_init(&net);
    for (int i = 1; i < argc; i++) {
        int r = app_net_parse(&net, argc, argv, &i);
        if (r < 0)
            return SP_EXIT_USAGE;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--chat-search")) {
            if (i + 1 >= argc || !argv[i + 1][0] || strlen(argv[i + 1]) > NAV_MAX_QUERY_BYTES) {
                fprintf(stderr, "sigplay: probe: --chat-search: needs a word of 1 to %d bytes\n",
                        NAV_MAX_QUERY_BYTES);
                return SP_EXIT_USAGE;
            }
            query = argv[++i];
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return SP_EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "sigplay: probe: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return SP_EXIT_USAGE;
        } else if (source) {
            fprintf(stderr, "sigplay: probe: one SOURCE only (got '%s' and '%s')\n", source,
                    argv[i]);
            return SP_EXIT_USAGE;
        } else {
            source = argv[i];
        }
    }
    if (!source) {
        usage(stderr);
        return SP_EXIT_USAGE;
    }
    struct diag_list diag;
    diag_init(&diag);
    /* the recording from its manifest, and its IM pages for the chapters
     * and the chat search; never the media */
    struct class_opts co;
    class_opts_init(&co);
    co.parts = CLASS_SIGNALING;
    app_net_to_class(&net, &co);
    co.no_offsets = true; /* nothing is shown */
    struct sp_class *c = NULL;
    int rc = class_open(source, &co, &diag, &c);
    const struct recording *rec = c ? class_recording(c) : NULL;
    struct timeline *tl = c ? class_timeline(c) : NULL;
    struct probe_nav pn = {0};
    if (rc == 0 && tl)
        nav_open(source, c, &pn, &diag);
    if (tl && !pn.nav && nav_build(NULL, NULL, tl, &pn.nav) != 0)
        rc = SP_ENOMEM; /* no pages: the chapters of the timeline alone */
    if (query && rc == 0 && !json) {
        rc = chat_search(&pn, query, NULL);
    } else if (json) {
        cJSON *root;
        if (tl) {
            root = recording_json(rec, tl);
            cJSON_AddItemToObject(root, "chapters", chapters_json(pn.nav));
            if (query && rc == 0)
                rc = chat_search(&pn, query, root);
        } else {
            root = cJSON_CreateObject();
            cJSON_AddStringToObject(root, "schema", PROBE_SCHEMA);
            cJSON_AddBoolToObject(root, "ok", 0);
        }
        cJSON_AddStringToObject(root, "source", source);
        if (rc)
            cJSON_AddStringToObject(root, "error", sp_strerror(rc));
        else
            cJSON_AddNullToObject(root, "error");
        add_diags(root, &diag);
        print_json(root);
        cJSON_Delete(root);
    } else if (tl) {
        print_human(rec, tl);
        print_chapters(pn.nav);
        fflush(stdout);
    }
    nav_close(&pn);
    class_take_diags(c, &diag);
    diag_print(&diag, stderr);
    if (!rec && !diag.count)
        fprintf(stderr, "sigplay: probe: %s: %s\n", source, sp_strerror(rc));
    int exit_code = (rc || diag.errors) ? SP_EXIT_ERROR : SP_EXIT_OK;
    class_close(&c);
    diag_clear(&diag);
    return exit_code;
}
