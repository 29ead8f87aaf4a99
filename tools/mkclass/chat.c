/* chat.c - the chat of a class in the IM service's message format: text in
 * Chinese with emoji (including a skin tone and a ZWJ family), a face
 * element, an image with thumbnail, a file (a type players show as a one-line
 * placeholder), a custom non-board message (a raised hand), one recalled
 * message (IsPlaceMsg 1) and one message during the pause. Filler messages
 * bring the total to --chat.
 */
#include "mkclass.h"

#include <stdio.h>
#include <string.h>

/* Scripted chat messages that are not placeholders. */
#define SCRIPTED_CHAT 9

static cJSON *elem(const char *type)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "MsgType", type);
    return e;
}

static cJSON *text_elem(const char *text)
{
    cJSON *e = elem("TIMTextElem");
    cJSON *c = cJSON_AddObjectToObject(e, "MsgContent");
    cJSON_AddStringToObject(c, "Text", text);
    return e;
}

static cJSON *face_elem(int index, const char *data)
{
    cJSON *e = elem("TIMFaceElem");
    cJSON *c = cJSON_AddObjectToObject(e, "MsgContent");
    cJSON_AddNumberToObject(c, "Index", index);
    cJSON_AddStringToObject(c, "Data", data);
    return e;
}

static void image_info(cJSON *arr, int type, const struct mk_image_info *im)
{
    cJSON *i = cJSON_CreateObject();
    cJSON_AddNumberToObject(i, "Type", type);
    cJSON_AddNumberToObject(i, "Size", (double)im->size_bytes);
    cJSON_AddNumberToObject(i, "Width", im->width);
    cJSON_AddNumberToObject(i, "Height", im->height);
    cJSON_AddStringToObject(i, "URL", im->file);
    cJSON_AddItemToArray(arr, i);
}

static cJSON *image_elem(const struct mk_images *img)
{
    cJSON *e = elem("TIMImageElem");
    cJSON *c = cJSON_AddObjectToObject(e, "MsgContent");
    cJSON_AddStringToObject(c, "UUID", "1400000000_student_02_homework");
    cJSON_AddNumberToObject(c, "ImageFormat", 1); /* JPG */
    cJSON *arr = cJSON_AddArrayToObject(c, "ImageInfoArray");
    image_info(arr, 1, &img->photo);       /* original */
    image_info(arr, 2, &img->photo);       /* large: the original is small enough */
    image_info(arr, 3, &img->photo_thumb); /* thumbnail */
    return e;
}

static cJSON *body_of(cJSON *e)
{
    cJSON *b = cJSON_CreateArray();
    cJSON_AddItemToArray(b, e);
    return b;
}

static const char *const filler_texts[] = {"好的 👌",
                                           "明白了",
                                           "老师，能再讲一遍吗？",
                                           "1/2 + 1/3 = 5/6 对吗",
                                           "👍👍",
                                           "OK, got it",
                                           "等一下，我网卡了 😅",
                                           "这个好难 🤔",
                                           "谢谢老师 🙏",
                                           "可以看到白板吗？",
                                           "👏👏👏",
                                           "下课了吗 ⏰"};

int mk_chat_generate(const struct mk_plan *p, const struct mk_images *img, struct mk_msg_list *out,
                     struct mk_chat_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    int64_t P = p->pause_play_ms, Q = p->opt.duration_ms - P;
    int64_t pause_len = p->resume_wall_ms - p->pause_wall_ms;
#define PRE(f) mk_plan_wall(p, (int64_t)((f) * (double)P) + 37)
#define POST(f) mk_plan_wall(p, P + (int64_t)((f) * (double)Q) + 37)
    const char *teacher = p->lanes[0].user_id, *student = p->lanes[1].user_id;
    int rc = 0;

    rc |= mk_msgs_add(out, PRE(0.03), teacher, body_of(text_elem("大家好 👋 今天我们学习分数。")));
    cJSON *hello = cJSON_CreateArray();
    cJSON_AddItemToArray(hello, text_elem("老师好！"));
    cJSON_AddItemToArray(hello, face_elem(1, "[微笑]"));
    rc |= mk_msgs_add(out, PRE(0.65), student, hello);
    rc |= mk_msgs_add(out, PRE(0.68), student, body_of(face_elem(5, "[赞]")));
    rc |= mk_msgs_add(out, PRE(0.72), student, body_of(image_elem(img)));

    cJSON *hand = elem("TIMCustomElem");
    cJSON *hc = cJSON_AddObjectToObject(hand, "MsgContent");
    cJSON_AddStringToObject(hc, "Data", "{\"cmd\":\"raise_hand\",\"on\":true}");
    cJSON_AddStringToObject(hc, "Desc", "✋ 举手");
    cJSON_AddStringToObject(hc, "Ext", "classroom.raise_hand");
    rc |= mk_msgs_add(out, PRE(0.78), student, body_of(hand));

    /* A recalled message: the history keeps a placeholder with no body. */
    rc |= mk_msgs_add(out, PRE(0.85), student, cJSON_CreateArray());
    if (rc == 0) {
        out->items[out->count - 1].placeholder = true;
        stats->placeholders++;
    }

    int64_t in_pause = p->pause_wall_ms + pause_len / 2 + 11;
    rc |= mk_msgs_add(out, in_pause, teacher, body_of(text_elem("休息一下，10 分钟后回来 ☕")));
    stats->in_pause++;

    rc |= mk_msgs_add(out, POST(0.10), teacher, body_of(text_elem("我们继续 🎉 看第二页")));

    cJSON *file = elem("TIMFileElem");
    cJSON *fc = cJSON_AddObjectToObject(file, "MsgContent");
    cJSON_AddStringToObject(fc, "UUID", "1400000000_student_02_file");
    cJSON_AddStringToObject(fc, "FileName", "作业-第3题.pdf");
    cJSON_AddNumberToObject(fc, "FileSize", 48213);
    cJSON_AddStringToObject(fc, "Url", "files/homework-3.pdf");
    rc |= mk_msgs_add(out, POST(0.40), student, body_of(file));

    rc |= mk_msgs_add(
        out, POST(0.70), teacher,
        body_of(text_elem("很好！👍🏽 大家都做对了 👨‍👩‍👧‍👦")));
    stats->chat = SCRIPTED_CHAT;

    /* Filler: random camera users (once joined), outside the pause. */
    struct mk_rng rng;
    mk_rng_init(&rng, p->opt.seed * 131 + 3);
    int64_t T = p->opt.duration_ms;
    for (int i = SCRIPTED_CHAT; i < p->opt.chat && rc == 0; i++) {
        int64_t t = mk_rng_range(&rng, T / 50, T - T / 50);
        int lane = (int)mk_rng_range(&rng, 0, p->lane_count - 1);
        if (!mk_lane_is_camera(&p->lanes[lane]) || p->lanes[lane].join_play_ms > t)
            lane = 0;
        const char *text = filler_texts[mk_rng_range(&rng, 0, 11)];
        rc |=
            mk_msgs_add(out, mk_plan_wall(p, t), p->lanes[lane].user_id, body_of(text_elem(text)));
        stats->chat++;
    }
#undef PRE
#undef POST
    if (rc != 0)
        fprintf(stderr, "sigplay-mkclass: out of memory generating chat\n");
    return rc ? -1 : 0;
}

int mk_chat_scripted(void)
{
    return SCRIPTED_CHAT;
}
