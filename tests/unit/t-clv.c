/*
 * t-clv.c - unit tests for common/score/clv_fit.c and score/clv_predict.c: 2F1
 * against closed forms, the CDNOW reproduction of the published BG/NBD and
 * Gamma-Gamma estimates, predictions against values computed independently,
 * determinism, and the error paths.
 *
 * The hard-coded predictions were computed with mpmath at 30 digits by
 * two methods that agree to 1e-27: the paper's closed form with mpmath's
 * own hyp2f1, and direct numerical integration (P(alive) by integrating
 * the two likelihood terms over the prior; E[Y(t)] as P(alive) times the
 * integral over p ~ Beta(a, b+x) of (1 - ((alpha+T)/(alpha+T+pt))^(r+x))/p).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "score/clv.h"
#include "tap.h"

#define CDNOW	"cdnow/cdnow_sample_summary.csv"

/* Published estimates, Fader, Hardie & Lee (2005). */
static const struct clv_bgnbd pub = { 0.243, 4.414, 0.793, 2.426 };
static const struct clv_gg gpub = { 6.25, 3.74, 15.44 };

/* d ll / d(r, alpha, a, b) and d ll / d(p, q, gamma) there (mpmath diff) */
static const double bg_grad[4] = { -6.4333999867467608,
    0.16566117586279414, 0.045864655160800563, -0.014506387422013407 };
static const double gg_grad[3] = { -0.40866698612099664,
    0.80245501526605285, -0.15900473277195488 };

static int
rel(double got, double want, double tol, const char *desc)
{
	return is_num(got, want, fabs(want) * tol, desc);
}

/*
 * Open the summary vendored in data/ (data/README.md), from the top of
 * the checkout: $CDP_TOP when set (scripts/run-tests sets it), else the
 * working directory, which run-tests makes the top as well.
 */
static FILE *
open_cdnow(void)
{
	const char *top = getenv("CDP_TOP");
	char path[4096];

	snprintf(path, sizeof(path), "%s/data/%s", top ? top : ".", CDNOW);
	return fopen(path, "r");
}

/* ID,x,t_x,T,zbar per line, CRLF; the header fails sscanf and is skipped. */
static struct clv_obs *
load_cdnow(size_t *n)
{
	struct clv_obs *o = NULL;
	char line[256];
	double tx, T, z;
	int id, x;
	FILE *f;

	*n = 0;
	if ((f = open_cdnow()) == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%d,%d,%lf,%lf,%lf", &id, &x, &tx, &T,
		    &z) != 5)
			continue;
		o = xrealloc(o, (*n + 1) * sizeof(*o));
		o[(*n)++] = (struct clv_obs){ x, tx, T, z, 1 };
	}
	fclose(f);
	return o;
}

static void
test_hyp2f1(void)
{
	is_num(clv_hyp2f1(1, 1, 2, 0.5), 2 * log(2), 1e-14,
	    "2F1(1,1;2;1/2) = 2 ln 2");
	is_num(clv_hyp2f1(0.3, 1.7, 2.9, 0), 1, 0, "2F1(a,b;c;0) = 1");
	is_num(clv_hyp2f1(1, 1, 2, -1), log(2), 1e-14,
	    "2F1(1,1;2;-1) = ln 2 (Pfaff)");
	is_num(clv_hyp2f1(0.5, 0.5, 1.5, 0.25), M_PI / 3, 1e-14,
	    "2F1(1/2,1/2;3/2;1/4) = asin(1/2)/(1/2)");
	rel(clv_hyp2f1(1, 1, 2, 0.99), -log(0.01) / 0.99, 1e-12,
	    "2F1(1,1;2;0.99), c-a-b = 0: series near 1");
	rel(clv_hyp2f1(1, 1, 2, 1 - 1e-4), -log(1e-4) / (1 - 1e-4), 1e-11,
	    "2F1(1,1;2;1-1e-4)");
	is_num(clv_hyp2f1(-3, 2, 1.5, 0.7), -0.0752, 1e-14,
	    "terminating series 2F1(-3,2;1.5;0.7)");
	rel(clv_hyp2f1(0.5, 0.5, 2, 1), 4 / M_PI, 1e-14,
	    "Gauss at z = 1: 2F1(1/2,1/2;2;1) = 4/pi");
	rel(clv_hyp2f1(0.3, 1.7, 2.9, 0.9), 1.3216626785767169163, 1e-12,
	    "1 - z transformation, 2F1(0.3,1.7;2.9;0.9)");
	rel(clv_hyp2f1(0.5, 1, 1.5, -1e6), atan(1000.0) / 1000, 1e-12,
	    "2F1(1/2,1;3/2;-x^2) = atan(x)/x at x = 1000");
	rel(clv_hyp2f1(2.5, 1.3, 1.3, 0.9), pow(0.1, -2.5), 1e-12,
	    "2F1(a,b;b;z) = (1-z)^-a, Gamma(c-b) a pole");
	rel(clv_hyp2f1(2.5, 1.3, 1.3, -3), pow(4, -2.5), 1e-12,
	    "2F1(a,b;b;-3) = 4^-a");
	rel(clv_hyp2f1(2.243, -0.207, 3.219, -39 / (4.414 + 38.86)),
	    1.1046525208087535374, 1e-12, "the BG/NBD form, customer 1");
	rel(clv_hyp2f1(20.243, 22.426, 22.219, 0.95),
	    3.9626644178399850346e+26, 1e-10, "large parameters near 1");
	ok(isnan(clv_hyp2f1(1, 1, -2, 0.5)), "c a non-positive integer: NaN");
	ok(isnan(clv_hyp2f1(1, 1, 2, 1.5)), "z > 1: NaN");
	ok(isnan(clv_hyp2f1(1, 1, 2, 1)), "z = 1 with c-a-b <= 0: NaN");
}

static void
test_bgnbd_cdnow(const struct clv_obs *o, size_t n)
{
	struct clv_obs *rev, *col;
	struct clv_bgnbd p, p2;
	struct clv_fit fit, fit2;
	double ll, g[4], t0;
	size_t i, m;
	int j, rc;

	is_num(n, 2357, 0, "CDNOW: 2,357 customers");
	ok(clv_bgnbd_ll(&pub, o, n, &ll, NULL) == 0, "BG/NBD ll");
	rel(ll, -9582.4268311823647, 1e-12, "ll at the published estimate");

	/* the analytic gradient against mpmath's numerical derivative */
	clv_bgnbd_ll(&pub, o, n, &ll, g);
	for (j = 0; j < 4; j++)
		rel(g[j], bg_grad[j], 1e-9, "BG/NBD gradient");

	t0 = mono_now();
	rc = clv_bgnbd_fit(o, n, &p, &fit);
	printf("# BG/NBD fit %.4f s: r %.6f alpha %.6f a %.6f b %.6f "
	    "ll %.4f, %d iterations, %d evaluations, %zu rows\n",
	    mono_now() - t0, p.r, p.alpha, p.a, p.b, fit.ll, fit.iter,
	    fit.nfev, fit.rows);
	ok(rc == 0 && fit.converged, "BG/NBD fit converges");
	rel(p.r, 0.243, 0.005, "r within 0.5 % of 0.243");
	rel(p.alpha, 4.414, 0.005, "alpha within 0.5 % of 4.414");
	rel(p.a, 0.793, 0.005, "a within 0.5 % of 0.793");
	rel(p.b, 2.426, 0.005, "b within 0.5 % of 2.426");
	rel(fit.ll, -9582.4, 0.005, "ll within 0.5 % of -9582.4");
	ok(fit.ll >= ll, "the fit is at least as likely as the paper's");
	is_num(fit.n, 2357, 0, "every customer counted");
	ok(fit.iter > 0 && fit.nfev > fit.iter / 2, "iterations counted");
	clv_bgnbd_ll(&p, o, n, &ll, g);
	is_num(ll, fit.ll, 0, "fit->ll is the likelihood at the estimate");
	ok(fabs(g[0] * p.r) + fabs(g[1] * p.alpha) + fabs(g[2] * p.a) +
	    fabs(g[3] * p.b) < 1e-3, "gradient vanishes at the estimate");

	/* reversed order and pre-collapsed input give the same bytes */
	rev = xcalloc(n, sizeof(*rev));
	for (i = 0; i < n; i++)
		rev[i] = o[n - 1 - i];
	clv_bgnbd_fit(rev, n, &p2, &fit2);
	ok(memcmp(&p, &p2, sizeof(p)) == 0 && fit.ll == fit2.ll,
	    "fit independent of input order, byte for byte");
	col = xcalloc(n, sizeof(*col));
	for (i = m = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < m; k++)
			if (col[k].x == o[i].x && col[k].tx == o[i].tx &&
			    col[k].T == o[i].T)
				break;
		if (k == m)
			col[m++] = (struct clv_obs){ o[i].x, o[i].tx,
			    o[i].T, 0, 0 };
		col[k].w++;
	}
	is_num(m, fit.rows, 0, "distinct histories are collapsed");
	clv_bgnbd_fit(col, m, &p2, &fit2);
	ok(memcmp(&p, &p2, sizeof(p)) == 0 && fit.ll == fit2.ll,
	    "weighted rows give the same fit as repeated ones");
	free(col);
	free(rev);
}

static void
test_gg_cdnow(const struct clv_obs *o, size_t n)
{
	struct clv_gg p;
	struct clv_fit fit;
	double ll, g[3];
	int j, rc;

	ok(clv_gg_ll(&gpub, o, n, &ll, g) == 0, "Gamma-Gamma ll");
	rel(ll, -4055.924712730166, 1e-12, "gg ll at the published estimate");
	for (j = 0; j < 3; j++)
		rel(g[j], gg_grad[j], 1e-9, "Gamma-Gamma gradient");
	rc = clv_gg_fit(o, n, &p, &fit);
	printf("# Gamma-Gamma fit: p %.6f q %.6f gamma %.6f ll %.4f, "
	    "%d iterations, %zu rows\n", p.p, p.q, p.gamma, fit.ll,
	    fit.iter, fit.rows);
	ok(rc == 0 && fit.converged, "Gamma-Gamma fit converges");
	is_num(fit.n, 946, 0, "only the 946 customers with x > 0");
	rel(p.p, 6.25, 0.005, "p within 0.5 % of 6.25");
	rel(p.q, 3.74, 0.005, "q within 0.5 % of 3.74");
	rel(p.gamma, 15.44, 0.005, "gamma within 0.5 % of 15.44");
}

static void
test_predictions(void)
{
	struct clv_bgnbd one = pub;
	struct clv_gg gbad = gpub;
	struct clv_obs c1 = { 2, 30.43, 38.86, 22.35, 1 };
	struct clv_obs c0 = { 0, 0, 38.86, 0, 1 };
	double v, e;

	/* the paper's example customer: 1.226 in the next 39 weeks */
	rel(clv_bgnbd_expected(&pub, 2, 30.43, 38.86, 0, 39),
	    1.2260281747671444, 1e-6, "E[Y(39) | 2, 30.43, 38.86]");
	rel(clv_bgnbd_expected(&pub, 0, 0, 38.86, 0, 39),
	    0.19509805201126264, 1e-6, "E[Y(39) | 0, 0, 38.86]");
	rel(clv_bgnbd_expected(&pub, 1, 1.71, 38.86, 0, 52),
	    0.25982346486862243, 1e-6, "E[Y(52) | 1, 1.71, 38.86]");
	rel(clv_bgnbd_expected(&pub, 7, 29.43, 35.14, 0, 26),
	    3.095000692177364, 1e-6, "E[Y(26) | 7, 29.43, 35.14]");
	rel(clv_bgnbd_expected(&pub, 20, 38, 38.86, 0, 39),
	    13.425648328778804, 1e-6, "E[Y(39) | 20, 38, 38.86]");
	rel(clv_bgnbd_expected(&pub, 3, 5, 38.86, 0, 104),
	    0.196624881685344, 1e-6, "E[Y(104) | 3, 5, 38.86]");
	rel(clv_bgnbd_expected(&pub, 2, 30.43, 38.86, 0, 5000),
	    19.441629834623582, 1e-6, "E[Y(5000)]: 1 - z transformation");
	rel(clv_bgnbd_expected(&pub, 5, 12, 30, 0, 0.5),
	    0.01085813949277692, 1e-6, "E[Y(0.5) | 5, 12, 30]");
	rel(clv_bgnbd_expected(&pub, 2, 30.43, 38.86, 13, 26),
	    0.76881838822042981, 1e-6, "purchases in (T+13, T+39]");
	e = clv_bgnbd_expected(&pub, 2, 30.43, 38.86, 0, 13) +
	    clv_bgnbd_expected(&pub, 2, 30.43, 38.86, 13, 26);
	rel(e, 1.2260281747671444, 1e-12, "windows add up");
	is_num(clv_bgnbd_expected(&pub, 2, 30.43, 38.86, 10, 0), 0, 0,
	    "empty window");

	/* a new customer; 1.473 is not E[X(39)], which is 1.197 */
	rel(clv_bgnbd_expected_new(&pub, 39), 1.1967231933208168, 1e-6,
	    "new customer E[X(39)]");
	rel(clv_bgnbd_expected_new(&pub, 52), 1.4460505953964037, 1e-6,
	    "new customer E[X(52)]");
	rel(clv_bgnbd_expected_new(&pub, 78), 1.8605190579427685, 1e-6,
	    "new customer E[X(78)]");
	rel(clv_bgnbd_expected_new(&pub, 1), 0.05326789117165828, 1e-6,
	    "new customer E[X(1)]");

	rel(clv_bgnbd_palive(&pub, 2, 30.43, 38.86), 0.72657857008067291,
	    1e-6, "P(alive | 2, 30.43, 38.86)");
	rel(clv_bgnbd_palive(&pub, 1, 1.71, 38.86), 0.21210098537737908,
	    1e-6, "P(alive | 1, 1.71, 38.86)");
	rel(clv_bgnbd_palive(&pub, 7, 29.43, 35.14), 0.7745237708357157,
	    1e-6, "P(alive | 7, 29.43, 35.14)");
	rel(clv_bgnbd_palive(&pub, 20, 38, 38.86), 0.9473593281025885,
	    1e-6, "P(alive | 20, 38, 38.86)");
	rel(clv_bgnbd_palive(&pub, 3, 5, 38.86), 0.038151389689822896,
	    1e-6, "P(alive | 3, 5, 38.86)");
	is_num(clv_bgnbd_palive(&pub, 0, 0, 38.86), 1, 0,
	    "P(alive) = 1 without repeat purchases");

	/* a == 1, where the closed form is 0/0 */
	one.a = 1;
	rel(clv_bgnbd_expected(&one, 2, 30.43, 38.86, 0, 39),
	    1.1021367860399558, 1e-6, "E[Y(39)] at a = 1");
	rel(clv_bgnbd_expected_new(&one, 52), 1.2899882524840688, 1e-6,
	    "new customer E[X(52)] at a = 1");

	rel(clv_gg_expected_spend(&gpub, 2, 22.35), 24.663713910761155, 1e-6,
	    "E[M | x = 2, zbar = 22.35]");
	rel(clv_gg_expected_spend(&gpub, 7, 41.5), 41.129812862981286, 1e-6,
	    "E[M | x = 7, zbar = 41.5]");
	rel(clv_gg_expected_spend(&gpub, 0, 99), 35.218978102189781, 1e-6,
	    "E[M] of a customer without repeat purchases: the mean");

	ok(clv_value(&pub, &gpub, &c1, 12 * 4.345, 4.345, 0.01, &v) == 0,
	    "CLV, lifetimes' 12 monthly steps");
	rel(v, 36.289211125599216, 1e-6, "CLV of customer 1, 1 % a month");
	clv_value(&pub, &gpub, &c1, 10, 4, 0.05, &v);
	rel(v, 8.1136359633685624, 1e-6, "CLV with a partial last period");
	clv_value(&pub, &gpub, &c0, 52, 1, 0.002, &v);
	rel(v, 8.4436961550459138, 1e-6, "CLV of x = 0, weekly steps");
	clv_value(&pub, &gpub, &c1, 39, 13, 0, &v);
	rel(v, 1.2260281747671444 * 24.663713910761155, 1e-12,
	    "undiscounted CLV = E[Y] E[M]");
	gbad.q = 0.9;
	ok(clv_value(&pub, &gbad, &c0, 52, 1, 0.01, &v) == -1,
	    "CLV with an infinite mean spend fails");
	ok(clv_value(&pub, &gpub, &c1, 52, 0, 0.01, &v) == -1,
	    "CLV with a zero step fails");
}

/* xorshift64, so the synthetic sample is the same everywhere */
static uint64_t rng = 88172645463325252ULL;

static double
unif(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((rng >> 11) + 0.5) * 0x1p-53;
}

/* Marsaglia & Tsang; shape < 1 through the u^(1/k) boost */
static double
rgamma(double k)
{
	double d, c, x, v;

	if (k < 1)
		return rgamma(k + 1) * pow(unif(), 1 / k);
	d = k - 1.0 / 3;
	c = 1 / sqrt(9 * d);
	for (;;) {
		x = sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
		if ((v = 1 + c * x) <= 0)
			continue;
		v = v * v * v;
		if (log(unif()) < 0.5 * x * x + d - d * v + d * log(v))
			return d * v;
	}
}

/* Simulate the BG/NBD story itself and recover its parameters. */
static void
test_recovery(void)
{
	const struct clv_bgnbd truth = { 0.5, 8, 0.6, 3 };
	const size_t n = 50000;
	struct clv_obs *o = xcalloc(n, sizeof(*o));
	struct clv_bgnbd p;
	struct clv_fit fit;
	size_t i;

	for (i = 0; i < n; i++) {
		double lam = rgamma(truth.r) / truth.alpha, ga, pd, t = 0;
		double T = 26 + 26 * unif();

		ga = rgamma(truth.a);
		pd = ga / (ga + rgamma(truth.b));
		o[i] = (struct clv_obs){ 0, 0, T, 0, 1 };
		for (;;) {
			t -= log(unif()) / lam;
			if (t > T)
				break;
			o[i].x++;
			o[i].tx = t;
			if (unif() < pd)
				break;
		}
	}
	ok(clv_bgnbd_fit(o, n, &p, &fit) == 0, "synthetic fit");
	printf("# recovered r %.4f alpha %.4f a %.4f b %.4f\n", p.r, p.alpha,
	    p.a, p.b);
	rel(p.r, truth.r, 0.05, "r recovered within 5 %");
	rel(p.alpha, truth.alpha, 0.05, "alpha recovered within 5 %");
	rel(p.a, truth.a, 0.15, "a recovered within 15 %");
	rel(p.b, truth.b, 0.15, "b recovered within 15 %");
	free(o);
}

static void
test_errors(void)
{
	struct clv_obs bad = { 2, 40, 38.86, 10, 1 };
	struct clv_obs neg = { 1, 1, 2, 10, -1 };
	struct clv_obs zero = { 1, 1, 2, 10, 0 };
	struct clv_obs nozbar = { 1, 1, 2, 0, 1 };
	struct clv_bgnbd p, badp = { 0.243, 4.414, 0.793, -1 };
	struct clv_gg g;
	struct clv_fit fit;
	double ll;

	ok(clv_bgnbd_fit(&bad, 0, &p, &fit) == -1, "no customers: -1");
	ok(clv_bgnbd_fit(&zero, 1, &p, &fit) == -1, "zero weight only: -1");
	ok(clv_bgnbd_fit(&bad, 1, &p, &fit) == -1, "t_x > T: -1");
	ok(clv_bgnbd_ll(&pub, &neg, 1, &ll, NULL) == -1, "negative weight");
	ok(clv_bgnbd_ll(&badp, &zero, 1, &ll, NULL) == -1, "b < 0: -1");
	ok(clv_gg_fit(&nozbar, 1, &g, &fit) == -1, "zbar = 0 with x > 0: -1");
	ok(isnan(clv_bgnbd_palive(&pub, -1, 0, 1)), "x < 0: NaN");
	ok(isnan(clv_bgnbd_expected(&pub, 1, 1, 2, -1, 1)), "t < 0: NaN");
	g = gpub;
	g.q = 1;
	ok(isnan(clv_gg_expected_spend(&g, 0, 0)), "E[M] infinite: NaN");
}

int
main(void)
{
	struct clv_obs *o;
	size_t n;

	test_hyp2f1();
	if ((o = load_cdnow(&n)) != NULL) {
		test_bgnbd_cdnow(o, n);
		test_gg_cdnow(o, n);
		free(o);
	} else
		ok(0, "CDNOW: data/" CDNOW " readable");
	test_predictions();
	test_recovery();
	test_errors();
	return done_testing();
}
