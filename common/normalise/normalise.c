/*
 * normalise.c - normalisers for the canonical fields; see normalise.h.
 *
 * These run once per field on every ingested row, so the common shapes
 * are parsed by hand and nothing is allocated outside the caller's
 * sbuf: ASCII text never reaches utf8proc, and where utf8proc is
 * needed, its code point scratch lives in the output buffer itself.
 * This file holds the text normalisers (name, free text, email), the
 * small ones (amount, yes/no, gender, postal code, identifier) and the
 * helpers every norm_*.c file shares (normalise_internal.h); phone numbers and
 * countries are in phones.c, dates and timestamps in dates.c.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#include "normalise/normalise_internal.h"

/* NFKC; default-ignorables (ZWSP, BOM, soft hyphen) dropped as noise. */
#define U_NFKC	(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | \
		    UTF8PROC_IGNORE)
/* The matching key: NFKC, case-folded, marks stripped. */
#define U_FOLD	(U_NFKC | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK)

/* Byte length of the whitespace character at s[0..n), 0 if none. */
size_t
norm_space_len(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] == 0xa0)		/* NBSP */
		return 2;
	if (n < 3)
		return 0;
	if (s[0] == 0xe2 && s[1] == 0x80 &&		/* U+2000..200B, 202F */
	    ((s[2] >= 0x80 && s[2] <= 0x8b) || s[2] == 0xaf))
		return 3;
	if ((s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) ||	/* U+205F */
	    (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) ||	/* U+3000 */
	    (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf))	/* BOM */
		return 3;
	return 0;
}

/* Byte length of the whitespace character ending s[0..n), 0 if none. */
static size_t
space_len_back(const unsigned char *s, size_t n)
{
	if (n >= 1 && norm_space_len(s + n - 1, 1) == 1)
		return 1;
	if (n >= 2 && norm_space_len(s + n - 2, 2) == 2)
		return 2;
	if (n >= 3 && norm_space_len(s + n - 3, 3) == 3)
		return 3;
	return 0;
}

void
norm_trim(const char **sp, size_t *np)
{
	const unsigned char *s = (const unsigned char *)*sp;
	size_t n = *np, k;

	while ((k = norm_space_len(s, n)) > 0) {
		s += k;
		n -= k;
	}
	while ((k = space_len_back(s, n)) > 0)
		n -= k;
	*sp = (const char *)s;
	*np = n;
}

static int
is_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* Whether s[0..n) is the word w, ignoring ASCII case. */
int
norm_ieq(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' || TOLOWER((unsigned char)s[i]) != w[i])
			return 0;
	return w[n] == '\0';
}

/* Whether s[0..n) is one of the '|'-separated words of list. */
int
norm_in_list(const char *s, size_t n, const char *list)
{
	const char *p = list, *q;

	for (;;) {
		q = strchr(p, '|');
		if (q == NULL)
			q = p + strlen(p);
		if ((size_t)(q - p) == n && memcmp(p, s, n) == 0)
			return 1;
		if (*q == '\0')
			return 0;
		p = q + 1;
	}
}

/*
 * utf8proc_map without its allocation: the code points are decomposed
 * into out's own memory (malloc alignment suits int32) and re-encoded
 * in place, which utf8proc_reencode supports.  -1 on invalid UTF-8.
 */
static int
u_map(const char *s, size_t n, int opt, struct sbuf *out)
{
	utf8proc_int32_t *cp;
	utf8proc_ssize_t len, cap;

	if (n > (size_t)PTRDIFF_MAX / 8)
		return -1;
	cap = (utf8proc_ssize_t)n + 8;
	for (;;) {
		sb_reset(out);
		sb_grow(out, (size_t)cap * sizeof(*cp));
		cp = (utf8proc_int32_t *)(void *)out->buf;
		len = utf8proc_decompose((const utf8proc_uint8_t *)s,
		    (utf8proc_ssize_t)n, cp, cap, (utf8proc_option_t)opt);
		if (len < 0) {
			sb_reset(out);
			return -1;
		}
		if (len <= cap)
			break;
		cap = len;
	}
	len = utf8proc_reencode(cp, len, (utf8proc_option_t)opt);
	if (len < 0) {
		sb_reset(out);
		return -1;
	}
	out->len = (size_t)len;
	out->buf[out->len] = '\0';
	return 0;
}

enum { K_WORD, K_MARK, K_PUNCT, K_SPACE };

static int
classify(utf8proc_int32_t cp)
{
	if (cp < 0x80) {
		if (cp <= ' ' || cp == 0x7f)
			return K_SPACE;
		if (ISDIGIT(cp) || ISALPHA(cp) || strchr("$+<=>^|~", cp))
			return K_WORD;
		return K_PUNCT;		/* including ` used as apostrophe */
	}
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
	case UTF8PROC_CATEGORY_CC:
		return K_SPACE;
	case UTF8PROC_CATEGORY_PC:
	case UTF8PROC_CATEGORY_PD:
	case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI:
	case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
		return K_PUNCT;
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return K_MARK;
	default:
		return K_WORD;
	}
}

/*
 * Collapse the valid UTF-8 in sb in place: whitespace and control
 * characters (an embedded NUL included) separate words by one space and
 * vanish at either end.  For a key, punctuation separates words too and
 * ASCII is lower-cased (utf8proc folded the rest).  Returns whether a
 * letter, digit or symbol was seen.
 */
static int
collapse(struct sbuf *sb, int key)
{
	unsigned char *p = (unsigned char *)sb->buf;
	size_t r = 0, w = 0, n = sb->len, k;
	utf8proc_int32_t cp;
	utf8proc_ssize_t m;
	int cls, pend = 0, word = 0;

	while (r < n) {
		if (p[r] < 0x80) {
			cp = p[r];
			k = 1;
		} else {
			m = utf8proc_iterate(p + r, (utf8proc_ssize_t)(n - r),
			    &cp);
			k = m > 0 ? (size_t)m : 1;
		}
		cls = classify(cp);
		if (cls == K_SPACE || (key && cls == K_PUNCT)) {
			pend = 1;
			r += k;
			continue;
		}
		if (pend && w > 0)
			p[w++] = ' ';
		pend = 0;
		if (cls == K_WORD)
			word = 1;
		if (k == 1)
			p[w++] = key ? (unsigned char)TOLOWER(p[r]) : p[r];
		else {
			memmove(p + w, p + r, k);
			w += k;
		}
		r += k;
	}
	sb->len = w;
	p[w] = '\0';
	return word;
}

/* The name key of s[0..n) into out; -1 on invalid UTF-8. */
int
norm_fold(const char *s, size_t n, struct sbuf *out)
{
	if (is_ascii(s, n)) {
		sb_reset(out);
		sb_add(out, s, n);
	} else if (u_map(s, n, U_FOLD, out) == -1)
		return -1;
	collapse(out, 1);
	return 0;
}

int
norm_text(const char *s, size_t n, struct sbuf *out)
{
	if (is_ascii(s, n)) {
		sb_reset(out);
		sb_add(out, s, n);
	} else if (u_map(s, n, U_NFKC, out) == -1)
		return NORM_INVALID;
	collapse(out, 0);
	return out->len == 0 ? NORM_EMPTY : NORM_OK;
}

/*
 * A name of nothing but punctuation ("-", ".") is a placeholder for a
 * missing one, and an empty key would match every other such record:
 * it is reported as NORM_EMPTY.
 */
int
norm_name(const char *s, size_t n, struct sbuf *disp, struct sbuf *key)
{
	if (key != NULL)
		sb_reset(key);
	if (is_ascii(s, n)) {
		sb_reset(disp);
		sb_add(disp, s, n);
	} else if (u_map(s, n, U_NFKC, disp) == -1)
		return NORM_INVALID;
	if (!collapse(disp, 0)) {
		sb_reset(disp);
		return NORM_EMPTY;
	}
	if (key != NULL && (norm_fold(disp->buf, disp->len, key) == -1 ||
	    key->len == 0)) {
		sb_reset(disp);
		sb_reset(key);
		return NORM_INVALID;
	}
	return NORM_OK;
}

/* Append the code point at s[0..n) lower-cased; its length or -1. */
static long
add_lower(const unsigned char *s, size_t n, struct sbuf *out,
    utf8proc_int32_t *cpp)
{
	utf8proc_uint8_t b[4];
	utf8proc_int32_t cp;
	utf8proc_ssize_t k, m;

	k = utf8proc_iterate(s, (utf8proc_ssize_t)n, &cp);
	if (k <= 0)
		return -1;
	m = utf8proc_encode_char(utf8proc_tolower(cp), b);
	sb_add(out, b, (size_t)m);
	*cpp = cp;
	return (long)k;
}

int
norm_email(const char *s, size_t n, struct sbuf *out)
{
	const unsigned char *u;
	const char *at, *lt;
	size_t i, nl, lab = 0, tld = 0, ol;
	utf8proc_int32_t cp;
	long k;
	int c, prev = '@', cat;

	sb_reset(out);
	norm_trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	/* "Maria Sentosa <msentosa@fmail.com>": the address in the brackets. */
	if (s[n - 1] == '>' && (lt = memrchr(s, '<', n)) != NULL) {
		n -= (size_t)(lt + 1 - s) + 1;
		s = lt + 1;
		norm_trim(&s, &n);
		if (n == 0)
			return NORM_INVALID;
	}
	/* RFC 5321 limits: 64 for the local part, 254 in all. */
	if (n > 254 || (at = memchr(s, '@', n)) == NULL)
		return NORM_INVALID;
	u = (const unsigned char *)s;
	nl = (size_t)(at - s);
	if (nl == 0 || nl > 64 || nl + 1 == n ||
	    memchr(at + 1, '@', n - nl - 1) != NULL)
		return NORM_INVALID;
	sb_grow(out, n);
	for (i = 0; i < nl; i += (size_t)k) {
		c = u[i];
		k = 1;
		if (c < 0x80) {
			/* Dots may not start, end or double (unquoted form). */
			if (c <= ' ' || c == 0x7f ||
			    (c == '.' && (i == 0 || i + 1 == nl || prev == '.')))
				goto bad;
			sb_addc(out, TOLOWER(c));
		} else {
			if ((k = add_lower(u + i, nl - i, out, &cp)) == -1)
				goto bad;
			cat = utf8proc_category(cp);
			if (cat == UTF8PROC_CATEGORY_CN ||
			    cat >= UTF8PROC_CATEGORY_ZS)
				goto bad;
		}
		prev = c;
	}
	/*
	 * The limits hold for the result, which is what is stored and
	 * normalised again: lower case may be longer ("\u023e", 2 bytes,
	 * becomes "\u2c66", 3 bytes).
	 */
	if (out->len > 64)
		goto bad;
	sb_addc(out, '@');
	prev = '.';
	for (i = nl + 1; i < n; i += (size_t)k) {
		c = u[i];
		k = 1;
		if (c == '.') {
			if (prev == '.' || prev == '-')
				goto bad;
			sb_addc(out, '.');
			tld = out->len;
			lab = 0;
		} else if (c < 0x80) {
			if (!ISDIGIT(c) && !ISALPHA(c) &&
			    (c != '-' || prev == '.'))
				goto bad;
			sb_addc(out, TOLOWER(c));
			lab++;
		} else {
			ol = out->len;
			if ((k = add_lower(u + i, n - i, out, &cp)) == -1)
				goto bad;
			cat = utf8proc_category(cp);
			if (cat < UTF8PROC_CATEGORY_LU ||
			    cat > UTF8PROC_CATEGORY_NO)
				goto bad;
			lab += out->len - ol;
		}
		if (lab > 63)
			goto bad;
		prev = c;
	}
	if (tld == 0 || prev == '.' || prev == '-' || out->len - tld < 2 ||
	    out->len > 254)
		goto bad;
	/* The top-level label is letters, or punycode for an IDN one. */
	if (strncmp(out->buf + tld, "xn--", 4) != 0)
		for (i = tld; i < out->len; i++)
			if (!ISALPHA(out->buf[i]) &&
			    (unsigned char)out->buf[i] < 0x80)
				goto bad;
	return NORM_OK;
bad:
	sb_reset(out);
	return NORM_INVALID;
}

static const char *const currency_sym[] = {
	"\xe2\x82\xac", "$", "\xc2\xa3", "\xc2\xa5",	/* euro, pound, yen */
	"\xe2\x82\xb9", "\xe2\x82\xbd", "\xe2\x82\xa9", "\xe2\x82\xba",
};

#define NCURRENCY	(sizeof(currency_sym) / sizeof(currency_sym[0]))

/* Length of a currency symbol or 3-letter code starting p[0..n). */
static size_t
currency_front(const char *p, size_t n)
{
	size_t i, k;

	for (i = 0; i < NCURRENCY; i++) {
		k = strlen(currency_sym[i]);
		if (n >= k && memcmp(p, currency_sym[i], k) == 0)
			return k;
	}
	if (n >= 3 && ISALPHA(p[0]) && ISALPHA(p[1]) && ISALPHA(p[2]) &&
	    (n == 3 || !ISALPHA(p[3])))
		return 3;
	return 0;
}

/* Length of a currency symbol or 3-letter code ending p[0..n). */
static size_t
currency_back(const char *p, size_t n)
{
	size_t i, k;

	for (i = 0; i < NCURRENCY; i++) {
		k = strlen(currency_sym[i]);
		if (n >= k && memcmp(p + n - k, currency_sym[i], k) == 0)
			return k;
	}
	if (n >= 3 && ISALPHA(p[n - 1]) && ISALPHA(p[n - 2]) &&
	    ISALPHA(p[n - 3]) && (n == 3 || !ISALPHA(p[n - 4])))
		return 3;
	return 0;
}

/* Length of a group separator at p[0..n): spaces, apostrophes. */
static size_t
group_len(const char *p, size_t n)
{
	if (n > 0 && *p == '\'')
		return 1;
	if (n >= 3 && memcmp(p, "\xe2\x80\x99", 3) == 0)	/* U+2019 */
		return 3;
	return norm_space_len((const unsigned char *)p, n);
}

int
norm_amount(const char *s, size_t n, struct sbuf *out)
{
	const char *p, *e, *q, *dec = NULL, *lastc = NULL, *lastd = NULL;
	size_t k, ncomma = 0, ndot = 0, glen = 0, ngroup = 0, nint = 0;
	int neg = 0, sign = 0, cur = 0, nonzero = 0;

	sb_reset(out);
	norm_trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	p = s;
	e = s + n;
	/* Sign and currency come in either order: "-€12", "€ -12". */
	for (;;) {
		if (!cur && (k = currency_front(p, (size_t)(e - p))) > 0)
			cur = 1;
		else if (!sign && p < e && (*p == '-' || *p == '+')) {
			sign = 1;
			neg = *p == '-';
			k = 1;
		} else if (!sign && e - p >= 3 &&
		    memcmp(p, "\xe2\x88\x92", 3) == 0) {	/* U+2212 minus */
			sign = 1;
			neg = 1;
			k = 3;
		} else
			break;
		p += k;
		while ((k = norm_space_len((const unsigned char *)p,
		    (size_t)(e - p))) > 0)
			p += k;
	}
	if (!cur && (k = currency_back(p, (size_t)(e - p))) > 0) {
		e -= k;
		while ((k = space_len_back((const unsigned char *)p,
		    (size_t)(e - p))) > 0)
			e -= k;
	}
	for (q = p; q < e; q += k) {
		k = 1;
		if (*q == ',') {
			ncomma++;
			lastc = q;
		} else if (*q == '.') {
			ndot++;
			lastd = q;
		} else if (!ISDIGIT(*q) &&
		    (k = group_len(q, (size_t)(e - q))) == 0)
			return NORM_INVALID;
	}
	/* The last of ',' and '.' is decimal; a lone one is decimal too. */
	if (ncomma > 0 && ndot > 0)
		dec = lastc > lastd ? lastc : lastd;
	else if (ncomma == 1)
		dec = lastc;
	else if (ndot == 1)
		dec = lastd;
	if (dec != NULL && (*dec == ',' ? ncomma : ndot) > 1)
		return NORM_INVALID;

	if (neg)
		sb_addc(out, '-');
	/* Groups: the first of 1 to 3 digits, then exactly 3 each. */
	for (q = p; q < (dec ? dec : e); q += k) {
		k = 1;
		if (ISDIGIT(*q)) {
			glen++;
			nint++;
			if (*q != '0' || nonzero) {
				sb_addc(out, *q);
				nonzero = 1;
			}
			continue;
		}
		if (*q != ',' && *q != '.')
			k = group_len(q, (size_t)(e - q));
		if (glen == 0 || glen > 3 || (ngroup > 0 && glen != 3))
			goto bad;
		ngroup++;
		glen = 0;
	}
	if (ngroup > 0 && glen != 3)
		goto bad;
	if (!nonzero)
		sb_addc(out, '0');
	if (dec != NULL && dec + 1 < e) {
		sb_addc(out, '.');
		for (q = dec + 1; q < e; q++) {
			if (!ISDIGIT(*q))
				goto bad;
			if (*q != '0')
				nonzero = 1;
			sb_addc(out, *q);
		}
	} else if (nint == 0)
		goto bad;
	if (neg && !nonzero) {		/* no negative zero */
		memmove(out->buf, out->buf + 1, out->len);
		out->len--;
	}
	/* Amounts are stored as doubles: 400 digits would be Inf. */
	if (!isfinite(strtod(out->buf, NULL)))
		goto bad;
	return NORM_OK;
bad:
	sb_reset(out);
	return NORM_INVALID;
}

/*
 * NB: normalise.h asks for NORM_EMPTY on blank, and NORM_EMPTY is 1, the value
 * of "yes": until the header changes, a caller must test for a blank
 * value itself before calling this.
 */
int
norm_bool(const char *s, size_t n)
{
	char w[16];
	size_t i;

	norm_trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	if (n >= sizeof(w))
		return NORM_INVALID;
	/* "Opt In", "opt_in" and "opt-in" are one word. */
	for (i = 0; i < n; i++)
		w[i] = s[i] == ' ' || s[i] == '_' ? '-' :
		    (char)TOLOWER((unsigned char)s[i]);
	if (norm_in_list(w, n,
	    "yes|y|oui|o|true|t|1|on|opt-in|optin|granted|vrai"))
		return 1;
	if (norm_in_list(w, n,
	    "no|n|non|false|f|0|off|opt-out|optout|denied|faux"))
		return 0;
	return NORM_INVALID;
}

int
norm_gender(const char *s, size_t n, struct sbuf *out)
{
	char g;

	sb_reset(out);
	norm_trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	/* Folding makes "Mme." "mme" and "Non-Binary" "non binary". */
	if (n > 32 || norm_fold(s, n, out) == -1)
		goto bad;
	if (norm_in_list(out->buf, out->len, "f|female|femme|woman|w|mme|"
	    "madame|mrs|ms|mlle|mademoiselle|miss|feminin"))
		g = 'F';
	else if (norm_in_list(out->buf, out->len, "m|male|homme|man|h|mr|"
	    "monsieur|masculin"))
		g = 'M';
	else if (norm_in_list(out->buf, out->len, "x|other|autre|non binary|"
	    "nonbinary|non binaire|nonbinaire"))
		g = 'X';
	else
		goto bad;
	sb_reset(out);
	sb_addc(out, g);
	return NORM_OK;
bad:
	sb_reset(out);
	return NORM_INVALID;
}

/*
 * Postal codes worldwide are letters, digits, spaces and hyphens, ten
 * characters at most (16 allowed here); anything else or longer is a
 * misplaced field.
 */
int
norm_postal(const char *s, size_t n, struct sbuf *out)
{
	size_t i, k;
	int pend = 0;

	sb_reset(out);
	norm_trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	for (i = 0; i < n; i += k) {
		k = norm_space_len((const unsigned char *)s + i, n - i);
		if (k > 0) {
			pend = 1;
			continue;
		}
		k = 1;
		if (!ISDIGIT(s[i]) && !ISALPHA(s[i]) && s[i] != '-')
			goto bad;
		if (pend)
			sb_addc(out, ' ');
		pend = 0;
		sb_addc(out, ISALPHA(s[i]) ? s[i] & ~0x20 : s[i]);
		if (out->len > 16)
			goto bad;
	}
	return NORM_OK;
bad:
	sb_reset(out);
	return NORM_INVALID;
}

/* Control bytes and invalid UTF-8 in an identifier are corruption. */
int
norm_id(const char *s, size_t n, struct sbuf *out)
{
	size_t i;

	sb_reset(out);
	norm_trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return NORM_INVALID;
	if (utf8_check(s, n) != -1)
		return NORM_INVALID;
	sb_add(out, s, n);
	return NORM_OK;
}
