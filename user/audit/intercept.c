// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The TLS interceptor of `iotrim audit tls` (audit/intercept.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "attrib/tls.h"
#include "audit/forge.h"
#include "audit/intercept.h"
#include "audit/passthrough.h"
#include "common/clock.h"
#include "common/log.h"

/* From linux/netfilter_ipv6/ip6_tables.h, which does not build beside netinet/in.h. */
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

/* A ClientHello longer than this is judged on what it showed by then. */
#define HELLO_PEEK_MAX 16384
/* While the hello is cut, how long to wait for more of it each time. */
#define HELLO_NAP_NS 20000000L
/* Application data is counted for at most this long per connection. */
#define APP_DATA_MAX_MS 10000
#define ACCEPT_POLL_MS 200

struct conn_slot {
	struct intercept *ic;
	pthread_t thread;
	int fd;			/* -1 once the thread closed it; under ic->lock */
	bool used;
	atomic_bool done;
};

struct intercept {
	struct intercept_config cfg;
	char only_name[TLS_DEST_NAME_MAX];
	int listen_fd[2];	/* IPv4, IPv6 (-1 without IPv6) */
	uint16_t port;
	struct forge *forge;
	SSL_CTX *ctx;
	atomic_bool stopping;
	pthread_mutex_t lock;	/* dests, stats, slots[].fd */
	struct tls_dest_list dests;
	struct intercept_stats stats;
	struct conn_slot slots[INTERCEPT_MAX_CONNS];
};

static void set_timeout(int fd, int opt, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

static void count(struct intercept *ic, uint64_t *field)
{
	pthread_mutex_lock(&ic->lock);
	(*field)++;
	pthread_mutex_unlock(&ic->lock);
}

/* Where the client meant to go, from the conntrack entry of the redirect. */
static int original_dst(int fd, struct sockaddr_storage *dst, socklen_t *len,
			char addr[INET6_ADDRSTRLEN], uint16_t *port)
{
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);

	if (getsockname(fd, (struct sockaddr *)&local, &llen))
		return -errno;
	*len = sizeof(*dst);
	memset(dst, 0, sizeof(*dst));
	if (local.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)dst;

		if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, in, len))
			return -errno;
		inet_ntop(AF_INET, &in->sin_addr, addr, INET6_ADDRSTRLEN);
		*port = ntohs(in->sin_port);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)dst;

		if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, in6, len))
			return -errno;
		inet_ntop(AF_INET6, &in6->sin6_addr, addr, INET6_ADDRSTRLEN);
		*port = ntohs(in6->sin6_port);
	}
	return 0;
}

/*
 * Peeks (never reads) at the first bytes until they parse as a whole hello,
 * something else, or the time is up; the bytes stay in the socket for
 * OpenSSL or the passthrough.  Returns enum tls_status, or -1 if the client
 * closed or sent nothing in time.
 */
static int peek_hello(int fd, struct tls_hello *h, unsigned timeout_ms)
{
	uint8_t buf[HELLO_PEEK_MAX];
	double end = clock_mono_s() + timeout_ms / 1000.0;
	ssize_t n, last = 0;
	int st;

	for (;;) {
		if ((n = recv(fd, buf, sizeof(buf), MSG_PEEK)) <= 0)
			return last ? TLS_TRUNCATED : -1;
		st = tls_parse_hello(buf, (size_t)n, h);
		if (st != TLS_TRUNCATED || (size_t)n == sizeof(buf) || clock_mono_s() > end)
			return st;
		if (n == last) {
			struct pollfd p = { .fd = fd, .events = POLLRDHUP };

			/* Nothing more will come after the client's FIN. */
			if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
				return st;
			nanosleep(&(struct timespec){ .tv_nsec = HELLO_NAP_NS }, NULL);
		}
		last = n;
	}
}

static void note_alert(const SSL *ssl, int where, int ret)
{
	bool *alert_read = SSL_get_app_data(ssl);

	(void)ret;
	if ((where & SSL_CB_READ_ALERT) && alert_read)
		*alert_read = true;
}

/* Why SSL_accept gave up, as an event of the verdict machine. */
static enum tls_conn_event handshake_failure(SSL *ssl, int ret, bool alert_read)
{
	int err = SSL_get_error(ssl, ret);
	unsigned long e = ERR_peek_error();

	if (alert_read)
		return TLS_EV_ALERT;
	/* A close, a reset, or silence past handshake_ms (a blocking read timed out). */
	if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_WANT_READ ||
	    err == SSL_ERROR_WANT_WRITE)
		return TLS_EV_CLOSE;
	if (err == SSL_ERROR_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
		return TLS_EV_CLOSE;
	return TLS_EV_LOCAL_ERROR;
}

/* Counts the client's application data and drops it. */
static void drain_app_data(struct intercept *ic, SSL *ssl, int fd, struct tls_conn *c)
{
	char buf[16384];
	double end = clock_mono_s() + APP_DATA_MAX_MS / 1000.0;
	int n;

	set_timeout(fd, SO_RCVTIMEO, ic->cfg.idle_ms);
	while (!atomic_load(&ic->stopping) && clock_mono_s() < end &&
	       (n = SSL_read(ssl, buf, sizeof(buf))) > 0)
		tls_conn_event(c, TLS_EV_APP_DATA, (uint64_t)n);
	OPENSSL_cleanse(buf, sizeof(buf));
}

static void record(struct intercept *ic, const char *name, uint16_t port,
		   const struct tls_conn *c)
{
	struct tls_dest *d;

	pthread_mutex_lock(&ic->lock);
	if ((d = tls_dest_get(&ic->dests, name, port)))
		tls_dest_add_conn(d, c);
	if (c->state == TLS_CONN_FAILED)
		ic->stats.local_errors++;
	pthread_mutex_unlock(&ic->lock);
}

/* The forged handshake and what the client does with it. */
static void audit_conn(struct intercept *ic, int fd, const char *name, uint16_t port)
{
	struct tls_conn c = { 0 };
	bool alert_read = false;
	X509 *leaf = forge_leaf(ic->forge, name);
	SSL *ssl = NULL;
	int r;

	tls_conn_event(&c, TLS_EV_HELLO, 0);
	if (!leaf || !(ssl = SSL_new(ic->ctx)) || SSL_use_certificate(ssl, leaf) != 1 ||
	    SSL_use_PrivateKey(ssl, forge_leaf_key(ic->forge)) != 1 ||
	    SSL_add1_chain_cert(ssl, forge_ca(ic->forge)) != 1 || SSL_set_fd(ssl, fd) != 1) {
		tls_conn_event(&c, TLS_EV_LOCAL_ERROR, 0);
	} else {
		SSL_set_app_data(ssl, &alert_read);
		if ((r = SSL_accept(ssl)) == 1) {
			tls_conn_event(&c, TLS_EV_HANDSHAKE_DONE, 0);
			drain_app_data(ic, ssl, fd, &c);
			SSL_shutdown(ssl);
		} else {
			tls_conn_event(&c, handshake_failure(ssl, r, alert_read), 0);
		}
	}
	pr_debug("audit tls: %s:%u %s, %llu application bytes", name, port,
		 tls_verdict_name(tls_conn_verdict(&c)), (unsigned long long)c.app_bytes);
	ERR_clear_error();
	SSL_free(ssl);
	X509_free(leaf);
	record(ic, name, port, &c);
}

static bool audited(const struct intercept *ic, const char *sni, const char *addr, uint16_t port)
{
	if (!ic->only_name[0])
		return true;
	if (ic->cfg.only_port && port != ic->cfg.only_port)
		return false;
	return (sni && !strcmp(sni, ic->only_name)) || !strcmp(addr, ic->only_name);
}

static void serve_client(struct intercept *ic, int fd, const struct sockaddr_storage *dst,
			 socklen_t dst_len, const char *addr, uint16_t port)
{
	struct tls_hello h;
	int st;

	set_timeout(fd, SO_RCVTIMEO, ic->cfg.handshake_ms);
	set_timeout(fd, SO_SNDTIMEO, ic->cfg.handshake_ms);
	st = peek_hello(fd, &h, ic->cfg.handshake_ms);
	if ((st == TLS_OK || st == TLS_TRUNCATED) && h.type == TLS_CLIENT_HELLO) {
		const char *sni = h.has_sni ? h.sni : NULL;

		if (audited(ic, sni, addr, port)) {
			count(ic, &ic->stats.audited);
			audit_conn(ic, fd, ic->only_name[0] ? ic->only_name : sni ? sni : addr, port);
			return;
		}
	} else {
		count(ic, &ic->stats.not_tls);
	}
	count(ic, &ic->stats.passed_through);
	passthrough(fd, dst, dst_len, ic->cfg.handshake_ms, &ic->stopping);
}

void intercept_client(struct intercept *ic, int fd, const struct sockaddr_storage *dst,
		      socklen_t dst_len, const char *addr, uint16_t port)
{
	struct timespec now = { 0 };
	sigset_t pipe_set, old;

	/* A client that closes while we write (OpenSSL, the passthrough) is an
	 * answer, not a reason to die: SIGPIPE is held, then dropped. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	serve_client(ic, fd, dst, dst_len, addr, port);
	while (sigtimedwait(&pipe_set, NULL, &now) == SIGPIPE)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void *conn_main(void *arg)
{
	struct conn_slot *s = arg;
	struct intercept *ic = s->ic;
	struct sockaddr_storage dst;
	char addr[INET6_ADDRSTRLEN];
	socklen_t dlen;
	uint16_t port = 0;

	if (original_dst(s->fd, &dst, &dlen, addr, &port))
		count(ic, &ic->stats.no_original_dst);
	else
		intercept_client(ic, s->fd, &dst, dlen, addr, port);
	pthread_mutex_lock(&ic->lock);
	close(s->fd);
	s->fd = -1;
	pthread_mutex_unlock(&ic->lock);
	atomic_store(&s->done, true);
	return NULL;
}

static int listen_on(int family, uint16_t port, int *out)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int one = 1, fd, err;

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64)) {
		err = -errno;
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

/* An IPv4 listener on a free port, and an IPv6 one on the same port. */
static int open_listeners(struct intercept *ic)
{
	struct sockaddr_in in;
	socklen_t len = sizeof(in);
	int err = 0;

	for (int tries = 0; tries < 16; tries++) {
		if ((err = listen_on(AF_INET, 0, &ic->listen_fd[0])))
			return err;
		getsockname(ic->listen_fd[0], (struct sockaddr *)&in, &len);
		ic->port = ntohs(in.sin_port);
		err = listen_on(AF_INET6, ic->port, &ic->listen_fd[1]);
		if (!err || err == -EAFNOSUPPORT)	/* a gateway without IPv6 */
			return 0;
		close(ic->listen_fd[0]);
		ic->listen_fd[0] = -1;
		if (err != -EADDRINUSE)
			break;
	}
	return err;
}

static SSL_CTX *make_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx)
		return NULL;
	/* Old devices too: the question is whether they check, not how well they encrypt. */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, 0);
	SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_info_callback(ctx, note_alert);
	return ctx;
}

int intercept_open(struct intercept **out, const struct intercept_config *cfg)
{
	struct intercept *ic = calloc(1, sizeof(*ic));
	int err;

	if (!ic)
		return -ENOMEM;
	ic->cfg = *cfg;
	if (cfg->only_name)
		snprintf(ic->only_name, sizeof(ic->only_name), "%s", cfg->only_name);
	ic->listen_fd[0] = ic->listen_fd[1] = -1;
	pthread_mutex_init(&ic->lock, NULL);
	if ((err = forge_new(&ic->forge)))
		goto fail;
	if (!(ic->ctx = make_ctx())) {
		err = -ENOMEM;
		goto fail;
	}
	if ((err = open_listeners(ic))) {
		pr_error("interceptor: cannot listen: %s", strerror(-err));
		goto fail;
	}
	*out = ic;
	return 0;
fail:
	intercept_close(ic);
	return err;
}

uint16_t intercept_port(const struct intercept *ic)
{
	return ic->port;
}

static void reap(struct intercept *ic, bool all)
{
	for (size_t i = 0; i < INTERCEPT_MAX_CONNS; i++) {
		struct conn_slot *s = &ic->slots[i];

		if (s->used && (all || atomic_load(&s->done))) {
			pthread_join(s->thread, NULL);
			s->used = false;
		}
	}
}

static void start_conn(struct intercept *ic, int fd)
{
	struct conn_slot *s = NULL;

	ic->stats.accepted++;	/* only this thread writes it before the end */
	for (size_t i = 0; i < INTERCEPT_MAX_CONNS && !s; i++)
		if (!ic->slots[i].used)
			s = &ic->slots[i];
	if (!s) {
		count(ic, &ic->stats.over_limit);
		close(fd);
		return;
	}
	s->ic = ic;
	s->fd = fd;
	atomic_store(&s->done, false);
	if (pthread_create(&s->thread, NULL, conn_main, s)) {
		count(ic, &ic->stats.over_limit);
		close(fd);
		return;
	}
	s->used = true;
}

int intercept_run(struct intercept *ic, uint64_t duration_ms, const volatile sig_atomic_t *stop)
{
	double end = clock_mono_s() + duration_ms / 1000.0;
	int err = 0;

	while (!*stop && clock_mono_s() < end) {
		struct pollfd p[2] = {
			{ .fd = ic->listen_fd[0], .events = POLLIN },
			{ .fd = ic->listen_fd[1], .events = POLLIN },
		};
		int r = poll(p, 2, ACCEPT_POLL_MS);

		if (r < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		for (int i = 0; i < 2 && r > 0; i++) {
			int fd;

			if (!(p[i].revents & POLLIN))
				continue;
			if ((fd = accept4(ic->listen_fd[i], NULL, NULL, SOCK_CLOEXEC)) >= 0)
				start_conn(ic, fd);
		}
		reap(ic, false);
	}
	return err;
}

void intercept_stop(struct intercept *ic)
{
	/* Wake every connection's thread (blocked in a read) and wait for it. */
	atomic_store(&ic->stopping, true);
	pthread_mutex_lock(&ic->lock);
	for (size_t i = 0; i < INTERCEPT_MAX_CONNS; i++)
		if (ic->slots[i].used && ic->slots[i].fd >= 0)
			shutdown(ic->slots[i].fd, SHUT_RDWR);
	pthread_mutex_unlock(&ic->lock);
	reap(ic, true);
}

static int dest_cmp(const void *a, const void *b)
{
	const struct tls_dest *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (int)x->port - (int)y->port;
}

void intercept_results(struct intercept *ic, struct tls_dest_list *out,
		       struct intercept_stats *st)
{
	pthread_mutex_lock(&ic->lock);
	*out = ic->dests;
	memset(&ic->dests, 0, sizeof(ic->dests));
	*st = ic->stats;
	pthread_mutex_unlock(&ic->lock);
	if (out->len)
		qsort(out->items, out->len, sizeof(out->items[0]), dest_cmp);
}

void intercept_close(struct intercept *ic)
{
	if (!ic)
		return;
	for (int i = 0; i < 2; i++)
		if (ic->listen_fd[i] >= 0)
			close(ic->listen_fd[i]);
	SSL_CTX_free(ic->ctx);
	forge_free(ic->forge);
	tls_dest_list_free(&ic->dests);
	pthread_mutex_destroy(&ic->lock);
	free(ic);
}
