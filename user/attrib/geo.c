// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Country, ASN and organisation of an address: see geo.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <maxminddb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attrib/geo.h"
#include "attrib/special.h"
#include "common/log.h"
#include "common/parse.h"
#include "iotrim.h"

struct range4 {
	uint32_t start, end;
	uint32_t asn;
	uint32_t org;		/* offset into the org pool */
};

struct range6 {
	uint8_t start[16], end[16];
	uint32_t asn;
	uint32_t org;
};

struct override {
	uint8_t family;
	uint8_t prefix[16];
	uint8_t plen;
	char country[3];	/* "" keeps the database's */
	uint32_t asn;		/* 0 keeps */
	char org[GEO_ORG_MAX];	/* "" keeps */
};

struct geo {
	MMDB_s country;
	bool have_country;
	MMDB_s asn_mmdb;
	bool have_asn_mmdb;
	struct range4 *v4;
	size_t n4, cap4;
	struct range6 *v6;
	size_t n6, cap6;
	char *pool;
	size_t pool_len, pool_cap;
	struct override *ovr;
	size_t novr;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int open_mmdb(const char *path, MMDB_s *db)
{
	int st = MMDB_open(path, MMDB_MODE_MMAP, db);

	if (st != MMDB_SUCCESS) {
		pr_error("cannot open the MaxMind database %s: %s", path,
			 st == MMDB_IO_ERROR ? strerror(errno) : MMDB_strerror(st));
		return -EIO;
	}
	return 0;
}

static uint32_t pool_add(struct geo *g, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t off;

	/* Consecutive ranges often share the organisation. */
	if (g->pool_len) {
		size_t last = g->pool_len - 1;

		while (last > 0 && g->pool[last - 1] != '\0')
			last--;
		if (!strcmp(g->pool + last, s))
			return last;
	}
	if (g->pool_len + n > g->pool_cap) {
		size_t cap = g->pool_cap ? g->pool_cap * 2 : 1 << 20;
		char *p;

		while (cap < g->pool_len + n)
			cap *= 2;
		p = realloc(g->pool, cap);
		if (!p)
			return 0;
		g->pool = p;
		g->pool_cap = cap;
	}
	off = g->pool_len;
	memcpy(g->pool + off, s, n);
	g->pool_len += n;
	return off;
}

/*
 * Splits one CSV line into up to n fields in place: commas separate,
 * "quoted" fields may hold commas and "" for a quote.  Returns the count.
 */
static int csv_split(char *line, char **fields, int n)
{
	int count = 0;
	char *r = line, *w;

	while (count < n) {
		fields[count++] = w = r;
		if (*r == '"') {
			r++;
			while (*r) {
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
		}
		while (*r && *r != ',' && *r != '\n' && *r != '\r')
			*w++ = *r++;
		if (*r != ',') {
			*w = '\0';
			break;
		}
		r++;
		*w = '\0';
	}
	return count;
}

static int cmp_range4(const void *a, const void *b)
{
	const struct range4 *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_range6(const void *a, const void *b)
{
	return memcmp(((const struct range6 *)a)->start, ((const struct range6 *)b)->start, 16);
}

static int load_asn_csv(struct geo *g, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024], *fields[4];
	unsigned long lineno = 0, bad = 0;

	if (!f) {
		int err = -errno;

		pr_error("cannot read the ASN file %s: %s", path, strerror(-err));
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		uint8_t a[16], b[16];
		unsigned long asn;
		char *end;

		lineno++;
		if (line[0] == '#' || line[0] == '\n' || csv_split(line, fields, 4) != 4) {
			bad += line[0] != '#' && line[0] != '\n';
			continue;
		}
		asn = strtoul(fields[2], &end, 10);
		if (*end || asn > UINT32_MAX) {
			bad++;
			continue;
		}
		if (inet_pton(AF_INET, fields[0], a) == 1 && inet_pton(AF_INET, fields[1], b) == 1) {
			struct range4 *r;

			if (g->n4 == g->cap4) {
				size_t cap = g->cap4 ? g->cap4 * 2 : 1 << 16;
				struct range4 *p = realloc(g->v4, cap * sizeof(*p));

				if (!p)
					break;
				g->v4 = p;
				g->cap4 = cap;
			}
			r = &g->v4[g->n4++];
			r->start = ntohl(*(uint32_t *)a);
			r->end = ntohl(*(uint32_t *)b);
			r->asn = asn;
			r->org = pool_add(g, fields[3]);
		} else if (inet_pton(AF_INET6, fields[0], a) == 1 &&
			   inet_pton(AF_INET6, fields[1], b) == 1) {
			struct range6 *r;

			if (g->n6 == g->cap6) {
				size_t cap = g->cap6 ? g->cap6 * 2 : 1 << 14;
				struct range6 *p = realloc(g->v6, cap * sizeof(*p));

				if (!p)
					break;
				g->v6 = p;
				g->cap6 = cap;
			}
			r = &g->v6[g->n6++];
			memcpy(r->start, a, 16);
			memcpy(r->end, b, 16);
			r->asn = asn;
			r->org = pool_add(g, fields[3]);
		} else {
			bad++;
		}
	}
	fclose(f);
	if (bad)
		warn("%s: %lu of %lu lines are not start,end,asn,org and were skipped", path, bad,
		     lineno);
	return 0;
}

static bool parse_prefix(const char *s, uint8_t *family, uint8_t ip[16], uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long n;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	memset(ip, 0, 16);
	if (inet_pton(AF_INET, buf, ip) == 1) {
		*family = IOTRIM_FAMILY_IPV4;
		*plen = 32;
	} else if (inet_pton(AF_INET6, buf, ip) == 1) {
		*family = IOTRIM_FAMILY_IPV6;
		*plen = 128;
	} else {
		return false;
	}
	if (slash) {
		char *end;

		n = strtoul(slash, &end, 10);
		if (*end || !*slash || n > *plen)
			return false;
		*plen = n;
	}
	return true;
}

static bool prefix_match(const uint8_t *prefix, uint8_t plen, const uint8_t *ip)
{
	int full = plen / 8, rest = plen % 8;

	if (memcmp(prefix, ip, full))
		return false;
	if (!rest)
		return true;
	return ((prefix[full] ^ ip[full]) & (0xff << (8 - rest))) == 0;
}

static int load_overrides(struct geo *g, const char *path, bool required)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned long lineno = 0;

	if (!f) {
		int err = -errno;

		if (!required && err == -ENOENT)
			return 0;
		pr_error("cannot read the geo override file %s: %s", path, strerror(-err));
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *prefix, *country, *asn, *org;
		struct override o = { 0 }, *grown;
		size_t at;

		lineno++;
		line[strcspn(line, "\r\n#")] = '\0';
		prefix = strtok_r(line, " \t", &save);
		if (!prefix)
			continue;
		country = strtok_r(NULL, " \t", &save);
		asn = strtok_r(NULL, " \t", &save);
		org = save ? save + strspn(save, " \t") : NULL;
		if (!country || !parse_prefix(prefix, &o.family, o.prefix, &o.plen) ||
		    (strcmp(country, "-") && (strlen(country) != 2 || !isalpha((unsigned char)country[0]) ||
					      !isalpha((unsigned char)country[1])))) {
			warn("%s:%lu: expected PREFIX COUNTRY [ASN [ORG...]], skipped", path, lineno);
			continue;
		}
		if (strcmp(country, "-")) {
			o.country[0] = toupper((unsigned char)country[0]);
			o.country[1] = toupper((unsigned char)country[1]);
		}
		if (asn && strcmp(asn, "-")) {
			char *end;
			unsigned long n = strtoul(asn + (!strncasecmp(asn, "AS", 2) ? 2 : 0), &end, 10);

			if (*end || n > UINT32_MAX) {
				warn("%s:%lu: bad ASN '%s', skipped", path, lineno, asn);
				continue;
			}
			o.asn = n;
		}
		if (org && *org && strcmp(org, "-")) {
			size_t n = strlen(org);

			while (n && (org[n - 1] == ' ' || org[n - 1] == '\t'))
				org[--n] = '\0';
			snprintf(o.org, sizeof(o.org), "%s", org);
		}
		grown = realloc(g->ovr, (g->novr + 1) * sizeof(*grown));
		if (!grown)
			break;
		g->ovr = grown;
		/* Kept by prefix length, file order within one: the order they apply in. */
		at = g->novr;
		while (at && g->ovr[at - 1].plen > o.plen)
			at--;
		memmove(&g->ovr[at + 1], &g->ovr[at], (g->novr - at) * sizeof(*grown));
		g->ovr[at] = o;
		g->novr++;
	}
	fclose(f);
	return 0;
}

int geo_open(const struct geo_options *opts, bool warn_missing, struct geo **out)
{
	struct geo *g = calloc(1, sizeof(*g));
	const char *country = env_or(opts->country_db, "IOTRIM_GEOIP", NULL);
	const char *overrides = env_or(opts->overrides, "IOTRIM_GEO_OVERRIDES", NULL);
	const char *asn_env = getenv("IOTRIM_ASN");
	const char *asn_files[GEO_MAX_ASN_FILES + 1];
	int n_asn = 0, err;

	*out = NULL;
	if (!g) {
		pr_error("out of memory");
		return -ENOMEM;
	}
	if (country) {
		if ((err = open_mmdb(country, &g->country)))
			goto fail;
		g->have_country = true;
	} else if (access(IOTRIM_DEFAULT_GEOIP, R_OK) == 0) {
		if ((err = open_mmdb(IOTRIM_DEFAULT_GEOIP, &g->country)))
			goto fail;
		g->have_country = true;
	} else if (warn_missing) {
		warn("no country database (%s; run scripts/install-deps.sh or use --geoip): countries unknown",
		     IOTRIM_DEFAULT_GEOIP);
	}

	if (opts->n_asn_files) {
		for (int i = 0; i < opts->n_asn_files; i++)
			asn_files[n_asn++] = opts->asn_files[i];
	} else if (asn_env && *asn_env) {
		asn_files[n_asn++] = asn_env;
	} else {
		if (access(IOTRIM_DEFAULT_ASN_V4, R_OK) == 0)
			asn_files[n_asn++] = IOTRIM_DEFAULT_ASN_V4;
		if (access(IOTRIM_DEFAULT_ASN_V6, R_OK) == 0)
			asn_files[n_asn++] = IOTRIM_DEFAULT_ASN_V6;
		if (!n_asn && warn_missing)
			warn("no ASN data (%s; run scripts/install-deps.sh or use --asn): organisations unknown",
			     IOTRIM_DEFAULT_ASN_V4);
	}
	for (int i = 0; i < n_asn; i++) {
		if (ends_with(asn_files[i], ".mmdb")) {
			if (g->have_asn_mmdb) {
				pr_error("only one ASN .mmdb file can be used");
				err = -EINVAL;
				goto fail;
			}
			if ((err = open_mmdb(asn_files[i], &g->asn_mmdb)))
				goto fail;
			g->have_asn_mmdb = true;
		} else if ((err = load_asn_csv(g, asn_files[i]))) {
			goto fail;
		}
	}
	/* The files are sorted by start already; make sure. */
	for (size_t i = 1; i < g->n4; i++) {
		if (g->v4[i - 1].start > g->v4[i].start) {
			qsort(g->v4, g->n4, sizeof(*g->v4), cmp_range4);
			break;
		}
	}
	for (size_t i = 1; i < g->n6; i++) {
		if (memcmp(g->v6[i - 1].start, g->v6[i].start, 16) > 0) {
			qsort(g->v6, g->n6, sizeof(*g->v6), cmp_range6);
			break;
		}
	}
	if ((err = load_overrides(g, overrides ? overrides : IOTRIM_DEFAULT_GEO_OVERRIDES,
				  overrides != NULL)))
		goto fail;
	*out = g;
	return 0;
fail:
	geo_close(g);
	return err;
}

static bool mmdb_string(MMDB_entry_s *entry, char *out, size_t len, ...)
{
	MMDB_entry_data_s data;
	va_list ap;
	int st;

	va_start(ap, len);
	st = MMDB_vget_value(entry, &data, ap);
	va_end(ap);
	if (st != MMDB_SUCCESS || !data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING)
		return false;
	snprintf(out, len, "%.*s", (int)data.data_size, data.utf8_string);
	return true;
}

static bool mmdb_lookup(const MMDB_s *db, uint8_t family, const uint8_t ip[16],
			MMDB_lookup_result_s *res)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	int mmdb_err = 0;

	if (family == IOTRIM_FAMILY_IPV4) {
		memcpy(&sin.sin_addr, ip, 4);
		*res = MMDB_lookup_sockaddr(db, (struct sockaddr *)&sin, &mmdb_err);
	} else {
		memcpy(&sin6.sin6_addr, ip, 16);
		*res = MMDB_lookup_sockaddr(db, (struct sockaddr *)&sin6, &mmdb_err);
	}
	return mmdb_err == MMDB_SUCCESS && res->found_entry;
}

static void asn_from_tables(const struct geo *g, uint8_t family, const uint8_t ip[16],
			    struct geo_info *out)
{
	size_t lo = 0, hi;

	if (family == IOTRIM_FAMILY_IPV4) {
		uint32_t a = (uint32_t)ip[0] << 24 | ip[1] << 16 | ip[2] << 8 | ip[3];

		hi = g->n4;
		while (lo < hi) {	/* first range starting after a */
			size_t mid = lo + (hi - lo) / 2;

			if (g->v4[mid].start <= a)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo && a <= g->v4[lo - 1].end) {
			out->asn = g->v4[lo - 1].asn;
			snprintf(out->org, sizeof(out->org), "%s", g->pool + g->v4[lo - 1].org);
		}
	} else {
		hi = g->n6;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (memcmp(g->v6[mid].start, ip, 16) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo && memcmp(ip, g->v6[lo - 1].end, 16) <= 0) {
			out->asn = g->v6[lo - 1].asn;
			snprintf(out->org, sizeof(out->org), "%s", g->pool + g->v6[lo - 1].org);
		}
	}
}

void geo_lookup(const struct geo *g, uint8_t family, const uint8_t ip[16], struct geo_info *out)
{
	MMDB_lookup_result_s res;

	memset(out, 0, sizeof(*out));
	if (!g)
		return;
	/*
	 * The databases' rows for special-purpose blocks (documentation,
	 * private, ...) are registry artefacts, not where anyone is: never
	 * theirs.  An override line is the user's word and still applies.
	 */
	if (special_block_of(family, ip))
		goto overrides;
	if (g->have_country && mmdb_lookup(&g->country, family, ip, &res)) {
		if (!mmdb_string(&res.entry, out->country, sizeof(out->country), "country_code", NULL) &&
		    !mmdb_string(&res.entry, out->country, sizeof(out->country), "country", "iso_code", NULL))
			mmdb_string(&res.entry, out->country, sizeof(out->country),
				    "registered_country", "iso_code", NULL);
		/* A code is two letters; anything else from a database is no country. */
		if (!isalpha((unsigned char)out->country[0]) || !isalpha((unsigned char)out->country[1]))
			out->country[0] = '\0';
	}
	if (g->have_asn_mmdb && mmdb_lookup(&g->asn_mmdb, family, ip, &res)) {
		MMDB_entry_data_s data;

		if (MMDB_get_value(&res.entry, &data, "autonomous_system_number", NULL) ==
			    MMDB_SUCCESS && data.has_data) {
			if (data.type == MMDB_DATA_TYPE_UINT32)
				out->asn = data.uint32;
			else if (data.type == MMDB_DATA_TYPE_UINT16)
				out->asn = data.uint16;
		}
		mmdb_string(&res.entry, out->org, sizeof(out->org), "autonomous_system_organization",
			    NULL);
	}
	if (!out->asn)
		asn_from_tables(g, family, ip, out);
overrides:
	/* Every matching override applies, the more specific ones last (ovr is in that order). */
	for (size_t i = 0; i < g->novr; i++) {
		const struct override *o = &g->ovr[i];

		if (o->family != family || !prefix_match(o->prefix, o->plen, ip))
			continue;
		if (o->country[0])
			memcpy(out->country, o->country, sizeof(out->country));
		if (o->asn)
			out->asn = o->asn;
		if (o->org[0])
			snprintf(out->org, sizeof(out->org), "%s", o->org);
	}
}

unsigned long geo_asn_ranges(const struct geo *g)
{
	return g ? g->n4 + g->n6 : 0;
}

void geo_close(struct geo *g)
{
	if (!g)
		return;
	if (g->have_country)
		MMDB_close(&g->country);
	if (g->have_asn_mmdb)
		MMDB_close(&g->asn_mmdb);
	free(g->v4);
	free(g->v6);
	free(g->pool);
	free(g->ovr);
	free(g);
}
