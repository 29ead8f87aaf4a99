/* control_server.h - the remote-control WebSocket server (docs/control.md).
 *
 * A libwebsockets server on its own thread: it authenticates clients (a
 * token as ?token= on the URL or in a first {"auth": TOKEN} message),
 * checks Origin when asked, caps clients (CONTROL_MAX_CLIENTS) and
 * messages (CONTROL_MAX_MSG), parses messages (control_proto.h) and
 * answers malformed ones itself. Valid requests wait in a queue for the
 * player's thread, which takes them with control_server_next(), carries
 * them out and answers with control_server_send(); every pass it
 * publishes its state (control_server_publish()) and the server sends the
 * observers' events. Observations are kept here, per client.
 *
 * Threads: the server's own (lws_service) and one player thread that
 * calls everything below but start and stop. Guarded by the server's
 * lock: the client slots, their output queues and observations, the
 * request queue.
 */
#ifndef SP_CONTROL_SERVER_H
#define SP_CONTROL_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "player/control/control_proto.h"

#define CONTROL_QUEUE 64              /* requests waiting for the player */
#define CONTROL_OUT_MAX (1024 * 1024) /* bytes queued to one client; more are dropped */
#define CONTROL_AUTH_TIMEOUT_S 10     /* a client that has not authenticated is closed */
#define CONTROL_FLUSH_US 500000       /* stop waits this long for replies to go out */

struct control_server_opts {
    const char *addr;   /* address to bind; NULL: 127.0.0.1 */
    int port;           /* 1..65535 */
    const char *token;  /* NULL or "": one is generated (control_server_token()) */
    const char *origin; /* NULL: any Origin; else it must be exactly this */
    /* Called on the server thread when a request is queued (window_wake()
     * for the window); NULL: none (control_server_wait() still wakes). */
    void (*wake)(void *opaque);
    void *wake_opaque;
};

struct control_server;

/* Binds and starts the thread. Returns 0 and *out, SP_EINVAL (bad
 * options), SP_EIO (cannot bind: diag-free, the caller says where) or
 * SP_ENOMEM. */
int control_server_start(const struct control_server_opts *o, struct control_server **out);
/* Sends what is queued (up to CONTROL_FLUSH_US), closes every client,
 * stops the thread, frees. NULL-safe; sets *s NULL. */
void control_server_stop(struct control_server **s);

/* The token clients must give (the generated one when none was given). */
const char *control_server_token(const struct control_server *s);

/* Takes the oldest request: true and *client, *req; false when none. */
bool control_server_next(struct control_server *s, uint64_t *client, struct control_req *req);
/* Sends json (malloc'd, taken; NULL is ignored) to the client, if it is
 * still there. */
void control_server_send(struct control_server *s, uint64_t client, char *json);
/* Answers req: its request_id, error (NULL: success) and data (JSON text
 * or NULL, borrowed). */
void control_server_answer(struct control_server *s, uint64_t client, const struct control_req *req,
                           const char *error, const char *data_json);
/* OBSERVE / UNOBSERVE for the client: 0, or SP_ELIMIT, SP_ENOENT (gone). */
int control_server_observe(struct control_server *s, uint64_t client, int64_t id,
                           enum control_prop p);
void control_server_unobserve(struct control_server *s, uint64_t client, int64_t id);
/* The player's state now (now_us: a monotonic clock): sends the events due. */
void control_server_publish(struct control_server *s, const struct control_state *st,
                            int64_t now_us);
/* Waits up to timeout_us (<= 0: does not wait) for a request. True when
 * one is queued. For loops without a window of their own. */
bool control_server_wait(struct control_server *s, int64_t timeout_us);
/* Clients connected and authenticated now. */
int control_server_clients(struct control_server *s);

#endif
