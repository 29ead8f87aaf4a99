/* timearg.c - the shared time option syntax (see timearg.h). */
#include "app/timearg.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_MS 1000000000000LL /* 1e9 s: far past any class, far below overflow */

/* Reads digits at *p as an integer (at most 13 digits). */
static bool read_int(const char **p, int64_t *v)
{
    const char *s = *p;
    int64_t n = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
        if (++digits > 13)
            return false;
        n = n * 10 + (*s - '0');
        s++;
    }
    if (!digits)
        return false;
    *p = s;
    *v = n;
    return true;
}

/* Reads ".d[d[d]]" at *p, if present, as ms (0..999); more than three
 * digits would be below the unit and is refused rather than dropped. */
static bool read_frac_ms(const char **p, int64_t *ms)
{
    *ms = 0;
    if (**p != '.')
        return true;
    const char *s = *p + 1;
    int digits = 0;
    int64_t scale = 100;
    while (*s >= '0' && *s <= '9') {
        if (++digits > 3)
            return false;
        *ms += (*s - '0') * scale;
        scale /= 10;
        s++;
    }
    if (!digits)
        return false;
    *p = s;
    return true;
}

/* MM:SS[.mmm] or H:MM:SS[.mmm]. */
static int parse_clock(const char *s, int64_t *out)
{
    int64_t f[3];
    int n = 0;
    const char *p = s;
    for (;;) {
        if (n == 3 || !read_int(&p, &f[n]))
            return -1;
        n++;
        if (*p != ':')
            break;
        p++;
    }
    int64_t frac;
    if (n < 2 || !read_frac_ms(&p, &frac) || *p)
        return -1;
    for (int i = 1; i < n; i++)
        if (f[i] >= 60)
            return -1; /* "1:75" is a typo, not 2:15 */
    int64_t sec = n == 3 ? f[0] * 3600 + f[1] * 60 + f[2] : f[0] * 60 + f[1];
    if (sec > MAX_MS / 1000)
        return -1;
    *out = sec * 1000 + frac;
    return 0;
}

/* 1h2m3s, 2m30s, 1.5s, "65 s": units in the order h, m, s, each at most
 * once; a fraction only on the last. */
static int parse_units(const char *s, int64_t *out)
{
    static const char units[] = "hms";
    static const int64_t unit_ms[] = {3600000, 60000, 1000};
    const char *p = s;
    int next = 0; /* index in units the next number may use */
    int64_t total = 0;
    bool any = false;
    while (*p) {
        int64_t v, frac;
        if (!read_int(&p, &v) || !read_frac_ms(&p, &frac))
            return -1;
        if (*p == ' ' && p[1] == 's' && !p[2])
            p++; /* "65 s", as the usage writes it */
        const char *u = *p ? strchr(units + next, *p) : NULL;
        if (!u)
            return -1;
        int k = (int)(u - units);
        if (v > MAX_MS / unit_ms[k])
            return -1;
        total += v * unit_ms[k] + frac * unit_ms[k] / 1000;
        next = k + 1;
        p++;
        any = true;
        if (frac && *p)
            return -1; /* "1.5m30s" */
    }
    if (!any || total > MAX_MS)
        return -1;
    *out = total;
    return 0;
}

/* The forms are read in ms (parse_clock(), parse_units()); µs only here. */
static int parse_ms(const char *s, int64_t *out)
{
    if (strchr(s, ':'))
        return parse_clock(s, out);
    const char *p = s;
    int64_t v;
    if (read_int(&p, &v) && !*p) {
        if (v > MAX_MS)
            return -1;
        *out = v; /* a bare integer is ms */
        return 0;
    }
    return parse_units(s, out);
}

int app_parse_time_us(const char *s, int64_t *out)
{
    int64_t ms;
    if (!s || !*s || parse_ms(s, &ms) < 0)
        return -1;
    *out = ms * 1000; /* ms <= MAX_MS (1e12): no overflow */
    return 0;
}

int app_time_check_end(const char *prog, const char *opt, const char *val, int64_t t_us,
                       int64_t total_us)
{
    if (t_us <= total_us)
        return 0;
    long long t = total_us < 0 ? 0 : (long long)(total_us / 1000);
    fprintf(stderr,
            "sigplay: %s: %s: %s is past the end of the class (it is %lld:%02lld.%03lld long, "
            "%lld ms)\n",
            prog, opt, val, t / 60000, t / 1000 % 60, t % 1000, t);
    return -1;
}
