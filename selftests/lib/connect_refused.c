// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * connect_refused ADDRESS PORT COUNT: COUNT TCP connects to ADDRESS:PORT,
 * one after the other, each timed from connect() until it fails with
 * ECONNREFUSED (a RST came back) or anything else (a 2 s timeout, ...).
 * Prints one line:
 *   refused R/COUNT median M ms p99 P ms max X ms (other: O)
 * and exits 0 if every connect was refused, 1 otherwise (2: bad usage).
 * Used by scripts/bench_reject.sh inside a testbed device.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct timeval timeout = { .tv_sec = 2 };
	int count, refused = 0, other = 0;
	double *ms;

	if (argc != 4 || (count = atoi(argv[3])) <= 0 || count > 100000) {
		fprintf(stderr, "usage: %s ADDRESS PORT COUNT (1..100000)\n", argv[0]);
		return 2;
	}
	if (getaddrinfo(argv[1], argv[2], &hints, &ai)) {
		fprintf(stderr, "%s: bad address or port: %s %s\n", argv[0], argv[1], argv[2]);
		return 2;
	}
	ms = calloc(count, sizeof(*ms));
	if (!ms)
		return 1;
	for (int i = 0; i < count; i++) {
		int fd = socket(ai->ai_family, SOCK_STREAM, 0);
		double t0;

		if (fd < 0) {
			other++;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
		t0 = now_ms();
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno == ECONNREFUSED)
			ms[refused++] = now_ms() - t0;
		else
			other++;
		close(fd);
	}
	freeaddrinfo(ai);
	qsort(ms, refused, sizeof(*ms), by_value);
	if (refused)
		printf("refused %d/%d median %.3f ms p99 %.3f ms max %.3f ms (other: %d)\n", refused,
		       count, ms[refused / 2], ms[(refused * 99) / 100], ms[refused - 1], other);
	else
		printf("refused 0/%d (other: %d)\n", count, other);
	free(ms);
	return other ? 1 : 0;
}
