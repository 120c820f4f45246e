// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Experiment backends (backend.h): "kernel" on the pinned maps,
 * "sim:DIR" for tests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "attrib/local.h"
#include "attrib/special.h"
#include "common/clock.h"
#include "common/log.h"
#include "iotrim_maps.h"
#include "enforce/block.h"
#include "experiment/backend.h"
#include "common/fmt.h"
#include "common/proto.h"
#include "history/history.h"
#include "history/names_at.h"
#include "iotrim.h"
#include "datapath/pin.h"
#include "datapath/table.h"

/* ---- sim:DIR ----------------------------------------------------------------- */

struct sim {
	char dir[4096];
};

static int sim_observe(struct exp_backend *b, const uint8_t mac[6], int64_t since_ms,
		       struct exp_obs **out, size_t *n)
{
	struct sim *s = b->priv;
	char path[4200], line[1024];
	size_t cap = 0;
	FILE *f;

	(void)mac;
	(void)since_ms;
	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/observed", s->dir);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		char name[EXP_NAME_MAX], proto[16], ip[64];
		unsigned port;
		unsigned long long bytes;
		struct exp_obs *o;

		if (line[0] == '#' || sscanf(line, "%255s %15s %u %63s %llu", name, proto, &port, ip,
					     &bytes) != 5)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			o = realloc(*out, cap * sizeof(*o));
			if (!o) {
				fclose(f);
				return -ENOMEM;
			}
			*out = o;
		}
		o = &(*out)[*n];
		memset(o, 0, sizeof(*o));
		if (strcmp(name, "-"))
			snprintf(o->name, sizeof(o->name), "%s", name);
		if (!proto_parse(proto, &o->proto))
			continue;
		o->port = (uint16_t)port;
		o->bytes = bytes;
		if (!exp_addr_parse(ip, &o->addr))
			continue;
		(*n)++;
	}
	fclose(f);
	return 0;
}

/* Rewrites DIR/rules under DIR/rules.lock: fn decides per line; extra is appended. */
static int sim_edit(struct sim *s, bool (*keep)(const char *line, const void *arg),
		    const void *arg, const char *extra, int *removed)
{
	char path[4200], tmp[4300], lock[4200], line[1024];
	FILE *in, *out;
	int lfd, n = 0;

	snprintf(path, sizeof(path), "%s/rules", s->dir);
	snprintf(tmp, sizeof(tmp), "%s/rules.tmp", s->dir);
	snprintf(lock, sizeof(lock), "%s/rules.lock", s->dir);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0 || flock(lfd, LOCK_EX) != 0) {
		if (lfd >= 0)
			close(lfd);
		return -errno;
	}
	out = fopen(tmp, "w");
	if (!out) {
		close(lfd);
		return -errno;
	}
	in = fopen(path, "r");
	while (in && fgets(line, sizeof(line), in)) {
		if (keep && !keep(line, arg)) {
			n++;
			continue;
		}
		fputs(line, out);
	}
	if (in)
		fclose(in);
	if (extra)
		fputs(extra, out);
	if (fclose(out) != 0 || rename(tmp, path) != 0) {
		close(lfd);
		return -errno;
	}
	close(lfd);
	if (removed)
		*removed = n;
	return 0;
}

static int sim_add(struct exp_backend *b, const uint8_t mac[6], const struct exp_rule *r,
		   enum exp_action action, unsigned lease_s, const char *owner,
		   char id[EXP_RULE_ID_MAX])
{
	struct sim *s = b->priv;
	char macs[MAC_STRLEN], value[EXP_NAME_MAX], line[1024], path[4200];
	FILE *f;
	unsigned long next = 0;

	snprintf(path, sizeof(path), "%s/next_id", s->dir);
	if ((f = fopen(path, "r"))) {
		if (fscanf(f, "%lu", &next) != 1)
			next = 0;
		fclose(f);
	}
	next++;
	if ((f = fopen(path, "w"))) {
		fprintf(f, "%lu\n", next);
		fclose(f);
	}
	snprintf(id, EXP_RULE_ID_MAX, "sim-%lu", next);
	format_mac(mac, macs);
	if (r->kind == EXP_RULE_NAME)
		snprintf(value, sizeof(value), "%s", r->name);
	else
		exp_addr_format(&r->addr, value, sizeof(value));
	snprintf(line, sizeof(line), "%s %s %s %s %u %u %s %lld %s\n", id, macs,
		 r->kind == EXP_RULE_NAME ? "name" : "ip", value, r->proto, r->port,
		 exp_action_name(action), (long long)(clock_wall_ms() + lease_s * 1000LL), owner);
	snprintf(path, sizeof(path), "%s/added.log", s->dir);
	if ((f = fopen(path, "a"))) {	/* every entry ever added, for the tests */
		fputs(line, f);
		fclose(f);
	}
	return sim_edit(s, NULL, NULL, line, NULL);
}

struct sim_match {
	const char *id, *owner;
	int64_t lease_end;	/* renew: new end */
	bool renew;
};

static bool sim_keep(const char *line, const void *arg)
{
	const struct sim_match *m = arg;
	char id[EXP_RULE_ID_MAX], owner[128];
	long long end;

	if (sscanf(line, "%63s %*s %*s %*s %*s %*s %*s %lld %127s", id, &end, owner) != 3)
		return true;
	if (m->id)
		return strcmp(m->id, id) != 0;
	return strcmp(m->owner, owner) != 0;
}

static int sim_del(struct exp_backend *b, const char *id)
{
	struct sim_match m = { .id = id };

	return sim_edit(b->priv, sim_keep, &m, NULL, NULL);
}

static int sim_del_owner(struct exp_backend *b, const char *owner)
{
	struct sim_match m = { .owner = owner };
	int n = 0, err = sim_edit(b->priv, sim_keep, &m, NULL, &n);

	return err ? err : n;
}

static int sim_renew(struct exp_backend *b, const char *id, unsigned lease_s)
{
	struct sim *s = b->priv;
	char path[4200], line[1024], extra[1024] = "";
	struct sim_match m = { .id = id };
	FILE *f;

	/* take the line out and put it back with the new end */
	snprintf(path, sizeof(path), "%s/rules", s->dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char lid[EXP_RULE_ID_MAX], mac[32], kind[8], value[EXP_NAME_MAX], action[16],
			owner[128];
		unsigned proto, port;
		long long end;

		if (sscanf(line, "%63s %31s %7s %255s %u %u %15s %lld %127s", lid, mac, kind, value,
			   &proto, &port, action, &end, owner) == 9 && !strcmp(lid, id))
			snprintf(extra, sizeof(extra), "%s %s %s %s %u %u %s %lld %s\n", lid, mac, kind,
				 value, proto, port, action, (long long)(clock_wall_ms() + lease_s * 1000LL),
				 owner);
	}
	if (f)
		fclose(f);
	if (!extra[0])
		return -ENOENT;
	return sim_edit(s, sim_keep, &m, extra, NULL);
}

static int sim_count_owner(struct exp_backend *b, const char *owner)
{
	struct sim *s = b->priv;
	char path[4200], line[1024];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/rules", s->dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char o[128];
		long long end;

		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %lld %127s", &end, o) == 2 &&
		    !strcmp(o, owner) && end > clock_wall_ms())
			n++;
	}
	if (f)
		fclose(f);
	return n;
}

/* ---- kernel ------------------------------------------------------------------ */

struct kern {
	sqlite3 *db;
};

/* Local traffic (the gateway, LAN peers, multicast, link-local) and unroutable addresses: never candidates. */
static bool local_or_special(const struct local_nets *local, const struct flow_key *key)
{
	switch (special_kind_of(key->family, key->remote_ip)) {
	case SPECIAL_THIS_NETWORK:
	case SPECIAL_LOOPBACK:
	case SPECIAL_RESERVED:
		return true;
	default:
		return local_reason(local, key->family, key->device_ip, key->remote_ip) != NULL;
	}
}

/* Room for one more observation after n; 0 or -ENOMEM. */
static int obs_room(struct exp_obs **out, size_t n, size_t *cap)
{
	struct exp_obs *p;

	if (n < *cap)
		return 0;
	p = realloc(*out, *cap * 2 * sizeof(*p));
	if (!p)
		return -ENOMEM;
	*out = p;
	*cap *= 2;
	return 0;
}

/*
 * One observation per name of a flow whose bytes several names shared
 * (names space separated): each is a destination to test, by name only
 * (its address is shared), and carries the flow's bytes as its weight.
 */
static int add_shared(struct exp_obs **out, size_t *n, size_t *cap, const struct exp_obs *flow,
		      const char *names)
{
	char buf[FLOW_NAMES_MAX], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", names);
	for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (obs_room(out, *n, cap))
			return -ENOMEM;
		(*out)[*n] = *flow;
		snprintf((*out)[*n].name, sizeof((*out)[*n].name), "%s", tok);
		(*n)++;
	}
	return 0;
}

static int kern_observe(struct exp_backend *b, const uint8_t mac[6], int64_t since_ms,
			struct exp_obs **out, size_t *n)
{
	struct kern *k = b->priv;
	struct flow_table t = { 0 };
	int flows_fd, names_fd, err;
	char macs[MAC_STRLEN], names[FLOW_NAMES_MAX], source[4];
	struct names_reader by_time = { 0 };	/* the device's names by time (history/names_at.h) */
	bool have_by_time;
	struct local_nets local;
	size_t cap;

	*out = NULL;
	*n = 0;
	flows_fd = open_pinned_map(MAP_NAME(MAP_FLOWS));
	if (flows_fd < 0)
		return -errno;
	err = read_flows(flows_fd, &t);
	close(flows_fd);
	if (err)
		return err;
	names_fd = open_pinned_map(MAP_NAME(MAP_NAMES));
	format_mac(mac, macs);
	local_nets_load(&local);	/* none known: multicast and link-local still are */
	have_by_time = k->db && !names_reader_open(k->db, &by_time);
	cap = t.len ? t.len : 1;
	*out = calloc(cap, sizeof(**out));
	if (!*out)
		goto nomem;
	for (size_t i = 0; i < t.len; i++) {
		const struct flow_key *key = &t.items[i].key;
		const struct flow_value *v = &t.items[i].value;
		int64_t last_ms = (int64_t)(boot_ns_to_wall_ns(v->last_seen_ns) / 1000000ULL);
		struct exp_obs *o;

		if (memcmp(key->device_mac, mac, 6) || last_ms < since_ms)
			continue;
		if (obs_room(out, *n, &cap))
			goto nomem;
		o = &(*out)[*n];
		memset(o, 0, sizeof(*o));
		names[0] = '\0';
		o->proto = key->proto;
		o->port = key->remote_port;
		o->addr.family = key->family;
		memcpy(o->addr.ip, key->remote_ip, 16);
		o->bytes = v->up.bytes + v->down.bytes;
		if (local_or_special(&local, key))
			continue;
		if (have_by_time) {
			char ip[INET6_ADDRSTRLEN];

			format_ip(key->family, key->remote_ip, ip);
			names_reader_at(&by_time, macs, ip, key, last_ms, names, source);
		}
		/* Names that shared the address: each is a candidate, tested by name. */
		if (names[0] && strchr(names, ' ')) {
			struct exp_obs flow = *o;

			if (add_shared(out, n, &cap, &flow, names))
				goto nomem;
			continue;
		}
		snprintf(o->name, sizeof(o->name), "%s", names);
		if (!o->name[0] && names_fd >= 0) {
			struct name_key nk = { 0 };
			struct name_value nv;

			memcpy(nk.device_mac, mac, 6);
			nk.family = key->family;
			memcpy(nk.ip, key->remote_ip, 16);
			if (bpf_map_lookup_elem(names_fd, &nk, &nv) == 0) {
				nv.name[IOTRIM_NAME_LEN - 1] = '\0';
				snprintf(o->name, sizeof(o->name), "%s", nv.name);
			}
		}
		if (!o->name[0] && k->db) {
			char ip[INET6_ADDRSTRLEN], name[DNS_NAME_MAX], source[4];

			format_ip(key->family, key->remote_ip, ip);
			if (history_name_for(k->db, macs, ip, name, source))
				snprintf(o->name, sizeof(o->name), "%s", name);
		}
		(*n)++;
	}
	err = 0;
	goto out;
nomem:
	free(*out);
	*out = NULL;
	*n = 0;
	err = -ENOMEM;
out:
	if (names_fd >= 0)
		close(names_fd);
	if (have_by_time)
		names_reader_close(&by_time);
	local_nets_free(&local);
	flow_table_free(&t);
	return err;
}

/* Deny entries through enforcement (enforce/), tagged with the run as owner. */

static int kern_add(struct exp_backend *b, const uint8_t mac[6], const struct exp_rule *r,
		    enum exp_action action, unsigned lease_s, const char *owner,
		    char id[EXP_RULE_ID_MAX])
{
	struct kern *k = b->priv;
	struct block_rule br;
	struct block_add_opts o = { 0 };	/* no device check, no bound rules: ours are exact */
	char target[EXP_NAME_MAX], err[256];
	int rc;

	memset(&br, 0, sizeof(br));
	if (r->kind == EXP_RULE_NAME)
		snprintf(target, sizeof(target), "%s", r->name);
	else
		exp_addr_format(&r->addr, target, sizeof(target));
	/* The kind is known: a name never goes through address parsing. */
	if (!(r->kind == EXP_RULE_NAME ? block_parse_name : block_parse_address)(target, &br, err,
										 sizeof(err))) {
		warn("deny entry %s: %s", target, err);
		return -EINVAL;
	}
	memcpy(br.mac, mac, 6);
	br.proto = r->kind == EXP_RULE_IP ? r->proto : 0;
	br.port = r->kind == EXP_RULE_IP ? r->port : 0;
	br.action = action == EXP_REJECT ? IOTRIM_DENY_REJECT : IOTRIM_DENY_DROP;
	br.expires_ms = clock_wall_ms() + (int64_t)lease_s * 1000;
	snprintf(br.owner, sizeof(br.owner), "%s", owner);
	rc = block_add(k->db, &br, &o);
	if (rc == -EEXIST) {
		/* the same rule is there already (not ours): never remove it */
		snprintf(id, EXP_RULE_ID_MAX, "-");
		return 0;
	}
	if (rc)
		return -EIO;
	snprintf(id, EXP_RULE_ID_MAX, "%lld", (long long)br.id);
	return 0;
}

static int kern_renew(struct exp_backend *b, const char *id, unsigned lease_s)
{
	struct kern *k = b->priv;

	if (!strcmp(id, "-"))
		return 0;
	return block_renew(k->db, strtoll(id, NULL, 10), lease_s) ? -EIO : 0;
}

static int kern_del(struct exp_backend *b, const char *id)
{
	struct kern *k = b->priv;
	int rc;

	if (!strcmp(id, "-"))
		return 0;
	rc = block_del(k->db, strtoll(id, NULL, 10));
	return rc == 0 || rc == -ENOENT ? 0 : -EIO;	/* gone already: fine */
}

static int kern_del_owner(struct exp_backend *b, const char *owner)
{
	struct kern *k = b->priv;
	int n = block_del_owner(k->db, owner);

	return n < 0 ? -EIO : n;
}

static int kern_count_owner(struct exp_backend *b, const char *owner)
{
	struct kern *k = b->priv;

	return block_count_owner(k->db, owner);
}

/* ---- open --------------------------------------------------------------------- */

static void free_priv(struct exp_backend *b)
{
	free(b->priv);
}

static const struct exp_backend sim_ops = {
	.name = "sim",
	.port_scoped = true,
	.can_block = true,
	.observe = sim_observe,
	.add = sim_add,
	.renew = sim_renew,
	.del = sim_del,
	.del_owner = sim_del_owner,
	.count_owner = sim_count_owner,
	.close = free_priv,
};

static const struct exp_backend kern_ops = {
	.name = "kernel",
	.port_scoped = true,
	.why_not = "no database for the block rules",	/* can_block: with a database */
	.observe = kern_observe,
	.add = kern_add,
	.renew = kern_renew,
	.del = kern_del,
	.del_owner = kern_del_owner,
	.count_owner = kern_count_owner,
	.close = free_priv,
};

/* b becomes a backend of ops with a zeroed private part of priv_size. */
static int set_up(struct exp_backend *b, const struct exp_backend *ops, size_t priv_size)
{
	*b = *ops;
	b->priv = calloc(1, priv_size);
	return b->priv ? 0 : -ENOMEM;
}

int exp_backend_open(const char *spec, sqlite3 *db, struct exp_backend **out)
{
	struct exp_backend *b = calloc(1, sizeof(*b));
	int err;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	if (!spec)
		spec = getenv("IOTRIM_EXPERIMENT_BACKEND");
	if (!spec || !*spec)
		spec = "kernel";
	if (!strncmp(spec, "sim:", 4)) {
		err = set_up(b, &sim_ops, sizeof(struct sim));
		if (!err) {
			struct sim *s = b->priv;

			snprintf(s->dir, sizeof(s->dir), "%s", spec + 4);
		}
	} else if (!strcmp(spec, "kernel")) {
		err = set_up(b, &kern_ops, sizeof(struct kern));
		if (!err) {
			struct kern *k = b->priv;

			k->db = db;
			b->can_block = db != NULL;
		}
	} else {
		err = -EINVAL;
	}
	if (err) {
		free(b);
		return err;
	}
	*out = b;
	return 0;
}

void exp_backend_close(struct exp_backend *b)
{
	if (!b)
		return;
	if (b->close)
		b->close(b);
	free(b);
}
