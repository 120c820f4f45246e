// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Every table of the database, as migrations applied in this order.  Never
 * edit an applied migration: add a new one (ALTER TABLE ...) after it.  The
 * README documents the resulting schema.
 */
#include "history/db_schema.h"

const struct db_migration db_migrations[] = {
	{ "devices_v1",
	  "CREATE TABLE devices ("
	  " mac TEXT PRIMARY KEY,"		/* aa:bb:cc:dd:ee:ff */
	  " name TEXT,"
	  " vendor TEXT,"
	  " category TEXT,"
	  " first_seen INTEGER,"		/* unix seconds */
	  " last_seen INTEGER)" },
	/* Attribution and history (history/name_store.c, history/history.c); README "History". */
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
	/* Experiment journals (user/experiment_engine.c); README "Experiments". */
	{ "experiments_v1",
	  "CREATE TABLE experiments ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " file TEXT NOT NULL,"		/* the experiment file as given */
	  " dir TEXT NOT NULL,"			/* where its commands run */
	  " config TEXT NOT NULL,"		/* its text: a resume uses this copy */
	  " device_mac TEXT NOT NULL,"
	  " device_name TEXT,"
	  " strategy TEXT NOT NULL,"
	  " backend TEXT NOT NULL,"
	  " out_dir TEXT NOT NULL,"		/* blocklist and MUD file */
	  " status TEXT NOT NULL,"		/* running interrupted aborted failed done */
	  " phase TEXT,"
	  " message TEXT,"
	  " pid INTEGER,"
	  " discovered INTEGER NOT NULL DEFAULT 0,"
	  " wall_ms INTEGER NOT NULL DEFAULT 0,"	/* over every session */
	  " created_ms INTEGER NOT NULL,"
	  " updated_ms INTEGER NOT NULL,"
	  " finished_ms INTEGER);"
	  "CREATE TABLE experiment_destinations ("
	  " experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,"
	  " idx INTEGER NOT NULL,"
	  " name TEXT NOT NULL,"		/* '' for an address */
	  " proto INTEGER NOT NULL,"
	  " port INTEGER NOT NULL,"
	  " ips TEXT NOT NULL,"			/* space separated */
	  " bytes INTEGER NOT NULL,"
	  " party TEXT NOT NULL DEFAULT '',"
	  " country TEXT NOT NULL DEFAULT '',"
	  " PRIMARY KEY (experiment_id, idx));"
	  "CREATE TABLE experiment_trials ("
	  " experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,"
	  " seq INTEGER NOT NULL,"		/* 0: discovery */
	  " phase TEXT NOT NULL,"
	  " dest_set TEXT NOT NULL,"		/* destination indices, comma separated */
	  " fmask INTEGER NOT NULL,"		/* functionalities checked */
	  " state TEXT NOT NULL,"		/* started done aborted */
	  " works INTEGER,"			/* functionalities that worked */
	  " lease_s INTEGER NOT NULL DEFAULT 0,"
	  " started_ms INTEGER NOT NULL,"
	  " finished_ms INTEGER,"
	  " PRIMARY KEY (experiment_id, seq));"
	  "CREATE TABLE experiment_rules ("	/* journaled before they are added */
	  " experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,"
	  " seq INTEGER NOT NULL,"
	  " no INTEGER NOT NULL,"
	  " rule TEXT NOT NULL,"		/* 'name N' or 'ip A [proto [port]]' */
	  " action TEXT NOT NULL,"
	  " backend_id TEXT,"
	  " lease_until_ms INTEGER NOT NULL,"
	  " state TEXT NOT NULL,"		/* intent applied removed failed */
	  " PRIMARY KEY (experiment_id, seq, no));"
	  "CREATE TABLE experiment_outputs ("	/* every command's result */
	  " experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,"
	  " seq INTEGER NOT NULL,"
	  " step INTEGER NOT NULL,"
	  " kind TEXT NOT NULL,"		/* power_cycle trigger check */
	  " function TEXT NOT NULL DEFAULT '',"
	  " command TEXT NOT NULL,"
	  " exit_code INTEGER NOT NULL,"
	  " timed_out INTEGER NOT NULL,"
	  " ms INTEGER NOT NULL,"
	  " output TEXT NOT NULL,"		/* at most 8 KiB, then '[truncated]' */
	  " PRIMARY KEY (experiment_id, seq, step))" },
	/* Block rules (user/block.c); README "Blocking". */
	{ "block_rules_v1",
	  "CREATE TABLE block_rules ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"	/* never reused: keys deny_hits */
	  " device_mac TEXT NOT NULL DEFAULT '',"	/* '' for all devices */
	  " kind TEXT NOT NULL CHECK (kind IN ('ip', 'prefix', 'name')),"
	  " target TEXT NOT NULL,"		/* 203.0.113.10, 2001:db8::/48, ntp.org */
	  " family INTEGER NOT NULL DEFAULT 0,"	/* ip, prefix: 4 or 6 */
	  " prefix_len INTEGER NOT NULL DEFAULT 0,"
	  " addr BLOB,"				/* ip, prefix: 16 bytes */
	  " proto INTEGER NOT NULL DEFAULT 0,"	/* 0 any, 6 tcp, 17 udp, 1 icmp */
	  " port INTEGER NOT NULL DEFAULT 0,"	/* 0 any */
	  " action TEXT NOT NULL CHECK (action IN ('drop', 'reject')),"
	  " created_ms INTEGER NOT NULL,"	/* unix milliseconds */
	  " expires_ms INTEGER,"		/* lease end; NULL: none */
	  " parent_id INTEGER REFERENCES block_rules (id) ON DELETE CASCADE," /* name rule that brought it in */
	  " reason TEXT NOT NULL DEFAULT '',"
	  " owner TEXT NOT NULL DEFAULT '',"	/* '' command line, 'experiment:ID' */
	  " UNIQUE (device_mac, target, proto, port));"
	  "CREATE INDEX block_rules_by_prefix ON block_rules (device_mac, family, prefix_len, addr);"
	  "CREATE INDEX block_rules_by_parent ON block_rules (parent_id);"
	  "CREATE INDEX block_rules_by_owner ON block_rules (owner)" },
	/*
	 * The port an SNI was sent to: a TLS name speaks for the connections on
	 * that port only (history.c, names by time).
	 */
	{ "dns_names_sni_port_v1",
	  "ALTER TABLE dns_names ADD COLUMN sni_port INTEGER NOT NULL DEFAULT 0" },
	/* Lifecycle phases (history/phase.c); README "Phases". */
	{ "phases_v1",
	  "CREATE TABLE phase_marks ("		/* a boundary: phase in force from at_ms on */
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " device_mac TEXT NOT NULL,"
	  " phase TEXT NOT NULL CHECK (phase IN"
	  "  ('setup', 'interaction', 'idle', 'deletion', 'none')),"
	  " at_ms INTEGER NOT NULL,"		/* unix milliseconds */
	  " source TEXT NOT NULL DEFAULT '',"	/* 'live' or 'import:FILE' */
	  " UNIQUE (device_mac, at_ms));"
	  "CREATE TABLE phase_bytes ("		/* harvest deltas of a mark's interval */
	  " mark_id INTEGER NOT NULL REFERENCES phase_marks (id) ON DELETE CASCADE,"
	  " device_mac TEXT NOT NULL,"
	  " device_ip TEXT NOT NULL,"
	  " remote_ip TEXT NOT NULL,"
	  " proto INTEGER NOT NULL,"
	  " remote_port INTEGER NOT NULL,"
	  " name TEXT NOT NULL DEFAULT '',"
	  " packets_up INTEGER NOT NULL DEFAULT 0, bytes_up INTEGER NOT NULL DEFAULT 0,"
	  " packets_down INTEGER NOT NULL DEFAULT 0, bytes_down INTEGER NOT NULL DEFAULT 0,"
	  " first_seen_ms INTEGER NOT NULL,"
	  " last_seen_ms INTEGER NOT NULL,"
	  " PRIMARY KEY (mark_id, device_mac, device_ip, remote_ip, proto, remote_port, name))"
	  " WITHOUT ROWID" },
	/* Device names and categories set by `iotrim device set` (history/device_labels.c). */
	{ "device_labels_v1",
	  "CREATE TABLE device_labels ("	/* win over the device config file */
	  " mac TEXT PRIMARY KEY,"
	  " name TEXT,"			/* NULL: the config's */
	  " category TEXT,"
	  " updated_ms INTEGER NOT NULL)" },
	/* Payload classes in the history (history/payload_store.c), both directions summed. */
	{ "payload_history_v1",
	  "CREATE TABLE payload_state ("	/* last absolute payload counters per kernel flow */
	  " device_mac TEXT NOT NULL,"
	  " device_ip TEXT NOT NULL,"
	  " remote_ip TEXT NOT NULL,"
	  " proto INTEGER NOT NULL,"
	  " remote_port INTEGER NOT NULL,"
	  " boot_id TEXT NOT NULL,"
	  " kernel_first_seen_ns INTEGER NOT NULL,"
	  " sampled INTEGER NOT NULL, encrypted INTEGER NOT NULL, text INTEGER NOT NULL,"
	  " compressed INTEGER NOT NULL, media INTEGER NOT NULL, unknown INTEGER NOT NULL,"
	  " ignored INTEGER NOT NULL,"
	  " PRIMARY KEY (device_mac, device_ip, remote_ip, proto, remote_port)) WITHOUT ROWID;"
	  "CREATE TABLE payload_history ("	/* accumulated deltas per device and phase mark */
	  " device_mac TEXT NOT NULL,"
	  " mark_id INTEGER NOT NULL DEFAULT 0,"	/* phase_marks.id in force, 0 for none */
	  " sampled INTEGER NOT NULL DEFAULT 0, encrypted INTEGER NOT NULL DEFAULT 0,"
	  " text INTEGER NOT NULL DEFAULT 0, compressed INTEGER NOT NULL DEFAULT 0,"
	  " media INTEGER NOT NULL DEFAULT 0, unknown INTEGER NOT NULL DEFAULT 0,"
	  " ignored INTEGER NOT NULL DEFAULT 0,"
	  " PRIMARY KEY (device_mac, mark_id)) WITHOUT ROWID" },
	/* Server certificates seen by devices (history/cert_store.c); README "Certificates". */
	{ "certificates_v1",
	  "CREATE TABLE certificates ("
	  " device_mac TEXT NOT NULL,"
	  " remote_ip TEXT NOT NULL,"
	  " remote_port INTEGER NOT NULL,"
	  " sni TEXT NOT NULL DEFAULT '',"	/* of the connection's ClientHello */
	  " hidden INTEGER NOT NULL,"		/* 1: TLS 1.3, the certificate was encrypted */
	  " subject TEXT, issuer TEXT,"		/* RFC 2253; NULL when hidden */
	  " sans TEXT,"				/* space separated */
	  " self_signed INTEGER, chain_length INTEGER,"
	  " signature_algorithm TEXT, key_type TEXT, key_bits INTEGER,"
	  " not_before INTEGER, not_after INTEGER,"	/* unix seconds */
	  " validity_days INTEGER, sni_mismatch INTEGER,"
	  " weaknesses TEXT,"			/* space separated kinds (attrib/cert.h) */
	  " connections INTEGER NOT NULL DEFAULT 0,"
	  " first_seen_ms INTEGER NOT NULL,"
	  " last_seen_ms INTEGER NOT NULL,"
	  " PRIMARY KEY (device_mac, remote_ip, remote_port, sni, hidden))" },
	/* Retention (history/retention.c): flow_history rows older than the
	 * window, rolled up per day and destination; flow_totals reads both. */
	{ "retention_v1",
	  "CREATE TABLE flow_daily ("
	  " day INTEGER NOT NULL,"		/* unix day (UTC) of the rows' last_seen */
	  " device_mac TEXT NOT NULL,"
	  " dest TEXT NOT NULL,"		/* the name, or remote_ip for rows without one */
	  " proto INTEGER NOT NULL,"
	  " remote_port INTEGER NOT NULL,"
	  " name TEXT NOT NULL DEFAULT '',"
	  " device_ip TEXT NOT NULL,"		/* of the first busiest row rolled up */
	  " remote_ip TEXT NOT NULL,"		/* the same row's: what reports look up */
	  " packets_up INTEGER NOT NULL DEFAULT 0, bytes_up INTEGER NOT NULL DEFAULT 0,"
	  " packets_down INTEGER NOT NULL DEFAULT 0, bytes_down INTEGER NOT NULL DEFAULT 0,"
	  " first_seen_ms INTEGER NOT NULL,"
	  " last_seen_ms INTEGER NOT NULL,"
	  " PRIMARY KEY (day, device_mac, dest, proto, remote_port)) WITHOUT ROWID;"
	  "CREATE VIEW flow_totals AS"
	  " SELECT device_mac, device_ip, remote_ip, proto, remote_port, name, packets_up, bytes_up,"
	  "  packets_down, bytes_down, first_seen_ms, last_seen_ms FROM flow_history"
	  " UNION ALL"
	  " SELECT device_mac, device_ip, remote_ip, proto, remote_port, name, packets_up, bytes_up,"
	  "  packets_down, bytes_down, first_seen_ms, last_seen_ms FROM flow_daily" },
	/* Plaintext audits and their findings (audit/plaintext_store.c); README "Plaintext audit". */
	{ "plaintext_findings_v1",
	  "CREATE TABLE plaintext_key ("	/* the HMAC key of the findings' value_hmac */
	  " id INTEGER PRIMARY KEY CHECK (id = 1),"
	  " key BLOB NOT NULL);"
	  "CREATE TABLE plaintext_audits ("	/* one `iotrim audit plaintext` run */
	  " id INTEGER PRIMARY KEY,"
	  " device_mac TEXT NOT NULL,"
	  " started_ms INTEGER NOT NULL,"
	  " expires_ms INTEGER NOT NULL,"	/* its end, or when a killed run stops counting */
	  " samples INTEGER NOT NULL DEFAULT 0,"	/* text samples scanned for it */
	  " serial TEXT,"			/* --serial and --strings: NULL once the run ends */
	  " strings TEXT);"
	  "CREATE TABLE plaintext_findings ("	/* never the value: its HMAC and a redacted form */
	  " audit_id INTEGER NOT NULL REFERENCES plaintext_audits (id) ON DELETE CASCADE,"
	  " device_mac TEXT NOT NULL,"
	  " name TEXT NOT NULL,"		/* destination name, else the address */
	  " port INTEGER NOT NULL,"
	  " kind TEXT NOT NULL,"
	  " value_hmac TEXT NOT NULL,"		/* hex HMAC-SHA256(kind, value) */
	  " redacted TEXT NOT NULL,"
	  " count INTEGER NOT NULL,"
	  " first_seen_ms INTEGER NOT NULL,"
	  " last_seen_ms INTEGER NOT NULL,"
	  " PRIMARY KEY (audit_id, device_mac, name, port, kind, value_hmac)) WITHOUT ROWID;"
	  "CREATE INDEX plaintext_findings_by_device ON plaintext_findings (device_mac)" },
	/* Verdicts of the active TLS validation test (audit/tls_store.c); one row per
	 * destination and run. */
	{ "tls_audit_v1",
	  "CREATE TABLE tls_audit ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " device_mac TEXT NOT NULL,"
	  " name TEXT NOT NULL,"		/* SNI, or the original address without one */
	  " port INTEGER NOT NULL,"
	  " verdict TEXT NOT NULL,"		/* validates, accepts-forged, not-seen */
	  " app_bytes INTEGER NOT NULL DEFAULT 0,"	/* counted, never stored */
	  " connections INTEGER NOT NULL DEFAULT 0,"
	  " started_ms INTEGER NOT NULL,"	/* unix milliseconds */
	  " ended_ms INTEGER NOT NULL);"
	  "CREATE INDEX tls_audit_by_dest ON tls_audit (device_mac, name, port, ended_ms)" },
	/* The dashboard's secrets, hashed only (web/auth.c); README "Dashboard". */
	{ "web_auth_v1",
	  "CREATE TABLE web_tokens ("
	  " id INTEGER PRIMARY KEY,"
	  " sha256 TEXT NOT NULL UNIQUE,"	/* hex SHA-256 of the 256-bit random token */
	  " created_ms INTEGER NOT NULL);"
	  "CREATE TABLE web_password ("	/* at most one row */
	  " id INTEGER PRIMARY KEY CHECK (id = 1),"
	  " salt TEXT NOT NULL,"		/* hex, 16 random bytes */
	  " iterations INTEGER NOT NULL,"
	  " pbkdf2_sha256 TEXT NOT NULL,"	/* hex PBKDF2-HMAC-SHA256(password, salt) */
	  " updated_ms INTEGER NOT NULL)" },
	/* Binding a name rule (enforce/bind.c) asks for one device's ports with one address. */
	{ "block_bind_v1",
	  "CREATE INDEX flow_history_by_remote ON flow_history (device_mac, remote_ip)" },
	/* Totals of devices aged out of the kernel's devices table (history/device_aging.c). */
	{ "device_aging_v1",
	  "ALTER TABLE devices ADD COLUMN aged_packets_up INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE devices ADD COLUMN aged_bytes_up INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE devices ADD COLUMN aged_packets_down INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE devices ADD COLUMN aged_bytes_down INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE devices ADD COLUMN aged_times INTEGER NOT NULL DEFAULT 0" },
	/* The last harvests' growth per device (history/windows.c): the dashboard's sparklines. */
	{ "recent_windows_v1",
	  "CREATE TABLE harvest_windows ("	/* one row per committed harvest */
	  " at_ms INTEGER PRIMARY KEY);"	/* unix milliseconds: the window's end */
	  "CREATE TABLE device_windows ("	/* devices' growth in a window; none: 0 */
	  " device_mac TEXT NOT NULL,"
	  " at_ms INTEGER NOT NULL,"		/* harvest_windows.at_ms */
	  " bytes_up INTEGER NOT NULL DEFAULT 0, bytes_down INTEGER NOT NULL DEFAULT 0,"
	  " PRIMARY KEY (device_mac, at_ms)) WITHOUT ROWID" },
};

const int db_migration_count = sizeof(db_migrations) / sizeof(db_migrations[0]);
