/* clock.h - the playback clock: a position that advances with a time source.
 *
 * A clock holds {pts, drift, speed, paused, serial} the ffplay way: it was
 * set to `pts` at source time `t0`, so now it reads
 *
 *     pts + (now - t0) * speed      (or pts while paused)
 *
 * drift (pts - t0) is what a reader without the lock would need; we keep
 * the pair instead and take the lock (readers are few: the play loop and
 * the audio callback).
 *
 * The time source is pluggable: clock_time_monotonic() for the system clock
 * (the master clock when no lane has audio), or the audio output's notion
 * of "now" (the device callback sets the clock with clock_set_at() from the
 * position of the samples it hands over). Tests drive a fake source.
 *
 * Values: the clock reads playback time t in microseconds (pauses removed).
 * The serial is the seek generation the value belongs to; a reader holding
 * an older serial knows the clock was reset under it.
 *
 * Speeds are 0.5 .. 2.0 in steps of 0.25 (pitch is kept by the audio side).
 *
 * Locking: one mutex inside; every function is thread-safe except
 * create/destroy. The time source is called with the lock held: it must
 * not call back into the clock. Lock order: a leaf (readers: the play
 * loop and the audio device callback, which takes the mixer's lock before
 * or after, never around, this one).
 */
#ifndef SP_CLOCK_H
#define SP_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define CLOCK_SPEED_MIN 0.5
#define CLOCK_SPEED_MAX 2.0
#define CLOCK_SPEED_STEP 0.25

/* Returns "now" in microseconds of a monotonic source. */
typedef int64_t (*clock_time_fn)(void *opaque);

/* The system's monotonic clock (CLOCK_MONOTONIC) in µs; opaque unused. */
int64_t clock_time_monotonic(void *opaque);

struct sp_clock;

/* Creates a clock reading 0, speed 1, paused, serial 0. now == NULL means
 * clock_time_monotonic. Returns 0 or SP_ENOMEM. */
int clock_create(struct sp_clock **out, clock_time_fn now, void *opaque);
void clock_destroy(struct sp_clock **c);

/* Current value in µs. */
int64_t clock_get(struct sp_clock *c);
/* Current value and its serial, read together. */
int64_t clock_get_serial(struct sp_clock *c, int *serial);

/* Sets the value to pts_us now (or at source time time_us: "this sample
 * position was played at that time") and the serial. */
void clock_set(struct sp_clock *c, int64_t pts_us, int serial);
void clock_set_at(struct sp_clock *c, int64_t pts_us, int serial, int64_t time_us);
/* As clock_set_at(), but only if the clock's serial is still `serial`
 * (an audio callback that read the mix before a seek must not move the
 * clock back to where the seek came from). Returns 0 or SP_EAGAIN. */
int clock_update_at(struct sp_clock *c, int64_t pts_us, int serial, int64_t time_us);

/* Pause/resume; the value does not jump either way. */
void clock_set_paused(struct sp_clock *c, bool paused);
bool clock_paused(struct sp_clock *c);

/* Held: the master audio has nothing to play (data not downloaded yet):
 * the value stands still, without a jump either way, until released. Kept
 * apart from pause so that buffering and the user's pause never undo each
 * other. */
void clock_set_held(struct sp_clock *c, bool held);
bool clock_held(struct sp_clock *c);

/* True for 0.5, 0.75, ..., 2.0 (exactly: these are binary fractions). */
bool clock_speed_valid(double speed);
/* The next valid speed up (dir > 0) or down (dir < 0) from speed, clamped
 * to the range; an invalid speed snaps to the nearest valid one first. */
double clock_speed_step(double speed, int dir);

/* Changes the speed without a jump in value. Returns 0 or SP_ERANGE
 * (speed not valid; nothing changed). */
int clock_set_speed(struct sp_clock *c, double speed);
double clock_speed(struct sp_clock *c);

int clock_serial(struct sp_clock *c);

#endif
