/*
 * tap.h - a minimal TAP producer for the C unit tests of common/.
 * Each test file includes this once, calls ok()/is_str()/is_num() and
 * ends main with `return done_testing();`.
 */
#ifndef CDP_TAP_H
#define CDP_TAP_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_fail;

static int
ok_(int cond, const char *desc, const char *file, int line)
{
	tap_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, desc);
	if (!cond) {
		tap_fail++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return cond;
}

#define ok(cond, desc) ok_((cond), (desc), __FILE__, __LINE__)

static inline int
is_str_(const char *got, const char *want, const char *desc,
    const char *file, int line)
{
	int c = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);

	if (!ok_(c, desc, file, line))
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n",
		    got ? got : "(null)", want ? want : "(null)");
	return c;
}

#define is_str(got, want, desc) is_str_((got), (want), (desc), __FILE__, __LINE__)

static inline int
is_num_(double got, double want, double tol, const char *desc,
    const char *file, int line)
{
	int c = fabs(got - want) <= tol;

	if (!ok_(c, desc, file, line))
		printf("#   got:  %.10g\n#   want: %.10g (tol %g)\n", got, want, tol);
	return c;
}

#define is_num(got, want, tol, desc) \
	is_num_((got), (want), (tol), (desc), __FILE__, __LINE__)

static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_fail ? 1 : 0;
}

#endif
