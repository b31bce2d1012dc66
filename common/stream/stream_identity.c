/*
 * stream_identity.c - cdp-stream's identity resolution in process: the
 * steps of cdp-match's incremental run on the store (cmd/cdp-match.c,
 * database mode without -a) and of cdp-merge's (cmd/cdp-merge.c,
 * database mode), made by the same library calls in the same order; see
 * stream_identity.h.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "match/blocking.h"
#include "match/deterministic.h"
#include "match/match_output.h"
#include "match/pair_score.h"
#include "match/record_load.h"
#include "match/record_set.h"
#include "match/stored_keys.h"
#include "match/training.h"
#include "merge/clustering.h"
#include "merge/merge_input.h"
#include "merge/profile.h"
#include "store/database.h"
#include "store/run_log.h"
#include "stream/stream_identity.h"

/* One pass of the match half. */
struct pass {
	struct sid *id;
	struct mset ms;
	struct mdet det;
	struct blk bk;
	struct msc sc;
	struct mkdb mk;
	struct mkey_inc inc;
	struct mout out;
	struct mdet_memo *memo;
	int8_t	*lev;
	uint32_t *va, *vb;
	uint64_t *cand;
	size_t	 ncand, capcand;
	int	 partial, trained, tf_failed, sc_init, bk_init;
	const char *day;	/* the pass's as-of date */
	long long wm_rowid, wm_run;
};

int
sid_open(struct sid *id, sqlite3 *db, int argc, char **argv,
    struct sbuf *why)
{
	memset(id, 0, sizeof(*id));
	id->db = db;
	id->argc = argc;
	id->argv = argv;
	if (mcfg_load_with(&id->cfg, NULL, NULL, why) == -1)
		return -1;
	id->mergeconf = mergecf_stored(db);
	return 0;
}

void
sid_close(struct sid *id)
{
	mcfg_release(&id->cfg);
	free(id->mergeconf);
	id->mergeconf = NULL;
}

static void
pass_release(struct pass *p)
{
	if (p->bk_init)
		blk_release(&p->bk);
	if (p->sc_init)
		msc_release(&p->sc);
	mdet_release(&p->det);
	if (p->ms.ol != NULL)
		mset_release(&p->ms);
	mout_release(&p->out);
	mkdb_close(&p->mk);
	mkey_inc_release(&p->inc);
	free(p->memo);
	free(p->lev);
	free(p->va);
	free(p->vb);
	free(p->cand);
}

/* cdp-match's can_be_partial, and an untrainable store's passes. */
static int
can_be_partial(struct pass *p, uint64_t fp, struct sbuf *why)
{
	struct fs_model fm;
	struct msc sc;
	int ok;

	if (mkdb_valid(&p->mk, fp, why) != 1)
		return 0;
	if (mtr_model_load(p->id->db, &fm, why) == -1) {
		sb_reset(why);
		return p->id->untrainable;
	}
	msc_init(&sc, &p->id->cfg, &p->ms);
	ok = msc_model_fits(&sc, &fm);
	msc_release(&sc);
	fs_model_release(&fm);
	return ok;
}

static int
load(struct pass *p, int whole, const char *day, struct sbuf *why)
{
	sqlite3 *db = p->id->db;
	uint64_t fp = mkey_fingerprint(&p->id->cfg), off;

	if (mkdb_open(&p->mk, db, why) == -1)
		return -1;
	/* a store too small to train is tried again once a day */
	if (strcmp(day, p->id->tried) != 0)
		p->id->untrainable = 0;
	p->partial = can_be_partial(p, fp, why);
	if (!p->partial)
		return db_exec(db, "BEGIN", why) == -1 ||
		    mload_watermark(db, &p->wm_rowid, &p->wm_run, why) == -1 ||
		    mload_db(&p->ms, &p->id->cfg, db, 0, why) == -1 ||
		    db_exec(db, "COMMIT", why) == -1 ? -1 : 0;
	if (db_begin(db, why) == -1)
		return -1;
	/* Nothing is left unresolved below the last pass's watermark,
	 * unless a full pass is asked for. */
	/* The rules the full run left out pair nobody: their blocks unread. */
	if (mkdb_rules_get(&p->mk, fp, &off, why) != 1)
		off = 0;
	if (mload_watermark(db, &p->wm_rowid, &p->wm_run, why) == -1 ||
	    mkey_load_since(&p->mk, &p->ms, &p->id->cfg, off, whole ? 0 :
	    p->id->wm_rowid, whole ? 0 : p->id->wm_run, &p->inc,
	    why) == -1) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db, why);
}

static uint32_t
tf_fetch(void *arg, size_t k, const char *v, size_t n)
{
	struct pass *p = arg;
	long long c;

	if ((c = mkdb_tf(&p->mk, MKEY_TF + (int)k, mkey_hash(v, n))) < 0) {
		p->tf_failed = 1;
		return 0;
	}
	return (uint32_t)c;
}

/* cdp-match's set_sizes: the blocks over the cap in the store. */
static void
set_sizes(struct pass *p)
{
	size_t i, lo, hi, mid;

	for (i = 0; i < p->inc.nover; i++) {
		for (lo = 0, hi = p->ms.n; lo < hi; ) {
			mid = lo + (hi - lo) / 2;
			if (p->ms.rowid[mid] < p->inc.over[i].key)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < p->ms.n && p->ms.rowid[lo] == p->inc.over[i].key)
			blk_set_size(&p->bk, p->inc.over[i].rule,
			    (uint32_t)lo, p->inc.over[i].size);
	}
}

/* cdp-match's choose_rules. */
static int
choose_rules(struct pass *p, uint64_t fp, struct sbuf *why)
{
	const struct mcfg *cfg = &p->id->cfg;
	struct blk_choice *ch;
	uint64_t mask;
	int got;

	if (p->partial) {
		if ((got = mkdb_rules_get(&p->mk, fp, &mask, why)) == -1)
			return -1;
		if (got == 1)
			blk_leave_out(&p->bk, mask);
		return 0;
	}
	if (cfg->block_budget <= 0)
		return 0;
	ch = xcalloc(cfg->nblock + 1, sizeof(*ch));
	blk_choose(&p->bk, (double)cfg->block_budget,
	    cfg->link == MCFG_LINK_ONLY, ch);
	free(ch);
	return mkdb_rules_put(&p->mk, fp, p->bk.off, why);
}

/* cdp-match's model: the stored one when it fits, else trained. */
static int
model(struct pass *p, int *trained_now, struct sbuf *why)
{
	struct mtr_stats st;
	struct fs_model fm;
	size_t k;

	*trained_now = 0;
	if (mtr_model_load(p->id->db, &fm, why) == 0) {
		if (msc_model_fits(&p->sc, &fm)) {
			for (k = 0; k < fm.nfields; k++)
				p->sc.fm.field[k] = fm.field[k];
			p->sc.fm.lambda = fm.lambda;
			p->sc.fm.floor = fm.floor;
			p->sc.fm.tf_floor = fm.tf_floor;
			fs_model_update(&p->sc.fm);
			fs_model_release(&fm);
			return 0;
		}
		fs_model_release(&fm);
	}
	sb_reset(why);
	if (p->partial)
		return -1;	/* a model to train needs every record */
	if (mtr_train(&p->sc, &p->bk, &st) == -1) {
		mtr_stats_release(&st);
		p->id->untrainable = 1;
		snprintf(p->id->tried, sizeof(p->id->tried), "%s", p->day);
		return -1;
	}
	mtr_stats_release(&st);
	*trained_now = 1;
	return 0;
}

/* cdp-match's candidate: kept unless settled already. */
static void
candidate(void *arg, uint32_t a, uint32_t b, size_t rule)
{
	struct pass *p = arg;

	(void)rule;
	if (mdet_find(&p->det, a) == mdet_find(&p->det, b))
		return;
	if (mdet_conflict(p->memo, &p->id->cfg, &p->ms, a, b) ||
	    mdet_bridge(&p->det, &p->id->cfg, &p->ms, a, b))
		return;
	if (p->ncand == p->capcand) {
		p->capcand = p->capcand ? 2 * p->capcand : 1024;
		p->cand = xrealloc(p->cand, p->capcand * sizeof(*p->cand));
	}
	p->cand[p->ncand++] = (uint64_t)a << 32 | b;
}

/*
 * The match half: the pairs and their trailer into fp.  The run is
 * logged as cdp-match's.
 */
static int
match_half(struct pass *p, int whole, const char *day, FILE *fp,
    struct sid_stats *s,
    struct sbuf *why)
{
	const struct mcfg *cfg = &p->id->cfg;
	struct mpair_trailer tr;
	struct blk_opts bo;
	struct run run;
	uint64_t fp_keys = mkey_fingerprint(cfg);
	size_t r, i, nnew = 0;
	double w, prob;
	int trained_now = 0, failed = 0;
	uint32_t a, b;

	if (run_begin(&run, p->id->db, "cdp-match", p->id->argc,
	    p->id->argv, 0, why) == -1)
		return -1;
	mset_init(&p->ms, cfg->nslot);
	if (load(p, whole, day, why) == -1) {
		struct sbuf tmp;

		sb_init(&tmp);
		run_end(&run, "failed", why->buf, &tmp);
		sb_release(&tmp);
		return -1;
	}
	mload_fold(&p->ms, cfg);
	mdet_init(&p->det, p->ms.n);
	mdet_aliases(cfg, &p->ms);
	mdet_clear_junk(&p->det, cfg, &p->ms);
	msc_init(&p->sc, cfg, &p->ms);
	p->sc_init = 1;
	for (r = 0; r < p->ms.n; r++)
		if ((i = (size_t)msc_nfields(&p->sc, r)) >=
		    (size_t)cfg->min_fields && i > 0)
			p->ms.flag[r] |= MSET_FS;
	if (p->partial)
		msc_fetch_tf(&p->sc, p->inc.den, tf_fetch, p);
	else
		msc_count_tf(&p->sc);
	mdet_links(&p->det, cfg, &p->ms, 1);
	blk_init(&p->bk, cfg, &p->ms);
	p->bk_init = 1;
	set_sizes(p);
	if (choose_rules(p, fp_keys, why) == -1)
		failed = 1;
	p->lev = xmalloc(p->sc.K + 1);
	p->va = xmalloc((p->sc.K + 1) * sizeof(uint32_t));
	p->vb = xmalloc((p->sc.K + 1) * sizeof(uint32_t));
	p->memo = xcalloc(1, sizeof(*p->memo));
	p->trained = model(p, &trained_now, why) == 0;
	for (r = 0; r < p->ms.n; r++)
		nnew += (p->ms.flag[r] & MSET_NEW) != 0;
	if (p->trained) {
		memset(&bo, 0, sizeof(bo));
		bo.only_new = 1;
		bo.first_rule = 1;
		bo.link_only = cfg->link == MCFG_LINK_ONLY;
		for (r = 0; r < cfg->nblock; r++)
			blk_pairs(&p->bk, r, &bo, candidate, p);
		for (i = 0; i < p->ncand; i++) {
			a = (uint32_t)(p->cand[i] >> 32);
			b = (uint32_t)p->cand[i];
			msc_vector(&p->sc, a, b, p->lev, p->va, p->vb);
			w = msc_weight(&p->sc, p->lev, p->va, NULL);
			prob = fs_prob(w, p->sc.fm.lambda);
			if (prob >= cfg->threshold)
				mout_add(&p->out, a, b, -1, prob);
		}
	}
	for (i = 0; i < p->det.npair; i++)
		mout_add(&p->out, p->det.pair[i].a, p->det.pair[i].b,
		    (int32_t)p->det.pair[i].ident, 1);
	mout_fwrite(&p->out, cfg, &p->ms, p->trained ? &p->sc : NULL, 1, fp);
	if (trained_now && mtr_model_store(p->id->db, &p->sc.fm, run.id,
	    why) == -1)
		failed = 1;
	if (p->tf_failed)
		failed = 1;
	if (!p->partial && !failed) {
		if (db_begin(p->id->db, why) == -1)
			failed = 1;
		else if (mkey_rebuild(&p->mk, &p->ms, &p->sc, fp_keys,
		    p->bk.off, why) == -1) {
			db_rollback(p->id->db);
			failed = 1;
		} else if (db_commit(p->id->db, why) == -1)
			failed = 1;
	}
	s->records = (long long)p->ms.n;
	s->compared = (long long)nnew;
	s->pairs = (long long)p->out.written;
	s->full = !p->partial;
	run.rows_in = (long long)p->ms.n;
	run.rows_ok = (long long)nnew;
	run.inserted = (long long)p->out.written;
	if (run_end(&run, failed ? "failed" : "ok", NULL, why) == -1)
		failed = 1;
	memset(&tr, 0, sizeof(tr));
	tr.run = run.id;
	tr.pairs = p->out.written;
	tr.threshold = cfg->threshold;
	tr.threshold_from = "config";
	tr.watermark = p->wm_rowid;
	tr.watermark_run = p->wm_run;
	tr.status = failed ? "failed" : "ok";
	mout_ftrailer(&tr, fp);
	if (fflush(fp) == EOF || ferror(fp)) {
		sb_reset(why);
		sb_addf(why, "pairs: %s", strerror(errno));
		return -1;
	}
	if (failed && why->len == 0)
		sb_adds(why, "identity resolution failed");
	return failed ? -1 : 0;
}

/* cdp-merge's note: -q keeps refusals to the merge log. */
static void
note(void *arg, const char *msg)
{
	(void)arg;
	if (verbose)
		warnx_("%s", msg);
}

/* The merge half: the pairs of path applied, logged as cdp-merge's. */
static int
merge_half(struct sid *id, const char *path, int whole,
    struct sid_stats *s, struct sbuf *why)
{
	struct merge g;
	struct prof_store ps;
	struct mg_stats st;
	char *argv[] = { (char *)path, NULL };
	int failed = 0;

	memset(&g, 0, sizeof(g));
	memset(&st, 0, sizeof(st));
	kt_init(&g.kt);
	sb_init(&g.why);
	sb_init(&g.json);
	sb_init(&g.failure);
	golden_init(&g.golden);
	mergecf_init(&g.conf, &g.golden);
	g.threshold = 0.5;
	g.opts.note = note;
	g.db = id->db;
	if (id->mergeconf != NULL && mergecf_parse(&g.conf, id->mergeconf,
	    "stored configuration", &g.why) == -1) {
		sb_adds(why, g.why.buf);
		failed = -1;
		goto out;
	}
	g.opts.max_contacts = g.conf.max_contacts;
	g.opts.bd_mode = g.conf.bd_mode;
	g.opts.name_guard = g.conf.name_guard;
	if (mg_init(&g.m, 1) == -1) {
		sb_addf(why, "spool: %s", strerror(errno));
		failed = -1;
		goto out;
	}
	g.pr = pair_reader_new();
	if (run_begin(&g.run, id->db, "cdp-merge", id->argc, id->argv, 0,
	    why) == -1) {
		failed = -1;
		goto out;
	}
	mergein_read(&g, 1, argv);
	g.opts.since = whole ? 0 : id->wm_rowid;
	g.opts.since_run = whole ? 0 : id->wm_run;
	if (g.badinput)
		failed = 1;
	else if (db_begin(id->db, &g.why) == -1)
		failed = 1;
	else if (prof_open(&ps, id->db, g.run.id, &g.golden) == -1) {
		sb_adds(&g.why, ps.why.buf);
		sb_release(&ps.why);
		db_rollback(id->db);
		failed = 1;
	} else {
		if (mg_apply(&g.m, &ps, &g.opts, &st) == -1) {
			sb_adds(&g.why, ps.why.buf);
			failed = 1;
		}
		prof_close(&ps);
		if (failed)
			db_rollback(id->db);
		else if (db_commit(id->db, &g.why) == -1) {
			db_rollback(id->db);
			failed = 1;
		}
	}
	g.nrejected += st.bad;
	g.run.rows_in = g.nread;
	g.run.rows_ok = g.nkept - st.bad;
	g.run.rejected = g.nrejected;
	g.run.inserted = st.created;
	g.run.updated = st.touched;
	g.run.warnings = st.refused;
	s->created = st.created;
	s->merged = st.merged;
	s->added = st.added;
	if (failed)
		sb_addf(why, "merge: %s", g.failure.len ? g.failure.buf :
		    g.why.len ? g.why.buf : "failed");
	if (run_end(&g.run, failed ? "failed" : g.nrejected ? "rejects" :
	    "ok", g.failure.len ? g.failure.buf : NULL, &g.why) == -1 &&
	    !failed) {
		sb_adds(why, g.why.buf);
		failed = 1;
	}
	sqlite3_finalize(g.sel_key);
out:
	mg_release(&g.m);
	pair_reader_free(g.pr);
	golden_release(&g.golden);
	kt_release(&g.kt);
	free(g.bd.d);
	free(g.nm.v);
	while (g.nsrc > 0)
		free(g.srcname[--g.nsrc]);
	free(g.srcname);
	free(g.srcid);
	sb_release(&g.why);
	sb_release(&g.json);
	sb_release(&g.failure);
	return failed ? -1 : 0;
}

int
sid_resolve(struct sid *id, int whole, const char *day, struct sid_stats *s,
    struct sbuf *why)
{
	struct pass p;
	char path[64];
	FILE *fp = NULL;
	double t0 = mono_now();
	int fd, ret = -1;

	memset(s, 0, sizeof(*s));
	memset(&p, 0, sizeof(p));
	p.id = id;
	p.day = day;
	if ((fd = memfd_create("cdp-stream-pairs", MFD_CLOEXEC)) == -1 ||
	    (fp = fdopen(fd, "w")) == NULL) {
		sb_addf(why, "pairs: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (match_half(&p, whole, day, fp, s, why) == 0) {
		s->t_match = mono_now() - t0;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ret = merge_half(id, path, whole, s, why);
		s->t_merge = mono_now() - t0 - s->t_match;
		if (ret == 0) {
			id->wm_rowid = p.wm_rowid;
			id->wm_run = p.wm_run;
		}
	}
	pass_release(&p);
	fclose(fp);
	return ret;
}
