// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Plaintext samples -> findings: see plain_sample.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "audit/plain_sample.h"
#include "audit/plain_strings.h"
#include "audit/plaintext.h"
#include "audit/plaintext_store.h"
#include "common/clock.h"
#include "common/fmt.h"
#include "iotrim.h"

int plain_sampler_init(struct plain_sampler *p, sqlite3 *db, int names_fd)
{
	memset(p, 0, sizeof(*p));
	p->db = db;
	p->names_fd = names_fd;
	plain_audit_wipe_expired(db, clock_wall_ms());
	return plain_key_get(db, p->key);
}

struct sample_ctx {
	struct plain_sampler *p;
	int64_t audit_id;
	struct plain_finding f;		/* the destination's fields, filled once */
};

static void on_match(void *ctx, const struct plain_match *m)
{
	struct sample_ctx *c = ctx;

	snprintf(c->f.kind, sizeof(c->f.kind), "%s", plain_kind_name(m->kind));
	plain_redact(m, c->f.redacted);
	if (plain_hmac(c->p->key, m, c->f.value_hmac) ||
	    plain_finding_add(c->p->db, c->audit_id, &c->f)) {
		c->p->st.failed++;
		return;
	}
	c->p->st.findings++;
}

/* The name the device used for the address, else the address. */
static void destination_name(const struct plain_sampler *p, const struct iotrim_event *ev,
			     char *out, size_t size)
{
	struct name_key k = { .family = ev->key.family };
	struct name_value v;
	char ip[INET6_ADDRSTRLEN];

	memcpy(k.device_mac, ev->key.device_mac, 6);
	memcpy(k.ip, ev->key.remote_ip, 16);
	if (p->names_fd >= 0 && bpf_map_lookup_elem(p->names_fd, &k, &v) == 0 && v.name[0]) {
		v.name[sizeof(v.name) - 1] = 0;
		snprintf(out, size, "%s", v.name);
		return;
	}
	format_ip(ev->key.family, ev->key.remote_ip, ip);
	snprintf(out, size, "%s", ip);
}

/* Splits the run's newline-separated strings in place. */
static size_t split_strings(char *s, const char *out[PLAIN_STRINGS_MAX])
{
	size_t n = 0;

	for (char *save = NULL, *t = s ? strtok_r(s, "\n", &save) : NULL; t && n < PLAIN_STRINGS_MAX;
	     t = strtok_r(NULL, "\n", &save))
		out[n++] = t;
	return n;
}

void plain_sampler_handle(struct plain_sampler *p, const void *data, size_t size)
{
	const struct iotrim_event *ev = data;
	const char *strings[PLAIN_STRINGS_MAX];
	struct plain_audit_row audit;
	struct plain_rules rules = { .have_mac = true };
	struct sample_ctx c = { .p = p };

	p->st.samples++;
	if (size < sizeof(*ev) || ev->len > IOTRIM_EVENT_PAYLOAD_MAX ||
	    (ev->key.family != IOTRIM_FAMILY_IPV4 && ev->key.family != IOTRIM_FAMILY_IPV6)) {
		p->st.bad++;
		return;
	}
	format_mac(ev->key.device_mac, c.f.device_mac);
	c.f.first_seen_ms = boot_ns_to_unix_ms(ev->ts_ns);
	if (plain_audit_active(p->db, c.f.device_mac, c.f.first_seen_ms, &audit)) {
		p->st.unaudited++;
		return;
	}
	if (plain_audit_sampled(p->db, audit.id))
		p->st.failed++;
	destination_name(p, ev, c.f.name, sizeof(c.f.name));
	c.f.port = ev->key.remote_port;
	memcpy(rules.mac, ev->key.device_mac, 6);
	rules.serial = audit.serial;
	rules.strings = strings;
	rules.nstrings = split_strings(audit.strings, strings);
	c.audit_id = audit.id;
	plaintext_scan(ev->payload, ev->len, &rules, on_match, &c);
	plain_audit_row_free(&audit);
}
