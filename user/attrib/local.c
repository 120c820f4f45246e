// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Local traffic: see local.h. */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/local.h"
#include "attrib/special.h"
#include "iotrim.h"

static unsigned mask_len(const uint8_t *mask, unsigned bytes)
{
	unsigned n = 0;

	for (unsigned i = 0; i < bytes; i++)
		n += __builtin_popcount(mask[i]);
	return n;
}

int local_nets_load(struct local_nets *n)
{
	struct ifaddrs *ifa;
	size_t cap = 0;

	memset(n, 0, sizeof(*n));
	if (getifaddrs(&ifa) != 0)
		return -errno;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		struct local_addr a = { 0 };
		int af = i->ifa_addr ? i->ifa_addr->sa_family : AF_UNSPEC;

		if (af == AF_INET) {
			a.family = IOTRIM_FAMILY_IPV4;
			memcpy(a.ip, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
			a.plen = i->ifa_netmask ?
				mask_len((uint8_t *)&((struct sockaddr_in *)i->ifa_netmask)->sin_addr, 4) : 32;
		} else if (af == AF_INET6) {
			a.family = IOTRIM_FAMILY_IPV6;
			memcpy(a.ip, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			a.plen = i->ifa_netmask ?
				mask_len((uint8_t *)&((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr, 16) : 128;
		} else {
			continue;
		}
		if (n->len == cap) {
			struct local_addr *p = realloc(n->items, (cap ? cap * 2 : 16) * sizeof(*p));

			if (!p) {
				freeifaddrs(ifa);
				local_nets_free(n);
				return -ENOMEM;
			}
			n->items = p;
			cap = cap ? cap * 2 : 16;
		}
		n->items[n->len++] = a;
	}
	freeifaddrs(ifa);
	return 0;
}

void local_nets_free(struct local_nets *n)
{
	free(n->items);
	memset(n, 0, sizeof(*n));
}

static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	for (unsigned bit = 0; bit < plen; bit++)
		if ((a[bit / 8] ^ b[bit / 8]) & (0x80 >> (bit % 8)))
			return false;
	return true;
}

const char *local_reason(const struct local_nets *n, uint8_t family, const uint8_t device_ip[16],
			 const uint8_t remote[16])
{
	unsigned len = family == IOTRIM_FAMILY_IPV4 ? 4 : 16;

	switch (special_kind_of(family, remote)) {
	case SPECIAL_MULTICAST: return "multicast";
	case SPECIAL_BROADCAST: return "broadcast";
	case SPECIAL_LINK_LOCAL: return "link-local";
	default: break;
	}
	for (size_t i = 0; n && i < n->len; i++) {
		const struct local_addr *a = &n->items[i];

		if (a->family == family && !memcmp(a->ip, remote, len))
			return "gateway";
	}
	/* A peer: on the subnet of the gateway's interface that the device is on. */
	for (size_t i = 0; n && i < n->len; i++) {
		const struct local_addr *a = &n->items[i];

		if (a->family == family && a->plen < len * 8 && same_prefix(a->ip, device_ip, a->plen) &&
		    same_prefix(a->ip, remote, a->plen))
			return "LAN peer";
	}
	return NULL;
}
