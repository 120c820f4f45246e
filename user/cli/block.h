/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the `iotrim block` commands share. */
#ifndef IOTRIM_CLI_BLOCK_H
#define IOTRIM_CLI_BLOCK_H

#include <sqlite3.h>

#include "cli/commands.h"

/* The database, after checking access to the pins: an exit code. */
int block_open_db(sqlite3 **db);

/* In cli/cmd_block_list.c. */
extern const struct command block_list_command;

#endif
