// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The planner against simulated devices (selftests/lib/experiment_oracle.h):
 * both strategies reach the ground-truth verdict of every destination,
 * conflicts are found, flaky checks are marked, a failing baseline aborts,
 * and a run replayed from any point ends the same.  Also destination
 * grouping and the deny rules of a blocked set.
 */
#include <stdlib.h>
#include <string.h>

#include "experiment/experiment.h"
#include "experiment_oracle.h"
#include "harness.h"
#include "iotrim.h"

static struct exp_dest_result res[EXP_MAX_DESTS];

static enum exp_phase run_oracle(struct oracle *o, struct exp_plan *p, enum exp_strategy s,
				 unsigned reps)
{
	enum exp_phase ph;

	o->checks = 0;
	exp_plan_init(p, o->ndest, o->nfunc, reps, s, 3);
	ph = oracle_run(o, p, 100000);
	exp_verdicts(p, res);
	return ph;
}

static void check_truth(struct oracle *o, const char *what)
{
	for (enum exp_strategy s = EXP_SINGLE; s <= EXP_GROUP; s++) {
		struct exp_plan p;

		EXPECT(run_oracle(o, &p, s, 5) == EXP_PH_DONE, "%s %s: finished",
		       what, exp_strategy_name(s));
		for (unsigned d = 0; d < o->ndest; d++) {
			uint32_t want = oracle_breaks(o, d);
			enum exp_verdict v = !want ? EXP_BLOCKABLE
				: want == (1u << o->nfunc) - 1 ? EXP_UNBLOCKABLE : EXP_BLOCKABLE_SOME;

			EXPECT(res[d].verdict == v && res[d].breaks == want,
			       "%s %s: destination %u is %s (breaks %#x), want %s (%#x)", what,
			       exp_strategy_name(s), d, exp_verdict_name(res[d].verdict), res[d].breaks,
			       exp_verdict_name(v), want);
		}
		exp_plan_free(&p);
	}
}

/* bulb: 0 api.vendor.example:443 (critical), 1 time, 2 log (shares the API's IP), 3 ping */
TEST(bulb_ground_truth)
{
	struct oracle o = { .ndest = 4, .nfunc = 1 };

	oracle_need(&o, 0, 0, -1);
	check_truth(&o, "bulb");
}

/* camera: watch needs 0 (api) and 1 (stream); snapshot needs only 0; 2 ntp */
TEST(camera_blockable_some)
{
	struct oracle o = { .ndest = 3, .nfunc = 2 };
	struct exp_plan p;

	oracle_need(&o, 0, 0, -1);
	oracle_need(&o, 0, 1, -1);
	oracle_need(&o, 1, 0, -1);
	check_truth(&o, "camera");
	run_oracle(&o, &p, EXP_GROUP, 5);
	EXPECT(res[1].verdict == EXP_BLOCKABLE_SOME && res[1].breaks == 1, "stream breaks watch only");
	EXPECT(!res[1].in_blocklist, "blockable-some is not in the blocklist");
	exp_plan_free(&p);
}

/* plug: 0 cloud (needed), 1 and 2 redundant time servers, 3 log */
TEST(plug_conflict)
{
	struct oracle o = { .ndest = 4, .nfunc = 1 };

	oracle_need(&o, 0, 0, -1);
	oracle_need(&o, 0, 1, 2);
	check_truth(&o, "plug");
	for (enum exp_strategy s = EXP_SINGLE; s <= EXP_GROUP; s++) {
		struct exp_plan p;
		struct exp_set want = { 0 };

		run_oracle(&o, &p, s, 5);
		exp_set_add(&want, 1);
		exp_set_add(&want, 2);
		ASSERT(p.nconflicts == 1, "%s: %u conflicts", exp_strategy_name(s), p.nconflicts);
		EXPECT(exp_set_equal(&p.conflicts[0].set, &want), "%s: the pair", exp_strategy_name(s));
		EXPECT(p.conflicts[0].kept == 1, "%s: kept %d", exp_strategy_name(s), p.conflicts[0].kept);
		EXPECT(res[1].verdict == EXP_BLOCKABLE && res[2].verdict == EXP_BLOCKABLE,
		       "%s: each blockable alone", exp_strategy_name(s));
		EXPECT(!res[1].in_blocklist && res[2].in_blocklist && res[3].in_blocklist,
		       "%s: one server stays allowed", exp_strategy_name(s));
		EXPECT(res[1].trials >= 5, "%s: the kept one was confirmed alone (%u trials)",
		       exp_strategy_name(s), res[1].trials);
		exp_plan_free(&p);
	}
}

/* a device whose check fails one time in five, whatever is blocked */
TEST(flaky_marked)
{
	struct oracle o = { .ndest = 4, .nfunc = 1, .flaky_every = 5 };

	oracle_need(&o, 0, 0, -1);
	check_truth(&o, "flaky");
	for (enum exp_strategy s = EXP_SINGLE; s <= EXP_GROUP; s++) {
		struct exp_plan p;

		run_oracle(&o, &p, s, 5);
		for (unsigned d = 1; d < 4; d++)
			EXPECT(res[d].flaky && res[d].verdict == EXP_BLOCKABLE,
			       "%s: destination %u flaky (%u/%u)", exp_strategy_name(s), d,
			       res[d].successes, res[d].trials);
		EXPECT(!res[0].flaky && res[0].successes == 0, "%s: the needed one is not flaky",
		       exp_strategy_name(s));
		exp_plan_free(&p);
	}
}

TEST(baseline_failures_abort)
{
	struct oracle o = { .ndest = 2, .nfunc = 1 };
	struct exp_plan p;

	oracle_need(&o, 0, 0, -1);
	o.flaky_every = 1;	/* never works */
	EXPECT(run_oracle(&o, &p, EXP_GROUP, 5) == EXP_PH_ABORTED, "aborted");
	EXPECT(p.baseline_runs == 3 && strstr(p.abort_reason, "3 times in a row"),
	       "after 3 runs: %u, '%s'", p.baseline_runs, p.abort_reason);
	EXPECT(p.trials == 0, "no trial");
	exp_plan_free(&p);
	o.flaky_every = 2;	/* works half the time: never 3 in a row, but not a majority */
	EXPECT(run_oracle(&o, &p, EXP_GROUP, 4) == EXP_PH_ABORTED, "aborted");
	EXPECT(strstr(p.abort_reason, "only"), "'%s'", p.abort_reason);
	exp_plan_free(&p);
}

TEST(synthetic_group_beats_single)
{
	struct oracle o;
	unsigned single = 0, group = 0;

	for (unsigned seed = 1; seed <= 6; seed++) {
		struct exp_plan p;

		oracle_synthetic(&o, 20, 5, 2, seed * 31337);
		check_truth(&o, "synthetic");
		run_oracle(&o, &p, EXP_SINGLE, 5);
		single += p.trials;
		exp_plan_free(&p);
		run_oracle(&o, &p, EXP_GROUP, 5);
		group += p.trials;
		exp_plan_free(&p);
	}
	EXPECT(group * 2 < single, "group %u trials, single %u", group, single);
}

TEST(large_device_and_two_conflicts)
{
	struct oracle o = { .ndest = 200, .nfunc = 2 };

	oracle_need(&o, 0, 17, -1);
	oracle_need(&o, 1, 150, -1);
	oracle_need(&o, 0, 3, 99);	/* two redundant pairs */
	oracle_need(&o, 1, 40, 41);
	check_truth(&o, "large");
	for (enum exp_strategy s = EXP_SINGLE; s <= EXP_GROUP; s++) {
		struct exp_plan p;
		unsigned in_list = 0;

		run_oracle(&o, &p, s, 3);
		EXPECT(p.nconflicts == 2, "%s: %u conflicts", exp_strategy_name(s), p.nconflicts);
		for (unsigned d = 0; d < o.ndest; d++)
			in_list += res[d].in_blocklist;
		EXPECT(in_list == 200 - 2 - 2, "%s: %u in the blocklist", exp_strategy_name(s), in_list);
		if (s == EXP_GROUP)
			EXPECT(p.trials < 200, "group: %u trials for 200 destinations", p.trials);
		exp_plan_free(&p);
	}
}

/* A run stopped after k outcomes and replayed goes on exactly as an unbroken one. */
TEST(replay_from_any_point)
{
	struct oracle o = { .ndest = 6, .nfunc = 2 };
	struct exp_request log[400];
	uint32_t works[400];
	unsigned n = 0;
	struct exp_plan full;

	oracle_need(&o, 0, 0, -1);
	oracle_need(&o, 1, 3, 4);
	oracle_need(&o, 1, 5, -1);
	exp_plan_init(&full, o.ndest, o.nfunc, 3, EXP_GROUP, 3);
	while (exp_plan_next(&full, &log[n]) != EXP_PH_DONE && n < 400) {
		works[n] = 0;
		for (unsigned f = 0; f < o.nfunc; f++)
			if ((log[n].fmask >> f & 1) && oracle_works(&o, &log[n].set, f))
				works[n] |= 1u << f;
		exp_plan_record(&full, &log[n], works[n]);
		n++;
	}
	ASSERT(full.phase == EXP_PH_DONE && n > 10, "ran %u", n);
	for (unsigned k = 0; k <= n; k += 3) {
		struct exp_plan p;
		struct exp_request r;
		bool same = true;

		exp_plan_init(&p, o.ndest, o.nfunc, 3, EXP_GROUP, 3);
		for (unsigned i = 0; i < n; i++) {
			exp_plan_next(&p, &r);
			if (i >= k)	/* a fresh planner after the "crash": asks again */
				exp_plan_next(&p, &r);
			same &= r.phase == log[i].phase && r.fmask == log[i].fmask &&
				exp_set_equal(&r.set, &log[i].set);
			exp_plan_record(&p, &r, works[i]);
		}
		EXPECT(same && exp_plan_next(&p, &r) == EXP_PH_DONE && p.trials == full.trials &&
			       !memcmp(p.cells, full.cells, o.ndest * EXP_MAX_FUNCS * sizeof(*p.cells)),
		       "replay from %u", k);
		exp_plan_free(&p);
	}
	exp_plan_free(&full);
}

static struct exp_obs obs(const char *name, int proto, int port, const char *ip, uint64_t bytes)
{
	struct exp_obs o = { .proto = (uint8_t)proto, .port = (uint16_t)port, .bytes = bytes };

	snprintf(o.name, sizeof(o.name), "%s", name);
	exp_addr_parse(ip, &o.addr);
	return o;
}

TEST(grouping_and_labels)
{
	struct exp_obs in[] = {
		obs("api.vendor.example", 6, 443, "203.0.113.10", 100),
		obs("api.vendor.example", 6, 443, "2001:db8:100::10", 50),
		obs("API.vendor.example", 6, 80, "203.0.113.10", 10),
		obs("", 1, 0, "203.0.113.11", 5),
		obs("time.example", 17, 123, "203.0.113.12", 20),
		obs("", 6, 8080, "2001:db8::1", 1),
	};
	char *excl[] = { "time.example:123" };
	struct exp_dest d[8];
	char label[EXP_LABEL_MAX];
	int n = exp_group_destinations(in, 6, excl, 1, d, 8);

	ASSERT(n == 4, "%d destinations", n);
	exp_dest_label(&d[0], label);
	EXPECT(!strcmp(label, "api.vendor.example:443") && d[0].nips == 2 && d[0].bytes == 150,
	       "first '%s' %u ips", label, d[0].nips);
	exp_dest_label(&d[1], label);
	EXPECT(!strcmp(label, "api.vendor.example:80"), "same name, other port: '%s'", label);
	exp_dest_label(&d[2], label);
	EXPECT(!strcmp(label, "203.0.113.11/icmp"), "'%s'", label);
	exp_dest_label(&d[3], label);
	EXPECT(!strcmp(label, "[2001:db8::1]:8080"), "'%s'", label);
	EXPECT(exp_exclude_matches("api.vendor.example", &d[1]) &&
		       exp_exclude_matches("203.0.113.11", &d[2]) &&
		       !exp_exclude_matches("api.vendor.example:443", &d[1]), "patterns");
	EXPECT(exp_group_destinations(in, 6, NULL, 0, d, 2) == -1, "too many");
}

static bool has_rule(const struct exp_rule *r, int n, const char *text)
{
	for (int i = 0; i < n; i++) {
		char t[512];

		exp_rule_format(&r[i], t, sizeof(t));
		if (!strcmp(t, text))
			return true;
	}
	return false;
}

TEST(rules_spare_shared_addresses)
{
	struct exp_obs in[] = {
		obs("api.vendor.example", 6, 443, "203.0.113.10", 100),
		obs("log.vendor.example", 6, 443, "203.0.113.10", 50),	/* same IP and port */
		obs("log.vendor.example", 6, 443, "203.0.113.99", 50),
		obs("time.example", 17, 123, "203.0.113.12", 20),
		obs("time.example", 6, 443, "203.0.113.12", 10),	/* same name, other port */
		obs("", 1, 0, "203.0.113.11", 5),
	};
	struct exp_dest d[8];
	struct exp_rule r[32];
	struct exp_set s = { 0 };
	int n = exp_group_destinations(in, 6, NULL, 0, d, 8), k, log = -1, ntp = -1, ping = -1;

	ASSERT(n == 5, "%d destinations", n);
	for (int i = 0; i < n; i++) {
		if (!strcmp(d[i].name, "log.vendor.example"))
			log = i;
		if (!strcmp(d[i].name, "time.example") && d[i].port == 123)
			ntp = i;
		if (!d[i].name[0])
			ping = i;
	}
	exp_set_add(&s, (unsigned)log);
	k = exp_rules_for_set(d, (unsigned)n, &s, true, r, 32);
	EXPECT(k == 2 && has_rule(r, k, "name log.vendor.example") &&
		       has_rule(r, k, "ip 203.0.113.99 tcp 443") && !has_rule(r, k, "ip 203.0.113.10 tcp 443"),
	       "log: name and its unshared address only (%d rules)", k);
	memset(&s, 0, sizeof(s));
	exp_set_add(&s, (unsigned)ntp);
	k = exp_rules_for_set(d, (unsigned)n, &s, true, r, 32);
	EXPECT(k == 1 && has_rule(r, k, "ip 203.0.113.12 udp 123"),
	       "time.example:123 alone: no name rule while :443 stays (%d rules)", k);
	memset(&s, 0, sizeof(s));
	exp_set_add(&s, (unsigned)ping);
	k = exp_rules_for_set(d, (unsigned)n, &s, true, r, 32);
	EXPECT(k == 1 && has_rule(r, k, "ip 203.0.113.11 icmp"), "a bare address by address");
	/* a name rule covers subdomains: no rule for a parent of a name still in use */
	{
		struct exp_obs sub[] = {
			obs("vendor.example", 6, 443, "203.0.113.70", 10),
			obs("api.vendor.example", 6, 443, "203.0.113.71", 10),
			obs("xvendor.example", 6, 443, "203.0.113.72", 10),
		};
		struct exp_dest e[4];
		int m = exp_group_destinations(sub, 3, NULL, 0, e, 4), parent = -1;
		struct exp_set ps = { 0 };

		for (int i = 0; i < m; i++)
			if (!strcmp(e[i].name, "vendor.example"))
				parent = i;
		exp_set_add(&ps, (unsigned)parent);
		k = exp_rules_for_set(e, (unsigned)m, &ps, true, r, 32);
		EXPECT(k == 1 && has_rule(r, k, "ip 203.0.113.70 tcp 443"),
		       "vendor.example alone: no name rule while api.vendor.example is in use (%d)", k);
		for (int i = 0; i < m; i++)
			if (!strcmp(e[i].name, "api.vendor.example"))
				exp_set_add(&ps, (unsigned)i);
		k = exp_rules_for_set(e, (unsigned)m, &ps, true, r, 32);
		EXPECT(has_rule(r, k, "name vendor.example"),
		       "with its subdomain blocked too, by name (xvendor.example is no subdomain)");
	}
	/* without port-scoped entries, any other use of the address protects it */
	memset(&s, 0, sizeof(s));
	exp_set_add(&s, (unsigned)ntp);
	k = exp_rules_for_set(d, (unsigned)n, &s, false, r, 32);
	EXPECT(k == 0, "unscoped: time.example's address is used on :443 too (%d rules)", k);
}

/* Two names on one address and port: each is tested by its name, the address stays open. */
TEST(two_names_on_one_address_and_port)
{
	struct exp_obs o[] = {
		obs("api.vendor.example", 6, 80, "203.0.113.10", 10),
		obs("log.vendor.example", 6, 80, "203.0.113.10", 10),
		obs("api.vendor.example", 6, 443, "203.0.113.10", 10),
	};
	struct exp_dest d[4];
	struct exp_rule r[32];
	struct exp_set s = { 0 };
	int n = exp_group_destinations(o, 3, NULL, 0, d, 4), api80 = -1, log80 = -1, k;

	ASSERT(n == 3, "three destinations (%d)", n);
	for (int i = 0; i < n; i++) {
		if (d[i].port == 80 && !strcmp(d[i].name, "api.vendor.example"))
			api80 = i;
		if (d[i].port == 80 && !strcmp(d[i].name, "log.vendor.example"))
			log80 = i;
	}
	ASSERT(api80 >= 0 && log80 >= 0, "both names are candidates on :80");
	exp_set_add(&s, (unsigned)log80);
	k = exp_rules_for_set(d, (unsigned)n, &s, true, r, 32);
	EXPECT(k == 1 && has_rule(r, k, "name log.vendor.example"), "log:80 by name only (%d rules)", k);
	memset(&s, 0, sizeof(s));
	exp_set_add(&s, (unsigned)api80);
	k = exp_rules_for_set(d, (unsigned)n, &s, true, r, 32);
	EXPECT(k == 1 && has_rule(r, k, "name api.vendor.example"),
	       "api:80 can only be blocked by its name, :443 goes with it (%d rules)", k);
}

TEST(sets_round_trip)
{
	struct exp_set s = { 0 }, t;
	char text[256];

	exp_set_add(&s, 0);
	exp_set_add(&s, 63);
	exp_set_add(&s, 64);
	exp_set_add(&s, 255);
	ASSERT(exp_set_format(&s, text, sizeof(text)), "format");
	EXPECT(!strcmp(text, "0,63,64,255"), "'%s'", text);
	EXPECT(exp_set_parse(text, &t) && exp_set_equal(&s, &t) && exp_set_count(&t) == 4, "parse");
	EXPECT(exp_set_parse("", &t) && exp_set_empty(&t), "empty");
	EXPECT(!exp_set_parse("1,x", &t) && !exp_set_parse("256", &t), "bad");
	EXPECT(exp_set_nth(&s, 2) == 64 && exp_set_nth(&s, 4) == -1, "nth");
}

int main(void)
{
	RUN(bulb_ground_truth);
	RUN(camera_blockable_some);
	RUN(plug_conflict);
	RUN(flaky_marked);
	RUN(baseline_failures_abort);
	RUN(synthetic_group_beats_single);
	RUN(large_device_and_two_conflicts);
	RUN(replay_from_any_point);
	RUN(grouping_and_labels);
	RUN(rules_spare_shared_addresses);
	RUN(two_names_on_one_address_and_port);
	RUN(sets_round_trip);
	return harness_done();
}
