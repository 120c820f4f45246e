// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Names by time: see names_at.h and history.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "history/names_at.h"

/*
 * Names by time (README "Names by time"): the names valid for a device and
 * an address at t are those answered (or seen in an SNI) at or before t
 * whose TTL + grace had not run out at t.  None: the bytes are the bare
 * address's.  Several: the address was the answer to each of them and the
 * bytes cannot be split, the row is theirs together (a shared row) -
 * unless the device sent some of them as SNI on the flow's port: a TLS
 * connection says which name it is for, so those alone take the row.
 * A tick of slack: an SNI event is stamped just after its packet counted.
 */
#define NAMES_AT_QUERY                                                                  \
	"SELECT name, max(source = 'dns'), max(source = 'sni' AND sni_port = ?4)"       \
	" FROM dns_names WHERE device_mac = ?1 AND ip = ?2 AND first_seen_ms <= ?3 + 2" \
	" AND expires_ms >= ?3 AND name <> '' GROUP BY name ORDER BY name"

static void names_at(sqlite3_stmt *st, const char *mac, const char *ip, int64_t t_ms,
		     int sni_port, char names[FLOW_NAMES_MAX], char source[4])
{
	char sni[FLOW_NAMES_MAX];
	size_t o = 0, so = 0;

	names[0] = source[0] = sni[0] = '\0';
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, t_ms);
	sqlite3_bind_int(st, 4, sni_port);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(st, 0);
		size_t len = strlen(n);

		/* A set too long to keep is cut at a whole name. */
		if (o + len + 2 > FLOW_NAMES_MAX)
			break;
		o += snprintf(names + o, FLOW_NAMES_MAX - o, "%s%s", o ? " " : "", n);
		if (sqlite3_column_int(st, 2))
			so += snprintf(sni + so, FLOW_NAMES_MAX - so, "%s%s", so ? " " : "", n);
		if (!source[0] || sqlite3_column_int(st, 1))
			snprintf(source, 4, "%s", sqlite3_column_int(st, 1) ? "dns" : "sni");
	}
	sqlite3_reset(st);
	if (so && so < o)
		snprintf(names, FLOW_NAMES_MAX, "%s", sni);
}

/* The port an SNI for this flow would have gone to (TCP only); -1: none. */
static int sni_port_of(const struct flow_key *k)
{
	return k->proto == IPPROTO_TCP ? k->remote_port : -1;
}

int names_reader_open(sqlite3 *db, struct names_reader *r)
{
	if (sqlite3_prepare_v2(db, NAMES_AT_QUERY, -1, &r->st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		r->st = NULL;
		return -EIO;
	}
	return 0;
}

void names_reader_at(struct names_reader *r, const char *mac, const char *ip,
		     const struct flow_key *k, int64_t t_ms, char names[FLOW_NAMES_MAX],
		     char source[4])
{
	names_at(r->st, mac, ip, t_ms, sni_port_of(k), names, source);
}

void names_reader_close(struct names_reader *r)
{
	sqlite3_finalize(r->st);
	r->st = NULL;
}

void history_names_at(sqlite3 *db, const char *mac, const char *ip, const struct flow_key *k,
		      int64_t t_ms, char names[FLOW_NAMES_MAX])
{
	struct names_reader r;
	char source[4];

	names[0] = '\0';
	if (sqlite3_prepare_v2(db, NAMES_AT_QUERY, -1, &r.st, NULL) != SQLITE_OK)
		return;
	names_reader_at(&r, mac, ip, k, t_ms, names, source);
	names_reader_close(&r);
}

bool history_name_for(sqlite3 *db, const char *mac, const char *ip, char name[DNS_NAME_MAX],
		      char source[4])
{
	sqlite3_stmt *st;
	bool found = false;

	name[0] = source[0] = '\0';
	if (sqlite3_prepare_v2(db,
		"SELECT name, source FROM dns_names WHERE device_mac = ?1 AND ip = ?2"
		" ORDER BY last_seen_ms DESC, source = 'dns' DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ip, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(name, DNS_NAME_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(source, 4, "%s", (const char *)sqlite3_column_text(st, 1));
		found = true;
	}
	sqlite3_finalize(st);
	return found;
}
