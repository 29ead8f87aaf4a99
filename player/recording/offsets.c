/* offsets.c - local sync corrections (see offsets.h). */
#include "player/recording/offsets.h"

#include "base/diag.h"
#include "base/json_util.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "player/net/cache.h"
#include "player/net/url.h"
#include "player/recording/manifest.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *or_name(const char *name)
{
    return name && name[0] ? name : "offsets";
}

void offsets_free(struct rec_offsets *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++) {
        free((char *)o->entries[i].video_id);
        free((char *)o->entries[i].user_id);
    }
    free(o->entries);
    free((char *)o->source);
    free(o);
}

/* A string field: NULL absent (or null), else a copy in *out. Returns 0, or
 * -1 after one warning (wrong type, too long). */
static int read_str(const cJSON *obj, const char *key, char **out)
{
    *out = NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring)
        return -1;
    if (strlen(v->valuestring) > OFFSETS_MAX_STRING)
        return -2;
    *out = strdup(v->valuestring);
    return *out ? 0 : -3;
}

static void warn_entry(struct diag_list *diag, const char *name, size_t idx, const char *field,
                       const char *fmt, const char *what)
{
    char reason[160];
    snprintf(reason, sizeof reason, fmt, what);
    diag_add_code(diag, DIAG_WARNING, DIAG_CODE_OFFSETS_BAD,
                  "%s: Offsets[%zu].%s: %s; entry skipped", or_name(name), idx, field, reason);
}

/* A whole number of ms in [lo, hi] (VideoPlayTime). */
static bool whole_ms(const cJSON *v, double lo, double hi, int64_t *out)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo ||
        v->valuedouble > hi || v->valuedouble != floor(v->valuedouble))
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

/* One Offsets entry into e; false after one warning. */
static bool read_entry(const cJSON *it, const char *name, size_t idx, struct rec_offset *e,
                       struct diag_list *diag)
{
    memset(e, 0, sizeof *e);
    e->index = idx;
    if (!cJSON_IsObject(it)) {
        diag_add_code(diag, DIAG_WARNING, DIAG_CODE_OFFSETS_BAD,
                      "%s: Offsets[%zu]: expected object, got %s; entry skipped", or_name(name),
                      idx, sp_json_type_name(it));
        return false;
    }
    static const char *const keys[] = {"VideoId", "UserId"};
    char *s[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        int r = read_str(it, keys[k], &s[k]);
        if (r < 0) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, keys[k]);
            if (r == -1)
                warn_entry(diag, name, idx, keys[k], "expected string, got %s",
                           sp_json_type_name(v));
            else if (r == -2)
                warn_entry(diag, name, idx, keys[k], "longer than %s bytes", "4096");
            else
                warn_entry(diag, name, idx, keys[k], "%s", "out of memory");
            free(s[0]);
            free(s[1]);
            return false;
        }
    }
    const cJSON *vpt = cJSON_GetObjectItemCaseSensitive(it, "VideoPlayTime");
    int64_t play_ms = 0;
    if (vpt && !cJSON_IsNull(vpt)) {
        if (!whole_ms(vpt, 0, (double)MANIFEST_MAX_TIME_MS, &play_ms)) {
            warn_entry(diag, name, idx, "VideoPlayTime", "expected whole ms >= 0, got %s",
                       cJSON_IsNumber(vpt) ? "a number out of range" : sp_json_type_name(vpt));
            goto bad;
        }
        e->has_play_time = true;
        e->play_us = play_ms * 1000;
    }
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(it, "OffsetMs");
    if (!off) {
        warn_entry(diag, name, idx, "OffsetMs", "%s", "missing");
        goto bad;
    }
    if (!cJSON_IsNumber(off) || !isfinite(off->valuedouble) ||
        fabs(off->valuedouble) > OFFSETS_MAX_ABS_MS) {
        warn_entry(diag, name, idx, "OffsetMs", "expected a number of ms within +-600000, got %s",
                   cJSON_IsNumber(off) ? "one out of range" : sp_json_type_name(off));
        goto bad;
    }
    e->offset_us = (int64_t)llround(off->valuedouble * 1000.0);
    bool by_id = s[0] && s[0][0];
    bool by_user = s[1] && s[1][0] && e->has_play_time;
    if (!by_id && !by_user) {
        diag_add_code(diag, DIAG_WARNING, DIAG_CODE_OFFSETS_BAD,
                      "%s: Offsets[%zu]: names no segment (needs VideoId, or UserId and "
                      "VideoPlayTime); entry skipped",
                      or_name(name), idx);
        goto bad;
    }
    e->video_id = s[0] ? s[0] : strdup("");
    e->user_id = s[1] ? s[1] : strdup("");
    if (!e->video_id || !e->user_id) {
        free((char *)e->video_id);
        free((char *)e->user_id);
        e->video_id = e->user_id = NULL;
        return false;
    }
    return true;
bad:
    free(s[0]);
    free(s[1]);
    return false;
}

int offsets_parse(const char *json, size_t len, const char *name, struct diag_list *diag,
                  struct rec_offsets **out)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!json)
        return SP_EINVAL;
    if (len > OFFSETS_MAX_BYTES) {
        diag_add_code(diag, DIAG_ERROR, DIAG_CODE_OFFSETS_BAD,
                      "%s: larger than %zu bytes; no corrections applied", or_name(name),
                      OFFSETS_MAX_BYTES);
        return SP_ELIMIT;
    }
    char field[128];
    if (sp_json_find_nul(json, len, field, sizeof field)) {
        diag_add_code(diag, DIAG_ERROR, DIAG_CODE_OFFSETS_BAD,
                      "%s: %s: a NUL character inside a string; no corrections applied",
                      or_name(name), field);
        return SP_EPARSE;
    }
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(root)) {
        diag_add_code(diag, DIAG_ERROR, DIAG_CODE_OFFSETS_BAD,
                      "%s: not a JSON object; no corrections applied", or_name(name));
        cJSON_Delete(root);
        return SP_EPARSE;
    }
    int rc = SP_ENOMEM;
    struct rec_offsets *o = calloc(1, sizeof *o);
    if (!o)
        goto fail;
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "Version");
    int64_t v = 0;
    if (ver && !whole_ms(ver, 0, 1000000, &v))
        diag_add_code(diag, DIAG_WARNING, DIAG_CODE_OFFSETS_BAD,
                      "%s: Version: expected a whole number, got %s; read as version 1",
                      or_name(name), sp_json_type_name(ver));
    else if (ver && v != OFFSETS_VERSION)
        diag_add_code(diag, DIAG_WARNING, DIAG_CODE_OFFSETS_BAD,
                      "%s: Version: %" PRId64 " is newer than this reader's %d; read as version 1",
                      or_name(name), v, OFFSETS_VERSION);
    o->version = (int)v;
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(root, "Source");
    if (cJSON_IsString(src) && src->valuestring && strlen(src->valuestring) <= OFFSETS_MAX_STRING)
        o->source = strdup(src->valuestring);
    else
        o->source = strdup("");
    if (!o->source)
        goto fail;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "Offsets");
    if (!arr) {
        diag_add_code(diag, DIAG_WARNING, DIAG_CODE_OFFSETS_BAD,
                      "%s: Offsets: missing; no corrections", or_name(name));
    } else if (!cJSON_IsArray(arr)) {
        diag_add_code(diag, DIAG_WARNING, DIAG_CODE_OFFSETS_BAD,
                      "%s: Offsets: expected array, got %s; no corrections", or_name(name),
                      sp_json_type_name(arr));
    } else {
        size_t n = 0;
        for (const cJSON *it = arr->child; it; it = it->next)
            n++;
        if (n > OFFSETS_MAX_ENTRIES) {
            diag_add_code(diag, DIAG_ERROR, DIAG_CODE_OFFSETS_BAD,
                          "%s: Offsets: %zu entries, more than %d; no corrections applied",
                          or_name(name), n, OFFSETS_MAX_ENTRIES);
            rc = SP_ELIMIT;
            goto fail;
        }
        o->entries = n ? calloc(n, sizeof *o->entries) : NULL;
        if (n && !o->entries)
            goto fail;
        size_t idx = 0;
        for (const cJSON *it = arr->child; it; it = it->next, idx++) {
            if (read_entry(it, name, idx, &o->entries[o->n], diag))
                o->n++;
        }
    }
    cJSON_Delete(root);
    *out = o;
    return 0;
fail:
    if (rc == SP_ENOMEM)
        diag_add_code(diag, DIAG_ERROR, DIAG_CODE_OFFSETS_BAD, "%s: out of memory", or_name(name));
    cJSON_Delete(root);
    offsets_free(o);
    return rc;
}

int offsets_read(const char *path, struct diag_list *diag, struct rec_offsets **out)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    char *data = NULL;
    size_t len = 0;
    int rc = sp_read_file(path, OFFSETS_MAX_BYTES, &data, &len);
    if (rc == SP_ENOENT)
        return rc;
    if (rc) {
        diag_add_code(
            diag, DIAG_ERROR, DIAG_CODE_OFFSETS_BAD, "%s: %s; no corrections applied", path,
            rc == SP_ELIMIT ? "larger than the 8 MB an offsets file may be" : sp_strerror(rc));
        return rc;
    }
    rc = offsets_parse(data, len, path, diag, out);
    free(data);
    return rc;
}

size_t offsets_flat_index(const struct recording *rec, size_t lane, size_t k)
{
    size_t base = 0;
    for (size_t l = 0; l < lane && l < rec->n_lanes; l++)
        base += rec->lanes[l].n_segments;
    return base + k;
}

size_t offsets_flat_index_of(const struct recording *rec, const struct rec_segment *seg)
{
    const struct rec_lane *ln = &rec->lanes[seg->lane];
    return offsets_flat_index(rec, seg->lane, (size_t)(seg - ln->segments));
}

/* The segment e names, or NULL. */
static const struct rec_segment *find_segment(const struct recording *rec,
                                              const struct rec_offset *e)
{
    if (e->video_id[0]) {
        for (size_t l = 0; l < rec->n_lanes; l++)
            for (size_t k = 0; k < rec->lanes[l].n_segments; k++)
                if (!strcmp(rec->lanes[l].segments[k].video_id, e->video_id))
                    return &rec->lanes[l].segments[k];
    }
    if (e->user_id[0] && e->has_play_time) {
        for (size_t l = 0; l < rec->n_lanes; l++) {
            if (strcmp(rec->lanes[l].user_id, e->user_id) != 0)
                continue;
            for (size_t k = 0; k < rec->lanes[l].n_segments; k++)
                if (rec->lanes[l].segments[k].play_us == e->play_us)
                    return &rec->lanes[l].segments[k];
        }
    }
    return NULL;
}

size_t offsets_match(const struct rec_offsets *o, const struct recording *rec, const char *name,
                     int64_t *seg_us, struct diag_list *diag)
{
    if (!o || !rec || !seg_us)
        return 0;
    bool *seen = rec->n_segments ? calloc(rec->n_segments, sizeof *seen) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < o->n; i++) {
        const struct rec_offset *e = &o->entries[i];
        const struct rec_segment *seg = find_segment(rec, e);
        if (!seg) {
            if (e->video_id[0])
                diag_add_code(diag, DIAG_WARNING, DIAG_CODE_OFFSETS_STALE,
                              "%s: Offsets[%zu]: no segment with VideoId %s%s%s in this "
                              "recording; stale entry ignored",
                              or_name(name), e->index, e->video_id,
                              e->user_id[0] ? " or UserId " : "", e->user_id);
            else
                diag_add_code(diag, DIAG_WARNING, DIAG_CODE_OFFSETS_STALE,
                              "%s: Offsets[%zu]: no segment of UserId %s at VideoPlayTime %" PRId64
                              " in this recording; stale entry ignored",
                              or_name(name), e->index, e->user_id, e->play_us / 1000);
            continue;
        }
        size_t fi = offsets_flat_index_of(rec, seg);
        if (fi >= rec->n_segments)
            continue;
        if (seen && seen[fi])
            diag_add_code(diag, DIAG_WARNING, DIAG_CODE_OFFSETS_BAD,
                          "%s: Offsets[%zu]: a second entry for %s's segment at %" PRId64
                          " ms; this one wins",
                          or_name(name), e->index, rec->lanes[seg->lane].name, seg->play_us / 1000);
        else
            n++;
        if (seen)
            seen[fi] = true;
        seg_us[fi] = e->offset_us;
    }
    free(seen);
    return n;
}

char *offsets_format(const struct recording *rec, const int64_t *seg_us, const char *source)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    char *text = NULL;
    if (!cJSON_AddNumberToObject(root, "Version", OFFSETS_VERSION) ||
        !cJSON_AddStringToObject(root, "Source", source ? source : ""))
        goto out;
    cJSON *arr = cJSON_AddArrayToObject(root, "Offsets");
    if (!arr)
        goto out;
    for (size_t l = 0; l < rec->n_lanes; l++) {
        const struct rec_lane *ln = &rec->lanes[l];
        for (size_t k = 0; k < ln->n_segments; k++) {
            int64_t off = seg_us[offsets_flat_index(rec, l, k)];
            if (off == 0)
                continue;
            const struct rec_segment *s = &ln->segments[k];
            cJSON *e = cJSON_CreateObject();
            if (!e)
                goto out;
            cJSON_AddItemToArray(arr, e);
            if ((s->video_id[0] && !cJSON_AddStringToObject(e, "VideoId", s->video_id)) ||
                !cJSON_AddStringToObject(e, "UserId", ln->user_id) ||
                !cJSON_AddNumberToObject(e, "VideoPlayTime", (double)(s->play_us / 1000)) ||
                !cJSON_AddNumberToObject(e, "OffsetMs", (double)off / 1000.0))
                goto out;
        }
    }
    text = sp_json_print_safe(root, true);
out:
    cJSON_Delete(root);
    return text;
}

int offsets_write(const char *path, const struct recording *rec, const int64_t *seg_us,
                  const char *source, size_t *n_written)
{
    if (n_written)
        *n_written = 0;
    char *text = offsets_format(rec, seg_us, source);
    if (!text)
        return SP_ENOMEM;
    size_t len = strlen(text);
    /* one line end after the closing brace, as a text file has */
    char *full = malloc(len + 2);
    if (!full) {
        free(text);
        return SP_ENOMEM;
    }
    memcpy(full, text, len);
    full[len] = '\n';
    full[len + 1] = '\0';
    free(text);
    int rc = sp_write_file_atomic(path, full, len + 1);
    free(full);
    if (rc == 0 && n_written) {
        size_t n = 0;
        for (size_t i = 0; i < rec->n_segments; i++)
            n += seg_us[i] != 0;
        *n_written = n;
    }
    return rc;
}

static char *join(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

char *offsets_default_path(const char *source, const char *cache_dir)
{
    if (!source || !source[0])
        return NULL;
    enum url_kind k = url_kind(source);
    if (k == URL_KIND_HTTP || k == URL_KIND_HTTPS) {
        if (!cache_dir || !cache_dir[0])
            return NULL;
        char key[65];
        cache_key(source, key);
        char *dir = join(cache_dir, "/", key);
        char *p = dir ? join(dir, ".offsets.json", "") : NULL;
        free(dir);
        return p;
    }
    if (k == URL_KIND_FILE) {
        char *path = NULL;
        if (url_to_path(source, &path) != 0)
            return NULL;
        char *p = join(path, ".offsets.json", "");
        free(path);
        return p;
    }
    return join(source, ".offsets.json", "");
}
