/*
 * score.c - the built-in indicators of cdp-score; see score.h.
 *
 * Profiles are held in id order; an event finds its profile through a
 * direct index when the ids are dense enough (merge leaves gaps, but
 * few), else by binary search.  The events of each profile are put in
 * one slab at offsets counted from member beforehand (an upper bound:
 * records without ts or after the as-of date take no slot), so nothing
 * is sorted globally and memory stays at 16 bytes an event.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match/comparators.h"
#include "score/score.h"
#include "score/score_state.h"
#include "store/database.h"

const struct score_builtin score_builtins[SC_N] = {
	{ "recency_days", ST_NUM, 0 },
	{ "frequency", ST_NUM, 0 },
	{ "orders", ST_NUM, 0 },
	{ "monetary", ST_NUM, 0 },
	{ "aov", ST_NUM, 0 },
	{ "first_purchase", ST_DATE, 0 },
	{ "last_purchase", ST_DATE, 0 },
	{ "tenure_days", ST_NUM, 0 },
	{ "purchases_30d", ST_NUM, 0 },
	{ "purchases_90d", ST_NUM, 0 },
	{ "purchases_365d", ST_NUM, 0 },
	{ "engagement", ST_NUM, 0 },
	{ "preferred_source", ST_TEXT, 0 },
	{ "rfm_r", ST_NUM, 0 },
	{ "rfm_f", ST_NUM, 0 },
	{ "rfm_m", ST_NUM, 0 },
	{ "rfm", ST_NUM, 0 },
	{ "rfm_segment", ST_TEXT, 0 },
	{ "clv_x", ST_NUM, 0 },
	{ "clv_tx", ST_NUM, 0 },
	{ "clv_t", ST_NUM, 0 },
	{ "p_alive", ST_NUM, 1 },
	{ "expected_purchases", ST_NUM, 1 },
	{ "expected_spend", ST_NUM, 1 },
	{ "clv", ST_NUM, 1 },
};

const char *const score_rfm_segments[] = {
	"Champions", "Loyal", "Potential loyalist", "New", "Promising",
	"Need attention", "About to sleep", "Can't lose", "At risk",
	"Hibernating", "Lost", NULL
};

static const int windows[3] = { 30, 90, 365 };
#define ENGAGEMENT_DAYS	90

/* One event of a profile, 16 bytes. */
struct ev {
	double	 amount;	/* 0 when missing */
	int32_t	 day;
	uint16_t src;		/* source index (names sorted), or UINT16_MAX */
	uint8_t	 purchase;
	uint8_t	 pad;
};

int
score_builtin_lookup(const char *name)
{
	int i;

	for (i = 0; i < SC_N; i++)
		if (strcmp(score_builtins[i].name, name) == 0)
			return i;
	return -1;
}

/*
 * The recency-frequency grid; every (r, f) is in exactly one rule.  M
 * is not used: it ranks customers within a segment (see rfm_m).
 */
const char *
score_rfm_segment(int r, int f)
{
	if (r < 1 || r > 5 || f < 1 || f > 5)
		return NULL;
	if (r == 5 && f >= 4)
		return score_rfm_segments[0];
	if (r >= 3 && f >= 4)
		return score_rfm_segments[1];
	if (r >= 4 && f >= 2)
		return score_rfm_segments[2];
	if (r == 5)
		return score_rfm_segments[3];
	if (r == 4)
		return score_rfm_segments[4];
	if (r == 3 && f == 3)
		return score_rfm_segments[5];
	if (r == 3)
		return score_rfm_segments[6];
	if (f == 5)
		return score_rfm_segments[7];
	if (f >= 3)
		return score_rfm_segments[8];
	if (r == 2)
		return score_rfm_segments[9];
	return score_rfm_segments[10];
}

void
score_day_str(long day, char *buf)
{
	long z, era, doe, yoe, y, doy, mp, d, m;

	/* Howard Hinnant's civil_from_days, the inverse of cmp_date_parse. */
	z = day + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	buf[0] = (char)('0' + y / 1000);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	buf[4] = buf[7] = '-';
	buf[5] = (char)('0' + m / 10);
	buf[6] = (char)('0' + m % 10);
	buf[8] = (char)('0' + d / 10);
	buf[9] = (char)('0' + d % 10);
	buf[10] = '\0';
}

void
score_data_release(struct score_data *sd)
{
	size_t i;

	for (i = 0; i < sd->nsrc; i++)
		free(sd->srcname[i]);
	free(sd->srcname);
	free(sd->srcid);
	free(sd->id);
	free(sd->p);
	free(sd->fresh);
	free(sd->gone);
	memset(sd, 0, sizeof(*sd));
}

/* Profile ids to positions: a direct table, or binary search. */
struct pmap {
	long long *id;
	size_t	 n;
	int32_t	*direct;	/* id - base -> position, -1; or NULL */
	long long base, span;
};

static long
pmap_find(const struct pmap *pm, long long id)
{
	size_t lo = 0, hi = pm->n;

	if (pm->direct != NULL) {
		if (id < pm->base || id - pm->base >= pm->span)
			return -1;
		return pm->direct[id - pm->base];
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->id[mid] < id)
			lo = mid + 1;
		else if (pm->id[mid] > id)
			hi = mid;
		else
			return (long)mid;
	}
	return -1;
}

static int
load_profiles(sqlite3 *db, struct score_data *sd, struct pmap *pm,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	size_t cap = 0, i;
	int rc;

	if ((st = db_prepare(db, sd->opts.only ? "SELECT id FROM profile "
	    "WHERE id IN (SELECT profile FROM temp.cdp_only) ORDER BY id" :
	    "SELECT id FROM profile ORDER BY id", why)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sd->n == cap) {
			cap = cap ? cap * 2 : 1024;
			sd->id = xrealloc(sd->id, cap * sizeof(*sd->id));
		}
		sd->id[sd->n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(db, "profile", why);
	sd->p = xcalloc(sd->n ? sd->n : 1, sizeof(*sd->p));
	pm->id = sd->id;
	pm->n = sd->n;
	pm->direct = NULL;
	if (sd->n > 0) {
		pm->base = sd->id[0];
		pm->span = sd->id[sd->n - 1] - pm->base + 1;
		/* direct when it costs at most 4 entries per profile */
		if (pm->span <= 4 * (long long)sd->n + 1024) {
			pm->direct = xmalloc((size_t)pm->span *
			    sizeof(*pm->direct));
			memset(pm->direct, 0xff, (size_t)pm->span *
			    sizeof(*pm->direct));
			for (i = 0; i < sd->n; i++)
				pm->direct[sd->id[i] - pm->base] = (int32_t)i;
		}
	}
	return 0;
}

/* Source names sorted (byte order, as SQLite's BINARY); id -> index. */
static int
load_sources(sqlite3 *db, struct score_data *sd, long long **ids,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if ((st = db_prepare(db, "SELECT id, name FROM source ORDER BY name",
	    why)) == NULL)
		return -1;
	*ids = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sd->nsrc == cap) {
			cap = cap ? cap * 2 : 16;
			sd->srcname = xrealloc(sd->srcname, cap *
			    sizeof(*sd->srcname));
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[sd->nsrc] = sqlite3_column_int64(st, 0);
		sd->srcname[sd->nsrc++] = xstrdup((const char *)
		    sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(db, "source", why);
	if (sd->nsrc >= UINT16_MAX) {
		sb_reset(why);
		sb_addf(why, "too many sources (%zu)", sd->nsrc);
		return -1;
	}
	return 0;
}

/* Slots per profile: its member records, an upper bound of its events. */
static int
count_slots(sqlite3 *db, const struct pmap *pm, size_t *off, size_t n,
    int only, struct sbuf *why)
{
	sqlite3_stmt *st;
	size_t i, sum = 0;
	long k;
	int rc;

	if ((st = db_prepare(db, only ? "SELECT m.profile, count(*) FROM "
	    "temp.cdp_only o CROSS JOIN member m ON m.profile = o.profile "
	    "GROUP BY m.profile" : "SELECT profile, count(*) FROM member "
	    "GROUP BY profile", why)) == NULL)
		return -1;
	memset(off, 0, (n + 1) * sizeof(*off));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((k = pmap_find(pm, sqlite3_column_int64(st, 0))) >= 0)
			off[k + 1] = (size_t)sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(db, "member", why);
	for (i = 1; i <= n; i++) {
		sum += off[i];
		off[i] = sum;
	}
	return 0;
}

static long
src_index(const long long *srcid, size_t nsrc, long long id)
{
	size_t i;

	for (i = 0; i < nsrc; i++)
		if (srcid[i] == id)
			return (long)i;
	return -1;
}

/*
 * One event from the columns c.. of st (ts, is a purchase, amount,
 * source id); 0 when it has no valid day.  *lastsrc and *si cache the
 * source index of the last source id.
 */
static int
ev_read(sqlite3_stmt *st, int c, struct ev *e, const struct score_data *sd,
    const long long *srcid, long long *lastsrc, long *si)
{
	const char *ts = (const char *)sqlite3_column_text(st, c);
	long day;

	if (ts == NULL || strlen(ts) < 10 || cmp_date_parse(ts, 10, &day) == -1)
		return 0;
	e->day = (int32_t)day;
	e->purchase = (uint8_t)sqlite3_column_int(st, c + 1);
	e->amount = sqlite3_column_double(st, c + 2);
	if (sqlite3_column_int64(st, c + 3) != *lastsrc) {
		*lastsrc = sqlite3_column_int64(st, c + 3);
		*si = src_index(srcid, sd->nsrc, *lastsrc);
	}
	e->src = *si < 0 ? UINT16_MAX : (uint16_t)*si;
	return 1;
}

/* Read the events before the day after the as-of date into their slots. */
static int
read_events(sqlite3 *db, struct score_data *sd, const struct pmap *pm,
    const size_t *off, size_t *fill, struct ev *ev, const long long *srcid,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	char next[16];
	long long lastsrc = -1;
	long k, si = -1;
	int rc;

	/* record first: both tables are keyed by record id, so the join
	 * walks them in step instead of probing record at random */
	if ((st = db_prepare(db, sd->opts.only ? "SELECT m.profile, r.ts, "
	    "r.event_type = 'purchase', r.amount, r.source_id "
	    "FROM temp.cdp_only o CROSS JOIN member m ON m.profile = o.profile "
	    "CROSS JOIN record r ON r.id = m.record "
	    "WHERE r.event_type IS NOT NULL AND r.ts < ?" :
	    "SELECT m.profile, r.ts, "
	    "r.event_type = 'purchase', r.amount, r.source_id "
	    "FROM record r CROSS JOIN member m ON m.record = r.id "
	    "WHERE r.event_type IS NOT NULL AND r.ts < ?", why)) == NULL)
		return -1;
	score_day_str(sd->opts.asof + 1, next);
	sqlite3_bind_text(st, 1, next, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ev *e;

		if ((k = pmap_find(pm, sqlite3_column_int64(st, 0))) < 0)
			continue;
		if (off[k] + fill[k] >= off[k + 1])
			continue;	/* cannot happen: member counted it */
		e = &ev[off[k] + fill[k]];
		if (!ev_read(st, 1, e, sd, srcid, &lastsrc, &si))
			continue;
		fill[k]++;
		sd->events++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(db, "events", why);
	return 0;
}

static int
ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return 0;
}

/* Everything about one profile from its events. */
static void
profile_compute(struct score_prof *p, struct ev *ev, size_t n, long asof,
    uint32_t *cnt, size_t nsrc)
{
	double first_amount = 0, repeat;
	int32_t lastday = INT32_MIN;
	size_t i, best = SIZE_MAX;
	int w;

	p->first_day = p->last_day = p->first_event = INT32_MIN;
	p->src = -1;
	if (n == 0)
		return;
	qsort(ev, n, sizeof(*ev), ev_cmp);
	p->first_event = ev[0].day;
	for (i = 0; i < n; i++) {
		if (ev[i].day > asof - ENGAGEMENT_DAYS)
			p->engagement++;
		if (ev[i].src != UINT16_MAX)
			cnt[ev[i].src]++;
		if (!ev[i].purchase)
			continue;
		p->orders++;
		p->monetary += ev[i].amount;
		for (w = 0; w < 3; w++)
			if (ev[i].day > asof - windows[w])
				p->win[w]++;
		if (p->first_day == INT32_MIN)
			p->first_day = ev[i].day;
		if (ev[i].day == p->first_day)
			first_amount += ev[i].amount;
		if (ev[i].day != lastday)
			p->occasions++;
		lastday = p->last_day = ev[i].day;
	}
	/* the most frequent source, the first name in byte order on ties;
	 * then clear the counters touched */
	for (i = 0; i < n; i++) {
		size_t s = ev[i].src;

		if (s == UINT16_MAX || cnt[s] == 0)
			continue;
		if (best == SIZE_MAX || cnt[s] > cnt[best] ||
		    (cnt[s] == cnt[best] && s < best))
			best = s;
	}
	if (best != SIZE_MAX)
		p->src = (int32_t)best;
	for (i = 0; i < n; i++)
		if (ev[i].src != UINT16_MAX)
			cnt[ev[i].src] = 0;
	(void)nsrc;
	if (p->occasions > 1) {
		repeat = p->monetary - first_amount;
		p->zbar = repeat / (p->occasions - 1);
	}
}

/*
 * Quintile scores with ties kept together: the score of a customer is
 * 1 + floor(5 k / n) where k is the number of customers strictly worse.
 */
static const struct score_data *qsd;
static int qkey;

static double
qval(size_t i)
{
	const struct score_prof *p = &qsd->p[i];

	switch (qkey) {
	case 0:		/* recency: an earlier last purchase is worse */
		return p->last_day;
	case 1:
		return p->occasions;
	default:
		return p->monetary;
	}
}

static int
q_cmp(const void *a, const void *b)
{
	double x = qval(*(const size_t *)a), y = qval(*(const size_t *)b);

	return x < y ? -1 : x > y;
}

static void
quintiles(struct score_data *sd, size_t *idx, size_t nc, int key)
{
	size_t i, k = 0;
	uint8_t q;

	qsd = sd;
	qkey = key;
	qsort(idx, nc, sizeof(*idx), q_cmp);
	for (i = 0; i < nc; i++) {
		if (i > 0 && qval(idx[i]) != qval(idx[i - 1]))
			k = i;
		q = (uint8_t)(1 + (5 * k) / nc);
		if (key == 0)
			sd->p[idx[i]].r = q;
		else if (key == 1)
			sd->p[idx[i]].f = q;
		else
			sd->p[idx[i]].m = q;
	}
}

/* The rest, once every profile's own indicators are known. */
static int
finish(struct score_data *sd, double t0, struct sbuf *why)
{
	size_t *idx, i, nc;
	int rc;

	idx = xmalloc((sd->n ? sd->n : 1) * sizeof(*idx));
	for (i = nc = 0; i < sd->n; i++)
		if (sd->p[i].orders > 0)
			idx[nc++] = i;
	sd->customers = nc;
	/* A quintile ranks among every profile: not of some only. */
	if (!sd->opts.only) {
		quintiles(sd, idx, nc, 0);
		quintiles(sd, idx, nc, 1);
		quintiles(sd, idx, nc, 2);
	}
	free(idx);
	sd->t_read = mono_now() - t0;
	t0 = mono_now();
	rc = sd->opts.clv && !sd->opts.only ? score_clv(sd, why) : 0;
	sd->t_clv = mono_now() - t0;
	return rc;
}

int
score_compute(sqlite3 *db, const struct score_opts *o, struct score_data *sd,
    struct sbuf *why)
{
	struct pmap pm;
	long long *srcid = NULL;
	size_t *off = NULL, *fill = NULL, i;
	struct ev *ev = NULL;
	uint32_t *cnt = NULL;
	double t0 = mono_now();
	int rc = -1;

	memset(sd, 0, sizeof(*sd));
	memset(&pm, 0, sizeof(pm));
	sd->opts = *o;
	if (load_profiles(db, sd, &pm, why) == -1 ||
	    load_sources(db, sd, &srcid, why) == -1)
		goto out;
	sd->srcid = srcid;	/* kept for score_state_save */
	srcid = NULL;
	off = xcalloc(sd->n + 1, sizeof(*off));
	fill = xcalloc(sd->n + 1, sizeof(*fill));
	if (count_slots(db, &pm, off, sd->n, o->only, why) == -1)
		goto out;
	ev = xmalloc((off[sd->n] ? off[sd->n] : 1) * sizeof(*ev));
	if (read_events(db, sd, &pm, off, fill, ev, sd->srcid, why) == -1)
		goto out;
	cnt = xcalloc(sd->nsrc + 1, sizeof(*cnt));
	for (i = 0; i < sd->n; i++)
		profile_compute(&sd->p[i], ev + off[i], fill[i], o->asof, cnt,
		    sd->nsrc);
	free(ev);
	ev = NULL;
	sd->recomputed = sd->n;
	rc = finish(sd, t0, why);
out:
	free(pm.direct);
	free(srcid);
	free(off);
	free(fill);
	free(ev);
	free(cnt);
	return rc;
}

/*
 * score_compute_touched (score_state.h): the state of every profile,
 * then the events of those without one or touched, one profile at a
 * time through member's profile index.
 */
int
score_compute_touched(sqlite3 *db, const struct score_opts *o,
    const long long *touched, size_t nt, struct score_data *sd,
    struct sbuf *why)
{
	struct pmap pm;
	sqlite3_stmt *st = NULL;
	long long *srcid = NULL, lastsrc = -1;
	struct ev *ev = NULL;
	uint32_t *cnt = NULL;
	size_t cap = 0, ne, i;
	char next[16];
	double t0 = mono_now();
	long k, si = -1;
	int rc = -1, step;

	memset(sd, 0, sizeof(*sd));
	memset(&pm, 0, sizeof(pm));
	sd->opts = *o;
	if (load_profiles(db, sd, &pm, why) == -1 ||
	    load_sources(db, sd, &srcid, why) == -1)
		goto out;
	sd->srcid = srcid;	/* kept for score_state_save */
	srcid = NULL;
	sd->fresh = xcalloc(sd->n + 1, 1);
	if (score_state_read(db, sd, why) == -1)
		goto out;
	for (i = 0; i < nt; i++)
		if ((k = pmap_find(&pm, touched[i])) >= 0)
			sd->fresh[k] = 1;
	if ((st = db_prepare(db, "SELECT r.ts, r.event_type = 'purchase', "
	    "r.amount, r.source_id FROM member m JOIN record r "
	    "ON r.id = m.record WHERE m.profile = ?1 "
	    "AND r.event_type IS NOT NULL AND r.ts < ?2", why)) == NULL)
		goto out;
	score_day_str(o->asof + 1, next);
	sqlite3_bind_text(st, 2, next, -1, SQLITE_TRANSIENT);
	cnt = xcalloc(sd->nsrc + 1, sizeof(*cnt));
	for (i = 0; i < sd->n; i++) {
		if (!sd->fresh[i])
			continue;
		sqlite3_bind_int64(st, 1, sd->id[i]);
		ne = 0;
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			if (ne == cap) {
				cap = cap ? 2 * cap : 256;
				ev = xrealloc(ev, cap * sizeof(*ev));
			}
			if (ev_read(st, 0, &ev[ne], sd, sd->srcid, &lastsrc,
			    &si))
				ne++;
		}
		if (step != SQLITE_DONE) {
			db_err(db, "events", why);
			goto out;
		}
		sqlite3_reset(st);
		memset(&sd->p[i], 0, sizeof(sd->p[i]));
		profile_compute(&sd->p[i], ev, ne, o->asof, cnt, sd->nsrc);
		sd->events += ne;
		sd->recomputed++;
	}
	rc = finish(sd, t0, why);
out:
	sqlite3_finalize(st);
	free(pm.direct);
	free(srcid);
	free(ev);
	free(cnt);
	return rc;
}

int
score_builtin_own(int id)
{
	return (id >= SC_RECENCY_DAYS && id <= SC_PREFERRED_SOURCE) ||
	    (id >= SC_CLV_X && id <= SC_CLV_T);
}

void
score_get(const struct score_data *sd, size_t i, int id, struct score_val *v)
{
	const struct score_prof *p = &sd->p[i];
	int buyer = p->orders > 0;

	v->kind = SV_NULL;
	v->s = NULL;
	switch (id) {
	case SC_RECENCY_DAYS:
		if (buyer) {
			v->kind = SV_INT;
			v->i = sd->opts.asof - p->last_day;
		}
		return;
	case SC_FREQUENCY:
		v->kind = SV_INT;
		v->i = p->occasions;
		return;
	case SC_ORDERS:
		v->kind = SV_INT;
		v->i = p->orders;
		return;
	case SC_MONETARY:
		v->kind = SV_REAL;
		v->d = p->monetary;
		return;
	case SC_AOV:
		if (buyer) {
			v->kind = SV_REAL;
			v->d = p->monetary / p->orders;
		}
		return;
	case SC_FIRST_PURCHASE:
	case SC_LAST_PURCHASE:
		if (buyer) {
			score_day_str(id == SC_FIRST_PURCHASE ? p->first_day :
			    p->last_day, v->buf);
			v->kind = SV_TEXT;
			v->s = v->buf;
		}
		return;
	case SC_TENURE_DAYS:
		if (p->first_event != INT32_MIN) {
			v->kind = SV_INT;
			v->i = sd->opts.asof - p->first_event;
		}
		return;
	case SC_PURCHASES_30D:
	case SC_PURCHASES_90D:
	case SC_PURCHASES_365D:
		v->kind = SV_INT;
		v->i = p->win[id - SC_PURCHASES_30D];
		return;
	case SC_ENGAGEMENT:
		v->kind = SV_INT;
		v->i = p->engagement;
		return;
	case SC_PREFERRED_SOURCE:
		if (p->src >= 0) {
			v->kind = SV_TEXT;
			v->s = sd->srcname[p->src];
		}
		return;
	case SC_RFM_R:
	case SC_RFM_F:
	case SC_RFM_M:
	case SC_RFM:
	case SC_RFM_SEGMENT:
		if (!buyer)
			return;
		v->kind = SV_INT;
		v->i = id == SC_RFM_R ? p->r : id == SC_RFM_F ? p->f :
		    id == SC_RFM_M ? p->m : 100 * p->r + 10 * p->f + p->m;
		if (id == SC_RFM_SEGMENT) {
			v->kind = SV_TEXT;
			v->s = score_rfm_segment(p->r, p->f);
		}
		return;
	case SC_CLV_X:
		if (buyer) {
			v->kind = SV_INT;
			v->i = p->occasions - 1;
		}
		return;
	case SC_CLV_TX:
	case SC_CLV_T:
		if (buyer) {
			v->kind = SV_REAL;
			v->d = ((id == SC_CLV_T ? sd->opts.asof : p->last_day) -
			    p->first_day) / 7.0;
		}
		return;
	default:
		break;
	}
	/* the predictions: only for customers, only what the fits allowed */
	if (!buyer || !sd->bg_ok)
		return;
	switch (id) {
	case SC_P_ALIVE:
		v->d = p->palive;
		break;
	case SC_EXPECTED_PURCHASES:
		v->d = p->expected;
		break;
	case SC_EXPECTED_SPEND:
		if (!sd->gg_ok)
			return;
		v->d = p->spend;
		break;
	case SC_CLV:
		if (!sd->gg_ok)
			return;
		v->d = p->value;
		break;
	default:
		return;
	}
	if (p->clv && isfinite(v->d))
		v->kind = SV_REAL;
}
