/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Recent harvest windows, for the dashboard's sparklines: each committed
 * harvest is one window, ending at the harvest's wall time; a device's bytes
 * in it are the growth the harvest found in its flows (history.h), in the
 * harvest's transaction.  A window where a device grew nothing has no row
 * for it and reads as 0.  Only the last HISTORY_WINDOWS harvests are kept:
 * each harvest drops the older ones, so the tables stay small.
 */
#ifndef IOTRIM_HISTORY_WINDOWS_H
#define IOTRIM_HISTORY_WINDOWS_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fmt.h"

#define HISTORY_WINDOWS 30

struct window_writer {
	sqlite3_stmt *add;
	int64_t at_ms;
	/* One device's growth summed until another device comes (the harvest
	 * takes flows in key order, device first): one row write per device. */
	char mac[MAC_STRLEN];		/* "" none */
	uint64_t bytes_up, bytes_down;
};

/* For the harvest at at_ms (unix ms); 0, or -EIO after printing why. */
int window_writer_open(sqlite3 *db, struct window_writer *w, int64_t at_ms);
/* Adds one flow's growth to its device's window (written by the next call
 * for another device, or by finish); 0 or -EIO. */
int window_writer_add(struct window_writer *w, const char *mac, uint64_t bytes_up,
		      uint64_t bytes_down);
/* Records the window and drops those past HISTORY_WINDOWS (same transaction); 0 or -EIO. */
int window_writer_finish(sqlite3 *db, struct window_writer *w);
void window_writer_close(struct window_writer *w);

struct device_window {
	int64_t at_ms;
	uint64_t bytes_up, bytes_down;
};

/* mac's device in the kept windows, oldest first, into out; *n of them.  0 or -EIO. */
int history_device_windows(sqlite3 *db, const char *mac, struct device_window out[HISTORY_WINDOWS],
			   size_t *n);

#endif
