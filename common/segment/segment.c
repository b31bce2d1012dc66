/*
 * segment.c - the segments of cdp-segment as stored: loading them,
 * their members now in one pass over the profiles, and the writes of an
 * evaluation, which store only who entered and who left; see segment.h.
 */
#include <stdlib.h>
#include <string.h>

#include "segment/segment.h"
#include "store/database.h"
#include "store/id_array.h"

int
seg_load(sqlite3 *db, const struct expr_env *env, char **names, int n,
    struct seg **out, size_t *count, struct sbuf *why)
{
	sqlite3_stmt *st;
	struct seg *s = NULL;
	size_t cap = 0, i;
	int k, rc;

	*out = NULL;
	*count = 0;
	if ((st = db_prepare(db, "SELECT id, name, definition, size FROM "
	    "segment ORDER BY name", why)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);

		for (k = 0; k < n; k++)
			if (strcmp(names[k], name) == 0)
				break;
		if (n > 0 && k == n)
			continue;
		if (*count == cap) {
			cap = cap ? 2 * cap : 16;
			s = xrealloc(s, cap * sizeof(*s));
		}
		memset(&s[*count], 0, sizeof(*s));
		s[*count].id = sqlite3_column_int64(st, 0);
		s[*count].name = xstrdup(name);
		s[*count].def = xstrdup((const char *)sqlite3_column_text(st,
		    2));
		s[*count].size = sqlite3_column_int64(st, 3);
		expr_prog_init(&s[*count].prog);
		(*count)++;
	}
	if (rc != SQLITE_DONE) {
		db_err(db, "segment", why);
		goto fail;
	}
	for (k = 0; k < n; k++) {
		for (i = 0; i < *count; i++)
			if (strcmp(s[i].name, names[k]) == 0)
				break;
		if (i == *count) {
			const char *m = expr_closest(names[k],
			    (const char *const *)env->seg, env->nseg);

			sb_reset(why);
			if (m != NULL)
				sb_addf(why, "no segment %s (did you mean "
				    "\"%s\"?)", quote_value(names[k],
				    strlen(names[k])), m);
			else
				sb_addf(why, "no segment %s",
				    quote_value(names[k], strlen(names[k])));
			goto fail;
		}
	}
	sqlite3_finalize(st);
	*out = s;
	return 0;
fail:
	sqlite3_finalize(st);
	seg_free(s, *count);
	*count = 0;
	return -1;
}

void
seg_free(struct seg *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(s[i].name);
		free(s[i].def);
		expr_prog_release(&s[i].prog);
	}
	free(s);
}

static void
ids_add(struct seg_ids *a, long long id)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 1024;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = id;
}

/*
 * The members of every segment in one statement: the profiles are read
 * once, each segment's condition is a bit of a column, and a score or
 * aggregate used by several segments is looked up once per profile.
 */
struct seg_ids *
seg_members_now(struct expr_env *env, struct seg *s, size_t count,
    struct sbuf *why)
{
	const struct expr_prog **progs;
	struct seg_ids *now_in;
	sqlite3_stmt *st;
	long long id, bits;
	size_t i, k;
	int rc;

	progs = xcalloc(count + 1, sizeof(*progs));
	now_in = xcalloc(count + 1, sizeof(*now_in));
	for (i = 0; i < count; i++)
		progs[i] = &s[i].prog;
	if ((st = expr_prepare_many(env, progs, count, EXPR_MASK,
	    why)) == NULL)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		for (i = 0; i < count; i += EXPR_MASK_BITS) {
			bits = sqlite3_column_int64(st, 1 + (int)(i /
			    EXPR_MASK_BITS));
			for (k = i; bits != 0 && k < count; k++, bits >>= 1)
				if (bits & 1)
					ids_add(&now_in[k], id);
		}
	}
	if (db_finish(env->db, st, rc, why) == -1)
		goto fail;
	free(progs);
	return now_in;
fail:
	for (i = 0; i < count; i++)
		free(now_in[i].v);
	free(now_in);
	free(progs);
	return NULL;
}

int
seg_writes_prepare(struct seg_writes *w, sqlite3 *db, struct expr_env *env,
    long long run, const char *asof, struct sbuf *why)
{
	memset(w, 0, sizeof(*w));
	w->db = db;
	w->env = env;
	w->run = run;
	w->asof = asof;
	w->only = env->only;
	if ((w->ins_m = db_prepare(db, "INSERT INTO segment_member(segment, "
	    "profile, since_run) SELECT ?1, value, ?2 FROM cdp_ids(?3)",
	    why)) == NULL ||
	    (w->del_m = db_prepare(db, "DELETE FROM segment_member WHERE "
	    "segment = ?1 AND profile IN (SELECT value FROM cdp_ids(?3))",
	    why)) == NULL ||
	    (w->enter_c = db_prepare(db, "INSERT INTO segment_change(segment, "
	    "run, profile, change) SELECT ?1, ?2, value, 'enter' FROM "
	    "cdp_ids(?3)", why)) == NULL ||
	    (w->exit_c = db_prepare(db, "INSERT INTO segment_change(segment, "
	    "run, profile, change) SELECT ?1, ?2, value, 'exit' FROM "
	    "cdp_ids(?3)", why)) == NULL ||
	    (w->upd = db_prepare(db, w->only ? "UPDATE segment SET size = "
	    "size + ?1 WHERE id = ?2" : "UPDATE segment SET "
	    "last_eval_run = ?, last_eval_at = ?, as_of = ?, size = ?, "
	    "compiled = ?, params = ? WHERE id = ?", why)) == NULL) {
		seg_writes_finalize(w);
		return -1;
	}
	return 0;
}

void
seg_writes_finalize(struct seg_writes *w)
{
	sqlite3_finalize(w->ins_m);
	sqlite3_finalize(w->del_m);
	sqlite3_finalize(w->enter_c);
	sqlite3_finalize(w->exit_c);
	sqlite3_finalize(w->upd);
	w->ins_m = w->del_m = w->enter_c = w->exit_c = w->upd = NULL;
}

/*
 * Run st with ?1 the segment, ?2 the run, ?3 the ids: a write of many
 * rows is one INSERT ... SELECT from cdp_ids(?3) (store/id_array.h), where a
 * statement stepped per row cost several times the B-tree work, and a
 * first evaluation writes every member twice.
 */
static int
write_ids(struct seg_writes *w, sqlite3_stmt *st, const char *table,
    long long seg, const struct seg_ids *a, struct sbuf *why)
{
	struct idvec v = { a->v, a->n };
	int ret = 0;

	sqlite3_bind_int64(st, 1, seg);
	sqlite3_bind_int64(st, 2, w->run);
	if (idvtab_bind(st, 3, &v) == -1 || sqlite3_step(st) != SQLITE_DONE)
		ret = db_err(w->db, table, why);
	/* either way: the ids are the caller's, freed after */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

/*
 * One segment: its new members (ascending) against the stored ones, a
 * merge of two sorted lists; only the difference is written.
 */
int
seg_apply(struct seg_writes *w, struct seg *s, const struct seg_ids *now_in,
    struct sbuf *why)
{
	struct seg_ids old = { 0 }, in = { 0 }, out = { 0 };
	sqlite3_stmt *st;
	struct sbuf sql, par;
	size_t i = 0, j;
	char now[32];
	int rc, ret = -1;

	sb_init(&sql);
	sb_init(&par);
	if ((st = db_prepare(w->db, w->only ? "SELECT m.profile FROM "
	    "temp.cdp_only o CROSS JOIN segment_member m ON m.segment = ?1 "
	    "AND m.profile = o.profile ORDER BY o.profile" : "SELECT profile "
	    "FROM segment_member WHERE segment = ?1 ORDER BY profile",
	    why)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, s->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ids_add(&old, sqlite3_column_int64(st, 0));
	if (rc != SQLITE_DONE) {
		db_err(w->db, "segment_member", why);
		sqlite3_finalize(st);
		goto out;
	}
	sqlite3_finalize(st);
	for (j = 0; j < now_in->n; j++) {
		while (i < old.n && old.v[i] < now_in->v[j])
			ids_add(&out, old.v[i++]);
		if (i < old.n && old.v[i] == now_in->v[j])
			i++;
		else
			ids_add(&in, now_in->v[j]);
	}
	while (i < old.n)
		ids_add(&out, old.v[i++]);

	if (in.n > 0 && (write_ids(w, w->ins_m, "segment_member", s->id,
	    &in, why) == -1 || write_ids(w, w->enter_c, "segment_change",
	    s->id, &in, why) == -1))
		goto out;
	if (out.n > 0 && (write_ids(w, w->del_m, "segment_member", s->id,
	    &out, why) == -1 || write_ids(w, w->exit_c, "segment_change",
	    s->id, &out, why) == -1))
		goto out;

	if (w->only) {
		sqlite3_bind_int64(w->upd, 1, (long long)in.n -
		    (long long)out.n);
		sqlite3_bind_int64(w->upd, 2, s->id);
		if (sqlite3_step(w->upd) != SQLITE_DONE)
			db_err(w->db, "segment", why);
		else {
			s->size += (long long)in.n - (long long)out.n;
			s->entered = in.n;
			s->exited = out.n;
			ret = 0;
		}
		sqlite3_reset(w->upd);
		goto out;
	}
	expr_explain(w->env, &s->prog, EXPR_FILTER, &sql, &par);
	now_iso(now, sizeof(now));
	sqlite3_bind_int64(w->upd, 1, w->run);
	sqlite3_bind_text(w->upd, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->upd, 3, w->asof, -1, SQLITE_STATIC);
	sqlite3_bind_int64(w->upd, 4, (long long)now_in->n);
	sqlite3_bind_text(w->upd, 5, sql.buf, (int)sql.len, SQLITE_STATIC);
	sqlite3_bind_text(w->upd, 6, par.buf, (int)par.len, SQLITE_STATIC);
	sqlite3_bind_int64(w->upd, 7, s->id);
	if (sqlite3_step(w->upd) != SQLITE_DONE)
		db_err(w->db, "segment", why);
	else {
		s->size = (long long)now_in->n;
		s->entered = in.n;
		s->exited = out.n;
		ret = 0;
	}
	/* reset and unbound either way: sql, par and now are gone at out */
	sqlite3_reset(w->upd);
	sqlite3_clear_bindings(w->upd);
out:
	sb_release(&sql);
	sb_release(&par);
	free(old.v);
	free(in.v);
	free(out.v);
	return ret;
}
