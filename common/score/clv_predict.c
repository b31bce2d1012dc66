/*
 * clv_predict.c - what fitted BG/NBD and Gamma-Gamma parameters say about
 * one customer: P(alive), the purchases expected in a future period, the
 * expected spend per purchase and the discounted CLV; see clv.h.  The
 * fitting (likelihoods and optimiser) is in clv_fit.c.
 *
 * The expected purchases need the Gaussian hypergeometric function 2F1,
 * which is here too since nothing else uses it.  Its argument in the
 * Pfaff form is -s/(alpha+T), unbounded below for long horizons, and its
 * parameters grow with x, so the evaluation picks among equivalent forms
 * by how many digits each loses, and gives NaN rather than a value it
 * cannot vouch for.
 */
#include <math.h>

#include "score/clv.h"

#define HYP_MAXTERMS	5000000L
#define HYP_NEAR_INT	1e-3	/* closer than this, 15.3.6 cancels */
#define HYP_MAXCOND	1e10	/* rounding amplification beyond which NaN */
#define A_NEAR_ONE	1e-3	/* E[Y] has a removable singularity at a == 1 */

static int
is_pole(double v)
{
	return v <= 0 && v == floor(v);
}

/*
 * log |Gamma(p1) Gamma(p2) / (Gamma(q1) Gamma(q2))| with its sign in
 * *sign; -INFINITY (the ratio is 0) when a q is a pole, NaN when a p is.
 */
static double
lgamma_ratio(double p1, double p2, double q1, double q2, int *sign)
{
	int s1, s2, s3, s4;
	double l;

	*sign = 1;
	if (is_pole(q1) || is_pole(q2))
		return -INFINITY;
	if (is_pole(p1) || is_pole(p2))
		return NAN;
	l = lgamma_r(p1, &s1) + lgamma_r(p2, &s2) - lgamma_r(q1, &s3) -
	    lgamma_r(q2, &s4);
	*sign = s1 * s2 * s3 * s4;
	return l;
}

/*
 * The power series of 2F1, with *cond = sum |term| / |sum|, the factor
 * by which rounding in the terms is amplified.  Once a + n, b + n and
 * c + n are all positive, the tail after a term is bounded by
 * term R / (1 - R) with R the larger of the current term ratio and its
 * limit z, whichever side the ratio approaches z from; before that a
 * factor near zero can still make the terms grow.
 */
static double
hyp_series(double a, double b, double c, double z, double *cond)
{
	double sum = 1, asum = 1, term = 1, ratio, bound, big = 1;
	double settle = -fmin(fmin(a, b), fmin(c, 0));
	long n;

	for (n = 0; n < HYP_MAXTERMS; n++) {
		ratio = (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
		term *= ratio;
		sum += term;
		asum += fabs(term);
		if (fabs(term) > big)
			big = fabs(term);
		bound = fmax(fabs(ratio), fabs(z));
		if (term == 0 || (n >= settle && bound < 1 &&
		    fabs(term) * bound <=
		    (1 - bound) * fmax(0x1p-54 * fabs(sum), 1e-30 * big))) {
			*cond = sum != 0 ? asum / fabs(sum) : INFINITY;
			return sum;
		}
	}
	*cond = INFINITY;
	return NAN;
}

/*
 * exp(lpre) 2F1(a, b; c; z) for 0 < z < 1, w = 1 - z (passed in because
 * the caller may know it more precisely), by whichever of three
 * equivalent forms rounds least: the 1 - z transformation (Abramowitz &
 * Stegun 15.3.6, two series in 1 - z; it cancels when c - a - b is near
 * an integer or a and b are large), the direct series, and Euler's
 * (1-z)^(c-a-b) 2F1(c-a, c-b; c; z) (whose terms keep one sign where the
 * direct series alternates).  A form whose rounding is amplified less
 * than GOOD times is taken at once.  Logarithmic prefactors keep large
 * powers from overflowing before the product is formed.
 */
static double
hyp_unit(double a, double b, double c, double z, double w, double lpre)
{
	const double GOOD = 1e3;
	double m = c - a - b, v[3], k[3], s1 = 0, s2 = 0;
	double k1 = 0, k2 = 0, l1, l2;
	int i, best, sg1, sg2;

	for (i = 0; i < 3; i++) {
		v[i] = NAN;
		k[i] = INFINITY;
	}
	if (z > 0.75 && fabs(m - round(m)) >= HYP_NEAR_INT) {
		l1 = lgamma_ratio(c, m, c - a, c - b, &sg1);
		l2 = lgamma_ratio(c, -m, a, b, &sg2);
		if (l1 != -INFINITY)
			s1 = sg1 * exp(lpre + l1) * hyp_series(a, b, 1 - m, w,
			    &k1);
		if (l2 != -INFINITY)
			s2 = sg2 * exp(lpre + l2 + m * log(w)) *
			    hyp_series(c - a, c - b, 1 + m, w, &k2);
		v[0] = s1 + s2;
		if (v[0] != 0)
			k[0] = (fabs(s1) * fmax(k1, 1) + fabs(s2) *
			    fmax(k2, 1)) / fabs(v[0]);
		if (k[0] < GOOD)
			return v[0];
	}
	v[1] = exp(lpre) * hyp_series(a, b, c, z, &k[1]);
	if (k[1] < GOOD)
		return v[1];
	v[2] = exp(lpre + m * log(w)) * hyp_series(c - a, c - b, c, z,
	    &k[2]);
	for (best = 0, i = 1; i < 3; i++)
		if (!(k[best] <= k[i]))
			best = i;
	/* over 10 of the 16 digits lost: refuse rather than guess */
	return k[best] <= HYP_MAXCOND ? v[best] : NAN;
}

double
clv_hyp2f1(double a, double b, double c, double z)
{
	double m, cond;
	int sign;

	if (isnan(a) || isnan(b) || isnan(c) || isnan(z) || z > 1 ||
	    is_pole(c))
		return NAN;
	if (z == 0)
		return 1;
	if (is_pole(a) || is_pole(b))
		return hyp_series(a, b, c, z, &cond);	/* a polynomial */
	m = c - a - b;
	if (z == 1) {
		if (!(m > 0))
			return NAN;
		m = lgamma_ratio(c, m, c - a, c - b, &sign);
		return sign * exp(m);
	}
	/* Pfaff: (1-z)^-a 2F1(a, c-b; c; z/(z-1)), the argument in (0, 1) */
	if (z < 0)
		return hyp_unit(a, c - b, c, -z / (1 - z), 1 / (1 - z),
		    -a * log1p(-z));
	return hyp_unit(a, b, c, z, 1 - z, 0);
}

static int
bg_params_ok(const struct clv_bgnbd *p)
{
	return p->r > 0 && p->alpha > 0 && p->a > 0 && p->b > 0 &&
	    isfinite(p->r) && isfinite(p->alpha) && isfinite(p->a) &&
	    isfinite(p->b);
}

static int
history_ok(int x, double tx, double T)
{
	return x >= 0 && isfinite(T) && T >= 0 && (x == 0 ||
	    (isfinite(tx) && tx >= 0 && tx <= T));
}

/*
 * E[Y(s) | alive at T, x]: (a+b+x-1)/(a-1) (1 - G) with
 * G = 2F1(r+x, a-1; a+b+x-1; -s/(alpha+T)), the Pfaff form of the
 * paper's ((alpha+T)/(alpha+T+s))^(r+x) 2F1(r+x, b+x; a+b+x-1; z): it
 * stays near 1 where the paper's 2F1 overflows (heavy buyers, long s).
 */
static double
cum_raw(double r, double al, double a, double b, int x, double T, double s)
{
	if (s == 0)
		return 0;
	return (a + b + x - 1) / (a - 1) * (1 - clv_hyp2f1(r + x, a - 1,
	    a + b + x - 1, -s / (al + T)));
}

/*
 * At a == 1 both factors vanish and, close to it, 1 - G loses digits in
 * proportion to 1/|a - 1|; there the smooth function of a is
 * interpolated (cubic, Lagrange) from nodes 1 and 3 A_NEAR_ONE away.
 */
static double
cum_alive(double r, double al, double a, double b, int x, double T,
    double s)
{
	static const double node[4] = { -3, -1, 1, 3 };
	double sum = 0, l, u = (a - 1) / A_NEAR_ONE;
	int i, j;

	if (fabs(u) >= 1)
		return cum_raw(r, al, a, b, x, T, s);
	for (i = 0; i < 4; i++) {
		for (l = 1, j = 0; j < 4; j++)
			if (j != i)
				l *= (u - node[j]) / (node[i] - node[j]);
		sum += l * cum_raw(r, al, 1 + node[i] * A_NEAR_ONE, b, x, T,
		    s);
	}
	return sum;
}

double
clv_bgnbd_palive(const struct clv_bgnbd *p, int x, double tx, double T)
{
	double lr;

	if (!bg_params_ok(p) || !history_ok(x, tx, T))
		return NAN;
	if (x == 0)
		return 1;
	/* the odds of "dead after the last purchase" against "alive" */
	lr = log(p->a / (p->b + x - 1)) + (p->r + x) *
	    log1p((T - tx) / (p->alpha + tx));
	return 1 / (1 + exp(lr));
}

double
clv_bgnbd_expected(const struct clv_bgnbd *p, int x, double tx, double T,
    double t, double h)
{
	double pa;

	if (!bg_params_ok(p) || !history_ok(x, tx, T) || !(t >= 0) ||
	    !(h >= 0) || !isfinite(t + h))
		return NAN;
	if (h == 0)
		return 0;
	pa = clv_bgnbd_palive(p, x, tx, T);
	return pa * (cum_alive(p->r, p->alpha, p->a, p->b, x, T, t + h) -
	    cum_alive(p->r, p->alpha, p->a, p->b, x, T, t));
}

double
clv_bgnbd_expected_new(const struct clv_bgnbd *p, double t)
{
	return clv_bgnbd_expected(p, 0, 0, 0, 0, t);
}

double
clv_gg_expected_spend(const struct clv_gg *p, int x, double zbar)
{
	double den;

	if (!(p->p > 0) || !(p->q > 0) || !(p->gamma > 0) || x < 0 ||
	    (x > 0 && !(zbar >= 0)))
		return NAN;
	if (x == 0)
		zbar = 0;
	den = p->p * x + p->q - 1;
	if (!(den > 0))
		return NAN;
	return (p->gamma + zbar * x) * p->p / den;
}

int
clv_value(const struct clv_bgnbd *bg, const struct clv_gg *gg,
    const struct clv_obs *o, double horizon, double step, double rate,
    double *clv)
{
	double spend, pa, prev = 0, cur, tk, sum = 0, nsteps;
	long k, K;

	if (!bg_params_ok(bg) || !history_ok(o->x, o->tx, o->T) ||
	    !(step > 0) || !(horizon >= 0) || !(rate > -1) ||
	    !isfinite(rate))
		return -1;
	nsteps = ceil(horizon / step);
	if (!(nsteps <= 1e7))
		return -1;
	spend = clv_gg_expected_spend(gg, o->x, o->zbar);
	pa = clv_bgnbd_palive(bg, o->x, o->tx, o->T);
	if (!isfinite(spend) || !isfinite(pa))
		return -1;
	K = (long)nsteps;
	for (k = 1; k <= K; k++) {
		tk = fmin(k * step, horizon);
		cur = cum_alive(bg->r, bg->alpha, bg->a, bg->b, o->x, o->T, tk);
		sum += spend * pa * (cur - prev) / pow(1 + rate, tk / step);
		prev = cur;
	}
	if (!isfinite(sum))
		return -1;
	*clv = sum;
	return 0;
}
