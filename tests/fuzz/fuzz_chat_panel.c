/* fuzz_chat_panel.c - arbitrary message text through the chat model and the
 * chat panel: layout (wrapping, CJK and emoji fallback, color emoji
 * scaling, name cutting), drawing, scrolling and hit tests.
 *
 * Input: byte 0 picks the panel width and the scroll; the rest, split at
 * NUL bytes, gives up to 8 messages: every third is a face whose Data is
 * the bytes (the emoji path), the others text; each message's first 40
 * bytes are also its sender name. Bytes are taken as they are (ill-formed
 * UTF-8 included): the chat model repairs them.
 *
 * Each input lays out and draws a panel (milliseconds under ASan), so the
 * suite runs fewer of them: fuzz-runs: 3000 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im/chat.h"
#include "im/msgpage.h"
#include "render/canvas.h"
#include "render/chat_panel.h"
#include "render/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MSGS 8

static struct text_ctx *text; /* one for the whole run: opening fonts is slow */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1024) /* each new code point may cost a fontconfig match */
        return 0;
    if (!text && text_create(&text))
        abort();              /* the fonts are a documented dependency */
    char *buf = malloc(size); /* exact size: reads past the end are caught */
    if (!buf)
        return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    uint8_t ctl = data[0];

    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "ActionStatus", "OK");
    cJSON_AddNumberToObject(root, "ErrorCode", 0);
    cJSON *list = cJSON_AddArrayToObject(root, "RspMsgList");
    const char *p = buf, *end = buf + size - 1;
    for (int i = 0; i < MAX_MSGS && p <= end; i++) {
        size_t n = strlen(p);
        char name[41];
        memcpy(name, p, n < 40 ? n : 40);
        name[n < 40 ? n : 40] = '\0';
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "From_Account", name);
        cJSON_AddNumberToObject(m, "MsgSeq", 10 + i);
        cJSON_AddNumberToObject(m, "MsgTimeStamp", 1700000000 + 5 * i);
        cJSON *body = cJSON_AddArrayToObject(m, "MsgBody");
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToArray(body, e);
        bool face = i % 3 == 2;
        cJSON_AddStringToObject(e, "MsgType", face ? "TIMFaceElem" : "TIMTextElem");
        cJSON *content = cJSON_AddObjectToObject(e, "MsgContent");
        cJSON_AddStringToObject(content, face ? "Data" : "Text", p);
        cJSON_AddItemToArray(list, m);
        p += n + 1;
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    struct msg_log *log = msg_log_create();
    struct chat_log *chat = NULL;
    struct canvas *c = NULL;
    struct chat_panel *panel = NULL;
    if (json && log && msg_log_add_json(log, json, strlen(json), "fuzz", NULL) == 0 &&
        chat_log_build(log, &chat, NULL) == 0 && canvas_create(&c, 160, 100) == 0 &&
        chat_panel_create(text, chat, NULL, &panel) == 0) {
        int w = 20 + (ctl & 0x0F) * 9; /* 20..155 px: small, pixel loops are slow here */
        chat_panel_set_time(panel, (1700000000LL + 100) * 1000000);
        if (chat_panel_draw(panel, c, (struct canvas_rect){0, 0, w, 100}))
            abort();
        chat_panel_scroll(panel, (double)(ctl >> 4) * 40);
        struct chat_panel_hit hit;
        for (int y = 0; y < 100; y += 5)
            if (chat_panel_hit(panel, w / 2, y, &hit) && !hit.newer) {
                if (hit.item >= chat->count)
                    abort();
                chat_panel_toggle_more(panel, hit.item);
            }
        chat_panel_set_time(panel, (1700000000LL * 1000 + 7000) * 1000);
        if (chat_panel_visible_count(panel) !=
            chat_visible_count(chat, (1700000000LL * 1000 + 7000) * 1000))
            abort();
        if (chat_panel_draw(panel, c, (struct canvas_rect){0, 0, w, 100}))
            abort();
    }
    chat_panel_destroy(&panel);
    canvas_destroy(&c);
    chat_log_destroy(&chat);
    msg_log_destroy(&log);
    free(json);
    free(buf);
    return 0;
}
