/*
 * t-pairs.c - unit tests for the pair reader (common/merge/pair_reader.c) and
 * the CSV writer (common/io/csv_writer.c): every field of a pair line, each
 * reason a line is rejected, the evidence rebuilt with a and b swapped, located
 * in the raw line whatever strings and blanks it holds, birth dates taken from
 * the evidence; the trailer as cdp-match writes it (common/match/pair_writer.c)
 * read back, and each reason a trailer is refused; RFC 4180 quoting; the
 * names-only guard's reading of the evidence.
 */
#include <stdio.h>
#include <string.h>

#include "io/csv_writer.h"
#include "match/pair_writer.h"
#include "merge/pair_reader.h"
#include "tap.h"

static struct pair_reader *pr;
static struct sbuf why;

static int
parse(const char *line, struct pair *p)
{
	return pair_parse(pr, line, strlen(line), p, &why);
}

static void
fields(void)
{
	struct pair p;

	ok(parse("{\"a\":{\"source\":\"crm\",\"record_id\":\"C001\","
	    "\"rowid\":12},\"b\":{\"source\":\"shop\",\"record_id\":"
	    "\"o-17\",\"rowid\":345},\"prob\":0.99931,\"weight\":10.52,"
	    "\"rule\":\"fs\",\"evidence\":[{\"field\":\"first_name\","
	    "\"a\":\"jean\",\"b\":\"jean\",\"level\":\"exact\","
	    "\"weight\":3.21}],\"extra\":[1,2]}", &p) == 0, "a full line");
	is_str(p.source[0], "crm", "a.source");
	is_str(p.record_id[1], "o-17", "b.record_id");
	ok(p.rowid[0] == 12 && p.rowid[1] == 345, "rowids");
	ok(p.prob == 0.99931 && p.has_weight && p.weight == 10.52,
	    "prob and weight");
	is_str(p.rule, "fs", "rule");
	ok(parse("{\"a\":{\"source\":\"x\",\"record_id\":7},\"b\":{"
	    "\"source\":\"x\",\"record_id\":\"8\",\"rowid\":null},"
	    "\"prob\":1,\"weight\":null,\"rule\":\"ident:email\"}", &p) == 0,
	    "file mode: no rowid, numeric id, null weight");
	ok(p.rowid[0] == 0 && p.rowid[1] == 0 && !p.has_weight,
	    "absent rowids and weight");
	is_str(p.record_id[0], "7", "a number as record id");
}

static void
trailers(void)
{
	static const struct { const char *line, *why; } t[] = {
		{ "{\"trailer\":1,\"pairs\":0,\"threshold\":0.5,"
		    "\"status\":\"ok\"}", "trailer is not a string" },
		{ "{\"trailer\":\"x\",\"threshold\":0.5,\"status\":\"ok\"}",
		    "trailer: missing pairs" },
		{ "{\"trailer\":\"x\",\"pairs\":-1,\"threshold\":0.5,"
		    "\"status\":\"ok\"}", "trailer: pairs is not a count" },
		{ "{\"trailer\":\"x\",\"pairs\":1.5,\"threshold\":0.5,"
		    "\"status\":\"ok\"}", "trailer: pairs is not a count" },
		{ "{\"trailer\":\"x\",\"pairs\":1,\"status\":\"ok\"}",
		    "trailer: missing threshold" },
		{ "{\"trailer\":\"x\",\"pairs\":1,\"threshold\":2,"
		    "\"status\":\"ok\"}", "trailer: threshold 2 is not in [0, 1]" },
		{ "{\"trailer\":\"x\",\"pairs\":1,\"threshold\":0.5}",
		    "trailer: missing status" },
		{ "{\"trailer\":\"x\",\"pairs\":1,\"threshold\":0.5,"
		    "\"status\":\"done\"}", "trailer: unknown status \"done\"" },
		{ "{\"trailer\":\"x\",\"pairs\":1,\"threshold\":0.5,"
		    "\"status\":\"ok\",\"watermark\":-1}",
		    "trailer: watermark is not a count" },
		{ "{\"trailer\":\"x\",\"pairs\":1,\"threshold\":0.5,"
		    "\"status\":\"ok\",\"run\":0}",
		    "trailer: run is not a count" },
		{ "{\"trailer\":\"x\",\"pairs\":1,\"threshold\":0.5,"
		    "\"status\":\"ok\",\"run\":\"7\"}",
		    "trailer: run is not a count" },
	};
	struct mpair_trailer w = { 17, 42, 0.25, "option", 1000, 16, "ok" };
	struct pair p;
	struct sbuf line;
	struct jw jw;
	size_t i;

	sb_init(&line);
	jw_init(&jw, &line);
	mpair_trailer_format(&jw, &line, &w);
	is_str(line.buf, "{\"trailer\":\"cdp-match\",\"run\":17,\"pairs\":42,"
	    "\"threshold\":0.25,\"threshold_from\":\"option\",\"watermark\":"
	    "1000,\"watermark_run\":16,\"status\":\"ok\"}\n",
	    "the trailer cdp-match writes");
	ok(pair_parse(pr, line.buf, line.len - 1, &p, &why) == PAIR_TRAILER,
	    "read as a trailer");
	ok(p.tr.run == 17 && p.tr.pairs == 42 && p.tr.threshold == 0.25 &&
	    p.tr.watermark == 1000 && p.tr.watermark_run == 16,
	    "its numbers");
	is_str(p.tr.status, "ok", "its status");
	is_str(p.tr.from, "option", "where its threshold came from");
	/* An empty store: a watermark of 0 is one. */
	w.watermark = w.watermark_run = 0;
	mpair_trailer_format(&jw, &line, &w);
	ok(pair_parse(pr, line.buf, line.len - 1, &p, &why) == PAIR_TRAILER &&
	    p.tr.watermark == 0 && p.tr.watermark_run == 0, "watermark 0");
	/* File mode: no run, no watermark. */
	w.run = 0;
	w.watermark = w.watermark_run = -1;
	w.pairs = 0;
	w.status = "rejects";
	mpair_trailer_format(&jw, &line, &w);
	is_str(line.buf, "{\"trailer\":\"cdp-match\",\"run\":null,\"pairs\":0,"
	    "\"threshold\":0.25,\"threshold_from\":\"option\",\"watermark\":"
	    "null,\"watermark_run\":null,\"status\":\"rejects\"}\n",
	    "file mode: nulls");
	ok(pair_parse(pr, line.buf, line.len - 1, &p, &why) == PAIR_TRAILER &&
	    p.tr.run == 0 && p.tr.watermark == -1 && p.tr.watermark_run == -1 &&
	    p.tr.pairs == 0,
	    "nulls read as none");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ok(parse(t[i].line, &p) == -1, "trailer refused");
		is_str(why.buf, t[i].why, t[i].why);
	}
	jw_release(&jw);
	sb_release(&line);
}

static void
rejects(void)
{
	static const struct { const char *line, *why; } t[] = {
		{ "[1]", "top-level value is not an object" },
		{ "{\"b\":{\"source\":\"x\",\"record_id\":\"1\"},\"prob\":1,"
		    "\"rule\":\"fs\"}", "missing a.source" },
		{ "{\"a\":{\"source\":\"x\",\"record_id\":\"\"},\"b\":{"
		    "\"source\":\"x\",\"record_id\":\"1\"},\"prob\":1,"
		    "\"rule\":\"fs\"}", "empty a.record_id" },
		{ "{\"a\":{\"source\":\"x\",\"record_id\":\"1\"},\"b\":{"
		    "\"source\":\"x\",\"record_id\":\"2\"},\"prob\":-0.1,"
		    "\"rule\":\"fs\"}", "prob -0.1 is not in [0, 1]" },
		{ "{\"a\":{\"source\":\"x\",\"record_id\":\"1\"},\"b\":{"
		    "\"source\":\"x\",\"record_id\":\"2\"},\"prob\":\"1\","
		    "\"rule\":\"fs\"}", "prob is not a number" },
		{ "{\"a\":{\"source\":\"x\",\"record_id\":\"1\"},\"b\":{"
		    "\"source\":\"x\",\"record_id\":\"2\"},\"prob\":1}",
		    "missing rule" },
		{ "{\"a\":{\"source\":\"x\",\"record_id\":\"1\",\"rowid\":0},"
		    "\"b\":{\"source\":\"x\",\"record_id\":\"2\"},\"prob\":1,"
		    "\"rule\":\"fs\"}", "a.rowid is not a positive integer" },
		{ "{\"a\":{\"source\":\"x\",\"record_id\":\"1\"},\"b\":{"
		    "\"source\":\"x\",\"record_id\":\"1\"},\"prob\":1,"
		    "\"rule\":\"fs\"}", "a pair of a record with itself" },
		{ "{\"a\":{\"source\":\"x\",\"record_id\":\"a\\u0000\"},\"b\":{"
		    "\"source\":\"x\",\"record_id\":\"1\"},\"prob\":1,"
		    "\"rule\":\"fs\"}", "NUL byte in a.record_id" },
		{ "{\"a\":{\"source\":\"x\",\"record_id\":\"1\"},\"b\":{"
		    "\"source\":\"x\",\"record_id\":\"2\"},\"prob\":1,"
		    "\"rule\":\"fs\",\"evidence\":\"none\"}",
		    "evidence is not an array" },
	};
	struct pair p;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ok(parse(t[i].line, &p) == -1, "rejected");
		is_str(why.buf, t[i].why, t[i].why);
	}
}

static const char line[] =
    "  {\"a\":{\"source\":\"s\",\"record_id\":\"x]\\\"\"},"
    " \"b\":{\"source\":\"s\",\"record_id\":\"y\"},\"prob\":0.5,"
    "\"rule\":\"fs\",\"evidence\" : [{\"field\":\"birth_date\","
    "\"a\":\"1985-03-15\",\"b\":\"1985-03-16\",\"level\":\"[\"},"
    "{\"field\":\"x\",\"a\":{\"n\":[1]},\"b\":null}], \"z\":\"]\"}\r\n";

static void
json_out(void)
{
	struct pair p;
	struct sbuf out;
	const char *dup;
	size_t off, olen, evoff, evlen;

	sb_init(&out);
	ok(parse(line, &p) == 0, "a line with tricky strings");
	ok(p.bdate[0] == 19850315 && p.bdate[1] == 19850316,
	    "birth dates from the evidence");
	pair_json(pr, 0, &out, &evoff, &evlen);
	is_str(out.buf, "{\"a\":{\"source\":\"s\",\"record_id\":\"x]\\\"\"},"
	    "\"b\":{\"source\":\"s\",\"record_id\":\"y\"},\"rule\":\"fs\","
	    "\"prob\":0.5,\"evidence\":[{\"field\":\"birth_date\","
	    "\"a\":\"1985-03-15\",\"b\":\"1985-03-16\",\"level\":\"[\"},"
	    "{\"field\":\"x\",\"a\":{\"n\":[1]},\"b\":null}]}",
	    "rebuilt as it came");
	ok(evlen > 0 && out.buf[evoff] == '[' &&
	    out.buf[evoff + evlen - 1] == ']' &&
	    out.buf[evoff + evlen] == '}', "the evidence located");
	sb_reset(&out);
	pair_json(pr, 1, &out, &evoff, &evlen);
	is_str(out.buf, "{\"a\":{\"source\":\"s\",\"record_id\":\"y\"},"
	    "\"b\":{\"source\":\"s\",\"record_id\":\"x]\\\"\"},\"rule\":\"fs\","
	    "\"prob\":0.5,\"evidence\":[{\"field\":\"birth_date\","
	    "\"b\":\"1985-03-15\",\"a\":\"1985-03-16\",\"level\":\"[\"},"
	    "{\"field\":\"x\",\"b\":{\"n\":[1]},\"a\":null}]}",
	    "swapped: the ends and the values of each item");
	pair_raw(line, sizeof(line) - 1, &off, &olen, &evoff, &evlen);
	ok(off == 2 && line[off + olen - 1] == '}', "raw: the object");
	sb_reset(&out);
	sb_add(&out, line + off + evoff, evlen);
	is_str(out.buf, "[{\"field\":\"birth_date\",\"a\":\"1985-03-15\","
	    "\"b\":\"1985-03-16\",\"level\":\"[\"},{\"field\":\"x\","
	    "\"a\":{\"n\":[1]},\"b\":null}]",
	    "raw: the evidence, brackets in strings skipped");
	dup = "{\"evidence\":[1],\"x\":{\"evidence\":[2]},\"evidence\":[3]}";
	pair_raw(dup, strlen(dup), &off, &olen, &evoff, &evlen);
	ok(evoff == (size_t)(strstr(dup, "[3]") - dup) && evlen == 3,
	    "raw: the last top-level key wins");
	pair_raw("{\"evidence\":null}", 17, &off, &olen, &evoff, &evlen);
	ok(evlen == 0, "raw: null evidence");
	sb_release(&out);
}

static void
csv(void)
{
	struct sbuf sb;
	struct csvw w;
	char buf[256];
	FILE *f;

	sb_init(&sb);
	csvw_quote(&sb, "plain", 5, ',');
	is_str(sb.buf, "plain", "plain field");
	sb_reset(&sb);
	csvw_quote(&sb, "a,b", 3, ',');
	is_str(sb.buf, "\"a,b\"", "delimiter quoted");
	sb_reset(&sb);
	csvw_quote(&sb, "a;b", 3, ',');
	is_str(sb.buf, "a;b", "another delimiter's char not quoted");
	sb_reset(&sb);
	csvw_quote(&sb, "say \"hi\"", 8, ',');
	is_str(sb.buf, "\"say \"\"hi\"\"\"", "quotes doubled");
	sb_reset(&sb);
	csvw_quote(&sb, "a\nb\rc", 5, ',');
	is_str(sb.buf, "\"a\nb\rc\"", "line breaks quoted");
	sb_release(&sb);
	f = tmpfile();
	csvw_init(&w, f, ';');
	csvw_str(&w, "a;b");
	csvw_int(&w, -42);
	csvw_str(&w, NULL);
	csvw_double(&w, 0.1);
	ok(csvw_end(&w) == 0, "row written");
	csvw_str(&w, "x");
	csvw_end(&w);
	csvw_release(&w);
	rewind(f);
	memset(buf, 0, sizeof(buf));
	ok(fread(buf, 1, sizeof(buf) - 1, f) > 0, "read back");
	is_str(buf, "\"a;b\";-42;;0.1\nx\n", "rows, empty NULL, LF");
	fclose(f);
	/* The formula guard: text cells only, numbers as a whole kept. */
	f = tmpfile();
	csvw_init(&w, f, ',');
	csvw_str(&w, "=1+1");
	csvw_str(&w, "-12.5");
	csvw_str(&w, "+33612345678");
	csvw_str(&w, "-1e-3");
	csvw_str(&w, "-");
	csvw_str(&w, "+1 2");
	csvw_str(&w, "@x,y");
	csvw_str(&w, "\tx");
	csvw_str(&w, "\rx");
	csvw_int(&w, -7);
	csvw_double(&w, -0.5);
	csvw_end(&w);
	csvw_raw(&w);
	csvw_str(&w, "=1+1");
	csvw_end(&w);
	csvw_release(&w);
	rewind(f);
	memset(buf, 0, sizeof(buf));
	ok(fread(buf, 1, sizeof(buf) - 1, f) > 0, "read back, guarded");
	is_str(buf, "'=1+1,-12.5,+33612345678,-1e-3,'-,'+1 2,\"'@x,y\","
	    "'\tx,\"'\rx\",-7,-0.5\n=1+1\n", "formulas neutralised");
	fclose(f);
	ok(csvw_is_number("1.", 2) && csvw_is_number(".5", 2) &&
	    !csvw_is_number("1e", 2) && !csvw_is_number("+", 1) &&
	    !csvw_is_number("--1", 3), "numbers as a whole");
}

/* The names-only guard's reading of the evidence. */
static void
names_only(void)
{
	static const char head[] = "{\"a\":{\"source\":\"x\","
	    "\"record_id\":\"1\"},\"b\":{\"source\":\"x\","
	    "\"record_id\":\"2\"},\"prob\":0.6,\"rule\":\"%s\","
	    "\"evidence\":[{\"field\":\"first_name\",\"a\":\"f\","
	    "\"b\":\"f\",\"level\":\"exact\",\"weight\":3.5},"
	    "{\"weight\":2.25,\"field\":\"last_name\"},"
	    "{\"field\":\"gender\",\"weight\":0.5}%s]}";
	static const struct {
		const char *rule, *more;
		double	 names;
		const char *what;
	} t[] = {
		{ "fs", ",{\"field\":\"city\",\"weight\":-0.2}", 5.75,
		    "names and gender agree, the city not: names-only" },
		{ "fs", ",{\"field\":\"postal_code\",\"weight\":-1},"
		    "{\"field\":\"email\",\"weight\":0.1}", -1,
		    "an e-mail agrees too: not names-only" },
		{ "fs", ",{\"field\":\"birth_date\",\"weight\":-2}", -1,
		    "no place disagrees: not names-only" },
		{ "fs", ",{\"field\":\"street\",\"weight\":-1},"
		    "{\"field\":\"city\",\"weight\":1}", -1,
		    "a place part agrees: not names-only" },
		{ "ident:phone", ",{\"field\":\"city\",\"weight\":-1}",
		    -1, "an identifier's pair: not names-only" },
	};
	struct pair p;
	char buf[1024];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf), head, t[i].rule, t[i].more);
		ok(parse(buf, &p) == 0 && p.names == t[i].names,
		    t[i].what);
	}
}

int
main(void)
{
	sb_init(&why);
	pr = pair_reader_new();
	fields();
	trailers();
	rejects();
	json_out();
	csv();
	names_only();
	pair_reader_free(pr);
	sb_release(&why);
	return done_testing();
}
