/*
 * t-golden.c - unit tests for survivorship (common/merge/golden_record.c): the
 * default rules, each rule and their chains, names counted by match key,
 * the address taken whole from one record, first and last seen, and a
 * result that does not depend on the order records are fed in.
 */
#include <string.h>

#include "merge/golden_record.h"
#include "tap.h"

struct r {
	long long rowid;
	const char *source, *email, *first, *first_key, *street, *city;
	const char *recent, *seen;
};

static void
feed(struct golden *g, const struct r *v, size_t n, int backwards)
{
	struct golden_rec rec;
	size_t i, k;

	golden_begin(g);
	for (k = 0; k < n; k++) {
		i = backwards ? n - 1 - k : k;
		memset(&rec, 0, sizeof(rec));
		rec.rowid = v[i].rowid;
		rec.source = v[i].source;
		rec.val[G_EMAIL] = v[i].email;
		rec.val[G_FIRST_NAME] = v[i].first;
		rec.key[0] = v[i].first_key;
		rec.val[GC_STREET] = v[i].street;
		rec.val[GC_CITY] = v[i].city;
		rec.recent = v[i].recent;
		rec.seen = v[i].seen;
		golden_add(g, &rec);
	}
	golden_end(g);
}

static const struct r people[] = {
	{ 1, "crm", "a@x.fr", "Jean-François", "jean francois",
	    "1 rue A", "Paris", "2023-01-01", "2020-01-01" },
	{ 2, "shop", "b@x.fr", "JEAN FRANCOIS", "jean francois",
	    "2 rue B", "Lyon", "2024-06-01", "2024-06-01" },
	{ 3, "shop", "a@x.fr", "Jeff", "jeff", NULL, NULL,
	    "2024-09-01", "2024-09-01" },
	{ 4, "web", NULL, NULL, NULL, NULL, "Nice",
	    "2025-01-01", NULL },
};

static void
defaults(void)
{
	struct golden g;
	int back;

	golden_init(&g);
	for (back = 0; back < 2; back++) {
		feed(&g, people, 4, back);
		is_str(g.col[G_EMAIL], "a@x.fr",
		    "email: the most frequent value");
		is_str(g.col[G_FIRST_NAME], "JEAN FRANCOIS",
		    "first name: most frequent key, then most recent");
		is_str(g.col[GC_CITY], "Nice",
		    "address: the most recent with a street or a city...");
		ok(g.col[GC_STREET] == NULL,
		    "...whole: no street from another record");
		ok(g.nrecords == 4, "record count");
		is_str(g.first_seen, "2020-01-01", "first seen");
		is_str(g.last_seen, "2025-01-01", "last seen");
		ok(g.col[G_PHONE] == NULL, "no value, no golden value");
	}
	golden_release(&g);
}

static void
rules(void)
{
	static const int recent[] = { GR_RECENT };
	static const int first[] = { GR_FIRST };
	static const int src_recent[] = { GR_SOURCE, GR_RECENT };
	static const int freq_first[] = { GR_FREQUENT, GR_FIRST };
	static char *prio[] = { "crm", "web" };
	struct golden g;

	golden_init(&g);
	ok(golden_set_rules(&g, G_EMAIL, recent, 1) == 0, "set rules");
	feed(&g, people, 4, 0);
	is_str(g.col[G_EMAIL], "a@x.fr", "most recent email (record 3)");
	golden_set_rules(&g, G_EMAIL, first, 1);
	golden_set_rules(&g, G_ADDRESS, first, 1);
	feed(&g, people, 4, 1);
	is_str(g.col[GC_STREET], "1 rue A", "first: the oldest address");
	is_str(g.col[GC_CITY], "Paris", "first: its city");
	golden_set_priority(&g, prio, 2);
	golden_set_rules(&g, G_FIRST_NAME, src_recent, 2);
	golden_set_rules(&g, G_ADDRESS, src_recent, 2);
	feed(&g, people, 4, 0);
	is_str(g.col[G_FIRST_NAME], "Jean-François",
	    "source priority: crm first");
	is_str(g.col[GC_CITY], "Paris",
	    "source priority: crm's address before web's newer one");
	golden_set_priority(&g, prio + 1, 1);
	feed(&g, people, 4, 0);
	is_str(g.col[GC_CITY], "Nice", "priority to web");
	ok(g.col[GC_STREET] == NULL, "web's address has no street");
	golden_set_rules(&g, G_FIRST_NAME, freq_first, 2);
	feed(&g, people, 4, 1);
	is_str(g.col[G_FIRST_NAME], "Jean-François",
	    "most frequent, then the first seen");
	ok(golden_set_rules(&g, G_EMAIL, first, GOLDEN_MAXRULE + 1) == -1,
	    "too many rules");
	golden_release(&g);
}

static void
ties_and_names(void)
{
	static const struct r same[] = {
		{ 7, "a", "x@x.fr", NULL, NULL, NULL, NULL, "2024", "2024" },
		{ 5, "a", "y@x.fr", NULL, NULL, NULL, NULL, "2024", "2024" },
	};
	static const struct r one[] = {
		{ 9, "a", NULL, "Zoé", "zoe", NULL, "Paris", NULL, NULL },
	};
	struct golden g;

	golden_init(&g);
	feed(&g, same, 2, 0);
	is_str(g.col[G_EMAIL], "y@x.fr", "a full tie: the smaller rowid");
	feed(&g, same, 2, 1);
	is_str(g.col[G_EMAIL], "y@x.fr", "in either order");
	feed(&g, one, 1, 0);
	is_str(g.col[G_FIRST_NAME], "Zoé", "one record: its values");
	is_str(g.col[GC_CITY], "Paris", "one record: its address");
	ok(g.first_seen == NULL && g.last_seen == NULL, "no time known");
	ok(golden_field_lookup("address") == G_ADDRESS &&
	    golden_field_lookup("street") == -1 &&
	    golden_field_lookup("email") == G_EMAIL, "field names");
	ok(golden_rule_lookup("most-frequent") == GR_FREQUENT &&
	    golden_rule_lookup("latest") == -1, "rule names");
	is_str(golden_col_name(GC_COUNTRY), "country", "column names");
	golden_release(&g);
}

int
main(void)
{
	defaults();
	rules();
	ties_and_names();
	return done_testing();
}
