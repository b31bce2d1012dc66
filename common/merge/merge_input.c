/*
 * merge_input.c - cdp-merge's input: the pair files read into the
 * clustering engine (clustering.h), each line parsed by pair_reader.c and its
 * two records resolved to rowids or numbered; see merge_input.h.
 *
 * In the database a pair is stored with a < b: a line whose ends come
 * the other way round is spooled re-serialised with its ends swapped,
 * any other line as it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/line_reader.h"
#include "merge/merge_input.h"
#include "store/database.h"

#define MAX_LINE	(4 * 1024 * 1024)	/* longest pair line */

/* Diagnostics. */

static void
message(struct merge *g, long line, const char *msg)
{
	if (++g->nmsg > MAX_MESSAGES) {
		if (g->nmsg == MAX_MESSAGES + 1)
			warnx_("%s: more problems not shown", g->fname);
		return;
	}
	fprintf(stderr, "%s: %s:%ld: %s\n", progname, g->fname, line, msg);
}

/* Database mode: record keys to rowids. */

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void
load_sources(struct merge *g)
{
	sqlite3_stmt *st;
	size_t i;
	struct { char *name; long long id; } *tmp = NULL;
	int rc;

	st = db_prepare(g->db, "SELECT name, id FROM source ORDER BY name",
	    &g->why);
	if (st == NULL)
		die(EXIT_FAIL, "%s", g->why.buf);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		tmp = xrealloc(tmp, (g->nsrc + 1) * sizeof(*tmp));
		tmp[g->nsrc].name = xstrdup((const char *)
		    sqlite3_column_text(st, 0));
		tmp[g->nsrc++].id = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		die(EXIT_FAIL, "source: %s", sqlite3_errmsg(g->db));
	/* ORDER BY name is sqlite's BINARY collation: strcmp order. */
	g->srcname = xcalloc(g->nsrc + 1, sizeof(*g->srcname));
	g->srcid = xcalloc(g->nsrc + 1, sizeof(*g->srcid));
	for (i = 0; i < g->nsrc; i++) {
		g->srcname[i] = tmp[i].name;
		g->srcid[i] = tmp[i].id;
	}
	free(tmp);
}

/* The rowid of end s of pair p: 1, or 0 with the reason in why. */
static int
resolve(struct merge *g, const struct pair *p, int s, long long *rowid)
{
	char **hit;
	const char *key = p->source[s];
	uint32_t kh = mg_keyhash(p->source[s], p->source_len[s],
	    p->record_id[s], p->record_id_len[s]);
	int rc;

	sb_reset(&g->why);
	if (p->rowid[s] != 0) {
		if (p->rowid[s] > g->maxrowid) {
			sb_addf(&g->why, "no record with rowid %lld",
			    p->rowid[s]);
			return 0;
		}
		*rowid = p->rowid[s];
	} else {
		hit = bsearch(&key, g->srcname, g->nsrc, sizeof(*g->srcname),
		    cmp_str);
		if (hit == NULL)
			goto unknown;
		sqlite3_bind_int64(g->sel_key, 1, g->srcid[hit - g->srcname]);
		sqlite3_bind_text(g->sel_key, 2, p->record_id[s],
		    (int)p->record_id_len[s], SQLITE_STATIC);
		rc = sqlite3_step(g->sel_key);
		if (rc == SQLITE_ROW)
			*rowid = sqlite3_column_int64(g->sel_key, 0);
		sqlite3_reset(g->sel_key);
		if (rc == SQLITE_DONE)
			goto unknown;
		if (rc != SQLITE_ROW)
			die(EXIT_FAIL, "record: %s", sqlite3_errmsg(g->db));
	}
	/* Remember which key the input gave for the rowid: a pair file of
	 * another database is caught when the records are read. */
	if (g->m.khash[*rowid] != 0 && g->m.khash[*rowid] != kh) {
		sb_addf(&g->why, "rowid %lld names two different records",
		    *rowid);
		return 0;
	}
	g->m.khash[*rowid] = kh;
	return 1;
unknown:
	/* Not its id: an old pair file may name an erased person. */
	sb_addf(&g->why, "unknown record of source %s", p->source[s]);
	return 0;
}

void
mergein_prepare(struct merge *g)
{
	sqlite3_stmt *sel;

	load_sources(g);
	g->sel_key = db_prepare(g->db, "SELECT id FROM record "
	    "WHERE source_id = ? AND record_id = ?", &g->why);
	sel = db_prepare(g->db, "SELECT coalesce(max(id), 0) FROM record",
	    &g->why);
	if (g->sel_key == NULL || sel == NULL)
		die(EXIT_FAIL, "%s", g->why.buf);
	if (sqlite3_step(sel) == SQLITE_ROW)
		g->maxrowid = sqlite3_column_int64(sel, 0);
	sqlite3_finalize(sel);
	if (g->maxrowid >= UINT32_MAX - 1)
		die(EXIT_FAIL, "record rowids past 2^32");
	g->m.nkhash = (uint32_t)g->maxrowid + 1;
	g->m.khash = xcalloc(g->m.nkhash, sizeof(*g->m.khash));
}

/* Reading pairs. */

/* The first birth date the evidence gives for record x. */
static void
set_bdate(struct bdates *b, uint32_t x, int32_t d)
{
	uint32_t n;

	if (d == 0)
		return;
	if (x >= b->n) {
		n = b->n ? 2 * b->n : 4096;
		while (n <= x)
			n *= 2;
		b->d = xrealloc(b->d, n * sizeof(*b->d));
		memset(b->d + b->n, 0, (n - b->n) * sizeof(*b->d));
		b->n = n;
	}
	if (b->d[x] == 0)
		b->d[x] = d;
}

/* The first name the evidence gives for record x. */
static void
set_name(struct names *m, uint32_t x, const struct uf_name *nm)
{
	uint32_t n;

	if (nm->first == 0 && nm->last == 0 && nm->full == 0)
		return;
	if (x >= m->n) {
		n = m->n ? 2 * m->n : 4096;
		while (n <= x)
			n *= 2;
		m->v = xrealloc(m->v, n * sizeof(*m->v));
		memset(m->v + m->n, 0, (n - m->n) * sizeof(*m->v));
		m->n = n;
	}
	if (m->v[x].first == 0 && m->v[x].last == 0 && m->v[x].full == 0)
		m->v[x] = *nm;
}

static void
add_pair(struct merge *g, const struct pair *p, long line, const char *text,
    size_t len)
{
	struct mg_link *l;
	long long ra = 0, rb = 0;
	size_t off, evoff, evlen;
	uint32_t a, b;
	int rule, swap = 0;

	if (g->outpath != NULL) {
		a = kt_intern(&g->kt, p->source[0], p->source_len[0],
		    p->record_id[0], p->record_id_len[0]);
		b = kt_intern(&g->kt, p->source[1], p->source_len[1],
		    p->record_id[1], p->record_id_len[1]);
		set_bdate(&g->bd, a, p->bdate[0]);
		set_bdate(&g->bd, b, p->bdate[1]);
		set_name(&g->nm, a, &p->name[0]);
		set_name(&g->nm, b, &p->name[1]);
	} else
		a = b = 0;
	/* Without -t the trailer's threshold is applied once it is read. */
	if (g->have_t && p->prob < g->threshold) {
		g->nbelow++;
		return;
	}
	if (g->outpath == NULL) {
		if (!resolve(g, p, 0, &ra) || !resolve(g, p, 1, &rb)) {
			message(g, line, g->why.buf);
			g->nrejected++;
			return;
		}
		if (ra == rb) {
			message(g, line, "a pair of a record with itself");
			g->nrejected++;
			return;
		}
		swap = ra > rb;
		a = (uint32_t)(swap ? rb : ra);
		b = (uint32_t)(swap ? ra : rb);
	}
	if ((rule = mg_rule(&g->m, p->rule)) == -1) {
		message(g, line, "too many distinct rules");
		g->nrejected++;
		return;
	}
	l = mg_add(&g->m);
	l->a = a;
	l->b = b;
	l->prob = p->prob;
	l->weight = p->weight;
	l->has_weight = (uint8_t)p->has_weight;
	l->names = (float)p->names;
	l->doc_over_date = (uint8_t)p->doc_over_date;
	l->rule = (uint16_t)rule;
	l->spool = (uint64_t)g->nread;	/* file mode: input order */
	if (g->outpath == NULL) {
		/* The line itself unless a and b change places. */
		if (swap) {
			sb_reset(&g->json);
			pair_json(g->pr, swap, &g->json, &evoff, &evlen);
			text = g->json.buf;
			len = g->json.len;
		} else {
			pair_raw(text, len, &off, &len, &evoff, &evlen);
			text += off;
		}
		if (len > UINT32_MAX - 64)
			die(EXIT_FAIL, "pair too long");
		l->len = (uint32_t)len;
		if (mg_spool_put(&g->m, text, len, evoff, evlen,
		    &l->spool) == -1)
			die(EXIT_FAIL, "spool: %s", strerror(errno));
	}
	g->nkept++;
}

/* The input is refused: said once on stderr and kept for the run log. */
static void
refuse(struct merge *g, long line, const char *msg)
{
	if (line > 0)
		fprintf(stderr, "%s: %s:%ld: %s\n", progname, g->fname, line,
		    msg);
	else
		fprintf(stderr, "%s: %s: %s\n", progname, g->fname, msg);
	if (g->failure.len == 0) {
		sb_addf(&g->failure, "%s", g->fname);
		if (line > 0)
			sb_addf(&g->failure, ":%ld", line);
		sb_addf(&g->failure, ": %s", msg);
	}
	g->badinput = 1;
}

/* Whether the trailer's run is a cdp-match run of this database. */
static int
known_run(struct merge *g, long long run)
{
	sqlite3_stmt *st;
	int ok;

	st = db_prepare(g->db, "SELECT 1 FROM run WHERE id = ? AND "
	    "tool = 'cdp-match'", &g->why);
	if (st == NULL)
		die(EXIT_FAIL, "%s", g->why.buf);
	sqlite3_bind_int64(st, 1, run);
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return ok;
}

/*
 * The input's end: its trailer checked, its threshold applied to the
 * pairs it gave (links first..), its watermark kept.
 */
static void
finish_input(struct merge *g, const struct pair_trailer *t, long trline,
    long nlines, size_t first)
{
	char had[64], used[64];
	double thr;
	size_t i, n;

	if (trline == 0 && !g->notrailer) {
		refuse(g, 0, "no trailer: the pair stream is incomplete "
		    "(cdp-match failed, was killed or cut short)");
		return;
	}
	if (trline != 0) {
		sb_reset(&g->why);
		if (t->pairs != nlines)
			sb_addf(&g->why, "the trailer counts %lld pair%s, %ld "
			    "line%s came before it: the stream is incomplete",
			    t->pairs, t->pairs == 1 ? "" : "s", nlines,
			    nlines == 1 ? "" : "s");
		else if (strcmp(t->status, "failed") == 0)
			sb_addf(&g->why, "cdp-match failed: its pairs are "
			    "not applied");
		else if (t->run > 0 && g->db != NULL && g->outpath == NULL &&
		    !known_run(g, t->run))
			sb_addf(&g->why, "the pairs are not of this database: "
			    "no cdp-match run %lld here", t->run);
		if (g->why.len > 0) {
			refuse(g, trline, g->why.buf);
			return;
		}
	}
	/* The higher of -t and the stream's: pairs below the stream's
	 * threshold were never written, so a lower -t cannot bring them. */
	thr = trline == 0 || (g->have_t && g->threshold > t->threshold) ?
	    g->threshold : t->threshold;
	snprintf(used, sizeof(used), "%g", thr);
	if (trline != 0 && g->have_t && g->threshold < t->threshold) {
		snprintf(had, sizeof(had), "%g", g->threshold);
		warnx_("%s: -t %s is below the threshold cdp-match used, %s: "
		    "pairs below %s were never written", g->fname, had, used,
		    used);
	}
	if (verbose)
		warnx_("%s: threshold %s, from %s", g->fname, used,
		    trline == 0 ? (g->have_t ? "-t" : "the default (no "
		    "trailer)") : g->have_t && thr == g->threshold ? "-t" :
		    "the pairs' trailer");
	for (i = n = first; i < g->m.nlk; i++)
		if (g->m.lk[i].prob >= thr)
			g->m.lk[n++] = g->m.lk[i];
	g->nbelow += (long long)(g->m.nlk - n);
	g->nkept -= (long long)(g->m.nlk - n);
	g->m.nlk = n;
	if (trline == 0)
		return;
	g->match_run = t->run;
	if (t->watermark >= 0 && (!g->opts.bounded || t->watermark <
	    g->opts.watermark))
		g->opts.watermark = t->watermark;
	if (t->watermark_run >= 0 && (!g->opts.bounded ||
	    t->watermark_run < g->opts.watermark_run))
		g->opts.watermark_run = t->watermark_run;
	if (t->watermark >= 0 && t->watermark_run >= 0)
		g->opts.bounded = 1;
}

static void
read_pairs(struct merge *g, const char *path)
{
	struct lr lr;
	struct pair p;
	struct pair_trailer t;
	const char *line;
	size_t len, first = g->m.nlk;
	long nlines = 0, trline = 0;
	int res, after = 0, numbered = 0;

	memset(&t, 0, sizeof(t));
	g->nmsg = 0;
	g->fname = path == NULL || strcmp(path, "-") == 0 ? "stdin" : path;
	if (lr_open(&lr, path, MAX_LINE) == -1) {
		warnx_("%s: %s", g->fname, strerror(errno));
		g->badinput = 1;
		return;
	}
	while ((res = lr_next(&lr, &line, &len)) != LR_EOF) {
		if (res == LR_ERR) {
			warnx_("%s: %s", g->fname, strerror(errno));
			g->badinput = 1;
			break;
		}
		/*
		 * The records are looked up once the first line is in: a
		 * cdp-match on the other end of the pipe has read the store
		 * by then, so every record it names is committed and seen.
		 */
		if (g->db != NULL && g->outpath == NULL && g->sel_key == NULL)
			mergein_prepare(g);
		if (res == LR_LONG && trline != 0) {
			refuse(g, lr.lineno, "a line after the trailer");
			after = 1;
			break;
		}
		if (res == LR_LONG) {
			nlines++;
			g->nread++;
			g->nrejected++;
			sb_reset(&g->why);
			sb_addf(&g->why, "line longer than %d bytes", MAX_LINE);
			message(g, lr.lineno, g->why.buf);
			continue;
		}
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r' || line[len - 1] == ' ' ||
		    line[len - 1] == '\t'))
			len--;
		if (len == 0)
			continue;
		if (trline != 0) {
			refuse(g, lr.lineno, "a line after the trailer");
			after = 1;
			break;
		}
		if ((res = pair_parse(g->pr, line, len, &p, &g->why)) ==
		    PAIR_TRAILER) {
			t = p.tr;
			trline = lr.lineno;
			continue;
		}
		nlines++;
		if ((++g->nread & 0xffff) == 1)
			progress_step(&g->prog, (uint64_t)g->nread);
		if (res == -1) {
			message(g, lr.lineno, g->why.buf);
			g->nrejected++;
			continue;
		}
		numbered |= (p.rowid[0] != 0 || p.rowid[1] != 0) &&
		    p.evidence;
		add_pair(g, &p, lr.lineno, line, len);
	}
	lr_close(&lr);
	/*
	 * Pairs that carry the store's record numbers and their evidence
	 * look like cdp-match's, which end with a trailer: -P takes them
	 * as complete all the same (stored pairs fed back are), but says
	 * what that does if cdp-match was cut short.
	 */
	if (res != LR_ERR && !after && trline == 0 && numbered &&
	    g->notrailer)
		warnx_("%s: no trailer, taken as complete (-P): if these "
		    "pairs are cdp-match's cut short, the records it did not "
		    "reach are resolved alone (cdp-match -a | cdp-merge -a "
		    "repairs it)", g->fname);
	if (res != LR_ERR && !after)
		finish_input(g, &t, trline, nlines, first);
}

void
mergein_read(struct merge *g, int argc, char **argv)
{
	int i;

	progress_init(&g->prog, "pairs read");
	if (argc == 0)
		read_pairs(g, NULL);
	for (i = 0; i < argc; i++)
		read_pairs(g, argv[i]);
	progress_done(&g->prog);
}
