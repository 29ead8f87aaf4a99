/* main.c - the sigplay entry point: parses the subcommand and hands off.
 * Kept thin on purpose; every subcommand lives in app/cmd_<name>.c. */
#include "app/commands.h"

#include "base/json_arena.h"
#include "base/platform/os_process.h"
#include "base/platform/os_dirs.h"
#include "base/platform/os_file.h"
#include "sigplay_version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
    const char *name;
    const char *usage;
    const char *summary;
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
#define SP_COMMAND(name, usage, summary) {#name, usage, summary, cmd_##name},
#include "commands.def"
#undef SP_COMMAND
    {NULL, NULL, NULL, NULL}};

/* Prints text from column `indent` on, broken at spaces so that lines end
 * before column 80 (a word longer than that stays whole). */
static void print_wrapped(FILE *f, int indent, const char *text)
{
    const int width = 79 - indent;
    while (*text) {
        int n = (int)strlen(text);
        if (n > width) {
            n = width;
            while (n > 0 && text[n] != ' ')
                n--;
            if (n == 0)
                n = (int)strcspn(text, " ");
        }
        fprintf(f, "%*s%.*s\n", indent, "", n, text);
        text += n;
        while (*text == ' ')
            text++;
    }
}

/* The layout follows GNU conventions, so that help2man turns it into the man
 * page (build target "man"): "Usage:"/"or:" lines become the synopsis, each
 * command a tagged paragraph (the usage alone on its line, the summary on the
 * next ones from column 20). */
static void print_help(FILE *f)
{
    fprintf(f, "Usage: sigplay COMMAND [ARGS...]\n"
               "   or: sigplay SOURCE [play options]  (the same as 'sigplay play SOURCE')\n"
               "   or: sigplay --version | --help\n"
               "Plays back a recorded online class: every camera, screen share, the\n"
               "whiteboard and the chat on one timeline, with the breaks cut out.\n"
               "\n"
               "Commands:\n");
    for (const struct command *c = commands; c->name; c++) {
        fprintf(f, "  %s\n", c->usage);
        print_wrapped(f, 20, c->summary);
    }
    if (!commands[0].name)
        fprintf(f, "  (none yet)\n");
    fprintf(f, "\nSOURCE is a replay manifest or recording result: a path, a file://,\n"
               "http:// or https:// URL, or the web player's index.html?url=... link.\n"
               "'sigplay COMMAND --help' describes one command.\n");
}

/* Memory flat over a long class (docs/playback.md, Memory). Each open
 * segment holds a few MB in a handful of big blocks (the MP4 demuxer's
 * sample index: one entry per video and audio frame, ~6 MB for an hour),
 * and segments are opened and closed as the class goes on. glibc serves
 * blocks >= M_MMAP_THRESHOLD with mmap and gives them back on free, but by
 * default it raises the threshold to the size of every mapped block freed,
 * so after the first segment closes the next ones' indexes land in the
 * heap, where freeing them leaves holes the heap cannot give back: RSS
 * stepped up by a quarter at each lane's segment change. A fixed threshold
 * (glibc's initial 128 KB) keeps big blocks mapped. MALLOC_MMAP_THRESHOLD_
 * in the environment still wins. */
static void tune_malloc(void)
{
    sp_os_tune_malloc(); /* the glibc part lives in the platform layer */
}

int main(int argc, char **argv)
{
    sp_os_process_init(&argc, &argv); /* Windows: the console, UTF-8 arguments */
    tune_malloc();
    /* before any thread: the page readers' cJSON trees come from arenas */
    (void)sp_json_arena_install();
    if (argc < 2) {
        print_help(stderr);
        return SP_EXIT_USAGE;
    }
    const char *arg = argv[1];
    if (!strcmp(arg, "--version") || !strcmp(arg, "-V")) {
        printf("sigplay %s\n", SIGPLAY_VERSION);
        return SP_EXIT_OK;
    }
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h") || !strcmp(arg, "help")) {
        print_help(stdout);
        return SP_EXIT_OK;
    }
    for (const struct command *c = commands; c->name; c++)
        if (!strcmp(arg, c->name))
            return c->run(argc - 1, argv + 1);
    /* `sigplay SOURCE [options]` plays it, as `mpv FILE` does. A word that
     * names no file and looks like no path or URL is a mistyped command. */
    if (arg[0] != '-' && (strpbrk(arg, "./:") || sp_os_exists(arg))) {
        argv[0] = "play";
        return cmd_play(argc, argv);
    }
    fprintf(stderr, "sigplay: unknown command '%s' (see 'sigplay --help')\n", arg);
    return SP_EXIT_USAGE;
}
