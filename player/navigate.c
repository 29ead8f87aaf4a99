/* navigate.c - chapters, event stepping and chat search (see navigate.h). */
#include "player/navigate.h"

#include "base/sp_error.h"
#include "base/utf8.h"
#include "im/chat.h"
#include "player/board/board.h"
#include "player/class.h"
#include "player/recording/manifest.h"
#include "player/recording/timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A screen-share segment starting this close (ms) after the previous one
 * of its lane ended continues the same share: no new chapter. */
#define SHARE_GAP_MS 2000

struct tvec {
    int64_t *v;
    size_t n, cap;
};

struct nav_index {
    struct nav_chapter *ch;
    size_t n_ch, cap_ch;
    struct tvec tracks[NAV__TRACKS]; /* NAV_CHAPTERS mirrors ch[].t_us */
};

static int tvec_push(struct tvec *t, int64_t x)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        int64_t *v = realloc(t->v, cap * sizeof(*v));
        if (!v)
            return SP_ENOMEM;
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = x;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts and drops repeats. */
static void tvec_settle(struct tvec *t)
{
    if (t->n < 2)
        return;
    qsort(t->v, t->n, sizeof(*t->v), cmp_i64);
    size_t k = 1;
    for (size_t i = 1; i < t->n; i++)
        if (t->v[i] != t->v[k - 1])
            t->v[k++] = t->v[i];
    t->n = k;
}

/* The first playback µs at which board/wall time w_us is reached, clamped. */
static int64_t play_at(const struct timeline *tl, int64_t w_us)
{
    int64_t t = tl_play_from_wall_us(tl, w_us), total = tl_total_us(tl);
    return t < 0 ? 0 : t > total ? total : t;
}

static int add_chapter(struct nav_index *n, int64_t t_us, unsigned kind, const char *title)
{
    if (n->n_ch == n->cap_ch) {
        size_t cap = n->cap_ch ? n->cap_ch * 2 : 16;
        struct nav_chapter *v = realloc(n->ch, cap * sizeof(*v));
        if (!v)
            return SP_ENOMEM;
        n->ch = v;
        n->cap_ch = cap;
    }
    struct nav_chapter *c = &n->ch[n->n_ch++];
    c->t_us = t_us;
    c->kinds = kind;
    snprintf(c->title, sizeof(c->title), "%s", title);
    return 0;
}

/* The last path component of a URL, without query or fragment. */
static void file_name(const char *url, char *out, size_t cap)
{
    size_t end = strcspn(url, "?#");
    size_t start = end;
    while (start > 0 && url[start - 1] != '/')
        start--;
    size_t len = end - start;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, url + start, len);
    out[len] = '\0';
}

/* The ops that change what the visible page shows (navigate.h). */
static bool is_board_step(enum board_op_kind k)
{
    switch (k) {
    case BOARD_OP_SWITCH:
    case BOARD_OP_BG:
    case BOARD_OP_STROKE_END:
    case BOARD_OP_SHAPE:
    case BOARD_OP_TEXT:
    case BOARD_OP_MOVE:
    case BOARD_OP_ERASE:
    case BOARD_OP_CLEAR:
    case BOARD_OP_UNDO:
    case BOARD_OP_REDO:
    case BOARD_OP_VIEW:
        return true;
    default:
        return false;
    }
}

/* Pages are at most BOARD_MAX_PAGES: their latest image name, by index. */
struct page_img {
    const char **img;
    size_t n;
};

static int board_part(struct nav_index *n, const struct board_log *log, const struct timeline *tl)
{
    size_t count = board_log_op_count(log);
    struct page_img pi = {calloc(BOARD_MAX_PAGES, sizeof(char *)), BOARD_MAX_PAGES};
    if (!pi.img)
        return SP_ENOMEM;
    uint32_t shown = UINT32_MAX;
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        struct board_op_info op;
        if (board_log_op_info(log, i, &op) != 0 || op.skipped)
            continue;
        bool on_page = op.page < pi.n;
        if ((op.kind == BOARD_OP_ADD || op.kind == BOARD_OP_BG) && on_page && op.image)
            pi.img[op.page] = op.image;
        if (op.kind == BOARD_OP_REMOVE && op.page == shown)
            shown = UINT32_MAX;
        bool step = is_board_step(op.kind);
        if (op.kind == BOARD_OP_SWITCH) {
            if (!on_page || op.page == shown)
                continue; /* switching to the page shown changes nothing */
            shown = op.page;
            char title[NAV_TITLE_BYTES], name[96] = "";
            if (pi.img[op.page])
                file_name(pi.img[op.page], name, sizeof(name));
            snprintf(title, sizeof(title), *name ? "Page %u: %s" : "Page %u%s", op.page + 1, name);
            rc = add_chapter(n, play_at(tl, op.t_us), NAV_CHAPTER_PAGE, title);
        } else if (step && op.board && op.page != shown) {
            step = false; /* drawn on a page nobody sees */
        }
        if (step && rc == 0)
            rc = tvec_push(&n->tracks[NAV_BOARD], play_at(tl, op.t_us));
    }
    free(pi.img);
    return rc;
}

static int timeline_part(struct nav_index *n, const struct timeline *tl)
{
    const struct recording *rec = tl_recording(tl);
    int rc = 0;
    for (size_t l = 0; rec && l < rec->n_lanes && rc == 0; l++) {
        const struct rec_lane *ln = &rec->lanes[l];
        if (ln->video_type != 1)
            continue;
        int64_t prev_end = INT64_MIN;
        for (size_t s = 0; s < ln->n_segments && rc == 0; s++) {
            const struct rec_segment *seg = &ln->segments[s];
            if (prev_end == INT64_MIN || seg->play_us > prev_end + SHARE_GAP_MS * 1000) {
                char title[NAV_TITLE_BYTES];
                snprintf(title, sizeof(title), "Screen share: %s",
                         *ln->owner ? ln->owner : ln->name);
                int64_t t = seg->play_us < 0 ? 0 : seg->play_us;
                if (t <= tl_total_us(tl))
                    rc = add_chapter(n, t, NAV_CHAPTER_SHARE, title);
            }
            int64_t end = rec_segment_end_us(seg);
            if (end > prev_end)
                prev_end = end;
        }
    }
    for (size_t i = 0; i < tl_pause_count(tl) && rc == 0; i++) {
        int64_t v = tl_pause_at(tl, i)->video_us;
        if ((rc = tvec_push(&n->tracks[NAV_PAUSES], v)) == 0)
            rc = add_chapter(n, v, NAV_CHAPTER_RESUME, "Resumed after pause");
    }
    return rc;
}

static int cmp_chapter(const void *a, const void *b)
{
    const struct nav_chapter *x = a, *y = b;
    if (x->t_us != y->t_us)
        return x->t_us < y->t_us ? -1 : 1;
    return (int)x->kinds - (int)y->kinds; /* page, then share, then resume */
}

/* Sorts chapters by time and merges the ones at one time. */
static int settle_chapters(struct nav_index *n)
{
    if (n->n_ch > 1)
        qsort(n->ch, n->n_ch, sizeof(*n->ch), cmp_chapter);
    size_t k = 0;
    for (size_t i = 0; i < n->n_ch; i++) {
        if (k > 0 && n->ch[k - 1].t_us == n->ch[i].t_us) {
            struct nav_chapter *c = &n->ch[k - 1];
            /* k - 1 < i: two different chapters, appended by hand (snprintf
               into c->title cannot be shown not to overlap its source) */
            size_t len = strlen(c->title), add = strlen(n->ch[i].title);
            if (len + 2 + add >= sizeof(c->title))
                add = len + 2 < sizeof(c->title) ? sizeof(c->title) - len - 3 : 0;
            if (len + 2 < sizeof(c->title)) {
                memcpy(c->title + len, "; ", 2);
                memcpy(c->title + len + 2, n->ch[i].title, add);
                c->title[len + 2 + add] = '\0';
            }
            c->kinds |= n->ch[i].kinds;
            continue;
        }
        n->ch[k++] = n->ch[i];
    }
    n->n_ch = k;
    for (size_t i = 0; i < n->n_ch; i++)
        if (tvec_push(&n->tracks[NAV_CHAPTERS], n->ch[i].t_us) != 0)
            return SP_ENOMEM;
    return 0;
}

int nav_build(const struct board_log *board, const struct chat_log *chat, const struct timeline *tl,
              struct nav_index **out)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!tl)
        return SP_EINVAL;
    struct nav_index *n = calloc(1, sizeof(*n));
    if (!n)
        return SP_ENOMEM;
    int rc = board ? board_part(n, board, tl) : 0;
    if (rc == 0)
        rc = timeline_part(n, tl);
    for (size_t i = 0; chat && i < chat->count && rc == 0; i++)
        rc = tvec_push(&n->tracks[NAV_CHAT], play_at(tl, chat->items[i].show_us));
    if (rc == 0)
        rc = settle_chapters(n);
    if (rc != 0) {
        nav_destroy(&n);
        return rc;
    }
    for (int k = 0; k < NAV__TRACKS; k++)
        tvec_settle(&n->tracks[k]);
    *out = n;
    return 0;
}

int nav_build_class(const struct sp_class *c, struct nav_index **out)
{
    if (!c)
        return SP_EINVAL;
    const struct board_player *bp = class_board_player(c);
    return nav_build(bp ? board_player_log(bp) : NULL, class_chat(c),
                     class_timeline((struct sp_class *)c), out);
}

void nav_destroy(struct nav_index **pn)
{
    if (!pn || !*pn)
        return;
    struct nav_index *n = *pn;
    free(n->ch);
    for (int k = 0; k < NAV__TRACKS; k++)
        free(n->tracks[k].v);
    free(n);
    *pn = NULL;
}

size_t nav_chapter_count(const struct nav_index *n)
{
    return n ? n->n_ch : 0;
}

const struct nav_chapter *nav_chapter_at(const struct nav_index *n, size_t i)
{
    return n && i < n->n_ch ? &n->ch[i] : NULL;
}

const int64_t *nav_times(const struct nav_index *n, enum nav_track track, size_t *count)
{
    if (!n || (int)track < 0 || track >= NAV__TRACKS) {
        if (count)
            *count = 0;
        return NULL;
    }
    if (count)
        *count = n->tracks[track].n;
    return n->tracks[track].v;
}

/* Index of the first time > t (n if none). */
static size_t first_after(const int64_t *v, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int64_t nav_step(const struct nav_index *n, enum nav_track track, int64_t t_us, int dir)
{
    size_t cnt = 0;
    const int64_t *v = nav_times(n, track, &cnt);
    if (!v || cnt == 0 || dir == 0)
        return NAV_NONE;
    size_t i = first_after(v, cnt, t_us);
    if (dir > 0)
        return i < cnt ? v[i] : NAV_NONE;
    if (track == NAV_CHAPTERS) {
        /* i - 1 is the chapter t_us is in (its start <= t_us) */
        if (i == 0)
            return NAV_NONE;
        if (t_us - v[i - 1] >= NAV_CHAPTER_BACK_US)
            return v[i - 1];
        return i >= 2 ? v[i - 2] : NAV_NONE;
    }
    size_t j = i; /* the last time < t_us is before the run of times == t_us */
    while (j > 0 && v[j - 1] >= t_us)
        j--;
    return j > 0 ? v[j - 1] : NAV_NONE;
}

/* ---- search ----------------------------------------------------------------------------- */

static uint32_t fold(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c < 0x80)
        return c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    /* Latin Extended-A: pairs upper (even) / lower (odd), except the
     * stretch U+0139-U+0148 and U+0179-U+017E, where upper is odd */
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return c | 1u;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return (c & 1u) ? c + 1 : c;
    if (c == 0x178)
        return 0xFF;
    if (c >= 0xFF21 && c <= 0xFF3A) /* fullwidth A-Z */
        return c + 32;
    return c;
}

/* Folds s into a NUL-terminated malloc'd copy; ill-formed bytes become
 * U+FFFD, which never occurs in a folded query made of valid text. */
static char *fold_str(const char *s)
{
    size_t len = strlen(s);
    if (len > SIZE_MAX / 4 - 1)
        return NULL;
    char *out = malloc(len * 3 + 1); /* a fold never grows a code point by more */
    if (!out)
        return NULL;
    size_t pos = 0, o = 0;
    while (pos < len) {
        int32_t cp = utf8_next(s, len, &pos);
        uint32_t f = cp < 0 ? UTF8_REPLACEMENT : fold((uint32_t)cp);
        char buf[4];
        size_t k = utf8_encode(f, buf);
        memcpy(out + o, buf, k);
        o += k;
    }
    out[o] = '\0';
    return out;
}

static bool folded_match(const char *hay, const char *folded_needle)
{
    char *h = fold_str(hay);
    bool r = h && strstr(h, folded_needle) != NULL;
    free(h);
    return r;
}

bool nav_text_match(const char *haystack, const char *needle)
{
    if (!haystack || !needle || !*needle || strlen(needle) > NAV_MAX_QUERY_BYTES ||
        !utf8_valid(needle, strlen(needle)))
        return false;
    char *n = fold_str(needle);
    bool r = n && folded_match(haystack, n);
    free(n);
    return r;
}

static bool item_matches(const struct chat_item *it, const char *folded)
{
    if (folded_match(it->sender, folded))
        return true;
    for (size_t p = 0; p < it->part_count; p++) {
        const struct chat_part *pt = &it->parts[p];
        if (pt->kind == CHAT_PART_IMAGE)
            continue; /* its text is the label "[image]" */
        if (folded_match(pt->full_text ? pt->full_text : pt->text, folded))
            return true;
    }
    return false;
}

int nav_chat_search(const struct chat_log *chat, const struct timeline *tl, const char *query,
                    struct nav_hit **hits)
{
    if (!hits)
        return SP_EINVAL;
    *hits = NULL;
    if (!chat || !tl || !query || strlen(query) > NAV_MAX_QUERY_BYTES)
        return SP_EINVAL;
    if (!*query || !chat->count || !utf8_valid(query, strlen(query)))
        return 0; /* an ill-formed query matches nothing */
    char *folded = fold_str(query);
    if (!folded)
        return SP_ENOMEM;
    struct nav_hit *v = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; i < chat->count; i++) {
        if (!item_matches(&chat->items[i], folded))
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            struct nav_hit *nv = realloc(v, nc * sizeof(*nv));
            if (!nv) {
                rc = SP_ENOMEM;
                break;
            }
            v = nv;
            cap = nc;
        }
        v[n++] = (struct nav_hit){i, play_at(tl, chat->items[i].show_us)};
    }
    free(folded);
    if (rc != 0 || n > (size_t)INT32_MAX) {
        free(v);
        return rc ? rc : SP_ELIMIT;
    }
    *hits = v;
    return (int)n;
}

long nav_hit_step(const struct nav_hit *hits, size_t n, int64_t t_us, int dir)
{
    if (!hits || dir == 0)
        return -1;
    if (dir > 0) {
        for (size_t i = 0; i < n; i++)
            if (hits[i].t_us > t_us)
                return (long)i;
        return -1;
    }
    for (size_t i = n; i > 0; i--)
        if (hits[i - 1].t_us < t_us)
            return (long)(i - 1);
    return -1;
}
