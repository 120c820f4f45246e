// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "datapath/pin.h"
#include "datapath/table.h"
#include "history/db.h"
#include "iotrim_maps.h"
#include "report/dest_data.h"

void dest_data_free(struct dest_data *d)
{
	dest_list_free(&d->dests);
	flow_rows_free(&d->rows);
	geo_close(d->geo);
	providers_free(&d->prov);
	device_config_free(&d->conf);
	local_nets_free(&d->local);
	if (d->db)
		db_close(d->db);
	d->db = NULL;
	d->geo = NULL;
}

int dest_data_load(const struct dest_source *s, struct dest_data *d)
{
	const char *db = s->db ? s->db : db_path();
	struct flow_table live = { 0 };
	bool have_live = false;
	int err, fd;

	memset(d, 0, sizeof(*d));
	if (access(db, F_OK) != 0 && errno == ENOENT)
		notice("no history yet (%s does not exist): showing what the kernel counted", db);
	if ((err = db_open(db, &d->db)))
		return err;
	if (!s->no_live && geteuid() == 0 && (fd = open_pinned_map(MAP_NAME(MAP_FLOWS))) >= 0) {
		have_live = read_flows(fd, &live) == 0;
		close(fd);
	}
	if (s->only)
		format_mac(s->only, d->only_text);
	err = history_flow_rows(d->db, have_live ? &live : NULL, s->only ? d->only_text : NULL,
				&d->rows);
	flow_table_free(&live);
	if (err) {
		pr_error("reading the history in %s failed", db);
		return -EIO;
	}
	if ((err = geo_open(&s->geo, false, &d->geo)) ||
	    (err = providers_load(s->providers, &d->prov)) ||
	    (err = device_config_load(s->devices, &d->conf)))
		return err;
	/* Without the interfaces, multicast and link-local are still known local. */
	local_nets_load(&d->local);
	if (history_destinations(d->db, &d->rows, d->geo, &d->prov, &d->conf, &d->local, true,
				 &d->dests)) {
		pr_error("out of memory");
		return -ENOMEM;
	}
	return 0;
}
