// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The pace of progress lines (common/progress.h): quiet at first, then one a second. */
#include <stdlib.h>

#include "common/progress.h"
#include "harness.h"

TEST(quiet_for_the_first_second_by_default)
{
	struct progress_pace p;

	unsetenv(PROGRESS_AFTER_ENV);
	progress_start(&p);
	EXPECT(p.after == 1, "default threshold %g", p.after);
	EXPECT(!progress_due(&p), "a line at once");
}

TEST(threshold_zero_prints_once_then_waits_a_second)
{
	struct progress_pace p;

	setenv(PROGRESS_AFTER_ENV, "0", 1);
	progress_start(&p);
	EXPECT(progress_due(&p), "no first line with threshold 0");
	EXPECT(!progress_due(&p), "a second line within the second");
	p.last -= 1.5;		/* as if the last line were 1.5 s ago */
	EXPECT(progress_due(&p), "no line a second after the last");
}

TEST(a_bad_threshold_keeps_the_default)
{
	struct progress_pace p;

	setenv(PROGRESS_AFTER_ENV, "soon", 1);
	progress_start(&p);
	EXPECT(p.after == 1, "threshold %g", p.after);
	p.start -= 1.5;		/* as if started 1.5 s ago */
	EXPECT(progress_due(&p), "no line after the default second");
}

int main(void)
{
	RUN(quiet_for_the_first_second_by_default);
	RUN(threshold_zero_prints_once_then_waits_a_second);
	RUN(a_bad_threshold_keeps_the_default);
	return harness_done();
}
