// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Every table of the database, as migrations applied in this order.  Never
 * edit an applied migration: add a new one (ALTER TABLE ...) after it.  The
 * README documents the resulting schema.
 */
#include "db_schema.h"

const struct db_migration db_migrations[] = {
	{ "devices_v1",
	  "CREATE TABLE devices ("
	  " mac TEXT PRIMARY KEY,"		/* aa:bb:cc:dd:ee:ff */
	  " name TEXT,"
	  " vendor TEXT,"
	  " category TEXT,"
	  " first_seen INTEGER,"		/* unix seconds */
	  " last_seen INTEGER)" },
	/* Attribution and history (user/names.c, user/history.c); README "History". */
	{ "attribution_v1",
	  "CREATE TABLE dns_names ("		/* which name a device used for an address */
	  " device_mac TEXT NOT NULL,"
	  " ip TEXT NOT NULL,"
	  " name TEXT NOT NULL,"		/* asked name (first of the CNAME chain) or SNI */
	  " source TEXT NOT NULL,"		/* 'dns' or 'sni' */
	  " chain TEXT NOT NULL DEFAULT '',"	/* CNAME targets after name, space separated */
	  " ttl INTEGER NOT NULL DEFAULT 0,"
	  " answers INTEGER NOT NULL DEFAULT 0,"
	  " first_seen_ms INTEGER NOT NULL,"	/* unix milliseconds */
	  " last_seen_ms INTEGER NOT NULL,"
	  " expires_ms INTEGER NOT NULL,"	/* last answer + TTL + grace */
	  " PRIMARY KEY (device_mac, ip, name, source));"
	  "CREATE INDEX dns_names_by_name ON dns_names (device_mac, name);"
	  "CREATE TABLE dns_queries ("		/* names asked, answered or not */
	  " device_mac TEXT NOT NULL,"
	  " name TEXT NOT NULL,"
	  " qtype TEXT NOT NULL,"
	  " queries INTEGER NOT NULL DEFAULT 0,"
	  " responses INTEGER NOT NULL DEFAULT 0,"
	  " last_rcode TEXT,"
	  " first_seen_ms INTEGER NOT NULL,"
	  " last_seen_ms INTEGER NOT NULL,"
	  " PRIMARY KEY (device_mac, name, qtype));"
	  "CREATE TABLE tls_versions ("		/* negotiated versions, from ServerHellos */
	  " device_mac TEXT NOT NULL,"
	  " remote_ip TEXT NOT NULL,"
	  " remote_port INTEGER NOT NULL,"
	  " version TEXT NOT NULL,"		/* SSLv3, TLSv1.0 .. TLSv1.3 */
	  " connections INTEGER NOT NULL DEFAULT 0,"
	  " first_seen_ms INTEGER NOT NULL,"
	  " last_seen_ms INTEGER NOT NULL,"
	  " PRIMARY KEY (device_mac, remote_ip, remote_port, version));"
	  "CREATE TABLE flow_state ("		/* last absolute counters harvested per kernel flow */
	  " device_mac TEXT NOT NULL,"
	  " device_ip TEXT NOT NULL,"
	  " remote_ip TEXT NOT NULL,"
	  " proto INTEGER NOT NULL,"
	  " remote_port INTEGER NOT NULL,"
	  " boot_id TEXT NOT NULL,"		/* /proc/sys/kernel/random/boot_id */
	  " kernel_first_seen_ns INTEGER NOT NULL,"	/* identifies the map entry */
	  " packets_up INTEGER NOT NULL, bytes_up INTEGER NOT NULL,"
	  " packets_down INTEGER NOT NULL, bytes_down INTEGER NOT NULL,"
	  " PRIMARY KEY (device_mac, device_ip, remote_ip, proto, remote_port)) WITHOUT ROWID;"
	  "CREATE TABLE flow_history ("		/* accumulated deltas, per flow and name */
	  " device_mac TEXT NOT NULL,"
	  " device_ip TEXT NOT NULL,"
	  " remote_ip TEXT NOT NULL,"
	  " proto INTEGER NOT NULL,"
	  " remote_port INTEGER NOT NULL,"
	  " name TEXT NOT NULL DEFAULT '',"	/* name at harvest time, '' if none yet */
	  " packets_up INTEGER NOT NULL DEFAULT 0, bytes_up INTEGER NOT NULL DEFAULT 0,"
	  " packets_down INTEGER NOT NULL DEFAULT 0, bytes_down INTEGER NOT NULL DEFAULT 0,"
	  " first_seen_ms INTEGER NOT NULL,"
	  " last_seen_ms INTEGER NOT NULL,"
	  " PRIMARY KEY (device_mac, device_ip, remote_ip, proto, remote_port, name)) WITHOUT ROWID;"
	  "CREATE TABLE attribution_counters ("	/* malformed DNS/TLS and other totals */
	  " name TEXT PRIMARY KEY,"
	  " value INTEGER NOT NULL DEFAULT 0)" },
};

const int db_migration_count = sizeof(db_migrations) / sizeof(db_migrations[0]);
