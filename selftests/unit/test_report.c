// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The report's numbers against an independent computation: a fixture
 * history (devices in two categories, five countries, an unknown one, local
 * traffic, a destination with two addresses in two countries, phases) whose
 * expected shares this file computes from the fixture table with its own
 * implementation of the formulas (METHODS 2, Jin et al.; Saidi et al.), to
 * 1e-9; payload class shares likewise.  And Markdown escaping of names.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "history/db.h"
#include "history/device_labels.h"
#include "report/continent.h"
#include "report/html.h"
#include "report/report.h"

static char tmpdir[] = "/tmp/iotrim-report-test-XXXXXX";

/* The fixture: every flow, with what the report must find out about it. */
static const struct fixture_flow {
	const char *mac, *device_ip, *ip, *name;
	int port;
	uint64_t up, down;
	const char *cc;		/* of ip ("" unknown, NULL local) */
	const char *party;	/* of the destination (first, support, third, local) */
} flows[] = {
	/* cam1, camera: vendor domain camco.example, a cloud, a tracker, two addresses */
	{ "02:00:00:00:00:31", "192.0.2.31", "1.2.3.10", "api.camco.example", 443, 50000, 900000, "CN", "first" },
	{ "02:00:00:00:00:31", "192.0.2.31", "1.2.4.10", "api.camco.example", 443, 10000, 20000, "US", "first" },
	{ "02:00:00:00:00:31", "192.0.2.31", "5.6.7.10", "s3.cloudy.example", 443, 300000, 1000, "DE", "support" },
	{ "02:00:00:00:00:31", "192.0.2.31", "9.9.1.10", "t.tracker.example", 80, 700, 300, "US", "third" },
	{ "02:00:00:00:00:31", "192.0.2.31", "192.168.1.5", "", 8009, 4000, 4000, NULL, "local" },
	/* cam2, camera: small, mostly Germany */
	{ "02:00:00:00:00:32", "192.0.2.32", "5.6.8.10", "mqtt.cloudy.example", 8883, 1200, 800, "DE", "support" },
	{ "02:00:00:00:00:32", "192.0.2.32", "7.7.7.10", "", 123, 90, 90, "FR", "third" },
	{ "02:00:00:00:00:32", "192.0.2.32", "240.0.0.9", "", 5000, 10, 10, "", "third" },
	/* plug, category plug: the gateway (its own /24) and two countries */
	{ "02:00:00:00:00:33", "192.0.2.33", "192.0.2.1", "", 53, 500, 700, NULL, "local" },
	{ "02:00:00:00:00:33", "192.0.2.33", "1.2.3.11", "iot.plugco.example", 443, 3000, 2000, "CN", "first" },
	{ "02:00:00:00:00:33", "192.0.2.33", "8.8.9.10", "", 443, 100, 100, "BR", "third" },
};
#define NFLOWS (sizeof(flows) / sizeof(flows[0]))

static const struct { const char *mac, *name, *category; } devices[] = {
	{ "02:00:00:00:00:31", "cam *one*", "camera" },
	{ "02:00:00:00:00:32", "cam_two", "camera" },
	{ "02:00:00:00:00:33", "plug [x]", "plug" },
};
#define NDEVICES (sizeof(devices) / sizeof(devices[0]))

static const char *overrides =
	"1.2.3.0/24 CN 64500 CamCo\n"
	"1.2.4.0/24 US 64501 CamCo US\n"
	"5.6.0.0/16 DE 64502 Cloudy\n"
	"9.9.1.0/24 US 64503 Trackers\n"
	"7.7.7.0/24 FR 64504 Someone\n"
	"8.8.9.0/24 BR 64505 Elsewhere\n";

/* ---- the reference: computed from the table, not by the code under test ---- */

/* A destination is (device, name or address, port); its country that of its address with most bytes. */
static bool same_dest(const struct fixture_flow *a, const struct fixture_flow *b)
{
	return !strcmp(a->mac, b->mac) && a->port == b->port &&
	       (a->name[0] ? !strcmp(a->name, b->name) : !strcmp(a->ip, b->ip));
}

static const char *dest_country(size_t i)
{
	const struct fixture_flow *best = &flows[i];

	for (size_t k = 0; k < NFLOWS; k++)
		if (same_dest(&flows[k], &flows[i]) &&
		    flows[k].up + flows[k].down > best->up + best->down)
			best = &flows[k];
	return best->cc;
}

/* Remote bytes of devices matching mac (NULL: all) and country cc (NULL: any). */
static double ref_bytes(const char *mac, const char *cc)
{
	double sum = 0;

	for (size_t i = 0; i < NFLOWS; i++) {
		const char *c = dest_country(i);

		if (!flows[i].cc || (mac && strcmp(flows[i].mac, mac)) || (cc && strcmp(c, cc)))
			continue;
		sum += (double)(flows[i].up + flows[i].down);
	}
	return sum;
}

/* Jin et al.: A_T / |A| over the devices of category (NULL: all) with remote bytes. */
static double ref_normalised(const char *category, const char *cc)
{
	double a = 0;
	int n = 0;

	for (size_t d = 0; d < NDEVICES; d++) {
		double all = ref_bytes(devices[d].mac, NULL);

		if ((category && strcmp(devices[d].category, category)) || all == 0)
			continue;
		a += ref_bytes(devices[d].mac, cc) / all;
		n++;
	}
	return n ? a / n : 0;
}

static double ref_party(const char *mac, const char *party)
{
	double sum = 0;

	for (size_t i = 0; i < NFLOWS; i++)
		if (!strcmp(flows[i].mac, mac) && !strcmp(flows[i].party, party))
			sum += (double)(flows[i].up + flows[i].down);
	return sum / ref_bytes(mac, NULL);
}

/* Bytes to a known country other than home (or on another continent) over all remote bytes. */
static double ref_abroad(const char *home, bool continent)
{
	static const struct { const char *cc, *cont; } cont[] = {
		{ "CN", "AS" }, { "US", "NA" }, { "DE", "EU" }, { "FR", "EU" }, { "BR", "SA" },
	};
	const char *home_cont = NULL;
	double out = 0;

	for (size_t k = 0; k < sizeof(cont) / sizeof(cont[0]); k++)
		if (!strcmp(cont[k].cc, home))
			home_cont = cont[k].cont;
	for (size_t k = 0; k < sizeof(cont) / sizeof(cont[0]); k++)
		if (continent ? strcmp(cont[k].cont, home_cont) != 0 : strcmp(cont[k].cc, home) != 0)
			out += ref_bytes(NULL, cont[k].cc);
	return out / ref_bytes(NULL, NULL);
}

/* ---- helpers ---- */

static double share_of(const struct country_bytes *c, const char *cc)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->cc[i], cc))
			return c->share[i];
	return 0;
}

static const struct report_device *device_of(const struct report *r, const char *mac)
{
	for (size_t i = 0; i < r->ndevices; i++)
		if (!strcmp(r->devices[i].label.mac, mac))
			return &r->devices[i];
	return NULL;
}

static const struct report_category *category_of(const struct report *r, const char *name)
{
	for (size_t i = 0; i < r->ncategories; i++)
		if (!strcmp(r->categories[i].name, name))
			return &r->categories[i];
	return NULL;
}

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)
static const char *const countries[] = { "CN", "US", "DE", "FR", "BR", "" };

static sqlite3 *db;
static struct geo *geo;
static struct providers prov;
static struct device_config conf;

static void write_file(const char *name, const char *text, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static bool setup(void)
{
	char path[256], ov[256], asn[256], pv[256], dc[256];
	struct geo_options go = { 0 };
	sqlite3_stmt *st;

	snprintf(path, sizeof(path), "%s/report.db", tmpdir);
	if (db_open(path, &db))
		return false;
	sqlite3_prepare_v2(db,
		"INSERT INTO flow_history (device_mac, device_ip, remote_ip, proto, remote_port, name,"
		" packets_up, bytes_up, packets_down, bytes_down, first_seen_ms, last_seen_ms)"
		" VALUES (?1, ?2, ?3, 6, ?4, ?5, 1, ?6, 1, ?7, 1000, 2000)", -1, &st, NULL);
	for (size_t i = 0; i < NFLOWS; i++) {
		sqlite3_bind_text(st, 1, flows[i].mac, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, flows[i].device_ip, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, flows[i].ip, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, flows[i].port);
		sqlite3_bind_text(st, 5, flows[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, (int64_t)flows[i].up);
		sqlite3_bind_int64(st, 7, (int64_t)flows[i].down);
		if (sqlite3_step(st) != SQLITE_DONE)
			return false;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	for (size_t d = 0; d < NDEVICES; d++)
		if (device_label_set(db, devices[d].mac, devices[d].name, devices[d].category))
			return false;
	/* Phases of cam2: setup carried its NTP flow, interaction its MQTT flow. */
	if (db_exec(db,
		"INSERT INTO phase_marks (id, device_mac, phase, at_ms) VALUES"
		" (1, '02:00:00:00:00:32', 'setup', 1000), (2, '02:00:00:00:00:32', 'interaction', 1500);"
		"INSERT INTO phase_bytes (mark_id, device_mac, device_ip, remote_ip, proto, remote_port,"
		" name, bytes_up, bytes_down, first_seen_ms, last_seen_ms) VALUES"
		" (1, '02:00:00:00:00:32', '192.0.2.32', '7.7.7.10', 6, 123, '', 90, 90, 1000, 1400),"
		" (2, '02:00:00:00:00:32', '192.0.2.32', '5.6.8.10', 6, 8883, 'mqtt.cloudy.example',"
		" 1200, 800, 1500, 2000);"
		/* Payload classes: cam1 outside phases, cam2 per phase (sampled = sum of the rest). */
		"INSERT INTO payload_history (device_mac, mark_id, sampled, encrypted, text, compressed,"
		" media, unknown, ignored) VALUES"
		" ('02:00:00:00:00:31', 0, 1110, 900, 30, 20, 10, 50, 100),"
		" ('02:00:00:00:00:32', 1, 100, 0, 60, 0, 0, 30, 10),"
		" ('02:00:00:00:00:32', 2, 300, 200, 0, 0, 0, 100, 0)"))
		return false;
	write_file("overrides.conf", overrides, ov, sizeof(ov));
	write_file("asn.csv", "", asn, sizeof(asn));
	write_file("providers.conf", "domain cloudy.example Cloudy\n", pv, sizeof(pv));
	write_file("devices.conf",
		   "[02:00:00:00:00:31]\nvendor = CamCo\ndomains = camco.example\n"
		   "[02:00:00:00:00:33]\nvendor = PlugCo\ndomains = plugco.example\n", dc, sizeof(dc));
	go.overrides = ov;
	go.asn_files[0] = asn;
	go.n_asn_files = 1;
	return geo_open(&go, false, &geo) == 0 && providers_load(pv, &prov) == 0 &&
	       device_config_load(dc, &conf) == 0;
}

TEST(shares_match_the_reference)
{
	struct report_options o = { .home = "DE" };
	struct report r;

	ASSERT(report_build(db, &o, geo, &prov, &conf, &r) == 0, "report");
	ASSERT(r.ndevices == NDEVICES, "%zu devices", r.ndevices);
	for (size_t d = 0; d < NDEVICES; d++) {
		const struct report_device *x = device_of(&r, devices[d].mac);

		ASSERT(x, "device %s", devices[d].mac);
		EXPECT(!strcmp(x->label.category, devices[d].category), "category %s", x->label.category);
		EXPECT((double)x->remote == ref_bytes(devices[d].mac, NULL), "%s remote %llu",
		       devices[d].mac, (unsigned long long)x->remote);
		for (size_t c = 0; c < sizeof(countries) / sizeof(countries[0]); c++) {
			double want = ref_bytes(devices[d].mac, countries[c]) /
				      ref_bytes(devices[d].mac, NULL);

			EXPECT(NEAR(share_of(&x->countries, countries[c]), want), "%s %s: %.12f, want %.12f",
			       devices[d].mac, countries[c], share_of(&x->countries, countries[c]), want);
		}
		for (int p = 0; p < RP_LOCAL; p++) {
			static const char *names[] = { "first", "support", "third" };
			double got = (double)x->party[p] / (double)x->remote;

			EXPECT(NEAR(got, ref_party(devices[d].mac, names[p])), "%s party %s: %.12f, want %.12f",
			       devices[d].mac, names[p], got, ref_party(devices[d].mac, names[p]));
		}
	}
	for (size_t c = 0; c < sizeof(countries) / sizeof(countries[0]); c++) {
		const char *cc = countries[c];
		const struct report_category *cam = category_of(&r, "camera"), *plug = category_of(&r, "plug");

		EXPECT(NEAR(share_of(&r.countries, cc), ref_bytes(NULL, cc) / ref_bytes(NULL, NULL)),
		       "overall plain %s: %.12f", cc, share_of(&r.countries, cc));
		EXPECT(NEAR(share_of(&r.norm, cc), ref_normalised(NULL, cc)),
		       "overall normalised %s: %.12f, want %.12f", cc, share_of(&r.norm, cc),
		       ref_normalised(NULL, cc));
		ASSERT(cam && plug, "two categories");
		EXPECT(NEAR(share_of(&cam->norm, cc), ref_normalised("camera", cc)),
		       "camera normalised %s: %.12f, want %.12f", cc, share_of(&cam->norm, cc),
		       ref_normalised("camera", cc));
		EXPECT(NEAR(share_of(&plug->norm, cc), ref_normalised("plug", cc)),
		       "plug normalised %s", cc);
	}
	EXPECT(r.ncategories == 2, "%zu categories", r.ncategories);
	EXPECT(NEAR(r.abroad_share, ref_abroad("DE", false)), "abroad %.12f, want %.12f",
	       r.abroad_share, ref_abroad("DE", false));
	EXPECT(NEAR(r.other_continent_share, ref_abroad("DE", true)), "other continent %.12f, want %.12f",
	       r.other_continent_share, ref_abroad("DE", true));
	report_free(&r);

	/* No home country: said, not guessed. */
	o.home[0] = '\0';
	ASSERT(report_build(db, &o, geo, &prov, &conf, &r) == 0, "report");
	EXPECT(isnan(r.abroad_share) && isnan(r.other_continent_share), "unknown without home");
	report_free(&r);
}

/* encrypted / unencrypted / unknown over classified (sampled - ignored) bytes. */
static void ref_payload(const uint64_t *rows, int n, double out[3])
{
	double enc = 0, unenc = 0, unk = 0, classified = 0;

	for (int i = 0; i < n; i++) {
		const uint64_t *p = rows + 7 * i;	/* sampled enc text compressed media unknown ignored */

		enc += p[1];
		unenc += p[2] + p[3] + p[4];
		unk += p[5];
		classified += p[0] - p[6];
	}
	out[0] = enc / classified;
	out[1] = unenc / classified;
	out[2] = unk / classified;
}

TEST(payload_shares_match_the_reference)
{
	static const uint64_t cam1[] = { 1110, 900, 30, 20, 10, 50, 100 };
	static const uint64_t cam2[] = { 100, 0, 60, 0, 0, 30, 10, 300, 200, 0, 0, 0, 100, 0 };
	struct report_options o = { 0 };
	struct payload_shares got;
	double want[3];
	struct report r;

	ASSERT(report_build(db, &o, geo, &prov, &conf, &r) == 0, "report");
	got = payload_shares(&device_of(&r, "02:00:00:00:00:31")->payload, &(struct payload_counter){ 0 });
	ref_payload(cam1, 1, want);
	EXPECT(got.valid && NEAR(got.encrypted, want[0]) && NEAR(got.unencrypted, want[1]) &&
	       NEAR(got.unknown, want[2]), "cam1 %.12f %.12f %.12f", got.encrypted, got.unencrypted,
	       got.unknown);
	got = payload_shares(&device_of(&r, "02:00:00:00:00:32")->payload, &(struct payload_counter){ 0 });
	ref_payload(cam2, 2, want);
	EXPECT(got.valid && NEAR(got.encrypted, want[0]) && NEAR(got.unencrypted, want[1]) &&
	       NEAR(got.unknown, want[2]), "cam2 %.12f %.12f %.12f", got.encrypted, got.unencrypted,
	       got.unknown);
	got = payload_shares(&device_of(&r, "02:00:00:00:00:33")->payload, &(struct payload_counter){ 0 });
	EXPECT(!got.valid, "plug: nothing classified");
	report_free(&r);
	o.phase = "setup";
	ASSERT(report_build(db, &o, geo, &prov, &conf, &r) == 0, "report");
	ASSERT(r.ndevices == 1, "one device in setup");
	got = payload_shares(&r.devices[0].payload, &(struct payload_counter){ 0 });
	ref_payload(cam2, 1, want);
	EXPECT(got.valid && NEAR(got.encrypted, want[0]) && NEAR(got.unencrypted, want[1]) &&
	       NEAR(got.unknown, want[2]), "cam2 setup %.12f %.12f %.12f", got.encrypted,
	       got.unencrypted, got.unknown);
	report_free(&r);
}

TEST(filters_by_category_device_and_phase)
{
	struct report_options o = { .category = "camera" };
	struct report r;

	ASSERT(report_build(db, &o, geo, &prov, &conf, &r) == 0, "report");
	EXPECT(r.ndevices == 2 && r.ncategories == 1, "cameras only: %zu", r.ndevices);
	report_free(&r);
	o = (struct report_options){ .only_mac = "02:00:00:00:00:33" };
	ASSERT(report_build(db, &o, geo, &prov, &conf, &r) == 0, "report");
	EXPECT(r.ndevices == 1 && r.bytes_up == 3600 && r.bytes_down == 2800, "plug only");
	report_free(&r);
	o = (struct report_options){ .phase = "interaction" };
	ASSERT(report_build(db, &o, geo, &prov, &conf, &r) == 0, "report");
	ASSERT(r.ndevices == 1, "one device in interaction: %zu", r.ndevices);
	EXPECT(r.bytes_up == 1200 && r.bytes_down == 800, "interaction bytes");
	EXPECT(NEAR(share_of(&r.countries, "DE"), 1.0), "interaction all DE");
	EXPECT(r.devices[0].nphases == 1 && !strcmp(r.devices[0].phases[0].phase, "interaction"),
	       "its interval");
	report_free(&r);
	o = (struct report_options){ .only_mac = "02:00:00:00:00:32" };
	ASSERT(report_build(db, &o, geo, &prov, &conf, &r) == 0, "report");
	EXPECT(r.ndevices == 1 && r.devices[0].nphases == 2 &&
	       r.devices[0].phases[0].until_ms == 1500 && r.devices[0].phases[1].bytes_up == 1200,
	       "both intervals");
	report_free(&r);
}

TEST(continents)
{
	EXPECT(!strcmp(country_continent("de"), "EU") && !strcmp(country_continent("US"), "NA") &&
	       !strcmp(country_continent("BR"), "SA") && !strcmp(country_continent("CN"), "AS") &&
	       !strcmp(country_continent("AU"), "OC") && !strcmp(country_continent("ZA"), "AF") &&
	       !strcmp(country_continent("AQ"), "AN") && !strcmp(country_continent("WS"), "OC"),
	       "known codes");
	EXPECT(!country_continent("") && !country_continent("ZZ") && !country_continent("DEU"),
	       "unknown codes");
}

TEST(markdown_names_are_escaped)
{
	struct report_options o = { .home = "DE" };
	char *buf = NULL;
	size_t len = 0;
	struct report r;
	FILE *f;

	ASSERT(report_build(db, &o, geo, &prov, &conf, &r) == 0, "report");
	f = open_memstream(&buf, &len);
	report_markdown(&r, f);
	fclose(f);
	EXPECT(strstr(buf, "cam \\*one\\*") && strstr(buf, "cam\\_two") && strstr(buf, "plug \\[x\\]"),
	       "escaped names in:\n%s", buf);
	EXPECT(!strstr(buf, "*one*"), "no raw emphasis");
	free(buf);
	report_free(&r);
}

/* The dashboard's sparkline: scaled to the largest value, values in the title, text escaped. */
TEST(sparkline_points)
{
	static const uint64_t v[] = { 0, 50, 100, 25 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	report_html_sparkline(f, "a<b>", v, 4);
	report_html_sparkline(f, "one", v + 2, 1);
	report_html_sparkline(f, "none", v, 0);
	fclose(f);
	EXPECT(strstr(buf, "points=\"0.0,23.0 40.0,12.0 80.0,1.0 120.0,17.5\""), "scaled:\n%s", buf);
	EXPECT(strstr(buf, "<title>a&lt;b&gt;: 0 50 100 25</title>") && !strstr(buf, "a<b>"),
	       "title escaped, with the values");
	EXPECT(strstr(buf, "points=\"0.0,1.0 120.0,1.0\""), "one value: a level line at the top");
	EXPECT(strstr(buf, "<title>none:</title></svg>"), "no values: no line");
	free(buf);
}

int main(void)
{
	char cmd[300];
	int rc;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	if (!setup()) {
		printf("not ok 1 - fixture\n1..1\n");
		return 1;
	}
	RUN(shares_match_the_reference);
	RUN(filters_by_category_device_and_phase);
	RUN(payload_shares_match_the_reference);
	RUN(continents);
	RUN(markdown_names_are_escaped);
	RUN(sparkline_points);
	rc = harness_done();
	db_close(db);
	geo_close(geo);
	providers_free(&prov);
	device_config_free(&conf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return rc;
}
