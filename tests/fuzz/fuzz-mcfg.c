/*
 * fuzz-mcfg.c - the cdp-match configuration file (common/match/match_config.c).
 *
 * fuzz-sources: core/util normalise/field_map normalise/normalise normalise/dates normalise/phones match/comparators match/comparison_levels match/match_config match/match_config_defaults
 * fuzz-options: -max_len=4096
 *
 * The input is a configuration file: mcfg_load reads it from a memory
 * file after the built-in defaults, as cdp-match -c does.  A refused
 * file must say why as "FILE:LINE: message", naming this file and a
 * line it has (0 for the checks on the whole configuration); the
 * configuration is then released.  An accepted one must hold together:
 * every slot, comparison and rule index in range, at most MCFG_MAXSLOT
 * slots each found again by its name, the alias groups ended, a
 * probability threshold, and mcfg_is_junk must answer on every
 * identifier for the input's own lines.  Nothing may leak.
 */
#include "match/match_config.h"
#include "fuzz.h"

/* why must read "path:LINE: message" with 0 <= LINE <= nlines. */
static void
fz_mcfg_check_why(const struct sbuf *why, const char *path, long nlines)
{
	size_t n = strlen(path);
	const char *s;
	long l = 0;

	FZ_CHECK(why->len > n && memcmp(why->buf, path, n) == 0 &&
	    why->buf[n] == ':', "error does not name the file: \"%s\"",
	    why->buf);
	s = why->buf + n + 1;
	FZ_CHECK(*s >= '0' && *s <= '9', "no line in \"%s\"", why->buf);
	while (*s >= '0' && *s <= '9' && l < 100000000)
		l = l * 10 + (*s++ - '0');
	FZ_CHECK(*s == ':' && s[1] == ' ' && s[2] != '\0',
	    "no message in \"%s\"", why->buf);
	FZ_CHECK(l <= nlines, "line %ld of a %ld-line file: \"%s\"", l,
	    nlines, why->buf);
}

#define FZ_MCFG_IN(i, n)	((i) >= 0 && (size_t)(i) < (size_t)(n))

static void
fz_mcfg_check(const struct mcfg *c)
{
	size_t i;
	int s, t;

	FZ_CHECK(c->nslot >= 4 && c->nslot <= MCFG_MAXSLOT, "%d slots",
	    c->nslot);
	for (s = 0; s < c->nslot; s++) {
		FZ_CHECK(memchr(c->slot[s].name, '\0', MCFG_NAMELEN) != NULL &&
		    mcfg_slot_find(c, c->slot[s].name) == s,
		    "slot %d not found by its name", s);
		FZ_CHECK((c->slot[s].canon == -1) == (c->slot[s].path != NULL),
		    "slot %s: canon %d, path %s", c->slot[s].name,
		    c->slot[s].canon, c->slot[s].path ? c->slot[s].path : "-");
	}
	for (i = 0; i < c->nident; i++)
		FZ_CHECK(FZ_MCFG_IN(c->ident[i].slot, c->nslot),
		    "identifier %zu: slot %d", i, c->ident[i].slot);
	for (i = 0; i < c->njunk; i++)
		FZ_CHECK((c->junk[i].slot == -1 ||
		    FZ_MCFG_IN(c->junk[i].slot, c->nslot)) && c->junk[i].glob,
		    "junk %zu: slot %d", i, c->junk[i].slot);
	for (i = 0; i < c->ncmp; i++) {
		FZ_CHECK(FZ_MCFG_IN(c->cmp[i].slot, c->nslot) &&
		    mcfg_cmp_find(c, c->cmp[i].slot) == (int)i,
		    "comparison %zu: slot %d", i, c->cmp[i].slot);
		FZ_CHECK(c->implied[i] == -1 || FZ_MCFG_IN(c->implied[i], c->ncmp),
		    "comparison %zu implied by %d", i, c->implied[i]);
		FZ_CHECK(c->needs[i] == -1 || FZ_MCFG_IN(c->needs[i], c->ncmp),
		    "comparison %zu needs %d", i, c->needs[i]);
	}
	for (t = 0; t < 2; t++)
		FZ_CHECK(c->cross[t] == -1 || FZ_MCFG_IN(c->cross[t], c->ncmp),
		    "cross %d", c->cross[t]);
	for (i = 0; i < c->nblock; i++) {
		const struct mcfg_block *b = &c->block[i];

		FZ_CHECK(b->nterm >= 1 && b->nterm <= MCFG_MAXTERM &&
		    memchr(b->text, '\0', sizeof(b->text)) != NULL,
		    "block %zu: %d terms", i, b->nterm);
		for (t = 0; t < b->nterm; t++)
			FZ_CHECK(FZ_MCFG_IN(b->term[t].slot, c->nslot) &&
			    (b->term[t].slot2 == -1 ||
			    FZ_MCFG_IN(b->term[t].slot2, c->nslot)),
			    "block %s: term %d slots %d, %d", b->text, t,
			    b->term[t].slot, b->term[t].slot2);
	}
	FZ_CHECK(c->nalias == 0 || c->alias[c->nalias - 1] == NULL,
	    "alias groups not ended");
	FZ_CHECK(c->threshold >= 0 && c->threshold <= 1, "threshold %g",
	    c->threshold);
	FZ_CHECK(c->link == MCFG_DEDUPE || c->link == MCFG_LINK_ONLY,
	    "link type %d", (int)c->link);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct sbuf why;
	struct mcfg c;
	char path[64];
	long nlines = 1;
	size_t i;
	int fd;

	for (i = 0; i < size; i++)
		nlines += data[i] == '\n';
	sb_init(&why);
	fd = fz_memfd(data, size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (mcfg_load(&c, path, &why) == -1) {
		fz_mcfg_check_why(&why, path, nlines);
		FZ_CHECK(c.nslot == 0 && c.ident == NULL && c.cmp == NULL &&
		    c.block == NULL && c.alias == NULL,
		    "refused configuration not released");
	} else {
		fz_mcfg_check(&c);
		for (; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			for (i = 0; i < c.nident; i++)
				mcfg_is_junk(&c, c.ident[i].slot, p,
				    (size_t)(nl - p));
		}
		mcfg_release(&c);
	}
	close(fd);
	sb_release(&why);
	return 0;
}
