/*
 * map_suggest.c - a map file proposed from a sample; see map_suggest.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/map_suggest.h"
#include "catalog/sketch.h"
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
	int	 canon;		/* canonical field proposed, or -1 */
	char	*purpose;	/* consent purpose, when canon is C_CONSENT */
	const char *why;	/* "name", "values" or "name and values" */
};

struct sg {
	struct col *c;
	size_t	 n, cap;
	long	 records;
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
value(struct col *c, int type, const char *v, size_t n)
{
	struct shape_date d;
	int b, intl;

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
	if (shape_phone(v, n, &intl)) {
		if (c->nph == c->capph) {
			c->capph = c->capph ? 2 * c->capph : 64;
			c->ph = xrealloc(c->ph, c->capph * sizeof(*c->ph));
		}
		c->ph[c->nph++] = xstrndup(v, n);
		c->nintl += intl;
	}
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
		value(c, type, val, len);
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int
unique(struct col *c, long records)
{
	size_t i;

	if (c->filled != records || records < 2)
		return 0;
	qsort(c->h, c->nh, sizeof(*c->h), cmp_u64);
	for (i = 1; i < c->nh; i++)
		if (c->h[i] == c->h[i - 1])
			return 0;
	return 1;
}

/* The canonical field a name is a common name for (its last part). */
static int
by_name(const char *name, char **purpose)
{
	const char *leaf = strrchr(name, '.');
	struct map m;
	struct sbuf f;
	char *n, *pur;
	const char *p, *rest = NULL;
	int c = -1;

	leaf = leaf ? leaf + 1 : name;
	*purpose = NULL;
	n = xstrdup(leaf);
	map_init(&m);
	if (map_auto(&m, &n, 1) == 1)
		c = m.e[0].canon;
	map_release(&m);
	if (c == -1) {
		/* optin_email, OPT_IN_SMS, consent_post: a consent. */
		sb_init(&f);
		for (p = leaf; *p; p++)
			if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
				sb_addc(&f, *p);
			else if (*p >= 'A' && *p <= 'Z')
				sb_addc(&f, *p - 'A' + 'a');
		if ((p = strstr(f.buf, "optin")) != NULL)
			rest = p + 5;
		else if ((p = strstr(f.buf, "consent")) != NULL)
			rest = p + 7;
		if (p != NULL) {
			/* The purpose after the word, or before it. */
			pur = *rest ? xstrdup(rest) : xstrndup(f.buf,
			    (size_t)(p - f.buf));
			if (*pur != '\0' && strlen(pur) <= 32) {
				*purpose = pur;
				c = C_CONSENT;
			} else
				free(pur);
		}
		sb_release(&f);
	}
	free(n);
	return c;
}

static int
mostly(long part, long whole)
{
	return whole > 0 && part * 10 >= whole * 8;
}

/* Which canonical field each column feeds. */
static void
assign(struct sg *s)
{
	struct col *c;
	size_t i, j;
	int k, taken[C_NCANON + 1] = { 0 };
	char *purpose;

	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		if (c->filled == 0)
			continue;
		k = by_name(c->name, &purpose);
		if (k == C_CONSENT) {
			if (mostly(c->nbool, c->filled)) {
				c->canon = k;
				c->purpose = purpose;
				c->why = "name and values";
			} else
				free(purpose);
			continue;
		}
		if (k >= 0 && !taken[k]) {
			c->canon = k;
			taken[k] = 1;
			c->why = (k == C_EMAIL && mostly(c->nt[SH_EMAIL],
			    c->filled)) || (k == C_PHONE &&
			    mostly(c->nt[SH_PHONE], c->filled)) ?
			    "name and values" : "name";
		}
	}
	/* Emails and phones recognised by their values alone. */
	for (k = C_EMAIL; k <= C_PHONE; k++) {
		for (j = s->n, i = 0; i < s->n && !taken[k]; i++) {
			c = &s->c[i];
			if (c->canon == -1 && mostly(c->nt[k == C_EMAIL ?
			    SH_EMAIL : SH_PHONE], c->filled) && (j == s->n ||
			    c->filled > s->c[j].filled))
				j = i;
		}
		if (j < s->n) {
			s->c[j].canon = k;
			s->c[j].why = "values";
			taken[k] = 1;
		}
	}
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

static void
country(struct sbuf *out, struct col *c)
{
	struct sbuf e, d;
	size_t i, best = NCOUNTRIES, k;
	long nat = (long)c->nph - c->nintl, ok[NCOUNTRIES] = { 0 },
	    intl[NCOUNTRIES] = { 0 }, score, bestscore = 0;
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
			if (cc[0] == '\0') {
				const char *p;

				sb_reset(&d);
				for (p = c->ph[i]; *p; p++)
					if (*p >= '0' && *p <= '9')
						sb_addc(&d, *p);
				calling_code(d.buf, e.buf, cc);
			}
		}
		for (i = 0; cc[0] != '\0' && i < c->nph; i++)
			if (norm_phone(c->ph[i], strlen(c->ph[i]), NULL,
			    &e) == NORM_OK && strncmp(e.buf + 1, cc,
			    strlen(cc)) == 0)
				intl[k]++;
		score = 2 * ok[k] + intl[k];
		if (score > bestscore) {
			bestscore = score;
			best = k;
		}
	}
	if (best < NCOUNTRIES) {
		sb_addf(out, "# %s: %ld of %ld national phone numbers are valid "
		    "in %s", c->name, ok[best], nat, countries[best]);
		if (c->nintl > 0)
			sb_addf(out, "; %ld of %ld with a country code have "
			    "its code", intl[best], c->nintl);
		sb_addf(out, "\n@country %s\n", countries[best]);
	} else
		sb_addf(out, "# %s: national phone numbers valid in no "
		    "country tried: give @country\n", c->name);
	sb_release(&e);
	sb_release(&d);
}

static void
date_format(struct sbuf *out, struct sg *s)
{
	struct col *c = NULL;
	size_t i;
	char a, b;

	/* The date column with the most day/month-first values decides. */
	for (i = 0; i < s->n; i++)
		if ((s->c[i].canon == C_BIRTH_DATE || s->c[i].canon == C_TS) &&
		    s->c[i].ndmy > 0 && (c == NULL || s->c[i].ndmy > c->ndmy))
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

static void
emit(struct sg *s, struct rin *r, const char *path, struct sbuf *out)
{
	struct col *c;
	size_t i;
	int fmt = rin_format(r), d = rin_delim(r), any = 0;

	sb_addf(out, "# map proposed by cdp-catalog suggest for %s\n"
	    "# from %ld records; check each line before use (cdp-map(5))\n",
	    path, s->records);
	sb_addf(out, "@format %s\n", fmt == RIN_CSV ? "csv" : "ndjson");
	if (fmt == RIN_CSV && d != ',') {
		sb_adds(out, "# the delimiter detected in the header\n");
		sb_addf(out, "@delimiter %s\n", d == '\t' ? "tab" :
		    d == ';' ? ";" : "|");
	}
	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		if (unique(c, s->records) && c->nt[SH_EMAIL] == 0 &&
		    c->nt[SH_PHONE] == 0 && c->nt[SH_DATE] == 0) {
			sb_addf(out, "# %s: present and distinct in all %ld "
			    "records: the record id\n@id %s\n", c->name,
			    s->records, c->name);
			any = 1;
			break;
		}
	}
	if (!any)
		sb_adds(out, "# no field is present and distinct in every "
		    "record: ids will be hashes of the content\n");
	for (i = 0; i < s->n; i++)
		if (s->c[i].canon == C_PHONE)
			country(out, &s->c[i]);
	date_format(out, s);
	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		if (c->canon < 0)
			continue;
		sb_addf(out, "# %s: by its %s; ", c->name, c->why);
		evidence(out, s, c);
		sb_addc(out, '\n');
		if (c->canon == C_CONSENT)
			sb_addf(out, "consent_%s=%s\n", c->purpose, c->name);
		else
			sb_addf(out, "%s=%s\n", map_canon_name(c->canon),
			    c->name);
	}
	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		if (c->canon >= 0)
			continue;
		sb_addf(out, "# not mapped: %s (", c->name);
		evidence(out, s, c);
		sb_adds(out, "), kept in the raw record\n");
	}
}

int
sg_suggest(const char *path, int format, long nsample, struct sbuf *out,
    struct sbuf *why)
{
	struct map map;
	struct rin_opts o;
	struct rin *r;
	struct rin_rec *rec;
	struct nd *nd;
	struct sg s;
	size_t i, j;
	int res;

	memset(&s, 0, sizeof(s));
	map_init(&map);
	memset(&o, 0, sizeof(o));
	o.map = &map;
	o.format = format;
	if ((r = rin_open(path, &o, NULL, NULL)) == NULL) {
		sb_addf(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	nd = nd_new(RIN_MAX_DEPTH);
	while (s.records < nsample && (res = rin_next(r, &rec)) == 1) {
		s.records++;
		(void)nd_parse(nd, rec->raw, rec->rawlen, visit, &s, NULL);
	}
	if (s.records == 0)
		sb_addf(why, "%s: no record to learn from%s%s", path,
		    *rin_error(r) ? ": " : "", rin_error(r));
	else {
		assign(&s);
		emit(&s, r, path, out);
	}
	nd_free(nd);
	rin_close(r);
	map_release(&map);
	for (i = 0; i < s.n; i++) {
		free(s.c[i].name);
		free(s.c[i].h);
		free(s.c[i].purpose);
		for (j = 0; j < s.c[i].nph; j++)
			free(s.c[i].ph[j]);
		free(s.c[i].ph);
	}
	free(s.c);
	return s.records == 0 ? -1 : 0;
}
