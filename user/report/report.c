// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Building the report from the history: see report.h for the formulas. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iotrim.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/progress.h"
#include "history/payload_store.h"
#include "history/queries.h"
#include "report/continent.h"
#include "report/report.h"

static bool v4_in(const uint8_t *ip, uint8_t a, uint8_t b, int plen)
{
	uint32_t addr = (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
	uint32_t net = (uint32_t)a << 24 | (uint32_t)b << 16;
	uint32_t mask = plen ? ~0u << (32 - plen) : 0;

	return (addr & mask) == (net & mask);
}

bool report_address_local(uint8_t family, const uint8_t ip[16], const char *device_ip)
{
	uint8_t dev[16] = { 0 };

	if (family == IOTRIM_FAMILY_IPV4) {
		/* private, CGNAT, loopback, link-local, multicast and broadcast */
		if (v4_in(ip, 10, 0, 8) || v4_in(ip, 172, 16, 12) || v4_in(ip, 192, 168, 16) ||
		    v4_in(ip, 100, 64, 10) || v4_in(ip, 127, 0, 8) || v4_in(ip, 169, 254, 16) ||
		    v4_in(ip, 224, 0, 4) || v4_in(ip, 255, 255, 16) || v4_in(ip, 0, 0, 8))
			return true;
		/* the device's own /24: the gateway and LAN peers */
		return device_ip && inet_pton(AF_INET, device_ip, dev) == 1 && !memcmp(dev, ip, 3);
	}
	if (family == IOTRIM_FAMILY_IPV6) {
		static const uint8_t loopback[16] = { [15] = 1 };

		if (ip[0] == 0xff || (ip[0] & 0xfe) == 0xfc || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80) ||
		    !memcmp(ip, loopback, 16))
			return true;
		/* the device's own /64 */
		return device_ip && inet_pton(AF_INET6, device_ip, dev) == 1 && !memcmp(dev, ip, 8);
	}
	return false;
}

static void country_add(struct country_bytes *c, const char *cc, uint64_t bytes)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->cc[i], cc))
			break;
	if (i == c->n) {
		if (c->n == REPORT_COUNTRIES)
			i = REPORT_COUNTRIES - 1;	/* cannot happen with ISO codes; keep the bytes */
		else
			snprintf(c->cc[c->n++], 3, "%s", cc);
	}
	c->bytes[i] += bytes;
}

/* Most bytes first, then by code, so output is stable. */
static void country_sort(struct country_bytes *c)
{
	for (int i = 1; i < c->n; i++) {
		for (int k = i; k > 0; k--) {
			bool swap = c->bytes[k] > c->bytes[k - 1] ||
				    (c->bytes[k] == c->bytes[k - 1] && strcmp(c->cc[k], c->cc[k - 1]) < 0);
			char cc[3];
			uint64_t b;
			double s;

			if (!swap)
				break;
			memcpy(cc, c->cc[k], 3), memcpy(c->cc[k], c->cc[k - 1], 3), memcpy(c->cc[k - 1], cc, 3);
			b = c->bytes[k], c->bytes[k] = c->bytes[k - 1], c->bytes[k - 1] = b;
			s = c->share[k], c->share[k] = c->share[k - 1], c->share[k - 1] = s;
		}
	}
}

static void country_shares(struct country_bytes *c, uint64_t total)
{
	for (int i = 0; i < c->n; i++)
		c->share[i] = total ? (double)c->bytes[i] / (double)total : 0;
	country_sort(c);
}

/* Adds device d's fractions M_i/N_i to a normalised sum (shares hold the sums until divided). */
static void normalise_add(struct country_bytes *norm, size_t *count, const struct report_device *d)
{
	if (!d->remote)
		return;
	(*count)++;
	for (int i = 0; i < d->countries.n; i++) {
		int k;

		country_add(norm, d->countries.cc[i], d->countries.bytes[i]);
		for (k = 0; k < norm->n && strcmp(norm->cc[k], d->countries.cc[i]); k++)
			;
		norm->share[k] += (double)d->countries.bytes[i] / (double)d->remote;
	}
}

static void normalise_finish(struct country_bytes *norm, size_t count)
{
	for (int i = 0; i < norm->n; i++)
		norm->share[i] = count ? norm->share[i] / (double)count : 0;
	/* Sort by share: the normalised view ranks what each device does. */
	for (int i = 1; i < norm->n; i++) {
		for (int k = i; k > 0 && norm->share[k] > norm->share[k - 1]; k--) {
			char cc[3];
			uint64_t b;
			double s;

			memcpy(cc, norm->cc[k], 3), memcpy(norm->cc[k], norm->cc[k - 1], 3);
			memcpy(norm->cc[k - 1], cc, 3);
			b = norm->bytes[k], norm->bytes[k] = norm->bytes[k - 1], norm->bytes[k - 1] = b;
			s = norm->share[k], norm->share[k] = norm->share[k - 1], norm->share[k - 1] = s;
		}
	}
}

/* Rows outside [since, until] (by first and last seen) are dropped, in place. */
static void filter_window(struct flow_rows *rows, int64_t since, int64_t until)
{
	size_t keep = 0;

	for (size_t i = 0; i < rows->len; i++) {
		const struct flow_row *r = &rows->items[i];

		if ((since && r->last_seen_ms < since) || (until && r->first_seen_ms > until))
			continue;
		if (keep != i)	/* a row is 704 bytes: no copy onto itself */
			rows->items[keep] = *r;
		keep++;
	}
	rows->len = keep;
}

struct phase_ctx {
	struct report_device *d;
	const struct report_options *o;
	int err;
};

static void add_phase(void *arg, const struct phase_interval *iv)
{
	struct phase_ctx *c = arg;
	struct report_device *d = c->d;
	struct phase_interval *p;

	if ((c->o->phase && strcmp(iv->phase, c->o->phase)) ||
	    (c->o->since_ms && iv->until_ms && iv->until_ms < c->o->since_ms) ||
	    (c->o->until_ms && iv->since_ms > c->o->until_ms))
		return;
	if (!(p = realloc(d->phases, (d->nphases + 1) * sizeof(*p)))) {
		c->err = -ENOMEM;
		return;
	}
	d->phases = p;
	d->phases[d->nphases++] = *iv;
}

static enum report_party party_of(const struct dest *d, bool local)
{
	if (local)
		return RP_LOCAL;
	return d->party == PARTY_FIRST ? RP_FIRST : d->party == PARTY_SUPPORT ? RP_SUPPORT : RP_THIRD;
}

static struct report_category *category_for(struct report *r, const char *name)
{
	struct report_category *c;

	for (size_t i = 0; i < r->ncategories; i++)
		if (!strcmp(r->categories[i].name, name))
			return &r->categories[i];
	if (!(c = realloc(r->categories, (r->ncategories + 1) * sizeof(*c))))
		return NULL;
	r->categories = c;
	c = &r->categories[r->ncategories++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

/* One device's destinations [first, end) into a new report_device, unless filtered out. */
static int add_device(struct report *r, sqlite3 *db, struct device_config *conf, size_t first,
		      size_t end)
{
	const char *mac = r->dests.items[first].first->device_mac;
	struct report_device *d, *grown;
	struct phase_ctx pc;
	struct device_label label;
	int err;

	if (device_label_get(db, conf, mac, &label))
		return -EIO;
	if (r->opts.category && strcmp(label.category, r->opts.category))
		return 0;
	if (!(grown = realloc(r->devices, (r->ndevices + 1) * sizeof(*grown))))
		return -ENOMEM;
	r->devices = grown;
	d = &r->devices[r->ndevices++];
	memset(d, 0, sizeof(*d));
	d->label = label;
	d->first_dest = first;
	d->ndests = end - first;
	for (size_t i = first; i < end; i++) {
		const struct dest *x = &r->dests.items[i];
		/* Local as the destinations say (this host's interfaces), or by the address
		 * alone: the report may be made away from the gateway. */
		bool local = x->party == PARTY_LOCAL ||
			     report_address_local(x->family, x->ip, x->first->device_ip);
		uint64_t bytes = x->bytes_up + x->bytes_down;

		r->local[i] = local;
		d->bytes_up += x->bytes_up;
		d->bytes_down += x->bytes_down;
		d->party[party_of(x, local)] += bytes;
		if (local)
			continue;
		d->remote += bytes;
		country_add(&d->countries, x->geo.country, bytes);
		for (int b = 0; b < DEST_TLS_VERSIONS; b++)
			d->tls_dests[b] += !!(x->tls_mask & (1u << b));
	}
	if (payload_device_total(db, mac, r->opts.phase, &d->payload))
		return -EIO;
	pc = (struct phase_ctx){ .d = d, .o = &r->opts };
	if (phase_intervals(db, mac, add_phase, &pc) || pc.err)
		return pc.err ? pc.err : -EIO;
	if (plain_audit_count(db, mac, &d->plaintext_audits))
		return -EIO;
	if ((err = report_experiment_load(db, mac, &d->experiment)))
		return err;
	return plain_findings_list(db, 0, mac, &d->plaintext);
}

static void overall(struct report *r)
{
	const char *home = r->opts.home[0] ? r->opts.home : NULL;
	uint64_t abroad = 0, other = 0;

	for (size_t i = 0; i < r->ndevices; i++) {
		struct report_device *d = &r->devices[i];
		struct report_category *c = category_for(r, d->label.category);

		r->bytes_up += d->bytes_up;
		r->bytes_down += d->bytes_down;
		r->remote += d->remote;
		for (int k = 0; k < d->countries.n; k++)
			country_add(&r->countries, d->countries.cc[k], d->countries.bytes[k]);
		normalise_add(&r->norm, &r->normalised_devices, d);
		if (c) {
			c->ndevices++;
			normalise_add(&c->norm, &c->normalised_devices, d);
		}
		country_shares(&d->countries, d->remote);
	}
	for (size_t i = 0; i < r->ncategories; i++)
		normalise_finish(&r->categories[i].norm, r->categories[i].normalised_devices);
	normalise_finish(&r->norm, r->normalised_devices);
	r->home_continent = country_continent(home);
	for (int k = 0; home && k < r->countries.n; k++) {
		const char *cc = r->countries.cc[k], *cont = country_continent(cc);

		if (!cc[0])
			continue;
		if (strcasecmp(cc, home))
			abroad += r->countries.bytes[k];
		if (cont && r->home_continent && strcmp(cont, r->home_continent))
			other += r->countries.bytes[k];
	}
	r->abroad_share = !home ? NAN : r->remote ? (double)abroad / (double)r->remote : 0;
	r->other_continent_share = !home || !r->home_continent ? NAN
				   : r->remote ? (double)other / (double)r->remote : 0;
	country_shares(&r->countries, r->remote);
}

static void progress(const struct report *r, struct progress_pace *pace, size_t rows)
{
	if (r->opts.progress && progress_due(pace))
		r->opts.progress(r->opts.progress_ctx, rows, r->ndevices, progress_elapsed(pace));
}

int report_build(sqlite3 *db, const struct report_options *o, const struct geo *geo,
		 const struct providers *prov, struct device_config *conf, struct report *r)
{
	struct local_nets local = { 0 };
	struct progress_pace pace;
	size_t rows;
	int err;

	memset(r, 0, sizeof(*r));
	r->opts = *o;
	r->generated_ms = clock_wall_ms();
	progress_start(&pace);
	err = o->phase ? phase_flow_rows(db, o->phase, o->only_mac, &r->rows)
		       : history_flow_rows(db, NULL, o->only_mac, &r->rows);
	if (err)
		return err;
	rows = r->rows.len;
	progress(r, &pace, rows);
	filter_window(&r->rows, o->since_ms, o->until_ms);
	/* Without the interfaces, multicast and link-local are still known local. */
	local_nets_load(&local);
	/* The report shows each destination's main country: no lookup per address. */
	err = history_destinations(db, &r->rows, geo, prov, conf, &local, false, &r->dests);
	local_nets_free(&local);
	if (err)
		return err;
	if (r->dests.len && !(r->local = calloc(r->dests.len, sizeof(*r->local))))
		return -ENOMEM;
	for (size_t i = 0, end; i < r->dests.len; i = end) {
		const char *mac = r->dests.items[i].first->device_mac;

		for (end = i + 1; end < r->dests.len &&
				  !strcmp(r->dests.items[end].first->device_mac, mac); end++)
			;
		if ((err = add_device(r, db, conf, i, end)))
			return err;
		progress(r, &pace, rows);
	}
	overall(r);
	return report_tls_audit_load(db, o->only_mac, &r->tls_audit);
}

void report_free(struct report *r)
{
	for (size_t i = 0; i < r->ndevices; i++) {
		free(r->devices[i].phases);
		plain_findings_free(&r->devices[i].plaintext);
		report_experiment_free(&r->devices[i].experiment);
	}
	free(r->devices);
	free(r->categories);
	free(r->local);
	dest_list_free(&r->dests);
	flow_rows_free(&r->rows);
	report_tls_audit_free(&r->tls_audit);
	memset(r, 0, sizeof(*r));
}
