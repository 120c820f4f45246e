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

uint64_t boot_ns_to_wall_ns(uint64_t boot_ns)
{
	uint64_t now_boot, now_wall;

	if (translator)
		return translator(translator_ctx, boot_ns);
	now_boot = clock_ns(CLOCK_BOOTTIME);
	now_wall = clock_ns(CLOCK_REALTIME);
	if (boot_ns > now_boot)
		return now_wall;
	return now_wall - (now_boot - boot_ns);
}

int64_t boot_ns_to_unix_ms(uint64_t boot_ns)
{
	return (int64_t)(boot_ns_to_wall_ns(boot_ns) / 1000000ULL);
}

uint64_t wall_ms_to_boot_ns(int64_t wall_ms)
{
	int64_t boot_ns = clock_ns(CLOCK_BOOTTIME);
	int64_t delta_ns = wall_ms * 1000000LL - clock_ns(CLOCK_REALTIME);

	if (boot_ns + delta_ns <= 0)
		return 1;
	return boot_ns + delta_ns;
}
