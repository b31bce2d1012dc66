/*
 * stream.c - cdp-stream's cursor and outbox in the store, and the
 * evaluation that fills the outbox; see stream.h for the guarantee.
 *
 * The evaluation is cdp-segment eval's, on every segment: the changes it
 * writes to segment_change under its run are copied to the outbox in
 * the same transaction, numbered in the order of profile then segment,
 * so that the changes of one profile come out in the order they were
 * made.
 */
#include <stdlib.h>
#include <string.h>

#include "expr/expr.h"
#include "io/json_writer.h"
#include "match/comparators.h"
#include "score/score.h"
#include "segment/segment.h"
#include "store/database.h"
#include "stream/stream.h"

static const char outbox_sql[] =
    "CREATE TABLE IF NOT EXISTS stream_change ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  run INTEGER NOT NULL,"
    "  at TEXT NOT NULL,"
    "  as_of TEXT NOT NULL,"
    "  profile INTEGER NOT NULL,"
    "  segment TEXT NOT NULL,"
    "  change TEXT NOT NULL,"
    "  record INTEGER"
    ");"
    "CREATE INDEX IF NOT EXISTS stream_change_run ON stream_change(run)";

/*
 * The evaluations of cdp-segment are followed from the first start on:
 * the changes they found before are history, not news.
 */
static const char batch_start_sql[] =
    "INSERT OR IGNORE INTO state(key, value) SELECT 'cdp-stream.batch', "
    "coalesce(max(id), 0) FROM run WHERE tool = 'cdp-segment'";

/*
 * The changes of the cdp-segment evaluations ended since the last pass
 * (by hand or by cdp-run), before this pass's own: they were made first.
 * A run is copied once (none of its rows in the outbox yet); the cursor
 * stays below the oldest run still going, which may commit after a
 * younger one.  Their cause is not known; their as-of date is in the
 * run's message ("as of YYYY-MM-DD: ...", cdp-segment's).
 */
static int
batch_changes(struct stream *sm, struct sbuf *why)
{
	static const char sql[] =
	    "INSERT INTO stream_change(run, at, as_of, profile, segment, "
	    "change, record) "
	    "SELECT c.run, coalesce(r.ended_at, r.started_at), "
	    " CASE WHEN r.message LIKE 'as of ____-__-__:%' "
	    "  THEN substr(r.message, 7, 10) ELSE coalesce(s.as_of, '') END, "
	    " c.profile, s.name, c.change, NULL "
	    "FROM run r JOIN segment s JOIN segment_change c "
	    " ON c.segment = s.id AND c.run = r.id "
	    "WHERE r.tool = 'cdp-segment' AND r.outcome <> 'running' "
	    " AND r.id > (SELECT value FROM state"
	    "  WHERE key = 'cdp-stream.batch') "
	    " AND NOT EXISTS (SELECT 1 FROM stream_change x"
	    "  WHERE x.run = r.id) "
	    "ORDER BY c.run, c.profile, s.name;"
	    "UPDATE state SET value = coalesce("
	    " (SELECT min(id) - 1 FROM run WHERE tool = 'cdp-segment'"
	    "  AND outcome = 'running' AND id > state.value),"
	    " (SELECT max(state.value, coalesce(max(id), 0)) FROM run"
	    "  WHERE tool = 'cdp-segment')) "
	    "WHERE key = 'cdp-stream.batch'";

	return db_exec(sm->db, sql, why);
}

static int
get_cursor(sqlite3 *db, const char *key, long long *v, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	*v = 0;
	if ((st = db_prepare(db, "SELECT value FROM state WHERE key = ?",
	    why)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	return db_finish(db, st, rc, why);
}

static int
get_whole(struct stream *sm, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(sm->db, "SELECT value FROM state WHERE key = "
	    "'cdp-stream.whole'", why)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sm->whole = xstrdup((const char *)sqlite3_column_text(st, 0));
		rc = SQLITE_DONE;
	}
	return db_finish(sm->db, st, rc, why);
}

/* Reset a statement kept for the next call, whose last step gave rc. */
static int
done(struct stream *sm, sqlite3_stmt *st, int rc, const char *what,
    struct sbuf *why)
{
	int ret = rc == SQLITE_DONE ? 0 : db_err(sm->db, what, why);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

int
stream_open(struct stream *sm, sqlite3 *db, struct sbuf *why)
{
	memset(sm, 0, sizeof(*sm));
	sm->db = db;
	if (db_exec(db, outbox_sql, why) == -1 ||
	    db_exec(db, batch_start_sql, why) == -1 ||
	    get_cursor(db, "cdp-stream.record", &sm->record, why) == -1 ||
	    get_cursor(db, "cdp-stream.sent", &sm->sent, why) == -1 ||
	    get_cursor(db, "cdp-stream.mlog", &sm->mlog, why) == -1 ||
	    get_whole(sm, why) == -1)
		return -1;
	if ((sm->last = db_prepare(db, "SELECT max(id) FROM record",
	    why)) == NULL ||
	    (sm->next = db_prepare(db, "SELECT c.seq, c.profile, c.segment, "
	    "c.change, s.name, r.record_id, c.at, c.as_of, c.run "
	    "FROM stream_change c LEFT JOIN record r ON r.id = c.record "
	    "LEFT JOIN source s ON s.id = r.source_id "
	    "WHERE c.seq > ? ORDER BY c.seq", why)) == NULL ||
	    (sm->ack = db_prepare(db, "INSERT INTO state(key, value) "
	    "VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
	    why)) == NULL) {
		stream_close(sm);
		return -1;
	}
	return 0;
}

void
stream_close(struct stream *sm)
{
	sqlite3_finalize(sm->last);
	sqlite3_finalize(sm->next);
	sqlite3_finalize(sm->ack);
	sm->last = sm->next = sm->ack = NULL;
	free(sm->whole);
	sm->whole = NULL;
}

int
stream_last_record(struct stream *sm, long long *id, struct sbuf *why)
{
	int rc;

	*id = 0;
	if ((rc = sqlite3_step(sm->last)) == SQLITE_ROW)
		*id = sqlite3_column_int64(sm->last, 0);
	return done(sm, sm->last, rc == SQLITE_ROW ? SQLITE_DONE : rc,
	    "record", why);
}

static int
put_cursor(struct stream *sm, const char *key, long long v, struct sbuf *why)
{
	sqlite3_bind_text(sm->ack, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(sm->ack, 2, v);
	return done(sm, sm->ack, sqlite3_step(sm->ack), "state", why);
}

static int
put_text(struct stream *sm, const char *key, const char *v, struct sbuf *why)
{
	sqlite3_bind_text(sm->ack, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(sm->ack, 2, v, -1, SQLITE_STATIC);
	return done(sm, sm->ack, sqlite3_step(sm->ack), "state", why);
}

static int
by_id(const void *a, const void *b)
{
	const struct seg *x = *(struct seg *const *)a;
	const struct seg *y = *(struct seg *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The outbox rows of run's changes.  The cause of a change is the
 * profile's newest record after the cursor; a profile merged away has
 * no records left, so its cause is that of the profile it went into.
 */
static long long
outbox(struct stream *sm, long long run, const char *asof, struct sbuf *why)
{
	sqlite3_stmt *st;
	char now[32];

	if ((st = db_prepare(sm->db, "INSERT INTO stream_change(run, at, "
	    "as_of, profile, segment, change, record) "
	    "SELECT c.run, ?2, ?3, c.profile, s.name, c.change, coalesce("
	    " (SELECT max(m.record) FROM member m WHERE m.profile = c.profile"
	    "  AND m.record > ?4),"
	    " CASE WHEN NOT EXISTS (SELECT 1 FROM profile p"
	    "  WHERE p.id = c.profile) THEN (SELECT max(m.record) FROM"
	    "  merge_log l JOIN member m ON m.profile = l.profile"
	    "  WHERE l.action = 'merge' AND l.other = c.profile"
	    "  AND m.record > ?4) END) "
	    "FROM segment s JOIN segment_change c ON c.segment = s.id "
	    "AND c.run = ?1 ORDER BY c.profile, s.name", why)) == NULL)
		return -1;
	now_iso(now, sizeof(now));
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, asof, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sm->record);
	if (db_step_final(sm->db, st, why) == -1)
		return -1;
	return sqlite3_changes(sm->db);
}

/* The as-of date, the segments' ids and their definitions. */
static char *
seg_defs(const char *asof, const struct seg *s, size_t count)
{
	struct sbuf b;
	size_t i;
	char *p;

	sb_init(&b);
	sb_adds(&b, asof);
	sb_addc(&b, '\n');
	for (i = 0; i < count; i++) {
		sb_addf(&b, "%lld\t", s[i].id);
		sb_adds(&b, s[i].def);
		sb_addc(&b, '\n');
	}
	p = sb_detach(&b);
	return p;
}

/*
 * The profiles touched since the last evaluation into temp.cdp_only:
 * those of the records after the cursor, up to upto, and both ends of
 * each merge_log row after sm->mlog up to mlog (a profile merged away
 * is one, and leaves its segments).
 */
static long long
touched(struct stream *sm, long long upto, long long mlog, struct sbuf *why)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(sm->db, "INSERT OR IGNORE INTO "
	    "temp.cdp_only(profile) "
	    "SELECT profile FROM member WHERE record > ?1 AND record <= ?2 "
	    "UNION ALL SELECT profile FROM merge_log WHERE id > ?3 "
	    " AND id <= ?4 AND profile IS NOT NULL "
	    "UNION ALL SELECT other FROM merge_log WHERE id > ?3 "
	    " AND id <= ?4 AND other IS NOT NULL", why)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sm->record);
	sqlite3_bind_int64(st, 2, upto);
	sqlite3_bind_int64(st, 3, sm->mlog);
	sqlite3_bind_int64(st, 4, mlog);
	if (db_step_final(sm->db, st, why) == -1)
		return -1;
	return sqlite3_changes(sm->db);
}

/*
 * The built-in scores made from a profile's own events alone, kept up to
 * date for the touched profiles before their segments are evaluated.
 * The RFM quintiles rank a profile among all, CLV fits a model on all:
 * those, and the scores of a spec file, change with cdp-score only.
 */
static const int live_scores[] = {
	SC_RECENCY_DAYS, SC_FREQUENCY, SC_ORDERS, SC_MONETARY, SC_AOV,
	SC_FIRST_PURCHASE, SC_LAST_PURCHASE, SC_TENURE_DAYS,
	SC_PURCHASES_30D, SC_PURCHASES_90D, SC_PURCHASES_365D,
	SC_ENGAGEMENT, SC_PREFERRED_SOURCE
};
#define NLIVE	(sizeof(live_scores) / sizeof(live_scores[0]))

/*
 * The live scores cdp-score keeps (a score_def row: the store has
 * them), recomputed for the profiles of temp.cdp_only at asof and
 * written when changed, with run.  The number of values changed, or -1.
 */
static long long
touched_scores(struct stream *sm, long long run, const char *asof,
    struct sbuf *why)
{
	struct score_opts o;
	struct score_data sd;
	struct score_val v;
	sqlite3_stmt *def = NULL, *put = NULL, *del = NULL, *st;
	int kept[NLIVE], any = 0, rc, began = 0;
	size_t i, k;
	long day;
	long long n = -1;

	memset(&sd, 0, sizeof(sd));
	if ((def = db_prepare(sm->db, "SELECT 1 FROM score_def WHERE "
	    "name = ? AND kind = 'builtin'", why)) == NULL)
		return -1;
	for (k = 0; k < NLIVE; k++) {
		sqlite3_bind_text(def, 1, score_builtins[live_scores[k]].name,
		    -1, SQLITE_STATIC);
		any |= kept[k] = sqlite3_step(def) == SQLITE_ROW;
		sqlite3_reset(def);
	}
	sqlite3_finalize(def);
	if (!any)
		return 0;
	memset(&o, 0, sizeof(o));
	if (cmp_date_parse(asof, 10, &day) == -1) {
		sb_addf(why, "as of %s: not a date", asof);
		return -1;
	}
	o.asof = day;
	o.only = 1;
	/* one transaction: read and written together, synced once */
	if (db_begin(sm->db, why) == -1)
		return -1;
	began = 1;
	if (score_compute(sm->db, &o, &sd, why) == -1)
		goto out;
	if ((put = db_prepare(sm->db, "INSERT INTO score(name, profile, "
	    "value, run) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(name, profile) "
	    "DO UPDATE SET value = excluded.value, run = excluded.run "
	    "WHERE value IS NOT excluded.value", why)) == NULL ||
	    (del = db_prepare(sm->db, "DELETE FROM score WHERE name = ?1 "
	    "AND profile = ?2", why)) == NULL)
		goto out;
	n = 0;
	for (i = 0; i < sd.n; i++)
		for (k = 0; k < NLIVE; k++) {
			if (!kept[k])
				continue;
			score_get(&sd, i, live_scores[k], &v);
			st = v.kind == SV_NULL ? del : put;
			sqlite3_bind_text(st, 1,
			    score_builtins[live_scores[k]].name, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, sd.id[i]);
			if (v.kind == SV_INT)
				sqlite3_bind_int64(st, 3, v.i);
			else if (v.kind == SV_REAL)
				sqlite3_bind_double(st, 3, v.d);
			else if (v.kind == SV_TEXT)
				sqlite3_bind_text(st, 3, v.s, -1,
				    SQLITE_TRANSIENT);
			if (st == put)
				sqlite3_bind_int64(st, 4, run);
			rc = sqlite3_step(st);
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			if (rc != SQLITE_DONE) {
				n = db_err(sm->db, "score", why);
				goto out;
			}
			n += sqlite3_changes(sm->db);
		}
	if (db_commit(sm->db, why) == -1)
		n = -1;
	else
		began = 0;
out:
	sqlite3_finalize(put);
	sqlite3_finalize(del);
	if (began)
		db_rollback(sm->db);
	score_data_release(&sd);
	return n;
}

static int
last_mlog(struct stream *sm, long long *id, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	*id = 0;
	if ((st = db_prepare(sm->db, "SELECT coalesce(max(id), 0) FROM "
	    "merge_log", why)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	return db_finish(sm->db, st, rc, why);
}

/*
 * Whether cdp-score or cdp-privacy ran since the last pass that ended
 * well, before run: scores, consents, erasures change segments with no
 * record nor merge to tell which profiles (and an erasure deletes
 * merge_log rows, whose ids may then be given again).  1, 0 or -1.
 */
static int
others_ran(struct stream *sm, long long run, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc, yes = 0;

	if ((st = db_prepare(sm->db, "SELECT EXISTS (SELECT 1 FROM run "
	    "WHERE tool IN ('cdp-score', 'cdp-privacy') AND id > (SELECT "
	    "coalesce(max(id), 0) FROM run WHERE tool = 'cdp-stream' AND "
	    "id < ?1 AND outcome = 'ok'))", why)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		yes = sqlite3_column_int(st, 0);
		rc = SQLITE_DONE;
	}
	return db_finish(sm->db, st, rc, why) == -1 ? -1 : yes;
}

long long
stream_eval(struct stream *sm, long long run, const char *asof,
    long long upto, int whole, long long *nprof, struct sbuf *why)
{
	const struct expr_prog **progs;
	struct expr_env env;
	struct seg_ids *now_in = NULL;
	struct seg_writes w;
	struct seg **order = NULL;
	struct seg *s = NULL;
	size_t count = 0, i;
	long long n = -1, mlog, nt = -1;
	char *defs = NULL;
	int began = 0, prepared = 0;

	if (expr_env_init(&env, sm->db, asof, why) == -1)
		return -1;
	if (expr_env_load(&env, why) == -1 ||
	    seg_load(sm->db, &env, NULL, 0, &s, &count, why) == -1 ||
	    last_mlog(sm, &mlog, why) == -1)
		goto out;
	defs = seg_defs(asof, s, count);
	if (sm->whole == NULL || strcmp(sm->whole, defs) != 0)
		whole = 1;
	if (!whole && (whole = others_ran(sm, run, why)) == -1)
		goto out;
	/* the touched profiles: their scores first, then (unless every
	 * profile is) their segments */
	if (whole ? db_exec(sm->db, "DROP TABLE IF EXISTS temp.cdp_only;"
	    "CREATE TEMP TABLE cdp_only(profile INTEGER PRIMARY KEY)",
	    why) == -1 : expr_env_only(&env, why) == -1)
		goto out;
	if ((nt = touched(sm, upto, mlog, why)) == -1 ||
	    touched_scores(sm, run, asof, why) == -1)
		goto out;
	if (whole)
		nt = -1;
	for (i = 0; i < count; i++) {
		env.self = s[i].name;
		if (expr_compile(&env, s[i].def, strlen(s[i].def), 1, 1,
		    &s[i].prog, why) == -1) {
			char *msg = sb_detach(why);

			sb_addf(why, "%s: %s", s[i].name, msg);
			free(msg);
			goto out;
		}
		env.self = NULL;
	}
	progs = xcalloc(count + 1, sizeof(*progs));
	for (i = 0; i < count; i++)
		progs[i] = &s[i].prog;
	if (whole)
		(void)expr_pivot_start(&env, progs, count);
	free(progs);
	if (expr_materialize(&env, why) == -1 || db_begin(sm->db, why) == -1)
		goto out;
	began = 1;
	if (batch_changes(sm, why) == -1)
		goto out;
	if (count > 0 && (now_in = seg_members_now(&env, s, count,
	    why)) == NULL)
		goto out;
	if (seg_writes_prepare(&w, sm->db, &env, run, asof, why) == -1)
		goto out;
	prepared = 1;
	order = xcalloc(count + 1, sizeof(*order));
	for (i = 0; i < count; i++)
		order[i] = &s[i];
	qsort(order, count, sizeof(*order), by_id);
	for (i = 0; i < count; i++)
		if (seg_apply(&w, order[i], &now_in[order[i] - s], why) == -1)
			goto out;
	if ((n = outbox(sm, run, asof, why)) == -1 ||
	    put_cursor(sm, "cdp-stream.record", upto, why) == -1 ||
	    put_cursor(sm, "cdp-stream.mlog", mlog, why) == -1 ||
	    (whole && put_text(sm, "cdp-stream.whole", defs, why) == -1) ||
	    db_commit(sm->db, why) == -1) {
		n = -1;
		goto out;
	}
	began = 0;
	sm->record = upto;
	sm->mlog = mlog;
	if (whole) {
		free(sm->whole);
		sm->whole = defs;
		defs = NULL;
	}
	if (nprof != NULL)
		*nprof = nt;
out:
	free(defs);
	if (prepared)
		seg_writes_finalize(&w);
	if (began)
		db_rollback(sm->db);
	for (i = 0; now_in != NULL && i < count; i++)
		free(now_in[i].v);
	free(now_in);
	free(order);
	seg_free(s, count);
	expr_env_release(&env);
	return n;
}

int
stream_each(struct stream *sm, int (*fn)(void *, long long, const char *,
    size_t), void *arg, struct sbuf *why)
{
	static const char *const keys[] = { "seq", "profile", "segment",
	    "change", "source", "record", "at", "as_of", "run" };
	sqlite3_stmt *st = sm->next;
	struct sbuf line;
	struct jw jw;
	int rc, ret = 0, k;

	sb_init(&line);
	jw_init(&jw, &line);
	sqlite3_bind_int64(st, 1, sm->sent);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jw_reset(&jw);
		jw_map_open(&jw);
		for (k = 0; k < 9; k++) {
			jw_key(&jw, keys[k], strlen(keys[k]));
			switch (sqlite3_column_type(st, k)) {
			case SQLITE_NULL:
				jw_null(&jw);
				break;
			case SQLITE_INTEGER:
				jw_int(&jw, sqlite3_column_int64(st, k));
				break;
			default:
				jw_strz(&jw, (const char *)
				    sqlite3_column_text(st, k));
			}
		}
		jw_map_close(&jw);
		if ((ret = fn(arg, sqlite3_column_int64(st, 0), line.buf,
		    line.len)) != 0)
			break;
	}
	jw_release(&jw);
	sb_release(&line);
	if (ret != 0) {
		sqlite3_reset(st);
		return ret;
	}
	return done(sm, st, rc, "stream_change", why);
}

int
stream_ack(struct stream *sm, long long seq, struct sbuf *why)
{
	if (seq <= sm->sent)
		return 0;
	if (put_cursor(sm, "cdp-stream.sent", seq, why) == -1)
		return -1;
	sm->sent = seq;
	return 0;
}
