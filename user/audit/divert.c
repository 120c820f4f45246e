// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The audit divert as an nftables owner table (audit/divert.h).  Why
 * nftables and not the BPF programs: redirecting to a local socket needs NAT
 * and conntrack (the replies must carry the original address, and the
 * interceptor asks SO_ORIGINAL_DST where the client meant to go), which the
 * netfilter nat hook does and an XDP/TC program would have to rebuild; and
 * the owner flag gives the lease for free.  The rule sits in prerouting at
 * dstnat - 10, after iotrim's TC/XDP ingress programs, which still count the
 * device's packets under their original destination and still drop what a
 * deny rule blocks (such a connection never reaches the interceptor).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "audit/divert.h"
#include "common/log.h"

struct divert {
	struct nft_ctx *nft;	/* its netlink socket owns the table */
	char table[48];
};

/* Descriptors looked at for the close-on-exec fix below. */
#define FD_SCAN_MAX 4096

static void open_fds(unsigned char *open, int n)
{
	for (int fd = 0; fd < n; fd++)
		open[fd] = fcntl(fd, F_GETFD) >= 0;
}

/*
 * libnftables opens its netlink socket without close-on-exec: a child the
 * caller starts during the audit (an experiment's commands) would inherit
 * it and keep the table alive after we are gone.  Marks the descriptors
 * opened since before[] was taken.
 */
static void cloexec_new_fds(const unsigned char *before, int n)
{
	for (int fd = 0; fd < n; fd++) {
		int flags;

		if (!before[fd] && (flags = fcntl(fd, F_GETFD)) >= 0)
			fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
	}
}

int divert_ruleset(char *buf, size_t size, const char *table, const uint8_t mac[6],
		   const uint16_t *ports, size_t nports, uint16_t to_port)
{
	size_t off;
	int n;

	if (!nports)
		return -EINVAL;
	n = snprintf(buf, size,
		     "add table inet %s { flags owner; }\n"
		     "add chain inet %s divert { type nat hook prerouting priority dstnat - 10; "
		     "policy accept; }\n"
		     "add rule inet %s divert ether saddr %02x:%02x:%02x:%02x:%02x:%02x "
		     "meta l4proto tcp th dport { ",
		     table, table, table, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	off = (size_t)n;
	for (size_t i = 0; i < nports; i++) {
		n = snprintf(buf + off, size - off, "%s%u", i ? ", " : "", ports[i]);
		if (n < 0 || (size_t)n >= size - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	n = snprintf(buf + off, size - off, " } redirect to :%u\n", to_port);
	if (n < 0 || (size_t)n >= size - off)
		return -ENOSPC;
	return 0;
}

int divert_open(struct divert **out, const uint8_t mac[6], const uint16_t *ports, size_t nports,
		uint16_t to_port)
{
	struct divert *d = calloc(1, sizeof(*d));
	unsigned char before[FD_SCAN_MAX];
	int nfds = getdtablesize() < FD_SCAN_MAX ? getdtablesize() : FD_SCAN_MAX;
	char cmd[2048];
	int err;

	if (!d)
		return -ENOMEM;
	snprintf(d->table, sizeof(d->table), "iotrim_audit_%d", (int)getpid());
	if ((err = divert_ruleset(cmd, sizeof(cmd), d->table, mac, ports, nports, to_port))) {
		free(d);
		return err;
	}
	open_fds(before, nfds);
	if (!(d->nft = nft_ctx_new(NFT_CTX_DEFAULT))) {
		free(d);
		return -ENOMEM;
	}
	nft_ctx_buffer_output(d->nft);
	nft_ctx_buffer_error(d->nft);
	err = nft_run_cmd_from_buffer(d->nft, cmd);
	cloexec_new_fds(before, nfds);
	if (err) {
		const char *why = nft_ctx_get_error_buffer(d->nft);

		pr_error("nftables refused the divert: %s", why && *why ? why : "(no reason given)");
		err = why && strstr(why, "Operation not permitted") ? -EPERM : -EIO;
		nft_ctx_free(d->nft);
		free(d);
		return err;
	}
	*out = d;
	return 0;
}

const char *divert_table(const struct divert *d)
{
	return d->table;
}

void divert_close(struct divert *d)
{
	char cmd[80];

	if (!d)
		return;
	/* Closing the socket would do; deleting first makes it visible in a trace. */
	snprintf(cmd, sizeof(cmd), "delete table inet %s\n", d->table);
	if (nft_run_cmd_from_buffer(d->nft, cmd))
		warn("deleting nftables table %s: %s (closing its socket removes it)", d->table,
			 nft_ctx_get_error_buffer(d->nft));
	nft_ctx_free(d->nft);
	free(d);
}
