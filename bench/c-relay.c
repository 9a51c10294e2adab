/*
 * Ceiling relay for the Parley bench: the same line protocol as Parley,
 * served by one epoll loop in C. Lines read during one loop turn are queued
 * to every other client, and each client's queue is flushed with one write
 * at the end of the turn, so many lines share a system call. It exists to
 * show how far the machine (and the load generator) can go, well above
 * what the Node servers reach.
 *
 * usage: c-relay [--host A] [--port N] [--sendq BYTES] [--max-line BYTES]
 * Prints "Chat Server started on port N." once listening; runs until it is
 * killed (or its parent dies).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* At most this much is read from one client per loop turn. Each byte read
 * becomes ~1.3 bytes queued to every other client, so after a stall a
 * large gulp from every sender would push whole rooms past the send-queue
 * cap at once; small reads leave the backlog in the senders' sockets. */
#define READ_BUF_BYTES (16 * 1024)
#define MAX_EVENTS 1024
#define LISTEN_TAG UINT64_MAX

struct client {
  int fd;
  int slot;     /* index in the clients array */
  int dirty;    /* has queued output not yet flushed this turn */
  int want_out; /* EPOLLOUT registered */
  int doomed;   /* to be disconnected at the end of this turn */
  int recently_written; /* flushed since the last idle sweep */
  int name_len;
  char name[32]; /* "IP:PORT" */
  char *in;      /* an incomplete line carried over between reads */
  size_t in_len, in_cap;
  char *out;
  size_t out_off, out_len, out_cap;
};

static size_t sendq_cap = 1024 * 1024;
static size_t max_line = 64 * 1024;
static int epfd;
static struct client **clients;
static int client_count, client_cap;
static struct client **dirty;
static int dirty_count;
static struct client **doomed;
static int doomed_count;
static char *read_buf;

static void fatal(const char *what) {
  perror(what);
  exit(1);
}

static void *grow(void *p, size_t bytes) {
  p = realloc(p, bytes);
  if (!p) fatal("realloc");
  return p;
}

static void doom(struct client *c) {
  if (c->doomed) return;
  c->doomed = 1;
  doomed[doomed_count++] = c;
}

/* Queues bytes for a client; the flush at the end of the turn sends them. */
static void enqueue(struct client *c, const char *a, size_t alen, const char *b, size_t blen) {
  if (c->doomed) return;
  if (c->out_off == c->out_len) c->out_off = c->out_len = 0;
  size_t need = alen + blen;
  if (c->out_len - c->out_off + need > sendq_cap) {
    /* It stopped reading: drop it rather than buffer without bound. */
    doom(c);
    return;
  }
  if (c->out_len + need > c->out_cap) {
    if (c->out_off > 0) {
      memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
      c->out_len -= c->out_off;
      c->out_off = 0;
    }
    if (c->out_len + need > c->out_cap) {
      size_t cap = c->out_cap ? c->out_cap : 4096;
      while (cap < c->out_len + need) cap *= 2;
      c->out = grow(c->out, cap);
      c->out_cap = cap;
    }
  }
  memcpy(c->out + c->out_len, a, alen);
  memcpy(c->out + c->out_len + alen, b, blen);
  c->out_len += need;
  if (!c->dirty) {
    c->dirty = 1;
    dirty[dirty_count++] = c;
  }
}

static void broadcast(struct client *except, const char *a, size_t alen, const char *b,
                      size_t blen) {
  for (int i = 0; i < client_count; i++)
    if (clients[i] != except) enqueue(clients[i], a, alen, b, blen);
}

static int users_text(char *buf, size_t size, int n) {
  return snprintf(buf, size, "(%d user%s online)", n, n == 1 ? "" : "s");
}

static void set_events(struct client *c, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void flush_client(struct client *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (n > 0) {
      c->out_off += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!c->want_out) {
        c->want_out = 1;
        set_events(c, EPOLLIN | EPOLLOUT);
      }
      return;
    }
    doom(c);
    return;
  }
  c->out_off = c->out_len = 0;
  c->recently_written = 1;
  if (c->want_out) {
    c->want_out = 0;
    set_events(c, EPOLLIN);
  }
}

static void accept_clients(int lfd) {
  for (;;) {
    struct sockaddr_in addr;
    socklen_t alen = sizeof addr;
    int fd = accept4(lfd, (struct sockaddr *)&addr, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      if (errno == EMFILE || errno == ENFILE) return; /* retried on the next turn */
      fatal("accept4");
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct client *c = calloc(1, sizeof *c);
    if (!c) fatal("calloc");
    c->fd = fd;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof ip);
    c->name_len = snprintf(c->name, sizeof c->name, "%s:%u", ip, ntohs(addr.sin_port));
    if (client_count == client_cap) {
      client_cap = client_cap ? client_cap * 2 : 1024;
      clients = grow(clients, (size_t)client_cap * sizeof *clients);
      dirty = grow(dirty, (size_t)client_cap * sizeof *dirty);
      doomed = grow(doomed, (size_t)client_cap * sizeof *doomed);
    }
    c->slot = client_count;
    clients[client_count++] = c;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) fatal("epoll_ctl");

    char users[48], line[160];
    users_text(users, sizeof users, client_count);
    int n = snprintf(line, sizeof line, "> Connected to the chat server %s\n", users);
    enqueue(c, line, (size_t)n, "", 0);
    n = snprintf(line, sizeof line, "> New user %s entered. %s\n", c->name, users);
    broadcast(c, line, (size_t)n, "", 0);
  }
}

/* Relays each complete line as "[IP:PORT] TEXT\n" to every other client. */
static void relay_lines(struct client *c, const char *buf, size_t n) {
  char prefix[40];
  size_t plen = (size_t)snprintf(prefix, sizeof prefix, "[%s] ", c->name);
  const char *p = buf;
  const char *end = buf + n;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) {
      size_t rest = (size_t)(end - p);
      if (c->in_len + rest > max_line) {
        doom(c);
        return;
      }
      if (c->in_len + rest > c->in_cap) {
        c->in_cap = c->in_len + rest + 256;
        c->in = grow(c->in, c->in_cap);
      }
      memcpy(c->in + c->in_len, p, rest);
      c->in_len += rest;
      return;
    }
    size_t len = (size_t)(nl - p) + 1;
    if (c->in_len) {
      /* finish the line begun in an earlier read */
      if (c->in_len + len > c->in_cap) {
        c->in_cap = c->in_len + len;
        c->in = grow(c->in, c->in_cap);
      }
      memcpy(c->in + c->in_len, p, len);
      broadcast(c, prefix, plen, c->in, c->in_len + len);
      c->in_len = 0;
    } else {
      broadcast(c, prefix, plen, p, len);
    }
    p = nl + 1;
  }
}

static void read_client(struct client *c) {
  ssize_t n = read(c->fd, read_buf, READ_BUF_BYTES);
  if (n > 0) {
    relay_lines(c, read_buf, (size_t)n);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  doom(c);
}

/* Disconnects the clients doomed this turn and tells the others. */
static void bury_doomed(void) {
  while (doomed_count > 0) {
    struct client *c = doomed[--doomed_count];
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    int last = client_count - 1;
    clients[c->slot] = clients[last];
    clients[c->slot]->slot = c->slot;
    client_count = last;
    for (int i = 0; i < dirty_count; i++)
      if (dirty[i] == c) dirty[i] = dirty[--dirty_count];
    char users[48], line[160];
    users_text(users, sizeof users, client_count);
    int n = snprintf(line, sizeof line, "< The user %s left. %s\n", c->name, users);
    broadcast(NULL, line, (size_t)n, "", 0);
    free(c->in);
    free(c->out);
    free(c);
  }
}

/* Output buffers stay allocated while a client is busy (reallocating them
 * every turn would cost more than the writes), but a client that received
 * nothing for a whole sweep period gives its buffer back, so that a room of
 * idle connections stays small. */
#define SWEEP_INTERVAL_MS 250

static void sweep_idle_buffers(void) {
  int freed = 0;
  for (int i = 0; i < client_count; i++) {
    struct client *c = clients[i];
    if (!c->recently_written && c->out != NULL && c->out_off == c->out_len) {
      free(c->out);
      c->out = NULL;
      c->out_off = c->out_len = c->out_cap = 0;
      freed = 1;
    }
    c->recently_written = 0;
  }
  /* Freed chunks in the middle of the heap stay resident until trimmed. */
  if (freed) malloc_trim(0);
}

static uint64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void flush_dirty(void) {
  for (int i = 0; i < dirty_count; i++) {
    struct client *c = dirty[i];
    c->dirty = 0;
    if (!c->doomed && !c->want_out) flush_client(c);
  }
  dirty_count = 0;
}

int main(int argc, char **argv) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  signal(SIGPIPE, SIG_IGN);
  const char *host = "127.0.0.1";
  int port = 0;
  static const struct option longopts[] = {{"host", required_argument, 0, 'h'},
                                           {"port", required_argument, 0, 'p'},
                                           {"sendq", required_argument, 0, 'q'},
                                           {"max-line", required_argument, 0, 'l'},
                                           {0, 0, 0, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (ch) {
    case 'h': host = optarg; break;
    case 'p': port = atoi(optarg); break;
    case 'q': sendq_cap = (size_t)atol(optarg); break;
    case 'l': max_line = (size_t)atol(optarg); break;
    default:
      fprintf(stderr, "usage: c-relay [--host A] [--port N] [--sendq BYTES] [--max-line BYTES]\n");
      return 2;
    }
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0) fatal("socket");
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "bad host %s\n", host);
    return 2;
  }
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) fatal("bind");
  if (listen(lfd, SOMAXCONN) < 0) fatal("listen");
  socklen_t alen = sizeof addr;
  getsockname(lfd, (struct sockaddr *)&addr, &alen);

  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) fatal("epoll_create1");
  struct epoll_event lev = {.events = EPOLLIN, .data.u64 = LISTEN_TAG};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev) < 0) fatal("epoll_ctl");
  read_buf = malloc(READ_BUF_BYTES);
  if (!read_buf) fatal("malloc");

  printf("Chat Server started on port %u.\n", ntohs(addr.sin_port));
  fflush(stdout);

  static struct epoll_event evs[MAX_EVENTS];
  uint64_t last_sweep = monotonic_ms();
  for (;;) {
    int n = epoll_wait(epfd, evs, MAX_EVENTS, SWEEP_INTERVAL_MS);
    if (n < 0) {
      if (errno == EINTR) continue;
      fatal("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      if (evs[i].data.u64 == LISTEN_TAG) {
        accept_clients(lfd);
        continue;
      }
      struct client *c = evs[i].data.ptr;
      if (c->doomed) continue;
      if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_client(c);
      if (!c->doomed && (evs[i].events & EPOLLOUT)) flush_client(c);
    }
    /* A failed write dooms a client too, and its leave notice needs a flush. */
    do {
      bury_doomed();
      flush_dirty();
    } while (doomed_count > 0);
    uint64_t now = monotonic_ms();
    if (now - last_sweep >= SWEEP_INTERVAL_MS) {
      sweep_idle_buffers();
      last_sweep = now;
    }
  }
}
