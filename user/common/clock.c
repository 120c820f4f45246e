// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <time.h>

#include "common/clock.h"

#define NS_PER_S 1000000000LL

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

uint64_t clock_boot_ns(void)
{
	return clock_ns(CLOCK_BOOTTIME);
}

int64_t clock_wall_ms(void)
{
	return clock_ns(CLOCK_REALTIME) / 1000000;
}

double clock_mono_s(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1e9;
}

static boot_ns_translator translator;
static void *translator_ctx;

void clock_set_boot_translator(boot_ns_translator fn, void *ctx)
{
	translator = fn;
	translator_ctx = ctx;
}

/*
 * Wall clock minus boot clock.  Reading the two clocks one after the other
 * can be split by a preemption, which would shift every conversion by that
 * long; so the offset is the tightest of three wall-boot-wall readings, and
 * it is kept for a second, so the conversions close together in time (one
 * harvest, one batch of events) agree with each other.  A step of the wall
 * clock is picked up within a second.
 */
static int64_t boot_to_wall_offset(int64_t now)	/* now: the boot clock */
{
	static int64_t offset, measured_at;
	int64_t best = -1;

	if (measured_at && now - measured_at < NS_PER_S)
		return offset;
	for (int i = 0; i < 3; i++) {
		int64_t w1 = clock_ns(CLOCK_REALTIME);
		int64_t b = clock_ns(CLOCK_BOOTTIME);
		int64_t w2 = clock_ns(CLOCK_REALTIME);

		if (best < 0 || w2 - w1 < best) {
			best = w2 - w1;
			offset = w1 + (w2 - w1) / 2 - b;
		}
	}
	measured_at = now;
	return offset;
}

uint64_t boot_ns_to_wall_ns(uint64_t boot_ns)
{
	uint64_t now_boot;

	if (translator)
		return translator(translator_ctx, boot_ns);
	now_boot = clock_ns(CLOCK_BOOTTIME);
	if (boot_ns > now_boot)
		boot_ns = now_boot;	/* not in the future */
	/* That read times the offset's second too: one clock read per conversion. */
	return boot_ns + boot_to_wall_offset((int64_t)now_boot);
}

int64_t boot_ns_to_unix_ms(uint64_t boot_ns)
{
	return (int64_t)(boot_ns_to_wall_ns(boot_ns) / 1000000ULL);
}

uint64_t wall_ms_to_boot_ns(int64_t wall_ms)
{
	int64_t boot_ns = wall_ms * 1000000LL - boot_to_wall_offset(clock_ns(CLOCK_BOOTTIME));

	return boot_ns <= 0 ? 1 : (uint64_t)boot_ns;
}
