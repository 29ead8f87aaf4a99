/* control_arg.c - the remote-control options (see control_arg.h). */
#include "app/control_arg.h"

#include "base/sp_error.h"
#include "player/control/control_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void app_control_init(struct app_control *c)
{
    memset(c, 0, sizeof(*c));
}

static int parse_addr(struct app_control *c, const char *v)
{
    const char *colon = strrchr(v, ':');
    const char *port = colon ? colon + 1 : v;
    if (colon) {
        size_t n = (size_t)(colon - v);
        if (n == 0 || n >= sizeof(c->addr))
            return -1;
        memcpy(c->addr, v, n);
        c->addr[n] = '\0';
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (end == port || *end || p < 1 || p > 65535)
        return -1;
    c->port = (int)p;
    c->on = true;
    return 0;
}

int app_control_parse(struct app_control *c, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (*i + 1 >= argc)
        return 0;
    if (!strcmp(a, "--control")) {
        if (parse_addr(c, argv[++*i]) < 0) {
            fprintf(stderr, "sigplay: play: --control: expected [ADDR:]PORT, got '%s'\n", argv[*i]);
            return -1;
        }
        return 1;
    }
    if (!strcmp(a, "--control-token")) {
        c->token = argv[++*i];
        if (!c->token[0] || strlen(c->token) >= 128) {
            fprintf(stderr, "sigplay: play: --control-token: 1 to 127 characters\n");
            return -1;
        }
        return 1;
    }
    if (!strcmp(a, "--control-origin")) {
        c->origin = argv[++*i];
        return 1;
    }
    return 0;
}

const char *app_control_help(void)
{
    return "--control [ADDR:]PORT  a WebSocket remote control (docs/control.md), on\n"
           "                       127.0.0.1 unless ADDR is given\n"
           "--control-token TOKEN  the token clients give (default: one is generated and\n"
           "                       printed once)\n"
           "--control-origin ORIGIN  refuse clients whose Origin header is not this\n";
}

int app_control_start(const struct app_control *c, void (*wake)(void *), void *wake_opaque,
                      struct control_server **out)
{
    *out = NULL;
    if (!c->on)
        return 0;
    struct control_server_opts o = {.addr = c->addr[0] ? c->addr : NULL,
                                    .port = c->port,
                                    .token = c->token,
                                    .origin = c->origin,
                                    .wake = wake,
                                    .wake_opaque = wake_opaque};
    int rc = control_server_start(&o, out);
    const char *addr = c->addr[0] ? c->addr : "127.0.0.1";
    if (rc < 0) {
        fprintf(stderr, "sigplay: play: --control %s:%d: cannot listen (%s)\n", addr, c->port,
                sp_strerror(rc));
        return rc;
    }
    if (c->token)
        printf("sigplay: play: control on ws://%s:%d/\n", addr, c->port);
    else
        printf("sigplay: play: control on ws://%s:%d/ token %s\n", addr, c->port,
               control_server_token(*out));
    fflush(stdout);
    return 0;
}
