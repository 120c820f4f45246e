// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Device names and categories: see device_labels.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "history/device_labels.h"

int device_label_set(sqlite3 *db, const char *mac, const char *name, const char *category)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db,
		"INSERT INTO device_labels (mac, name, category, updated_ms) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT (mac) DO UPDATE SET"
		" name = CASE WHEN ?5 THEN excluded.name ELSE name END,"
		" category = CASE WHEN ?6 THEN excluded.category ELSE category END,"
		" updated_ms = excluded.updated_ms", -1, &st, NULL) != SQLITE_OK) {
		pr_error("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	if (name && *name)
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (category && *category)
		sqlite3_bind_text(st, 3, category, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, clock_wall_ms());
	sqlite3_bind_int(st, 5, name != NULL);
	sqlite3_bind_int(st, 6, category != NULL);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		pr_error("database: cannot store the device label: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

/* Fills l for mac from the statement's row (label name, category; devices name, category, vendor). */
static void resolve(struct device_config *conf, sqlite3_stmt *st, struct device_label *l)
{
	char set_name[64], set_cat[64], hist_name[64], hist_cat[64];
	struct device_info info = { 0 };
	uint8_t bin[6];

	copy_col(st, 1, set_name, sizeof(set_name));
	copy_col(st, 2, set_cat, sizeof(set_cat));
	copy_col(st, 3, hist_name, sizeof(hist_name));
	copy_col(st, 4, hist_cat, sizeof(hist_cat));
	copy_col(st, 5, l->vendor, sizeof(l->vendor));
	if (conf && parse_mac(l->mac, bin)) {
		device_info_get(conf, bin, &info);
		if (info.vendor[0])
			snprintf(l->vendor, sizeof(l->vendor), "%s", info.vendor);
	}
	l->source = NULL;
	/* Each field on its own: a set name with the config's category is fine. */
	if (hist_name[0] || hist_cat[0])
		l->source = "history";
	snprintf(l->name, sizeof(l->name), "%s", hist_name);
	snprintf(l->category, sizeof(l->category), "%s", hist_cat);
	if (info.name[0] || info.category[0])
		l->source = "config";
	if (info.name[0])
		snprintf(l->name, sizeof(l->name), "%s", info.name);
	if (info.category[0])
		snprintf(l->category, sizeof(l->category), "%s", info.category);
	if (set_name[0] || set_cat[0])
		l->source = "set";
	if (set_name[0])
		snprintf(l->name, sizeof(l->name), "%s", set_name);
	if (set_cat[0])
		snprintf(l->category, sizeof(l->category), "%s", set_cat);
}

#define LABEL_SELECT                                                                    \
	"SELECT m.mac, l.name, l.category, d.name, d.category, d.vendor FROM (%s) m"      \
	" LEFT JOIN device_labels l ON l.mac = m.mac LEFT JOIN devices d ON d.mac = m.mac" \
	" ORDER BY m.mac"

int device_label_get(sqlite3 *db, struct device_config *conf, const char *mac,
		     struct device_label *out)
{
	sqlite3_stmt *st;
	char sql[512];

	memset(out, 0, sizeof(*out));
	snprintf(out->mac, sizeof(out->mac), "%s", mac);
	snprintf(sql, sizeof(sql), LABEL_SELECT, "SELECT ?1 AS mac");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		pr_error("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		resolve(conf, st, out);
	sqlite3_finalize(st);
	return 0;
}

/* In the devices table, the labels or the flow history. */
static bool device_known(sqlite3 *db, const char *mac)
{
	sqlite3_stmt *st;
	bool known = false;

	if (sqlite3_prepare_v2(db,
		"SELECT EXISTS (SELECT 1 FROM devices WHERE mac = ?1)"
		" OR EXISTS (SELECT 1 FROM device_labels WHERE mac = ?1)"
		" OR EXISTS (SELECT 1 FROM flow_totals WHERE device_mac = ?1)", -1, &st, NULL)
	    == SQLITE_OK) {
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
		known = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	return known;
}

int device_labels_each(sqlite3 *db, struct device_config *conf, device_label_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	char sql[1024];
	int rc;

	snprintf(sql, sizeof(sql), LABEL_SELECT,
		 "SELECT mac FROM devices UNION SELECT mac FROM device_labels"
		 " UNION SELECT DISTINCT device_mac FROM flow_totals");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		pr_error("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct device_label l = { 0 };

		copy_col(st, 0, l.mac, sizeof(l.mac));
		resolve(conf, st, &l);
		fn(ctx, &l);
	}
	sqlite3_finalize(st);
	/* Devices only the config names. */
	for (size_t i = 0; conf && i < conf->n; i++) {
		struct device_label l;
		char mac[MAC_STRLEN];

		format_mac(conf->items[i].mac, mac);
		if (!device_known(db, mac) && device_label_get(db, conf, mac, &l) == 0)
			fn(ctx, &l);
	}
	if (rc != SQLITE_DONE) {
		pr_error("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}
