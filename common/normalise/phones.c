/*
 * phones.c - phone numbers and countries: norm_phone, norm_country
 * and the country table both of them read.
 *
 * The table is the one piece of data of the normalisers: ISO 3166
 * codes, the numbering rules norm_phone needs and the names
 * norm_country accepts.
 */
#include <string.h>

#include "normalise/normalise_internal.h"

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
	const char	*names;		/* norm_fold() form, '|'-separated */
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
		if (n >= m && norm_ieq(p, m, mark[i]))
			break;
	}
	if (i == sizeof(mark) / sizeof(mark[0]))
		return 0;
	p += m;
	n -= m;
	if (n > 0 && (*p == '.' || *p == ':'))
		p++, n--;
	while ((k = norm_space_len((const unsigned char *)p, n)) > 0)
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
	norm_trim(&s, &n);
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
		else if ((k = norm_space_len((const unsigned char *)p,
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

int
norm_country(const char *s, size_t n, struct sbuf *out)
{
	const char *k, *a2 = NULL;
	size_t i, lo, hi, mid;
	char up[3];
	int cmp;

	sb_reset(out);
	norm_trim(&s, &n);
	if (n == 0)
		return NORM_EMPTY;
	if (n > 64 || norm_fold(s, n, out) == -1)
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
		if (norm_in_list(out->buf, out->len, countries[i].names))
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
