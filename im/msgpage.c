/* msgpage.c - IM group-history pages: parse, merge by MsgSeq, whiteboard batches. */
#include "im/msgpage.h"
#include "base/json_arena.h"
#include "base/json_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sp_error.h"
#include "base/term_text.h"

/* Largest integer a double holds exactly; cJSON numbers are doubles. */
#define EXACT_INT_MAX 9007199254740991.0
/* MsgTimeStamp above this (year ~5138) is not a Unix time in seconds. */
#define TIMESTAMP_MAX_S 100000000000LL

/* Context for diagnostics of one page. */
struct ctx {
    const char *name;
    struct diag_list *diag;
};

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* dst = a, b, then "[idx]" if idx >= 0, then c: what snprintf(dst, cap,
 * "%s%s[%d]%s", ...) gives, cut the same way. The field paths of every
 * message and element are built before anything is wrong with them, and
 * snprintf for each showed in the first open's profile. */
static void path_join(char *dst, size_t cap, const char *a, const char *b, int idx, const char *c)
{
    if (cap == 0)
        return;
    size_t o = 0;
    for (const char *p = a; *p && o + 1 < cap; p++)
        dst[o++] = *p;
    for (const char *p = b; *p && o + 1 < cap; p++)
        dst[o++] = *p;
    if (idx >= 0) {
        char num[16];
        size_t n = 0;
        unsigned v = (unsigned)idx;
        do
            num[n++] = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        if (o + 1 < cap)
            dst[o++] = '[';
        while (n && o + 1 < cap)
            dst[o++] = num[--n];
        if (o + 1 < cap)
            dst[o++] = ']';
    }
    for (const char *p = c; *p && o + 1 < cap; p++)
        dst[o++] = *p;
    dst[o] = '\0';
}

static char *dup_s(const char *s)
{
    return dup_n(s, strlen(s));
}

/* Reads an integer member. Returns 1 (set *out), 0 missing/null, -1 wrong
 * type or not exactly representable (a diagnostic was added). */
static int get_int(const struct ctx *c, const cJSON *obj, const char *key, const char *path,
                   int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v)) {
        diag_add(c->diag, DIAG_WARNING, "%s: %s%s: expected integer, got %s", c->name, path, key,
                 sp_json_type_name(v));
        return -1;
    }
    double d = v->valuedouble;
    if (!isfinite(d) || d != floor(d) || d > EXACT_INT_MAX || d < -EXACT_INT_MAX) {
        diag_add(c->diag, DIAG_WARNING, "%s: %s%s: expected integer, got %g", c->name, path, key,
                 d);
        return -1;
    }
    *out = (int64_t)d;
    return 1;
}

static int get_double(const struct ctx *c, const cJSON *obj, const char *key, const char *path,
                      double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        diag_add(c->diag, DIAG_WARNING, "%s: %s%s: expected number, got %s", c->name, path, key,
                 sp_json_type_name(v));
        return -1;
    }
    *out = v->valuedouble;
    return 1;
}

/* Byte length of s cut to at most max bytes without splitting a UTF-8
 * sequence (steps back over continuation bytes). */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    for (int i = 0; i < 3 && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80; i++)
        n--;
    return n;
}

/* Copies at most max bytes of an input string into out for a diagnostic:
 * control characters become '?' (a page must not drive the terminal), and
 * the cut does not split a UTF-8 sequence. */
static const char *quoted(const char *s, size_t max, char *out, size_t cap)
{
    /* at most max bytes of s, shown the way every document string is
     * shown on a terminal (term_safe_n) */
    return term_safe_n(s, utf8_cut(s, strlen(s), max), out, cap);
}

/* Reads a string member into *out (owned). max is the byte cap; if cut is
 * non-NULL a longer value is cut at a UTF-8 boundary and *cut set,
 * otherwise it is dropped. Returns 1 set, 0 missing, -1 unusable, SP_ENOMEM. */
static int get_str(const struct ctx *c, const cJSON *obj, const char *key, const char *path,
                   size_t max, char **out, size_t *out_len, bool *cut)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring) {
        diag_add(c->diag, DIAG_WARNING, "%s: %s%s: expected string, got %s", c->name, path, key,
                 sp_json_type_name(v));
        return -1;
    }
    size_t len = strlen(v->valuestring);
    if (len > max) {
        if (!cut) {
            diag_add(c->diag, DIAG_WARNING, "%s: %s%s: %zu bytes, over the limit of %zu; ignored",
                     c->name, path, key, len, max);
            return -1;
        }
        diag_add(c->diag, DIAG_WARNING, "%s: %s%s: %zu bytes, cut to the limit of %zu", c->name,
                 path, key, len, max);
        len = utf8_cut(v->valuestring, len, max);
        *cut = true;
    }
    char *p = dup_n(v->valuestring, len);
    if (!p)
        return SP_ENOMEM;
    free(*out);
    *out = p;
    if (out_len)
        *out_len = len;
    return 1;
}

static const struct {
    const char *name;
    enum msg_elem_type type;
} elem_types[] = {
    {"TIMTextElem", MSG_ELEM_TEXT},         {"TIMFaceElem", MSG_ELEM_FACE},
    {"TIMImageElem", MSG_ELEM_IMAGE},       {"TIMFileElem", MSG_ELEM_FILE},
    {"TIMSoundElem", MSG_ELEM_SOUND},       {"TIMVideoFileElem", MSG_ELEM_VIDEO},
    {"TIMLocationElem", MSG_ELEM_LOCATION}, {"TIMCustomElem", MSG_ELEM_CUSTOM},
    {"TIMRelayElem", MSG_ELEM_RELAY},
};

const char *msg_elem_type_name(enum msg_elem_type type)
{
    switch (type) {
    case MSG_ELEM_TEXT:
        return "text";
    case MSG_ELEM_FACE:
        return "face";
    case MSG_ELEM_IMAGE:
        return "image";
    case MSG_ELEM_FILE:
        return "file";
    case MSG_ELEM_SOUND:
        return "sound";
    case MSG_ELEM_VIDEO:
        return "video";
    case MSG_ELEM_LOCATION:
        return "location";
    case MSG_ELEM_CUSTOM:
        return "custom";
    case MSG_ELEM_RELAY:
        return "relay";
    case MSG_ELEM_UNKNOWN:
        break;
    }
    return "unknown";
}

void msg_elem_clear(struct msg_elem *e)
{
    if (!e)
        return;
    free(e->type_name);
    free(e->text);
    free(e->data);
    free(e->desc);
    free(e->ext);
    free(e->url);
    free(e->thumb_url);
    free(e->file_name);
    free(e->uuid);
    for (size_t i = 0; i < e->image_count; i++)
        free(e->images[i].url);
    free(e->images);
    memset(e, 0, sizeof(*e));
}

bool msg_elem_is_whiteboard(const struct msg_elem *e)
{
    return e && e->type == MSG_ELEM_CUSTOM && e->ext && strcmp(e->ext, MSG_WHITEBOARD_EXT) == 0;
}

bool msg_elem_is_board_file(const struct msg_elem *e)
{
    return e && e->type == MSG_ELEM_FILE && e->file_name &&
           strcmp(e->file_name, MSG_WHITEBOARD_EXT) == 0;
}

bool msg_elem_is_conference(const struct msg_elem *e)
{
    return e && e->type == MSG_ELEM_CUSTOM && e->ext && strcmp(e->ext, MSG_CONFERENCE_EXT) == 0;
}

static void message_clear(struct msg_message *m)
{
    for (size_t i = 0; i < m->elem_count; i++)
        msg_elem_clear(&m->elems[i]);
    free(m->elems);
    free(m->from);
    memset(m, 0, sizeof(*m));
}

/* Errors from get_str() other than SP_ENOMEM are already reported. */
#define STR(key, max, dst, lenp, cutp)                                                             \
    do {                                                                                           \
        if (get_str(c, content, key, path, max, dst, lenp, cutp) == SP_ENOMEM)                     \
            return SP_ENOMEM;                                                                      \
    } while (0)

static int parse_images(const struct ctx *c, const cJSON *content, const char path[128],
                        struct msg_elem *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(content, "ImageInfoArray");
    if (!arr || cJSON_IsNull(arr)) {
        diag_add(c->diag, DIAG_WARNING, "%s: %sImageInfoArray: missing", c->name, path);
        return 0;
    }
    if (!cJSON_IsArray(arr)) {
        diag_add(c->diag, DIAG_WARNING, "%s: %sImageInfoArray: expected array, got %s", c->name,
                 path, sp_json_type_name(arr));
        return 0;
    }
    e->images = calloc(MSG_MAX_IMAGE_INFOS, sizeof(*e->images));
    if (!e->images)
        return SP_ENOMEM;
    int i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        if (e->image_count == MSG_MAX_IMAGE_INFOS) {
            diag_add(c->diag, DIAG_WARNING,
                     "%s: %sImageInfoArray: more than %d entries; rest "
                     "ignored",
                     c->name, path, MSG_MAX_IMAGE_INFOS);
            break;
        }
        char ipath[192];
        snprintf(ipath, sizeof(ipath), "%sImageInfoArray[%d].", path, i);
        if (!cJSON_IsObject(it)) {
            diag_add(c->diag, DIAG_WARNING, "%s: %sImageInfoArray[%d]: expected object, got %s",
                     c->name, path, i, sp_json_type_name(it));
            continue;
        }
        struct msg_image_info *info = &e->images[e->image_count++];
        int64_t v;
        info->size = -1;
        if (get_int(c, it, "Type", ipath, &v) == 1)
            info->type = (v >= 1 && v <= 3) ? (int)v : 0;
        if (get_int(c, it, "Size", ipath, &v) == 1 && v >= 0)
            info->size = v;
        if (get_int(c, it, "Width", ipath, &v) == 1 && v > 0 && v <= 1000000)
            info->width = (int)v;
        if (get_int(c, it, "Height", ipath, &v) == 1 && v > 0 && v <= 1000000)
            info->height = (int)v;
        if (get_str(c, it, "URL", ipath, MSG_MAX_FIELD_BYTES, &info->url, NULL, NULL) == SP_ENOMEM)
            return SP_ENOMEM;
    }
    return 0;
}

/* Fills *e from one MsgBody entry. Returns 0 or SP_ENOMEM; bad fields are
 * reported and left missing. */
static void elem_defaults(struct msg_elem *e)
{
    e->index = -1;
    e->size = -1;
    e->seconds = -1;
    e->image_format = -1;
    e->latitude = e->longitude = NAN;
    e->type = MSG_ELEM_UNKNOWN;
}

static int parse_elem(const struct ctx *c, const cJSON *jel, const char *epath, struct msg_elem *e)
{

    char path[128]; /* "RspMsgList[N].MsgBody[M].MsgContent." */
    path_join(path, sizeof(path), epath, "", -1, ".");
    const cJSON *content = jel;
    char *tname = NULL;
    if (get_str(c, jel, "MsgType", path, MSG_MAX_FIELD_BYTES, &tname, NULL, NULL) == SP_ENOMEM)
        return SP_ENOMEM;
    e->type_name = tname ? tname : dup_s("");
    if (!e->type_name)
        return SP_ENOMEM;
    if (!tname)
        diag_add(c->diag, DIAG_WARNING, "%s: %sMsgType: missing", c->name, path);
    for (size_t i = 0; i < sizeof(elem_types) / sizeof(elem_types[0]); i++)
        if (strcmp(e->type_name, elem_types[i].name) == 0)
            e->type = elem_types[i].type;
    if (tname && e->type == MSG_ELEM_UNKNOWN) {
        char q[65 * 4];
        diag_add(c->diag, DIAG_WARNING, "%s: %sMsgType: unknown type \"%s\"", c->name, path,
                 quoted(e->type_name, 64, q, sizeof(q)));
    }

    content = cJSON_GetObjectItemCaseSensitive(jel, "MsgContent");
    path_join(path, sizeof(path), epath, "", -1, ".MsgContent.");
    if (!cJSON_IsObject(content)) {
        if (e->type != MSG_ELEM_UNKNOWN)
            diag_add(c->diag, DIAG_WARNING, "%s: %s.MsgContent: %s", c->name, epath,
                     content ? "expected object" : "missing");
        return 0;
    }
    switch (e->type) {
    case MSG_ELEM_TEXT:
        STR("Text", MSG_MAX_TEXT_BYTES, &e->text, NULL, &e->text_cut);
        if (!e->text)
            diag_add(c->diag, DIAG_WARNING, "%s: %sText: missing", c->name, path);
        break;
    case MSG_ELEM_FACE:
        get_int(c, content, "Index", path, &e->index);
        STR("Data", MSG_MAX_TEXT_BYTES, &e->data, &e->data_len, NULL);
        break;
    case MSG_ELEM_IMAGE:
        STR("UUID", MSG_MAX_FIELD_BYTES, &e->uuid, NULL, NULL);
        get_int(c, content, "ImageFormat", path, &e->image_format);
        if (parse_images(c, content, path, e) == SP_ENOMEM)
            return SP_ENOMEM;
        break;
    case MSG_ELEM_FILE:
        STR("Url", MSG_MAX_FIELD_BYTES, &e->url, NULL, NULL);
        STR("FileName", MSG_MAX_FIELD_BYTES, &e->file_name, NULL, NULL);
        STR("UUID", MSG_MAX_FIELD_BYTES, &e->uuid, NULL, NULL);
        get_int(c, content, "FileSize", path, &e->size);
        break;
    case MSG_ELEM_SOUND:
        STR("Url", MSG_MAX_FIELD_BYTES, &e->url, NULL, NULL);
        STR("UUID", MSG_MAX_FIELD_BYTES, &e->uuid, NULL, NULL);
        get_int(c, content, "Size", path, &e->size);
        get_int(c, content, "Second", path, &e->seconds);
        break;
    case MSG_ELEM_VIDEO:
        STR("VideoUrl", MSG_MAX_FIELD_BYTES, &e->url, NULL, NULL);
        STR("ThumbUrl", MSG_MAX_FIELD_BYTES, &e->thumb_url, NULL, NULL);
        STR("VideoUUID", MSG_MAX_FIELD_BYTES, &e->uuid, NULL, NULL);
        get_int(c, content, "VideoSize", path, &e->size);
        get_int(c, content, "VideoSecond", path, &e->seconds);
        break;
    case MSG_ELEM_LOCATION:
        STR("Desc", MSG_MAX_TEXT_BYTES, &e->desc, NULL, NULL);
        get_double(c, content, "Latitude", path, &e->latitude);
        get_double(c, content, "Longitude", path, &e->longitude);
        break;
    case MSG_ELEM_CUSTOM:
        STR("Data", MSG_MAX_TEXT_BYTES, &e->data, &e->data_len, NULL);
        STR("Desc", MSG_MAX_TEXT_BYTES, &e->desc, NULL, NULL);
        STR("Ext", MSG_MAX_FIELD_BYTES, &e->ext, NULL, NULL);
        break;
    case MSG_ELEM_RELAY:
        STR("Title", MSG_MAX_FIELD_BYTES, &e->text, NULL, NULL);
        break;
    case MSG_ELEM_UNKNOWN:
        break;
    }
    /* Negative sizes and durations mean nothing; treat them as missing. */
    if (e->size < -1)
        e->size = -1;
    if (e->seconds < -1)
        e->seconds = -1;
    return 0;
}

/* Returns 1 message kept, 0 skipped, SP_ENOMEM. */
static int parse_message(const struct ctx *c, const cJSON *jm, int idx, struct msg_message *m)
{
    char path[64];
    path_join(path, sizeof(path), "RspMsgList", "", idx, ".");
    if (!cJSON_IsObject(jm)) {
        diag_add(c->diag, DIAG_WARNING, "%s: RspMsgList[%d]: expected object, got %s; skipped",
                 c->name, idx, sp_json_type_name(jm));
        return 0;
    }
    m->index = idx;
    m->page = c->name;
    m->random = -1;
    m->timestamp = -1;
    int r = get_int(c, jm, "MsgSeq", path, &m->seq);
    if (r != 1) {
        if (r == 0)
            diag_add(c->diag, DIAG_WARNING, "%s: %sMsgSeq: missing; message skipped", c->name,
                     path);
        else
            diag_add(c->diag, DIAG_WARNING, "%s: %sMsgSeq: unusable; message skipped", c->name,
                     path);
        return 0;
    }
    int64_t v = 0;
    if (get_int(c, jm, "IsPlaceMsg", path, &v) == 1 && v == 1)
        m->is_place = true;
    else if (v == 2)
        m->is_recalled = true;
    v = 0;
    if (get_int(c, jm, "IsSystemMsg", path, &v) == 1 && v == 1)
        m->is_system = true;
    get_int(c, jm, "MsgRandom", path, &m->random);
    r = get_int(c, jm, "MsgTimeStamp", path, &m->timestamp);
    if (r == 1 && (m->timestamp < 0 || m->timestamp > TIMESTAMP_MAX_S)) {
        diag_add(c->diag, DIAG_WARNING, "%s: %sMsgTimeStamp: %lld is not Unix seconds; ignored",
                 c->name, path, (long long)m->timestamp);
        m->timestamp = -1;
    } else if (r == 0 && !m->is_place) {
        diag_add(c->diag, DIAG_WARNING, "%s: %sMsgTimeStamp: missing", c->name, path);
    }
    char *from = NULL;
    if (get_str(c, jm, "From_Account", path, MSG_MAX_FIELD_BYTES, &from, NULL, NULL) == SP_ENOMEM)
        return SP_ENOMEM;
    if (!from && !m->is_place)
        diag_add(c->diag, DIAG_WARNING, "%s: %sFrom_Account: missing", c->name, path);
    m->from = from ? from : dup_s("");
    if (!m->from)
        return SP_ENOMEM;

    /* A recalled message's former content is never shown, so never read. */
    if (m->is_recalled)
        return 1;
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(jm, "MsgBody");
    if (!cJSON_IsArray(body)) {
        m->body_missing = true;
        if (!m->is_place)
            diag_add(c->diag, DIAG_WARNING, "%s: %sMsgBody: %s", c->name, path,
                     body ? "expected array" : "missing");
        return 1;
    }
    size_t n = 0;
    for (const cJSON *it = body->child; it; it = it->next)
        n++;
    if (n > MSG_MAX_ELEMS) {
        diag_add(c->diag, DIAG_WARNING,
                 "%s: %sMsgBody: %zu elements, over the limit of %d; rest "
                 "ignored",
                 c->name, path, n, MSG_MAX_ELEMS);
        n = MSG_MAX_ELEMS;
    }
    if (n == 0)
        return 1;
    m->elems = calloc(n, sizeof(*m->elems));
    if (!m->elems)
        return SP_ENOMEM;
    int ei = 0;
    for (const cJSON *it = body->child; it && m->elem_count < n; it = it->next, ei++) {
        char epath[96];
        path_join(epath, sizeof(epath), path, "MsgBody", ei, "");
        struct msg_elem *e = &m->elems[m->elem_count++];
        elem_defaults(e);
        if (!cJSON_IsObject(it)) {
            /* Kept as an unnamed unknown element so indices match MsgBody. */
            diag_add(c->diag, DIAG_WARNING, "%s: %s: expected object, got %s", c->name, epath,
                     sp_json_type_name(it));
            e->type_name = dup_s("");
            if (!e->type_name)
                return SP_ENOMEM;
            continue;
        }
        if (parse_elem(c, it, epath, e) < 0)
            return SP_ENOMEM;
    }
    return 1;
}

void msg_page_free(struct msg_page *page)
{
    if (!page)
        return;
    for (size_t i = 0; i < page->count; i++)
        message_clear(&page->msgs[i]);
    free(page->msgs);
    free(page->name);
    free(page->group_id);
    free(page);
}

int msg_page_parse(const char *json, size_t len, const char *name, struct msg_page **out,
                   struct diag_list *diag)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!json && len)
        return SP_EINVAL;
    if (!name)
        name = "IM page";
    if (len > MSG_PAGE_MAX_BYTES) {
        diag_add(diag, DIAG_ERROR, "%s: %zu bytes, over the limit of %u for a page", name, len,
                 MSG_PAGE_MAX_BYTES);
        return SP_ELIMIT;
    }
    struct msg_page *page = calloc(1, sizeof(*page));
    if (!page)
        return SP_ENOMEM;
    page->name = dup_s(name);
    if (!page->name) {
        free(page);
        return SP_ENOMEM;
    }
    struct ctx cx = {page->name, diag};
    const struct ctx *c = &cx;
    int rc = 0;
    cJSON *root = len ? cJSON_ParseWithLength(json, len) : NULL;
    if (!root || !cJSON_IsObject(root)) {
        if (!root)
            diag_add(diag, DIAG_ERROR, "%s: not valid JSON", page->name);
        else
            diag_add(diag, DIAG_ERROR, "%s: expected a JSON object, got %s", page->name,
                     sp_json_type_name(root));
        rc = SP_EPARSE;
        goto fail;
    }
    /* a message, a board batch or a file URL cut at a NUL is not what was
       sent (TXWhiteBoardExt data nested as a string is checked again by
       the board reader, once unescaped) */
    if (sp_json_refuse_nul(diag, DIAG_ERROR, page->name, NULL, json, len, "the page is refused")) {
        rc = SP_EPARSE;
        goto fail;
    }

    const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "ActionStatus");
    int64_t code = 0;
    int code_r = get_int(c, root, "ErrorCode", "", &code);
    bool st_ok = !st || (cJSON_IsString(st) && strcmp(st->valuestring, "OK") == 0);
    if (!st_ok || (code_r == 1 && code != 0)) {
        const cJSON *info = cJSON_GetObjectItemCaseSensitive(root, "ErrorInfo");
        char qs[33 * 4], qi[201 * 4];
        diag_add(
            diag, DIAG_ERROR,
            "%s: ActionStatus: the service reported a failure (%s, ErrorCode %lld: %s)", page->name,
            quoted(cJSON_IsString(st) ? st->valuestring : sp_json_type_name(st), 32, qs,
                   sizeof(qs)),
            (long long)code,
            quoted(cJSON_IsString(info) ? info->valuestring : "no ErrorInfo", 200, qi, sizeof(qi)));
        rc = SP_EPARSE;
        goto fail;
    }
    if (get_str(c, root, "GroupId", "", MSG_MAX_FIELD_BYTES, &page->group_id, NULL, NULL) ==
        SP_ENOMEM) {
        rc = SP_ENOMEM;
        goto fail;
    }
    int64_t fin = 0;
    if (get_int(c, root, "IsFinished", "", &fin) == 1)
        page->is_finished = fin == 1;

    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "RspMsgList");
    if (!list || cJSON_IsNull(list)) {
        diag_add(diag, DIAG_WARNING, "%s: RspMsgList: missing; page is empty", page->name);
        goto done;
    }
    if (!cJSON_IsArray(list)) {
        diag_add(diag, DIAG_ERROR, "%s: RspMsgList: expected array, got %s", page->name,
                 sp_json_type_name(list));
        rc = SP_EPARSE;
        goto fail;
    }
    size_t n = 0;
    for (const cJSON *it = list->child; it; it = it->next)
        n++;
    if (n > MSG_PAGE_MAX_MESSAGES) {
        diag_add(diag, DIAG_WARNING,
                 "%s: RspMsgList: %zu messages, over the limit of %d; rest "
                 "ignored",
                 page->name, n, MSG_PAGE_MAX_MESSAGES);
        n = MSG_PAGE_MAX_MESSAGES;
    }
    if (n) {
        page->msgs = calloc(n, sizeof(*page->msgs));
        if (!page->msgs) {
            rc = SP_ENOMEM;
            goto fail;
        }
    }
    int idx = 0;
    for (const cJSON *it = list->child; it && (size_t)idx < n; it = it->next, idx++) {
        struct msg_message *m = &page->msgs[page->count];
        int r = parse_message(c, it, idx, m);
        if (r < 0) {
            message_clear(m);
            rc = r;
            goto fail;
        }
        if (r == 0)
            message_clear(m);
        else
            page->count++;
    }
done:
    sp_json_arena_delete(root); /* nothing to walk inside a scope */
    *out = page;
    return 0;
fail:
    sp_json_arena_delete(root); /* nothing to walk inside a scope */
    msg_page_free(page);
    return rc;
}

/* ---- merged log ----------------------------------------------------------- */

struct msg_log *msg_log_create(void)
{
    return calloc(1, sizeof(struct msg_log));
}

void msg_log_destroy(struct msg_log **logp)
{
    if (!logp || !*logp)
        return;
    struct msg_log *log = *logp;
    for (size_t i = 0; i < log->count; i++)
        message_clear(&log->msgs[i]);
    free(log->store);
    for (size_t i = 0; i < log->page_count; i++)
        free(log->pages[i]);
    free(log->pages);
    free(log);
    *logp = NULL;
}

/* Orders by seq, then by page index so the first one in the page wins. */
static int cmp_seq(const void *a, const void *b)
{
    const struct msg_message *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static bool same_message(const struct msg_message *a, const struct msg_message *b)
{
    return strcmp(a->from, b->from) == 0 && a->random == b->random &&
           a->timestamp == b->timestamp && a->elem_count == b->elem_count;
}

/* Drops b (a duplicate of kept message a), counting and warning. */
static void drop_dup(struct msg_log *log, const struct msg_message *a, struct msg_message *b,
                     struct diag_list *diag)
{
    log->duplicates++;
    if (!same_message(a, b)) {
        log->conflicts++;
        diag_add(diag, DIAG_WARNING,
                 "%s: RspMsgList[%d].MsgSeq: %lld already read from %s: "
                 "RspMsgList[%d] with different content; kept the first",
                 b->page, b->index, (long long)b->seq, a->page, a->index);
    }
    message_clear(b);
}

/* Makes room for need_front entries before msgs and need_back after it,
 * moving the log into a larger store if needed. */
static int ensure_room(struct msg_log *log, size_t need_front, size_t need_back)
{
    size_t front = log->store ? (size_t)(log->msgs - log->store) : 0;
    size_t back = log->cap - front - log->count;
    if (front >= need_front && back >= need_back)
        return 0;
    size_t want = log->count + need_front + need_back;
    size_t cap = 2 * want + 64;
    struct msg_message *st = malloc(cap * sizeof(*st));
    if (!st)
        return SP_ENOMEM;
    /* Split the spare room evenly: growth in either direction stays cheap. */
    size_t nf = need_front + (cap - want) / 2;
    if (log->count)
        memcpy(st + nf, log->msgs, log->count * sizeof(*st));
    free(log->store);
    log->store = st;
    log->cap = cap;
    log->msgs = st + nf;
    return 0;
}

/* First index in the log with seq >= (or >, if after) the given one. */
static size_t bound(const struct msg_log *log, int64_t seq, bool after)
{
    size_t lo = 0, hi = log->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (log->msgs[mid].seq < seq || (after && log->msgs[mid].seq == seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Merges a sorted run without inner duplicates (messages moved out of r)
 * into the log. Only the part of the log the run's seq range covers is
 * rewritten; the shorter side of the rest moves over to make room. Equal
 * seqs keep the log's message. */
static int merge_run(struct msg_log *log, struct msg_message *r, size_t n, struct diag_list *diag)
{
    size_t lo = bound(log, r[0].seq, false), hi = bound(log, r[n - 1].seq, true);
    size_t k = hi - lo;
    struct msg_message *tmp = malloc((k + n) * sizeof(*tmp));
    if (!tmp)
        return SP_ENOMEM;
    /* Room first, so that a failure leaves the log and run untouched. */
    bool move_prefix = lo <= log->count - hi;
    if (ensure_room(log, move_prefix ? n : 0, move_prefix ? 0 : n) < 0) {
        free(tmp);
        return SP_ENOMEM;
    }
    struct msg_message *a = log->msgs + lo;
    size_t i = 0, j = 0, m = 0;
    while (i < k || j < n) {
        if (j == n || (i < k && a[i].seq < r[j].seq)) {
            tmp[m++] = a[i++];
        } else if (i == k || r[j].seq < a[i].seq) {
            tmp[m++] = r[j++];
        } else {
            tmp[m++] = a[i++];
            drop_dup(log, &tmp[m - 1], &r[j++], diag);
        }
    }
    size_t delta = m - k;
    if (delta && move_prefix) {
        memmove(log->msgs - delta, log->msgs, lo * sizeof(*tmp));
        log->msgs -= delta;
    } else if (delta) {
        memmove(log->msgs + lo + m, log->msgs + hi, (log->count - hi) * sizeof(*tmp));
    }
    memcpy(log->msgs + lo, tmp, m * sizeof(*tmp));
    log->count += delta;
    free(tmp);
    return 0;
}

int msg_log_add_page(struct msg_log *log, struct msg_page **pagep, struct diag_list *diag)
{
    if (!pagep || !*pagep)
        return SP_EINVAL;
    struct msg_page *page = *pagep;
    *pagep = NULL;
    if (!log) {
        msg_page_free(page);
        return SP_EINVAL;
    }
    int rc = 0;
    /* The log keeps the page's name: messages point at it. */
    char **names = realloc(log->pages, (log->page_count + 1) * sizeof(*names));
    if (!names) {
        msg_page_free(page);
        return SP_ENOMEM;
    }
    log->pages = names;
    log->pages[log->page_count++] = page->name;
    page->name = NULL;

    /* Keep the real messages, sorted, without duplicates inside the page. */
    size_t n = 0;
    for (size_t i = 0; i < page->count; i++) {
        if (page->msgs[i].is_place) {
            log->placeholders++;
            message_clear(&page->msgs[i]);
            continue;
        }
        page->msgs[n++] = page->msgs[i];
    }
    page->count = n;
    if (n > 1)
        qsort(page->msgs, n, sizeof(*page->msgs), cmp_seq);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u > 0 && page->msgs[u - 1].seq == page->msgs[i].seq)
            drop_dup(log, &page->msgs[u - 1], &page->msgs[i], diag);
        else
            page->msgs[u++] = page->msgs[i];
    }
    page->count = n = u;
    if (log->count + n > MSG_LOG_MAX_MESSAGES) {
        diag_add(diag, DIAG_ERROR,
                 "%s: RspMsgList: the pages hold more than %d messages; page "
                 "ignored",
                 log->pages[log->page_count - 1], MSG_LOG_MAX_MESSAGES);
        rc = SP_ELIMIT;
        goto out;
    }
    if (n == 0)
        goto out;

    rc = merge_run(log, page->msgs, n, diag);
    if (rc < 0)
        goto out;
    page->count = 0; /* every message moved or freed */
out:
    msg_page_free(page);
    return rc;
}

int msg_log_add_json(struct msg_log *log, const char *json, size_t len, const char *name,
                     struct diag_list *diag)
{
    if (!log)
        return SP_EINVAL;
    struct msg_page *page = NULL;
    int rc = msg_page_parse(json, len, name, &page, diag);
    if (rc < 0)
        return rc;
    return msg_log_add_page(log, &page, diag);
}

ptrdiff_t msg_log_find(const struct msg_log *log, int64_t seq)
{
    if (!log)
        return -1;
    size_t lo = 0, hi = log->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (log->msgs[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < log->count && log->msgs[lo].seq == seq) ? (ptrdiff_t)lo : -1;
}

/* ---- whiteboard batches --------------------------------------------------- */

void msg_wb_iter_init(struct msg_wb_iter *it, const struct msg_log *log)
{
    memset(it, 0, sizeof(*it));
    it->log = log;
}

bool msg_wb_next(struct msg_wb_iter *it, struct msg_wb_batch *out)
{
    if (!it || !it->log || !out)
        return false;
    const struct msg_log *log = it->log;
    while (it->msg < log->count) {
        const struct msg_message *m = &log->msgs[it->msg];
        while (it->elem < m->elem_count) {
            size_t ei = it->elem++;
            const struct msg_elem *e = &m->elems[ei];
            if (!msg_elem_is_whiteboard(e) || !e->data || e->data_len == 0)
                continue;
            snprintf(it->where, sizeof(it->where), "%s: RspMsgList[%d].MsgBody[%zu]",
                     m->page ? m->page : "IM page", m->index, ei);
            out->data = e->data;
            out->len = e->data_len;
            out->msg_seq = m->seq;
            out->timestamp = m->timestamp;
            out->from = m->from;
            out->where = it->where;
            return true;
        }
        it->msg++;
        it->elem = 0;
    }
    return false;
}
