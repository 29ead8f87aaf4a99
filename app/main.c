/* main.c - the sigplay entry point: parses the subcommand and hands off.
 * Kept thin on purpose; every subcommand lives in app/cmd_<name>.c. */
#include "commands.h"

#include <stdio.h>
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

static void print_help(FILE *f)
{
    fprintf(f,
            "sigplay %s - native replay player for online-classroom recordings\n"
            "\n"
            "Usage: sigplay COMMAND [ARGS...]\n"
            "       sigplay --version | --help\n"
            "\n"
            "Commands:\n",
            SIGPLAY_VERSION);
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %s\n      %s\n", c->usage, c->summary);
    if (!commands[0].name)
        fprintf(f, "  (none yet)\n");
    fprintf(f, "\nSOURCE is a replay manifest or recording result: a path, a file://,\n"
               "http:// or https:// URL, or the web player's index.html?url=... link.\n"
               "'sigplay COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv)
{
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
    fprintf(stderr, "sigplay: unknown command '%s' (see 'sigplay --help')\n", arg);
    return SP_EXIT_USAGE;
}
