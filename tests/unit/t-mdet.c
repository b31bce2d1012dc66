/*
 * t-mdet.c - unit tests for common/match/deterministic.c: the guard's name and
 * date tests (initials, compound names, short forms, aliases, swapped names,
 * transposed dates), junk clearing, star links, shared values (two people, too
 * many names, a person's other records), components, the veto, and the
 * incremental filter.
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "match/deterministic.h"
#include "match/match_config.h"
#include "match/record_load.h"
#include "match/record_set.h"
#include "tap.h"

#define S(s)	(s), strlen(s)

static struct mcfg c;
static struct mset ms;
static int EMAIL, PHONE;

/* A record: first, last, birth date, email, phone (NULL: missing). */
static uint32_t
rec(const char *f, const char *l, const char *d, const char *e,
    const char *p)
{
	size_t r = mset_add(&ms, 0, "x", 1, (int64_t)ms.n);

	if (f)
		mset_set(&ms, r, MCFG_S_FIRST, S(f));
	if (l)
		mset_set(&ms, r, MCFG_S_LAST, S(l));
	if (d)
		mset_set(&ms, r, MCFG_S_BIRTH, S(d));
	if (e)
		mset_set(&ms, r, EMAIL, S(e));
	if (p)
		mset_set(&ms, r, PHONE, S(p));
	return (uint32_t)r;
}

static int
compat(const char *f1, const char *l1, const char *d1, const char *f2,
    const char *l2, const char *d2)
{
	uint32_t a = rec(f1, l1, d1, NULL, NULL), b = rec(f2, l2, d2, NULL,
	    NULL);

	return mdet_compatible(&c, &ms, a, b);
}

/* The links as "a-b:ident" strings. */
static const char *
links(struct mdet *d)
{
	static char buf[1024];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < d->npair; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		    "%s%u-%u:%s", i ? " " : "", d->pair[i].a, d->pair[i].b,
		    c.slot[c.ident[d->pair[i].ident].slot].name);
	return buf;
}

static void
fresh(void)
{
	mset_release(&ms);
	mset_init(&ms, c.nslot);
	mdet_aliases(&c, &ms);
}

int
main(void)
{
	struct mdet d;
	struct mdet_memo *memo = xcalloc(1, sizeof(*memo));
	struct sbuf why;
	uint32_t a, b;

	sb_init(&why);
	if (mcfg_load(&c, NULL, &why) == -1)
		return 1;
	EMAIL = mcfg_slot_find(&c, "email");
	PHONE = mcfg_slot_find(&c, "phone");
	mset_init(&ms, c.nslot);
	mdet_aliases(&c, &ms);

	ok(compat("jean", "dupont", NULL, "jean", "dupont", NULL), "same");
	ok(compat("jean", "dupont", NULL, NULL, NULL, NULL), "missing fits");
	ok(compat("j", "dupont", NULL, "jean", "dupont", NULL), "an initial");
	ok(compat("jf", "dupont", NULL, "jean francois", "dupont", NULL),
	    "initials of a compound name");
	ok(compat("jean", "dupont", NULL, "jean pierre", "dupont", NULL),
	    "the first word of a compound name");
	ok(compat("seb", "roux", NULL, "sebastien", "roux", NULL),
	    "a short form that begins the name");
	ok(compat("jeanne", "roux", NULL, "jean", "roux", NULL),
	    "Jaro-Winkler 0.93 >= guard-jw");
	ok(compat("mimi", "roux", NULL, "michel", "roux", NULL),
	    "an alias from the configuration");
	ok(compat("fanfan", "roux", NULL, "francoise", "roux", NULL) &&
	    compat("fanfan", "roux", NULL, "francois", "roux", NULL),
	    "one diminutive of two names");
	ok(!compat("francois", "roux", "1950-01-01", "francoise", "roux",
	    "1953-05-06"), "...but the two names' bearers stay apart");
	ok(!compat("marie", "roux", NULL, "paul", "roux", NULL),
	    "different first names");
	ok(compat("roux", "marie", NULL, "marie", "roux", NULL),
	    "names swapped");
	ok(!compat("lea", "roux", NULL, "lex", "roux", NULL),
	    "lea and lex: JW 0.82 < 0.85, two people");
	ok(compat("anne", "roux", "1980-03-12", "anne", "roux", "1980-12-03"),
	    "day and month swapped");
	ok(compat("anne", "roux", "1980-03-12", "anne", "roux", "1980-03-13"),
	    "one edit in a date");
	ok(compat("anne", "roux", "1846-04-08", "anne", "roux", "1848-04-09"),
	    "a year digit and the day one apart: one person");
	ok(!compat("anne", "roux", "1980-03-12", "anne", "roux", "1976-03-12"),
	    "a year no typo explains: two people");
	ok(!compat("anne", "roux", "1980-03-12", "anne", "roux", "1980-07-25"),
	    "month and day far apart: two people");

	/* Last names: a shared phone does not make Ellie O'hare D'esquire. */
	ok(!compat("ellie", "d esquire", NULL, "ellie", "o hare", NULL),
	    "one first name, two last names: two people");
	ok(compat("ellie", "ohare", NULL, "ellie", "o hare", NULL),
	    "a last name miskeyed: one person");
	{
		/* Only full names: parsed into words, in any order. */
		size_t r1 = mset_add(&ms, 0, "x", 1, (int64_t)ms.n);
		size_t r2 = mset_add(&ms, 0, "x", 1, (int64_t)ms.n);
		size_t r3 = mset_add(&ms, 0, "x", 1, (int64_t)ms.n);

		mset_set(&ms, r1, MCFG_S_FULL, S("martin, pierre"));
		mset_set(&ms, r2, MCFG_S_FULL, S("martin, sophie"));
		mset_set(&ms, r3, MCFG_S_FULL, S("pierre martin"));
		ok(!mdet_compatible(&c, &ms, (uint32_t)r1, (uint32_t)r2),
		    "full names: MARTIN, Pierre and MARTIN, Sophie are two");
		ok(mdet_compatible(&c, &ms, (uint32_t)r1, (uint32_t)r3),
		    "full names: the words in another order are one");
	}

	/* Veto: only the fields configured. */
	a = rec("marie", "roux", "1980-01-01", NULL, NULL);
	b = rec("paul", "roux", "1983-05-01", NULL, NULL);
	ok(mdet_conflict(memo, &c, &ms, a, b), "first names veto");
	ok(mdet_conflict(memo, &c, &ms, a, b), "memoised: same answer");
	b = rec("paul", "roux", "1981-01-01", NULL, NULL);
	ok(mdet_conflict(memo, &c, &ms, a, b),
	    "a birth date one slip away, another initial: two people");
	b = rec("mona", "roux", "1981-01-01", NULL, NULL);
	ok(!mdet_conflict(memo, &c, &ms, a, b),
	    "a birth date one slip away, one initial: a name miskeyed, weighed");
	b = rec("paul", "roux", "1980-01-01", NULL, NULL);
	ok(!mdet_conflict(memo, &c, &ms, a, b),
	    "the same birth date: a first name replaced, the model weighs it");
	c.veto_first = 0;
	ok(!mdet_conflict(memo, &c, &ms, a, b), "not when not vetoed on");
	ok(c.veto_birth == 0, "birth dates: weighed, not vetoed by default");
	c.veto_birth = 1;
	b = rec("marie", "roux", "1975-06-01", NULL, NULL);
	ok(mdet_conflict(NULL, &c, &ms, a, b), "birth dates veto");
	c.veto_birth = 0;
	ok(!mdet_conflict(NULL, &c, &ms, a, b), "veto none");
	c.veto_first = c.veto_birth = 1;

	/* Junk is cleared, and counted once per value. */
	fresh();
	rec("a", "b", NULL, "test@test.com", "+33600000000");
	rec("c", "d", NULL, "test@test.com", "+33671829304");
	rec("e", "f", NULL, "TEST@test.com", NULL);
	mdet_init(&d, ms.n);
	mdet_clear_junk(&d, &c, &ms);
	ok(d.st.junk_values == 3 && d.st.junk_records == 4,
	    "three junk values (patterns ignore case) in four slots");
	ok(mset_get(&ms, 0, EMAIL) == 0 && mset_get(&ms, 0, PHONE) == 0 &&
	    mset_get(&ms, 1, PHONE) != 0 && mset_get(&ms, 2, EMAIL) == 0,
	    "only the junk values cleared");
	mdet_release(&d);

	/* A star: each holder to the first one. */
	fresh();
	rec("jean", "roux", NULL, "j@r.test", NULL);		/* 0 */
	rec(NULL, NULL, NULL, "j@r.test", NULL);		/* 1 */
	rec("jean", "roux", "1950-02-03", "j@r.test", NULL);	/* 2 */
	rec("j", "roux", NULL, "j@r.test", NULL);		/* 3 */
	mdet_init(&d, ms.n);
	mdet_links(&d, &c, &ms, 0);
	is_str(links(&d), "0-1:email 0-2:email 0-3:email", "a star, not a clique");
	ok(mdet_find(&d, 3) == mdet_find(&d, 1), "one component");
	mdet_release(&d);

	/* Shared: two people, or more names than max-names. */
	fresh();
	rec("paul", "morel", "1970-02-03", "fam@m.test", "+33147203186");
	rec("claire", "morel", "1972-08-30", "fam@m.test", NULL);
	rec("paul", "morel", NULL, NULL, "+33147203186");
	mdet_init(&d, ms.n);
	mdet_links(&d, &c, &ms, 0);
	is_str(links(&d), "0-2:phone", "the family email links nobody");
	ok(d.st.shared_values == 1 && d.st.linking_values == 1, "counted");
	ok(mdet_find(&d, 0) != mdet_find(&d, 1), "two components");
	mdet_release(&d);

	fresh();
	rec("jean", "roux", NULL, "shop@s.test", NULL);
	rec("jeanne", "roux", NULL, "shop@s.test", NULL);
	rec("jeannot", "roux", NULL, "shop@s.test", NULL);
	rec("jeannette", "roux", NULL, "shop@s.test", NULL);
	rec("jeanine", "roux", NULL, "shop@s.test", NULL);
	mdet_init(&d, ms.n);
	mdet_links(&d, &c, &ms, 0);
	is_str(links(&d), "", "five compatible names: more than max-names");
	mdet_release(&d);

	/* The guard sees what a record's component says about it. */
	fresh();
	rec("antoine", "martin", NULL, "a@m.test", "+33147203186");	/* 0 */
	rec("isabelle", "martin", NULL, "i@m.test", NULL);		/* 1 */
	rec(NULL, NULL, NULL, "i@m.test", "+33147203186");		/* 2 */
	mdet_init(&d, ms.n);
	mdet_links(&d, &c, &ms, 0);
	is_str(links(&d), "1-2:email", "the landline of two people");
	mdet_release(&d);

	/* Incremental: links with a new record only, components whole. */
	fresh();
	rec("jean", "roux", NULL, "j@r.test", NULL);
	rec("jean", "roux", NULL, "j@r.test", NULL);
	rec("jean", "roux", NULL, "j@r.test", NULL);
	ms.flag[0] &= ~MSET_NEW;
	ms.flag[1] &= ~MSET_NEW;
	mdet_init(&d, ms.n);
	mdet_links(&d, &c, &ms, 1);
	is_str(links(&d), "0-2:email", "only the new record's link");
	ok(mdet_find(&d, 1) == mdet_find(&d, 2), "old links still join");
	mdet_release(&d);

	mset_release(&ms);
	mcfg_release(&c);
	sb_release(&why);
	free(memo);
	{
		/* Attribute identifiers: separators and case say nothing. */
		struct sbuf o;

		sb_init(&o);
		mload_attr_norm(S("521-21-2123"), &o);
		is_str(o.buf, "521212123", "an SSN's dashes dropped");
		mload_attr_norm(S(" AB 123 456 "), &o);
		is_str(o.buf, "ab123456", "a passport number's spaces and case");
		mload_attr_norm(S("12 Rue de la  Paix"), &o);
		is_str(o.buf, "12 rue de la paix", "text keeps its words");
		sb_release(&o);
	}
	return done_testing();
}
