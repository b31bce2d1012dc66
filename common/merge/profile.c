/*
 * profile.c - the profile store; see profile.h.  The graph of a
 * profile and its re-clustering are in profile_graph.c, prof_explain in
 * explain.c.
 */
#include <stdlib.h>
#include <string.h>

#include "merge/profile.h"
#include "store/database.h"

/* Above this many profiles, prof_golden reads all members in one pass. */
#define GOLDEN_SCAN	50000

/* Run start times and source names come from caches (struct names). */
#define GOLDEN_SELECT \
	"SELECT m.profile, r.id, r.source_id, r.email, r.phone," \
	" r.customer_id, r.loyalty_id, r.anonymous_id, r.first_name," \
	" r.last_name, r.full_name, r.birth_date, r.gender, r.org_name," \
	" r.street," \
	" r.postal_code, r.city, r.country, r.first_name_key," \
	" r.last_name_key, r.full_name_key, r.ts, r.run, r.first_run" \
	" FROM member m JOIN record r ON r.id = m.record "

static int
dberr(struct prof_store *ps)
{
	sb_reset(&ps->why);
	sb_adds(&ps->why, sqlite3_errmsg(ps->db));
	return -1;
}

static int
done(struct prof_store *ps, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : dberr(ps);
}

#define STATE_LAST	"cdp-merge.last_profile"

static long long
state_value(struct prof_store *ps, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if ((st = db_prepare(ps->db, sql, &ps->why)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		dberr(ps);
	sqlite3_finalize(st);
	return v;
}

static int
last_id(struct prof_store *ps)
{
	long long m, s;

	if ((m = state_value(ps, "SELECT coalesce(max(id), 0) FROM "
	    "profile")) < 0 || (s = state_value(ps, "SELECT coalesce(("
	    "SELECT value FROM state WHERE key = '" STATE_LAST "'), 0)")) < 0)
		return -1;
	ps->saved_id = s;
	ps->last_id = m > s ? m : s;
	return 0;
}

int
prof_finish(struct prof_store *ps)
{
	sqlite3_stmt *st;

	if (ps->last_id <= ps->saved_id)
		return 0;
	st = db_prepare(ps->db, "INSERT INTO state(key, value) VALUES ('"
	    STATE_LAST "', ?1) ON CONFLICT(key) DO UPDATE SET value = ?1",
	    &ps->why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ps->last_id);
	if (done(ps, st) == -1) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	ps->saved_id = ps->last_id;
	return 0;
}

int
prof_open(struct prof_store *ps, sqlite3 *db, long long run,
    struct golden *g)
{
	struct sbuf sql;
	int c;

	memset(ps, 0, sizeof(*ps));
	ps->db = db;
	ps->run = run;
	ps->golden = g;
	sb_init(&ps->why);
	now_iso(ps->now, sizeof(ps->now));
	sb_init(&sql);
	/* New profiles are inserted here, with their golden record. */
	sb_adds(&sql, "INSERT INTO profile(id, created_run, updated_run, "
	    "nrecords, first_seen, last_seen");
	for (c = 0; c < GC_N; c++)
		sb_addf(&sql, ", %s", golden_col_name(c));
	sb_addf(&sql, ") VALUES (?%d, ?1, ?1, ?2, ?3, ?4", GC_N + 5);
	for (c = 0; c < GC_N; c++)
		sb_addf(&sql, ", ?%d", c + 5);
	sb_adds(&sql, ") ON CONFLICT(id) DO UPDATE SET "
	    "updated_run = excluded.updated_run, "
	    "nrecords = excluded.nrecords, first_seen = excluded.first_seen, "
	    "last_seen = excluded.last_seen");
	for (c = 0; c < GC_N; c++)
		sb_addf(&sql, ", %s = excluded.%s", golden_col_name(c),
		    golden_col_name(c));
	ps->upd_golden = db_prepare(db, sql.buf, &ps->why);
	sb_release(&sql);
	ps->del_profile = db_prepare(db, "DELETE FROM profile WHERE id = ?",
	    &ps->why);
	ps->ins_member = db_prepare(db, "INSERT INTO member(record, profile, "
	    "run) VALUES (?, ?, ?)", &ps->why);
	ps->upd_member = db_prepare(db, "UPDATE member SET profile = ?2, "
	    "run = ?3 WHERE record = ?1", &ps->why);
	ps->ins_log = db_prepare(db, "INSERT INTO merge_log(run, action, "
	    "profile, other, record, reason, evidence, ts) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &ps->why);
	ps->sel_log = db_prepare(db, "SELECT 1 FROM merge_log WHERE "
	    "profile = ?2 AND action = ?1 AND other IS ?3 AND record IS ?4 "
	    "LIMIT 1", &ps->why);
	ps->ins_link = db_prepare(db, "INSERT INTO link(a, b, rule, weight, "
	    "prob, evidence, run) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT(a, b) DO UPDATE SET rule = excluded.rule, "
	    "weight = excluded.weight, prob = excluded.prob, "
	    "evidence = excluded.evidence, run = excluded.run "
	    "WHERE link.rule IS NOT excluded.rule OR "
	    "link.weight IS NOT excluded.weight OR "
	    "link.prob IS NOT excluded.prob OR "
	    "link.evidence IS NOT excluded.evidence", &ps->why);
	ps->del_link = db_prepare(db, "DELETE FROM link WHERE a = ? AND b = ?",
	    &ps->why);
	ps->ins_never = db_prepare(db, "INSERT INTO never_link(a, b, "
	    "created_at) VALUES (?, ?, ?) ON CONFLICT(a, b) DO NOTHING",
	    &ps->why);
	ps->sel_one = db_prepare(db, GOLDEN_SELECT "WHERE m.profile = ? "
	    "ORDER BY r.id", &ps->why);
	if (!ps->upd_golden || !ps->del_profile ||
	    !ps->ins_member || !ps->upd_member || !ps->ins_log ||
	    !ps->sel_log || !ps->ins_link || !ps->del_link ||
	    !ps->ins_never || !ps->sel_one) {
		/* Keep the message: prof_close would release it. */
		sqlite3_finalize(ps->upd_golden);
		sqlite3_finalize(ps->del_profile);
		sqlite3_finalize(ps->ins_member);
		sqlite3_finalize(ps->upd_member);
		sqlite3_finalize(ps->ins_log);
		sqlite3_finalize(ps->sel_log);
		sqlite3_finalize(ps->ins_link);
		sqlite3_finalize(ps->del_link);
		sqlite3_finalize(ps->ins_never);
		sqlite3_finalize(ps->sel_one);
		return -1;
	}
	return last_id(ps);
}

void
prof_close(struct prof_store *ps)
{
	sqlite3_finalize(ps->upd_golden);
	sqlite3_finalize(ps->del_profile);
	sqlite3_finalize(ps->ins_member);
	sqlite3_finalize(ps->upd_member);
	sqlite3_finalize(ps->ins_log);
	sqlite3_finalize(ps->sel_log);
	sqlite3_finalize(ps->ins_link);
	sqlite3_finalize(ps->del_link);
	sqlite3_finalize(ps->ins_never);
	sqlite3_finalize(ps->sel_one);
	ps->upd_golden = ps->del_profile = NULL;
	ps->ins_member = ps->upd_member = ps->ins_log = ps->sel_log = NULL;
	ps->ins_link = ps->del_link = ps->ins_never = ps->sel_one = NULL;
	sb_release(&ps->why);
}

long long
prof_new(struct prof_store *ps)
{
	return ++ps->last_id;
}

int
prof_delete(struct prof_store *ps, long long p)
{
	sqlite3_bind_int64(ps->del_profile, 1, p);
	return done(ps, ps->del_profile);
}

int
prof_member(struct prof_store *ps, long long rec, long long p, int insert)
{
	sqlite3_stmt *st = insert ? ps->ins_member : ps->upd_member;

	sqlite3_bind_int64(st, 1, rec);
	sqlite3_bind_int64(st, 2, p);
	sqlite3_bind_int64(st, 3, ps->run);
	return done(ps, st);
}

static void
bind_id(sqlite3_stmt *st, int i, long long v)
{
	if (v != 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int
prof_log(struct prof_store *ps, const char *action, long long profile,
    long long other, long long record, const char *reason, const char *ev,
    size_t evlen)
{
	sqlite3_stmt *st = ps->ins_log;

	sqlite3_bind_int64(st, 1, ps->run);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
	bind_id(st, 3, profile);
	bind_id(st, 4, other);
	bind_id(st, 5, record);
	sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
	db_bind_text(st, 7, ev, evlen);
	sqlite3_bind_text(st, 8, ps->now, -1, SQLITE_STATIC);
	return done(ps, st);
}

int
prof_logged(struct prof_store *ps, const char *action, long long profile,
    long long other, long long record)
{
	sqlite3_stmt *st = ps->sel_log;
	int rc;

	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, profile);
	bind_id(st, 3, other);
	bind_id(st, 4, record);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : dberr(ps);
}

int
prof_link(struct prof_store *ps, long long a, long long b, const char *rule,
    const double *weight, double prob, const char *ev, size_t evlen)
{
	sqlite3_stmt *st = ps->ins_link;

	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	sqlite3_bind_text(st, 3, rule, -1, SQLITE_STATIC);
	if (weight != NULL)
		sqlite3_bind_double(st, 4, *weight);
	sqlite3_bind_double(st, 5, prob);
	db_bind_text(st, 6, ev, evlen);
	sqlite3_bind_int64(st, 7, ps->run);
	return done(ps, st);
}

int
prof_never(struct prof_store *ps, long long a, long long b)
{
	sqlite3_stmt *st = ps->ins_never;

	sqlite3_bind_int64(st, 1, a < b ? a : b);
	sqlite3_bind_int64(st, 2, a < b ? b : a);
	sqlite3_bind_text(st, 3, ps->now, -1, SQLITE_STATIC);
	if (done(ps, st) == -1)
		return -1;
	return sqlite3_changes(ps->db) == 1;
}

/* Golden records. */

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Run start times and source names, by id, for the golden rows. */
struct names {
	char	**run;		/* run.started_at */
	size_t	 nrun;
	char	**src;		/* source.name */
	size_t	 nsrc;
};

static int
load_names(struct prof_store *ps, const char *sql, char ***v, size_t *n)
{
	sqlite3_stmt *st;
	long long id;
	int rc;

	if ((st = db_prepare(ps->db, sql, &ps->why)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (id < 0 || id > 100000000 ||
		    sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;
		if ((size_t)id >= *n) {
			*v = xrealloc(*v, ((size_t)id + 1) * sizeof(**v));
			memset(*v + *n, 0, ((size_t)id + 1 - *n) * sizeof(**v));
			*n = (size_t)id + 1;
		}
		(*v)[id] = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : dberr(ps);
}

static void
names_release(struct names *nm)
{
	while (nm->nrun > 0)
		free(nm->run[--nm->nrun]);
	while (nm->nsrc > 0)
		free(nm->src[--nm->nsrc]);
	free(nm->run);
	free(nm->src);
}

static const char *
name_of(char **v, size_t n, sqlite3_stmt *st, int i)
{
	long long id = sqlite3_column_int64(st, i);

	return id >= 0 && (size_t)id < n ? v[id] : NULL;
}

static void
add_row(struct golden *g, const struct names *nm, sqlite3_stmt *st)
{
	struct golden_rec r;
	const char *ts;
	int c;

	r.rowid = sqlite3_column_int64(st, 1);
	r.source = name_of(nm->src, nm->nsrc, st, 2);
	for (c = 0; c < GC_N; c++)
		r.val[c] = col(st, 3 + c);
	for (c = 0; c < 3; c++)
		r.key[c] = col(st, 3 + GC_N + c);
	/* A record's time: its ts, else when it was ingested. */
	ts = col(st, 6 + GC_N);
	r.recent = ts ? ts : name_of(nm->run, nm->nrun, st, 7 + GC_N);
	r.seen = ts ? ts : name_of(nm->run, nm->nrun, st, 8 + GC_N);
	golden_add(g, &r);
}

static int
write_golden(struct prof_store *ps, long long p)
{
	struct golden *g = ps->golden;
	sqlite3_stmt *st = ps->upd_golden;
	int c;

	golden_end(g);
	/* A profile left without records no longer exists. */
	if (g->nrecords == 0)
		return prof_delete(ps, p);
	sqlite3_bind_int64(st, 1, ps->run);
	sqlite3_bind_int64(st, 2, g->nrecords);
	sqlite3_bind_text(st, 3, g->first_seen, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, g->last_seen, -1, SQLITE_STATIC);
	for (c = 0; c < GC_N; c++)
		sqlite3_bind_text(st, 5 + c, g->col[c], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, GC_N + 5, p);
	return done(ps, st);
}

static int
golden_scan(struct prof_store *ps, const struct names *nm,
    const long long *ids, size_t n)
{
	sqlite3_stmt *st;
	long long p, cur = 0;
	size_t i = 0;
	int rc, in = 0;

	st = db_prepare(ps->db, GOLDEN_SELECT "ORDER BY m.profile", &ps->why);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p = sqlite3_column_int64(st, 0);
		if (p != cur) {
			if (in && write_golden(ps, cur) == -1)
				goto fail;
			cur = p;
			/* Profiles of ids with no member row get an empty record. */
			while (i < n && ids[i] < p) {
				golden_begin(ps->golden);
				if (write_golden(ps, ids[i++]) == -1)
					goto fail;
			}
			in = i < n && ids[i] == p;
			if (in) {
				i++;
				golden_begin(ps->golden);
			}
		}
		if (in)
			add_row(ps->golden, nm, st);
	}
	if (rc != SQLITE_DONE) {
		dberr(ps);
		goto fail;
	}
	if (in && write_golden(ps, cur) == -1)
		goto fail;
	for (; i < n; i++) {
		golden_begin(ps->golden);
		if (write_golden(ps, ids[i]) == -1)
			goto fail;
	}
	sqlite3_finalize(st);
	return 0;
fail:
	sqlite3_finalize(st);
	return -1;
}

int
prof_golden(struct prof_store *ps, const long long *ids, size_t n)
{
	sqlite3_stmt *st = ps->sel_one;
	struct names nm;
	size_t i;
	int rc = -1, step;

	memset(&nm, 0, sizeof(nm));
	if (load_names(ps, "SELECT id, started_at FROM run", &nm.run,
	    &nm.nrun) == -1 || load_names(ps, "SELECT id, name FROM source",
	    &nm.src, &nm.nsrc) == -1)
		goto out;
	if (n > GOLDEN_SCAN) {
		rc = golden_scan(ps, &nm, ids, n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		golden_begin(ps->golden);
		sqlite3_bind_int64(st, 1, ids[i]);
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			add_row(ps->golden, &nm, st);
		sqlite3_reset(st);
		if (step != SQLITE_DONE) {
			dberr(ps);
			goto out;
		}
		if (write_golden(ps, ids[i]) == -1)
			goto out;
	}
	rc = 0;
out:
	names_release(&nm);
	return rc;
}

/* Record names. */

int
prof_lookup(sqlite3 *db, const char *key, long long *rowid, struct sbuf *why)
{
	sqlite3_stmt *st;
	const char *colon = strchr(key, ':');
	int rc;

	if (colon == NULL || colon == key || colon[1] == '\0') {
		sb_reset(why);
		sb_addf(why, "%s: not a record (SOURCE:RECORD_ID)",
		    quote_value(key, strlen(key)));
		return -1;
	}
	st = db_prepare(db, "SELECT r.id FROM record r JOIN source s ON "
	    "s.id = r.source_id WHERE s.name = ? AND r.record_id = ?", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, (int)(colon - key), SQLITE_STATIC);
	sqlite3_bind_text(st, 2, colon + 1, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*rowid = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
prof_of(sqlite3 *db, long long record, long long *profile)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT profile FROM member WHERE "
	    "record = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, record);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*profile = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}
