/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A device's name and category, for reports that group by category (Jin et
 * al.): what `iotrim device set` stored (device_labels) wins, else the
 * device config file (attrib/party.h), else what `iotrim run` last wrote
 * into the devices table.
 */
#ifndef IOTRIM_DEVICE_LABELS_H
#define IOTRIM_DEVICE_LABELS_H

#include <sqlite3.h>

#include "attrib/party.h"
#include "common/fmt.h"

struct device_label {
	char mac[MAC_STRLEN];
	char name[64];		/* "" if none */
	char category[64];	/* "" if none */
	char vendor[128];	/* "" if unknown */
	const char *source;	/* of the name and category: "set", "config", "history" or NULL */
};

/*
 * Stores a name and/or a category (NULL keeps the stored one, "" clears it)
 * for mac ("aa:bb:.."); 0 or -EIO after printing why.
 */
int device_label_set(sqlite3 *db, const char *mac, const char *name, const char *category);

/* The label of mac, resolved as above; conf may be NULL.  0 or -EIO. */
int device_label_get(sqlite3 *db, struct device_config *conf, const char *mac,
		     struct device_label *out);

typedef void (*device_label_fn)(void *ctx, const struct device_label *l);

/*
 * Every device the database knows (devices table, labels, flow history) or
 * the config names, by MAC; 0 or -EIO.
 */
int device_labels_each(sqlite3 *db, struct device_config *conf, device_label_fn fn, void *ctx);

#endif
