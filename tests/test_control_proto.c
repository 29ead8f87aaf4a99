/* Tests for player/control/control_proto: what a message with a NUL in a
 * string gives (the rest of the protocol is tested end to end by
 * test_control.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/sp_error.h"
#include "player/control/control_proto.h"

static int parse(const char *msg, struct control_req *req, const char **err)
{
    return control_parse(msg, strlen(msg), req, err);
}

/* "x.json\u0000.evil" would load x.json: refused as an invalid parameter,
 * the request id kept for the reply; the same text escaped reads. */
static void test_nul_in_a_string(void **state)
{
    (void)state;
    struct control_req req;
    const char *err = NULL;
    assert_int_equal(
        parse("{\"request_id\":7,\"command\":[\"load\",\"x.json\\u0000.evil\"]}", &req, &err),
        SP_EINVAL);
    assert_string_equal(err, CONTROL_E_INVALID);
    assert_int_equal(req.request_id, 7);
    assert_int_equal(parse("{\"request_id\":8,\"command\":[\"load\",\"x.json\"]}", &req, &err), 0);
    assert_int_equal(req.op, CONTROL_LOAD);
    assert_string_equal(req.str, "x.json");
    /* a NUL in a key or in a string the command does not use counts too */
    assert_int_equal(parse("{\"command\":[\"quit\"],\"n\\u0000\":1}", &req, &err), SP_EINVAL);
    assert_int_equal(parse("{\"command\":[\"quit\"],\"note\":\"a\\\\u0000\"}", &req, &err), 0);

    char token[64];
    assert_int_equal(control_parse_auth("{\"auth\":\"s3cret\"}", 17, token, sizeof(token)), 1);
    assert_string_equal(token, "s3cret");
    const char *cut = "{\"auth\":\"s3cret\\u0000x\"}";
    assert_int_equal(control_parse_auth(cut, strlen(cut), token, sizeof(token)), 0);
}

/* The wire speaks ms, the structs µs: a seek's ms arrive as µs, and the
 * time properties go out as whole ms (rounded down), as before. */
static void test_wire_ms_struct_us(void **state)
{
    (void)state;
    struct control_req req;
    const char *err = NULL;
    assert_int_equal(parse("{\"command\":[\"seek\",1500,\"relative\"]}", &req, &err), 0);
    assert_int_equal(req.op, CONTROL_SEEK);
    assert_true(req.relative);
    assert_int_equal(req.us, 1500000);
    assert_int_equal(parse("{\"command\":[\"seek\",-2000]}", &req, &err), 0);
    assert_int_equal(req.us, -2000000);

    struct control_state st;
    memset(&st, 0, sizeof(st));
    st.t_us = 61999999;
    st.duration_us = 3600000000;
    st.wall_us = 1700000000123456;
    char *t = control_prop_json(&st, CONTROL_P_TIME);
    char *d = control_prop_json(&st, CONTROL_P_DURATION);
    char *w = control_prop_json(&st, CONTROL_P_WALL);
    assert_non_null(t);
    assert_non_null(d);
    assert_non_null(w);
    assert_string_equal(t, "61999");
    assert_string_equal(d, "3600000");
    assert_string_equal(w, "1700000000123");
    free(t);
    free(d);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nul_in_a_string),
        cmocka_unit_test(test_wire_ms_struct_us),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
