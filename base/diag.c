#include "base/diag.h"

#include "base/term_text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag_list *d)
{
    memset(d, 0, sizeof(*d));
}

void diag_clear(struct diag_list *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++)
        free(d->items[i].text);
    free(d->items);
    memset(d, 0, sizeof(*d));
}

static void count_level(struct diag_list *d, enum diag_level level)
{
    if (level == DIAG_ERROR)
        d->errors++;
    else if (level == DIAG_WARNING)
        d->warnings++;
}

/* FNV-1a: cheap, and a mismatch is settled by strcmp anyway. */
static unsigned text_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The stored entry with this level and text, or NULL. Linear over at most
 * DIAG_MAX_ENTRIES hashes; lists are small and adds are not per frame once
 * deduplicated. */
static struct diag_entry *find(struct diag_list *d, enum diag_level level, const char *text,
                               unsigned hash)
{
    for (size_t i = d->count; i-- > 0;) {
        struct diag_entry *e = &d->items[i];
        if (e->hash == hash && e->level == level && strcmp(e->text, text) == 0)
            return e;
    }
    return NULL;
}

/* Takes text (owned) into d: merged into an equal entry (text freed) or
 * appended. False when it could not be stored; text is then still the
 * caller's. */
static bool push(struct diag_list *d, enum diag_level level, enum diag_code code, char *text,
                 size_t repeats)
{
    unsigned hash = text_hash(text);
    struct diag_entry *same = find(d, level, text, hash);
    if (same) {
        same->repeats += repeats + 1;
        free(text);
        return true;
    }
    if (d->count >= DIAG_MAX_ENTRIES)
        return false;
    if (d->count == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 8;
        if (ncap > DIAG_MAX_ENTRIES)
            ncap = DIAG_MAX_ENTRIES;
        struct diag_entry *n = realloc(d->items, ncap * sizeof(*n));
        if (!n)
            return false;
        d->items = n;
        d->cap = ncap;
    }
    d->items[d->count].level = level;
    d->items[d->count].code = code;
    d->items[d->count].text = text;
    d->items[d->count].repeats = repeats;
    d->items[d->count].hash = hash;
    d->count++;
    return true;
}

void diag_vadd_code(struct diag_list *d, enum diag_level level, enum diag_code code,
                    const char *fmt, va_list ap)
{
    if (!d)
        return;
    count_level(d, level);
    char *text = malloc(DIAG_MAX_TEXT);
    if (!text) {
        d->dropped++;
        return;
    }
    vsnprintf(text, DIAG_MAX_TEXT, fmt, ap);
    if (!push(d, level, code, text, 0)) {
        free(text);
        d->dropped++;
    }
}

void diag_add_code(struct diag_list *d, enum diag_level level, enum diag_code code, const char *fmt,
                   ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd_code(d, level, code, fmt, ap);
    va_end(ap);
}

void diag_add(struct diag_list *d, enum diag_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd_code(d, level, DIAG_CODE_NONE, fmt, ap);
    va_end(ap);
}

void diag_move(struct diag_list *dst, struct diag_list *src)
{
    dst->errors += src->errors;
    dst->warnings += src->warnings;
    for (size_t i = 0; i < src->count; i++) {
        if (!push(dst, src->items[i].level, src->items[i].code, src->items[i].text,
                  src->items[i].repeats)) {
            free(src->items[i].text);
            dst->dropped++;
        }
    }
    dst->dropped += src->dropped;
    free(src->items);
    memset(src, 0, sizeof(*src));
}

void diag_move_unseen(struct diag_list *dst, struct diag_list *src)
{
    for (size_t i = 0; i < src->count; i++) {
        struct diag_entry *e = &src->items[i];
        if (find(dst, e->level, e->text, e->hash)) {
            free(e->text);
            continue;
        }
        count_level(dst, e->level);
        if (!push(dst, e->level, e->code, e->text, e->repeats)) {
            free(e->text);
            dst->dropped++;
        }
    }
    dst->dropped += src->dropped;
    free(src->items);
    memset(src, 0, sizeof(*src));
}

/* For tests only (diag.h): code decides on diag_entry.code. */
bool diag_contains(const struct diag_list *d, const char *needle)
{
    for (size_t i = 0; i < d->count; i++)
        if (strstr(d->items[i].text, needle))
            return true;
    return false;
}

const char *diag_level_name(enum diag_level level)
{
    switch (level) {
    case DIAG_ERROR:
        return "error";
    case DIAG_WARNING:
        return "warning";
    default:
        return "note";
    }
}

void diag_print(const struct diag_list *d, FILE *f)
{
    /* A diagnostic quotes document text (a UserId, a URL), so it is made
     * safe for the terminal here, once for every caller; escapes grow a
     * byte to at most 4 (\xNN) or 3 bytes to 6 (\u202e). */
    char safe[DIAG_MAX_TEXT * 4];
    for (size_t i = 0; i < d->count; i++) {
        const struct diag_entry *e = &d->items[i];
        term_safe(e->text, safe, sizeof(safe));
        if (e->repeats)
            fprintf(f, "sigplay: %s: %s (repeated %zu times)\n", diag_level_name(e->level), safe,
                    e->repeats + 1);
        else
            fprintf(f, "sigplay: %s: %s\n", diag_level_name(e->level), safe);
    }
    if (d->dropped)
        fprintf(f, "sigplay: ... and %zu more\n", d->dropped);
}
