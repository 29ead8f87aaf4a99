/* class_scene.c - the class's state at t -> one draw call per frame
 * through the compositor, images on demand. See class_scene.h. */
#include "render/class_scene.h"

#include <libavutil/frame.h>
#include <stdlib.h>
#include <string.h>

#include "im/chat.h"
#include "player/board/board.h"
#include "player/class.h"
#include "player/playloop.h"
#include "base/sp_error.h"
#include "player/net/url.h"
#include "render/board_draw.h"
#include "render/chat_panel.h"
#include "render/compose.h"
#include "render/image.h"
#include "render/layer_cache.h"
#include "render/thumb_cache.h"

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
    const struct chat_log *chat; /* the model the panel was made for (borrowed) */
    uint64_t chat_gen;           /* its generation */
    struct chat_panel *panel;
    struct compose *comp;
    struct cached_image *images;
    size_t n_images;
    size_t image_bytes;
    struct diag_list img_diag; /* image problems, once each (not shown per frame) */
    struct compose_lane *lanes;
    struct compose_picture *pics;
    struct board_draw *thumb;   /* class_scene_draw_board()'s drawer; NULL until used */
    int thumb_w, thumb_h;       /* its size (pixels) */
    struct thumb_cache *thumbs; /* class_scene_draw_board_at_us()'s; NULL until used */
    struct layer_cache *layers; /* the board's pages kept between runs; NULL: none */
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
    enum url_named v = base && *base ? url_named_check(base, url) : URL_NAMED_OK;
    if (v != URL_NAMED_OK) {
        /* the scheme allow-list: one line with the reason, never a fetch
           nor a failed decode; kept as an image that is not there, so it
           is said once, not at every frame */
        diag_add(&cs->img_diag, DIAG_WARNING, "%.300s: image not loaded: %s", url,
                 url_named_reason(v));
        return NULL;
    }
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

static int64_t chat_clock(void *ud, int64_t wall_us)
{
    struct class_scene *cs = ud;
    return tl_play_from_wall_us(cs->tl, wall_us);
}

static int draw_chat(void *opaque, struct canvas *c, struct canvas_rect r)
{
    struct class_scene *cs = opaque;
    return cs->panel ? chat_panel_draw(cs->panel, c, r) : 0;
}

/* ---- life ------------------------------------------------------------------------ */

int class_scene_create(const struct recording *rec, const struct timeline *tl,
                       const struct class_scene_opts *opts, struct class_scene **out)
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
        const char *key = rec->doc_url;
        if (opts && opts->layer_cache_dir && key && *key) {
            struct layer_cache_opts lo = {.dir = opts->layer_cache_dir,
                                          .key = key,
                                          .board_w = rec->board_w,
                                          .board_h = rec->board_h,
                                          .get_image = board_image,
                                          .opaque = cs};
            rc = layer_cache_create(&lo, &cs->layers);
            co.layer_cache = cs->layers;
        }
        if (!rc)
            rc = compose_create(&cs->comp, &co);
    }
    if (rc) {
        class_scene_destroy(&cs);
        return rc;
    }
    *out = cs;
    return 0;
}

/* The chat panel follows the class's chat model: a new generation of the
 * signaling replaces the model, and the panel (which points into it) is
 * made again for it. */
static int bind_chat(struct class_scene *cs, const struct chat_log *chat, uint64_t gen)
{
    if (chat == cs->chat && gen == cs->chat_gen)
        return 0;
    chat_panel_destroy(&cs->panel);
    cs->chat = chat;
    cs->chat_gen = gen;
    if (!chat)
        return 0;
    struct chat_panel_opts po = {
        .class_time = chat_clock, .class_time_ud = cs, .image = chat_image, .image_ud = cs};
    return chat_panel_create(cs->text, chat, &po, &cs->panel);
}

void class_scene_destroy(struct class_scene **csp)
{
    if (!csp || !*csp)
        return;
    struct class_scene *cs = *csp;
    chat_panel_destroy(&cs->panel);
    compose_destroy(&cs->comp);
    layer_cache_destroy(&cs->layers);
    board_draw_destroy(&cs->thumb);
    thumb_cache_destroy(&cs->thumbs);
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

struct chat_panel *class_scene_chat(struct class_scene *cs)
{
    return cs ? cs->panel : NULL;
}

void class_scene_take_diags(struct class_scene *cs, struct diag_list *dst)
{
    if (cs) {
        diag_move(dst, &cs->img_diag);
        compose_take_diags(cs->comp, dst);
    }
}

/* ---- drawing ---------------------------------------------------------------------- */

int class_scene_draw(struct class_scene *cs, const struct layout *l, const struct class_frame *f,
                     struct canvas *dst)
{
    if (!cs || !l || !f || !dst || (f->n && !f->views))
        return SP_EINVAL;
    const struct recording *rec = cs->rec;
    for (size_t i = 0; i < rec->n_lanes; i++) {
        const struct lane_view *v = i < f->n ? f->views[i] : NULL;
        struct compose_lane *ln = &cs->lanes[i];
        ln->name = rec->lanes[i].name;
        ln->kind = rec->lanes[i].kind;
        ln->pic = NULL;
        ln->unavailable = v ? v->unavailable : NULL;
        if (v && v->state != LANE_PLACEHOLDER && v->frame) {
            compose_picture_from_avframe(&cs->pics[i], v->frame);
            ln->pic = &cs->pics[i];
        }
    }
    int rc = bind_chat(cs, f->chat, f->chat_gen);
    if (rc)
        return rc;
    if (cs->panel && f->chat_on)
        chat_panel_set_time(cs->panel, f->w_us);
    struct compose_scene s = {.lanes = cs->lanes,
                              .n_lanes = rec->n_lanes,
                              .has_board = f->has_board,
                              .board = f->board,
                              .chat = cs->panel ? draw_chat : NULL,
                              .chat_opaque = cs,
                              .chat_on = f->chat_on};
    return compose_draw(cs->comp, l, &s, dst);
}

void class_scene_frame(struct sp_class *c, bool chat_on, const struct lane_view **views, size_t cap,
                       struct class_frame *f)
{
    struct player *p = class_player(c);
    size_t n = p ? player_lane_count(p) : 0;
    if (n > cap)
        n = cap;
    for (size_t i = 0; i < n; i++)
        views[i] = player_lane_view(p, i);
    int64_t w_us = class_board_us(c);
    *f = (struct class_frame){.w_us = w_us,
                              .views = views,
                              .n = n,
                              .has_board = class_has_board(c),
                              .board = class_board(c),
                              .chat = class_chat(c),
                              .chat_gen = class_signal_generation(c),
                              .chat_on = chat_on};
}

int class_scene_draw_board(struct class_scene *cs, const struct board_state *s, struct canvas *dst)
{
    if (!cs || !dst || dst->w < 1 || dst->h < 1)
        return SP_EINVAL;
    int rc = 0;
    if (!cs->thumb) {
        struct board_draw_opts o = {.board_w = cs->rec->board_w,
                                    .board_h = cs->rec->board_h,
                                    .get_image = board_image,
                                    .opaque = cs,
                                    .text = cs->text};
        rc = board_draw_create(&cs->thumb, dst->w, dst->h, &o);
    } else if (cs->thumb_w != dst->w || cs->thumb_h != dst->h) {
        rc = board_draw_resize(cs->thumb, dst->w, dst->h);
    }
    if (rc)
        return rc;
    cs->thumb_w = dst->w;
    cs->thumb_h = dst->h;
    /* the whole page straight into dst: a thumbnail is drawn once per
     * hovered time, so the incremental layer would only cost a copy */
    return board_draw_full(cs->thumb, s, dst);
}

/* The thumbnail cache at w x h, made on first use. */
static int thumbs_at(struct class_scene *cs, int w, int h)
{
    if (cs->thumbs)
        return thumb_cache_resize(cs->thumbs, w, h);
    struct thumb_cache_opts o = {.board_w = cs->rec->board_w,
                                 .board_h = cs->rec->board_h,
                                 .get_image = board_image,
                                 .opaque = cs,
                                 .text = cs->text};
    return thumb_cache_create(&cs->thumbs, w, h, &o);
}

int class_scene_draw_board_at_us(struct class_scene *cs, const struct board_player *bp,
                                 uint64_t gen, int64_t w_us, struct canvas *dst)
{
    if (!cs || !dst || dst->w < 1 || dst->h < 1)
        return SP_EINVAL;
    int rc = thumbs_at(cs, dst->w, dst->h);
    return rc ? rc : thumb_cache_draw_us(cs->thumbs, bp, gen, w_us, dst);
}

int class_scene_prepare_thumbs(struct class_scene *cs, const struct board_player *bp, uint64_t gen,
                               int w, int h, int64_t budget_us)
{
    if (!cs || w < 1 || h < 1)
        return SP_EINVAL;
    int rc = thumbs_at(cs, w, h);
    return rc ? rc : thumb_cache_prepare(cs->thumbs, bp, gen, budget_us);
}

void class_scene_thumb_stats(const struct class_scene *cs, struct thumb_cache_stats *st)
{
    thumb_cache_get_stats(cs ? cs->thumbs : NULL, st);
}

int class_scene_draw_thumb_frame(struct class_scene *cs, const void *avframe, struct canvas *dst)
{
    if (!cs || !avframe || !dst)
        return SP_EINVAL;
    struct compose_picture pic;
    compose_picture_from_avframe(&pic, avframe);
    if (pic.w < 1 || pic.h < 1)
        return SP_EINVAL;
    /* a third of the thumbnail at most, the picture's aspect, 2 px in */
    int m = 2, bw = dst->w / 3, bh = dst->h / 3;
    if (bw < 4 || bh < 4)
        return 0; /* too small a thumbnail to show a face in */
    if ((int64_t)bw * pic.h > (int64_t)bh * pic.w)
        bw = (int)((int64_t)bh * pic.w / pic.h);
    else
        bh = (int)((int64_t)bw * pic.h / pic.w);
    bw = bw < 1 ? 1 : bw;
    bh = bh < 1 ? 1 : bh;
    struct canvas_rect r = {dst->w - m - bw, dst->h - m - bh, bw, bh};
    struct canvas_rect edge = {r.x - 1, r.y - 1, r.w + 2, r.h + 2};
    /* the frame is drawn under the picture, so nothing changes when it cannot be scaled */
    struct canvas *keep = NULL;
    int rc = canvas_create(&keep, dst->w, dst->h);
    if (rc)
        return rc;
    canvas_copy_rect(keep, dst, edge);
    canvas_fill_rect(dst, edge, canvas_rgba(20, 20, 20, 255));
    rc = compose_draw_picture(cs->comp, dst, r, &pic, NULL);
    if (rc)
        canvas_copy_rect(dst, keep, edge);
    canvas_destroy(&keep);
    return rc;
}
