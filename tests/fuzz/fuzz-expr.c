/*
 * fuzz-expr.c - the expression language (common/expr_*.c).
 *
 * fuzz-sources: core/util store/database store/statements io/json_writer match/comparators match/comparison_levels score/score score/score_clv score/clv_fit score/clv_predict expr/expr_parse expr/expr_compile expr/expr_aggregates expr/expr_run expr/expr_pivot expr/expr_accumulate store/bulk_load core/hash normalise/field_map
 * fuzz-options: -max_len=4096
 *
 * The first byte chooses how the rest is compiled: bit 0 as a segment
 * definition (registered under its own name, as cdp-segment does, so
 * in_segment(fz) must be refused as a cycle, not recurse) or as a score
 * expression; the next bits the line and column the text starts at in
 * its file.  The environment knows the built-in scores, a score of each
 * type and a few segments, one of them a cycle.  Only the compiler runs:
 * no database is opened, so a failure here is the parser's or the code
 * generator's.  A refused input must say why as "LINE:COL: message"
 * with LINE not before the line the text starts on; an accepted one
 * must produce SQL with exactly one '?' per bound parameter and a type
 * the tools accept, and compile again to the same.  Nothing may leak.
 */
#include "expr/expr.h"
#include "fuzz.h"

/* why must read "LINE:COL: message", LINE >= line and COL >= 1. */
static void
fz_expr_check_why(const struct sbuf *why, int line)
{
	const char *s = why->buf;
	long l = 0, c = 0;

	FZ_CHECK(why->len > 0, "expr_compile failed without a reason");
	while (*s >= '0' && *s <= '9' && l < 1000000)
		l = l * 10 + (*s++ - '0');
	FZ_CHECK(s != why->buf && *s == ':', "no line in \"%s\"", why->buf);
	s++;
	while (*s >= '0' && *s <= '9' && c < 1000000)
		c = c * 10 + (*s++ - '0');
	FZ_CHECK(*s == ':' && s[1] == ' ' && s[2] != '\0',
	    "no column or message in \"%s\"", why->buf);
	FZ_CHECK(l >= line && c >= 1, "position %ld:%ld out of range in "
	    "\"%s\" (text starts at line %d)", l, c, why->buf, line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned opt = fz_byte(&data, &size);
	int segment = opt & 1, line = 1 + (int)((opt >> 1) & 7);
	int col = 1 + (int)(opt >> 4);
	struct expr_env env;
	struct expr_prog p;
	struct sbuf why;
	char *text;
	size_t i, q;
	int r;

	sb_init(&why);
	if (expr_env_init(&env, NULL, "2024-06-30", &why) == -1)
		fz_fail("expr_env_init: %s", why.buf);
	expr_env_add_score(&env, "churn", ET_NUM);
	expr_env_add_score(&env, "tier", ET_TEXT);
	expr_env_add_score(&env, "next_buy", ET_DATE);
	expr_env_set_segment(&env, "paris", "city = 'Paris'");
	expr_env_set_segment(&env, "buyers", "count(purchase, 90d) > 0");
	expr_env_set_segment(&env, "a", "in_segment(b)");
	expr_env_set_segment(&env, "b", "id > 0 and in_segment(a)");

	/* A NUL-terminated copy: the definition registered as a segment. */
	text = xstrndup((const char *)data, size);
	expr_prog_init(&p);
	if (segment) {
		expr_env_set_segment(&env, "fz", text);
		env.self = "fz";
	}
	r = expr_compile(&env, (const char *)data, size, line, col, &p, &why);
	env.self = NULL;
	if (r == -1)
		fz_expr_check_why(&why, line);
	else {
		FZ_CHECK(p.sql.len > 0 && strlen(p.sql.buf) == p.sql.len,
		    "compiled to empty or NUL-containing SQL");
		for (q = 0, i = 0; i < p.sql.len; i++)
			q += p.sql.buf[i] == '?';
		FZ_CHECK(q == p.npar, "%zu placeholders, %zu parameters: %s",
		    q, p.npar, p.sql.buf);
		FZ_CHECK(p.type >= ET_NUM && p.type <= ET_DUR,
		    "type %d", p.type);
		/*
		 * An attribute stays ET_ANY: cdp-score stores it as type
		 * "any" (expr/expr.h's comment on expr_prog_score_type says
		 * text; the code and cdp-score agree on ET_ANY).
		 */
		r = expr_prog_score_type(&p);
		FZ_CHECK(r == -1 ? p.type == ET_DUR : r == ET_NUM ||
		    r == ET_TEXT || r == ET_DATE || r == ET_ANY,
		    "score type %d of type %d", r, p.type);
		/*
		 * Compiling again into the same prog resets it and gives
		 * the same SQL (its aggregates are registered already).
		 * The copy stops at a NUL byte, so only without one.
		 */
		if (memchr(data, '\0', size) == NULL) {
			char *sql = xstrdup(p.sql.buf);

			sb_reset(&why);
			FZ_CHECK(expr_compile(&env, text, size, line, col, &p,
			    &why) == 0, "compiles once, then fails: %s",
			    why.buf);
			FZ_CHECK(strcmp(sql, p.sql.buf) == 0, "compiled "
			    "twice differently:\n%s\n%s", sql, p.sql.buf);
			free(sql);
		}
	}
	expr_prog_release(&p);
	expr_env_release(&env);
	free(text);
	sb_release(&why);
	return 0;
}
