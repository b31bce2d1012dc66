/*
 * person_tokens.c - the forms of one person's identifiers and the
 * search for them in text; see person_tokens.h.
 *
 * retain erases thousands of profiles at once and the text searched
 * (logs, rejects, kept files) can be large, so nothing here is
 * quadratic: the tokens are sorted, and a text is searched by looking
 * up, at each place a token may start, the tokens that are a prefix of
 * the rest (a few binary searches), not token by token.
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
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = s;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort v and drop its duplicates. */
static void
sort_unique(char **v, size_t *n)
{
	size_t i, k = 0;

	if (*n == 0)
		return;
	qsort(v, *n, sizeof(*v), cmp_str);
	for (i = 1; i < *n; i++) {
		if (strcmp(v[i], v[k]) == 0)
			free(v[i]);
		else
			v[++k] = v[i];
	}
	*n = k + 1;
}

static void
seal(struct ptok *t)
{
	if (t->sorted)
		return;
	sort_unique(t->v, &t->n);
	sort_unique(t->ids, &t->nid);
	sort_unique(t->phones, &t->nphone);
	t->sorted = 1;
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
	t->sorted = 0;
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
	size_t i, n = strlen(value);
	char *rev;

	ptok_add(t, value, n);
	push(&t->ids, &t->nid, &t->capid, lower_copy(value, n));
	if (strcmp(kind, "email") == 0)
		add_sha256(t, value, n);
	else if (strcmp(kind, "phone") == 0 && value[0] == '+') {
		add_sha256(t, value, n);
		add_sha256(t, value + 1, n - 1);	/* sha256:meta */
		ptok_add(t, value + 1, n - 1);
		/* Digits reversed: a suffix becomes a prefix to search. */
		rev = xmalloc(n);
		for (i = 0; i < n - 1; i++)
			rev[i] = value[n - 1 - i];
		rev[n - 1] = '\0';
		push(&t->phones, &t->nphone, &t->capphone, rev);
	}
	t->sorted = 0;
}

/* Whether a reversed phone begins with the nd digits of rev. */
static int
phone_suffix(const struct ptok *t, const char *rev, size_t nd)
{
	size_t lo = 0, hi = t->nphone, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strncmp(t->phones[mid], rev, nd);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void
ptok_add_raw(struct ptok *t, const char *s, size_t n)
{
	char digits[32], rev[32], *low;
	size_t i, nd = 0;

	trim(&s, &n);
	if (n < PTOK_MIN)
		return;
	seal(t);
	low = lower_copy(s, n);
	if (t->nid > 0 && bsearch(&low, t->ids, t->nid, sizeof(*t->ids),
	    cmp_str) != NULL) {
		push(&t->v, &t->n, &t->cap, low);
		t->sorted = 0;
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
	if (nd < 8)
		return;
	for (i = 0; i < nd; i++)
		rev[i] = digits[nd - 1 - i];
	rev[nd] = '\0';
	if (phone_suffix(t, rev, nd))
		ptok_add(t, s, n);
}

static int
edge(int c)
{
	return isalnum(c);
}

/* tok against the key s[0..sl), as strcmp would against it as a string. */
static int
cmp_key(const char *tok, const char *s, size_t sl)
{
	size_t i;

	for (i = 0; i < sl && tok[i] != '\0'; i++)
		if (tok[i] != s[i])
			return (unsigned char)tok[i] - (unsigned char)s[i];
	if (i == sl)
		return tok[i] != '\0';
	return -1;
}

/* The last token <= the key s[0..sl), or -1. */
static long
last_le(const struct ptok *t, const char *s, size_t sl)
{
	size_t lo = 0, hi = t->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (cmp_key(t->v[mid], s, sl) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

/*
 * Whether a token is a prefix of s[0..n) and ends a word there.  The
 * tokens that are prefixes of s all sort at or before s: take the last
 * token before it, and either it is a prefix, or the next candidate is
 * a prefix of the part it shares with s, shorter each time.
 */
static int
match_at(const struct ptok *t, const char *s, size_t n)
{
	size_t sl = n, l;
	long g;

	while (sl >= PTOK_MIN && (g = last_le(t, s, sl)) >= 0) {
		const char *tok = t->v[g];

		for (l = 0; l < sl && tok[l] != '\0' && tok[l] == s[l]; l++)
			;
		if (tok[l] != '\0') {	/* not a prefix: shorter ones */
			sl = l;
			continue;
		}
		if (!edge((unsigned char)tok[l - 1]) || l == n ||
		    !edge((unsigned char)s[l]))
			return 1;
		sl = l - 1;
	}
	return 0;
}

int
ptok_match(struct ptok *t, const char *s, size_t n)
{
	char *low;
	size_t i, k;
	int hit = 0;

	if (t->n == 0 || n < PTOK_MIN)
		return 0;
	seal(t);
	low = xmalloc(n + 1);
	for (k = 0; k < n; k++)
		low[k] = (char)tolower((unsigned char)s[k]);
	low[n] = '\0';
	for (i = 0; i + PTOK_MIN <= n && !hit; i++) {
		/* A token whose first byte is a letter or digit starts
		 * a word. */
		if (i > 0 && edge((unsigned char)low[i - 1]) &&
		    edge((unsigned char)low[i]))
			continue;
		hit = match_at(t, low + i, n - i);
	}
	free(low);
	return hit;
}

static void
holds(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct ptok *t = sqlite3_user_data(cx);
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
ptok_register(sqlite3 *db, struct ptok *t)
{
	return sqlite3_create_function(db, "priv_holds", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, t, holds, NULL, NULL) == SQLITE_OK ? 0 : -1;
}
