/*
 * field_map.c - canonical fields, mappings, map files and name recognition;
 * see field_map.h and cdp-map(5).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "normalise/field_map.h"

static const char *const canon_names[C_NCANON] = {
	"email", "phone", "customer_id", "loyalty_id", "anonymous_id",
	"first_name", "last_name", "full_name", "birth_date", "gender",
	"street", "postal_code", "city", "country", "event_type", "ts",
	"amount", "currency",
};

/*
 * Common field names per canonical field, folded (lower case, no
 * accents, letters and digits only).  Order matters only across fields:
 * the first canonical field that claims a name gets it.
 */
static const struct {
	int	 canon;
	const char *names;	/* space-separated folded names */
} aliases[] = {
	{ C_EMAIL, "email mail courriel emailaddress adresseemail "
	    "adressemail adressecourriel mel emailclient customeremail" },
	{ C_PHONE, "phone telephone tel mobile portable telportable "
	    "mobilephone phonenumber cellphone cell gsm numerotelephone "
	    "telephonemobile teldomicile customerphone" },
	{ C_CUSTOMER_ID, "customerid idclient clientid numclient "
	    "numeroclient codeclient customernumber custid crmid" },
	{ C_LOYALTY_ID, "loyaltyid loyaltycard cartefidelite fidelite "
	    "numcartefidelite loyaltynumber loyalty cardnumber" },
	{ C_ANONYMOUS_ID, "anonymousid cookieid cookie visitorid deviceid "
	    "anonid" },
	{ C_FIRST_NAME, "firstname prenom givenname forename" },
	{ C_LAST_NAME, "lastname nom surname familyname nomdefamille "
	    "nomfamille" },
	{ C_FULL_NAME, "fullname name nomcomplet" },
	{ C_BIRTH_DATE, "birthdate dateofbirth dob datenaissance "
	    "datedenaissance birthday naissance" },
	{ C_GENDER, "gender sex sexe civilite genre" },
	{ C_STREET, "street address adresse streetaddress address1 "
	    "addressline1 rue adresse1" },
	{ C_POSTAL_CODE, "postalcode postcode zip zipcode codepostal cp" },
	{ C_CITY, "city ville town commune localite" },
	{ C_COUNTRY, "country pays countrycode" },
	{ C_EVENT_TYPE, "eventtype event type action" },
	{ C_TS, "ts timestamp datetime time createdat created eventtime "
	    "occurredat date dateachat orderdate" },
	{ C_AMOUNT, "amount total montant price prix revenue totalamount "
	    "montantttc" },
	{ C_CURRENCY, "currency devise monnaie" },
};

void
map_init(struct map *m)
{
	memset(m, 0, sizeof(*m));
}

void
map_release(struct map *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->e[i].purpose);
		free(m->e[i].field);
		free(m->e[i].value);
	}
	free(m->e);
	free(m->id_field);
	free(m->country);
	free(m->date_format);
	free(m->format);
	memset(m, 0, sizeof(*m));
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
map_copy(struct map *dst, const struct map *src)
{
	size_t i;

	map_init(dst);
	dst->n = dst->cap = src->n;
	dst->e = xcalloc(src->n ? src->n : 1, sizeof(*dst->e));
	for (i = 0; i < src->n; i++) {
		dst->e[i] = src->e[i];
		dst->e[i].purpose = dup_or_null(src->e[i].purpose);
		dst->e[i].field = dup_or_null(src->e[i].field);
		dst->e[i].value = dup_or_null(src->e[i].value);
	}
	if (dst->cap == 0)
		dst->cap = 1;
	dst->id_field = dup_or_null(src->id_field);
	dst->country = dup_or_null(src->country);
	dst->date_format = dup_or_null(src->date_format);
	dst->format = dup_or_null(src->format);
	dst->delim = src->delim;
}

const char *
map_canon_name(int canon)
{
	if (canon < 0 || canon >= C_NCANON)
		return NULL;
	return canon_names[canon];
}

static int
valid_purpose(const char *p)
{
	size_t n = 0;

	for (; *p != '\0'; p++, n++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		    *p == '_'))
			return 0;
	return n > 0 && n <= 32;
}

int
map_canon_lookup(const char *name, const char **purpose)
{
	int i;

	if (purpose != NULL)
		*purpose = NULL;
	for (i = 0; i < C_NCANON; i++)
		if (strcmp(name, canon_names[i]) == 0)
			return i;
	if (strncmp(name, "consent_", 8) == 0 && valid_purpose(name + 8)) {
		if (purpose != NULL)
			*purpose = name + 8;
		return C_CONSENT;
	}
	return -1;
}

static struct map_entry *
find_entry(struct map *m, int canon, const char *purpose)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (m->e[i].canon != canon)
			continue;
		if (canon != C_CONSENT || (purpose != NULL &&
		    strcmp(m->e[i].purpose, purpose) == 0))
			return &m->e[i];
	}
	return NULL;
}

static struct map_entry *
new_entry(struct map *m, int canon, const char *purpose)
{
	struct map_entry *e;

	if ((e = find_entry(m, canon, purpose)) != NULL) {
		free(e->field);
		free(e->value);
		free(e->purpose);
	} else {
		if (m->n == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 16;
			m->e = xrealloc(m->e, m->cap * sizeof(*m->e));
		}
		e = &m->e[m->n++];
	}
	memset(e, 0, sizeof(*e));
	e->canon = canon;
	if (purpose != NULL)
		e->purpose = xstrdup(purpose);
	return e;
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

int
map_add(struct map *m, const char *spec, struct sbuf *why)
{
	const char *eq, *lhs, *rhs, *purpose;
	size_t ln, rn;
	char *name;
	int canon, constant;
	struct map_entry *e;

	if ((eq = strchr(spec, '=')) == NULL) {
		sb_reset(why);
		sb_addf(why, "mapping %s: expected CANON=FIELD or "
		    "CANON:=VALUE", quote_value(spec, strlen(spec)));
		return -1;
	}
	lhs = spec;
	ln = (size_t)(eq - spec);
	constant = ln > 0 && lhs[ln - 1] == ':';
	if (constant)
		ln--;
	trim(&lhs, &ln);
	rhs = eq + 1;
	rn = strlen(rhs);
	if (!constant)
		trim(&rhs, &rn);
	name = xstrndup(lhs, ln);
	canon = map_canon_lookup(name, &purpose);
	if (canon == -1) {
		sb_reset(why);
		sb_addf(why, "unknown canonical field %s", quote_value(lhs, ln));
		free(name);
		return -1;
	}
	if (!constant && rn == 0) {
		sb_reset(why);
		sb_addf(why, "mapping of %s names no field", name);
		free(name);
		return -1;
	}
	e = new_entry(m, canon, purpose);
	if (constant)
		e->value = xstrndup(rhs, rn);
	else
		e->field = xstrndup(rhs, rn);
	free(name);
	return 0;
}

static int
set_once(char **slot, const char *v)
{
	if (*slot == NULL)
		*slot = xstrdup(v);
	return 0;
}

int
map_parse_format(const char *v, int csv, int ndjson)
{
	if (strcmp(v, "csv") == 0)
		return csv;
	if (strcmp(v, "ndjson") == 0)
		return ndjson;
	return -1;
}

int
map_parse_delim(const char *v)
{
	if (strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0)
		return '\t';
	if (strlen(v) == 1 && strchr(",;|\t", v[0]) != NULL)
		return (unsigned char)v[0];
	return -1;
}

/* Apply one "@name value" setting line. */
static int
map_setting(struct map *m, const char *name, const char *v, struct sbuf *why)
{
	int d;

	if (strcmp(name, "id") == 0)
		return set_once(&m->id_field, v);
	if (strcmp(name, "country") == 0)
		return set_once(&m->country, v);
	if (strcmp(name, "date-format") == 0)
		return set_once(&m->date_format, v);
	if (strcmp(name, "format") == 0) {
		if (map_parse_format(v, 0, 1) == -1) {
			sb_adds(why, MAP_FORMAT_ERR);
			return -1;
		}
		return set_once(&m->format, v);
	}
	if (strcmp(name, "delimiter") == 0) {
		if ((d = map_parse_delim(v)) == -1) {
			sb_adds(why, MAP_DELIM_ERR);
			return -1;
		}
		if (m->delim == 0)
			m->delim = d;
		return 0;
	}
	sb_addf(why, "unknown setting @%s", name);
	return -1;
}

int
map_load(struct map *m, const char *path, struct sbuf *why)
{
	FILE *fp;
	char *line = NULL, *p, *end, *name;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	struct sbuf err;
	int rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		sb_reset(why);
		sb_addf(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	sb_init(&err);
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if ((size_t)len != strlen(line)) {
			sb_adds(&err, "NUL byte");
			goto bad;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		if (*p == '@') {
			name = ++p;
			while (*p != '\0' && !isspace((unsigned char)*p))
				p++;
			end = p;
			while (isspace((unsigned char)*p))
				p++;
			*end = '\0';
			len = (ssize_t)strlen(p);
			while (len > 0 && isspace((unsigned char)p[len - 1]))
				p[--len] = '\0';
			if (*p == '\0') {
				sb_addf(&err, "@%s needs a value", name);
				goto bad;
			}
			if (map_setting(m, name, p, &err) == -1)
				goto bad;
			continue;
		}
		if (map_add(m, p, &err) == -1)
			goto bad;
	}
	if (ferror(fp)) {
		sb_reset(why);
		sb_addf(why, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	goto out;
bad:
	sb_reset(why);
	sb_addf(why, "%s:%ld: %s", path, lineno, err.buf);
	rc = -1;
out:
	free(line);
	sb_release(&err);
	fclose(fp);
	return rc;
}

/* Fold a field name: lower case, accents dropped, letters and digits only. */
static void
fold_name(const char *s, struct sbuf *out)
{
	utf8proc_uint8_t *mapped = NULL;
	const char *p;

	sb_reset(out);
	if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &mapped,
	    UTF8PROC_NULLTERM | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
	    UTF8PROC_CASEFOLD) < 0)
		return;
	for (p = (const char *)mapped; *p != '\0'; p++)
		if (isalnum((unsigned char)*p))
			sb_addc(out, tolower((unsigned char)*p));
	free(mapped);
}

static int
alias_canon(const char *folded)
{
	size_t i, n = strlen(folded);
	const char *p, *q;

	if (n == 0)
		return -1;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		for (p = aliases[i].names; *p != '\0'; p = *q ? q + 1 : q) {
			q = strchr(p, ' ');
			if (q == NULL)
				q = p + strlen(p);
			if ((size_t)(q - p) == n && memcmp(p, folded, n) == 0)
				return aliases[i].canon;
		}
	}
	return -1;
}

size_t
map_auto(struct map *m, char *const *names, size_t n)
{
	struct sbuf f;
	struct map_entry *e;
	size_t i, j, added = 0;
	int canon, taken;

	sb_init(&f);
	for (i = 0; i < n; i++) {
		if (names[i] == NULL)
			continue;
		fold_name(names[i], &f);
		if ((canon = alias_canon(f.buf)) == -1 ||
		    find_entry(m, canon, NULL) != NULL)
			continue;
		/* A field already mapped explicitly is not claimed twice. */
		for (taken = 0, j = 0; j < m->n; j++)
			if (m->e[j].field != NULL &&
			    strcmp(m->e[j].field, names[i]) == 0)
				taken = 1;
		if (taken)
			continue;
		e = new_entry(m, canon, NULL);
		e->field = xstrdup(names[i]);
		e->automatic = 1;
		added++;
	}
	sb_release(&f);
	return added;
}

void
map_drop_auto(struct map *m)
{
	size_t i, j;

	for (i = j = 0; i < m->n; i++) {
		if (m->e[i].automatic) {
			free(m->e[i].purpose);
			free(m->e[i].field);
			free(m->e[i].value);
			continue;
		}
		m->e[j++] = m->e[i];
	}
	m->n = j;
}

void
map_format(const struct map *m, struct sbuf *out)
{
	size_t i;
	const struct map_entry *e;

	if (m->id_field)
		sb_addf(out, "@id %s\n", m->id_field);
	if (m->country)
		sb_addf(out, "@country %s\n", m->country);
	if (m->date_format)
		sb_addf(out, "@date-format %s\n", m->date_format);
	if (m->format)
		sb_addf(out, "@format %s\n", m->format);
	if (m->delim)
		sb_addf(out, "@delimiter %s\n", m->delim == '\t' ? "tab" :
		    (char[]){ (char)m->delim, 0 });
	for (i = 0; i < m->n; i++) {
		e = &m->e[i];
		if (e->canon == C_CONSENT)
			sb_addf(out, "consent_%s", e->purpose);
		else
			sb_adds(out, canon_names[e->canon]);
		if (e->field)
			sb_addf(out, "=%s", e->field);
		else
			sb_addf(out, ":=%s", e->value);
		if (e->automatic)
			sb_adds(out, "\t# recognised by name");
		sb_addc(out, '\n');
	}
}
