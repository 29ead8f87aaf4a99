/* json_arena.h - cJSON's nodes from a per-thread arena while a thread reads.
 *
 * Reading an IM page with cJSON mallocs every node and string and frees
 * them one by one right after the records are copied out: on a large class
 * that malloc/free traffic was the largest single cost of a first open.
 * With the hooks installed, a thread between sp_json_arena_begin() and
 * sp_json_arena_end() gets cJSON's allocations from its own arena (bump
 * allocation, no lock); cJSON_Delete() of those is free, and end drops
 * them all at once. Outside a scope, and on threads that never open one,
 * cJSON allocates with malloc/free exactly as without the hooks.
 *
 * The rule for a scope: nothing cJSON allocated inside it is used after
 * sp_json_arena_end() (parse, copy the values out, delete, end). Under
 * AddressSanitizer each allocation is fenced and the space after end is
 * poisoned, so a breach is reported as with malloc.
 *
 * Bounded: one scope takes at most SP_JSON_ARENA_MAX_BYTES from its arena;
 * past that (a pathological page) cJSON falls back to malloc for the rest
 * of the scope. Between scopes a thread keeps one chunk of at most
 * SP_JSON_ARENA_KEEP_BYTES for the next one, freed when the thread ends. */
#ifndef SP_JSON_ARENA_H
#define SP_JSON_ARENA_H

#include <stddef.h>

struct cJSON;

#define SP_JSON_ARENA_MAX_BYTES ((size_t)512 << 20)
#define SP_JSON_ARENA_KEEP_BYTES ((size_t)4 << 20)

/* Installs the hooks (cJSON_InitHooks, global). Call once at start, while
 * the process has one thread: cJSON reads its hooks unlocked. Until then
 * begin/end do nothing. Returns 0, or SP_ENOMEM (no thread key). */
int sp_json_arena_install(void);

/* Lowers the bound of one scope (0: back to SP_JSON_ARENA_MAX_BYTES), so
 * a test can reach the malloc fallback. Like install: one thread only. */
void sp_json_arena_set_max_bytes(size_t n);

/* True once sp_json_arena_install() has run. */
int sp_json_arena_installed(void);

/* Opens this thread's scope (nesting is counted: only the outermost end
 * drops the memory). A no-op without install. */
void sp_json_arena_begin(void);

/* Closes the scope: everything cJSON allocated from the arena since the
 * outermost begin is released at once. */
void sp_json_arena_end(void);

/* cJSON_Delete(item), or nothing when this thread's open scope will drop
 * the whole tree at its end anyway: item is the arena's and nothing in the
 * scope fell back to malloc, so every free of the walk would be a no-op.
 * Walking a large tree only to free nothing cost as much as a tenth of
 * reading a page. Use it for a tree parsed inside the scope. */
void sp_json_arena_delete(struct cJSON *item);

/* Bytes this thread's open scope has taken from its arena so far (0
 * outside a scope): for tests and the bound. */
size_t sp_json_arena_used(void);

#endif
