/*
 * match_output.c - cdp-match's output: the pairs gathered, sorted and written
 * with their evidence, and the model as a table; see match_output.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv_writer.h"
#include "io/json_writer.h"
#include "core/cli.h"
#include "io/record_reader.h"
#include "match/match_output.h"
#include "match/parallel.h"
#include "match/pair_writer.h"

void
mout_release(struct mout *m)
{
	free(m->pair);
}

void
mout_add(struct mout *m, uint32_t a, uint32_t b, int32_t rule, double prob)
{
	struct mout_pair *o;

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 4096;
		m->pair = xrealloc(m->pair, m->cap * sizeof(*m->pair));
	}
	o = &m->pair[m->n++];
	o->a = a;
	o->b = b;
	o->rule = rule;
	o->prob = prob;
}

static int
cmp_opair(const void *x, const void *y)
{
	const struct mout_pair *p = x, *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	/* Identifier rules first, in configuration order; the model last. */
	if (p->rule != q->rule)
		return (uint32_t)p->rule < (uint32_t)q->rule ? -1 : 1;
	return 0;
}

static void
keyof(const struct mset *ms, uint32_t r, int dbmode, struct mpair_key *k)
{
	k->source = ms->srcname[ms->src[r]];
	k->record_id = mset_rid(ms, r);
	k->rowid = ms->rowid[r];
	k->has_rowid = dbmode;
}

/* Pairs scored on several threads: each thread's own, in its order. */
struct scoring {
	struct msc *s;
	const uint64_t *cand;
	double	 threshold;
	struct progress *prog;
	struct {
		struct msc sc;
		struct mout out;
		int8_t	*lev;
		uint32_t *va, *vb;
	} *w;
};

static void
score_chunk(void *arg, int t, size_t lo, size_t hi)
{
	struct scoring *g = arg;
	double p;
	size_t i;
	uint32_t a, b;

	if (t == 0 && g->prog != NULL)
		progress_step(g->prog, lo);
	for (i = lo; i < hi; i++) {
		a = (uint32_t)(g->cand[i] >> 32);
		b = (uint32_t)g->cand[i];
		msc_vector(&g->w[t].sc, a, b, g->w[t].lev, g->w[t].va,
		    g->w[t].vb);
		p = fs_prob(msc_weight(&g->w[t].sc, g->w[t].lev, g->w[t].va,
		    NULL), g->s->fm.lambda);
		if (p >= g->threshold)
			mout_add(&g->w[t].out, a, b, -1, p);
	}
}

void
mout_score(struct mout *m, struct msc *sc, const uint64_t *cand, size_t n,
    double threshold, struct progress *prog)
{
	struct scoring g;
	int t, nt = msc_threads(sc);
	size_t i;

	g.s = sc;
	g.cand = cand;
	g.threshold = threshold;
	g.prog = prog;
	g.w = xcalloc((size_t)nt, sizeof(*g.w));
	for (t = 0; t < nt; t++) {
		msc_copy(&g.w[t].sc, sc);
		g.w[t].lev = xmalloc(sc->K + 1);
		g.w[t].va = xmalloc((sc->K + 1) * sizeof(uint32_t));
		g.w[t].vb = xmalloc((sc->K + 1) * sizeof(uint32_t));
	}
	par_for(nt, n, 2048, score_chunk, &g);
	/* mout_write sorts: the order gathered here does not matter. */
	for (t = 0; t < nt; t++) {
		for (i = 0; i < g.w[t].out.n; i++)
			mout_add(m, g.w[t].out.pair[i].a, g.w[t].out.pair[i].b,
			    -1, g.w[t].out.pair[i].prob);
		sc->ncompared += g.w[t].sc.ncompared;
		mout_release(&g.w[t].out);
		msc_release(&g.w[t].sc);
		free(g.w[t].lev);
		free(g.w[t].va);
		free(g.w[t].vb);
	}
	free(g.w);
}

/* Lines made on several threads, a round of chunks at a time. */
#define LINES_CHUNK	256	/* pairs a chunk */
#define LINES_ROUND	64	/* chunks a round */

struct lines {
	struct mout *m;
	const struct mcfg *cfg;
	const struct mset *ms;
	int	 dbmode;
	size_t	 base;		/* first pair of the round */
	struct sbuf *chunk;	/* per chunk of the round: its lines */
	size_t	*nwritten;	/* per chunk: lines, and by identifiers */
	size_t	*nident;
	struct {
		struct msc sc;
		struct sbuf line;
		struct jw jw;
		int8_t	*lev;
		uint32_t *va, *vb;
		double	*fw;
	} *w;
	int	 have_sc;
};

static void
lines_chunk(void *arg, int t, size_t lo, size_t hi)
{
	struct lines *L = arg;
	const struct mcfg *cfg = L->cfg;
	const struct mset *ms = L->ms;
	struct mpair_ev ev[MCFG_MAXSLOT];
	struct mpair_key ka, kb;
	const struct mout_pair *o;
	struct sbuf *out = &L->chunk[lo / LINES_CHUNK];
	char rule[MCFG_NAMELEN + 8];
	size_t i, k, nev, c = lo / LINES_CHUNK;
	double w;
	int l;

	sb_reset(out);
	L->nwritten[c] = L->nident[c] = 0;
	for (i = L->base + lo; i < L->base + hi; i++) {
		o = &L->m->pair[i];
		if (i > 0 && o->a == o[-1].a && o->b == o[-1].b)
			continue;
		nev = 0;
		w = 0;
		if (L->have_sc) {
			msc_vector(&L->w[t].sc, o->a, o->b, L->w[t].lev,
			    L->w[t].va, L->w[t].vb);
			w = msc_weight(&L->w[t].sc, L->w[t].lev, L->w[t].va,
			    L->w[t].fw);
			for (k = 0; k < L->w[t].sc.K; k++) {
				if ((l = L->w[t].lev[k]) < 0)
					continue;
				ev[nev].field = cfg->cmp[k].f.name;
				ev[nev].a = mset_str(ms, L->w[t].va[k],
				    &ev[nev].alen);
				ev[nev].b = mset_str(ms, L->w[t].vb[k],
				    &ev[nev].blen);
				ev[nev].level = cfg->cmp[k].f.level[l].name;
				ev[nev++].weight = L->w[t].fw[k];
			}
		}
		keyof(ms, o->a, L->dbmode, &ka);
		keyof(ms, o->b, L->dbmode, &kb);
		if (o->rule >= 0)
			snprintf(rule, sizeof(rule), "ident:%s",
			    cfg->slot[cfg->ident[o->rule].slot].name);
		else
			strcpy(rule, "fs");
		sb_reset(&L->w[t].line);
		mpair_format(&L->w[t].jw, &L->w[t].line, &ka, &kb, o->prob,
		    nev > 0 || o->rule < 0 ? &w : NULL, rule, ev, nev);
		sb_add(out, L->w[t].line.buf, L->w[t].line.len);
		L->nwritten[c]++;
		if (o->rule >= 0)
			L->nident[c]++;
	}
}

void
mout_write(struct mout *m, const struct mcfg *cfg, const struct mset *ms,
    struct msc *sc, int dbmode)
{
	mout_fwrite(m, cfg, ms, sc, dbmode, stdout);
}

void
mout_fwrite(struct mout *m, const struct mcfg *cfg, const struct mset *ms,
    struct msc *sc, int dbmode, FILE *fp)
{
	struct lines L;
	size_t k, c, n, nchunk;
	int t, nt = sc != NULL ? msc_threads(sc) : 2;

	if (m->n > 1)
		qsort(m->pair, m->n, sizeof(*m->pair), cmp_opair);
	memset(&L, 0, sizeof(L));
	L.m = m;
	L.cfg = cfg;
	L.ms = ms;
	L.dbmode = dbmode;
	L.have_sc = sc != NULL;
	L.chunk = xcalloc(LINES_ROUND, sizeof(*L.chunk));
	L.nwritten = xcalloc(LINES_ROUND, sizeof(*L.nwritten));
	L.nident = xcalloc(LINES_ROUND, sizeof(*L.nident));
	for (c = 0; c < LINES_ROUND; c++)
		sb_init(&L.chunk[c]);
	if (sc == NULL)
		nt = 1;
	L.w = xcalloc((size_t)nt, sizeof(*L.w));
	for (t = 0; t < nt; t++) {
		sb_init(&L.w[t].line);
		jw_init(&L.w[t].jw, &L.w[t].line);
		if (sc == NULL)
			continue;
		msc_copy(&L.w[t].sc, sc);
		k = sc->K + 1;
		L.w[t].lev = xmalloc(k);
		L.w[t].va = xmalloc(k * sizeof(uint32_t));
		L.w[t].vb = xmalloc(k * sizeof(uint32_t));
		L.w[t].fw = xmalloc(k * sizeof(double));
	}
	for (L.base = 0; L.base < m->n; L.base += n) {
		n = m->n - L.base;
		if (n > (size_t)LINES_CHUNK * LINES_ROUND)
			n = (size_t)LINES_CHUNK * LINES_ROUND;
		par_for(nt, n, LINES_CHUNK, lines_chunk, &L);
		nchunk = (n + LINES_CHUNK - 1) / LINES_CHUNK;
		for (c = 0; c < nchunk; c++) {
			if (fwrite(L.chunk[c].buf, 1, L.chunk[c].len, fp) !=
			    L.chunk[c].len)
				goto done;
			m->written += L.nwritten[c];
			m->written_ident += L.nident[c];
		}
	}
done:
	for (t = 0; t < nt; t++) {
		jw_release(&L.w[t].jw);
		sb_release(&L.w[t].line);
		if (sc == NULL)
			continue;
		msc_release(&L.w[t].sc);
		free(L.w[t].lev);
		free(L.w[t].va);
		free(L.w[t].vb);
		free(L.w[t].fw);
	}
	for (c = 0; c < LINES_ROUND; c++)
		sb_release(&L.chunk[c]);
	free(L.chunk);
	free(L.nwritten);
	free(L.nident);
	free(L.w);
}

void
mout_trailer(const struct mpair_trailer *t)
{
	mout_ftrailer(t, stdout);
}

void
mout_ftrailer(const struct mpair_trailer *t, FILE *fp)
{
	struct sbuf line;
	struct jw jw;

	sb_init(&line);
	jw_init(&jw, &line);
	mpair_trailer_format(&jw, &line, t);
	fwrite(line.buf, 1, line.len, fp);
	jw_release(&jw);
	sb_release(&line);
}

/* -P: the model as a table, CSV or NDJSON. */
void
mout_model(const struct fs_model *fm, int fmt)
{
	const struct fs_field *f;
	struct sbuf line;
	struct csvw cw;
	struct jw jw;
	size_t k;
	int l;

	sb_init(&line);
	jw_init(&jw, &line);
	if (fmt == RIN_CSV) {
		csvw_init(&cw, stdout, ',');
		csvw_str(&cw, "field");
		csvw_str(&cw, "level");
		csvw_str(&cw, "m");
		csvw_str(&cw, "u");
		csvw_str(&cw, "weight");
		csvw_str(&cw, "tf");
		csvw_end(&cw);
	} else if (fmt != RIN_NDJSON)
		printf("%-16s %-16s %12s %12s %8s\n", "field", "level", "m",
		    "u", "weight");
	for (k = 0; k < fm->nfields; k++) {
		f = &fm->field[k];
		for (l = 0; l < f->nlevels; l++) {
			if (fmt == RIN_CSV) {
				csvw_str(&cw, f->name);
				csvw_str(&cw, f->level_name[l]);
				csvw_double(&cw, f->m[l]);
				csvw_double(&cw, f->u[l]);
				csvw_double(&cw, f->weight[l]);
				csvw_int(&cw, f->tf_level == l);
				csvw_end(&cw);
				continue;
			}
			if (fmt != RIN_NDJSON) {
				printf("%-16s %-16s %12.6g %12.6g %8.2f%s\n",
				    f->name, f->level_name[l], f->m[l],
				    f->u[l], f->weight[l], f->tf_level == l ?
				    "  tf" : "");
				continue;
			}
			jw_reset(&jw);
			jw_map_open(&jw);
			jw_key(&jw, "field", 5);
			jw_strz(&jw, f->name);
			jw_key(&jw, "level", 5);
			jw_strz(&jw, f->level_name[l]);
			jw_key(&jw, "m", 1);
			jw_double(&jw, f->m[l]);
			jw_key(&jw, "u", 1);
			jw_double(&jw, f->u[l]);
			jw_key(&jw, "weight", 6);
			jw_double(&jw, f->weight[l]);
			jw_key(&jw, "tf", 2);
			jw_bool(&jw, f->tf_level == l);
			jw_map_close(&jw);
			printf("%s\n", line.buf);
		}
	}
	if (fmt == RIN_CSV) {
		csvw_str(&cw, "lambda");
		csvw_str(&cw, NULL);
		csvw_double(&cw, fm->lambda);
		csvw_str(&cw, NULL);
		csvw_double(&cw, fs_prior_weight(fm->lambda));
		csvw_int(&cw, 0);
		csvw_end(&cw);
		csvw_release(&cw);
	} else if (fmt == RIN_NDJSON) {
		jw_reset(&jw);
		jw_map_open(&jw);
		jw_key(&jw, "lambda", 6);
		jw_double(&jw, fm->lambda);
		jw_key(&jw, "prior_weight", 12);
		jw_double(&jw, fs_prior_weight(fm->lambda));
		jw_map_close(&jw);
		printf("%s\n", line.buf);
	} else
		printf("lambda %.6g (prior weight %.2f)\n", fm->lambda,
		    fs_prior_weight(fm->lambda));
	jw_release(&jw);
	sb_release(&line);
}
