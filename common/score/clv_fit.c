/*
 * clv_fit.c - maximum-likelihood fits of the BG/NBD and Gamma-Gamma models;
 * see clv.h.  What the fitted parameters predict (P(alive), expected
 * purchases and spend, CLV, and the 2F1 they need) is in clv_predict.c.
 *
 * The fits work on a private, sorted and collapsed copy of the input:
 * rows with the same history become one weighted row, and rows are
 * grouped by x so that the gamma-function terms, which depend on x only,
 * are computed once per distinct x rather than once per customer.  The
 * inner loop per row is then two logarithms and an exponential, which is
 * what makes a million-customer fit take seconds.  Sorting also fixes
 * the order of every floating-point sum, so the result does not depend
 * on the order of the input.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "score/clv.h"

#define OPT_MAXIT	500	/* BFGS iterations per run */
#define OPT_GTOL	1e-7	/* on the gradient of the mean log-likelihood */
#define OPT_FLOOR	1e-5	/* below this a stalled search has converged */
#define OPT_MAXSTEP	4.0	/* largest move of a log-parameter per step */
#define OPT_BOUND	30.0	/* |log-parameter| beyond this is rejected */
#define OPT_EDGE	25.0	/* reaching this, the estimate diverges */
#define OPT_RESTARTS	5
#define OPT_MAXFEV	1000	/* evaluations per fit, all starts */

/* lgamma without the global signgam that lgamma(3) writes. */
static double
lgam(double x)
{
	int sign;

	return lgamma_r(x, &sign);
}

/* Digamma for x > 0: recurrence up to 10, then the asymptotic series. */
static double
digamma(double x)
{
	double acc = 0, f;

	if (!(x > 0))
		return NAN;
	while (x < 10) {
		acc -= 1 / x;
		x += 1;
	}
	f = 1 / (x * x);
	return acc + log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 -
	    f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132 -
	    f * (691.0 / 32760 - f / 12))))));
}

/*
 * Collapsed data.  Rows are sorted by x first; grp[i] spans the rows
 * row[lo, hi) that share one x.  For BG/NBD a row is (tx, T); for
 * Gamma-Gamma it is (x zbar, -).
 */
struct row {
	double	 u;	/* BG/NBD: tx; Gamma-Gamma: x * zbar */
	double	 v;	/* BG/NBD: T; Gamma-Gamma: unused */
	double	 w;
};

struct group {
	int	 x;
	double	 w;	/* total weight of the group's rows */
	size_t	 lo, hi;
};

struct data {
	struct row *row;
	size_t	 nrow;
	struct group *grp;
	size_t	 ngrp;
	double	 w;	/* total weight */
	double	 s1;	/* Gamma-Gamma: sum w x (ln zbar + ln x) */
	double	 s2;	/* Gamma-Gamma: sum w ln zbar */
};

struct key {
	int	 x;
	double	 u, v, w;
};

static int
key_cmp(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->u != b->u)
		return a->u < b->u ? -1 : 1;
	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	if (a->w != b->w)
		return a->w < b->w ? -1 : 1;
	return 0;
}

static void
data_release(struct data *d)
{
	free(d->row);
	free(d->grp);
	memset(d, 0, sizeof(*d));
}

/* Sort k in place, merge identical (x, u, v) and group by x. */
static void
data_build(struct data *d, struct key *k, size_t n)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	qsort(k, n, sizeof(*k), key_cmp);
	d->row = xcalloc(n ? n : 1, sizeof(*d->row));
	d->grp = xcalloc(n ? n : 1, sizeof(*d->grp));
	for (i = 0; i < n; i++) {
		struct group *g = d->ngrp ? &d->grp[d->ngrp - 1] : NULL;
		struct row *r = d->nrow ? &d->row[d->nrow - 1] : NULL;

		if (g == NULL || g->x != k[i].x) {
			g = &d->grp[d->ngrp++];
			g->x = k[i].x;
			g->lo = d->nrow;
			r = NULL;
		}
		if (r == NULL || r->u != k[i].u || r->v != k[i].v) {
			r = &d->row[d->nrow++];
			r->u = k[i].u;
			r->v = k[i].v;
		}
		r->w += k[i].w;
		g->w += k[i].w;
		g->hi = d->nrow;
		d->w += k[i].w;
	}
	d->row = xrealloc(d->row, (d->nrow ? d->nrow : 1) * sizeof(*d->row));
	d->grp = xrealloc(d->grp, (d->ngrp ? d->ngrp : 1) * sizeof(*d->grp));
}

static int
bad_weight(double w)
{
	return !isfinite(w) || w < 0;
}

static int
bg_prepare(struct data *d, const struct clv_obs *o, size_t n)
{
	struct key *k;
	size_t i, m = 0;

	k = xcalloc(n ? n : 1, sizeof(*k));
	for (i = 0; i < n; i++) {
		if (o[i].x < 0 || bad_weight(o[i].w) || !isfinite(o[i].T) ||
		    o[i].T < 0 || (o[i].x > 0 && (!isfinite(o[i].tx) ||
		    o[i].tx < 0 || o[i].tx > o[i].T))) {
			free(k);
			return -1;
		}
		if (o[i].w == 0)
			continue;
		k[m].x = o[i].x;
		k[m].u = o[i].x > 0 ? o[i].tx : 0;
		k[m].v = o[i].T;
		k[m].w = o[i].w;
		m++;
	}
	data_build(d, k, m);
	free(k);
	return 0;
}

static int
gg_prepare(struct data *d, const struct clv_obs *o, size_t n)
{
	struct key *k;
	size_t i, j, m = 0;

	k = xcalloc(n ? n : 1, sizeof(*k));
	for (i = 0; i < n; i++) {
		if (o[i].x < 0 || bad_weight(o[i].w) || (o[i].x > 0 &&
		    (!isfinite(o[i].zbar) || o[i].zbar <= 0))) {
			free(k);
			return -1;
		}
		if (o[i].x == 0 || o[i].w == 0)
			continue;
		k[m].x = o[i].x;
		k[m].u = o[i].zbar;	/* sort on zbar, store x zbar below */
		k[m].w = o[i].w;
		m++;
	}
	data_build(d, k, m);
	free(k);
	for (i = 0; i < d->ngrp; i++) {
		double x = d->grp[i].x;

		for (j = d->grp[i].lo; j < d->grp[i].hi; j++) {
			struct row *r = &d->row[j];
			double lz = log(r->u);

			d->s1 += r->w * x * (lz + log(x));
			d->s2 += r->w * lz;
			r->u *= x;
		}
	}
	return 0;
}

/* BG/NBD log-likelihood sum and its gradient in (r, alpha, a, b). */
static double
bg_eval(const struct data *d, const double prm[4], double g[4])
{
	double r = prm[0], al = prm[1], a = prm[2], b = prm[3];
	double lal = log(al), la = log(a), lgr = lgam(r), lgb = lgam(b);
	double lgab = lgam(a + b), psr = digamma(r), psb = digamma(b);
	double psab = digamma(a + b), ll = 0, gr = 0, gal = 0, ga = 0, gb = 0;
	size_t i, j;

	for (i = 0; i < d->ngrp; i++) {
		const struct group *gp = &d->grp[i];
		double x = gp->x, rx = r + x, W = gp->w, psabx, l4, ib;

		psabx = digamma(a + b + x);
		ll += W * (lgam(rx) - lgr + r * lal + lgab + lgam(b + x) -
		    lgb - lgam(a + b + x));
		gr += W * (digamma(rx) - psr + lal);
		gal += W * r / al;
		ga += W * (psab - psabx);
		gb += W * (psab + digamma(b + x) - psb - psabx);
		if (gp->x == 0) {
			for (j = gp->lo; j < gp->hi; j++) {
				const struct row *rw = &d->row[j];
				double lT = log(al + rw->v);

				ll -= rw->w * r * lT;
				gr -= rw->w * lT;
				gal -= rw->w * r / (al + rw->v);
			}
			continue;
		}
		ib = 1 / (b + x - 1);
		l4 = la + log(ib);
		for (j = gp->lo; j < gp->hi; j++) {
			const struct row *rw = &d->row[j];
			double lT = log(al + rw->v), lt = log(al + rw->u);
			double A3 = -rx * lT, A4 = l4 - rx * lt, e, p3, p4, L;

			/* ln(e^A3 + e^A4) and the weight of each term */
			if (A3 >= A4) {
				e = exp(A4 - A3);
				L = A3 + log1p(e);
				p3 = 1 / (1 + e);
				p4 = e * p3;
			} else {
				e = exp(A3 - A4);
				L = A4 + log1p(e);
				p4 = 1 / (1 + e);
				p3 = e * p4;
			}
			ll += rw->w * L;
			gr -= rw->w * (p3 * lT + p4 * lt);
			gal -= rw->w * rx * (p3 / (al + rw->v) +
			    p4 / (al + rw->u));
			ga += rw->w * p4 / a;
			gb -= rw->w * p4 * ib;
		}
	}
	if (g != NULL) {
		g[0] = gr;
		g[1] = gal;
		g[2] = ga;
		g[3] = gb;
	}
	return ll;
}

/* Gamma-Gamma log-likelihood sum and its gradient in (p, q, gamma). */
static double
gg_eval(const struct data *d, const double prm[3], double g[3])
{
	double p = prm[0], q = prm[1], ga = prm[2], lg = log(ga);
	double ll, gp, gq, gg;
	size_t i, j;

	ll = d->w * (q * lg - lgam(q)) + p * d->s1 - d->s2;
	gp = d->s1;
	gq = d->w * (lg - digamma(q));
	gg = d->w * q / ga;
	for (i = 0; i < d->ngrp; i++) {
		const struct group *gr = &d->grp[i];
		double x = gr->x, px = p * x, c = px + q, psc = digamma(c);

		ll += gr->w * (lgam(c) - lgam(px));
		gp += gr->w * x * (psc - digamma(px));
		gq += gr->w * psc;
		for (j = gr->lo; j < gr->hi; j++) {
			const struct row *rw = &d->row[j];
			double l = log(ga + rw->u);

			ll -= rw->w * c * l;
			gp -= rw->w * x * l;
			gq -= rw->w * l;
			gg -= rw->w * c / (ga + rw->u);
		}
	}
	if (g != NULL) {
		g[0] = gp;
		g[1] = gq;
		g[2] = gg;
	}
	return ll;
}

/*
 * The optimiser's view: minimise the mean negative log-likelihood over
 * log-parameters, so that tolerances do not depend on the data size or
 * on the unit of time or money.
 */
struct problem {
	const struct data *d;
	int	 n;		/* parameters: 4 or 3 */
	double	(*eval)(const struct data *, const double *, double *);
	int	 nfev;
	int	 iter;
};

static double
objective(struct problem *pb, const double *th, double *g)
{
	double prm[4], gn[4], ll;
	int i;

	for (i = 0; i < pb->n; i++) {
		if (!(fabs(th[i]) <= OPT_BOUND))
			return NAN;
		prm[i] = exp(th[i]);
	}
	pb->nfev++;
	ll = pb->eval(pb->d, prm, gn);
	for (i = 0; i < pb->n; i++)
		g[i] = -gn[i] * prm[i] / pb->d->w;
	for (i = 0; i < pb->n; i++)
		if (!isfinite(g[i]))
			return NAN;
	return -ll / pb->d->w;
}

static double
maxabs(const double *v, int n)
{
	double m = 0;
	int i;

	for (i = 0; i < n; i++)
		if (fabs(v[i]) > m)
			m = fabs(v[i]);
	return m;
}

static void
identity(double *H, int n, double scale)
{
	int i;

	memset(H, 0, n * n * sizeof(*H));
	for (i = 0; i < n; i++)
		H[i * n + i] = scale;
}

/*
 * BFGS on the inverse Hessian with a backtracking Armijo line search,
 * from th (updated in place).  Returns 1 when converged: the gradient is
 * below OPT_GTOL, or the search stalls (rounding in f exceeds the
 * possible decrease) with the gradient below OPT_FLOOR.  2 when a
 * parameter runs off towards 0 or infinity (the data have no interior
 * maximum, e.g. nobody ever drops out), 0 when out of iterations or
 * evaluations, -1 when f is not finite at the start.
 */
static int
bfgs(struct problem *pb, double *th, double *fval)
{
	double H[16], g[4], g1[4], th1[4], d[4], s[4], y[4], Hy[4];
	double f0, f1, gd, step, sy, yHy, yy, dm;
	int n = pb->n, i, j, k, it, fresh = 1;

	f0 = objective(pb, th, g);
	if (!isfinite(f0))
		return -1;
	identity(H, n, 1);
	for (it = 0; it < OPT_MAXIT && pb->nfev < OPT_MAXFEV; it++) {
		if (maxabs(g, n) < OPT_GTOL)
			break;
		if (maxabs(th, n) > OPT_EDGE) {
			*fval = f0;
			return 2;
		}
		for (gd = 0, i = 0; i < n; i++) {
			for (d[i] = 0, j = 0; j < n; j++)
				d[i] -= H[i * n + j] * g[j];
			gd += g[i] * d[i];
		}
		if (!(gd < 0)) {
			identity(H, n, 1);
			fresh = 1;
			for (gd = 0, i = 0; i < n; i++) {
				d[i] = -g[i];
				gd -= g[i] * g[i];
			}
		}
		dm = maxabs(d, n);
		step = dm > OPT_MAXSTEP ? OPT_MAXSTEP / dm : 1;
		for (k = 0; k < 40; k++, step *= 0.5) {
			for (i = 0; i < n; i++)
				th1[i] = th[i] + step * d[i];
			f1 = objective(pb, th1, g1);
			if (isfinite(f1) && f1 <= f0 + 1e-4 * step * gd)
				break;
		}
		pb->iter++;
		if (k == 40) {
			if (fresh)
				break;
			identity(H, n, 1);
			fresh = 1;
			continue;
		}
		for (sy = yy = 0, i = 0; i < n; i++) {
			s[i] = th1[i] - th[i];
			y[i] = g1[i] - g[i];
			sy += s[i] * y[i];
			yy += y[i] * y[i];
		}
		if (sy > 1e-12 * sqrt(yy) * maxabs(s, n)) {
			if (fresh)
				identity(H, n, sy / yy);
			fresh = 0;
			for (yHy = 0, i = 0; i < n; i++) {
				for (Hy[i] = 0, j = 0; j < n; j++)
					Hy[i] += H[i * n + j] * y[j];
				yHy += y[i] * Hy[i];
			}
			for (i = 0; i < n; i++)
				for (j = 0; j < n; j++)
					H[i * n + j] += ((sy + yHy) * s[i] *
					    s[j] / sy - Hy[i] * s[j] -
					    s[i] * Hy[j]) / sy;
		}
		memcpy(th, th1, n * sizeof(*th));
		memcpy(g, g1, n * sizeof(*g));
		f0 = f1;
	}
	*fval = f0;
	if (maxabs(g, n) < OPT_GTOL)
		return 1;
	return it < OPT_MAXIT && pb->nfev < OPT_MAXFEV &&
	    maxabs(g, n) < OPT_FLOOR;
}

/*
 * Run BFGS from each start, restarting each from its own optimum (a
 * fresh Hessian) until f stops improving; keep the best.  Ties keep the
 * earlier start, so the choice is deterministic.
 */
static int
minimise(struct problem *pb, double starts[][4], int nstart, double *best,
    struct clv_fit *fit)
{
	double th[4], f, fprev, fbest = INFINITY;
	int s, k, rc, conv = 0, any = 0;

	for (s = 0; s < nstart; s++) {
		memcpy(th, starts[s], pb->n * sizeof(*th));
		fprev = INFINITY;
		rc = 0;
		for (k = 0; k < OPT_RESTARTS; k++) {
			if ((rc = bfgs(pb, th, &f)) == -1 || rc == 2)
				break;
			if (!(f < fprev - 1e-13 * fabs(f)))
				break;
			fprev = f;
		}
		if (rc == -1)
			continue;
		if (!any || f < fbest) {
			any = 1;
			fbest = f;
			conv = rc == 1;
			memcpy(best, th, pb->n * sizeof(*th));
		}
	}
	fit->iter = pb->iter;
	fit->nfev = pb->nfev;
	fit->converged = conv;
	return any ? 0 : -1;
}

int
clv_bgnbd_ll(const struct clv_bgnbd *p, const struct clv_obs *o, size_t n,
    double *ll, double grad[4])
{
	struct data d;
	double prm[4] = { p->r, p->alpha, p->a, p->b };
	int i;

	for (i = 0; i < 4; i++)
		if (!(prm[i] > 0) || !isfinite(prm[i]))
			return -1;
	if (bg_prepare(&d, o, n) == -1)
		return -1;
	*ll = bg_eval(&d, prm, grad);
	data_release(&d);
	return 0;
}

int
clv_bgnbd_fit(const struct clv_obs *o, size_t n, struct clv_bgnbd *p,
    struct clv_fit *fit)
{
	struct data d;
	struct problem pb;
	double starts[2][4], th[4], prm[4], sx = 0, sT = 0;
	size_t i, j;
	int rc;

	memset(fit, 0, sizeof(*fit));
	if (bg_prepare(&d, o, n) == -1)
		return -1;
	if (d.w <= 0) {
		data_release(&d);
		return -1;
	}
	/* Second start: the mean purchase rate r/alpha matched to the data. */
	for (i = 0; i < d.ngrp; i++)
		for (j = d.grp[i].lo; j < d.grp[i].hi; j++) {
			sx += d.row[j].w * d.grp[i].x;
			sT += d.row[j].w * d.row[j].v;
		}
	starts[0][0] = starts[0][1] = starts[0][2] = starts[0][3] = 0;
	starts[1][0] = 0;
	starts[1][1] = log(fmin(fmax((sT + 1e-9) / (sx + 1e-9), 1e-6), 1e6));
	starts[1][2] = log(0.5);
	starts[1][3] = log(2.0);
	pb = (struct problem){ &d, 4, bg_eval, 0, 0 };
	rc = minimise(&pb, starts, 2, th, fit);
	if (rc == 0) {
		for (i = 0; i < 4; i++)
			prm[i] = exp(th[i]);
		p->r = prm[0];
		p->alpha = prm[1];
		p->a = prm[2];
		p->b = prm[3];
		fit->ll = bg_eval(&d, prm, NULL);
		fit->nfev++;
	}
	fit->n = d.w;
	fit->rows = d.nrow;
	data_release(&d);
	return rc == 0 && fit->converged ? 0 : -1;
}

int
clv_gg_ll(const struct clv_gg *p, const struct clv_obs *o, size_t n,
    double *ll, double grad[3])
{
	struct data d;
	double prm[3] = { p->p, p->q, p->gamma };
	int i;

	for (i = 0; i < 3; i++)
		if (!(prm[i] > 0) || !isfinite(prm[i]))
			return -1;
	if (gg_prepare(&d, o, n) == -1)
		return -1;
	*ll = gg_eval(&d, prm, grad);
	data_release(&d);
	return 0;
}

int
clv_gg_fit(const struct clv_obs *o, size_t n, struct clv_gg *p,
    struct clv_fit *fit)
{
	struct data d;
	struct problem pb;
	double starts[2][4] = { { 0 } }, th[4], prm[3], sz = 0;
	size_t i, j;
	int rc;

	memset(fit, 0, sizeof(*fit));
	if (gg_prepare(&d, o, n) == -1)
		return -1;
	if (d.w <= 0) {
		data_release(&d);
		return -1;
	}
	/* Second start: gamma p / (q - 1) equal to the mean spend. */
	for (i = 0; i < d.ngrp; i++)
		for (j = d.grp[i].lo; j < d.grp[i].hi; j++)
			sz += d.row[j].w * d.row[j].u / d.grp[i].x;
	starts[1][0] = log(2.0);
	starts[1][1] = log(3.0);
	starts[1][2] = log(fmin(fmax(sz / d.w, 1e-6), 1e6));
	pb = (struct problem){ &d, 3, gg_eval, 0, 0 };
	rc = minimise(&pb, starts, 2, th, fit);
	if (rc == 0) {
		for (i = 0; i < 3; i++)
			prm[i] = exp(th[i]);
		p->p = prm[0];
		p->q = prm[1];
		p->gamma = prm[2];
		fit->ll = gg_eval(&d, prm, NULL);
		fit->nfev++;
	}
	fit->n = d.w;
	fit->rows = d.nrow;
	data_release(&d);
	return rc == 0 && fit->converged ? 0 : -1;
}
