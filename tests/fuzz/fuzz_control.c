/* fuzz_control.c - any bytes as a remote-control message: the command
 * parser, the auth parser, and a reply and every property's value built
 * for what was parsed. The input is copied into an exact-size buffer
 * (no NUL: the parser takes a length). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "player/control/control_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    struct control_req *req = malloc(sizeof(*req));
    const char *err = NULL;
    if (req) {
        int rc = control_parse(s, size, req, &err);
        if (rc == 0 && (unsigned)req->op >= CONTROL_OP__COUNT)
            abort();
        if (rc != 0 && !err)
            abort();
        /* a string argument always fits and is terminated */
        if (memchr(req->str, '\0', sizeof(req->str)) == NULL)
            abort();
        char *reply = control_reply(req->request_id, rc ? err : CONTROL_OK, NULL);
        free(reply);
        struct control_state st;
        memset(&st, 0, sizeof(st));
        memcpy(st.source, req->str, sizeof(st.source));
        struct control_observer obs;
        memset(&obs, 0, sizeof(obs));
        for (int p = 0; p < CONTROL_P__COUNT; p++)
            control_observe_add(&obs, p, (enum control_prop)p);
        control_observe_clear(&obs);
        free(req);
    }
    char tok[128];
    control_parse_auth(s, size, tok, sizeof(tok));
    free(s);
    return 0;
}
