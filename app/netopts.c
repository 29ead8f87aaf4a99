/* netopts.c - see netopts.h. */
#include "app/netopts.h"

#include "base/diag.h"
#include "base/sp_error.h"
#include "player/class.h"
#include "player/net/url.h"

#include <stdio.h>
#include <string.h>

void app_net_init(struct app_net *n)
{
    fetch_opts_init(&n->opts);
    n->offsets = NULL;
    n->no_offsets = false;
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
    if (!strcmp(a, "--no-offsets")) {
        n->no_offsets = true;
        return 1;
    }
    const char **dst = NULL;
    if (!strcmp(a, "--offsets"))
        dst = &n->offsets;
    else if (!strcmp(a, "--cache-dir"))
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
           "--insecure       do not verify TLS certificates\n"
           "--offsets FILE   read (and with w, write) sync corrections in FILE\n"
           "                 (default: <manifest>.offsets.json; docs/offsets.md)\n"
           "--no-offsets     apply no sync corrections\n";
}

void app_net_to_class(const struct app_net *n, struct class_opts *co)
{
    co->net = n->opts;
    co->offsets_path = n->offsets;
    co->no_offsets = n->no_offsets;
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

struct fetch *app_lazy_fetch(struct app_lazy_net *ln, const char *url, struct diag_list *diag)
{
    if (!ln->tried) {
        ln->tried = true;
        struct diag_list sub;
        diag_init(&sub);
        ln->start_rc = fetch_create(&ln->net.opts, &ln->f, &sub);
        if (ln->start_rc)
            diag_add(diag, DIAG_ERROR, "%s: the network client could not start: %s", url,
                     sub.count ? sub.items[0].text : sp_strerror(ln->start_rc));
        diag_clear(&sub);
        if (ln->start_rc)
            return NULL;
    }
    if (!ln->f)
        diag_add(diag, DIAG_ERROR, "%s: the network client could not start", url);
    return ln->f;
}

static int lazy_get(void *opaque, const char *url, size_t max_bytes, char **data, size_t *len,
                    struct diag_list *diag)
{
    struct app_lazy_net *ln = opaque;
    enum url_kind kind = url_kind(url);
    if (kind != URL_KIND_HTTP && kind != URL_KIND_HTTPS)
        return sp_loader_get(NULL, url, max_bytes, data, len, diag);
    *data = NULL;
    *len = 0;
    if (!app_lazy_fetch(ln, url, diag))
        return ln->start_rc ? ln->start_rc : SP_ENET;
    struct sp_loader l = fetch_loader(ln->f);
    return l.get(l.opaque, url, max_bytes, data, len, diag);
}

struct sp_loader app_lazy_loader(struct app_lazy_net *ln)
{
    return (struct sp_loader){lazy_get, ln};
}
