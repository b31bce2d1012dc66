/*
 * t-mcfg.c - unit tests for common/match/match_config.c: the built-in
 * configuration, sections a file replaces, errors reported as file:line,
 * blocking terms and the junk rules of identifiers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "match/match_config.h"
#include "normalise/field_map.h"
#include "tap.h"

static char path[64];

/* Write text to a fresh temporary file; path holds its name. */
static const char *
conf(const char *text)
{
	FILE *f;
	int fd;

	strcpy(path, "/tmp/t-mcfg.XXXXXX");
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

/* Load text as a file; the error message (after the path) or "ok". */
static const char *
load_err(const char *text)
{
	static char msg[512];
	struct mcfg c;
	struct sbuf why;
	const char *p = conf(text);
	size_t n = strlen(path);

	sb_init(&why);
	if (mcfg_load(&c, p, &why) == 0) {
		strcpy(msg, "ok");
		mcfg_release(&c);
	} else if (strncmp(why.buf, path, n) == 0)
		snprintf(msg, sizeof(msg), "%s", why.buf + n);
	else
		snprintf(msg, sizeof(msg), "%s", why.buf);
	unlink(path);
	sb_release(&why);
	return msg;
}

static int
junk(const struct mcfg *c, const char *slot, const char *v)
{
	return mcfg_is_junk(c, mcfg_slot_find(c, slot), v, strlen(v));
}

int
main(void)
{
	struct mcfg c;
	struct sbuf why;
	const struct mcfg_block *b;
	int k;

	sb_init(&why);
	ok(mcfg_load(&c, NULL, &why) == 0, "the built-in configuration loads");
	is_num(c.threshold, 0.5, 0, "default threshold");
	ok(c.ncmp == 10 && c.nblock == 29 && c.nident == 5,
	    "10 comparisons, 29 blocking rules, 5 identifiers");
	ok(c.block_budget == 10, "block-budget 10 comparisons a record");
	is_str(c.slot[MCFG_S_FIRST].name, "first_name", "slot 0 is first_name");
	is_str(c.slot[MCFG_S_BIRTH].name, "birth_date", "slot 2 is birth_date");
	is_str(c.slot[c.ident[0].slot].name, "customer_id",
	    "the most specific identifier comes first");
	ok(c.cross[0] == mcfg_cmp_find(&c, MCFG_S_FIRST) &&
	    c.cross[1] == mcfg_cmp_find(&c, MCFG_S_LAST), "names crossed");
	k = mcfg_cmp_find(&c, mcfg_slot_find(&c, "city"));
	ok(c.implied[k] == mcfg_cmp_find(&c, mcfg_slot_find(&c,
	    "postal_code")), "city implied by postal_code");
	ok(c.cmp[mcfg_cmp_find(&c, MCFG_S_FIRST)].tf == 1, "tf on first_name");
	ok(c.veto_first && !c.veto_birth,
	    "veto on first names; birth dates weighed by the model");
	b = &c.block[0];
	ok(b->nterm == 2 && b->term[1].slot == MCFG_S_BIRTH &&
	    b->term[1].xf == MCFG_XF_PREFIX && b->term[1].arg == 4,
	    "birth_date:year is a 4-character prefix");
	b = &c.block[6];
	ok(b->nterm == 2 && b->term[0].slot == MCFG_S_FIRST &&
	    b->term[0].slot2 == MCFG_S_LAST, "first_name|last_name is a pair");
	ok(c.nalias > 0 && strcmp(c.alias[c.nalias - 1 - 2], "zephaniah") == 0,
	    "aliases are name keys, the nickname table's last");

	/* Junk values. */
	ok(junk(&c, "email", "test@test.com"), "test@test.com is junk");
	ok(junk(&c, "email", "a@a.fr"), "a@a.fr: local part is the domain");
	ok(junk(&c, "email", "jean@example.com"), "example emails are junk");
	ok(!junk(&c, "email", "jean.dupont@free.fr"), "a real email is not");
	ok(junk(&c, "phone", "+33600000000"), "0600000000 is junk");
	ok(junk(&c, "phone", "+33123456789"), "0123456789 is junk (a run)");
	ok(junk(&c, "phone", "+33102030405"), "0102030405 is junk (listed)");
	ok(!junk(&c, "phone", "+33612345679"), "a real mobile is not");
	ok(junk(&c, "customer_id", "NULL"), "NULL is junk, in any case");
	ok(!junk(&c, "customer_id", "C0001"), "C0001 is not");
	mcfg_release(&c);

	/* A file replaces whole sections and keeps the others. */
	ok(mcfg_load(&c, conf("threshold 0.8\ncompare first_name name\n"
	    "block first_name\njunk email *@corp.example\n"), &why) == 0,
	    "a small file loads");
	unlink(path);
	ok(c.ncmp == 1 && c.nblock == 1 && c.nident == 5 && c.njunk == 1,
	    "compare, block and junk replaced; identifiers kept");
	is_num(c.threshold, 0.8, 0, "threshold overridden");
	ok(c.cross[0] == -1, "cross dropped with the comparisons");
	ok(!junk(&c, "email", "x@example.com") && junk(&c, "email",
	    "x@corp.example") && junk(&c, "email", "a@a.fr"),
	    "junk patterns replaced, built-in rules kept");
	mcfg_release(&c);

	ok(mcfg_load(&c, conf("identifier none\ncompare attr.member.no\n"
	    "level exact exact\nlevel near osa 1 or prefix 4\n"
	    "block attr.member.no:suffix3\n"), &why) == 0,
	    "custom levels on an attribute");
	unlink(path);
	k = mcfg_cmp_find(&c, mcfg_slot_find(&c, "attr.member.no"));
	ok(c.nident == 0, "identifier none empties the section");
	ok(k == 0 && c.cmp[k].f.nlevels == 3, "else added after near");
	ok(c.cmp[k].f.level[1].ncond == 2 &&
	    c.cmp[k].f.level[1].cond[1].kind == CMP_PREFIX &&
	    c.cmp[k].f.level[1].cond[1].arg == 4, "two conditions or-ed");
	is_str(c.slot[c.cmp[k].slot].path, "$.member.no", "attr JSON path");
	ok(c.slot[c.cmp[k].slot].canon == -1, "attr slot has no canon");
	mcfg_release(&c);

	/* Errors, with the line. */
	is_str(load_err("# comment\n\nfrobnicate 1\n"),
	    ":3: unknown directive frobnicate", "unknown directive");
	is_str(load_err("level x exact\n"), ":1: level outside a compare",
	    "level before any compare");
	is_str(load_err("compare first_name\nlevel a jw 2\n"),
	    ":1: first_name: comparator argument out of range",
	    "a bad level is reported at its compare");
	is_str(load_err("threshold 1.5\n"), ":1: bad number 1.5 (0 to 1)",
	    "threshold out of range");
	is_str(load_err("block nosuch\n"), ":1: unknown field nosuch (a "
	    "contact field or attr.PATH)", "unknown field");
	is_str(load_err("block first_name:metaphone\n"),
	    ":1: unknown key transform metaphone", "unknown transform");
	is_str(load_err("compare email exact\ncompare email exact\n"),
	    ":2: email compared twice", "a field compared twice");
	is_str(load_err("compare email\nblock email\n"),
	    ":1: email: no levels: give a preset or level lines",
	    "a compare without levels");
	is_str(load_err("compare first_name name\nblock email\n"
	    "identifier none\n"), ":0: block email: email is neither "
	    "compared nor an identifier", "a block on nothing compared");
	is_str(load_err("compare first_name name\ncross first_name "
	    "last_name\n"), ":2: cross: last_name is not compared",
	    "cross needs compared fields");
	is_str(load_err("compare attr.\n"), ":1: bad attribute path attr.",
	    "empty attribute path");
	is_str(load_err("veto gender\n"), ":1: veto: gender is not "
	    "first_name or birth_date", "bad veto");
	is_str(load_err("identifier email max-people\n"),
	    ":1: max-people needs a number", "option without a number");
	is_str(load_err("link-type sideways\n"),
	    ":1: link-type is dedupe or link-only", "bad link type");
	ok(mcfg_load(&c, "/nonexistent/match.conf", &why) == -1 &&
	    strstr(why.buf, "/nonexistent/match.conf: No such file") != NULL,
	    "a missing file is an error");
	sb_release(&why);
	return done_testing();
}
