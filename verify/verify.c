/* verify.c - the verify report model and the recording-level checks
 * (status, sync offsets, coverage). See verify.h. */
#include "verify/verify.h"

#include "player/recording/manifest.h"
#include "base/platform/os_libc.h"
#include "base/sp_error.h"
#include "player/recording/timeline.h"
#include "player/net/url.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *verify_severity_name(enum verify_severity s)
{
    switch (s) {
    case VERIFY_ERROR:
        return "error";
    case VERIFY_WARNING:
        return "warning";
    default:
        return "info";
    }
}

void verify_report_clear(struct verify_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_findings; i++)
        free(r->findings[i].message);
    free(r->findings);
    for (size_t i = 0; i < r->n_segments; i++)
        free((char *)r->segments[i].name);
    free(r->segments);
    free(r->gaps);
    bool quick = r->quick;
    memset(r, 0, sizeof(*r));
    r->quick = quick;
}

static void add_v(struct verify_report *r, enum verify_severity sev, const char *code,
                  ptrdiff_t segment, int64_t media_us, const char *fmt, va_list ap)
{
    if (sev > VERIFY_ERROR)
        sev = VERIFY_ERROR;
    r->counts[sev]++;
    if (r->n_findings >= VERIFY_MAX_FINDINGS) {
        r->dropped++;
        return;
    }
    if (r->n_findings == r->cap_findings) {
        size_t cap = r->cap_findings ? r->cap_findings * 2 : 32;
        struct verify_finding *f = realloc(r->findings, cap * sizeof(*f));
        if (!f) {
            r->dropped++;
            return;
        }
        r->findings = f;
        r->cap_findings = cap;
    }
    char buf[DIAG_MAX_TEXT * 2];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    char *msg = strdup(buf);
    if (!msg) {
        r->dropped++;
        return;
    }
    int64_t play = -1;
    if (segment >= 0 && (size_t)segment < r->n_segments && media_us >= 0)
        play = r->segments[segment].seg->play_us / 1000 * 1000 + media_us; /* whole ms */
    r->findings[r->n_findings++] = (struct verify_finding){
        .severity = sev,
        .code = code,
        .message = msg,
        .segment = segment,
        .media_us = media_us,
        .play_us = play,
    };
}

void verify_add(struct verify_report *r, enum verify_severity sev, const char *code,
                ptrdiff_t segment, int64_t media_us, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_v(r, sev, code, segment, media_us, fmt, ap);
    va_end(ap);
}

void verify_add_diags(struct verify_report *r, const struct diag_list *d, const char *code)
{
    for (size_t i = 0; i < d->count; i++) {
        enum diag_level l = d->items[i].level;
        enum verify_severity s = l == DIAG_ERROR     ? VERIFY_ERROR
                                 : l == DIAG_WARNING ? VERIFY_WARNING
                                                     : VERIFY_INFO;
        verify_add(r, s, code, -1, -1, "%s", d->items[i].text);
    }
    if (d->dropped)
        verify_add(r, VERIFY_WARNING, code, -1, -1, "... and %zu more like these", d->dropped);
}

int verify_exit_code(const struct verify_report *r)
{
    if (r->counts[VERIFY_ERROR])
        return 2;
    if (r->counts[VERIFY_WARNING])
        return 1;
    return 0;
}

/* The last path segment of a URL, without query or fragment (signed URLs
 * carry long queries), percent-decoded for file URLs. */
static char *short_name(const char *url)
{
    if (!*url)
        return strdup("(no URL)");
    char *disp = url_display_name(url);
    if (!disp)
        return NULL;
    const char *q = disp + strcspn(disp, "?#");
    const char *s = q;
    while (s > disp && s[-1] != '/')
        s--;
    char *name = s < q ? sp_os_strndup(s, (size_t)(q - s)) : strdup(disp);
    free(disp);
    return name;
}

int verify_report_setup(struct verify_report *r, const struct recording *rec)
{
    r->origin_us = rec->record_start_us / 1000 * 1000;
    r->refined_origin_us = r->origin_us;
    if (!rec->n_segments)
        return 0;
    r->segments = calloc(rec->n_segments, sizeof(*r->segments));
    if (!r->segments)
        return SP_ENOMEM;
    size_t k = 0;
    for (size_t l = 0; l < rec->n_lanes; l++) {
        const struct rec_lane *ln = &rec->lanes[l];
        for (size_t j = 0; j < ln->n_segments && k < rec->n_segments; j++, k++) {
            struct verify_segment *v = &r->segments[k];
            v->seg = &ln->segments[j];
            v->lane = l;
            v->name = short_name(v->seg->url);
            v->size_bytes = -1;
            v->duration_us = -1;
            v->audio_dbfs = NAN;
            v->sei_max_gap_us = -1;
            v->sync_source = LANE_MAP_PLAY_TIME;
            v->usable = true; /* until a check says otherwise */
            r->n_segments = k + 1;
            if (!v->name)
                return SP_ENOMEM;
        }
    }
    return 0;
}

void verify_recording(struct verify_report *r, const struct recording *rec,
                      const struct diag_list *manifest_diag)
{
    /* The reader already words these (Status with what it means, FinishReason,
     * ExceptionCnt, Interrupts) and marks them with a diag code; verify files
     * them under a code per field. */
    for (size_t i = 0; manifest_diag && i < manifest_diag->count; i++) {
        const struct diag_entry *e = &manifest_diag->items[i];
        const char *code =
            e->code == DIAG_CODE_REC_STATUS          ? "status"
            : e->code == DIAG_CODE_REC_FINISH_REASON ? "status.finish_reason"
            : e->code == DIAG_CODE_REC_EXCEPTIONS    ? "status.exceptions"
            : e->code == DIAG_CODE_REC_INTERRUPTS    ? "status.interrupts"
            : e->code == DIAG_CODE_OFFSETS_STALE     ? "offsets.stale"
            : e->code == DIAG_CODE_OFFSETS_BAD || e->code == DIAG_CODE_OFFSETS_APPLIED ? "offsets"
                                                                                       : "manifest";
        enum verify_severity s = e->level == DIAG_ERROR     ? VERIFY_ERROR
                                 : e->level == DIAG_WARNING ? VERIFY_WARNING
                                                            : VERIFY_INFO;
        /* a bad offsets file is ours, not the recording's: a warning */
        if (s == VERIFY_ERROR && e->code == DIAG_CODE_OFFSETS_BAD)
            s = VERIFY_WARNING;
        verify_add(r, s, code, -1, -1, "%s", e->text);
    }
    if (manifest_diag && manifest_diag->dropped)
        verify_add(r, VERIFY_WARNING, "manifest", -1, -1, "... and %zu more like these",
                   manifest_diag->dropped);
    if (!rec->ready && !r->counts[VERIFY_ERROR])
        verify_add(r, VERIFY_ERROR, "status", -1, -1, "%s: Status: %s: %s", rec->doc_name,
                   rec->status, rec_status_explain(rec->status));
}

void verify_unreachable(struct verify_report *r, size_t i, const char *reason)
{
    if (i >= r->n_segments)
        return;
    struct verify_segment *v = &r->segments[i];
    v->reachable = false;
    v->usable = false;
    verify_add(r, VERIFY_ERROR, "media.unreachable", (ptrdiff_t)i, -1, "%s", reason);
}

/* µs to the nearest whole ms, in µs (halves away from zero). */
static int64_t round_ms(int64_t us)
{
    return (us >= 0 ? (us + 500) / 1000 : -((-us + 500) / 1000)) * 1000;
}

/* µs truncated to whole ms, in µs: the offsets are measured in ms. */
static int64_t trunc_ms(int64_t us)
{
    return us / 1000 * 1000;
}

void verify_sync(struct verify_report *r, struct timeline *tl)
{
    r->origin_us = trunc_ms(tl_origin_us(tl));
    struct tl_anchor *est = r->n_segments ? calloc(r->n_segments, sizeof(*est)) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < r->n_segments; i++) {
        struct verify_segment *v = &r->segments[i];
        if (!v->decoded || v->sync_source == LANE_MAP_PLAY_TIME)
            continue;
        v->offset_us = v->start_board_us - trunc_ms(tl_wall_from_play_us(tl, v->seg->play_us));
        if (est)
            est[n++] = (struct tl_anchor){v->seg->play_us, v->start_board_us};
    }
    r->origin_estimates = n;
    struct diag_list d = {0};
    if (n)
        tl_refine_origin_us(tl, est, n, &d, NULL);
    free(est);
    verify_add_diags(r, &d, "sync.origin");
    diag_clear(&d);
    r->refined_origin_us = trunc_ms(tl_origin_us(tl));
    if (n)
        verify_add(r, VERIFY_INFO, "sync.origin", -1, -1,
                   "timeline origin refined from %zu segment(s): %+" PRId64
                   " ms from RecordStartTime",
                   n, (r->refined_origin_us - r->origin_us) / 1000);
    for (size_t i = 0; i < r->n_segments; i++) {
        struct verify_segment *v = &r->segments[i];
        if (!v->decoded || v->sync_source == LANE_MAP_PLAY_TIME)
            continue;
        v->offset_refined_us =
            v->start_board_us - trunc_ms(tl_wall_from_play_us(tl, v->seg->play_us));
        v->offset_corrected_us = v->offset_refined_us + round_ms(v->correction_us);
        if (llabs(v->offset_corrected_us) <= VERIFY_SYNC_WARN_US)
            continue;
        char corr[80] = "";
        if (v->correction_us)
            snprintf(corr, sizeof corr, " after its correction of %+.1f ms (offsets file)",
                     (double)v->correction_us / 1000.0);
        verify_add(r, VERIFY_WARNING, "sync.offset", (ptrdiff_t)i, 0,
                   "%s: %s: first frame is at board time %+" PRId64
                   " ms from where VideoPlayTime %" PRId64 " puts it%s (%s; limit %d ms): "
                   "this segment is out of sync with the others",
                   tl_recording(tl)->lanes[v->lane].name, v->name, v->offset_corrected_us / 1000,
                   v->seg->play_us / 1000, corr,
                   v->sync_source == LANE_MAP_SEI ? "SEI anchors" : "SyncTime",
                   VERIFY_SYNC_WARN_US / 1000); /* ms, as published */
    }
}

void verify_set_corrections(struct verify_report *r, const struct recording *rec,
                            const int64_t *seg_us)
{
    for (size_t i = 0; i < r->n_segments; i++) {
        struct verify_segment *v = &r->segments[i];
        v->correction_us = seg_us ? seg_us[i] : 0;
        v->offset_corrected_us = v->offset_refined_us + round_ms(v->correction_us);
        if (v->correction_us)
            verify_add(r, VERIFY_INFO, "offsets", (ptrdiff_t)i, -1,
                       "%s: %s (VideoPlayTime %" PRId64 " ms): sync correction %+.1f ms applied",
                       rec->lanes[v->lane].name, v->name, v->seg->play_us / 1000,
                       (double)v->correction_us / 1000.0);
    }
}

size_t verify_suggest_offsets(const struct verify_report *r, int64_t *seg_us)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_segments; i++) {
        const struct verify_segment *v = &r->segments[i];
        if (!v->decoded || v->sync_source == LANE_MAP_PLAY_TIME ||
            llabs(v->offset_refined_us) <= VERIFY_SYNC_WARN_US)
            continue;
        seg_us[i] = -v->offset_refined_us;
        n++;
    }
    return n;
}

struct span {
    int64_t a, b;
};

static int cmp_span(const void *x, const void *y)
{
    const struct span *p = x, *q = y;
    return p->a < q->a ? -1 : p->a > q->a;
}

int verify_coverage(struct verify_report *r, const struct timeline *tl)
{
    int64_t total = tl_total_us(tl) / 1000;
    struct span *s = malloc((r->n_segments + 1) * sizeof(*s));
    if (!s)
        return SP_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < r->n_segments; i++) {
        const struct verify_segment *v = &r->segments[i];
        if (!v->usable)
            continue;
        int64_t play = v->seg->play_us / 1000, end = rec_segment_end_us(v->seg) / 1000;
        if (v->decoded && v->duration_us >= 0 && play + v->duration_us / 1000 < end)
            end = play + v->duration_us / 1000; /* media shorter than announced */
        if (end > play)
            s[n++] = (struct span){play, end};
    }
    if (n > 1)
        qsort(s, n, sizeof(*s), cmp_span);
    int64_t at = 0;
    for (size_t i = 0; i <= n && at < total; i++) {
        int64_t next = i < n ? s[i].a : total;
        if (next > total)
            next = total;
        if ((next - at) * 1000 > VERIFY_COVERAGE_MIN_GAP_US) { /* whole ms here */
            struct verify_gap *g = realloc(r->gaps, (r->n_gaps + 1) * sizeof(*g));
            if (!g) {
                free(s);
                return SP_ENOMEM;
            }
            r->gaps = g;
            r->gaps[r->n_gaps++] = (struct verify_gap){at * 1000, next * 1000}; /* ms here */
            r->uncovered_us += (next - at) * 1000;
            verify_add(r, VERIFY_WARNING, "coverage.gap", -1, -1,
                       "no lane has media from %" PRId64 ".%03d s to %" PRId64
                       ".%03d s of playback (%" PRId64 " ms): the screen shows only "
                       "placeholders there",
                       at / 1000, (int)(at % 1000), next / 1000, (int)(next % 1000), next - at);
        }
        if (i < n && s[i].b > at)
            at = s[i].b;
    }
    free(s);
    return 0;
}
