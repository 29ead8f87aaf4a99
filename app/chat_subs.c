/* chat_subs.c - chat messages as subtitle cues and WebVTT (see chat_subs.h). */
#include "app/chat_subs.h"

#include "base/platform/os_file.h"
#include "base/sp_error.h"
#include "base/utf8.h"
#include "im/chat.h"
#include "player/recording/manifest.h"
#include "player/recording/timeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sbuf {
    char *p;
    size_t n, cap;
};

static int sb_put(struct sbuf *b, const char *s, size_t len)
{
    if (b->n + len + 1 > b->cap) {
        size_t cap = (b->n + len + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return SP_ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
    return 0;
}

/* "sender: text" of one item; newlines and tabs inside become spaces. */
static int item_text(struct sbuf *b, const struct chat_item *it)
{
    int rc = sb_put(b, it->sender, strlen(it->sender));
    rc = rc ? rc : sb_put(b, ":", 1);
    for (size_t p = 0; p < it->part_count && rc == 0; p++) {
        const char *t = it->parts[p].text; /* the preview: a subtitle stays short */
        rc = sb_put(b, " ", 1);
        for (; *t && rc == 0; t++) {
            char c = (*t == '\n' || *t == '\r' || *t == '\t') ? ' ' : *t;
            rc = sb_put(b, &c, 1);
        }
    }
    return rc;
}

static int64_t play_ms(const struct timeline *tl, int64_t w_us)
{
    int64_t t = tl_play_from_wall_us(tl, w_us) / 1000;
    return t < 0 ? 0 : t;
}

int app_chat_cues(const struct chat_log *chat, const struct timeline *tl, int64_t from_us,
                  int64_t to_us, struct app_cue **out, size_t *n)
{
    if (!out || !n)
        return SP_EINVAL;
    int64_t from_ms = from_us / 1000, to_ms = to_us / 1000; /* the cues are whole ms */
    *out = NULL;
    *n = 0;
    if (!chat || !tl || to_ms <= from_ms)
        return chat && tl ? 0 : SP_EINVAL;
    struct app_cue *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; i < chat->count && rc == 0;) {
        int64_t t = play_ms(tl, chat->items[i].show_us);
        size_t j = i; /* items [i, j) show at t */
        struct sbuf b = {0};
        while (j < chat->count && play_ms(tl, chat->items[j].show_us) == t && rc == 0) {
            if (j > i)
                rc = sb_put(&b, "\n", 1);
            if (rc == 0)
                rc = item_text(&b, &chat->items[j]);
            j++;
        }
        int64_t next = j < chat->count ? play_ms(tl, chat->items[j].show_us) : INT64_MAX;
        i = j;
        if (rc || t < from_ms || t >= to_ms) {
            free(b.p);
            continue;
        }
        if (b.n > APP_CUE_MAX_BYTES)
            b.p[utf8_prefix(b.p, b.n, APP_CUE_MAX_BYTES, SIZE_MAX, SIZE_MAX)] = '\0';
        int64_t end = t + APP_CUE_SHOW_US / 1000;
        end = next < end ? next : end;
        end = to_ms < end ? to_ms : end;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 32;
            struct app_cue *nv = realloc(v, nc * sizeof(*nv));
            if (!nv) {
                free(b.p);
                rc = SP_ENOMEM;
                break;
            }
            v = nv;
            cap = nc;
        }
        v[cnt++] =
            (struct app_cue){(t - from_ms) * 1000, (end - from_ms) * 1000, b.p ? b.p : strdup("")};
        if (!v[cnt - 1].text)
            rc = SP_ENOMEM;
    }
    if (rc) {
        app_cues_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return 0;
}

void app_cues_free(struct app_cue *cues, size_t n)
{
    for (size_t i = 0; cues && i < n; i++)
        free(cues[i].text);
    free(cues);
}

static void vtt_time(FILE *f, int64_t us)
{
    int64_t ms = us / 1000; /* WebVTT's unit */
    fprintf(f, "%02lld:%02lld:%02lld.%03lld", (long long)(ms / 3600000),
            (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

int app_vtt_write(const char *path, const struct app_cue *cues, size_t n, char *err, size_t errlen)
{
    FILE *f = sp_os_fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return SP_EIO;
    }
    fputs("WEBVTT\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "\n%zu\n", i + 1);
        vtt_time(f, cues[i].start_us);
        fputs(" --> ", f);
        vtt_time(f, cues[i].end_us);
        fputc('\n', f);
        for (const char *t = cues[i].text; *t; t++) {
            if (*t == '&')
                fputs("&amp;", f);
            else if (*t == '<')
                fputs("&lt;", f);
            else if (*t == '>')
                fputs("&gt;", f);
            else
                fputc(*t, f);
        }
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return SP_EIO;
    }
    return 0;
}

bool app_lane_is_user(const struct rec_lane *ln, const char *user)
{
    return ln && user &&
           (!strcmp(ln->user_id, user) || !strcmp(ln->name, user) || !strcmp(ln->owner, user));
}
