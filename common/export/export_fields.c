/*
 * export_fields.c - the columns of a profile export: see export_fields.h.  Each
 * field becomes an SQL expression over the profile row p, so scores, attributes
 * and segment names come from index probes on the same step as the profile, not
 * from a second pass over the data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_fields.h"
#include "merge/golden_record.h"
#include "normalise/normalise.h"

/* The profile columns a field may name: "profile_id" is p.id. */
static const char *
profile_col(const char *name)
{
	static const char *const fixed[] = {
		"nrecords", "first_seen", "last_seen"
	};
	size_t i;
	int c;

	if (strcmp(name, "profile_id") == 0)
		return "id";
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(name, fixed[i]) == 0)
			return fixed[i];
	for (c = 0; c < GC_N; c++)
		if (strcmp(name, golden_col_name(c)) == 0)
			return golden_col_name(c);
	return NULL;
}

static int
field_add(struct xfields *xf, const char *spec, size_t n, struct sbuf *why)
{
	struct xfield *f;
	const char *colon = memchr(spec, ':', n);
	size_t nl = colon != NULL ? (size_t)(colon - spec) : n;
	char *name;

	if (colon != NULL && colon + 1 == spec + n) {
		sb_addf(why, "empty column name in -F: %s",
		    quote_value(spec, n));
		return -1;
	}
	name = xmalloc(nl + 1);
	memcpy(name, spec, nl);
	name[nl] = '\0';
	xf->v = xrealloc(xf->v, (xf->n + 1) * sizeof(*f));
	f = &xf->v[xf->n];
	memset(f, 0, sizeof(*f));
	if (strncmp(name, "score.", 6) == 0 && name[6] != '\0') {
		f->kind = XF_SCORE;
		f->arg = xstrdup(name + 6);
		f->money = strcmp(f->arg, "monetary") == 0 ||
		    strcmp(f->arg, "aov") == 0 || strcmp(f->arg, "clv") == 0;
	} else if (strncmp(name, "attr.", 5) == 0 && name[5] != '\0') {
		f->kind = XF_ATTR;
		f->arg = xmalloc(strlen(name) - 5 + 3);
		memcpy(f->arg, "$.", 2);
		strcpy(f->arg + 2, name + 5);
	} else if (strcmp(name, "segments") == 0) {
		f->kind = XF_SEGMENTS;
	} else if ((f->col = profile_col(name)) != NULL) {
		f->kind = XF_COL;
		if (strcmp(name, "email") == 0)
			f->hk = XF_HEMAIL;
		else if (strcmp(name, "phone") == 0)
			f->hk = XF_HPHONE;
	} else {
		sb_addf(why, "unknown field %s in -F", quote_value(spec, n));
		free(name);
		return -1;
	}
	if (colon != NULL) {
		free(name);
		name = xmalloc(n - nl);
		memcpy(name, colon + 1, n - nl - 1);
		name[n - nl - 1] = '\0';
	}
	f->name = name;
	xf->n++;
	return 0;
}

int
xf_parse(struct xfields *xf, const char *spec, struct sbuf *why)
{
	struct sbuf all;
	const char *p, *q;
	size_t i;
	int c, rc = 0;

	memset(xf, 0, sizeof(*xf));
	sb_init(&all);
	if (spec == NULL) {
		sb_adds(&all, "profile_id,nrecords,first_seen,last_seen");
		for (c = 0; c < GC_N; c++)
			sb_addf(&all, ",%s", golden_col_name(c));
		spec = all.buf;
	}
	sb_reset(why);
	for (p = spec; rc == 0; p = q + 1) {
		if ((q = strchr(p, ',')) == NULL)
			q = p + strlen(p);
		if (q == p) {
			sb_adds(why, "empty field in -F");
			rc = -1;
		} else
			rc = field_add(xf, p, (size_t)(q - p), why);
		if (*q == '\0')
			break;
	}
	sb_release(&all);
	if (rc == -1) {
		xf_release(xf);
		return -1;
	}
	xf->names = xmalloc((xf->n + 1) * sizeof(*xf->names));
	for (i = 0; i < xf->n; i++)
		xf->names[i] = xf->v[i].name;
	xf->names[i] = NULL;
	return 0;
}

void
xf_release(struct xfields *xf)
{
	size_t i;

	for (i = 0; i < xf->n; i++) {
		free(xf->v[i].name);
		free(xf->v[i].arg);
	}
	free(xf->v);
	free(xf->names);
	memset(xf, 0, sizeof(*xf));
}

/*
 * segments probes segment_member's key once per segment, so its cost
 * grows with the number of segments, not of memberships.
 */
static void
field_sql(const struct xfields *xf, size_t i, struct sbuf *sql)
{
	const struct xfield *f = &xf->v[i];

	switch (f->kind) {
	case XF_COL:
		if (xf->id != NULL && strcmp(f->col, "id") == 0)
			sb_adds(sql, xf->id);
		else
			sb_addf(sql, "p.%s", f->col);
		break;
	case XF_SCORE:
		sb_addf(sql, "(SELECT value FROM score WHERE name = "
		    ":f%zu AND profile = p.id)", i);
		break;
	case XF_ATTR:
		sb_addf(sql, "(SELECT json_extract(r.raw, :f%zu) "
		    "FROM member m JOIN record r ON r.id = m.record "
		    "WHERE m.profile = p.id AND "
		    "json_extract(r.raw, :f%zu) IS NOT NULL "
		    "ORDER BY r.ts IS NULL, r.ts DESC, r.id DESC "
		    "LIMIT 1)", i, i);
		break;
	case XF_SEGMENTS:
		sb_adds(sql, "(SELECT group_concat(name, ';') FROM "
		    "(SELECT s.name FROM segment s WHERE EXISTS "
		    "(SELECT 1 FROM segment_member x WHERE "
		    "x.segment = s.id AND x.profile = p.id) "
		    "ORDER BY s.name))");
		break;
	}
}

void
xf_sql(const struct xfields *xf, struct sbuf *sql)
{
	size_t i;

	for (i = 0; i < xf->n; i++) {
		sb_adds(sql, ", ");
		field_sql(xf, i, sql);
	}
}

/*
 * Field i's name in a keys object: what it is, not what its column is
 * called (profile_id, email, score.clv, attr.loyalty.tier, segments),
 * so an exit finds it whatever -F renamed; as a JSON path when path.
 * '"', '\\' and '\'' become '_': no quoting to get wrong.
 */
static void
field_key(const struct xfields *xf, size_t i, int path, struct sbuf *sql)
{
	const struct xfield *f = &xf->v[i];
	const char *s;

	sb_adds(sql, path ? "'$.\"" : "'");
	switch (f->kind) {
	case XF_COL:
		sb_adds(sql, strcmp(f->col, "id") == 0 ? "profile_id" : f->col);
		break;
	case XF_SCORE:
		sb_adds(sql, "score.");
		break;
	case XF_ATTR:
		sb_adds(sql, "attr");
		break;
	case XF_SEGMENTS:
		sb_adds(sql, "segments");
		break;
	}
	if (f->kind == XF_SCORE || f->kind == XF_ATTR)
		for (s = f->kind == XF_ATTR ? f->arg + 1 : f->arg; *s; s++)
			sb_addc(sql, *s == '"' || *s == '\\' || *s == '\'' ?
			    '_' : *s);
	sb_adds(sql, path ? "\"'" : "'");
}

/* Whether field f tells a destination who a profile is (xf_keeps). */
static int
identifies(const struct xfield *f)
{
	static const char *const cols[] = { "id", "email", "phone",
	    "customer_id", "loyalty_id", "anonymous_id" };
	size_t i;

	for (i = 0; f->kind == XF_COL && i < sizeof(cols) / sizeof(cols[0]);
	    i++)
		if (strcmp(f->col, cols[i]) == 0)
			return 1;
	return 0;
}

/* Whether field i is one an exit carries (export_fields.h). */
static int
xf_keeps(const struct xfields *xf, size_t i)
{
	size_t j;

	if (identifies(&xf->v[i]))
		return 1;
	for (j = 0; j < xf->n; j++)
		if (identifies(&xf->v[j]))
			return 0;
	return 1;
}

void
xf_sql_keyed(const struct xfields *xf, struct sbuf *sql, const char *keys,
    const char *exit)
{
	size_t i;

	for (i = 0; i < xf->n; i++) {
		if (!xf_keeps(xf, i)) {
			sb_addf(sql, ", CASE WHEN %s THEN NULL ELSE ", exit);
			field_sql(xf, i, sql);
			sb_adds(sql, " END");
			continue;
		}
		sb_addf(sql, ", CASE WHEN json_type(%s, ", keys);
		field_key(xf, i, 1, sql);
		sb_addf(sql, ") IS NOT NULL THEN json_extract(%s, ", keys);
		field_key(xf, i, 1, sql);
		sb_adds(sql, ") ELSE ");
		field_sql(xf, i, sql);
		sb_adds(sql, " END");
	}
}

void
xf_sql_object(const struct xfields *xf, struct sbuf *sql)
{
	size_t i, n;

	sb_adds(sql, "json_object(");
	for (i = 0, n = 0; i < xf->n; i++) {
		if (!xf_keeps(xf, i))
			continue;
		if (n++ > 0)
			sb_adds(sql, ", ");
		field_key(xf, i, 0, sql);
		sb_adds(sql, ", ");
		field_sql(xf, i, sql);
	}
	sb_adds(sql, ")");
}

void
xf_bind(const struct xfields *xf, sqlite3_stmt *st)
{
	char pname[32];
	size_t i;
	int k;

	for (i = 0; i < xf->n; i++) {
		snprintf(pname, sizeof(pname), ":f%zu", i);
		if ((k = sqlite3_bind_parameter_index(st, pname)) > 0)
			sqlite3_bind_text(st, k, xf->v[i].arg, -1,
			    SQLITE_STATIC);
	}
}

int
xf_hash(int hk, int meta, const char *s, size_t n, struct sbuf *scratch,
    char hex[2 * HASH_LEN + 1])
{
	uint8_t d[HASH_LEN];

	sb_reset(scratch);
	if (hk == XF_HEMAIL) {
		if (norm_email(s, n, scratch) != NORM_OK)
			return -1;
	} else if (hk == XF_HPHONE) {
		if (norm_phone(s, n, NULL, scratch) != NORM_OK)
			return -1;
		if (meta) {	/* digits alone: drop the '+' */
			memmove(scratch->buf, scratch->buf + 1, scratch->len);
			scratch->len--;
		}
	} else
		return -1;
	hash_sha256(scratch->buf, scratch->len, d);
	hash_hex(d, HASH_LEN, hex);
	return 0;
}
