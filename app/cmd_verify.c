/* cmd_verify.c - `sigplay verify SOURCE [--json FILE] [--quick]`: a QA
 * report on a recording. Fetches what it needs (progress bar), runs the
 * checks of verify/verify.h plus the chat model's (im/ lives above the
 * core's verify), prints a human report on stdout and, with --json, the
 * same as JSON (schema sigplay-verify/1, docs/verify-json.md). Stateless:
 * one recording, one report, one exit code (0 clean, 1 warnings, 2 errors).
 * Several SOURCEs (arguments or --list) go through app/verify_batch.h,
 * --jobs at once, one report each (human blocks or --jsonl lines) and the
 * worst exit code (docs/batch.md). */
#include "app/commands.h"
#include "base/json_util.h"
#include "base/term_text.h"
#include "app/netopts.h"
#include "app/progress.h"
#include "app/verify_batch.h"

#include "im/chat.h"
#include "player/class.h"
#include "player/media/sei.h"
#include "base/diag.h"
#include "player/net/fetch.h"
#include "player/recording/manifest.h"
#include "im/msgpage.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "base/source_list.h"
#include "base/platform/os_file.h"
#include "base/platform/os_process.h"
#include "player/recording/timeline.h"
#include "player/net/url.h"
#include "player/recording/offsets.h"
#include "verify/verify.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <libavutil/log.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: sigplay verify SOURCE [--json FILE] [--quick] [--offline] [network options]\n"
            "       sigplay verify SOURCE... | --list FILE [--jsonl] [--jobs N] [options]\n"
            "Checks a recording lane by lane and segment by segment: reachable, size and\n"
            "duration as announced, decodes without errors, SEI sync anchors and each\n"
            "segment's offset from its VideoPlayTime, audio present and not silent,\n"
            "timeline coverage, message pages, whiteboard ops and chat; surfaces Status,\n"
            "FinishReason, ExceptionCnt and Interrupts. A human report goes to stdout.\n"
            "SOURCE: a path, file:// or http(s):// URL, or the web player's link.\n"
            "--json FILE   also write the report as JSON (schema " VERIFY_SCHEMA "; one\n"
            "              SOURCE only);\n"
            "              '-' prints it on stdout instead of the human report\n"
            "--jsonl       one JSON report per line on stdout (the --json object, with its\n"
            "              SOURCE), in input order, flushed per line; the summary goes to\n"
            "              stderr\n"
            "--list FILE   check the SOURCEs of FILE, one a line ('-': stdin); blank lines\n"
            "              and lines starting with '#' are skipped\n"
            "--jobs N, -j N  check N recordings at once in this process (default: the\n"
            "              number of CPUs); at most N are open at a time\n"
            "--quick       decode sampled windows (start, middle, end) instead of\n"
            "              every frame; everything else is checked in full\n"
            "--offline     check the cached copy of a remote recording without asking\n"
            "              the server (a file not completely cached is an error). Without\n"
            "              it every remote file is asked for: a server that cannot be\n"
            "              reached is a warning per file when its cached copy is complete\n"
            "              (that copy is checked), an error when it is not\n"
            "--suggest-offsets[=FILE]  write the sync corrections that cancel each\n"
            "              segment's offset above the limit to FILE (default: the offsets\n"
            "              file, <manifest>.offsets.json; see docs/offsets.md)\n"
            "%s"
            "Several SOURCEs (or --list): one report each, in input order (a human block\n"
            "under a '== [i/N] SOURCE' heading, or a JSON line with --jsonl), then a\n"
            "summary line: N checked, how many OK, with warnings, with errors, wall time.\n"
            "Exit: 0 clean, 1 warnings, 2 errors (the worst of all SOURCEs), 64 bad\n"
            "command line.\n",
            app_net_help());
}

/* ---- running the checks --------------------------------------------------- */

static bool is_remote(const char *url)
{
    enum url_kind k = url_kind(url);
    return k == URL_KIND_HTTP || k == URL_KIND_HTTPS;
}

/* True for the errors that mean the server could not be reached at all
 * (as opposed to an answer: 404, 403, a TLS refusal). */
static bool unreachable_rc(int rc)
{
    return rc == SP_ENET || rc == SP_ETIMEOUT;
}

/* Asks the server for the manifest itself (what class_open() read may be
 * the cached copy when the server is down). */
static void check_manifest_reachable(struct verify_report *r, const struct recording *rec,
                                     struct sp_class *c)
{
    const char *url = rec->doc_url;
    if (!url || !is_remote(url))
        return;
    struct diag_list d = {0};
    struct fetch *f = class_fetch(c, true, &d);
    int rc = f ? fetch_revalidate(f, url, 0, NULL, NULL, &d) : SP_ENET;
    if (rc && unreachable_rc(rc) && f && fetch_cached_complete(f, url))
        verify_add(r, VERIFY_WARNING, "manifest.unreachable", -1, -1,
                   "%s: %s; checked the cached copy", url,
                   d.count ? d.items[0].text : sp_strerror(rc));
    else if (rc)
        verify_add(r, VERIFY_ERROR, "manifest.unreachable", -1, -1, "%s: %s", url,
                   d.count ? d.items[0].text : sp_strerror(rc));
    diag_clear(&d);
}

/* Asks the server for every remote segment (a conditional request when a
 * complete copy is cached, a download with the progress bar otherwise).
 * A segment the server cannot serve is marked unreachable (its line from
 * the fetch layer, which explains expired links) and skipped, except when
 * only the connection failed and a complete cached copy exists: that
 * copy is checked, with a warning saying the server was not reached.
 * offline: no request; a segment not completely cached is unreachable. */
static void fetch_media(struct verify_report *r, struct sp_class *c, bool *skip, bool offline,
                        bool bar)
{
    int64_t total = 0;
    size_t n = 0;
    for (size_t i = 0; i < r->n_segments; i++)
        if (is_remote(r->segments[i].seg->url)) {
            n++;
            if (r->segments[i].seg->size_bytes > 0)
                total += r->segments[i].seg->size_bytes;
        }
    if (!n)
        return;
    struct app_progress p;
    app_progress_start(&p, n, total);
    p.tty = p.tty && bar; /* several recordings at once: no bar, whose lines would mix */
    size_t k = 0;
    for (size_t i = 0; i < r->n_segments; i++) {
        const struct rec_segment *s = r->segments[i].seg;
        if (!is_remote(s->url))
            continue;
        struct diag_list d = {0};
        app_progress_item(&p, k++, s->url);
        struct fetch *f = class_fetch(c, true, &d);
        int rc;
        if (!f)
            rc = SP_ENET;
        else if (offline)
            rc = fetch_cached_complete(f, s->url) ? 0 : SP_ENOENT;
        else
            rc = fetch_revalidate(f, s->url, FETCH_MEDIA, app_progress_cb, &p, &d);
        if (rc && !offline && unreachable_rc(rc) && fetch_cached_complete(f, s->url)) {
            verify_add(r, VERIFY_WARNING, "media.server_unreachable", (ptrdiff_t)i, -1,
                       "%s: %s; checked the cached copy", s->url,
                       d.count ? d.items[0].text : sp_strerror(rc));
        } else if (rc) {
            char line[DIAG_MAX_TEXT];
            if (offline)
                snprintf(line, sizeof(line), "%.300s: not in the cache (--offline)", s->url);
            else
                snprintf(line, sizeof(line), "%s", d.count ? d.items[0].text : sp_strerror(rc));
            verify_unreachable(r, i, line);
            skip[i] = true;
        }
        app_progress_done(&p, s->size_bytes);
        diag_clear(&d);
    }
    app_progress_end(&p);
}

static void check_chat(struct verify_report *r, const struct msg_log *log)
{
    struct diag_list d = {0};
    struct chat_log *chat = NULL;
    int rc = chat_log_build(log, &chat, &d);
    if (rc)
        diag_add(&d, DIAG_ERROR, "chat: %s", sp_strerror(rc));
    verify_add_diags(r, &d, "chat.content");
    diag_clear(&d);
    if (chat)
        r->chat_items = chat->count;
    chat_log_destroy(&chat);
}

/* ---- human report ----------------------------------------------------------- */

/* "242,5" (the SEI payload types that gave anchors), "-" for none; a
 * trailing "!" when SDK timestamps (244) were met and ignored. */
static void sei_types_text(unsigned seen, char *buf, size_t n)
{
    static const int known[] = {5, 100, 242, 243};
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
        if ((seen & sei_seen_bit(known[k])) && at < n)
            at += (size_t)snprintf(buf + at, n - at, "%s%d", at ? "," : "", known[k]);
    if (!at && n > 1)
        at = (size_t)snprintf(buf, n, "-");
    if (seen & SEI_SEEN_244 && at + 1 < n)
        snprintf(buf + at, n - at, "!");
}

/* The report's times are µs of whole ms (verify/verify.h); the text and
 * the JSON show ms, as docs/verify-json.md says. -1 (none) stays -1. */
static int64_t ms_of(int64_t us)
{
    return us == -1 ? -1 : us / 1000;
}

static void fmt_secs(int64_t ms, char *buf, size_t n)
{
    if (ms < 0)
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
}

static const char *source_name(enum lane_map_source s)
{
    switch (s) {
    case LANE_MAP_SEI:
        return "sei";
    case LANE_MAP_SYNC_TIME:
        return "sync_time";
    default:
        return "play_time";
    }
}

static void print_human(FILE *out, const struct verify_report *r, const struct recording *rec,
                        const char *source)
{
    fprintf(out, "verify      %s%s\n", TERM_SAFE(source),
            r->quick ? " (quick: sampled decoding)" : "");
    if (!rec) {
        fprintf(out, "recording   could not be read\n");
    } else {
        fprintf(out, "recording   %s, %zu lane(s), %zu segment(s), %zu message page(s)\n",
                rec->is_manifest ? "replay manifest" : "recording result", rec->n_lanes,
                rec->n_segments, rec->n_message_pages);
        fprintf(out, "status      %s%s%s; ExceptionCnt %s",
                *rec->status ? TERM_SAFE(rec->status) : "(none)",
                *rec->finish_reason ? ", FinishReason " : "", TERM_SAFE(rec->finish_reason),
                rec->exception_cnt >= 0 ? "" : "(none)");
        if (rec->exception_cnt >= 0)
            fprintf(out, "%" PRId64, rec->exception_cnt);
        fprintf(out, "; Interrupts");
        if (!rec->n_interrupts)
            fprintf(out, " none");
        for (size_t i = 0; i < rec->n_interrupts; i++)
            fprintf(out, " %s x%" PRId64, TERM_SAFE(rec->interrupts[i].user_id),
                    rec->interrupts[i].count);
        fprintf(out, "\n");
        fprintf(out,
                "origin      RecordStartTime %" PRId64 " ms; refined %+" PRId64
                " ms from %zu segment(s)\n",
                ms_of(r->origin_us), ms_of(r->refined_origin_us - r->origin_us),
                r->origin_estimates);
        fprintf(out, "segments    %-24s %-30s %9s %9s %6s %4s %8s %4s %-7s %6s %8s %8s\n", "lane",
                "file", "bytes", "dur s", "frames", "errs", "audio dB", "sei", "types", "gap s",
                "offset", "refined");
        for (size_t i = 0; i < r->n_segments; i++) {
            const struct verify_segment *v = &r->segments[i];
            char dur[32], gap[32], db[32], off[32], ref[32];
            fmt_secs(ms_of(v->duration_us), dur, sizeof(dur));
            fmt_secs(ms_of(v->sei_max_gap_us), gap, sizeof(gap));
            if (isnan(v->audio_dbfs))
                snprintf(db, sizeof(db), "-");
            else
                snprintf(db, sizeof(db), "%.1f", v->audio_dbfs);
            bool placed = v->decoded && v->sync_source != LANE_MAP_PLAY_TIME;
            snprintf(off, sizeof(off), placed ? "%+" PRId64 : "-", ms_of(v->offset_us));
            snprintf(ref, sizeof(ref), placed ? "%+" PRId64 : "-", ms_of(v->offset_refined_us));
            if (!v->reachable) {
                fprintf(out, "            %-24.24s %-30.30s unreachable\n",
                        TERM_SAFE(rec->lanes[v->lane].name), TERM_SAFE(v->name));
                continue;
            }
            char types[32];
            sei_types_text(v->sei_types, types, sizeof(types));
            fprintf(out,
                    "            %-24.24s %-30.30s %9" PRId64 " %9s %6" PRId64 " %4" PRId64
                    " %8s %4zu %-7s %6s %8s %8s\n",
                    TERM_SAFE(rec->lanes[v->lane].name), TERM_SAFE(v->name), v->size_bytes, dur,
                    v->frames_decoded, v->decode_errors, db, v->sei_count, types, gap, off, ref);
        }
        if (!r->n_gaps)
            fprintf(out, "coverage    some lane has media all through the playback\n");
        else
            fprintf(out, "coverage    %zu gap(s), %" PRId64 " ms without any media\n", r->n_gaps,
                    ms_of(r->uncovered_us));
        fprintf(out,
                "messages    %zu/%zu page(s) read, %zu message(s), %zu board batch(es), %zu "
                "op(s), %zu chat item(s)\n",
                r->pages_read, r->pages, r->messages, r->board_batches, r->board_ops,
                r->chat_items);
        if (r->file_batches)
            fprintf(out, "            %zu board batch(es) delivered as files, %zu not fetched\n",
                    r->file_batches, r->file_batches_failed);
    }
    fprintf(out, "findings    %zu error(s), %zu warning(s), %zu info\n", r->counts[VERIFY_ERROR],
            r->counts[VERIFY_WARNING], r->counts[VERIFY_INFO]);
    for (size_t i = 0; i < r->n_findings; i++)
        fprintf(out, "  %-7s %-22s %s\n", verify_severity_name(r->findings[i].severity),
                r->findings[i].code, TERM_SAFE(r->findings[i].message));
    if (r->dropped)
        fprintf(out, "  ... and %zu more findings\n", r->dropped);
    int code = verify_exit_code(r);
    fprintf(out, "result      %s (exit %d)\n",
            code == 2   ? "ERRORS"
            : code == 1 ? "WARNINGS"
                        : "OK",
            code);
}

/* ---- JSON report ------------------------------------------------------------- */

static void num_or_null(cJSON *o, const char *k, bool present, double v)
{
    if (present)
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *segment_json(const struct verify_segment *v, const struct recording *rec, size_t i)
{
    const struct rec_segment *s = v->seg;
    const struct rec_lane *ln = &rec->lanes[v->lane];
    bool placed = v->decoded && v->sync_source != LANE_MAP_PLAY_TIME;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", (double)i);
    cJSON_AddNumberToObject(o, "video_info", (double)s->source_index);
    cJSON_AddStringToObject(o, "lane", ln->name);
    cJSON_AddStringToObject(o, "user_id", ln->user_id);
    cJSON_AddStringToObject(o, "kind", rec_lane_kind_name(ln->kind));
    cJSON_AddStringToObject(o, "url", s->url);
    cJSON_AddStringToObject(o, "file", v->name);
    cJSON_AddNumberToObject(o, "play_ms", (double)(s->play_us / 1000));
    cJSON_AddNumberToObject(o, "video_duration_ms", (double)(s->duration_us / 1000));
    num_or_null(o, "video_size", s->size_bytes >= 0, (double)s->size_bytes);
    cJSON_AddBoolToObject(o, "reachable", v->reachable);
    cJSON_AddBoolToObject(o, "decoded", v->decoded);
    num_or_null(o, "size_bytes", v->size_bytes >= 0, (double)v->size_bytes);
    num_or_null(o, "duration_ms", v->duration_us >= 0, (double)ms_of(v->duration_us));
    num_or_null(o, "frame_ms", v->frame_us > 0, (double)ms_of(v->frame_us));
    cJSON_AddBoolToObject(o, "has_video", v->has_video);
    cJSON_AddBoolToObject(o, "has_audio", v->has_audio);
    cJSON_AddNumberToObject(o, "video_packets", (double)v->video_packets);
    cJSON_AddNumberToObject(o, "frames_decoded", (double)v->frames_decoded);
    cJSON_AddNumberToObject(o, "decode_errors", (double)v->decode_errors);
    num_or_null(o, "audio_dbfs", isfinite(v->audio_dbfs), v->audio_dbfs);
    cJSON *sei = cJSON_AddObjectToObject(o, "sei");
    cJSON_AddNumberToObject(sei, "anchors", (double)v->sei_count);
    cJSON_AddNumberToObject(sei, "refused", (double)v->sei_refused);
    num_or_null(sei, "max_gap_ms", v->sei_max_gap_us >= 0, (double)ms_of(v->sei_max_gap_us));
    /* the payload types that gave anchors, and whether SDK timestamps (244,
       never anchors) were met */
    cJSON *types = cJSON_AddArrayToObject(sei, "payload_types");
    static const int known[] = {5, 100, 242, 243};
    for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
        if (v->sei_types & sei_seen_bit(known[k]))
            cJSON_AddItemToArray(types, cJSON_CreateNumber(known[k]));
    cJSON_AddBoolToObject(sei, "sdk_timestamps_ignored", (v->sei_types & SEI_SEEN_244) != 0);
    if (v->decoded)
        cJSON_AddStringToObject(o, "placed_by", source_name(v->sync_source));
    else
        cJSON_AddNullToObject(o, "placed_by");
    num_or_null(o, "start_board_ms", placed, (double)ms_of(v->start_board_us));
    num_or_null(o, "offset_ms", placed, (double)ms_of(v->offset_us));
    num_or_null(o, "offset_refined_ms", placed, (double)ms_of(v->offset_refined_us));
    cJSON_AddNumberToObject(o, "correction_ms", (double)v->correction_us / 1000.0);
    num_or_null(o, "offset_corrected_ms", placed, (double)ms_of(v->offset_corrected_us));
    return o;
}

static cJSON *report_json(const struct verify_report *r, const struct recording *rec,
                          const char *source, struct sp_class *c)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON_AddStringToObject(root, "schema", VERIFY_SCHEMA);
    cJSON_AddStringToObject(root, "source", source);
    if (rec)
        cJSON_AddStringToObject(root, "document", rec->doc_url);
    else
        cJSON_AddNullToObject(root, "document");
    cJSON_AddBoolToObject(root, "quick", r->quick);
    int code = verify_exit_code(r);
    cJSON_AddStringToObject(root, "result", code == 2 ? "errors" : code == 1 ? "warnings" : "ok");
    cJSON_AddNumberToObject(root, "exit_code", code);
    cJSON *counts = cJSON_AddObjectToObject(root, "counts");
    cJSON_AddNumberToObject(counts, "error", (double)r->counts[VERIFY_ERROR]);
    cJSON_AddNumberToObject(counts, "warning", (double)r->counts[VERIFY_WARNING]);
    cJSON_AddNumberToObject(counts, "info", (double)r->counts[VERIFY_INFO]);
    cJSON_AddNumberToObject(counts, "dropped", (double)r->dropped);
    if (rec) {
        cJSON *o = cJSON_AddObjectToObject(root, "recording");
        cJSON_AddStringToObject(o, "kind", rec->is_manifest ? "manifest" : "result");
        if (*rec->status)
            cJSON_AddStringToObject(o, "status", rec->status);
        else
            cJSON_AddNullToObject(o, "status");
        cJSON_AddBoolToObject(o, "ready", rec->ready);
        if (*rec->finish_reason)
            cJSON_AddStringToObject(o, "finish_reason", rec->finish_reason);
        else
            cJSON_AddNullToObject(o, "finish_reason");
        num_or_null(o, "exception_count", rec->exception_cnt >= 0, (double)rec->exception_cnt);
        cJSON *ints = cJSON_AddArrayToObject(o, "interrupts");
        for (size_t i = 0; i < rec->n_interrupts; i++) {
            cJSON *it = cJSON_CreateObject();
            cJSON_AddStringToObject(it, "user_id", rec->interrupts[i].user_id);
            cJSON_AddNumberToObject(it, "count", (double)rec->interrupts[i].count);
            cJSON_AddItemToArray(ints, it);
        }
        cJSON_AddNumberToObject(o, "total_ms", (double)(rec->total_us / 1000));
        cJSON_AddNumberToObject(o, "lanes", (double)rec->n_lanes);
        cJSON_AddNumberToObject(o, "segments", (double)rec->n_segments);
        cJSON *sy = cJSON_AddObjectToObject(root, "sync");
        cJSON_AddNumberToObject(sy, "origin_ms", (double)ms_of(r->origin_us));
        cJSON_AddNumberToObject(sy, "refined_origin_ms", (double)ms_of(r->refined_origin_us));
        cJSON_AddNumberToObject(sy, "estimates", (double)r->origin_estimates);
        cJSON_AddNumberToObject(sy, "offset_limit_ms", VERIFY_SYNC_WARN_US / 1000);
        cJSON *of = cJSON_AddObjectToObject(root, "offsets");
        const char *op = c ? class_offsets_path(c) : NULL;
        if (op)
            cJSON_AddStringToObject(of, "file", op);
        else
            cJSON_AddNullToObject(of, "file");
        cJSON_AddBoolToObject(of, "read", c && class_offsets_loaded(c));
        cJSON_AddNumberToObject(of, "corrected_segments", c ? (double)class_offsets_applied(c) : 0);
        cJSON *segs = cJSON_AddArrayToObject(root, "segments");
        for (size_t i = 0; i < r->n_segments; i++)
            cJSON_AddItemToArray(segs, segment_json(&r->segments[i], rec, i));
        cJSON *cov = cJSON_AddObjectToObject(root, "coverage");
        cJSON *gaps = cJSON_AddArrayToObject(cov, "gaps");
        for (size_t i = 0; i < r->n_gaps; i++) {
            cJSON *g = cJSON_CreateObject();
            cJSON_AddNumberToObject(g, "start_ms", (double)ms_of(r->gaps[i].start_us));
            cJSON_AddNumberToObject(g, "end_ms", (double)ms_of(r->gaps[i].end_us));
            cJSON_AddItemToArray(gaps, g);
        }
        cJSON_AddNumberToObject(cov, "uncovered_ms", (double)ms_of(r->uncovered_us));
        cJSON *m = cJSON_AddObjectToObject(root, "messages");
        cJSON_AddNumberToObject(m, "pages", (double)r->pages);
        cJSON_AddNumberToObject(m, "pages_read", (double)r->pages_read);
        cJSON_AddNumberToObject(m, "messages", (double)r->messages);
        cJSON_AddNumberToObject(m, "board_batches", (double)r->board_batches);
        cJSON_AddNumberToObject(m, "file_batches", (double)r->file_batches);
        cJSON_AddNumberToObject(m, "file_batches_failed", (double)r->file_batches_failed);
        cJSON_AddNumberToObject(m, "board_ops", (double)r->board_ops);
        cJSON_AddNumberToObject(m, "chat_items", (double)r->chat_items);
    }
    cJSON *fs = cJSON_AddArrayToObject(root, "findings");
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct verify_finding *f = &r->findings[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "severity", verify_severity_name(f->severity));
        cJSON_AddStringToObject(o, "code", f->code);
        cJSON_AddStringToObject(o, "message", f->message);
        num_or_null(o, "segment", f->segment >= 0, (double)f->segment);
        num_or_null(o, "media_ms", f->media_us >= 0, (double)ms_of(f->media_us));
        num_or_null(o, "play_ms", f->play_us >= 0, (double)ms_of(f->play_us));
        cJSON_AddItemToArray(fs, o);
    }
    return root;
}

static int write_json(const struct verify_report *r, const struct recording *rec,
                      const char *source, struct sp_class *c, const char *path)
{
    cJSON *root = report_json(r, rec, source, c);
    char *text = root ? sp_json_print_safe(root, true) : NULL;
    cJSON_Delete(root);
    if (!text) {
        fprintf(stderr, "sigplay: verify: out of memory\n");
        return SP_ENOMEM;
    }
    int rc = 0;
    if (!strcmp(path, "-")) {
        printf("%s\n", text);
    } else {
        size_t len = strlen(text);
        text[len] = '\n'; /* replaces the NUL: written with its length */
        rc = sp_write_file_atomic(path, text, len + 1);
        if (rc)
            fprintf(stderr, "sigplay: verify: %s: cannot write: %s\n", path, sp_strerror(rc));
    }
    free(text);
    return rc;
}

/* ---- --suggest-offsets ------------------------------------------------------ */

/* Writes the suggested corrections (verify_suggest_offsets()) to file (NULL:
 * the class's offsets file); one line on stderr says where. Returns 0 or
 * < 0 after saying why. */
static int write_suggestion(const struct verify_report *r, struct sp_class *c, const char *file)
{
    const struct recording *rec = class_recording(c);
    const char *path = file ? file : class_offsets_path(c);
    if (!path) {
        fprintf(stderr, "sigplay: verify: --suggest-offsets: this source has no default offsets "
                        "file (no cache folder); name one: --suggest-offsets=FILE\n");
        return SP_ENOENT;
    }
    int64_t *seg_us = calloc(r->n_segments ? r->n_segments : 1, sizeof *seg_us);
    if (!seg_us)
        return SP_ENOMEM;
    if (r->n_segments)
        memcpy(seg_us, class_offsets_us(c), r->n_segments * sizeof *seg_us);
    size_t n = verify_suggest_offsets(r, seg_us), written = 0;
    int rc = offsets_write(path, rec, seg_us, class_offsets_source(c), &written);
    free(seg_us);
    if (rc) {
        fprintf(stderr, "sigplay: verify: %s: cannot write: %s\n", path, sp_strerror(rc));
        return rc;
    }
    fprintf(stderr,
            "sigplay: verify: suggested sync corrections for %zu segment%s written to %s (%zu "
            "entr%s)\n",
            n, n == 1 ? "" : "s", path, written, written == 1 ? "y" : "ies");
    return 0;
}

/* ---- one SOURCE -------------------------------------------------------------- */

/* How every SOURCE of the run is checked (read-only once the run starts:
 * shared by the worker threads). */
struct verify_run {
    bool quick, offline;
    bool bar;                 /* the download progress bar (one SOURCE only) */
    bool jsonl;               /* several: one JSON line each, else human blocks */
    bool suggest;             /* --suggest-offsets */
    const char *suggest_file; /* its =FILE (one SOURCE only), NULL: the default */
    struct app_net net;       /* the network and the sync corrections' options */
    struct fetch *shared_net; /* several: the one network client of the run, or
                                 NULL (each class starts its own) */
};

/* Checks source. human (NULL: none) gets the human report; json_path (NULL:
 * none) the JSON report ('-': stdout); json_line (NULL: none) the compact
 * JSON report and a newline, as a new string. Returns the exit code. */
static int verify_source(const struct verify_run *o, const char *source, FILE *human,
                         const char *json_path, char **json_line)
{
    struct verify_report r = {.quick = o->quick};
    struct diag_list diag = {0};
    const struct recording *rec = NULL;
    struct timeline *tl = NULL;
    struct msg_log *log = NULL;
    bool *skip = NULL;
    int fatal = 0, exit_extra = 0;
    struct class_opts co;
    class_opts_init(&co);
    co.parts = 0; /* verify reads media and pages itself, to judge them */
    app_net_to_class(&o->net, &co);
    co.fetch = o->shared_net;
    struct sp_class *c = NULL;
    int rc = class_open(source, &co, &diag, &c);
    if (c) {
        rec = class_recording(c);
        tl = class_timeline(c);
    }
    if (!rec) {
        verify_add_diags(&r, &diag, "manifest");
        if (!r.counts[VERIFY_ERROR])
            verify_add(&r, VERIFY_ERROR, "manifest", -1, -1, "%s: %s", source, sp_strerror(rc));
        goto report;
    }
    if (verify_report_setup(&r, rec)) {
        fatal = SP_ENOMEM;
        goto report;
    }
    verify_recording(&r, rec, &diag);
    verify_set_corrections(&r, rec, class_offsets_us(c));
    skip = calloc(r.n_segments + 1, sizeof(*skip));
    if (!skip) {
        fatal = SP_ENOMEM;
        goto report;
    }
    if (!o->offline)
        check_manifest_reachable(&r, rec, c);
    fetch_media(&r, c, skip, o->offline, o->bar);
    for (size_t i = 0; i < r.n_segments && !fatal; i++)
        if (!skip[i])
            fatal = verify_media(&r, i, class_fetch(c, false, NULL), tl);
    if (!fatal) {
        verify_sync(&r, tl);
        fatal = verify_coverage(&r, tl);
    }
    if (!fatal && o->suggest && write_suggestion(&r, c, o->suggest_file) < 0)
        exit_extra = SP_EXIT_ERROR;
    if (!fatal)
        fatal = verify_messages(&r, rec, class_loader(c), &log);
    if (!fatal && log)
        check_chat(&r, log);
report:
    diag_clear(&diag);
    if (fatal)
        verify_add(&r, VERIFY_ERROR, "internal", -1, -1, "verify stopped: %s", sp_strerror(fatal));
    if (human) {
        print_human(human, &r, rec, source);
        fflush(human);
    }
    int exit_code = verify_exit_code(&r);
    if (exit_extra > exit_code)
        exit_code = exit_extra;
    if (json_path && write_json(&r, rec, source, c, json_path))
        exit_code = SP_EXIT_ERROR;
    if (json_line) {
        cJSON *root = report_json(&r, rec, source, c);
        char *text = root ? sp_json_print_safe(root, false) : NULL;
        cJSON_Delete(root);
        size_t len = text ? strlen(text) : 0;
        char *line = text ? realloc(text, len + 2) : NULL;
        if (line) {
            memcpy(line + len, "\n", 2);
            *json_line = line;
        } else {
            free(text);
            fprintf(stderr, "sigplay: verify: %s: out of memory for the JSON report\n",
                    TERM_SAFE(source));
            exit_code = SP_EXIT_ERROR;
        }
    }
    free(skip);
    msg_log_destroy(&log);
    verify_report_clear(&r);
    class_close(&c);
    return exit_code;
}

/* ---- several SOURCEs ---------------------------------------------------------- */

/* The whole of a temporary file, as a new string (the human block of one
 * SOURCE, written there so that blocks finished out of order are printed
 * in order). */
static char *slurp(FILE *f, size_t *len)
{
    *len = 0;
    if (fseek(f, 0, SEEK_END))
        return NULL;
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET))
        return NULL;
    char *buf = malloc((size_t)n + 1);
    if (!buf)
        return NULL;
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    *len = got;
    return buf;
}

/* A verify_job_fn (app/verify_batch.h): one SOURCE's JSON line, or its
 * human block under a heading. */
static void verify_job(void *opaque, const char *source, size_t index, size_t count,
                       struct verify_job_result *res)
{
    const struct verify_run *o = opaque;
    if (o->jsonl) {
        res->exit_code = verify_source(o, source, NULL, NULL, &res->text);
        res->len = res->text ? strlen(res->text) : 0;
        return;
    }
    FILE *tmp = sp_os_tmpfile();
    if (!tmp) {
        fprintf(stderr, "sigplay: verify: %s: no temporary file for its report\n",
                TERM_SAFE(source));
        res->exit_code = SP_EXIT_ERROR;
        return;
    }
    fprintf(tmp, "%s== [%zu/%zu] %s\n", index ? "\n" : "", index + 1, count, TERM_SAFE(source));
    res->exit_code = verify_source(o, source, tmp, NULL, NULL);
    res->text = slurp(tmp, &res->len);
    fclose(tmp);
}

/* --jobs N: 1 to VERIFY_BATCH_MAX_JOBS. Returns N, or 0 (bad). */
static unsigned parse_jobs(const char *s)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > VERIFY_BATCH_MAX_JOBS)
        return 0;
    return (unsigned)v;
}

/* ---- the command ----------------------------------------------------------- */

int cmd_verify(int argc, char **argv)
{
    const char *json = NULL, *list = NULL;
    bool jsonl = false;
    unsigned jobs = 0; /* 0: the CPU count */
    struct verify_run run = {0};
    struct source_list sources = {0};
    struct app_net net;
    app_net_init(&net);
    int exit_code = SP_EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        int r = app_net_parse(&net, argc, argv, &i);
        if (r < 0)
            goto done;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            exit_code = SP_EXIT_OK;
            goto done;
        } else if (!strcmp(argv[i], "--quick")) {
            run.quick = true;
        } else if (!strcmp(argv[i], "--offline")) {
            run.offline = true;
        } else if (!strncmp(argv[i], "--suggest-offsets", 17) &&
                   (argv[i][17] == '\0' || argv[i][17] == '=')) {
            run.suggest = true;
            run.suggest_file = argv[i][17] == '=' && argv[i][18] ? argv[i] + 18 : NULL;
        } else if (!strcmp(argv[i], "--jsonl")) {
            jsonl = true;
        } else if (!strcmp(argv[i], "--json")) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                fprintf(stderr, "sigplay: verify: --json needs a FILE ('-' for stdout)\n");
                goto done;
            }
            json = argv[++i];
        } else if (!strcmp(argv[i], "--list")) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                fprintf(stderr, "sigplay: verify: --list needs a FILE ('-' for stdin)\n");
                goto done;
            }
            if (list) {
                fprintf(stderr, "sigplay: verify: --list given twice\n");
                goto done;
            }
            list = argv[++i];
        } else if (!strcmp(argv[i], "--jobs") || !strcmp(argv[i], "-j")) {
            if (i + 1 >= argc || !(jobs = parse_jobs(argv[i + 1]))) {
                fprintf(stderr, "sigplay: verify: --jobs needs a number from 1 to %d\n",
                        VERIFY_BATCH_MAX_JOBS);
                goto done;
            }
            i++;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "sigplay: verify: unknown option '%s'\n", argv[i]);
            usage(stderr);
            goto done;
        } else {
            if (source_list_add(&sources, argv[i])) {
                fprintf(stderr, "sigplay: verify: out of memory\n");
                exit_code = SP_EXIT_ERROR;
                goto done;
            }
        }
    }
    if (list) {
        struct diag_list d = {0};
        int rc = source_list_read(&sources, list, &d);
        diag_print(&d, stderr);
        bool bad = rc || d.errors;
        diag_clear(&d);
        if (bad) { /* a list that is not what its writer meant: check none of it */
            exit_code = SP_EXIT_ERROR;
            goto done;
        }
    }
    if (!sources.count) {
        if (list)
            fprintf(stderr, "sigplay: verify: %s: no SOURCE in the list\n", list);
        usage(stderr);
        goto done;
    }
    if (json && (sources.count > 1 || jsonl || list)) {
        fprintf(stderr, "sigplay: verify: --json writes one report: with several SOURCEs, --list "
                        "or --jsonl, use --jsonl\n");
        goto done;
    }
    if (run.suggest_file && (sources.count > 1 || list)) {
        fprintf(stderr, "sigplay: verify: --suggest-offsets=FILE names one file: with several "
                        "SOURCEs or --list, each gets its default offsets file "
                        "(--suggest-offsets)\n");
        goto done;
    }
    if (av_log_get_level() > AV_LOG_ERROR && !getenv("SIGPLAY_LOG"))
        av_log_set_level(AV_LOG_FATAL); /* bad media is reported as findings */
    run.net = net;

    if (sources.count == 1 && !jsonl && !list) { /* one SOURCE: the report as it always was */
        run.bar = true;
        const char *source = sources.items[0];
        bool human = !json || strcmp(json, "-");
        exit_code = verify_source(&run, source, human ? stdout : NULL, json, NULL);
        fflush(stdout);
        goto done;
    }
    run.jsonl = jsonl;
    if (!jobs)
        jobs = (unsigned)sp_os_cpu_count();
    /* One network client for the whole run, as for one class: one
       libwebsockets context, one connection pool, one handle on the cache
       (a recording listed twice shares its entries). Thread-safe
       (player/net/fetch.h). When it cannot start, each recording tries
       its own and its report says why not. */
    struct diag_list nd = {0};
    if (fetch_create(&run.net.opts, &run.shared_net, &nd))
        run.shared_net = NULL;
    diag_clear(&nd);
    struct verify_batch_tally t;
    verify_batch_run(sources.items, sources.count, jobs, verify_job, &run, stdout, &t);
    fetch_destroy(&run.shared_net);
    if (!jsonl)
        printf("\n");
    verify_batch_summary(&t, jsonl ? stderr : stdout);
    exit_code = t.worst;
done:
    source_list_clear(&sources);
    return exit_code;
}
