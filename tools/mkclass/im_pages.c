/* im_pages.c - the message list and its group-history pages.
 *
 * Pages are written as the IM service's group-history REST call answers
 * when walked backwards from the newest message: page 000 holds the newest
 * MK_PAGE_SIZE messages, each next page goes further back, and consecutive
 * pages share one message (the next request starts at the oldest MsgSeq of
 * the previous answer, inclusive). Inside a page, newest first. The oldest
 * page says IsFinished 1.
 */
#include "mkclass.h"

#include <stdio.h>
#include <stdlib.h>

int mk_msgs_add(struct mk_msg_list *l, int64_t wall_ms, const char *from, cJSON *body)
{
    if (!body)
        return -1;
    if (l->count == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        struct mk_msg *n = realloc(l->items, (size_t)cap * sizeof *n);
        if (!n) {
            cJSON_Delete(body);
            return -1;
        }
        l->items = n;
        l->cap = cap;
    }
    struct mk_msg *m = &l->items[l->count];
    *m = (struct mk_msg){.wall_ms = wall_ms, .order = l->count, .body = body};
    snprintf(m->from, sizeof m->from, "%s", from);
    l->count++;
    return 0;
}

void mk_msgs_free(struct mk_msg_list *l)
{
    for (int i = 0; i < l->count; i++)
        cJSON_Delete(l->items[i].body);
    free(l->items);
    l->items = NULL;
    l->count = l->cap = 0;
}

static int cmp_msg(const void *a, const void *b)
{
    const struct mk_msg *x = a, *y = b;
    if (x->wall_ms != y->wall_ms)
        return (x->wall_ms > y->wall_ms) - (x->wall_ms < y->wall_ms);
    return (x->order > y->order) - (x->order < y->order);
}

static cJSON *msg_json(const struct mk_msg *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "From_Account", m->from);
    cJSON_AddNumberToObject(o, "MsgSeq", (double)m->seq);
    cJSON_AddNumberToObject(o, "MsgRandom", (double)m->random);
    cJSON_AddNumberToObject(o, "MsgTimeStamp", (double)(m->wall_ms / 1000));
    cJSON_AddNumberToObject(o, "IsPlaceMsg", m->placeholder ? 1 : 0);
    cJSON_AddNumberToObject(o, "MsgPriority", 1);
    /* The page refers to the message's body; the list keeps owning it. */
    cJSON_AddItemReferenceToObject(o, "MsgBody", m->body);
    return o;
}

#define FIRST_SEQ 1001 /* the group existed before the class */

int mk_im_pages_write(const struct mk_plan *p, struct mk_msg_list *msgs, int *page_count)
{
    qsort(msgs->items, (size_t)msgs->count, sizeof *msgs->items, cmp_msg);
    struct mk_rng rng;
    mk_rng_init(&rng, p->opt.seed * 17 + 5);
    for (int i = 0; i < msgs->count; i++) {
        msgs->items[i].seq = FIRST_SEQ + i;
        msgs->items[i].random = (uint32_t)(mk_rng_next(&rng) & 0x7FFFFFFF);
    }
    int pages = 0;
    int hi = msgs->count - 1;
    for (;;) {
        int lo = hi - (MK_PAGE_SIZE - 1);
        if (lo < 0)
            lo = 0;
        cJSON *page = cJSON_CreateObject();
        cJSON_AddStringToObject(page, "ActionStatus", "OK");
        cJSON_AddNumberToObject(page, "ErrorCode", 0);
        cJSON_AddStringToObject(page, "GroupId", p->group_id);
        cJSON_AddNumberToObject(page, "IsFinished", lo == 0 ? 1 : 0);
        cJSON *list = cJSON_AddArrayToObject(page, "RspMsgList");
        for (int i = hi; i >= lo; i--)
            cJSON_AddItemToArray(list, msg_json(&msgs->items[i]));
        char rel[64];
        snprintf(rel, sizeof rel, "im/messages-%03d.json", pages);
        int rc = mk_write_json(p, rel, page);
        cJSON_Delete(page);
        if (rc < 0)
            return -1;
        pages++;
        if (lo == 0)
            break;
        hi = lo; /* the next page starts again at this page's oldest message */
    }
    *page_count = pages;
    return 0;
}
