/*
 * training.c - u from random pairs, m by EM per blocking rule, and the
 * prior; see training.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match/deterministic.h"
#include "match/parallel.h"
#include "match/training.h"
#include "store/database.h"

/* Vectors are collapsed to patterns whenever this many are pending. */
#define CHUNK	65536

uint64_t
mtr_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Comparison patterns with counts, collapsed as they come. */
struct patterns {
	int8_t	*vec;
	uint64_t *count;
	size_t	 n;		/* rows, collapsed ones first */
	size_t	 ncollapsed;
	size_t	 cap;
	size_t	 K;
};

static void
pat_init(struct patterns *p, size_t K)
{
	memset(p, 0, sizeof(*p));
	p->K = K ? K : 1;
	p->cap = 2 * CHUNK;
	p->vec = xmalloc(p->cap * p->K);
	p->count = xmalloc(p->cap * sizeof(*p->count));
}

static void
pat_release(struct patterns *p)
{
	free(p->vec);
	free(p->count);
}

static void
pat_add(struct patterns *p, const int8_t *v)
{
	if (p->n == p->cap) {
		p->n = fs_collapse(p->vec, p->count, p->n, p->K);
		p->ncollapsed = p->n;
		if (p->n + CHUNK > p->cap) {
			p->cap = 2 * (p->n + CHUNK);
			p->vec = xrealloc(p->vec, p->cap * p->K);
			p->count = xrealloc(p->count, p->cap *
			    sizeof(*p->count));
		}
	}
	memcpy(p->vec + p->n * p->K, v, p->K);
	p->count[p->n++] = 1;
}

/* v seen count times (a pattern of another collapse). */
static void
pat_add_count(struct patterns *p, const int8_t *v, uint64_t count)
{
	pat_add(p, v);
	p->count[p->n - 1] = count;
}

static void
pat_done(struct patterns *p)
{
	p->n = fs_collapse(p->vec, p->count, p->n, p->K);
}

/* The records the model applies to. */
static uint32_t *
eligible(const struct mset *ms, size_t *n)
{
	uint32_t *e = xmalloc((ms->n ? ms->n : 1) * sizeof(*e));
	size_t r;

	*n = 0;
	for (r = 0; r < ms->n; r++)
		if (ms->flag[r] & MSET_FS)
			e[(*n)++] = (uint32_t)r;
	return e;
}

/*
 * Comparison vectors of many pairs on several threads (msc_threads),
 * into patterns: each thread collapses its own, and the union collapsed
 * again is the same whichever thread compared which pair.
 */
struct vectors {
	struct msc *s;
	const uint32_t *pair;	/* a, b, a, b, ... */
	const struct mcfg_block *mask;	/* fields it blocks on left out */
	double	*post;		/* when set: each pair's probability, */
	double	 lambda;	/* under this prior, instead of patterns */
	int8_t	*lev_out;	/* when set: each pair's vector (K), */
	uint32_t *tf_out;	/* and its values of the tf fields (ntf) */
	size_t	*tfk;		/* the comparisons with tf */
	size_t	 ntf;
	struct {
		struct msc sc;
		struct patterns p;
		int8_t	*lev;
		uint32_t *va, *vb;
	} *w;			/* per thread */
};

/* Whether rule rl blocks on the slot of comparison k. */
static int masked(const struct msc *, const struct mcfg_block *, size_t);

static void
vectors_chunk(void *arg, int t, size_t lo, size_t hi)
{
	struct vectors *v = arg;
	size_t i, k;

	for (i = lo; i < hi; i++) {
		msc_vector(&v->w[t].sc, v->pair[2 * i], v->pair[2 * i + 1],
		    v->w[t].lev, v->w[t].va, v->w[t].vb);
		if (v->mask != NULL)
			for (k = 0; k < v->s->K; k++)
				if (masked(v->s, v->mask, k))
					v->w[t].lev[k] = -1;
		if (v->post != NULL) {
			v->post[i] = fs_prob(msc_weight(&v->w[t].sc,
			    v->w[t].lev, v->w[t].va, NULL), v->lambda);
			continue;
		}
		pat_add(&v->w[t].p, v->w[t].lev);
		if (v->lev_out == NULL)
			continue;
		memcpy(v->lev_out + i * v->s->K, v->w[t].lev, v->s->K);
		for (k = 0; k < v->ntf; k++)
			v->tf_out[i * v->ntf + k] = v->w[t].va[v->tfk[k]];
	}
}

/* The comparisons with term frequencies into tfk[K]; their number. */
static size_t
tf_fields(const struct msc *s, size_t *tfk)
{
	size_t k, n = 0;

	for (k = 0; k < s->K; k++)
		if (s->cfg->cmp[k].tf)
			tfk[n++] = k;
	return n;
}

/*
 * The vectors of pairs pair[0 .. 2n), masked by rule mask (or NULL),
 * into p, and when lev_out is set each one into lev_out[i * K ..] with
 * its tf fields' values into tf_out[i * ntf ..] (tf_fields); or, when
 * post is set, their probabilities under lambda into post[0 .. n).
 */
static void
vectors(struct msc *s, const uint32_t *pair, size_t n,
    const struct mcfg_block *mask, struct patterns *p, double *post,
    double lambda, int8_t *lev_out, uint32_t *tf_out)
{
	struct vectors v;
	int t, nt = msc_threads(s);
	size_t i;

	v.tfk = xmalloc((s->K + 1) * sizeof(*v.tfk));
	v.ntf = tf_fields(s, v.tfk);
	v.lev_out = lev_out;
	v.tf_out = tf_out;
	v.s = s;
	v.pair = pair;
	v.mask = mask;
	v.post = post;
	v.lambda = lambda;
	v.w = xcalloc((size_t)nt, sizeof(*v.w));
	for (t = 0; t < nt; t++) {
		msc_copy(&v.w[t].sc, s);
		pat_init(&v.w[t].p, s->K);
		v.w[t].lev = xmalloc(s->K + 1);
		v.w[t].va = xmalloc((s->K + 1) * sizeof(uint32_t));
		v.w[t].vb = xmalloc((s->K + 1) * sizeof(uint32_t));
	}
	par_for(nt, n, 4096, vectors_chunk, &v);
	for (t = 0; t < nt; t++) {
		pat_done(&v.w[t].p);
		for (i = 0; post == NULL && i < v.w[t].p.n; i++)
			pat_add_count(p, v.w[t].p.vec + i * p->K,
			    v.w[t].p.count[i]);
		s->ncompared += v.w[t].sc.ncompared;
		msc_release(&v.w[t].sc);
		pat_release(&v.w[t].p);
		free(v.w[t].lev);
		free(v.w[t].va);
		free(v.w[t].vb);
	}
	free(v.w);
	free(v.tfk);
}

static int
train_u(struct msc *s, const uint32_t *e, size_t ne, struct mtr_stats *st)
{
	const struct mcfg *c = s->cfg;
	struct patterns p;
	uint64_t state = c->seed;
	uint32_t *pair, a, b;
	size_t i, j, n = 0, cap;
	long tries;
	int r;

	pat_init(&p, s->K);
	/* full_name's u, like the others', from all random pairs. */
	s->keep_full = 1;
	/* The pairs first, drawn in turn; then compared on the threads. */
	cap = c->random_pairs > 0 ? (size_t)c->random_pairs : 1;
	pair = xmalloc(2 * cap * sizeof(*pair));
	/* Few records: every pair once, no sampling at all. */
	if ((double)ne * (double)(ne - 1) / 2 <= (double)c->random_pairs) {
		for (i = 0; i < ne; i++)
			for (j = i + 1; j < ne; j++) {
				a = e[i];
				b = e[j];
				if (c->link == MCFG_LINK_ONLY &&
				    s->ms->src[a] == s->ms->src[b])
					continue;
				pair[2 * n] = a;
				pair[2 * n++ + 1] = b;
			}
		goto done;
	}
	for (i = 0; i < (size_t)c->random_pairs; i++) {
		for (tries = 0; tries < 100; tries++) {
			a = e[mtr_rand(&state) % ne];
			b = e[mtr_rand(&state) % ne];
			if (a != b && (c->link != MCFG_LINK_ONLY ||
			    s->ms->src[a] != s->ms->src[b]))
				break;
		}
		if (tries == 100)
			break;
		pair[2 * n] = a < b ? a : b;
		pair[2 * n++ + 1] = a < b ? b : a;
	}
done:
	vectors(s, pair, n, NULL, &p, NULL, 0, NULL, NULL);
	st->random_pairs += n;
	free(pair);
	s->keep_full = 0;
	pat_done(&p);
	r = p.n > 0 ? fs_estimate_u(&s->fm, p.vec, p.count, p.n) : -1;
	pat_release(&p);
	return r;
}

/* Fields with a value in some pattern (masked ones are -1 everywhere). */
static int
observed(const struct patterns *p)
{
	size_t i, k;
	int n = 0;

	for (k = 0; k < p->K; k++)
		for (i = 0; i < p->n; i++)
			if (p->vec[i * p->K + k] >= 0) {
				n++;
				break;
			}
	return n;
}

/* Whether rule rl blocks on the slot of comparison k. */
static int
masked(const struct msc *s, const struct mcfg_block *rl, size_t k)
{
	int slot = s->cfg->cmp[k].slot, t;

	for (t = 0; t < rl->nterm; t++) {
		int a = rl->term[t].slot, b = rl->term[t].slot2;

		if (a == slot || b == slot)
			return 1;
		/* full_name is made of the first and last names. */
		if (slot == MCFG_S_FULL && (a == MCFG_S_FIRST ||
		    a == MCFG_S_LAST || b == MCFG_S_FIRST || b == MCFG_S_LAST))
			return 1;
	}
	return 0;
}

/* A rule's sample of pairs, gathered by blk_pairs. */
struct sample {
	struct msc *s;
	struct patterns p;
	uint64_t cut;		/* keep a pair when its hash is below */
	uint64_t seed;
	uint32_t *pair;		/* kept pairs (a, b), for the recall */
	size_t	 npair, cap;
	size_t	 drawn;		/* pairs sampled, vetoed ones included */
	size_t	 rule;
	int8_t	*lev;		/* the kept pairs' vectors, masked */
	uint32_t *va;		/* and their values of the tf fields */
	struct mdet_memo memo;
};

static uint64_t
pair_hash(uint32_t a, uint32_t b, uint64_t seed)
{
	uint64_t st = seed ^ ((uint64_t)a << 32 | b);

	return mtr_rand(&st);
}

/* A pair of the rule's sample: kept, compared later (vectors). */
static void
on_pair(void *arg, uint32_t a, uint32_t b, size_t rule)
{
	struct sample *sm = arg;

	(void)rule;
	if (pair_hash(a, b, sm->seed) > sm->cut)
		return;
	sm->drawn++;
	/* Two people (a household): not what EM should learn matches from. */
	if (mdet_conflict(&sm->memo, sm->s->cfg, sm->s->ms, a, b))
		return;
	if (sm->npair == sm->cap) {
		sm->cap = sm->cap ? 2 * sm->cap : 4096;
		sm->pair = xrealloc(sm->pair, sm->cap * 2 * sizeof(uint32_t));
	}
	sm->pair[2 * sm->npair] = a;
	sm->pair[2 * sm->npair + 1] = b;
	sm->npair++;
}

/* Record pairs the model could see: all, or across sources only. */
static double
all_pairs(const struct mset *ms, int link_only)
{
	double *per, n = 0, same = 0;
	size_t r;

	per = xcalloc(ms->nsrc + 1, sizeof(*per));
	for (r = 0; r < ms->n; r++)
		if (ms->flag[r] & MSET_FS) {
			per[ms->src[r]]++;
			n++;
		}
	for (r = 0; r < ms->nsrc; r++)
		same += per[r] * (per[r] - 1) / 2;
	free(per);
	return link_only ? n * (n - 1) / 2 - same : n * (n - 1) / 2;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
mtr_train(struct msc *s, struct blk *bk, struct mtr_stats *st)
{
	const struct mcfg *c = s->cfg;
	struct fs_model init;
	struct fs_em_opts eo;
	struct fs_em_stats es;
	struct blk_opts bo;
	struct sample *sm;
	double (*msum)[FS_MAXLEVEL], *mn, *est, total, num, den;
	size_t ne, r, k, i, nest, q;
	uint32_t *e, a, b, *va;
	size_t *tfk, ntf;
	int l, rc = -1;
	double *post;

	memset(st, 0, sizeof(*st));
	e = eligible(s->ms, &ne);
	st->records = ne;
	st->nrule = c->nblock;
	st->rule = xcalloc(c->nblock + 1, sizeof(*st->rule));
	if (ne < 2 || s->K == 0 || train_u(s, e, ne, st) == -1) {
		free(e);
		return -1;
	}
	free(e);

	tfk = xmalloc((s->K + 1) * sizeof(*tfk));
	ntf = tf_fields(s, tfk);
	va = xcalloc(s->K + 1, sizeof(*va));
	/* m: EM per rule from the same start, masked fields left out. */
	init = s->fm;
	init.field = xmalloc(s->K * sizeof(*init.field));
	memcpy(init.field, s->fm.field, s->K * sizeof(*init.field));
	msum = xcalloc(s->K, sizeof(*msum));
	mn = xcalloc(s->K, sizeof(*mn));
	sm = xcalloc(c->nblock + 1, sizeof(*sm));
	memset(&bo, 0, sizeof(bo));
	bo.link_only = c->link == MCFG_LINK_ONLY;
	memset(&eo, 0, sizeof(eo));
	eo.max_iter = c->em_iterations;
	for (r = 0; r < c->nblock; r++) {
		sm[r].s = s;
		sm[r].rule = r;
		sm[r].seed = c->seed + r + 1;
		pat_init(&sm[r].p, s->K);
		st->rule[r].pairs = blk_count(bk, r, bo.link_only);
		if (st->rule[r].pairs == 0)
			continue;
		sm[r].cut = st->rule[r].pairs <= (size_t)c->em_pairs ?
		    UINT64_MAX : (uint64_t)((double)c->em_pairs /
		    (double)st->rule[r].pairs * 18446744073709551615.0);
		blk_pairs(bk, r, &bo, on_pair, &sm[r]);
		/* Kept for the recall below: not compared twice. */
		sm[r].lev = xmalloc(sm[r].npair * s->K + 1);
		sm[r].va = xmalloc((sm[r].npair * ntf + 1) * sizeof(uint32_t));
		vectors(s, sm[r].pair, sm[r].npair, &c->block[r], &sm[r].p,
		    NULL, 0, sm[r].lev, sm[r].va);
		pat_done(&sm[r].p);
		st->rule[r].sampled = sm[r].npair;
		/*
		 * One field left is not enough for EM to tell the classes
		 * apart: it would fit anything.
		 */
		if (observed(&sm[r].p) < 2) {
			st->rule[r].sampled = 0;
			continue;
		}
		memcpy(s->fm.field, init.field, s->K * sizeof(*init.field));
		s->fm.lambda = 0.1;
		if (fs_em(&s->fm, sm[r].p.vec, sm[r].p.count, sm[r].p.n, &eo,
		    &es) == -1)
			continue;
		st->rule[r].iterations = es.iterations;
		st->rule[r].lambda = s->fm.lambda;
		for (k = 0; k < s->K; k++) {
			if (masked(s, &c->block[r], k))
				continue;
			for (l = 0; l < s->fm.field[k].nlevels; l++)
				msum[k][l] += s->fm.field[k].m[l];
			mn[k]++;
		}
	}
	/* Fields every rule blocks on keep their starting m. */
	memcpy(s->fm.field, init.field, s->K * sizeof(*init.field));
	for (k = 0; k < s->K; k++)
		if (mn[k] > 0)
			for (l = 0; l < s->fm.field[k].nlevels; l++)
				s->fm.field[k].m[l] = msum[k][l] / mn[k];
	fs_model_update(&s->fm);

	/* Recall of each rule, on the other rules' samples. */
	post = NULL;
	for (r = 0; r < c->nblock; r++)
		st->rule[r].recall = 0;
	{
		double *rnum = xcalloc(c->nblock + 1, sizeof(double));
		double *rden = xcalloc(c->nblock + 1, sizeof(double));

		for (q = 0; q < c->nblock; q++) {
			post = xrealloc(post, (sm[q].npair + 1) *
			    sizeof(double));
			for (i = 0; i < sm[q].npair; i++) {
				for (k = 0; k < ntf; k++)
					va[tfk[k]] = sm[q].va[i * ntf + k];
				post[i] = fs_prob(msc_weight(s, sm[q].lev +
				    i * s->K, va, NULL), st->rule[q].lambda);
			}
			for (r = 0; r < c->nblock; r++) {
				if (r == q)
					continue;
				num = den = 0;
				for (i = 0; i < sm[q].npair; i++) {
					a = sm[q].pair[2 * i];
					b = sm[q].pair[2 * i + 1];
					den += post[i];
					if (bk->key[r][a] != 0 &&
					    bk->key[r][a] == bk->key[r][b])
						num += post[i];
				}
				rnum[r] += num;
				rden[r] += den;
			}
		}
		for (r = 0; r < c->nblock; r++)
			st->rule[r].recall = rden[r] > 0 ? rnum[r] / rden[r] :
			    0;
		free(rnum);
		free(rden);
	}
	free(post);

	/* Matching pairs in the data, per rule; the median is kept. */
	est = xcalloc(c->nblock + 1, sizeof(*est));
	for (nest = 0, r = 0; r < c->nblock; r++)
		if (st->rule[r].sampled > 0 && st->rule[r].recall >= 0.05)
			/* Vetoed pairs are not matches: only the others count. */
			est[nest++] = st->rule[r].lambda *
			    (double)st->rule[r].pairs * (double)sm[r].npair /
			    (double)sm[r].drawn / st->rule[r].recall;
	if (nest > 0) {
		qsort(est, nest, sizeof(*est), cmp_double);
		st->matches = nest % 2 ? est[nest / 2] :
		    (est[nest / 2 - 1] + est[nest / 2]) / 2;
		total = all_pairs(s->ms, c->link == MCFG_LINK_ONLY);
		s->fm.lambda = fmin(fmax(st->matches / total, 1e-12), 0.5);
		rc = 0;
	}
	st->lambda = s->fm.lambda;
	free(est);
	for (r = 0; r < c->nblock; r++) {
		pat_release(&sm[r].p);
		free(sm[r].pair);
		free(sm[r].lev);
		free(sm[r].va);
	}
	free(sm);
	free(tfk);
	free(va);
	free(msum);
	free(mn);
	free(init.field);
	return rc;
}

void
mtr_stats_release(struct mtr_stats *st)
{
	free(st->rule);
	memset(st, 0, sizeof(*st));
}

int
mtr_model_load(sqlite3 *db, struct fs_model *fm, struct sbuf *why)
{
	sqlite3_stmt *st;
	char err[256];
	int r = -1;

	sb_reset(why);
	st = db_prepare(db, "SELECT json FROM model WHERE name = 'fs'", why);
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (fs_model_from_json(fm, (const char *)
		    sqlite3_column_text(st, 0), err, sizeof(err)) == 0)
			r = 0;
		else
			sb_addf(why, "stored model: %s", err);
	} else
		sb_adds(why, "no model stored: run cdp-match first");
	sqlite3_finalize(st);
	return r;
}

int
mtr_model_store(sqlite3 *db, const struct fs_model *fm, long long run,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	struct sbuf json;
	char now[32];
	int rc;

	if (db_begin(db, why) == -1)
		return -1;
	st = db_prepare(db, "INSERT INTO model(name, json, run, trained_at) "
	    "VALUES ('fs', ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
	    "json = excluded.json, run = excluded.run, "
	    "trained_at = excluded.trained_at", why);
	if (st == NULL) {
		db_rollback(db);
		return -1;
	}
	sb_init(&json);
	fs_model_to_json(fm, &json);
	now_iso(now, sizeof(now));
	sqlite3_bind_text(st, 1, json.buf, (int)json.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, run);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	sb_release(&json);
	if (rc != SQLITE_DONE) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(db));
		db_rollback(db);
		return -1;
	}
	return db_commit(db, why);
}
