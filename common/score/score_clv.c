/*
 * score_clv.c - the CLV part of score_compute: BG/NBD and Gamma-Gamma
 * fitted on the customers' purchase histories, then expected purchases,
 * P(alive), expected spend and discounted CLV for each customer.
 *
 * A history is (x, t_x, T) in weeks from whole days, so a million
 * customers have far fewer distinct histories; each distinct one costs
 * one clv_bgnbd_expected, one clv_bgnbd_palive and one clv_value (a 2F1
 * per discounting period).  clv_value is linear in the expected spend
 * E[M | x, zbar], so it is evaluated once per history with zbar = 1 and
 * scaled by each customer's own E[M].
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "score/score.h"

static const struct score_data *hsd;

static int
hist_cmp(const void *a, const void *b)
{
	const struct score_prof *x = &hsd->p[*(const size_t *)a];
	const struct score_prof *y = &hsd->p[*(const size_t *)b];

	if (x->occasions != y->occasions)
		return x->occasions < y->occasions ? -1 : 1;
	if (x->first_day != y->first_day)
		return x->first_day < y->first_day ? -1 : 1;
	if (x->last_day != y->last_day)
		return x->last_day < y->last_day ? -1 : 1;
	return 0;
}

static void
hist_obs(const struct score_data *sd, size_t i, struct clv_obs *o)
{
	const struct score_prof *p = &sd->p[i];

	o->x = p->occasions - 1;
	o->tx = o->x > 0 ? (p->last_day - p->first_day) / 7.0 : 0;
	o->T = (sd->opts.asof - p->first_day) / 7.0;
	o->zbar = p->zbar;
	o->w = 1;
}

/*
 * clv's fits declare convergence at a scaled gradient (of the mean
 * log-likelihood, in log-parameters) below 1e-7.  On large data the
 * rounding of the likelihood's sum can keep a fit just above that until
 * its evaluation cap, at the maximum all the same (a Gamma-Gamma fit on
 * 56,000 synthetic customers stops at 5e-7, on the true parameters).
 * Such an estimate is accepted when its scaled gradient is below 1e-5,
 * clv_fit.c's own floor for a stalled search, and its dimensionless
 * parameters (r, a, b; p, q) lie within 1e-3 to 1e3: a fit running off
 * towards 0 or infinity, where the likelihood flattens (a few customers,
 * nobody who seems to drop out), also has a small gradient.  It is
 * reported as not converged.
 */
#define ACCEPT_GRAD	1e-5
#define ACCEPT_LO	1e-3
#define ACCEPT_HI	1e3

static int
sane(double x)
{
	return x >= ACCEPT_LO && x <= ACCEPT_HI;
}

static int
near_max(const double *g, const double *prm, int n, double w)
{
	int i;

	for (i = 0; i < n; i++)
		if (!isfinite(g[i]) || fabs(g[i] * prm[i] / w) > ACCEPT_GRAD)
			return 0;
	return w > 0;
}

static int
fit_bg(struct score_data *sd, const struct clv_obs *o, size_t n)
{
	double ll, g[4], prm[4];

	if (clv_bgnbd_fit(o, n, &sd->bg, &sd->bgfit) == 0)
		return sd->bg_conv = 1;
	prm[0] = sd->bg.r;
	prm[1] = sd->bg.alpha;
	prm[2] = sd->bg.a;
	prm[3] = sd->bg.b;
	return sane(sd->bg.r) && sane(sd->bg.a) && sane(sd->bg.b) &&
	    clv_bgnbd_ll(&sd->bg, o, n, &ll, g) == 0 &&
	    near_max(g, prm, 4, sd->bgfit.n);
}

static int
fit_gg(struct score_data *sd, const struct clv_obs *o, size_t n)
{
	double ll, g[3], prm[3];

	if (clv_gg_fit(o, n, &sd->gg, &sd->ggfit) == 0)
		return sd->gg_conv = 1;
	prm[0] = sd->gg.p;
	prm[1] = sd->gg.q;
	prm[2] = sd->gg.gamma;
	return sane(sd->gg.p) && sane(sd->gg.q) &&
	    clv_gg_ll(&sd->gg, o, n, &ll, g) == 0 &&
	    near_max(g, prm, 3, sd->ggfit.n);
}

int
score_clv(struct score_data *sd, struct sbuf *why)
{
	struct clv_obs *o, h;
	size_t *idx, i, j, nc = 0;
	double expected, palive, disc, s1, v1;
	int gg_row;

	(void)why;
	idx = xmalloc((sd->n ? sd->n : 1) * sizeof(*idx));
	for (i = 0; i < sd->n; i++)
		if (sd->p[i].orders > 0)
			idx[nc++] = i;
	o = xcalloc(nc ? nc : 1, sizeof(*o));
	for (j = 0; j < nc; j++)
		hist_obs(sd, idx[j], &o[j]);

	if (sd->opts.bg_fixed != NULL) {
		sd->bg = *sd->opts.bg_fixed;
		sd->bg_ok = 1;
	} else if (nc > 0)
		sd->bg_ok = fit_bg(sd, o, nc);

	/* Gamma-Gamma needs a positive mean of repeat purchases */
	for (j = 0; j < nc; j++) {
		gg_row = o[j].x > 0 && isfinite(o[j].zbar) && o[j].zbar > 0;
		o[j].w = gg_row ? 1 : 0;
		if (!gg_row)
			o[j].zbar = 1;	/* unused, but must be valid */
	}
	if (sd->opts.gg_fixed != NULL) {
		sd->gg = *sd->opts.gg_fixed;
		sd->gg_ok = 1;
	} else if (nc > 0)
		sd->gg_ok = fit_gg(sd, o, nc);
	free(o);
	if (!sd->bg_ok) {
		free(idx);
		return 0;
	}

	hsd = sd;
	qsort(idx, nc, sizeof(*idx), hist_cmp);
	for (i = 0; i < nc; i = j) {
		hist_obs(sd, idx[i], &h);
		expected = clv_bgnbd_expected(&sd->bg, h.x, h.tx, h.T, 0,
		    sd->opts.horizon);
		palive = clv_bgnbd_palive(&sd->bg, h.x, h.tx, h.T);
		disc = NAN;
		if (sd->gg_ok) {
			h.zbar = 1;
			s1 = clv_gg_expected_spend(&sd->gg, h.x, 1);
			if (clv_value(&sd->bg, &sd->gg, &h, sd->opts.horizon,
			    sd->opts.step, sd->opts.discount, &v1) == 0 &&
			    isfinite(s1) && s1 != 0)
				disc = v1 / s1;
		}
		for (j = i; j < nc && hist_cmp(&idx[i], &idx[j]) == 0; j++) {
			struct score_prof *p = &sd->p[idx[j]];

			p->clv = 1;
			p->expected = expected;
			p->palive = palive;
			p->spend = p->value = NAN;
			if (sd->gg_ok) {
				p->spend = clv_gg_expected_spend(&sd->gg,
				    h.x, p->zbar);
				p->value = disc * p->spend;
			}
		}
	}
	free(idx);
	return 0;
}
