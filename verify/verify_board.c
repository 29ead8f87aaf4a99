/* verify_board.c - verify: message pages and the whiteboard they carry.
 * See verify.h. */
#include "verify/verify.h"

#include "player/board/board.h"
#include "player/net/loader.h"
#include "player/recording/manifest.h"
#include "player/recording/rec_assets.h"
#include "player/signaling/file_batches.h"
#include "im/msgpage.h"
#include "base/sp_error.h"
#include "player/net/url.h"

#include <stdlib.h>

struct verify_pages {
    struct verify_report *r;
    const struct recording *rec;
};

/* One page read (in list order): a page that cannot be read is an error
 * (the loader's one line); its content problems are what msgpage says. */
static void verify_page(void *opaque, size_t i, int rc, const struct sig_file_stats *fs,
                        struct diag_list *d)
{
    struct verify_pages *vp = opaque;
    vp->r->file_batches += fs->found;
    vp->r->file_batches_failed += fs->failed;
    if (rc == 0)
        vp->r->pages_read++;
    if (rc && !d->errors)
        diag_add(d, DIAG_ERROR, "%s: %s", vp->rec->message_urls[i], sp_strerror(rc));
    verify_add_diags(vp->r, d, rc ? "pages.unreadable" : "pages.content");
}

int verify_messages(struct verify_report *r, const struct recording *rec,
                    const struct sp_loader *loader, struct msg_log **log_out)
{
    if (log_out)
        *log_out = NULL;
    struct msg_log *log = msg_log_create();
    if (!log)
        return SP_ENOMEM;
    r->pages = rec->n_message_pages;
    struct verify_pages vp = {r, rec};
    int prc = rec_pages_read(rec, loader, log, verify_page, &vp);
    if (prc == SP_ENOMEM) {
        msg_log_destroy(&log);
        return prc;
    }
    r->messages = log->count;

    struct board_log *bl = board_log_create();
    if (!bl) {
        msg_log_destroy(&log);
        return SP_ENOMEM;
    }
    struct diag_list d = {0};
    struct msg_wb_iter it;
    msg_wb_iter_init(&it, log);
    struct msg_wb_batch b;
    while (msg_wb_next(&it, &b)) {
        r->board_batches++;
        int rc = board_log_add_batch(bl, b.data, b.len, b.msg_seq, b.where, &d);
        if (rc == SP_ENOMEM || rc == SP_ELIMIT)
            break;
    }
    int rc = board_log_finish(bl, &d);
    r->board_ops = board_log_op_count(bl);
    struct board_player *bp = NULL;
    if (rc == 0)
        rc = board_player_create(&bp, bl, NULL, &d); /* takes bl, also on failure */
    else
        board_log_free(bl);
    verify_add_diags(r, &d, "board.ops");
    diag_clear(&d);
    board_player_destroy(&bp);
    if (log_out)
        *log_out = log;
    else
        msg_log_destroy(&log);
    return rc == SP_ENOMEM ? rc : 0;
}
