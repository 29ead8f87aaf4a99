/* sink_check.h - a struct sp_sink for tests of streamed writers: it keeps
 * what it is given, counts the pieces and their largest size, and can fail
 * on a chosen piece (every later call is then a test failure). */
#ifndef SIGPLAY_TEST_SINK_CHECK_H
#define SIGPLAY_TEST_SINK_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/sp_bytes.h"

struct sink_check {
    uint8_t *p;
    size_t n, cap;
    size_t pieces, largest;
    size_t fail_at; /* 1-based piece that fails with fail_rc; 0: none */
    int fail_rc;
    bool after_fail; /* a call came after the failing one */
};

static inline int sink_check_put(void *opaque, const void *p, size_t n)
{
    struct sink_check *s = (struct sink_check *)opaque;
    if (s->fail_at && s->pieces >= s->fail_at)
        s->after_fail = true;
    s->pieces++;
    if (n > s->largest)
        s->largest = n;
    if (s->fail_at && s->pieces == s->fail_at)
        return s->fail_rc;
    if (s->n + n > s->cap) {
        size_t cap = (s->n + n) * 2;
        uint8_t *q = (uint8_t *)realloc(s->p, cap);
        if (!q)
            return SP_ENOMEM;
        s->p = q;
        s->cap = cap;
    }
    memcpy(s->p + s->n, p, n);
    s->n += n;
    return 0;
}

#endif
