/* Tests for player/control/control_proto: what a message with a NUL in a
 * string gives (the rest of the protocol is tested end to end by
 * test_control.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nul_in_a_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
