/*
 * t-fs.c - unit tests for common/match/fellegi_sunter.c: posterior and weights
 * by hand, u from random pairs and m/lambda by EM recovering the parameters
 * that generated synthetic comparison vectors, floors, the term-frequency
 * adjustment, pattern collapsing, and the JSON form.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "match/fellegi_sunter.h"
#include "tap.h"

#define NF	5		/* fields in the synthetic model */
#define NPAIRS	200000		/* candidate pairs, and random pairs */
#define LAMBDA	0.05

/* The truth the synthetic pairs are drawn from. */
static const struct {
	const char	*name;
	int		 nlevels;
	double		 m[4], u[4];
	double		 null_rate;
} truth[NF] = {
	{ "first_name", 4, { 0.85, 0.08, 0.04, 0.03 },
	    { 0.01, 0.01, 0.05, 0.93 }, 0.02 },
	{ "birth_date", 4, { 0.90, 0.05, 0.02, 0.03 },
	    { 0.002, 0.003, 0.02, 0.975 }, 0.10 },
	{ "postcode", 3, { 0.80, 0.12, 0.08 }, { 0.02, 0.08, 0.90 }, 0.05 },
	{ "phone", 3, { 0.70, 0.10, 0.20 }, { 0.001, 0.004, 0.995 }, 0.30 },
	{ "email", 2, { 0.60, 0.40 }, { 0.0005, 0.9995 }, 0.50 },
};

static const char *const lnames[] = { "l0", "l1", "l2", "l3" };

static uint64_t rng_state = 20240917;

/* splitmix64: small, fixed-seed, good enough for sampling. */
static uint64_t
splitmix64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
uniform(void)
{
	return (double)(splitmix64() >> 11) * 0x1.0p-53;
}

static int8_t
draw(const double *p, int n)
{
	double x = uniform(), c = 0;
	int l;

	for (l = 0; l < n - 1; l++)
		if (x < (c += p[l]))
			return (int8_t)l;
	return (int8_t)(n - 1);
}

/* n vectors; a share lambda of them drawn from m, the rest from u. */
static void
generate(int8_t *vec, size_t n, double lambda)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		int match = uniform() < lambda;

		for (k = 0; k < NF; k++) {
			if (uniform() < truth[k].null_rate)
				vec[i * NF + k] = -1;
			else
				vec[i * NF + k] = draw(match ? truth[k].m :
				    truth[k].u, truth[k].nlevels);
		}
	}
}

static void
model_for_truth(struct fs_model *fm)
{
	size_t k;

	fs_model_init(fm, NF);
	for (k = 0; k < NF; k++)
		fs_field_set(fm, k, truth[k].name, truth[k].nlevels, lnames);
}

static void
test_em(void)
{
	struct fs_model fm, raw;
	struct fs_em_stats st;
	struct fs_em_opts opts = { 0, 0, 0 };
	int8_t *rnd, *cand, *pat;
	uint64_t *cnt, sum;
	size_t k, i, npat;
	double worst_m = 0, worst_u = 0, worst_diff = 0;
	int l, order = 1, sign = 1;
	char d[80];

	rnd = xmalloc((size_t)NPAIRS * NF);
	cand = xmalloc((size_t)NPAIRS * NF);
	generate(rnd, NPAIRS, 0);
	generate(cand, NPAIRS, LAMBDA);

	model_for_truth(&fm);
	is_num(fs_estimate_u(&fm, rnd, NULL, NPAIRS), 0, 0,
	    "u estimated from random pairs");
	for (k = 0; k < NF; k++)
		for (l = 0; l < truth[k].nlevels; l++)
			worst_u = fmax(worst_u,
			    fabs(fm.field[k].u[l] - truth[k].u[l]));
	ok(worst_u < 0.005, "every u within 0.005 of the truth");

	/* EM on distinct patterns with counts. */
	pat = xmalloc((size_t)NPAIRS * NF);
	cnt = xmalloc(NPAIRS * sizeof(*cnt));
	memcpy(pat, cand, (size_t)NPAIRS * NF);
	for (i = 0; i < NPAIRS; i++)
		cnt[i] = 1;
	npat = fs_collapse(pat, cnt, NPAIRS, NF);
	for (sum = 0, i = 0; i < npat; i++)
		sum += cnt[i];
	ok(npat > 50 && npat <= 5 * 5 * 4 * 4 * 3, "collapsed to "
	    "at most 1200 distinct patterns");
	is_num((double)sum, NPAIRS, 0, "collapsed counts add up to the pairs");
	for (i = 1; i < npat; i++)
		if (memcmp(pat + (i - 1) * NF, pat + i * NF, NF) >= 0)
			break;
	is_num((double)i, (double)npat, 0, "patterns sorted and distinct");

	is_num(fs_em(&fm, pat, cnt, npat, &opts, &st), 0, 0, "EM runs");
	ok(st.converged && st.iterations > 1 && st.iterations < 100,
	    "EM converged in fewer than 100 iterations");
	is_num(fm.lambda, LAMBDA, 0.01, "lambda within 0.01 of 0.05");
	for (k = 0; k < NF; k++)
		for (l = 0; l < truth[k].nlevels; l++) {
			snprintf(d, sizeof(d), "m of %s level %d within 0.02",
			    truth[k].name, l);
			is_num(fm.field[k].m[l], truth[k].m[l], 0.02, d);
			worst_m = fmax(worst_m,
			    fabs(fm.field[k].m[l] - truth[k].m[l]));
		}
	ok(worst_m < 0.02, "worst m error below 0.02");

	/* The truth orders each field's levels by m/u: weights follow. */
	for (k = 0; k < NF; k++) {
		const struct fs_field *f = &fm.field[k];

		sign &= f->weight[0] > 0 && f->weight[f->nlevels - 1] < 0;
		for (l = 1; l < f->nlevels; l++)
			order &= f->weight[l] < f->weight[l - 1];
	}
	ok(sign, "exact levels weigh for, else levels against");
	ok(order, "weights decrease with the level");
	is_num(fm.field[3].weight[0],
	    log2(fm.field[3].m[0] / fm.field[3].u[0]), 1e-12,
	    "weight = log2(m / u)");

	/* The same EM on the raw vectors gives the same model. */
	model_for_truth(&raw);
	fs_estimate_u(&raw, rnd, NULL, NPAIRS);
	fs_em(&raw, cand, NULL, NPAIRS, NULL, NULL);
	for (k = 0; k < NF; k++)
		for (l = 0; l < truth[k].nlevels; l++)
			worst_diff = fmax(worst_diff,
			    fabs(raw.field[k].m[l] - fm.field[k].m[l]));
	worst_diff = fmax(worst_diff, fabs(raw.lambda - fm.lambda));
	ok(worst_diff < 1e-9, "raw vectors and collapsed patterns agree");
	fs_model_release(&raw);

	/* Classic EM (u fitted too) also finds the truth on clean data. */
	model_for_truth(&raw);
	fs_estimate_u(&raw, rnd, NULL, NPAIRS);
	opts.fit_u = 1;
	fs_em(&raw, pat, cnt, npat, &opts, &st);
	is_num(raw.lambda, LAMBDA, 0.01, "fit_u: lambda within 0.01");
	is_num(raw.field[0].m[0], truth[0].m[0], 0.02,
	    "fit_u: first_name exact m within 0.02");
	fs_model_release(&raw);

	/* A cap on iterations is honoured and reported. */
	model_for_truth(&raw);
	fs_estimate_u(&raw, rnd, NULL, NPAIRS);
	opts.fit_u = 0;
	opts.max_iter = 2;
	fs_em(&raw, pat, cnt, npat, &opts, &st);
	ok(st.iterations == 2 && !st.converged && st.delta > 0,
	    "max_iter 2: two iterations, not converged");
	fs_model_release(&raw);

	free(pat);
	free(cnt);
	free(rnd);
	free(cand);
	fs_model_release(&fm);
}

static void
set_probs(struct fs_model *fm, size_t k, const double *m, const double *u)
{
	int l;

	for (l = 0; l < fm->field[k].nlevels; l++) {
		fm->field[k].m[l] = m[l];
		fm->field[k].u[l] = u[l];
	}
}

static void
test_posterior(void)
{
	static const double m0[] = { 0.9, 0.1 }, u0[] = { 0.1, 0.9 };
	static const double m1[] = { 0.8, 0.2 }, u1[] = { 0.2, 0.8 };
	struct fs_model fm;
	int8_t v[2];

	fs_model_init(&fm, 2);
	fs_field_set(&fm, 0, "a", 2, lnames);
	fs_field_set(&fm, 1, "b", 2, lnames);
	set_probs(&fm, 0, m0, u0);
	set_probs(&fm, 1, m1, u1);
	fs_model_update(&fm);
	fm.lambda = 0.1;

	/* Bayes factor 9 * 0.25 = 2.25; 0.1*2.25 / (0.225 + 0.9) = 0.2. */
	v[0] = 0, v[1] = 1;
	is_num(fs_weight(&fm, v), log2(2.25), 1e-12, "weight (0,1) = log2 2.25");
	is_num(fs_prob(fs_weight(&fm, v), fm.lambda), 0.2, 1e-12,
	    "posterior (0,1) = 0.2");
	/* Bayes factor 36: 3.6 / 4.5 = 0.8. */
	v[1] = 0;
	is_num(fs_prob(fs_weight(&fm, v), fm.lambda), 0.8, 1e-12,
	    "posterior (0,0) = 0.8");
	/* A missing field counts 0: factor 4, 0.4 / 1.3. */
	v[0] = -1;
	is_num(fs_weight(&fm, v), 2, 1e-12, "weight (null,0) = 2");
	is_num(fs_prob(fs_weight(&fm, v), fm.lambda), 0.4 / 1.3, 1e-12,
	    "posterior (null,0) = 4/13");
	v[1] = -1;
	is_num(fs_prob(fs_weight(&fm, v), fm.lambda), 0.1, 1e-12,
	    "all missing: posterior is the prior");
	is_num(fs_prior_weight(0.2), -2, 1e-12, "prior weight of 0.2 = -2");
	is_num(fs_prob(2000, 0.01), 1, 0, "huge weight: 1, not NaN");
	is_num(fs_prob(-2000, 0.01), 0, 0, "huge negative weight: 0");
	is_num(fs_prob(3, 0), 0, 0, "lambda 0: probability 0");

	/*
	 * Term frequencies on field a (m exact 0.9, u exact 0.1, weight
	 * log2 9).  "martin" with tf 0.05: log2(0.9 / 0.05) = log2 18;
	 * "zoltan" with tf 1e-4: log2 9000; tf under the floor uses it.
	 */
	fm.tf_floor = 1e-4;
	fm.field[0].tf_level = 0;
	is_num(fs_tf_weight(&fm, 0, 0, 0.05), log2(18), 1e-12,
	    "tf weight of a common name: log2 18");
	is_num(fs_tf_weight(&fm, 0, 0, 1e-4), log2(9000), 1e-9,
	    "tf weight of a rare name: log2 9000");
	is_num(fs_tf_weight(&fm, 0, 0, 1e-7), log2(9000), 1e-9,
	    "tf below the floor is floored");
	{
		double tf[2] = { 0.05, 0.3 };

		v[0] = 0, v[1] = 0;
		is_num(fs_weight_tf(&fm, v, tf), log2(18) + 2, 1e-12,
		    "tf applies to field a only (b has no tf level)");
		v[0] = 1;
		is_num(fs_weight_tf(&fm, v, tf), log2(1.0 / 9) + 2, 1e-12,
		    "tf ignored when the level is not the tf level");
		v[0] = 0;
		tf[0] = 0;
		is_num(fs_weight_tf(&fm, v, tf), log2(9) + 2, 1e-12,
		    "tf 0 means no frequency: plain weight");
		is_num(fs_weight_tf(&fm, v, NULL), fs_weight(&fm, v), 0,
		    "tf NULL is fs_weight");
	}
	fs_model_release(&fm);
}

static void
test_floors(void)
{
	struct fs_model fm;
	int8_t rnd[] = { 1, 2, 1, 2, 2, 2, 1, 2 };	/* level 0 never */
	int8_t cand[] = { 0, 2 };	/* level 1 never */
	uint64_t ccnt[] = { 30, 70 };
	int8_t bad[] = { 3 };

	fs_model_init(&fm, 1);
	fs_field_set(&fm, 0, "f", 3, lnames);
	is_num(fs_estimate_u(&fm, rnd, NULL, 8), 0, 0, "u on 8 pairs");
	ok(fm.field[0].u[0] > 0 && fm.field[0].u[0] <= 1.01 * FS_FLOOR,
	    "unseen level's u is the floor, not 0");
	is_num(fm.field[0].u[2], 5.0 / 8, 1e-5, "u of level 2 = 5/8");
	ok(isfinite(fm.field[0].weight[0]), "its weight is finite");

	/* Pattern {0} 30 times, {2} 70 times. */
	is_num(fs_em(&fm, cand, ccnt, 2, NULL, NULL), 0, 0, "EM on 2 patterns");
	ok(fm.field[0].m[1] > 0 && fm.field[0].m[1] <= 1.01 * FS_FLOOR,
	    "level never seen among candidates: m is the floor, not 0");
	ok(isfinite(fm.field[0].weight[1]), "and its weight is finite");

	errno = 0;
	ok(fs_estimate_u(&fm, bad, NULL, 1) == -1 && errno == EINVAL,
	    "level 3 of a 3-level field: EINVAL");
	ok(fs_em(&fm, bad, NULL, 1, NULL, NULL) == -1, "EM refuses it too");
	ok(fs_em(&fm, cand, NULL, 0, NULL, NULL) == -1, "EM on no pairs: -1");
	ok(fs_field_set(&fm, 1, "x", 2, lnames) == -1,
	    "field index out of range");
	ok(fs_field_set(&fm, 0, "x", FS_MAXLEVEL + 1, lnames) == -1,
	    "too many levels");
	fs_model_release(&fm);
}

static void
test_json(void)
{
	static const double m[] = { 0.75, 0.25 }, u[] = { 0.125, 0.875 };
	static const char *const ln[] = { "exact", "else" };
	struct fs_model fm, back;
	struct sbuf a, b;
	char err[128];
	int8_t *vec;
	size_t i;

	fs_model_init(&fm, 1);
	fs_field_set(&fm, 0, "first_name", 2, ln);
	set_probs(&fm, 0, m, u);
	fm.field[0].tf_level = 0;
	fm.lambda = 0.125;
	fm.floor = 0.0009765625;
	fm.tf_floor = 0.5;
	fs_model_update(&fm);
	sb_init(&a);
	sb_init(&b);
	fs_model_to_json(&fm, &a);
	is_str(a.buf, "{\"lambda\":0.125,\"floor\":0.0009765625,"
	    "\"tf_floor\":0.5,\"fields\":[{\"name\":\"first_name\","
	    "\"tf_level\":0,\"levels\":[{\"name\":\"exact\",\"m\":0.75,"
	    "\"u\":0.125,\"weight\":2.5849625007211561},{\"name\":\"else\","
	    "\"m\":0.25,\"u\":0.875,\"weight\":-1.8073549220576042}]}]}",
	    "model as JSON");
	is_num(fs_model_from_json(&back, a.buf, err, sizeof(err)), 0, 0,
	    "read back");
	fs_model_to_json(&back, &b);
	is_str(b.buf, a.buf, "round trip is exact");
	is_num(back.field[0].weight[0], log2(6), 1e-12,
	    "weights recomputed on read");
	fs_model_release(&back);
	fs_model_release(&fm);

	/* A trained model, with awkward doubles, round-trips bit for bit. */
	model_for_truth(&fm);
	vec = xmalloc(20000 * NF);
	generate(vec, 20000, 0);
	fs_estimate_u(&fm, vec, NULL, 20000);
	generate(vec, 20000, LAMBDA);
	fs_em(&fm, vec, NULL, 20000, NULL, NULL);
	free(vec);
	sb_reset(&a);
	sb_reset(&b);
	fs_model_to_json(&fm, &a);
	is_num(fs_model_from_json(&back, a.buf, err, sizeof(err)), 0, 0,
	    "read back a trained model");
	fs_model_to_json(&back, &b);
	is_str(b.buf, a.buf, "trained model round trip is exact");
	for (i = 0; i < NF; i++)
		if (back.field[i].nlevels != truth[i].nlevels)
			break;
	is_num((double)i, NF, 0, "every field keeps its level count");
	fs_model_release(&back);
	fs_model_release(&fm);

	ok(fs_model_from_json(&back, "{\"lambda\":", err, sizeof(err)) == -1 &&
	    err[0] != '\0', "truncated JSON rejected with a message");
	fs_model_release(&back);
	is_num(fs_model_from_json(&back, "{\"fields\":[]}", err, sizeof(err)),
	    -1, 0, "missing lambda rejected");
	is_str(err, "bad or missing lambda", "message names lambda");
	is_num(fs_model_from_json(&back, "{\"lambda\":0.1,\"fields\":[{\"name\":"
	    "\"a\",\"levels\":[{\"name\":\"x\",\"m\":0,\"u\":0.5}]}]}", err,
	    sizeof(err)), -1, 0, "m = 0 rejected");
	is_str(err, "field 1: bad or missing m", "message names field and m");
	is_num(fs_model_from_json(&back, "{\"lambda\":0.1,\"fields\":[{\"name\":"
	    "\"a\",\"levels\":[{\"name\":\"x\",\"m\":1,\"u\":1}]}]}", err,
	    sizeof(err)), 0, 0, "tf_level, floor and tf_floor are optional");
	ok(back.field[0].tf_level == -1 && back.floor == FS_FLOOR &&
	    back.tf_floor == FS_TF_FLOOR, "optional members take defaults");
	fs_model_release(&back);
	sb_release(&a);
	sb_release(&b);
}

int
main(void)
{
	test_posterior();
	test_floors();
	test_em();
	test_json();
	return done_testing();
}
