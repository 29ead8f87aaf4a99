/* control_arg.h - the remote-control options of `sigplay play`:
 * --control [ADDR:]PORT, --control-token TOKEN, --control-origin ORIGIN
 * (docs/control.md), and starting the server they describe. */
#ifndef SP_APP_CONTROL_ARG_H
#define SP_APP_CONTROL_ARG_H

#include <stdbool.h>

struct control_server;

struct app_control {
    bool on;
    char addr[64]; /* "" : 127.0.0.1 */
    int port;
    const char *token;  /* NULL: generated */
    const char *origin; /* NULL: any */
};

void app_control_init(struct app_control *c);
/* As app_net_parse(): 1 when argv[*i] was one of ours (*i moved past its
 * value), 0 if not, -1 on a bad value (said on stderr). */
int app_control_parse(struct app_control *c, int argc, char **argv, int *i);
/* Help text for the options, lines ending in '\n'. */
const char *app_control_help(void);
/* Starts the server (wake as control_server_opts) and prints where it
 * listens, with the token when it was generated (once, on stdout).
 * Returns 0 and *out (NULL when --control was not given), or < 0 (said on
 * stderr). */
int app_control_start(const struct app_control *c, void (*wake)(void *), void *wake_opaque,
                      struct control_server **out);

#endif
