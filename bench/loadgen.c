/*
 * Parley load generator.
 *
 * One process, one epoll loop, non-blocking sockets. It opens many client
 * connections to a chat server speaking Parley's line protocol, IRC, Parley's
 * JSON protocol over WebSocket or IRC over WebSocket (--protocol line, irc,
 * ws, irc-ws; the WebSocket ones are described at their section below),
 * waits until every join notice has arrived, then runs one of
 * three modes:
 *
 *   fanout  a few senders, each windowed against what a tracking receiver has
 *           seen; measures deliveries/s, server CPU per delivery and latency.
 *   steady  senders paced at a fixed total rate; measures latency over the
 *           deliveries and checks that every message reached every client.
 *   idle    just holds the connections (for the memory measurement).
 *
 * It prints one JSON line on stdout, then keeps the connections open until
 * its stdin closes (or --hold-ms passes) so that the caller can stop the
 * server first and spare it a storm of leave notices. Every loop is bounded
 * in time; the process always exits by itself.
 *
 * Each sent line is exactly --size bytes including '\n'. Its text carries
 * the sender id, a sequence number and a CLOCK_MONOTONIC timestamp:
 *   "s003 q0000000042 t00000123456789012345 ......\n"
 * A received chat line is "[IP:PORT] " followed by that text.
 *
 * A message is received when the kernel queued its bytes on the client's
 * socket (SO_TIMESTAMPNS), not when this one thread gets round to reading
 * it: with 500 sockets to read, the time a message waits for our read loop
 * is the generator's, not the server's. A read that carries several
 * segments is stamped with the last one's arrival, which errs towards more
 * latency; without a kernel stamp the read's own time is used.
 *
 * IRC (RFC 2812): each client sends NICK bNNNN and USER, waits for 001, joins
 * #bench and counts as admitted at its 366 (end of NAMES). Senders send
 * "PRIVMSG #bench :TEXT" with the same TEXT (so the line is longer than
 * --size by the command and CR); receivers read TEXT from
 * ":nick!user@host PRIVMSG #bench :TEXT", skipping any "@tags " first. Every
 * JOIN counts as a join notice (a client sees its own too), PING is answered
 * with PONG, and every other line is ignored. With --no-join (idle mode only)
 * an IRC client joins nothing and counts as admitted at the end of its MOTD
 * (376, or 422 when there is none): the memory of a registered, idle user.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define READ_BUF_BYTES (1 << 20)
#define CARRY_CAP 512 /* longest prefix of a split line we keep to parse (IRC prefixes and tags) */
#define MAX_EVENTS 1024
#define TEXT_HEADER_LEN 38 /* "s003 q0000000042 t00000123456789012345" */
#define MIN_LINE_SIZE (TEXT_HEADER_LEN + 2)
#define MAX_LINE_SIZE 4096
#define STDIN_TAG UINT64_MAX
#define TIMER_TAG (UINT64_MAX - 1)

/* ---------- time ---------- */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------- latency histogram ----------
 * Log-linear buckets over nanoseconds: exact below 1024 ns, then 512
 * sub-buckets per power of two, so any quantile is within 0.2%. */

#define HIST_BUCKETS (1024 + 54 * 512)

struct hist {
  uint64_t count;
  uint64_t max;
  uint64_t *buckets;
};

static void hist_init(struct hist *h) {
  h->count = 0;
  h->max = 0;
  h->buckets = calloc(HIST_BUCKETS, sizeof(uint64_t));
  if (!h->buckets) {
    perror("calloc");
    exit(2);
  }
}

static void hist_reset(struct hist *h) {
  h->count = 0;
  h->max = 0;
  memset(h->buckets, 0, HIST_BUCKETS * sizeof(uint64_t));
}

static unsigned hist_index(uint64_t v) {
  if (v < 1024) return (unsigned)v;
  unsigned msb = 63u - (unsigned)__builtin_clzll(v);
  unsigned shift = msb - 9u;
  unsigned top = (unsigned)(v >> shift); /* in [512, 1023] */
  unsigned idx = 1024u + (shift - 1u) * 512u + (top - 512u);
  return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

static uint64_t hist_bucket_value(unsigned idx) {
  if (idx < 1024) return idx;
  unsigned shift = (idx - 1024u) / 512u + 1u;
  uint64_t top = (idx - 1024u) % 512u + 512u;
  /* middle of the bucket */
  return (top << shift) + ((1ull << shift) >> 1);
}

static void hist_add(struct hist *h, uint64_t v) {
  h->buckets[hist_index(v)]++;
  h->count++;
  if (v > h->max) h->max = v;
}

static uint64_t hist_quantile(const struct hist *h, double q) {
  if (h->count == 0) return 0;
  uint64_t rank = (uint64_t)(q * (double)h->count + 0.5);
  if (rank < 1) rank = 1;
  if (rank > h->count) rank = h->count;
  uint64_t seen = 0;
  for (unsigned i = 0; i < HIST_BUCKETS; i++) {
    seen += h->buckets[i];
    if (seen >= rank) {
      uint64_t v = hist_bucket_value(i);
      return v > h->max ? h->max : v;
    }
  }
  return h->max;
}

/* ---------- options ---------- */

enum mode { MODE_FANOUT, MODE_STEADY, MODE_IDLE };
enum protocol { PROTO_LINE, PROTO_IRC, PROTO_WS, PROTO_IRC_WS };
static const char *const PROTOCOL_NAMES[] = {"line", "irc", "ws", "irc-ws"};

struct options {
  enum mode mode;
  enum protocol protocol;
  const char *host;
  int port;
  int clients;
  int senders;
  int size;
  int window;
  int pending;
  long server_pid;
  int server_cpu;
  uint64_t warmup_ns;
  uint64_t measure_ns;
  uint64_t duration_ns;
  uint64_t drain_ns;
  uint64_t join_timeout_ns;
  uint64_t hold_ns;
  double rate;
  unsigned sample_every;
  int no_join; /* IRC idle clients register and join nothing */
};

static struct options opt = {
    .mode = MODE_FANOUT,
    .protocol = PROTO_LINE,
    .host = "127.0.0.1",
    .port = 0,
    .clients = 100,
    .senders = 4,
    .size = 64,
    .window = 128,
    .pending = 200,
    .server_pid = 0,
    .server_cpu = -1,
    .warmup_ns = 1000000000ull,
    .measure_ns = 3000000000ull,
    .duration_ns = 5000000000ull,
    .drain_ns = 5000000000ull,
    .join_timeout_ns = 120000000000ull,
    .hold_ns = 30000000000ull,
    .rate = 2000,
    .sample_every = 1,
};

/* IRC commands, as TCP lines (irc) or one per WebSocket text frame (irc-ws). */
static int speaks_irc(void) { return opt.protocol == PROTO_IRC || opt.protocol == PROTO_IRC_WS; }

static int over_websocket(void) { return opt.protocol == PROTO_WS || opt.protocol == PROTO_IRC_WS; }

/* ---------- connections ---------- */

enum conn_state { CONN_CONNECTING, CONN_OPEN, CONN_CLOSED };

/* Where a WebSocket client stands in what the server sends: the HTTP answer
 * to its upgrade, then frames, each a header and a payload (RFC 6455 5.2).
 * A frame split across reads keeps its header here and the head of its
 * payload in the connection's carry. */
enum ws_stage { WS_HANDSHAKE, WS_HEADER, WS_PAYLOAD };

struct ws_reader {
  uint8_t stage;
  uint8_t opcode;
  uint8_t head_len;
  uint8_t head[14];
  uint64_t payload_left;
};

struct conn {
  int fd;
  enum conn_state state;
  int sender;   /* sender id, or -1 */
  int admitted; /* has received its welcome line (IRC: its end of NAMES for #bench) */
  int registered; /* IRC: has received 001 and sent its JOIN */
  int want_out; /* EPOLLOUT registered */
  int partial;  /* a line is split across reads; its head is in carry */
  uint16_t carry_len;
  uint64_t lines;
  uint64_t chats;
  struct ws_reader ws; /* WebSocket only */
  char carry[CARRY_CAP];
  /* outgoing bytes, senders only */
  char *out;
  size_t out_off, out_len, out_cap;
};

struct sender {
  int conn;
  uint64_t sent;  /* messages generated */
  uint64_t acked; /* messages the tracking receiver has seen (fanout) */
  uint64_t due;   /* next scheduled send time (steady) */
  uint64_t total; /* messages to send in all (steady) */
};

static struct conn *conns;
static struct sender *senders;
static int tracker = -1; /* the receiver whose progress opens the window */
static int epfd = -1;
static char *read_buf;

/* counters */
static uint64_t total_welcomes, total_joins, total_leaves, total_chats,
    total_other, total_malformed, disconnects;
static uint64_t chat_sample_counter;
static int record_latency;
static struct hist latency;
/* The same deliveries timed at our read: the difference is the generator's own delay. */
static struct hist latency_at_read;
static uint64_t read_ns;
static struct hist *latency_by_second;
/* Steady mode: messages generated before this (the warm-up) are delivered and counted, but
 * their latency is not recorded. */
static uint64_t latency_from_ns;
static unsigned seconds_tracked;
static uint64_t send_start_ns;
static uint64_t last_chat_ns;

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  printf("{\"ok\":false,\"error\":\"%s\"}\n", msg);
  fflush(stdout);
  exit(1);
}

static void epoll_set(struct conn *c, uint32_t events, int op) {
  struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)(c - conns)};
  if (epoll_ctl(epfd, op, c->fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
}

static void conn_close(struct conn *c) {
  if (c->state == CONN_CLOSED) return;
  close(c->fd);
  c->state = CONN_CLOSED;
  c->fd = -1;
}

/* ---------- parsing received lines ---------- */

static uint64_t parse_digits(const char *p, int n, int *ok) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) {
    unsigned d = (unsigned char)p[i] - '0';
    if (d > 9) {
      *ok = 0;
      return 0;
    }
    v = v * 10 + d;
  }
  return v;
}

/* Reads sender, sequence and timestamp from a message's text. */
static int parse_text(const char *t, size_t len, unsigned *sender, uint64_t *seq, uint64_t *stamp) {
  if (len < TEXT_HEADER_LEN) return 0;
  if (t[0] != 's' || t[4] != ' ' || t[5] != 'q' || t[16] != ' ' || t[17] != 't') return 0;
  int ok = 1;
  *sender = (unsigned)parse_digits(t + 1, 3, &ok);
  *seq = parse_digits(t + 6, 10, &ok);
  *stamp = parse_digits(t + 18, 20, &ok);
  return ok;
}

static const char JSON_TEXT_KEY[] = "\"text\":\"";

/* A JSON "message" event: the text is the "text" field's string, whose
 * characters (digits, letters, spaces, dots) need no escapes. */
static int parse_json_chat(const char *frame, size_t len, unsigned *sender, uint64_t *seq,
                           uint64_t *stamp) {
  const char *key = memmem(frame, len, JSON_TEXT_KEY, sizeof JSON_TEXT_KEY - 1);
  if (!key) return 0;
  const char *t = key + sizeof JSON_TEXT_KEY - 1;
  return parse_text(t, len - (size_t)(t - frame), sender, seq, stamp);
}

/* Line protocol: the text follows "[IP:PORT] ". IRC: on_irc_line passes the text itself. */
static int parse_chat(const char *line, size_t len, unsigned *sender, uint64_t *seq,
                      uint64_t *stamp) {
  if (speaks_irc()) return parse_text(line, len, sender, seq, stamp);
  if (opt.protocol == PROTO_WS) return parse_json_chat(line, len, sender, seq, stamp);
  size_t scan = len < 64 ? len : 64;
  const char *close = memchr(line, ']', scan);
  if (!close || (size_t)(close - line) + 2 > len || close[1] != ' ') return 0;
  const char *t = close + 2;
  return parse_text(t, len - (size_t)(t - line), sender, seq, stamp);
}

static void on_chat(struct conn *c, const char *line, size_t len, uint64_t now) {
  c->chats++;
  total_chats++;
  last_chat_ns = now;
  int is_tracker = (c - conns) == tracker;
  int sampled = record_latency && (++chat_sample_counter % opt.sample_every == 0);
  if (!is_tracker && !sampled) return;
  unsigned s;
  uint64_t seq, stamp;
  if (!parse_chat(line, len, &s, &seq, &stamp)) {
    total_malformed++;
    return;
  }
  if (is_tracker && s < (unsigned)opt.senders && seq + 1 > senders[s].acked)
    senders[s].acked = seq + 1;
  if (!sampled || stamp < latency_from_ns) return;
  uint64_t lat = now > stamp ? now - stamp : 0;
  hist_add(&latency, lat);
  hist_add(&latency_at_read, read_ns > stamp ? read_ns - stamp : 0);
  if (latency_by_second && stamp >= latency_from_ns) {
    uint64_t sec = (stamp - latency_from_ns) / 1000000000ull;
    if (sec < seconds_tracked) hist_add(&latency_by_second[sec], lat);
  }
}

static void send_text(struct conn *c, const char *text, size_t len);
static void send_irc(struct conn *c, const char *text, size_t len);
static void ws_consume(struct conn *c, const uint8_t *buf, size_t n, uint64_t now);
static void append_ws_message(struct conn *c, unsigned sender, uint64_t seq, uint64_t stamp);
static void register_irc(struct conn *c);

/* The next space-separated token of an IRC line (RFC 2812 section 2.3.1); advances *p past it. */
static const char *irc_token(const char **p, const char *end, size_t *len) {
  const char *start = *p;
  while (start < end && *start == ' ') start++;
  const char *stop = memchr(start, ' ', (size_t)(end - start));
  if (!stop) stop = end;
  *len = (size_t)(stop - start);
  *p = stop;
  return start;
}

static int is_token(const char *token, size_t len, const char *word) {
  return len == strlen(word) && memcmp(token, word, len) == 0;
}

static unsigned irc_errors_shown;

static void on_irc_line(struct conn *c, const char *line, size_t len, uint64_t now) {
  const char *end = line + len;
  if (end > line && end[-1] == '\r') end--;
  const char *p = line;
  size_t n;
  /* Message tags (IRCv3) come before the prefix; a server should not send them
   * unasked, but if it does they change nothing here. */
  if (p < end && *p == '@') irc_token(&p, end, &n);
  while (p < end && *p == ' ') p++;
  if (p < end && *p == ':') irc_token(&p, end, &n);
  const char *command = irc_token(&p, end, &n);
  if (is_token(command, n, "PRIVMSG")) {
    irc_token(&p, end, &n); /* the target, #bench */
    while (p < end && *p == ' ') p++;
    if (p < end && *p == ':') p++;
    on_chat(c, p, (size_t)(end - p), now);
  } else if (is_token(command, n, "JOIN")) {
    total_joins++;
  } else if (is_token(command, n, "PING")) {
    /* RFC 2812 section 3.7.3: a client that does not answer is dropped. */
    char pong[CARRY_CAP + 8];
    int m = snprintf(pong, sizeof pong, "PONG%.*s\r\n", (int)(end - p), p);
    if (m > 0 && (size_t)m < sizeof pong) send_irc(c, pong, (size_t)m);
  } else if (is_token(command, n, "001")) {
    if (!c->registered && !opt.no_join) {
      c->registered = 1;
      send_irc(c, "JOIN #bench\r\n", 13);
    }
  } else if (is_token(command, n, "376") || is_token(command, n, "422")) {
    /* RFC 2812 section 5.1: RPL_ENDOFMOTD or ERR_NOMOTD ends the welcome burst. */
    if (opt.no_join && !c->admitted) {
      c->admitted = 1;
      total_welcomes++;
    }
  } else if (is_token(command, n, "376") || is_token(command, n, "422")) {
    /* RFC 2812 section 5.1: RPL_ENDOFMOTD or ERR_NOMOTD ends the welcome burst. */
    if (opt.no_join && !c->admitted) {
      c->admitted = 1;
      total_welcomes++;
    }
  } else if (is_token(command, n, "366")) {
    if (!c->admitted) {
      c->admitted = 1;
      total_welcomes++;
    }
  } else if (is_token(command, n, "PART") || is_token(command, n, "QUIT")) {
    total_leaves++;
  } else if (is_token(command, n, "ERROR")) {
    /* The server is closing this client: say why, once or twice, on stderr. */
    total_other++;
    if (irc_errors_shown++ < 3)
      fprintf(stderr, "client %ld: %.*s\n", (long)(c - conns), (int)(end - line), line);
  }
}

static void on_line(struct conn *c, const char *line, size_t len, uint64_t now) {
  c->lines++;
  if (speaks_irc()) {
    on_irc_line(c, line, len, now);
    return;
  }
  if (!c->admitted) {
    /* The first line a newcomer gets is its welcome. */
    c->admitted = 1;
    total_welcomes++;
    return;
  }
  switch (len ? line[0] : 0) {
  case '[':
    on_chat(c, line, len, now);
    break;
  case '>':
    total_joins++;
    break;
  case '<':
    total_leaves++;
    break;
  default:
    total_other++;
  }
}

/* Splits what one read returned into lines, keeping the head of a line that
 * is cut at the end of the buffer until the rest arrives. */
static void consume(struct conn *c, const char *buf, size_t n, uint64_t now) {
  const char *p = buf;
  const char *end = buf + n;
  if (c->partial) {
    const char *nl = memchr(p, '\n', n);
    size_t part = nl ? (size_t)(nl - p) : n;
    size_t room = CARRY_CAP - c->carry_len;
    size_t take = part < room ? part : room;
    memcpy(c->carry + c->carry_len, p, take);
    c->carry_len += (uint16_t)take;
    if (!nl) return;
    on_line(c, c->carry, c->carry_len, now);
    c->partial = 0;
    c->carry_len = 0;
    p = nl + 1;
  }
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) {
      size_t part = (size_t)(end - p);
      size_t take = part < CARRY_CAP ? part : CARRY_CAP;
      memcpy(c->carry, p, take);
      c->carry_len = (uint16_t)take;
      c->partial = 1;
      return;
    }
    on_line(c, p, (size_t)(nl - p), now);
    p = nl + 1;
  }
}

static uint64_t reads_kernel_stamped, reads_total;

/* When the bytes of this read reached the socket, on our monotonic clock:
 * the kernel stamps with the real-time clock, so its age is taken on that
 * clock and counted back from now. */
static uint64_t arrival_ns(struct msghdr *msg, uint64_t now) {
  reads_total++;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS) continue;
    struct timespec at, real;
    memcpy(&at, CMSG_DATA(cm), sizeof at);
    clock_gettime(CLOCK_REALTIME, &real);
    int64_t age = ((int64_t)real.tv_sec - (int64_t)at.tv_sec) * 1000000000ll + (real.tv_nsec - at.tv_nsec);
    if (age < 0 || (uint64_t)age > now) return now;
    reads_kernel_stamped++;
    return now - (uint64_t)age;
  }
  return now;
}

static void on_readable(struct conn *c) {
  struct iovec iov = {.iov_base = read_buf, .iov_len = READ_BUF_BYTES};
  union {
    char buf[CMSG_SPACE(sizeof(struct timespec))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  ssize_t n = recvmsg(c->fd, &msg, 0);
  if (n > 0) {
    read_ns = now_ns();
    uint64_t arrived = arrival_ns(&msg, read_ns);
    if (over_websocket()) ws_consume(c, (const uint8_t *)read_buf, (size_t)n, arrived);
    else consume(c, read_buf, (size_t)n, arrived);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  /* EOF or reset: the server dropped this client. */
  disconnects++;
  conn_close(c);
}

/* ---------- sending ---------- */

static void out_reserve(struct conn *c, size_t extra) {
  if (c->out_off > 0 && c->out_off == c->out_len) c->out_off = c->out_len = 0;
  if (c->out_len + extra <= c->out_cap) return;
  if (c->out_off > 0) {
    memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
    c->out_len -= c->out_off;
    c->out_off = 0;
    if (c->out_len + extra <= c->out_cap) return;
  }
  size_t cap = c->out_cap ? c->out_cap : 4096;
  while (cap < c->out_len + extra) cap *= 2;
  c->out = realloc(c->out, cap);
  if (!c->out) die("out of memory");
  c->out_cap = cap;
}

static void flush_out(struct conn *c);

static void send_text(struct conn *c, const char *text, size_t len) {
  out_reserve(c, len);
  memcpy(c->out + c->out_len, text, len);
  c->out_len += len;
  if (!c->want_out) flush_out(c);
}

static const char IRC_MESSAGE_HEAD[] = "PRIVMSG #bench :";

/* A message's text, exactly `text` bytes: "s003 q0000000042 t00000123456789012345 ....". */
static void write_text(char *t, size_t text, unsigned sender, uint64_t seq, uint64_t stamp) {
  int n = snprintf(t, text + 1, "s%03u q%010llu t%020llu", sender % 1000,
                   (unsigned long long)(seq % 10000000000ull), (unsigned long long)stamp);
  memset(t + n, '.', text - (size_t)n);
  t[n] = ' ';
}

/* Appends one message: a text of opt.size - 1 bytes, as a line of exactly
 * opt.size bytes, or for IRC in a PRIVMSG ending in CR LF. */
static void append_message(struct conn *c, unsigned sender, uint64_t seq, uint64_t stamp) {
  if (over_websocket()) {
    append_ws_message(c, sender, seq, stamp);
    return;
  }
  int is_irc = opt.protocol == PROTO_IRC;
  size_t head = is_irc ? sizeof IRC_MESSAGE_HEAD - 1 : 0;
  size_t text = (size_t)opt.size - 1;
  size_t total = head + text + (is_irc ? 2 : 1);
  out_reserve(c, total);
  char *p = c->out + c->out_len;
  memcpy(p, IRC_MESSAGE_HEAD, head);
  char *t = p + head;
  write_text(t, text, sender, seq, stamp);
  if (is_irc) t[text++] = '\r';
  t[text] = '\n';
  c->out_len += total;
}

static void flush_out(struct conn *c) {
  while (c->state == CONN_OPEN && c->out_off < c->out_len) {
    ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (n > 0) {
      c->out_off += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!c->want_out) {
        c->want_out = 1;
        epoll_set(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
      }
      return;
    }
    disconnects++;
    conn_close(c);
    return;
  }
  if (c->state == CONN_OPEN && c->want_out) {
    c->want_out = 0;
    epoll_set(c, EPOLLIN, EPOLL_CTL_MOD);
  }
}

/* ---------- WebSocket (RFC 6455) ----------
 * --protocol ws: Parley's JSON protocol on /ws. A client waits for its
 * "welcome" event, sends {"type":"join","id":1,"room":"#bench","replay":0}
 * and counts as admitted at that request's "done"; every "joined" event is a
 * join notice (a client sees its own too). Senders send
 * {"type":"say","room":"#bench","text":TEXT}; receivers read TEXT from the
 * "text" field of a "message" event. A sender's own message comes back to it
 * and is not counted as a delivery, so that every protocol delivers each
 * message to the other clients only.
 * --protocol irc-ws: IRC on /irc (subprotocol text.ircv3.net), each IRC line
 * one text frame without CR LF, read as --protocol irc reads lines.
 * Client frames are masked, as clients must; the server's are not. No Origin
 * is sent: the generator is no browser page. */

/* RFC 6455 1.3's sample key, and the accept value it must produce. */
static const char WS_KEY[] = "dGhlIHNhbXBsZSBub25jZQ==";
static const char WS_ACCEPT[] = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
static const char IRC_SUBPROTOCOL[] = "text.ircv3.net";

enum ws_opcode { WS_TEXT = 0x1, WS_CLOSE = 0x8, WS_PING = 0x9, WS_PONG = 0xA };

static uint32_t mask_state = 0x9e3779b9u;

/* xorshift32: masks need only vary, not be secret, between a generator and a bench server. */
static uint32_t next_mask(void) {
  mask_state ^= mask_state << 13;
  mask_state ^= mask_state >> 17;
  mask_state ^= mask_state << 5;
  return mask_state;
}

/* Writes a client frame header for `len` payload bytes at `p`; returns its size and the mask used. */
static size_t write_ws_header(uint8_t *p, uint8_t opcode, size_t len, uint8_t mask[4]) {
  size_t h = 0;
  p[h++] = (uint8_t)(0x80 | opcode);
  if (len < 126) {
    p[h++] = (uint8_t)(0x80 | len);
  } else {
    p[h++] = 0x80 | 126;
    p[h++] = (uint8_t)(len >> 8);
    p[h++] = (uint8_t)len;
  }
  uint32_t m = next_mask();
  memcpy(mask, &m, 4);
  memcpy(p + h, mask, 4);
  return h + 4;
}

static void mask_payload(uint8_t *p, size_t len, const uint8_t mask[4]) {
  for (size_t i = 0; i < len; i++) p[i] ^= mask[i & 3];
}

/* Longest client frame header: 2 bytes, a 16-bit length, the mask. */
#define WS_CLIENT_HEAD_MAX 8

static void ws_send_frame(struct conn *c, uint8_t opcode, const char *payload, size_t len) {
  if (len > 0xffff) die("frame of %zu bytes is longer than the generator sends", len);
  out_reserve(c, WS_CLIENT_HEAD_MAX + len);
  uint8_t *p = (uint8_t *)c->out + c->out_len;
  uint8_t mask[4];
  size_t h = write_ws_header(p, opcode, len, mask);
  memcpy(p + h, payload, len);
  mask_payload(p + h, len, mask);
  c->out_len += h + len;
  if (!c->want_out) flush_out(c);
}

/* IRC lines ending in CR LF: as they are over TCP, one text frame each without CR LF over WebSocket. */
static void send_irc(struct conn *c, const char *text, size_t len) {
  if (opt.protocol != PROTO_IRC_WS) {
    send_text(c, text, len);
    return;
  }
  const char *end = text + len;
  while (text < end) {
    const char *eol = memchr(text, '\r', (size_t)(end - text));
    size_t line = eol ? (size_t)(eol - text) : (size_t)(end - text);
    if (line > 0) ws_send_frame(c, WS_TEXT, text, line);
    text += line + (eol ? 2 : 0);
  }
}

static const char JSON_SAY_HEAD[] = "{\"type\":\"say\",\"room\":\"#bench\",\"text\":\"";
static const char JSON_SAY_TAIL[] = "\"}";

/* One message as a masked text frame: a "say" request, or a PRIVMSG without CR LF. */
static void append_ws_message(struct conn *c, unsigned sender, uint64_t seq, uint64_t stamp) {
  int is_json = opt.protocol == PROTO_WS;
  const char *head = is_json ? JSON_SAY_HEAD : IRC_MESSAGE_HEAD;
  size_t head_len = is_json ? sizeof JSON_SAY_HEAD - 1 : sizeof IRC_MESSAGE_HEAD - 1;
  size_t tail_len = is_json ? sizeof JSON_SAY_TAIL - 1 : 0;
  size_t text = (size_t)opt.size - 1;
  size_t len = head_len + text + tail_len;
  out_reserve(c, WS_CLIENT_HEAD_MAX + len);
  uint8_t *p = (uint8_t *)c->out + c->out_len;
  uint8_t mask[4];
  size_t h = write_ws_header(p, WS_TEXT, len, mask);
  char *payload = (char *)p + h;
  memcpy(payload, head, head_len);
  write_text(payload + head_len, text, sender, seq, stamp);
  memcpy(payload + head_len + text, JSON_SAY_TAIL, tail_len);
  mask_payload((uint8_t *)payload, len, mask);
  c->out_len += h + len;
}

static void ws_send_upgrade(struct conn *c) {
  int is_irc = opt.protocol == PROTO_IRC_WS;
  char request[384];
  int n = snprintf(request, sizeof request,
                   "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s%s%s\r\n",
                   is_irc ? "/irc" : "/ws", opt.host, opt.port, WS_KEY,
                   is_irc ? "Sec-WebSocket-Protocol: " : "", is_irc ? IRC_SUBPROTOCOL : "",
                   is_irc ? "\r\n" : "");
  c->ws.stage = WS_HANDSHAKE;
  c->carry_len = 0;
  send_text(c, request, (size_t)n);
}

static void admit(struct conn *c) {
  if (c->admitted) return;
  c->admitted = 1;
  total_welcomes++;
}

/* Reads the answer to the upgrade; returns where its frames begin, or NULL while it is incomplete. */
static const uint8_t *ws_read_handshake(struct conn *c, const uint8_t *p, const uint8_t *end) {
  size_t before = c->carry_len;
  size_t take = (size_t)(end - p) < CARRY_CAP - before ? (size_t)(end - p) : CARRY_CAP - before;
  memcpy(c->carry + before, p, take);
  c->carry_len = (uint16_t)(before + take);
  const char *blank = memmem(c->carry, c->carry_len, "\r\n\r\n", 4);
  if (!blank) {
    if (c->carry_len == CARRY_CAP) die("the answer to a WebSocket upgrade is over %d bytes", CARRY_CAP);
    return NULL;
  }
  size_t answer = (size_t)(blank - c->carry) + 4;
  const char *status_end = memchr(c->carry, '\r', answer);
  int status_len = (int)(status_end - c->carry);
  if (strncmp(c->carry, "HTTP/1.1 101 ", 13) != 0)
    die("WebSocket upgrade refused: %.*s", status_len, c->carry);
  if (!memmem(c->carry, answer, WS_ACCEPT, sizeof WS_ACCEPT - 1))
    die("WebSocket upgrade answered without the expected Sec-WebSocket-Accept");
  if (opt.protocol == PROTO_IRC_WS && !memmem(c->carry, answer, IRC_SUBPROTOCOL, sizeof IRC_SUBPROTOCOL - 1))
    die("WebSocket upgrade answered without the %s subprotocol", IRC_SUBPROTOCOL);
  c->ws.stage = WS_HEADER;
  c->carry_len = 0;
  if (opt.protocol == PROTO_IRC_WS) register_irc(c);
  return p + (answer - before);
}

/* Whether the JSON event's type (what follows {"type":") is `word`. */
static int is_json_type(const char *type, size_t left, const char *word) {
  size_t n = strlen(word);
  return left > n && memcmp(type, word, n) == 0 && type[n] == '"';
}

static const char JSON_TYPE_HEAD[] = "{\"type\":\"";
static const char JSON_JOIN[] = "{\"type\":\"join\",\"id\":1,\"room\":\"#bench\",\"replay\":0}";

/* A sender's own message, echoed back to it: which sender wrote it is in the text's "s003". */
static int is_own_message(const struct conn *c, const char *frame, size_t len) {
  if (c->sender < 0) return 0;
  const char *key = memmem(frame, len, JSON_TEXT_KEY, sizeof JSON_TEXT_KEY - 1);
  if (!key) return 0;
  const char *t = key + sizeof JSON_TEXT_KEY - 1;
  int ok = 1;
  if ((size_t)(t - frame) + 4 > len || t[0] != 's') return 0;
  unsigned s = (unsigned)parse_digits(t + 1, 3, &ok);
  return ok && s == (unsigned)c->sender;
}

static unsigned json_errors_shown;

static void on_json_event(struct conn *c, const char *frame, size_t len, uint64_t now) {
  c->lines++;
  size_t head = sizeof JSON_TYPE_HEAD - 1;
  if (len < head || memcmp(frame, JSON_TYPE_HEAD, head) != 0) {
    total_malformed++;
    return;
  }
  const char *type = frame + head;
  size_t left = len - head;
  if (is_json_type(type, left, "message")) {
    if (!is_own_message(c, frame, len)) on_chat(c, frame, len, now);
  } else if (is_json_type(type, left, "joined")) {
    total_joins++;
  } else if (is_json_type(type, left, "welcome")) {
    if (opt.no_join) admit(c);
    else ws_send_frame(c, WS_TEXT, JSON_JOIN, sizeof JSON_JOIN - 1);
  } else if (is_json_type(type, left, "done")) {
    admit(c);
  } else if (is_json_type(type, left, "left") || is_json_type(type, left, "quit")) {
    total_leaves++;
  } else if (is_json_type(type, left, "error") || is_json_type(type, left, "close") ||
             is_json_type(type, left, "shutdown")) {
    total_other++;
    if (json_errors_shown++ < 3) fprintf(stderr, "client %ld: %.*s\n", (long)(c - conns), (int)len, frame);
  }
}

static void on_ws_frame(struct conn *c, uint8_t opcode, const char *payload, size_t len, uint64_t now) {
  switch (opcode) {
  case WS_TEXT:
    if (opt.protocol == PROTO_IRC_WS) on_line(c, payload, len, now);
    else on_json_event(c, payload, len, now);
    break;
  case WS_PING:
    ws_send_frame(c, WS_PONG, payload, len);
    break;
  case WS_CLOSE:
    total_other++;
    if (json_errors_shown++ < 3)
      fprintf(stderr, "client %ld: close frame, code %d\n", (long)(c - conns),
              len >= 2 ? ((uint8_t)payload[0] << 8) | (uint8_t)payload[1] : 0);
    break;
  default:
    break;
  }
}

/* A server frame's header size and payload length, once `avail` bytes hold the whole header. */
static int ws_header_size(const uint8_t *h, size_t avail, size_t *head, uint64_t *payload) {
  if (avail < 2) return 0;
  if (h[1] & 0x80) die("the server sent a masked frame");
  uint8_t len7 = h[1] & 0x7f;
  size_t size = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
  if (avail < size) return 0;
  uint64_t len = len7;
  if (len7 == 126) len = ((uint64_t)h[2] << 8) | h[3];
  if (len7 == 127) {
    len = 0;
    for (int i = 2; i < 10; i++) len = (len << 8) | h[i];
  }
  *head = size;
  *payload = len;
  return 1;
}

/* Splits what one read returned into frames. A frame wholly inside it is
 * handled where it lies; one cut at either end keeps its header in c->ws and
 * the head of its payload in c->carry (the rest of a long payload, which
 * nothing here reads, is skipped). */
static void ws_consume(struct conn *c, const uint8_t *buf, size_t n, uint64_t now) {
  struct ws_reader *r = &c->ws;
  const uint8_t *p = buf;
  const uint8_t *end = buf + n;
  if (r->stage == WS_HANDSHAKE) {
    p = ws_read_handshake(c, p, end);
    if (!p) return;
  }
  size_t head;
  uint64_t payload;
  while (p < end && c->state == CONN_OPEN) {
    if (r->stage == WS_HEADER) {
      if (r->head_len == 0 && ws_header_size(p, (size_t)(end - p), &head, &payload) &&
          (uint64_t)(end - p) - head >= payload) {
        on_ws_frame(c, p[0] & 0x0f, (const char *)p + head, (size_t)payload, now);
        p += head + payload;
        continue;
      }
      r->head[r->head_len++] = *p++;
      if (!ws_header_size(r->head, r->head_len, &head, &payload)) continue;
      r->opcode = r->head[0] & 0x0f;
      r->payload_left = payload;
      r->head_len = 0;
      r->stage = WS_PAYLOAD;
      c->carry_len = 0;
    }
    size_t take = (uint64_t)(end - p) < r->payload_left ? (size_t)(end - p) : (size_t)r->payload_left;
    size_t room = CARRY_CAP - c->carry_len;
    size_t keep = take < room ? take : room;
    memcpy(c->carry + c->carry_len, p, keep);
    c->carry_len += (uint16_t)keep;
    p += take;
    r->payload_left -= take;
    if (r->payload_left > 0) continue;
    r->stage = WS_HEADER;
    on_ws_frame(c, r->opcode, c->carry, c->carry_len, now);
  }
}

/* fanout: keep at most opt.window messages per sender ahead of the tracker. */
static void fill_windows(void) {
  for (int s = 0; s < opt.senders; s++) {
    struct sender *sd = &senders[s];
    struct conn *c = &conns[sd->conn];
    if (c->state != CONN_OPEN) continue;
    int added = 0;
    while (sd->sent - sd->acked < (uint64_t)opt.window) {
      append_message(c, (unsigned)s, sd->sent, now_ns());
      sd->sent++;
      added = 1;
    }
    if (added && !c->want_out) flush_out(c);
  }
}

/* steady: generate every message whose time has come, stamped with the time
 * it was generated, so a backlog in front of the server counts as latency. */
static uint64_t max_lateness_ns;

static void generate_due(uint64_t now) {
  for (int s = 0; s < opt.senders; s++) {
    struct sender *sd = &senders[s];
    struct conn *c = &conns[sd->conn];
    if (c->state != CONN_OPEN) continue;
    int added = 0;
    while (sd->sent < sd->total && sd->due <= now) {
      if (now - sd->due > max_lateness_ns) max_lateness_ns = now - sd->due;
      append_message(c, (unsigned)s, sd->sent, now);
      sd->sent++;
      sd->due = send_start_ns + (uint64_t)((double)(sd->sent * (uint64_t)opt.senders + (uint64_t)s) *
                                           1e9 / opt.rate);
      added = 1;
    }
    if (added && !c->want_out) flush_out(c);
  }
}

/* ---------- the event loop ---------- */

static int stdin_open;
static int timer_fd = -1;

/* RFC 2812 section 3.1: NICK and USER; the JOIN follows the 001 welcome. */
static void register_irc(struct conn *c) {
  char text[96];
  long id = (long)(c - conns);
  int n = snprintf(text, sizeof text, "NICK b%04ld\r\nUSER b%04ld 0 * :b\r\n", id, id);
  send_irc(c, text, (size_t)n);
}

static void handle_events(int timeout_ms) {
  static struct epoll_event evs[MAX_EVENTS];
  int n = epoll_wait(epfd, evs, MAX_EVENTS, timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return;
    die("epoll_wait: %s", strerror(errno));
  }
  for (int i = 0; i < n; i++) {
    uint64_t tag = evs[i].data.u64;
    if (tag == STDIN_TAG) {
      char tmp[256];
      ssize_t r = read(0, tmp, sizeof tmp);
      if (r <= 0) {
        stdin_open = 0;
        epoll_ctl(epfd, EPOLL_CTL_DEL, 0, NULL);
      }
      continue;
    }
    if (tag == TIMER_TAG) {
      uint64_t expirations;
      if (read(timer_fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
        die("timerfd read: %s", strerror(errno));
      continue;
    }
    struct conn *c = &conns[tag];
    if (c->state == CONN_CLOSED) continue;
    if (c->state == CONN_CONNECTING) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) {
        die("connect failed after %llu connections: %s",
            (unsigned long long)(c - conns), strerror(err));
      }
      c->state = CONN_OPEN;
      epoll_set(c, EPOLLIN, EPOLL_CTL_MOD);
      if (over_websocket()) ws_send_upgrade(c);
      else if (opt.protocol == PROTO_IRC) register_irc(c);
      continue;
    }
    if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
    if (c->state == CONN_OPEN && (evs[i].events & EPOLLOUT)) flush_out(c);
  }
}

static void open_connection(struct conn *c, const struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket: %s", strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  c->fd = fd;
  c->state = CONN_CONNECTING;
  int r = connect(fd, (const struct sockaddr *)addr, sizeof *addr);
  if (r < 0 && errno != EINPROGRESS) die("connect: %s", strerror(errno));
  epoll_set(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_ADD);
}

/* Opens every client, never more than opt.pending at a time still waiting
 * for their welcome line (listen backlogs are finite), then waits until all
 * join notices have arrived: the k-th client to join sends one notice to
 * each of the k-1 before it. */
static uint64_t connect_ns, join_drain_ns;
static int64_t join_cpu_us = -1, join_core_us = -1;
static int64_t server_cpu_us(void);
static int64_t core_busy_us(void);

static void connect_all(void) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
  if (inet_pton(AF_INET, opt.host, &addr.sin_addr) != 1) die("bad host %s", opt.host);
  uint64_t start = now_ns();
  uint64_t deadline = start + opt.join_timeout_ns;
  int64_t cpu0 = server_cpu_us(), core0 = core_busy_us();
  uint64_t n = (uint64_t)opt.clients;
  /* An IRC or JSON client also sees its own join. */
  uint64_t expected_joins = opt.no_join             ? 0
                            : opt.protocol != PROTO_LINE ? n * (n + 1) / 2
                                                        : n * (n - 1) / 2;
  int opened = 0;
  while (total_welcomes < n) {
    while (opened < opt.clients && (uint64_t)opened - total_welcomes < (uint64_t)opt.pending)
      open_connection(&conns[opened++], &addr);
    handle_events(10);
    if (disconnects) die("server closed a connection while clients were joining");
    if (now_ns() > deadline)
      die("join timeout: %llu of %d clients welcomed", (unsigned long long)total_welcomes,
          opt.clients);
  }
  connect_ns = now_ns() - start;
  while (total_joins < expected_joins) {
    handle_events(10);
    if (disconnects) die("server closed a connection while join notices drained");
    if (now_ns() > deadline)
      die("join notices timeout: %llu of %llu", (unsigned long long)total_joins,
          (unsigned long long)expected_joins);
  }
  join_drain_ns = now_ns() - start - connect_ns;
  int64_t cpu1 = server_cpu_us(), core1 = core_busy_us();
  if (cpu0 >= 0 && cpu1 >= 0) join_cpu_us = cpu1 - cpu0;
  if (core0 >= 0 && core1 >= 0) join_core_us = core1 - core0;
}

/* ---------- server CPU from /proc ---------- */

static long clock_ticks;

/* utime + stime of the whole server process, in microseconds. */
static int64_t server_cpu_us(void) {
  if (opt.server_pid <= 0) return -1;
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/stat", opt.server_pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char buf[1024];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')'); /* the command name may contain spaces */
  if (!p) return -1;
  unsigned long utime, stime;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return -1;
  return (int64_t)(utime + stime) * 1000000 / clock_ticks;
}

/* Busy time of the server's core (user, system, irq and softirq), in
 * microseconds. Loopback delivery to our sockets runs in softirq context on
 * the sending core; with IRQ time accounting that time is not charged to
 * the server process, so this is the fuller cost of the server's work. */
static int64_t core_busy_us(void) {
  if (opt.server_cpu < 0) return -1;
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return -1;
  char want[16], line[512];
  snprintf(want, sizeof want, "cpu%d ", opt.server_cpu);
  int64_t busy = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, want, strlen(want)) != 0) continue;
    unsigned long long user, nice, system, idle, iowait, irq, softirq;
    if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system,
               &idle, &iowait, &irq, &softirq) == 7)
      busy = (int64_t)(user + nice + system + irq + softirq) * 1000000 / clock_ticks;
    break;
  }
  fclose(f);
  return busy;
}

/* Our own CPU time, to tell whether the generator itself was the limit. */
static int64_t self_cpu_us(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) < 0) return -1;
  return (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec + (int64_t)ru.ru_stime.tv_sec * 1000000 +
         ru.ru_stime.tv_usec;
}

/* Task time (user, nice, system) that a core spent, in microseconds; irq
 * and softirq time is left out, as it is of a process's own figures. */
static int64_t core_task_us(int cpu) {
  if (cpu < 0) return -1;
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return -1;
  char want[16], line[512];
  snprintf(want, sizeof want, "cpu%d ", cpu);
  int64_t task = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, want, strlen(want)) != 0) continue;
    unsigned long long user, nice, system;
    if (sscanf(line + strlen(want), "%llu %llu %llu", &user, &nice, &system) == 3)
      task = (int64_t)(user + nice + system) * 1000000 / clock_ticks;
    break;
  }
  fclose(f);
  return task;
}

/* What else ran on the two cores: each core's task time less the time of
 * the process pinned there. Other work on a pinned core skews a run, so
 * such runs can be told apart (and left out of medians). */
struct interference_mark {
  int64_t server_core, server, loadgen_core, loadgen;
};

static int loadgen_cpu = -1;

static struct interference_mark interference_now(void) {
  struct interference_mark m = {core_task_us(opt.server_cpu), server_cpu_us(), core_task_us(loadgen_cpu),
                                self_cpu_us()};
  return m;
}

static double other_share(int64_t core0, int64_t core1, int64_t own0, int64_t own1, double seconds) {
  double other = (double)((core1 - core0) - (own1 - own0)) / 1e6 / seconds;
  return other > 0 ? other : 0;
}

static void print_interference(struct interference_mark a, struct interference_mark b, double seconds) {
  if (a.server_core >= 0 && b.server_core >= 0 && a.server >= 0 && b.server >= 0)
    printf(",\"other_work_server_core\":%.3f", other_share(a.server_core, b.server_core, a.server, b.server, seconds));
  if (a.loadgen_core >= 0 && b.loadgen_core >= 0 && a.loadgen >= 0 && b.loadgen >= 0)
    printf(",\"other_work_loadgen_core\":%.3f",
           other_share(a.loadgen_core, b.loadgen_core, a.loadgen, b.loadgen, seconds));
}

/* ---------- output ---------- */

static void print_common(void) {
  printf("\"protocol\":\"%s\",", PROTOCOL_NAMES[opt.protocol]);
  printf("\"clients\":%d,\"connect_ms\":%.1f,\"join_drain_ms\":%.1f,"
         "\"disconnects\":%llu,\"malformed\":%llu,\"unexpected_lines\":%llu",
         opt.clients, (double)connect_ns / 1e6, (double)join_drain_ns / 1e6,
         (unsigned long long)disconnects, (unsigned long long)total_malformed,
         (unsigned long long)total_other);
  if (join_cpu_us >= 0) printf(",\"join_server_cpu_s\":%.3f", (double)join_cpu_us / 1e6);
  if (join_core_us >= 0) printf(",\"join_server_core_busy_s\":%.3f", (double)join_core_us / 1e6);
  if (reads_total > 0)
    printf(",\"reads_kernel_stamped\":%.3f", (double)reads_kernel_stamped / (double)reads_total);
}

static void print_latency(const char *name, const struct hist *h) {
  printf(",\"%s\":{\"samples\":%llu,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
         "\"max_us\":%.1f}",
         name, (unsigned long long)h->count, (double)hist_quantile(h, 0.50) / 1e3,
         (double)hist_quantile(h, 0.99) / 1e3, (double)hist_quantile(h, 0.999) / 1e3,
         (double)h->max / 1e3);
}

/* ---------- modes ---------- */

static void run_fanout(void) {
  tracker = opt.clients - 1;
  record_latency = 0;
  uint64_t start = now_ns();
  uint64_t warm_end = start + opt.warmup_ns;
  uint64_t end = warm_end + opt.measure_ns;
  uint64_t chats0 = 0, t0 = 0;
  int64_t cpu0 = 0, core0 = 0, self0 = 0;
  struct interference_mark mark0 = {-1, -1, -1, -1};
  int measuring = 0;
  for (;;) {
    uint64_t now = now_ns();
    if (!measuring && now >= warm_end) {
      measuring = 1;
      record_latency = 1;
      hist_reset(&latency);
      hist_reset(&latency_at_read);
      chats0 = total_chats;
      cpu0 = server_cpu_us();
      core0 = core_busy_us();
      self0 = self_cpu_us();
      mark0 = interference_now();
      t0 = now_ns();
    }
    if (now >= end) break;
    if (disconnects) break;
    fill_windows();
    handle_events(5);
  }
  uint64_t t1 = now_ns();
  int64_t cpu1 = server_cpu_us();
  int64_t core1 = core_busy_us();
  int64_t self1 = self_cpu_us();
  struct interference_mark mark1 = interference_now();
  record_latency = 0;
  uint64_t deliveries = total_chats - chats0;
  double seconds = (double)(t1 - t0) / 1e9;
  uint64_t sent = 0;
  for (int s = 0; s < opt.senders; s++) sent += senders[s].sent;
  printf("{\"ok\":true,\"mode\":\"fanout\",");
  print_common();
  printf(",\"senders\":%d,\"window\":%d,\"seconds\":%.3f,\"deliveries\":%llu,"
         "\"deliveries_per_s\":%.0f,\"messages_sent\":%llu",
         opt.senders, opt.window, seconds, (unsigned long long)deliveries,
         (double)deliveries / seconds, (unsigned long long)sent);
  if (cpu0 >= 0 && cpu1 >= 0 && deliveries > 0)
    printf(",\"server_cpu_s\":%.3f,\"server_cpu_us_per_delivery\":%.4f",
           (double)(cpu1 - cpu0) / 1e6, (double)(cpu1 - cpu0) / (double)deliveries);
  if (core0 >= 0 && core1 >= 0 && deliveries > 0)
    printf(",\"server_core_busy_s\":%.3f,\"server_core_us_per_delivery\":%.4f",
           (double)(core1 - core0) / 1e6, (double)(core1 - core0) / (double)deliveries);
  printf(",\"loadgen_cpu_share\":%.3f", (double)(self1 - self0) / 1e6 / seconds);
  print_interference(mark0, mark1, seconds);
  print_latency("latency", &latency);
  print_latency("latency_at_read", &latency_at_read);
  printf("}\n");
  fflush(stdout);
}

static void run_steady(void) {
  /* The rate is kept through a warm-up, then through the measured duration: a server's first
   * second at a rate (code not yet compiled, caches cold) says how it starts, not how it
   * keeps a rate. */
  uint64_t send_ns = opt.warmup_ns + opt.duration_ns;
  uint64_t per_sender = (uint64_t)(opt.rate * (double)send_ns / 1e9 / opt.senders + 0.5);
  seconds_tracked = (unsigned)((opt.duration_ns + 999999999ull) / 1000000000ull);
  latency_by_second = calloc(seconds_tracked, sizeof *latency_by_second);
  for (unsigned i = 0; i < seconds_tracked; i++) hist_init(&latency_by_second[i]);
  hist_reset(&latency);
  hist_reset(&latency_at_read);

  timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer_fd < 0) die("timerfd_create: %s", strerror(errno));
  struct itimerspec tick = {.it_interval = {0, 250000}, .it_value = {0, 250000}};
  timerfd_settime(timer_fd, 0, &tick, NULL);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TIMER_TAG};
  epoll_ctl(epfd, EPOLL_CTL_ADD, timer_fd, &ev);

  record_latency = 1;
  int64_t self0 = self_cpu_us(), cpu0 = server_cpu_us();
  struct interference_mark mark0 = interference_now();
  send_start_ns = now_ns();
  latency_from_ns = send_start_ns + opt.warmup_ns;
  for (int s = 0; s < opt.senders; s++) {
    senders[s].total = per_sender;
    senders[s].due = send_start_ns + (uint64_t)((double)s * 1e9 / opt.rate);
  }
  uint64_t send_deadline = send_start_ns + send_ns + opt.drain_ns;
  uint64_t all_sent_ns = 0;
  uint64_t total = per_sender * (uint64_t)opt.senders;
  uint64_t expected_deliveries = total * (uint64_t)(opt.clients - 1);
  for (;;) {
    uint64_t now = now_ns();
    generate_due(now);
    if (!all_sent_ns) {
      uint64_t sent = 0;
      int flushed = 1;
      for (int s = 0; s < opt.senders; s++) {
        sent += senders[s].sent;
        struct conn *c = &conns[senders[s].conn];
        if (c->state == CONN_OPEN && c->out_off < c->out_len) flushed = 0;
      }
      if (sent == total && flushed) all_sent_ns = now;
    }
    if (total_chats >= expected_deliveries) break;
    if (now > send_deadline) break;
    handle_events(1);
  }
  record_latency = 0;
  close(timer_fd);
  double run_seconds = (double)(now_ns() - send_start_ns) / 1e9;
  int64_t self1 = self_cpu_us(), cpu1 = server_cpu_us();
  struct interference_mark mark1 = interference_now();

  /* Every message should have reached every other connected client. */
  uint64_t sent_total = 0;
  for (int s = 0; s < opt.senders; s++) sent_total += senders[s].sent;
  uint64_t short_clients = 0, missing = 0;
  for (int i = 0; i < opt.clients; i++) {
    struct conn *c = &conns[i];
    uint64_t own = 0;
    for (int s = 0; s < opt.senders; s++)
      if (senders[s].conn == i) own = senders[s].sent;
    uint64_t expect = sent_total - own;
    if (c->chats < expect) {
      short_clients++;
      missing += expect - c->chats;
    }
  }
  double send_seconds = (double)((all_sent_ns ? all_sent_ns : now_ns()) - send_start_ns) / 1e9;
  double done_after_ms =
      last_chat_ns > all_sent_ns && all_sent_ns ? (double)(last_chat_ns - all_sent_ns) / 1e6 : 0;
  printf("{\"ok\":true,\"mode\":\"steady\",");
  print_common();
  printf(",\"warmup_s\":%.3f", (double)opt.warmup_ns / 1e9);
  printf(",\"senders\":%d,\"target_rate\":%.0f,\"messages_planned\":%llu,\"messages_sent\":%llu,"
         "\"send_seconds\":%.3f,\"achieved_rate\":%.0f,\"max_send_lateness_ms\":%.3f,"
         "\"expected_deliveries\":%llu,\"deliveries\":%llu,\"missing_deliveries\":%llu,"
         "\"short_clients\":%llu,\"all_sent\":%s,\"last_delivery_after_last_send_ms\":%.1f",
         opt.senders, opt.rate, (unsigned long long)total, (unsigned long long)sent_total,
         send_seconds, (double)sent_total / send_seconds, (double)max_lateness_ns / 1e6,
         (unsigned long long)expected_deliveries, (unsigned long long)total_chats,
         (unsigned long long)missing, (unsigned long long)short_clients,
         all_sent_ns ? "true" : "false", done_after_ms);
  printf(",\"loadgen_cpu_share\":%.3f", (double)(self1 - self0) / 1e6 / run_seconds);
  if (cpu0 >= 0 && cpu1 >= 0) printf(",\"server_cpu_share\":%.3f", (double)(cpu1 - cpu0) / 1e6 / run_seconds);
  print_interference(mark0, mark1, run_seconds);
  print_latency("latency", &latency);
  print_latency("latency_at_read", &latency_at_read);
  print_latency("latency_first_second", &latency_by_second[0]);
  print_latency("latency_last_second", &latency_by_second[seconds_tracked - 1]);
  printf(",\"p50_by_second_us\":[");
  for (unsigned i = 0; i < seconds_tracked; i++)
    printf("%s%.1f", i ? "," : "", (double)hist_quantile(&latency_by_second[i], 0.5) / 1e3);
  printf("],\"p99_by_second_us\":[");
  for (unsigned i = 0; i < seconds_tracked; i++)
    printf("%s%.1f", i ? "," : "", (double)hist_quantile(&latency_by_second[i], 0.99) / 1e3);
  printf("]}\n");
  fflush(stdout);
}

static void run_idle(void) {
  printf("{\"ok\":true,\"mode\":\"idle\",");
  print_common();
  printf(",\"welcomes\":%llu,\"join_notices\":%llu}\n", (unsigned long long)total_welcomes,
         (unsigned long long)total_joins);
  fflush(stdout);
}

/* Keeps every connection open (and read) until stdin closes or time runs out. */
static void hold(void) {
  uint64_t deadline = now_ns() + opt.hold_ns;
  while (stdin_open && now_ns() < deadline) handle_events(50);
}

/* ---------- main ---------- */

static uint64_t ms_arg(const char *s) { return (uint64_t)(atof(s) * 1e6); }

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen --mode fanout|steady|idle --port N [--protocol line|irc|ws|irc-ws]\n"
          "  [--host A]\n"
          "  [--clients N]\n"
          "  [--senders N] [--size BYTES] [--window N] [--pending N] [--server-pid PID]\n"
          "  [--server-cpu CORE]\n"
          "  [--warmup-ms MS] [--measure-ms MS] [--duration-ms MS] [--drain-ms MS]\n"
          "  [--rate MSG_PER_S] [--sample-every N] [--join-timeout-ms MS] [--hold-ms MS]\n"
          "  [--no-join]  (IRC, idle mode: register only)\n");
  exit(2);
}

static void parse_options(int argc, char **argv) {
  static const struct option longopts[] = {
      {"mode", required_argument, 0, 'm'},      {"host", required_argument, 0, 'H'},
      {"protocol", required_argument, 0, 'R'},
      {"port", required_argument, 0, 'p'},      {"clients", required_argument, 0, 'c'},
      {"senders", required_argument, 0, 's'},   {"size", required_argument, 0, 'z'},
      {"window", required_argument, 0, 'w'},    {"pending", required_argument, 0, 'P'},
      {"server-pid", required_argument, 0, 'S'}, {"server-cpu", required_argument, 0, 'C'},
      {"warmup-ms", required_argument, 0, 'W'},
      {"measure-ms", required_argument, 0, 'M'}, {"duration-ms", required_argument, 0, 'd'},
      {"drain-ms", required_argument, 0, 'D'},   {"rate", required_argument, 0, 'r'},
      {"sample-every", required_argument, 0, 'e'},
      {"join-timeout-ms", required_argument, 0, 'j'},
      {"hold-ms", required_argument, 0, 'h'},    {"no-join", no_argument, 0, 'N'},
      {0, 0, 0, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (ch) {
    case 'm':
      if (!strcmp(optarg, "fanout")) opt.mode = MODE_FANOUT;
      else if (!strcmp(optarg, "steady")) opt.mode = MODE_STEADY;
      else if (!strcmp(optarg, "idle")) opt.mode = MODE_IDLE;
      else usage();
      break;
    case 'R':
      if (!strcmp(optarg, "line")) opt.protocol = PROTO_LINE;
      else if (!strcmp(optarg, "irc")) opt.protocol = PROTO_IRC;
      else if (!strcmp(optarg, "ws")) opt.protocol = PROTO_WS;
      else if (!strcmp(optarg, "irc-ws")) opt.protocol = PROTO_IRC_WS;
      else usage();
      break;
    case 'H': opt.host = optarg; break;
    case 'p': opt.port = atoi(optarg); break;
    case 'c': opt.clients = atoi(optarg); break;
    case 's': opt.senders = atoi(optarg); break;
    case 'z': opt.size = atoi(optarg); break;
    case 'w': opt.window = atoi(optarg); break;
    case 'P': opt.pending = atoi(optarg); break;
    case 'S': opt.server_pid = atol(optarg); break;
    case 'C': opt.server_cpu = atoi(optarg); break;
    case 'W': opt.warmup_ns = ms_arg(optarg); break;
    case 'M': opt.measure_ns = ms_arg(optarg); break;
    case 'd': opt.duration_ns = ms_arg(optarg); break;
    case 'D': opt.drain_ns = ms_arg(optarg); break;
    case 'r': opt.rate = atof(optarg); break;
    case 'e': opt.sample_every = (unsigned)atoi(optarg); break;
    case 'j': opt.join_timeout_ns = ms_arg(optarg); break;
    case 'h': opt.hold_ns = ms_arg(optarg); break;
    case 'N': opt.no_join = 1; break;
    default: usage();
    }
  }
  if (opt.port <= 0 || opt.port > 65535) usage();
  if (opt.clients < 2) die("need at least 2 clients");
  if (opt.mode == MODE_IDLE) opt.senders = 0;
  if (opt.no_join && (opt.mode != MODE_IDLE || opt.protocol == PROTO_LINE))
    die("--no-join is for --mode idle with --protocol irc, ws or irc-ws");
  if (opt.senders < 0 || opt.senders > 999 || opt.senders >= opt.clients)
    die("senders must be fewer than clients and at most 999");
  if (opt.size < MIN_LINE_SIZE || opt.size > MAX_LINE_SIZE) die("size out of range");
  if (opt.window < 1) die("window must be positive");
  if (opt.pending < 1) die("pending must be positive");
  if (opt.rate <= 0) die("rate must be positive");
  if (opt.sample_every < 1) opt.sample_every = 1;
}

/* Room for every client socket plus a few spare descriptors. */
static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return;
  rlim_t want = (rlim_t)opt.clients + 64;
  if (rl.rlim_cur >= want) return;
  rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
  setrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < want) die("open-file limit %lu is below %lu", (unsigned long)rl.rlim_cur,
                              (unsigned long)want);
}

int main(int argc, char **argv) {
  /* Never outlive the bench that started us. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  signal(SIGPIPE, SIG_IGN);
  parse_options(argc, argv);
  raise_fd_limit();
  clock_ticks = sysconf(_SC_CLK_TCK);
  loadgen_cpu = sched_getcpu(); /* pinned by the caller, so this is our core */

  conns = calloc((size_t)opt.clients, sizeof *conns);
  senders = calloc((size_t)(opt.senders ? opt.senders : 1), sizeof *senders);
  read_buf = malloc(READ_BUF_BYTES);
  if (!conns || !senders || !read_buf) die("out of memory");
  for (int i = 0; i < opt.clients; i++) {
    conns[i].fd = -1;
    conns[i].state = CONN_CLOSED;
    conns[i].sender = -1;
  }
  for (int s = 0; s < opt.senders; s++) {
    senders[s].conn = s;
    conns[s].sender = s;
  }
  hist_init(&latency);
  hist_init(&latency_at_read);

  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) die("epoll_create1: %s", strerror(errno));
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = STDIN_TAG};
  stdin_open = epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev) == 0;

  connect_all();
  switch (opt.mode) {
  case MODE_FANOUT: run_fanout(); break;
  case MODE_STEADY: run_steady(); break;
  case MODE_IDLE: run_idle(); break;
  }
  hold();
  return 0;
}
