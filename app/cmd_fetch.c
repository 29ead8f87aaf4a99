/* cmd_fetch.c - `sigplay fetch SOURCE`: downloads what a recording needs
 * (its documents, message pages, media, page and chat images; the list is
 * player/recording/rec_assets.h's) into the cache, so that later runs on the same
 * SOURCE work without the network. */
#include "app/commands.h"
#include "app/netopts.h"
#include "app/progress.h"
#include "app/stop_signals.h"

#include "player/net/cache.h"
#include "base/diag.h"
#include "player/net/fetch.h"
#include "player/recording/manifest.h"
#include "player/class.h"
#include "player/recording/rec_assets.h"
#include "base/sp_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fetch_progress_ctx {
    struct fetch *f;
    struct app_progress *p;
};

/* app_progress_cb, plus: a stop signal cancels every transfer (the
 * download then checkpoints what it has and returns SP_ECANCELLED). */
static void progress_or_stop(void *opaque, const struct fetch_status *st)
{
    struct fetch_progress_ctx *x = opaque;
    if (app_stop_signal())
        fetch_cancel_all(x->f);
    app_progress_cb(x->p, st);
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: sigplay fetch SOURCE [--cache-dir DIR] [--no-cache] [--ca-file F] "
            "[--insecure]\n"
            "Downloads a recording into the cache for offline play: its manifest, message\n"
            "pages, media, and the page and chat images the pages refer to. A progress\n"
            "bar is drawn when stderr is a terminal.\n"
            "SOURCE: a path, file:// or http(s):// URL, or the web player's link.\n"
            "%s"
            "Exit: 0 everything is cached, 1 a file's size is not the one the recording\n"
            "says (VideoSize; one warning each), 2 something could not be fetched (one\n"
            "line each), 64 bad command line, 128+N stopped by signal N (SIGTERM,\n"
            "SIGINT: what was downloaded stays in the cache, the next fetch resumes).\n",
            app_net_help());
}

/* A fetched file whose size is not the size the recording announces
 * (VideoSize, an image's size) is short or replaced: a warning naming it.
 * Returns 1 when it warned, 0 when the size matches or none is announced. */
static int check_size(struct fetch *f, const struct rec_asset *a, struct diag_list *warn)
{
    if (a->size <= 0)
        return 0;
    struct fetch_stream *s = NULL;
    unsigned flags = a->kind == REC_ASSET_MEDIA ? FETCH_MEDIA : 0;
    if (fetch_stream_open(f, a->url, flags, &s) != 0)
        return 0; /* the download said why it failed already */
    int64_t have = fetch_stream_size(s);
    fetch_stream_close(&s);
    if (have < 0 || have == a->size)
        return 0;
    diag_add(warn, DIAG_WARNING, "%.300s: %lld bytes, but the recording says %lld (%s); %s", a->url,
             (long long)have, (long long)a->size,
             a->kind == REC_ASSET_MEDIA ? "VideoSize" : "its size",
             have < a->size ? "the file is short (an interrupted copy or download?)"
                            : "the file is not the one recorded");
    return 1;
}

int cmd_fetch(int argc, char **argv)
{
    struct app_net net;
    app_net_init(&net);
    const char *source = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return SP_EXIT_OK;
        }
        int r = app_net_parse(&net, argc, argv, &i);
        if (r < 0)
            return SP_EXIT_USAGE;
        if (r > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "sigplay fetch: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return SP_EXIT_USAGE;
        }
        if (source) {
            fprintf(stderr, "sigplay fetch: one SOURCE only\n");
            return SP_EXIT_USAGE;
        }
        source = argv[i];
    }
    if (!source) {
        usage(stderr);
        return SP_EXIT_USAGE;
    }
    struct diag_list diag = {0};
    struct class_opts co;
    class_opts_init(&co);
    co.parts = 0; /* the pages are read below, as assets */
    app_net_to_class(&net, &co);
    co.no_offsets = true; /* nothing is shown */
    struct sp_class *c = NULL;
    int rc = class_open(source, &co, &diag, &c);
    if (rc && rc != SP_ENOTREADY) {
        diag_print(&diag, stderr);
        diag_clear(&diag);
        return SP_EXIT_ERROR;
    }
    const struct recording *rec = class_recording(c);
    if (rc == SP_ENOTREADY) {
        diag_print(&diag, stderr);
        fprintf(stderr, "sigplay: %s: the recording is not ready (Status %s): nothing to fetch\n",
                source, rec->status);
        class_close(&c);
        diag_clear(&diag);
        return SP_EXIT_ERROR;
    }
    struct fetch *f = class_fetch(c, true, &diag);
    if (!f) {
        diag_print(&diag, stderr);
        diag_clear(&diag);
        class_close(&c);
        return SP_EXIT_ERROR;
    }
    const struct sp_loader *loader = class_loader(c);
    diag_clear(&diag); /* field warnings are probe's business */

    /* Reading the pages (to find the images) caches them too. Their
     * content warnings are probe's business as well; a page that cannot be
     * fetched fails again below, with its one line. */
    struct rec_assets assets = {0};
    rc = rec_assets_collect(rec, loader, &diag, &assets);
    diag_clear(&diag);
    if (rc) {
        fprintf(stderr, "sigplay: %s: cannot list what to fetch: %s\n", source, sp_strerror(rc));
        rec_assets_clear(&assets);
        class_close(&c);
        return SP_EXIT_ERROR;
    }
    size_t n = assets.count;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (assets.items[i].size > 0)
            total += assets.items[i].size;
    struct app_progress p;
    app_progress_start(&p, n, total);
    struct fetch_progress_ctx px = {f, &p};
    /* a clean exit on SIGTERM / SIGINT keeps what each download has (the
     * default action would lose everything since the last checkpoint) */
    app_stop_signals_catch();
    size_t failed = 0, mismatched = 0;
    struct diag_list errs = {0};
    for (size_t i = 0; i < n && !app_stop_signal(); i++) {
        const struct rec_asset *a = &assets.items[i];
        app_progress_item(&p, i, a->url);
        struct diag_list d = {0};
        unsigned flags = a->kind == REC_ASSET_MEDIA ? FETCH_MEDIA : 0;
        /* with a known size a download is complete only at that size */
        int fr = fetch_download_expect(f, a->url, flags, a->size > 0 ? a->size : -1,
                                       progress_or_stop, &px, &d);
        if (fr == SP_ERANGE)
            mismatched++; /* one warning line, as check_size()'s */
        else if (fr)
            failed++;
        else
            mismatched += (size_t)check_size(f, a, &d);
        diag_move(&errs, &d);
        app_progress_done(&p, a->size);
    }
    app_progress_end(&p);
    app_stop_signals_restore();
    if (app_stop_signal()) {
        int code = app_stop_signals_report(
            "fetch", "the bytes downloaded so far stay in the cache (the next fetch resumes)");
        diag_clear(&errs);
        rec_assets_clear(&assets);
        class_close(&c);
        return code;
    }
    for (size_t k = 0; k < errs.count; k++)
        fprintf(stderr, "sigplay: %s%s\n", errs.items[k].level == DIAG_WARNING ? "warning: " : "",
                errs.items[k].text);
    char t[32];
    app_human_bytes((double)total, t, sizeof(t));
    if (!failed && mismatched)
        printf("fetched %zu files; %zu not of the size the recording says\n", n, mismatched);
    else if (!failed)
        printf("fetched %zu files (%zu pages, %zu media, %zu board files, %zu images; %s) into "
               "%s%s\n",
               n, assets.by_kind[REC_ASSET_PAGE], assets.by_kind[REC_ASSET_MEDIA],
               assets.by_kind[REC_ASSET_BOARD_FILE], assets.by_kind[REC_ASSET_IMAGE], t,
               cache_dir(fetch_cache(f)), net.opts.no_cache ? " (temporary: --no-cache)" : "");
    else
        printf("fetched %zu of %zu files; %zu failed\n", n - failed, n, failed);
    diag_clear(&errs);
    rec_assets_clear(&assets);
    class_close(&c);
    return failed ? SP_EXIT_ERROR : mismatched ? SP_EXIT_WARN : SP_EXIT_OK;
}
