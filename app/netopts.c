/* netopts.c - see netopts.h. */
#include "netopts.h"

#include "player/diag.h"

#include <stdio.h>
#include <string.h>

void app_net_init(struct app_net *n)
{
    fetch_opts_init(&n->opts);
}

int app_net_parse(struct app_net *n, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--no-cache")) {
        n->opts.no_cache = true;
        return 1;
    }
    if (!strcmp(a, "--insecure")) {
        n->opts.insecure = true;
        return 1;
    }
    const char **dst = NULL;
    if (!strcmp(a, "--cache-dir"))
        dst = &n->opts.cache_dir;
    else if (!strcmp(a, "--ca-file"))
        dst = &n->opts.ca_file;
    if (!dst)
        return 0;
    if (*i + 1 >= argc || !argv[*i + 1][0]) {
        fprintf(stderr, "sigplay: %s needs a value\n", a);
        return -1;
    }
    *dst = argv[++*i];
    return 1;
}

const char *app_net_help(void)
{
    return "--cache-dir DIR  cache downloads in DIR (default $XDG_CACHE_HOME/sigplay)\n"
           "--no-cache       use a temporary cache, removed on exit\n"
           "--ca-file FILE   also trust the CA certificates in FILE (PEM)\n"
           "--insecure       do not verify TLS certificates\n";
}

int app_net_start(const struct app_net *n, struct fetch **out)
{
    struct diag_list d = {0};
    int r = fetch_create(&n->opts, out, &d);
    if (r) {
        if (d.count)
            for (size_t k = 0; k < d.count; k++)
                fprintf(stderr, "sigplay: %s\n", d.items[k].text);
        else
            fprintf(stderr, "sigplay: cannot start the network client\n");
    }
    diag_clear(&d);
    return r;
}
