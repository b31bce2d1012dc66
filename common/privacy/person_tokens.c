/*
 * person_tokens.c - the forms of one person's identifiers and the
 * search for them in text; see person_tokens.h.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/util.h"
#include "privacy/person_tokens.h"

void
ptok_init(struct ptok *t)
{
	memset(t, 0, sizeof(*t));
}

static void
free_all(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
ptok_release(struct ptok *t)
{
	free_all(t->v, t->n);
	free_all(t->phones, t->nphone);
	free_all(t->ids, t->nid);
	memset(t, 0, sizeof(*t));
}

static char *
lower_copy(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)tolower((unsigned char)s[i]);
	p[n] = '\0';
	return p;
}

static void
push(char ***v, size_t *n, size_t *cap, char *s)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0) {
			free(s);
			return;
		}
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = s;
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

void
ptok_add(struct ptok *t, const char *s, size_t n)
{
	trim(&s, &n);
	if (n < PTOK_MIN)
		return;
	push(&t->v, &t->n, &t->cap, lower_copy(s, n));
}

static void
add_sha256(struct ptok *t, const char *s, size_t n)
{
	uint8_t d[HASH_LEN];
	char hex[2 * HASH_LEN + 1];

	hash_sha256(s, n, d);
	hash_hex(d, HASH_LEN, hex);
	ptok_add(t, hex, 2 * HASH_LEN);
}

void
ptok_add_ident(struct ptok *t, const char *kind, const char *value)
{
	size_t n = strlen(value);

	ptok_add(t, value, n);
	push(&t->ids, &t->nid, &t->capid, lower_copy(value, n));
	if (strcmp(kind, "email") == 0)
		add_sha256(t, value, n);
	else if (strcmp(kind, "phone") == 0 && value[0] == '+') {
		add_sha256(t, value, n);
		add_sha256(t, value + 1, n - 1);	/* sha256:meta */
		ptok_add(t, value + 1, n - 1);
		push(&t->phones, &t->nphone, &t->capphone,
		    xstrdup(value + 1));
	}
}

void
ptok_add_raw(struct ptok *t, const char *s, size_t n)
{
	char digits[32], *low;
	size_t i, nd = 0, lp;

	trim(&s, &n);
	if (n < PTOK_MIN)
		return;
	low = lower_copy(s, n);
	for (i = 0; i < t->nid; i++)
		if (strcmp(low, t->ids[i]) == 0) {
			push(&t->v, &t->n, &t->cap, low);
			return;
		}
	free(low);
	/* A phone in any writing: its digits end the E.164 digits. */
	for (i = 0; i < n; i++) {
		if (isdigit((unsigned char)s[i])) {
			if (nd == sizeof(digits) - 1)
				return;
			if (nd > 0 || s[i] != '0')
				digits[nd++] = s[i];
		} else if (strchr(" .-/()+", s[i]) == NULL)
			return;
	}
	digits[nd] = '\0';
	if (nd < 8)
		return;
	for (i = 0; i < t->nphone; i++) {
		lp = strlen(t->phones[i]);
		if (lp >= nd && strcmp(t->phones[i] + lp - nd, digits) == 0) {
			ptok_add(t, s, n);
			return;
		}
	}
}

static int
edge(int c)
{
	return isalnum(c);
}

int
ptok_match(const struct ptok *t, const char *s, size_t n)
{
	const char *p, *end;
	char *low;
	size_t i, k;
	int hit = 0;

	if (t->n == 0 || n == 0)
		return 0;
	low = xmalloc(n);
	for (k = 0; k < n; k++)
		low[k] = (char)tolower((unsigned char)s[k]);
	end = low + n;
	for (i = 0; i < t->n && !hit; i++) {
		const char *tok = t->v[i];
		size_t len = strlen(tok);

		for (p = low; !hit && p < end &&
		    (p = memmem(p, (size_t)(end - p), tok, len)) != NULL;
		    p++) {
			if (edge((unsigned char)tok[0]) && p > low &&
			    edge((unsigned char)p[-1]))
				continue;
			if (edge((unsigned char)tok[len - 1]) &&
			    p + len < end && edge((unsigned char)p[len]))
				continue;
			hit = 1;
		}
	}
	free(low);
	return hit;
}

static void
holds(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const struct ptok *t = sqlite3_user_data(cx);
	const void *p;
	int n;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_int(cx, 0);
		return;
	}
	p = sqlite3_value_blob(argv[0]);
	n = sqlite3_value_bytes(argv[0]);
	sqlite3_result_int(cx, p != NULL && ptok_match(t, p, (size_t)n));
}

int
ptok_register(sqlite3 *db, const struct ptok *t)
{
	return sqlite3_create_function(db, "priv_holds", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, (void *)t, holds, NULL, NULL) == SQLITE_OK ?
	    0 : -1;
}
