/*
 * norm.c - normalisers for the canonical fields; see norm.h.
 *
 * These run once per field on every ingested row, so the common shapes
 * (ISO dates, epoch numbers, ASCII names) are parsed by hand and never
 * reach strptime or utf8proc, and nothing is allocated outside the
 * caller's sbuf: where utf8proc is needed, its code point scratch lives
 * in the output buffer itself.  The one piece of data here is the
 * country table: ISO 3166 codes, the numbering rules norm_phone needs
 * and the names norm_country accepts.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <utf8proc.h>

#include "norm.h"

/* NFKC; default-ignorables (ZWSP, BOM, soft hyphen) dropped as noise. */
#define U_NFKC	(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | \
		    UTF8PROC_IGNORE)
/* The matching key: NFKC, case-folded, marks stripped. */
#define U_FOLD	(U_NFKC | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK)

/* Locale-free ASCII classes: bytes above 0x7f are never letters here. */
#define ISDIGIT(c)	((c) >= '0' && (c) <= '9')
#define ISALPHA(c)	(((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z')
#define TOLOWER(c)	((c) >= 'A' && (c) <= 'Z' ? (c) | 0x20 : (c))

/*
 * ISO 3166-1: alpha-2 then alpha-3 for every code, sorted by alpha-2
 * (generated from the iso-codes package).
 */
static const char iso3166[] =
	"ADANDAEAREAFAFGAGATGAIAIAALALBAMARMAOAGOAQATAARARGASASMATAUT"
	"AUAUSAWABWAXALAAZAZEBABIHBBBRBBDBGDBEBELBFBFABGBGRBHBHRBIBDI"
	"BJBENBLBLMBMBMUBNBRNBOBOLBQBESBRBRABSBHSBTBTNBVBVTBWBWABYBLR"
	"BZBLZCACANCCCCKCDCODCFCAFCGCOGCHCHECICIVCKCOKCLCHLCMCMRCNCHN"
	"COCOLCRCRICUCUBCVCPVCWCUWCXCXRCYCYPCZCZEDEDEUDJDJIDKDNKDMDMA"
	"DODOMDZDZAECECUEEESTEGEGYEHESHERERIESESPETETHFIFINFJFJIFKFLK"
	"FMFSMFOFROFRFRAGAGABGBGBRGDGRDGEGEOGFGUFGGGGYGHGHAGIGIBGLGRL"
	"GMGMBGNGINGPGLPGQGNQGRGRCGSSGSGTGTMGUGUMGWGNBGYGUYHKHKGHMHMD"
	"HNHNDHRHRVHTHTIHUHUNIDIDNIEIRLILISRIMIMNININDIOIOTIQIRQIRIRN"
	"ISISLITITAJEJEYJMJAMJOJORJPJPNKEKENKGKGZKHKHMKIKIRKMCOMKNKNA"
	"KPPRKKRKORKWKWTKYCYMKZKAZLALAOLBLBNLCLCALILIELKLKALRLBRLSLSO"
	"LTLTULULUXLVLVALYLBYMAMARMCMCOMDMDAMEMNEMFMAFMGMDGMHMHLMKMKD"
	"MLMLIMMMMRMNMNGMOMACMPMNPMQMTQMRMRTMSMSRMTMLTMUMUSMVMDVMWMWI"
	"MXMEXMYMYSMZMOZNANAMNCNCLNENERNFNFKNGNGANINICNLNLDNONORNPNPL"
	"NRNRUNUNIUNZNZLOMOMNPAPANPEPERPFPYFPGPNGPHPHLPKPAKPLPOLPMSPM"
	"PNPCNPRPRIPSPSEPTPRTPWPLWPYPRYQAQATREREUROROURSSRBRURUSRWRWA"
	"SASAUSBSLBSCSYCSDSDNSESWESGSGPSHSHNSISVNSJSJMSKSVKSLSLESMSMR"
	"SNSENSOSOMSRSURSSSSDSTSTPSVSLVSXSXMSYSYRSZSWZTCTCATDTCDTFATF"
	"TGTGOTHTHATJTJKTKTKLTLTLSTMTKMTNTUNTOTONTRTURTTTTOTVTUVTWTWN"
	"TZTZAUAUKRUGUGAUMUMIUSUSAUYURYUZUZBVAVATVCVCTVEVENVGVGBVIVIR"
	"VNVNMVUVUTWFWLFWSWSMYEYEMYTMYTZAZAFZMZMBZWZWE";

/*
 * Countries common in the data: numbering plan and the names people
 * write.  Calling codes are prefix-free (E.164 is built that way), so
 * the first entry whose code starts a number is the only candidate.
 */
struct country {
	char		 a2[3];
	char		 cc[4];		/* calling code */
	char		 trunk[3];	/* national prefix dropped in E.164 */
	unsigned char	 nmin, nmax;	/* national significant number length */
	const char	*names;		/* folded (see fold()), '|'-separated */
};

static const struct country countries[] = {
	{ "FR", "33", "0", 9, 9, "france" },
	{ "BE", "32", "0", 8, 9, "belgium|belgique|belgie|belgien" },
	{ "CH", "41", "0", 9, 9, "switzerland|suisse|schweiz|svizzera" },
	{ "LU", "352", "", 4, 11, "luxembourg|luxemburg" },
	{ "MC", "377", "", 8, 9, "monaco" },
	{ "DE", "49", "0", 5, 13, "germany|allemagne|deutschland" },
	{ "AT", "43", "0", 4, 13, "austria|autriche|osterreich" },
	{ "NL", "31", "0", 9, 9,
	    "netherlands|the netherlands|pays bas|nederland|holland" },
	{ "ES", "34", "", 9, 9, "spain|espagne|espana" },
	{ "PT", "351", "", 9, 9, "portugal" },
	{ "IT", "39", "", 6, 11, "italy|italie|italia" },
	{ "GB", "44", "0", 9, 10, "united kingdom|royaume uni|uk|u k|"
	    "great britain|grande bretagne|britain|england|angleterre|"
	    "scotland|ecosse|wales|pays de galles|northern ireland|"
	    "irlande du nord" },
	{ "IE", "353", "0", 7, 9, "ireland|irlande|eire" },
	{ "DK", "45", "", 8, 8, "denmark|danemark|danmark" },
	{ "SE", "46", "0", 7, 9, "sweden|suede|sverige" },
	{ "NO", "47", "", 8, 8, "norway|norvege|norge" },
	{ "FI", "358", "0", 5, 12, "finland|finlande|suomi" },
	{ "PL", "48", "", 9, 9, "poland|pologne|polska" },
	{ "CZ", "420", "", 9, 9, "czechia|czech republic|tchequie|"
	    "republique tcheque|cesko" },
	{ "GR", "30", "", 10, 10, "greece|grece|hellas|ellada" },
	{ "US", "1", "1", 10, 10, "united states|united states of america|"
	    "u s|u s a|america|etats unis|etats unis d amerique" },
	{ "CA", "1", "1", 10, 10, "canada" },
	{ "MA", "212", "0", 9, 9, "morocco|maroc" },
	{ "DZ", "213", "0", 8, 9, "algeria|algerie" },
	{ "TN", "216", "", 8, 8, "tunisia|tunisie" },
	{ "SN", "221", "", 9, 9, "senegal" },
	{ "CI", "225", "", 10, 10, "cote d ivoire|ivory coast" },
	{ "RE", "262", "0", 9, 9, "reunion|la reunion" },
	{ "YT", "262", "0", 9, 9, "mayotte" },
	{ "GP", "590", "0", 9, 9, "guadeloupe" },
	{ "MQ", "596", "0", 9, 9, "martinique" },
	{ "GF", "594", "0", 9, 9, "french guiana|guyane|guyane francaise" },
	{ "AU", "61", "0", 9, 9, "australia|australie" },
	{ "NZ", "64", "0", 8, 10, "new zealand|nouvelle zelande" },
	{ "JP", "81", "0", 9, 10, "japan|japon|nippon" },
	{ "CN", "86", "0", 9, 11, "china|chine" },
	{ "IN", "91", "0", 10, 10, "india|inde" },
	{ "BR", "55", "0", 10, 11, "brazil|bresil|brasil" },
	{ "MX", "52", "", 10, 10, "mexico|mexique" },
	{ "RU", "7", "8", 10, 10, "russia|russie|russian federation" },
	{ "TR", "90", "0", 10, 10, "turkey|turquie|turkiye" },
	{ "IL", "972", "0", 8, 9, "israel" },
	{ "ZA", "27", "0", 9, 9, "south africa|afrique du sud" },
	{ "AR", "54", "0", 10, 11, "argentina|argentine" },
	{ "CL", "56", "", 9, 9, "chile|chili" },
	{ "CO", "57", "", 8, 10, "colombia|colombie" },
	{ "RO", "40", "0", 9, 9, "romania|roumanie" },
	{ "HU", "36", "06", 8, 9, "hungary|hongrie|magyarorszag" },
	{ "SG", "65", "", 8, 8, "singapore|singapour" },
	{ "HK", "852", "", 8, 8, "hong kong" },
	{ "KR", "82", "0", 8, 10, "south korea|korea|coree du sud|coree" },
	{ "AE", "971", "0", 8, 9, "united arab emirates|emirats arabes unis|"
	    "uae" },
	{ "CM", "237", "", 9, 9, "cameroon|cameroun" },
	{ "UA", "380", "0", 9, 9, "ukraine" },
	{ "EG", "20", "0", 9, 10, "egypt|egypte" },
};

#define NCOUNTRIES	(sizeof(countries) / sizeof(countries[0]))

/* Byte length of the whitespace character at s[0..n), 0 if none. */
static size_t
space_len(const unsigned char *s, size_t n)
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
	if (n >= 1 && space_len(s + n - 1, 1) == 1)
		return 1;
	if (n >= 2 && space_len(s + n - 2, 2) == 2)
		return 2;
	if (n >= 3 && space_len(s + n - 3, 3) == 3)
		return 3;
	return 0;
}

static void
trim(const char **sp, size_t *np)
{
	const unsigned char *s = (const unsigned char *)*sp;
	size_t n = *np, k;

	while ((k = space_len(s, n)) > 0) {
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
static int
ieq(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' || TOLOWER((unsigned char)s[i]) != w[i])
			return 0;
	return w[n] == '\0';
}

/* Whether s[0..n) is one of the '|'-separated words of list. */
static int
in_list(const char *s, size_t n, const char *list)
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
static int
fold(const char *s, size_t n, struct sbuf *out)
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
	if (key != NULL && (fold(disp->buf, disp->len, key) == -1 ||
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
	const char *at;
	size_t i, nl, lab = 0, tld = 0, ol;
	utf8proc_int32_t cp;
	long k;
	int c, prev = '@', cat;

	sb_reset(out);
	trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
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

static const struct country *
country_by_a2(const char *a2)
{
	size_t i;

	if (a2 == NULL || a2[0] == '\0' || a2[1] == '\0' || a2[2] != '\0')
		return NULL;
	for (i = 0; i < NCOUNTRIES; i++)
		if ((a2[0] & ~0x20) == countries[i].a2[0] &&
		    (a2[1] & ~0x20) == countries[i].a2[1])
			return &countries[i];
	return NULL;
}

/*
 * Whether nsn[0..n) can be a national significant number of c: its
 * length is in range and it does not start with the trunk prefix
 * (nor, in the NANP, with 0 or 1).
 */
static int
nsn_ok(const struct country *c, const char *nsn, size_t n)
{
	if (n < c->nmin || n > c->nmax)
		return 0;
	if (c->trunk[0] != '\0' && (nsn[0] == '0' ||
	    (c->trunk[0] == '1' && nsn[0] == '1')))
		return 0;
	return 1;
}

/*
 * Whether the rest of a phone number at p[0..n) is an extension: a
 * marker ("x", "ext", "ext.", "extension", "poste", "#") and digits.
 */
static int
is_extension(const char *p, size_t n)
{
	static const char *const mark[] = {
		"extension", "extn", "ext", "poste", "x", "#"
	};
	size_t i, k, m;

	for (i = 0; i < sizeof(mark) / sizeof(mark[0]); i++) {
		m = strlen(mark[i]);
		if (n >= m && ieq(p, m, mark[i]))
			break;
	}
	if (i == sizeof(mark) / sizeof(mark[0]))
		return 0;
	p += m;
	n -= m;
	if (n > 0 && (*p == '.' || *p == ':'))
		p++, n--;
	while ((k = space_len((const unsigned char *)p, n)) > 0)
		p += k, n -= k;
	if (n == 0)
		return 0;
	for (; n > 0; p++, n--)
		if (!ISDIGIT(*p))
			return 0;
	return 1;
}

int
norm_phone(const char *s, size_t n, const char *country, struct sbuf *out)
{
	const struct country *c = NULL, *dc;
	const char *p, *e, *nsn = NULL;
	char d[20];
	size_t nd = 0, k, i, ncc, nn = 0;
	int plus = 0;

	sb_reset(out);
	trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	for (p = s, e = s + n; p < e; ) {
		if (ISDIGIT(*p)) {
			if (nd == sizeof(d))
				return NORM_INVALID;
			d[nd++] = *p++;
		} else if (*p == '+' && !plus && nd == 0) {
			plus = 1;
			p++;
		} else if (*p == '(' && e - p >= 3 && p[1] == '0' &&
		    p[2] == ')' && nd > 0 && (plus || (nd > 2 &&
		    d[0] == '0' && d[1] == '0'))) {
			/* "+33 (0)6...": the trunk prefix, shown not dialled. */
			p += 3;
		} else if (*p != '\0' && strchr(" .-/()", *p) != NULL)
			p++;
		else if ((k = space_len((const unsigned char *)p,
		    (size_t)(e - p))) > 0)
			p += k;
		else if (e - p >= 3 && memcmp(p, "\xe2\x80", 2) == 0 &&
		    (unsigned char)p[2] >= 0x90 &&
		    (unsigned char)p[2] <= 0x93)	/* U+2010..2013 */
			p += 3;
		else if (nd > 0 && is_extension(p, (size_t)(e - p)))
			break;
		else
			return NORM_INVALID;
	}
	if (nd == 0)
		return NORM_INVALID;

	dc = country_by_a2(country);
	if (plus)
		i = 0;
	else if (nd > 2 && d[0] == '0' && d[1] == '0')
		i = 2;
	else if (dc != NULL && strcmp(dc->cc, "1") == 0 && nd > 3 &&
	    memcmp(d, "011", 3) == 0)
		i = 3;
	else if (dc == NULL)
		return NORM_INVALID;
	else {
		/* National: after the trunk prefix, bare, or after the code. */
		c = dc;
		k = strlen(c->trunk);
		ncc = strlen(c->cc);
		if (k > 0 && nd > k && memcmp(d, c->trunk, k) == 0 &&
		    nsn_ok(c, d + k, nd - k))
			nsn = d + k;
		else if (nsn_ok(c, d, nd))
			nsn = d;
		else if (nd > ncc && memcmp(d, c->cc, ncc) == 0 &&
		    nsn_ok(c, d + ncc, nd - ncc))
			nsn = d + ncc;
		else
			return NORM_INVALID;
		nn = nd - (size_t)(nsn - d);
	}
	if (nsn == NULL) {
		/* International: check what we know of the country code. */
		if (i >= nd || d[i] == '0')
			return NORM_INVALID;
		for (k = 0; k < NCOUNTRIES; k++) {
			ncc = strlen(countries[k].cc);
			if (nd - i > ncc &&
			    memcmp(d + i, countries[k].cc, ncc) == 0) {
				c = &countries[k];
				break;
			}
		}
		if (c != NULL) {
			nsn = d + i + ncc;
			nn = nd - i - ncc;
			/* "+33 06...": a trunk prefix kept by mistake. */
			if (strcmp(c->trunk, "0") == 0 && nsn[0] == '0' &&
			    nn > 1) {
				nsn++;
				nn--;
			}
			if (!nsn_ok(c, nsn, nn))
				return NORM_INVALID;
		} else {
			nsn = d + i;
			nn = nd - i;
		}
	}
	sb_addc(out, '+');
	if (c != NULL)
		sb_adds(out, c->cc);
	sb_add(out, nsn, nn);
	if (out->len - 1 < 8 || out->len - 1 > 15) {
		sb_reset(out);
		return NORM_INVALID;
	}
	return NORM_OK;
}

/* A broken-down date and time; off is seconds east of UTC. */
struct dt {
	int	y, mo, d;
	int	h, mi, s;
	long	off;
};

static int
days_in_month(int y, int m)
{
	static const unsigned char mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

static int
dt_valid(struct dt *t)
{
	if (t->y < 1000 || t->y > 9999 || t->mo < 1 || t->mo > 12 ||
	    t->d < 1 || t->d > days_in_month(t->y, t->mo))
		return 0;
	if (t->h < 0 || t->h > 23 || t->mi < 0 || t->mi > 59 ||
	    t->s < 0 || t->s > 60)
		return 0;
	if (t->s == 60)		/* a leap second: not representable later */
		t->s = 59;
	return 1;
}

/* Exactly k digits at p[0..e) into *v; the end or NULL. */
static const char *
digits(const char *p, const char *e, int k, int *v)
{
	*v = 0;
	if (e - p < k)
		return NULL;
	while (k-- > 0) {
		if (!ISDIGIT(*p))
			return NULL;
		*v = *v * 10 + (*p++ - '0');
	}
	return p;
}

/* One or two digits. */
static const char *
digits12(const char *p, const char *e, int *v)
{
	if ((p = digits(p, e, 1, v)) == NULL)
		return NULL;
	if (p < e && ISDIGIT(*p))
		*v = *v * 10 + (*p++ - '0');
	return p;
}

/* "YYYY-MM-DD", "YYYY/MM/DD" (one-digit fields allowed), "YYYYMMDD". */
static const char *
parse_ymd(const char *p, const char *e, struct dt *t)
{
	char sep;

	memset(t, 0, sizeof(*t));
	if ((p = digits(p, e, 4, &t->y)) == NULL || p == e)
		return NULL;
	if (*p == '-' || *p == '/') {
		sep = *p++;
		if ((p = digits12(p, e, &t->mo)) == NULL || p == e ||
		    *p++ != sep)
			return NULL;
		return digits12(p, e, &t->d);
	}
	if ((p = digits(p, e, 2, &t->mo)) == NULL)
		return NULL;
	return digits(p, e, 2, &t->d);
}

/* Epoch seconds (9 to 11 digits) or milliseconds (12, 13), signed. */
static int
parse_epoch(const char *p, size_t n, struct dt *t)
{
	long long v = 0;
	time_t u;
	struct tm tm;
	size_t i;
	int neg = 0;

	if (n > 0 && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
		n--;
	}
	if (n < 9 || n > 13)
		return -1;
	for (i = 0; i < n; i++) {
		if (!ISDIGIT(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	if (neg)
		v = -v;
	if (n >= 12)		/* floor, so that -1 ms is 1969-12-31 */
		v = v / 1000 - (v % 1000 < 0);
	u = (time_t)v;
	if (gmtime_r(&u, &tm) == NULL)
		return -1;
	t->y = tm.tm_year + 1900;
	t->mo = tm.tm_mon + 1;
	t->d = tm.tm_mday;
	t->h = tm.tm_hour;
	t->mi = tm.tm_min;
	t->s = tm.tm_sec;
	t->off = 0;
	return 0;
}

/*
 * strptime(3) with fmt over s[0..n), which it must consume entirely;
 * scratch holds the NUL-terminated copy strptime needs.
 */
static int
parse_fmt(const char *s, size_t n, const char *fmt, struct dt *t,
    struct sbuf *scratch)
{
	struct tm tm;
	const char *end;

	sb_reset(scratch);
	sb_add(scratch, s, n);
	memset(&tm, 0, sizeof(tm));
	end = strptime(scratch->buf, fmt, &tm);
	if (end != scratch->buf + n) {
		sb_reset(scratch);
		return -1;
	}
	sb_reset(scratch);
	if (tm.tm_year < -1900 || tm.tm_year > 9999)
		return -1;
	t->y = tm.tm_year + 1900;
	t->mo = tm.tm_mon + 1;
	t->d = tm.tm_mday;
	t->h = tm.tm_hour;
	t->mi = tm.tm_min;
	t->s = tm.tm_sec;
	t->off = tm.tm_gmtoff;
	return 0;
}

static void
put_num(char *b, int v, int k)
{
	while (k-- > 0) {
		b[k] = (char)('0' + v % 10);
		v /= 10;
	}
}

static void
put_date(struct sbuf *out, const struct dt *t)
{
	char b[10];

	put_num(b, t->y, 4);
	b[4] = '-';
	put_num(b + 5, t->mo, 2);
	b[7] = '-';
	put_num(b + 8, t->d, 2);
	sb_add(out, b, sizeof(b));
}

int
norm_date(const char *s, size_t n, const char *fmt, struct sbuf *out)
{
	struct dt t;
	const char *p, *e;

	sb_reset(out);
	trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	e = s + n;
	if (fmt != NULL && parse_fmt(s, n, fmt, &t, out) == 0 &&
	    dt_valid(&t))
		goto good;
	if (parse_epoch(s, n, &t) == 0 && dt_valid(&t))
		goto good;
	/* A time part after the date is ignored, whatever it holds. */
	if ((p = parse_ymd(s, e, &t)) != NULL &&
	    (p == e || *p == 'T' || *p == 't' || *p == ' ') && dt_valid(&t))
		goto good;
	return NORM_INVALID;
good:
	put_date(out, &t);
	return NORM_OK;
}

/* "Z", "UTC", "GMT", "+hh:mm", "+hhmm", "+hh" (or '-') ending at e. */
static int
parse_offset(const char *p, const char *e, long *off)
{
	int hh, mm = 0, neg;

	*off = 0;
	if (p == e || ((*p == 'Z' || *p == 'z') && p + 1 == e) ||
	    ieq(p, (size_t)(e - p), "utc") || ieq(p, (size_t)(e - p), "gmt"))
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	neg = *p++ == '-';
	if ((p = digits(p, e, 2, &hh)) == NULL)
		return -1;
	if (p < e && (p = digits(p + (*p == ':'), e, 2, &mm)) == NULL)
		return -1;
	if (p != e || hh > 14 || mm > 59)
		return -1;
	*off = (hh * 3600L + mm * 60L) * (neg ? -1 : 1);
	return 0;
}

/* "HH:MM[:SS][.frac]" or "HHMM[SS][.frac]", then an offset. */
static int
parse_time(const char *p, const char *e, struct dt *t)
{
	int colon;

	if ((p = digits(p, e, 2, &t->h)) == NULL)
		return -1;
	colon = p < e && *p == ':';
	if ((p = digits(p + colon, e, 2, &t->mi)) == NULL)
		return -1;
	if (p < e && (colon ? *p == ':' : ISDIGIT(*p)) &&
	    (p = digits(p + colon, e, 2, &t->s)) == NULL)
		return -1;
	if (p < e && (*p == '.' || *p == ',')) {
		if (++p == e || !ISDIGIT(*p))
			return -1;
		while (p < e && ISDIGIT(*p))
			p++;
	}
	if (p < e && *p == ' ')
		p++;
	return parse_offset(p, e, &t->off);
}

/* Apply t->off through time_t; the date fields must be valid. */
static int
to_utc(struct dt *t)
{
	struct tm tm;
	time_t u;

	if (t->off == 0)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = t->y - 1900;
	tm.tm_mon = t->mo - 1;
	tm.tm_mday = t->d;
	tm.tm_hour = t->h;
	tm.tm_min = t->mi;
	tm.tm_sec = t->s;
	u = timegm(&tm) - t->off;
	if (gmtime_r(&u, &tm) == NULL)
		return -1;
	t->y = tm.tm_year + 1900;
	t->mo = tm.tm_mon + 1;
	t->d = tm.tm_mday;
	t->h = tm.tm_hour;
	t->mi = tm.tm_min;
	t->s = tm.tm_sec;
	t->off = 0;
	return dt_valid(t) ? 0 : -1;
}

int
norm_ts(const char *s, size_t n, const char *fmt, struct sbuf *out)
{
	struct dt t;
	const char *p, *e;
	char b[10];

	sb_reset(out);
	trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	e = s + n;
	if (fmt != NULL && parse_fmt(s, n, fmt, &t, out) == 0 &&
	    dt_valid(&t) && to_utc(&t) == 0)
		goto good;
	if (parse_epoch(s, n, &t) == 0 && dt_valid(&t))
		goto good;
	if ((p = parse_ymd(s, e, &t)) == NULL)
		return NORM_INVALID;
	if (p < e && ((*p != 'T' && *p != 't' && *p != ' ') ||
	    parse_time(p + 1, e, &t) == -1))
		return NORM_INVALID;
	if (!dt_valid(&t) || to_utc(&t) == -1)
		return NORM_INVALID;
good:
	put_date(out, &t);
	b[0] = 'T';
	put_num(b + 1, t.h, 2);
	b[3] = ':';
	put_num(b + 4, t.mi, 2);
	b[6] = ':';
	put_num(b + 7, t.s, 2);
	b[9] = 'Z';
	sb_add(out, b, sizeof(b));
	return NORM_OK;
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
	return space_len((const unsigned char *)p, n);
}

int
norm_amount(const char *s, size_t n, struct sbuf *out)
{
	const char *p, *e, *q, *dec = NULL, *lastc = NULL, *lastd = NULL;
	size_t k, ncomma = 0, ndot = 0, glen = 0, ngroup = 0, nint = 0;
	int neg = 0, sign = 0, cur = 0, nonzero = 0;

	sb_reset(out);
	trim(&s, &n);
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
		while ((k = space_len((const unsigned char *)p,
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
 * NB: norm.h asks for NORM_EMPTY on blank, and NORM_EMPTY is 1, the value
 * of "yes": until the header changes, a caller must test for a blank
 * value itself before calling this.
 */
int
norm_bool(const char *s, size_t n)
{
	char w[16];
	size_t i;

	trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	if (n >= sizeof(w))
		return NORM_INVALID;
	/* "Opt In", "opt_in" and "opt-in" are one word. */
	for (i = 0; i < n; i++)
		w[i] = s[i] == ' ' || s[i] == '_' ? '-' :
		    (char)TOLOWER((unsigned char)s[i]);
	if (in_list(w, n, "yes|y|oui|o|true|t|1|on|opt-in|optin|granted|vrai"))
		return 1;
	if (in_list(w, n, "no|n|non|false|f|0|off|opt-out|optout|denied|faux"))
		return 0;
	return NORM_INVALID;
}

int
norm_gender(const char *s, size_t n, struct sbuf *out)
{
	char g;

	sb_reset(out);
	trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	/* Folding makes "Mme." "mme" and "Non-Binary" "non binary". */
	if (n > 32 || fold(s, n, out) == -1)
		goto bad;
	if (in_list(out->buf, out->len, "f|female|femme|woman|w|mme|madame|"
	    "mrs|ms|mlle|mademoiselle|miss|feminin"))
		g = 'F';
	else if (in_list(out->buf, out->len, "m|male|homme|man|h|mr|"
	    "monsieur|masculin"))
		g = 'M';
	else if (in_list(out->buf, out->len, "x|other|autre|non binary|"
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

int
norm_country(const char *s, size_t n, struct sbuf *out)
{
	const char *k, *a2 = NULL;
	size_t i, lo, hi, mid;
	char up[3];
	int cmp;

	sb_reset(out);
	trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	if (n > 64 || fold(s, n, out) == -1)
		goto bad;
	k = out->buf;
	if (out->len == 2 && ISALPHA(k[0]) && ISALPHA(k[1])) {
		up[0] = (char)(k[0] & ~0x20);
		up[1] = (char)(k[1] & ~0x20);
		lo = 0;
		hi = (sizeof(iso3166) - 1) / 5;
		while (lo < hi) {
			mid = (lo + hi) / 2;
			cmp = memcmp(up, iso3166 + mid * 5, 2);
			if (cmp == 0) {
				a2 = iso3166 + mid * 5;
				break;
			}
			if (cmp < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
	} else if (out->len == 3 && ISALPHA(k[0]) && ISALPHA(k[1]) &&
	    ISALPHA(k[2])) {
		up[0] = (char)(k[0] & ~0x20);
		up[1] = (char)(k[1] & ~0x20);
		up[2] = (char)(k[2] & ~0x20);
		for (i = 0; i + 5 < sizeof(iso3166); i += 5)
			if (memcmp(up, iso3166 + i + 2, 3) == 0) {
				a2 = iso3166 + i;
				break;
			}
	}
	for (i = 0; a2 == NULL && i < NCOUNTRIES; i++)
		if (in_list(out->buf, out->len, countries[i].names))
			a2 = countries[i].a2;
	if (a2 == NULL)
		goto bad;
	sb_reset(out);
	sb_add(out, a2, 2);
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
	trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	for (i = 0; i < n; i += k) {
		k = space_len((const unsigned char *)s + i, n - i);
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
	trim(&s, &n);
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
