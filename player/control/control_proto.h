/* control_proto.h - the remote-control protocol (docs/control.md), pure:
 * JSON text in, requests out; state in, replies and events out. No
 * sockets, no threads, no SDL: the server (control_server.h) carries the
 * bytes, the window loop and headless play carry out the requests.
 *
 * Modelled on mpv's JSON IPC: a request is
 *   {"command": ["seek", 30000], "request_id": 7}
 * and its reply {"request_id": 7, "error": "success", "data": ...}.
 * Events are {"event": "property-change", "id": N, "name": P, "data": V}
 * for the properties a client observes.
 *
 * Times in ms of playback time (the protocol's unit, as the state file's).
 */
#ifndef SP_CONTROL_PROTO_H
#define SP_CONTROL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTROL_MAX_MSG (64 * 1024) /* bytes of one message, larger ones close the client */
#define CONTROL_MAX_CLIENTS 8
#define CONTROL_MAX_STR 4096         /* a path or SOURCE in a command, with its NUL */
#define CONTROL_MAX_OBSERVE 32       /* observations per client */
#define CONTROL_TIME_EVENT_US 250000 /* "time" events at most 4 a second */

/* mpv's error strings, which clients already match on */
#define CONTROL_OK "success"
#define CONTROL_E_INVALID "invalid parameter"
#define CONTROL_E_UNKNOWN "unknown command"
#define CONTROL_E_NOPROP "property not found"
#define CONTROL_E_RDONLY "property is read-only"
#define CONTROL_E_UNAVAIL "property unavailable"
#define CONTROL_E_FAILED "command failed"
#define CONTROL_E_LIMIT "too many observations"

#define CONTROL_OP_MAP(X)                                                                          \
    X(SEEK, "seek")                    /* ms [, "absolute"|"relative"] */                          \
    X(SET, "set_property")             /* name, value */                                           \
    X(GET, "get_property")             /* name */                                                  \
    X(OBSERVE, "observe_property")     /* id, name */                                              \
    X(UNOBSERVE, "unobserve_property") /* id */                                                    \
    X(SCREENSHOT, "screenshot")        /* [path] */                                                \
    X(LOAD, "load")                    /* SOURCE */                                                \
    X(QUIT, "quit")

enum control_op {
#define CONTROL_OP_ENUM(name, text) CONTROL_##name,
    CONTROL_OP_MAP(CONTROL_OP_ENUM)
#undef CONTROL_OP_ENUM
        CONTROL_OP__COUNT
};

/* name, JSON kind (b bool, n number, s string), settable */
#define CONTROL_PROP_MAP(X)                                                                        \
    X(TIME, "time", 'n', false) /* playback ms (alias t_ms): wire name, docs/control.md */         \
    X(DURATION, "duration_ms", 'n', false) /* wire name, ms on the wire (docs/control.md) */       \
    X(WALL, "wall_ms", 'n', false) /* w(t), Unix ms; 0 unknown; wire name, docs/control.md */      \
    X(PAUSE, "pause", 'b', true)   /* alias paused */                                              \
    X(ENDED, "ended", 'b', false)                                                                  \
    X(BUFFERING, "buffering", 'b', false)                                                          \
    X(SPEED, "speed", 'n', true)                                                                   \
    X(VOLUME, "volume", 'n', true) /* percent */                                                   \
    X(MUTE, "mute", 'b', true)     /* alias muted */                                               \
    X(LAYOUT, "layout", 's', true) /* board, grid, focus, custom */                                \
    X(LAYOUT_INDEX, "layout_index", 'n', false)                                                    \
    X(CHAT, "chat", 'b', true)                                                                     \
    X(FULLSCREEN, "fullscreen", 'b', true)                                                         \
    X(STATS, "stats", 'b', false)                                                                  \
    X(CHAPTER, "chapter", 'n', false)       /* pauses passed: 0 before the first */                \
    X(SCREENSHOT, "screenshot", 's', false) /* the last screenshot's path */                       \
    X(SOURCE, "source", 's', false)                                                                \
    X(BOARD_LOADING, "board_loading", 'b', false)                                                  \
    X(BOARD_PAGES_DONE, "board_pages_done", 'n', false)                                            \
    X(BOARD_PAGES_TOTAL, "board_pages_total", 'n', false)

enum control_prop {
#define CONTROL_PROP_ENUM(name, text, kind, rw) CONTROL_P_##name,
    CONTROL_PROP_MAP(CONTROL_PROP_ENUM)
#undef CONTROL_PROP_ENUM
        CONTROL_P__COUNT
};

/* What a player reports; the properties are read from it. In µs here;
 * control_prop_json() writes them in ms, the wire's unit (docs/control.md). */
struct control_state {
    int64_t t_us, duration_us, wall_us; /* playback t, TotalTime, w(t) (Unix; 0 unknown) */
    bool paused, ended, buffering;
    double speed;
    int volume;
    bool muted;
    char layout[64];
    int layout_index;
    bool chat, fullscreen, stats;
    int chapter;
    char screenshot[CONTROL_MAX_STR];
    char source[CONTROL_MAX_STR];
    bool board_loading;
    int64_t board_pages_done, board_pages_total;
};

struct control_req {
    int64_t request_id; /* echoed in the reply; 0 when absent */
    enum control_op op;
    enum control_prop prop;    /* SET, GET, OBSERVE */
    int64_t observe_id;        /* OBSERVE, UNOBSERVE */
    int64_t us;                /* SEEK: target or offset (ms on the wire, read as µs) */
    bool relative;             /* SEEK */
    bool b;                    /* SET of a 'b' property */
    double num;                /* SET of an 'n' property */
    char str[CONTROL_MAX_STR]; /* SET layout; SCREENSHOT path ("" default); LOAD source */
};

/* Parses one message (len bytes, need not be NUL-terminated). Returns 0
 * and *req, or SP_EPARSE (not a JSON object with a "command" array),
 * SP_EINVAL (a bad argument, or any string of the message holds \u0000)
 * or SP_EUNSUPPORTED (an unknown command or
 * property); then *error is one of the CONTROL_E_* strings and
 * req->request_id is set when the message carried one. */
int control_parse(const char *msg, size_t len, struct control_req *req, const char **error);

/* For a first {"auth": TOKEN} message: 1 and the token copied (at most n
 * bytes with its NUL) when msg is such an object (no string of it holding
 * \u0000), else 0. */
int control_parse_auth(const char *msg, size_t len, char *token, size_t n);

/* The property's name (the first of its names), "?" out of range. */
const char *control_prop_name(enum control_prop p);
/* The property of this name or alias; -1 for none. */
int control_prop_lookup(const char *name);

/* A reply: malloc'd NUL-terminated JSON; data_json (JSON text or NULL for
 * none) is inserted as "data". NULL only when out of memory. */
char *control_reply(int64_t request_id, const char *error, const char *data_json);
/* s as a JSON string (malloc'd; NULL out of memory). */
char *control_json_string(const char *s);
/* The value of p in s as JSON text (malloc'd; NULL out of memory). */
char *control_prop_json(const struct control_state *s, enum control_prop p);

/* A client's observations; the caller zeroes it before the first use and
 * calls control_observe_clear() when the client goes. */
struct control_observer {
    size_t n;
    struct {
        int64_t id;
        enum control_prop prop;
        char *last;      /* the value last sent (malloc'd JSON); NULL: none yet */
        int64_t last_us; /* when it was sent (the caller's clock, µs) */
    } obs[CONTROL_MAX_OBSERVE];
};
/* Adds an observation. Returns 0, SP_ELIMIT (CONTROL_MAX_OBSERVE reached). */
int control_observe_add(struct control_observer *o, int64_t id, enum control_prop p);
/* Removes every observation with this id. */
void control_observe_remove(struct control_observer *o, int64_t id);
void control_observe_clear(struct control_observer *o);
/* The events due for s at now_us, in the order of the observations: one
 * for each observed property whose value differs from the one last sent
 * (the first time: its value), "time" no more often than every
 * CONTROL_TIME_EVENT_US. Calls emit(opaque, json) for each (json is
 * malloc'd and handed over). Returns the number of events. */
int control_observe_events(struct control_observer *o, const struct control_state *s,
                           int64_t now_us, void (*emit)(void *opaque, char *json), void *opaque);

#endif
