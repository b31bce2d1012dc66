/*
 * t-expr.c - unit tests for the expression language (common/expr*.c):
 * every construct of the grammar evaluated on a small store whose
 * answers were worked out by hand, every aggregate with and without a
 * window, the error messages with their positions and suggestions,
 * injection attempts, segment inlining and cycles, and the authorizer.
 *
 * The store (as of 2024-06-30):
 *
 *   profile 1  Paris FR, a@x.com, first seen 2023-01-10, born 1980-05-01
 *     purchases (shop) 2024-06-30 100 {store s1, loyalty.tier gold},
 *                      2024-06-01 50 {store s2}, 2024-01-15 30 {store s1},
 *                      2024-07-05 999 (after the as-of date: never counts)
 *     logins (web)     2024-06-29 {channel app}, 2023-12-01
 *     a CRM record     no ts, {loyalty.tier silver}
 *     consent email    granted 2024-01-01; denied 2024-07-01 (too late)
 *   profile 2  Lyon FR, first seen 2024-05-01
 *     page_view (web) 2024-06-20; purchase (shop) 2024-04-01 20 {store s3}
 *     a CRM record     no ts, {loyalty.tier bronze, points "120"}
 *     consent sms granted
 *   profile 3  city "O'Brien town", GB; a login 2024-06-30T23:59:59Z
 *   profile 4  nothing at all
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "expr/expr.h"
#include "score/score.h"
#include "store/database.h"
#include "tap.h"

static char dir[] = "/tmp/t-expr.XXXXXX";
static char path[64];
static sqlite3 *db;

static const char fixture[] =
    "INSERT INTO source(id, name, created_at) VALUES (1, 'web', 'x'),"
    " (2, 'shop', 'x'), (3, 'crm', 'x');"
    "INSERT INTO profile(id, created_run, updated_run, email, city, country,"
    " first_seen, birth_date) VALUES"
    " (1, 1, 1, 'a@x.com', 'Paris', 'FR', '2023-01-10T09:00:00Z',"
    "  '1980-05-01'),"
    " (2, 1, 1, NULL, 'Lyon', 'FR', '2024-05-01T00:00:00Z', NULL),"
    " (3, 1, 1, NULL, 'O''Brien town', 'GB', NULL, NULL),"
    " (4, 1, 1, NULL, NULL, NULL, NULL, NULL);"
    "INSERT INTO record(id, source_id, record_id, event_type, ts, amount,"
    " raw, fp, first_run, run) VALUES"
    " (1, 2, 'r1', 'purchase', '2024-06-30T10:00:00Z', 100,"
    "  '{\"store\":\"s1\",\"loyalty\":{\"tier\":\"gold\"}}', 0, 1, 1),"
    " (2, 2, 'r2', 'purchase', '2024-06-01T10:00:00Z', 50,"
    "  '{\"store\":\"s2\"}', 0, 1, 1),"
    " (3, 2, 'r3', 'purchase', '2024-01-15T10:00:00Z', 30,"
    "  '{\"store\":\"s1\"}', 0, 1, 1),"
    " (4, 1, 'r4', 'login', '2024-06-29T08:00:00Z', NULL,"
    "  '{\"channel\":\"app\"}', 0, 1, 1),"
    " (5, 1, 'r5', 'login', '2023-12-01T08:00:00Z', NULL, '{}', 0, 1, 1),"
    " (6, 3, 'r6', NULL, NULL, NULL,"
    "  '{\"loyalty\":{\"tier\":\"silver\"}}', 0, 1, 1),"
    " (7, 2, 'r7', 'purchase', '2024-07-05T10:00:00Z', 999,"
    "  '{\"store\":\"s9\"}', 0, 1, 1),"
    " (8, 1, 'r8', 'page_view', '2024-06-20T10:00:00Z', NULL, '{}', 0, 1,"
    "  1),"
    " (9, 2, 'r9', 'purchase', '2024-04-01T10:00:00Z', 20,"
    "  '{\"store\":\"s3\"}', 0, 1, 1),"
    " (10, 3, 'r10', NULL, NULL, NULL,"
    "  '{\"loyalty\":{\"tier\":\"bronze\"},\"points\":\"120\"}', 0, 1, 1),"
    " (11, 1, 'r11', 'login', '2024-06-30T23:59:59Z', NULL, '{}', 0, 1, 1);"
    "INSERT INTO member(record, profile, run) VALUES (1, 1, 1), (2, 1, 1),"
    " (3, 1, 1), (4, 1, 1), (5, 1, 1), (6, 1, 1), (7, 1, 1), (8, 2, 1),"
    " (9, 2, 1), (10, 2, 1), (11, 3, 1);"
    "INSERT INTO consent(record, purpose, granted, ts, run) VALUES"
    " (6, 'email', 1, '2024-01-01T00:00:00Z', 1),"
    " (1, 'email', 0, '2024-07-01T00:00:00Z', 1),"
    " (10, 'sms', 1, '2024-02-01T00:00:00Z', 1);"
    "INSERT INTO score(name, profile, value, run) VALUES"
    " ('rfm_r', 1, 5, 1), ('rfm_r', 2, 2, 1),"
    " ('rfm_segment', 1, 'Champions', 1), ('rfm_segment', 2, 'At risk', 1),"
    " ('last_purchase', 1, '2024-06-30', 1),"
    " ('last_purchase', 2, '2024-04-01', 1);";

/*
 * Evaluate text as values: "id:value" for each profile, space-separated
 * (NULL as "-", reals with %g).  Errors come back as "error: message".
 * Typed, each value says its type too, and reals are exact: "1:i5
 * 2:r2.5 3:tabc 4:-".  Two results may be used at once.
 */
static char *
evaluate(struct expr_env *env, const char *text, int typed)
{
	static char buf[2][4096];
	static int which;
	char *out = buf[which ^= 1];
	const size_t cap = sizeof(buf[0]);
	struct expr_prog p;
	struct sbuf why;
	sqlite3_stmt *st;
	size_t n = 0;

	sb_init(&why);
	expr_prog_init(&p);
	out[0] = '\0';
	if (expr_compile(env, text, strlen(text), 1, 1, &p, &why) == -1 ||
	    (st = expr_prepare(env, &p, EXPR_VALUES, &why)) == NULL) {
		snprintf(out, cap, "error: %s", why.buf);
		goto done;
	}
	while (sqlite3_step(st) == SQLITE_ROW && n < cap - 64) {
		n += (size_t)snprintf(out + n, cap - n, "%s%lld:",
		    n ? " " : "", sqlite3_column_int64(st, 0));
		switch (sqlite3_column_type(st, 1)) {
		case SQLITE_NULL:
			n += (size_t)snprintf(out + n, cap - n, "-");
			break;
		case SQLITE_INTEGER:
			n += (size_t)snprintf(out + n, cap - n, "%s%lld",
			    typed ? "i" : "", sqlite3_column_int64(st, 1));
			break;
		case SQLITE_FLOAT:
			n += (size_t)snprintf(out + n, cap - n, typed ? "r%.17g" :
			    "%g", sqlite3_column_double(st, 1));
			break;
		default:
			n += (size_t)snprintf(out + n, cap - n, "%s%s",
			    typed ? "t" : "", sqlite3_column_text(st, 1));
		}
	}
	sqlite3_finalize(st);
done:
	expr_prog_release(&p);
	sb_release(&why);
	return out;
}

static char *
values(struct expr_env *env, const char *text)
{
	return evaluate(env, text, 0);
}

static char *
typed(struct expr_env *env, const char *text)
{
	return evaluate(env, text, 1);
}

/* The profiles matching a condition, "1 3", or "error: ...". */
static char *
matches(struct expr_env *env, const char *text)
{
	static char out[1024];
	struct expr_prog p;
	struct sbuf why;
	sqlite3_stmt *st;
	size_t n = 0;

	sb_init(&why);
	expr_prog_init(&p);
	out[0] = '\0';
	if (expr_compile(env, text, strlen(text), 1, 1, &p, &why) == -1 ||
	    (st = expr_prepare(env, &p, EXPR_FILTER, &why)) == NULL) {
		snprintf(out, sizeof(out), "error: %s", why.buf);
		goto done;
	}
	while (sqlite3_step(st) == SQLITE_ROW && n < sizeof(out) - 32)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%lld",
		    n ? " " : "", sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
done:
	expr_prog_release(&p);
	sb_release(&why);
	return out;
}

static void
test_constructs(struct expr_env *env)
{
	/* fields, literals, comparisons */
	is_str(matches(env, "city = 'Paris'"), "1", "= with a string");
	is_str(matches(env, "city == \"Lyon\""), "2", "== and double quotes");
	is_str(matches(env, "city != 'Paris'"), "2 3", "!= (null is not "
	    "different)");
	is_str(matches(env, "city <> 'Paris'"), "2 3", "<>");
	is_str(matches(env, "city = 'O''Brien town'"), "3",
	    "a doubled quote in a string");
	is_str(matches(env, "id < 2"), "1", "<");
	is_str(matches(env, "id <= 2"), "1 2", "<=");
	is_str(matches(env, "id > 3"), "4", ">");
	is_str(matches(env, "id >= 3"), "3 4", ">=");
	is_str(matches(env, "id = 2.0"), "2", "a decimal number");
	is_str(matches(env, "true"), "1 2 3 4", "true");
	is_str(matches(env, "false"), "", "false");
	/* and, or, not, precedence, parentheses, keywords in any case */
	is_str(matches(env, "country = 'FR' and city = 'Lyon'"), "2", "and");
	is_str(matches(env, "city = 'Lyon' or country = 'GB'"), "2 3", "or");
	is_str(matches(env, "not country = 'FR'"), "3", "not");
	is_str(matches(env, "city = 'Lyon' or city = 'Paris' and id > 1"),
	    "2", "and binds tighter than or");
	is_str(matches(env, "(city = 'Lyon' or city = 'Paris') and id > 1"),
	    "2", "parentheses");
	is_str(matches(env, "city = 'Lyon' OR Country = 'GB'"),
	    "error: 1:18: unknown field \"Country\" (did you mean "
	    "\"country\"?)", "fields are case-sensitive");
	is_str(matches(env, "city = 'Lyon' OR NOT id < 4"), "2 4",
	    "keywords in any case");
	/* in, like, is null */
	is_str(matches(env, "city in ('Paris', 'Lyon')"), "1 2", "in");
	is_str(matches(env, "city not in ('Paris', 'Nice')"), "2 3", "not in");
	is_str(matches(env, "id in (1, 4)"), "1 4", "in with numbers");
	is_str(matches(env, "email like '%@X.COM'"), "1",
	    "like (ASCII case-insensitive)");
	is_str(matches(env, "city not like 'P%'"), "2 3", "not like");
	is_str(matches(env, "city like 'O''B%'"), "3", "like with a quote");
	is_str(matches(env, "email is null"), "2 3 4", "is null");
	is_str(matches(env, "email is not null"), "1", "is not null");
	/* arithmetic */
	is_str(values(env, "id * 2 + 1"), "1:3 2:5 3:7 4:9", "* and +");
	is_str(values(env, "id - 10 / 4"), "1:-1.5 2:-0.5 3:0.5 4:1.5",
	    "- and / (real division)");
	is_str(values(env, "-id"), "1:-1 2:-2 3:-3 4:-4", "unary minus");
	is_str(values(env, "(id + 1) * 2"), "1:4 2:6 3:8 4:10",
	    "parentheses in arithmetic");
	/* functions */
	is_str(values(env, "upper(city)"), "1:PARIS 2:LYON 3:O'BRIEN TOWN 4:-",
	    "upper");
	is_str(values(env, "lower(country)"), "1:fr 2:fr 3:gb 4:-", "lower");
	is_str(values(env, "length(city)"), "1:5 2:4 3:12 4:-", "length");
	is_str(values(env, "abs(2 - id)"), "1:1 2:0 3:1 4:2", "abs");
	is_str(values(env, "round(id / 3, 2)"), "1:0.33 2:0.67 3:1 4:1.33",
	    "round with decimals");
	is_str(values(env, "coalesce(city, 'none')"),
	    "1:Paris 2:Lyon 3:O'Brien town 4:none", "coalesce");
	is_str(matches(env, "date('2024-05-01') = first_seen"), "2", "date()");
	/* dates and durations */
	is_str(values(env, "now"), "1:2024-06-30 2:2024-06-30 3:2024-06-30 "
	    "4:2024-06-30", "now is the as-of date");
	is_str(matches(env, "first_seen > now - 90d"), "2",
	    "date minus a duration in days");
	is_str(matches(env, "first_seen <= now - 9w"), "1",
	    "weeks; a timestamp compared as its day");
	is_str(matches(env, "first_seen >= now - 2y"), "1 2",
	    "years of 365 days");
	is_str(matches(env, "first_seen = '2024-05-01'"), "2",
	    "a timestamp field equals its day");
	is_str(values(env, "now - first_seen"), "1:537 2:60 3:- 4:-",
	    "date minus date in days");
	is_str(values(env, "first_seen + 1d"), "1:2023-01-11 2:2024-05-02 3:- "
	    "4:-", "date plus a duration");
	is_str(matches(env, "birth_date < now - 40y"), "1",
	    "birth_date is a date");
	/* scores, bare and qualified */
	is_str(matches(env, "score.rfm_r >= 4"), "1", "score.NAME");
	is_str(matches(env, "rfm_segment = 'At risk'"), "2",
	    "a score by its bare name");
	is_str(matches(env, "last_purchase > now - 30d"), "1",
	    "a date score in date arithmetic");
	is_str(values(env, "score.rfm_r"), "1:5 2:2 3:- 4:-",
	    "a score absent for a profile is null");
	/* attributes: the latest record holding it; records without ts
	 * count as oldest */
	is_str(values(env, "attr.loyalty.tier"), "1:gold 2:bronze 3:- 4:-",
	    "attr.path");
	is_str(matches(env, "attr.points > 100"), "2",
	    "an attribute compared with a number is a number");
	is_str(matches(env, "attr.points = '120'"), "2",
	    "and with text, text");
}

static void
test_aggregates(struct expr_env *env)
{
	is_str(values(env, "count()"), "1:5 2:2 3:1 4:0",
	    "count(): every event up to the as-of date");
	is_str(values(env, "count(purchase)"), "1:3 2:1 3:0 4:0",
	    "count(type)");
	is_str(values(env, "count('purchase', 30d)"), "1:2 2:0 3:0 4:0",
	    "count(type, 30d): 2024-06-01 to 2024-06-30");
	is_str(values(env, "count(90d)"), "1:3 2:1 3:1 4:0",
	    "count(90d): every type, from 2024-04-02");
	is_str(values(env, "count(login, 1d)"), "1:0 2:0 3:1 4:0",
	    "a one-day window is the as-of day, to its last second");
	is_str(values(env, "sum(amount, purchase)"), "1:180 2:20 3:0 4:0",
	    "sum (0 without events)");
	is_str(values(env, "sum(amount, purchase, 30d)"), "1:150 2:0 3:0 4:0",
	    "sum with a window");
	is_str(values(env, "sum(amount, 365d)"), "1:180 2:20 3:0 4:0",
	    "sum with a window and no type");
	is_str(values(env, "avg(amount, purchase)"), "1:60 2:20 3:- 4:-",
	    "avg (null without events)");
	is_str(values(env, "avg(amount, purchase, 30d)"), "1:75 2:- 3:- 4:-",
	    "avg with a window");
	is_str(values(env, "min(amount, purchase)"), "1:30 2:20 3:- 4:-",
	    "min");
	is_str(values(env, "min(amount, purchase, 30d)"), "1:50 2:- 3:- 4:-",
	    "min with a window");
	is_str(values(env, "max(amount, purchase)"), "1:100 2:20 3:- 4:-",
	    "max (the purchase after the as-of date is not seen)");
	is_str(values(env, "max(ts, purchase, 90d)"), "1:2024-06-30 2:- 3:- "
	    "4:-", "max of dates with a window");
	is_str(values(env, "first(ts, purchase)"), "1:2024-01-15 2:2024-04-01 "
	    "3:- 4:-", "first(ts)");
	is_str(values(env, "first(ts, purchase, 90d)"), "1:2024-06-01 2:- "
	    "3:- 4:-", "first(ts) with a window");
	is_str(values(env, "last(ts, login)"), "1:2024-06-29 2:- 3:2024-06-30 "
	    "4:-", "last(ts, login)");
	is_str(values(env, "first(amount, purchase)"), "1:30 2:20 3:- 4:-",
	    "first of a number is a number");
	is_str(values(env, "last(amount, purchase, 365d)"), "1:100 2:20 3:- "
	    "4:-", "last with a window");
	is_str(values(env, "last(attr.store, purchase) || ''"),
	    "error: 1:28: unexpected character \"|\"", "no || operator");
	is_str(values(env, "last(attr.store, purchase)"), "1:s1 2:s3 3:- 4:-",
	    "last of an attribute");
	is_str(values(env, "distinct(attr.store, purchase)"), "1:2 2:1 3:0 4:0",
	    "distinct");
	is_str(values(env, "distinct(source, 90d)"), "1:2 2:1 3:1 4:0",
	    "distinct with a window");
	is_str(values(env, "most_frequent(source)"), "1:shop 2:shop 3:web 4:-",
	    "most_frequent (ties: the smallest)");
	is_str(values(env, "most_frequent(attr.store, purchase)"),
	    "1:s1 2:s3 3:- 4:-", "most_frequent of an attribute and a type");
	is_str(values(env, "most_frequent(event_type, 30d)"),
	    "1:purchase 2:page_view 3:login 4:-",
	    "most_frequent with a window");
	is_str(matches(env, "has_consent(email)"), "1",
	    "has_consent: the statement after the as-of date is not seen");
	is_str(matches(env, "has_consent('sms')"), "2", "has_consent('sms')");
	is_str(matches(env, "not has_consent(email)"), "2 3 4",
	    "not has_consent");
	is_str(matches(env, "count(purchase, 90d) >= 2 and sum(amount, "
	    "purchase, 90d) > 100"), "1", "aggregates in a condition");
}

static void
test_segments(struct expr_env *env)
{
	expr_env_set_segment(env, "paris", "city = 'Paris'");
	expr_env_set_segment(env, "buyers", "count(purchase) > 0");
	expr_env_set_segment(env, "vip", "in_segment(paris) and "
	    "in_segment(buyers)");
	expr_env_set_segment(env, "a", "in_segment(b)");
	expr_env_set_segment(env, "b", "id > 0 and in_segment(a)");
	expr_env_set_segment(env, "self", "in_segment(self)");
	expr_env_set_segment(env, "badref", "cty = 'x'");
	is_str(matches(env, "in_segment(buyers)"), "1 2", "in_segment");
	is_str(matches(env, "in_segment(vip)"), "1", "nested in_segment");
	is_str(matches(env, "in_segment('buyers') and not in_segment(vip)"),
	    "2", "in_segment with a string, negated");
	is_str(matches(env, "in_segment(vpi)"), "error: 1:12: unknown "
	    "segment \"vpi\" (did you mean \"vip\"?)", "unknown segment");
	is_str(matches(env, "in_segment(a)"), "error: 1:12: segment cycle: "
	    "a -> b -> a", "a cycle is an error, not a hang");
	is_str(matches(env, "id = 1 or in_segment(self)"), "error: 1:22: "
	    "segment cycle: self -> self", "a segment using itself");
	is_str(matches(env, "in_segment(badref)"), "error: 1:12: in segment "
	    "\"badref\": 1:1: unknown field \"cty\" (did you mean \"city\"?)",
	    "an error inside a used segment");
}

static void
test_errors(struct expr_env *env)
{
	static const struct { const char *in, *msg; } e[] = {
		{ "cty = 'Paris'", "1:1: unknown field \"cty\" (did you mean "
		    "\"city\"?)" },
		{ "score.rfm_x > 3", "1:1: unknown score \"rfm_x\" (did you "
		    "mean \"rfm_r\"?)" },
		{ "zzzzzz = 1", "1:1: unknown field \"zzzzzz\"" },
		{ "city = 'Paris' and cuont(purchase) > 1", "1:20: unknown "
		    "function \"cuont\" (did you mean \"count\"?)" },
		{ "sum(amout, purchase) > 1", "1:5: unknown event field "
		    "\"amout\" (did you mean \"amount\"?)" },
		{ "city = 'Paris", "1:8: unterminated string" },
		{ "city = ", "1:8: syntax error: unexpected end of "
		    "expression" },
		{ "(city = 'x'", "1:12: syntax error: expected \")\", found "
		    "end of expression" },
		{ "city = 'x' city", "1:12: syntax error: unexpected "
		    "\"city\"" },
		{ "id < 2 < 3", "1:8: syntax error: unexpected \"<\"" },
		{ "id not 3", "1:8: syntax error: expected \"in\" or \"like\" "
		    "after \"not\", found \"3\"" },
		{ "", "1:1: empty expression" },
		{ "id = 3x", "1:6: invalid number \"3x\"" },
		{ "city = 3", "1:6: cannot compare text with a number (quote "
		    "the number to compare text)" },
		{ "first_seen > 3", "1:12: cannot compare a date with a "
		    "number" },
		{ "first_seen > '2024-13-01'", "1:14: invalid date "
		    "\"2024-13-01\": expected YYYY-MM-DD" },
		{ "city = null", "1:6: nothing is equal to null: use \"is "
		    "null\" or \"is not null\"" },
		{ "now + 1", "1:5: cannot apply \"+\" to a date and a number" },
		{ "city * 2", "1:6: cannot apply \"*\" to text and a number" },
		{ "90d", "1:1: a duration alone is not a value: add it to a "
		    "date (now - 90d)" },
		{ "count(purchase) > 90d", "1:19: a duration can only be added "
		    "to or subtracted from a date" },
		{ "sum(ts, purchase) > 1", "1:5: sum needs a number, not a "
		    "date" },
		{ "count(purchase, 90d, 3)", "1:22: count: expected \")\" "
		    "after the window" },
		{ "count(1)", "1:7: count: expected an event type or a window "
		    "(90d)" },
		{ "sum(purchase)", "1:5: unknown event field \"purchase\"" },
		{ "avg(3)", "1:1: avg needs an event field first (amount, ts, "
		    "source, attr.NAME, ...)" },
		{ "count(0d)", "1:7: a window is at least 1 day" },
		{ "city like 3", "1:11: a like pattern is text, not a number" },
		{ "id like 'x'", "1:1: like needs text, not a number" },
		{ "has_consent(a, b)", "1:1: has_consent takes one purpose: "
		    "has_consent(email)" },
		{ "in_segment()", "1:1: in_segment takes one segment name: "
		    "in_segment(vip)" },
		{ "lower(id)", "1:7: lower needs text, not a number" },
		{ "city and id", "1:1: expected a condition, not text" },
		{ "date('tomorrow')", "1:6: invalid date \"tomorrow\": expected "
		    "YYYY-MM-DD" },
		{ "coalesce(city, 1)", "1:16: coalesce of text and a number" },
		{ "city = 'a'\n  and cty = 'b'", "2:7: unknown field \"cty\" "
		    "(did you mean \"city\"?)" },
		{ "city = 'é' and cty = 'b'", "1:16: unknown field \"cty\" "
		    "(did you mean \"city\"?)" },
		{ "99999999d > now", "1:1: duration \"99999999d\" too long: "
		    "at most 1000000 days" },
	};
	struct expr_prog p;
	struct sbuf why;
	char desc[128];
	size_t i;

	sb_init(&why);
	expr_prog_init(&p);
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		sb_reset(&why);
		snprintf(desc, sizeof(desc), "error: %s", e[i].in);
		if (strchr(desc, '\n') != NULL)	/* one TAP line */
			*strchr(desc, '\n') = ' ';
		ok(expr_compile(env, e[i].in, strlen(e[i].in), 1, 1, &p,
		    &why) == -1, desc);
		is_str(why.buf, e[i].msg, "  its message");
	}
	/* positions relative to where the text starts in its file */
	sb_reset(&why);
	expr_compile(env, "cty = 1", 7, 12, 9, &p, &why);
	is_str(why.buf, "12:9: unknown field \"cty\" (did you mean \"city\"?)",
	    "line and column offsets");
	expr_prog_release(&p);
	sb_release(&why);
}

/* User text never reaches the SQL: it is data or it is an error. */
static void
test_injection(struct expr_env *env)
{
	static const char *const data[] = {
		"city = 'x'' OR 1=1 --'",
		"city = 'Robert''); DROP TABLE profile;--'",
		"city = \"'; ATTACH DATABASE '/tmp/x' AS y; --\"",
		"city like '%'' OR ''a''=''a'",
		"attr.x = 'a'' or 1=1'",
		"count('purchase'' OR 1=1 --', 90d) > 0",
		"has_consent('email'') OR (''1''=''1')",
	};
	static const char *const bad[] = {
		"city = 'x'; DROP TABLE profile",
		"city = 'x' -- comment",
		"city = 'x' /* comment */",
		"attach('x')",
		"city = 'x' union select 1",
		"attr.x'y = 1",
		"score.\"rfm_r\" > 1",
		"profile.id = 1",
		"sqlite_master.name = 'x'",
		"load_extension('x') = 1",
	};
	struct expr_prog p;
	struct sbuf why;
	char desc[160];
	size_t i;

	sb_init(&why);
	expr_prog_init(&p);
	for (i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		snprintf(desc, sizeof(desc), "treated as data: %s", data[i]);
		is_str(matches(env, data[i]), "", desc);
		expr_compile(env, data[i], strlen(data[i]), 1, 1, &p, &why);
		ok(strstr(p.sql.buf, "OR") == NULL &&
		    strstr(p.sql.buf, "DROP") == NULL &&
		    strstr(p.sql.buf, "ATTACH") == NULL &&
		    strstr(p.sql.buf, "'a'") == NULL &&
		    strstr(p.sql.buf, "--") == NULL,
		    "  the SQL holds none of it");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(desc, sizeof(desc), "rejected: %s", bad[i]);
		ok(expr_compile(env, bad[i], strlen(bad[i]), 1, 1, &p,
		    &why) == -1, desc);
	}
	is_str(values(env, "count()"), "1:5 2:2 3:1 4:0",
	    "the store is intact");
	expr_prog_release(&p);
	sb_release(&why);
}

static int
prep_ok(const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	sqlite3_finalize(st);
	return rc == SQLITE_OK;
}

/*
 * The event aggregates two ways, accumulated in C (expr/expr_accumulate.c) and
 * grouped in SQL, on values of every type: the same values of the same
 * types.  Then a hand check of what the mixed types give, and a store
 * whose profile ids are too sparse for the C arrays.
 */
static const char acc_fixture[] =
    "INSERT INTO source(id, name, created_at) VALUES (1, 'web', 'x');"
    "INSERT INTO profile(id, created_run, updated_run) VALUES (1, 1, 1),"
    " (2, 1, 1), (3, 1, 1), (4, 1, 1), (5, 1, 1);"
    "INSERT INTO record(id, source_id, record_id, event_type, ts, amount,"
    " raw, fp, first_run, run) VALUES"
    " (1, 1, 'a1', 'purchase', '2024-06-30T10:00:00Z', 10.5,"
    "  '{\"v\":5}', 0, 1, 1),"
    " (2, 1, 'a2', 'purchase', '2024-06-01T10:00:00Z', 'abc',"
    "  '{\"v\":2.5}', 0, 1, 1),"
    " (3, 1, 'a3', 'login', '2024-05-01T10:00:00Z', NULL,"
    "  '{\"v\":\"abc\"}', 0, 1, 1),"
    " (4, 1, 'a4', 'purchase', '2024-03-01T10:00:00Z', -3,"
    "  '{\"v\":\"10\"}', 0, 1, 1),"
    " (5, 1, 'a5', 'login', '2024-06-15T10:00:00Z', NULL,"
    "  '{\"v\":5.0}', 0, 1, 1),"
    " (6, 1, 'a6', 'purchase', '2024-06-20T10:00:00Z', 0,"
    "  '{\"v\":true}', 0, 1, 1),"
    " (7, 1, 'a7', 'purchase', '2024-06-29T10:00:00Z', 1e300,"
    "  '{\"v\":\"Zed\"}', 0, 1, 1),"
    " (8, 1, 'a8', 'purchase', '2024-06-28T10:00:00Z', 1e300,"
    "  '{\"v\":\"zed\"}', 0, 1, 1),"
    " (9, 1, 'a9', 'login', '2024-06-27T10:00:00Z', NULL,"
    "  '{\"v\":{\"a\":1}}', 0, 1, 1),"
    " (10, 1, 'a10', 'purchase', '2024-06-26T10:00:00Z', NULL,"
    "  '{\"v\":null}', 0, 1, 1),"
    " (11, 1, 'a11', 'login', '2024-06-30T12:00:00Z', NULL,"
    "  '{\"v\":9007199254740993}', 0, 1, 1),"
    " (12, 1, 'a12', 'login', '2024-06-30T13:00:00Z', NULL,"
    "  '{\"v\":9007199254740992.0}', 0, 1, 1),"
    " (13, 1, 'a13', 'purchase', '2024-06-10T10:00:00Z', 7,"
    "  '{\"v\":-1}', 0, 1, 1),"
    " (14, 1, 'a14', 'purchase', '2024-07-05T10:00:00Z', 99,"
    "  '{\"v\":99}', 0, 1, 1);"
    "INSERT INTO member(record, profile, run) VALUES (1, 1, 1), (2, 1, 1),"
    " (3, 1, 1), (4, 1, 1), (5, 1, 1), (6, 1, 1), (7, 2, 1), (8, 2, 1),"
    " (9, 2, 1), (10, 2, 1), (11, 3, 1), (12, 3, 1), (13, 3, 1),"
    " (14, 5, 1);";

static void
test_acc(void)
{
	static const char *const exprs[] = {
		"count()", "count(purchase)", "count(login, 30d)",
		"sum(amount)", "sum(amount, purchase, 90d)", "avg(amount)",
		"avg(amount, purchase)", "min(amount)", "max(amount)",
		"min(attr.v)", "max(attr.v)", "min(attr.v, login)",
		"max(attr.v, 30d)", "first(attr.v)", "last(attr.v)",
		"first(ts)", "last(ts, purchase)", "sum(attr.v)",
		"avg(attr.v, 90d)", "last(attr.v, login, 7d)",
		"count(purchase) + count(login)",
	};
	struct expr_env c, q;
	struct sbuf why;
	sqlite3 *d;
	char p2[80];
	size_t i;

	sb_init(&why);
	snprintf(p2, sizeof(p2), "%s/acc.db", dir);
	if (db_open(p2, DB_CREATE, &d, &why) == -1 ||
	    db_exec(d, acc_fixture, &why) == -1 ||
	    expr_env_init(&c, d, "2024-06-30", &why) == -1 ||
	    expr_env_init(&q, d, "2024-06-30", &why) == -1) {
		printf("Bail out! %s\n", why.buf);
		exit(1);
	}
	q.sql_group = 1;
	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++)
		is_str(typed(&c, exprs[i]), typed(&q, exprs[i]), exprs[i]);
	/* by hand: numbers before text, text by bytes, an integer above
	 * 2^53 against the double just below it */
	is_str(typed(&c, "min(attr.v)"), "1:i1 2:tZed 3:i-1 4:- 5:-",
	    "acc: min of mixed types (json true is 1)");
	is_str(typed(&c, "max(attr.v)"), "1:tabc 2:t{\"a\":1} "
	    "3:i9007199254740993 4:- 5:-", "acc: max of mixed types");
	is_str(typed(&c, "sum(amount)"), "1:r7.5 2:r2.0000000000000001e+300 "
	    "3:r7 4:i0 5:i0", "acc: a sum is a real, text counts as 0");
	is_str(typed(&c, "count(login, 30d)"), "1:i1 2:i1 3:i2 4:i0 5:i0",
	    "acc: count with a window");
	expr_env_release(&c);
	expr_env_release(&q);

	/* ids too sparse for arrays: grouped in SQL, the same answers */
	if (db_exec(d, "INSERT INTO profile(id, created_run, updated_run) "
	    "VALUES (9000000, 1, 1); UPDATE member SET profile = 9000000 "
	    "WHERE record = 13", &why) == -1 ||
	    expr_env_init(&c, d, "2024-06-30", &why) == -1) {
		printf("Bail out! %s\n", why.buf);
		exit(1);
	}
	is_str(typed(&c, "count(purchase)"), "1:i4 2:i3 3:i0 4:i0 5:i0 "
	    "9000000:i1", "acc: sparse profile ids");
	expr_env_release(&c);
	db_close(d);
	sb_release(&why);
}

static void
test_guard(struct expr_env *env)
{
	expr_guard(env, EXPR_GUARD_READ);
	ok(prep_ok("SELECT city, count(*) FROM profile GROUP BY 1"),
	    "guard: reading cdp's tables is allowed");
	ok(!prep_ok("ATTACH DATABASE '/tmp/t-expr-x.db' AS x"),
	    "guard: ATTACH denied");
	ok(!prep_ok("PRAGMA user_version = 99"), "guard: PRAGMA write denied");
	ok(!prep_ok("PRAGMA user_version"), "guard: PRAGMA read denied");
	ok(!prep_ok("DELETE FROM profile"), "guard: DELETE denied");
	ok(!prep_ok("UPDATE profile SET city = 'x'"), "guard: UPDATE denied");
	ok(!prep_ok("INSERT INTO profile(id, created_run, updated_run) "
	    "VALUES (9, 1, 1)"), "guard: INSERT denied");
	ok(!prep_ok("CREATE TABLE x(a)"), "guard: CREATE denied");
	ok(!prep_ok("DROP TABLE profile"), "guard: DROP denied");
	ok(!prep_ok("SELECT * FROM sqlite_master"), "guard: sqlite_master "
	    "denied");
	ok(!prep_ok("SELECT * FROM run"), "guard: a table the language does "
	    "not read is denied");
	ok(!prep_ok("SELECT hex(city) FROM profile"), "guard: a function "
	    "not on the list is denied");
	ok(!prep_ok("SELECT load_extension('x')"), "guard: load_extension "
	    "denied");
	ok(!prep_ok("INSERT INTO temp.cdp_agg(profile) VALUES (1)"),
	    "guard: temp writes denied outside materialisation");
	ok(!prep_ok("BEGIN"), "guard: transactions denied");
	expr_guard(env, EXPR_GUARD_TEMP);
	ok(prep_ok("INSERT INTO temp.cdp_agg(profile) VALUES (1)"),
	    "guard: temp writes allowed while materialising");
	ok(!prep_ok("INSERT INTO main.score(name, profile, run) "
	    "VALUES ('x', 1, 1)"), "guard: main writes still denied");
	expr_guard(env, EXPR_GUARD_OFF);
	ok(prep_ok("SELECT hex(1)"), "guard off: everything allowed again");
}

static void
test_explain(struct expr_env *env)
{
	struct expr_prog p;
	struct sbuf why, sql, par;

	sb_init(&why);
	sb_init(&sql);
	sb_init(&par);
	expr_prog_init(&p);
	expr_compile(env, "city = 'Paris' and count(purchase, 30d) > 1",
	    strlen("city = 'Paris' and count(purchase, 30d) > 1"), 1, 1, &p,
	    &why);
	expr_explain(env, &p, EXPR_FILTER, &sql, &par);
	ok(strstr(sql.buf, "INSERT INTO temp.cdp_agg(profile, a") == sql.buf,
	    "explain: the aggregate scan first");
	ok(strstr(sql.buf, ";\nSELECT p.id FROM profile p LEFT JOIN "
	    "temp.cdp_agg cdp_g ON cdp_g.profile = p.id WHERE ((p.city = ?) "
	    "AND (coalesce(cdp_g.a") != NULL, "explain: then the condition");
	is_str(par.buf, "[[\"purchase\",\"2024-06-01\",\"2024-07-01\",\"2024-06-01\"],"
	    "[\"Paris\",1]]", "explain: the parameters of each statement");
	expr_prog_release(&p);
	sb_release(&why);
	sb_release(&sql);
	sb_release(&par);
}

int
main(void)
{
	struct expr_env env;
	struct sbuf why;
	char day[11];

	sb_init(&why);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/cdp.db", dir);
	if (db_open(path, DB_CREATE, &db, &why) == -1 ||
	    db_exec(db, fixture, &why) == -1) {
		printf("Bail out! %s\n", why.buf);
		return 1;
	}
	ok(expr_env_init(&env, db, "2024-02-30", &why) == -1,
	    "an impossible as-of date is refused");
	ok(expr_env_init(&env, db, "2024-06-30", &why) == 0 &&
	    expr_env_load(&env, &why) == 0, "environment");
	ok(expr_date_add("2024-03-01", -1, day) == 0 &&
	    strcmp(day, "2024-02-29") == 0, "date arithmetic: leap day");
	test_constructs(&env);
	test_aggregates(&env);
	test_segments(&env);
	test_errors(&env);
	test_injection(&env);
	test_guard(&env);
	test_explain(&env);
	test_acc();
	expr_env_release(&env);
	db_close(db);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cdp.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cdp.db-shm", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/acc.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/acc.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/acc.db-shm", dir);
	unlink(path);
	rmdir(dir);
	sb_release(&why);
	return done_testing();
}
