/*
 * t-compare.c - unit tests for common/match/comparators.c: string comparators
 * against published and reference (jellyfish 0.8.9) values, bounded
 * edit distances against a plain full-matrix implementation, dates,
 * numbers, and the level of each built-in field comparison.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "match/comparators.h"
#include "tap.h"

#define S(s)	(s), strlen(s)

/* Jaro and Jaro-Winkler as jellyfish 0.8.9 computes them (code points). */
static const struct {
	const char	*a, *b;
	double		 jaro, jw;
} jtab[] = {
	{ "MARTHA", "MARHTA", 0.94444444444444453, 0.96111111111111114 },
	{ "DWAYNE", "DUANE", 0.8222222222222223, 0.84000000000000008 },
	{ "DIXON", "DICKSONX", 0.76666666666666661, 0.81333333333333324 },
	{ "JELLYFISH", "SMELLYFISH", 0.89629629629629637, 0.89629629629629637 },
	{ "martin", "martinez", 0.91666666666666663, 0.94999999999999996 },
	{ "jean", "jeanne", 0.88888888888888884, 0.93333333333333335 },
	{ "dupont", "dupond", 0.88888888888888895, 0.93333333333333335 },
	{ "catherine", "katherine", 0.92592592592592593, 0.92592592592592593 },
	{ "stephane", "stéphane", 0.91666666666666663, 0.93333333333333335 },
	{ "françois", "francois", 0.91666666666666663, 0.94999999999999996 },
	{ "zoë", "zoe", 0.77777777777777768, 0.82222222222222219 },
	{ "müller", "mueller", 0.78253968253968254, 0.80428571428571427 },
	{ "nguyen", "ngyuen", 0.94444444444444453, 0.9555555555555556 },
	{ "smith", "smyth", 0.8666666666666667, 0.89333333333333331 },
	{ "ab", "ba", 0, 0 },
	{ "CRATE", "TRACE", 0.73333333333333339, 0.73333333333333339 },
	{ "a", "a", 1, 1 },
	{ "a", "b", 0, 0 },
	{ "abc", "xyz", 0, 0 },
	{ "x", "xy", 0.83333333333333337, 0.85000000000000009 },
	{ "李小龍", "李小龙", 0.77777777777777768, 0.82222222222222219 },
	{ "jean-pierre", "pierre-jean", 0.5696969696969697, 0.5696969696969697 },
	{ "elisabeth", "elizabeth", 0.92592592592592593, 0.94814814814814818 },
	{ "bernard", "bertrand", 0.9107142857142857, 0.9375 },
};

static void
test_jaro(void)
{
	char a[128], b[128], d[80];
	size_t i;

	for (i = 0; i < sizeof(jtab) / sizeof(jtab[0]); i++) {
		snprintf(d, sizeof(d), "jaro %s/%s", jtab[i].a, jtab[i].b);
		is_num(cmp_jaro(S(jtab[i].a), S(jtab[i].b)), jtab[i].jaro,
		    1e-12, d);
		snprintf(d, sizeof(d), "jaro-winkler %s/%s", jtab[i].a,
		    jtab[i].b);
		is_num(cmp_jaro_winkler(S(jtab[i].a), S(jtab[i].b)),
		    jtab[i].jw, 1e-12, d);
	}
	/* The brief's four-digit figures, as printed in the literature. */
	is_num(cmp_jaro_winkler(S("MARTHA"), S("MARHTA")), 0.9611, 5e-5,
	    "MARTHA/MARHTA 0.9611");
	is_num(cmp_jaro_winkler(S("DWAYNE"), S("DUANE")), 0.84, 5e-5,
	    "DWAYNE/DUANE 0.84");
	is_num(cmp_jaro_winkler(S("DIXON"), S("DICKSONX")), 0.8133, 5e-5,
	    "DIXON/DICKSONX 0.8133");
	is_num(cmp_jaro(S("JELLYFISH"), S("SMELLYFISH")), 0.8963, 5e-5,
	    "JELLYFISH/SMELLYFISH jaro 0.8963");

	is_num(cmp_jaro_winkler(S("dupont"), S("dupont")), 1, 0,
	    "identical strings score 1");
	is_num(cmp_jaro_winkler("", 0, "", 0), 1, 0, "two empty strings: 1");
	is_num(cmp_jaro_winkler("", 0, S("abc")), 0, 0, "empty vs abc: 0");
	is_num(cmp_jaro(S("abc"), "", 0), 0, 0, "abc vs empty: 0");
	/* Bytes would give 0.8483 ("josé" is 5 bytes); code points 0.8833. */
	is_num(cmp_jaro_winkler(S("josé"), S("jose")), 0.88333333333333341,
	    1e-12, "josé/jose on code points");
	is_num(cmp_jaro(S("é"), S("e")), 0, 0, "é and e are one distinct "
	    "code point each");
	/* Length is honoured: no NUL needed, bytes past it ignored. */
	is_num(cmp_jaro_winkler("MARTHAxyz", 6, "MARHTAabc", 6),
	    0.96111111111111114, 1e-12, "lengths bound the strings");
	/* An invalid byte is a character equal only to itself. */
	is_num(cmp_jaro(S("ab\xff"), S("ab\xff")), 1, 0,
	    "invalid byte equal to itself");
	is_num(cmp_jaro(S("ab\xff" "c"), S("ab\xfe" "c")), 0.83333333333333337,
	    1e-12, "two invalid bytes differ");

	/* Longer than CMP_STACK code points: the heap path. */
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	for (i = 0; i < 8; i++)
		memcpy(a + 10 * i, "abcdefghij", 10);
	memcpy(a + 80, "xyz", 3);
	for (i = 0; i < 7; i++)
		memcpy(b + 10 * i, "abcdefghij", 10);
	memcpy(b + 70, "abcdefghjixyzq", 14);
	is_num(cmp_jaro(a, 83, b, 84), 0.99201568177471788, 1e-12,
	    "jaro, 83 and 84 code points");
	is_num(cmp_jaro_winkler(a, 83, b, 84), 0.99520940906483069, 1e-12,
	    "jaro-winkler, 83 and 84 code points");
	is_num(cmp_levenshtein(a, 83, b, 84, -1), 3, 0,
	    "levenshtein, 83 and 84 code points");
}

/* 70 x "é" + tail: 142 bytes, 71 code points, past the stack buffers. */
static void
test_long_utf8(void)
{
	char a[160], b[160];
	size_t i, n = 0;

	for (i = 0; i < 70; i++, n += 2)
		memcpy(a + n, "é", 2);
	memcpy(b, a, n);
	a[n] = 'a';
	a[n + 1] = '\0';
	memcpy(b + n - 2, "ab", 3);
	is_num(cmp_jaro(S(a), S(b)), 0.99061032863849763, 1e-12,
	    "jaro, 71 two-byte code points");
	is_num(cmp_jaro_winkler(S(a), S(b)), 0.9943661971830986, 1e-12,
	    "jaro-winkler, 71 two-byte code points");
	is_num(cmp_levenshtein(S(a), S(b), -1), 2, 0,
	    "levenshtein, 71 two-byte code points");
	is_num(cmp_damerau_osa(S(a), S(b), 5), 2, 0,
	    "osa, 71 two-byte code points");
}

/* Plain full-matrix distances over bytes, the reference for fuzzing. */
static int
ref_dist(const char *a, const char *b, int osa)
{
	int n = (int)strlen(a), m = (int)strlen(b), i, j, d[16][16], v;

	for (i = 0; i <= n; i++)
		d[i][0] = i;
	for (j = 0; j <= m; j++)
		d[0][j] = j;
	for (i = 1; i <= n; i++)
		for (j = 1; j <= m; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (osa && i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[n][m];
}

static uint64_t rng = 42;

static uint64_t
next_rand(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rand_str(char *s)
{
	int n = (int)(next_rand() % 12), i;

	for (i = 0; i < n; i++)
		s[i] = (char)('a' + next_rand() % 3);
	s[n] = '\0';
}

/* jellyfish's _jaro_winkler transcribed over bytes, the fuzz reference. */
static double
ref_jaro(const char *a, const char *b)
{
	int n = (int)strlen(a), m = (int)strlen(b), range, i, j, k, c = 0, t = 0;
	char fa[128] = { 0 }, fb[128] = { 0 };

	if (n == 0 || m == 0)
		return n == m;
	range = (n > m ? n : m) / 2 - 1;
	if (range < 0)
		range = 0;
	for (i = 0; i < n; i++)
		for (j = i - range < 0 ? 0 : i - range;
		    j <= (i + range < m - 1 ? i + range : m - 1); j++)
			if (!fb[j] && a[i] == b[j]) {
				fa[i] = fb[j] = 1;
				c++;
				break;
			}
	if (c == 0)
		return 0;
	for (i = 0, k = 0; i < n; i++)
		if (fa[i]) {
			for (j = k; j < m; j++)
				if (fb[j]) {
					k = j + 1;
					break;
				}
			t += a[i] != b[j];
		}
	t /= 2;
	return ((double)c / n + (double)c / m + (double)(c - t) / c) / 3;
}

static void
rand_len(char *s, int maxlen, int alpha)
{
	int n = (int)(next_rand() % (unsigned)maxlen), i;

	for (i = 0; i < n; i++)
		s[i] = (char)('a' + next_rand() % (unsigned)alpha);
	s[n] = '\0';
}

static void
test_jaro_fuzz(void)
{
	char a[128], b[128];
	int i, bad_small = 0, bad_big = 0;

	/* Short strings: the bit-parallel path. */
	for (i = 0; i < 20000; i++) {
		rand_len(a, 20, 4);
		rand_len(b, 20, 4);
		bad_small += cmp_jaro(S(a), S(b)) != ref_jaro(a, b);
	}
	is_num(bad_small, 0, 0, "jaro = reference on 20000 short pairs");
	/* Up to 127 characters: both paths and the switch between them. */
	for (i = 0; i < 2000; i++) {
		rand_len(a, 128, 3);
		rand_len(b, 128, 3);
		bad_big += cmp_jaro(S(a), S(b)) != ref_jaro(a, b);
	}
	is_num(bad_big, 0, 0, "jaro = reference on 2000 pairs up to 127");
	/* U+0165 shares its low byte with 'e': candidates are confirmed. */
	is_num(cmp_jaro(S("xťe"), S("xeť")), 5.0 / 9, 1e-15,
	    "colliding low bytes are not matches");
}

static void
test_edit(void)
{
	char a[16], b[16];
	int i, k, bad_lev = 0, bad_osa = 0, bad_bound = 0, dl, dd;

	is_num(cmp_levenshtein(S("kitten"), S("sitting"), -1), 3, 0,
	    "levenshtein kitten/sitting = 3");
	is_num(cmp_levenshtein(S("flaw"), S("lawn"), -1), 2, 0,
	    "levenshtein flaw/lawn = 2");
	is_num(cmp_levenshtein("", 0, S("abc"), -1), 3, 0,
	    "levenshtein empty/abc = 3");
	is_num(cmp_levenshtein(S("abc"), S("abc"), 0), 0, 0,
	    "levenshtein identical = 0");
	is_num(cmp_levenshtein(S("josé"), S("jose"), -1), 1, 0,
	    "levenshtein josé/jose = 1 (code points, not bytes)");
	is_num(cmp_levenshtein(S("kitten"), S("sitting"), 1), 2, 0,
	    "bounded at 1: kitten/sitting gives 2 (max + 1)");
	is_num(cmp_levenshtein(S("a"), S("abcdefgh"), 2), 3, 0,
	    "length gap alone exceeds the bound");
	is_num(cmp_levenshtein(S("kitten"), S("sitting"), 3), 3, 0,
	    "bound equal to the distance gives the distance");
	is_num(cmp_damerau_osa(S("ca"), S("abc"), -1), 3, 0,
	    "osa ca/abc = 3 (restricted edit)");
	is_num(cmp_damerau_osa(S("abcd"), S("acbd"), -1), 1, 0,
	    "osa abcd/acbd = 1");
	is_num(cmp_levenshtein(S("abcd"), S("acbd"), -1), 2, 0,
	    "levenshtein abcd/acbd = 2");
	is_num(cmp_damerau_osa(S("nguyen"), S("ngyuen"), 0), 1, 0,
	    "osa bounded at 0 returns 1 for one swap");

	for (i = 0; i < 3000; i++) {
		rand_str(a);
		rand_str(b);
		dl = cmp_levenshtein(S(a), S(b), -1);
		dd = cmp_damerau_osa(S(a), S(b), -1);
		bad_lev += dl != ref_dist(a, b, 0);
		bad_osa += dd != ref_dist(a, b, 1);
		for (k = 0; k < 6; k++) {
			bad_bound += cmp_levenshtein(S(a), S(b), k) !=
			    (dl <= k ? dl : k + 1);
			bad_bound += cmp_damerau_osa(S(a), S(b), k) !=
			    (dd <= k ? dd : k + 1);
		}
	}
	is_num(bad_lev, 0, 0, "levenshtein = full matrix on 3000 pairs");
	is_num(bad_osa, 0, 0, "osa = full matrix on 3000 pairs");
	is_num(bad_bound, 0, 0, "bounded results = min(d, max + 1)");
}

static void
test_dates(void)
{
	long d = 0;

	ok(cmp_date_parse(S("1970-01-01"), &d) == 0 && d == 0,
	    "1970-01-01 is day 0");
	ok(cmp_date_parse(S("2000-03-01"), &d) == 0 && d == 11017,
	    "2000-03-01 is day 11017");
	ok(cmp_date_parse(S("1969-12-31"), &d) == 0 && d == -1,
	    "1969-12-31 is day -1");
	is_num(cmp_date_parse(S("2023-02-29"), &d), -1, 0,
	    "2023-02-29 does not exist");
	is_num(cmp_date_parse(S("2024-02-29"), &d), 0, 0,
	    "2024-02-29 exists");
	is_num(cmp_date_parse(S("1900-02-29"), &d), -1, 0,
	    "1900-02-29 does not exist");
	is_num(cmp_date_parse(S("1985-3-12"), &d), -1, 0,
	    "short month rejected");
	is_num(cmp_date_parse(S("1985-13-01"), &d), -1, 0,
	    "month 13 rejected");
	is_num(cmp_date_parse(S("1985-03-12T00"), &d), -1, 0,
	    "trailing bytes rejected");
	ok(cmp_date_diff_days(S("1985-03-12"), S("1985-12-03"), &d) == 0 &&
	    d == 266, "1985-03-12 to 1985-12-03: 266 days");
	ok(cmp_date_diff_days(S("2024-03-01"), S("2024-02-28"), &d) == 0 &&
	    d == -2, "signed, across a leap day: -2");
	ok(cmp_date_diff_days(S("1900-01-01"), S("2000-01-01"), &d) == 0 &&
	    d == 36524, "1900 to 2000: 36524 days");
	is_num(cmp_date_diff_days(S("1985-03-12"), S("x"), &d), -1, 0,
	    "diff with an invalid date fails");
	is_num(cmp_date_transposed(S("1985-03-12"), S("1985-12-03")), 1, 0,
	    "1985-03-12 / 1985-12-03 transposed");
	is_num(cmp_date_transposed(S("1985-03-12"), S("1986-12-03")), 0, 0,
	    "different years are not transposed");
	is_num(cmp_date_transposed(S("1985-03-03"), S("1985-03-03")), 0, 0,
	    "same day and month: equal, not transposed");
	is_num(cmp_date_transposed(S("1985-03-12"), S("1985-03-12")), 0, 0,
	    "equal dates are not transposed");
	is_num(cmp_date_transposed(S("1985-03-31"), S("1985-31-03")), 0, 0,
	    "an impossible swap is not transposed");

	ok(cmp_tokens_in(S("martin, pierre"), S("pierre martin"), 2),
	    "words: another order and punctuation");
	ok(cmp_tokens_in(S("j smith"), S("sir john smith"), 2),
	    "words: an initial and a title more");
	ok(cmp_tokens_in(S("thomas chudleigh"),
	    S("thomas clifford, 1st baron clifford of chudleigh"), 2),
	    "words: a title and a middle name more");
	ok(!cmp_tokens_in(S("martin pierre"), S("martin sophie"), 2),
	    "words: another first name");
	ok(!cmp_tokens_in(S("frederick"), S("frederick smith"), 2),
	    "words: fewer than min");
	ok(!cmp_tokens_in(S("john john"), S("john smith"), 2),
	    "words: each word of the other used once");
	ok(!cmp_tokens_in(S("j j"), S("john smith"), 2),
	    "words: an initial takes one word");
	ok(cmp_tokens_in(S("dupont \xc3\xa9lise"), S("\xc3\xa9lise dupont"), 2),
	    "words: UTF-8 letters are letters");

	is_num(cmp_num_rel_diff(100, 110), 10.0 / 110, 1e-15,
	    "rel diff 100/110");
	is_num(cmp_num_rel_diff(0, 0), 0, 0, "rel diff 0/0 = 0");
	is_num(cmp_num_rel_diff(-1, 1), 2, 0, "rel diff -1/1 = 2");
}

static int
lvl(const char *field, const char *a, const char *b)
{
	const struct cmp_field *f = cmp_default_field(field);

	return cmp_level(f, a, a ? strlen(a) : 0, b, b ? strlen(b) : 0);
}

static void
test_levels(void)
{
	static const char *const names[] = { "name", "date", "postcode",
	    "email", "phone", "text", "number", "exact" };
	struct cmp_field f;
	const char *err = NULL;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		bad += cmp_default_field(names[i]) == NULL ||
		    cmp_field_check(cmp_default_field(names[i]), &err) != 0;
	is_num(bad, 0, 0, "every built-in field passes cmp_field_check");
	ok(cmp_default_field("nope") == NULL, "unknown built-in is NULL");

	/* name: exact, jw92, jw88, jw70, else */
	is_num(lvl("name", "martin", "martin"), 0, 0, "name exact");
	is_num(lvl("name", "martha", "marhta"), 1, 0, "name jw 0.961: jw92");
	is_num(lvl("name", "smith", "smyth"), 2, 0, "name jw 0.893: jw88");
	is_num(lvl("name", "müller", "mueller"), 3, 0, "name jw 0.804: jw70");
	is_num(lvl("name", "jean-pierre", "pierre-jean"), 4, 0,
	    "name jw 0.570: else");
	is_num(lvl("name", NULL, "martin"), -1, 0, "name NULL: null level");
	is_num(lvl("name", "martin", ""), -1, 0, "name empty: null level");

	/* date: exact, swap_or_typo, days365, else */
	is_num(lvl("date", "1985-03-12", "1985-03-12"), 0, 0, "date exact");
	is_num(lvl("date", "1985-03-12", "1985-12-03"), 1, 0,
	    "date day/month swapped");
	is_num(lvl("date", "1985-03-12", "1988-03-12"), 1, 0,
	    "date one-digit typo in the year");
	is_num(lvl("date", "1985-03-12", "1985-07-30"), 2, 0,
	    "date 140 days apart");
	is_num(lvl("date", "1985-03-12", "1990-07-30"), 3, 0,
	    "date years apart: else");
	is_num(lvl("date", "1985-03-12", "unknown"), 3, 0,
	    "unparsable date: else");

	/* postcode: exact, prefix3, prefix2, else */
	is_num(lvl("postcode", "75011", "75011"), 0, 0, "postcode exact");
	is_num(lvl("postcode", "75011", "75012"), 1, 0, "postcode prefix 3");
	is_num(lvl("postcode", "75011", "75230"), 2, 0, "postcode prefix 2");
	is_num(lvl("postcode", "75011", "69001"), 3, 0, "postcode else");
	is_num(lvl("postcode", "7", "75011"), 3, 0,
	    "postcode shorter than the prefix: else");

	/* email: exact, local, local_jw88, else */
	is_num(lvl("email", "jean.dupont@a.fr", "jean.dupont@a.fr"), 0, 0,
	    "email exact");
	is_num(lvl("email", "jean.dupont@a.fr", "jean.dupont@b.com"), 1, 0,
	    "email same local part");
	is_num(lvl("email", "jean.dupont@a.fr", "jean.dupond@b.com"), 2, 0,
	    "email local part jw >= 0.88");
	is_num(lvl("email", "jean.dupont@a.fr", "zz@a.fr"), 3, 0,
	    "email else (same domain is not enough)");

	/* phone: exact, last8, else */
	is_num(lvl("phone", "+33612345678", "+33612345678"), 0, 0,
	    "phone exact");
	is_num(lvl("phone", "+33612345678", "0612345678"), 1, 0,
	    "phone last 8 digits");
	is_num(lvl("phone", "+33612345678", "+33 6 12 34 56 78"), 1, 0,
	    "phone last 8 digits, separators skipped");
	is_num(lvl("phone", "+33612345678", "+33612345679"), 2, 0,
	    "phone else");
	is_num(lvl("phone", "2345678", "12345678"), 2, 0,
	    "phone with fewer than 8 digits: else");

	/* number: exact, rel05, rel20, else */
	is_num(lvl("number", "100", "100"), 0, 0, "number exact");
	is_num(lvl("number", "100", "104.5"), 1, 0, "number within 5%");
	is_num(lvl("number", "100", "80"), 2, 0, "number within 20%");
	is_num(lvl("number", "100", "abc"), 3, 0, "number unparsable: else");

	/* A hand-declared field: OR-ed conditions, suffix, email domain. */
	memset(&f, 0, sizeof(f));
	strcpy(f.name, "custom");
	f.nlevels = 3;
	strcpy(f.level[0].name, "tail_or_domain");
	f.level[0].ncond = 2;
	f.level[0].cond[0] = (struct cmp_cond){ CMP_SUFFIX,
	    CMP_PART_EMAIL_LOCAL, 2 };
	f.level[0].cond[1] = (struct cmp_cond){ CMP_EXACT,
	    CMP_PART_EMAIL_DOMAIN, 0 };
	strcpy(f.level[1].name, "osa1");
	f.level[1].ncond = 1;
	f.level[1].cond[0] = (struct cmp_cond){ CMP_OSA, CMP_PART_ALL, 1 };
	strcpy(f.level[2].name, "else");
	f.level[2].ncond = 1;
	f.level[2].cond[0] = (struct cmp_cond){ CMP_ELSE, CMP_PART_ALL, 0 };
	is_num(cmp_field_check(&f, &err), 0, 0, "custom field is valid");
	is_num(cmp_level(&f, S("xxé"), S("yyé")), 2, 0,
	    "suffix of 2 code points differs: falls to else");
	is_num(cmp_level(&f, S("aé"), S("bé")), 1, 0,
	    "one-character suffix alone is not 2: osa1");
	is_num(cmp_level(&f, S("xaé"), S("yaé")), 0, 0,
	    "suffix of 2 code points equal");
	is_num(cmp_level(&f, S("ab@x.fr"), S("cd@x.fr")), 0, 0,
	    "second condition (same domain) holds");
	is_num(cmp_level(&f, S("ab@x.fr"), S("cd@y.fr")), 2, 0,
	    "neither local suffix nor domain: else");

	f.level[1].cond[0].kind = CMP_ELSE;
	ok(cmp_field_check(&f, &err) == -1 && err != NULL,
	    "else before the last level rejected");
	f.level[1].cond[0] = (struct cmp_cond){ CMP_JW, CMP_PART_ALL, 1.5 };
	is_num(cmp_field_check(&f, &err), -1, 0, "jw threshold 1.5 rejected");
	f.level[1].cond[0] = (struct cmp_cond){ CMP_LEV, CMP_PART_ALL, 1.5 };
	is_num(cmp_field_check(&f, &err), -1, 0,
	    "fractional distance rejected");
	f.level[1].cond[0] = (struct cmp_cond){ CMP_LEV, CMP_PART_ALL, 2 };
	f.level[2].cond[0].kind = CMP_EXACT;
	is_num(cmp_field_check(&f, &err), -1, 0,
	    "a last level other than else rejected");

	is_str(cmp_kind_name(CMP_DATE_TRANSPOSED), "date_transposed",
	    "kind name");
	is_num(cmp_kind_from_name("jw"), CMP_JW, 0, "kind from name");
	is_num(cmp_kind_from_name("soundex"), -1, 0, "unknown kind name");
	is_str(cmp_part_name(CMP_PART_EMAIL_LOCAL), "email_local",
	    "part name");
	is_num(cmp_part_from_name("email_domain"), CMP_PART_EMAIL_DOMAIN, 0,
	    "part from name");
}

int
main(void)
{
	test_jaro();
	test_long_utf8();
	test_jaro_fuzz();
	test_edit();
	test_dates();
	test_levels();
	return done_testing();
}
