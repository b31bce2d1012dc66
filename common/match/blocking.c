/*
 * blocking.c - blocking keys and candidate pairs; see blocking.h.
 */
#include <stdlib.h>
#include <string.h>

#include "match/blocking.h"

/* A record in a rule's sorted index. */
struct ent {
	uint64_t key;
	uint32_t rec;
};

/* A rule's records sorted by key, built on first use. */
struct blk_idx {
	struct ent *e;
	size_t	 n;
	int	 built;
};

int
blk_soundex(const char *s, size_t n, char out[5])
{
	/* abcdefghijklmnopqrstuvwxyz */
	static const char code[] = "01230120022455012623010202";
	size_t i, k = 0;
	char last = 0, c, d;

	for (i = 0; i < n && k < 4; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c < 'a' || c > 'z')
			continue;
		d = code[c - 'a'];
		if (k == 0) {
			out[k++] = (char)(c - 'a' + 'A');
			last = d;
			continue;
		}
		/* h and w do not separate equal codes; vowels do. */
		if (c == 'h' || c == 'w')
			continue;
		if (d != '0' && d != last)
			out[k++] = d;
		last = d;
	}
	if (k == 0)
		return -1;
	while (k < 4)
		out[k++] = '0';
	out[4] = '\0';
	return 0;
}

/* The nickname-canonical names: blocking.h. */
struct blk_nick {
	char	**name;		/* every name of an alias, sorted, unique */
	size_t	*canon;		/* per name: its canonical name's index */
	size_t	 n;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_edge(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

static size_t
nick_find(const struct blk_nick *nk, const char *s)
{
	char **p = bsearch(&s, nk->name, nk->n, sizeof(*nk->name), cmp_str);

	return p != NULL ? (size_t)(p - nk->name) : nk->n;
}

static struct blk_nick *
nick_build(const struct mcfg *c)
{
	struct blk_nick *nk;
	size_t *edge, *deg, *off, *adj, ne = 0, i, j, k, start, x, y, best;

	nk = xcalloc(1, sizeof(*nk));
	nk->name = xmalloc((c->nalias + 1) * sizeof(*nk->name));
	for (i = 0; i < c->nalias; i++)
		if (c->alias[i] != NULL)
			nk->name[nk->n++] = c->alias[i];
	qsort(nk->name, nk->n, sizeof(*nk->name), cmp_str);
	for (i = 0, j = 0; i < nk->n; i++)
		if (j == 0 || strcmp(nk->name[j - 1], nk->name[i]) != 0)
			nk->name[j++] = nk->name[i];
	nk->n = j;
	/* The edges: every two names of one alias line, once each. */
	for (start = 0, k = 0; start < c->nalias; start = i + 1) {
		for (i = start; i < c->nalias && c->alias[i] != NULL; i++)
			;
		k += (i - start) * (i - start);
	}
	edge = xmalloc((k + 1) * 2 * sizeof(*edge));
	for (start = 0; start < c->nalias; start = i + 1)
		for (i = start; i < c->nalias && c->alias[i] != NULL; i++)
			for (j = start; j < i; j++) {
				x = nick_find(nk, c->alias[i]);
				y = nick_find(nk, c->alias[j]);
				if (x == y)
					continue;
				edge[2 * ne] = x;
				edge[2 * ne++ + 1] = y;
				edge[2 * ne] = y;
				edge[2 * ne++ + 1] = x;
			}
	qsort(edge, ne, 2 * sizeof(*edge), cmp_edge);
	for (i = 0, j = 0; i < ne; i++)
		if (j == 0 || cmp_edge(&edge[2 * (j - 1)], &edge[2 * i]) != 0) {
			edge[2 * j] = edge[2 * i];
			edge[2 * j++ + 1] = edge[2 * i + 1];
		}
	ne = j;
	deg = xcalloc(nk->n + 1, sizeof(*deg));
	off = xcalloc(nk->n + 1, sizeof(*off));
	adj = xmalloc((ne + 1) * sizeof(*adj));
	for (i = 0; i < ne; i++) {
		deg[edge[2 * i]]++;
		adj[i] = edge[2 * i + 1];
	}
	for (i = 0; i < nk->n; i++)
		off[i + 1] = off[i] + deg[i];
	/* Climb: to the neighbour of most aliases, then greatest, until
	   none is above; (degree, index) grows at each step, so it ends. */
	nk->canon = xmalloc((nk->n + 1) * sizeof(*nk->canon));
	for (i = 0; i < nk->n; i++) {
		x = i;
		for (;;) {
			best = x;
			for (k = off[x]; k < off[x + 1]; k++) {
				y = adj[k];
				if (deg[y] > deg[best] ||
				    (deg[y] == deg[best] && y > best))
					best = y;
			}
			if (best == x)
				break;
			x = best;
		}
		nk->canon[i] = x;
	}
	free(edge);
	free(deg);
	free(off);
	free(adj);
	return nk;
}

static void
nick_free(struct blk_nick *nk)
{
	if (nk == NULL)
		return;
	free(nk->name);
	free(nk->canon);
	free(nk);
}

/* A word: a run of bytes other than ASCII spaces and punctuation. */
static int
word_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

struct word {
	const char *s;
	size_t	 n;
};

static int
cmp_word(const void *a, const void *b)
{
	const struct word *x = a, *y = b;
	int r = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);

	if (r != 0)
		return r;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* Transformed value of one slot into out; -1 when it gives no key. */
static int
xform(const struct mset *ms, const struct blk_nick *nk, uint32_t v,
    const struct mcfg_term *t, struct sbuf *out)
{
	struct word w[16];
	const char *s, *at;
	size_t n, i, k, nw;
	char sx[5];

	sb_reset(out);
	if (v == 0)
		return -1;
	s = mset_str(ms, v, &n);
	switch (t->xf) {
	case MCFG_XF_NONE:
		sb_add(out, s, n);
		break;
	case MCFG_XF_PREFIX:
		/* Code points, not bytes: continuation bytes do not count. */
		for (i = 0, k = 0; i < n; i++) {
			if (((unsigned char)s[i] & 0xc0) != 0x80 &&
			    k++ == (size_t)t->arg)
				break;
		}
		sb_add(out, s, i);
		break;
	case MCFG_XF_SUFFIX:
		for (i = n, k = 0; i > 0; i--)
			if (((unsigned char)s[i - 1] & 0xc0) != 0x80 &&
			    ++k == (size_t)t->arg) {
				i--;
				break;
			}
		sb_add(out, s + i, n - i);
		break;
	case MCFG_XF_DIGITS:
		for (i = n, k = 0; i > 0 && k < (size_t)t->arg; i--)
			if (s[i - 1] >= '0' && s[i - 1] <= '9')
				k++;
		if (k < (size_t)t->arg)
			return -1;
		for (; i < n; i++)
			if (s[i] >= '0' && s[i] <= '9')
				sb_addc(out, s[i]);
		break;
	case MCFG_XF_SOUNDEX:
		if (blk_soundex(s, n, sx) == -1)
			return -1;
		sb_add(out, sx, 4);
		break;
	case MCFG_XF_LOCAL:
		at = memrchr(s, '@', n);
		sb_add(out, s, at ? (size_t)(at - s) : n);
		break;
	case MCFG_XF_NICK:
		sb_add(out, s, n);
		if (nk != NULL && (i = nick_find(nk, out->buf)) < nk->n) {
			sb_reset(out);
			sb_adds(out, nk->name[nk->canon[i]]);
		}
		break;
	case MCFG_XF_WORDS:
	case MCFG_XF_LAST:
		for (i = 0, nw = 0; i < n && nw < 16; ) {
			while (i < n && !word_byte((unsigned char)s[i]))
				i++;
			for (k = i; k < n && word_byte((unsigned char)s[k]); k++)
				;
			if (k > i) {
				w[nw].s = s + i;
				w[nw++].n = k - i;
			}
			i = k;
		}
		if (nw == 0)
			return -1;
		if (t->xf == MCFG_XF_LAST) {
			sb_add(out, w[nw - 1].s, w[nw - 1].n);
			break;
		}
		qsort(w, nw, sizeof(*w), cmp_word);
		for (i = 0; i < nw; i++) {
			if (i > 0)
				sb_addc(out, ' ');
			sb_add(out, w[i].s, w[i].n);
		}
		break;
	case MCFG_XF_DAYMONTH:
		/* YYYY-MM-DD: 1971-06-05 and 1971-05-06 are one key. */
		if (n != 10 || s[4] != '-' || s[7] != '-')
			return -1;
		sb_add(out, s, 4);
		if (memcmp(s + 5, s + 8, 2) <= 0) {
			sb_add(out, s + 5, 2);
			sb_add(out, s + 8, 2);
		} else {
			sb_add(out, s + 8, 2);
			sb_add(out, s + 5, 2);
		}
		break;
	}
	return out->len > 0 ? 0 : -1;
}

/* The key text of rec under rule b into out; -1 when there is none. */
static int
key_text(const struct mset *ms, const struct blk_nick *nk,
    const struct mcfg_block *b, uint32_t rec, struct sbuf *out,
    struct sbuf *t1, struct sbuf *t2)
{
	const struct mcfg_term *t;
	int i;

	sb_reset(out);
	for (i = 0; i < b->nterm; i++) {
		t = &b->term[i];
		if (xform(ms, nk, mset_get(ms, rec, t->slot), t, t1) == -1)
			return -1;
		if (i > 0)
			sb_addc(out, '\x1f');
		if (t->slot2 != -1) {
			if (xform(ms, nk, mset_get(ms, rec, t->slot2), t,
			    t2) == -1)
				return -1;
			/* Unordered: the pair in byte order. */
			if (strcmp(t1->buf, t2->buf) > 0) {
				sb_add(out, t2->buf, t2->len);
				sb_addc(out, '\x1e');
				sb_add(out, t1->buf, t1->len);
			} else {
				sb_add(out, t1->buf, t1->len);
				sb_addc(out, '\x1e');
				sb_add(out, t2->buf, t2->len);
			}
		} else
			sb_add(out, t1->buf, t1->len);
	}
	return 0;
}

void
blk_key_text(const struct blk *bk, size_t rule, uint32_t rec,
    struct sbuf *out)
{
	struct sbuf t1, t2;
	size_t i;

	sb_init(&t1);
	sb_init(&t2);
	if (key_text(bk->ms, bk->nick, &bk->cfg->block[rule], rec, out, &t1,
	    &t2) == -1)
		sb_reset(out);
	for (i = 0; i < out->len; i++)
		if (out->buf[i] == '\x1f')
			out->buf[i] = ' ';
		else if (out->buf[i] == '\x1e')
			out->buf[i] = '|';
	sb_release(&t1);
	sb_release(&t2);
}

/*
 * Term hashes, memoised per value id and transform: the key of a rule is
 * a hash of its terms' hashes, so that a million records cost a million
 * array reads, not a million string transforms.  An untransformed value
 * hashes its id: interned ids are equal exactly when the strings are.
 */
struct memo {
	int	 slot;
	enum mcfg_xf xf;
	int	 arg;
	uint64_t *h;		/* per value id: 0 unknown, 1 no key, else hash */
};

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* The hash of value v under term t's transform; 0 when it gives no key. */
static uint64_t
term_hash(const struct mset *ms, const struct blk_nick *nk, struct memo *m,
    size_t nmemo,
    const struct mcfg_term *t, int slot, uint32_t v, struct sbuf *tmp,
    int stable)
{
	struct mcfg_term one = *t;
	size_t i;
	uint64_t h;

	if (v == 0)
		return 0;
	if (t->xf == MCFG_XF_NONE && !stable)
		return mix(v) | 2;
	for (i = 0; i < nmemo; i++)
		if (m[i].slot == slot && m[i].xf == t->xf && m[i].arg == t->arg)
			break;
	if (m[i].h[v] == 0) {
		one.slot = slot;
		if (xform(ms, nk, v, &one, tmp) == -1)
			m[i].h[v] = 1;
		else
			m[i].h[v] = mset_hash(tmp->buf, tmp->len, 0) | 2;
	}
	h = m[i].h[v];
	return h == 1 ? 0 : h;
}

static void
init(struct blk *bk, const struct mcfg *c, const struct mset *ms, int stable)
{
	const struct mcfg_term *t;
	struct memo *m;
	struct sbuf tmp;
	size_t r, rec, nmemo = 0, i;
	uint64_t h, x, y;
	int k, j, slot;

	memset(bk, 0, sizeof(*bk));
	bk->cfg = c;
	bk->ms = ms;
	bk->nrule = c->nblock;
	bk->key = xcalloc(c->nblock + 1, sizeof(*bk->key));
	bk->idx = xcalloc(c->nblock + 1, sizeof(*bk->idx));
	sb_init(&tmp);
	for (r = 0; r < c->nblock; r++)
		for (k = 0; k < c->block[r].nterm; k++)
			if (c->block[r].term[k].xf == MCFG_XF_NICK &&
			    bk->nick == NULL)
				bk->nick = nick_build(c);
	/* One memo per distinct (slot, transform) of the rules. */
	m = xcalloc(c->nblock * MCFG_MAXTERM * 2 + 1, sizeof(*m));
	for (r = 0; r < c->nblock; r++)
		for (k = 0; k < c->block[r].nterm; k++)
			for (j = 0; j < 2; j++) {
				t = &c->block[r].term[k];
				slot = j ? t->slot2 : t->slot;
				if (slot < 0 || (t->xf == MCFG_XF_NONE &&
				    !stable))
					continue;
				for (i = 0; i < nmemo; i++)
					if (m[i].slot == slot && m[i].xf == t->xf &&
					    m[i].arg == t->arg)
						break;
				if (i < nmemo)
					continue;
				m[nmemo].slot = slot;
				m[nmemo].xf = t->xf;
				m[nmemo].arg = t->arg;
				m[nmemo++].h = xcalloc(ms->nval + 1, 8);
			}
	for (r = 0; r < c->nblock; r++) {
		bk->key[r] = xcalloc(ms->n ? ms->n : 1, sizeof(uint64_t));
		for (rec = 0; rec < ms->n; rec++) {
			if (!(ms->flag[rec] & MSET_FS))
				continue;
			h = r + 1;
			for (k = 0; k < c->block[r].nterm; k++) {
				t = &c->block[r].term[k];
				x = term_hash(ms, bk->nick, m, nmemo, t,
				    t->slot,
				    mset_get(ms, rec, t->slot), &tmp, stable);
				if (x != 0 && t->slot2 >= 0) {
					y = term_hash(ms, bk->nick, m, nmemo,
					    t, t->slot2, mset_get(ms, rec,
					    t->slot2), &tmp, stable);
					/* Unordered: the pair in hash order. */
					x = y == 0 ? 0 : x < y ?
					    mix(x ^ mix(y)) : mix(y ^ mix(x));
				}
				if (x == 0)
					break;
				h = mix(h ^ x);
			}
			if (k == c->block[r].nterm)
				bk->key[r][rec] = h ? h : 1;
		}
	}
	for (i = 0; i < nmemo; i++)
		free(m[i].h);
	free(m);
	sb_release(&tmp);
}

void
blk_init(struct blk *bk, const struct mcfg *c, const struct mset *ms)
{
	init(bk, c, ms, 0);
}

void
blk_init_stable(struct blk *bk, const struct mcfg *c, const struct mset *ms)
{
	init(bk, c, ms, 1);
}

void
blk_set_size(struct blk *bk, size_t rule, uint32_t rec, uint32_t size)
{
	if (bk->size == NULL)
		bk->size = xcalloc(bk->nrule + 1, sizeof(*bk->size));
	if (bk->size[rule] == NULL)
		bk->size[rule] = xcalloc(bk->ms->n ? bk->ms->n : 1,
		    sizeof(**bk->size));
	bk->size[rule][rec] = size;
}

void
blk_release(struct blk *bk)
{
	size_t r;

	for (r = 0; r < bk->nrule; r++) {
		free(bk->key[r]);
		free(bk->idx[r].e);
		if (bk->size != NULL)
			free(bk->size[r]);
	}
	free(bk->size);
	nick_free(bk->nick);
	free(bk->key);
	free(bk->idx);
	memset(bk, 0, sizeof(*bk));
}

static struct blk_idx *
index_of(struct blk *bk, size_t rule)
{
	struct blk_idx *ix = &bk->idx[rule];
	size_t rec;

	if (ix->built)
		return ix;
	ix->e = xmalloc((bk->ms->n ? bk->ms->n : 1) * sizeof(*ix->e));
	for (rec = 0; rec < bk->ms->n; rec++)
		if (bk->key[rule][rec] != 0) {
			ix->e[ix->n].key = bk->key[rule][rec];
			ix->e[ix->n++].rec = (uint32_t)rec;
		}
	/* Stable on the key: records stay in index order within a block. */
	mset_radix_sort(ix->e, ix->n, sizeof(*ix->e));
	ix->built = 1;
	return ix;
}

/* Whether an earlier rule already pairs a and b. */
static int
earlier(const struct blk *bk, size_t rule, uint32_t a, uint32_t b)
{
	size_t r;

	for (r = 0; r < rule; r++)
		if (bk->key[r][a] != 0 && bk->key[r][a] == bk->key[r][b])
			return 1;
	return 0;
}

static int
want(struct blk *bk, size_t rule, const struct blk_opts *o, uint32_t a,
    uint32_t b)
{
	if (o->link_only && bk->ms->src[a] == bk->ms->src[b])
		return 0;
	if (o->first_rule && earlier(bk, rule, a, b))
		return 0;
	return 1;
}

size_t
blk_pairs(struct blk *bk, size_t rule, const struct blk_opts *o,
    blk_pair_fn fn, void *arg)
{
	struct blk_idx *ix = index_of(bk, rule);
	const uint8_t *flag = bk->ms->flag;
	const uint32_t *sz = bk->size != NULL ? bk->size[rule] : NULL;
	size_t i, j, x, y, count = 0, nnew, size;
	uint32_t a, b;

	for (i = 0; i < ix->n; i = j) {
		for (j = i + 1; j < ix->n && ix->e[j].key == ix->e[i].key; j++)
			;
		if (j - i < 2)
			continue;
		if (o->only_new) {
			for (nnew = 0, x = i; x < j; x++)
				nnew += (flag[ix->e[x].rec] & MSET_NEW) != 0;
			if (nnew == 0)
				continue;
		}
		/* The whole block's size, when only part of it is loaded. */
		size = j - i;
		for (x = i; sz != NULL && x < j; x++)
			if (sz[ix->e[x].rec] > size)
				size = sz[ix->e[x].rec];
		if ((long)size > bk->cfg->block_cap) {
			bk->skipped_blocks++;
			bk->skipped_records += size;
			if (o->skip != NULL)
				o->skip(arg, rule, ix->e[i].rec, size);
			continue;
		}
		for (x = i; x < j; x++) {
			a = ix->e[x].rec;
			for (y = x + 1; y < j; y++) {
				b = ix->e[y].rec;
				if (o->only_new && !(flag[a] & MSET_NEW) &&
				    !(flag[b] & MSET_NEW))
					continue;
				if (!want(bk, rule, o, a, b))
					continue;
				fn(arg, a, b, rule);
				count++;
			}
		}
	}
	return count;
}

size_t
blk_count(struct blk *bk, size_t rule, int link_only)
{
	struct blk_idx *ix = index_of(bk, rule);
	const uint32_t *src = bk->ms->src;
	size_t i, j, x, y, s, count = 0;

	for (i = 0; i < ix->n; i = j) {
		for (j = i + 1; j < ix->n && ix->e[j].key == ix->e[i].key; j++)
			;
		s = j - i;
		if (s < 2 || (long)s > bk->cfg->block_cap)
			continue;
		if (!link_only) {
			count += s * (s - 1) / 2;
			continue;
		}
		for (x = i; x < j; x++)
			for (y = x + 1; y < j; y++)
				count += src[ix->e[x].rec] != src[ix->e[y].rec];
	}
	return count;
}

void
blk_leave_out(struct blk *bk, uint64_t mask)
{
	size_t r;

	for (r = 0; r < bk->nrule && r < 64; r++) {
		if (!(mask >> r & 1))
			continue;
		memset(bk->key[r], 0, (bk->ms->n ? bk->ms->n : 1) *
		    sizeof(uint64_t));
		free(bk->idx[r].e);
		memset(&bk->idx[r], 0, sizeof(bk->idx[r]));
		bk->off |= (uint64_t)1 << r;
	}
}

size_t
blk_choose(struct blk *bk, double budget, int link_only,
    struct blk_choice *ch)
{
	size_t r, rec, total = 0;
	uint64_t mask = 0;

	for (r = 0; r < bk->nrule; r++) {
		memset(&ch[r], 0, sizeof(ch[r]));
		for (rec = 0; rec < bk->ms->n; rec++)
			ch[r].keyed += bk->key[r][rec] != 0;
		ch[r].pairs = blk_count(bk, r, link_only);
		if (r < 64 && ch[r].pairs > 0 &&
		    (double)ch[r].pairs > budget * (double)ch[r].keyed) {
			ch[r].over = 1;
			mask |= (uint64_t)1 << r;
		} else
			total += ch[r].pairs;
	}
	blk_leave_out(bk, mask);
	return total;
}
