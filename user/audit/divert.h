/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The divert of `iotrim audit tls`: one device's new TCP connections to some
 * ports are redirected to a local port (the interceptor) for as long as the
 * divert is open, and not a moment longer.
 *
 * It is an nftables table with `flags owner` in the caller's network
 * namespace (the gateway's): the kernel deletes an owner table when the
 * netlink socket that created it closes, so the divert is leased to this
 * process - a normal exit, a crash or kill -9 removes it at once, with no
 * cleanup step that could be skipped.  libnftables keeps that socket open
 * from divert_open() to divert_close().  Connections already redirected keep
 * their conntrack entry; new ones go to their real destination again.
 */
#ifndef IOTRIM_AUDIT_DIVERT_H
#define IOTRIM_AUDIT_DIVERT_H

#include <stddef.h>
#include <stdint.h>

struct divert;

/*
 * Redirects TCP from the device with MAC mac to any of ports[0..nports)
 * (IPv4 and IPv6) to to_port on the address it arrived at.  Returns 0 or
 * -errno (-EPERM without CAP_NET_ADMIN, -EIO when nftables refused; the
 * reason is logged).
 */
int divert_open(struct divert **out, const uint8_t mac[6], const uint16_t *ports, size_t nports,
		uint16_t to_port);
/* The table's name (for logs and tests): "iotrim_audit_PID". */
const char *divert_table(const struct divert *d);
/* Deletes the table (and would by itself on exit); NULL is fine. */
void divert_close(struct divert *d);

/* The nftables command divert_open() runs, into buf; -ENOSPC if it does not fit. */
int divert_ruleset(char *buf, size_t size, const char *table, const uint8_t mac[6],
		   const uint16_t *ports, size_t nports, uint16_t to_port);

#endif
