// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The IPFIX sender thread: see ipfix_send.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "exporter/ipfix_send.h"

#define BACKOFF_MIN_S 1.0
#define BACKOFF_MAX_S 30.0
#define WAIT_SLICE_MS 200

struct ipfix_msg {
	struct ipfix_msg *next;
	size_t len;
	unsigned records;
	uint8_t data[];
};

enum outcome { SENT, DROPPED, NOT_NOW };

void ipfix_sender_push(struct ipfix_sender *s, const uint8_t *msg, size_t len, unsigned records)
{
	struct ipfix_msg *m = NULL;

	pthread_mutex_lock(&s->lock);
	if (!s->stop && s->st.queued_bytes + len <= IPFIX_QUEUE_MAX)
		m = malloc(sizeof(*m) + len);
	if (!m) {
		s->st.messages_dropped++;
		s->st.records_dropped += records;
		pthread_mutex_unlock(&s->lock);
		return;
	}
	m->next = NULL;
	m->len = len;
	m->records = records;
	memcpy(m->data, msg, len);
	if (s->tail)
		s->tail->next = m;
	else
		s->head = m;
	s->tail = m;
	s->st.queued_bytes += len;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

/* Whether the thread should give up on what is queued (stopping, drain time over). */
static bool giving_up(struct ipfix_sender *s)
{
	bool r;

	pthread_mutex_lock(&s->lock);
	r = s->stop && clock_mono_s() >= s->drain_until;
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* Waits until fd is writable, in slices so that a stop is seen; 0 or -1. */
static int wait_writable(struct ipfix_sender *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLOUT };

	for (;;) {
		int n = poll(&p, 1, WAIT_SLICE_MS);

		if (n > 0)
			return p.revents & (POLLERR | POLLHUP | POLLNVAL) && !(p.revents & POLLOUT) ? -1 : 0;
		if (n < 0 && errno != EINTR)
			return -1;
		if (giving_up(s))
			return -1;
	}
}

static int send_all(struct ipfix_sender *s, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = send(s->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_writable(s))
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

static void set_connected(struct ipfix_sender *s, bool up)
{
	pthread_mutex_lock(&s->lock);
	s->st.connected = up;
	if (up)
		s->st.connects++;
	else
		s->st.connect_failures++;
	pthread_mutex_unlock(&s->lock);
}

static void tcp_down(struct ipfix_sender *s)
{
	close(s->fd);
	s->fd = -1;
	s->next_connect = clock_mono_s() + s->backoff_s;
	s->backoff_s = s->backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : s->backoff_s * 2;
	set_connected(s, false);
}

/* A connection with the templates sent, or -1 (retry after the backoff). */
static int tcp_up(struct ipfix_sender *s)
{
	int soerr = 0;
	socklen_t l = sizeof(soerr);

	if (s->fd >= 0)
		return 0;
	if (clock_mono_s() < s->next_connect)
		return -1;
	s->fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		s->next_connect = clock_mono_s() + BACKOFF_MAX_S;
		return -1;
	}
	if ((connect(s->fd, (struct sockaddr *)&s->addr, s->addr_len) && errno != EINPROGRESS) ||
	    wait_writable(s) || getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &l) || soerr ||
	    send_all(s, s->preamble, s->preamble_len)) {
		tcp_down(s);
		return -1;
	}
	s->backoff_s = BACKOFF_MIN_S;
	set_connected(s, true);
	return 0;
}

static enum outcome deliver(struct ipfix_sender *s, const struct ipfix_msg *m)
{
	if (s->transport == IPFIX_UDP)
		return send(s->fd, m->data, m->len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)m->len
			       ? SENT : DROPPED;
	if (tcp_up(s))
		return NOT_NOW;
	if (send_all(s, m->data, m->len)) {
		tcp_down(s);
		return NOT_NOW;
	}
	return SENT;
}

static void pop(struct ipfix_sender *s, enum outcome o)
{
	struct ipfix_msg *m = s->head;

	s->head = m->next;
	if (!s->head)
		s->tail = NULL;
	s->st.queued_bytes -= m->len;
	if (o == SENT) {
		s->st.messages_sent++;
		s->st.records_sent += m->records;
	} else {
		s->st.messages_dropped++;
		s->st.records_dropped += m->records;
	}
	free(m);
}

static void wait_a_slice(struct ipfix_sender *s)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += WAIT_SLICE_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&s->wake, &s->lock, &until);
}

static void *sender_main(void *arg)
{
	struct ipfix_sender *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct ipfix_msg *m = s->head;
		enum outcome o;

		if (s->stop && (!m || clock_mono_s() >= s->drain_until))
			break;
		if (!m) {
			wait_a_slice(s);
			continue;
		}
		/* Only this thread takes messages off the queue: m stays. */
		pthread_mutex_unlock(&s->lock);
		o = deliver(s, m);
		pthread_mutex_lock(&s->lock);
		if (o == NOT_NOW)
			wait_a_slice(s);
		else
			pop(s, o);
	}
	while (s->head)
		pop(s, DROPPED);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int ipfix_sender_start(struct ipfix_sender *s, enum ipfix_transport t,
		       const struct sockaddr *addr, socklen_t addr_len,
		       const uint8_t *preamble, size_t preamble_len)
{
	pthread_condattr_t ca;
	int err;

	memset(s, 0, sizeof(*s));
	s->transport = t;
	memcpy(&s->addr, addr, addr_len);
	s->addr_len = addr_len;
	s->backoff_s = BACKOFF_MIN_S;
	s->fd = -1;
	s->preamble = malloc(preamble_len);
	if (!s->preamble)
		return -ENOMEM;
	memcpy(s->preamble, preamble, preamble_len);
	s->preamble_len = preamble_len;
	if (t == IPFIX_UDP) {
		/* A connected UDP socket: sends never wait, errors come back. */
		s->fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s->fd < 0 || connect(s->fd, addr, addr_len)) {
			err = -errno;
			if (s->fd >= 0)
				close(s->fd);
			free(s->preamble);
			return err;
		}
		s->st.connected = true;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	err = -pthread_create(&s->thread, NULL, sender_main, s);
	if (err) {
		if (s->fd >= 0)
			close(s->fd);
		free(s->preamble);
		return err;
	}
	s->started = true;
	return 0;
}

void ipfix_sender_stats(struct ipfix_sender *s, struct ipfix_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->st;
	pthread_mutex_unlock(&s->lock);
}

void ipfix_sender_stop(struct ipfix_sender *s, double drain_s, struct ipfix_stats *final)
{
	if (!s->started)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	s->drain_until = clock_mono_s() + drain_s;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	if (final)
		*final = s->st;
	if (s->fd >= 0)
		close(s->fd);
	free(s->preamble);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	s->started = false;
}
