/*
 * score_store.c - writing the values of one score for every profile,
 * only what changed.
 *
 * A nightly run computes every score of every profile, but most values
 * are those of the night before (the frequency of someone who did not
 * buy): the old values of the score are read in profile order, merged
 * with the new ones, and only insertions, updates and deletions are
 * written.  Writing is what costs in SQLite, reading a key range is
 * cheap, so a run that changes little writes little.  A value keeps the
 * run that stored it; score_def says which run last computed the score.
 */
#include <stdlib.h>
#include <string.h>

#include "score/score.h"
#include "store/database.h"

int
score_writer_init(struct score_writer *w, sqlite3 *db, long long run,
    struct sbuf *why)
{
	memset(w, 0, sizeof(*w));
	w->db = db;
	w->run = run;
	sb_init(&w->text);
	w->sel = db_prepare(db, "SELECT profile, value FROM score "
	    "WHERE name = ? ORDER BY profile", why);
	w->sel1 = db_prepare(db, "SELECT profile, value FROM score "
	    "WHERE name = ?1 AND profile = ?2", why);
	w->ins = db_prepare(db, "INSERT INTO score(name, profile, value, run) "
	    "VALUES (?, ?, ?, ?)", why);
	w->upd = db_prepare(db, "UPDATE score SET value = ?3, run = ?4 "
	    "WHERE name = ?1 AND profile = ?2", why);
	w->del = db_prepare(db, "DELETE FROM score WHERE name = ? AND "
	    "profile = ?", why);
	if (w->sel == NULL || w->sel1 == NULL || w->ins == NULL ||
	    w->upd == NULL || w->del == NULL) {
		score_writer_release(w);
		return -1;
	}
	return 0;
}

void
score_writer_release(struct score_writer *w)
{
	sqlite3_finalize(w->sel);
	sqlite3_finalize(w->sel1);
	sqlite3_finalize(w->ins);
	sqlite3_finalize(w->upd);
	sqlite3_finalize(w->del);
	free(w->old);
	free(w->name);
	sb_release(&w->text);
	memset(w, 0, sizeof(*w));
}

/* The old value in column 1 of st, for profile. */
static void
old_add(struct score_writer *w, sqlite3_stmt *st, long long profile)
{
	struct score_old *o;

	if (w->nold == w->capold) {
		w->capold = w->capold ? 2 * w->capold : 4096;
		w->old = xrealloc(w->old, w->capold * sizeof(*w->old));
	}
	o = &w->old[w->nold++];
	o->profile = profile;
	switch (sqlite3_column_type(st, 1)) {
	case SQLITE_INTEGER:
		o->kind = SV_INT;
		o->i = sqlite3_column_int64(st, 1);
		break;
	case SQLITE_FLOAT:
		o->kind = SV_REAL;
		o->d = sqlite3_column_double(st, 1);
		break;
	case SQLITE_NULL:
		o->kind = SV_NULL;
		break;
	default:	/* text, and blobs compared as text */
		o->kind = SV_TEXT;
		o->i = (long long)w->text.len;
		sb_add(&w->text, sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
		sb_addc(&w->text, '\0');
	}
}

int
score_writer_begin(struct score_writer *w, const char *name,
    struct sbuf *why)
{
	int rc;

	free(w->name);
	w->name = xstrdup(name);
	w->nold = w->pos = 0;
	sb_reset(&w->text);
	sqlite3_bind_text(w->sel, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(w->sel)) == SQLITE_ROW)
		old_add(w, w->sel, sqlite3_column_int64(w->sel, 0));
	sqlite3_reset(w->sel);
	return rc == SQLITE_DONE ? 0 : db_err(w->db, "score", why);
}

int
score_writer_begin_some(struct score_writer *w, const char *name,
    const long long *ids, size_t n, struct sbuf *why)
{
	size_t i;
	int rc;

	free(w->name);
	w->name = xstrdup(name);
	w->nold = w->pos = 0;
	sb_reset(&w->text);
	sqlite3_bind_text(w->sel1, 1, name, -1, SQLITE_STATIC);
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(w->sel1, 2, ids[i]);
		if ((rc = sqlite3_step(w->sel1)) == SQLITE_ROW)
			old_add(w, w->sel1, ids[i]);
		sqlite3_reset(w->sel1);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return db_err(w->db, "score", why);
	}
	return 0;
}

static int
step(struct score_writer *w, sqlite3_stmt *st, long long profile,
    const struct score_val *v, struct sbuf *why)
{
	sqlite3_bind_text(st, 1, w->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, profile);
	if (v != NULL) {
		switch (v->kind) {
		case SV_INT:
			sqlite3_bind_int64(st, 3, v->i);
			break;
		case SV_REAL:
			sqlite3_bind_double(st, 3, v->d);
			break;
		default:
			sqlite3_bind_text(st, 3, v->s, -1, SQLITE_STATIC);
		}
		sqlite3_bind_int64(st, 4, w->run);
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return db_err(w->db, "score", why);
	}
	sqlite3_reset(st);
	return 0;
}

static int
same(const struct score_writer *w, const struct score_old *o,
    const struct score_val *v)
{
	if (o->kind != v->kind)
		return 0;
	switch (v->kind) {
	case SV_INT:
		return o->i == v->i;
	case SV_REAL:
		return memcmp(&o->d, &v->d, sizeof(v->d)) == 0;
	default:
		return strcmp(w->text.buf + o->i, v->s) == 0;
	}
}

int
score_writer_put(struct score_writer *w, long long profile,
    const struct score_val *v, struct sbuf *why)
{
	struct score_old *o;

	/* old values of profiles that are no longer there */
	while (w->pos < w->nold && w->old[w->pos].profile < profile) {
		if (step(w, w->del, w->old[w->pos++].profile, NULL, why) == -1)
			return -1;
		w->deleted++;
	}
	o = w->pos < w->nold && w->old[w->pos].profile == profile ?
	    &w->old[w->pos++] : NULL;
	if (v->kind == SV_NULL) {
		if (o == NULL)
			return 0;
		w->deleted++;
		return step(w, w->del, profile, NULL, why);
	}
	if (o != NULL && same(w, o, v)) {
		w->unchanged++;
		return 0;
	}
	w->written++;
	return step(w, o != NULL ? w->upd : w->ins, profile, v, why);
}

int
score_writer_end(struct score_writer *w, struct sbuf *why)
{
	while (w->pos < w->nold) {
		if (step(w, w->del, w->old[w->pos++].profile, NULL, why) == -1)
			return -1;
		w->deleted++;
	}
	return 0;
}
