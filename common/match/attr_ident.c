/*
 * attr_ident.c - identifier columns found in the data; see attr_ident.h.
 */
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "match/attr_ident.h"
#include "match/record_load.h"
#include "match/record_set.h"
#include "normalise/field_map.h"

#define SAMPLE	5000	/* records looked at */
#define MAXCOL	64	/* columns considered */

struct col {
	char	*name;
	size_t	 filled;	/* records with a value */
	size_t	 shaped;	/* of which an identifier's shape */
	size_t	 digits;	/* digits of the shaped values */
	uint64_t *h;		/* hashes of the normalised values */
};

static void
quiet_diag(void *arg, int rej, const char *file, long line,
    const char *reason, const char *raw, size_t rawlen)
{
	(void)arg, (void)rej, (void)file, (void)line, (void)reason;
	(void)raw, (void)rawlen;
}

/* Whether the map in force reads column name (or it is the id). */
static int
mapped(const struct map *m, const char *name)
{
	size_t i;

	if (m->id_field != NULL && strcmp(m->id_field, name) == 0)
		return 1;
	for (i = 0; i < m->n; i++)
		if (m->e[i].field != NULL && strcmp(m->e[i].field, name) == 0)
			return 1;
	return 0;
}

/* Whether a column name can be written as attr.NAME in a configuration. */
static int
plain(const char *s)
{
	if (*s == '\0' || strlen(s) > 48)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void
add_value(struct col *c, const char *s, struct sbuf *norm)
{
	size_t i, d = 0;
	int shaped = 1;

	mload_attr_norm(s, strlen(s), norm);
	if (norm->len == 0)
		return;
	c->filled++;
	for (i = 0; i < norm->len; i++)
		if (norm->buf[i] >= '0' && norm->buf[i] <= '9')
			d++;
		else if (!(norm->buf[i] >= 'a' && norm->buf[i] <= 'z'))
			shaped = 0;
	if (shaped && d > 0) {
		c->shaped++;
		c->digits += d;
	}
	c->h[c->filled - 1] = mset_hash(norm->buf, norm->len, 0);
}

int
mattr_find(const char *path, const struct rin_opts *o, struct sbuf *conf)
{
	struct col col[MAXCOL];
	struct rin *in;
	struct rin_rec *rec;
	struct sbuf norm, line;
	const struct map *m = NULL;
	yajl_val root, v;
	char err[128];
	const char *s;
	size_t ncol = 0, nrec = 0, i, k, distinct;
	int found = 0;

	if (path == NULL || strcmp(path, "-") == 0)
		return 0;
	if ((in = rin_open(path, o, quiet_diag, NULL)) == NULL)
		return -1;
	sb_init(&norm);
	sb_init(&line);
	while (nrec < SAMPLE && rin_next(in, &rec) == 1) {
		if (m == NULL)
			m = rin_map(in);
		nrec++;
		root = yajl_tree_parse(rec->raw, err, sizeof(err));
		if (root == NULL || !YAJL_IS_OBJECT(root)) {
			yajl_tree_free(root);
			continue;
		}
		for (i = 0; i < root->u.object.len; i++) {
			v = root->u.object.values[i];
			s = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) :
			    YAJL_IS_NUMBER(v) ? YAJL_GET_NUMBER(v) : NULL;
			if (s == NULL || !plain(root->u.object.keys[i]) ||
			    mapped(m, root->u.object.keys[i]))
				continue;
			for (k = 0; k < ncol; k++)
				if (strcmp(col[k].name,
				    root->u.object.keys[i]) == 0)
					break;
			if (k == ncol) {
				if (ncol == MAXCOL)
					continue;
				memset(&col[k], 0, sizeof(col[k]));
				col[k].name = xstrdup(root->u.object.keys[i]);
				col[k].h = xmalloc(SAMPLE * sizeof(uint64_t));
				ncol++;
			}
			if (col[k].filled < SAMPLE)
				add_value(&col[k], s, &norm);
		}
		yajl_tree_free(root);
	}
	rin_close(in);
	for (k = 0; k < ncol; k++) {
		struct col *c = &col[k];

		qsort(c->h, c->filled, sizeof(*c->h), cmp_u64);
		for (distinct = 0, i = 0; i < c->filled; i++)
			distinct += i == 0 || c->h[i] != c->h[i - 1];
		if (c->filled * 2 >= nrec && c->filled > 0 &&
		    c->shaped * 20 >= c->filled * 19 &&
		    c->digits >= 6 * c->shaped &&
		    distinct * 10 >= c->filled) {
			sb_reset(&line);
			sb_addf(&line, "compare attr.%s\n", c->name);
			if (conf->len == 0 || strstr(conf->buf, line.buf) ==
			    NULL) {
				sb_add(conf, line.buf, line.len);
				sb_adds(conf, "level exact exact\n"
				    "level typo osa 1\n");
				sb_addf(conf, "block attr.%s\n", c->name);
				found++;
			}
		}
		free(c->name);
		free(c->h);
	}
	sb_release(&norm);
	sb_release(&line);
	return found;
}
