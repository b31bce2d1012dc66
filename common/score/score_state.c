/*
 * score_state.c - the indicators of every profile kept between runs of
 * cdp-score; see score_state.h.
 *
 * The state is one row per profile in score_state and three keys in
 * state: the run that kept it (score_state.by), the run after which a
 * profile counts as touched (score_state.run) and the as-of day
 * (score_state.as_of).  The run kept is the run before the oldest
 * writer still running when cdp-score started, so that records a
 * concurrent cdp-ingest commits later count as touched next time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "score/score.h"
#include "score/score_state.h"
#include "store/database.h"

#define KEY_RUN		"score_state.run"
#define KEY_ASOF	"score_state.as_of"
#define KEY_BY		"score_state.by"

/*
 * The tools that leave a trace of what they change on the profiles they
 * change: a run of any other since the state was kept makes the next
 * cdp-score read everything.
 */
#define NIGHTLY_TOOLS	"'cdp-ingest', 'cdp-match', 'cdp-merge', " \
	"'cdp-score', 'cdp-segment', 'cdp-export', 'cdp-status', " \
	"'cdp-report', 'cdp-run'"

static int
one_int(sqlite3 *db, const char *sql, long long arg, long long *v, int *found,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, sql, why)) == NULL)
		return -1;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	*found = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*found = sqlite3_column_type(st, 0) == SQLITE_INTEGER;
		*v = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	return db_finish(db, st, rc, why);
}

int
score_state_since(sqlite3 *db, const struct score_opts *o, long long *since,
    struct sbuf *why)
{
	long long run = 0, asof = 0, other = 0;
	int found;

	*since = 0;
	if (one_int(db, "SELECT value FROM state WHERE key = '" KEY_ASOF "'",
	    0, &asof, &found, why) == -1)
		return -1;
	if (!found || asof != o->asof)
		return 0;
	if (one_int(db, "SELECT value FROM state WHERE key = '" KEY_RUN "'",
	    0, &run, &found, why) == -1)
		return -1;
	if (!found || run <= 0)
		return 0;
	if (one_int(db, "SELECT EXISTS (SELECT 1 FROM run WHERE id > ?1 AND "
	    "tool NOT IN (" NIGHTLY_TOOLS "))", run, &other, &found,
	    why) == -1)
		return -1;
	if (!other)
		*since = run;
	return 0;
}

int
score_touched(sqlite3 *db, long long since, long long **ids, size_t *n,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((st = db_prepare(db, "SELECT id FROM profile WHERE updated_run > ?1 "
	    "UNION SELECT m.profile FROM record r JOIN member m "
	    "ON m.record = r.id WHERE r.run > ?1 ORDER BY 1", why)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	return db_finish(db, st, rc, why);
}

static int32_t
day_or_none(sqlite3_stmt *st, int c)
{
	if (sqlite3_column_type(st, c) == SQLITE_NULL)
		return INT32_MIN;
	return (int32_t)sqlite3_column_int64(st, c);
}

int
score_state_read(sqlite3 *db, struct score_data *sd, struct sbuf *why)
{
	sqlite3_stmt *st;
	size_t i = 0, cap = 0, s;
	long long id, sid;
	int rc;

	if ((st = db_prepare(db, "SELECT profile, first_day, last_day, "
	    "first_event, occasions, orders, w30, w90, w365, engagement, "
	    "source_id, monetary, zbar FROM score_state ORDER BY profile",
	    why)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct score_prof *p;

		id = sqlite3_column_int64(st, 0);
		for (; i < sd->n && sd->id[i] < id; i++)
			sd->fresh[i] = 1;	/* no state: a new profile */
		if (i == sd->n || sd->id[i] != id) {
			if (sd->ngone == cap) {
				cap = cap ? 2 * cap : 256;
				sd->gone = xrealloc(sd->gone, cap *
				    sizeof(*sd->gone));
			}
			sd->gone[sd->ngone++] = id;
			continue;
		}
		p = &sd->p[i++];
		p->first_day = day_or_none(st, 1);
		p->last_day = day_or_none(st, 2);
		p->first_event = day_or_none(st, 3);
		p->occasions = sqlite3_column_int(st, 4);
		p->orders = sqlite3_column_int(st, 5);
		p->win[0] = sqlite3_column_int(st, 6);
		p->win[1] = sqlite3_column_int(st, 7);
		p->win[2] = sqlite3_column_int(st, 8);
		p->engagement = sqlite3_column_int(st, 9);
		p->src = -1;
		if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
			sid = sqlite3_column_int64(st, 10);
			for (s = 0; s < sd->nsrc; s++)
				if (sd->srcid[s] == sid)
					p->src = (int32_t)s;
			if (p->src < 0)
				sd->fresh[i - 1] = 1;	/* a source gone */
		}
		p->monetary = sqlite3_column_double(st, 11);
		p->zbar = sqlite3_column_double(st, 12);
	}
	for (; i < sd->n; i++)
		sd->fresh[i] = 1;
	return db_finish(db, st, rc, why);
}

static int
put_key(sqlite3 *db, const char *key, long long v, struct sbuf *why)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, "INSERT INTO state(key, value) VALUES (?1, ?2) "
	    "ON CONFLICT(key) DO UPDATE SET value = ?2", why)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	return db_finish(db, st, sqlite3_step(st), why);
}

static void
bind_day(sqlite3_stmt *st, int c, int32_t day)
{
	if (day == INT32_MIN)
		sqlite3_bind_null(st, c);
	else
		sqlite3_bind_int64(st, c, day);
}

int
score_state_save(sqlite3 *db, const struct score_data *sd, long long run,
    struct sbuf *why)
{
	sqlite3_stmt *ins = NULL, *del = NULL;
	long long keep = run - 1, oldest;
	size_t i;
	int found, rc = -1;

	/* a writer that began before this run may commit after its reads */
	if (one_int(db, "SELECT min(id) FROM run WHERE outcome = 'running' "
	    "AND id < ?1 AND tool IN ('cdp-ingest', 'cdp-merge', "
	    "'cdp-stream')", run, &oldest, &found, why) == -1)
		return -1;
	if (found && oldest - 1 < keep)
		keep = oldest - 1;
	if (sd->fresh == NULL &&
	    db_exec(db, "DELETE FROM score_state", why) == -1)
		return -1;
	if ((ins = db_prepare(db, "INSERT OR REPLACE INTO score_state("
	    "profile, first_day, last_day, first_event, occasions, orders, "
	    "w30, w90, w365, engagement, source_id, monetary, zbar) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", why)) == NULL ||
	    (del = db_prepare(db, "DELETE FROM score_state WHERE profile = ?",
	    why)) == NULL)
		goto out;
	for (i = 0; i < sd->n; i++) {
		const struct score_prof *p = &sd->p[i];

		if (sd->fresh != NULL && !sd->fresh[i])
			continue;
		sqlite3_bind_int64(ins, 1, sd->id[i]);
		bind_day(ins, 2, p->first_day);
		bind_day(ins, 3, p->last_day);
		bind_day(ins, 4, p->first_event);
		sqlite3_bind_int(ins, 5, p->occasions);
		sqlite3_bind_int(ins, 6, p->orders);
		sqlite3_bind_int(ins, 7, p->win[0]);
		sqlite3_bind_int(ins, 8, p->win[1]);
		sqlite3_bind_int(ins, 9, p->win[2]);
		sqlite3_bind_int(ins, 10, p->engagement);
		if (p->src >= 0)
			sqlite3_bind_int64(ins, 11, sd->srcid[p->src]);
		else
			sqlite3_bind_null(ins, 11);
		sqlite3_bind_double(ins, 12, p->monetary);
		sqlite3_bind_double(ins, 13, p->zbar);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			db_err(db, "score_state", why);
			goto out;
		}
		sqlite3_reset(ins);
	}
	for (i = 0; i < sd->ngone; i++) {
		sqlite3_bind_int64(del, 1, sd->gone[i]);
		if (sqlite3_step(del) != SQLITE_DONE) {
			db_err(db, "score_state", why);
			goto out;
		}
		sqlite3_reset(del);
	}
	if (put_key(db, KEY_RUN, keep, why) == -1 ||
	    put_key(db, KEY_BY, run, why) == -1 ||
	    put_key(db, KEY_ASOF, sd->opts.asof, why) == -1)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	return rc;
}

size_t
score_state_changed(const struct score_data *sd, long long **ids)
{
	size_t i = 0, g = 0, n = 0;

	*ids = xmalloc((sd->n + sd->ngone + 1) * sizeof(**ids));
	for (;;) {
		while (i < sd->n && !sd->fresh[i])
			i++;
		if (i == sd->n && g == sd->ngone)
			break;
		if (g == sd->ngone || (i < sd->n && sd->id[i] < sd->gone[g]))
			(*ids)[n++] = sd->id[i++];
		else
			(*ids)[n++] = sd->gone[g++];
	}
	return n;
}

int
score_state_stored(sqlite3 *db, const char *name, int *yes, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	*yes = 0;
	if ((st = db_prepare(db, "SELECT (SELECT run FROM score_def WHERE "
	    "name = ?1) >= (SELECT value FROM state WHERE key = '" KEY_BY "')",
	    why)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*yes = sqlite3_column_int(st, 0) == 1;
		rc = SQLITE_DONE;
	}
	return db_finish(db, st, rc, why);
}
