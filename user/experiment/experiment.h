/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Experiments (METHODS 6, IoTrimmer's block-and-validate, and further):
 * which destinations a device can live without.  This header holds the pure
 * parts, each unit-tested without a network:
 *
 *   - the experiment file (INI, libinih): exp_config_*
 *   - destinations: grouping observed flows (name:port, else the address)
 *   - deny rules for a blocked set (name rules and unshared IP rules)
 *   - the trial planner (single, adaptive group testing, joint validation,
 *     minimal conflict search): deterministic, so a run is resumed by
 *     replaying the journaled outcomes into a fresh planner
 *   - verdicts
 *
 * The engine that runs commands, blocks through a backend and journals
 * each step is in engine.c (engine.h; the journal in journal.h).
 */
#ifndef IOTRIM_EXPERIMENT_H
#define IOTRIM_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXP_MAX_DESTS 256
#define EXP_MAX_FUNCS 32
#define EXP_MAX_IPS 16
#define EXP_NAME_MAX 256
#define EXP_FUNC_NAME_MAX 64
#define EXP_LABEL_MAX 320
#define EXP_MAX_CONFLICTS 64
#define EXP_MAX_EXCLUDES 64
/* Deny entries one blocked set can need: a name and every address, each. */
#define EXP_MAX_RULES (EXP_MAX_DESTS * (EXP_MAX_IPS + 1))

/* ---- sets of destinations (indices 0 .. EXP_MAX_DESTS-1) ------------------ */

struct exp_set {
	uint64_t w[EXP_MAX_DESTS / 64];
};

static inline void exp_set_add(struct exp_set *s, unsigned i) { s->w[i / 64] |= 1ULL << (i % 64); }
static inline void exp_set_del(struct exp_set *s, unsigned i) { s->w[i / 64] &= ~(1ULL << (i % 64)); }
static inline bool exp_set_has(const struct exp_set *s, unsigned i)
{
	return s->w[i / 64] >> (i % 64) & 1;
}
unsigned exp_set_count(const struct exp_set *s);
bool exp_set_equal(const struct exp_set *a, const struct exp_set *b);
bool exp_set_empty(const struct exp_set *s);
/* Index of the n-th member (0-based) in increasing order, or -1. */
int exp_set_nth(const struct exp_set *s, unsigned n);
/* "0,3,7" (empty string for the empty set); false if it does not fit. */
bool exp_set_format(const struct exp_set *s, char *out, size_t len);
bool exp_set_parse(const char *text, struct exp_set *s);

/* ---- the experiment file -------------------------------------------------- */

enum exp_strategy { EXP_SINGLE = 1, EXP_GROUP = 2 };
enum exp_action { EXP_DROP = 1, EXP_REJECT = 2 };

struct exp_function {
	char name[EXP_FUNC_NAME_MAX];
	char *trigger;		/* NULL: none (the check alone exercises it) */
	char *check;
	int line;		/* of the section header */
};

struct exp_config {
	char path[4096];	/* as given */
	char dir[4096];		/* absolute directory the commands run in */
	uint8_t mac[6];
	bool have_mac;
	char device_name[64];
	unsigned repetitions;	/* default 5 */
	enum exp_strategy strategy;	/* default group */
	enum exp_action action;	/* default drop */
	char *power_cycle;	/* NULL: none */
	unsigned boot_wait;	/* default 10 (s) */
	unsigned settle;	/* default 1 (s) */
	unsigned timeout;	/* default 30 (s) */
	unsigned max_failures;	/* default 3 */
	char *exclude[EXP_MAX_EXCLUDES];	/* "name:port", "name", "ip", "ip:port" */
	unsigned nexclude;
	struct exp_function funcs[EXP_MAX_FUNCS];
	unsigned nfuncs;
	/* [audit-tls]: after the trials, the TLS validation test (audit/tls_audit.h)
	 * while each functionality is triggered and checked once more. */
	bool audit_tls;
	unsigned audit_duration;	/* at least this long (s) */
	char audit_destination[EXP_NAME_MAX];	/* "": every TLS destination */
	uint16_t audit_port;
};

/*
 * Parses the text of an experiment file (path names it in messages; dir is
 * where its commands run).  On error returns -1 with "PATH:LINE: reason" in
 * err.  Unknown sections and keys, duplicates, bad numbers and missing
 * required keys are errors.
 */
int exp_config_parse_text(const char *text, const char *path, const char *dir,
			  struct exp_config *c, char *err, size_t errlen);
/* Reads the file (and keeps its text in *text_out if not NULL, to free). */
int exp_config_load(const char *path, struct exp_config *c, char **text_out, char *err,
		    size_t errlen);
void exp_config_free(struct exp_config *c);
const char *exp_strategy_name(enum exp_strategy s);
const char *exp_action_name(enum exp_action a);

/* ---- destinations ----------------------------------------------------------- */

struct exp_addr {
	uint8_t family;		/* enum iotrim_family: 4 or 6 */
	uint8_t ip[16];
};

/* One flow the device used during discovery (what a backend observes). */
struct exp_obs {
	char name[EXP_NAME_MAX];	/* "" when no name is known */
	uint8_t proto;
	uint16_t port;
	struct exp_addr addr;
	uint64_t bytes;
};

struct exp_dest {
	char name[EXP_NAME_MAX];	/* "" for a bare address */
	uint8_t proto;
	uint16_t port;
	struct exp_addr ips[EXP_MAX_IPS];
	unsigned nips;
	uint64_t bytes;
	char party[16];		/* first / support / third, "" if unknown */
	char country[3];	/* "" if unknown */
};

/* "api.vendor.example:443", "time.example:123/udp", "203.0.113.11/icmp", "[2001:db8::1]:80". */
void exp_dest_label(const struct exp_dest *d, char out[EXP_LABEL_MAX]);
bool exp_addr_parse(const char *s, struct exp_addr *a);
void exp_addr_format(const struct exp_addr *a, char *out, size_t len);
/* Does an exclude pattern ("name:port", "name", "ip", "ip:port") match d? */
bool exp_exclude_matches(const char *pattern, const struct exp_dest *d);

/*
 * Groups observations into destinations (IoTrimmer: name + port (+ protocol);
 * an address with no name is its own destination), drops those matching an
 * exclude pattern, orders them by bytes (most first), then label.  Returns
 * the count (at most max) or -1 when there are more than max.
 */
int exp_group_destinations(const struct exp_obs *obs, size_t nobs, char *const *exclude,
			   unsigned nexclude, struct exp_dest *out, unsigned max);

/* ---- deny rules ------------------------------------------------------------- */

enum exp_rule_kind { EXP_RULE_NAME = 1, EXP_RULE_IP = 2 };

struct exp_rule {
	enum exp_rule_kind kind;
	char name[EXP_NAME_MAX];	/* EXP_RULE_NAME */
	struct exp_addr addr;		/* EXP_RULE_IP (a host address) */
	uint8_t proto;			/* EXP_RULE_IP: 0 any */
	uint16_t port;			/* EXP_RULE_IP: 0 any */
};

/*
 * The deny entries that block the set: a name is blocked by name when every
 * destination of the device with that name, or a subdomain of it, is in the
 * set (a name rule covers subdomains and cannot be limited to a port); its
 * addresses are blocked too, for cached
 * answers, only where no destination outside the set uses the same address
 * (and, when port_scoped, protocol and port: IP rules then carry them).  An
 * address without a name is blocked by address.  Returns the count, or -1
 * if more than max.
 */
int exp_rules_for_set(const struct exp_dest *d, unsigned n, const struct exp_set *blocked,
		      bool port_scoped, struct exp_rule *out, unsigned max);
/* "name api.vendor.example" or "ip 203.0.113.10 tcp 443". */
void exp_rule_format(const struct exp_rule *r, char *out, size_t len);

/* ---- the planner ------------------------------------------------------------- */

enum exp_phase {
	EXP_PH_BASELINE = 1,	/* nothing blocked */
	EXP_PH_SEARCH,		/* single destinations, or adaptive groups */
	EXP_PH_JOINT,		/* everything found blockable for a functionality at once */
	EXP_PH_CONFLICT,	/* minimal conflicting set within a failed joint set */
	EXP_PH_CONFIRM,		/* group: a destination left out of the final set, alone */
	EXP_PH_DONE,
	EXP_PH_ABORTED,		/* baseline failed */
};
const char *exp_phase_name(enum exp_phase p);
enum exp_phase exp_phase_parse(const char *s);

/* What to do next: block set, trigger and check the functionalities fmask. */
struct exp_request {
	enum exp_phase phase;
	struct exp_set set;
	uint32_t fmask;
};

enum exp_status { EXP_UNKNOWN = 0, EXP_WORKS_PROVISIONAL, EXP_WORKS, EXP_BREAKS };

struct exp_cell {		/* one destination x functionality */
	uint8_t status;		/* enum exp_status */
	uint16_t successes, trials;	/* the evidence behind the verdict */
};

struct exp_conflict {
	unsigned func;
	struct exp_set set;	/* minimal: blocking all of it breaks func */
	int kept;		/* the member left allowed in the blocklist */
};

struct exp_task {		/* group search: test set for fmask */
	struct exp_set set;
	uint32_t fmask;
	uint32_t inferred;	/* fails inferred from the sibling: split without testing */
	int sibling;		/* index of the other half, -1 */
	bool started;
};

struct exp_plan {
	unsigned ndest, nfunc, reps, max_failures;
	enum exp_strategy strategy;
	enum exp_phase phase;
	char abort_reason[256];
	unsigned trials;	/* outcomes recorded after the baseline */
	unsigned baseline_runs;
	/* baseline */
	uint16_t base_ok[EXP_MAX_FUNCS], base_runs[EXP_MAX_FUNCS], base_consec[EXP_MAX_FUNCS];
	/* the current test, repeated: per functionality passes and fails */
	uint16_t cur_pass[EXP_MAX_FUNCS], cur_fail[EXP_MAX_FUNCS];
	unsigned cur_reps;
	uint32_t cur_open;	/* functionalities still undecided in the current test */
	/* verdict cells [dest][func] */
	struct exp_cell *cells;
	/* search */
	unsigned single_next;	/* single: next destination */
	struct exp_task *tasks;
	unsigned ntasks, tasks_cap;
	int *stack;
	unsigned nstack;
	int cur_task;
	/* joint validation: validated[f] is the set that passed for f */
	struct exp_set validated[EXP_MAX_FUNCS];
	bool have_validated[EXP_MAX_FUNCS];
	struct exp_set joint_set;
	uint32_t joint_fmask;
	struct exp_set kept;	/* left out of the blocklist to resolve conflicts */
	/* conflict search for func conf_func in conf_rest + conf_core */
	unsigned conf_func;
	int conf_list[EXP_MAX_DESTS];	/* the failed joint set, ordered */
	unsigned conf_len;	/* J = conf_list[0 .. conf_len) */
	struct exp_set conf_core;
	unsigned conf_lo, conf_hi, conf_mid;
	int conf_step;		/* 0 binary search, 1 test the core alone */
	struct exp_conflict conflicts[EXP_MAX_CONFLICTS];
	unsigned nconflicts;
	/* confirmation (group) */
	unsigned confirm_next;
};

int exp_plan_init(struct exp_plan *p, unsigned ndest, unsigned nfunc, unsigned reps,
		  enum exp_strategy strategy, unsigned max_failures);
void exp_plan_free(struct exp_plan *p);
/* The next trial; returns its phase, or EXP_PH_DONE / EXP_PH_ABORTED. */
enum exp_phase exp_plan_next(struct exp_plan *p, struct exp_request *r);
/*
 * The outcome of the trial exp_plan_next() asked for: bit f of works set if
 * functionality f (in r->fmask) worked.
 */
void exp_plan_record(struct exp_plan *p, const struct exp_request *r, uint32_t works);
/* Trials the rest of the run still needs, roughly (for the progress line). */
unsigned exp_plan_estimate_left(const struct exp_plan *p);
static inline struct exp_cell *exp_plan_cell(const struct exp_plan *p, unsigned d, unsigned f)
{
	return &p->cells[d * EXP_MAX_FUNCS + f];
}

/* ---- verdicts ----------------------------------------------------------------- */

enum exp_verdict { EXP_BLOCKABLE = 1, EXP_BLOCKABLE_SOME, EXP_UNBLOCKABLE, EXP_UNDECIDED };
const char *exp_verdict_name(enum exp_verdict v);

struct exp_dest_result {
	enum exp_verdict verdict;
	uint32_t breaks;	/* functionalities it breaks */
	uint32_t flaky;		/* functionalities with neither all nor no successes */
	unsigned successes, trials;	/* summed over the functionalities */
	int conflict;		/* index into plan conflicts, -1 */
	bool kept;		/* blockable, but left allowed to resolve a conflict */
	bool in_blocklist;
};

void exp_verdicts(const struct exp_plan *p, struct exp_dest_result *out);

#endif
