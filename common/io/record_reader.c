/*
 * record_reader.c - read CSV and NDJSON files as mapped, normalised records;
 * see record_reader.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/hash.h"
#include "io/csv_reader.h"
#include "io/json_writer.h"
#include "io/ndjson_reader.h"
#include "io/record_reader.h"
#include "normalise/normalise.h"

/* A value captured for one map entry in the current record. */
struct cap {
	int	 set;		/* present in this record */
	const char *p;		/* points into the record or into buf */
	size_t	 n;
	struct sbuf buf;	/* copy, for NDJSON values */
};

struct rin {
	struct lr lr;
	const char *fname;
	struct rin_opts opts;
	struct map map;		/* the options' map plus names recognised */
	rin_diag_fn diag;
	void	*arg;
	int	 format;
	int	 started;	/* the header (CSV) or the format was read */
	int	 failed;	/* rin_next returned -1 */
	struct sbuf err;	/* what rin_error returns */

	struct csvr *csv;
	char	**names;	/* CSV header names, made unique */
	size_t	 nf;
	long	*col;		/* column of each map entry, or -1 */
	long	 idcol;		/* column of the id field, or -1 */

	struct nd *nd;
	struct sbuf topkeys;	/* top-level keys examined, '\n'-separated */
	size_t	 ntopkeys;

	struct cap *caps;	/* one per map entry */
	size_t	 ncaps;
	struct cap idcap;	/* the id field (NDJSON) */

	/*
	 * The fields of alternatives and concatenations ("a | b + c") and
	 * of @skip and @negate, each captured once however often named.
	 */
	char	**paths;
	size_t	 npaths;
	struct cap *pcaps;	/* one per path */
	long	*pcol;		/* CSV column of each path, or -1 */
	size_t	*rpath;		/* path of each @skip and @negate rule */
	struct sbuf join;	/* the value of a compound entry */
	long	 skipped;	/* records dropped by @skip */

	struct jw jw;		/* writes rec.raw for CSV rows */
	struct sbuf raw;
	struct sbuf tmp;
	struct sbuf why;
	struct rin_rec rec;
	size_t	 conscap;
};

int
rin_opts_init(struct rin_opts *o, struct map *map, char *const *mapfiles,
    size_t nmapfiles, char *const *maps, size_t nmaps, const char *country,
    const char *datefmt, int delim, int format, struct sbuf *why)
{
	struct sbuf cc;
	size_t i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < nmapfiles; i++)
		if (map_load(map, mapfiles[i], why) == -1)
			return -1;
	for (i = 0; i < nmaps; i++)
		if (map_add(map, maps[i], why) == -1)
			return -1;
	o->map = map;
	if (map->timezone != NULL && !norm_zone_known(map->timezone)) {
		sb_reset(why);
		sb_addf(why, "unknown time zone %s",
		    quote_value(map->timezone, strlen(map->timezone)));
		return -1;
	}
	if (map->encoding != NULL && !lr_encoding_known(map->encoding)) {
		sb_reset(why);
		sb_addf(why, "unknown encoding %s (iconv -l lists them)",
		    quote_value(map->encoding, strlen(map->encoding)));
		return -1;
	}
	if (map->encoding != NULL && strcasecmp(map->encoding, "UTF-8") !=
	    0 && strcasecmp(map->encoding, "UTF8") != 0)
		o->encoding = map->encoding;
	o->date_format = datefmt ? datefmt : map->date_format;
	o->delim = delim ? delim : map->delim;
	o->format = format;
	if (country == NULL)
		country = map->country;
	if (country == NULL)
		return 0;
	sb_init(&cc);
	if (norm_country(country, strlen(country), &cc) != NORM_OK) {
		sb_reset(why);
		sb_addf(why, "unknown country %s",
		    quote_value(country, strlen(country)));
		sb_release(&cc);
		return -1;
	}
	o->country = sb_detach(&cc);
	return 0;
}

void
rin_opts_release(struct rin_opts *o)
{
	free((char *)o->country);
	o->country = NULL;
}

void
rin_content_id(const char *raw, size_t rawlen, char out[33])
{
	uint8_t d[HASH_LEN];

	hash_sha256(raw, rawlen, d);
	hash_hex(d, 16, out);
}

static void
diag(struct rin *r, int rej, long line, const char *reason, const char *raw,
    size_t rawlen)
{
	if (r->diag != NULL)
		r->diag(r->arg, rej, r->fname, line, reason, raw, rawlen);
}

/* Whether entry e reads one field as it is (no " | ", no " + "). */
static int
simple(const struct map_entry *e)
{
	return e->field != NULL && (e->nalt == 0 || (e->nalt == 1 &&
	    e->alt[0].npart == 1));
}

static size_t
path_index(struct rin *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->npaths; i++)
		if (strcmp(r->paths[i], name) == 0)
			return i;
	r->paths = xrealloc(r->paths, (r->npaths + 1) * sizeof(*r->paths));
	r->paths[r->npaths] = xstrdup(name);
	return r->npaths++;
}

/* The paths of the declared compound entries and of the record rules. */
static void
paths_init(struct rin *r)
{
	const struct map_entry *e;
	size_t i, j, k;

	for (i = 0; i < r->map.n; i++) {
		e = &r->map.e[i];
		if (e->field == NULL || simple(e))
			continue;
		for (j = 0; j < e->nalt; j++)
			for (k = 0; k < e->alt[j].npart; k++)
				(void)path_index(r, e->alt[j].part[k]);
	}
	r->rpath = xcalloc(r->map.nrule ? r->map.nrule : 1,
	    sizeof(*r->rpath));
	for (i = 0; i < r->map.nrule; i++)
		if (r->map.rule[i].kind == RULE_SKIP ||
		    r->map.rule[i].kind == RULE_NEGATE)
			r->rpath[i] = path_index(r, r->map.rule[i].field);
	r->pcaps = xcalloc(r->npaths ? r->npaths : 1, sizeof(*r->pcaps));
	r->pcol = xcalloc(r->npaths ? r->npaths : 1, sizeof(*r->pcol));
	for (i = 0; i < r->npaths; i++) {
		sb_init(&r->pcaps[i].buf);
		r->pcol[i] = -1;
	}
}

struct rin *
rin_open(const char *path, const struct rin_opts *o, rin_diag_fn fn,
    void *arg)
{
	struct rin *r;
	struct stat sb;
	int c;

	r = xcalloc(1, sizeof(*r));
	if (lr_open(&r->lr, path, RIN_MAX_RECORD) == -1) {
		free(r);
		return NULL;
	}
	if (fstat(r->lr.fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		lr_close(&r->lr);
		free(r);
		errno = EISDIR;
		return NULL;
	}
	if (o->encoding != NULL &&
	    lr_set_encoding(&r->lr, o->encoding) == -1) {
		lr_close(&r->lr);
		free(r);
		errno = EINVAL;
		return NULL;
	}
	r->fname = r->lr.name;
	r->opts = *o;
	map_copy(&r->map, o->map);
	map_drop_auto(&r->map);
	paths_init(r);
	r->diag = fn;
	r->arg = arg;
	r->idcol = -1;
	sb_init(&r->err);
	sb_init(&r->topkeys);
	sb_init(&r->raw);
	sb_init(&r->tmp);
	sb_init(&r->why);
	sb_init(&r->idcap.buf);
	sb_init(&r->join);
	jw_init(&r->jw, &r->raw);
	for (c = 0; c < C_NCANON; c++)
		sb_init(&r->rec.val[c]);
	for (c = 0; c < 3; c++)
		sb_init(&r->rec.key[c]);
	r->rec.file = r->fname;
	return r;
}

void
rin_close(struct rin *r)
{
	size_t i;
	int c;

	if (r == NULL)
		return;
	if (r->csv != NULL)
		csvr_close(r->csv);
	if (r->nd != NULL)
		nd_free(r->nd);
	for (i = 0; i < r->nf; i++)
		free(r->names[i]);
	free(r->names);
	free(r->col);
	for (i = 0; i < r->ncaps; i++)
		sb_release(&r->caps[i].buf);
	free(r->caps);
	sb_release(&r->idcap.buf);
	for (i = 0; i < r->npaths; i++) {
		free(r->paths[i]);
		sb_release(&r->pcaps[i].buf);
	}
	free(r->paths);
	free(r->pcaps);
	free(r->pcol);
	free(r->rpath);
	sb_release(&r->join);
	jw_release(&r->jw);
	sb_release(&r->raw);
	sb_release(&r->tmp);
	sb_release(&r->why);
	sb_release(&r->err);
	sb_release(&r->topkeys);
	for (c = 0; c < C_NCANON; c++)
		sb_release(&r->rec.val[c]);
	for (c = 0; c < 3; c++)
		sb_release(&r->rec.key[c]);
	free(r->rec.cons);
	map_release(&r->map);
	lr_close(&r->lr);
	free(r);
}

void
rin_set_idle(struct rin *r, void (*fn)(void *), void *arg)
{
	lr_set_idle(&r->lr, fn, arg);
}

const char *
rin_error(struct rin *r)
{
	return r->err.buf;
}

int
rin_format(struct rin *r)
{
	return r->format;
}

const struct map *
rin_map(struct rin *r)
{
	return &r->map;
}

long
rin_skipped(struct rin *r)
{
	return r->skipped;
}

int
rin_delim(struct rin *r)
{
	return r->csv != NULL ? csvr_delim(r->csv) : 0;
}

/* Captures. */

/* Size the capture array for the map entries (new ones unset). */
static void
caps_fit(struct rin *r)
{
	size_t need = r->map.n, i;

	if (need <= r->ncaps)
		return;
	r->caps = xrealloc(r->caps, need * sizeof(*r->caps));
	for (i = r->ncaps; i < need; i++) {
		memset(&r->caps[i], 0, sizeof(r->caps[i]));
		sb_init(&r->caps[i].buf);
	}
	r->ncaps = need;
}

static void
caps_reset(struct rin *r)
{
	size_t i;

	for (i = 0; i < r->ncaps; i++)
		r->caps[i].set = 0;
	for (i = 0; i < r->npaths; i++)
		r->pcaps[i].set = 0;
	r->idcap.set = 0;
}

/* Normalisation. */

static const char *
entry_name(struct rin *r, size_t i)
{
	struct map_entry *e = &r->map.e[i];

	return e->field ? e->field : map_canon_name(e->canon);
}

/*
 * Not the value: it is personal data, and the message reaches logs
 * (cdp-run's, the reject table) that must name no one.  The line says
 * where it is.
 */
static void
invalid(struct rin *r, size_t i, const char *what)
{
	sb_reset(&r->why);
	sb_addf(&r->why, "invalid %s in %s", what, entry_name(r, i));
	diag(r, 0, r->rec.line, r->why.buf, NULL, 0);
}

/* The captured value of path k, trimmed, or NULL when absent or blank. */
static const char *
path_value(struct rin *r, size_t k, size_t *n)
{
	const char *v;

	if (!r->pcaps[k].set)
		return NULL;
	v = r->pcaps[k].p;
	*n = r->pcaps[k].n;
	while (*n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		(*n)--;
	}
	while (*n > 0 && (v[*n - 1] == ' ' || v[*n - 1] == '\t'))
		(*n)--;
	return *n > 0 ? v : NULL;
}

/*
 * The value of a compound entry: its first alternative with a value,
 * the values of that alternative's parts joined by a space.
 */
static const char *
compound_value(struct rin *r, const struct map_entry *e, size_t *n)
{
	const struct map_alt *a;
	const char *v;
	size_t i, j, k;

	for (i = 0; i < e->nalt; i++) {
		a = &e->alt[i];
		sb_reset(&r->join);
		for (j = 0; j < a->npart; j++) {
			if ((v = path_value(r, path_index(r, a->part[j]),
			    &k)) == NULL)
				continue;
			if (r->join.len > 0)
				sb_addc(&r->join, ' ');
			sb_add(&r->join, v, k);
		}
		if (r->join.len > 0) {
			*n = r->join.len;
			return r->join.buf;
		}
	}
	return NULL;
}

/* The value of entry i in this record, or NULL. */
static const char *
entry_value(struct rin *r, size_t i, size_t *n)
{
	struct map_entry *e = &r->map.e[i];

	if (e->value != NULL) {
		*n = strlen(e->value);
		return e->value;
	}
	if (!simple(e))
		return compound_value(r, e, n);
	if (i < r->ncaps && r->caps[i].set) {
		*n = r->caps[i].n;
		return r->caps[i].p;
	}
	return NULL;
}

/* Whether rule kind holds for this record (the first that does). */
static int
rule_holds(struct rin *r, int kind)
{
	const struct map_rule *u;
	const char *v;
	size_t i, n;

	for (i = 0; i < r->map.nrule; i++) {
		u = &r->map.rule[i];
		if (u->kind != kind)
			continue;
		if ((v = path_value(r, r->rpath[i], &n)) == NULL)
			v = "", n = 0;
		if (map_value_is(v, n, u->from))
			return 1;
	}
	return 0;
}

/* The value of canonical field c after its @value lines. */
static const char *
value_map(struct rin *r, int c, const char *v, size_t *n)
{
	const struct map_rule *u;
	size_t i;

	for (i = 0; i < r->map.nrule; i++) {
		u = &r->map.rule[i];
		if (u->kind == RULE_VALUE && u->canon == c &&
		    map_value_is(v, *n, u->from)) {
			*n = strlen(u->to);
			return u->to;
		}
	}
	return v;
}

/*
 * A date of field c through its @date-format lines, tried in order,
 * then through the file's format.  A birth date is never in the future.
 */
static int
norm_dated(struct rin *r, int c, const char *v, size_t n, struct sbuf *out)
{
	const struct map_rule *u;
	size_t i;
	int res;

	for (i = 0; i < r->map.nrule; i++) {
		u = &r->map.rule[i];
		if (u->kind != RULE_DATE_FORMAT || u->canon != c)
			continue;
		res = c == C_TS ? norm_ts_zone(v, n, u->to,
		    r->map.timezone, out) : norm_date_past(v, n, u->to, out);
		if (res != NORM_INVALID)
			return res;
	}
	return c == C_TS ? norm_ts_zone(v, n, r->opts.date_format,
	    r->map.timezone, out) : norm_date_past(v, n, r->opts.date_format,
	    out);
}

static void
normalise_one(struct rin *r, size_t i, const char *v, size_t n)
{
	struct rin_rec *rec = &r->rec;
	int c = r->map.e[i].canon, res = NORM_EMPTY;
	struct sbuf *out = &rec->val[c];
	const char *what = map_canon_name(c), *country;
	size_t k;

	switch (c) {
	case C_EMAIL:
		res = norm_email(v, n, out);
		break;
	case C_PHONE:
		country = rec->have[C_COUNTRY] ? rec->val[C_COUNTRY].buf :
		    r->opts.country;
		res = norm_phone(v, n, country, out);
		break;
	case C_CUSTOMER_ID:
	case C_LOYALTY_ID:
	case C_ANONYMOUS_ID:
	case C_EVENT_TYPE:
		res = norm_id(v, n, out);
		what = "identifier";
		break;
	case C_CURRENCY:
		res = norm_id(v, n, out);
		for (k = 0; res == NORM_OK && k < out->len; k++)
			if (out->buf[k] >= 'a' && out->buf[k] <= 'z')
				out->buf[k] -= 'a' - 'A';
		break;
	case C_FIRST_NAME:
	case C_LAST_NAME:
	case C_FULL_NAME:
		res = norm_name(v, n, out, &rec->key[c - C_FIRST_NAME]);
		what = "name";
		break;
	case C_BIRTH_DATE:
		res = norm_dated(r, c, v, n, out);
		what = "date";
		break;
	case C_TS:
		res = norm_dated(r, c, v, n, out);
		what = "timestamp";
		break;
	case C_GENDER:
		res = norm_gender(v, n, out);
		break;
	case C_STREET:
	case C_CITY:
		res = norm_text(v, n, out);
		what = "text";
		break;
	case C_ORG_NAME:
		/* Stored as written; norm_org's key is for comparison. */
		res = norm_org(v, n, out, NULL);
		what = "organisation name";
		break;
	case C_POSTAL_CODE:
		res = norm_postal(v, n, out);
		what = "postal code";
		break;
	case C_COUNTRY:
		res = norm_country(v, n, out);
		break;
	case C_AMOUNT:
		res = norm_amount(v, n, out);
		break;
	}
	if (res == NORM_OK)
		rec->have[c] = 1;
	else if (res == NORM_INVALID)
		invalid(r, i, what);
}

/* A consent value: 1 granted, 0 denied, -1 no statement. */
static int
consent_value(struct rin *r, size_t i)
{
	const char *v;
	size_t n;
	int b;

	if ((v = entry_value(r, i, &n)) == NULL)
		return -1;
	/* Blank is no statement (norm_bool's NORM_EMPTY equals "yes"). */
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -1;
	b = norm_bool(v, n);
	if (b != 0 && b != 1) {
		invalid(r, i, "consent");
		return -1;
	}
	return b;
}

static void
normalise(struct rin *r)
{
	struct rin_rec *rec = &r->rec;
	size_t i, n;
	const char *v;
	int c, b;

	memset(rec->have, 0, sizeof(rec->have));
	rec->ncons = 0;
	/* Country first: it is the default for the phone. */
	for (i = 0; i < r->map.n; i++)
		if (r->map.e[i].canon == C_COUNTRY &&
		    (v = entry_value(r, i, &n)) != NULL) {
			v = value_map(r, C_COUNTRY, v, &n);
			normalise_one(r, i, v, n);
		}
	for (i = 0; i < r->map.n; i++) {
		c = r->map.e[i].canon;
		if (c == C_COUNTRY)
			continue;
		if (c == C_CONSENT) {
			if ((b = consent_value(r, i)) == -1)
				continue;
			if (rec->ncons == r->conscap) {
				r->conscap = r->conscap ? 2 * r->conscap : 4;
				rec->cons = xrealloc(rec->cons, r->conscap *
				    sizeof(*rec->cons));
			}
			rec->cons[rec->ncons].purpose = r->map.e[i].purpose;
			rec->cons[rec->ncons++].granted = b;
			continue;
		}
		if ((v = entry_value(r, i, &n)) != NULL) {
			v = value_map(r, c, v, &n);
			normalise_one(r, i, v, n);
		}
	}
	/* @negate: a refund counts against the customer's spending. */
	if (rec->have[C_AMOUNT] && rec->val[C_AMOUNT].buf[0] != '-' &&
	    strspn(rec->val[C_AMOUNT].buf, "0.") != rec->val[C_AMOUNT].len &&
	    rule_holds(r, RULE_NEGATE)) {
		sb_reset(&r->join);
		sb_addc(&r->join, '-');
		sb_add(&r->join, rec->val[C_AMOUNT].buf, rec->val[C_AMOUNT].len);
		sb_reset(&rec->val[C_AMOUNT]);
		sb_add(&rec->val[C_AMOUNT], r->join.buf, r->join.len);
	}
}

/* Fill in the id of rec; 0, or -1 when the record was rejected. */
static int
set_id(struct rin *r, const char *id, size_t n)
{
	struct rin_rec *rec = &r->rec;
	size_t i;

	if (r->map.id_field == NULL) {
		rec->id = NULL;
		rec->idlen = 0;
		return 0;
	}
	if (id != NULL) {
		while (n > 0 && (*id == ' ' || *id == '\t')) {
			id++;
			n--;
		}
		while (n > 0 && (id[n - 1] == ' ' || id[n - 1] == '\t'))
			n--;
	}
	if (id == NULL || n == 0) {
		sb_reset(&r->why);
		sb_addf(&r->why, "%s record id in %s", id ? "empty" : "no",
		    r->map.id_field);
		diag(r, 1, rec->line, r->why.buf, rec->raw, rec->rawlen);
		return -1;
	}
	/*
	 * A control byte in an id is corruption, as in any identifier
	 * (norm_id), and a NUL ("\u0000" in JSON) would make "a\0b" and
	 * "a\0c" the same id "a" to every reader of the column in C.
	 */
	for (i = 0; i < n; i++) {
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f) {
			sb_reset(&r->why);
			sb_addf(&r->why, "control character in record id "
			    "in %s", r->map.id_field);
			diag(r, 1, rec->line, r->why.buf, rec->raw,
			    rec->rawlen);
			return -1;
		}
	}
	rec->id = id;
	rec->idlen = n;
	return 0;
}

/* CSV. */

static char **sort_names;	/* qsort has no context argument */

static int
cmp_name_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(sort_names[x], sort_names[y]);

	return c != 0 ? c : (x > y) - (x < y);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Make the header names unique, as JSON keys must be: an empty name
 * becomes column_N, and each repeat of a name, in order, NAME_2, NAME_3,
 * ... skipping names the header already has.  Sorting keeps this
 * O(n log n) on a header of 100,000 identical names.
 */
static void
unique_names(char **names, size_t n, struct sbuf *tmp)
{
	size_t *idx, i, j, m, k;
	char **sorted, **renamed, *cand;

	for (i = 0; i < n; i++) {
		if (names[i][0] != '\0')
			continue;
		sb_reset(tmp);
		sb_addf(tmp, "column_%zu", i + 1);
		free(names[i]);
		names[i] = xstrdup(tmp->buf);
	}
	idx = xcalloc(n ? n : 1, sizeof(*idx));
	sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	renamed = xcalloc(n ? n : 1, sizeof(*renamed));
	for (i = 0; i < n; i++) {
		idx[i] = i;
		sorted[i] = names[i];
	}
	sort_names = names;
	qsort(idx, n, sizeof(*idx), cmp_name_index);
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(names[idx[j]],
		    names[idx[i]]) == 0; j++)
			;
		/* idx[i..j) is one name in header order: the first keeps it. */
		for (k = 2, m = i + 1; m < j; m++) {
			do {
				sb_reset(tmp);
				sb_addf(tmp, "%s_%zu", names[idx[i]], k++);
				cand = tmp->buf;
			} while (bsearch(&cand, sorted, n, sizeof(*sorted),
			    cmp_str) != NULL);
			renamed[idx[m]] = xstrdup(cand);
		}
	}
	for (i = 0; i < n; i++) {
		if (renamed[i] == NULL)
			continue;
		free(names[i]);
		names[i] = renamed[i];
	}
	free(renamed);
	free(idx);
	free(sorted);
}

/* Read the header and resolve the map against it: 0, 1 (no header), -1. */
static int
csv_start(struct rin *r)
{
	const struct csvr_rec *hdr;
	struct csvr_rec *rec;
	size_t i, j;
	int res;

	r->csv = csvr_open(&r->lr, r->opts.delim, RIN_MAX_RECORD);
	if (r->csv == NULL) {
		sb_addf(&r->err, "%s: %s", r->fname, strerror(errno));
		return -1;
	}
	if ((hdr = csvr_header(r->csv)) == NULL) {
		if (r->lr.consumed == 0 && r->lr.eof)
			diag(r, 1, 1, "empty file", NULL, 0);
		/* A header that failed its checks comes as one reject. */
		while ((res = csvr_next(r->csv, &rec, &r->why)) == CSVR_BAD)
			diag(r, 1, rec->line, r->why.buf, rec->raw,
			    rec->rawlen);
		if (res == CSVR_ERR) {
			sb_addf(&r->err, "%s: %s", r->fname, strerror(errno));
			return -1;
		}
		return 1;
	}
	r->nf = hdr->nf;
	r->names = xcalloc(r->nf, sizeof(*r->names));
	for (i = 0; i < r->nf; i++)
		r->names[i] = xstrdup(hdr->f[i]);
	unique_names(r->names, r->nf, &r->tmp);
	map_auto(&r->map, r->names, r->nf);
	caps_fit(r);
	r->col = xcalloc(r->map.n ? r->map.n : 1, sizeof(*r->col));
	for (i = 0; i < r->npaths; i++) {
		for (j = 0; j < r->nf && r->pcol[i] == -1; j++)
			if (strcmp(r->names[j], r->paths[i]) == 0)
				r->pcol[i] = (long)j;
		if (r->pcol[i] == -1) {
			sb_reset(&r->why);
			sb_addf(&r->why, "no field %s in the header",
			    quote_value(r->paths[i], strlen(r->paths[i])));
			diag(r, 0, hdr->line, r->why.buf, NULL, 0);
		}
	}
	for (i = 0; i < r->map.n; i++) {
		r->col[i] = -1;
		if (!simple(&r->map.e[i]))
			continue;
		for (j = 0; j < r->nf && r->col[i] == -1; j++)
			if (strcmp(r->names[j], r->map.e[i].field) == 0)
				r->col[i] = (long)j;
		if (r->col[i] == -1) {
			sb_reset(&r->why);
			sb_addf(&r->why, "no field %s in the header",
			    quote_value(r->map.e[i].field,
			    strlen(r->map.e[i].field)));
			diag(r, 0, hdr->line, r->why.buf, NULL, 0);
		}
	}
	if (r->map.id_field != NULL) {
		for (j = 0; j < r->nf && r->idcol == -1; j++)
			if (strcmp(r->names[j], r->map.id_field) == 0)
				r->idcol = (long)j;
		if (r->idcol == -1) {
			sb_addf(&r->err, "%s: no id field %s in the header",
			    r->fname, quote_value(r->map.id_field,
			    strlen(r->map.id_field)));
			return -1;
		}
	}
	return 0;
}

static int
csv_next(struct rin *r)
{
	struct csvr_rec *c;
	size_t i, j;
	int res;

	for (;;) {
		res = csvr_next(r->csv, &c, &r->why);
		if (res == CSVR_EOF)
			return 0;
		if (res == CSVR_ERR) {
			sb_addf(&r->err, "%s: %s", r->fname, strerror(errno));
			return -1;
		}
		r->rec.line = c->line;
		if (res == CSVR_BAD) {
			diag(r, 1, c->line, r->why.buf, c->raw, c->rawlen);
			continue;
		}
		for (i = 0; i < r->map.n; i++) {
			r->caps[i].set = r->col[i] >= 0;
			if (r->col[i] >= 0) {
				r->caps[i].p = c->f[r->col[i]];
				r->caps[i].n = c->flen[r->col[i]];
			}
		}
		for (i = 0; i < r->npaths; i++) {
			r->pcaps[i].set = r->pcol[i] >= 0;
			if (r->pcol[i] >= 0) {
				r->pcaps[i].p = c->f[r->pcol[i]];
				r->pcaps[i].n = c->flen[r->pcol[i]];
			}
		}
		if (rule_holds(r, RULE_SKIP)) {
			r->skipped++;
			continue;
		}
		jw_reset(&r->jw);
		res = jw_map_open(&r->jw);
		for (j = 0; j < r->nf; j++) {
			res |= jw_key(&r->jw, r->names[j], strlen(r->names[j]));
			res |= jw_str(&r->jw, c->f[j], c->flen[j]);
		}
		res |= jw_map_close(&r->jw);
		if (res != 0) {
			diag(r, 1, c->line, "record cannot be encoded as JSON",
			    c->raw, c->rawlen);
			continue;
		}
		r->rec.raw = r->raw.buf;
		r->rec.rawlen = r->raw.len;
		if (set_id(r, r->idcol >= 0 ? c->f[r->idcol] : NULL,
		    r->idcol >= 0 ? c->flen[r->idcol] : 0) == -1)
			continue;
		normalise(r);
		return 1;
	}
}

/* NDJSON. */

static int
topkey_seen(struct rin *r, const char *k, size_t n)
{
	const char *p = r->topkeys.buf, *e, *end = p + r->topkeys.len;

	for (; (e = memchr(p, '\n', (size_t)(end - p))) != NULL; p = e + 1)
		if ((size_t)(e - p) == n && memcmp(p, k, n) == 0)
			return 1;
	return 0;
}

static int
nd_visit(void *arg, const char *path, size_t pathlen, enum nd_type type,
    const char *val, size_t len)
{
	struct rin *r = arg;
	struct cap *cp;
	const char *f;
	size_t i;

	if (type == ND_MAP || type == ND_ARRAY || type == ND_NULL)
		return 0;
	/* A top-level key never seen: is it a common name for a field? */
	if (r->ntopkeys < 256 && memchr(path, '.', pathlen) == NULL &&
	    !topkey_seen(r, path, pathlen)) {
		char *name = (char *)path;

		sb_add(&r->topkeys, path, pathlen);
		sb_addc(&r->topkeys, '\n');
		r->ntopkeys++;
		if (map_auto(&r->map, &name, 1) > 0)
			caps_fit(r);
	}
	for (i = 0; i < r->npaths; i++) {
		if (strlen(r->paths[i]) != pathlen ||
		    memcmp(r->paths[i], path, pathlen) != 0)
			continue;
		cp = &r->pcaps[i];
		sb_reset(&cp->buf);
		sb_add(&cp->buf, val, len);
		cp->p = cp->buf.buf;
		cp->n = len;
		cp->set = 1;
	}
	for (i = 0; i <= r->map.n; i++) {
		if (i < r->map.n && !simple(&r->map.e[i]))
			continue;
		f = i < r->map.n ? r->map.e[i].field : r->map.id_field;
		if (f == NULL || f[0] != path[0] || strlen(f) != pathlen ||
		    memcmp(f, path, pathlen) != 0)
			continue;
		cp = i < r->map.n ? &r->caps[i] : &r->idcap;
		sb_reset(&cp->buf);
		sb_add(&cp->buf, val, len);
		cp->p = cp->buf.buf;
		cp->n = len;
		cp->set = 1;
	}
	return 0;
}

static int
nd_next(struct rin *r)
{
	const char *line;
	size_t len, k;
	int res;

	for (;;) {
		res = lr_next(&r->lr, &line, &len);
		if (res == LR_EOF)
			return 0;
		r->rec.line = r->lr.lineno;
		if (res == LR_ERR) {
			sb_addf(&r->err, "%s: %s", r->fname, strerror(errno));
			return -1;
		}
		if (res == LR_LONG) {
			sb_reset(&r->why);
			sb_addf(&r->why, "line longer than %d bytes (%zu)",
			    RIN_MAX_RECORD, len);
			diag(r, 1, r->rec.line, r->why.buf, NULL, 0);
			continue;
		}
		/* Trim the line end and surrounding blanks; skip blank lines. */
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r' || line[len - 1] == ' ' ||
		    line[len - 1] == '\t'))
			len--;
		for (k = 0; k < len && (line[k] == ' ' || line[k] == '\t'); k++)
			;
		if (r->rec.line == 1 && len - k >= 3 &&
		    memcmp(line + k, "\xef\xbb\xbf", 3) == 0)
			k += 3;
		line += k;
		len -= k;
		if (len == 0)
			continue;
		caps_reset(r);
		if (nd_parse(r->nd, line, len, nd_visit, r, &r->why) != 0) {
			diag(r, 1, r->rec.line, r->why.buf, line, len);
			continue;
		}
		if (rule_holds(r, RULE_SKIP)) {
			r->skipped++;
			continue;
		}
		sb_reset(&r->raw);
		sb_add(&r->raw, line, len);
		r->rec.raw = r->raw.buf;
		r->rec.rawlen = r->raw.len;
		if (set_id(r, r->idcap.set ? r->idcap.p : NULL,
		    r->idcap.n) == -1)
			continue;
		normalise(r);
		return 1;
	}
}

static int
guess_format(struct rin *r, const char *path)
{
	const char *p, *dot;
	size_t n, i;

	if (r->opts.format != RIN_GUESS)
		return r->opts.format;
	if (r->map.format != NULL)
		return strcmp(r->map.format, "csv") == 0 ? RIN_CSV : RIN_NDJSON;
	if (path != NULL && (dot = strrchr(path, '.')) != NULL) {
		if (!strcmp(dot, ".csv") || !strcmp(dot, ".tsv") ||
		    !strcmp(dot, ".txt"))
			return RIN_CSV;
		if (!strcmp(dot, ".ndjson") || !strcmp(dot, ".jsonl") ||
		    !strcmp(dot, ".json"))
			return RIN_NDJSON;
	}
	if (lr_peek(&r->lr, &p, &n) == -1)
		return RIN_CSV;
	for (i = 0; i < n; i++) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')
			continue;
		if (i + 3 <= n && memcmp(p + i, "\xef\xbb\xbf", 3) == 0) {
			i += 2;
			continue;
		}
		return p[i] == '{' ? RIN_NDJSON : RIN_CSV;
	}
	return RIN_CSV;
}

int
rin_next(struct rin *r, struct rin_rec **rec)
{
	const char *p;
	size_t n;
	int res;

	*rec = &r->rec;
	if (r->failed)
		return -1;
	if (!r->started) {
		r->started = 1;
		r->format = guess_format(r, strcmp(r->fname, "stdin") ?
		    r->fname : NULL);
		if (r->format == RIN_CSV) {
			res = csv_start(r);
			if (res != 0) {
				r->failed = res == -1;
				r->format = RIN_CSV;
				if (res == 1) {
					r->started = 2;	/* nothing to read */
					return 0;
				}
				return -1;
			}
		} else {
			if (lr_peek(&r->lr, &p, &n) == -1) {
				sb_addf(&r->err, "%s: %s", r->fname,
				    strerror(errno));
				r->failed = 1;
				return -1;
			}
			if (n == 0 && r->lr.consumed == 0)
				diag(r, 1, 1, "empty file", NULL, 0);
			r->nd = nd_new(RIN_MAX_DEPTH);
			caps_fit(r);
		}
	}
	if (r->started == 2)
		return 0;
	res = r->format == RIN_CSV ? csv_next(r) : nd_next(r);
	if (res == -1)
		r->failed = 1;
	return res;
}
