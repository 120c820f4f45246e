// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Block rules: every change to the block_rules table (enforce/store) and
 * the deny maps (enforce/deny_maps) that follow it (README "Blocking").
 *
 * The maps are always rewritten from the database, one entry at a time,
 * while the database transaction is open (BEGIN IMMEDIATE serialises
 * writers), so the maps never lag behind the database for long, and never
 * for good.  Failures inside are reported to callers as -EIO, so that
 * -EINVAL, -EEXIST and -ENOENT keep their documented meaning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "common/clock.h"
#include "common/fmt.h"
#include "common/log.h"
#include "datapath/pin.h"
#include "datapath/table.h"
#include "enforce/bind.h"
#include "enforce/block.h"
#include "enforce/deny_maps.h"
#include "enforce/store.h"
#include "history/db.h"
#include "iotrim.h"
#include "iotrim_maps.h"

/* One change to the rules: its database transaction and the maps, if pinned. */
struct change {
	sqlite3 *db;
	struct deny_maps maps;
	const struct deny_maps *m;	/* NULL when not attached */
};

static void change_end(struct change *c)
{
	if (c->m)
		deny_maps_close(&c->maps);
	c->m = NULL;
}

static int change_begin(struct change *c, sqlite3 *db)
{
	c->db = db;
	c->m = deny_maps_open(&c->maps) == 0 ? &c->maps : NULL;
	if (store_begin(db)) {
		change_end(c);
		return -EIO;
	}
	return 0;
}

/* Rewrites the map entry a rule belongs to from the database (its row may be gone). */
static int rewrite_entry(const struct change *c, const struct block_rule *r)
{
	struct block_list rows = { 0 };
	int err;

	if (r->kind == BLOCK_NAME) {
		err = store_same_target(c->db, r, &rows);
		if (!err)
			err = deny_maps_write_name(c->m, r, &rows);
	} else {
		err = store_same_prefix(c->db, r, &rows);
		if (!err)
			err = deny_maps_write_ip(c->m, r, &rows);
	}
	block_list_free(&rows);
	return err;
}

/* Rewrites the entries of every rule of l (rows may be gone); without maps,
 * nothing.  Stops at the first failure. */
static int rewrite_entries(const struct change *c, const struct block_list *l)
{
	if (!c->m)
		return 0;
	for (size_t i = 0; i < l->len; i++)
		if (rewrite_entry(c, &l->items[i]))
			return -EIO;
	return 0;
}

/*
 * Rewrites the entries of the given rules (rows may be gone) after a failed
 * transaction was rolled back, so the maps match the database again.
 */
static void resync(const struct change *c, const struct block_list *l)
{
	if (!c->m)
		return;
	for (size_t i = 0; i < l->len; i++)
		rewrite_entry(c, &l->items[i]);
}

static void delete_hits(const struct change *c, const struct block_list *l)
{
	if (!c->m)
		return;
	for (size_t i = 0; i < l->len; i++)
		deny_maps_delete_hits(c->m, l->items[i].id);
}

/* Deletes the rows of l (a rule and its bound rules) and rewrites their entries. */
static int delete_rows(const struct change *c, const struct block_list *l)
{
	if (store_delete(c->db, l))
		return -EIO;
	return rewrite_entries(c, l);
}

/* ---- expiry ---------------------------------------------------------------- */

/* Deletes expired rules; with maps, rewrites their entries. */
static int expire_locked(const struct change *c)
{
	struct block_list gone = { 0 };
	int err;

	/* Bound rules end with their name rule (same lease), cascading. */
	err = store_expired(c->db, clock_wall_ms(), &gone);
	if (!err)
		err = store_delete(c->db, &gone);
	if (!err && c->m) {
		for (size_t i = 0; i < gone.len; i++)
			rewrite_entry(c, &gone.items[i]);
		delete_hits(c, &gone);
	}
	block_list_free(&gone);
	return err ? -EIO : 0;
}

int block_expire(sqlite3 *db)
{
	struct change c;
	int err;

	if (change_begin(&c, db))
		return -EIO;
	err = expire_locked(&c);
	if (!err)
		err = store_commit(db);
	else
		store_rollback(db);
	change_end(&c);
	return err;
}

/* ---- add ------------------------------------------------------------------- */

/*
 * Warns when iotrim has not seen the device (pinned devices map, or the
 * database).  The rule is let in all the same: owners block a device
 * before its first power-on, experiments start from a cold device, and a
 * mistyped MAC harms nothing but is worth a word.
 */
static void check_device(sqlite3 *db, const uint8_t mac[6])
{
	struct device_value value;
	struct device_maps devices;
	char text[MAC_STRLEN];
	bool attached = device_maps_open(&devices) == 0, found = false;

	if (attached) {
		found = lookup_device(&devices, mac, &value) == 0;
		device_maps_close(&devices);
	}
	if (found || store_device_seen(db, mac))
		return;
	format_mac(mac, text);
	if (attached)
		warn("iotrim has not seen device %s yet: the rule applies once it appears "
		     "(check the MAC; see `iotrim devices`)", text);
	else
		warn("iotrim is not attached and has no record of device %s: check the MAC", text);
}

/* *id: a rule the same as r (see rule_same), or 0. */
static int find_same(sqlite3 *db, const struct block_rule *r, int64_t *id)
{
	struct block_list rows = { 0 };
	int err = store_same_target(db, r, &rows);

	*id = 0;
	for (size_t i = 0; !err && i < rows.len && !*id; i++)
		if (rule_same(&rows.items[i], r))
			*id = rows.items[i].id;
	block_list_free(&rows);
	return err ? -EIO : 0;
}

/* Rules of the same device and exact prefix already in force. */
static size_t prefix_fill(sqlite3 *db, const struct block_rule *r)
{
	struct block_list same = { 0 };
	int64_t now = clock_wall_ms();
	size_t n = 0;

	if (store_same_prefix(db, r, &same) == 0)
		for (size_t i = 0; i < same.len; i++)
			n += !rule_expired(&same.items[i], now);
	block_list_free(&same);
	return n;
}

/* Refuses r if it exists already, or if its prefix has no room for it. */
static int check_new(sqlite3 *db, const struct block_rule *r)
{
	char what[BLOCK_TARGET_MAX + 128];
	int64_t same;

	if (find_same(db, r, &same))
		return -EIO;
	if (same) {
		block_describe(r, what, sizeof(what));
		pr_error("rule %lld already blocks %s: remove it first (`iotrim block del %lld`)",
			 (long long)same, what, (long long)same);
		return -EEXIST;
	}
	if (r->kind != BLOCK_NAME && prefix_fill(db, r) >= IOTRIM_DENY_RULES_PER_PREFIX) {
		pr_error("%s has %d rules for this device already (protocols and ports): at most %d",
			 r->target, IOTRIM_DENY_RULES_PER_PREFIX, IOTRIM_DENY_RULES_PER_PREFIX);
		return -EINVAL;
	}
	return 0;
}

/* Adds one row and its map entries, remembering it in added. */
static int add_one(const struct change *c, struct block_rule *r, struct block_list *added)
{
	if (store_insert(c->db, r) || block_list_push(added, r))
		return -EIO;
	if (!c->m)
		return 0;
	if (deny_maps_create_hits(c->m, r->id) || rewrite_entry(c, r))
		return -EIO;
	return 0;
}

/* Adds the IP rules bound to name rule r, skipping those that exist or have no room. */
static int add_bound(const struct change *c, struct block_rule *r, struct bind_result *bound,
		     struct block_list *added)
{
	if (block_bind_name(c->db, r, bound)) {
		pr_error("finding the addresses of %s failed", r->target);
		return -EIO;
	}
	for (size_t i = 0; i < bound->rules.len; i++) {
		struct block_rule *b = &bound->rules.items[i];
		char note[BLOCK_TARGET_MAX + 64];
		int64_t dup;

		if (find_same(c->db, b, &dup))
			return -EIO;
		if (dup || prefix_fill(c->db, b) >= IOTRIM_DENY_RULES_PER_PREFIX) {
			if (dup)
				snprintf(note, sizeof(note), "%s is blocked by rule %lld already",
					 b->target, (long long)dup);
			else
				snprintf(note, sizeof(note), "%s has too many rules already", b->target);
			bind_note(bound, note);
			continue;
		}
		b->created_ms = r->created_ms;
		b->expires_ms = r->expires_ms;
		b->parent_id = r->id;
		b->action = r->action;
		snprintf(b->owner, sizeof(b->owner), "%s", r->owner);
		if (add_one(c, b, added)) {
			pr_error("adding a bound rule failed");
			return -EIO;
		}
	}
	if (bound->left_alone[0] && store_set_reason(c->db, r->id, bound->left_alone))
		return -EIO;
	snprintf(r->reason, sizeof(r->reason), "%s", bound->left_alone);
	return 0;
}

/* Everything block_add() does inside the transaction. */
static int add_locked(const struct change *c, struct block_rule *r, bool bind_names,
		      struct bind_result *bound, struct block_list *added)
{
	int err;

	if (expire_locked(c))
		return -EIO;
	if ((err = check_new(c->db, r)))
		return err;
	r->created_ms = clock_wall_ms();
	r->parent_id = 0;
	if (add_one(c, r, added)) {
		pr_error("adding the rule failed");
		return -EIO;
	}
	if (r->kind == BLOCK_NAME && bind_names)
		return add_bound(c, r, bound, added);
	return 0;
}

/* Hands the bound rules of added (added[0] is the rule itself) over to rep. */
static void fill_report(struct block_add_report *rep, const struct change *c,
			const struct bind_result *bound, struct block_list *added)
{
	if (added->len > 1) {
		memmove(added->items, added->items + 1, (added->len - 1) * sizeof(added->items[0]));
		rep->bound = *added;
		rep->bound.len--;
		*added = (struct block_list){ 0 };
	}
	snprintf(rep->left_alone, sizeof(rep->left_alone), "%s", bound->left_alone);
	rep->maps_absent = !c->m;
}

int block_add(sqlite3 *db, struct block_rule *r, const struct block_add_opts *o)
{
	struct block_list added = { 0 };
	struct bind_result bound = { 0 };
	struct change c;
	int err;

	if (o->report)
		memset(o->report, 0, sizeof(*o->report));
	rule_normalise(r);
	if (o->check_device && !r->all_devices)
		check_device(db, r->mac);
	if (change_begin(&c, db)) {
		pr_error("cannot write the database %s", db_path());
		return -EIO;
	}
	err = add_locked(&c, r, o->bind_names, &bound, &added);
	if (err)
		store_rollback(db);
	else if ((err = store_commit(db)))
		pr_error("cannot commit to the database %s", db_path());
	if (err) {
		resync(&c, &added);
		delete_hits(&c, &added);
	} else if (o->report) {
		fill_report(o->report, &c, &bound, &added);
	}
	block_list_free(&bound.rules);
	block_list_free(&added);
	change_end(&c);
	return err;
}

void block_add_report_free(struct block_add_report *rep)
{
	block_list_free(&rep->bound);
}

/* ---- delete, renew, owners --------------------------------------------------- */

int block_del(sqlite3 *db, int64_t id)
{
	struct block_list l = { 0 };
	struct change c;
	int err = 0;

	if (change_begin(&c, db)) {
		pr_error("cannot write the database %s", db_path());
		return -EIO;
	}
	if (expire_locked(&c) || store_family(db, id, &l)) {
		store_rollback(db);
		err = -EIO;
	} else if (l.len == 0) {
		store_rollback(db);
		pr_error("no block rule %lld (see `iotrim block list`)", (long long)id);
		err = -ENOENT;
	} else if (delete_rows(&c, &l)) {
		store_rollback(db);
		resync(&c, &l);
		pr_error("removing rule %lld failed", (long long)id);
		err = -EIO;
	} else if (store_commit(db)) {
		resync(&c, &l);
		pr_error("cannot commit to the database %s", db_path());
		err = -EIO;
	} else {
		delete_hits(&c, &l);
	}
	block_list_free(&l);
	change_end(&c);
	return err;
}

/* Moves the lease end of the rules in l (a rule's family) and rewrites their entries. */
static int renew_rows(const struct change *c, int64_t id, const struct block_list *l,
		      unsigned lease_s)
{
	if (store_set_expiry(c->db, id, clock_wall_ms() + (int64_t)lease_s * 1000))
		return -EIO;
	return rewrite_entries(c, l);
}

int block_renew(sqlite3 *db, int64_t id, unsigned lease_s)
{
	struct block_list l = { 0 };
	struct change c;
	int err = 0;

	if (change_begin(&c, db))
		return -EIO;
	if (store_family(db, id, &l)) {
		store_rollback(db);
		err = -EIO;
	} else if (l.len == 0) {
		store_rollback(db);
		pr_error("no block rule %lld", (long long)id);
		err = -ENOENT;
	} else if (renew_rows(&c, id, &l, lease_s)) {
		store_rollback(db);
		resync(&c, &l);
		err = -EIO;
	} else if (store_commit(db)) {
		resync(&c, &l);
		err = -EIO;
	}
	block_list_free(&l);
	change_end(&c);
	return err;
}

int block_del_owner(sqlite3 *db, const char *owner)
{
	struct block_list l = { 0 };
	struct change c;
	int n = 0;

	if (change_begin(&c, db))
		return -EIO;
	if (store_of_owner(db, owner, false, &l) || delete_rows(&c, &l)) {
		store_rollback(db);
		resync(&c, &l);
		n = -EIO;
	} else if (store_commit(db)) {
		resync(&c, &l);
		n = -EIO;
	} else {
		delete_hits(&c, &l);
		for (size_t i = 0; i < l.len; i++)
			n += l.items[i].parent_id == 0;
	}
	block_list_free(&l);
	change_end(&c);
	return n;
}

int block_count_owner(sqlite3 *db, const char *owner)
{
	struct block_list l = { 0 };
	int64_t now = clock_wall_ms();
	int n = 0;

	if (store_of_owner(db, owner, true, &l)) {
		block_list_free(&l);
		return -EIO;
	}
	for (size_t i = 0; i < l.len; i++)
		n += !rule_expired(&l.items[i], now);
	block_list_free(&l);
	return n;
}

/* ---- list and sync ------------------------------------------------------------ */

int block_read(sqlite3 *db, struct block_list *out, struct block_hits **hits)
{
	struct deny_maps maps;

	*hits = NULL;
	memset(out, 0, sizeof(*out));
	if (block_expire(db) || store_all(db, out)) {
		block_list_free(out);
		return -EIO;
	}
	*hits = calloc(out->len ? out->len : 1, sizeof(**hits));
	if (!*hits) {
		block_list_free(out);
		return -ENOMEM;
	}
	if (deny_maps_open(&maps) == 0) {
		for (size_t i = 0; i < out->len; i++)
			deny_maps_read_hits(&maps, out->items[i].id, &(*hits)[i]);
		deny_maps_close(&maps);
	}
	return 0;
}

/* Writes every rule of the database into the maps and drops what is not one. */
static int sync_locked(const struct change *c, struct block_list *rules)
{
	int err = expire_locked(c) || store_all(c->db, rules) ? -EIO : 0;

	for (size_t i = 0; i < rules->len && !err; i++) {
		if (deny_maps_create_hits(c->m, rules->items[i].id) ||
		    rewrite_entry(c, &rules->items[i]))
			err = -EIO;
	}
	deny_maps_prune(c->m, rules);
	if (!err && deny_maps_recount_filter(c->m))
		err = -EIO;
	return err;
}

int block_sync(sqlite3 *db)
{
	struct block_list rules = { 0 };
	struct change c = { .db = db };
	int err = deny_maps_open(&c.maps);

	if (err)
		return err == -ENOENT ? -ENOENT : -EIO;
	c.m = &c.maps;
	if (store_begin(db)) {
		change_end(&c);
		return -EIO;
	}
	err = sync_locked(&c, &rules);
	if (err)
		store_rollback(db);
	else if (store_commit(db))
		err = -EIO;
	block_list_free(&rules);
	change_end(&c);
	return err;
}

int block_apply_stored(void)
{
	const char *path = db_path();
	sqlite3 *db;
	int err;

	if (access(path, F_OK) != 0)
		return 0;	/* no database: no rules were ever stored */
	if (db_open(path, &db) != 0) {
		warn("block rules not re-applied: cannot open %s", path);
		return 0;
	}
	err = block_sync(db);
	db_close(db);
	return err;
}
