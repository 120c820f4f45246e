/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The controller's SQLite database: history, rules, experiment journals.
 * Each feature owns its tables and declares them as named migrations in
 * db_schema.c; db_open() applies those not yet applied, in order, once.
 */
#ifndef IOTRIM_DB_H
#define IOTRIM_DB_H

#include <sqlite3.h>

#include "history/db_schema.h"

#define IOTRIM_DEFAULT_DB "/var/lib/iotrim/iotrim.db"

/* IOTRIM_DB from the environment, else IOTRIM_DEFAULT_DB. */
const char *db_path(void);
/*
 * Opens (creating the file and its directory) with WAL, a busy timeout and
 * foreign keys on, then migrates.  Returns 0, or -errno after printing the
 * reason.
 */
int db_open(const char *path, sqlite3 **out);
void db_close(sqlite3 *db);

/* Runs sql (no results); prints the error and returns -EIO on failure. */
int db_exec(sqlite3 *db, const char *sql);

/* Applies migrations[0..n) that are not yet recorded; used by db_open.  0 or -EIO. */
int db_migrate(sqlite3 *db, const struct db_migration *migrations, int n);

#endif
