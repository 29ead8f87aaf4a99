/* manifest.c - reading a recording result / replay manifest document:
 * size caps, JSON, and every field of contract sections 1 and 2. Lanes and
 * pauses are built in manifest_build.c. */
#include "player/recording/manifest.h"
#include "base/json_util.h"

#include "base/diag.h"
#include "player/recording/manifest_internal.h"
#include "base/sp_error.h"
#include "player/net/url.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK 16384
/* Largest integer a JSON number (a double) holds exactly. */
#define JSON_MAX_EXACT 9007199254740991LL
/* Unix s / ms limits for wall-clock fields: the end of year 9999 UTC.
   In µs (2.5e17) they stay far below the timeline's 2^60, so w(t) built
   from them is never clamped and play_from_wall() undoes it exactly. A
   RecordStartTime in ms (1.5e12) is refused by this cap, with a hint. */
#define WALL_MAX_S 253402300799LL
#define WALL_MAX_MS (WALL_MAX_S * 1000 + 999)

const char *mf_strdup(struct mctx *c, const char *s, size_t n)
{
    struct rec_impl *r = c->r;
    struct arena_chunk *ch = r->arena;
    if (!ch || ch->cap - ch->used < n + 1) {
        size_t cap = n + 1 > ARENA_CHUNK ? n + 1 : ARENA_CHUNK;
        ch = malloc(sizeof(*ch) + cap);
        if (!ch) {
            c->oom = true;
            return NULL;
        }
        ch->cap = cap;
        ch->used = 0;
        ch->next = r->arena;
        r->arena = ch;
    }
    char *p = ch->data + ch->used;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    ch->used += n + 1;
    return p;
}

/* An arena string, or "" when out of memory (c->oom is set then). */
static const char *keep(struct mctx *c, const char *s)
{
    const char *p = mf_strdup(c, s, strlen(s));
    return p ? p : "";
}

void recording_free(struct recording *rec)
{
    if (!rec)
        return;
    struct rec_impl *r = mf_impl(rec);
    while (r->arena) {
        struct arena_chunk *next = r->arena->next;
        free(r->arena);
        r->arena = next;
    }
    free(r->segs);
    free(r->lanes);
    free(r->pauses);
    free(r->interrupts);
    free(r->message_urls);
    free(r);
}

const char *rec_lane_kind_name(enum rec_lane_kind kind)
{
    switch (kind) {
    case REC_LANE_CAMERA:
        return "camera";
    case REC_LANE_SCREEN:
        return "screen";
    case REC_LANE_WHITEBOARD:
        return "whiteboard";
    case REC_LANE_MIXED:
        return "mixed";
    case REC_LANE_AUDIO:
        return "audio";
    default:
        return "unknown";
    }
}

const char *rec_status_explain(const char *status)
{
    if (!status || !*status || !strcmp(status, "FINISHED"))
        return "the recording is finished and ready to play";
    if (!strcmp(status, "PREPARED"))
        return "the recording task was created but has not started recording yet; "
               "try again after the class";
    if (!strcmp(status, "RECORDING"))
        return "the class is still being recorded; try again after recording stops "
               "and the result is processed";
    if (!strcmp(status, "PAUSED"))
        return "recording is paused and the class is not over; try again after recording "
               "stops and the result is processed";
    if (!strcmp(status, "QUEUED"))
        return "the video generation task is queued and has not started; try again later";
    if (!strcmp(status, "PROCESSING"))
        return "the video generation task is still composing the videos; try again later";
    if (!strcmp(status, "STOPPED"))
        return "recording has stopped and the result is still being processed; "
               "try again later";
    return "unknown status (expected FINISHED); the recording may not be ready";
}

/* ---- JSON helpers ---------------------------------------------------------- */

/* "parent.key", "parent[i]" or "key" into buf. */
static const char *field_path(char *buf, size_t n, const char *parent, const char *key)
{
    if (parent && *parent)
        snprintf(buf, n, "%s.%s", parent, key);
    else
        snprintf(buf, n, "%s", key);
    return buf;
}

enum { F_BAD = -1, F_ABSENT = 0, F_OK = 1 };

/* Reads an integer member in [lo, hi]. JSON null counts as absent. */
static int read_int(struct mctx *c, const cJSON *obj, const char *parent, const char *key,
                    int64_t lo, int64_t hi, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return F_ABSENT;
    char path[160]; /* built only when there is something to say */
    if (!cJSON_IsNumber(v)) {
        field_path(path, sizeof(path), parent, key);
        diag_add(c->diag, DIAG_ERROR, "%s: %s: expected integer, got %s", c->name, path,
                 sp_json_type_name(v));
        return F_BAD;
    }
    double d = v->valuedouble;
    if (d < -(double)JSON_MAX_EXACT || d > (double)JSON_MAX_EXACT || (double)(int64_t)d != d) {
        field_path(path, sizeof(path), parent, key);
        diag_add(c->diag, DIAG_ERROR, "%s: %s: expected integer, got %g", c->name, path, d);
        return F_BAD;
    }
    int64_t i = (int64_t)d;
    if (i < lo && lo == 0) {
        field_path(path, sizeof(path), parent, key);
        diag_add(c->diag, DIAG_ERROR, "%s: %s: must not be negative, got %" PRId64, c->name, path,
                 i);
        return F_BAD;
    }
    if (i < lo || i > hi) {
        field_path(path, sizeof(path), parent, key);
        diag_add(c->diag, DIAG_ERROR,
                 "%s: %s: out of range: %" PRId64 " (expected %" PRId64 " to %" PRId64 ")", c->name,
                 path, i, lo, hi);
        return F_BAD;
    }
    *out = i;
    return F_OK;
}

/* A time field in the service's unit (s or ms, at most hi of them, never
 * negative) into µs: scale is the µs per unit. This is where the
 * document's times become µs (see docs/architecture.md). hi * scale must
 * fit in int64_t, which the caps below keep. */
static int read_time(struct mctx *c, const cJSON *obj, const char *parent, const char *key,
                     int64_t hi, int64_t scale, int64_t *out_us)
{
    int64_t v = 0;
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (scale == 1000000 && cJSON_IsNumber(j) && j->valuedouble > (double)hi &&
        j->valuedouble <= (double)WALL_MAX_MS) {
        /* A Unix time in ms where the service writes seconds: say so, rather
           than a bare range (the value is a date in ms, not year 51000). */
        char path[160];
        field_path(path, sizeof(path), parent, key);
        diag_add(c->diag, DIAG_ERROR,
                 "%s: %s: %.0f is not Unix seconds (after year 9999); milliseconds?", c->name, path,
                 j->valuedouble);
        return F_BAD;
    }
    int rc = read_int(c, obj, parent, key, 0, hi, &v);
    if (rc == F_OK)
        *out_us = v * scale;
    return rc;
}

/* Reads a string member into the arena. JSON null counts as absent. */
static int read_str(struct mctx *c, const cJSON *obj, const char *parent, const char *key,
                    const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return F_ABSENT;
    char path[160]; /* built only when there is something to say */
    if (!cJSON_IsString(v) || !v->valuestring) {
        field_path(path, sizeof(path), parent, key);
        diag_add(c->diag, DIAG_ERROR, "%s: %s: expected string, got %s", c->name, path,
                 sp_json_type_name(v));
        return F_BAD;
    }
    size_t n = strnlen(v->valuestring, MANIFEST_MAX_STRING + 1);
    if (n > MANIFEST_MAX_STRING) {
        field_path(path, sizeof(path), parent, key);
        diag_add(c->diag, DIAG_ERROR, "%s: %s: longer than the limit of %d bytes", c->name, path,
                 MANIFEST_MAX_STRING);
        return F_BAD;
    }
    const char *s = mf_strdup(c, v->valuestring, n);
    if (!s)
        return F_BAD;
    *out = s;
    return F_OK;
}

/* The scheme allow-list (url_named_check): NULL after an error naming the
 * field when the document may not name target. */
static const char *allowed(struct mctx *c, const char *path, const char *target)
{
    enum url_named v = url_named_check(c->doc_url, target);
    if (v == URL_NAMED_OK)
        return target;
    diag_add(c->diag, DIAG_ERROR, "%s: %s: '%.80s': %s; not used", c->name, path, target,
             url_named_reason(v));
    return NULL;
}

/* Resolves ref against the document URL into the arena. NULL (after an
 * error) when the result is a URL this document may not name. */
static const char *resolve(struct mctx *c, const char *path, const char *ref)
{
    if (!*ref || !c->doc_url || !*c->doc_url)
        return *ref ? allowed(c, path, ref) : ref;
    char *abs = NULL;
    int rc = url_resolve(c->doc_url, ref, &abs);
    if (rc) {
        if (rc == SP_ENOMEM)
            c->oom = true;
        else
            diag_add(c->diag, DIAG_ERROR, "%s: %s: cannot resolve URL '%.80s'", c->name, path, ref);
        return ref;
    }
    const char *s = allowed(c, path, abs) ? keep(c, abs) : NULL;
    free(abs);
    return s;
}

/* An array member, capped; *n gets the entries to read. F_ABSENT if
 * missing or null, F_BAD if not an array. */
static int read_array(struct mctx *c, const cJSON *obj, const char *key, size_t cap,
                      const cJSON **arr, size_t *n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *arr = NULL;
    *n = 0;
    if (!v || cJSON_IsNull(v))
        return F_ABSENT;
    if (!cJSON_IsArray(v)) {
        diag_add(c->diag, DIAG_ERROR, "%s: %s: expected array, got %s", c->name, key,
                 sp_json_type_name(v));
        return F_BAD;
    }
    size_t count = 0;
    for (const cJSON *e = v->child; e; e = e->next)
        count++;
    if (count > cap) {
        diag_add(c->diag, DIAG_ERROR,
                 "%s: %s: %zu entries, more than the limit of %zu; reading the first %zu", c->name,
                 key, count, cap, cap);
        count = cap;
    }
    *arr = v;
    *n = count;
    return F_OK;
}

/* ---- size checks before JSON ---------------------------------------------- */

/* An upper bound on the number of JSON values (each one but the first is
 * opened by '[' / '{' or follows a ','), counted without allocating, so a
 * document of a million tiny values is refused before cJSON builds a node
 * for each. */
static size_t count_values(const char *s, size_t len, size_t stop_at)
{
    size_t count = 1;
    for (size_t i = 0; i < len && count <= stop_at; i++) {
        char ch = s[i];
        if (ch == '"') {
            /* Skip the string: find a quote not escaped by an odd run of
             * backslashes. */
            for (;;) {
                const char *q = memchr(s + i + 1, '"', len - i - 1);
                if (!q)
                    return count;
                i = (size_t)(q - s);
                size_t bs = 0;
                while (q - bs > s && q[-1 - (ptrdiff_t)bs] == '\\')
                    bs++;
                if (bs % 2 == 0)
                    break;
            }
        } else if (ch == ',' || ch == '[' || ch == '{') {
            count++;
        }
    }
    return count;
}

static void line_col(const char *s, size_t upto, size_t *line, size_t *col)
{
    *line = 1;
    size_t start = 0;
    const char *nl;
    while (start < upto && (nl = memchr(s + start, '\n', upto - start))) {
        (*line)++;
        start = (size_t)(nl - s) + 1;
    }
    *col = upto - start + 1;
}

static bool only_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return false;
    return true;
}

/* Parses the document, or appends one error and returns NULL (*rc set). */
static cJSON *parse_json(struct mctx *c, const char *json, size_t len, int *rc)
{
    *rc = SP_EPARSE;
    if (len > MANIFEST_MAX_DOC_BYTES) {
        diag_add(c->diag, DIAG_ERROR, "%s: %zu bytes, larger than the limit of %zu bytes", c->name,
                 len, MANIFEST_MAX_DOC_BYTES);
        *rc = SP_ELIMIT;
        return NULL;
    }
    if (only_space(json, len)) {
        diag_add(c->diag, DIAG_ERROR, "%s: empty document (expected a JSON object)", c->name);
        return NULL;
    }
    /* The first character settles most junk without reading the rest. */
    size_t first = 0;
    while (json[first] == ' ' || json[first] == '\t' || json[first] == '\n' || json[first] == '\r')
        first++;
    if (json[first] == '[') {
        diag_add(c->diag, DIAG_ERROR, "%s: expected a JSON object at the top, got array", c->name);
        return NULL;
    }
    if (!strchr("{\"-0123456789tfn", json[first]) || json[first] == '\0') {
        size_t line, col;
        line_col(json, first, &line, &col);
        diag_add(c->diag, DIAG_ERROR, "%s: not valid JSON (line %zu, column %zu)", c->name, line,
                 col);
        return NULL;
    }
    if (count_values(json, len, MANIFEST_MAX_JSON_VALUES) > MANIFEST_MAX_JSON_VALUES) {
        diag_add(c->diag, DIAG_ERROR, "%s: more than %d JSON values, over the limit", c->name,
                 MANIFEST_MAX_JSON_VALUES);
        *rc = SP_ELIMIT;
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    size_t at = end && end >= json && end <= json + len ? (size_t)(end - json) : 0;
    if (root && !only_space(json + at, len - at)) {
        cJSON_Delete(root);
        root = NULL;
    }
    if (!root) {
        size_t line, col;
        line_col(json, at, &line, &col);
        diag_add(c->diag, DIAG_ERROR, "%s: not valid JSON (line %zu, column %zu)", c->name, line,
                 col);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        diag_add(c->diag, DIAG_ERROR, "%s: expected a JSON object at the top, got %s", c->name,
                 sp_json_type_name(root));
        cJSON_Delete(root);
        return NULL;
    }
    /* cJSON would cut the string there: "x.mp4\u0000.evil" read as "x.mp4"
       is a different file than the document names */
    if (sp_json_refuse_nul(c->diag, DIAG_ERROR, c->name, NULL, json, len,
                           "the document is refused")) {
        cJSON_Delete(root);
        return NULL;
    }
    *rc = 0;
    return root;
}

/* ---- fields ------------------------------------------------------------------ */

static void read_status(struct mctx *c, const cJSON *root)
{
    struct recording *p = &c->r->pub;
    read_str(c, root, "", "TaskId", &p->task_id);
    read_str(c, root, "", "Status", &p->status);
    p->ready = !*p->status || !strcmp(p->status, "FINISHED");
    if (!p->ready)
        diag_add_code(c->diag, DIAG_ERROR, DIAG_CODE_REC_STATUS, "%s: Status: %s: %s", c->name,
                      p->status, rec_status_explain(p->status));

    if (read_str(c, root, "", "FinishReason", &p->finish_reason) == F_OK) {
        const char *fr = p->finish_reason;
        if (!strcmp(fr, "EXCEPTION"))
            diag_add_code(c->diag, DIAG_WARNING, DIAG_CODE_REC_FINISH_REASON,
                          "%s: FinishReason: EXCEPTION: recording stopped because of an error; "
                          "parts may be missing",
                          c->name);
        else if (!strcmp(fr, "FORCE_STOP"))
            diag_add_code(c->diag, DIAG_WARNING, DIAG_CODE_REC_FINISH_REASON,
                          "%s: FinishReason: FORCE_STOP: the service stopped the recording "
                          "(paused over 90 min or running over 24 h); the end may be missing",
                          c->name);
        else if (!strcmp(fr, "AUTO"))
            diag_add_code(c->diag, DIAG_INFO, DIAG_CODE_REC_FINISH_REASON,
                          "%s: FinishReason: AUTO: stopped after 5 min without audio, video or "
                          "board activity",
                          c->name);
        else if (strcmp(fr, "USER_CALL") != 0)
            diag_add_code(c->diag, DIAG_WARNING, DIAG_CODE_REC_FINISH_REASON,
                          "%s: FinishReason: unknown value '%.40s'", c->name, fr);
    }
    if (read_int(c, root, "", "ExceptionCnt", 0, INT32_MAX, &p->exception_cnt) == F_OK &&
        p->exception_cnt > 0)
        diag_add_code(c->diag, DIAG_WARNING, DIAG_CODE_REC_EXCEPTIONS,
                      "%s: ExceptionCnt: %" PRId64 " exceptions while recording; parts may be "
                      "missing",
                      c->name, p->exception_cnt);

    const cJSON *arr;
    size_t n;
    if (read_array(c, root, "Interrupts", MANIFEST_MAX_INTERRUPTS, &arr, &n) != F_OK || !n)
        return;
    c->r->interrupts = calloc(n, sizeof(*c->r->interrupts));
    if (!c->r->interrupts) {
        c->oom = true;
        return;
    }
    size_t i = 0, kept = 0;
    for (const cJSON *e = arr->child; e && i < n; e = e->next, i++) {
        char parent[64];
        snprintf(parent, sizeof(parent), "Interrupts[%zu]", i);
        if (!cJSON_IsObject(e)) {
            diag_add(c->diag, DIAG_ERROR, "%s: %s: expected object, got %s", c->name, parent,
                     sp_json_type_name(e));
            continue;
        }
        struct rec_interrupt it = {"", 0};
        read_str(c, e, parent, "UserId", &it.user_id);
        if (read_int(c, e, parent, "Count", 0, INT32_MAX, &it.count) != F_OK)
            continue;
        c->r->interrupts[kept++] = it;
        if (it.count > 0)
            diag_add_code(c->diag, DIAG_INFO, DIAG_CODE_REC_INTERRUPTS,
                          "%s: Interrupts: %s: stream interrupted %" PRId64 " time(s)", c->name,
                          *it.user_id ? it.user_id : "(no user)", it.count);
    }
    p->interrupts = c->r->interrupts;
    p->n_interrupts = kept;
}

static void read_room(struct mctx *c, const cJSON *root)
{
    struct recording *p = &c->r->pub;
    struct rec_impl *r = c->r;
    read_int(c, root, "", "RoomId", 0, JSON_MAX_EXACT, &p->room_id);
    read_str(c, root, "", "GroupId", &p->group_id);
    if (read_str(c, root, "", "RecordUserId", &p->record_user_id) == F_OK) {
        char prefix[64];
        snprintf(prefix, sizeof(prefix), "tic_record_user_%" PRId64 "_", p->room_id);
        size_t pl = strlen(prefix);
        bool ok = p->room_id >= 0 && !strncmp(p->record_user_id, prefix, pl) &&
                  p->record_user_id[pl] != '\0';
        if (!ok && p->room_id >= 0)
            diag_add(c->diag, DIAG_WARNING,
                     "%s: RecordUserId: '%.80s' does not look like %s<random>", c->name,
                     p->record_user_id, prefix);
        else if (!ok)
            diag_add(c->diag, DIAG_WARNING,
                     "%s: RecordUserId: '%.80s' does not look like "
                     "tic_record_user_<RoomId>_<random>",
                     c->name, p->record_user_id);
    }
    int a = read_time(c, root, "", "RecordStartTime", WALL_MAX_S, 1000000, &p->record_start_us);
    int b = read_time(c, root, "", "RecordStopTime", WALL_MAX_S, 1000000, &p->record_stop_us);
    int t = read_time(c, root, "", "TotalTime", MANIFEST_MAX_TIME_MS, 1000, &p->total_us);
    r->has_start = a == F_OK;
    r->has_stop = b == F_OK;
    r->has_total = t == F_OK;
    /* A generation result's composed videos carry no board or chat, so the
       wall clock is not needed to play them. */
    if (a == F_ABSENT && !p->is_generation)
        diag_add(c->diag, DIAG_ERROR,
                 "%s: RecordStartTime: missing; wall-clock times are "
                 "unknown",
                 c->name);
    if (t == F_ABSENT)
        diag_add(c->diag, p->is_generation ? DIAG_INFO : DIAG_ERROR,
                 "%s: TotalTime: missing; using the end of the last "
                 "segment",
                 c->name);
    if (r->has_start && r->has_stop && p->record_stop_us < p->record_start_us) {
        diag_add(c->diag, DIAG_ERROR,
                 "%s: RecordStopTime: %" PRId64 " is before RecordStartTime %" PRId64, c->name,
                 p->record_stop_us / 1000000, p->record_start_us / 1000000);
        r->has_stop = false;
    }
    const char *ru = NULL;
    if (read_str(c, root, "", "ReplayUrl", &ru) == F_OK)
        if ((ru = resolve(c, "ReplayUrl", ru)) != NULL)
            p->replay_url = ru;
}

static void read_board(struct mctx *c, const cJSON *root)
{
    struct recording *p = &c->r->pub;
    int64_t v = 0;
    int vr = read_int(c, root, "", "Version", 0, INT32_MAX, &v);
    if (vr == F_OK) {
        p->version = (int)v;
        p->is_manifest = true;
        if (v > 1)
            diag_add(c->diag, DIAG_WARNING,
                     "%s: Version: %d is newer than this player knows (1); reading what it "
                     "can",
                     c->name, p->version);
    }
    const cJSON *wb = cJSON_GetObjectItemCaseSensitive(root, "Whiteboard");
    if (wb && !cJSON_IsNull(wb)) {
        p->is_manifest = true;
        if (!cJSON_IsObject(wb)) {
            diag_add(c->diag, DIAG_ERROR, "%s: Whiteboard: expected object, got %s", c->name,
                     sp_json_type_name(wb));
        } else {
            int64_t w = 0, h = 0;
            int wr = read_int(c, wb, "Whiteboard", "Width", 1, MANIFEST_MAX_BOARD_SIDE, &w);
            int hr = read_int(c, wb, "Whiteboard", "Height", 1, MANIFEST_MAX_BOARD_SIDE, &h);
            if (wr == F_OK && hr == F_OK) {
                p->board_w = (int)w;
                p->board_h = (int)h;
            } else if (wr != F_BAD && hr != F_BAD) {
                diag_add(c->diag, DIAG_WARNING,
                         "%s: Whiteboard: needs both Width and Height; using %dx%d", c->name,
                         MANIFEST_DEFAULT_BOARD_W, MANIFEST_DEFAULT_BOARD_H);
            }
        }
    }
    const cJSON *arr;
    size_t n;
    int mr = read_array(c, root, "Messages", MANIFEST_MAX_MESSAGE_PAGES, &arr, &n);
    if (mr != F_ABSENT) {
        c->r->has_messages = true;
        p->is_manifest = true;
    }
    if (mr != F_OK || !n)
        return;
    c->r->message_urls = calloc(n, sizeof(*c->r->message_urls));
    if (!c->r->message_urls) {
        c->oom = true;
        return;
    }
    size_t i = 0, kept = 0;
    for (const cJSON *e = arr->child; e && i < n; e = e->next, i++) {
        char parent[64];
        snprintf(parent, sizeof(parent), "Messages[%zu]", i);
        if (!cJSON_IsObject(e)) {
            diag_add(c->diag, DIAG_ERROR, "%s: %s: expected object, got %s", c->name, parent,
                     sp_json_type_name(e));
            continue;
        }
        const char *u = NULL;
        int ur = read_str(c, e, parent, "Url", &u);
        if (ur == F_ABSENT || (ur == F_OK && !*u)) {
            diag_add(c->diag, DIAG_ERROR, "%s: %s.Url: missing; page skipped", c->name, parent);
            continue;
        }
        if (ur != F_OK)
            continue;
        char path[80];
        snprintf(path, sizeof(path), "%s.Url", parent);
        const char *abs = resolve(c, path, u);
        if (abs)
            c->r->message_urls[kept++] = abs;
    }
    p->message_urls = c->r->message_urls;
    p->n_message_pages = kept;
}

static void read_pauses(struct mctx *c, const cJSON *root)
{
    struct recording *p = &c->r->pub;
    const cJSON *arr;
    size_t n;
    int rr = read_array(c, root, "OmittedDurations", MANIFEST_MAX_PAUSES, &arr, &n);
    p->pauses_given = rr == F_OK;
    if (rr != F_OK || !n)
        return;
    c->r->pauses = calloc(n, sizeof(*c->r->pauses));
    if (!c->r->pauses) {
        c->oom = true;
        return;
    }
    size_t i = 0, kept = 0;
    for (const cJSON *e = arr->child; e && i < n; e = e->next, i++) {
        char parent[64];
        snprintf(parent, sizeof(parent), "OmittedDurations[%zu]", i);
        if (!cJSON_IsObject(e)) {
            diag_add(c->diag, DIAG_ERROR, "%s: %s: expected object, got %s", c->name, parent,
                     sp_json_type_name(e));
            continue;
        }
        struct rec_pause ps = {0};
        int a = read_time(c, e, parent, "VideoTime", MANIFEST_MAX_TIME_MS, 1000, &ps.video_us);
        int b = read_time(c, e, parent, "PauseTime", WALL_MAX_MS, 1000, &ps.pause_wall_us);
        int d = read_time(c, e, parent, "ResumeTime", WALL_MAX_MS, 1000, &ps.resume_wall_us);
        const char *missing = a == F_ABSENT   ? "VideoTime"
                              : b == F_ABSENT ? "PauseTime"
                              : d == F_ABSENT ? "ResumeTime"
                                              : NULL;
        if (missing) {
            diag_add(c->diag, DIAG_ERROR, "%s: %s.%s: missing; pause skipped", c->name, parent,
                     missing);
            continue;
        }
        if (a != F_OK || b != F_OK || d != F_OK)
            continue;
        if (ps.resume_wall_us < ps.pause_wall_us) {
            diag_add(c->diag, DIAG_ERROR,
                     "%s: %s: ResumeTime %" PRId64 " is before PauseTime %" PRId64
                     "; pause skipped",
                     c->name, parent, ps.resume_wall_us / 1000, ps.pause_wall_us / 1000);
            continue;
        }
        if (ps.resume_wall_us - ps.pause_wall_us > MANIFEST_MAX_TIME_MS * 1000) {
            diag_add(c->diag, DIAG_ERROR, "%s: %s: pause longer than %lld ms; pause skipped",
                     c->name, parent, (long long)MANIFEST_MAX_TIME_MS);
            continue;
        }
        c->r->pauses[kept++] = ps;
    }
    p->pauses = c->r->pauses;
    p->n_pauses = kept;
}

/* One VideoInfo into seg; false if it cannot be placed on the timeline. */
static bool read_segment(struct mctx *c, const cJSON *e, size_t i, struct rec_segment *seg,
                         const char **user, int64_t *vtype)
{
    char parent[64];
    bool gen = c->r->pub.is_generation;
    snprintf(parent, sizeof(parent), "%s[%zu]", c->r->seg_array, i);
    if (!cJSON_IsObject(e)) {
        diag_add(c->diag, DIAG_ERROR, "%s: %s: expected object, got %s", c->name, parent,
                 sp_json_type_name(e));
        return false;
    }
    memset(seg, 0, sizeof(*seg));
    seg->source_index = i;
    seg->size_bytes = -1;
    seg->format = seg->url = seg->video_id = "";
    *user = "";
    int a = read_time(c, e, parent, "VideoPlayTime", MANIFEST_MAX_TIME_MS, 1000, &seg->play_us);
    int b = read_time(c, e, parent, "VideoDuration", MANIFEST_MAX_TIME_MS, 1000, &seg->duration_us);
    int t = read_int(c, e, parent, "VideoType", 0, INT32_MAX, vtype);
    /* A composed video starts the playback and is the mixed picture unless
       it says otherwise. */
    if (gen && a == F_ABSENT) {
        seg->play_us = 0;
        a = F_OK;
    }
    if (gen && t == F_ABSENT) {
        *vtype = REC_LANE_MIXED;
        t = F_OK;
    }
    const char *missing = a == F_ABSENT   ? "VideoPlayTime"
                          : b == F_ABSENT ? "VideoDuration"
                          : t == F_ABSENT ? "VideoType"
                                          : NULL;
    if (missing)
        diag_add(c->diag, DIAG_ERROR, "%s: %s.%s: missing; segment skipped", c->name, parent,
                 missing);
    bool ok = a == F_OK && b == F_OK && t == F_OK;
    if (read_str(c, e, parent, "UserId", user) == F_BAD)
        ok = false;
    if (!ok)
        return false;
    if (*vtype > REC_LANE_AUDIO)
        diag_add(c->diag, DIAG_WARNING,
                 "%s: %s.VideoType: unknown type %" PRId64
                 " (0 to 4 are known); shown as an unknown lane",
                 c->name, parent, *vtype);
    const char *url = NULL;
    int ur = read_str(c, e, parent, "VideoUrl", &url);
    if (ur == F_ABSENT || (ur == F_OK && !*url))
        diag_add(c->diag, DIAG_ERROR, "%s: %s.VideoUrl: missing; the lane has no media here",
                 c->name, parent);
    else if (ur == F_OK) {
        char path[80];
        snprintf(path, sizeof(path), "%s.VideoUrl", parent);
        const char *abs = resolve(c, path, url);
        if (abs)
            seg->url = abs;
        else
            seg->url_denied = true;
    }
    read_str(c, e, parent, "VideoFormat", &seg->format);
    read_str(c, e, parent, "VideoId", &seg->video_id);
    read_int(c, e, parent, "VideoSize", 0, JSON_MAX_EXACT, &seg->size_bytes);
    int64_t w = 0, h = 0;
    if (read_int(c, e, parent, "Width", 0, MANIFEST_MAX_BOARD_SIDE, &w) == F_OK)
        seg->width = (int)w;
    if (read_int(c, e, parent, "Height", 0, MANIFEST_MAX_BOARD_SIDE, &h) == F_OK)
        seg->height = (int)h;
    seg->has_sync_time =
        read_time(c, e, parent, "SyncTime", WALL_MAX_MS, 1000, &seg->sync_time_us) == F_OK;
    return true;
}

static int read_segments(struct mctx *c, const cJSON *root, struct seg_key **keys)
{
    const cJSON *arr;
    size_t n;
    *keys = NULL;
    /* A video generation result lists its composed videos in VideoInfoList;
       a deprecated VideoInfos beside it (maybe a single object) is not read. */
    int rr = read_array(c, root, c->r->seg_array, MANIFEST_MAX_SEGMENTS, &arr, &n);
    if (rr == F_ABSENT)
        diag_add(c->diag, DIAG_WARNING, "%s: VideoInfos: missing; no media lanes", c->name);
    if (rr != F_OK || !n)
        return 0;
    c->r->segs = calloc(n, sizeof(*c->r->segs));
    *keys = calloc(n, sizeof(**keys));
    if (!c->r->segs || !*keys)
        return SP_ENOMEM;
    size_t i = 0;
    for (const cJSON *e = arr->child; e && i < n; e = e->next, i++) {
        struct rec_segment *seg = &c->r->segs[c->r->n_segs];
        struct seg_key *k = &(*keys)[c->r->n_segs];
        k->own_lane = c->r->pub.is_generation ? i : SIZE_MAX;
        if (read_segment(c, e, i, seg, &k->user, &k->vtype))
            c->r->n_segs++;
    }
    return 0;
}

/* The shapes a result arrives in (format section 1a), recognised by their
 * keys: an HTTP API answer {"Response": {...}}, an event callback
 * {"EventType", "EventData": {...}}, or the bare result. Sets *res to the
 * object holding the result and *shape to its name. A failed task (an
 * Error object, or an answer holding only RequestId) and callback events
 * that carry no result are one error line naming the event, the Code and
 * Message or the RequestId: SP_ETASKFAILED. */
static int unwrap_result(struct mctx *c, const cJSON *root, const cJSON **res, const char **shape)
{
    *res = root;
    *shape = "result";
    const cJSON *resp = cJSON_GetObjectItemCaseSensitive(root, "Response");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, "EventType");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "EventData");
    const char *event = NULL;
    if (cJSON_IsObject(resp)) {
        *res = resp;
        *shape = "api-answer";
    } else if (cJSON_IsString(ev) && cJSON_IsObject(data)) {
        *res = data;
        *shape = "callback";
        event = ev->valuestring;
    } else if (cJSON_GetObjectItemCaseSensitive(root, "VideoInfoList")) {
        *shape = "generation-result";
    }
    /* A bare document goes through the same checks: an answer saved without
       its Response wrapper may still be an Error or a lone RequestId. */
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(*res, "Error");
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(*res, "RequestId");
    const char *rids = cJSON_IsString(rid) ? rid->valuestring : "";
    if (cJSON_IsObject(err)) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "Code");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "Message");
        diag_add(c->diag, DIAG_ERROR, "%s: %s%s%sthe task failed: %s: %s%s%s", c->name,
                 event ? "EventType " : "", event ? event : "", event ? ": " : "",
                 cJSON_IsString(code) ? code->valuestring : "(no Code)",
                 cJSON_IsString(msg) ? msg->valuestring : "(no Message)",
                 rids[0] ? "; RequestId " : "", rids);
        return SP_ETASKFAILED;
    }
    if (event && strcmp(event, "OnlineRecordFinished") != 0) {
        const char *what =
            !strcmp(event, "OnlineRecordStarted") ? "the recording has started and is still running"
            : !strcmp(event, "OnlineRecordStopped")
                ? "the recording has stopped; its result comes with OnlineRecordFinished"
            : !strcmp(event, "OnlineRecordLongPauseWarning")
                ? "the recording has been paused long; it stops if the pause goes on"
            : !strcmp(event, "OnlineRecordLongPauseForceStopped")
                ? "the recording was paused too long and was stopped by the service"
                : "an event that carries no recording result";
        diag_add(c->diag, DIAG_ERROR, "%s: EventType %s: %s; nothing to play", c->name, event,
                 what);
        return SP_ETASKFAILED;
    }
    if (!cJSON_GetObjectItemCaseSensitive(*res, "VideoInfos") &&
        !cJSON_GetObjectItemCaseSensitive(*res, "TaskId") &&
        !cJSON_GetObjectItemCaseSensitive(*res, "VideoInfoList") && rids[0]) {
        diag_add(c->diag, DIAG_ERROR,
                 "%s: the answer holds only RequestId %s: the task failed or has no result "
                 "(quote the RequestId to the service's support)",
                 c->name, rids);
        return SP_ETASKFAILED;
    }
    return 0;
}

int manifest_parse(const char *json, size_t len, const char *doc_url, struct diag_list *diag,
                   struct recording **out)
{
    if (out)
        *out = NULL;
    if (!json || !out)
        return SP_EINVAL;
    char *name = doc_url && *doc_url ? url_display_name(doc_url) : NULL;
    struct mctx c = {NULL, diag, name ? name : "manifest", doc_url, false};
    int rc = 0;
    cJSON *doc = parse_json(&c, json, len, &rc);
    if (!doc) {
        free(name);
        return rc;
    }
    const cJSON *root = NULL;
    const char *shape = NULL;
    struct seg_key *keys = NULL;
    if ((rc = unwrap_result(&c, doc, &root, &shape)) != 0)
        goto fail;
    c.r = calloc(1, sizeof(*c.r));
    if (!c.r) {
        rc = SP_ENOMEM;
        goto fail;
    }
    struct recording *p = &c.r->pub;
    p->doc_url = keep(&c, doc_url ? doc_url : "");
    p->doc_name = keep(&c, c.name);
    p->shape = shape;
    c.name = p->doc_name;
    p->task_id = p->status = p->finish_reason = p->group_id = p->record_user_id = "";
    p->replay_url = "";
    p->exception_cnt = -1;
    p->room_id = -1;
    p->board_w = MANIFEST_DEFAULT_BOARD_W;
    p->board_h = MANIFEST_DEFAULT_BOARD_H;
    p->show_chat = -1;

    p->is_generation = cJSON_GetObjectItemCaseSensitive(root, "VideoInfoList") != NULL;
    c.r->seg_array = p->is_generation ? "VideoInfoList" : "VideoInfos";
    read_status(&c, root);
    read_room(&c, root);
    read_board(&c, root);
    read_pauses(&c, root);
    rc = read_segments(&c, root, &keys);
    if (!rc)
        rc = mf_build(&c, keys);
    if (!rc && c.oom)
        rc = SP_ENOMEM;
    if (rc)
        goto fail;
    free(keys);
    cJSON_Delete(doc);
    free(name);
    *out = p;
    return p->ready ? 0 : SP_ENOTREADY;
fail:
    if (rc == SP_ENOMEM)
        diag_add(diag, DIAG_ERROR, "%s: out of memory while reading", name ? name : "manifest");
    free(keys);
    cJSON_Delete(doc);
    if (c.r)
        recording_free(&c.r->pub);
    free(name);
    return rc;
}
