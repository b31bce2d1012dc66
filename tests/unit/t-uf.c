/*
 * t-uf.c - unit tests for the union-find with guards
 * (common/merge/union_find.c) and the clustering of pairs strongest first
 * (mg_cluster in merge/clustering.c): joins and sizes, dates and their
 * conflicts in each mode, the contact limit (signatures counted once,
 * non-contacts not at all, the cap), never-links, and the weakest link of a
 * chain being the one refused whatever the input order.
 */
#include <stdlib.h>
#include <string.h>

#include "merge/clustering.h"
#include "merge/union_find.h"
#include "tap.h"

static void
basics(void)
{
	struct uf u;
	uint32_t r;

	uf_init(&u, 5);
	ok(uf_find(&u, 3) == 3, "a record starts alone");
	r = uf_join(&u, uf_find(&u, 1), uf_find(&u, 2));
	ok(r == 1, "a tie keeps the smaller index as root");
	r = uf_join(&u, uf_find(&u, 3), uf_find(&u, 2));
	ok(r == 1, "the larger cluster keeps its root");
	ok(u.size[1] == 3, "sizes add up");
	ok(uf_find(&u, 3) == uf_find(&u, 2), "3 joined 2");
	ok(uf_find(&u, 0) != uf_find(&u, 1) && uf_find(&u, 4) == 4,
	    "the others are apart");
	ok(uf_check(&u, uf_find(&u, 0), uf_find(&u, 4), NULL) == UF_OK,
	    "no guard, no refusal");
	uf_release(&u);
}

static void
dates(void)
{
	ok(uf_date("1985-03-15", 10) == 19850315, "a date");
	ok(uf_date("1985-03-15T10:00:00Z", 20) == 19850315,
	    "a date with a time");
	ok(uf_date("1985-13-15", 10) == 0, "month 13 is no date");
	ok(uf_date("1985-3-15", 9) == 0, "short form is no date");
	ok(uf_date("85-03-15xx", 10) == 0, "two-digit year is no date");
	ok(!uf_date_conflict(UF_BD_TYPO, 19850315, 19850316),
	    "typo: the day differs");
	ok(!uf_date_conflict(UF_BD_TYPO, 19850315, 19580315),
	    "typo: the year differs");
	ok(!uf_date_conflict(UF_BD_TYPO, 19850305, 19850503),
	    "typo: day and month swapped");
	ok(!uf_date_conflict(UF_BD_TYPO, 18460408, 18480409),
	    "typo: a year digit and the day one apart");
	ok(!uf_date_conflict(UF_BD_TYPO, 18570120, 18870120),
	    "typo: a year off by 30, one digit");
	ok(!uf_date_conflict(UF_BD_TYPO, 18991231, 19001231),
	    "typo: a year off by one across the century");
	ok(uf_date_conflict(UF_BD_TYPO, 19850315, 19850428),
	    "typo: the day far off besides the month");
	ok(uf_date_conflict(UF_BD_TYPO, 19850315, 19790315),
	    "typo: a year 6 apart in two digits");
	ok(!uf_date_conflict(UF_BD_TYPO, 19850315, 19580315),
	    "typo: two year digits exchanged");
	ok(uf_date_conflict(UF_BD_TYPO, 19850315, 19620701),
	    "typo: all differ");
	ok(uf_date_conflict(UF_BD_STRICT, 19850315, 19850316),
	    "strict: any difference");
	ok(!uf_date_conflict(UF_BD_STRICT, 19850315, 19850315),
	    "strict: equal dates agree");
	ok(!uf_date_conflict(UF_BD_OFF, 19850315, 19620701), "off: never");
	ok(!uf_date_conflict(UF_BD_STRICT, 19850315, 0), "no date agrees");
}

static void
birth_guard(void)
{
	struct uf u;
	struct uf_why why;
	uint32_t r;

	uf_init(&u, 4);
	u.bd_mode = UF_BD_TYPO;
	uf_set_bdate(&u, 0, 19850315);
	uf_set_bdate(&u, 1, 19850316);
	uf_set_bdate(&u, 2, 19620701);
	r = uf_join(&u, 0, 1);
	ok(uf_check(&u, r, 3, NULL) == UF_OK, "no date joins anything");
	ok(uf_check(&u, r, 2, &why) == UF_BIRTH, "a conflict is refused");
	ok(why.d1 == 19620701 && why.d2 == 19850315,
	    "the conflicting dates, smaller first");
	r = uf_join(&u, r, 3);
	ok(uf_check(&u, 2, r, NULL) == UF_BIRTH,
	    "the dates of a joined cluster are kept");
	uf_release(&u);
}

static void
size_guard(void)
{
	struct uf u;
	struct uf_why why;
	uint32_t r, i;

	uf_init(&u, 6);
	u.max_contacts = 2;
	uf_set_sig(&u, 0, 11);
	uf_set_sig(&u, 1, 11);		/* the same contact twice */
	uf_set_sig(&u, 2, 22);
	uf_set_sig(&u, 3, 0);		/* a cookie event: no contact */
	uf_set_sig(&u, 4, 33);
	r = uf_join(&u, 0, 1);
	ok(uf_contacts(&u, r) == 1, "one signature counts once");
	ok(uf_check(&u, r, 2, NULL) == UF_OK, "two contacts pass");
	r = uf_join(&u, r, 2);
	r = uf_join(&u, r, uf_find(&u, 3));
	ok(uf_contacts(&u, r) == 2, "a non-contact adds nothing");
	ok(uf_check(&u, r, 4, &why) == UF_SIZE, "a third is refused");
	ok(why.contacts == 3, "with the count of the join");
	uf_release(&u);

	/* Joined unchecked (existing profiles), the set stops at max + 1. */
	uf_init(&u, 10);
	u.max_contacts = 3;
	for (i = 0; i < 10; i++)
		uf_set_sig(&u, i, 100 + i);
	for (r = 0, i = 1; i < 10; i++)
		r = uf_join(&u, uf_find(&u, r), i);
	ok(uf_contacts(&u, r) == 4, "the signature set is capped");
	uf_release(&u);
}

static void
never_guard(void)
{
	struct uf u;
	struct uf_why why;
	uint32_t a, b;

	uf_init(&u, 5);
	uf_add_never(&u, 0, 3);
	a = uf_join(&u, 0, 1);
	b = uf_join(&u, 2, 3);
	ok(uf_check(&u, a, 4, NULL) == UF_OK, "a third party is fine");
	ok(uf_check(&u, a, b, &why) == UF_NEVER, "0 and 3 stay apart");
	ok(why.u == 0 && why.v == 3, "the never pair is named");
	ok(uf_check(&u, b, a, NULL) == UF_NEVER, "from either side");
	a = uf_join(&u, a, 4);
	ok(uf_check(&u, a, b, NULL) == UF_NEVER, "after more joins too");
	uf_release(&u);
}

static void
add_link(struct mg *m, uint32_t a, uint32_t b, double prob, uint64_t seq)
{
	struct mg_link *l = mg_add(m);

	l->a = a;
	l->b = b;
	l->prob = prob;
	l->spool = seq;
}

/* Chain 0 -0.9- 1 -0.6- 2 -0.8- 3 with never(0, 3), in a given order. */
static void
chain(const int *order, const char *desc)
{
	static const double prob[3] = { 0.9, 0.6, 0.8 };
	struct mg m;
	struct uf u;
	size_t i;
	int refused = -1;

	mg_init(&m, 0);
	uf_init(&u, 4);
	uf_add_never(&u, 0, 3);
	for (i = 0; i < 3; i++)
		add_link(&m, (uint32_t)order[i], (uint32_t)order[i] + 1,
		    prob[order[i]], i);
	mg_cluster(&m, &u, NULL);
	for (i = 0; i < m.nlk; i++)
		if (m.lk[i].state == MG_REFUSED)
			refused = (int)m.lk[i].a;
	ok(refused == 1 && m.nref == 1 && m.ref[0].why.reason == UF_NEVER,
	    desc);
	uf_release(&u);
	mg_release(&m);
}

static void
weakest(void)
{
	static const int o1[3] = { 0, 1, 2 }, o2[3] = { 2, 1, 0 },
	    o3[3] = { 1, 0, 2 };
	struct mg m;
	struct uf u;
	uint32_t tree[4];

	chain(o1, "the weakest link of the path is refused");
	chain(o2, "whatever the input order (reversed)");
	chain(o3, "whatever the input order (weakest first)");

	/* Duplicates: the second copy of a link is inside already. */
	mg_init(&m, 0);
	uf_init(&u, 4);
	add_link(&m, 0, 1, 0.9, 0);
	add_link(&m, 0, 1, 0.7, 1);
	add_link(&m, 2, 3, 0.95, 2);
	mg_cluster(&m, &u, tree);
	ok(m.lk[0].a == 2 && m.lk[0].state == MG_TREE, "strongest first");
	ok(m.lk[1].prob == 0.9 && m.lk[1].state == MG_TREE &&
	    m.lk[2].state == MG_IN, "a repeated pair is inside");
	ok(tree[0] == 1 && tree[1] == 1 && tree[2] == 0 && tree[3] == 0,
	    "each record's first tree link");
	uf_release(&u);
	mg_release(&m);
}

static void
nm(struct uf_name *n, const char *first, const char *last, const char *full)
{
	uf_name_of(n, first, first ? strlen(first) : 0, last,
	    last ? strlen(last) : 0, full, full ? strlen(full) : 0);
}

static void
names(void)
{
	struct uf_name p, q, none;
	struct uf_why why;
	struct uf u;
	uint32_t r;

	nm(&p, "pierre", "martin", NULL);
	nm(&q, "sophie", "martin", NULL);
	ok(!uf_name_fits(&p, &q), "two first names do not fit");
	nm(&q, "p", "martin", NULL);
	ok(uf_name_fits(&p, &q), "an initial fits");
	nm(&q, "q", "martin", NULL);
	ok(!uf_name_fits(&p, &q), "another initial does not");
	nm(&q, "pierre", "martinn", NULL);
	ok(uf_name_fits(&p, &q), "a last name's typo past its 4th letter fits");
	nm(&q, "pierre", "mertin", NULL);
	ok(!uf_name_fits(&p, &q), "one in its first 4 letters does not");
	nm(&q, "pierre", NULL, "martin pierre");
	ok(uf_name_fits(&p, &q), "a missing part is no conflict");
	nm(&p, NULL, NULL, "martin pierre");
	nm(&q, NULL, NULL, "martin sophie");
	ok(!uf_name_fits(&p, &q), "full names alone decide");
	nm(&none, NULL, NULL, NULL);
	ok(none.first == 0 && none.last == 0 && none.full == 0, "no name");

	/* 0 Pierre, 1 Sophie, 2 no name, 3 Pierre again. */
	uf_init(&u, 4);
	uf_name_guard(&u);
	nm(&p, "pierre", "martin", NULL);
	nm(&q, "sophie", "martin", NULL);
	uf_set_name(&u, 0, &p);
	uf_set_name(&u, 1, &q);
	uf_set_name(&u, 3, &p);
	ok(uf_check_link(&u, 2, 0, 2, 0, NULL) == UF_OK,
	    "a nameless record joins a named one");
	r = uf_join(&u, 2, 0);
	ok(uf_check_link(&u, r, 1, 2, 1, &why) == UF_NAME && why.u == 2 &&
	    why.v == 1, "but does not bridge to another name");
	ok(uf_check_link(&u, r, 1, 0, 1, NULL) == UF_OK,
	    "a link of two named records is the model's to weigh");
	ok(uf_check_link(&u, r, 3, 2, 3, NULL) == UF_OK,
	    "the same name again fits");
	r = uf_join(&u, r, 3);
	ok(uf_check_link(&u, r, 1, 2, 1, NULL) == UF_NAME,
	    "after another join too");
	uf_release(&u);
}

int
main(void)
{
	basics();
	dates();
	birth_guard();
	size_guard();
	never_guard();
	weakest();
	names();
	return done_testing();
}
