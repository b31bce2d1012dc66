/*
 * t-jw.c - unit tests for the JSON writer (common/io/json_writer.c): exact
 * bytes for escaping, numbers and nesting, refusal of invalid UTF-8 and of
 * calls that would make the output invalid JSON, and reset between documents.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "core/util.h"
#include "io/json_writer.h"
#include "tap.h"

static struct sbuf out;
static struct jw w;

/* One document holding a single string value; its output. */
static const char *
str_doc(const char *s, size_t n, int *rc)
{
	jw_reset(&w);
	*rc = jw_str(&w, s, n);
	return out.buf;
}

static void
escapes(void)
{
	static const char ctl[] = "\x01\x1f\x7f";
	int rc;

	is_str(str_doc("a\"b", 3, &rc), "\"a\\\"b\"", "quote escaped");
	is_str(str_doc("a\\b", 3, &rc), "\"a\\\\b\"", "backslash escaped");
	is_str(str_doc("a/b", 3, &rc), "\"a/b\"", "solidus not escaped");
	is_str(str_doc("\n\r\t\b\f", 5, &rc), "\"\\n\\r\\t\\b\\f\"",
	    "short escapes");
	is_str(str_doc(ctl, 3, &rc), "\"\\u0001\\u001F\x7f\"",
	    "other control bytes as \\u00XX, DEL kept");
	is_str(str_doc("a\0b", 3, &rc), "\"a\\u0000b\"", "NUL as \\u0000");
	is_str(str_doc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, &rc),
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
	    "non-ASCII kept as UTF-8");
	is_str(str_doc("", 0, &rc), "\"\"", "empty string");
	ok(rc == 0, "empty string accepted");
}

static void
bad_utf8(void)
{
	static const struct {
		const char *s;
		const char *desc;
	} bad[] = {
		{ "\xc0\xaf", "overlong '/' refused" },
		{ "\xe0\x80\xaf", "three-byte overlong refused" },
		{ "\xed\xa0\x80", "UTF-8 encoded surrogate refused" },
		{ "\xf4\x90\x80\x80", "above U+10FFFF refused" },
		{ "\xf5\x80\x80\x80", "0xf5 lead byte refused" },
		{ "a\x80", "lone continuation byte refused" },
		{ "a\xc3", "truncated sequence refused" },
		{ "\xff", "0xff refused" },
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		str_doc(bad[i].s, strlen(bad[i].s), &rc);
		ok(rc == -1 && out.len == 0, bad[i].desc);
	}
	jw_reset(&w);
	jw_map_open(&w);
	ok(jw_key(&w, "\xc0\xaf", 2) == -1, "invalid UTF-8 key refused");
	ok(jw_key(&w, "k", 1) == 0 && jw_str(&w, "\xff", 1) == -1 &&
	    jw_null(&w) == 0 && jw_map_close(&w) == 0,
	    "writer goes on after a refused value");
	is_str(out.buf, "{\"k\":null}", "nothing written by refused calls");
}

static void
nesting(void)
{
	int i, rc;

	jw_reset(&w);
	jw_map_open(&w);
	jw_key(&w, "a", 1);
	jw_map_open(&w);
	jw_key(&w, "b", 1);
	jw_array_open(&w);
	jw_int(&w, 1);
	jw_array_open(&w);
	jw_array_close(&w);
	jw_map_open(&w);
	jw_map_close(&w);
	jw_strz(&w, "x");
	jw_array_close(&w);
	jw_key(&w, "c", 1);
	jw_bool(&w, 0);
	jw_map_close(&w);
	jw_key(&w, "d", 1);
	jw_bool(&w, 42);
	jw_key(&w, "e", 1);
	jw_strz(&w, NULL);
	rc = jw_map_close(&w);
	ok(rc == 0, "nested document closed");
	is_str(out.buf, "{\"a\":{\"b\":[1,[],{},\"x\"],\"c\":false},"
	    "\"d\":true,\"e\":null}", "nested maps and arrays, compact");

	jw_reset(&w);
	for (i = 0, rc = 0; i < JW_MAXDEPTH && rc == 0; i++)
		rc = jw_array_open(&w);
	ok(rc == 0 && i == JW_MAXDEPTH, "JW_MAXDEPTH levels open");
	ok(jw_array_open(&w) == -1, "one more level refused");
	for (i = 0, rc = 0; i < JW_MAXDEPTH && rc == 0; i++)
		rc = jw_array_close(&w);
	ok(rc == 0 && out.len == 2 * JW_MAXDEPTH,
	    "all levels closed, nothing from the refused open");
}

static void
misuse(void)
{
	jw_reset(&w);
	ok(jw_map_close(&w) == -1, "close at depth 0 refused");
	ok(jw_key(&w, "k", 1) == -1, "key outside a map refused");
	jw_map_open(&w);
	ok(jw_str(&w, "v", 1) == -1, "value without a key refused");
	ok(jw_int(&w, 1) == -1, "number without a key refused");
	ok(jw_array_open(&w) == -1, "array without a key refused");
	ok(jw_array_close(&w) == -1, "map closed by ']' refused");
	jw_key(&w, "k", 1);
	ok(jw_key(&w, "k2", 2) == -1, "two keys in a row refused");
	ok(jw_map_close(&w) == -1, "close with a key pending refused");
	jw_array_open(&w);
	ok(jw_key(&w, "k", 1) == -1, "key in an array refused");
	ok(jw_map_close(&w) == -1, "array closed by '}' refused");
	jw_array_close(&w);
	ok(jw_map_close(&w) == 0, "then closed properly");
	ok(jw_map_open(&w) == -1, "second top-level value refused");
	ok(jw_null(&w) == -1, "second top-level scalar refused");
	is_str(out.buf, "{\"k\":[]}", "output untouched by refused calls");
}

static const char *
num_doc(const char *s, int *rc)
{
	jw_reset(&w);
	*rc = jw_num(&w, s, strlen(s));
	return out.buf;
}

static const char *
dbl_doc(double d, int *rc)
{
	jw_reset(&w);
	*rc = jw_double(&w, d);
	return out.buf;
}

static void
numbers(void)
{
	static const char *good[] = {
		"0", "-0", "1e999", "12345678901234567890", "-1.5E+10",
		"0.10", "1e-7", "9"
	};
	static const char *bad[] = {
		"", "+1", "01", "1.", ".5", "1e", "1e+", "NaN", "inf", " 1",
		"1 ", "0x10", "-", "--1", "1.2.3"
	};
	char desc[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(desc, sizeof(desc), "jw_num \"%s\" as written",
		    good[i]);
		is_str(num_doc(good[i], &rc), good[i], desc);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(desc, sizeof(desc), "jw_num \"%s\" refused", bad[i]);
		num_doc(bad[i], &rc);
		ok(rc == -1 && out.len == 0, desc);
	}
	is_str(dbl_doc(0.1, &rc), "0.1", "0.1 shortest");
	is_str(dbl_doc(3.0, &rc), "3", "3.0 as 3");
	is_str(dbl_doc(-0.0, &rc), "-0", "negative zero");
	is_str(dbl_doc(1.0 / 3.0, &rc), "0.3333333333333333",
	    "1/3 round-trips");
	is_str(dbl_doc(1e300, &rc), "1e+300", "exponent");
	is_str(dbl_doc(DBL_MAX, &rc), "1.7976931348623157e+308", "DBL_MAX");
	is_str(dbl_doc(5e-324, &rc), "4.94065645841247e-324",
	    "smallest subnormal");
	dbl_doc(NAN, &rc);
	ok(rc == -1 && out.len == 0, "NaN refused");
	dbl_doc(INFINITY, &rc);
	ok(rc == -1 && out.len == 0, "infinity refused");
	jw_reset(&w);
	jw_array_open(&w);
	jw_int(&w, LLONG_MIN);
	jw_int(&w, LLONG_MAX);
	jw_int(&w, 0);
	jw_array_close(&w);
	is_str(out.buf, "[-9223372036854775808,9223372036854775807,0]",
	    "jw_int extremes");
}

static void
documents(void)
{
	struct sbuf pre;
	struct jw w2;

	jw_reset(&w);
	jw_map_open(&w);
	jw_key(&w, "first", 5);
	jw_int(&w, 1);
	jw_map_close(&w);
	jw_reset(&w);
	ok(out.len == 0, "reset empties the output");
	jw_map_open(&w);
	jw_key(&w, "second", 6);
	jw_int(&w, 2);
	ok(jw_map_close(&w) == 0, "second document after reset");
	is_str(out.buf, "{\"second\":2}", "only the second document");

	/* A reset in the middle of a document forgets its open levels. */
	jw_reset(&w);
	jw_map_open(&w);
	jw_key(&w, "a", 1);
	jw_array_open(&w);
	jw_reset(&w);
	ok(jw_array_open(&w) == 0 && jw_array_close(&w) == 0,
	    "reset mid-document");
	is_str(out.buf, "[]", "fresh document after mid-document reset");

	sb_init(&pre);
	sb_adds(&pre, "id\t");
	jw_init(&w2, &pre);
	jw_map_open(&w2);
	jw_map_close(&w2);
	is_str(pre.buf, "id\t{}", "appends to what the buffer holds");
	jw_release(&w2);
	sb_release(&pre);
}

int
main(void)
{
	sb_init(&out);
	jw_init(&w, &out);
	escapes();
	bad_utf8();
	nesting();
	misuse();
	numbers();
	documents();
	jw_release(&w);
	sb_release(&out);
	return done_testing();
}
