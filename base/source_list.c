/* source_list.c - one SOURCE a line (source_list.h). */
#include "base/source_list.h"

#include "base/platform/os_libc.h"
#include "base/sp_error.h"
#include "base/sp_file.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void source_list_clear(struct source_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = l->cap = 0;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Appends s[0, n) (no NUL in it). The
 * array grows by doubling, so a million lines cost twenty reallocations. */
static int push(struct source_list *l, const char *s, size_t n)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **items = realloc(l->items, cap * sizeof(*items));
        if (!items)
            return SP_ENOMEM;
        l->items = items;
        l->cap = cap;
    }
    char *copy = sp_os_strndup(s, n);
    if (!copy)
        return SP_ENOMEM;
    l->items[l->count++] = copy;
    return 0;
}

int source_list_add(struct source_list *l, const char *s)
{
    return push(l, s, strlen(s));
}

int source_list_parse(struct source_list *l, const char *name, const char *text, size_t len,
                      struct diag_list *d)
{
    size_t at = 0, line = 0;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        at = 3;
    while (at < len) {
        line++;
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t b = at, e = end;
        at = nl ? end + 1 : len;
        while (b < e && blank(text[b]))
            b++;
        while (e > b && blank(text[e - 1]))
            e--;
        if (b == e || text[b] == '#')
            continue;
        if (e - b > SOURCE_LIST_MAX_LINE) {
            diag_add(d, DIAG_ERROR, "%.300s:%zu: longer than %d bytes; skipped", name, line,
                     SOURCE_LIST_MAX_LINE);
            continue;
        }
        if (memchr(text + b, '\0', e - b)) {
            diag_add(d, DIAG_ERROR, "%.300s:%zu: holds a NUL byte; skipped", name, line);
            continue;
        }
        if (l->count >= SOURCE_LIST_MAX_ITEMS) {
            diag_add(d, DIAG_ERROR, "%.300s:%zu: more than %d sources; the rest is not read", name,
                     line, SOURCE_LIST_MAX_ITEMS);
            return 0;
        }
        int rc = push(l, text + b, e - b);
        if (rc)
            return rc;
    }
    return 0;
}

/* Standard input to its end, at most max bytes (it may be a pipe: no size
 * to check first, so the buffer grows as bytes arrive). */
static int read_stdin(size_t max, char **out, size_t *out_len)
{
    size_t cap = 0, len = 0;
    char *buf = NULL;
    for (;;) {
        if (len == cap) {
            if (cap >= max + 1) {
                free(buf);
                return SP_ELIMIT;
            }
            size_t ncap = cap ? cap * 2 : 4096;
            if (ncap > max + 1)
                ncap = max + 1;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return SP_ENOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, stdin);
        len += n;
        if (n == 0) {
            if (ferror(stdin)) {
                free(buf);
                return SP_EIO;
            }
            break;
        }
    }
    if (len > max) {
        free(buf);
        return SP_ELIMIT;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

int source_list_read(struct source_list *l, const char *path, struct diag_list *d)
{
    char *text = NULL;
    size_t len = 0;
    bool in = !strcmp(path, "-");
    int rc = in ? read_stdin(SOURCE_LIST_MAX_BYTES, &text, &len)
                : sp_read_file(path, SOURCE_LIST_MAX_BYTES, &text, &len);
    if (rc) {
        if (rc == SP_ELIMIT)
            diag_add(d, DIAG_ERROR, "%.300s: larger than %u MB", in ? "standard input" : path,
                     SOURCE_LIST_MAX_BYTES >> 20);
        else
            diag_add(d, DIAG_ERROR, "%.300s: cannot read: %s", in ? "standard input" : path,
                     sp_strerror(rc));
        return rc;
    }
    rc = source_list_parse(l, in ? "standard input" : path, text, len, d);
    free(text);
    return rc;
}
