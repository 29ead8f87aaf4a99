/* layout_arg.h - the --layout option of the commands that draw the class
 * (`sigplay render`, `sigplay export`): a preset name or a CustomLayout
 * file, made for a recording and an output size. */
#ifndef SP_APP_LAYOUT_ARG_H
#define SP_APP_LAYOUT_ARG_H

#include <stdbool.h>

struct diag_list;
struct layout;
struct recording;

/* Loads the layout named by spec (NULL: "board"; a preset name, "model1"
 * or "model2" for the service's ModelId layouts, else a layout file: a
 * CustomLayout, a request with MixStream.Custom or MixStream.ModelId; see
 * docs/layouts.md) for rec on a w x h canvas
 * (0 x 0: the preset default size, or the custom layout's own canvas; a
 * custom layout of another size is fitted into w x h with letterbox bars).
 * has_board: the recording has board data; chat: a chat column (presets;
 * a layout that places tic_im_chat shows the chat whatever chat says:
 * see layout_places_chat()). Problems
 * with the file go to diag, one line each (file, field, reason).
 * Returns 0, SP_EINVAL (bad size), or the file's error (SP_ENOENT, SP_EIO,
 * SP_ELIMIT, SP_EPARSE, with its line in diag). */
int app_layout_load(const char *spec, const struct recording *rec, bool has_board, int w, int h,
                    bool chat, struct diag_list *diag, struct layout *out);

#endif
