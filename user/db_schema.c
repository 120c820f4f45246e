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
};

const int db_migration_count = sizeof(db_migrations) / sizeof(db_migrations[0]);
