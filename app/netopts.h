/* netopts.h - the options of every subcommand that reads a SOURCE:
 *   --cache-dir DIR  --no-cache  --ca-file FILE  --insecure
 * (the network: the struct fetch they configure) and
 *   --offsets FILE  --no-offsets
 * (the sync corrections of the format's section 8, player/recording/offsets.h). */
#ifndef SP_APP_NETOPTS_H
#define SP_APP_NETOPTS_H

#include "player/net/fetch.h"

#include <stdbool.h>

struct app_net {
    struct fetch_opts opts; /* strings point into argv */
    const char *offsets;    /* --offsets FILE (into argv), NULL: the default file */
    bool no_offsets;        /* --no-offsets */
};

struct class_opts;

/* Copies the options into a class's options (its net and offsets fields). */
void app_net_to_class(const struct app_net *n, struct class_opts *co);

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

/* A network client started on first need: documents and media on disk
 * touch neither the network nor the cache. Zero it, app_net_init(&ln->net),
 * parse options into ln->net; fetch_destroy(&ln->f) at the end. */
struct app_lazy_net {
    struct app_net net;
    struct fetch *f; /* NULL until a remote URL needed it */
    int start_rc;    /* fetch_create()'s result once tried */
    bool tried;
};

/* The client for url (started now if needed), or NULL with one error line
 * in diag when it could not start. */
struct fetch *app_lazy_fetch(struct app_lazy_net *ln, const char *url, struct diag_list *diag);

/* A loader that reads local documents from disk and remote ones through
 * the lazily started client (player/net/loader.h). Valid while ln lives. */
struct sp_loader app_lazy_loader(struct app_lazy_net *ln);

#endif
