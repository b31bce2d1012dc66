/*
 * t-mscore.c - unit tests for common/match/pair_score.c, match/training.c,
 * match/pair_writer.c and match/record_set.c: comparison vectors (crossed
 * names, full_name only when a part is missing, aliases, implied and needs),
 * term-frequency weights, the training of the model on synthetic records with a
 * known truth (u near the true agreement rates, lambda near the true share of
 * matching pairs), the pair line, and the radix sort.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "match/blocking.h"
#include "match/deterministic.h"
#include "match/match_config.h"
#include "match/pair_score.h"
#include "match/pair_writer.h"
#include "match/record_set.h"
#include "match/training.h"
#include "tap.h"

#define S(s)	(s), strlen(s)

static struct mcfg c;
static struct mset ms;

static void
setv(size_t r, const char *slot, const char *v)
{
	if (v != NULL)
		mset_set(&ms, r, mcfg_slot_find(&c, slot), S(v));
}

static uint32_t
rec(const char *f, const char *l, const char *full, const char *pc,
    const char *city, const char *street)
{
	size_t r = mset_add(&ms, 0, "x", 1, (int64_t)ms.n);

	setv(r, "first_name", f);
	setv(r, "last_name", l);
	setv(r, "full_name", full);
	setv(r, "postal_code", pc);
	setv(r, "city", city);
	setv(r, "street", street);
	ms.flag[r] |= MSET_FS;
	return (uint32_t)r;
}

static int
cmpk(const char *slot)
{
	return mcfg_cmp_find(&c, mcfg_slot_find(&c, slot));
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Synthetic people: names from lists with a skew, some written twice. */
static void
synth(size_t npeople, size_t *nmatch)
{
	static const char *F[] = { "jean", "marie", "pierre", "sophie",
	    "luc", "anne", "paul", "claire", "michel", "julie", "louis",
	    "emma", "hugo", "lea", "nathan", "chloe" };
	static const char *L[] = { "martin", "bernard", "dubois", "thomas",
	    "robert", "richard", "petit", "durand", "leroy", "moreau",
	    "simon", "laurent", "lefebvre", "michel", "garcia", "david",
	    "bertrand", "roux", "vincent", "fournier", "morel", "girard" };
	uint64_t st = 99;
	char d[16], pc[8], f2[32];
	size_t i, r;
	int k;

	*nmatch = 0;
	for (i = 0; i < npeople; i++) {
		const char *f = F[mtr_rand(&st) % 16];
		const char *l = L[mtr_rand(&st) % 22];

		snprintf(d, sizeof(d), "19%02d-%02d-%02d",
		    (int)(30 + mtr_rand(&st) % 70),
		    (int)(1 + mtr_rand(&st) % 12),
		    (int)(1 + mtr_rand(&st) % 28));
		snprintf(pc, sizeof(pc), "%05d", (int)(mtr_rand(&st) % 300));
		for (k = 0; k < (i % 4 == 0 ? 2 : 1); k++) {
			r = mset_add(&ms, 0, "x", 1, (int64_t)ms.n);
			snprintf(f2, sizeof(f2), "%s", f);
			if (k == 1 && i % 12 == 0)	/* a typo */
				f2[strlen(f2) - 1] = 'x';
			setv(r, "first_name", f2);
			setv(r, "last_name", l);
			/* A birth date missing at random, 1 record in 20. */
			if (mtr_rand(&st) % 20 != 0)
				setv(r, "birth_date", d);
			setv(r, "postal_code", pc);
			ms.flag[r] |= MSET_FS;
		}
		*nmatch += i % 4 == 0;
	}
}

int
main(void)
{
	struct msc s;
	struct blk bk;
	struct mtr_stats st;
	struct sbuf why, out;
	struct jw w;
	struct mpair_key ka, kb;
	struct mpair_ev ev;
	int8_t lev[16];
	uint32_t va[16], vb[16], a, b;
	uint64_t *x, *y, seed = 7;
	size_t i, nmatch, fp, tp;
	double w1, w2, wt;
	char num[64];
	int kf, kl, kfull, kpc, kcity, ok1;

	sb_init(&why);
	if (mcfg_load(&c, NULL, &why) == -1)
		return 1;
	mset_init(&ms, c.nslot);
	mdet_aliases(&c, &ms);
	kf = cmpk("first_name");
	kl = cmpk("last_name");
	kfull = cmpk("full_name");
	kpc = cmpk("postal_code");
	kcity = cmpk("city");

	a = rec("jean", "martin", "jean martin", "75002", "paris",
	    "12 avenue foch");
	b = rec("martin", "jean", "martin jean", "75002", "paris",
	    "12 avenue foch");
	msc_init(&s, &c, &ms);
	ok(msc_vector(&s, a, b, lev, va, vb) == 1, "names compared crossed");
	ok(lev[kf] == 0 && lev[kl] == 0, "both exact when crossed");
	ok(vb[kf] == mset_get(&ms, b, MCFG_S_LAST), "b's last name vs a's first");
	ok(lev[kfull] == -1, "full_name not compared when both parts exist");
	ok(lev[kpc] == 0 && lev[kcity] == -1, "city implied by postal_code");
	b = rec(NULL, NULL, "jean martin", "75002", "paris",
	    "3 impasse des lilas");
	msc_vector(&s, a, b, lev, va, vb);
	ok(lev[kfull] == 0 && lev[kf] == -1, "full_name when a part is missing");
	ok(lev[kpc] == c.cmp[kpc].f.nlevels - 1,
	    "postal code agreement void on another street (needs)");
	ok(lev[kcity] == c.cmp[kcity].f.nlevels - 1, "so is the city's");
	b = rec("mimi", "martin", NULL, NULL, NULL, NULL);
	a = rec("michel", "martin", NULL, NULL, NULL, NULL);
	msc_vector(&s, a, b, lev, va, vb);
	ok(lev[kf] == 0, "an alias compares exact");
	b = rec("michelle", "martin", NULL, NULL, NULL, NULL);
	msc_vector(&s, a, b, lev, va, vb);
	ok(lev[kf] == 1, "michel/michelle: Jaro-Winkler 0.92 level");

	/* Term frequency: the larger of a name's two frequencies. */
	for (i = 0; i < 20; i++)
		rec("paul", "martin", NULL, NULL, NULL, NULL);
	a = rec("martin", "zora", NULL, NULL, NULL, NULL);
	b = rec("martin", "zora", NULL, NULL, NULL, NULL);
	msc_count_tf(&s);
	msc_vector(&s, a, b, lev, va, vb);
	w1 = msc_weight(&s, lev, va, NULL);
	ok(lev[kf] == 0 && lev[kl] == 0, "same names straight");
	wt = log2(s.fm.field[kf].m[0] / (s.tfcount[kl][va[kf]] /
	    s.tfden[kl])) + log2(s.fm.field[kl].m[0] / (2 / s.tfden[kl]));
	is_num(w1, wt, 1e-9, "martin weighs as the common surname it is");
	msc_release(&s);

	/* Training on synthetic people. */
	mset_release(&ms);
	mset_init(&ms, c.nslot);
	synth(3000, &nmatch);
	msc_init(&s, &c, &ms);
	msc_count_tf(&s);
	blk_init(&bk, &c, &ms);
	ok(mtr_train(&s, &bk, &st) == 0, "the model trains");
	is_num(s.fm.field[kf].u[0], 1.0 / 16, 0.01,
	    "u(first name exact) near 1/16 (16 names, uniform)");
	is_num(s.fm.field[kf].m[0], 2.0 / 3, 0.08,
	    "m(first name exact) near 2/3 (a typo in every third pair)");
	ok(st.matches > nmatch / 2.0 && st.matches < nmatch * 2.0,
	    "matching pairs estimated within a factor 2");
	is_num(st.lambda, st.matches / (ms.n * (ms.n - 1) / 2.0), 1e-12,
	    "lambda is matches over record pairs");
	/* Written twice: adjacent records; the model says so. */
	for (tp = fp = 0, i = 0; i + 1 < ms.n; i++) {
		msc_vector(&s, (uint32_t)i, (uint32_t)i + 1, lev, va, vb);
		w2 = fs_prob(msc_weight(&s, lev, va, NULL), s.fm.lambda);
		if (w2 >= 0.5) {
			if (mset_get(&ms, i, MCFG_S_LAST) ==
			    mset_get(&ms, i + 1, MCFG_S_LAST) &&
			    mset_get(&ms, i, mcfg_slot_find(&c,
			    "postal_code")) == mset_get(&ms, i + 1,
			    mcfg_slot_find(&c, "postal_code")))
				tp++;
			else
				fp++;
		}
	}
	ok(tp >= nmatch * 95 / 100 && fp == 0,
	    "duplicates found, neighbours not");
	mtr_stats_release(&st);
	blk_release(&bk);
	msc_release(&s);

	/* The pair line. */
	mpair_num(num, sizeof(num), 0.999312, 5);
	is_str(num, "0.99931", "5 decimals");
	mpair_num(num, sizeof(num), 1.0, 5);
	is_str(num, "1", "trailing zeros dropped");
	mpair_num(num, sizeof(num), -0.0001, 2);
	is_str(num, "0", "no negative zero");
	mpair_num(num, sizeof(num), -3.2051, 2);
	is_str(num, "-3.21", "rounded");
	sb_init(&out);
	jw_init(&w, &out);
	ka.source = "crm", ka.record_id = "C1", ka.rowid = 12, ka.has_rowid = 1;
	kb.source = "web", kb.record_id = "e\"1", kb.rowid = 0, kb.has_rowid = 0;
	ev.field = "first_name", ev.a = "jean", ev.alen = 4;
	ev.b = "je\xffn", ev.blen = 4, ev.level = "jw92", ev.weight = 3.214;
	wt = 10.5;
	mpair_format(&w, &out, &ka, &kb, 0.5, &wt, "fs", &ev, 1);
	is_str(out.buf, "{\"a\":{\"source\":\"crm\",\"record_id\":\"C1\","
	    "\"rowid\":12},\"b\":{\"source\":\"web\",\"record_id\":\"e\\\"1\"},"
	    "\"prob\":0.5,\"weight\":10.5,\"rule\":\"fs\",\"evidence\":[{"
	    "\"field\":\"first_name\",\"a\":\"jean\",\"b\":\"je\xef\xbf\xbdn\","
	    "\"level\":\"jw92\",\"weight\":3.21}]}\n", "a pair line");
	sb_reset(&out);
	mpair_format(&w, &out, &ka, &ka, 1, NULL, "ident:email", NULL, 0);
	is_str(out.buf, "{\"a\":{\"source\":\"crm\",\"record_id\":\"C1\","
	    "\"rowid\":12},\"b\":{\"source\":\"crm\",\"record_id\":\"C1\","
	    "\"rowid\":12},\"prob\":1,\"weight\":null,\"rule\":"
	    "\"ident:email\",\"evidence\":[]}\n", "an identifier pair line");
	jw_release(&w);
	sb_release(&out);

	/* The radix sort agrees with qsort and is stable. */
	x = xmalloc(100000 * sizeof(*x));
	y = xmalloc(100000 * sizeof(*y));
	for (i = 0; i < 100000; i++)
		x[i] = y[i] = (mtr_rand(&seed) % 5000) << 20 | i;
	qsort(y, 100000, sizeof(*y), cmp_u64);
	mset_radix_sort(x, 100000, sizeof(*x));
	ok(memcmp(x, y, 100000 * sizeof(*x)) == 0, "radix sort = qsort");
	{
		struct { uint64_t k; uint32_t v; } e[6] = { { 3, 0 }, { 1, 1 },
		    { 3, 2 }, { 1, 3 }, { 2, 4 }, { 1, 5 } };

		mset_radix_sort(e, 6, sizeof(e[0]));
		ok1 = e[0].v == 1 && e[1].v == 3 && e[2].v == 5 &&
		    e[3].v == 4 && e[4].v == 0 && e[5].v == 2;
		ok(ok1, "stable on equal keys, any record size");
	}
	free(x);
	free(y);
	mset_release(&ms);
	mcfg_release(&c);
	sb_release(&why);
	return done_testing();
}
