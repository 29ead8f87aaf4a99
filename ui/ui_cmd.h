/* ui_cmd.h - what the user asked for, as plain data (no SDL).
 *
 * ui/input.c turns SDL events into these; the window loop handles the
 * ones about the window (quit, fullscreen, stats, screenshot, mouse
 * moves) and hands the rest to the engine through struct player_ui
 * (ui/player_ui.h). Keeping them SDL-free lets the engine side, the
 * tests and a future remote control speak the same commands.
 */
#ifndef SP_RENDER_UI_CMD_H
#define SP_RENDER_UI_CMD_H

#include <stdbool.h>
#include <stdint.h>

#define UI_CMD_MAP(X)                                                                              \
    X(NONE, "none")                                                                                \
    X(SEEK_REL, "seek-rel")   /* us: signed offset */                                              \
    X(SEEK_ABS, "seek-abs")   /* us: target; scrub: part of a drag */                              \
    X(SET_PAUSE, "set-pause") /* n: 1 pause, 0 play */                                             \
    X(TOGGLE_PAUSE, "toggle-pause")                                                                \
    X(SPEED_UP, "speed-up")                                                                        \
    X(SPEED_DOWN, "speed-down")                                                                    \
    X(SPEED_RESET, "speed-reset")                                                                  \
    X(FRAME_STEP, "frame-step") /* n: +1 or -1 (pauses first) */                                   \
    X(TOGGLE_CHAT, "toggle-chat")                                                                  \
    X(CYCLE_LAYOUT, "cycle-layout")                                                                \
    X(TOGGLE_FULLSCREEN, "toggle-fullscreen")                                                      \
    X(TOGGLE_MUTE, "toggle-mute")                                                                  \
    X(VOLUME, "volume") /* n: signed percent step */                                               \
    X(SCREENSHOT, "screenshot")                                                                    \
    X(QUIT, "quit")                                                                                \
    X(HOME, "home")                                                                                \
    X(END, "end")                                                                                  \
    X(TOGGLE_STATS, "toggle-stats")                                                                \
    X(SCROLL_CHAT, "scroll-chat")             /* n: lines, > 0 towards older messages */           \
    X(SEEK_TO_CHAT_ITEM, "seek-to-chat-item") /* x, y: canvas point in the chat panel */           \
    X(MOUSE_MOVE, "mouse-move")               /* x, y: canvas point; shows the OSD */              \
    X(NAV_STEP, "nav-step")                   /* n: +1 next, -1 previous; x: enum nav_track */     \
    X(LANE_MUTE, "lane-mute")                 /* n: lane number 1..8: mute on / off */             \
    X(LANE_SOLO, "lane-solo")                 /* n: lane number 1..8 solo on / off; 0 clears */    \
    X(SEARCH_OPEN, "search-open")             /* the chat search field, typing */                  \
    X(SEARCH_TEXT, "search-text")             /* text: typed UTF-8 */                              \
    X(SEARCH_BACKSPACE, "search-backspace")                                                        \
    X(SEARCH_STEP, "search-step") /* n: +1 next hit, -1 previous; ends typing */                   \
    X(SEARCH_CLOSE, "search-close")                                                                \
    X(CHAPTER_LIST, "chapter-list")   /* the chapter list panel on / off */                        \
    X(CHAPTER_MOVE, "chapter-move")   /* n: rows, > 0 down (list open) */                          \
    X(CHAPTER_GO, "chapter-go")       /* go to the selected chapter (list open) */                 \
    X(CHAPTER_CLICK, "chapter-click") /* x, y: canvas point in the list */                         \
    X(LANE_SELECT, "lane-select")     /* n: +1 next lane, -1 previous (the `i` overlay) */         \
    X(LANE_NUDGE, "lane-nudge")       /* the selected lane's sync correction moves by n of its     \
                                         frame intervals plus us (signed; `i` overlay) */          \
    X(WRITE_OFFSETS, "write-offsets") /* write the sync corrections (docs/offsets.md) */

enum ui_cmd_kind {
#define UI_CMD_ENUM(name, text) UI_CMD_##name,
    UI_CMD_MAP(UI_CMD_ENUM)
#undef UI_CMD_ENUM
        UI_CMD__COUNT
};

struct ui_cmd {
    enum ui_cmd_kind kind;
    int64_t us;    /* SEEK_REL offset / SEEK_ABS target / LANE_NUDGE extra (playback µs; the
                      keys, the bar and the control protocol give whole ms) */
    int n;         /* SET_PAUSE, FRAME_STEP, VOLUME, SCROLL_CHAT (see the table) */
    int x, y;      /* canvas pixels (mouse commands) */
    char text[32]; /* SEARCH_TEXT: NUL-terminated UTF-8 (SDL's text input event) */
    bool scrub;    /* SEEK_ABS during a drag on the bar: a newer one follows soon,
                   so the engine may favour speed (key frame) over exactness */
};

/* "seek-rel", ...; "?" for a value outside the enum. Never NULL. */
const char *ui_cmd_name(enum ui_cmd_kind kind);

#endif
