/*
 * match_config.c - the line-oriented parser of cdp-match.conf(5), applied to
 * the built-in text (match_config_defaults.c) and then to the user's file; see
 * match_config.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_config.h"
#include "normalise/field_map.h"
#include "normalise/normalise.h"

#define MAXTOK	128		/* tokens on one line */


/* Sections a file replaces as a whole. */
enum { SEC_IDENT, SEC_JUNK, SEC_CMP, SEC_BLOCK, SEC_ALIAS, NSEC };

struct parser {
	struct mcfg *c;
	const char *file;
	long	 line;
	int	 in_file;		/* parsing the user's file */
	int	 seen[NSEC];		/* the file has had a line of it */
	long	 cmp_line;		/* line of the open compare */
	int	 cmp_custom;		/* its levels come from level lines */
	struct sbuf *why;
};

static int
fail(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sb_reset(p->why);
	sb_addf(p->why, "%s:%ld: %s", p->file, p->line, buf);
	return -1;
}

int
mcfg_slot_find(const struct mcfg *c, const char *name)
{
	int i;

	for (i = 0; i < c->nslot; i++)
		if (strcmp(c->slot[i].name, name) == 0)
			return i;
	return -1;
}

int
mcfg_cmp_find(const struct mcfg *c, int slot)
{
	size_t i;

	for (i = 0; i < c->ncmp; i++)
		if (c->cmp[i].slot == slot)
			return (int)i;
	return -1;
}

/* The slot called name, added when new; -1 with a message if invalid. */
static int
slot_get(struct parser *p, const char *name)
{
	struct mcfg *c = p->c;
	struct mcfg_slot *s;
	const char *q;
	int i, canon;

	if ((i = mcfg_slot_find(c, name)) != -1)
		return i;
	if (strlen(name) >= MCFG_NAMELEN)
		return fail(p, "field name too long: %s", name);
	canon = -1;
	if (strncmp(name, "attr.", 5) == 0) {
		if (name[5] == '\0' || name[5] == '.' ||
		    name[strlen(name) - 1] == '.' || strstr(name, ".."))
			return fail(p, "bad attribute path %s", name);
		for (q = name + 5; *q; q++)
			if (*q == '"' || *q == '[' || *q == ']' || *q == '$' ||
			    (unsigned char)*q <= ' ')
				return fail(p, "bad attribute path %s", name);
	} else {
		canon = map_canon_lookup(name, NULL);
		if (canon < 0 || canon == C_CONSENT || (canon > C_COUNTRY &&
		    canon != C_ORG_NAME))
			return fail(p, "unknown field %s (a contact field or "
			    "attr.PATH)", name);
	}
	if (c->nslot == MCFG_MAXSLOT)
		return fail(p, "too many fields (at most %d)", MCFG_MAXSLOT);
	s = &c->slot[c->nslot];
	memset(s, 0, sizeof(*s));
	strcpy(s->name, name);
	s->canon = canon;
	if (canon == -1) {
		s->path = xmalloc(strlen(name) + 2);
		sprintf(s->path, "$%s", name + 4);
	}
	return c->nslot++;
}

static int
get_long(struct parser *p, const char *tok, long long lo, long long hi,
    long long *v)
{
	const char *errstr;

	if (parse_ll(tok, lo, hi, v, &errstr) == -1)
		return fail(p, "number %s is %s (%lld to %lld)", tok, errstr,
		    lo, hi);
	return 0;
}

static int
get_double(struct parser *p, const char *tok, double lo, double hi,
    double *v)
{
	char *end;

	errno = 0;
	*v = strtod(tok, &end);
	if (*tok == '\0' || *end != '\0' || errno != 0 || !isfinite(*v) ||
	    *v < lo || *v > hi)
		return fail(p, "bad number %s (%g to %g)", tok, lo, hi);
	return 0;
}

/* A file's first line of a section drops the defaults of that section. */
static void
section(struct parser *p, int sec)
{
	struct mcfg *c = p->c;
	size_t i;

	if (!p->in_file || p->seen[sec])
		return;
	p->seen[sec] = 1;
	switch (sec) {
	case SEC_IDENT:
		c->nident = 0;
		break;
	case SEC_JUNK:
		for (i = 0; i < c->njunk; i++)
			free(c->junk[i].glob);
		c->njunk = 0;
		break;
	case SEC_CMP:
		c->ncmp = 0;
		c->cross[0] = c->cross[1] = -1;
		break;
	case SEC_BLOCK:
		c->nblock = 0;
		break;
	case SEC_ALIAS:
		for (i = 0; i < c->nalias; i++)
			free(c->alias[i]);
		c->nalias = 0;
		break;
	}
}

static int
close_cmp(struct parser *p)
{
	struct mcfg_cmp *m;
	struct cmp_level *lv;
	const char *errstr;
	long save = p->line;

	if (p->cmp_line == 0)
		return 0;
	m = &p->c->cmp[p->c->ncmp - 1];
	p->line = p->cmp_line;
	p->cmp_line = 0;
	if (m->f.nlevels == 0)
		return fail(p, "%s: no levels: give a preset or level lines",
		    m->f.name);
	/* A catch-all level is implied when the last one is not one. */
	if (m->f.nlevels > 0 &&
	    m->f.level[m->f.nlevels - 1].cond[0].kind != CMP_ELSE) {
		if (m->f.nlevels == CMP_MAXLEVEL)
			return fail(p, "%s: too many levels", m->f.name);
		lv = &m->f.level[m->f.nlevels++];
		memset(lv, 0, sizeof(*lv));
		strcpy(lv->name, "else");
		lv->ncond = 1;
		lv->cond[0].kind = CMP_ELSE;
	}
	if (cmp_field_check(&m->f, &errstr) == -1)
		return fail(p, "%s: %s", m->f.name, errstr);
	p->line = save;
	return 0;
}

static int
do_compare(struct parser *p, char **tok, int ntok)
{
	struct mcfg *c = p->c;
	const struct cmp_field *preset = NULL;
	struct mcfg_cmp *m;
	int slot, i;

	if (ntok < 2)
		return fail(p, "usage: compare FIELD [PRESET] [tf]");
	section(p, SEC_CMP);
	if (strcmp(tok[1], "none") == 0 && ntok == 2)
		return 0;	/* identifiers only */
	if ((slot = slot_get(p, tok[1])) == -1)
		return -1;
	if (strlen(tok[1]) >= CMP_NAMELEN)
		return fail(p, "compared field name longer than %d bytes",
		    CMP_NAMELEN - 1);
	if (mcfg_cmp_find(c, slot) != -1)
		return fail(p, "%s compared twice", tok[1]);
	c->cmp = xrealloc(c->cmp, (c->ncmp + 1) * sizeof(*c->cmp));
	c->implied = xrealloc(c->implied, (c->ncmp + 1) * sizeof(int));
	c->implied[c->ncmp] = -1;
	c->needs = xrealloc(c->needs, (c->ncmp + 1) * sizeof(int));
	c->needs[c->ncmp] = -1;
	m = &c->cmp[c->ncmp++];
	memset(m, 0, sizeof(*m));
	m->slot = slot;
	for (i = 2; i < ntok; i++) {
		if (strcmp(tok[i], "tf") == 0)
			m->tf = 1;
		else if (preset == NULL && i == 2 &&
		    (preset = cmp_default_field(tok[i])) != NULL)
			;
		else
			return fail(p, "unknown comparison preset or option "
			    "%s", tok[i]);
	}
	if (preset != NULL)
		m->f = *preset;
	strcpy(m->f.name, tok[1]);
	p->cmp_line = p->line;
	p->cmp_custom = preset == NULL;
	if (preset == NULL)
		m->f.nlevels = 0;
	return 0;
}

/* level NAME COND [or COND]...; COND is KIND [ARG] [PART]. */
static int
do_level(struct parser *p, char **tok, int ntok)
{
	struct mcfg_cmp *m;
	struct cmp_level *lv;
	struct cmp_cond *cd;
	int i, k, part;
	double arg;

	if (p->cmp_line == 0)
		return fail(p, "level outside a compare");
	if (ntok < 3)
		return fail(p, "usage: level NAME KIND [ARG] [PART] "
		    "[or KIND ...]");
	m = &p->c->cmp[p->c->ncmp - 1];
	if (!p->cmp_custom) {
		/* Level lines after a preset replace its levels. */
		m->f.nlevels = 0;
		p->cmp_custom = 1;
	}
	if (m->f.nlevels == CMP_MAXLEVEL)
		return fail(p, "too many levels (at most %d)", CMP_MAXLEVEL);
	if (strlen(tok[1]) >= CMP_NAMELEN)
		return fail(p, "level name too long: %s", tok[1]);
	lv = &m->f.level[m->f.nlevels++];
	memset(lv, 0, sizeof(*lv));
	strcpy(lv->name, tok[1]);
	for (i = 2; i < ntok; ) {
		if (lv->ncond == CMP_MAXCOND)
			return fail(p, "too many conditions (at most %d)",
			    CMP_MAXCOND);
		cd = &lv->cond[lv->ncond++];
		if ((k = cmp_kind_from_name(tok[i])) == -1)
			return fail(p, "unknown comparator %s", tok[i]);
		cd->kind = k;
		cd->part = CMP_PART_ALL;
		cd->arg = 0;
		i++;
		if (i < ntok && get_double(p, tok[i], -1e300, 1e300,
		    &arg) == 0) {
			cd->arg = arg;
			i++;
		}
		if (i < ntok && (part = cmp_part_from_name(tok[i])) != -1) {
			cd->part = part;
			i++;
		}
		if (i < ntok) {
			if (strcmp(tok[i], "or") != 0 || i + 1 == ntok)
				return fail(p, "expected \"or\" and a "
				    "condition at %s", tok[i]);
			i++;
		}
	}
	return 0;
}

static int
parse_term(struct parser *p, const char *s, struct mcfg_term *t)
{
	char buf[256], *colon, *bar, *xf;
	long long v;

	if (strlen(s) >= sizeof(buf))
		return fail(p, "blocking term too long");
	strcpy(buf, s);
	memset(t, 0, sizeof(*t));
	t->slot2 = -1;
	xf = NULL;
	if ((colon = strrchr(buf, ':')) != NULL) {
		*colon = '\0';
		xf = colon + 1;
	}
	if ((bar = strchr(buf, '|')) != NULL) {
		*bar = '\0';
		if ((t->slot2 = slot_get(p, bar + 1)) == -1)
			return -1;
	}
	if ((t->slot = slot_get(p, buf)) == -1)
		return -1;
	if (xf == NULL)
		return 0;
	if (strcmp(xf, "year") == 0) {
		t->xf = MCFG_XF_PREFIX;
		t->arg = 4;
	} else if (strcmp(xf, "soundex") == 0)
		t->xf = MCFG_XF_SOUNDEX;
	else if (strcmp(xf, "local") == 0)
		t->xf = MCFG_XF_LOCAL;
	else if (strcmp(xf, "nick") == 0)
		t->xf = MCFG_XF_NICK;
	else if (strcmp(xf, "words") == 0)
		t->xf = MCFG_XF_WORDS;
	else if (strcmp(xf, "last") == 0)
		t->xf = MCFG_XF_LAST;
	else if (strcmp(xf, "daymonth") == 0)
		t->xf = MCFG_XF_DAYMONTH;
	else if (strncmp(xf, "prefix", 6) == 0 ||
	    strncmp(xf, "suffix", 6) == 0 || strncmp(xf, "digits", 6) == 0) {
		if (get_long(p, xf + 6, 1, 100, &v) == -1)
			return -1;
		t->xf = xf[0] == 'p' ? MCFG_XF_PREFIX : xf[0] == 's' ?
		    MCFG_XF_SUFFIX : MCFG_XF_DIGITS;
		t->arg = (int)v;
	} else
		return fail(p, "unknown key transform %s", xf);
	return 0;
}

static int
do_block(struct parser *p, char **tok, int ntok)
{
	struct mcfg *c = p->c;
	struct mcfg_block *b;
	int i;

	if (ntok < 2 || ntok - 1 > MCFG_MAXTERM)
		return fail(p, "usage: block TERM [TERM ...] (1 to %d terms)",
		    MCFG_MAXTERM);
	section(p, SEC_BLOCK);
	c->block = xrealloc(c->block, (c->nblock + 1) * sizeof(*c->block));
	b = &c->block[c->nblock];
	memset(b, 0, sizeof(*b));
	for (i = 1; i < ntok; i++) {
		if (parse_term(p, tok[i], &b->term[b->nterm++]) == -1)
			return -1;
		if (strlen(b->text) + strlen(tok[i]) + 2 < sizeof(b->text)) {
			if (i > 1)
				strcat(b->text, " ");
			strcat(b->text, tok[i]);
		}
	}
	c->nblock++;
	return 0;
}

static int
do_ident(struct parser *p, char **tok, int ntok)
{
	struct mcfg *c = p->c;
	struct mcfg_ident *id;
	long long v;
	size_t j;
	int i, slot;

	if (ntok < 2)
		return fail(p, "usage: identifier FIELD [max-people N] "
		    "[max-names N]");
	section(p, SEC_IDENT);
	if (strcmp(tok[1], "none") == 0 && ntok == 2)
		return 0;	/* the section is now empty */
	if ((slot = slot_get(p, tok[1])) == -1)
		return -1;
	for (j = 0; j < c->nident; j++)
		if (c->ident[j].slot == slot)
			return fail(p, "identifier %s declared twice", tok[1]);
	c->ident = xrealloc(c->ident, (c->nident + 1) * sizeof(*c->ident));
	id = &c->ident[c->nident++];
	id->slot = slot;
	id->max_people = 1;
	id->max_names = 4;
	for (i = 2; i < ntok; i += 2) {
		if (i + 1 == ntok)
			return fail(p, "%s needs a number", tok[i]);
		if (get_long(p, tok[i + 1], 1, 1000000, &v) == -1)
			return -1;
		if (strcmp(tok[i], "max-people") == 0)
			id->max_people = (int)v;
		else if (strcmp(tok[i], "max-names") == 0)
			id->max_names = (int)v;
		else
			return fail(p, "unknown identifier option %s", tok[i]);
	}
	return 0;
}

static int
do_junk(struct parser *p, char **tok, int ntok)
{
	struct mcfg *c = p->c;
	int i, slot = -1;

	if (ntok < 3)
		return fail(p, "usage: junk FIELD|* PATTERN ...");
	section(p, SEC_JUNK);
	if (strcmp(tok[1], "*") != 0 && (slot = slot_get(p, tok[1])) == -1)
		return -1;
	for (i = 2; i < ntok; i++) {
		c->junk = xrealloc(c->junk, (c->njunk + 1) * sizeof(*c->junk));
		c->junk[c->njunk].slot = slot;
		c->junk[c->njunk++].glob = xstrdup(tok[i]);
	}
	return 0;
}

/*
 * alias NAME NAME...: first names that are one name, each token one
 * name with '_' for a space ("jean_francois"), stored as match keys.
 */
static int
do_alias(struct parser *p, char **tok, int ntok)
{
	struct mcfg *c = p->c;
	struct sbuf key, disp;
	int i, r = 0;

	if (ntok < 3)
		return fail(p, "usage: alias NAME NAME ...");
	section(p, SEC_ALIAS);
	sb_init(&key);
	sb_init(&disp);
	c->alias = xrealloc(c->alias, (c->nalias + (size_t)ntok) *
	    sizeof(*c->alias));
	for (i = 1; i < ntok; i++) {
		char *t = xstrdup(tok[i]), *u;

		for (u = t; *u; u++)
			if (*u == '_')
				*u = ' ';
		if (norm_name(t, strlen(t), &disp, &key) != NORM_OK ||
		    key.len == 0) {
			free(t);
			r = fail(p, "bad name %s", tok[i]);
			break;
		}
		free(t);
		c->alias[c->nalias++] = xstrdup(key.buf);
	}
	c->alias[c->nalias++] = NULL;
	sb_release(&key);
	sb_release(&disp);
	return r;
}

static int
do_veto(struct parser *p, char **tok, int ntok)
{
	struct mcfg *c = p->c;
	int i;

	if (ntok < 2)
		return fail(p, "usage: veto first_name|birth_date ... | none");
	c->veto_first = c->veto_birth = 0;
	if (ntok == 2 && strcmp(tok[1], "none") == 0)
		return 0;
	for (i = 1; i < ntok; i++)
		if (strcmp(tok[i], "first_name") == 0)
			c->veto_first = 1;
		else if (strcmp(tok[i], "birth_date") == 0)
			c->veto_birth = 1;
		else
			return fail(p, "veto: %s is not first_name or "
			    "birth_date", tok[i]);
	return 0;
}

static int
do_cross(struct parser *p, char **tok, int ntok)
{
	struct mcfg *c = p->c;
	int a, b, i;

	if (ntok != 3)
		return fail(p, "usage: cross FIELD FIELD");
	for (i = 0; i < 2; i++) {
		int s = mcfg_slot_find(c, tok[1 + i]);

		if (s == -1 || mcfg_cmp_find(c, s) == -1)
			return fail(p, "cross: %s is not compared", tok[1 + i]);
	}
	a = mcfg_cmp_find(c, mcfg_slot_find(c, tok[1]));
	b = mcfg_cmp_find(c, mcfg_slot_find(c, tok[2]));
	if (a == b)
		return fail(p, "cross needs two different fields");
	c->cross[0] = a;
	c->cross[1] = b;
	return 0;
}

/*
 * implied FIELD BY: FIELD is not counted when BY agrees exactly.
 * needs FIELD BY: FIELD takes its last level when BY is at its last.
 */
static int
do_implied(struct parser *p, char **tok, int ntok)
{
	struct mcfg *c = p->c;
	int k[2], i, s;

	if (ntok != 3)
		return fail(p, "usage: %s FIELD BY_FIELD", tok[0]);
	for (i = 0; i < 2; i++) {
		s = mcfg_slot_find(c, tok[1 + i]);
		if (s == -1 || (k[i] = mcfg_cmp_find(c, s)) == -1)
			return fail(p, "%s: %s is not compared", tok[0],
			    tok[1 + i]);
	}
	if (k[0] == k[1])
		return fail(p, "%s needs two different fields", tok[0]);
	if (tok[0][0] == 'i')
		c->implied[k[0]] = k[1];
	else
		c->needs[k[0]] = k[1];
	return 0;
}

static int
do_setting(struct parser *p, char **tok, int ntok)
{
	struct mcfg *c = p->c;
	const char *k = tok[0];
	long long v;
	double d;

	if (ntok != 2)
		return fail(p, "usage: %s VALUE", k);
	if (strcmp(k, "threshold") == 0) {
		if (get_double(p, tok[1], 0, 1, &d) == -1)
			return -1;
		c->threshold = d;
	} else if (strcmp(k, "guard-jw") == 0) {
		if (get_double(p, tok[1], 0, 1, &d) == -1)
			return -1;
		c->guard_jw = d;
	} else if (strcmp(k, "link-type") == 0) {
		if (strcmp(tok[1], "dedupe") == 0)
			c->link = MCFG_DEDUPE;
		else if (strcmp(tok[1], "link-only") == 0)
			c->link = MCFG_LINK_ONLY;
		else
			return fail(p, "link-type is dedupe or link-only");
	} else {
		if (get_long(p, tok[1], 0, 1000000000000LL, &v) == -1)
			return -1;
		if (strcmp(k, "seed") == 0)
			c->seed = (uint64_t)v;
		else if (strcmp(k, "random-pairs") == 0 && v >= 1)
			c->random_pairs = (long)v;
		else if (strcmp(k, "em-pairs") == 0 && v >= 1)
			c->em_pairs = (long)v;
		else if (strcmp(k, "em-iterations") == 0 && v >= 1 &&
		    v <= 10000)
			c->em_iterations = (int)v;
		else if (strcmp(k, "block-cap") == 0 && v >= 2)
			c->block_cap = (long)v;
		else if (strcmp(k, "block-budget") == 0)
			c->block_budget = (long)v;
		else if (strcmp(k, "min-fields") == 0 && v <= 64)
			c->min_fields = (int)v;
		else
			return fail(p, "bad value %s for %s", tok[1], k);
	}
	return 0;
}

static int
split(char *s, char **tok)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\0' || *s == '#')
			break;
		if (n == MAXTOK)
			return -1;
		tok[n++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
		if (*s)
			*s++ = '\0';
	}
	return n;
}

static int
parse_line(struct parser *p, char *line)
{
	char *tok[MAXTOK];
	int n;

	if ((n = split(line, tok)) == -1)
		return fail(p, "too many words on a line");
	if (n == 0)
		return 0;
	if (strcmp(tok[0], "level") == 0)
		return do_level(p, tok, n);
	if (close_cmp(p) == -1)
		return -1;
	if (strcmp(tok[0], "compare") == 0)
		return do_compare(p, tok, n);
	if (strcmp(tok[0], "block") == 0)
		return do_block(p, tok, n);
	if (strcmp(tok[0], "identifier") == 0)
		return do_ident(p, tok, n);
	if (strcmp(tok[0], "junk") == 0)
		return do_junk(p, tok, n);
	if (strcmp(tok[0], "cross") == 0)
		return do_cross(p, tok, n);
	if (strcmp(tok[0], "alias") == 0)
		return do_alias(p, tok, n);
	if (strcmp(tok[0], "implied") == 0 || strcmp(tok[0], "needs") == 0)
		return do_implied(p, tok, n);
	if (strcmp(tok[0], "veto") == 0)
		return do_veto(p, tok, n);
	if (strcmp(tok[0], "threshold") == 0 || strcmp(tok[0], "seed") == 0 ||
	    strcmp(tok[0], "link-type") == 0 ||
	    strcmp(tok[0], "random-pairs") == 0 ||
	    strcmp(tok[0], "em-pairs") == 0 ||
	    strcmp(tok[0], "em-iterations") == 0 ||
	    strcmp(tok[0], "block-cap") == 0 ||
	    strcmp(tok[0], "block-budget") == 0 ||
	    strcmp(tok[0], "min-fields") == 0 ||
	    strcmp(tok[0], "guard-jw") == 0)
		return do_setting(p, tok, n);
	return fail(p, "unknown directive %s", tok[0]);
}

static int
parse_text(struct parser *p, const char *text)
{
	const char *s = text, *e;
	char *line;
	int r = 0;

	for (p->line = 1; *s && r == 0; p->line++) {
		e = strchr(s, '\n');
		if (e == NULL)
			e = s + strlen(s);
		line = xstrndup(s, (size_t)(e - s));
		if (strlen(line) != (size_t)(e - s))
			r = fail(p, "NUL byte in line");
		else
			r = parse_line(p, line);
		free(line);
		s = *e ? e + 1 : e;
	}
	if (r == 0 && close_cmp(p) == -1)
		r = -1;
	return r;
}

/* Checks that need the whole configuration. */
static int
finish(struct parser *p)
{
	struct mcfg *c = p->c;
	size_t i, j;
	int t;

	if (c->cross[0] >= (int)c->ncmp || c->cross[1] >= (int)c->ncmp)
		c->cross[0] = c->cross[1] = -1;
	/* Without comparisons there is no model, so nothing to block for. */
	if (c->ncmp == 0)
		c->nblock = 0;
	for (i = 0; i < c->nblock; i++)
		for (t = 0; t < c->block[i].nterm; t++) {
			const struct mcfg_term *tm = &c->block[i].term[t];

			if (mcfg_cmp_find(c, tm->slot) == -1 &&
			    (tm->slot2 == -1 ||
			    mcfg_cmp_find(c, tm->slot2) == -1)) {
				for (j = 0; j < c->nident; j++)
					if (c->ident[j].slot == tm->slot)
						break;
				if (j == c->nident)
					return fail(p, "block %s: %s is "
					    "neither compared nor an "
					    "identifier", c->block[i].text,
					    c->slot[tm->slot].name);
			}
		}
	return 0;
}

int
mcfg_load(struct mcfg *c, const char *path, struct sbuf *why)
{
	return mcfg_load_with(c, path, NULL, why);
}

int
mcfg_load_with(struct mcfg *c, const char *path, const char *found,
    struct sbuf *why)
{
	struct parser p;
	struct sbuf text;
	FILE *f;
	char buf[8192];
	size_t n;
	int r;

	memset(c, 0, sizeof(*c));
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.why = why;
	c->cross[0] = c->cross[1] = -1;
	p.file = "(built-in)";
	/* The guard's slots come first, at fixed indices. */
	slot_get(&p, "first_name");
	slot_get(&p, "last_name");
	slot_get(&p, "birth_date");
	slot_get(&p, "full_name");
	if (parse_text(&p, mcfg_defaults) == -1)
		goto bad;
	p.file = "(built-in nicknames)";
	if (parse_text(&p, mcfg_nicknames) == -1)
		goto bad;
	p.file = "(found in the data)";
	if (found != NULL && parse_text(&p, found) == -1)
		goto bad;
	if (path != NULL) {
		if ((f = fopen(path, "r")) == NULL) {
			sb_reset(why);
			sb_addf(why, "%s: %s", path, strerror(errno));
			goto bad;
		}
		sb_init(&text);
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			sb_add(&text, buf, n);
		r = ferror(f);
		fclose(f);
		if (r) {
			sb_release(&text);
			sb_reset(why);
			sb_addf(why, "%s: read error", path);
			goto bad;
		}
		p.file = path;
		p.in_file = 1;
		r = parse_text(&p, text.buf);
		if (r == 0 && memchr(text.buf, '\0', text.len) != NULL) {
			p.line = 0;
			r = fail(&p, "NUL byte in file");
		}
		sb_release(&text);
		if (r == -1)
			goto bad;
	}
	p.line = 0;
	if (c->ncmp == 0 && c->nident == 0) {
		p.line = 1;
		fail(&p, "nothing to compare: no compare and no identifier");
		goto bad;
	}
	if (finish(&p) == -1)
		goto bad;
	return 0;
bad:
	mcfg_release(c);
	return -1;
}

void
mcfg_release(struct mcfg *c)
{
	size_t i;
	int s;

	for (s = 0; s < c->nslot; s++)
		free(c->slot[s].path);
	for (i = 0; i < c->njunk; i++)
		free(c->junk[i].glob);
	free(c->ident);
	free(c->junk);
	free(c->cmp);
	free(c->implied);
	free(c->needs);
	free(c->block);
	for (i = 0; i < c->nalias; i++)
		free(c->alias[i]);
	free(c->alias);
	memset(c, 0, sizeof(*c));
}
