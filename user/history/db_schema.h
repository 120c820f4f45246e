/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Every table of the database, as named migrations (db_schema.c). */
#ifndef IOTRIM_DB_SCHEMA_H
#define IOTRIM_DB_SCHEMA_H

struct db_migration {
	const char *name;	/* unique and stable, e.g. "history_v1" */
	const char *sql;	/* one or more statements */
};

extern const struct db_migration db_migrations[];
extern const int db_migration_count;

#endif
