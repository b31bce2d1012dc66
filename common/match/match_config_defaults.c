/*
 * match_config_defaults.c - the data of cdp-match's configuration: the built-in
 * configuration text (parsed by match_config.c like a file, and copied into
 * cdp-match.conf(5)) and the junk rules of identifier values; see
 * match_config.h.
 */
#include <fnmatch.h>
#include <string.h>

#include "match/match_config.h"
#include "normalise/field_map.h"

const char mcfg_defaults[] =
    "# cdp-match built-in configuration\n"
    "threshold 0.5\n"
    "link-type dedupe\n"
    "seed 42\n"
    "random-pairs 1000000\n"
    "em-pairs 200000\n"
    "em-iterations 50\n"
    "block-cap 500\n"
    "block-budget 10\n"
    "min-fields 2\n"
    "guard-jw 0.85\n"
    "veto first_name\n"
    "\n"
    "identifier customer_id max-people 1 max-names 4\n"
    "identifier loyalty_id max-people 1 max-names 4\n"
    "identifier email max-people 1 max-names 4\n"
    "identifier anonymous_id max-people 1 max-names 4\n"
    "identifier phone max-people 1 max-names 4\n"
    "\n"
    "junk email test@* *@test.* *@example.* *@example noreply@* "
    "no-reply@* noemail@* nomail@* none@* null@* aucun@* inconnu@*\n"
    "junk phone *123456789 *987654321 *102030405\n"
    "junk * null none n/a na nan unknown inconnu test - 0 xxx\n"
    "# Titles given as a first name are no first name.\n"
    "junk first_name sir lord lady dame dr mr mrs miss ms mme mlle mx "
    "rev baron baroness earl count countess duke duchess prince "
    "princess queen captain general\n"
    "\n"
    "compare first_name name tf\n"
    "compare last_name name tf\n"
    "compare full_name fullname\n"
    "compare birth_date date\n"
    "compare street text\n"
    "compare postal_code postcode tf\n"
    "compare city text tf\n"
    "compare phone phone\n"
    "compare org_name fullname tf\n"
    "compare email\n"
    "level exact exact\n"
    "cross first_name last_name\n"
    "implied city postal_code\n"
    "needs postal_code street\n"
    "needs city street\n"
    "\n"
    "block first_name birth_date:year\n"
    "block last_name postal_code first_name:prefix1\n"
    "block birth_date\n"
    "block phone\n"
    "block email:local\n"
    "block first_name:soundex last_name:soundex postal_code:prefix2\n"
    "block first_name|last_name city\n"
    "block last_name street\n"
    "block first_name last_name\n"
    "block last_name birth_date:year\n"
    "block full_name\n"
    "block postal_code full_name:prefix1\n"
    "block street postal_code\n"
    "block full_name:soundex city\n"
    "block birth_date city\n"
    "block birth_date postal_code:prefix2\n"
    "block last_name city\n"
    "block last_name:soundex first_name:prefix1\n"
    "block first_name:nick last_name:prefix2\n"
    "block first_name|last_name:soundex\n"
    "block full_name:words\n"
    "block last_name:soundex birth_date:year\n"
    "block first_name:prefix1 birth_date:daymonth\n"
    "block postal_code first_name:prefix1\n"
    "block full_name:last city\n"
    "block full_name:last birth_date:year\n"
    "block org_name\n"
    "block org_name:soundex postal_code:prefix2\n"
    "block org_name:soundex city\n"
    "\n"
    "# Diminutives that are not a prefix of the name they stand for.\n"
    "alias michel mimi\n"
    "alias francois fanfan\n"
    "alias francoise fanfan\n"
    "alias gerard gege\n"
    "alias julien juju\n"
    "alias guillaume guigui\n"
    "alias antoine toine\n"
    "alias emmanuel manu\n"
    "alias emmanuelle manue manu\n"
    "alias andre dede\n"
    "alias christine kiki\n"
    "alias elisabeth elizabeth babette elise liz beth lisa babeth\n"
    "alias emilie milie\n"
    "alias josephine jo josie\n"
    "alias jeanne jeannette\n"
    "alias charlotte charlie\n"
    "alias marie marion\n"
    "alias anne annie\n"
    "alias catherine cathy kate katie\n"
    "alias robert bob bobby rob\n"
    "alias william bill will billy\n"
    "alias michael mike mick\n"
    "alias richard rick dick\n"
    "alias james jim jimmy\n"
    "alias anthony tony\n"
    "alias jose pepe\n"
    "alias giovanni gianni\n"
    "alias alessandro sandro\n"
    "alias alexandre sacha\n"
    "alias mohamed mohammed momo\n"
    "alias margaret maggie peggy\n"
    "alias jennifer jenny\n"
    "alias yasmine yaz\n"
    "alias malgorzata gosia\n"
    "alias jean_francois jf\n"
    "alias jean_pierre jp\n"
    "alias jean_baptiste jb\n"
    "alias jean jeannot\n"
    "alias pierre pierrot\n";

/* Phones: the last 8 digits are one or two digits repeated, or a run. */
static int
junk_phone(const char *v, size_t n)
{
	char d[8];
	int k = 0, i, seen = 0, distinct = 0, up = 1, down = 1;

	while (n > 0 && k < 8) {
		n--;
		if (v[n] >= '0' && v[n] <= '9')
			d[7 - k++] = v[n];
	}
	if (k < 8)
		return 0;
	for (i = 0; i < 8; i++) {
		if (!(seen & (1 << (d[i] - '0')))) {
			seen |= 1 << (d[i] - '0');
			distinct++;
		}
		if (i > 0 && d[i] != d[i - 1] + 1)
			up = 0;
		if (i > 0 && d[i] != d[i - 1] - 1)
			down = 0;
	}
	return distinct <= 2 || up || down;
}

/* Emails: the local part is the domain's first label (test@test.com). */
static int
junk_email(const char *v, size_t n)
{
	const char *at = memchr(v, '@', n), *dot;
	size_t ln;

	if (at == NULL)
		return 0;
	ln = (size_t)(at - v);
	dot = memchr(at + 1, '.', n - ln - 1);
	if (dot == NULL)
		return 0;
	return ln > 0 && (size_t)(dot - at - 1) == ln &&
	    memcmp(v, at + 1, ln) == 0;
}

int
mcfg_is_junk(const struct mcfg *c, int slot, const char *v, size_t n)
{
	char buf[256];
	size_t i;
	int canon = c->slot[slot].canon;

	if (canon == C_PHONE && junk_phone(v, n))
		return 1;
	if (canon == C_EMAIL && junk_email(v, n))
		return 1;
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, v, n);
	buf[n] = '\0';
	for (i = 0; i < c->njunk; i++)
		if ((c->junk[i].slot == -1 || c->junk[i].slot == slot) &&
		    fnmatch(c->junk[i].glob, buf, FNM_CASEFOLD) == 0)
			return 1;
	return 0;
}
