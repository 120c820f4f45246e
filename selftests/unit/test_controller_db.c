// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The database layer: creation, migrations applied once and atomically. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history/db.h"
#include "harness.h"

static char dir[] = "/tmp/iotrim-db-test-XXXXXX";

static int count_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

TEST(open_creates_directories_and_schema)
{
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/a/b/iotrim.db", dir);
	ASSERT(db_open(path, &db) == 0, "open %s", path);
	EXPECT(count_rows(db, "SELECT count(*) FROM schema_migrations") > 0, "migrations recorded");
	EXPECT(count_rows(db, "SELECT count(*) FROM devices") == 0, "devices table exists");
	db_close(db);
	/* Reopening applies nothing twice. */
	ASSERT(db_open(path, &db) == 0, "reopen");
	EXPECT(count_rows(db, "SELECT count(*) FROM schema_migrations WHERE name = 'devices_v1'") == 1,
	       "applied once");
	db_close(db);
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mode & 07777 : 0;
}

TEST(database_is_private)
{
	char path[256], side[300];
	sqlite3 *db;

	/* A fresh state directory and database, as on a new machine. */
	snprintf(path, sizeof(path), "%s/state/iotrim.db", dir);
	umask(022);
	ASSERT(db_open(path, &db) == 0, "open %s", path);
	ASSERT(db_exec(db, "INSERT INTO devices(mac) VALUES ('02:00:00:00:00:21')") == 0,
	       "a write creates the WAL");
	snprintf(side, sizeof(side), "%s/state", dir);
	EXPECT(mode_of(side) == 0700, "state directory 0%o, want 0700", mode_of(side));
	EXPECT(mode_of(path) == 0600, "database 0%o, want 0600", mode_of(path));
	snprintf(side, sizeof(side), "%s-wal", path);
	EXPECT(mode_of(side) == 0600, "WAL 0%o, want 0600", mode_of(side));
	snprintf(side, sizeof(side), "%s-shm", path);
	EXPECT(mode_of(side) == 0600, "shared memory 0%o, want 0600", mode_of(side));
	db_close(db);

	/* A database an earlier version left world-readable is made private. */
	ASSERT(chmod(path, 0644) == 0, "chmod");
	ASSERT(db_open(path, &db) == 0, "reopen");
	EXPECT(mode_of(path) == 0600, "reopened database 0%o, want 0600", mode_of(path));
	db_close(db);
}

TEST(failed_migration_leaves_no_trace)
{
	static const struct db_migration good_then_bad[] = {
		{ "t_good", "CREATE TABLE t_good (x INTEGER)" },
		{ "t_bad", "CREATE TABLE t_half (x INTEGER); CREATE TABLE t_good (y)" },
	};
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/m.db", dir);
	ASSERT(db_open(path, &db) == 0, "open");
	EXPECT(db_migrate(db, good_then_bad, 2) != 0, "the bad migration fails");
	EXPECT(count_rows(db, "SELECT count(*) FROM schema_migrations WHERE name = 't_good'") == 1,
	       "the good one is recorded");
	EXPECT(count_rows(db, "SELECT count(*) FROM schema_migrations WHERE name = 't_bad'") == 0,
	       "the bad one is not");
	EXPECT(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 't_half'") == 0,
	       "its first statement was rolled back");
	db_close(db);
}

TEST(unwritable_path_is_an_error)
{
	sqlite3 *db;

	EXPECT(db_open("/proc/iotrim/x.db", &db) != 0 && db == NULL, "no database under /proc");
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(open_creates_directories_and_schema);
	RUN(database_is_private);
	RUN(failed_migration_leaves_no_trace);
	RUN(unwritable_path_is_an_error);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return harness_done();
}
