/* winopts.h - the options of windowed play, shared by the subcommands that
 * open a window:
 *   --start T  --speed N  --fullscreen  --layout FILE|PRESET  --chat|--no-chat
 *   --volume N  --mute  --kiosk  --loop  --pause  --size WxH  --state-file FILE
 *   --screenshot-dir DIR
 * (docs/keys.md describes them). T is a time in app/timearg.h's syntax. */
#ifndef SP_APP_WINOPTS_H
#define SP_APP_WINOPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "app/timearg.h"

struct app_winopts {
    int64_t start_us;      /* --start: whole ms (app/timearg.h) */
    const char *start_arg; /* --start as given (argv), for messages; NULL: not given */
    double speed;          /* 0.5..2.0 in 0.25 steps */
    bool fullscreen;
    const char *layout; /* preset name or a file (points into argv); NULL: default */
    int chat;           /* -1 not said, 0 off, 1 on */
    int volume;         /* 0..100 */
    bool mute;
    bool kiosk;
    bool loop;
    bool pause;             /* start paused (kiosk plays anyway) */
    int width, height;      /* canvas (composed picture) size */
    bool size_given;        /* --size was given (else a kiosk fits its screen) */
    const char *state_file; /* NULL: none */
    const char *screenshot_dir;
    const char *mute_lane[8]; /* --mute-lane USER (points into argv) */
    int n_mute_lane;
};

void app_winopts_init(struct app_winopts *w);

/* If argv[*i] is one of the options, consumes it (and its value, moving
 * *i) and returns 1; 0 if it is not one; -1 after printing a usage error
 * to stderr (prog names the subcommand in the message). */
int app_winopts_parse(struct app_winopts *w, const char *prog, int argc, char **argv, int *i);

/* Help text for the options, lines ending in '\n'. */
const char *app_winopts_help(void);

#endif
