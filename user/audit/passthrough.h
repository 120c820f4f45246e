/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A diverted connection that is not audited (not TLS, or not the destination
 * asked for) goes on to where the client meant it to go: bytes are copied
 * both ways, the ClientHello the interceptor only peeked at included, and
 * half-closes are passed on.  Nothing is kept.
 */
#ifndef IOTRIM_AUDIT_PASSTHROUGH_H
#define IOTRIM_AUDIT_PASSTHROUGH_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>

/*
 * Connects to dst (within connect_ms) and copies until both sides closed,
 * an error, or *stopping.  Closes nothing of the caller's; 0 or -errno.
 */
int passthrough(int client, const struct sockaddr_storage *dst, socklen_t dst_len,
		unsigned connect_ms, const atomic_bool *stopping);

#endif
