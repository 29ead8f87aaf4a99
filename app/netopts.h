/* netopts.h - the network options of every subcommand that reads a SOURCE:
 *   --cache-dir DIR  --no-cache  --ca-file FILE  --insecure
 * and the struct fetch they configure. */
#ifndef SP_APP_NETOPTS_H
#define SP_APP_NETOPTS_H

#include "player/fetch.h"

struct app_net {
    struct fetch_opts opts; /* strings point into argv */
};

void app_net_init(struct app_net *n);

/* If argv[*i] is one of the options, consumes it (and its value, moving
 * *i) and returns 1; returns 0 if it is not; -1 after printing a usage
 * error (a missing value). */
int app_net_parse(struct app_net *n, int argc, char **argv, int *i);

/* Help text for the options, a few lines ending in '\n'. */
const char *app_net_help(void);

/* Creates the fetch object; on failure prints the reason to stderr and
 * returns the SP_E* code. */
int app_net_start(const struct app_net *n, struct fetch **out);

#endif
