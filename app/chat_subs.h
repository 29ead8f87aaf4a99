/* chat_subs.h - the chat as subtitles for `sigplay export`: one cue per
 * chat message ("sender: text") at its class time, shown for
 * APP_CUE_SHOW_MS or until the next message, whichever is sooner
 * (messages shown at the same time share one cue, one line each). The
 * cues feed the MP4's mov_text track (app/mp4_out.h) and the WebVTT file
 * of --subs-out (docs/export.md). */
#ifndef SP_APP_CHAT_SUBS_H
#define SP_APP_CHAT_SUBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chat_log;
struct timeline;
struct rec_lane;

#define APP_CUE_SHOW_US 4000000
#define APP_CUE_MAX_BYTES 4096 /* one cue's text; longer text is cut at a code point */

struct app_cue {
    int64_t start_us, end_us; /* from the export's start (--from), end > start; whole ms */
    char *text;               /* owned, UTF-8, lines separated by '\n' */
};

/* The cues of the chat items shown in [from_us, to_us) of playback time,
 * their times relative to from_us (worked out in whole ms, the unit of
 * WebVTT and of the chat's times). *out is malloc'd (app_cues_free());
 * NULL with *n 0 when there are none. Returns 0, SP_EINVAL or SP_ENOMEM. */
int app_chat_cues(const struct chat_log *chat, const struct timeline *tl, int64_t from_us,
                  int64_t to_us, struct app_cue **out, size_t *n);
/* NULL-safe. */
void app_cues_free(struct app_cue *cues, size_t n);

/* Writes the cues as WebVTT (text escaped: & < >). Returns 0 or SP_EIO
 * with the reason in err. */
int app_vtt_write(const char *path, const struct app_cue *cues, size_t n, char *err, size_t errlen);

/* --mute-lane USER: the lane's UserId, display name or owner is user (a
 * user's camera and screen share both match their name). */
bool app_lane_is_user(const struct rec_lane *ln, const char *user);

#endif
