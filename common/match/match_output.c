/*
 * match_output.c - cdp-match's output: the pairs gathered, sorted and written
 * with their evidence, and the model as a table; see match_output.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv_writer.h"
#include "io/json_writer.h"
#include "io/record_reader.h"
#include "match/match_output.h"
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
	struct mpair_ev ev[MCFG_MAXSLOT];
	struct mpair_key ka, kb;
	struct sbuf line;
	struct jw jw;
	const struct mout_pair *o;
	char rule[MCFG_NAMELEN + 8];
	int8_t *lev = NULL;
	uint32_t *va = NULL, *vb = NULL;
	double *fw = NULL;
	size_t i, k, nev;
	double w;
	int l;

	if (m->n > 1)
		qsort(m->pair, m->n, sizeof(*m->pair), cmp_opair);
	if (sc != NULL) {
		lev = xmalloc(sc->K + 1);
		va = xmalloc((sc->K + 1) * sizeof(uint32_t));
		vb = xmalloc((sc->K + 1) * sizeof(uint32_t));
		fw = xmalloc((sc->K + 1) * sizeof(double));
	}
	sb_init(&line);
	jw_init(&jw, &line);
	for (i = 0; i < m->n; i++) {
		o = &m->pair[i];
		if (i > 0 && o->a == o[-1].a && o->b == o[-1].b)
			continue;
		nev = 0;
		w = 0;
		if (sc != NULL) {
			msc_vector(sc, o->a, o->b, lev, va, vb);
			w = msc_weight(sc, lev, va, fw);
			for (k = 0; k < sc->K; k++) {
				if ((l = lev[k]) < 0)
					continue;
				ev[nev].field = cfg->cmp[k].f.name;
				ev[nev].a = mset_str(ms, va[k], &ev[nev].alen);
				ev[nev].b = mset_str(ms, vb[k], &ev[nev].blen);
				ev[nev].level = cfg->cmp[k].f.level[l].name;
				ev[nev++].weight = fw[k];
			}
		}
		keyof(ms, o->a, dbmode, &ka);
		keyof(ms, o->b, dbmode, &kb);
		if (o->rule >= 0)
			snprintf(rule, sizeof(rule), "ident:%s",
			    cfg->slot[cfg->ident[o->rule].slot].name);
		else
			strcpy(rule, "fs");
		mpair_format(&jw, &line, &ka, &kb, o->prob,
		    nev > 0 || o->rule < 0 ? &w : NULL, rule, ev, nev);
		if (fwrite(line.buf, 1, line.len, fp) != line.len)
			break;
		m->written++;
		if (o->rule >= 0)
			m->written_ident++;
	}
	jw_release(&jw);
	sb_release(&line);
	free(lev);
	free(va);
	free(vb);
	free(fw);
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
