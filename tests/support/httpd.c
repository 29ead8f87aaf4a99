/* httpd.c - see httpd.h. Plain POSIX sockets; test support only. */
#include "support/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX 16384
#define ONCE_MAX 64
/* Connections served at once (a thread each); more wait in the backlog. */
#define CONN_MAX 32
/* A kept-alive connection with no new request for this long is closed;
 * longer than the client's keep-warm time so the client closes first. */
#define KEEPALIVE_IDLE_MS 10000

struct httpd;

struct conn_slot {
    struct httpd *h;
    int fd;
    pthread_t thread;
    atomic_bool used;    /* a thread runs (or ran and was not joined) here */
    atomic_bool running; /* the thread has not returned yet */
};

struct httpd {
    char root[1024];
    int lfd;
    int port;
    pthread_t thread;
    atomic_bool stop;
    struct conn_slot slots[CONN_MAX]; /* accept thread only (plus the atomics) */
    pthread_mutex_t lock;             /* guards every field below */
    int slow_ms;
    int requests;
    int connections;  /* accepted so far */
    int max_per_conn; /* most requests answered on one connection */
    int conditional;  /* requests with If-None-Match */
    int not_modified; /* 304 answers */
    int if_range;     /* requests with If-Range */
    int range_kept;   /* of those, answered 206 (the validator matched) */
    bool nginx_304;   /* 304 without Content-Length, as nginx sends it */
    char last_range[128];
    char last_accept_encoding[128];
    char once[ONCE_MAX][256]; /* "fault path" already served once */
    int nonce;
};

static bool send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static void send_status(int fd, int code, const char *text, const char *extra, bool keep)
{
    char buf[1024];
    int n = snprintf(buf, sizeof(buf),
                     "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: %s\r\n%s\r\n", code, text,
                     keep ? "keep-alive" : "close", extra ? extra : "");
    send_all(fd, buf, (size_t)n);
}

/* Returns true the first time (fault, path) is seen. */
static bool first_time(struct httpd *h, const char *fault, const char *path)
{
    char key[256];
    int kn = snprintf(key, sizeof(key), "%s %s", fault, path);
    if (kn < 0 || (size_t)kn >= sizeof(key))
        return true; /* too long to remember (no test path is): the fault always fires */
    pthread_mutex_lock(&h->lock);
    for (int i = 0; i < h->nonce; i++) {
        if (!strcmp(h->once[i], key)) {
            pthread_mutex_unlock(&h->lock);
            return false;
        }
    }
    if (h->nonce < ONCE_MAX)
        snprintf(h->once[h->nonce++], sizeof(h->once[0]), "%s", key);
    pthread_mutex_unlock(&h->lock);
    return true;
}

static void header_value(const char *req, const char *name, char *out, size_t size)
{
    out[0] = '\0';
    size_t nl = strlen(name);
    for (const char *p = strstr(req, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (!strncasecmp(line, name, nl) && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            size_t n = strcspn(v, "\r\n");
            if (n >= size)
                n = size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return;
        }
    }
}

/* Sends file as a chunked 200 answer, 4 KB chunks, without validators.
 * how 0: all of it and the final 0 chunk; 1: half the file, no final
 * chunk; 2: half the file, then a chunk size that is not hexadecimal.
 * Every way the connection is closed after it. */
static bool serve_chunked(struct httpd *h, int fd, const char *file, long long size, int how)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                               "Connection: close\r\n\r\n";
    if (!send_all(fd, head, sizeof(head) - 1))
        return false;
    FILE *in = fopen(file, "rb");
    if (!in)
        return false;
    char buf[4096], sz[32];
    long long sent = 0;
    while (sent < (how ? size / 2 : size) && !atomic_load(&h->stop)) {
        size_t n = fread(buf, 1, sizeof(buf), in);
        if (!n)
            break;
        int k = snprintf(sz, sizeof(sz), "%zx\r\n", n);
        if (!send_all(fd, sz, (size_t)k) || !send_all(fd, buf, n) || !send_all(fd, "\r\n", 2))
            break;
        sent += (long long)n;
    }
    fclose(in);
    if (how == 0)
        send_all(fd, "0\r\n\r\n", 5);
    else if (how == 2)
        send_all(fd, "zz\r\nxxxxxxxx\r\n", 15);
    return false;
}

/* Answers one request (req, NUL-terminated, headers complete). Returns
 * true when the connection stays open for another request: only plain
 * file answers, 304 and 404 keep it, and only when the client did not ask
 * for "Connection: close"; every fault mode closes it. */
static bool serve(struct httpd *h, int fd, const char *req)
{
    char method[16], path[1024];
    if (sscanf(req, "%15s %1023s", method, path) != 2)
        return false;
    char range[128], ifrange[256], inm[256], conn[64], ae[128];
    header_value(req, "Accept-Encoding", ae, sizeof(ae));
    header_value(req, "Range", range, sizeof(range));
    header_value(req, "If-Range", ifrange, sizeof(ifrange));
    header_value(req, "If-None-Match", inm, sizeof(inm));
    header_value(req, "Connection", conn, sizeof(conn));
    bool keep = strcasecmp(conn, "close") != 0;
    pthread_mutex_lock(&h->lock);
    h->requests++;
    if (inm[0])
        h->conditional++;
    if (ifrange[0])
        h->if_range++;
    bool nginx_304 = h->nginx_304;
    snprintf(h->last_range, sizeof(h->last_range), "%s", range);
    snprintf(h->last_accept_encoding, sizeof(h->last_accept_encoding), "%s", ae);
    int slow_ms = h->slow_ms;
    pthread_mutex_unlock(&h->lock);

    /* fault prefix */
    char fault[32] = "";
    const char *rest = path;
    static const char *const faults[] = {"/404/",      "/500once/",  "/resetonce/",   "/slow/",
                                         "/badlen/",   "/loop/",     "/loop2/",       "/redir/",
                                         "/norange/",  "/stall/",    "/hang/",        "/chunkcut/",
                                         "/badchunk/", "/shortlen/", "/norangedrop/", "/novalid/",
                                         "/gzip/",     "/deflate/",  "/trickle/",     "/chunked/"};
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        size_t n = strlen(faults[i]);
        if (!strncmp(path, faults[i], n)) {
            snprintf(fault, sizeof(fault), "%.*s", (int)(n - 2), faults[i] + 1);
            rest = path + n - 1;
            break;
        }
    }
    char loc[1200];
    if (!strcmp(fault, "hang")) {
        /* the request was read; no answer at all until the client leaves */
        for (;;) {
            struct pollfd pfd = {fd, POLLIN, 0};
            char c;
            if (atomic_load(&h->stop) ||
                (poll(&pfd, 1, 20) > 0 && recv(fd, &c, 1, MSG_DONTWAIT) <= 0))
                break;
        }
        return false;
    }
    if (!strcmp(fault, "trickle")) {
        /* a status line and headers that never end: one byte per
         * slow_ms, until the client leaves or 4 KB went out */
        static const char head[] = "HTTP/1.1 200 OK\r\nX-Padding: ";
        for (int i = 0; i < 4096 && !atomic_load(&h->stop); i++) {
            char c = i < (int)sizeof(head) - 1 ? head[i] : 'x';
            if (!send_all(fd, &c, 1))
                break;
            bool gone = false;
            for (int t = 0; t < slow_ms && !gone && !atomic_load(&h->stop); t += 20) {
                struct pollfd pfd = {fd, POLLIN, 0};
                char r;
                if (poll(&pfd, 1, 20) > 0 && recv(fd, &r, 1, MSG_DONTWAIT) <= 0)
                    gone = true;
            }
            if (gone)
                break;
        }
        return false;
    }
    if (!strcmp(fault, "404")) {
        send_status(fd, 404, "Not Found", NULL, false);
        return false;
    }
    if (!strcmp(fault, "loop") || !strcmp(fault, "loop2")) {
        snprintf(loc, sizeof(loc), "Location: /%s%s\r\n", strcmp(fault, "loop") ? "loop" : "loop2",
                 rest);
        send_status(fd, 302, "Found", loc, false);
        return false;
    }
    if (!strcmp(fault, "redir")) {
        int n = rest[1] - '0';
        if (n < 0 || n > 9 || rest[2] != '/') {
            send_status(fd, 400, "Bad Request", NULL, false);
            return false;
        }
        if (n == 0)
            snprintf(loc, sizeof(loc), "Location: %s\r\n", rest + 2);
        else
            snprintf(loc, sizeof(loc), "Location: /redir/%d%s\r\n", n - 1, rest + 2);
        send_status(fd, 302, "Found", loc, false);
        return false;
    }
    if (!strcmp(fault, "500once") && first_time(h, fault, rest)) {
        send_status(fd, 500, "Internal Server Error", NULL, false);
        return false;
    }
    if (strstr(rest, "..")) {
        send_status(fd, 403, "Forbidden", NULL, false);
        return false;
    }
    char file[2200];
    /* gzip/deflate serve the file's encoded copy next to it (F.gz, F.zz) */
    snprintf(file, sizeof(file), "%s%s%s", h->root, rest,
             !strcmp(fault, "gzip")      ? ".gz"
             : !strcmp(fault, "deflate") ? ".zz"
                                         : "");
    int ffd = open(file, O_RDONLY);
    struct stat st;
    if (ffd < 0 || fstat(ffd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (ffd >= 0)
            close(ffd);
        send_status(fd, 404, "Not Found", NULL, keep && !fault[0]);
        return keep && !fault[0];
    }
    long long size = (long long)st.st_size;
    char etag[64];
    snprintf(etag, sizeof(etag), "\"%llx-%llx\"", size, (long long)st.st_mtime);
    if (!strcmp(fault, "chunkcut") || !strcmp(fault, "badchunk") || !strcmp(fault, "chunked")) {
        close(ffd);
        return serve_chunked(h, fd, file, size,
                             !strcmp(fault, "chunked")    ? 0
                             : !strcmp(fault, "badchunk") ? 2
                                                          : 1);
    }
    bool ignore_range = !strcmp(fault, "norange") || !strcmp(fault, "norangedrop") ||
                        !strcmp(fault, "gzip") || !strcmp(fault, "deflate");
    if (inm[0] && !strcmp(inm, etag) && !fault[0]) {
        char et[128];
        snprintf(et, sizeof(et), "ETag: %s\r\n", etag);
        close(ffd);
        pthread_mutex_lock(&h->lock);
        h->not_modified++;
        pthread_mutex_unlock(&h->lock);
        if (nginx_304) {
            /* no Content-Length: none is needed, a 304 has no body */
            char buf[512];
            int n =
                snprintf(buf, sizeof(buf), "HTTP/1.1 304 Not Modified\r\n%sConnection: %s\r\n\r\n",
                         et, keep ? "keep-alive" : "close");
            send_all(fd, buf, (size_t)n);
        } else
            send_status(fd, 304, "Not Modified", et, keep);
        return keep;
    }
    /* fault modes always close the connection: their tests predate
     * keep-alive and some of them cut the connection on purpose */
    keep = keep && !fault[0];
    long long a = 0, b = size - 1;
    bool partial = false;
    if (range[0] && !ignore_range && (!ifrange[0] || !strcmp(ifrange, etag))) {
        long long x = -1, y = -1;
        int k = sscanf(range, "bytes=%lld-%lld", &x, &y);
        if (k >= 1 && x >= 0) {
            if (x >= size) {
                char cr[128];
                snprintf(cr, sizeof(cr), "Content-Range: bytes */%lld\r\n", size);
                send_status(fd, 416, "Range Not Satisfiable", cr, false);
                close(ffd);
                return false;
            }
            a = x;
            if (k == 2 && y >= x && y < size)
                b = y;
            partial = true;
            if (ifrange[0]) {
                pthread_mutex_lock(&h->lock);
                h->range_kept++;
                pthread_mutex_unlock(&h->lock);
            }
        }
    }
    long long len = size ? b - a + 1 : 0;
    long long announced = len + (!strcmp(fault, "badlen") ? 1000 : 0);
    if (!strcmp(fault, "shortlen"))
        announced = len / 2;
    /* novalid: no ETag and no Last-Modified, so nothing tells a client
     * that the file changed between two requests */
    char etag_line[96] = "";
    if (strcmp(fault, "novalid"))
        snprintf(etag_line, sizeof(etag_line), "ETag: %s\r\n", etag);
    const char *encoding = !strcmp(fault, "gzip")      ? "Content-Encoding: gzip\r\n"
                           : !strcmp(fault, "deflate") ? "Content-Encoding: deflate\r\n"
                                                       : "";
    char head[1024];
    int hn;
    if (partial)
        hn = snprintf(head, sizeof(head),
                      "HTTP/1.1 206 Partial Content\r\nContent-Length: %lld\r\n"
                      "Content-Range: bytes %lld-%lld/%lld\r\n%s"
                      "Accept-Ranges: bytes\r\nConnection: %s\r\n\r\n",
                      announced, a, b, size, etag_line, keep ? "keep-alive" : "close");
    else
        hn =
            snprintf(head, sizeof(head),
                     "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\n%s%s"
                     "%sConnection: %s\r\n\r\n",
                     announced, etag_line, encoding, ignore_range ? "" : "Accept-Ranges: bytes\r\n",
                     keep ? "keep-alive" : "close");
    if (!send_all(fd, head, (size_t)hn)) {
        close(ffd);
        return false;
    }
    if (!strcmp(fault, "stall")) {
        /* headers only; then silence until the client leaves */
        for (;;) {
            struct pollfd pfd = {fd, POLLIN, 0};
            char c;
            if (atomic_load(&h->stop) ||
                (poll(&pfd, 1, 20) > 0 && recv(fd, &c, 1, MSG_DONTWAIT) <= 0))
                break;
        }
        close(ffd);
        return false;
    }
    bool reset = !strcmp(fault, "resetonce") && first_time(h, fault, rest);
    /* novalid drops its first answer halfway, so that a client has a
     * partial copy to resume; norangedrop drops every answer halfway. Both
     * close cleanly (no reset), so that every byte sent arrives and each
     * attempt ends at the same byte. */
    bool drop =
        (!strcmp(fault, "novalid") && first_time(h, fault, rest)) || !strcmp(fault, "norangedrop");
    long long limit = reset || drop ? len / 2 : len;
    bool slow = !strcmp(fault, "slow");
    char buf[65536];
    long long sent = 0;
    while (sent < limit && !atomic_load(&h->stop)) {
        size_t want =
            (size_t)(limit - sent < (long long)sizeof(buf) ? limit - sent : (long long)sizeof(buf));
        if (slow && want > 1024)
            want = 1024;
        ssize_t n = pread(ffd, buf, want, (off_t)(a + sent));
        if (n <= 0 || !send_all(fd, buf, (size_t)n))
            break;
        sent += n;
        if (slow && sent < limit) {
            bool gone = false;
            for (int t = 0; t < slow_ms && !gone && !atomic_load(&h->stop); t += 20) {
                struct pollfd pfd = {fd, POLLIN, 0};
                char c;
                /* readable now means the client closed: stop early */
                if (poll(&pfd, 1, 20) > 0 && recv(fd, &c, 1, MSG_DONTWAIT) <= 0)
                    gone = true;
            }
            if (gone)
                break;
        }
    }
    close(ffd);
    if (reset) {
        struct linger lin = {1, 0}; /* close with RST */
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
    }
    return keep && sent == len;
}

/* Serves requests on one connection until it closes, a request or answer
 * ends it, it idles for KEEPALIVE_IDLE_MS, or the server stops. */
static void serve_conn(struct httpd *h, int fd)
{
    char req[REQ_MAX + 1];
    size_t got = 0;
    int served = 0;
    for (;;) {
        char *end = NULL;
        int idle_ms = 0;
        while (!(end = (req[got] = '\0', strstr(req, "\r\n\r\n")))) {
            if (got >= REQ_MAX || atomic_load(&h->stop))
                return;
            struct pollfd pfd = {fd, POLLIN, 0};
            int pr = poll(&pfd, 1, 100);
            if (pr == 0) {
                /* the first request must come within 2 s, later ones may idle */
                idle_ms += 100;
                if (idle_ms >= (served ? KEEPALIVE_IDLE_MS : 2000))
                    return;
                continue;
            }
            if (pr < 0)
                return;
            ssize_t n = recv(fd, req + got, REQ_MAX - got, 0);
            if (n <= 0)
                return;
            got += (size_t)n;
        }
        size_t used = (size_t)(end + 4 - req);
        char one[REQ_MAX + 1];
        memcpy(one, req, used);
        one[used] = '\0';
        memmove(req, req + used, got - used); /* a pipelined next request */
        got -= used;
        bool keep = serve(h, fd, one);
        served++;
        pthread_mutex_lock(&h->lock);
        if (served > h->max_per_conn)
            h->max_per_conn = served;
        pthread_mutex_unlock(&h->lock);
        if (!keep)
            return;
    }
}

static void *conn_run(void *arg)
{
    struct conn_slot *c = arg;
    serve_conn(c->h, c->fd);
    shutdown(c->fd, SHUT_WR);
    close(c->fd);
    atomic_store(&c->running, false);
    return NULL;
}

/* Joins finished connection threads; returns a free slot or NULL. */
static struct conn_slot *free_slot(struct httpd *h)
{
    struct conn_slot *fr = NULL;
    for (int i = 0; i < CONN_MAX; i++) {
        struct conn_slot *c = &h->slots[i];
        if (atomic_load(&c->used) && !atomic_load(&c->running)) {
            pthread_join(c->thread, NULL);
            atomic_store(&c->used, false);
        }
        if (!atomic_load(&c->used) && !fr)
            fr = c;
    }
    return fr;
}

static void *run(void *arg)
{
    struct httpd *h = arg;
    while (!atomic_load(&h->stop)) {
        struct conn_slot *c = free_slot(h);
        if (!c) {
            /* every slot busy: the backlog holds new connections */
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd pfd = {h->lfd, POLLIN, 0};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        int fd = accept(h->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        pthread_mutex_lock(&h->lock);
        h->connections++;
        pthread_mutex_unlock(&h->lock);
        c->h = h;
        c->fd = fd;
        atomic_store(&c->used, true);
        atomic_store(&c->running, true);
        if (pthread_create(&c->thread, NULL, conn_run, c) != 0) {
            atomic_store(&c->used, false);
            atomic_store(&c->running, false);
            close(fd);
        }
    }
    for (int i = 0; i < CONN_MAX; i++)
        if (atomic_load(&h->slots[i].used))
            pthread_join(h->slots[i].thread, NULL);
    return NULL;
}

int httpd_start(const char *root, struct httpd **out)
{
    *out = NULL;
    struct httpd *h = calloc(1, sizeof(*h));
    if (!h)
        return -1;
    snprintf(h->root, sizeof(h->root), "%s", root);
    h->slow_ms = 1000;
    pthread_mutex_init(&h->lock, NULL);
    atomic_init(&h->stop, false);
    for (int i = 0; i < CONN_MAX; i++) {
        atomic_init(&h->slots[i].used, false);
        atomic_init(&h->slots[i].running, false);
    }
    h->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    socklen_t sl = sizeof(sa);
    if (h->lfd < 0 || bind(h->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(h->lfd, 64) != 0 || getsockname(h->lfd, (struct sockaddr *)&sa, &sl) != 0) {
        if (h->lfd >= 0)
            close(h->lfd);
        free(h);
        return -1;
    }
    h->port = ntohs(sa.sin_port);
    if (pthread_create(&h->thread, NULL, run, h) != 0) {
        close(h->lfd);
        free(h);
        return -1;
    }
    *out = h;
    return 0;
}

void httpd_stop(struct httpd **ph)
{
    if (!ph || !*ph)
        return;
    struct httpd *h = *ph;
    *ph = NULL;
    atomic_store(&h->stop, true);
    pthread_join(h->thread, NULL);
    close(h->lfd);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

int httpd_port(const struct httpd *h)
{
    return h->port;
}

void httpd_set_slow_ms(struct httpd *h, int ms)
{
    pthread_mutex_lock(&h->lock);
    h->slow_ms = ms;
    pthread_mutex_unlock(&h->lock);
}

int httpd_requests(struct httpd *h)
{
    pthread_mutex_lock(&h->lock);
    int n = h->requests;
    pthread_mutex_unlock(&h->lock);
    return n;
}

void httpd_last_range(struct httpd *h, char *buf, int size)
{
    pthread_mutex_lock(&h->lock);
    snprintf(buf, (size_t)size, "%s", h->last_range);
    pthread_mutex_unlock(&h->lock);
}

int httpd_connections(struct httpd *h)
{
    pthread_mutex_lock(&h->lock);
    int n = h->connections;
    pthread_mutex_unlock(&h->lock);
    return n;
}

int httpd_max_requests_per_connection(struct httpd *h)
{
    pthread_mutex_lock(&h->lock);
    int n = h->max_per_conn;
    pthread_mutex_unlock(&h->lock);
    return n;
}

void httpd_conditional_counts(struct httpd *h, int *conditional, int *not_modified)
{
    pthread_mutex_lock(&h->lock);
    *conditional = h->conditional;
    *not_modified = h->not_modified;
    pthread_mutex_unlock(&h->lock);
}

void httpd_reset_counts(struct httpd *h)
{
    pthread_mutex_lock(&h->lock);
    h->connections = 0;
    h->max_per_conn = 0;
    h->conditional = 0;
    h->not_modified = 0;
    h->if_range = 0;
    h->range_kept = 0;
    pthread_mutex_unlock(&h->lock);
}

void httpd_reset_faults(struct httpd *h)
{
    pthread_mutex_lock(&h->lock);
    h->nonce = 0;
    pthread_mutex_unlock(&h->lock);
}

void httpd_if_range_counts(struct httpd *h, int *if_range, int *kept)
{
    pthread_mutex_lock(&h->lock);
    *if_range = h->if_range;
    *kept = h->range_kept;
    pthread_mutex_unlock(&h->lock);
}

void httpd_set_nginx_304(struct httpd *h, bool on)
{
    pthread_mutex_lock(&h->lock);
    h->nginx_304 = on;
    pthread_mutex_unlock(&h->lock);
}

void httpd_last_accept_encoding(struct httpd *h, char *buf, int size)
{
    pthread_mutex_lock(&h->lock);
    snprintf(buf, (size_t)size, "%s", h->last_accept_encoding);
    pthread_mutex_unlock(&h->lock);
}
