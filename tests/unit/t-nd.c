/*
 * t-nd.c - unit tests for the NDJSON line parser (common/io/ndjson_reader.c):
 * the exact visitor calls for nested input, numbers and strings as yajl hands
 * them over, every rejection class with its exact reason, depth limits on
 * pathological nesting, and a round trip through jw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "io/json_writer.h"
#include "io/ndjson_reader.h"
#include "tap.h"

/* Every visitor call, as "path=Tval;" with T one of N B # S M A. */
static struct sbuf rec;

static void
add_shown(struct sbuf *sb, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f)
			sb_addf(sb, "\\x%02x", c);
		else
			sb_addc(sb, c);
	}
}

static int
record(void *arg, const char *path, size_t pathlen, enum nd_type type,
    const char *val, size_t len)
{
	static const char types[] = "NB#SMA";

	(void)arg;
	if (path[pathlen] != '\0')
		sb_adds(&rec, "<path not NUL-terminated>");
	add_shown(&rec, path, pathlen);
	sb_addc(&rec, '=');
	sb_addc(&rec, types[type]);
	if ((type == ND_MAP || type == ND_ARRAY) != (val == NULL))
		sb_adds(&rec, "<bad val>");
	add_shown(&rec, val, len);
	sb_addc(&rec, ';');
	return 0;
}

static struct nd *nd;
static struct sbuf why;

/* Parse s (NUL-terminated); the record of visitor calls is in rec. */
static int
parse(const char *s)
{
	sb_reset(&rec);
	return nd_parse(nd, s, strlen(s), record, NULL, &why);
}

static void
accepts(const char *line, const char *want, const char *desc)
{
	int rc = parse(line);

	ok(rc == 0, desc);
	if (rc != 0)
		printf("#   rejected: %s\n", why.buf);
	is_str(rec.buf, want, desc);
}

static void
rejects_n(const char *line, size_t len, const char *reason,
    const char *desc)
{
	sb_reset(&rec);
	ok(nd_parse(nd, line, len, record, NULL, &why) == -1, desc);
	is_str(why.buf, reason, desc);
}

static void
rejects(const char *line, const char *reason, const char *desc)
{
	rejects_n(line, strlen(line), reason, desc);
}

static int stop_at, seen;

static int
stopper(void *arg, const char *path, size_t pathlen, enum nd_type type,
    const char *val, size_t len)
{
	(void)arg;
	(void)path;
	(void)pathlen;
	(void)type;
	(void)val;
	(void)len;
	return ++seen == stop_at ? 7 : 0;
}

static size_t biglen;

static int
measure(void *arg, const char *path, size_t pathlen, enum nd_type type,
    const char *val, size_t len)
{
	(void)arg;
	(void)val;
	if (type == ND_STRING && pathlen == 3 && memcmp(path, "big", 3) == 0)
		biglen = len;
	return 0;
}

static int levels;

static int
count_levels(void *arg, const char *path, size_t pathlen, enum nd_type type,
    const char *val, size_t len)
{
	(void)arg;
	(void)path;
	(void)pathlen;
	(void)val;
	(void)len;
	if (type == ND_MAP || type == ND_ARRAY)
		levels++;
	return 0;
}

static void
test_values(void)
{
	accepts("{\"customer\":{\"email\":\"a@b.fr\"},"
	    "\"items\":[{\"sku\":\"X1\"}]}",
	    "customer=M;customer.email=Sa@b.fr;items=A;items.0=M;"
	    "items.0.sku=SX1;", "header example");
	accepts("{\"s\":\"x\",\"n\":1,\"t\":true,\"f\":false,\"z\":null}",
	    "s=Sx;n=#1;t=Btrue;f=Bfalse;z=Nnull;", "scalars as text");
	accepts("{\"a\":[[1,2],[],{}],\"b\":{},\"c\":[]}",
	    "a=A;a.0=A;a.0.0=#1;a.0.1=#2;a.1=A;a.2=M;b=M;c=A;",
	    "nested arrays, empty containers");
	accepts("{\"a\":[0,1,2,3,4,5,6,7,8,9,10,11]}",
	    "a=A;a.0=#0;a.1=#1;a.2=#2;a.3=#3;a.4=#4;a.5=#5;a.6=#6;a.7=#7;"
	    "a.8=#8;a.9=#9;a.10=#10;a.11=#11;", "two-digit indexes");
	accepts("{\"o\":{\"p\":[{\"q\":{\"r\":[null,{\"s\":1}]}}]},\"t\":2}",
	    "o=M;o.p=A;o.p.0=M;o.p.0.q=M;o.p.0.q.r=A;o.p.0.q.r.0=Nnull;"
	    "o.p.0.q.r.1=M;o.p.0.q.r.1.s=#1;t=#2;",
	    "path cut back after deep members");
	accepts("{}", "", "empty object: no calls");
	accepts("{\"a\":1e999,\"b\":-0,\"c\":12345678901234567890,"
	    "\"d\":-1.5E+10,\"e\":0.10}",
	    "a=#1e999;b=#-0;c=#12345678901234567890;d=#-1.5E+10;e=#0.10;",
	    "numbers kept as written");
	accepts("{\"e\":\"\\u00e9\",\"f\":\"\\ud83d\\ude00\","
	    "\"g\":\"caf\xc3\xa9\"}",
	    "e=S\\xc3\\xa9;f=S\\xf0\\x9f\\x98\\x80;g=Scaf\\xc3\\xa9;",
	    "\\u escapes and raw UTF-8 to UTF-8 bytes");
	accepts("{\"s\":\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f\"}",
	    "s=Sq\"b\\s/n\\x0at\\x09r\\x0db\\x08f\\x0c;",
	    "short escapes unescaped");
	accepts("{\"z\":\"a\\u0000b\"}", "z=Sa\\x00b;",
	    "\\u0000 is a NUL inside val");
	accepts("{\"k\":\"\\\\ud800\"}", "k=S\\ud800;",
	    "escaped backslash before ud800 is plain text");
	accepts("{\"a.b\":{\"c\":1}}", "a.b=M;a.b.c=#1;", "key with a dot");
	accepts("{\"\":{\"a\":1}}", "=M;.a=#1;", "empty key");
	accepts("{\"a\":1,\"a\":2,\"b\":{\"c\":3,\"c\":4}}",
	    "a=#1;a=#2;b=M;b.c=#3;b.c=#4;", "duplicate keys both reported");
	accepts("  \t{\"a\":1}  \r", "a=#1;", "surrounding blanks and CR");
	accepts("{\"a\":1}\r\n", "a=#1;", "CRLF");
	accepts("{ \"a\" : [ 1 , 2 ] }", "a=A;a.0=#1;a.1=#2;",
	    "blanks inside");
}

static void
test_rejects(void)
{
	char line[64];

	rejects("{\"a\":x}", "invalid JSON at column 6: invalid char in "
	    "json text", "bad token");
	rejects("{\"a\" 1}", "invalid JSON at column 6: object key and value "
	    "must be separated by a colon (':')", "missing colon");
	rejects("{\"a\":[1,]}", "invalid JSON at column 9: unallowed token "
	    "at this point in JSON text", "trailing comma in array");
	rejects("{\"a\":01}", "invalid JSON at column 6: after key and value, "
	    "inside map, I expect ',' or '}'", "leading zero");
	rejects("{'a':1}", "invalid JSON at column 2: invalid char in json "
	    "text", "single quotes");
	rejects("{\"a\":\"\x01\"}", "invalid JSON at column 6: invalid "
	    "character inside string", "raw control byte in a string");
	rejects("{\"a\":", "invalid JSON at column 6: premature EOF",
	    "partial value");
	rejects("  {\"a\":1,  ", "invalid JSON at column 10: premature EOF",
	    "partial object, column counts the leading blanks");
	rejects("{\"a\":tru", "invalid JSON at column 9: invalid string in "
	    "json text", "truncated literal");
	rejects("{\"a\":\"abc", "invalid JSON at column 10: premature EOF",
	    "unterminated string");
	rejects("[1,2]", "top-level value is not an object", "array line");
	rejects("[]", "top-level value is not an object", "empty array line");
	rejects("\"x\"", "top-level value is not an object", "string line");
	rejects("42", "top-level value is not an object", "number line");
	rejects("true", "top-level value is not an object", "true line");
	rejects("false", "top-level value is not an object", "false line");
	rejects("null", "top-level value is not an object", "null line");
	rejects("{}{}", "trailing content after the object at column 3",
	    "two objects");
	rejects("{} x", "trailing content after the object at column 4",
	    "trailing garbage");
	rejects("{\"a\":1}}", "trailing content after the object at column 8",
	    "extra brace");
	rejects("{\"a\":\"\\ud800\"}", "invalid JSON at column 7: unpaired "
	    "UTF-16 surrogate escape", "lone high surrogate");
	rejects("{\"a\":\"\\udc00\"}", "invalid JSON at column 7: unpaired "
	    "UTF-16 surrogate escape", "lone low surrogate");
	rejects("{\"a\":\"x\\ud800\\u0041\"}", "invalid JSON at column 8: "
	    "unpaired UTF-16 surrogate escape", "high surrogate, no low");
	rejects("{\"a\":\"\\ude00\\ud83d\"}", "invalid JSON at column 7: "
	    "unpaired UTF-16 surrogate escape", "pair in the wrong order");
	rejects_n("{\"a\":\"x\0\"}", 10, "NUL byte at column 8", "NUL byte");
	rejects_n("\0{}", 3, "NUL byte at column 1", "NUL byte first");
	rejects("{\"a\":\"\xc0\xaf\"}", "invalid UTF-8 at column 7",
	    "overlong '/'");
	rejects("{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8 at column 7",
	    "UTF-8 encoded surrogate");
	rejects("{\"\xc3\xa9\":\"\xff\"}", "invalid UTF-8 at column 8",
	    "0xff after a two-byte char");
	rejects("{\"a\":\"\xf4\x90\x80\x80\"}", "invalid UTF-8 at column 7",
	    "above U+10FFFF");
	rejects("{\"a\":1}\x80", "invalid UTF-8 at column 8",
	    "bad byte outside strings");
	rejects("{\"a\":\"\xc3", "invalid UTF-8 at column 7",
	    "truncated sequence at the end");
	rejects_n("{\"\x80\":\"\0\"}", 9, "invalid UTF-8 at column 3",
	    "bad UTF-8 before a NUL wins");
	rejects_n("{\"\0\":\"\x80\"}", 9, "NUL byte at column 3",
	    "NUL before bad UTF-8 wins");
	rejects("", "empty line", "empty line");
	rejects("   \t ", "empty line", "blank line");
	rejects("\r", "empty line", "CR only");

	/* why is emptied on success, and may be NULL. */
	ok(parse("{}") == 0 && why.len == 0, "why emptied on success");
	snprintf(line, sizeof(line), "{\"a\":");
	ok(nd_parse(nd, line, strlen(line), NULL, NULL, NULL) == -1,
	    "why NULL, visit NULL: still rejected");
	ok(nd_parse(nd, "{\"a\":[1]}", 9, NULL, NULL, NULL) == 0,
	    "visit NULL validates");
}

static char *
nest(const char *open, size_t n, const char *close)
{
	size_t lo = strlen(open), lc = strlen(close), i;
	char *s = xmalloc(n * (lo + lc) + 1), *p = s;

	for (i = 0; i < n; i++, p += lo)
		memcpy(p, open, lo);
	for (i = 0; i < n; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

static void
test_depth(void)
{
	struct nd *flat;
	struct sbuf b;
	char *s;
	double t;
	int rc;

	/* 63 maps around {}: 64 levels, the top-level map unreported. */
	s = nest("{\"a\":", 63, "}");
	sb_init(&b);
	sb_add(&b, s, 63 * 5);
	sb_adds(&b, "{}");
	sb_add(&b, s + 63 * 5, 63);
	levels = 0;
	ok(nd_parse(nd, b.buf, b.len, count_levels, NULL, &why) == 0,
	    "64 levels accepted at maxdepth 64");
	is_num(levels, 63, 0, "63 nested maps reported");
	/* 63 maps around [[]]: the inner array is level 65. */
	sb_reset(&b);
	sb_add(&b, s, 63 * 5);
	sb_adds(&b, "[[]]");
	sb_add(&b, s + 63 * 5, 63);
	levels = 0;
	ok(nd_parse(nd, b.buf, b.len, count_levels, NULL, &why) == -1,
	    "65 levels rejected");
	is_str(why.buf, "nesting deeper than 64 levels", "65 levels reason");
	is_num(levels, 63, 0, "nothing reported past the limit");
	sb_release(&b);
	free(s);

	s = nest("{\"a\":[", 5000, "]}");
	t = mono_now();
	rc = nd_parse(nd, s, strlen(s), record, NULL, &why);
	ok(rc == -1, "10,000 levels rejected");
	is_str(why.buf, "nesting deeper than 64 levels", "10,000 reason");
	free(s);

	s = nest("{\"a\":", 1000000, "}");
	rc = nd_parse(nd, s, strlen(s), record, NULL, &why);
	ok(rc == -1, "1,000,000 levels rejected");
	is_str(why.buf, "nesting deeper than 64 levels", "1,000,000 reason");
	free(s);

	s = nest("[", 1000000, "]");
	rc = nd_parse(nd, s, strlen(s), record, NULL, &why);
	ok(rc == -1, "1,000,000 brackets rejected");
	is_str(why.buf, "top-level value is not an object",
	    "1,000,000 brackets reason");
	free(s);
	t = mono_now() - t;
	ok(t < 2.0, "deep lines rejected quickly");
	if (t >= 2.0)
		printf("#   took %.3f s\n", t);

	flat = nd_new(1);
	ok(nd_parse(flat, "{\"a\":1}", 7, NULL, NULL, &why) == 0,
	    "maxdepth 1: flat object");
	ok(nd_parse(flat, "{\"a\":[]}", 8, NULL, NULL, &why) == -1,
	    "maxdepth 1: nested array rejected");
	is_str(why.buf, "nesting deeper than 1 levels", "maxdepth 1 reason");
	nd_free(flat);
	flat = nd_new(0);
	ok(nd_parse(flat, "{\"a\":{}}", 8, NULL, NULL, &why) == -1,
	    "maxdepth 0 counts as 1");
	nd_free(flat);
}

static void
test_big_and_abort(void)
{
	size_t n = 10 * 1024 * 1024, i;
	char *s = xmalloc(n + 16), *p = s;
	int rc;

	memcpy(p, "{\"big\":\"", 8);
	p += 8;
	for (i = 0; i < n; i++)
		*p++ = (char)('a' + i % 26);
	memcpy(p, "\"}", 2);
	p += 2;
	biglen = 0;
	rc = nd_parse(nd, s, (size_t)(p - s), measure, NULL, &why);
	ok(rc == 0, "10 MB string value accepted");
	ok(biglen == n, "10 MB string value whole");
	free(s);

	seen = 0;
	stop_at = 2;
	rc = nd_parse(nd, "{\"a\":1,\"b\":2,\"c\":3}", 19, stopper, NULL,
	    &why);
	ok(rc == 7, "visitor's return value passed back");
	ok(seen == 2, "no call after the visitor stopped");
	seen = 0;
	stop_at = 1;
	rc = nd_parse(nd, "{\"a\":[1,2]}", 11, stopper, NULL, &why);
	ok(rc == 7 && seen == 1, "stop on a container");
}

static void
test_reuse(void)
{
	char line[64];
	int i, good = 0, bad = 0;

	for (i = 0; i < 3000; i++) {
		switch (i % 3) {
		case 0:
			snprintf(line, sizeof(line), "{\"i\":%d,"
			    "\"s\":\"\\u00e9%d\",\"a\":[%d]}", i, i, i);
			break;
		case 1:
			snprintf(line, sizeof(line), "{\"i\":%d,", i);
			break;
		default:
			snprintf(line, sizeof(line), "[%d]", i);
			break;
		}
		sb_reset(&rec);
		if (nd_parse(nd, line, strlen(line), record, NULL, &why) == 0)
			good++;
		else
			bad++;
	}
	ok(good == 1000 && bad == 2000, "handle reuse over 3000 lines");
	snprintf(line, sizeof(line),
	    "i=#2997;s=S\\xc3\\xa92997;a=A;a.0=#2997;");
	parse("{\"i\":2997,\"s\":\"\\u00e92997\",\"a\":[2997]}");
	is_str(rec.buf, line, "values right after many lines");
}

/* What jw writes, nd reads back as the same values. */
static void
test_roundtrip(void)
{
	static const char nasty[] =
	    "q\"b\\s/ \x01\x1f\n\t\xc3\xa9\xf0\x9f\x98\x80";
	struct sbuf out;
	struct jw w;

	sb_init(&out);
	jw_init(&w, &out);
	jw_map_open(&w);
	jw_key(&w, "s", 1);
	jw_str(&w, nasty, sizeof(nasty) - 1);
	jw_key(&w, "z\0z", 3);
	jw_str(&w, "a\0b", 3);
	jw_key(&w, "n", 1);
	jw_num(&w, "12345678901234567890", 20);
	jw_key(&w, "d", 1);
	jw_double(&w, 0.1);
	jw_key(&w, "i", 1);
	jw_int(&w, -9223372036854775807LL - 1);
	jw_key(&w, "l", 1);
	jw_array_open(&w);
	jw_bool(&w, 1);
	jw_null(&w);
	jw_map_open(&w);
	jw_key(&w, "k", 1);
	jw_strz(&w, NULL);
	jw_map_close(&w);
	jw_array_close(&w);
	ok(jw_map_close(&w) == 0, "roundtrip: document written");
	ok(parse(out.buf) == 0, "roundtrip: nd accepts jw's output");
	is_str(rec.buf, "s=Sq\"b\\s/ \\x01\\x1f\\x0a\\x09\\xc3\\xa9"
	    "\\xf0\\x9f\\x98\\x80;z\\x00z=Sa\\x00b;n=#12345678901234567890;"
	    "d=#0.1;i=#-9223372036854775808;l=A;l.0=Btrue;l.1=Nnull;l.2=M;"
	    "l.2.k=Nnull;", "roundtrip: same values");
	jw_release(&w);
	sb_release(&out);
}

int
main(void)
{
	sb_init(&rec);
	sb_init(&why);
	nd = nd_new(64);
	test_values();
	test_rejects();
	test_depth();
	test_big_and_abort();
	test_reuse();
	test_roundtrip();
	nd_free(nd);
	sb_release(&why);
	sb_release(&rec);
	return done_testing();
}
