/* commands.h - the subcommand table (see commands.def). */
#ifndef SP_APP_COMMANDS_H
#define SP_APP_COMMANDS_H

#define SP_COMMAND(name, usage, summary) int cmd_##name(int argc, char **argv);
#include "commands.def"
#undef SP_COMMAND

/* Exit codes shared by every subcommand. */
enum {
    SP_EXIT_OK = 0,
    SP_EXIT_WARN = 1,  /* finished, with warnings (verify) */
    SP_EXIT_ERROR = 2, /* could not do what was asked */
    SP_EXIT_USAGE = 64 /* bad command line (sysexits EX_USAGE) */
};

#endif
