/* board_assets.c - what a board log refers to outside itself: the page
 * images of board.add / board.bg ops. Kept apart from board_log.c so the
 * parser stays as it is; reads the op records through board_internal.h. */
#include "player/board/board.h"
#include "player/board/board_internal.h"

int board_log_image_urls(const struct board_log *log, int (*fn)(void *opaque, const char *url),
                         void *opaque)
{
    if (!log || !fn)
        return 0;
    for (size_t i = 0; i < log->nops; i++) {
        const struct bop *op = &log->ops[i];
        if (op->kind != BOP_BOARD_ADD && op->kind != BOP_BOARD_BG)
            continue;
        if (op->a >= log->nparams)
            continue; /* cannot happen for a parsed op; never read past the pool */
        uint32_t image = log->params[op->a].u[1];
        if (!image)
            continue;
        int rc = fn(opaque, blog_str(log, image - 1));
        if (rc)
            return rc;
    }
    return 0;
}
