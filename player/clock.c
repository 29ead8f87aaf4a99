/* clock.c - see clock.h. */
#include "player/clock.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/platform/os_time.h"
#include "base/sp_error.h"

struct sp_clock {
    pthread_mutex_t lock; /* guards every field below */
    clock_time_fn now;
    void *opaque;
    int64_t pts_us; /* value at source time t0_us */
    int64_t t0_us;  /* source time of the last set/re-anchor */
    double speed;
    bool paused;
    bool held; /* the master audio has nothing to play (buffering) */
    int serial;
};

int64_t clock_time_monotonic(void *opaque)
{
    (void)opaque;
    struct timespec ts;
    sp_os_mono_timespec(&ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int clock_create(struct sp_clock **out, clock_time_fn now, void *opaque)
{
    if (!out)
        return SP_EINVAL;
    struct sp_clock *c = calloc(1, sizeof(*c));
    if (!(*out = c))
        return SP_ENOMEM;
    pthread_mutex_init(&c->lock, NULL);
    c->now = now ? now : clock_time_monotonic;
    c->opaque = opaque;
    c->speed = 1.0;
    c->paused = true;
    c->t0_us = c->now(c->opaque);
    return 0;
}

void clock_destroy(struct sp_clock **cp)
{
    if (!cp || !*cp)
        return;
    pthread_mutex_destroy(&(*cp)->lock);
    free(*cp);
    *cp = NULL;
}

static int64_t value_at(const struct sp_clock *c, int64_t now)
{
    if (c->paused || c->held)
        return c->pts_us;
    return c->pts_us + (int64_t)llround((double)(now - c->t0_us) * c->speed);
}

/* Folds the elapsed time into pts so that speed/pause changes apply from
 * now on only. */
static void reanchor(struct sp_clock *c)
{
    int64_t now = c->now(c->opaque);
    c->pts_us = value_at(c, now);
    c->t0_us = now;
}

int64_t clock_get_serial(struct sp_clock *c, int *serial)
{
    pthread_mutex_lock(&c->lock);
    int64_t v = value_at(c, c->now(c->opaque));
    if (serial)
        *serial = c->serial;
    pthread_mutex_unlock(&c->lock);
    return v;
}

int64_t clock_get(struct sp_clock *c)
{
    return clock_get_serial(c, NULL);
}

void clock_set_at(struct sp_clock *c, int64_t pts_us, int serial, int64_t time_us)
{
    pthread_mutex_lock(&c->lock);
    c->pts_us = pts_us;
    c->t0_us = time_us;
    c->serial = serial;
    pthread_mutex_unlock(&c->lock);
}

int clock_update_at(struct sp_clock *c, int64_t pts_us, int serial, int64_t time_us)
{
    pthread_mutex_lock(&c->lock);
    int r = SP_EAGAIN;
    if (c->serial == serial) {
        c->pts_us = pts_us;
        c->t0_us = time_us;
        r = 0;
    }
    pthread_mutex_unlock(&c->lock);
    return r;
}

void clock_set(struct sp_clock *c, int64_t pts_us, int serial)
{
    pthread_mutex_lock(&c->lock);
    c->pts_us = pts_us;
    c->t0_us = c->now(c->opaque);
    c->serial = serial;
    pthread_mutex_unlock(&c->lock);
}

void clock_set_paused(struct sp_clock *c, bool paused)
{
    pthread_mutex_lock(&c->lock);
    reanchor(c);
    c->paused = paused;
    pthread_mutex_unlock(&c->lock);
}

void clock_set_held(struct sp_clock *c, bool held)
{
    pthread_mutex_lock(&c->lock);
    if (held != c->held) {
        reanchor(c);
        c->held = held;
    }
    pthread_mutex_unlock(&c->lock);
}

bool clock_held(struct sp_clock *c)
{
    pthread_mutex_lock(&c->lock);
    bool h = c->held;
    pthread_mutex_unlock(&c->lock);
    return h;
}

bool clock_paused(struct sp_clock *c)
{
    pthread_mutex_lock(&c->lock);
    bool p = c->paused;
    pthread_mutex_unlock(&c->lock);
    return p;
}

bool clock_speed_valid(double speed)
{
    if (!(speed >= CLOCK_SPEED_MIN && speed <= CLOCK_SPEED_MAX))
        return false;
    double steps = speed / CLOCK_SPEED_STEP;
    return steps == floor(steps);
}

double clock_speed_step(double speed, int dir)
{
    if (!(speed == speed)) /* NaN */
        speed = 1.0;
    double steps = round(speed / CLOCK_SPEED_STEP);
    if (dir > 0)
        steps += 1;
    else if (dir < 0)
        steps -= 1;
    double s = steps * CLOCK_SPEED_STEP;
    if (s < CLOCK_SPEED_MIN)
        s = CLOCK_SPEED_MIN;
    if (s > CLOCK_SPEED_MAX)
        s = CLOCK_SPEED_MAX;
    return s;
}

int clock_set_speed(struct sp_clock *c, double speed)
{
    if (!clock_speed_valid(speed))
        return SP_ERANGE;
    pthread_mutex_lock(&c->lock);
    reanchor(c);
    c->speed = speed;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

double clock_speed(struct sp_clock *c)
{
    pthread_mutex_lock(&c->lock);
    double s = c->speed;
    pthread_mutex_unlock(&c->lock);
    return s;
}

int clock_serial(struct sp_clock *c)
{
    pthread_mutex_lock(&c->lock);
    int s = c->serial;
    pthread_mutex_unlock(&c->lock);
    return s;
}
