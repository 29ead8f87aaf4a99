/* Tests for the streamed checksum of base/sp_bytes.h: fed in any pieces it
 * gives exactly sp_checksum64() of the whole, which the signaling cache
 * writer relies on (it streams the file; the reader checks it whole). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "base/sp_bytes.h"

static uint64_t streamed(const uint8_t *p, size_t n, const size_t *cuts, size_t ncuts)
{
    struct sp_checksum64_state s;
    sp_checksum64_init(&s);
    size_t at = 0;
    for (size_t i = 0; i < ncuts && cuts[i] <= n; i++) {
        sp_checksum64_update(&s, p + at, cuts[i] - at);
        at = cuts[i];
    }
    sp_checksum64_update(&s, p + at, n - at);
    return sp_checksum64_final(&s);
}

static void test_pieces_equal_whole(void **state)
{
    (void)state;
    enum { N = 1000 };
    uint8_t buf[N];
    uint32_t x = 12345;
    for (size_t i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    /* lengths around the 32-byte block, cuts inside and across blocks */
    const size_t lens[] = {0, 1, 31, 32, 33, 63, 64, 65, 100, 999, N};
    const size_t cuts[][6] = {{0, 0, 0, 0, 0, 0},
                              {1, 2, 3, 4, 5, 6},
                              {31, 32, 33, 64, 96, 97},
                              {7, 40, 41, 90, 500, 999},
                              {16, 48, 80, 112, 144, 176}};
    for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
        for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++)
            assert_int_equal(streamed(buf, lens[l], cuts[c], 6), sp_checksum64(buf, lens[l]));
    /* byte by byte */
    struct sp_checksum64_state s;
    sp_checksum64_init(&s);
    for (size_t i = 0; i < N; i++)
        sp_checksum64_update(&s, buf + i, 1);
    assert_int_equal(sp_checksum64_final(&s), sp_checksum64(buf, N));
    /* and it still tells a changed byte */
    uint64_t before = sp_checksum64(buf, N);
    buf[500] ^= 1;
    assert_int_not_equal(streamed(buf, N, cuts[3], 6), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces_equal_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
