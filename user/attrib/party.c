// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Vendors, providers and party labels: see party.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <ini.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/fmt.h"
#include "common/log.h"
#include "common/parse.h"
#include "iotrim.h"
#include "attrib/party.h"

/* ---- device config and OUI -------------------------------------------- */

static void trim_copy(char *out, size_t len, const char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

struct ini_state {
	struct device_config *c;
	const char *path;
	int errors;
};

static struct device_info *config_entry(struct device_config *c, const uint8_t mac[6], bool add)
{
	struct device_info *grown;

	for (size_t i = 0; i < c->n; i++)
		if (!memcmp(c->items[i].mac, mac, 6))
			return &c->items[i];
	if (!add)
		return NULL;
	grown = realloc(c->items, (c->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	c->items = grown;
	memset(&c->items[c->n], 0, sizeof(c->items[0]));
	memcpy(c->items[c->n].mac, mac, 6);
	return &c->items[c->n++];
}

static int device_ini_entry(void *user, const char *section, const char *name, const char *value)
{
	struct ini_state *st = user;
	struct device_info *d;
	uint8_t mac[6];

	if (!parse_mac(section, mac)) {
		warn("%s: section [%s] is not a MAC address like 02:00:00:00:00:21", st->path,
		     section);
		st->errors++;
		return 1;
	}
	d = config_entry(st->c, mac, true);
	if (!d)
		return 0;
	if (!strcmp(name, "name")) {
		trim_copy(d->name, sizeof(d->name), value);
	} else if (!strcmp(name, "vendor")) {
		trim_copy(d->vendor, sizeof(d->vendor), value);
		d->vendor_source = d->vendor[0] ? "device config" : NULL;
	} else if (!strcmp(name, "category")) {
		trim_copy(d->category, sizeof(d->category), value);
	} else if (!strcmp(name, "domains")) {
		char buf[1024], *save = NULL, *tok;

		snprintf(buf, sizeof(buf), "%s", value);
		for (tok = strtok_r(buf, " ,\t", &save); tok && d->n_domains < DEVICE_MAX_DOMAINS;
		     tok = strtok_r(NULL, " ,\t", &save)) {
			char *dst = d->domains[d->n_domains++];

			snprintf(dst, sizeof(d->domains[0]), "%s", tok);
			for (char *p = dst; *p; p++)
				*p = tolower((unsigned char)*p);
		}
	} else {
		warn("%s: [%s] unknown key '%s' (name, vendor, category, domains)", st->path, section,
		     name);
	}
	return 1;
}

int device_config_load(const char *path, struct device_config *c)
{
	const char *p = env_or(path, "IOTRIM_DEVICES", IOTRIM_DEFAULT_DEVICES_CONF);
	struct ini_state st = { .c = c, .path = p };
	int line;

	memset(c, 0, sizeof(*c));
	snprintf(c->oui_path, sizeof(c->oui_path), "%s", env_or(NULL, "IOTRIM_OUI", IOTRIM_DEFAULT_OUI));
	if (access(p, R_OK) != 0) {
		int err = -errno;

		if (!path && err == -ENOENT)
			return 0;
		pr_error("cannot read the device config %s: %s", p, strerror(-err));
		return err;
	}
	line = ini_parse(p, device_ini_entry, &st);
	if (line != 0) {
		pr_error("%s: syntax error on line %d", p, line);
		device_config_free(c);	/* the entries before the bad line */
		return -EINVAL;
	}
	return 0;
}

void device_config_free(struct device_config *c)
{
	free(c->items);
	free(c->cache);
	memset(c, 0, sizeof(*c));
}

/* One pass over oui.txt for "XX-XX-XX   (hex)\t\tVendor". */
static bool oui_lookup(const char *path, const uint8_t oui[3], char *vendor, size_t len)
{
	char want[16], line[512];
	FILE *f = fopen(path, "r");
	bool found = false;

	if (!f)
		return false;
	snprintf(want, sizeof(want), "%02X-%02X-%02X", oui[0], oui[1], oui[2]);
	while (fgets(line, sizeof(line), f)) {
		char *hex;

		if (strncmp(line, want, 8) || !(hex = strstr(line, "(hex)")))
			continue;
		trim_copy(vendor, len, hex + 5);
		found = vendor[0] != '\0';
		break;
	}
	fclose(f);
	return found;
}

void device_info_get(struct device_config *c, const uint8_t mac[6], struct device_info *out)
{
	const struct device_info *conf = config_entry(c, mac, false);
	struct oui_cache *hit = NULL, *grown;

	if (conf)
		*out = *conf;
	else {
		memset(out, 0, sizeof(*out));
		memcpy(out->mac, mac, 6);
	}
	if (out->vendor[0] || (mac[0] & 0x02))	/* locally administered: no OUI */
		return;
	for (size_t i = 0; i < c->ncache; i++)
		if (!memcmp(c->cache[i].oui, mac, 3))
			hit = &c->cache[i];
	if (!hit) {
		grown = realloc(c->cache, (c->ncache + 1) * sizeof(*grown));
		if (!grown)
			return;
		c->cache = grown;
		hit = &c->cache[c->ncache++];
		memset(hit, 0, sizeof(*hit));
		memcpy(hit->oui, mac, 3);
		hit->found = oui_lookup(c->oui_path, mac, hit->vendor, sizeof(hit->vendor));
	}
	if (hit->found) {
		snprintf(out->vendor, sizeof(out->vendor), "%s", hit->vendor);
		out->vendor_source = "OUI";
	}
}

/* ---- providers ---------------------------------------------------------- */

static bool parse_net(const char *s, uint8_t *family, uint8_t ip[16], uint8_t *plen)
{
	char buf[64], *slash;
	char *end;
	unsigned long n;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	memset(ip, 0, 16);
	if (inet_pton(AF_INET, buf, ip) == 1)
		*family = IOTRIM_FAMILY_IPV4, *plen = 32;
	else if (inet_pton(AF_INET6, buf, ip) == 1)
		*family = IOTRIM_FAMILY_IPV6, *plen = 128;
	else
		return false;
	if (!slash)
		return true;
	n = strtoul(slash, &end, 10);
	if (*end || !*slash || n > *plen)
		return false;
	*plen = n;
	return true;
}

/*
 * The providers list when none is named: the local one, the installed one,
 * else the one shipped beside the binary (PREFIX/sbin/../share/iotrim, or
 * build/iotrim's source tree: build/../data), so that a build that was
 * never installed labels support parties too.
 */
static const char *default_providers(char buf[PATH_MAX])
{
	static const char *const beside[] = { "../share/iotrim/providers.conf",
					      "../data/providers.conf" };
	char exe[PATH_MAX];
	ssize_t n;

	if (access(IOTRIM_DEFAULT_PROVIDERS, R_OK) == 0)
		return IOTRIM_DEFAULT_PROVIDERS;
	if (access(IOTRIM_SHARED_PROVIDERS, R_OK) == 0)
		return IOTRIM_SHARED_PROVIDERS;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return IOTRIM_SHARED_PROVIDERS;
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	for (size_t i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
		snprintf(buf, PATH_MAX, "%.*s/%s", PATH_MAX - 40, exe, beside[i]);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	return IOTRIM_SHARED_PROVIDERS;
}

int providers_load(const char *path, struct providers *p)
{
	const char *file = path ? path : getenv("IOTRIM_PROVIDERS");
	char line[512], found[PATH_MAX];
	unsigned long lineno = 0;
	FILE *f;

	memset(p, 0, sizeof(*p));
	if (!file || !*file)
		file = default_providers(found);
	f = fopen(file, "r");
	if (!f) {
		int err = -errno;

		if (!path && err == -ENOENT) {
			warn("no providers list (%s): nothing is labelled support party; name one with --providers FILE or IOTRIM_PROVIDERS (shipped as data/providers.conf)",
			     file);
			return 0;
		}
		pr_error("cannot read the providers list %s: %s", file, strerror(-err));
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *kind, *value, *name;
		struct provider_rule r = { 0 }, *grown;

		lineno++;
		line[strcspn(line, "\r\n#")] = '\0';
		kind = strtok_r(line, " \t", &save);
		if (!kind)
			continue;
		value = strtok_r(NULL, " \t", &save);
		name = save ? save + strspn(save, " \t") : NULL;
		if (!value || !name || !*name) {
			warn("%s:%lu: expected KIND VALUE PROVIDER, skipped", file, lineno);
			continue;
		}
		trim_copy(r.provider, sizeof(r.provider), name);
		snprintf(r.value, sizeof(r.value), "%s", value);
		for (char *c = r.value; *c; c++)
			*c = tolower((unsigned char)*c);
		if (!strcmp(kind, "domain")) {
			r.kind = PROV_DOMAIN;
		} else if (!strcmp(kind, "org")) {
			r.kind = PROV_ORG;
		} else if (!strcmp(kind, "asn")) {
			char *end;
			unsigned long n = strtoul(value + (!strncasecmp(value, "AS", 2) ? 2 : 0), &end, 10);

			if (*end || !n || n > UINT32_MAX) {
				warn("%s:%lu: bad ASN '%s', skipped", file, lineno, value);
				continue;
			}
			r.kind = PROV_ASN;
			r.asn = n;
		} else if (!strcmp(kind, "net")) {
			if (!parse_net(value, &r.family, r.ip, &r.plen)) {
				warn("%s:%lu: bad prefix '%s', skipped", file, lineno, value);
				continue;
			}
			r.kind = PROV_NET;
		} else {
			warn("%s:%lu: unknown kind '%s' (domain, asn, org, net), skipped", file, lineno,
			     kind);
			continue;
		}
		grown = realloc(p->rules, (p->n + 1) * sizeof(*grown));
		if (!grown)
			break;
		p->rules = grown;
		p->rules[p->n++] = r;
	}
	fclose(f);
	return 0;
}

void providers_free(struct providers *p)
{
	free(p->rules);
	memset(p, 0, sizeof(*p));
}

/* ---- party ---------------------------------------------------------------- */

#define MAX_TOKENS 8
#define TOKEN_LEN 32

/* Words in company names that say nothing about which company it is. */
static bool stopword(const char *w)
{
	static const char *const words[] = {
		"inc", "ltd", "llc", "co", "corp", "corporation", "company", "limited", "gmbh",
		"ag", "sa", "srl", "bv", "nv", "plc", "pty", "kg", "oy", "ab", "as", "spa",
		"technologies", "technology", "tech", "electronics", "electronic", "electric",
		"international", "intl", "group", "holdings", "holding", "the", "and", "of",
		"network", "networks", "systems", "system", "communications", "communication",
		"industrial", "industries", "industry", "digital", "smart", "home", "device",
		"devices", "intelligent", "science", "trading", "manufacturing", "manufactory",
		"products", "product", "global", "solutions", "labs", "lab", "software",
		"information", "cloud", "services", "service", "online", "internet", "web",
		"shenzhen", "hangzhou", "beijing", "shanghai", "guangzhou", "xiamen", "dongguan",
		"zhejiang", "guangdong", "jiangsu", "china", "usa", "america", "europe", "asia",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(w, words[i]))
			return true;
	return false;
}

/* Lower-case alphanumeric words of s, without stopwords and 1-2 letter words. */
static int tokens(const char *s, char out[MAX_TOKENS][TOKEN_LEN])
{
	int n = 0;

	while (*s && n < MAX_TOKENS) {
		char w[TOKEN_LEN];
		size_t len = 0;

		while (*s && !isalnum((unsigned char)*s))
			s++;
		while (isalnum((unsigned char)*s)) {
			if (len + 1 < sizeof(w))
				w[len++] = tolower((unsigned char)*s);
			s++;
		}
		w[len] = '\0';
		if (len >= 3 && !stopword(w))
			snprintf(out[n++], TOKEN_LEN, "%s", w);
	}
	return n;
}

/* "vendor" of "vendor.example", "tplinkcloud" of "tplinkcloud.com.cn". */
static void domain_label(const char *domain, char *out, size_t len)
{
	size_t n = strcspn(domain, ".");

	if (n >= len)
		n = len - 1;
	memcpy(out, domain, n);
	out[n] = '\0';
}

static bool domain_is_or_under(const char *domain, const char *parent)
{
	size_t a = strlen(domain), b = strlen(parent);

	if (a == b)
		return !strcasecmp(domain, parent);
	return a > b && domain[a - b - 1] == '.' && !strcasecmp(domain + a - b, parent);
}

static bool vendor_matches_label(char vt[MAX_TOKENS][TOKEN_LEN], int nvt, const char *label)
{
	char joined[MAX_TOKENS * TOKEN_LEN] = "";

	for (int i = 0; i < nvt; i++) {
		if (!strcmp(label, vt[i]) || (strlen(vt[i]) >= 4 && strstr(label, vt[i])))
			return true;
		strcat(joined, vt[i]);
	}
	return nvt > 1 && !strcmp(label, joined);
}

static bool vendor_matches_org(char vt[MAX_TOKENS][TOKEN_LEN], int nvt, const char *org)
{
	char ot[MAX_TOKENS][TOKEN_LEN];
	int not = tokens(org, ot);

	for (int i = 0; i < nvt; i++)
		for (int j = 0; j < not; j++)
			if (!strcmp(vt[i], ot[j]))
				return true;
	return false;
}

static bool net_match(const struct provider_rule *r, uint8_t family, const uint8_t *ip)
{
	int full = r->plen / 8, rest = r->plen % 8;

	if (!ip || r->family != family || memcmp(r->ip, ip, full))
		return false;
	return !rest || ((r->ip[full] ^ ip[full]) & (0xff << (8 - rest))) == 0;
}

static bool icontains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return false;
}

enum party party_classify(const struct providers *p, const struct party_input *in,
			  char reason[PARTY_REASON_MAX])
{
	const struct device_info *dev = in->device;
	const char *vendor = dev && dev->vendor[0] ? dev->vendor : NULL;
	const char *org = in->org && in->org[0] ? in->org : NULL;
	char vt[MAX_TOKENS][TOKEN_LEN], label[128];
	int nvt = vendor ? tokens(vendor, vt) : 0;

	/* 1. first party: the vendor's own domain or organisation. */
	if (vendor && in->domain) {
		for (int i = 0; i < dev->n_domains; i++) {
			if (domain_is_or_under(in->domain, dev->domains[i])) {
				snprintf(reason, PARTY_REASON_MAX,
					 "domain %s is a domain of vendor '%s' (device config)",
					 in->domain, vendor);
				return PARTY_FIRST;
			}
		}
		domain_label(in->domain, label, sizeof(label));
		if (nvt && vendor_matches_label(vt, nvt, label)) {
			snprintf(reason, PARTY_REASON_MAX, "domain %s matches vendor '%s' (%s)",
				 in->domain, vendor, dev->vendor_source ? dev->vendor_source : "?");
			return PARTY_FIRST;
		}
	}
	if (vendor && org && nvt && vendor_matches_org(vt, nvt, org)) {
		snprintf(reason, PARTY_REASON_MAX, "organisation '%s' (AS%u) matches vendor '%s' (%s)",
			 org, in->asn, vendor, dev->vendor_source ? dev->vendor_source : "?");
		return PARTY_FIRST;
	}
	/* 2. support party: a listed provider, by domain, network, ASN, organisation. */
	for (int pass = 0; p && pass < 4; pass++) {
		/* A kind whose input the destination lacks cannot match: its rules are skipped
		 * (a million destinations without a name are a million domain passes less). */
		if ((pass == PROV_DOMAIN && !in->domain) || (pass == PROV_ASN && !in->asn) ||
		    (pass == PROV_ORG && !org) || (pass == PROV_NET && !in->ip))
			continue;
		for (size_t i = 0; i < p->n; i++) {
			const struct provider_rule *r = &p->rules[i];

			if ((int)r->kind != pass)
				continue;
			if (r->kind == PROV_DOMAIN && in->domain &&
			    domain_is_or_under(in->domain, r->value)) {
				snprintf(reason, PARTY_REASON_MAX, "domain %s is %s (providers list)",
					 in->domain, r->provider);
				return PARTY_SUPPORT;
			}
			if (r->kind == PROV_ASN && in->asn && r->asn == in->asn) {
				snprintf(reason, PARTY_REASON_MAX, "AS%u is %s (providers list)", in->asn,
					 r->provider);
				return PARTY_SUPPORT;
			}
			if (r->kind == PROV_ORG && org && icontains(org, r->value)) {
				snprintf(reason, PARTY_REASON_MAX,
					 "organisation '%s' is %s (providers list)", org, r->provider);
				return PARTY_SUPPORT;
			}
			if (r->kind == PROV_NET && net_match(r, in->family, in->ip)) {
				snprintf(reason, PARTY_REASON_MAX, "address in %s is %s (providers list)",
					 r->value, r->provider);
				return PARTY_SUPPORT;
			}
		}
	}
	/* 3. third party: everything else. */
	if (vendor)
		snprintf(reason, PARTY_REASON_MAX,
			 "neither vendor '%s' (%s) nor a listed provider matches %s%s%s",
			 vendor, dev->vendor_source ? dev->vendor_source : "?",
			 in->domain ? in->domain : "the address", org ? " / " : "", org ? org : "");
	else
		snprintf(reason, PARTY_REASON_MAX,
			 "vendor unknown and no listed provider matches %s%s%s",
			 in->domain ? in->domain : "the address", org ? " / " : "", org ? org : "");
	return PARTY_THIRD;
}

const char *party_name(enum party party)
{
	switch (party) {
	case PARTY_FIRST: return "first";
	case PARTY_SUPPORT: return "support";
	case PARTY_THIRD: return "third";
	case PARTY_LOCAL: return "local";
	default: return "unknown";
	}
}

bool registrable_domain(const char *name, char *out, size_t len)
{
	static psl_ctx_t *psl;
	static bool tried;
	const char *reg;

	out[0] = '\0';
	if (!name || !*name)
		return false;
	if (!tried) {
		tried = true;
		psl = psl_latest(NULL);
	}
	reg = psl_registrable_domain(psl ? psl : psl_builtin(), name);
	snprintf(out, len, "%s", reg ? reg : name);
	return true;
}
