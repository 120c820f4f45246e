/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A minimal TAP-producing test harness.  Each TEST is a function; EXPECT
 * records a failure with file:line and goes on, so one run shows every
 * broken case.  selftests/run.sh adds up the "ok"/"not ok" lines of all
 * test programs and scripts.
 *
 *	TEST(parses_vlan) { EXPECT(x == 1, "x is %d", x); }
 *	int main(void) { RUN(parses_vlan); return harness_done(); }
 */
#ifndef IOTRIM_HARNESS_H
#define IOTRIM_HARNESS_H

#include <stdbool.h>
#include <stdio.h>

static int harness_passed, harness_failed, harness_number;
static bool harness_current_failed;

#define TEST(name) static void name(void)

/* Records a failure of the current test; EXPECT and ASSERT call it. */
#define HARNESS_FAIL(cond_text, ...)                                               \
	do {                                                                       \
		harness_current_failed = true;                                     \
		printf("#   %s:%d: expected %s: ", __FILE__, __LINE__, cond_text);   \
		printf(__VA_ARGS__);                                               \
		printf("\n");                                                      \
	} while (0)

#define EXPECT(cond, ...)                                                          \
	do {                                                                       \
		if (!(cond))                                                       \
			HARNESS_FAIL(#cond, __VA_ARGS__);                          \
	} while (0)

/* Stops the current test when cond fails (e.g. a setup step). */
#define ASSERT(cond, ...)                                                          \
	do {                                                                       \
		if (!(cond)) {                                                     \
			HARNESS_FAIL(#cond, __VA_ARGS__);                          \
			return;                                                    \
		}                                                                  \
	} while (0)

static inline void harness_report(const char *name)
{
	harness_number++;
	if (harness_current_failed) {
		harness_failed++;
		printf("not ok %d - %s\n", harness_number, name);
	} else {
		harness_passed++;
		printf("ok %d - %s\n", harness_number, name);
	}
	fflush(stdout);
}

#define RUN(name)                                   \
	do {                                        \
		harness_current_failed = false;     \
		name();                             \
		harness_report(#name);              \
	} while (0)

/*
 * Runs fn(arg) as one test called name: a case of a table, named at run
 * time (a subtest).
 *
 *	for (int i = 0; i < ARRAY_SIZE(cases); i++)
 *		RUN_CASE(cases[i].name, run_case, &cases[i]);
 */
#define RUN_CASE(name, fn, arg)                     \
	do {                                        \
		harness_current_failed = false;     \
		fn(arg);                            \
		harness_report(name);               \
	} while (0)

/* Skips a test with a reason (TAP "# SKIP"): counted as neither. */
#define SKIP(name, reason) printf("ok %d - %s # SKIP %s\n", ++harness_number, #name, reason)

static inline int harness_done(void)
{
	printf("1..%d\n# %d passed, %d failed\n", harness_number, harness_passed,
	       harness_failed);
	return harness_failed ? 1 : 0;
}

#endif
