/*
 * map_suggest.c - a map file proposed from a sample; see map_suggest.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/map_suggest.h"
#include "catalog/sketch.h"
#include "catalog/suggest_names.h"
#include "catalog/value_fit.h"
#include "catalog/value_shape.h"
#include "io/ndjson_reader.h"
#include "io/record_reader.h"
#include "normalise/normalise.h"

/* Countries tried for national phone numbers, most likely first. */
static const char *const countries[] = {
	"FR", "BE", "CH", "LU", "DE", "GB", "ES", "IT", "NL", "PT", "IE",
	"AT", "US", "CA",
};
#define NCOUNTRIES	(sizeof(countries) / sizeof(countries[0]))

/* The encoding a file that is not UTF-8 is read again in. */
#define SG_GUESSED_ENCODING	"WINDOWS-1252"

/* National numbers needed before a country is proposed for them. */
#define PHONE_SUPPORT	3

/* What the sample says about one field. */
struct col {
	char	*name;		/* CSV column or dotted JSON path */
	long	 filled;	/* records with a non-empty value */
	long	 nt[SH_NTYPES];	/* values of each type */
	uint64_t *h;		/* hashes of its values, for uniqueness */
	size_t	 nh, caph;
	long	 niso, ndmy;	/* dates year first, and day/month first */
	int	 maxa, maxb;	/* largest first and second date parts */
	char	 sep;		/* separator of the d/m/Y dates */
	const char *time;	/* their time suffix, NULL when mixed */
	long	 nbool;		/* yes/no values (consents) */
	char	**ph;		/* phone values */
	size_t	 nph, capph;
	long	 nintl;		/* phones written with a country code */
	/* Values that validate for a canonical field (see fits). */
	long	 nemail;	/* norm_email accepts it */
	long	 nip;		/* an IPv4 or IPv6 address */
	long	 nperson;	/* letters, blanks, - ' . only: a name */
	long	 nwords2;	/* person names of two words or more */
	long	 ndate;		/* a date or timestamp, of any layout */
	long	 ntime;		/* a timestamp: a date with a time of day */
	long	 nold;		/* dates ten years ago or more */
	long	 nfuture;	/* dates after today */
	long	 nwdate[VF_NWORD_DATES];	/* dates of each vf_word_dates */
	long	 nshort;	/* dates with a two-digit year (8/15/67) */
	int	 shorta, shortb;/* their largest first and second parts */
	char	 shortsep;	/* their separator */
	long	 namount;	/* a number or an amount with its currency */
	long	 ncurrency;	/* an ISO 4217 code or a currency symbol */
	long	 ngender;	/* norm_gender accepts it */
	long	 ncountry;	/* norm_country accepts it */
	long	 npostal;	/* 3 to 10 letters and digits, one digit at least */
	long	 nword;		/* one short word or two, no digit (categories) */
	long	 nsegment;	/* identify, track, page: a message type */
	long	 ncode;		/* no blank, '/', ':' or '@': a code, an id */
	long	 ndigit;	/* with a digit (ids have one) */
	long	 distinct;	/* distinct values (after assign) */
	int	 named;	/* canonical field its name is common for, or -1 */
	int	 rank;		/* of that name: lower is a better name */
	int	 strong;	/* the name alone makes it a timestamp */
	int	 canon;		/* canonical field proposed, or -1 */
	long	 alt_of;	/* an alternative of this column, or -1 */
	int	 doubt;		/* proposed commented out: the reason why */
	char	*purpose;	/* consent purpose, when canon is C_CONSENT */
	const char *why;	/* "name", "values" or "name and values" */
	const char *note;	/* the values' evidence, or the doubt */
};

struct sg {
	struct col *c;
	size_t	 n, cap;
	long	 records;
	int	 events;	/* an amount or a kind of event was found */
	int	 today[3];	/* year, month, day (UTC) */
	long	 notutf8;	/* records (and header) rejected as not UTF-8 */
	long	 notutf8_first;	/* those of a first read, as UTF-8 */
	struct sbuf tmp;
};

static struct col *
col_get(struct sg *s, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strlen(s->c[i].name) == n && memcmp(s->c[i].name, name,
		    n) == 0)
			return &s->c[i];
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->c = xrealloc(s->c, s->cap * sizeof(*s->c));
	}
	memset(&s->c[s->n], 0, sizeof(s->c[0]));
	s->c[s->n].name = xstrndup(name, n);
	s->c[s->n].canon = -1;
	s->c[s->n].alt_of = -1;
	s->c[s->n].time = "";
	return &s->c[s->n++];
}

/* Whether a path goes through an array element ("items.0.sku"). */
static int
in_array(const char *p, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i = j + 1) {
		for (j = i; j < n && p[j] != '.'; j++)
			;
		if (i > 0 && j > i && strspn(p + i, "0123456789") >= j - i)
			return 1;
	}
	return 0;
}

static void
value(struct sg *s, struct col *c, int type, const char *v, size_t n)
{
	struct shape_date d;
	int b, intl, words, ymd[3], t, wd, sa, sb, yy;
	char sep;
	size_t i;

	c->filled++;
	c->nt[type]++;
	if (c->nh == c->caph) {
		c->caph = c->caph ? 2 * c->caph : 64;
		c->h = xrealloc(c->h, c->caph * sizeof(*c->h));
	}
	c->h[c->nh++] = sk_hash64(v, n);
	b = norm_bool(v, n);
	c->nbool += b == 0 || b == 1;
	if (type == SH_DATE && shape_date(v, n, &d)) {
		if (d.iso)
			c->niso++;
		else {
			if (c->ndmy == 0)
				c->time = d.time;
			else if (c->time != NULL && strcmp(c->time, d.time))
				c->time = NULL;
			c->ndmy++;
			c->sep = d.sep;
			if (d.a > c->maxa)
				c->maxa = d.a;
			if (d.b > c->maxb)
				c->maxb = d.b;
		}
	}
	vf_trim(&v, &n);
	if (vf_ip(v, n))
		c->nip++;
	else if (shape_phone(v, n, &intl)) {
		if (c->nph == c->capph) {
			c->capph = c->capph ? 2 * c->capph : 64;
			c->ph = xrealloc(c->ph, c->capph * sizeof(*c->ph));
		}
		c->ph[c->nph++] = xstrndup(v, n);
		c->nintl += intl;
	}
	if (norm_email(v, n, &s->tmp) == NORM_OK)
		c->nemail++;
	if (vf_person(v, n, &words)) {
		c->nperson++;
		c->nwords2 += words >= 2;
	}
	c->nword += vf_category(v, n);
	if (vf_date(&s->tmp, v, n, ymd, &t, &wd)) {
		c->ndate++;
		if (wd >= 0 && wd < VF_NWORD_DATES)
			c->nwdate[wd]++;
		else if (wd == VF_SHORT_DATE &&
		    vf_short_date(v, n, &sa, &sb, &yy, &sep)) {
			c->nshort++;
			c->shortsep = sep;
			if (sa > c->shorta)
				c->shorta = sa;
			if (sb > c->shortb)
				c->shortb = sb;
		}
		c->ntime += t;
		if (ymd[0] > 0 && ymd[0] <= s->today[0] - 10)
			c->nold++;
		if (ymd[0] > s->today[0] || (ymd[0] == s->today[0] &&
		    ymd[1] > 0 && (ymd[1] > s->today[1] || (ymd[1] ==
		    s->today[1] && ymd[2] > s->today[2]))))
			c->nfuture++;
	}
	if ((type == SH_INTEGER || type == SH_NUMBER ||
	    (type == SH_STRING && vf_has_digit(v, n))) &&
	    norm_amount(v, n, &s->tmp) == NORM_OK)
		c->namount++;
	c->ncurrency += vf_currency(v, n);
	c->ngender += norm_gender(v, n, &s->tmp) == NORM_OK;
	c->ncountry += norm_country(v, n, &s->tmp) == NORM_OK;
	c->npostal += vf_postal(v, n);
	c->ndigit += vf_has_digit(v, n);
	c->ncode += n <= 40 && memchr(v, ' ', n) == NULL &&
	    memchr(v, '/', n) == NULL && memchr(v, ':', n) == NULL &&
	    memchr(v, '@', n) == NULL;
	for (i = 0; i < 6; i++)
		if (n == strlen(((const char *[]){ "identify", "track",
		    "page", "screen", "group", "alias" })[i]) &&
		    memcmp(v, ((const char *[]){ "identify", "track", "page",
		    "screen", "group", "alias" })[i], n) == 0)
			c->nsegment++;
}

static int
visit(void *arg, const char *path, size_t plen, enum nd_type t,
    const char *val, size_t len)
{
	struct sg *s = arg;
	struct col *c;
	int type;

	if (t == ND_MAP || t == ND_ARRAY || in_array(path, plen))
		return 0;
	c = col_get(s, path, plen);
	if (t == ND_NULL)
		return 0;
	type = t == ND_BOOL ? SH_BOOLEAN : t == ND_NUMBER ?
	    shape_of_number(val, len) : shape_of(val, len);
	if (type != SH_NULL)
		value(s, c, type, val, len);
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* c->distinct, from the hashes (sorted by this call). */
static void
count_distinct(struct col *c)
{
	size_t i;

	qsort(c->h, c->nh, sizeof(*c->h), cmp_u64);
	c->distinct = c->nh > 0;
	for (i = 1; i < c->nh; i++)
		c->distinct += c->h[i] != c->h[i - 1];
}

static int
unique(struct col *c, long records)
{
	return c->filled == records && records >= 2 &&
	    c->distinct == (long)c->nh;
}

static int
mostly(long part, long whole)
{
	return whole > 0 && part * 10 >= whole * 8;
}

static int
half(long part, long whole)
{
	return whole > 0 && part * 2 >= whole;
}

/* More than half. */
static int
most(long part, long whole)
{
	return whole > 0 && part * 2 > whole;
}

/*
 * How well the values of c fit canonical field k: 2 well, 1 doubtful
 * (the line is proposed commented out), 0 not at all; c->note says why
 * when not 2.  events: the file holds events (an amount or an event
 * type fits); strong: the name alone is enough for a timestamp.
 */
static int
fits(struct col *c, int k, int events, int strong)
{
	long f = c->filled;

	c->note = NULL;
	switch (k) {
	case C_EMAIL:
		if (mostly(c->nemail, f))
			return 2;
		c->note = "fewer than 4 values in 5 are emails";
		return half(c->nemail, f);
	case C_PHONE:
		if (c->nip > 0) {
			c->note = "IP addresses are not phone numbers";
			return 0;
		}
		if (mostly((long)c->nph, f))
			return 2;
		c->note = "fewer than 4 values in 5 are phone numbers";
		return half((long)c->nph, f);
	case C_CUSTOMER_ID:
	case C_LOYALTY_ID:
	case C_ANONYMOUS_ID:
		if ((mostly(c->ndate, f) && !mostly(c->nt[SH_INTEGER], f)) ||
		    mostly(c->nemail, f) ||
		    (mostly(c->nbool, f) && c->distinct <= 2)) {
			c->note = "its values are dates, emails or yes/no, "
			    "not identifiers";
			return 0;
		}
		return 2;
	case C_FIRST_NAME:
	case C_LAST_NAME:
	case C_FULL_NAME:
		if (!sgn_person_parent(c->name)) {
			c->note = "the name of a product or a page, not of "
			    "a person";
			return 0;
		}
		if (k == C_FULL_NAME && mostly(c->nperson, f) &&
		    !mostly(c->nwords2, f)) {
			c->note = "one word: a page's or a product's name, "
			    "not a person's full name";
			return half(c->nwords2, f);
		}
		if (mostly(c->nperson, f))
			return 2;
		c->note = "values with digits or signs are not names";
		return half(c->nperson, f) && c->ndate == 0;
	case C_BIRTH_DATE:
		/*
		 * Dates by their name when most values are: the others are
		 * counted, and cdp-ingest warns about each (never @ignore a
		 * date field for a few bad values).
		 */
		if (!most(c->ndate, f)) {
			c->note = "half of the values or fewer are dates";
			return 0;
		}
		if (c->nfuture > 0) {
			c->note = "dates in the future are not birth dates";
			return 0;
		}
		if (mostly(c->nold, c->ndate))
			return 2;
		c->note = "dates of the last ten years";
		return 1;
	case C_GENDER:
		if (mostly(c->ngender, f))
			return 2;
		c->note = "fewer than 4 values in 5 are genders";
		return half(c->ngender, f);
	case C_STREET:
		if (mostly(c->nt[SH_STRING], f))
			return 2;
		c->note = "fewer than 4 values in 5 are text";
		return 0;
	case C_POSTAL_CODE:
		if (mostly(c->npostal, f))
			return 2;
		c->note = "fewer than 4 values in 5 are postal codes";
		return half(c->npostal, f);
	case C_CITY:
		if (mostly(c->nperson, f))
			return 2;
		c->note = "values with digits or signs are not cities";
		return half(c->nperson, f);
	case C_COUNTRY:
		if (mostly(c->ncountry, f))
			return 2;
		c->note = "fewer than 4 values in 5 are countries";
		return half(c->ncountry, f);
	case C_EVENT_TYPE:
		if (mostly(c->nsegment, f)) {
			c->note = "identify, track, page: the kind of "
			    "message, not of event";
			return 0;
		}
		if (!mostly(c->nword, f)) {
			c->note = "not words: not a kind of event";
			return 0;
		}
		if (c->distinct <= 12 || c->distinct * 5 <= f)
			return 2;
		c->note = "too many distinct values for kinds of event";
		return 1;
	case C_TS:
		if (!most(c->ndate, f)) {
			c->note = "half of the values or fewer are dates";
			return 0;
		}
		if (strong || events)
			return 2;
		c->note = "a date of the record, not of an event (no amount "
		    "nor event type in the file)";
		return 1;
	case C_AMOUNT:
		if (mostly(c->namount, f))
			return 2;
		c->note = "fewer than 4 values in 5 are amounts";
		return half(c->namount, f);
	case C_CURRENCY:
		if (mostly(c->ncurrency, f))
			return 2;
		c->note = "fewer than 4 values in 5 are currency codes";
		return 0;
	case C_ORG_NAME:
		if (c->nemail > 0 || c->nip > 0 || c->ndate > 0 ||
		    !mostly(c->nt[SH_STRING], f)) {
			c->note = "emails, dates or numbers are not the names "
			    "of organisations";
			return 0;
		}
		return 2;
	}
	return 0;
}

static const char *
leaf(const char *path)
{
	const char *p = strrchr(path, '.');

	return p ? p + 1 : path;
}

/*
 * The column named like canonical field k that fits it best (by fit,
 * then rank of the name, then fill), proposed for it: commented out
 * when doubtful.  Returns the fit, 0 when none.
 */
static int
pick(struct sg *s, int k, int events)
{
	struct col *c, *best = NULL;
	size_t i;
	int f, bestf = 0;

	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		if (c->named != k || c->canon != -1)
			continue;
		f = fits(c, k, events, c->strong);
		if (f == 0)
			continue;
		if (best == NULL || f > bestf || (f == bestf &&
		    (c->rank < best->rank || (c->rank == best->rank &&
		    c->filled > best->filled)))) {
			best = c;
			bestf = f;
		}
	}
	if (best == NULL)
		return 0;
	(void)fits(best, k, events, best->strong);
	best->canon = k;
	best->doubt = bestf == 1;
	best->why = "name and values";
	/*
	 * The same field under another object in other records (Segment:
	 * traits.email in identify, context.traits.email in track): an
	 * alternative, when the two are rarely filled together.
	 */
	for (i = 0; bestf == 2 && i < s->n; i++) {
		c = &s->c[i];
		if (c == best || c->named != k || c->canon != -1 ||
		    strcmp(leaf(c->name), leaf(best->name)) != 0 ||
		    fits(c, k, events, c->strong) != 2 ||
		    c->filled + best->filled > s->records + s->records / 5)
			continue;
		c->canon = k;
		c->alt_of = best - s->c;
		c->why = "name and values";
	}
	return bestf;
}

/*
 * The best column of values alone for k: emails, phone numbers (never IP
 * addresses), a few currency codes; and, in a file of events only,
 * timestamps with a time of day that no name claims.
 */
static void
by_values(struct sg *s, int k)
{
	struct col *c, *best = NULL;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->c[i].canon == k && !s->c[i].doubt)
			return;
	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		if (c->canon != -1 || c->named != -1 || c->filled == 0)
			continue;
		if (!(k == C_EMAIL ? mostly(c->nemail, c->filled) :
		    k == C_PHONE ? mostly((long)c->nph, c->filled) &&
		    c->nip == 0 : k == C_TS ? s->events &&
		    mostly(c->ntime, c->filled) && c->nfuture == 0 :
		    mostly(c->ncurrency, c->filled) && c->distinct <= 5))
			continue;
		if (best == NULL || c->filled > best->filled)
			best = c;
	}
	if (best == NULL)
		return;
	/* A doubtful proposal by name gives way. */
	for (i = 0; i < s->n; i++)
		if (s->c[i].canon == k && s->c[i].doubt) {
			s->c[i].canon = -1;
			s->c[i].doubt = 0;
		}
	best->canon = k;
	best->note = NULL;
	best->why = "values";
}

/* Which canonical field each column feeds. */
static void
assign(struct sg *s)
{
	struct col *c;
	size_t i;
	int k, events = 0;
	char *purpose;

	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		count_distinct(c);
		c->named = -1;
		if (c->filled == 0)
			continue;
		k = sgn_by_name(c->name, &purpose, &c->rank, &c->strong);
		if (k == C_CONSENT) {
			if (mostly(c->nbool, c->filled)) {
				c->canon = k;
				c->purpose = purpose;
				c->why = "name and values";
			} else
				free(purpose);
			continue;
		}
		c->named = k;
	}
	/* Amounts and kinds of event first: whether there are decides ts. */
	events = pick(s, C_AMOUNT, 0) == 2;
	events |= pick(s, C_EVENT_TYPE, 0) == 2;
	for (k = 0; k < C_NCANON; k++)
		if (k != C_AMOUNT && k != C_EVENT_TYPE)
			(void)pick(s, k, events);
	s->events = events;
	by_values(s, C_EMAIL);
	by_values(s, C_PHONE);
	by_values(s, C_CURRENCY);
	by_values(s, C_TS);
	/* Why a column named like a canonical field is not proposed. */
	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		if (c->canon == -1 && c->named >= 0)
			(void)fits(c, c->named, events, c->strong);
	}
}

/* How many values of c fit canonical field k, and what they are. */
static long
fit_count(const struct col *c, int k, const char **what)
{
	switch (k) {
	case C_EMAIL:
		*what = "emails";
		return c->nemail;
	case C_PHONE:
		*what = "phone numbers";
		return (long)c->nph;
	case C_FIRST_NAME:
	case C_LAST_NAME:
	case C_FULL_NAME:
		*what = "names";
		return c->nperson;
	case C_CITY:
		*what = "place names";
		return c->nperson;
	case C_ORG_NAME:
		*what = "texts";
		return c->nt[SH_STRING];
	case C_BIRTH_DATE:
		*what = "past dates";
		return c->ndate - c->nfuture;
	case C_TS:
		*what = c->ntime > 0 ? "dates with a time" : "dates";
		return c->ndate;
	case C_GENDER:
		*what = "genders";
		return c->ngender;
	case C_POSTAL_CODE:
		*what = "postal codes";
		return c->npostal;
	case C_COUNTRY:
		*what = "countries";
		return c->ncountry;
	case C_EVENT_TYPE:
		*what = "words";
		return c->nword;
	case C_AMOUNT:
		*what = "amounts";
		return c->namount;
	case C_CURRENCY:
		*what = "currency codes";
		return c->ncurrency;
	}
	return -1;
}

static void
evidence(struct sbuf *out, struct sg *s, struct col *c)
{
	int t, best = SH_STRING;

	for (t = 0; t < SH_NTYPES; t++)
		if (c->nt[t] > c->nt[best])
			best = t;
	sb_addf(out, "%ld/%ld filled, %ld %s", c->filled, s->records,
	    c->nt[best], shape_name(best));
	if (best != SH_STRING && c->nt[best] < c->filled)
		sb_addf(out, " (%ld other)", c->filled - c->nt[best]);
}

/*
 * The calling code of a country, from one of its national numbers (the
 * digits) and the E.164 form norm_phone made of it: what precedes the
 * digits they share at the end ("0612345678", "+33612345678": "33").
 */
static void
calling_code(const char *national, const char *e164, char cc[8])
{
	size_t ln = strlen(national), le = strlen(e164), k = 0;

	cc[0] = '\0';
	/* +CC then the national digits without their trunk prefix. */
	while (k < ln && k + 1 < le && national[ln - 1 - k] == e164[le - 1 - k])
		k++;
	if (le - k > 1 && le - k - 1 < 8) {
		memcpy(cc, e164 + 1, le - k - 1);
		cc[le - k - 1] = '\0';
	}
}

/*
 * Whether digits are written as country a2 writes its own numbers: after
 * the trunk prefix 0, or as a North American ten-digit number.  A
 * country with no trunk prefix (IT, ES, LU) accepts nearly any digits,
 * so its acceptance alone says nothing.
 */
static int
national_form(const char *a2, const char *d)
{
	size_t n = strlen(d);

	if (strcmp(a2, "US") == 0 || strcmp(a2, "CA") == 0) {
		if (n == 11 && d[0] == '1') {
			d++;
			n--;
		}
		return n == 10 && d[0] >= '2' && d[3] >= '2';
	}
	if (strstr("FR BE CH DE GB NL IE AT", a2) == NULL)
		return 0;
	return n > 2 && d[0] == '0' && d[1] != '0';
}

/*
 * @country from the phone column's own numbers: the country in which
 * most national numbers are valid and written its way, ties broken by
 * the code of the numbers written with one; proposed only with enough
 * support, commented out when only a loose numbering plan accepts them.
 */
static void
country(struct sbuf *out, struct col *c)
{
	struct sbuf e, d;
	size_t i, best = NCOUNTRIES, k;
	long nat = (long)c->nph - c->nintl, ok[NCOUNTRIES] = { 0 },
	    intl[NCOUNTRIES] = { 0 }, form[NCOUNTRIES] = { 0 }, score,
	    bestscore = 0;
	const char *p;
	char cc[8];

	if (nat <= 0)
		return;
	sb_init(&e);
	sb_init(&d);
	for (k = 0; k < NCOUNTRIES; k++) {
		cc[0] = '\0';
		for (i = 0; i < c->nph; i++) {
			if (c->ph[i][strspn(c->ph[i], " ")] == '+' ||
			    strncmp(c->ph[i] + strspn(c->ph[i], " "), "00",
			    2) == 0)
				continue;
			if (norm_phone(c->ph[i], strlen(c->ph[i]),
			    countries[k], &e) != NORM_OK)
				continue;
			ok[k]++;
			sb_reset(&d);
			for (p = c->ph[i]; *p; p++)
				if (*p >= '0' && *p <= '9')
					sb_addc(&d, *p);
			form[k] += national_form(countries[k], d.buf);
			if (cc[0] == '\0')
				calling_code(d.buf, e.buf, cc);
		}
		for (i = 0; cc[0] != '\0' && i < c->nph; i++)
			if (norm_phone(c->ph[i], strlen(c->ph[i]), NULL,
			    &e) == NORM_OK && strncmp(e.buf + 1, cc,
			    strlen(cc)) == 0)
				intl[k]++;
		/* A number written with its code is the surest evidence. */
		score = ok[k] + 2 * form[k] + 3 * intl[k];
		if (ok[k] > 0 && score > bestscore) {
			bestscore = score;
			best = k;
		}
	}
	if (best == NCOUNTRIES) {
		sb_addf(out, "# %s: national phone numbers valid in no "
		    "country tried: give @country\n", c->name);
		goto out;
	}
	sb_addf(out, "# %s: %ld of %ld national phone numbers are valid "
	    "in %s", c->name, ok[best], nat, countries[best]);
	if (form[best] < ok[best])
		sb_addf(out, ", %ld written as %s writes them", form[best],
		    countries[best]);
	if (c->nintl > 0)
		sb_addf(out, "; %ld of %ld with a country code have "
		    "its code", intl[best], c->nintl);
	sb_addc(out, '\n');
	if (ok[best] + intl[best] < PHONE_SUPPORT)
		sb_addf(out, "# too few numbers to choose a country: check, "
		    "or give @country\n# @country %s\n", countries[best]);
	else if (!mostly(ok[best], nat))
		sb_addf(out, "# fewer than 4 in 5 are valid there: check, or "
		    "give @country\n# @country %s\n", countries[best]);
	else if (form[best] == 0 && intl[best] == 0)
		sb_addf(out, "# %s accepts nearly any digits and none of them "
		    "is written its way: check\n# @country %s\n",
		    countries[best], countries[best]);
	else
		sb_addf(out, "@country %s\n", countries[best]);
out:
	sb_release(&e);
	sb_release(&d);
}

/* @date-format for the dates written day and month first. */
static void
date_format(struct sbuf *out, struct sg *s)
{
	struct col *c = NULL;
	size_t i;
	char a, b;

	/* The date column with the most day/month-first values decides. */
	for (i = 0; i < s->n; i++)
		if ((s->c[i].canon == C_BIRTH_DATE || s->c[i].canon == C_TS) &&
		    !s->c[i].doubt && s->c[i].ndmy > 0 && (c == NULL ||
		    s->c[i].ndmy > c->ndmy))
			c = &s->c[i];
	if (c == NULL)
		return;
	if (c->maxa > 12 || c->maxb <= 12) {
		a = 'd';
		b = 'm';
		sb_addf(out, "# %s: %ld dates day first (%s)\n", c->name,
		    c->ndmy, c->maxa > 12 ? "a first part above 12 was seen" :
		    "ambiguous: no part above 12 in the sample, day first "
		    "assumed");
	} else {
		a = 'm';
		b = 'd';
		sb_addf(out, "# %s: %ld dates month first (a second part "
		    "above 12 was seen)\n", c->name, c->ndmy);
	}
	if (c->time == NULL)
		sb_addf(out, "# %s: times written several ways; only the "
		    "date part is given below\n", c->name);
	sb_addf(out, "@date-format %%%c%c%%%c%c%%Y%s\n", a, c->sep, b, c->sep,
	    c->time ? c->time : "");
}

/*
 * @date-format CANON for the dates written with a two-digit year or with
 * a month name.
 */
static void
word_formats(struct sbuf *out, struct sg *s)
{
	struct col *c;
	size_t i, k;
	int day;

	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		if ((c->canon != C_BIRTH_DATE && c->canon != C_TS) || c->doubt)
			continue;
		if (c->nshort > 0) {
			/* As the four-digit dates of the field, if any. */
			day = c->shorta > 12 || (c->shortb <= 12 &&
			    (c->ndmy == 0 || c->maxa > 12 || c->maxb <= 12));
			sb_addf(out, "# %s: %ld dates with a two-digit year, "
			    "%s first (%s)\n", c->name, c->nshort, day ?
			    "day" : "month", c->shorta > 12 || c->shortb > 12 ?
			    "a part above 12 was seen" : c->ndmy > 0 ?
			    "as its dates with four" : "ambiguous: day first "
			    "assumed");
			sb_addf(out, "@date-format %s %%%c%c%%%c%c%%y\n",
			    map_canon_name(c->canon), day ? 'd' : 'm',
			    c->shortsep, day ? 'm' : 'd', c->shortsep);
		}
		for (k = 0; k < VF_NWORD_DATES; k++)
			if (c->nwdate[k] > 0)
				sb_addf(out, "# %s: %ld dates written \"%s\"\n"
				    "@date-format %s %s\n", c->name,
				    c->nwdate[k], vf_word_dates[k],
				    map_canon_name(c->canon), vf_word_dates[k]);
	}
}

/*
 * @ignore for a field not proposed (or proposed commented out) that
 * cdp-ingest would otherwise map by its name, the canonical field being
 * free: "name" holding page names would become full_name.
 */
static void
keep_out(struct sg *s, struct col *c, struct sbuf *out)
{
	struct map m;
	char *n = c->name;
	size_t i;
	int k = -1;

	map_init(&m);
	if (map_auto(&m, &n, 1) == 1)
		k = m.e[0].canon;
	map_release(&m);
	if (k < 0)
		return;
	for (i = 0; i < s->n; i++)
		if (s->c[i].canon == k && !s->c[i].doubt)
			return;
	sb_addf(out, "# %s: kept out of %s, which cdp-ingest takes from it "
	    "by its name otherwise\n@ignore %s\n", c->name,
	    map_canon_name(k), c->name);
}

/* What the map's reader must know of the file's encoding. */
static void
encoding_note(struct sg *s, const char *encoding, struct sbuf *out)
{
	if (s->notutf8_first > 0)
		sb_addf(out, "# not UTF-8: %ld %s invalid UTF-8, so the "
		    "file was read as %s (Excel's in Western Europe);\n"
		    "# check the accents of the values, another encoding "
		    "if they look wrong\n@encoding %s\n",
		    s->notutf8_first, s->notutf8_first == 1 ? "line has" :
		    "lines have", encoding, encoding);
	else if (encoding != NULL)
		sb_addf(out, "# read as %s (-E)\n@encoding %s\n", encoding,
		    encoding);
	if (s->notutf8 > 0 && encoding != NULL)
		sb_addf(out, "# %ld %s not %s either: check the file's "
		    "encoding\n", s->notutf8, s->notutf8 == 1 ? "line is" :
		    "lines are", encoding);
	else if (s->notutf8 > 0)
		sb_addf(out, "# %ld %s invalid UTF-8: name the file's "
		    "encoding with -E or @encoding (e.g. %s)\n", s->notutf8,
		    s->notutf8 == 1 ? "line has" : "lines have",
		    SG_GUESSED_ENCODING);
}

static void
emit(struct sg *s, struct rin *r, const char *path, const char *encoding,
    struct sbuf *out)
{
	struct col *c;
	size_t i, j;
	int fmt = rin_format(r), d = rin_delim(r), any = 0;
	const char *what;
	long n;

	sb_addf(out, "# map proposed by cdp-catalog suggest for %s\n"
	    "# from %ld records; check each line before use (cdp-map(5))\n",
	    path, s->records);
	sb_addf(out, "@format %s\n", fmt == RIN_CSV ? "csv" : "ndjson");
	encoding_note(s, encoding, out);
	if (fmt == RIN_CSV && d != ',') {
		sb_adds(out, "# the delimiter detected in the header\n");
		sb_addf(out, "@delimiter %s\n", d == '\t' ? "tab" :
		    d == ';' ? ";" : "|");
	}
	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		if (!unique(c, s->records) || c->nt[SH_EMAIL] > 0 ||
		    c->nt[SH_PHONE] > 0 || c->nt[SH_DATE] > 0)
			continue;
		any = 1;
		/*
		 * A URL or a text is not an id; nor, in a file of events,
		 * a person's id that a sample happens to hold once each.
		 */
		if (c->ncode < c->filled || c->ndigit < c->filled ||
		    (c->canon >= C_FIRST_NAME && c->canon < C_NCANON) ||
		    (s->events && (c->canon ==
		    C_CUSTOMER_ID || c->canon == C_LOYALTY_ID ||
		    c->canon == C_ANONYMOUS_ID)))
			continue;
		sb_addf(out, "# %s: present and distinct in all %ld "
		    "records: the record id\n@id %s\n", c->name,
		    s->records, c->name);
		any = 2;
		break;
	}
	if (!any)
		sb_adds(out, "# no field is present and distinct in every "
		    "record: ids will be hashes of the content\n");
	else if (any == 1)
		sb_adds(out, "# no field present and distinct in every "
		    "record is written like an id: ids will be hashes of "
		    "the content\n");
	for (i = 0; i < s->n; i++)
		if (s->c[i].canon == C_PHONE && !s->c[i].doubt)
			country(out, &s->c[i]);
	date_format(out, s);
	word_formats(out, s);
	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		if (c->canon < 0 || c->alt_of >= 0)
			continue;
		for (j = 0; j < s->n; j++)
			if (s->c[j].alt_of == (long)i) {
				sb_addf(out, "# %s: the same field in other "
				    "records, an alternative; ", s->c[j].name);
				evidence(out, s, &s->c[j]);
				sb_addc(out, '\n');
			}
		sb_addf(out, "# %s: by its %s; ", c->name, c->why);
		evidence(out, s, c);
		if ((n = fit_count(c, c->canon, &what)) >= 0)
			sb_addf(out, "; %s: %ld", what, n);
		if (c->canon == C_EVENT_TYPE)
			sb_addf(out, ", %ld distinct", c->distinct);
		if ((c->canon == C_TS || c->canon == C_BIRTH_DATE) &&
		    c->ndate < c->filled)
			sb_addf(out, "; %ld %s (cdp-ingest warns about each "
			    "and leaves %s empty)", c->filled - c->ndate,
			    c->filled - c->ndate == 1 ? "value not a date" :
			    "values not dates", map_canon_name(c->canon));
		if (c->doubt)
			sb_addf(out, "; doubtful: %s", c->note);
		sb_addc(out, '\n');
		if (c->doubt)
			sb_adds(out, "# ");
		if (c->canon == C_CONSENT)
			sb_addf(out, "consent_%s=%s", c->purpose, c->name);
		else
			sb_addf(out, "%s=%s", map_canon_name(c->canon),
			    c->name);
		for (j = 0; j < s->n; j++)
			if (s->c[j].alt_of == (long)i)
				sb_addf(out, " | %s", s->c[j].name);
		sb_addc(out, '\n');
		if (c->doubt)
			keep_out(s, c, out);
	}
	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		if (c->canon >= 0)
			continue;
		sb_addf(out, "# not mapped: %s (", c->name);
		evidence(out, s, c);
		sb_adds(out, "), kept in the raw record");
		if (mostly(c->nip, c->filled))
			sb_adds(out, "; IP addresses, never phone numbers");
		else if (c->named >= 0 && c->note != NULL)
			sb_addf(out, "; not %s: %s",
			    map_canon_name(c->named), c->note);
		sb_addc(out, '\n');
		keep_out(s, c, out);
	}
}

static void
today(int ymd[3])
{
	struct tm tm;
	time_t now = time(NULL);

	memset(&tm, 0, sizeof(tm));
	(void)gmtime_r(&now, &tm);
	ymd[0] = tm.tm_year + 1900;
	ymd[1] = tm.tm_mon + 1;
	ymd[2] = tm.tm_mday;
}

/* Counts what cdp-ingest would reject as not UTF-8 (the header too). */
static void
diag(void *arg, int reject, const char *file, long line,
    const char *reason, const char *raw, size_t rawlen)
{
	struct sg *s = arg;

	(void)file;
	(void)line;
	(void)raw;
	(void)rawlen;
	if (reject && strstr(reason, "invalid UTF-8") != NULL)
		s->notutf8++;
}

static void
sg_release(struct sg *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		free(s->c[i].name);
		free(s->c[i].h);
		free(s->c[i].purpose);
		for (j = 0; j < s->c[i].nph; j++)
			free(s->c[i].ph[j]);
		free(s->c[i].ph);
	}
	free(s->c);
	sb_release(&s->tmp);
	memset(s, 0, sizeof(*s));
}

/*
 * The sample of path read as encoding (NULL: UTF-8) into s, and the
 * proposed map into out; 0, or -1 with the reason in why.
 */
static int
sample(struct sg *s, const char *path, int format, const char *encoding,
    long nsample, struct sbuf *out, struct sbuf *why)
{
	struct map map;
	struct rin_opts o;
	struct rin *r;
	struct rin_rec *rec;
	struct nd *nd;
	int res;

	sb_init(&s->tmp);
	today(s->today);
	map_init(&map);
	memset(&o, 0, sizeof(o));
	o.map = &map;
	o.format = format;
	o.encoding = encoding;
	if ((r = rin_open(path, &o, diag, s)) == NULL) {
		sb_addf(why, "%s: %s", path, strerror(errno));
		map_release(&map);
		return -1;
	}
	nd = nd_new(RIN_MAX_DEPTH);
	while (s->records < nsample && (res = rin_next(r, &rec)) == 1) {
		s->records++;
		(void)nd_parse(nd, rec->raw, rec->rawlen, visit, s, NULL);
	}
	if (s->records == 0) {
		sb_addf(why, "%s: no record to learn from%s%s", path,
		    *rin_error(r) ? ": " : "", rin_error(r));
		if (s->notutf8 > 0)
			sb_addf(why, " (not %s? name the file's encoding with "
			    "-E, e.g. -E %s)", encoding ? encoding : "UTF-8",
			    SG_GUESSED_ENCODING);
	} else {
		assign(s);
		emit(s, r, path, encoding, out);
	}
	nd_free(nd);
	rin_close(r);
	map_release(&map);
	return s->records == 0 ? -1 : 0;
}

int
sg_suggest(const char *path, int format, const char *encoding,
    long nsample, struct sbuf *out, struct sbuf *why)
{
	struct sg s;
	long bad;
	int res;

	memset(&s, 0, sizeof(s));
	res = sample(&s, path, format, encoding, nsample, out, why);
	bad = s.notutf8;
	/*
	 * Not UTF-8 and no encoding named: most likely a spreadsheet's
	 * export in its Western code page (French Excel's default), which
	 * is read again as such, the map saying so.  Not for a pipe, which
	 * cannot be read twice.
	 */
	if (bad > 0 && encoding == NULL && path != NULL &&
	    strcmp(path, "-") != 0) {
		sg_release(&s);
		sb_reset(out);
		sb_reset(why);
		s.notutf8_first = bad;
		res = sample(&s, path, format, SG_GUESSED_ENCODING, nsample,
		    out, why);
	}
	sg_release(&s);
	return res;
}
