/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef IOTRIM_DB_SCHEMA_H
#define IOTRIM_DB_SCHEMA_H

#include "history/db.h"

extern const struct db_migration db_migrations[];
extern const int db_migration_count;

#endif
