/* winopts.c - options of windowed play (see winopts.h). */
#include "app/winopts.h"

#include "player/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void app_winopts_init(struct app_winopts *w)
{
    memset(w, 0, sizeof(*w));
    w->speed = 1.0;
    w->chat = -1;
    w->volume = 100;
    w->width = 1280;
    w->height = 720;
}

const char *app_winopts_help(void)
{
    return "--start T           start at T: ms (20000), 20.5s, 1:05, 1:02:03.5 or 1m5s\n"
           "--speed N           0.5 to 2.0 in steps of 0.25 (default 1)\n"
           "--fullscreen        start fullscreen\n"
           "--layout L          board | grid | focus | model1 | model2, or a layout FILE\n"
           "--chat, --no-chat   show or hide the chat panel\n"
           "--volume N          0 to 100 (default 100)\n"
           "--mute              start muted\n"
           "--kiosk             fullscreen, no cursor, no OSD, autoplay, loop; keys ignored\n"
           "                    except Ctrl+Alt+Q, which quits\n"
           "--loop              start again at the end\n"
           "--pause             start paused\n"
           "--size WxH          size of the composed picture (default 1280x720; starting\n"
           "                    fullscreen, the screen's shape with that long side)\n"
           "--state-file FILE   keep FILE updated with the player state (JSON)\n"
           "--screenshot-dir D  where 's' saves screenshots (default: current directory)\n"
           "--mute-lane USER    start with lane USER (UserId or lane name) muted (repeatable)\n";
}

static int bad(const char *prog, const char *opt, const char *what, const char *val)
{
    fprintf(stderr, "sigplay: %s: %s: %s, got '%s'\n", prog, opt, what, val);
    return -1;
}

int app_winopts_parse(struct app_winopts *w, const char *prog, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    static const char *const flags[] = {"--fullscreen", "--chat", "--no-chat", "--mute",
                                        "--kiosk",      "--loop", "--pause"};
    for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
        if (strcmp(a, flags[k]))
            continue;
        switch (k) {
        case 0:
            w->fullscreen = true;
            break;
        case 1:
            w->chat = 1;
            break;
        case 2:
            w->chat = 0;
            break;
        case 3:
            w->mute = true;
            break;
        case 4:
            w->kiosk = w->loop = w->fullscreen = true;
            break;
        case 5:
            w->loop = true;
            break;
        default:
            w->pause = true;
            break;
        }
        return 1;
    }
    static const char *const valued[] = {"--start",          "--speed",    "--layout",
                                         "--volume",         "--size",     "--state-file",
                                         "--screenshot-dir", "--mute-lane"};
    size_t k = 0;
    while (k < sizeof(valued) / sizeof(valued[0]) && strcmp(a, valued[k]))
        k++;
    if (k == sizeof(valued) / sizeof(valued[0]))
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "sigplay: %s: %s needs a value\n", prog, a);
        return -1;
    }
    const char *v = argv[++*i];
    char *end;
    if (!strcmp(a, "--mute-lane")) {
        if (!*v || w->n_mute_lane >= (int)(sizeof(w->mute_lane) / sizeof(w->mute_lane[0])))
            return bad(prog, a, "expected a lane's user, at most 8 times", v);
        w->mute_lane[w->n_mute_lane++] = v;
        return 1;
    }
    switch (k) {
    case 0:
        if (app_parse_time_us(v, &w->start_us) < 0)
            return bad(prog, a, "expected " APP_TIME_FORMS, v);
        w->start_arg = v;
        break;
    case 1:
        w->speed = strtod(v, &end);
        if (end == v || *end || !clock_speed_valid(w->speed))
            return bad(prog, a, "expected 0.5 to 2.0 in steps of 0.25", v);
        break;
    case 2:
        if (!*v)
            return bad(prog, a, "expected a preset or a file", v);
        w->layout = v;
        break;
    case 3: {
        long n = strtol(v, &end, 10);
        if (end == v || *end || n < 0 || n > 100)
            return bad(prog, a, "expected 0 to 100", v);
        w->volume = (int)n;
        break;
    }
    case 4: {
        long ww = strtol(v, &end, 10), hh = 0;
        if (end != v && (*end == 'x' || *end == 'X')) {
            const char *h = end + 1;
            hh = strtol(h, &end, 10);
            if (end == h)
                hh = 0;
        }
        if (*end || ww < 160 || hh < 90 || ww > 7680 || hh > 4320)
            return bad(prog, a, "expected WxH from 160x90 to 7680x4320", v);
        w->width = (int)ww;
        w->height = (int)hh;
        w->size_given = true;
        break;
    }
    case 5:
        w->state_file = v;
        break;
    default:
        w->screenshot_dir = v;
        break;
    }
    return 1;
}
