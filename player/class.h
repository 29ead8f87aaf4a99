/* class.h - the class at t: a recording's media lanes, board and chat on
 * one clock, opened from a SOURCE by one function.
 *
 * Every subcommand opens what the user named through class_open(): the
 * recording (manifest.h: any shape, a path, a URL or the web player's
 * link), its timeline, and then, as asked by opts.parts,
 *   CLASS_MEDIA      the media lanes (playloop.h: decoders, SEI anchors,
 *                    audio mix, refined origin);
 *   CLASS_SIGNALING  the IM pages streamed in beside the media
 *                    (signaling.h): the board and the chat.
 * The network client (fetch.h, with the download cache) starts on the
 * first remote URL; documents and media on disk never touch it. The SEI
 * reader is on by default.
 *
 * class_step() is player_step() for the whole class: besides a lane's new
 * frame, a board op becoming visible, a chat message appearing and a
 * laser mark fading out are changes of the picture, and the deadline it
 * returns is the nearest of all of them. A class with no video at all
 * animates its board exactly like any other. The board and chat are
 * brought to w(t) here; sinks (render/, the window, export) only read
 * class_board() and class_chat() and draw.
 *
 * Signaling streams: the first step never waits for pages. The board and
 * chat are those of the newest generation published (signaling.h); each
 * new generation is a change of the picture. class_signaling_wait() is
 * for sinks that must be exact (render, export, verify).
 *
 * End of play and frame steps: the class, not its sink, decides them, so
 * every front end behaves alike. class_step() that reaches the end
 * returns SP_EEOF, and keeps returning it (cheaply, with a long wait) until
 * a seek; the position is then the total (class_position_us()). Playing
 * at the end starts over from 0 (class_set_paused()). While paused with
 * every lane settled, class_step() asks for a long wait: nothing changes
 * by itself. Frame steps (class_frame_step(); both pause first): forward
 * goes to the playback time at which the next decoded frame of any lane
 * is due (or a segment starts or ends, if sooner), waiting up to
 * CLASS_STEP_WAIT_US for the decoders to get there after a seek (the step
 * is then finished by a later class_step()); backward goes to 1 ms before
 * the newest frame start among the lanes shown, where the picture is the
 * previous one. Each step thus moves by one change of the picture,
 * whatever the lanes' frame rates. Targets are whole ms, as the position
 * is shown and entered in ms.
 *
 * Times: t in µs of playback time; board/wall time in Unix µs at the API,
 * whole Unix ms inside the board's op log (player/board/board.h).
 * Threads: one caller thread; the decoders, the signaling workers and the
 * network run their own (docs/threads.md). The class's own lock, net_lock,
 * guards the network client's lazy start (the signaling workers' loader
 * asks for it from their threads). Lock order: net_lock -> fetch.h's lock
 * (fetch_create() under it); nothing else is taken while it is held.
 */
#ifndef SP_CLASS_H
#define SP_CLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "player/net/fetch.h"
#include "player/net/loader.h"
#include "player/playloop.h"
#include "player/signaling/signaling.h"

struct recording;
struct timeline;
struct board_state;
struct board_player;
struct chat_log;

#define CLASS_MEDIA 1u              /* decoders for the lanes */
#define CLASS_FRAME_US 40000        /* a frame step when no lane shows a frame */
#define CLASS_STEP_WAIT_US 2000000  /* a forward frame step waits this for decoders */
#define CLASS_ENDED_WAIT_US 100000  /* at the end nothing moves: step this rarely */
#define CLASS_PAUSED_WAIT_US 250000 /* paused, every lane settled: step this rarely */
#define CLASS_SIGNALING 2u          /* board and chat from the IM pages */

struct class_opts {
    unsigned parts;          /* CLASS_MEDIA | CLASS_SIGNALING; 0: the recording alone */
    struct fetch_opts net;   /* the network client's options (fetch_opts_init()) */
    struct player_opts play; /* CLASS_MEDIA: audio, max_speed, speed, null_sink,
                              * codec_threads; fetch is filled in here */
    bool batch;              /* one pass through the class at max speed: decoder
                              * threads as player_batch_codec_threads() says */
    bool no_signal_cache;    /* do not read or write the parsed-signaling cache */
    int signal_parallel;     /* pages in flight; 0: SIGNALING_DEFAULT_PARALLEL */
    /* one picture at one time (`render`): the pages are read only as far
     * as the first class_signaling_wait(c, false, ...) needs, and the
     * signaling cache keeps that prefix (signaling_opts.stop_at_bound) */
    bool signal_until_wait;
    struct fetch *fetch; /* borrowed, may be NULL: a running network client
                          * to use instead of starting one (net is then
                          * unused); it must outlive the class, which
                          * neither cancels nor destroys it. `verify
                          * --jobs` shares one among its classes */
    /* Sync corrections (the format contract's section 8,
     * player/recording/offsets.h): the file to read and to write (NULL:
     * the default, offsets_default_path(): next to a local manifest, or in
     * the cache keyed by the URL); no_offsets: none read (a write still
     * goes to that file). */
    const char *offsets_path;
    bool no_offsets;
};

/* Fills o with the defaults: every part, network defaults, the player's
 * real-time defaults with audio. */
void class_opts_init(struct class_opts *o);

struct sp_class;

/* Opens source. Diagnostics (the manifest's, the network's) go to diag.
 * Returns 0 and *out; SP_ENOTREADY with *out set when the recording is
 * not ready to play (its Status; diag says what it means: the caller may
 * still describe it); or an SP_E* error with *out NULL (diag names the
 * source and the reason). */
int class_open(const char *source, const struct class_opts *o, struct diag_list *diag,
               struct sp_class **out);

/* Stops decoders, signaling and network; frees. NULL-safe; sets *c NULL. */
void class_close(struct sp_class **c);

/* Begins closing without waiting: every decoder is told to stop and every
 * transfer is cancelled (a page or media request in flight returns at
 * once), so that the threads wind down while the caller closes its window
 * and audio device. After it only class_close() may follow (which then
 * only joins and frees). NULL-safe. */
void class_abort(struct sp_class *c);

const struct recording *class_recording(const struct sp_class *c);
struct timeline *class_timeline(struct sp_class *c);
/* The media player (NULL without CLASS_MEDIA). */
struct player *class_player(struct sp_class *c);
/* The loader for documents and images: disk, or the network client for
 * http(s) (started on first need). Valid while c lives. */
const struct sp_loader *class_loader(struct sp_class *c);
/* The folder the parsed signaling is cached in, or NULL when it is not
 * cached (--no-cache, no signaling cache, no cache folder). Valid while c
 * lives. */
const char *class_cache_dir(const struct sp_class *c);
/* The network client if one was started (or, with start, starts it now);
 * NULL when none could start (a diag line was added). */
struct fetch *class_fetch(struct sp_class *c, bool start, struct diag_list *diag);

/* One pass over the whole class (see the header comment). Returns 1 when
 * the picture changed, 0 if not, SP_EEOF at the end (as player_step()),
 * or < 0 on an error. Without CLASS_MEDIA it only takes new signaling. */
int class_step(struct sp_class *c, int64_t *wait_us);
/* player_step_at() for the whole class (max-speed sinks on a frame grid). */
int class_step_at(struct sp_class *c, int64_t t_us);
/* Exact seek (clamped to the class); signaling is asked for w(t) first.
 * Clears the end of play and a pending frame step (the newest position
 * wins). */
void class_seek_us(struct sp_class *c, int64_t t_us);

/* The end was reached (class_step() returned SP_EEOF) and no seek since. */
bool class_ended(const struct sp_class *c);
/* The position to show: the total at the end, else class_time_us(). */
int64_t class_position_us(struct sp_class *c);
/* Pause or play (CLASS_MEDIA; otherwise no-op); play at the end, or at
 * t >= total, seeks to 0 first. class_paused() is true without media. */
void class_set_paused(struct sp_class *c, bool paused);
bool class_paused(struct sp_class *c);
/* One frame step, pausing first: dir > 0 forward, dir < 0 backward (see
 * the header comment). Returns 1 when it moved now, 0 when a forward step
 * waits for the decoders (class_step() finishes it and returns 1 then) or
 * nothing follows the end, SP_EINVAL without CLASS_MEDIA or dir == 0. */
int class_frame_step(struct sp_class *c, int dir);
bool class_frame_step_pending(const struct sp_class *c);

int64_t class_time_us(struct sp_class *c);  /* t of the last step */
int64_t class_board_us(struct sp_class *c); /* w(t) of the last step */
int64_t class_total_us(const struct sp_class *c);

/* The recording has IM pages: it has a board (empty until the first op). */
bool class_has_board(const struct sp_class *c);
/* The board at w(t) of the last step; NULL without a board or before the
 * first generation arrived. Valid until the next step or seek. */
const struct board_state *class_board(const struct sp_class *c);
/* The chat model of the current generation (NULL as above) and its
 * generation number (it changes when a new model replaces the old one:
 * whoever keeps pointers into the model rebuilds then). */
const struct chat_log *class_chat(const struct sp_class *c);
uint64_t class_signal_generation(const struct sp_class *c);
/* Board ops applied at w(t) and chat items visible at w(t). */
size_t class_board_ops_shown(const struct sp_class *c);
size_t class_chat_shown(const struct sp_class *c);
/* The board player of the current generation (for image URLs, stats). */
const struct board_player *class_board_player(const struct sp_class *c);

/* Pages loaded so far (for "loading whiteboard n/N"). */
void class_signaling_progress(const struct sp_class *c, struct signaling_progress *out);
/* Blocks until the signaling covers the board time the class shows at
 * the current t (all: every page), or timeout_us (< 0 none), then takes
 * the newest generation. Returns 0, SP_ETIMEOUT, or SP_ERANGE
 * (signal_until_wait: all, or a later time, after the first wait). */
int class_signaling_wait(struct sp_class *c, bool all, int64_t timeout_us);

/* ---- sync corrections (section 8) ----
 * class_open() reads the offsets file (unless no_offsets) and, when one
 * exists, adds one note naming it and the number of corrections applied
 * (DIAG_CODE_OFFSETS_APPLIED); a bad file or entry is an error or warning
 * line and changes nothing else. */

/* The offsets file this class reads and writes; NULL when it has none (a
 * remote source without a cache folder). */
const char *class_offsets_path(const struct sp_class *c);
/* The source as the user named it (the file's Source field). */
const char *class_offsets_source(const struct sp_class *c);
/* Whether a file was read, and how many segments it corrected. */
bool class_offsets_loaded(const struct sp_class *c);
size_t class_offsets_applied(const struct sp_class *c);
/* Every segment's correction (µs), flat (offsets_flat_index()); never NULL
 * once opened (zeros without corrections). */
const int64_t *class_offsets_us(const struct sp_class *c);
/* The correction of lane's segment at the current t, else of its first
 * segment (µs). */
int64_t class_lane_offset_us(struct sp_class *c, size_t lane);
/* Moves every segment of lane by delta_us (positive: its pictures later);
 * the picture follows at once (a seek to the current position). Returns
 * SP_EINVAL for a lane the class does not have. */
int class_shift_lane_us(struct sp_class *c, size_t lane, int64_t delta_us);
/* Writes the current corrections to class_offsets_path() atomically.
 * *n_written: entries written. Returns 0, SP_ENOENT (no path) or the
 * writer's error (offsets_write()). */
int class_write_offsets(struct sp_class *c, size_t *n_written);

/* Moves the player's, the signaling's and the network's warnings to dst; after
 * class_abort(), only those said before it (the rest is the quitting's echo). */
void class_take_diags(struct sp_class *c, struct diag_list *dst);

#endif
