/*
 * record_load.c - records for cdp-match from files or from the database; see
 * record_load.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "match/record_load.h"
#include "normalise/field_map.h"
#include "normalise/normalise.h"
#include "store/database.h"

/*
 * Whether a value has an identifier's shape: digits, and letters no more
 * than digits, joined by nothing but spaces, '-', '.' and '/' ("521-21-2123",
 * "AB 123 456", "12.345.678/0001").
 */
static int
id_shape(const char *s, size_t n)
{
	size_t i, digits = 0, letters = 0;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c >= '0' && c <= '9')
			digits++;
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			letters++;
		else if (c != ' ' && c != '-' && c != '.' && c != '/' &&
		    c != '\t')
			return 0;
	}
	return digits > 0 && letters <= digits;
}

void
mload_attr_norm(const char *s, size_t n, struct sbuf *out)
{
	size_t i;
	int space = 0;

	sb_reset(out);
	/* An identifier: its separators say nothing ("521212123"). */
	if (id_shape(s, n)) {
		for (i = 0; i < n; i++)
			if ((s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'z'))
				sb_addc(out, s[i]);
			else if (s[i] >= 'A' && s[i] <= 'Z')
				sb_addc(out, (char)(s[i] + 'a' - 'A'));
		return;
	}
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = out->len > 0;
			continue;
		}
		if (space)
			sb_addc(out, ' ');
		space = 0;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		sb_addc(out, c);
	}
}

/* full_name from the first and last name keys when it is absent. */
static void
derive_full(struct mset *ms, size_t r, struct sbuf *tmp)
{
	const char *f, *l;
	size_t fn, ln;

	if (mset_get(ms, r, MCFG_S_FULL) != 0)
		return;
	if (mset_get(ms, r, MCFG_S_FIRST) == 0 ||
	    mset_get(ms, r, MCFG_S_LAST) == 0)
		return;
	f = mset_str(ms, mset_get(ms, r, MCFG_S_FIRST), &fn);
	l = mset_str(ms, mset_get(ms, r, MCFG_S_LAST), &ln);
	sb_reset(tmp);
	sb_add(tmp, f, fn);
	sb_addc(tmp, ' ');
	sb_add(tmp, l, ln);
	mset_set(ms, r, MCFG_S_FULL, tmp->buf, tmp->len);
}

/*
 * An organisation's name as compared: folded, the legal form left out
 * ("ACME S.A.R.L." and "Acme SARL" are "acme"); empty when invalid.
 */
static void
org_key(const char *s, size_t n, struct sbuf *disp, struct sbuf *key)
{
	sb_reset(disp);
	sb_reset(key);
	if (norm_org(s, n, disp, key) != NORM_OK)
		sb_reset(key);
}

/* The value at a dotted path of a parsed JSON record, as text. */
static void
attr_value(yajl_val root, const char *dotted, struct sbuf *path,
    struct sbuf *out)
{
	const char *parts[64], *s;
	char *p;
	yajl_val v;
	size_t n = 0;

	sb_reset(out);
	if (root == NULL)
		return;
	sb_reset(path);
	sb_adds(path, dotted + 5);	/* after "attr." */
	for (p = path->buf; n < 63; ) {
		parts[n++] = p;
		if ((p = strchr(p, '.')) == NULL)
			break;
		*p++ = '\0';
	}
	parts[n] = NULL;
	if ((v = yajl_tree_get(root, parts, yajl_t_any)) == NULL)
		return;
	if (YAJL_IS_STRING(v))
		s = YAJL_GET_STRING(v);
	else if (YAJL_IS_NUMBER(v))
		s = YAJL_GET_NUMBER(v);
	else if (YAJL_IS_TRUE(v))
		s = "true";
	else if (YAJL_IS_FALSE(v))
		s = "false";
	else
		return;
	mload_attr_norm(s, strlen(s), out);
}

long
mload_file(struct mset *ms, const struct mcfg *c, const char *path,
    const char *source, const struct rin_opts *o, rin_diag_fn diag,
    void *arg, struct sbuf *why)
{
	struct rin *in;
	struct rin_rec *rec;
	struct sbuf tmp, ap, val;
	yajl_val root;
	char line[32], err[128];
	size_t r;
	uint32_t src;
	long n = 0;
	int res, s, canon, have_attr = 0;

	if ((in = rin_open(path, o, diag, arg)) == NULL) {
		sb_reset(why);
		sb_addf(why, "%s: %s", path == NULL || strcmp(path, "-") == 0 ?
		    "stdin" : path, strerror(errno));
		return -1;
	}
	for (s = 0; s < c->nslot; s++)
		if (c->slot[s].canon == -1)
			have_attr = 1;
	sb_init(&tmp);
	sb_init(&ap);
	sb_init(&val);
	src = mset_source(ms, source);
	while ((res = rin_next(in, &rec)) == 1) {
		if (rec->id != NULL)
			r = mset_add(ms, src, rec->id, rec->idlen, (int64_t)ms->n);
		else {
			snprintf(line, sizeof(line), "%ld", rec->line);
			r = mset_add(ms, src, line, strlen(line),
			    (int64_t)ms->n);
		}
		root = have_attr ? yajl_tree_parse(rec->raw, err,
		    sizeof(err)) : NULL;
		for (s = 0; s < c->nslot; s++) {
			canon = c->slot[s].canon;
			if (canon == -1) {
				attr_value(root, c->slot[s].name, &ap, &val);
				mset_set(ms, r, s, val.buf, val.len);
			} else if (!rec->have[canon])
				continue;
			else if (canon >= C_FIRST_NAME &&
			    canon <= C_FULL_NAME)
				mset_set(ms, r, s,
				    rec->key[canon - C_FIRST_NAME].buf,
				    rec->key[canon - C_FIRST_NAME].len);
			else if (canon == C_ORG_NAME) {
				org_key(rec->val[canon].buf,
				    rec->val[canon].len, &tmp, &val);
				mset_set(ms, r, s, val.buf, val.len);
			} else
				mset_set(ms, r, s, rec->val[canon].buf,
				    rec->val[canon].len);
		}
		if (root != NULL)
			yajl_tree_free(root);
		derive_full(ms, r, &tmp);
		n++;
	}
	if (res == -1) {
		sb_reset(why);
		sb_adds(why, rin_error(in));
		n = -1;
	}
	rin_close(in);
	sb_release(&tmp);
	sb_release(&ap);
	sb_release(&val);
	return n;
}

/*
 * Values read from the database wait in a batch, so that their hash
 * table slots are fetched ahead of interning them.
 */
#define BATCH	4096		/* values */
#define AHEAD	16		/* values fetched ahead */

struct batch {
	struct sbuf text;	/* the values, back to back */
	struct {
		size_t	 rec;
		int	 slot;
		size_t	 off, len;
		uint64_t h;
	} v[BATCH];
	size_t	 n;
	size_t	 first;		/* first record of the batch */
};

static void
batch_add(struct batch *b, size_t rec, int slot, const char *s, size_t n)
{
	b->v[b->n].rec = rec;
	b->v[b->n].slot = slot;
	b->v[b->n].off = b->text.len;
	b->v[b->n].len = n;
	b->v[b->n++].h = mset_hash(s, n, 0);
	sb_add(&b->text, s, n);
}

static void
batch_flush(struct batch *b, struct mset *ms, size_t upto, struct sbuf *tmp)
{
	size_t i, r;

	for (i = 0; i < b->n && i < AHEAD; i++)
		mset_prefetch(ms, b->v[i].h);
	for (i = 0; i < b->n; i++) {
		if (i + AHEAD < b->n)
			mset_prefetch(ms, b->v[i + AHEAD].h);
		ms->val[b->v[i].rec * (size_t)ms->nslot +
		    (size_t)b->v[i].slot] = mset_intern_hashed(ms,
		    b->text.buf + b->v[i].off, b->v[i].len, b->v[i].h);
	}
	for (r = b->first; r < upto; r++)
		derive_full(ms, r, tmp);
	b->n = 0;
	b->first = upto;
	sb_reset(&b->text);
}

static long
load_db(struct mset *ms, const struct mcfg *c, sqlite3 *db, int all,
    int which, const long long *since, struct sbuf *why)
{
	sqlite3_stmt *st;
	struct sbuf sql, tmp, val;
	struct batch *bt;
	const char *name, *v;
	uint32_t src = 0;
	long long lastsrc = -1, sid;
	size_t r;
	long n = 0;
	int s, rc, canon, col;

	/*
	 * The records wanted are listed first, from a scan of the index
	 * record_run (id and run only), not of the records.
	 */
	if (since != NULL) {
		/* The numbers are ours, not the user's text. */
		sb_init(&sql);
		sb_addf(&sql, "CREATE TEMP TABLE IF NOT EXISTS mload_ids("
		    "id INTEGER PRIMARY KEY); DELETE FROM temp.mload_ids; "
		    "INSERT INTO temp.mload_ids SELECT r.id FROM record r "
		    "LEFT JOIN member m ON m.record = r.id "
		    "LEFT JOIN matchrec k ON k.record = r.id "
		    "WHERE (r.id > %lld OR r.run > %lld) AND "
		    "(m.record IS NULL OR r.run > m.run OR "
		    "k.record IS NULL OR k.run <> r.run)", since[0], since[1]);
		rc = db_exec(db, sql.buf, why);
		sb_release(&sql);
		if (rc == -1)
			return -1;
		which = MLOAD_LISTED;
	}
	if (which == MLOAD_UNRESOLVED || which == MLOAD_TO_KEY) {
		if (db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS mload_ids("
		    "id INTEGER PRIMARY KEY); DELETE FROM temp.mload_ids", why) ==
		    -1 || db_exec(db, which == MLOAD_UNRESOLVED ?
		    "INSERT INTO temp.mload_ids SELECT r.id FROM record r "
		    "LEFT JOIN member m ON m.record = r.id "
		    "WHERE m.record IS NULL OR r.run > m.run" :
		    "INSERT INTO temp.mload_ids SELECT r.id FROM record r "
		    "LEFT JOIN member m ON m.record = r.id "
		    "LEFT JOIN matchrec k ON k.record = r.id "
		    "WHERE m.record IS NULL OR r.run > m.run OR "
		    "k.record IS NULL OR k.run <> r.run", why) == -1)
			return -1;
		which = MLOAD_LISTED;
	}
	sb_init(&sql);
	sb_init(&tmp);
	sb_init(&val);
	bt = xcalloc(1, sizeof(*bt));
	sb_init(&bt->text);
	bt->first = ms->n;
	/* Sized once: a million records regrown by doubling fault a lot. */
	if ((st = db_prepare(db, which == MLOAD_LISTED ?
	    "SELECT count(*) FROM temp.mload_ids" : which == MLOAD_ALL ?
	    "SELECT max(id) FROM record" : "SELECT 0", why)) == NULL)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW)
		mset_reserve(ms, ms->n + (size_t)sqlite3_column_int64(st, 0),
		    (size_t)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	sb_adds(&sql, "SELECT r.id, r.source_id, s.name, r.record_id, "
	    "(m.record IS NULL OR r.run > m.run), r.run");
	for (s = 0; s < c->nslot; s++) {
		canon = c->slot[s].canon;
		if (canon == -1)
			sb_addf(&sql, ", json_extract(r.raw, ?%d)", s + 1);
		else if (canon >= C_FIRST_NAME && canon <= C_FULL_NAME)
			sb_addf(&sql, ", r.%s_key", map_canon_name(canon));
		else
			sb_addf(&sql, ", r.%s", map_canon_name(canon));
	}
	if (which == MLOAD_LISTED)
		sb_adds(&sql, " FROM temp.mload_ids i CROSS JOIN record r "
		    "ON r.id = i.id");
	else
		sb_adds(&sql, " FROM record r");
	sb_adds(&sql, " JOIN source s ON s.id = r.source_id "
	    "LEFT JOIN member m ON m.record = r.id");
	sb_adds(&sql, " ORDER BY r.id");
	st = db_prepare(db, sql.buf, why);
	if (st == NULL)
		goto fail;
	sb_release(&sql);
	for (s = 0; s < c->nslot; s++)
		if (c->slot[s].canon == -1)
			sqlite3_bind_text(st, s + 1, c->slot[s].path, -1,
			    SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sid = sqlite3_column_int64(st, 1);
		if (sid != lastsrc) {
			name = (const char *)sqlite3_column_text(st, 2);
			src = mset_source(ms, name ? name : "");
			lastsrc = sid;
		}
		v = (const char *)sqlite3_column_text(st, 3);
		r = mset_add(ms, src, v ? v : "", (size_t)
		    sqlite3_column_bytes(st, 3), sqlite3_column_int64(st, 0));
		if (!all && sqlite3_column_int(st, 4) == 0)
			ms->flag[r] &= ~MSET_NEW;
		ms->run[r] = sqlite3_column_int64(st, 5);
		if (bt->n + (size_t)c->nslot > BATCH)
			batch_flush(bt, ms, r, &tmp);
		for (s = 0; s < c->nslot; s++) {
			col = 6 + s;
			if (sqlite3_column_type(st, col) == SQLITE_NULL)
				continue;
			v = (const char *)sqlite3_column_text(st, col);
			if (v == NULL || sqlite3_column_bytes(st, col) == 0)
				continue;
			if (c->slot[s].canon == -1) {
				mload_attr_norm(v, (size_t)
				    sqlite3_column_bytes(st, col), &val);
				if (val.len > 0)
					batch_add(bt, r, s, val.buf, val.len);
			} else if (c->slot[s].canon == C_ORG_NAME) {
				org_key(v, (size_t)sqlite3_column_bytes(st,
				    col), &tmp, &val);
				if (val.len > 0)
					batch_add(bt, r, s, val.buf, val.len);
			} else
				batch_add(bt, r, s, v, (size_t)
				    sqlite3_column_bytes(st, col));
		}
		n++;
	}
	batch_flush(bt, ms, ms->n, &tmp);
	if (rc != SQLITE_DONE) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(db));
		n = -1;
	}
	sqlite3_finalize(st);
	sb_release(&tmp);
	sb_release(&val);
	sb_release(&bt->text);
	free(bt);
	return n;
fail:
	sb_release(&sql);
	sb_release(&tmp);
	sb_release(&val);
	sb_release(&bt->text);
	free(bt);
	return -1;
}

long
mload_db(struct mset *ms, const struct mcfg *c, sqlite3 *db, int all,
    struct sbuf *why)
{
	return load_db(ms, c, db, all, MLOAD_ALL, NULL, why);
}

long
mload_db_some(struct mset *ms, const struct mcfg *c, sqlite3 *db, int which,
    struct sbuf *why)
{
	return load_db(ms, c, db, 0, which, NULL, why);
}

long
mload_db_since(struct mset *ms, const struct mcfg *c, sqlite3 *db,
    long long rowid, long long run, struct sbuf *why)
{
	long long since[2] = { rowid, run };

	return load_db(ms, c, db, 0, MLOAD_TO_KEY, since, why);
}

void
mload_fold(struct mset *ms, const struct mcfg *c)
{
	struct sbuf disp, key;
	uint32_t *memo, n0 = ms->nval, v;
	size_t r;
	const char *str;
	size_t len;
	int s;

	sb_init(&disp);
	sb_init(&key);
	memo = xcalloc(n0, sizeof(*memo));
	for (s = 0; s < c->nslot; s++) {
		if (c->slot[s].canon != C_STREET && c->slot[s].canon != C_CITY)
			continue;
		for (r = 0; r < ms->n; r++) {
			if ((v = mset_get(ms, r, s)) == 0 || v >= n0)
				continue;
			if (memo[v] == 0) {
				str = mset_str(ms, v, &len);
				if (norm_name(str, len, &disp, &key) == NORM_OK &&
				    key.len > 0)
					memo[v] = mset_intern(ms, key.buf,
					    key.len);
				else
					memo[v] = v;
			}
			ms->val[r * (size_t)ms->nslot + (size_t)s] = memo[v];
		}
	}
	free(memo);
	sb_release(&disp);
	sb_release(&key);
}

int
mload_watermark(sqlite3 *db, long long *rowid, long long *run,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	/* Two lookups at the ends of the rowid and record_run b-trees. */
	if ((st = db_prepare(db, "SELECT (SELECT coalesce(max(id), 0) FROM "
	    "record), (SELECT coalesce(max(run), 0) FROM record)", why)) ==
	    NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*rowid = sqlite3_column_int64(st, 0);
		*run = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}
