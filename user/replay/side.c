// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Which side of a frame is the device: see side.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/fmt.h"
#include "common/log.h"
#include "replay/capture.h"
#include "replay/side.h"

#define INFER_FRAMES 200000
#define INFER_MACS 256
#define INFER_ADDRS 32

bool frame_ip_parse(const uint8_t *d, uint32_t len, struct frame_ip *ip)
{
	uint32_t off = 12, l4;
	uint16_t type;

	memset(ip, 0, sizeof(*ip));
	if (len < 14)
		return false;
	type = d[off] << 8 | d[off + 1];
	for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; tags++) {
		off += 4;
		if (len < off + 2)
			return false;
		type = d[off] << 8 | d[off + 1];
	}
	off += 2;
	if (type == 0x0800 && len >= off + 20 && (d[off] >> 4) == 4) {
		ip->family = 4;
		ip->src = d + off + 12;
		ip->dst = d + off + 16;
		ip->proto = d[off + 9];
		l4 = off + (d[off] & 0xf) * 4;
		/* Ports only in a first fragment. */
		if (((d[off + 6] & 0x1f) << 8 | d[off + 7]) != 0)
			return true;
	} else if (type == 0x86dd && len >= off + 40 && (d[off] >> 4) == 6) {
		ip->family = 6;
		ip->src = d + off + 8;
		ip->dst = d + off + 24;
		ip->proto = d[off + 6];
		l4 = off + 40;
	} else {
		return false;
	}
	if ((ip->proto == 6 || ip->proto == 17) && len >= l4 + 4) {
		ip->sport = d[l4] << 8 | d[l4 + 1];
		ip->dport = d[l4 + 2] << 8 | d[l4 + 3];
	}
	return true;
}

static bool is_group(const uint8_t *mac)
{
	return mac[0] & 1;
}

static bool listed(const struct device_side *s, const uint8_t *mac)
{
	for (size_t i = 0; i < s->ndevices; i++)
		if (!memcmp(s->devices[i], mac, 6))
			return true;
	return false;
}

enum side_verdict side_of_ethernet(const struct device_side *s, const uint8_t *frame)
{
	const uint8_t *dst = frame, *src = frame + 6;

	if (s->mode == SIDE_DEVICES) {
		if (listed(s, src))
			return SIDE_UP;
		return listed(s, dst) ? SIDE_DOWN : SIDE_NEITHER;
	}
	if (!memcmp(src, s->gateway, 6))
		return SIDE_DOWN;
	if (!memcmp(dst, s->gateway, 6) || is_group(dst))
		return SIDE_UP;
	return SIDE_NEITHER;
}

/* RFC 1918, CGN, link-local, loopback; IPv6 ULA and link-local. */
static bool local_address(int family, const uint8_t *a)
{
	if (family == 4)
		return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
		       (a[0] == 169 && a[1] == 254) || a[0] == 127;
	return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

enum side_verdict side_raw(const struct frame_ip *ip)
{
	bool src = local_address(ip->family, ip->src), dst = local_address(ip->family, ip->dst);

	if (src && !dst)
		return SIDE_UP;
	if (dst && !src)
		return SIDE_DOWN;
	return SIDE_NEITHER;
}

struct mac_seen {
	uint8_t mac[6];
	unsigned dns_answers;
	unsigned naddrs;
	uint8_t addrs[INFER_ADDRS][17];	/* family, address */
};

static struct mac_seen *seen_of(struct mac_seen *t, size_t *n, const uint8_t *mac)
{
	for (size_t i = 0; i < *n; i++)
		if (!memcmp(t[i].mac, mac, 6))
			return &t[i];
	if (*n == INFER_MACS)
		return NULL;
	memset(&t[*n], 0, sizeof(t[*n]));
	memcpy(t[*n].mac, mac, 6);
	return &t[(*n)++];
}

static void note_address(struct mac_seen *m, const struct frame_ip *ip)
{
	uint8_t a[17] = { (uint8_t)ip->family };

	memcpy(a + 1, ip->src, ip->family == 4 ? 4 : 16);
	for (unsigned i = 0; i < m->naddrs; i++)
		if (!memcmp(m->addrs[i], a, sizeof(a)))
			return;
	if (m->naddrs < INFER_ADDRS)
		memcpy(m->addrs[m->naddrs++], a, sizeof(a));
}

int side_infer(char *const *files, int nfiles, struct device_side *s)
{
	static struct mac_seen t[INFER_MACS];
	struct mac_seen *best = NULL, *second = NULL;
	struct capture c = { 0 };
	struct capture_frame f;
	size_t n = 0, frames = 0, ethernet = 0;
	char mac[MAC_STRLEN];
	bool by_dns;

	for (int i = 0; i < nfiles && frames < INFER_FRAMES; i++) {
		if (capture_open(&c, files[i]))
			continue;
		while (frames < INFER_FRAMES && capture_next(&c, &f) == 1) {
			struct frame_ip ip;
			struct mac_seen *m;

			frames++;
			ethernet += !f.synthetic_eth;
			if (f.synthetic_eth || !frame_ip_parse(f.data, f.captured, &ip) ||
			    !(m = seen_of(t, &n, f.data + 6)))
				continue;
			if (ip.sport == 53)
				m->dns_answers++;
			note_address(m, &ip);
		}
		capture_close(&c);
	}
	/* Cooked and raw captures say the side themselves; unreadable ones say why later. */
	s->mode = SIDE_GATEWAY;
	if (!ethernet)
		return 0;
	by_dns = false;
	for (size_t i = 0; i < n; i++)
		by_dns |= t[i].dns_answers > 0;
	for (size_t i = 0; i < n; i++) {
		unsigned v = by_dns ? t[i].dns_answers : t[i].naddrs;

		if (!best || v > (by_dns ? best->dns_answers : best->naddrs)) {
			second = best;
			best = &t[i];
		} else if (!second || v > (by_dns ? second->dns_answers : second->naddrs)) {
			second = &t[i];
		}
	}
	if (!best || (!by_dns && (best->naddrs < 2 ||
				  (second && second->naddrs == best->naddrs)))) {
		pr_error("cannot infer which side is the gateway (no DNS answers, no sender with more addresses than the others): give --lan-mac or --devices");
		return -ENOENT;
	}
	memcpy(s->gateway, best->mac, 6);
	format_mac(best->mac, mac);
	if (by_dns)
		snprintf(s->inferred, sizeof(s->inferred),
			 "gateway %s inferred: it sent %u DNS answers; every other MAC on its side is a device",
			 mac, best->dns_answers);
	else
		snprintf(s->inferred, sizeof(s->inferred),
			 "gateway %s inferred: it sent from %u%s IP addresses, more than any other MAC",
			 mac, best->naddrs, best->naddrs == INFER_ADDRS ? "+" : "");
	return 0;
}
