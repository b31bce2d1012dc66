/*
 * clustering.c - the pairs of cdp-merge, their spool and their clustering;
 * see clustering.h.  mg_apply, the run in the database, is in merge_apply.c.
 *
 * The spool keeps each pair's JSON on disk, not in memory: a first run
 * reads millions of pairs but stores only the links it accepts, in key
 * order, long after reading them.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hash.h"
#include "merge/clustering.h"

/* The spool: an unlinked file in $TMPDIR (tmpfile(3) ignores it). */
static FILE *
spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	size_t n;
	FILE *f;
	int fd, e;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	n = strlen(dir) + 32;
	path = xmalloc(n);
	snprintf(path, n, "%s/cdp-merge.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd != -1)
		unlink(path);
	free(path);
	if (fd == -1)
		return NULL;
	if ((f = fdopen(fd, "w+")) == NULL) {
		e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

int
mg_init(struct mg *m, int spool)
{
	memset(m, 0, sizeof(*m));
	if (spool && (m->spool = spool_open()) == NULL)
		return -1;
	return 0;
}

void
mg_release(struct mg *m)
{
	size_t i;

	for (i = 0; i < m->nrule; i++)
		free(m->rule[i]);
	free(m->rule);
	free(m->lk);
	free(m->ref);
	free(m->khash);
	if (m->spool != NULL)
		fclose(m->spool);
	memset(m, 0, sizeof(*m));
}

int
mg_rule(struct mg *m, const char *s)
{
	size_t i;

	for (i = 0; i < m->nrule; i++)
		if (strcmp(m->rule[i], s) == 0)
			return (int)i;
	if (m->nrule == 65535)
		return -1;
	m->rule = xrealloc(m->rule, (m->nrule + 1) * sizeof(*m->rule));
	m->rule[m->nrule] = xstrdup(s);
	return (int)m->nrule++;
}

struct mg_link *
mg_add(struct mg *m)
{
	if (m->nlk == m->caplk) {
		m->caplk = m->caplk ? 2 * m->caplk : 4096;
		m->lk = xrealloc(m->lk, m->caplk * sizeof(*m->lk));
	}
	memset(&m->lk[m->nlk], 0, sizeof(*m->lk));
	return &m->lk[m->nlk++];
}

int
mg_spool_put(struct mg *m, const char *json, size_t len, size_t evoff,
    size_t evlen, uint64_t *off)
{
	uint32_t h[3];

	h[0] = (uint32_t)len;
	h[1] = (uint32_t)evoff;
	h[2] = (uint32_t)evlen;
	*off = m->spool_len;
	if (fwrite(h, sizeof(h), 1, m->spool) != 1 ||
	    fwrite(json, 1, len, m->spool) != len)
		return -1;
	m->spool_len += sizeof(h) + len;
	return 0;
}

int
mg_spool_get(struct mg *m, const struct mg_link *l, struct sbuf *out,
    size_t *evoff, size_t *evlen)
{
	uint32_t h[3];
	size_t n = sizeof(h) + l->len;

	/* Writes end before the first read: flushing every time is cheap. */
	if (fflush(m->spool) == EOF)
		return -1;
	sb_reset(out);
	sb_grow(out, n);
	if (pread(fileno(m->spool), out->buf, n, (off_t)l->spool) !=
	    (ssize_t)n)
		return -1;
	memcpy(h, out->buf, sizeof(h));
	if (h[0] != l->len)
		return -1;
	memmove(out->buf, out->buf + sizeof(h), l->len);
	out->len = l->len;
	out->buf[out->len] = '\0';
	*evoff = h[1];
	*evlen = h[2];
	return 0;
}

uint32_t
mg_keyhash(const char *source, size_t slen, const char *rid, size_t rlen)
{
	uint64_t h = hash_fnv(HASH_FNV0, source, slen);
	uint32_t v;

	h = hash_fnv(h, "", 1);
	h = hash_fnv(h, rid, rlen);
	v = (uint32_t)(h ^ (h >> 32));
	return v ? v : 1;
}

static int
cmp_strength(const void *x, const void *y, void *arg)
{
	const struct mg_link *a = x, *b = y;
	const uint64_t *rank = arg;
	uint64_t ka1, ka2, kb1, kb2;

	if (a->prob != b->prob)
		return a->prob > b->prob ? -1 : 1;
	if (a->has_weight != b->has_weight)
		return a->has_weight ? -1 : 1;
	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	if (rank != NULL) {
		/* The records' keys, smaller end first: arrival order
		 * (the rowids) must not decide. */
		ka1 = rank[a->a] < rank[a->b] ? rank[a->a] : rank[a->b];
		ka2 = rank[a->a] < rank[a->b] ? rank[a->b] : rank[a->a];
		kb1 = rank[b->a] < rank[b->b] ? rank[b->a] : rank[b->b];
		kb2 = rank[b->a] < rank[b->b] ? rank[b->b] : rank[b->a];
		if (ka1 != kb1)
			return ka1 < kb1 ? -1 : 1;
		if (ka2 != kb2)
			return ka2 < kb2 ? -1 : 1;
		if (a->origin != b->origin)
			return a->origin < b->origin ? -1 : 1;
	}
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return (a->spool > b->spool) - (a->spool < b->spool);
}

void
mg_cluster(struct mg *m, struct uf *u, uint32_t *tree)
{
	struct mg_link *l;
	struct uf_why why;
	uint32_t ra, rb;
	size_t i;
	int bd, r;

	if (m->nlk > 1)
		qsort_r(m->lk, m->nlk, sizeof(*m->lk), cmp_strength,
		    (void *)m->rank);
	if (tree != NULL)
		memset(tree, 0xff, u->n * sizeof(*tree));
	m->nref = 0;
	for (i = 0; i < m->nlk; i++) {
		l = &m->lk[i];
		if (l->state == MG_BAD || l->state == MG_GONE)
			continue;
		ra = uf_find(u, l->a);
		rb = uf_find(u, l->b);
		if (ra == rb) {
			l->state = MG_IN;
			continue;
		}
		memset(&why, 0, sizeof(why));
		if (l->names >= 0 && m->npop > 0 &&
		    m->npop * exp2(-(double)l->names) >= 1)
			why.reason = UF_COMMON;
		/* Identity documents outweighing the dates: no date guard. */
		bd = u->bd_mode;
		if (l->doc_over_date)
			u->bd_mode = UF_BD_OFF;
		r = why.reason == UF_COMMON ? UF_COMMON :
		    uf_check_link(u, ra, rb, l->a, l->b, &why);
		u->bd_mode = bd;
		if (r != UF_OK) {
			l->state = MG_REFUSED;
			if (m->nref == m->capref) {
				m->capref = m->capref ? 2 * m->capref : 64;
				m->ref = xrealloc(m->ref, m->capref *
				    sizeof(*m->ref));
			}
			m->ref[m->nref].link = i;
			m->ref[m->nref++].why = why;
			continue;
		}
		uf_join(u, ra, rb);
		l->state = MG_TREE;
		if (tree != NULL && tree[l->a] == UINT32_MAX)
			tree[l->a] = (uint32_t)i;
		if (tree != NULL && tree[l->b] == UINT32_MAX)
			tree[l->b] = (uint32_t)i;
	}
}

void
mg_why_text(const struct uf_why *w, uint32_t max_contacts, struct sbuf *out)
{
	switch (w->reason) {
	case UF_NEVER:
		sb_adds(out, "never-link");
		break;
	case UF_SIZE:
		sb_addf(out, "the cluster would join more than %u contact "
		    "records", max_contacts);
		break;
	case UF_BIRTH:
		/* Not the dates: logs name no personal value. */
		sb_adds(out, "conflicting birth dates");
		break;
	case UF_NAME:
		sb_adds(out, "a record without a name would join two "
		    "clusters whose names differ");
		break;
	case UF_COMMON:
		sb_adds(out, "only a name agrees, the place differs, and "
		    "the name is not rare");
		break;
	}
}
