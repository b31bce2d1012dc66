/*
 * bench-compare.c - how fast the comparators score pairs; not a test.
 *
 *	bench-compare [PAIRS]
 *
 * Times cmp_jaro_winkler on PAIRS (default 10,000,000) pairs of
 * typical first and last names, half of them variants of each other
 * (typos, swaps, accents) and half unrelated, then whole records: eight
 * fields (two names, birth date, postcode, city, street, email, phone)
 * turned into comparison levels with cmp_level, the work cdp-match does
 * per candidate pair.  Prints pairs per CPU second for both.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "match/comparators.h"

#define NPOOL	4096	/* distinct pairs, cycled */

static const char *const first[] = {
	"jean", "marie", "pierre", "michel", "andre", "philippe", "nathalie",
	"isabelle", "sylvie", "catherine", "françois", "stéphane", "frédéric",
	"christophe", "sébastien", "laurent", "olivier", "nicolas", "valérie",
	"sandrine", "aurélie", "julien", "thomas", "camille", "léa", "chloé",
	"emma", "lucas", "hugo", "manon", "john", "mary", "robert", "patricia",
	"jennifer", "michael", "elizabeth", "william", "margaret", "zoë",
};

static const char *const last[] = {
	"martin", "bernard", "dubois", "thomas", "robert", "richard", "petit",
	"durand", "leroy", "moreau", "simon", "laurent", "lefebvre", "michel",
	"garcia", "david", "bertrand", "roux", "vincent", "fournier",
	"morel", "girard", "andré", "lefèvre", "mercier", "dupont", "lambert",
	"bonnet", "françois", "martinez", "smith", "johnson", "williams",
	"brown", "jones", "miller", "davis", "müller", "nguyen", "o'brien",
};

static uint64_t rng = 7;

/*
 * CPU seconds of this process: the machine is shared, and wall time
 * would measure the neighbours as much as the comparators.
 */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
next_rand(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define PICK(a)	((a)[next_rand() % (sizeof(a) / sizeof((a)[0]))])

/* A typo of an ASCII-ish name: swap, drop or replace one byte. */
static char *
variant(const char *s)
{
	char *v = xstrdup(s);
	size_t n = strlen(v), i;

	if (n < 3 || (v[0] & 0x80))
		return v;
	i = 1 + next_rand() % (n - 2);
	if (v[i] & 0x80 || v[i + 1] & 0x80)
		return v;
	switch (next_rand() % 3) {
	case 0: {
		char t = v[i];

		v[i] = v[i + 1];
		v[i + 1] = t;
		break;
	}
	case 1:
		memmove(v + i, v + i + 1, n - i);
		break;
	default:
		v[i] = (char)('a' + next_rand() % 26);
		break;
	}
	return v;
}

/* Lengths kept beside the values, as cdp-match keeps them. */
struct rec {
	char	*f[8];
	size_t	 len[8];
};

static void
make_rec(struct rec *r, int like, const struct rec *o)
{
	char buf[64];
	int k;

	if (like) {
		r->f[0] = variant(o->f[0]);
		r->f[1] = variant(o->f[1]);
		r->f[2] = xstrdup(next_rand() % 4 ? o->f[2] : "1985-12-03");
		r->f[3] = xstrdup(o->f[3]);
		r->f[4] = xstrdup(o->f[4]);
		r->f[5] = variant(o->f[5]);
		r->f[6] = xstrdup(o->f[6]);
		r->f[7] = xstrdup(next_rand() % 2 ? o->f[7] : "0612345678");
		goto out;
	}
	r->f[0] = xstrdup(PICK(first));
	r->f[1] = xstrdup(PICK(last));
	snprintf(buf, sizeof(buf), "19%02d-%02d-%02d",
	    (int)(next_rand() % 100), (int)(1 + next_rand() % 12),
	    (int)(1 + next_rand() % 28));
	r->f[2] = xstrdup(buf);
	snprintf(buf, sizeof(buf), "%05d", (int)(next_rand() % 96000));
	r->f[3] = xstrdup(buf);
	r->f[4] = xstrdup(next_rand() % 2 ? "paris" : "saint-étienne");
	snprintf(buf, sizeof(buf), "%d rue %s", (int)(next_rand() % 120),
	    PICK(last));
	r->f[5] = xstrdup(buf);
	snprintf(buf, sizeof(buf), "%s.%s@example.fr", r->f[0], r->f[1]);
	r->f[6] = xstrdup(buf);
	snprintf(buf, sizeof(buf), "+336%08d", (int)(next_rand() % 100000000));
	r->f[7] = xstrdup(buf);
out:
	for (k = 0; k < 8; k++)
		r->len[k] = strlen(r->f[k]);
}

int
main(int argc, char *argv[])
{
	static const char *const kinds[8] = { "name", "name", "date",
	    "postcode", "text", "text", "email", "phone" };
	const struct cmp_field *fld[8];
	struct rec *a, *b;
	long long n = 10000000;
	const char *errstr;
	double t, sum = 0;
	long long i, lsum = 0;
	int k;

	set_progname(argv[0]);
	if (argc > 1 && parse_ll(argv[1], 1, 1000000000LL, &n, &errstr) == -1)
		die(EXIT_USAGE, "pairs %s: %s", quote_value(argv[1],
		    strlen(argv[1])), errstr);
	a = xcalloc(NPOOL, sizeof(*a));
	b = xcalloc(NPOOL, sizeof(*b));
	for (i = 0; i < NPOOL; i++) {
		make_rec(&a[i], 0, NULL);
		make_rec(&b[i], i % 2, &a[i]);
	}
	for (k = 0; k < 8; k++)
		fld[k] = cmp_default_field(kinds[k]);

	t = cpu_now();
	for (i = 0; i < n; i++) {
		const struct rec *x = &a[i % NPOOL], *y = &b[i % NPOOL];
		int f = (int)(i & 1);

		sum += cmp_jaro_winkler(x->f[f], x->len[f], y->f[f],
		    y->len[f]);
	}
	t = cpu_now() - t;
	printf("jaro-winkler: %lld name pairs in %.3f s of CPU: %.0f pairs/s "
	    "(mean %.4f)\n", n, t, (double)n / t, sum / (double)n);

	n /= 4;
	t = cpu_now();
	for (i = 0; i < n; i++) {
		const struct rec *x = &a[i % NPOOL], *y = &b[i % NPOOL];

		for (k = 0; k < 8; k++)
			lsum += cmp_level(fld[k], x->f[k], x->len[k],
			    y->f[k], y->len[k]);
	}
	t = cpu_now() - t;
	printf("cmp_level: %lld records of 8 fields in %.3f s of CPU: %.0f "
	    "pairs/s (mean level %.3f)\n", n, t, (double)n / t,
	    (double)lsum / (double)n / 8);

	for (i = 0; i < NPOOL; i++)
		for (k = 0; k < 8; k++) {
			free(a[i].f[k]);
			free(b[i].f[k]);
		}
	free(a);
	free(b);
	return 0;
}
