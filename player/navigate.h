/* navigate.h - getting to the moment: chapters, event stepping and chat
 * search over the class at t (probe, the window and export share it).
 *
 * A nav_index is built once per signaling generation from the board's op
 * log, the chat model and the timeline (class_signal_generation() says
 * when to build it again). It holds, all as playback µs sorted ascending:
 *
 *   chapters    a page switch (board.switch to a page other than the one
 *               shown: "Page <n>" with n the page's order of first use,
 *               plus the page image's file name if it has one), the start
 *               of a screen share (a VideoType 1 segment that does not
 *               continue the previous one: "Screen share: <owner>") and
 *               the resume after each pause ("Resumed after pause").
 *               Chapters at the same t are merged ("; " between titles).
 *   board       each op that changes the page shown at its time: a page
 *               switch or background, a finished stroke (stroke.end), a
 *               shape, text, move, erase, clear, undo, redo, a viewport
 *               change. Not stroke.begin / stroke.append (a stroke is one
 *               step, landed on when it is finished), laser, board.add or
 *               board.remove, nor ops the board skipped as invalid.
 *   chat        each chat item's show time
 *   pause       each pause's VideoTime (a pause is one point on the
 *               playback timeline: its two edges meet there)
 *
 * Each time is the first t at which the change is visible: the playback
 * time of its board/wall ms (timeline.h: ops and messages inside a pause
 * land on the pause's VideoTime), clamped to [0, TotalTime]. Equal times
 * are kept once.
 *
 * Chat search: a query matches an item whose sender or text parts hold
 * it as a substring after case folding (ASCII, Latin-1 and Latin
 * Extended-A letters, fullwidth Latin), so Chinese and other scripts match
 * by plain substring. Queries are at most NAV_MAX_QUERY_BYTES.
 *
 * Pure data, no threads; an index borrows nothing after it is built.
 */
#ifndef SP_NAVIGATE_H
#define SP_NAVIGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct board_log;
struct chat_log;
struct timeline;
struct sp_class;

#define NAV_NONE INT64_MIN      /* no such event */
#define NAV_TITLE_BYTES 160     /* a chapter title, NUL included */
#define NAV_MAX_QUERY_BYTES 256 /* a chat search query */
#define NAV_CHAPTER_BACK_US                                                                        \
    5000000 /* previous chapter: further than this into the                                        \
             * current one goes to its start (as mpv) */

enum nav_chapter_kind { NAV_CHAPTER_PAGE = 1, NAV_CHAPTER_SHARE = 2, NAV_CHAPTER_RESUME = 4 };

struct nav_chapter {
    int64_t t_us;
    unsigned kinds; /* NAV_CHAPTER_* bits of the chapters merged here */
    char title[NAV_TITLE_BYTES];
};

enum nav_track { NAV_CHAPTERS, NAV_BOARD, NAV_CHAT, NAV_PAUSES, NAV__TRACKS };

struct nav_index;

/* Builds the index. board and chat may be NULL (no board / no chat); tl
 * is required. Returns 0 and *out (nav_destroy()), SP_EINVAL or
 * SP_ENOMEM (*out NULL). */
int nav_build(const struct board_log *board, const struct chat_log *chat, const struct timeline *tl,
              struct nav_index **out);
/* nav_build() over the class's current generation. */
int nav_build_class(const struct sp_class *c, struct nav_index **out);
/* NULL-safe; sets *n NULL. */
void nav_destroy(struct nav_index **n);

size_t nav_chapter_count(const struct nav_index *n);
/* i < nav_chapter_count(); NULL otherwise. */
const struct nav_chapter *nav_chapter_at(const struct nav_index *n, size_t i);

/* The times of one track (sorted ascending, unique) and their count. */
const int64_t *nav_times(const struct nav_index *n, enum nav_track track, size_t *count);

/* The next (dir > 0: the first time > t_us) or previous (dir < 0: the
 * last time < t_us) event of a track, or NAV_NONE. For NAV_CHAPTERS the
 * previous one is the current chapter's start when t_us is at least
 * NAV_CHAPTER_BACK_US into it, else the chapter before (as mpv). */
int64_t nav_step(const struct nav_index *n, enum nav_track track, int64_t t_us, int dir);

/* Case-folded substring test (see the header comment); a needle that is
 * "" or ill-formed UTF-8 matches nothing (bad bytes of the haystack become
 * U+FFFD, so they never match valid text either). */
bool nav_text_match(const char *haystack, const char *needle);

/* One chat search hit. */
struct nav_hit {
    size_t item;  /* index into chat_log.items */
    int64_t t_us; /* when it shows (playback µs) */
};

/* Every item of chat matching query, in item order. *hits is malloc'd
 * (free()), NULL when there are none. Returns the count (>= 0), SP_EINVAL
 * (a NULL argument, or a query longer than NAV_MAX_QUERY_BYTES) or
 * SP_ENOMEM. */
int nav_chat_search(const struct chat_log *chat, const struct timeline *tl, const char *query,
                    struct nav_hit **hits);

/* The hit to go to from t_us: the first hit with t > t_us (dir > 0) or the
 * last with t < t_us (dir < 0); -1 when there is none. */
long nav_hit_step(const struct nav_hit *hits, size_t n, int64_t t_us, int dir);

#endif
