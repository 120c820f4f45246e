// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/parse.h"
#include "history/db.h"

#define BUSY_TIMEOUT_MS 5000

const char *db_path(void)
{
	return env_or(NULL, "IOTRIM_DB", IOTRIM_DEFAULT_DB);
}

/* mkdir -p for the directory part of path; what it creates is private
 * (0700): the history holds every device's DNS names. */
static int make_parent_dirs(const char *path)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/*
 * The database and its WAL and shared-memory files are private (0600),
 * also when an earlier version left them 0644, and so is iotrim's own state
 * directory.  SQLite creates the side files with the database's mode.
 */
static int make_private(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	char file[4096];

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
		if (chmod(file, 0600) != 0 && errno != ENOENT)
			return -errno;
	}
	if (!strcmp(path, IOTRIM_DEFAULT_DB)) {
		snprintf(file, sizeof(file), "%s", path);
		*strrchr(file, '/') = '\0';
		if (chmod(file, 0700) != 0)
			return -errno;
	}
	return 0;
}

int db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	warn("database: %s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -EIO;
}

static int applied(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int found;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM schema_migrations WHERE name = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int db_migrate(sqlite3 *db, const struct db_migration *migrations, int n)
{
	if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			" name TEXT PRIMARY KEY,"
			" applied_at INTEGER NOT NULL DEFAULT (strftime('%s','now')))"))
		return -EIO;
	for (int i = 0; i < n; i++) {
		sqlite3_stmt *st;
		int done = applied(db, migrations[i].name);

		if (done < 0)
			return -EIO;
		if (done)
			continue;
		/* Each migration and its record commit together or not at all. */
		if (db_exec(db, "BEGIN IMMEDIATE"))
			return -EIO;
		if (db_exec(db, migrations[i].sql) ||
		    sqlite3_prepare_v2(db, "INSERT INTO schema_migrations(name) VALUES (?)", -1,
				       &st, NULL) != SQLITE_OK) {
			db_exec(db, "ROLLBACK");
			return -EIO;
		}
		sqlite3_bind_text(st, 1, migrations[i].name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			db_exec(db, "ROLLBACK");
			return -EIO;
		}
		sqlite3_finalize(st);
		if (db_exec(db, "COMMIT"))
			return -EIO;
	}
	return 0;
}

int db_open(const char *path, sqlite3 **out)
{
	sqlite3 *db = NULL;
	mode_t old_umask;
	int rc, err;

	*out = NULL;
	if (make_parent_dirs(path) != 0) {
		err = -errno;
		pr_error("cannot create the directory for %s: %s", path, strerror(-err));
		return err;
	}
	/* No window in which a new database is readable by others. */
	old_umask = umask(077);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	umask(old_umask);
	if (rc != SQLITE_OK) {
		err = db ? -EIO : -ENOMEM;
		pr_error("cannot open database %s: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return err;
	}
	if ((err = make_private(path))) {
		pr_error("cannot make %s private (0600): %s", path, strerror(-err));
		sqlite3_close(db);
		return err;
	}
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	if (db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
			"PRAGMA synchronous = NORMAL;") ||
	    db_migrate(db, db_migrations, db_migration_count)) {
		sqlite3_close(db);
		pr_error("cannot prepare database %s", path);
		return -EIO;
	}
	*out = db;
	return 0;
}

void db_close(sqlite3 *db)
{
	sqlite3_close(db);
}
