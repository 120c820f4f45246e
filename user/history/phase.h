/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Lifecycle phases (METHODS 5): a device's traffic split into setup,
 * interaction, idle and deletion.  A mark says which phase is in force for
 * a device from a time on ('none': no phase); the harvest adds each flow's
 * delta to the interval of the mark in force at the flow's last packet
 * (phase_bytes), besides flow_history.  Marks imported for times already
 * harvested do not move bytes harvested before them.
 */
#ifndef IOTRIM_PHASE_H
#define IOTRIM_PHASE_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "attrib/destinations.h"
#include "common/fmt.h"

#define PHASE_NAME_MAX 16

/* setup, interaction, idle, deletion or none. */
bool phase_name_valid(const char *phase);

struct phase_mark {
	char mac[MAC_STRLEN];
	char phase[PHASE_NAME_MAX];
	int64_t at_ms;
};

struct phase_marks {
	struct phase_mark *items;
	size_t len, cap;
};

void phase_marks_free(struct phase_marks *m);

/*
 * Reads a timestamp file: one "RFC3339-TIME DEVICE-MAC PHASE" line each;
 * blank lines and lines starting with '#' are skipped.  Every malformed
 * line is reported with its number (pr_error "FILE:LINE: why"); then
 * -EINVAL.  0, -ENOMEM, or -errno when the file cannot be read.
 */
int phase_file_parse(FILE *f, const char *fname, struct phase_marks *out);

/*
 * Stores the marks in one transaction (all or none), source being 'live'
 * or 'import:FILE'.  A mark at the same device and millisecond as a stored
 * one replaces its phase.  0, or -EIO after printing why.
 */
int phase_store(sqlite3 *db, const struct phase_marks *m, const char *source);

/* One mark's interval, until the device's next mark (until_ms 0: open). */
struct phase_interval {
	int64_t id;
	char mac[MAC_STRLEN];
	char phase[PHASE_NAME_MAX];
	int64_t since_ms, until_ms;
	char source[280];
	uint64_t packets_up, bytes_up, packets_down, bytes_down;
};

typedef void (*phase_interval_fn)(void *ctx, const struct phase_interval *iv);

/* Every interval (of only_mac's device unless NULL), by device and time; 0 or -EIO. */
int phase_intervals(sqlite3 *db, const char *only_mac, phase_interval_fn fn, void *ctx);

/*
 * The flows of the intervals of phase (of only_mac's device unless NULL),
 * one row per flow and name, appended to out.  0, -ENOMEM or -EIO.
 */
int phase_flow_rows(sqlite3 *db, const char *phase, const char *only_mac,
		    struct flow_rows *out);

/*
 * What the harvest uses: the mark in force and the delta's row.  A device's
 * marks are read once while the writer is open, inside the harvest's write
 * transaction (no mark can come or go under it).
 */
struct phase_writer {
	sqlite3_stmt *marks, *add;
	char mac[MAC_STRLEN];		/* whose marks are read ("" none yet) */
	struct phase_writer_mark {
		int64_t id, at_ms;
		bool phased;		/* a phase, not 'none' */
	} *m;				/* by at_ms */
	size_t n, cap;
};

/* 0, or -EIO after printing why. */
int phase_writer_open(sqlite3 *db, struct phase_writer *w);
/* The mark of the phase in force for device mac at t_ms in *mark, 0 for none
 * (no mark, or 'none'); 0, -ENOMEM or -EIO. */
int phase_writer_mark(struct phase_writer *w, const char *mac, int64_t t_ms, int64_t *mark);
/* Adds row (a delta) to mark's bytes; 0 or -EIO. */
int phase_writer_add(struct phase_writer *w, int64_t mark, const struct flow_row *delta);
void phase_writer_close(struct phase_writer *w);

#endif
