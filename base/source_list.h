/* source_list.h - a list of SOURCEs, one a line (`sigplay verify --list`).
 *
 * The text is UTF-8 (a BOM at its start is skipped); lines end in LF or
 * CRLF. Each line is trimmed of spaces and tabs at both ends; a line that is
 * then empty, or starts with '#', is skipped ('#' further on belongs to the
 * SOURCE: URLs have fragments). Bad input is reported, never fatal to the
 * rest: a line longer than SOURCE_LIST_MAX_LINE bytes, or holding a NUL
 * byte, is an error diagnostic "NAME:LINE: reason" and is left out; past
 * SOURCE_LIST_MAX_ITEMS entries the rest is refused with one error.
 * Sizes are checked before anything is allocated from them.
 */
#ifndef SP_SOURCE_LIST_H
#define SP_SOURCE_LIST_H

#include <stddef.h>

#include "base/diag.h"

#define SOURCE_LIST_MAX_LINE 8192
#define SOURCE_LIST_MAX_ITEMS 1000000
/* The largest list read (bytes): a million sources of 64 bytes. */
#define SOURCE_LIST_MAX_BYTES (64u << 20)

/* A zeroed struct source_list is empty. */
struct source_list {
    char **items; /* owned, NUL-terminated, in the order of the text */
    size_t count, cap;
};

/* Appends the entries of text[0, len) to l. name (the file, "-" for
 * stdin) prefixes the diagnostics. Returns 0, or SP_ENOMEM (l keeps what it
 * had taken). Errors in the text are diagnostics, not a return code:
 * the caller decides on d->errors. */
int source_list_parse(struct source_list *l, const char *name, const char *text, size_t len,
                      struct diag_list *d);

/* Appends s as it is (a SOURCE from the command line). Returns 0 or
 * SP_ENOMEM. */
int source_list_add(struct source_list *l, const char *s);

/* Reads path ("-": standard input, read to its end) and parses it into l.
 * A file must be a regular file of at most SOURCE_LIST_MAX_BYTES. Returns
 * 0, or SP_ENOENT / SP_EIO / SP_ELIMIT / SP_ENOMEM with one error in d
 * naming the file. */
int source_list_read(struct source_list *l, const char *path, struct diag_list *d);

/* Frees the entries; l is empty after. NULL is a no-op. */
void source_list_clear(struct source_list *l);

#endif
