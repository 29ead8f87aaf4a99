/* chat.c - IM messages to chat items (see chat.h for the rules). */
#include "im/chat.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/platform/os_libc.h"
#include "base/utf8.h"
#include "base/sp_error.h"

/* Longest Face Data taken for an emoji (a ZWJ family sequence is ~25 bytes). */
#define EMOJI_MAX_BYTES 64

unsigned chat_sender_color(const char *sender)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)(sender ? sender : ""); *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h % CHAT_SENDER_COLORS;
}

static void part_clear(struct chat_part *p)
{
    free(p->text);
    free(p->full_text);
    free(p->url);
}

static void item_clear(struct chat_item *it)
{
    for (size_t i = 0; i < it->part_count; i++)
        part_clear(&it->parts[i]);
    free(it->parts);
    free(it->sender);
}

void chat_log_destroy(struct chat_log **chatp)
{
    if (!chatp || !*chatp)
        return;
    struct chat_log *c = *chatp;
    for (size_t i = 0; i < c->count; i++)
        item_clear(&c->items[i]);
    free(c->items);
    free(c->show);
    for (size_t i = 0; i < c->page_count; i++)
        free(c->pages[i]);
    free(c->pages);
    free(c);
    *chatp = NULL;
}

/* Repaired copy; *bad counts replacements. NULL only out of memory. */
static char *repaired(const char *s, size_t *bad)
{
    size_t n = 0;
    char *r = utf8_repair(s ? s : "", s ? strlen(s) : 0, NULL, &n);
    *bad += n;
    return r;
}

static char *fmt_dup(const char *fmt, ...) SP_FORMAT_PRINTF(1, 2);

static char *fmt_dup(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* "2.0 KB" style, into buf. */
static void human_size(int64_t bytes, char *buf, size_t cap)
{
    static const char *const unit[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%" PRId64 " B", bytes);
    else
        snprintf(buf, cap, "%.1f %s", v, unit[u]);
}

/* One-line placeholder for file, sound, video and location elements. The
 * names inside come from the page and are repaired. */
static char *placeholder(const struct msg_elem *e, size_t *bad)
{
    char size[32] = "";
    if (e->size >= 0)
        human_size(e->size, size, sizeof(size));
    char *name = NULL, *out = NULL;
    switch (e->type) {
    case MSG_ELEM_FILE:
        name = repaired(e->file_name && *e->file_name ? e->file_name : "file", bad);
        if (name)
            out = size[0] ? fmt_dup("[file] %s (%s)", name, size) : fmt_dup("[file] %s", name);
        break;
    case MSG_ELEM_SOUND:
        out = e->seconds >= 0 ? fmt_dup("[voice message] %" PRId64 " s", e->seconds)
                              : fmt_dup("[voice message]");
        break;
    case MSG_ELEM_VIDEO:
        if (e->seconds >= 0 && size[0])
            out = fmt_dup("[video] %" PRId64 " s (%s)", e->seconds, size);
        else if (e->seconds >= 0)
            out = fmt_dup("[video] %" PRId64 " s", e->seconds);
        else
            out = size[0] ? fmt_dup("[video] (%s)", size) : fmt_dup("[video]");
        break;
    case MSG_ELEM_LOCATION:
        if (e->desc && *e->desc) {
            /* Keep it one line: a long description is cut. */
            name = repaired(e->desc, bad);
            if (name) {
                size_t len = strlen(name);
                size_t cut = utf8_prefix(name, len, 200, 80, 1);
                out = fmt_dup("[location] %.*s%s", (int)cut, name, cut < len ? CHAT_ELLIPSIS : "");
            }
        } else {
            out = fmt_dup("[location]");
        }
        break;
    default:
        break;
    }
    free(name);
    return out;
}

/* Fills a TEXT part from s, cutting a long one into a preview. */
static int text_part(struct chat_part *p, enum msg_elem_type src, const char *s, bool was_cut,
                     size_t *bad)
{
    p->kind = CHAT_PART_TEXT;
    p->source = src;
    size_t len = 0, n = 0;
    char *full = utf8_repair(s ? s : "", s ? strlen(s) : 0, &len, &n);
    if (!full)
        return SP_ENOMEM;
    *bad += n;
    size_t cut =
        utf8_prefix(full, len, CHAT_PREVIEW_BYTES, CHAT_PREVIEW_CODEPOINTS, CHAT_PREVIEW_LINES);
    if (cut == len && !was_cut) {
        p->text = full;
        return 0;
    }
    p->text = fmt_dup("%.*s%s", (int)cut, full, CHAT_ELLIPSIS);
    if (!p->text) {
        free(full);
        return SP_ENOMEM;
    }
    p->full_text = full;
    p->truncated = true;
    return 0;
}

static const struct msg_image_info *pick_image(const struct msg_elem *e)
{
    static const int order[] = {3, 2, 1};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < e->image_count; i++)
            if (e->images[i].type == order[k] && e->images[i].url && *e->images[i].url)
                return &e->images[i];
    for (size_t i = 0; i < e->image_count; i++)
        if (e->images[i].url && *e->images[i].url)
            return &e->images[i];
    return NULL;
}

/* True if s looks like an emoji rather than a face name: short, non-empty,
 * with some non-ASCII code point. */
static bool looks_like_emoji(const char *s)
{
    if (!s || !*s)
        return false;
    size_t len = strlen(s);
    if (len > EMOJI_MAX_BYTES || !utf8_valid(s, len))
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

/* Returns 1 part made, 0 element not for the chat, SP_ENOMEM. */
static int make_part(const struct msg_message *m, size_t ei, struct chat_part *p, size_t *bad,
                     struct chat_log *c, struct diag_list *diag)
{
    const struct msg_elem *e = &m->elems[ei];
    memset(p, 0, sizeof(*p));
    p->source = e->type;
    p->face_index = -1;
    switch (e->type) {
    case MSG_ELEM_TEXT:
        if (!e->text)
            return 0; /* msgpage warned: "Text: missing" */
        return text_part(p, e->type, e->text, e->text_cut, bad) < 0 ? SP_ENOMEM : 1;
    case MSG_ELEM_FACE:
        if (looks_like_emoji(e->data)) {
            p->kind = CHAT_PART_EMOJI;
            p->text = repaired(e->data, bad);
        } else if (e->index >= 0) {
            p->kind = CHAT_PART_FACE;
            p->face_index = e->index;
            p->text = (e->data && *e->data) ? repaired(e->data, bad)
                                            : fmt_dup("[face %" PRId64 "]", e->index);
        } else {
            p->kind = CHAT_PART_PLACEHOLDER;
            p->text = (e->data && *e->data) ? repaired(e->data, bad) : fmt_dup("[face]");
        }
        break;
    case MSG_ELEM_IMAGE: {
        const struct msg_image_info *img = pick_image(e);
        p->kind = CHAT_PART_IMAGE;
        p->text = fmt_dup("[image]");
        if (!img) {
            diag_add(diag, DIAG_WARNING,
                     "%s: RspMsgList[%d].MsgBody[%zu].MsgContent."
                     "ImageInfoArray: no image with a URL; shown as a placeholder",
                     m->page, m->index, ei);
            break;
        }
        p->image_type = img->type;
        p->width = img->width;
        p->height = img->height;
        p->url = strdup(img->url);
        if (!p->url) {
            free(p->text);
            return SP_ENOMEM;
        }
        break;
    }
    case MSG_ELEM_FILE:
        if (msg_elem_is_board_file(e)) {
            c->board_elems++;
            return 0;
        }
        /* fall through */
    case MSG_ELEM_SOUND:
    case MSG_ELEM_VIDEO:
    case MSG_ELEM_LOCATION:
        p->kind = CHAT_PART_PLACEHOLDER;
        p->text = placeholder(e, bad);
        break;
    case MSG_ELEM_CUSTOM:
        if (msg_elem_is_whiteboard(e)) {
            c->board_elems++;
            return 0;
        }
        if (msg_elem_is_conference(e))
            return 0; /* the SDK's time sync: not chat */
        if (e->desc && *e->desc)
            return text_part(p, e->type, e->desc, false, bad) < 0 ? SP_ENOMEM : 1;
        p->kind = CHAT_PART_PLACEHOLDER;
        p->text = fmt_dup("[custom message]");
        break;
    case MSG_ELEM_RELAY: {
        p->kind = CHAT_PART_PLACEHOLDER;
        char *title = e->text && *e->text ? repaired(e->text, bad) : NULL;
        size_t cut = title ? utf8_prefix(title, strlen(title), 200, 80, 1) : 0;
        p->text = title ? fmt_dup("[merged messages] %.*s", (int)cut, title)
                        : fmt_dup("[merged messages]");
        free(title);
        break;
    }
    case MSG_ELEM_UNKNOWN:
        if (!e->type_name[0])
            return 0; /* not even an object; msgpage warned */
        p->kind = CHAT_PART_PLACEHOLDER;
        {
            char *name = repaired(e->type_name, bad);
            size_t cut = name ? utf8_prefix(name, strlen(name), 64, SIZE_MAX, 1) : 0;
            p->text = name ? fmt_dup("[unsupported message: %.*s]", (int)cut, name) : NULL;
            free(name);
        }
        break;
    }
    return p->text ? 1 : SP_ENOMEM;
}

/* Page names, interned while building: one copy per distinct name, owned by
 * the chat log, so the message log can go right after chat_log_build(). */
struct page_set {
    struct chat_log *c;
    size_t *table;        /* slots hold index + 1 into c->pages, 0 empty */
    size_t tcap;          /* power of two, kept at most half full */
    size_t cap;           /* capacity of c->pages */
    const char *last_src; /* messages of one page share its name pointer: a fast path */
    const char *last;
};

static size_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return (size_t)h;
}

static int page_set_grow(struct page_set *ps)
{
    size_t ncap = ps->tcap ? ps->tcap * 2 : 64;
    size_t *t = calloc(ncap, sizeof(*t));
    if (!t)
        return SP_ENOMEM;
    for (size_t i = 0; i < ps->c->page_count; i++) {
        size_t h = name_hash(ps->c->pages[i]) & (ncap - 1);
        while (t[h])
            h = (h + 1) & (ncap - 1);
        t[h] = i + 1;
    }
    free(ps->table);
    ps->table = t;
    ps->tcap = ncap;
    return 0;
}

/* The chat log's copy of name (NULL stays NULL); *out NULL only with SP_ENOMEM. */
static int page_intern(struct page_set *ps, const char *name, const char **out)
{
    *out = NULL;
    if (!name)
        return 0;
    if (name == ps->last_src) {
        *out = ps->last;
        return 0;
    }
    struct chat_log *c = ps->c;
    if ((c->page_count + 1) * 2 > ps->tcap && page_set_grow(ps))
        return SP_ENOMEM;
    size_t h = name_hash(name) & (ps->tcap - 1);
    while (ps->table[h] && strcmp(c->pages[ps->table[h] - 1], name) != 0)
        h = (h + 1) & (ps->tcap - 1);
    if (!ps->table[h]) {
        if (c->page_count == ps->cap) {
            size_t ncap = ps->cap ? ps->cap * 2 : 16;
            char **n = realloc(c->pages, ncap * sizeof(*n));
            if (!n)
                return SP_ENOMEM;
            c->pages = n;
            ps->cap = ncap;
        }
        char *copy = strdup(name);
        if (!copy)
            return SP_ENOMEM;
        c->pages[c->page_count++] = copy;
        ps->table[h] = c->page_count;
    }
    ps->last_src = name;
    ps->last = c->pages[ps->table[h] - 1];
    *out = ps->last;
    return 0;
}

static int make_item(const struct msg_message *m, struct chat_item *it, struct chat_log *c,
                     struct page_set *ps, struct diag_list *diag)
{
    memset(it, 0, sizeof(*it));
    it->seq = m->seq;
    it->index = m->index;
    if (m->is_system)
        return 0;
    if (m->elem_count == 0 && !m->is_recalled)
        return 0;
    it->parts = calloc(m->elem_count ? m->elem_count : 1, sizeof(*it->parts));
    if (!it->parts)
        return SP_ENOMEM;
    size_t bad = 0;
    if (m->is_recalled) {
        /* IM clients' line for a recalled message; the body is gone */
        struct chat_part *p = &it->parts[it->part_count++];
        p->kind = CHAT_PART_NOTICE;
        p->source = MSG_ELEM_UNKNOWN;
        p->face_index = -1;
        char *who = repaired(m->from[0] ? m->from : "(unknown)", &bad);
        p->text = who ? fmt_dup("%s recalled a message", who) : NULL;
        free(who);
        if (!p->text)
            return SP_ENOMEM;
    }
    for (size_t i = 0; i < m->elem_count && !m->is_recalled; i++) {
        int r = make_part(m, i, &it->parts[it->part_count], &bad, c, diag);
        if (r < 0)
            return r;
        if (r == 1) {
            it->truncated |= it->parts[it->part_count].truncated;
            it->part_count++;
        }
    }
    if (it->part_count == 0)
        return 0;
    if (page_intern(ps, m->page, &it->page))
        return SP_ENOMEM;
    it->sender = repaired(m->from[0] ? m->from : "(unknown)", &bad);
    if (!it->sender)
        return SP_ENOMEM;
    it->color = chat_sender_color(it->sender);
    if (bad) {
        it->repaired = true;
        diag_add(diag, DIAG_WARNING,
                 "%s: RspMsgList[%d]: invalid UTF-8 (%zu sequence%s "
                 "shown as U+FFFD)",
                 m->page, m->index, bad, bad == 1 ? "" : "s");
    }
    return 1;
}

int chat_log_build(const struct msg_log *log, struct chat_log **out, struct diag_list *diag)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!log)
        return SP_EINVAL;
    struct chat_log *c = calloc(1, sizeof(*c));
    if (!c)
        return SP_ENOMEM;
    struct page_set ps = {.c = c};
    if (log->count) {
        c->items = calloc(log->count, sizeof(*c->items));
        c->show = calloc(log->count, sizeof(*c->show));
        if (!c->items || !c->show)
            goto nomem;
    }
    for (size_t i = 0; i < log->count; i++) {
        struct chat_item *it = &c->items[c->count];
        int r = make_item(&log->msgs[i], it, c, &ps, diag);
        if (r < 0) {
            item_clear(it);
            goto nomem;
        }
        if (r == 0) {
            item_clear(it);
            c->empty_messages++;
            continue;
        }
        /* -1 marks a missing stamp, filled below. */
        int64_t ts = log->msgs[i].timestamp;
        it->wall_us = ts >= 0 ? ts * 1000000 : -1; /* ts <= TIMESTAMP_MAX_S */
        c->repaired_items += it->repaired;
        c->count++;
    }
    free(ps.table);
    ps.table = NULL;
    /* Missing stamps: the item before, else the first known after. */
    int64_t first_known = 0;
    for (size_t i = 0; i < c->count; i++) {
        if (c->items[i].wall_us >= 0) {
            first_known = c->items[i].wall_us;
            break;
        }
    }
    int64_t prev = first_known, high = INT64_MIN;
    for (size_t i = 0; i < c->count; i++) {
        struct chat_item *it = &c->items[i];
        if (it->wall_us < 0)
            it->wall_us = prev;
        prev = it->wall_us;
        if (it->wall_us > high)
            high = it->wall_us;
        it->show_us = high;
        c->show[i] = high;
    }
    *out = c;
    return 0;
nomem:
    free(ps.table);
    chat_log_destroy(&c);
    return SP_ENOMEM;
}

size_t chat_visible_count(const struct chat_log *c, int64_t wall_us)
{
    if (!c)
        return 0;
    size_t lo = 0, hi = c->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->show[mid] <= wall_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t chat_view_at(const struct chat_log *c, int64_t wall_us, size_t max_items, size_t *first)
{
    size_t n = chat_visible_count(c, wall_us);
    size_t count = n < max_items ? n : max_items;
    if (first)
        *first = n - count;
    return count;
}
