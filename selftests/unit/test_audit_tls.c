// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The active TLS audit without the network: the verdict state machine as a
 * table of event sequences, the per-destination merge, the nftables divert
 * text, the forged certificates (signed by the run's CA, for the name asked,
 * cached), the divert's lease (gone with its process, not kept by its
 * children) and the verdicts' storage (latest per destination, earlier TLS
 * destinations as not-seen).  The divert and the interceptor themselves run
 * in test_audit_tls_e2e.sh on the testbed.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "audit/divert.h"
#include "audit/forge.h"
#include "audit/intercept.h"
#include "audit/tls_audit.h"
#include "audit/tls_store.h"
#include "audit/tls_verdict.h"
#include "history/db.h"
#include "harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define EV(e, n) { TLS_EV_##e, n }
#define END { -1, 0 }

struct ev {
	int ev;
	uint64_t bytes;
};

struct conn_case {
	const char *name;
	struct ev events[8];
	enum tls_conn_state state;
	enum tls_verdict verdict;
	uint64_t app_bytes;
};

static const struct conn_case conn_cases[] = {
	{ "nothing happened: not-seen", { END }, TLS_CONN_AWAIT_HELLO, TLS_VERDICT_NOT_SEEN, 0 },
	{ "closed before a hello: no verdict", { EV(CLOSE, 0), END }, TLS_CONN_FAILED,
	  TLS_VERDICT_NOT_SEEN, 0 },
	{ "hello then alert: validates", { EV(HELLO, 0), EV(ALERT, 0), END }, TLS_CONN_REJECTED,
	  TLS_VERDICT_VALIDATES, 0 },
	{ "hello then close: validates", { EV(HELLO, 0), EV(CLOSE, 0), END }, TLS_CONN_REJECTED,
	  TLS_VERDICT_VALIDATES, 0 },
	{ "hello then our error: no verdict", { EV(HELLO, 0), EV(LOCAL_ERROR, 0), END },
	  TLS_CONN_FAILED, TLS_VERDICT_NOT_SEEN, 0 },
	{ "finished handshake, no data: accepts-forged",
	  { EV(HELLO, 0), EV(HANDSHAKE_DONE, 0), EV(CLOSE, 0), END }, TLS_CONN_ACCEPTED,
	  TLS_VERDICT_ACCEPTS_FORGED, 0 },
	{ "finished handshake, data: accepts-forged, bytes summed",
	  { EV(HELLO, 0), EV(HANDSHAKE_DONE, 0), EV(APP_DATA, 77), EV(APP_DATA, 23), EV(CLOSE, 0),
	    END },
	  TLS_CONN_ACCEPTED, TLS_VERDICT_ACCEPTS_FORGED, 100 },
	{ "alert after the session is up changes nothing",
	  { EV(HELLO, 0), EV(HANDSHAKE_DONE, 0), EV(APP_DATA, 5), EV(ALERT, 0), END },
	  TLS_CONN_ACCEPTED, TLS_VERDICT_ACCEPTS_FORGED, 5 },
	{ "data before the handshake finished is not counted",
	  { EV(HELLO, 0), EV(APP_DATA, 9), EV(ALERT, 0), END }, TLS_CONN_REJECTED,
	  TLS_VERDICT_VALIDATES, 0 },
	{ "data before a hello is not counted", { EV(APP_DATA, 9), END }, TLS_CONN_AWAIT_HELLO,
	  TLS_VERDICT_NOT_SEEN, 0 },
	{ "a rejected connection stays rejected",
	  { EV(HELLO, 0), EV(CLOSE, 0), EV(HANDSHAKE_DONE, 0), EV(APP_DATA, 4), END },
	  TLS_CONN_REJECTED, TLS_VERDICT_VALIDATES, 0 },
	{ "a second hello changes nothing",
	  { EV(HELLO, 0), EV(HELLO, 0), EV(ALERT, 0), END }, TLS_CONN_REJECTED,
	  TLS_VERDICT_VALIDATES, 0 },
};

static void run_conn_case(const void *arg)
{
	const struct conn_case *c = arg;
	struct tls_conn conn = { 0 };

	for (size_t i = 0; c->events[i].ev >= 0; i++)
		tls_conn_event(&conn, (enum tls_conn_event)c->events[i].ev, c->events[i].bytes);
	EXPECT(conn.state == c->state, "state %d, got %d", c->state, conn.state);
	EXPECT(tls_conn_verdict(&conn) == c->verdict, "verdict %s, got %s",
	       tls_verdict_name(c->verdict), tls_verdict_name(tls_conn_verdict(&conn)));
	EXPECT(conn.app_bytes == c->app_bytes, "%llu bytes, got %llu",
	       (unsigned long long)c->app_bytes, (unsigned long long)conn.app_bytes);
}

static struct tls_conn conn_of(enum tls_conn_state state, uint64_t bytes)
{
	return (struct tls_conn){ .state = state, .app_bytes = bytes };
}

TEST(destination_takes_the_worst_connection)
{
	struct tls_dest_list l = { 0 };
	struct tls_dest *a = tls_dest_get(&l, "a.example", 443);
	struct tls_conn c;

	ASSERT(a && a->verdict == TLS_VERDICT_NOT_SEEN, "a new destination is not-seen");
	c = conn_of(TLS_CONN_FAILED, 0);
	tls_dest_add_conn(a, &c);
	EXPECT(a->verdict == TLS_VERDICT_NOT_SEEN && a->connections == 0, "a failure decides nothing");
	c = conn_of(TLS_CONN_REJECTED, 0);
	tls_dest_add_conn(a, &c);
	EXPECT(a->verdict == TLS_VERDICT_VALIDATES && a->connections == 1, "validates");
	c = conn_of(TLS_CONN_ACCEPTED, 40);
	tls_dest_add_conn(a, &c);
	c = conn_of(TLS_CONN_REJECTED, 0);
	tls_dest_add_conn(a, &c);
	c = conn_of(TLS_CONN_ACCEPTED, 2);
	tls_dest_add_conn(a, &c);
	EXPECT(a->verdict == TLS_VERDICT_ACCEPTS_FORGED, "one acceptance is enough, got %s",
	       tls_verdict_name(a->verdict));
	EXPECT(a->app_bytes == 42 && a->connections == 4, "42 bytes over 4, got %llu over %u",
	       (unsigned long long)a->app_bytes, a->connections);
	EXPECT(tls_dest_get(&l, "a.example", 443) == a, "same name and port: same destination");
	EXPECT(tls_dest_get(&l, "a.example", 8443) != a && l.len == 2, "another port: another");
	for (int i = 0; i < 100; i++) {
		char name[32];

		snprintf(name, sizeof(name), "n%d.example", i);
		ASSERT(tls_dest_get(&l, name, 443), "grows");
	}
	EXPECT(l.len == 102 && !strcmp(l.items[0].name, "a.example"), "all kept, %zu", l.len);
	tls_dest_list_free(&l);
}

TEST(verdict_words_are_the_public_ones)
{
	EXPECT(!strcmp(tls_verdict_name(TLS_VERDICT_VALIDATES), "validates"), "validates");
	EXPECT(!strcmp(tls_verdict_name(TLS_VERDICT_ACCEPTS_FORGED), "accepts-forged"),
	       "accepts-forged");
	EXPECT(!strcmp(tls_verdict_name(TLS_VERDICT_NOT_SEEN), "not-seen"), "not-seen");
	for (int v = 0; v < 3; v++)
		EXPECT(tls_verdict_parse(tls_verdict_name(v)) == v, "%d round-trips", v);
	EXPECT(tls_verdict_parse("valid") == -1 && tls_verdict_parse("") == -1, "unknown words");
}

TEST(divert_is_an_owner_table_for_one_device)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x21 };
	static const uint16_t ports[] = { 443, 8883 };
	char buf[512], tiny[64];

	ASSERT(divert_ruleset(buf, sizeof(buf), "iotrim_audit_7", mac, ports, 2, 40000) == 0,
	       "fits");
	EXPECT(strstr(buf, "add table inet iotrim_audit_7 { flags owner; }"), "owner table: %s", buf);
	EXPECT(strstr(buf, "type nat hook prerouting priority dstnat - 10"), "nat prerouting: %s",
	       buf);
	EXPECT(strstr(buf, "ether saddr 02:00:00:00:00:21 meta l4proto tcp th dport { 443, 8883 } "
			   "redirect to :40000"),
	       "the device's TLS ports to the interceptor: %s", buf);
	EXPECT(divert_ruleset(tiny, sizeof(tiny), "iotrim_audit_7", mac, ports, 2, 1) == -ENOSPC,
	       "too small a buffer is refused");
	EXPECT(divert_ruleset(buf, sizeof(buf), "t", mac, ports, 0, 1) == -EINVAL, "no port");
}

/*
 * The lease: a process that holds a divert and started a long-lived child
 * is killed; the table must go with it (the child must not have inherited
 * libnftables' socket).  In a network namespace of its own.
 */
TEST(divert_dies_with_its_process_not_its_children)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x21 };
	int pipefd[2], status;
	pid_t child, sleeper = 0;
	char cmd[160];

	ASSERT(pipe(pipefd) == 0, "pipe");
	if ((child = fork()) == 0) {
		uint16_t port = 443;
		struct divert *d;
		pid_t s;

		if (unshare(CLONE_NEWNET) || divert_open(&d, mac, &port, 1, 40000))
			_exit(1);
		if ((s = fork()) == 0) {
			execlp("sleep", "sleep", "20", (char *)NULL);
			_exit(127);
		}
		if (write(pipefd[1], &s, sizeof(s)) != sizeof(s))
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT(child > 0 && read(pipefd[0], &sleeper, sizeof(sleeper)) == sizeof(sleeper),
	       "the divert is open in a namespace of its own");
	close(pipefd[0]);
	snprintf(cmd, sizeof(cmd),
		 "nsenter --net=/proc/%d/ns/net nft list tables | grep -qw iotrim_audit_%d",
		 (int)sleeper, (int)child);
	EXPECT(system(cmd) == 0, "the table is there while its process lives");
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	EXPECT(system(cmd) != 0, "gone once its process was killed, its child still running");
	kill(sleeper, SIGKILL);
}

static bool has_dns_san(X509 *x, const char *name)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	bool found = false;

	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);

		if (g->type == GEN_DNS)
			found |= !strcmp((const char *)ASN1_STRING_get0_data(g->d.dNSName), name);
	}
	GENERAL_NAMES_free(names);
	return found;
}

TEST(leafs_are_signed_by_the_run_ca_for_the_name)
{
	struct forge *f, *other;
	X509 *leaf, *again, *ip;

	ASSERT(forge_new(&f) == 0 && forge_new(&other) == 0, "forges");
	leaf = forge_leaf(f, "api.vendor.example");
	ASSERT(leaf, "a leaf");
	EXPECT(X509_verify(leaf, X509_get0_pubkey(forge_ca(f))) == 1, "signed by the run's CA");
	EXPECT(X509_verify(leaf, X509_get0_pubkey(forge_ca(other))) != 1,
	       "another run's CA did not sign it");
	EXPECT(X509_check_host(leaf, "api.vendor.example", 0, 0, NULL) == 1, "for the name");
	EXPECT(has_dns_san(leaf, "api.vendor.example"), "DNS SAN");
	EXPECT(X509_check_purpose(leaf, X509_PURPOSE_SSL_SERVER, 0) == 1, "a server certificate");
	EXPECT(X509_check_ca(forge_ca(f)) >= 1 && X509_check_ca(leaf) == 0, "CA and leaf");
	EXPECT(X509_check_private_key(leaf, forge_leaf_key(f)) == 1, "the leaf key fits");
	again = forge_leaf(f, "api.vendor.example");
	EXPECT(again == leaf, "cached");
	ip = forge_leaf(f, "2001:db8:100::10");
	EXPECT(ip && X509_check_ip_asc(ip, "2001:db8:100::10", 0) == 1, "an address gets an IP SAN");
	EXPECT(ip && !has_dns_san(ip, "2001:db8:100::10"), "not as a DNS name");
	X509_free(leaf);
	X509_free(again);
	X509_free(ip);
	forge_free(f);
	forge_free(other);
}

/* ---- the interceptor against real OpenSSL clients, over a socketpair ---- */

struct client {
	int fd;
	bool verify;		/* with an empty trust store: the forgery fails */
	const char *sni;
	const char *request;	/* sent once the handshake is done */
	int max_version;	/* 0: the library's highest */
	const uint8_t *raw;	/* instead of TLS: these bytes, then a full close */
	size_t raw_len;
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	SSL_CTX *ctx;
	SSL *ssl;
	char buf[256];

	if (c->raw) {
		if (write(c->fd, c->raw, c->raw_len) != (ssize_t)c->raw_len)
			printf("# short write\n");
		close(c->fd);
		return NULL;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_verify(ctx, c->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	if (c->max_version)
		SSL_CTX_set_max_proto_version(ctx, c->max_version);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, c->fd);
	if (c->sni)
		SSL_set_tlsext_host_name(ssl, c->sni);
	if (SSL_connect(ssl) == 1 && c->request) {
		SSL_write(ssl, c->request, (int)strlen(c->request));
		while (SSL_read(ssl, buf, sizeof(buf)) > 0)	/* until the interceptor closes */
			;
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(c->fd);
	return NULL;
}

struct intercept_case {
	const char *name;
	const char *only_name;	/* the --destination, or NULL */
	struct client client;
	const char *want_name;	/* NULL: no destination recorded */
	enum tls_verdict want;
	uint64_t want_bytes;
	uint64_t want_not_tls, want_passed;
};

static uint8_t client_hello[1024];
static size_t client_hello_len;

static const char request[] = "GET /status.json HTTP/1.1\r\nHost: api.vendor.example\r\n"
			      "Authorization: Bearer not-a-real-token\r\n\r\n";

static const struct intercept_case intercept_cases[] = {
	{ "interceptor: a validating client is validates",
	  NULL, { .verify = true, .sni = "api.vendor.example", .request = request },
	  "api.vendor.example", TLS_VERDICT_VALIDATES, 0, 0, 0 },
	{ "interceptor: a client that does not validate is accepts-forged, its request counted",
	  NULL, { .verify = false, .sni = "api.vendor.example", .request = request },
	  "api.vendor.example", TLS_VERDICT_ACCEPTS_FORGED, sizeof(request) - 1, 0, 0 },
	{ "interceptor: TLS 1.2, validating: validates",
	  NULL, { .verify = true, .sni = "api.vendor.example", .request = request,
		  .max_version = TLS1_2_VERSION },
	  "api.vendor.example", TLS_VERDICT_VALIDATES, 0, 0, 0 },
	{ "interceptor: TLS 1.2, not validating: accepts-forged",
	  NULL, { .verify = false, .sni = "api.vendor.example", .request = request,
		  .max_version = TLS1_2_VERSION },
	  "api.vendor.example", TLS_VERDICT_ACCEPTS_FORGED, sizeof(request) - 1, 0, 0 },
	{ "interceptor: no SNI: named by the original address",
	  NULL, { .verify = false, .request = request },
	  "127.0.0.1", TLS_VERDICT_ACCEPTS_FORGED, sizeof(request) - 1, 0, 0 },
	{ "interceptor: a hello, then the client is gone (no SIGPIPE death): validates",
	  NULL, { .raw = client_hello },
	  "api.vendor.example", TLS_VERDICT_VALIDATES, 0, 0, 0 },
	{ "interceptor: plain HTTP on a TLS port passes through",
	  NULL, { .raw = (const uint8_t *)request },
	  NULL, TLS_VERDICT_NOT_SEEN, 0, 1, 1 },
	{ "interceptor: --destination: another name passes through",
	  "other.example", { .verify = false, .sni = "api.vendor.example", .request = request },
	  NULL, TLS_VERDICT_NOT_SEEN, 0, 0, 1 },
	{ "interceptor: --destination: its name is audited",
	  "api.vendor.example", { .verify = false, .sni = "api.vendor.example", .request = request },
	  "api.vendor.example", TLS_VERDICT_ACCEPTS_FORGED, sizeof(request) - 1, 0, 0 },
};

static void run_intercept_case(const void *arg)
{
	const struct intercept_case *k = arg;
	struct intercept_config cfg = {
		.only_name = k->only_name, .only_port = 443, .handshake_ms = 2000, .idle_ms = 200,
	};
	struct sockaddr_storage dst = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&dst;
	struct client c = k->client;
	struct tls_dest_list l;
	struct intercept_stats st;
	struct intercept *ic;
	pthread_t t;
	int sv[2];

	if (c.raw == client_hello)
		c.raw_len = client_hello_len;
	else if (c.raw)
		c.raw_len = strlen((const char *)c.raw);
	ASSERT(!c.raw || c.raw_len, "selftests/data/tls_client_hello.bin read");
	ASSERT(intercept_open(&ic, &cfg) == 0, "interceptor");
	ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	c.fd = sv[0];
	/* A raw client is gone before the interceptor starts: its writes fail (EPIPE). */
	if (c.raw)
		client_main(&c);
	else
		ASSERT(pthread_create(&t, NULL, client_main, &c) == 0, "client thread");
	in->sin_family = AF_INET;	/* the passthrough's: a port nothing listens on */
	in->sin_port = htons(9);
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	intercept_client(ic, sv[1], &dst, sizeof(*in), "127.0.0.1", 443);
	close(sv[1]);
	if (!c.raw)
		pthread_join(t, NULL);
	intercept_results(ic, &l, &st);
	if (k->want_name) {
		EXPECT(l.len == 1 && !strcmp(l.items[0].name, k->want_name) && l.items[0].port == 443,
		       "one destination %s:443, got %zu (%s)", k->want_name, l.len,
		       l.len ? l.items[0].name : "-");
		EXPECT(l.len == 1 && l.items[0].verdict == k->want, "verdict %s, got %s",
		       tls_verdict_name(k->want), l.len ? tls_verdict_name(l.items[0].verdict) : "-");
		EXPECT(l.len == 1 && l.items[0].app_bytes == k->want_bytes, "%llu bytes, got %llu",
		       (unsigned long long)k->want_bytes,
		       l.len ? (unsigned long long)l.items[0].app_bytes : 0ULL);
	} else {
		EXPECT(l.len == 0, "no destination, got %zu", l.len);
	}
	EXPECT(st.not_tls == k->want_not_tls && st.passed_through == k->want_passed,
	       "not TLS %llu (want %llu), passed %llu (want %llu)", (unsigned long long)st.not_tls,
	       (unsigned long long)k->want_not_tls, (unsigned long long)st.passed_through,
	       (unsigned long long)k->want_passed);
	tls_dest_list_free(&l);
	intercept_close(ic);
}

static void read_client_hello(void)
{
	FILE *f = fopen("selftests/data/tls_client_hello.bin", "rb");

	if (f) {
		client_hello_len = fread(client_hello, 1, sizeof(client_hello), f);
		fclose(f);
	}
}

TEST(destinations_parse_as_name_and_port)
{
	static const struct {
		const char *in, *name;
		uint16_t port;
	} good[] = {
		{ "api.vendor.example:443", "api.vendor.example", 443 },
		{ "API.Vendor.Example:8883", "api.vendor.example", 8883 },
		{ "203.0.113.10:443", "203.0.113.10", 443 },
		{ "[2001:DB8:0::1]:8443", "2001:db8::1", 8443 },
		{ "_svc.example:1", "_svc.example", 1 },
	};
	static const char *const bad[] = {
		"api.example", "api.example:", "api.example:0", "api.example:65536", ":443",
		"a b.example:443", "api.example:44x", "[]:443", "api/x:443", "2001:db8::1",
	};
	char name[TLS_DEST_NAME_MAX];
	uint16_t port;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		EXPECT(tls_audit_parse_destination(good[i].in, name, &port) &&
			       !strcmp(name, good[i].name) && port == good[i].port,
		       "%s -> %s:%u", good[i].in, good[i].name, good[i].port);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT(!tls_audit_parse_destination(bad[i], name, &port), "'%s' refused", bad[i]);
}

static char dir[] = "/tmp/iotrim-audit-test-XXXXXX";
static sqlite3 *db;

struct seen {
	struct tls_audit_row rows[8];
	int n;
};

static void collect(void *arg, const struct tls_audit_row *row)
{
	struct seen *s = arg;

	if (s->n < 8)
		s->rows[s->n] = *row;
	s->n++;
}

TEST(store_keeps_runs_and_reports_the_latest)
{
	const char *mac = "02:00:00:00:00:21";
	struct tls_dest_list run1 = { 0 }, run2 = { 0 };
	struct seen s = { 0 };

	ASSERT(db, "database");
	tls_dest_get(&run1, "a.example", 443)->verdict = TLS_VERDICT_ACCEPTS_FORGED;
	tls_dest_get(&run1, "a.example", 443)->app_bytes = 90;
	tls_dest_get(&run1, "b.example", 8883)->verdict = TLS_VERDICT_VALIDATES;
	tls_dest_get(&run2, "a.example", 443)->verdict = TLS_VERDICT_VALIDATES;
	ASSERT(tls_audit_store(db, mac, 1000, 2000, &run1) == 0, "run 1 stored");
	ASSERT(tls_audit_store(db, mac, 3000, 4000, &run2) == 0, "run 2 stored");
	ASSERT(tls_audit_store(db, "02:00:00:00:00:22", 3000, 4000, &run1) == 0, "other device");
	ASSERT(tls_audit_latest(db, mac, collect, &s) == 0, "read");
	ASSERT(s.n == 2, "two destinations, got %d", s.n);
	EXPECT(!strcmp(s.rows[0].dest.name, "a.example") &&
		       s.rows[0].dest.verdict == TLS_VERDICT_VALIDATES && s.rows[0].ended_ms == 4000,
	       "a.example: run 2's validates");
	EXPECT(!strcmp(s.rows[1].dest.name, "b.example") && s.rows[1].dest.port == 8883 &&
		       s.rows[1].dest.verdict == TLS_VERDICT_VALIDATES && s.rows[1].ended_ms == 2000,
	       "b.example: run 1's verdict stays");
	s.n = 0;
	ASSERT(tls_audit_latest(db, NULL, collect, &s) == 0 && s.n == 4, "every device: %d", s.n);
	EXPECT(!strcmp(s.rows[2].mac, "02:00:00:00:00:22") &&
		       s.rows[2].dest.verdict == TLS_VERDICT_ACCEPTS_FORGED &&
		       s.rows[2].dest.app_bytes == 90,
	       "the other device's own");
	tls_dest_list_free(&run1);
	tls_dest_list_free(&run2);
}

TEST(known_tls_destinations_become_not_seen)
{
	static const uint16_t ports[] = { 443, 8883 };
	struct tls_dest_list l = { 0 };

	ASSERT(db, "database");
	ASSERT(db_exec(db, "INSERT INTO flow_history (device_mac, device_ip, remote_ip, proto,"
			   " remote_port, name, first_seen_ms, last_seen_ms) VALUES"
			   " ('02:00:00:00:00:21', '192.0.2.21', '203.0.113.10', 6, 443, 'api.example', 1, 2),"
			   " ('02:00:00:00:00:21', '192.0.2.21', '203.0.113.11', 6, 443, 'api.example', 1, 2),"
			   " ('02:00:00:00:00:21', '192.0.2.21', '203.0.113.12', 6, 8883, 'mq.example', 1, 2),"
			   " ('02:00:00:00:00:21', '192.0.2.21', '203.0.113.13', 17, 443, 'quic.example', 1, 2),"
			   " ('02:00:00:00:00:21', '192.0.2.21', '203.0.113.14', 6, 80, 'web.example', 1, 2),"
			   " ('02:00:00:00:00:21', '192.0.2.21', '203.0.113.15', 6, 443, '', 1, 2),"
			   " ('02:00:00:00:00:22', '192.0.2.22', '203.0.113.10', 6, 443, 'other.example', 1, 2)") == 0,
	       "history");
	tls_dest_get(&l, "api.example", 443)->verdict = TLS_VERDICT_VALIDATES;
	ASSERT(tls_audit_known(db, "02:00:00:00:00:21", ports, 2, &l) == 0, "read");
	EXPECT(l.len == 2, "api.example once, mq.example added: %zu", l.len);
	EXPECT(l.items[0].verdict == TLS_VERDICT_VALIDATES, "a seen one keeps its verdict");
	EXPECT(l.len == 2 && !strcmp(l.items[1].name, "mq.example") && l.items[1].port == 8883 &&
		       l.items[1].verdict == TLS_VERDICT_NOT_SEEN,
	       "mq.example:8883 not-seen");
	tls_dest_list_free(&l);
}

int main(void)
{
	char path[128];

	for (size_t i = 0; i < ARRAY_SIZE(conn_cases); i++)
		RUN_CASE(conn_cases[i].name, run_conn_case, &conn_cases[i]);
	RUN(destination_takes_the_worst_connection);
	RUN(verdict_words_are_the_public_ones);
	RUN(divert_is_an_owner_table_for_one_device);
	if (geteuid() == 0)
		RUN(divert_dies_with_its_process_not_its_children);
	else
		SKIP(divert_dies_with_its_process_not_its_children, "needs root (a network namespace)");
	RUN(leafs_are_signed_by_the_run_ca_for_the_name);
	RUN(destinations_parse_as_name_and_port);
	read_client_hello();
	for (size_t i = 0; i < ARRAY_SIZE(intercept_cases); i++)
		RUN_CASE(intercept_cases[i].name, run_intercept_case, &intercept_cases[i]);
	if (mkdtemp(dir)) {
		snprintf(path, sizeof(path), "%s/t.db", dir);
		if (db_open(path, &db))
			db = NULL;
	}
	RUN(store_keeps_runs_and_reports_the_latest);
	RUN(known_tls_destinations_become_not_seen);
	if (db)
		db_close(db);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path))
		printf("# could not remove %s\n", dir);
	return harness_done();
}
