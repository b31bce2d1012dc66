/*
 * fellegi_sunter.c - Fellegi-Sunter weights, u from random pairs, m and lambda
 * by EM, term-frequency adjustment, JSON form; see fellegi_sunter.h.
 *
 * EM works in log space: with eight fields a pattern's likelihood under
 * either class can be 1e-40, and the posterior is taken from the
 * difference of log-likelihoods so that it never divides 0 by 0.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "match/fellegi_sunter.h"

/* lambda is kept this far from 0 and 1 so that its logs stay finite. */
#define LAMBDA_EPS	1e-12

void
fs_model_init(struct fs_model *fm, size_t nfields)
{
	size_t k;

	memset(fm, 0, sizeof(*fm));
	fm->nfields = nfields;
	fm->field = xcalloc(nfields, sizeof(*fm->field));
	for (k = 0; k < nfields; k++)
		fm->field[k].tf_level = -1;
	fm->lambda = FS_LAMBDA;
	fm->floor = FS_FLOOR;
	fm->tf_floor = FS_TF_FLOOR;
}

void
fs_model_release(struct fs_model *fm)
{
	free(fm->field);
	fm->field = NULL;
	fm->nfields = 0;
}

static int
copy_name(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n >= FS_NAMELEN)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

int
fs_field_set(struct fs_model *fm, size_t k, const char *name, int nlevels,
    const char *const *level_names)
{
	struct fs_field *f;
	double sum = 0, g = 1;
	int l;

	if (k >= fm->nfields || nlevels < 1 || nlevels > FS_MAXLEVEL)
		return -1;
	f = &fm->field[k];
	memset(f, 0, sizeof(*f));
	f->tf_level = -1;
	if (copy_name(f->name, name) == -1)
		return -1;
	for (l = 0; l < nlevels; l++)
		if (copy_name(f->level_name[l], level_names[l]) == -1)
			return -1;
	f->nlevels = nlevels;
	for (l = 0; l < nlevels; l++, g /= 4)
		sum += g;
	for (l = 0, g = 1; l < nlevels; l++, g /= 4) {
		f->m[l] = g / sum;
		f->u[l] = 1.0 / nlevels;
	}
	fs_model_update(fm);
	return 0;
}

void
fs_model_update(struct fs_model *fm)
{
	struct fs_field *f;
	size_t k;
	int l;

	for (k = 0; k < fm->nfields; k++) {
		f = &fm->field[k];
		for (l = 0; l < f->nlevels; l++)
			f->weight[l] = log2(f->m[l] / f->u[l]);
	}
}

double
fs_weight(const struct fs_model *fm, const int8_t *levels)
{
	double w = 0;
	size_t k;

	for (k = 0; k < fm->nfields; k++)
		if (levels[k] >= 0)
			w += fm->field[k].weight[levels[k]];
	return w;
}

double
fs_tf_weight(const struct fs_model *fm, size_t k, int level, double tf)
{
	if (tf < fm->tf_floor)
		tf = fm->tf_floor;
	return log2(fm->field[k].m[level] / tf);
}

double
fs_weight_tf(const struct fs_model *fm, const int8_t *levels,
    const double *tf)
{
	const struct fs_field *f;
	double w = 0;
	size_t k;

	for (k = 0; k < fm->nfields; k++) {
		f = &fm->field[k];
		if (levels[k] < 0)
			continue;
		if (tf != NULL && levels[k] == f->tf_level && tf[k] > 0)
			w += fs_tf_weight(fm, k, levels[k], tf[k]);
		else
			w += f->weight[levels[k]];
	}
	return w;
}

double
fs_prior_weight(double lambda)
{
	return log2(lambda / (1 - lambda));
}

double
fs_prob(double w, double lambda)
{
	if (lambda <= 0)
		return 0;
	if (lambda >= 1)
		return 1;
	/* exp2 of a large argument is +inf and 1 / inf is 0: no NaN. */
	return 1 / (1 + exp2(-(w + fs_prior_weight(lambda))));
}

/* What qsort_r's comparator needs to find two rows. */
struct rows {
	const int8_t	*base;
	size_t		 width;		/* levels per row */
};

static int
row_cmp(const void *x, const void *y, void *arg)
{
	const struct rows *r = arg;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int c = memcmp(r->base + i * r->width, r->base + j * r->width,
	    r->width);

	/* Ties by index keep the sort deterministic across libcs. */
	if (c != 0)
		return c;
	return i < j ? -1 : i > j;
}

size_t
fs_collapse(int8_t *vec, uint64_t *count, size_t n, size_t nfields)
{
	struct rows rows = { vec, nfields };
	size_t *idx, i, r = 0;
	int8_t *out;
	uint64_t *cnt;

	if (n == 0 || nfields == 0)
		return n;
	idx = xmalloc(n * sizeof(*idx));
	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), row_cmp, &rows);
	out = xmalloc(n * nfields);
	cnt = xmalloc(n * sizeof(*cnt));
	for (i = 0; i < n; i++) {
		const int8_t *row = vec + idx[i] * nfields;

		if (r > 0 && memcmp(out + (r - 1) * nfields, row, nfields) == 0)
			cnt[r - 1] += count[idx[i]];
		else {
			memcpy(out + r * nfields, row, nfields);
			cnt[r++] = count[idx[i]];
		}
	}
	memcpy(vec, out, r * nfields);
	memcpy(count, cnt, r * sizeof(*cnt));
	free(out);
	free(cnt);
	free(idx);
	return r;
}

static int
check_vectors(const struct fs_model *fm, const int8_t *vec, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < fm->nfields; k++) {
			int8_t l = vec[i * fm->nfields + k];

			if (l < -1 || l >= fm->field[k].nlevels) {
				errno = EINVAL;
				return -1;
			}
		}
	return 0;
}

/*
 * Turn counts into probabilities with no level below floor.  Flooring
 * then renormalising can leave a floored level a hair under floor; that
 * is harmless, it only has to stay away from 0.
 */
static void
normalise(double *p, const double *cnt, int nlevels, double floor)
{
	double sum = 0;
	int l;

	for (l = 0; l < nlevels; l++)
		sum += cnt[l];
	for (l = 0; l < nlevels; l++) {
		p[l] = cnt[l] / sum;
		if (p[l] < floor)
			p[l] = floor;
	}
	for (sum = 0, l = 0; l < nlevels; l++)
		sum += p[l];
	for (l = 0; l < nlevels; l++)
		p[l] /= sum;
}

int
fs_estimate_u(struct fs_model *fm, const int8_t *vec, const uint64_t *count,
    size_t n)
{
	double (*cnt)[FS_MAXLEVEL], tot;
	size_t i, k;
	int l;

	if (check_vectors(fm, vec, n) == -1)
		return -1;
	cnt = xcalloc(fm->nfields, sizeof(*cnt));
	for (i = 0; i < n; i++)
		for (k = 0; k < fm->nfields; k++)
			if ((l = vec[i * fm->nfields + k]) >= 0)
				cnt[k][l] += count != NULL ? (double)count[i] : 1;
	for (k = 0; k < fm->nfields; k++) {
		for (tot = 0, l = 0; l < fm->field[k].nlevels; l++)
			tot += cnt[k][l];
		if (tot > 0)
			normalise(fm->field[k].u, cnt[k], fm->field[k].nlevels,
			    fm->floor);
	}
	free(cnt);
	fs_model_update(fm);
	return 0;
}

/* Largest change between old and new probabilities; new copied over. */
static double
move(double *old, const double *new, int n)
{
	double d = 0;
	int l;

	for (l = 0; l < n; l++) {
		if (fabs(new[l] - old[l]) > d)
			d = fabs(new[l] - old[l]);
		old[l] = new[l];
	}
	return d;
}

int
fs_em(struct fs_model *fm, const int8_t *vec, const uint64_t *count,
    size_t n, const struct fs_em_opts *opts, struct fs_em_stats *stats)
{
	size_t K = fm->nfields, i, k;
	double (*lm)[FS_MAXLEVEL], (*lu)[FS_MAXLEVEL];
	double (*sm)[FS_MAXLEVEL], (*su)[FS_MAXLEVEL];
	double tol = 1e-6, total, sr, ll, delta = 0, lam, p[FS_MAXLEVEL], tot;
	int max_iter = 100, fit_u = 0, iter, l;
	struct fs_em_stats st;

	if (opts != NULL) {
		if (opts->max_iter > 0)
			max_iter = opts->max_iter;
		if (opts->tol > 0)
			tol = opts->tol;
		fit_u = opts->fit_u;
	}
	if (check_vectors(fm, vec, n) == -1)
		return -1;
	for (total = 0, i = 0; i < n; i++)
		total += count != NULL ? (double)count[i] : 1;
	if (total <= 0) {
		errno = EINVAL;
		return -1;
	}
	lm = xcalloc(K, sizeof(*lm));
	lu = xcalloc(K, sizeof(*lu));
	sm = xcalloc(K, sizeof(*sm));
	su = xcalloc(K, sizeof(*su));
	memset(&st, 0, sizeof(st));
	lam = fm->lambda;
	if (lam < LAMBDA_EPS)
		lam = LAMBDA_EPS;
	if (lam > 1 - LAMBDA_EPS)
		lam = 1 - LAMBDA_EPS;

	for (iter = 1; iter <= max_iter; iter++) {
		/* E step: posterior of each pattern, summed per level. */
		for (k = 0; k < K; k++) {
			const struct fs_field *f = &fm->field[k];

			for (l = 0; l < f->nlevels; l++) {
				lm[k][l] = log(fmax(f->m[l], fm->floor));
				lu[k][l] = log(fmax(f->u[l], fm->floor));
				sm[k][l] = su[k][l] = 0;
			}
		}
		sr = ll = 0;
		for (i = 0; i < n; i++) {
			const int8_t *v = vec + i * K;
			double c = count != NULL ? (double)count[i] : 1;
			double a = log(lam), b = log(1 - lam), r, hi;

			if (c == 0)
				continue;
			for (k = 0; k < K; k++)
				if (v[k] >= 0) {
					a += lm[k][v[k]];
					b += lu[k][v[k]];
				}
			r = 1 / (1 + exp(b - a));
			hi = fmax(a, b);
			ll += c * (hi + log(exp(a - hi) + exp(b - hi)));
			sr += c * r;
			for (k = 0; k < K; k++)
				if (v[k] >= 0) {
					sm[k][v[k]] += c * r;
					su[k][v[k]] += c * (1 - r);
				}
		}

		/* M step. */
		st.loglik = ll;
		delta = fabs(sr / total - lam);
		lam = fmin(fmax(sr / total, LAMBDA_EPS), 1 - LAMBDA_EPS);
		for (k = 0; k < K; k++) {
			struct fs_field *f = &fm->field[k];
			double d;

			for (tot = 0, l = 0; l < f->nlevels; l++)
				tot += sm[k][l];
			if (tot > 0) {
				normalise(p, sm[k], f->nlevels, fm->floor);
				if ((d = move(f->m, p, f->nlevels)) > delta)
					delta = d;
			}
			if (!fit_u)
				continue;
			for (tot = 0, l = 0; l < f->nlevels; l++)
				tot += su[k][l];
			if (tot > 0) {
				normalise(p, su[k], f->nlevels, fm->floor);
				if ((d = move(f->u, p, f->nlevels)) > delta)
					delta = d;
			}
		}
		fm->lambda = lam;
		if (delta < tol) {
			st.converged = 1;
			break;
		}
	}
	st.iterations = iter > max_iter ? max_iter : iter;
	st.delta = delta;
	if (stats != NULL)
		*stats = st;
	free(lm);
	free(lu);
	free(sm);
	free(su);
	fs_model_update(fm);
	return 0;
}

/* Names are ours (config identifiers), but never emit broken JSON. */
static void
json_str(struct sbuf *sb, const char *s)
{
	sb_addc(sb, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			sb_addf(sb, "\\%c", c);
		else if (c < 0x20)
			sb_addf(sb, "\\u%04x", c);
		else
			sb_addc(sb, c);
	}
	sb_addc(sb, '"');
}

static void
json_num(struct sbuf *sb, const char *key, double v)
{
	sb_addf(sb, "\"%s\":", key);
	if (isfinite(v))
		sb_addf(sb, "%.17g", v);
	else
		sb_adds(sb, "null");
}

void
fs_model_to_json(const struct fs_model *fm, struct sbuf *out)
{
	const struct fs_field *f;
	size_t k;
	int l;

	sb_addc(out, '{');
	json_num(out, "lambda", fm->lambda);
	sb_addc(out, ',');
	json_num(out, "floor", fm->floor);
	sb_addc(out, ',');
	json_num(out, "tf_floor", fm->tf_floor);
	sb_adds(out, ",\"fields\":[");
	for (k = 0; k < fm->nfields; k++) {
		f = &fm->field[k];
		sb_adds(out, k ? ",{\"name\":" : "{\"name\":");
		json_str(out, f->name);
		sb_addf(out, ",\"tf_level\":%d,\"levels\":[", f->tf_level);
		for (l = 0; l < f->nlevels; l++) {
			sb_adds(out, l ? ",{\"name\":" : "{\"name\":");
			json_str(out, f->level_name[l]);
			sb_addc(out, ',');
			json_num(out, "m", f->m[l]);
			sb_addc(out, ',');
			json_num(out, "u", f->u[l]);
			sb_addc(out, ',');
			json_num(out, "weight", f->weight[l]);
			sb_addc(out, '}');
		}
		sb_adds(out, "]}");
	}
	sb_adds(out, "]}");
}

static yajl_val
get(yajl_val obj, const char *key, yajl_type type)
{
	const char *path[2] = { key, NULL };

	return yajl_tree_get(obj, path, type);
}

/* A number member in [lo, hi]; absent is -1 unless optional (then 1). */
static int
get_num(yajl_val obj, const char *key, double lo, double hi, double *v,
    int optional)
{
	yajl_val n = get(obj, key, yajl_t_number);

	if (n == NULL)
		return optional && get(obj, key, yajl_t_any) == NULL ? 1 : -1;
	if (!YAJL_IS_DOUBLE(n))
		return -1;
	*v = YAJL_GET_DOUBLE(n);
	return *v >= lo && *v <= hi ? 0 : -1;
}

static int
get_name(yajl_val obj, char *dst)
{
	yajl_val s = get(obj, "name", yajl_t_string);

	return s == NULL ? -1 : copy_name(dst, YAJL_GET_STRING(s));
}

static int
field_from_json(struct fs_field *f, yajl_val fo, const char **what)
{
	yajl_val levels, lo;
	double v;
	size_t l;

	*what = "field name";
	if (!YAJL_IS_OBJECT(fo) || get_name(fo, f->name) == -1)
		return -1;
	*what = "tf_level";
	f->tf_level = -1;
	switch (get_num(fo, "tf_level", -1, FS_MAXLEVEL - 1, &v, 1)) {
	case -1:
		return -1;
	case 0:
		if (v != floor(v))
			return -1;
		f->tf_level = (int)v;
		break;
	}
	*what = "levels";
	levels = get(fo, "levels", yajl_t_array);
	if (levels == NULL || YAJL_GET_ARRAY(levels)->len < 1 ||
	    YAJL_GET_ARRAY(levels)->len > FS_MAXLEVEL)
		return -1;
	f->nlevels = (int)YAJL_GET_ARRAY(levels)->len;
	if (f->tf_level >= f->nlevels)
		return -1;
	for (l = 0; l < YAJL_GET_ARRAY(levels)->len; l++) {
		lo = YAJL_GET_ARRAY(levels)->values[l];
		*what = "level name";
		if (!YAJL_IS_OBJECT(lo) || get_name(lo, f->level_name[l]) == -1)
			return -1;
		*what = "m";
		if (get_num(lo, "m", 0, 1, &f->m[l], 0) != 0 || f->m[l] <= 0)
			return -1;
		*what = "u";
		if (get_num(lo, "u", 0, 1, &f->u[l], 0) != 0 || f->u[l] <= 0)
			return -1;
	}
	return 0;
}

int
fs_model_from_json(struct fs_model *fm, const char *json, char *err,
    size_t errlen)
{
	yajl_val root, fields;
	const char *what = "lambda";
	double v;
	size_t k, nf;
	int r;

	memset(fm, 0, sizeof(*fm));
	if ((root = yajl_tree_parse(json, err, errlen)) == NULL)
		return -1;
	if (!YAJL_IS_OBJECT(root) ||
	    (fields = get(root, "fields", yajl_t_array)) == NULL) {
		snprintf(err, errlen, "not a model object with \"fields\"");
		yajl_tree_free(root);
		return -1;
	}
	nf = YAJL_GET_ARRAY(fields)->len;
	fs_model_init(fm, nf);
	if (get_num(root, "lambda", 0, 1, &fm->lambda, 0) != 0 ||
	    fm->lambda <= 0 || fm->lambda >= 1)
		goto bad;
	what = "floor";
	if ((r = get_num(root, "floor", 0, 0.5, &v, 1)) == -1 ||
	    (r == 0 && v <= 0))
		goto bad;
	if (r == 0)
		fm->floor = v;
	what = "tf_floor";
	if ((r = get_num(root, "tf_floor", 0, 1, &v, 1)) == -1 ||
	    (r == 0 && v <= 0))
		goto bad;
	if (r == 0)
		fm->tf_floor = v;
	for (k = 0; k < nf; k++)
		if (field_from_json(&fm->field[k],
		    YAJL_GET_ARRAY(fields)->values[k], &what) == -1) {
			snprintf(err, errlen, "field %zu: bad or missing %s",
			    k + 1, what);
			goto fail;
		}
	yajl_tree_free(root);
	fs_model_update(fm);
	return 0;
bad:
	snprintf(err, errlen, "bad or missing %s", what);
fail:
	yajl_tree_free(root);
	fs_model_release(fm);
	return -1;
}
