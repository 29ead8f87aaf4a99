/* control_proto.c - the remote-control protocol (see control_proto.h). */
#include "player/control/control_proto.h"

#include "base/json_util.h"
#include "base/sp_error.h"
#include "base/sp_time.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[] = {
#define OP_NAME(name, text) text,
    CONTROL_OP_MAP(OP_NAME)
#undef OP_NAME
};

static const struct {
    const char *name;
    char kind;
    bool rw;
} props[] = {
#define PROP_ROW(name, text, kind, rw) {text, kind, rw},
    CONTROL_PROP_MAP(PROP_ROW)
#undef PROP_ROW
};

/* The state file's field names, which clients may use as well */
static const struct {
    const char *alias;
    enum control_prop p;
} aliases[] = {{"t_ms", CONTROL_P_TIME},
               {"paused", CONTROL_P_PAUSE},
               {"muted", CONTROL_P_MUTE},
               {"duration", CONTROL_P_DURATION}};

const char *control_prop_name(enum control_prop p)
{
    return (unsigned)p < CONTROL_P__COUNT ? props[p].name : "?";
}

int control_prop_lookup(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < CONTROL_P__COUNT; i++)
        if (!strcmp(props[i].name, name))
            return i;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (!strcmp(aliases[i].alias, name))
            return (int)aliases[i].p;
    return -1;
}

/* A JSON number that is a whole number of ms a player can hold */
static bool get_int(const cJSON *v, int64_t *out)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || fabs(v->valuedouble) > 9.0e15)
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

static bool copy_str(const cJSON *v, char *dst)
{
    if (!cJSON_IsString(v) || !v->valuestring)
        return false;
    size_t n = strlen(v->valuestring);
    if (n >= CONTROL_MAX_STR)
        return false;
    memcpy(dst, v->valuestring, n + 1);
    return true;
}

static int parse_set_value(const cJSON *v, struct control_req *req, const char **error)
{
    switch (props[req->prop].kind) {
    case 'b':
        if (!cJSON_IsBool(v))
            break;
        req->b = cJSON_IsTrue(v);
        return 0;
    case 'n':
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
            break;
        req->num = v->valuedouble;
        return 0;
    default:
        /* layout: a name, or a preset's index */
        if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= 0 &&
            v->valuedouble < 16) {
            snprintf(req->str, sizeof(req->str), "%d", (int)v->valuedouble);
            return 0;
        }
        if (copy_str(v, req->str))
            return 0;
        break;
    }
    *error = CONTROL_E_INVALID;
    return SP_EINVAL;
}

static int parse_command(const cJSON *cmd, struct control_req *req, const char **error)
{
    int argc = cJSON_GetArraySize(cmd);
    const cJSON *name = cJSON_GetArrayItem(cmd, 0);
    *error = CONTROL_E_INVALID;
    if (!cJSON_IsString(name))
        return SP_EINVAL;
    int op = -1;
    for (int i = 0; i < CONTROL_OP__COUNT; i++)
        if (!strcmp(op_names[i], name->valuestring))
            op = i;
    if (op < 0) {
        *error = CONTROL_E_UNKNOWN;
        return SP_EUNSUPPORTED;
    }
    req->op = (enum control_op)op;
    const cJSON *a1 = cJSON_GetArrayItem(cmd, 1), *a2 = cJSON_GetArrayItem(cmd, 2);
    int p;
    switch (req->op) {
    case CONTROL_SEEK:
        if (argc < 2 || argc > 3 || !get_int(a1, &req->us))
            return SP_EINVAL;
        req->us *= 1000; /* the wire's ms; |ms| <= 9e15 (get_int), so no overflow */
        if (argc == 3) {
            if (!cJSON_IsString(a2) ||
                (strcmp(a2->valuestring, "relative") && strcmp(a2->valuestring, "absolute")))
                return SP_EINVAL;
            req->relative = !strcmp(a2->valuestring, "relative");
        }
        return 0;
    case CONTROL_SET:
    case CONTROL_GET:
        if (argc != (req->op == CONTROL_SET ? 3 : 2) || !cJSON_IsString(a1))
            return SP_EINVAL;
        if ((p = control_prop_lookup(a1->valuestring)) < 0) {
            *error = CONTROL_E_NOPROP;
            return SP_EUNSUPPORTED;
        }
        req->prop = (enum control_prop)p;
        if (req->op == CONTROL_GET)
            return 0;
        if (!props[p].rw) {
            *error = CONTROL_E_RDONLY;
            return SP_EINVAL;
        }
        return parse_set_value(a2, req, error);
    case CONTROL_OBSERVE:
        if (argc != 3 || !get_int(a1, &req->observe_id) || !cJSON_IsString(a2))
            return SP_EINVAL;
        if ((p = control_prop_lookup(a2->valuestring)) < 0) {
            *error = CONTROL_E_NOPROP;
            return SP_EUNSUPPORTED;
        }
        req->prop = (enum control_prop)p;
        return 0;
    case CONTROL_UNOBSERVE:
        return argc == 2 && get_int(a1, &req->observe_id) ? 0 : SP_EINVAL;
    case CONTROL_SCREENSHOT:
        if (argc == 1)
            return 0;
        return argc == 2 && copy_str(a1, req->str) ? 0 : SP_EINVAL;
    case CONTROL_LOAD:
        return argc == 2 && copy_str(a1, req->str) && req->str[0] ? 0 : SP_EINVAL;
    case CONTROL_QUIT:
        return argc == 1 ? 0 : SP_EINVAL;
    default:
        return SP_EINVAL;
    }
}

int control_parse(const char *msg, size_t len, struct control_req *req, const char **error)
{
    memset(req, 0, sizeof(*req));
    *error = CONTROL_E_INVALID;
    if (!msg || len > CONTROL_MAX_MSG)
        return SP_EPARSE;
    cJSON *root = cJSON_ParseWithLength(msg, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return SP_EPARSE;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "request_id");
    if (id && !get_int(id, &req->request_id))
        req->request_id = 0;
    /* a string cut at a NUL ("x.json\u0000.evil" for "load") is not what
       the client sent: an invalid parameter */
    if (sp_json_refuse_nul(NULL, DIAG_ERROR, NULL, NULL, msg, len, NULL)) {
        cJSON_Delete(root);
        return SP_EINVAL;
    }
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(root, "command");
    int rc = SP_EPARSE;
    if (cJSON_IsArray(cmd) && cJSON_GetArraySize(cmd) > 0)
        rc = parse_command(cmd, req, error);
    cJSON_Delete(root);
    return rc;
}

int control_parse_auth(const char *msg, size_t len, char *token, size_t n)
{
    if (!msg || len > CONTROL_MAX_MSG || n == 0)
        return 0;
    cJSON *root = cJSON_ParseWithLength(msg, len);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "auth");
    int ok = 0;
    if (cJSON_IsObject(root) && cJSON_IsString(a) && strlen(a->valuestring) < n &&
        !sp_json_refuse_nul(NULL, DIAG_ERROR, NULL, NULL, msg, len, NULL)) {
        strcpy(token, a->valuestring);
        ok = 1;
    }
    cJSON_Delete(root);
    return ok;
}

char *control_reply(int64_t request_id, const char *error, const char *data_json)
{
    const char *err = error ? error : CONTROL_OK;
    size_t n = 96 + strlen(err) * 6 + (data_json ? strlen(data_json) : 0);
    char *out = malloc(n);
    if (!out)
        return NULL;
    /* error is one of our constant strings: no escaping needed */
    if (data_json)
        snprintf(out, n, "{\"request_id\":%lld,\"error\":\"%s\",\"data\":%s}",
                 (long long)request_id, err, data_json);
    else
        snprintf(out, n, "{\"request_id\":%lld,\"error\":\"%s\"}", (long long)request_id, err);
    return out;
}

/* A property's value on the wire: µs to whole ms, rounding down (also below 0:
 * sp_floor_ms()), so t = 999 µs is 0 ms. */
static cJSON *prop_value(const struct control_state *s, enum control_prop p)
{
    switch (p) {
    /* the wire speaks whole ms (docs/control.md): converted here, nowhere else */
    case CONTROL_P_TIME:
        return cJSON_CreateNumber((double)sp_floor_ms(s->t_us));
    case CONTROL_P_DURATION:
        return cJSON_CreateNumber((double)sp_floor_ms(s->duration_us));
    case CONTROL_P_WALL:
        return cJSON_CreateNumber((double)sp_floor_ms(s->wall_us));
    case CONTROL_P_PAUSE:
        return cJSON_CreateBool(s->paused);
    case CONTROL_P_ENDED:
        return cJSON_CreateBool(s->ended);
    case CONTROL_P_BUFFERING:
        return cJSON_CreateBool(s->buffering);
    case CONTROL_P_SPEED:
        return cJSON_CreateNumber(s->speed);
    case CONTROL_P_VOLUME:
        return cJSON_CreateNumber(s->volume);
    case CONTROL_P_MUTE:
        return cJSON_CreateBool(s->muted);
    case CONTROL_P_LAYOUT:
        return cJSON_CreateString(s->layout);
    case CONTROL_P_LAYOUT_INDEX:
        return cJSON_CreateNumber(s->layout_index);
    case CONTROL_P_CHAT:
        return cJSON_CreateBool(s->chat);
    case CONTROL_P_FULLSCREEN:
        return cJSON_CreateBool(s->fullscreen);
    case CONTROL_P_STATS:
        return cJSON_CreateBool(s->stats);
    case CONTROL_P_CHAPTER:
        return cJSON_CreateNumber(s->chapter);
    case CONTROL_P_SCREENSHOT:
        return cJSON_CreateString(s->screenshot);
    case CONTROL_P_SOURCE:
        return cJSON_CreateString(s->source);
    case CONTROL_P_BOARD_LOADING:
        return cJSON_CreateBool(s->board_loading);
    case CONTROL_P_BOARD_PAGES_DONE:
        return cJSON_CreateNumber((double)s->board_pages_done);
    case CONTROL_P_BOARD_PAGES_TOTAL:
        return cJSON_CreateNumber((double)s->board_pages_total);
    default:
        return cJSON_CreateNull();
    }
}

char *control_json_string(const char *s)
{
    cJSON *v = cJSON_CreateString(s ? s : "");
    char *out = v ? cJSON_PrintUnformatted(v) : NULL;
    cJSON_Delete(v);
    return out;
}

char *control_prop_json(const struct control_state *s, enum control_prop p)
{
    cJSON *v = prop_value(s, p);
    char *out = v ? cJSON_PrintUnformatted(v) : NULL;
    cJSON_Delete(v);
    return out;
}

int control_observe_add(struct control_observer *o, int64_t id, enum control_prop p)
{
    if (o->n >= CONTROL_MAX_OBSERVE)
        return SP_ELIMIT;
    o->obs[o->n].id = id;
    o->obs[o->n].prop = p;
    o->obs[o->n].last = NULL;
    o->obs[o->n].last_us = 0;
    o->n++;
    return 0;
}

void control_observe_remove(struct control_observer *o, int64_t id)
{
    size_t k = 0;
    for (size_t i = 0; i < o->n; i++) {
        if (o->obs[i].id == id) {
            free(o->obs[i].last);
            continue;
        }
        o->obs[k++] = o->obs[i];
    }
    o->n = k;
}

void control_observe_clear(struct control_observer *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->obs[i].last);
    o->n = 0;
}

int control_observe_events(struct control_observer *o, const struct control_state *s,
                           int64_t now_us, void (*emit)(void *opaque, char *json), void *opaque)
{
    int sent = 0;
    for (size_t i = 0; i < o->n; i++) {
        if (o->obs[i].prop == CONTROL_P_TIME && o->obs[i].last &&
            now_us - o->obs[i].last_us < CONTROL_TIME_EVENT_US)
            continue;
        char *v = control_prop_json(s, o->obs[i].prop);
        if (!v)
            return sent;
        if (o->obs[i].last && !strcmp(o->obs[i].last, v)) {
            free(v);
            continue;
        }
        const char *name = control_prop_name(o->obs[i].prop);
        size_t n = strlen(v) + strlen(name) + 96;
        char *ev = malloc(n);
        if (!ev) {
            free(v);
            return sent;
        }
        snprintf(ev, n, "{\"event\":\"property-change\",\"id\":%lld,\"name\":\"%s\",\"data\":%s}",
                 (long long)o->obs[i].id, name, v);
        free(o->obs[i].last);
        o->obs[i].last = v;
        o->obs[i].last_us = now_us;
        emit(opaque, ev);
        sent++;
    }
    return sent;
}
