// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Lifecycle phase marks and the bytes of each phase: see phase.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/parse.h"
#include "history/phase.h"
#include "history/rows.h"

static const char *const phase_names[] = { "setup", "interaction", "idle", "deletion", "none" };

bool phase_name_valid(const char *phase)
{
	for (size_t i = 0; i < sizeof(phase_names) / sizeof(phase_names[0]); i++)
		if (!strcmp(phase, phase_names[i]))
			return true;
	return false;
}

void phase_marks_free(struct phase_marks *m)
{
	free(m->items);
	memset(m, 0, sizeof(*m));
}

static int marks_add(struct phase_marks *m, const struct phase_mark *mark)
{
	if (m->len == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct phase_mark *p = realloc(m->items, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->items = p;
		m->cap = cap;
	}
	m->items[m->len++] = *mark;
	return 0;
}

/* One line's fields into mark; NULL, or why it is malformed. */
static const char *parse_line(char *line, struct phase_mark *mark)
{
	char *save = NULL, *time = strtok_r(line, " \t", &save);
	char *mac = strtok_r(NULL, " \t", &save), *phase = strtok_r(NULL, " \t", &save);
	uint8_t bin[6];

	if (!time || !mac || !phase)
		return "expected 'RFC3339-TIME DEVICE-MAC PHASE'";
	if (strtok_r(NULL, " \t", &save))
		return "unexpected text after the phase";
	if (!parse_rfc3339(time, &mark->at_ms))
		return "bad time (RFC 3339, e.g. 2026-11-30T19:00:00Z)";
	if (!parse_mac(mac, bin))
		return "bad device MAC address";
	if (!phase_name_valid(phase))
		return "unknown phase (setup, interaction, idle, deletion or none)";
	format_mac(bin, mark->mac);
	snprintf(mark->phase, sizeof(mark->phase), "%s", phase);
	return NULL;
}

int phase_file_parse(FILE *f, const char *fname, struct phase_marks *out)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned long no = 0;
	int bad = 0, err = 0;

	while (getline(&line, &cap, f) >= 0) {
		struct phase_mark mark = { 0 };
		const char *why;
		char *s = line;

		no++;
		s[strcspn(s, "\r\n")] = '\0';
		s += strspn(s, " \t");
		if (!*s || *s == '#')
			continue;
		if ((why = parse_line(s, &mark))) {
			pr_error("%s:%lu: %s", fname, no, why);
			bad++;
		} else if ((err = marks_add(out, &mark))) {
			break;
		}
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	return err ? err : bad ? -EINVAL : 0;
}

int phase_store(sqlite3 *db, const struct phase_marks *m, const char *source)
{
	sqlite3_stmt *st = NULL;
	int err = -EIO;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(db,
		"INSERT INTO phase_marks (device_mac, phase, at_ms, source) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT (device_mac, at_ms) DO UPDATE SET phase = excluded.phase,"
		" source = excluded.source", -1, &st, NULL) != SQLITE_OK)
		goto rollback;
	for (size_t i = 0; i < m->len; i++) {
		sqlite3_bind_text(st, 1, m->items[i].mac, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, m->items[i].phase, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, m->items[i].at_ms);
		sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto rollback;
		sqlite3_reset(st);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
		err = 0;
		goto out;
	}
rollback:
	pr_error("database: cannot store the phase marks: %s", sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	goto out;
fail:
	pr_error("database: cannot store the phase marks: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	return err;
}

int phase_intervals(sqlite3 *db, const char *only_mac, phase_interval_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db,
		"SELECT m.id, m.device_mac, m.phase, m.at_ms, m.source,"
		" (SELECT min(n.at_ms) FROM phase_marks n WHERE n.device_mac = m.device_mac"
		"  AND n.at_ms > m.at_ms),"
		" coalesce(sum(b.packets_up), 0), coalesce(sum(b.bytes_up), 0),"
		" coalesce(sum(b.packets_down), 0), coalesce(sum(b.bytes_down), 0)"
		" FROM phase_marks m LEFT JOIN phase_bytes b ON b.mark_id = m.id"
		" WHERE ?1 IS NULL OR m.device_mac = ?1"
		" GROUP BY m.id ORDER BY m.device_mac, m.at_ms", -1, &st, NULL) != SQLITE_OK) {
		pr_error("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (only_mac)
		sqlite3_bind_text(st, 1, only_mac, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct phase_interval iv = { 0 };

		iv.id = sqlite3_column_int64(st, 0);
		snprintf(iv.mac, sizeof(iv.mac), "%s", sqlite3_column_text(st, 1));
		snprintf(iv.phase, sizeof(iv.phase), "%s", sqlite3_column_text(st, 2));
		iv.since_ms = sqlite3_column_int64(st, 3);
		snprintf(iv.source, sizeof(iv.source), "%s", sqlite3_column_text(st, 4));
		iv.until_ms = sqlite3_column_int64(st, 5);
		iv.packets_up = sqlite3_column_int64(st, 6);
		iv.bytes_up = sqlite3_column_int64(st, 7);
		iv.packets_down = sqlite3_column_int64(st, 8);
		iv.bytes_down = sqlite3_column_int64(st, 9);
		fn(ctx, &iv);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		pr_error("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

int phase_flow_rows(sqlite3 *db, const char *phase, const char *only_mac,
		    struct flow_rows *out)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (sqlite3_prepare_v2(db,
		"SELECT b.device_mac, b.device_ip, b.remote_ip, b.proto, b.remote_port, b.name,"
		" sum(b.packets_up), sum(b.bytes_up), sum(b.packets_down), sum(b.bytes_down),"
		" min(b.first_seen_ms), max(b.last_seen_ms)"
		" FROM phase_bytes b JOIN phase_marks m ON m.id = b.mark_id"
		" WHERE m.phase = ?1 AND (?2 IS NULL OR b.device_mac = ?2)"
		" GROUP BY b.device_mac, b.device_ip, b.remote_ip, b.proto, b.remote_port, b.name",
		-1, &st, NULL) != SQLITE_OK) {
		pr_error("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	sqlite3_bind_text(st, 1, phase, -1, SQLITE_STATIC);
	if (only_mac)
		sqlite3_bind_text(st, 2, only_mac, -1, SQLITE_STATIC);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct flow_row row;
		char name[FLOW_NAMES_MAX];

		flow_row_from_stmt(st, &row, name);
		err = flow_rows_add(out, &row);
	}
	if (!err && rc != SQLITE_DONE) {
		pr_error("database: %s", sqlite3_errmsg(db));
		err = -EIO;
	}
	sqlite3_finalize(st);
	return err;
}

int phase_writer_open(sqlite3 *db, struct phase_writer *w)
{
	memset(w, 0, sizeof(*w));
	if (sqlite3_prepare_v2(db,
		"SELECT id, at_ms, phase <> 'none' FROM phase_marks WHERE device_mac = ?1"
		" ORDER BY at_ms", -1, &w->marks, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO phase_bytes (mark_id, device_mac, device_ip, remote_ip, proto,"
		" remote_port, name, packets_up, bytes_up, packets_down, bytes_down, first_seen_ms,"
		" last_seen_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
		" ON CONFLICT DO UPDATE SET"
		" packets_up = packets_up + excluded.packets_up, bytes_up = bytes_up + excluded.bytes_up,"
		" packets_down = packets_down + excluded.packets_down,"
		" bytes_down = bytes_down + excluded.bytes_down,"
		" first_seen_ms = min(first_seen_ms, excluded.first_seen_ms),"
		" last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)", -1, &w->add, NULL)
		!= SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		phase_writer_close(w);
		return -EIO;
	}
	return 0;
}

/* Device mac's marks into w->m, oldest first. */
static int read_marks(struct phase_writer *w, const char *mac)
{
	int rc;

	w->n = 0;
	w->mac[0] = '\0';
	sqlite3_bind_text(w->marks, 1, mac, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(w->marks)) == SQLITE_ROW) {
		if (w->n == w->cap) {
			size_t cap = w->cap ? w->cap * 2 : 16;
			struct phase_writer_mark *m = realloc(w->m, cap * sizeof(*m));

			if (!m) {
				sqlite3_reset(w->marks);
				return -ENOMEM;
			}
			w->m = m;
			w->cap = cap;
		}
		w->m[w->n++] = (struct phase_writer_mark){
			.id = sqlite3_column_int64(w->marks, 0),
			.at_ms = sqlite3_column_int64(w->marks, 1),
			.phased = sqlite3_column_int(w->marks, 2),
		};
	}
	sqlite3_reset(w->marks);
	if (rc != SQLITE_DONE)
		return -EIO;
	snprintf(w->mac, sizeof(w->mac), "%s", mac);
	return 0;
}

int phase_writer_mark(struct phase_writer *w, const char *mac, int64_t t_ms, int64_t *mark)
{
	size_t lo = 0, hi;
	int err;

	*mark = 0;
	if (strcmp(w->mac, mac) && (err = read_marks(w, mac)))
		return err;
	/* The last mark at or before t_ms (at_ms is unique per device). */
	for (hi = w->n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->m[mid].at_ms <= t_ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && w->m[lo - 1].phased)
		*mark = w->m[lo - 1].id;
	return 0;
}

int phase_writer_add(struct phase_writer *w, int64_t mark, const struct flow_row *d)
{
	int rc;

	sqlite3_bind_int64(w->add, 1, mark);
	sqlite3_bind_text(w->add, 2, d->device_mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->add, 3, d->device_ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->add, 4, d->remote_ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(w->add, 5, d->proto);
	sqlite3_bind_int(w->add, 6, d->remote_port);
	sqlite3_bind_text(w->add, 7, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(w->add, 8, (int64_t)d->packets_up);
	sqlite3_bind_int64(w->add, 9, (int64_t)d->bytes_up);
	sqlite3_bind_int64(w->add, 10, (int64_t)d->packets_down);
	sqlite3_bind_int64(w->add, 11, (int64_t)d->bytes_down);
	sqlite3_bind_int64(w->add, 12, d->first_seen_ms);
	sqlite3_bind_int64(w->add, 13, d->last_seen_ms);
	rc = sqlite3_step(w->add);
	sqlite3_reset(w->add);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

void phase_writer_close(struct phase_writer *w)
{
	sqlite3_finalize(w->marks);
	sqlite3_finalize(w->add);
	free(w->m);
	memset(w, 0, sizeof(*w));
}
