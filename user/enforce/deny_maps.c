// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The deny maps, one entry at a time.  An IP entry's rules are sorted
 * port-specific, protocol-specific, any; the filter count of a MAC slot
 * goes up before a new entry and down after a removed one, so a packet
 * never skips an entry it should see.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/clock.h"
#include "common/log.h"
#include "datapath/pin.h"
#include "enforce/deny_maps.h"
#include "iotrim.h"
#include "iotrim_hash.h"
#include "iotrim_maps.h"

void deny_maps_close(struct deny_maps *m)
{
	int *fds[] = { &m->ip, &m->names, &m->hits, &m->filter, &m->cname };

	for (size_t i = 0; i < 5; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int deny_maps_open(struct deny_maps *m)
{
	m->ip = open_pinned_map(MAP_NAME(MAP_DENY_IP));
	m->names = open_pinned_map(MAP_NAME(MAP_DENY_NAMES));
	m->hits = open_pinned_map(MAP_NAME(MAP_DENY_HITS));
	m->filter = open_pinned_map(MAP_NAME(MAP_DENY_FILTER));
	m->cname = open_pinned_map(MAP_NAME(MAP_DENY_CNAME));
	m->nr_cpus = libbpf_num_possible_cpus();
	if (m->ip < 0 || m->names < 0 || m->hits < 0 || m->filter < 0 || m->nr_cpus <= 0) {
		int saved = errno;

		deny_maps_close(m);
		return saved ? -saved : -ENOENT;
	}
	return 0;
}

static void ip_key(const struct block_rule *r, struct deny_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = IOTRIM_DENY_KEY_BITS + r->prefix_len;
	if (!r->all_devices)
		memcpy(k->device_mac, r->mac, 6);
	k->family = r->family;
	memcpy(k->addr, r->addr, 16);
}

static void name_key(const struct block_rule *r, struct deny_name_key *k)
{
	memset(k, 0, sizeof(*k));
	k->hash = iotrim_name_hash(r->target);
	if (!r->all_devices)
		memcpy(k->device_mac, r->mac, 6);
}

/* Port-specific first, then protocol-specific, then any; older first. */
static int rule_order(const void *a, const void *b)
{
	const struct block_rule *x = a, *y = b;
	int sx = (x->port ? 2 : 0) + (x->proto ? 1 : 0);
	int sy = (y->port ? 2 : 0) + (y->proto ? 1 : 0);

	if (sx != sy)
		return sy - sx;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The deny_ip value for the rules of one prefix (count 0: none in force). */
static void ip_value(struct block_list *rules, const struct block_rule *like,
		     struct deny_value *v)
{
	int64_t now = clock_wall_ms();

	memset(v, 0, sizeof(*v));
	v->prefixlen = IOTRIM_DENY_KEY_BITS + like->prefix_len;
	qsort(rules->items, rules->len, sizeof(rules->items[0]), rule_order);
	for (size_t i = 0; i < rules->len && v->count < IOTRIM_DENY_RULES_PER_PREFIX; i++) {
		const struct block_rule *r = &rules->items[i];
		struct deny_rule *d = &v->rules[v->count];

		if (rule_expired(r, now))
			continue;
		d->id = (uint32_t)r->id;
		d->action = r->action;
		d->proto = r->proto == IPPROTO_ICMP && r->family == IOTRIM_FAMILY_IPV6 ?
				   IPPROTO_ICMPV6 : r->proto;
		d->port = r->port;
		d->expires_ns = r->expires_ms ? wall_ms_to_boot_ns(r->expires_ms) : 0;
		v->count++;
	}
}

/* Adds delta to the deny_filter slot of a device key's MAC. */
static int filter_add(const struct deny_maps *m, const uint8_t mac[6], int delta)
{
	uint32_t slot = iotrim_mac_slot(mac), n = 0;

	bpf_map_lookup_elem(m->filter, &slot, &n);
	n = delta < 0 && n < (uint32_t)-delta ? 0 : n + delta;
	return bpf_map_update_elem(m->filter, &slot, &n, BPF_ANY) ? -errno : 0;
}

/*
 * Puts value under key in map fd when present, else removes the key,
 * keeping the filter slot of the key's MAC counted.
 */
/* Writes (value) or deletes (NULL) key; exists says whether key itself is in
 * the map, which deny_filter's per-device count follows. */
static int write_entry(const struct deny_maps *m, int fd, const void *key, const uint8_t mac[6],
		       const void *value, bool exists)
{
	int err = 0;

	if (value) {
		if (!exists)
			err = filter_add(m, mac, 1);
		if (!err && bpf_map_update_elem(fd, key, value, BPF_ANY)) {
			err = -errno;
			if (!exists)
				filter_add(m, mac, -1);
		}
	} else if (exists) {
		if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
			err = -errno;
		else
			err = filter_add(m, mac, -1);
	}
	return err;
}

int deny_maps_write_ip(const struct deny_maps *m, const struct block_rule *like,
		       struct block_list *rules)
{
	struct deny_value v, old;
	struct deny_key k;
	bool exists;
	int err;

	ip_value(rules, like, &v);
	ip_key(like, &k);
	/* A lookup in the LPM trie also finds a shorter prefix that covers k
	 * (a /24 of the same device when k is a /32): only an entry of k's own
	 * length is k. */
	exists = bpf_map_lookup_elem(m->ip, &k, &old) == 0 && old.prefixlen == k.prefixlen;
	err = write_entry(m, m->ip, &k, k.device_mac, v.count ? &v : NULL, exists);
	if (err)
		warn("writing the deny_ip map failed: %s", strerror(-err));
	return err;
}

int deny_maps_write_name(const struct deny_maps *m, const struct block_rule *like,
			 const struct block_list *rules)
{
	struct deny_name_value v = { 0 }, old;
	struct deny_name_key k;
	int64_t now = clock_wall_ms();
	int err;

	for (size_t i = 0; i < rules->len && !v.id; i++) {
		const struct block_rule *r = &rules->items[i];

		if (r->kind == BLOCK_NAME && !rule_expired(r, now)) {
			v.id = (uint32_t)r->id;
			v.expires_ns = r->expires_ms ? wall_ms_to_boot_ns(r->expires_ms) : 0;
		}
	}
	name_key(like, &k);
	err = write_entry(m, m->names, &k, k.device_mac, v.id ? &v : NULL,
			  bpf_map_lookup_elem(m->names, &k, &old) == 0);
	if (err)
		warn("writing the deny_names map failed: %s", strerror(-err));
	return err;
}

/* ---- hit counters ------------------------------------------------------------ */

int deny_maps_create_hits(const struct deny_maps *m, int64_t id)
{
	struct traffic_counter *zeros = calloc(m->nr_cpus, sizeof(*zeros));
	uint32_t key = (uint32_t)id;
	int err = 0;

	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(m->hits, &key, zeros, BPF_NOEXIST) && errno != EEXIST) {
		err = -errno;
		warn("creating the hit counter of rule %lld failed: %s", (long long)id,
		     strerror(-err));
	}
	free(zeros);
	return err;
}

static void prune_map(int fd, size_t key_size, bool (*keep)(const void *key, void *ctx),
		      void *ctx);

/* keep() for deny_cname: its key starts with the rule id. */
static bool other_rule(const void *key, void *arg)
{
	return *(const uint32_t *)key != *(const uint32_t *)arg;
}

void deny_maps_delete_hits(const struct deny_maps *m, int64_t id)
{
	uint32_t key = (uint32_t)id;

	bpf_map_delete_elem(m->hits, &key);
	if (m->cname >= 0)
		prune_map(m->cname, sizeof(struct deny_cname_key), other_rule, &key);
}

int deny_maps_read_hits(const struct deny_maps *m, int64_t id, struct block_hits *h)
{
	struct traffic_counter *vals = calloc(m->nr_cpus, sizeof(*vals));
	uint32_t key = (uint32_t)id;

	memset(h, 0, sizeof(*h));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->hits, &key, vals) == 0) {
		for (int c = 0; c < m->nr_cpus; c++) {
			h->packets += vals[c].packets;
			h->bytes += vals[c].bytes;
		}
	}
	free(vals);
	return 0;
}

/* ---- pruning ------------------------------------------------------------------- */

/* Deletes every key of a map for which keep() says no. */
static void prune_map(int fd, size_t key_size, bool (*keep)(const void *key, void *ctx),
		      void *ctx)
{
	uint8_t key[64], next[64];
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		if (!keep(next, ctx)) {
			if (bpf_map_delete_elem(fd, next) == 0) {
				/* The iteration restarts after a delete from a trie or hash. */
				prev = NULL;
				continue;
			}
		}
		memcpy(key, next, key_size);
		prev = key;
	}
}

static bool keep_ip(const void *key, void *arg)
{
	const struct deny_key *k = key;
	const struct block_list *rules = arg;

	for (size_t i = 0; i < rules->len; i++) {
		const struct block_rule *r = &rules->items[i];
		struct deny_key rk;

		if (r->kind == BLOCK_NAME)
			continue;
		ip_key(r, &rk);
		if (!memcmp(&rk, k, sizeof(rk)))
			return true;
	}
	return false;
}

static bool keep_name(const void *key, void *arg)
{
	const struct deny_name_key *k = key;
	const struct block_list *rules = arg;

	for (size_t i = 0; i < rules->len; i++) {
		const struct block_rule *r = &rules->items[i];
		struct deny_name_key rk;

		if (r->kind != BLOCK_NAME)
			continue;
		name_key(r, &rk);
		if (!memcmp(&rk, k, sizeof(rk)))
			return true;
	}
	return false;
}

static bool keep_hits(const void *key, void *arg)
{
	const struct block_list *rules = arg;
	uint32_t id = *(const uint32_t *)key;

	for (size_t i = 0; i < rules->len; i++)
		if ((uint32_t)rules->items[i].id == id)
			return true;
	return false;
}

void deny_maps_prune(const struct deny_maps *m, const struct block_list *rules)
{
	void *ctx = (void *)rules;

	prune_map(m->ip, sizeof(struct deny_key), keep_ip, ctx);
	prune_map(m->names, sizeof(struct deny_name_key), keep_name, ctx);
	prune_map(m->hits, sizeof(uint32_t), keep_hits, ctx);
	if (m->cname >= 0)	/* its key starts with the rule id, as deny_hits' does */
		prune_map(m->cname, sizeof(struct deny_cname_key), keep_hits, ctx);
}

/* Sets every deny_filter slot to the exact number of entries in it. */
int deny_maps_recount_filter(const struct deny_maps *m)
{
	uint32_t *counts = calloc(IOTRIM_DENY_FILTER_SLOTS, sizeof(*counts));
	struct deny_name_key nkey, nnext;
	struct deny_key key, next;
	void *prev = NULL;
	int err = 0;

	if (!counts)
		return -ENOMEM;
	while (bpf_map_get_next_key(m->ip, prev, &next) == 0) {
		counts[iotrim_mac_slot(next.device_mac)]++;
		key = next;
		prev = &key;
	}
	prev = NULL;
	while (bpf_map_get_next_key(m->names, prev, &nnext) == 0) {
		counts[iotrim_mac_slot(nnext.device_mac)]++;
		nkey = nnext;
		prev = &nkey;
	}
	for (uint32_t slot = 0; slot < IOTRIM_DENY_FILTER_SLOTS && !err; slot++) {
		uint32_t have = 0;

		bpf_map_lookup_elem(m->filter, &slot, &have);
		if (have != counts[slot] &&
		    bpf_map_update_elem(m->filter, &slot, &counts[slot], BPF_ANY))
			err = -errno;
	}
	free(counts);
	return err;
}
