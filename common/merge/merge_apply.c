/*
 * merge_apply.c - mg_apply, the merge run in the database; see clustering.h.
 *
 * It reads the state it needs into arrays indexed by rowid: the run of
 * every record (from the record_run index, not the wide record rows),
 * every membership, and the guard data (contact signature, birth date)
 * of the records the pairs touch and of the other members of their
 * profiles.  A nightly run of a few thousand new records thus reads two
 * narrow tables and a few thousand rows; a first run over a million
 * records reads the record table once.
 *
 * The component the new pairs touch is clustered again from scratch:
 * the profiles of their records, closed under the held pairs (a held
 * pair between two profiles makes both part of it), every record of
 * them a singleton again, and all the stored pairs among them
 * (stored_pairs.h) with the new ones, in one order that depends on the
 * pairs and the records' keys, never on the order they arrived in.
 * The partition of a component is thus a function of its records and
 * pairs.  Profile ids then follow the records: each old profile goes
 * to the new cluster holding most of its records (on a tie, the one
 * holding its oldest record); a cluster that receives several keeps
 * the oldest (smallest) id and the others are merged into it; a
 * cluster that receives none gets a new id.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "merge/clustering.h"
#include "merge/stored_pairs.h"
#include "store/database.h"

#define F_NEED		0x01	/* a pair touches it or its profile */
#define F_UNRES		0x02	/* no member row, or changed since */
#define F_NEWROOT	0x04	/* cluster root: its profile is new */
#define F_LATE		0x08	/* past the watermark: left unresolved */

#define MAX_EVLINKS	20	/* links in the evidence of a merge row */
#define MAX_NOTES	100	/* refusals shown on stderr */

struct apply {
	struct mg *m;
	struct prof_store *ps;
	const struct mg_opts *o;
	struct mg_stats *st;
	sqlite3	*db;
	uint32_t n;		/* largest rowid + 1 */
	int64_t	*rrun;		/* record.run, 0: no such record */
	int64_t	*prof;		/* member.profile, 0: none */
	int64_t	*mrun;		/* member.run */
	int64_t	*tgt;		/* per cluster root: its profile */
	uint64_t *rank;		/* hash of a needed record's key */
	uint8_t	*kept;		/* by profile id: some cluster keeps it */
	long long maxp;		/* largest profile id */
	uint32_t nneed;		/* records with F_NEED */
	uint8_t	*fl;		/* F_* */
	uint32_t *tree;		/* first tree link of each record */
	struct uf u;
	long long *touched;	/* profiles to rebuild */
	size_t	 ntouched, captouched;
	int	 nnotes;
	struct sbuf msg, json, key;
};

static int
sqlfail(struct apply *ap)
{
	sb_reset(&ap->ps->why);
	sb_adds(&ap->ps->why, sqlite3_errmsg(ap->db));
	return -1;
}

static long long
scalar(struct apply *ap, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if ((st = db_prepare(ap->db, sql, &ap->ps->why)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		sqlfail(ap);
	sqlite3_finalize(st);
	return v;
}

static void
note(struct apply *ap)
{
	if (ap->o->note != NULL && ap->nnotes++ < MAX_NOTES)
		ap->o->note(ap->o->arg, ap->msg.buf);
}

/*
 * Bounded (mg_opts.since): the records that can matter, into
 * temp.mg_ids: the pairs' ends, the records above the bound, and every
 * record of their profiles.  The others are resolved and in no profile
 * the pairs touch: the run leaves them as they are either way.
 */
static int
bounded_ids(struct apply *ap)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = SQLITE_DONE;

	if (db_exec(ap->db, "CREATE TEMP TABLE IF NOT EXISTS mg_ids("
	    "id INTEGER PRIMARY KEY); DELETE FROM temp.mg_ids",
	    &ap->ps->why) == -1)
		return -1;
	if ((st = db_prepare(ap->db, "INSERT OR IGNORE INTO temp.mg_ids "
	    "VALUES (?)", &ap->ps->why)) == NULL)
		return -1;
	for (i = 0; i < ap->m->nlk && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(st, 1, ap->m->lk[i].a);
		if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, ap->m->lk[i].b);
			rc = sqlite3_step(st);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sqlfail(ap);
	if ((st = db_prepare(ap->db, "INSERT OR IGNORE INTO temp.mg_ids "
	    "SELECT id FROM record WHERE id > ?1 OR run > ?2",
	    &ap->ps->why)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ap->o->since);
	sqlite3_bind_int64(st, 2, ap->o->since_run);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sqlfail(ap);
	/*
	 * Closed under the held pairs too, as a full run closes the
	 * component it clusters again (need_closure).
	 */
	return db_exec(ap->db, "INSERT OR IGNORE INTO temp.mg_ids "
	    "WITH RECURSIVE c(id) AS (SELECT id FROM temp.mg_ids "
	    "UNION SELECT o.record FROM c CROSS JOIN member m "
	    "ON m.record = c.id CROSS JOIN member o ON o.profile = m.profile "
	    "UNION SELECT h.b FROM c CROSS JOIN held_link h ON h.a = c.id "
	    "UNION SELECT h.a FROM c CROSS JOIN held_link h ON h.b = c.id) "
	    "SELECT id FROM c", &ap->ps->why);
}

/* The runs of all records and all memberships (or of those bounded_ids
 * lists). */
static int
load_state(struct apply *ap)
{
	sqlite3_stmt *st;
	long long max, id;
	int rc;

	if ((max = scalar(ap, "SELECT coalesce(max(id), 0) FROM record")) < 0)
		return -1;
	if (max >= UINT32_MAX - 1) {
		sb_reset(&ap->ps->why);
		sb_adds(&ap->ps->why, "record rowids past 2^32");
		return -1;
	}
	ap->n = (uint32_t)max + 1;
	ap->rrun = xcalloc(ap->n, sizeof(*ap->rrun));
	ap->prof = xcalloc(ap->n, sizeof(*ap->prof));
	ap->mrun = xcalloc(ap->n, sizeof(*ap->mrun));
	ap->tgt = xcalloc(ap->n, sizeof(*ap->tgt));
	ap->fl = xcalloc(ap->n, sizeof(*ap->fl));
	ap->tree = xcalloc(ap->n, sizeof(*ap->tree));
	ap->rank = xcalloc(ap->n, sizeof(*ap->rank));
	if (ap->o->since > 0 || ap->o->since_run > 0) {
		if (bounded_ids(ap) == -1)
			return -1;
		st = db_prepare(ap->db, "SELECT r.id, r.run FROM "
		    "temp.mg_ids i CROSS JOIN record r ON r.id = i.id",
		    &ap->ps->why);
	} else
		st = db_prepare(ap->db, "SELECT id, run FROM record",
		    &ap->ps->why);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (id > 0 && id < ap->n)
			ap->rrun[id] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sqlfail(ap);
	if ((st = db_prepare(ap->db, ap->o->since > 0 || ap->o->since_run > 0 ?
	    "SELECT m.record, m.profile, m.run FROM temp.mg_ids i "
	    "CROSS JOIN member m ON m.record = i.id" :
	    "SELECT record, profile, run FROM member", &ap->ps->why)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (id <= 0 || id >= ap->n || ap->rrun[id] == 0)
			continue;
		ap->prof[id] = sqlite3_column_int64(st, 1);
		ap->mrun[id] = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sqlfail(ap);
}

/* Mark the records of the profiles marked in pmark. */
static void
mark_profiles(struct apply *ap, const uint8_t *pmark)
{
	uint32_t x;

	for (x = 1; x < ap->n; x++)
		if (ap->prof[x] > 0 && ap->prof[x] <= ap->maxp &&
		    pmark[ap->prof[x]])
			ap->fl[x] |= F_NEED;
}

/*
 * Drop pairs naming a missing record; mark what the pairs need: their
 * records, their profiles, and what held pairs join to those, until
 * nothing more is joined.  With rebuild, every record.
 */
static int
mark_needed(struct apply *ap)
{
	struct mg *m = ap->m;
	struct mg_link *l;
	uint32_t (*held)[2] = NULL;
	uint8_t *pmark;
	size_t i, nheld = 0;
	uint32_t x;
	int more;

	for (i = 0; i < m->nlk; i++) {
		l = &m->lk[i];
		if (l->a < ap->n && l->b < ap->n && ap->rrun[l->a] &&
		    ap->rrun[l->b]) {
			ap->fl[l->a] |= F_NEED;
			ap->fl[l->b] |= F_NEED;
			continue;
		}
		l->state = MG_BAD;
		ap->st->bad++;
		/* Not the pair: it names an erased person, perhaps. */
		sb_reset(&ap->msg);
		sb_addf(&ap->msg, "no record %u (gone since the pairs were "
		    "made): its pair is skipped",
		    l->a < ap->n && ap->rrun[l->a] ? l->b : l->a);
		note(ap);
		/* Out of every table's range from here on. */
		l->a = l->b = 0;
	}
	if ((ap->maxp = scalar(ap, "SELECT coalesce(max(id), 0) FROM "
	    "profile")) < 0)
		return -1;
	for (x = 1; x < ap->n; x++) {
		if (ap->rrun[x] && ap->o->bounded && (x > ap->o->watermark ||
		    ap->rrun[x] > ap->o->watermark_run))
			ap->fl[x] |= F_LATE;
		else if (ap->rrun[x] && (ap->prof[x] == 0 ||
		    ap->rrun[x] > ap->mrun[x]))
			ap->fl[x] |= F_UNRES;
		if (ap->o->rebuild && ap->rrun[x] && !((ap->fl[x] & F_LATE) &&
		    ap->prof[x] == 0))
			ap->fl[x] |= F_NEED;
	}
	pmark = xcalloc((size_t)ap->maxp + 1, 1);
	if (!ap->o->rebuild && sp_held_edges(ap->db, &held, &nheld,
	    &ap->ps->why) == -1) {
		free(pmark);
		return -1;
	}
	do {
		for (x = 1; x < ap->n; x++)
			if ((ap->fl[x] & F_NEED) && ap->prof[x] > 0 &&
			    ap->prof[x] <= ap->maxp)
				pmark[ap->prof[x]] = 1;
		mark_profiles(ap, pmark);
		more = 0;
		for (i = 0; i < nheld; i++) {
			if (held[i][0] >= ap->n || held[i][1] >= ap->n ||
			    !ap->rrun[held[i][0]] || !ap->rrun[held[i][1]] ||
			    !(ap->fl[held[i][0]] & F_NEED) ==
			    !(ap->fl[held[i][1]] & F_NEED))
				continue;
			ap->fl[held[i][0]] |= F_NEED;
			ap->fl[held[i][1]] |= F_NEED;
			more = 1;
		}
	} while (more);
	free(held);
	free(pmark);
	for (x = 1; x < ap->n; x++)
		ap->nneed += (ap->fl[x] & F_NEED) != 0;
	return 0;
}

/* One record's guard data, from a row of the details query. */
static int
detail_row(struct apply *ap, sqlite3_stmt *st, char **srcname, size_t nsrc)
{
	uint32_t x = (uint32_t)sqlite3_column_int64(st, 0);
	long long sid = sqlite3_column_int64(st, 1);
	const char *s, *src;
	uint64_t h = HASH_FNV0;
	int c, any = 0;
	uint32_t kh;

	if (x >= ap->n || !(ap->fl[x] & F_NEED))
		return 0;
	src = sid >= 0 && (size_t)sid < nsrc && srcname[sid] ?
	    srcname[sid] : "";
	s = (const char *)sqlite3_column_text(st, 2);
	/* The order of equal pairs: by key, not by arrival. */
	h = hash_fnv(HASH_FNV0, src, strlen(src));
	h = hash_fnv(h, "", 1);
	ap->rank[x] = hash_fnv(h, s ? s : "",
	    (size_t)sqlite3_column_bytes(st, 2));
	h = HASH_FNV0;
	if (ap->m->khash != NULL && x < ap->m->nkhash && ap->m->khash[x]) {
		kh = mg_keyhash(src, strlen(src), s ? s : "",
		    (size_t)sqlite3_column_bytes(st, 2));
		if (kh != ap->m->khash[x]) {
			sb_reset(&ap->ps->why);
			sb_addf(&ap->ps->why, "the pairs do not match this "
			    "database: record %u is another record of %s "
			    "here", x, src);
			return -1;
		}
	}
	s = (const char *)sqlite3_column_text(st, 3);
	if (s != NULL)
		uf_set_bdate(&ap->u, x, uf_date(s,
		    (size_t)sqlite3_column_bytes(st, 3)));
	if (ap->u.name != NULL) {
		struct uf_name nm;

		uf_name_of(&nm, (const char *)sqlite3_column_text(st, 6),
		    (size_t)sqlite3_column_bytes(st, 6),
		    (const char *)sqlite3_column_text(st, 7),
		    (size_t)sqlite3_column_bytes(st, 7),
		    (const char *)sqlite3_column_text(st, 8),
		    (size_t)sqlite3_column_bytes(st, 8));
		uf_set_name(&ap->u, x, &nm);
	}
	/* email, phone and the three name keys: one contact. */
	for (c = 4; c < 9; c++) {
		s = (const char *)sqlite3_column_text(st, c);
		if (s != NULL && *s != '\0') {
			any = 1;
			h = hash_fnv(h, s, (size_t)sqlite3_column_bytes(st, c));
		}
		h = hash_fnv(h, "\x1f", 1);
	}
	if (any)
		uf_set_sig(&ap->u, x, h ? h : 1);
	return 0;
}

static int
load_details(struct apply *ap)
{
	sqlite3_stmt *st;
	char **srcname = NULL;
	size_t nsrc = 0, need = 0;
	long long id;
	uint32_t x;
	int rc = SQLITE_DONE, res = -1, scan;

	if ((st = db_prepare(ap->db, "SELECT id, name FROM source",
	    &ap->ps->why)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (id < 0 || id > 1000000)
			continue;
		if ((size_t)id >= nsrc) {
			srcname = xrealloc(srcname, ((size_t)id + 1) *
			    sizeof(*srcname));
			memset(srcname + nsrc, 0, ((size_t)id + 1 - nsrc) *
			    sizeof(*srcname));
			nsrc = (size_t)id + 1;
		}
		srcname[id] = xstrdup((const char *)sqlite3_column_text(st,
		    1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlfail(ap);
		goto out;
	}
	need = ap->nneed;
	/* Many records: one pass over the table beats a probe each. */
	scan = need > ap->n / 8;
	st = db_prepare(ap->db, scan ? "SELECT id, source_id, record_id, "
	    "birth_date, email, phone, first_name_key, last_name_key, "
	    "full_name_key FROM record" : "SELECT id, source_id, record_id, "
	    "birth_date, email, phone, first_name_key, last_name_key, "
	    "full_name_key FROM record WHERE id = ?", &ap->ps->why);
	if (st == NULL)
		goto out;
	for (x = scan ? 0 : 1; x < ap->n; x++) {
		if (!scan) {
			if (!(ap->fl[x] & F_NEED))
				continue;
			sqlite3_bind_int64(st, 1, x);
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (detail_row(ap, st, srcname, nsrc) == -1)
				goto out;
		if (rc != SQLITE_DONE) {
			sqlfail(ap);
			goto out;
		}
		if (scan)
			break;
		sqlite3_reset(st);
	}
	res = 0;
out:
	sqlite3_finalize(st);
	while (nsrc > 0)
		free(srcname[--nsrc]);
	free(srcname);
	return res;
}

/*
 * The clusters before this run are not kept: every needed record is
 * a singleton again, under the never-links among them, and the stored
 * pairs among them join the input's.
 */
static int
start_clusters(struct apply *ap)
{
	sqlite3_stmt *st;
	long long a, b;
	int rc;

	if ((st = db_prepare(ap->db, "SELECT a, b FROM never_link",
	    &ap->ps->why)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a = sqlite3_column_int64(st, 0);
		b = sqlite3_column_int64(st, 1);
		if (a > 0 && b > 0 && a < ap->n && b < ap->n &&
		    (ap->fl[a] & F_NEED) && (ap->fl[b] & F_NEED))
			uf_add_never(&ap->u, (uint32_t)a, (uint32_t)b);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sqlfail(ap);
	return sp_load(ap->m, ap->db, ap->fl, F_NEED, ap->n,
	    ap->nneed > ap->n / 8, ap->o->rebuild, &ap->ps->why);
}

static void
touch(struct apply *ap, long long p)
{
	if (ap->ntouched > 0 && ap->touched[ap->ntouched - 1] == p)
		return;
	if (ap->ntouched == ap->captouched) {
		ap->captouched = ap->captouched ? 2 * ap->captouched : 1024;
		ap->touched = xrealloc(ap->touched, ap->captouched *
		    sizeof(*ap->touched));
	}
	ap->touched[ap->ntouched++] = p;
}

/* JSON of pair i (without its spool header) appended to out. */
static int
link_json(struct apply *ap, size_t i, struct sbuf *out)
{
	size_t evoff, evlen;

	if (mg_spool_get(ap->m, &ap->m->lk[i], &ap->json, &evoff,
	    &evlen) == -1) {
		sb_reset(&ap->ps->why);
		sb_addf(&ap->ps->why, "spool: %s", strerror(errno));
		return -1;
	}
	sb_add(out, ap->json.buf, ap->json.len);
	return 0;
}

static int
cmp_ll(const void *x, const void *y)
{
	const long long *a = x, *b = y;

	return (*a > *b) - (*a < *b);
}

/* Assignment: every needed or unresolved record gets its profile. */

struct absorbed {
	long long old, into;	/* profile merged, and the survivor */
	uint32_t root;		/* the survivor's cluster */
};

static int
cmp_absorbed(const void *x, const void *y)
{
	const struct absorbed *a = x, *b = y;

	if (a->into != b->into)
		return (a->into > b->into) - (a->into < b->into);
	return (a->old > b->old) - (a->old < b->old);
}

static int
log_add(struct apply *ap, uint32_t x, long long p)
{
	struct mg_link *l;
	uint32_t i = ap->tree[x];

	sb_reset(&ap->msg);
	sb_reset(&ap->key);
	if (i == UINT32_MAX)
		return prof_log(ap->ps, "add", p, 0, x, "joined", NULL, 0);
	l = &ap->m->lk[i];
	sb_addf(&ap->msg, "joined by a link: %s, probability %.6g",
	    ap->m->rule[l->rule], l->prob);
	if (link_json(ap, i, &ap->key) == -1)
		return -1;
	return prof_log(ap->ps, "add", p, 0, x, ap->msg.buf, ap->key.buf,
	    ap->key.len);
}

/* A record of an old profile in a new cluster. */
struct part {
	long long p;		/* the old profile */
	uint32_t root;		/* the cluster */
	uint32_t x;		/* the record */
};

static int
cmp_part(const void *x, const void *y)
{
	const struct part *a = x, *b = y;

	if (a->p != b->p)
		return (a->p > b->p) - (a->p < b->p);
	if (a->root != b->root)
		return a->root < b->root ? -1 : 1;
	return a->x < b->x ? -1 : a->x > b->x;
}

/* Most records first, then the oldest id, then the cluster. */
static int
cmp_orphan(const void *x, const void *y)
{
	const struct part *a = x, *b = y;

	if (a->x != b->x)
		return a->x > b->x ? -1 : 1;
	if (a->p != b->p)
		return (a->p > b->p) - (a->p < b->p);
	return a->root < b->root ? -1 : a->root > b->root;
}

/*
 * Which cluster keeps which old id: each old profile goes to the
 * cluster holding most of its records (on a tie, its oldest record's),
 * and a cluster given several keeps the smallest.
 */
static void
keep_ids(struct apply *ap)
{
	struct part *pt;
	size_t n = 0, i, j, k, cnt, bestcnt;
	uint32_t x, r, best, bestx;

	pt = xmalloc((ap->nneed + 1) * sizeof(*pt));
	for (x = 1; x < ap->n; x++)
		if ((ap->fl[x] & F_NEED) && ap->prof[x] > 0 &&
		    ap->prof[x] <= ap->maxp) {
			pt[n].p = ap->prof[x];
			pt[n].root = uf_find(&ap->u, x);
			pt[n++].x = x;
		}
	qsort(pt, n, sizeof(*pt), cmp_part);
	for (i = 0; i < n; i = j) {
		best = 0;
		bestcnt = 0;
		bestx = UINT32_MAX;
		for (j = i; j < n && pt[j].p == pt[i].p; j = k) {
			for (k = j; k < n && pt[k].p == pt[i].p &&
			    pt[k].root == pt[j].root; k++)
				;
			cnt = k - j;
			if (cnt > bestcnt || (cnt == bestcnt &&
			    pt[j].x < bestx)) {
				best = pt[j].root;
				bestcnt = cnt;
				bestx = pt[j].x;
			}
		}
		r = best;
		if (ap->tgt[r] == 0 || pt[i].p < ap->tgt[r])
			ap->tgt[r] = pt[i].p;
	}
	for (x = 1; x < ap->n; x++)
		if ((ap->fl[x] & F_NEED) && uf_find(&ap->u, x) == x &&
		    ap->tgt[x] > 0)
			ap->kept[ap->tgt[x]] = 1;
	/*
	 * A cluster given no id takes one no cluster kept, of the old
	 * profiles of its records: the one most of them had (then the
	 * smallest), so that an id leaves with the records it named
	 * rather than disappear while they get a new one.
	 */
	for (i = j = 0; i < n; i = k) {
		for (k = i; k < n && pt[k].p == pt[i].p &&
		    pt[k].root == pt[i].root; k++)
			;
		if (ap->tgt[pt[i].root] != 0 || ap->kept[pt[i].p])
			continue;
		pt[j] = pt[i];
		pt[j++].x = (uint32_t)(k - i);	/* now the count */
	}
	qsort(pt, j, sizeof(*pt), cmp_orphan);
	for (i = 0; i < j; i++)
		if (ap->tgt[pt[i].root] == 0 && !ap->kept[pt[i].p]) {
			ap->tgt[pt[i].root] = pt[i].p;
			ap->kept[pt[i].p] = 1;
		}
	free(pt);
}

static int
assign(struct apply *ap, struct absorbed **abs, size_t *nabs)
{
	uint32_t x, r;
	long long p, old;
	size_t cap = 0;

	*abs = NULL;
	*nabs = 0;
	ap->kept = xcalloc((size_t)ap->maxp + 1, 1);
	keep_ids(ap);
	/* Unresolved records without a pair are clusters of their own. */
	for (x = 1; x < ap->n; x++) {
		if ((ap->fl[x] & F_UNRES) && !(ap->fl[x] & F_NEED) &&
		    ap->prof[x] > 0) {
			r = uf_find(&ap->u, x);
			if (ap->tgt[r] == 0)
				ap->tgt[r] = ap->prof[x];
		}
	}
	for (x = 1; x < ap->n; x++) {
		if (!(ap->fl[x] & (F_NEED | F_UNRES)))
			continue;
		r = uf_find(&ap->u, x);
		old = ap->prof[x];
		if (ap->tgt[r] == 0) {
			/* Records run in rowid order: new ids follow the
			 * oldest record of each new cluster. */
			if ((p = prof_new(ap->ps)) == -1)
				return -1;
			ap->tgt[r] = p;
			ap->fl[r] |= F_NEWROOT;
			sb_reset(&ap->msg);
			if (old > 0) {
				/* Records of a profile kept by another
				 * cluster: they leave it. */
				sb_addf(&ap->msg, "%u record%s of profile %lld "
				    "split off when its pairs were clustered "
				    "again", ap->u.size[r], ap->u.size[r] ==
				    1 ? "" : "s", old);
				if (prof_log(ap->ps, "split", p, old, x,
				    ap->msg.buf, NULL, 0) == -1)
					return -1;
				ap->st->created++;
			} else {
				ap->st->created++;
				/* Its links are in the link table. */
				sb_addf(&ap->msg, "new profile of %u record%s",
				    ap->u.size[r], ap->u.size[r] == 1 ? "" :
				    "s");
				if (prof_log(ap->ps, "create", p, 0, x,
				    ap->msg.buf, NULL, 0) == -1)
					return -1;
			}
		}
		p = ap->tgt[r];
		if (old == 0) {
			if (prof_member(ap->ps, x, p, 1) == -1)
				return -1;
			if (!(ap->fl[r] & F_NEWROOT)) {
				if (log_add(ap, x, p) == -1)
					return -1;
				ap->st->added++;
			}
			touch(ap, p);
		} else if (old != p) {
			if (prof_member(ap->ps, x, p, 0) == -1)
				return -1;
			touch(ap, p);
			touch(ap, old);
			if (old <= ap->maxp && ap->kept[old]) {
				/* Its profile lives on elsewhere. */
				if (!(ap->fl[r] & F_NEWROOT) &&
				    prof_log(ap->ps, "move", p, old, x,
				    "moved when its pairs were clustered "
				    "again", NULL, 0) == -1)
					return -1;
				continue;
			}
			if (*nabs == cap) {
				cap = cap ? 2 * cap : 64;
				*abs = xrealloc(*abs, cap * sizeof(**abs));
			}
			(*abs)[*nabs].old = old;
			(*abs)[*nabs].into = p;
			(*abs)[(*nabs)++].root = r;
		} else if (ap->rrun[x] > ap->mrun[x] &&
		    !(ap->fl[x] & F_LATE)) {
			if (prof_member(ap->ps, x, p, 0) == -1)
				return -1;
			touch(ap, p);
		}
	}
	return 0;
}

struct tlink {
	uint32_t root;
	uint32_t link;
};

static int
cmp_tlink(const void *x, const void *y)
{
	const struct tlink *a = x, *b = y;

	if (a->root != b->root)
		return a->root < b->root ? -1 : 1;
	return (a->link > b->link) - (a->link < b->link);
}

/* Log each merged profile and delete it. */
static int
merges(struct apply *ap, struct absorbed *abs, size_t nabs)
{
	struct tlink *t = NULL;
	size_t nt = 0, i, j, k, lo, hi, nrec;
	int rc = -1;

	if (nabs == 0)
		return 0;
	t = xmalloc(ap->m->nlk * sizeof(*t) + 1);
	/* The links that joined them: not those that were links before. */
	for (i = 0; i < ap->m->nlk; i++)
		if (ap->m->lk[i].state == MG_TREE &&
		    ap->m->lk[i].origin != MG_FROM_LINK) {
			t[nt].root = uf_find(&ap->u, ap->m->lk[i].a);
			t[nt++].link = (uint32_t)i;
		}
	qsort(t, nt, sizeof(*t), cmp_tlink);
	qsort(abs, nabs, sizeof(*abs), cmp_absorbed);
	for (i = 0; i < nabs; i = j) {
		for (j = i; j < nabs && abs[j].old == abs[i].old &&
		    abs[j].into == abs[i].into; j++)
			;
		nrec = j - i;
		for (lo = 0, hi = nt; lo < hi; ) {
			k = lo + (hi - lo) / 2;
			if (t[k].root < abs[i].root)
				lo = k + 1;
			else
				hi = k;
		}
		for (hi = lo; hi < nt && t[hi].root == abs[i].root; hi++)
			;
		sb_reset(&ap->key);
		sb_addc(&ap->key, '[');
		for (k = lo; k < hi && k < lo + MAX_EVLINKS; k++) {
			if (k > lo)
				sb_addc(&ap->key, ',');
			if (link_json(ap, t[k].link, &ap->key) == -1)
				goto out;
		}
		sb_addc(&ap->key, ']');
		sb_reset(&ap->msg);
		sb_addf(&ap->msg, "profile %lld (%zu record%s) merged into "
		    "profile %lld through %zu link%s", abs[i].old, nrec,
		    nrec == 1 ? "" : "s", abs[i].into, hi - lo,
		    hi - lo == 1 ? "" : "s");
		if (prof_log(ap->ps, "merge", abs[i].into, abs[i].old, 0,
		    ap->msg.buf, ap->key.buf, ap->key.len) == -1 ||
		    prof_delete(ap->ps, abs[i].old) == -1)
			goto out;
		ap->st->merged++;
	}
	rc = 0;
out:
	free(t);
	return rc;
}

struct rgroup {
	long long p1, p2;	/* the two profiles, p1 < p2 */
	int	 reason;
	size_t	 ref;		/* index into mg.ref */
	size_t	 count;		/* refusals of the group */
};

static int
cmp_rgroup(const void *x, const void *y)
{
	const struct rgroup *a = x, *b = y;

	if (a->p1 != b->p1)
		return (a->p1 > b->p1) - (a->p1 < b->p1);
	if (a->p2 != b->p2)
		return (a->p2 > b->p2) - (a->p2 < b->p2);
	if (a->reason != b->reason)
		return a->reason - b->reason;
	return (a->ref > b->ref) - (a->ref < b->ref);
}

static int
cmp_rgroup_ref(const void *x, const void *y)
{
	const struct rgroup *a = x, *b = y;

	return (a->ref > b->ref) - (a->ref < b->ref);
}

/*
 * A record by its number (the record table's rowid), never by its
 * source's id: the message goes to stderr, cdp-run's log and merge_log,
 * which name no one (cdp-privacy(1)).
 */
static void
add_key(struct sbuf *out, uint32_t x)
{
	sb_addf(out, "record %u", x);
}

/*
 * One refusal per pair of clusters and reason, the strongest link of
 * the group standing for the rest; merge_log gets it once, however
 * many runs meet it again.
 */
static int
refusals(struct apply *ap)
{
	struct mg *m = ap->m;
	struct rgroup *g;
	struct sbuf why;
	struct mg_link *l;
	size_t i, j, n = 0;
	long long pa, pb;
	int rc = -1, seen;

	if (m->nref == 0)
		return 0;
	sb_init(&why);
	g = xmalloc(m->nref * sizeof(*g));
	/* A stored pair refused again was reported when it came. */
	for (i = j = 0; i < m->nref; i++)
		if (m->lk[m->ref[i].link].origin == MG_FROM_INPUT)
			m->ref[j++] = m->ref[i];
	m->nref = j;
	for (i = 0; i < m->nref; i++) {
		l = &m->lk[m->ref[i].link];
		pa = ap->tgt[uf_find(&ap->u, l->a)];
		pb = ap->tgt[uf_find(&ap->u, l->b)];
		g[i].p1 = pa < pb ? pa : pb;
		g[i].p2 = pa < pb ? pb : pa;
		g[i].reason = m->ref[i].why.reason;
		g[i].ref = i;
	}
	qsort(g, m->nref, sizeof(*g), cmp_rgroup);
	for (i = 0; i < m->nref; i = j) {
		for (j = i + 1; j < m->nref && g[j].p1 == g[i].p1 &&
		    g[j].p2 == g[i].p2 && g[j].reason == g[i].reason; j++)
			;
		g[n] = g[i];
		g[n++].count = j - i;
	}
	qsort(g, n, sizeof(*g), cmp_rgroup_ref);
	for (i = 0; i < n; i++) {
		const struct mg_refusal *f = &m->ref[g[i].ref];

		l = &m->lk[f->link];
		pa = ap->tgt[uf_find(&ap->u, l->a)];
		pb = ap->tgt[uf_find(&ap->u, l->b)];
		sb_reset(&why);
		mg_why_text(&f->why, ap->o->max_contacts, &why);
		if (f->why.reason == UF_NEVER) {
			sb_adds(&why, " between ");
			add_key(&why, f->why.u);
			sb_adds(&why, " and ");
			add_key(&why, f->why.v);
		}
		if (g[i].count > 1)
			sb_addf(&why, " (and %zu more link%s)", g[i].count - 1,
			    g[i].count == 2 ? "" : "s");
		sb_reset(&ap->msg);
		sb_adds(&ap->msg, "link ");
		add_key(&ap->msg, l->a);
		sb_adds(&ap->msg, " -- ");
		add_key(&ap->msg, l->b);
		sb_addf(&ap->msg, " refused: %s", why.buf);
		if ((seen = prof_logged(ap->ps, "refuse", pa, pb, l->a)) == -1)
			goto out;
		if (!seen) {
			sb_reset(&ap->key);
			if (link_json(ap, f->link, &ap->key) == -1 ||
			    prof_log(ap->ps, "refuse", pa, pb, l->a,
			    ap->msg.buf, ap->key.buf, ap->key.len) == -1)
				goto out;
		}
		sb_addf(&ap->msg, " (profiles %lld and %lld)", pa, pb);
		note(ap);
		ap->st->refused++;
	}
	rc = 0;
out:
	free(g);
	sb_release(&why);
	return rc;
}

/*
 * The names-only guard's population: the records with a name, among
 * which the names' term frequencies were counted; counted only when a
 * pair needs it.
 */
static int
named(struct apply *ap, double *npop)
{
	long long v;
	size_t i;

	*npop = 0;
	for (i = 0; i < ap->m->nlk; i++)
		if (ap->m->lk[i].names >= 0 && ap->m->lk[i].state != MG_BAD &&
		    ap->m->lk[i].state != MG_GONE)
			break;
	if (i == ap->m->nlk)
		return 0;
	if ((v = scalar(ap, "SELECT count(*) FROM record WHERE "
	    "first_name_key IS NOT NULL OR last_name_key IS NOT NULL OR "
	    "full_name_key IS NOT NULL")) < 0)
		return -1;
	*npop = v > 0 ? (double)v : 1;
	return 0;
}

/* The run that last applied a pair stream, for cdp-status. */
static int
applied(struct apply *ap)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(ap->db, "INSERT INTO state(key, value) VALUES ('"
	    MG_STATE_APPLIED "', ?1) ON CONFLICT(key) DO UPDATE SET value = ?1",
	    &ap->ps->why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ap->ps->run);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sqlfail(ap);
}

int
mg_apply(struct mg *m, struct prof_store *ps, const struct mg_opts *o,
    struct mg_stats *st)
{
	struct apply ap;
	struct absorbed *abs = NULL;
	size_t nabs = 0, i, n;
	double t;
	int rc = -1;

	memset(&ap, 0, sizeof(ap));
	memset(st, 0, sizeof(*st));
	ap.m = m;
	ap.ps = ps;
	ap.o = o;
	ap.st = st;
	ap.db = ps->db;
	sb_init(&ap.msg);
	sb_init(&ap.json);
	sb_init(&ap.key);
	t = mono_now();
	if (load_state(&ap) == -1 || mark_needed(&ap) == -1)
		goto out;
	uf_init(&ap.u, ap.n);
	ap.u.max_contacts = o->max_contacts;
	ap.u.bd_mode = o->bd_mode;
	if (o->name_guard)
		uf_name_guard(&ap.u);
	if (load_details(&ap) == -1 || start_clusters(&ap) == -1)
		goto out;
	st->t_load = mono_now() - t;
	t = mono_now();
	m->rank = ap.rank;
	if (o->names_only && named(&ap, &m->npop) == -1)
		goto out;
	mg_cluster(m, &ap.u, ap.tree);
	m->rank = NULL;
	st->t_cluster = mono_now() - t;
	t = mono_now();
	if (assign(&ap, &abs, &nabs) == -1 || merges(&ap, abs, nabs) == -1)
		goto out;
	st->t_links = mono_now();
	if (sp_write(m, ps, o->rebuild) == -1)
		goto out;
	st->t_links = mono_now() - st->t_links;
	if (refusals(&ap) == -1)
		goto out;
	st->t_write = mono_now() - t;
	t = mono_now();
	if (ap.ntouched > 1)
		qsort(ap.touched, ap.ntouched, sizeof(*ap.touched),
		    cmp_ll);
	for (i = n = 0; i < ap.ntouched; i++)
		if (n == 0 || ap.touched[n - 1] != ap.touched[i])
			ap.touched[n++] = ap.touched[i];
	st->touched = (long long)n;
	rc = prof_golden(ps, ap.touched, n);
	if (rc == 0)
		rc = prof_finish(ps);
	if (rc == 0)
		rc = applied(&ap);
	st->t_golden = mono_now() - t;
out:
	free(abs);
	uf_release(&ap.u);
	free(ap.rrun);
	free(ap.prof);
	free(ap.mrun);
	free(ap.tgt);
	free(ap.fl);
	free(ap.tree);
	free(ap.rank);
	free(ap.kept);
	free(ap.touched);
	sb_release(&ap.msg);
	sb_release(&ap.json);
	sb_release(&ap.key);
	return rc;
}
