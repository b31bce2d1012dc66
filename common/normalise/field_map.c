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
	"amount", "currency", "org_name",
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
	{ C_ORG_NAME, "orgname company companyname organisation organization "
	    "organisationname organizationname societe raisonsociale "
	    "entreprise employer employeur" },
};

void
map_init(struct map *m)
{
	memset(m, 0, sizeof(*m));
}

static void
entry_release(struct map_entry *e)
{
	size_t i, j;

	free(e->purpose);
	free(e->field);
	free(e->value);
	for (i = 0; i < e->nalt; i++) {
		for (j = 0; j < e->alt[i].npart; j++)
			free(e->alt[i].part[j]);
		free(e->alt[i].part);
	}
	free(e->alt);
}

void
map_release(struct map *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		entry_release(&m->e[i]);
	free(m->e);
	for (i = 0; i < m->nrule; i++) {
		free(m->rule[i].field);
		free(m->rule[i].from);
		free(m->rule[i].to);
	}
	free(m->rule);
	free(m->id_field);
	free(m->country);
	free(m->date_format);
	free(m->format);
	free(m->timezone);
	free(m->encoding);
	memset(m, 0, sizeof(*m));
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int	parse_source(struct map_entry *, const char *, size_t);

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
		dst->e[i].alt = NULL;
		dst->e[i].nalt = 0;
		if (src->e[i].field != NULL && !src->e[i].automatic)
			(void)parse_source(&dst->e[i], src->e[i].field,
			    strlen(src->e[i].field));
	}
	if (dst->cap == 0)
		dst->cap = 1;
	dst->nrule = src->nrule;
	dst->rule = xcalloc(src->nrule ? src->nrule : 1, sizeof(*dst->rule));
	for (i = 0; i < src->nrule; i++) {
		dst->rule[i] = src->rule[i];
		dst->rule[i].field = dup_or_null(src->rule[i].field);
		dst->rule[i].from = dup_or_null(src->rule[i].from);
		dst->rule[i].to = dup_or_null(src->rule[i].to);
	}
	dst->id_field = dup_or_null(src->id_field);
	dst->country = dup_or_null(src->country);
	dst->date_format = dup_or_null(src->date_format);
	dst->format = dup_or_null(src->format);
	dst->timezone = dup_or_null(src->timezone);
	dst->encoding = dup_or_null(src->encoding);
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

	if ((e = find_entry(m, canon, purpose)) != NULL)
		entry_release(e);
	else {
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

/*
 * The separator " | " or " + " (sep) at s[i]: a blank before and after.
 */
static int
is_sep(const char *s, size_t n, size_t i, char sep)
{
	return s[i] == sep && i > 0 && i + 1 < n &&
	    isspace((unsigned char)s[i - 1]) &&
	    isspace((unsigned char)s[i + 1]);
}

/* Split s[0..n) at sep into trimmed pieces; -1 when one is empty. */
static int
split_at(const char *s, size_t n, char sep, char ***out, size_t *nout)
{
	size_t i, start = 0, k;
	const char *p;

	*out = NULL;
	*nout = 0;
	for (i = 0; i <= n; i++) {
		if (i < n && !is_sep(s, n, i, sep))
			continue;
		p = s + start;
		k = i - start;
		trim(&p, &k);
		*out = xrealloc(*out, (*nout + 1) * sizeof(**out));
		(*out)[(*nout)++] = xstrndup(p, k);
		if (k == 0)
			return -1;
		start = i + 1;
	}
	return 0;
}

/* e->alt from the source text s[0..n); -1 when a piece is empty. */
static int
parse_source(struct map_entry *e, const char *s, size_t n)
{
	char **alts;
	size_t nalts, i;
	int rc;

	rc = split_at(s, n, '|', &alts, &nalts);
	e->alt = xcalloc(nalts, sizeof(*e->alt));
	e->nalt = nalts;
	for (i = 0; i < nalts; i++) {
		if (split_at(alts[i], strlen(alts[i]), '+', &e->alt[i].part,
		    &e->alt[i].npart) == -1)
			rc = -1;
		free(alts[i]);
	}
	free(alts);
	return rc;
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
	else {
		e->field = xstrndup(rhs, rn);
		if (parse_source(e, rhs, rn) == -1) {
			sb_reset(why);
			sb_addf(why, "mapping of %s has an empty field between "
			    "' | ' or ' + '", name);
			free(name);
			return -1;
		}
	}
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

static struct map_rule *
new_rule(struct map *m, int kind)
{
	struct map_rule *r;

	m->rule = xrealloc(m->rule, (m->nrule + 1) * sizeof(*m->rule));
	r = &m->rule[m->nrule++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->canon = -1;
	return r;
}

/*
 * The first word of v, when it names a canonical field (not a
 * consent): its number, and *rest past it and its blanks.  -1 if not.
 */
static int
lead_canon(const char *v, const char **rest)
{
	size_t k = strcspn(v, " \t");
	char *w = xstrndup(v, k);
	int c = map_canon_lookup(w, NULL);

	free(w);
	if (c < 0 || c >= C_NCANON || v[k] == '\0')
		return -1;
	for (v += k; isspace((unsigned char)*v); v++)
		;
	*rest = v;
	return c;
}

/* "@value CANON FROM=TO", "@skip FIELD=VALUE", "@negate FIELD=VALUE". */
static int
map_rule_line(struct map *m, int kind, const char *v, struct sbuf *why)
{
	struct map_rule *r;
	const char *eq, *rest = v, *a;
	size_t an, bn;
	int c = -1;

	if (kind == RULE_VALUE && (c = lead_canon(v, &rest)) == -1) {
		sb_addf(why, "@value needs a canonical field, then FROM=TO");
		return -1;
	}
	if ((eq = strchr(rest, '=')) == NULL) {
		sb_addf(why, "%s needs %s", kind == RULE_VALUE ? "@value" :
		    kind == RULE_SKIP ? "@skip" : "@negate", kind ==
		    RULE_VALUE ? "FROM=TO after the field" : "FIELD=VALUE");
		return -1;
	}
	a = rest;
	an = (size_t)(eq - rest);
	trim(&a, &an);
	if (kind != RULE_VALUE && an == 0) {
		sb_addf(why, "%s names no field", kind == RULE_SKIP ?
		    "@skip" : "@negate");
		return -1;
	}
	r = new_rule(m, kind);
	r->canon = c;
	if (kind == RULE_VALUE) {
		r->from = xstrndup(a, an);
		r->to = xstrdup(eq + 1);
	} else {
		r->field = xstrndup(a, an);
		r->from = xstrdup(eq + 1);
	}
	a = r->to ? r->to : r->from;
	bn = strlen(a);
	trim(&a, &bn);
	memmove(r->to ? r->to : r->from, a, bn);
	(r->to ? r->to : r->from)[bn] = '\0';
	return 0;
}

/* Apply one "@name value" setting line. */
static int
map_setting(struct map *m, const char *name, const char *v, struct sbuf *why)
{
	struct map_rule *r;
	const char *rest;
	int d, c;

	if (strcmp(name, "id") == 0)
		return set_once(&m->id_field, v);
	if (strcmp(name, "country") == 0)
		return set_once(&m->country, v);
	if (strcmp(name, "date-format") == 0) {
		/* "@date-format birth_date %m/%d/%y": one field's, in order. */
		if ((c = lead_canon(v, &rest)) == -1)
			return set_once(&m->date_format, v);
		if (c != C_BIRTH_DATE && c != C_TS) {
			sb_addf(why, "@date-format applies to birth_date or "
			    "ts, not %s", map_canon_name(c));
			return -1;
		}
		r = new_rule(m, RULE_DATE_FORMAT);
		r->canon = c;
		r->to = xstrdup(rest);
		return 0;
	}
	if (strcmp(name, "timezone") == 0)
		return set_once(&m->timezone, v);
	if (strcmp(name, "encoding") == 0)
		return set_once(&m->encoding, v);
	if (strcmp(name, "ignore") == 0) {
		/* "@ignore name": never taken by its name (map_auto). */
		r = new_rule(m, RULE_IGNORE);
		r->field = xstrdup(v);
		return 0;
	}
	if (strcmp(name, "value") == 0)
		return map_rule_line(m, RULE_VALUE, v, why);
	if (strcmp(name, "skip") == 0)
		return map_rule_line(m, RULE_SKIP, v, why);
	if (strcmp(name, "negate") == 0)
		return map_rule_line(m, RULE_NEGATE, v, why);
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

int
map_uses_field(const struct map_entry *e, const char *raw, size_t n)
{
	size_t i, j;

	if (e->field == NULL)
		return 0;
	if (strlen(e->field) == n && memcmp(e->field, raw, n) == 0)
		return 1;
	for (i = 0; i < e->nalt; i++)
		for (j = 0; j < e->alt[i].npart; j++)
			if (strlen(e->alt[i].part[j]) == n &&
			    memcmp(e->alt[i].part[j], raw, n) == 0)
				return 1;
	return 0;
}

int
map_value_is(const char *v, size_t n, const char *want)
{
	size_t k = strlen(want), i;

	trim(&v, &n);
	if (n != k)
		return 0;
	for (i = 0; i < n; i++)
		if (tolower((unsigned char)v[i]) !=
		    tolower((unsigned char)want[i]))
			return 0;
	return 1;
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
			    map_uses_field(&m->e[j], names[i],
			    strlen(names[i])))
				taken = 1;
		for (j = 0; j < m->nrule; j++)
			if (m->rule[j].kind == RULE_IGNORE &&
			    strcmp(m->rule[j].field, names[i]) == 0)
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
			entry_release(&m->e[i]);
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
	const struct map_rule *r;

	if (m->id_field)
		sb_addf(out, "@id %s\n", m->id_field);
	if (m->country)
		sb_addf(out, "@country %s\n", m->country);
	if (m->date_format)
		sb_addf(out, "@date-format %s\n", m->date_format);
	if (m->format)
		sb_addf(out, "@format %s\n", m->format);
	if (m->timezone)
		sb_addf(out, "@timezone %s\n", m->timezone);
	if (m->encoding)
		sb_addf(out, "@encoding %s\n", m->encoding);
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
	for (i = 0; i < m->nrule; i++) {
		r = &m->rule[i];
		switch (r->kind) {
		case RULE_DATE_FORMAT:
			sb_addf(out, "@date-format %s %s\n",
			    canon_names[r->canon], r->to);
			break;
		case RULE_VALUE:
			sb_addf(out, "@value %s %s=%s\n",
			    canon_names[r->canon], r->from, r->to);
			break;
		case RULE_IGNORE:
			sb_addf(out, "@ignore %s\n", r->field);
			break;
		default:
			sb_addf(out, "@%s %s=%s\n", r->kind == RULE_SKIP ?
			    "skip" : "negate", r->field, r->from);
			break;
		}
	}
}
