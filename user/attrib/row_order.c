// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The order of flow rows that grouping them into destinations needs: see row_order.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attrib/row_order.h"

/*
 * The order of rows: device (text), then, within a device, this: addresses
 * before names, then destination, so that dest_same's rows are adjacent.
 */
static int cmp_dest_in_device(const struct flow_row *a, const struct flow_row *b)
{
	bool same_name = a->name == b->name;	/* pooled: the same text, no need to compare */
	int c = 0;

	if (!same_name)
		c = (a->name[0] != 0) - (b->name[0] != 0);
	if (!c && a->name[0])
		c = same_name ? 0 : strcasecmp(a->name, b->name);
	else if (!c)
		c = strcmp(a->remote_ip, b->remote_ip);
	if (!c)
		c = (int)a->proto - (int)b->proto;
	if (!c)
		c = (int)a->remote_port - (int)b->remote_port;
	if (!c)
		c = strcmp(a->remote_ip, b->remote_ip);
	if (!c && !same_name)
		c = strcmp(a->name, b->name);	/* a total order: one input, one spelling shown */
	return c;
}

static int cmp_text_ptr(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* strcasecmp, then strcmp: the order of names in cmp_dest_in_device. */
static int cmp_name_ptr(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	int c = strcasecmp(a, b);

	return c ? c : strcmp(a, b);
}

/* A pooled text's place in its order, found by the text's address. */
struct text_rank {
	const char *text;
	size_t rank;
};

static int cmp_text_addr(const void *pa, const void *pb)
{
	const char *a = ((const struct text_rank *)pa)->text;
	const char *b = ((const struct text_rank *)pb)->text;

	return (a > b) - (a < b);
}

/* texts[0..n) sorted by cmp, each with its rank, sorted by address; NULL: no memory. */
static struct text_rank *rank_texts(const char **texts, size_t n,
				    int (*cmp)(const void *, const void *))
{
	struct text_rank *r = malloc((n ? n : 1) * sizeof(*r));

	if (!r)
		return NULL;
	qsort(texts, n, sizeof(*texts), cmp);
	for (size_t k = 0; k < n; k++)
		r[k] = (struct text_rank){ .text = texts[k], .rank = k };
	qsort(r, n, sizeof(*r), cmp_text_addr);
	return r;
}

static size_t rank_of_text(const struct text_rank *r, size_t n, const char *text)
{
	struct text_rank key = { .text = text };

	return ((const struct text_rank *)bsearch(&key, r, n, sizeof(*r), cmp_text_addr))->rank;
}

/*
 * A row's place within its device as cmp_dest_in_device orders it, in 32
 * bytes that settle most comparisons without reading the 200-byte rows (a
 * million of them, out of cache): qsort sorts records this small in place.
 * Named rows after the others; then, named: the name's case-insensitive
 * rank, protocol and port, the address text's first 8 bytes; without a
 * name: the address text's first 16 bytes, protocol and port.  The text
 * bytes are big-endian words (zero after the end), so that integer order
 * is strcmp's.  Equal keys are settled by the rows, then by position.
 */
struct row_rank {
	uint64_t key[3];
	uint32_t index;		/* into the rows */
	uint8_t named;
	uint8_t long_address;	/* no name, and the address text fills the 16 bytes */
};

static uint64_t text_word(const char *s, size_t len)
{
	uint8_t b[8] = { 0 };
	uint64_t w = 0;

	memcpy(b, s, len < 8 ? len : 8);
	for (int i = 0; i < 8; i++)
		w = w << 8 | b[i];
	return w;
}

static void row_rank_init(struct row_rank *k, const struct flow_row *r, uint32_t index,
			  size_t name_ci_rank)
{
	size_t len = strnlen(r->remote_ip, sizeof(r->remote_ip));
	uint64_t port = (uint64_t)r->proto << 16 | r->remote_port;

	k->index = index;
	k->named = r->name[0] != 0;
	k->long_address = !k->named && len >= 16;
	if (k->named) {
		k->key[0] = name_ci_rank;
		k->key[1] = port;
		k->key[2] = text_word(r->remote_ip, len);
	} else {
		k->key[0] = text_word(r->remote_ip, len);
		k->key[1] = len > 8 ? text_word(r->remote_ip + 8, len - 8) : 0;
		k->key[2] = port;
	}
}

static int cmp_row_rank(const void *pa, const void *pb, void *rows)
{
	const struct row_rank *a = pa, *b = pb;
	const struct flow_row *items = rows;
	int c;

	if (a->named != b->named)
		return a->named ? 1 : -1;
	for (int w = 0; w < 3; w++) {
		if (a->key[w] != b->key[w])
			return a->key[w] < b->key[w] ? -1 : 1;
		if (w == 1 && a->long_address)
			break;	/* the rest of the address comes before protocol and port */
	}
	c = cmp_dest_in_device(&items[a->index], &items[b->index]);
	return c ? c : (a->index > b->index) - (a->index < b->index);
}

/*
 * Faster than a qsort of the rows: rows are put in buckets by device (few,
 * ranked once by text), each bucket sorted as row_ranks, and the rows moved
 * once.
 */
int flow_rows_sort(struct flow_rows *rows)
{
	struct name_pool macs = { 0 };
	const char **mac_of = malloc((rows->len ? rows->len : 1) * sizeof(*mac_of));
	const char **devs = NULL, **names = NULL;
	struct text_rank *dev_ranks = NULL, *name_ranks = NULL;
	struct row_rank *order = malloc((rows->len ? rows->len : 1) * sizeof(*order));
	size_t *rank_of = malloc((rows->len ? rows->len : 1) * sizeof(*rank_of));
	size_t *start = NULL, *ci_rank = NULL, ndevs = 0, nnames = 0;
	struct flow_row *sorted = malloc((rows->len ? rows->len : 1) * sizeof(*sorted));
	int err = -ENOMEM;

	if (!mac_of || !order || !rank_of || !sorted)
		goto out;
	for (size_t i = 0; i < rows->len; i++)
		if (!(mac_of[i] = name_pool_intern(&macs, rows->items[i].device_mac)))
			goto out;
	/* The devices in text order (rank), and by address to find a row's rank. */
	devs = malloc((macs.count + 1) * sizeof(*devs));
	start = calloc(macs.count + 2, sizeof(*start));
	if (!devs || !start)
		goto out;
	for (size_t i = 0; i < macs.nslots; i++)
		if (macs.slots[i])
			devs[ndevs++] = macs.slots[i];
	/* "" is not pooled: the rows without a device, if any, are one more. */
	for (size_t i = 0; i < rows->len; i++)
		if (!mac_of[i][0]) {
			devs[ndevs++] = mac_of[i];
			break;
		}
	if (!(dev_ranks = rank_texts(devs, ndevs, cmp_text_ptr)))
		goto out;
	/* The names (pooled; "" is no name) ranked alike, and case-insensitively. */
	names = malloc((rows->names.count + 1) * sizeof(*names));
	ci_rank = malloc((rows->names.count + 1) * sizeof(*ci_rank));
	if (!names || !ci_rank)
		goto out;
	for (size_t i = 0; i < rows->names.nslots; i++)
		if (rows->names.slots[i])
			names[nnames++] = rows->names.slots[i];
	if (!(name_ranks = rank_texts(names, nnames, cmp_name_ptr)))
		goto out;
	for (size_t k = 0; k < nnames; k++)
		ci_rank[k] = k && !strcasecmp(names[k - 1], names[k]) ? ci_rank[k - 1] : k;
	for (size_t i = 0; i < rows->len; i++) {
		rank_of[i] = rank_of_text(dev_ranks, ndevs, mac_of[i]);
		start[rank_of[i] + 1]++;
	}
	for (size_t d = 0; d < ndevs; d++)
		start[d + 1] += start[d];
	for (size_t i = 0; i < rows->len; i++) {
		const struct flow_row *r = &rows->items[i];

		row_rank_init(&order[start[rank_of[i]]++], r, (uint32_t)i,
			      r->name[0] ? ci_rank[rank_of_text(name_ranks, nnames, r->name)] : 0);
	}
	for (size_t d = 0, from = 0; d < ndevs; from = start[d++])
		qsort_r(order + from, start[d] - from, sizeof(*order), cmp_row_rank, rows->items);
	for (size_t i = 0; i < rows->len; i++)
		sorted[i] = rows->items[order[i].index];
	free(rows->items);
	rows->items = sorted;
	rows->cap = rows->len ? rows->len : 1;
	sorted = NULL;
	err = 0;
out:
	free(sorted);
	free(order);
	free(mac_of);
	free(rank_of);
	free(devs);
	free(dev_ranks);
	free(names);
	free(name_ranks);
	free(ci_rank);
	free(start);
	name_pool_free(&macs);
	return err;
}
