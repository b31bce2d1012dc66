/*
 * pair_reader.c - read the pair lines of cdp-match; see pair_reader.h.
 *
 * The visitor copies the scalars it knows into per-field buffers and
 * every value under "evidence" into a list of events (relative path,
 * type, value).  pair_json rebuilds the evidence from that list: nd
 * reports containers before their members and never their end, so a
 * container is closed when the next event's path is not inside it.
 * A key holding a '.' could confuse that prefix test; evidence keys are
 * plain words, and the output stays valid JSON in any case.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_writer.h"
#include "io/ndjson_reader.h"
#include "merge/pair_reader.h"
#include "merge/union_find.h"

#define PAIR_MAXDEPTH	16

enum { F_SRC_A, F_SRC_B, F_RID_A, F_RID_B, F_ROWID_A, F_ROWID_B, F_PROB,
	F_WEIGHT, F_RULE, F_TRAILER, F_PAIRS, F_THRESHOLD, F_FROM, F_RUN,
	F_WM, F_WM_RUN, F_STATUS, F_N };

static const char *const fpath[F_N] = {
	"a.source", "b.source", "a.record_id", "b.record_id", "a.rowid",
	"b.rowid", "prob", "weight", "rule", "trailer", "pairs", "threshold",
	"threshold_from", "run", "watermark", "watermark_run", "status"
};

struct ev {
	size_t	 path, plen;	/* in arena: path after "evidence" */
	size_t	 val, vlen;	/* in arena */
	enum nd_type type;
};

struct pair_reader {
	struct nd *nd;
	struct sbuf f[F_N];	/* values of the known fields */
	int	 ftype[F_N];	/* their nd type, -1 when absent */
	struct ev *ev;		/* evidence events */
	size_t	 nev, capev;
	int	 has_ev;	/* "evidence" is an array */
	int	 bad_ev;	/* "evidence" is neither an array nor null */
	struct sbuf arena;
	struct sbuf tmp;	/* pair_json's document */
	struct jw jw;
};

struct pair_reader *
pair_reader_new(void)
{
	struct pair_reader *r = xcalloc(1, sizeof(*r));
	int i;

	r->nd = nd_new(PAIR_MAXDEPTH);
	for (i = 0; i < F_N; i++)
		sb_init(&r->f[i]);
	sb_init(&r->arena);
	sb_init(&r->tmp);
	jw_init(&r->jw, &r->tmp);
	return r;
}

void
pair_reader_free(struct pair_reader *r)
{
	int i;

	if (r == NULL)
		return;
	nd_free(r->nd);
	for (i = 0; i < F_N; i++)
		sb_release(&r->f[i]);
	sb_release(&r->arena);
	jw_release(&r->jw);
	sb_release(&r->tmp);
	free(r->ev);
	free(r);
}

static int
visit(void *arg, const char *path, size_t plen, enum nd_type type,
    const char *val, size_t len)
{
	struct pair_reader *r = arg;
	struct ev *e;
	int i;

	if (plen >= 8 && memcmp(path, "evidence", 8) == 0 &&
	    (plen == 8 || path[8] == '.')) {
		if (plen == 8) {
			r->nev = 0;
			r->has_ev = type == ND_ARRAY;
			r->bad_ev = type != ND_ARRAY && type != ND_NULL;
			return 0;
		}
		if (r->nev == r->capev) {
			r->capev = r->capev ? 2 * r->capev : 32;
			r->ev = xrealloc(r->ev, r->capev * sizeof(*r->ev));
		}
		e = &r->ev[r->nev++];
		e->type = type;
		e->path = r->arena.len;
		e->plen = plen - 8;
		sb_add(&r->arena, path + 8, plen - 8);
		e->val = r->arena.len;
		e->vlen = len;
		if (val != NULL)
			sb_add(&r->arena, val, len);
		return 0;
	}
	for (i = 0; i < F_N; i++)
		if (strlen(fpath[i]) == plen && memcmp(fpath[i], path,
		    plen) == 0) {
			sb_reset(&r->f[i]);
			if (val != NULL)
				sb_add(&r->f[i], val, len);
			r->ftype[i] = (int)type;
			break;
		}
	return 0;
}

static int
fail(struct sbuf *why, const char *fmt, const char *arg)
{
	sb_reset(why);
	sb_addf(why, fmt, arg);
	return -1;
}

/* A record key part: a non-empty string (or number) without NUL. */
static int
key_part(struct pair_reader *r, int f, struct sbuf *why)
{
	if (r->ftype[f] == -1 || r->ftype[f] == ND_NULL)
		return fail(why, "missing %s", fpath[f]);
	if (r->ftype[f] != ND_STRING && r->ftype[f] != ND_NUMBER)
		return fail(why, "%s is not a string", fpath[f]);
	if (r->f[f].len == 0)
		return fail(why, "empty %s", fpath[f]);
	if (memchr(r->f[f].buf, '\0', r->f[f].len) != NULL)
		return fail(why, "NUL byte in %s", fpath[f]);
	return 0;
}

static int
number(struct pair_reader *r, int f, double *out, struct sbuf *why)
{
	char *end;

	if (r->ftype[f] != ND_NUMBER)
		return fail(why, "%s is not a number", fpath[f]);
	*out = strtod(r->f[f].buf, &end);
	if (*end != '\0' || !isfinite(*out))
		return fail(why, "%s is out of range", fpath[f]);
	return 0;
}

/*
 * Evidence fields pair_parse reads: birth dates and the names; the
 * location fields and those that corroborate nothing (gender,
 * country) for the names-only guard; identity documents (attr.*) for
 * the birth-date guard.
 */
enum { EV_OTHER, EV_BIRTH, EV_FIRST, EV_LAST, EV_FULL, EV_PLACE, EV_WEAK,
    EV_ATTR, EV_N };

static int
evidence_kind(const char *s, size_t n)
{
	static const struct {
		const char *name;
		int	 kind;
	} f[] = { { "birth_date", EV_BIRTH }, { "first_name", EV_FIRST },
	    { "last_name", EV_LAST }, { "full_name", EV_FULL },
	    { "street", EV_PLACE }, { "postal_code", EV_PLACE },
	    { "city", EV_PLACE }, { "gender", EV_WEAK },
	    { "country", EV_WEAK } };
	size_t k;

	for (k = 0; k < sizeof(f) / sizeof(f[0]); k++)
		if (strlen(f[k].name) == n && memcmp(s, f[k].name, n) == 0)
			return f[k].kind;
	if (n > 5 && memcmp(s, "attr.", 5) == 0)
		return EV_ATTR;
	return EV_OTHER;
}

/*
 * The names-only guard's view of one evidence item of kind with its
 * weight: names agreeing add to *names; anything else agreeing but a
 * weak field (an identifier, email, phone, address part, date) makes
 * the pair corroborated; a location field disagreeing is a conflict.
 */
static void
names_only_item(int kind, double w, double *names, int *corroborated,
    int *conflict)
{
	if (kind == EV_FIRST || kind == EV_LAST || kind == EV_FULL) {
		if (w > 0)
			*names += w;
	} else if (kind == EV_WEAK)
		return;
	else if (w > 0)
		*corroborated = 1;
	else if (w < 0 && kind == EV_PLACE)
		*conflict = 1;
}

/*
 * Birth dates and names of a and b named by the evidence items
 * {"field":"birth_date","a":...,"b":...} (first_name, last_name,
 * full_name).
 */
static void
evidence_dates(struct pair_reader *r, struct pair *p)
{
	size_t i, j, item = 0, itemlen = 0, alen = 0, blen = 0;
	const char *a = NULL, *b = NULL, *path;
	const char *nm[2][EV_N] = { { NULL } };
	size_t nmlen[2][EV_N] = { { 0 } };
	int kind = EV_OTHER, side, corroborated = 0, conflict = 0, hasw = 0;
	double w = 0, names = 0, wdoc = 0, wdate = 0;

	for (i = 0; i <= r->nev; i++) {
		path = i < r->nev ? r->arena.buf + r->ev[i].path : NULL;
		/* A new item (".N") or the end: settle the previous one. */
		if (i == r->nev || memchr(path + 1, '.', r->ev[i].plen - 1) ==
		    NULL) {
			if (kind == EV_BIRTH && a != NULL && p->bdate[0] == 0)
				p->bdate[0] = uf_date(a, alen);
			if (kind == EV_BIRTH && b != NULL && p->bdate[1] == 0)
				p->bdate[1] = uf_date(b, blen);
			if (hasw)
				names_only_item(kind, w, &names,
				    &corroborated, &conflict);
			if (hasw && kind == EV_BIRTH)
				wdate = w;
			if (hasw && kind == EV_ATTR)
				wdoc += w;
			hasw = 0;
			if (kind > EV_BIRTH && kind <= EV_FULL) {
				nm[0][kind] = a;
				nmlen[0][kind] = a != NULL ? alen : 0;
				nm[1][kind] = b;
				nmlen[1][kind] = b != NULL ? blen : 0;
			}
			kind = EV_OTHER;
			a = b = NULL;
			w = 0;
			if (i < r->nev) {
				item = r->ev[i].path;
				itemlen = r->ev[i].plen;
			}
			continue;
		}
		if (r->ev[i].plen < itemlen + 2 ||
		    memcmp(path, r->arena.buf + item, itemlen) != 0 ||
		    path[itemlen] != '.')
			continue;
		j = r->ev[i].plen - itemlen - 1;
		path += itemlen + 1;
		if (j == 6 && memcmp(path, "weight", 6) == 0 &&
		    r->ev[i].type == ND_NUMBER) {
			char num[64];

			if (r->ev[i].vlen < sizeof(num)) {
				memcpy(num, r->arena.buf + r->ev[i].val,
				    r->ev[i].vlen);
				num[r->ev[i].vlen] = '\0';
				w = strtod(num, NULL);
				hasw = 1;
			}
			continue;
		}
		if (r->ev[i].type != ND_STRING)
			continue;
		if (j == 5 && memcmp(path, "field", 5) == 0)
			kind = evidence_kind(r->arena.buf + r->ev[i].val,
			    r->ev[i].vlen);
		else if (j == 1 && path[0] == 'a') {
			a = r->arena.buf + r->ev[i].val;
			alen = r->ev[i].vlen;
		} else if (j == 1 && path[0] == 'b') {
			b = r->arena.buf + r->ev[i].val;
			blen = r->ev[i].vlen;
		}
	}
	p->names = -1;
	if (names > 0 && conflict && !corroborated &&
	    strcmp(p->rule, "fs") == 0)
		p->names = names;
	p->doc_over_date = wdate < 0 && wdoc + wdate > 0;
	for (side = 0; side < 2; side++)
		uf_name_of(&p->name[side], nm[side][EV_FIRST],
		    nmlen[side][EV_FIRST], nm[side][EV_LAST],
		    nmlen[side][EV_LAST], nm[side][EV_FULL],
		    nmlen[side][EV_FULL]);
}

double
pair_names(struct pair_reader *r, const char *rule, const char *ev,
    size_t evlen)
{
	struct pair p;
	struct sbuf why;

	if (strcmp(rule, "fs") != 0 || ev == NULL || evlen == 0)
		return -1;
	sb_init(&why);
	sb_reset(&r->tmp);
	sb_adds(&r->tmp, "{\"evidence\":");
	sb_add(&r->tmp, ev, evlen);
	sb_addc(&r->tmp, '}');
	r->nev = 0;
	r->has_ev = r->bad_ev = 0;
	sb_reset(&r->arena);
	memset(&p, 0, sizeof(p));
	p.rule = rule;
	p.names = -1;
	if (nd_parse(r->nd, r->tmp.buf, r->tmp.len, visit, r, &why) == 0 &&
	    r->has_ev)
		evidence_dates(r, &p);
	sb_release(&why);
	return p.names;
}

/* A trailer's count or id: absent or null is none unless required. */
static int
count(struct pair_reader *r, int f, long long min, int need, long long none,
    long long *out, struct sbuf *why)
{
	const char *errstr;

	*out = none;
	if (r->ftype[f] == -1 || r->ftype[f] == ND_NULL)
		return need ? fail(why, "trailer: missing %s", fpath[f]) : 0;
	if (r->ftype[f] != ND_NUMBER || parse_ll(r->f[f].buf, min, INT64_MAX,
	    out, &errstr) == -1)
		return fail(why, "trailer: %s is not a count", fpath[f]);
	return 0;
}

/* A trailer's word: a short string, one of those listed when any. */
static int
word(struct pair_reader *r, int f, char *out, size_t size,
    const char *const *allowed, struct sbuf *why)
{
	size_t i;

	*out = '\0';
	if (r->ftype[f] == -1 || r->ftype[f] == ND_NULL)
		return allowed != NULL ? fail(why, "trailer: missing %s",
		    fpath[f]) : 0;
	if (r->ftype[f] != ND_STRING || r->f[f].len >= size ||
	    memchr(r->f[f].buf, '\0', r->f[f].len) != NULL)
		return fail(why, "trailer: %s is not a word", fpath[f]);
	memcpy(out, r->f[f].buf, r->f[f].len + 1);
	for (i = 0; allowed != NULL && allowed[i] != NULL; i++)
		if (strcmp(out, allowed[i]) == 0)
			return 0;
	if (allowed == NULL)
		return 0;
	sb_reset(why);
	sb_addf(why, "trailer: unknown %s %s", fpath[f],
	    quote_value(out, strlen(out)));
	return -1;
}

static int
trailer(struct pair_reader *r, struct pair_trailer *t, struct sbuf *why)
{
	static const char *const status[] = { "ok", "rejects", "failed",
	    NULL };

	if (r->ftype[F_TRAILER] != ND_STRING)
		return fail(why, "%s is not a string", "trailer");
	if (count(r, F_PAIRS, 0, 1, 0, &t->pairs, why) == -1 ||
	    count(r, F_RUN, 1, 0, 0, &t->run, why) == -1 ||
	    count(r, F_WM, 0, 0, -1, &t->watermark, why) == -1 ||
	    count(r, F_WM_RUN, 0, 0, -1, &t->watermark_run, why) == -1)
		return -1;
	if (r->ftype[F_THRESHOLD] == -1)
		return fail(why, "trailer: missing %s", "threshold");
	if (number(r, F_THRESHOLD, &t->threshold, why) == -1)
		return -1;
	if (t->threshold < 0 || t->threshold > 1)
		return fail(why, "trailer: threshold %s is not in [0, 1]",
		    r->f[F_THRESHOLD].buf);
	if (word(r, F_FROM, t->from, sizeof(t->from), NULL, why) == -1 ||
	    word(r, F_STATUS, t->status, sizeof(t->status), status,
	    why) == -1)
		return -1;
	return PAIR_TRAILER;
}

int
pair_parse(struct pair_reader *r, const char *line, size_t len,
    struct pair *p, struct sbuf *why)
{
	const char *errstr;
	int i, s;

	for (i = 0; i < F_N; i++)
		r->ftype[i] = -1;
	r->nev = 0;
	r->has_ev = r->bad_ev = 0;
	sb_reset(&r->arena);
	memset(p, 0, sizeof(*p));
	if (nd_parse(r->nd, line, len, visit, r, why) != 0)
		return -1;
	if (r->ftype[F_TRAILER] != -1)
		return trailer(r, &p->tr, why);
	for (s = 0; s < 2; s++) {
		if (key_part(r, F_SRC_A + s, why) == -1 ||
		    key_part(r, F_RID_A + s, why) == -1)
			return -1;
		p->source[s] = r->f[F_SRC_A + s].buf;
		p->source_len[s] = r->f[F_SRC_A + s].len;
		p->record_id[s] = r->f[F_RID_A + s].buf;
		p->record_id_len[s] = r->f[F_RID_A + s].len;
		if (r->ftype[F_ROWID_A + s] == -1 ||
		    r->ftype[F_ROWID_A + s] == ND_NULL)
			continue;
		if (r->ftype[F_ROWID_A + s] != ND_NUMBER ||
		    parse_ll(r->f[F_ROWID_A + s].buf, 1, INT64_MAX,
		    &p->rowid[s], &errstr) == -1)
			return fail(why, "%s is not a positive integer",
			    fpath[F_ROWID_A + s]);
	}
	if (r->ftype[F_PROB] == -1)
		return fail(why, "missing %s", "prob");
	if (number(r, F_PROB, &p->prob, why) == -1)
		return -1;
	if (p->prob < 0 || p->prob > 1)
		return fail(why, "prob %s is not in [0, 1]", r->f[F_PROB].buf);
	if (r->ftype[F_WEIGHT] != -1 && r->ftype[F_WEIGHT] != ND_NULL) {
		if (number(r, F_WEIGHT, &p->weight, why) == -1)
			return -1;
		p->has_weight = 1;
	}
	if (r->ftype[F_RULE] == -1 || r->ftype[F_RULE] == ND_NULL)
		return fail(why, "missing %s", "rule");
	if (r->ftype[F_RULE] != ND_STRING || r->f[F_RULE].len == 0 ||
	    r->f[F_RULE].len > 200 || memchr(r->f[F_RULE].buf, '\0',
	    r->f[F_RULE].len) != NULL)
		return fail(why, "%s is not a rule name", "rule");
	p->rule = r->f[F_RULE].buf;
	if (r->bad_ev)
		return fail(why, "%s is not an array", "evidence");
	if (p->source_len[0] == p->source_len[1] &&
	    p->record_id_len[0] == p->record_id_len[1] &&
	    memcmp(p->source[0], p->source[1], p->source_len[0]) == 0 &&
	    memcmp(p->record_id[0], p->record_id[1],
	    p->record_id_len[0]) == 0)
		return fail(why, "%s", "a pair of a record with itself");
	p->evidence = r->has_ev && r->nev > 0;
	evidence_dates(r, p);
	return 0;
}

/* Write the evidence events as JSON, a and b exchanged when swap. */
static void
write_evidence(struct pair_reader *r, int swap)
{
	/* Open containers: the evidence array, then what nd reported. */
	struct { size_t path, plen; int map; } stk[PAIR_MAXDEPTH + 1];
	int depth;
	size_t i, klen;
	const char *path, *key, *val;
	struct ev *e;

	jw_array_open(&r->jw);
	stk[0].path = stk[0].plen = 0;
	stk[0].map = 0;
	depth = 1;
	for (i = 0; i < r->nev; i++) {
		e = &r->ev[i];
		path = r->arena.buf + e->path;
		val = r->arena.buf + e->val;
		while (depth > 1 && !(e->plen > stk[depth - 1].plen &&
		    memcmp(path, r->arena.buf + stk[depth - 1].path,
		    stk[depth - 1].plen) == 0 &&
		    path[stk[depth - 1].plen] == '.')) {
			depth--;
			if (stk[depth].map)
				jw_map_close(&r->jw);
			else
				jw_array_close(&r->jw);
		}
		if (stk[depth - 1].map) {
			key = path + stk[depth - 1].plen + 1;
			klen = e->plen - stk[depth - 1].plen - 1;
			if (swap && depth == 2 && klen == 1 && (key[0] == 'a' ||
			    key[0] == 'b'))
				key = key[0] == 'a' ? "b" : "a";
			jw_key(&r->jw, key, klen);
		}
		switch (e->type) {
		case ND_MAP:
		case ND_ARRAY:
			/* nd's depth limit keeps this within stk. */
			if (e->type == ND_MAP)
				jw_map_open(&r->jw);
			else
				jw_array_open(&r->jw);
			stk[depth].path = e->path;
			stk[depth].plen = e->plen;
			stk[depth].map = e->type == ND_MAP;
			depth++;
			break;
		case ND_STRING:
			jw_str(&r->jw, val, e->vlen);
			break;
		case ND_NUMBER:
			jw_num(&r->jw, val, e->vlen);
			break;
		case ND_BOOL:
			jw_bool(&r->jw, val[0] == 't');
			break;
		case ND_NULL:
			jw_null(&r->jw);
			break;
		}
	}
	while (depth > 0) {
		depth--;
		if (stk[depth].map)
			jw_map_close(&r->jw);
		else
			jw_array_close(&r->jw);
	}
}

static void
write_end(struct pair_reader *r, int s)
{
	jw_map_open(&r->jw);
	jw_key(&r->jw, "source", 6);
	jw_str(&r->jw, r->f[F_SRC_A + s].buf, r->f[F_SRC_A + s].len);
	jw_key(&r->jw, "record_id", 9);
	jw_str(&r->jw, r->f[F_RID_A + s].buf, r->f[F_RID_A + s].len);
	jw_map_close(&r->jw);
}

void
pair_json(struct pair_reader *r, int swap, struct sbuf *out, size_t *evoff,
    size_t *evlen)
{
	size_t off = 0;

	jw_reset(&r->jw);
	jw_map_open(&r->jw);
	jw_key(&r->jw, "a", 1);
	write_end(r, swap ? 1 : 0);
	jw_key(&r->jw, "b", 1);
	write_end(r, swap ? 0 : 1);
	jw_key(&r->jw, "rule", 4);
	jw_str(&r->jw, r->f[F_RULE].buf, r->f[F_RULE].len);
	jw_key(&r->jw, "prob", 4);
	jw_num(&r->jw, r->f[F_PROB].buf, r->f[F_PROB].len);
	if (r->ftype[F_WEIGHT] == ND_NUMBER) {
		jw_key(&r->jw, "weight", 6);
		jw_num(&r->jw, r->f[F_WEIGHT].buf, r->f[F_WEIGHT].len);
	}
	*evlen = 0;
	if (r->has_ev) {
		jw_key(&r->jw, "evidence", 8);
		off = r->tmp.len + 1;	/* yajl writes ':' with the value */
		write_evidence(r, swap);
		*evlen = r->tmp.len - off;
	}
	jw_map_close(&r->jw);
	*evoff = out->len + off;
	sb_add(out, r->tmp.buf, r->tmp.len);
}

/* Past the string opening at s[i] (a '"'): the index after its close. */
static size_t
skip_string(const char *s, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

static int
blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
pair_raw(const char *line, size_t len, size_t *off, size_t *olen,
    size_t *evoff, size_t *evlen)
{
	size_t i = 0, k, v;
	int depth = 0, d;

	while (len > 0 && blank(line[len - 1]))
		len--;
	while (i < len && blank(line[i]))
		i++;
	/* A byte-order mark before the first line is allowed by nd. */
	if (len - i >= 3 && memcmp(line + i, "\xef\xbb\xbf", 3) == 0)
		i += 3;
	*off = i;
	*olen = len - i;
	*evoff = *evlen = 0;
	/* The line is valid JSON (pair_parse said so): only strings and
	 * brackets matter to find the top-level "evidence" value.  Like
	 * pair_parse, the last of duplicate keys wins. */
	for (; i < len; i++) {
		if (line[i] == '{' || line[i] == '[')
			depth++;
		else if (line[i] == '}' || line[i] == ']')
			depth--;
		if (line[i] != '"')
			continue;
		k = i;
		i = skip_string(line, len, i) - 1;
		if (depth != 1 || i + 1 - k != 10 || memcmp(line + k,
		    "\"evidence\"", 10) != 0)
			continue;
		for (i++; i < len && (blank(line[i]) || line[i] == ':'); i++)
			;
		*evoff = *evlen = 0;
		if (i >= len || line[i] != '[') {
			i--;
			continue;
		}
		for (v = i, d = 0; i < len; i++) {
			if (line[i] == '"')
				i = skip_string(line, len, i) - 1;
			else if (line[i] == '[' || line[i] == '{')
				d++;
			else if ((line[i] == ']' || line[i] == '}') &&
			    --d == 0)
				break;
		}
		*evoff = v - *off;
		*evlen = i + 1 - v;
	}
}
