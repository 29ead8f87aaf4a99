/* class_scene.c - pages -> board + chat, images on demand, one draw call
 * per frame through the compositor. See class_scene.h. */
#include "render/class_scene.h"

#include <libavutil/frame.h>
#include <stdlib.h>
#include <string.h>

#include "im/chat.h"
#include "player/board.h"
#include "player/msgpage.h"
#include "player/sp_error.h"
#include "player/url.h"
#include "render/chat_panel.h"
#include "render/compose.h"
#include "render/image.h"

struct cached_image {
    char *url;         /* absolute; owned */
    struct image *img; /* NULL: could not be read or decoded (not retried) */
};

struct class_scene {
    const struct recording *rec;
    const struct timeline *tl;
    const struct sp_loader *loader;
    struct text_ctx *text;
    bool own_text;
    bool has_board;
    struct msg_log *msgs;       /* kept: chat items point into it */
    struct board_player *board; /* NULL without pages */
    struct chat_log *chat;
    struct chat_panel *panel;
    struct compose *comp;
    struct cached_image *images;
    size_t n_images;
    size_t image_bytes;
    struct diag_list img_diag; /* image problems, once each (not shown per frame) */
    struct compose_lane *lanes;
    struct compose_picture *pics;
};

/* ---- images ------------------------------------------------------------------ */

static struct image *get_image(struct class_scene *cs, const char *ref)
{
    if (!ref || !*ref)
        return NULL;
    char *url = NULL;
    const char *base = cs->rec->doc_url;
    if (base && *base) {
        if (url_resolve(base, ref, &url) != 0)
            return NULL;
    } else {
        url = strdup(ref);
        if (!url)
            return NULL;
    }
    for (size_t i = 0; i < cs->n_images; i++) {
        if (!strcmp(cs->images[i].url, url)) {
            free(url);
            return cs->images[i].img;
        }
    }
    if (cs->n_images >= CLASS_SCENE_MAX_IMAGES) {
        free(url);
        return NULL;
    }
    struct cached_image *grown = realloc(cs->images, (cs->n_images + 1) * sizeof(*cs->images));
    if (!grown) {
        free(url);
        return NULL;
    }
    cs->images = grown;
    struct cached_image *ci = &cs->images[cs->n_images++];
    ci->url = url;
    ci->img = NULL;
    char *data = NULL;
    size_t len = 0;
    if (sp_loader_get(cs->loader, url, IMAGE_MAX_FILE_BYTES, &data, &len, &cs->img_diag) == 0) {
        struct image *img = NULL;
        int rc = image_decode((const uint8_t *)data, len, &img);
        if (rc == 0) {
            size_t bytes = (size_t)img->w * (size_t)img->h * 4;
            if (cs->image_bytes + bytes <= CLASS_SCENE_MAX_IMAGE_BYTES) {
                ci->img = img;
                cs->image_bytes += bytes;
            } else {
                diag_add(&cs->img_diag, DIAG_WARNING, "%s: not shown: images over %zu MiB", url,
                         CLASS_SCENE_MAX_IMAGE_BYTES >> 20);
                image_free(img);
            }
        } else {
            diag_add(&cs->img_diag, DIAG_WARNING, "%s: cannot decode the image: %s", url,
                     sp_strerror(rc));
        }
    }
    free(data);
    return ci->img;
}

static struct image *board_image(void *opaque, const char *url)
{
    return get_image(opaque, url);
}

static struct image *chat_image(void *ud, const char *url)
{
    return get_image(ud, url);
}

static int64_t chat_clock(void *ud, int64_t wall_ms)
{
    struct class_scene *cs = ud;
    return tl_play_from_wall(cs->tl, wall_ms);
}

static int draw_chat(void *opaque, struct canvas *c, struct canvas_rect r)
{
    struct class_scene *cs = opaque;
    return cs->panel ? chat_panel_draw(cs->panel, c, r) : 0;
}

/* ---- life ------------------------------------------------------------------------ */

static int read_pages(struct class_scene *cs, struct diag_list *diag)
{
    const struct recording *rec = cs->rec;
    for (size_t i = 0; i < rec->n_message_pages; i++) {
        const char *url = rec->message_urls[i];
        char *json = NULL;
        size_t len = 0;
        int rc = sp_loader_get(cs->loader, url, MSG_PAGE_MAX_BYTES, &json, &len, diag);
        if (rc == SP_ENOMEM)
            return rc;
        if (rc)
            continue; /* the loader said why */
        char *name = url_display_name(url);
        rc = msg_log_add_json(cs->msgs, json, len, name ? name : url, diag);
        free(name);
        free(json);
        if (rc == SP_ENOMEM)
            return rc;
    }
    return 0;
}

static int build_board(struct class_scene *cs, struct diag_list *diag)
{
    struct board_log *log = board_log_create();
    if (!log)
        return SP_ENOMEM;
    struct msg_wb_iter it;
    struct msg_wb_batch b;
    msg_wb_iter_init(&it, cs->msgs);
    while (msg_wb_next(&it, &b)) {
        int rc = board_log_add_batch(log, b.data, b.len, b.msg_seq, b.where, diag);
        if (rc == SP_ENOMEM || rc == SP_ELIMIT) {
            if (rc == SP_ENOMEM) {
                board_log_free(log);
                return rc;
            }
            break; /* a log-wide cap: keep what came before */
        }
    }
    int rc = board_log_finish(log, diag);
    if (rc) {
        board_log_free(log);
        return rc;
    }
    return board_player_create(&cs->board, log, NULL, diag); /* takes the log */
}

int class_scene_create(const struct recording *rec, const struct timeline *tl,
                       const struct class_scene_opts *opts, struct diag_list *diag,
                       struct class_scene **out)
{
    *out = NULL;
    if (!rec || !tl)
        return SP_EINVAL;
    struct class_scene *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return SP_ENOMEM;
    cs->rec = rec;
    cs->tl = tl;
    cs->loader = opts ? opts->loader : NULL;
    int rc = 0;
    if (opts && opts->text) {
        cs->text = opts->text;
    } else {
        rc = text_create(&cs->text);
        cs->own_text = true;
    }
    size_t n = rec->n_lanes ? rec->n_lanes : 1;
    cs->lanes = rc ? NULL : calloc(n, sizeof(*cs->lanes));
    cs->pics = rc ? NULL : calloc(n, sizeof(*cs->pics));
    if (!rc && (!cs->lanes || !cs->pics))
        rc = SP_ENOMEM;
    if (!rc) {
        struct compose_opts co = {.board_w = rec->board_w,
                                  .board_h = rec->board_h,
                                  .get_image = board_image,
                                  .image_opaque = cs,
                                  .text = cs->text};
        rc = compose_create(&cs->comp, &co);
    }
    if (!rc && rec->n_message_pages > 0) {
        cs->has_board = true;
        cs->msgs = msg_log_create();
        rc = cs->msgs ? read_pages(cs, diag) : SP_ENOMEM;
        if (!rc)
            rc = build_board(cs, diag);
        if (!rc)
            rc = chat_log_build(cs->msgs, &cs->chat, diag);
        if (!rc) {
            struct chat_panel_opts po = {
                .class_time = chat_clock, .class_time_ud = cs, .image = chat_image, .image_ud = cs};
            rc = chat_panel_create(cs->text, cs->chat, &po, &cs->panel);
        }
    }
    if (rc) {
        class_scene_destroy(&cs);
        return rc;
    }
    *out = cs;
    return 0;
}

void class_scene_destroy(struct class_scene **csp)
{
    if (!csp || !*csp)
        return;
    struct class_scene *cs = *csp;
    chat_panel_destroy(&cs->panel);
    chat_log_destroy(&cs->chat);
    board_player_destroy(&cs->board);
    msg_log_destroy(&cs->msgs);
    compose_destroy(&cs->comp);
    for (size_t i = 0; i < cs->n_images; i++) {
        free(cs->images[i].url);
        image_free(cs->images[i].img);
    }
    free(cs->images);
    diag_clear(&cs->img_diag);
    if (cs->own_text)
        text_destroy(&cs->text);
    free(cs->lanes);
    free(cs->pics);
    free(cs);
    *csp = NULL;
}

bool class_scene_has_board(const struct class_scene *cs)
{
    return cs && cs->has_board;
}

struct chat_panel *class_scene_chat(struct class_scene *cs)
{
    return cs ? cs->panel : NULL;
}

void class_scene_take_diags(struct class_scene *cs, struct diag_list *dst)
{
    if (cs)
        diag_move(dst, &cs->img_diag);
}

/* ---- drawing ---------------------------------------------------------------------- */

int class_scene_draw(struct class_scene *cs, const struct layout *l, int64_t w_ms,
                     const struct lane_view *const *views, size_t n, bool chat_on,
                     struct canvas *dst)
{
    if (!cs || !l || !dst || (n && !views))
        return SP_EINVAL;
    const struct recording *rec = cs->rec;
    for (size_t i = 0; i < rec->n_lanes; i++) {
        const struct lane_view *v = i < n ? views[i] : NULL;
        struct compose_lane *ln = &cs->lanes[i];
        ln->name = rec->lanes[i].name;
        ln->kind = rec->lanes[i].kind;
        ln->pic = NULL;
        if (v && v->state != LANE_PLACEHOLDER && v->frame) {
            compose_picture_from_avframe(&cs->pics[i], v->frame);
            ln->pic = &cs->pics[i];
        }
    }
    const struct board_state *bs = NULL;
    if (cs->board) {
        int rc = board_seek(cs->board, w_ms);
        if (rc)
            return rc;
        bs = board_player_state(cs->board);
    }
    if (cs->panel && chat_on)
        chat_panel_set_time(cs->panel, w_ms);
    struct compose_scene s = {.lanes = cs->lanes,
                              .n_lanes = rec->n_lanes,
                              .has_board = cs->has_board,
                              .board = bs,
                              .chat = cs->panel ? draw_chat : NULL,
                              .chat_opaque = cs,
                              .chat_on = chat_on};
    return compose_draw(cs->comp, l, &s, dst);
}
