/* diag.h - diagnostics a person can act on.
 *
 * Parsers (manifest, IM pages, board ops, SEI, verify) do not print. They
 * append diagnostics here, one line each, shaped "file: field: reason"
 * (e.g. "manifest.json: VideoInfos[3].VideoPlayTime: expected integer, got
 * string"). The caller decides whether to print, count or test them.
 *
 * The list caps itself at DIAG_MAX_ENTRIES so junk input cannot grow it
 * without bound; past the cap it only counts.
 *
 * Identical diagnostics (same level, same text) are stored once: a lane that
 * warns on every step, or a manifest read twice, adds to the entry's
 * `repeats` instead of a new line, and diag_print() says how many times.
 */
#ifndef SP_DIAG_H
#define SP_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "base/platform/os_libc.h"

#define DIAG_MAX_ENTRIES 1000
#define DIAG_MAX_TEXT 512

enum diag_level { DIAG_INFO, DIAG_WARNING, DIAG_ERROR };

/* What a diagnostic is about, for the code that acts on it: callers decide
 * on the code, never on the text (which is for people and may be reworded).
 * Set where the diagnostic is made; most carry DIAG_CODE_NONE. */
enum diag_code {
    DIAG_CODE_NONE = 0,
    /* segment decoder: the file could not be opened, its stream layout not
     * read, or a read failed (the download's own reason, if any, says why) */
    DIAG_CODE_MEDIA_UNREADABLE,
    /* manifest reader: the recording's Status is not FINISHED */
    DIAG_CODE_REC_STATUS,
    /* manifest reader: FinishReason says the recording ended abnormally */
    DIAG_CODE_REC_FINISH_REASON,
    /* manifest reader: ExceptionCnt > 0 */
    DIAG_CODE_REC_EXCEPTIONS,
    /* manifest reader: a user's stream was interrupted (Interrupts[]) */
    DIAG_CODE_REC_INTERRUPTS,
    /* offsets reader (player/recording/offsets.h): the file, or one entry,
     * could not be read; what could be read is applied */
    DIAG_CODE_OFFSETS_BAD,
    /* offsets: an entry matches no segment of this recording */
    DIAG_CODE_OFFSETS_STALE,
    /* offsets: the note that a file's corrections are applied */
    DIAG_CODE_OFFSETS_APPLIED,
    /* any JSON reader: a string holds \u0000 (sp_json_refuse_nul()) */
    DIAG_CODE_JSON_NUL,
    /* lane player: a remote segment's download is not its VideoSize long
     * (a short or over-long body); it played as far as it went and is not
     * kept as complete */
    DIAG_CODE_MEDIA_LENGTH,
    /* segment decoder: the video declares a picture over the size limit
     * (player/media/picture_limit.h); it is not decoded, its audio plays */
    DIAG_CODE_MEDIA_PICTURE_LIMIT,
    /* segment decoder: the audio declares a rate outside what the mixer
     * plays (AUDIO_MIX_MIN_IN_RATE..MAX); lane player: the mixer refused a
     * frame (its rate, or a frame longer than the mixer holds). Not played;
     * the video plays */
    DIAG_CODE_MEDIA_AUDIO_RATE,
};

struct diag_entry {
    enum diag_level level;
    enum diag_code code;
    char *text;     /* owned, NUL-terminated, at most DIAG_MAX_TEXT bytes */
    size_t repeats; /* times added after the first (0: said once) */
    unsigned hash;  /* of text, to find a repeat without comparing every text */
};

struct diag_list {
    struct diag_entry *items; /* owned */
    size_t count;             /* distinct entries stored */
    size_t cap;
    size_t dropped;  /* entries not stored because of DIAG_MAX_ENTRIES */
    size_t errors;   /* total DIAG_ERROR added, stored or not */
    size_t warnings; /* total DIAG_WARNING added, stored or not */
};

/* A zeroed struct diag_list is an empty list; diag_clear() frees it. */
void diag_init(struct diag_list *d);
void diag_clear(struct diag_list *d);

/* Appends one formatted line, or counts a repeat when an entry with the same
 * level and text is already stored. Out of memory is swallowed (the counters
 * still move) because a diagnostic must never turn into a second error. */
void diag_add(struct diag_list *d, enum diag_level level, const char *fmt, ...)
    SP_FORMAT_PRINTF(3, 4);

/* The same, with a code a caller may act on (diag_add() gives
 * DIAG_CODE_NONE). An entry equal to a stored one (level and text) is a
 * repeat of it: counted there, its code kept from the first. */
void diag_add_code(struct diag_list *d, enum diag_level level, enum diag_code code, const char *fmt,
                   ...) SP_FORMAT_PRINTF(4, 5);

/* diag_add_code() with a va_list, for wrappers that format their own line. */
void diag_vadd_code(struct diag_list *d, enum diag_level level, enum diag_code code,
                    const char *fmt, va_list ap) SP_FORMAT_PRINTF(4, 0);

/* Moves every entry of src to the end of dst, codes kept, merging repeats
 * (their counts add up); src is left empty. */
void diag_move(struct diag_list *dst, struct diag_list *src);

/* Like diag_move(), but an entry dst already holds is dropped, neither
 * stored nor counted: for the diagnostics of a file read a second time in
 * the same command, which are the first reading's again. */
void diag_move_unseen(struct diag_list *dst, struct diag_list *src);

/* True if some stored entry contains needle. For tests only: code decides
 * on diag_entry.code, never on the text. */
bool diag_contains(const struct diag_list *d, const char *needle);

/* Prints one "sigplay: warning: <text>" line per distinct entry to f, with
 * " (repeated N times)" when it was added N + 1 times; "... and N more" if
 * any were dropped. */
void diag_print(const struct diag_list *d, FILE *f);

const char *diag_level_name(enum diag_level level);

#endif
