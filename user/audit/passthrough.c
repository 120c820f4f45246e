// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copying a connection the audit leaves alone (audit/passthrough.h). */
#include <errno.h>
#include <poll.h>
#include <sys/time.h>
#include <unistd.h>

#include "audit/passthrough.h"

/* How often a copy that waits looks at *stopping. */
#define POLL_MS 200

/* Moves what src has to dst; 1 moved, 0 src closed, -errno. */
static int move(int src, int dst)
{
	char buf[16384];
	ssize_t n = read(src, buf, sizeof(buf)), off = 0;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;
	while (off < n) {
		ssize_t w = write(dst, buf + off, (size_t)(n - off));

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += w;
	}
	return 1;
}

int passthrough(int client, const struct sockaddr_storage *dst, socklen_t dst_len,
		unsigned connect_ms, const atomic_bool *stopping)
{
	struct timeval tv = { .tv_sec = connect_ms / 1000, .tv_usec = (connect_ms % 1000) * 1000 };
	struct timeval none = { 0 };
	bool open[2] = { true, true };	/* client -> server, server -> client */
	int server, err = 0;

	if ((server = socket(dst->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	/* connect() on Linux gives up after SO_SNDTIMEO. */
	setsockopt(server, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(server, (const struct sockaddr *)dst, dst_len)) {
		err = -errno;
		close(server);
		return err;
	}
	setsockopt(server, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof(none));
	setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	while ((open[0] || open[1]) && !atomic_load(stopping)) {
		struct pollfd p[2] = {
			{ .fd = open[0] ? client : -1, .events = POLLIN },
			{ .fd = open[1] ? server : -1, .events = POLLIN },
		};
		int r = poll(p, 2, POLL_MS);

		if (r < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		for (int i = 0; i < 2 && r > 0 && !err; i++) {
			int from = i ? server : client, to = i ? client : server, m;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if ((m = move(from, to)) == 0) {
				open[i] = false;
				shutdown(to, SHUT_WR);
			} else if (m < 0) {
				err = m;
				open[0] = open[1] = false;
			}
		}
	}
	close(server);
	return err;
}
