/*
 * clv.h - customer-lifetime-value models: BG/NBD for the number of
 * purchases and P(alive), Gamma-Gamma for the spend per purchase, and
 * the discounted CLV that combines them.
 *
 * A customer is summarised by x, the number of repeat purchase occasions
 * (purchases after the first; several on one day count once), t_x, the
 * time from the first to the last purchase, and T, the time from the
 * first purchase to the end of the observation period.  Any time unit
 * will do (cdp uses weeks) as long as every argument uses the same one;
 * alpha is then in that unit, and gamma in the money unit of zbar.
 *
 * References: Fader, Hardie & Lee (2005), "Counting your customers the
 * easy way: an alternative to the Pareto/NBD model", Marketing Science
 * 24(2); Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves
 * for customer base analysis", JMR 42(4) (the Gamma-Gamma submodel, after
 * Colombo & Jiang 1999).  The formulas are those of the papers and of
 * the Python package lifetimes, whose results these functions reproduce.
 *
 * Everything here is deterministic: no global state, no randomness, and
 * the fits sort a private copy of their input, so the same multiset of
 * customers gives a byte-identical result whatever its order.
 */
#ifndef CDP_CLV_H
#define CDP_CLV_H

#include <stddef.h>

/* One customer, or w identical customers. */
struct clv_obs {
	int	 x;	/* repeat purchase occasions, >= 0 */
	double	 tx;	/* first to last purchase, 0 <= tx <= T; ignored if x == 0 */
	double	 T;	/* first purchase to end of observation, >= 0 */
	double	 zbar;	/* mean value of the repeat purchases; Gamma-Gamma only */
	double	 w;	/* customers sharing this row: 1 for one; 0 = ignored */
};

/* BG/NBD parameters: purchase rate ~ Gamma(r, alpha), dropout ~ Beta(a, b). */
struct clv_bgnbd {
	double	 r;
	double	 alpha;	/* in the time unit of the data */
	double	 a;
	double	 b;
};

/* Gamma-Gamma parameters: spend ~ Gamma(p, nu), nu ~ Gamma(q, gamma). */
struct clv_gg {
	double	 p;
	double	 q;
	double	 gamma;	/* in the money unit of zbar */
};

/* What a fit did, whether or not it converged. */
struct clv_fit {
	double	 ll;		/* log-likelihood at the estimate, weighted sum */
	double	 n;		/* total weight of the customers used */
	size_t	 rows;		/* distinct rows after collapsing identical ones */
	int	 iter;		/* optimiser iterations, over all starts */
	int	 nfev;		/* likelihood evaluations */
	int	 converged;	/* gradient below tolerance at the estimate */
};

/*
 * The Gaussian hypergeometric function 2F1(a, b; c; z) for real z < 1
 * (and z == 1 when c - a - b > 0, by Gauss's formula).  Negative z is
 * first mapped into (0, 1) by a Pfaff transformation; there the value is
 * taken from whichever of three equivalent forms loses the fewest digits
 * to cancellation: the 1 - z transformation (Abramowitz & Stegun 15.3.6,
 * for z > 0.75 unless c - a - b is within 1e-3 of an integer, where it
 * degenerates), the power series, and Euler's transformation of it.  A
 * terminating series (a or b a non-positive integer) is summed for any
 * z.  Against mpmath on 5,000 random cases (|a|, |b| <= 500,
 * -1e6 < z < 1 - 1e-5) the relative error stays below 1e-8.  Returns
 * NaN when c is a non-positive integer, z > 1, a series needs more than
 * 5e6 terms (c - a - b near an integer and z within about 1e-5 of 1), or
 * every form loses more than 10 digits (large a and b with a result
 * tiny by cancellation): no value rather than a wrong one.
 */
double	 clv_hyp2f1(double a, double b, double c, double z);

/*
 * BG/NBD log-likelihood of n customers (rows with w == 0 skipped), the
 * closed form of Fader, Hardie & Lee with the sum of the two terms taken
 * by log-sum-exp.  When grad is not NULL it receives the derivatives with
 * respect to r, alpha, a and b.  0, or -1 when a parameter is not
 * positive or a row is invalid (negative x, tx or T, tx > T when x > 0,
 * negative or non-finite w).
 */
int	 clv_bgnbd_ll(const struct clv_bgnbd *, const struct clv_obs *,
	    size_t n, double *ll, double grad[4]);

/*
 * Maximum-likelihood BG/NBD fit.  Rows with identical (x, tx, T) are
 * collapsed into one weighted row first, so a million customers with
 * day-resolution times cost what their distinct histories cost; a caller
 * that already has counts may pass them in w.  The optimiser is BFGS
 * with an analytic gradient over log-parameters, from two starting
 * points, each restarted from its optimum until it no longer moves.
 * Returns 0 with the estimate in *p and the details in *fit; -1 on
 * invalid input (see clv_bgnbd_ll, or no row with w > 0) or when the
 * optimiser did not converge, in which case *p and *fit still describe
 * the best point found (fit->converged is 0).  Data without an interior
 * maximum fail this way, e.g. when nobody seems to have dropped out the
 * estimate runs off towards a -> 0; the work is capped at about 1,000
 * likelihood evaluations (a normal fit takes about 50).
 */
int	 clv_bgnbd_fit(const struct clv_obs *, size_t n, struct clv_bgnbd *p,
	    struct clv_fit *fit);

/*
 * Expected number of purchases in (T + t, T + t + h] of a customer with
 * history (x, tx, T), that is E[Y(t + h)] - E[Y(t)] in the paper's
 * notation (its equation 10 gives t = 0).  Uses clv_hyp2f1 in the Pfaff
 * form 2F1(r+x, a-1; a+b+x-1; -s/(alpha+T)), which stays bounded for
 * heavy buyers and long horizons.  NaN on invalid arguments.
 */
double	 clv_bgnbd_expected(const struct clv_bgnbd *, int x, double tx,
	    double T, double t, double h);

/* Expected purchases in (0, t] of a customer just acquired, E[X(t)]. */
double	 clv_bgnbd_expected_new(const struct clv_bgnbd *, double t);

/* Probability that a customer with history (x, tx, T) is still alive. */
double	 clv_bgnbd_palive(const struct clv_bgnbd *, int x, double tx,
	    double T);

/*
 * Gamma-Gamma log-likelihood of the customers with x > 0 and w > 0,
 * using x and zbar (density of zbar including its Jacobian terms, as in
 * lifetimes); rows with x == 0 are skipped.  grad, when not NULL,
 * receives the derivatives with respect to p, q and gamma.  0, or -1
 * when a parameter is not positive or a used row has zbar <= 0, a
 * non-finite value or a negative weight.
 */
int	 clv_gg_ll(const struct clv_gg *, const struct clv_obs *, size_t n,
	    double *ll, double grad[3]);

/*
 * Maximum-likelihood Gamma-Gamma fit on the rows with x > 0, in the
 * manner of clv_bgnbd_fit (identical (x, zbar) collapsed, BFGS over
 * log-parameters).  0, or -1 on invalid input or no convergence.
 */
int	 clv_gg_fit(const struct clv_obs *, size_t n, struct clv_gg *p,
	    struct clv_fit *fit);

/*
 * Expected mean spend per purchase given x purchases of mean zbar:
 * (gamma + zbar x) p / (p x + q - 1).  With x == 0 it is the population
 * mean gamma p / (q - 1).  NaN when p x + q <= 1 (infinite mean).
 */
double	 clv_gg_expected_spend(const struct clv_gg *, int x, double zbar);

/*
 * Discounted customer lifetime value over (T, T + horizon]:
 *
 *	CLV = sum over k = 1..K of  E[M | x, zbar] * D_k / (1 + rate)^(t_k / step)
 *
 * where t_k = min(k step, horizon), K = ceil(horizon / step), and D_k =
 * clv_bgnbd_expected(bg, x, tx, T, t_{k-1}, t_k - t_{k-1}) the purchases
 * expected in the k-th period; rate is the discount rate per step.
 * E[M | x, zbar] is clv_gg_expected_spend (the population mean when
 * x == 0).  The cost is one 2F1 per step: callers with many customers
 * should evaluate each distinct (x, tx, T, zbar) once.
 * With a horizon that is a whole number of steps this is exactly what
 * lifetimes' customer_lifetime_value computes (its steps are months of
 * 30 days or 4.345 weeks; here the caller chooses).  Returns 0 with the
 * value in *clv, or -1 on invalid arguments (step <= 0, horizon < 0,
 * rate <= -1, an infinite mean spend, a bad history).
 */
int	 clv_value(const struct clv_bgnbd *, const struct clv_gg *,
	    const struct clv_obs *, double horizon, double step, double rate,
	    double *clv);

#endif
