/*
 * field_map.h - mapping source fields onto the canonical vocabulary.
 *
 * A mapping says where a canonical field comes from: CANON=FIELD takes
 * it from a CSV column or a dotted JSON path (customer.email), and
 * CANON:=VALUE sets a constant (event_type:=purchase).  Mappings come
 * from -m options and map files (cdp-map(5)): one mapping a line, '#'
 * comments, and '@' lines for the settings a source needs every time
 * (@id, @country, @date-format, @delimiter, @format, @timezone,
 * @encoding), and the
rules applied field by field or record by record (@date-format CANON,
@value, @skip, @negate, @ignore).  A canonical field
 * with no mapping is taken from a field whose name is a common name for
 * it (email, courriel, e-mail, prenom, code_postal, ...), compared with
 * case, accents and punctuation ignored.
 */
#ifndef CDP_FIELD_MAP_H
#define CDP_FIELD_MAP_H

#include <stddef.h>

#include "core/util.h"

enum canon {
	C_EMAIL, C_PHONE, C_CUSTOMER_ID, C_LOYALTY_ID, C_ANONYMOUS_ID,
	C_FIRST_NAME, C_LAST_NAME, C_FULL_NAME, C_BIRTH_DATE, C_GENDER,
	C_STREET, C_POSTAL_CODE, C_CITY, C_COUNTRY, C_EVENT_TYPE, C_TS,
	C_AMOUNT, C_CURRENCY, C_ORG_NAME,
	C_NCANON,
	C_CONSENT = C_NCANON	/* consent_<purpose>; purpose in the entry */
};

/* The first C_ANONYMOUS_ID+1 canonical fields are identifiers. */
#define CANON_IS_IDENT(c)	((c) <= C_ANONYMOUS_ID)

/*
 * One way to get a field's value: the non-empty values of its parts,
 * trimmed, joined by one space ("STREET_NO + STREET").
 */
struct map_alt {
	char	**part;		/* source fields or dotted paths */
	size_t	 npart;
};

struct map_entry {
	int	 canon;		/* enum canon, or C_CONSENT */
	char	*purpose;	/* for C_CONSENT: "email", "sms", ... */
	char	*field;		/* source as written ("a | b + c"); NULL if constant */
	char	*value;		/* constant value; NULL if field */
	struct map_alt *alt;	/* field split at " | ": first non-empty wins */
	size_t	 nalt;		/* 1 and one part for a plain field */
	int	 automatic;	/* found by name, not declared */
};

/* A per-field or per-record rule of a map file (an '@' line). */
enum { RULE_DATE_FORMAT, RULE_VALUE, RULE_SKIP, RULE_NEGATE, RULE_IGNORE };
struct map_rule {
	int	 kind;		/* RULE_* */
	int	 canon;		/* DATE_FORMAT, VALUE: the canonical field */
	char	*field;		/* SKIP, NEGATE: the source field tested;
				   IGNORE: the field never recognised by name */
	char	*from;		/* VALUE, SKIP, NEGATE: the value matched */
	char	*to;		/* DATE_FORMAT: the format; VALUE: the new value */
};

struct map {
	struct map_entry *e;	/* entries, in declaration order */
	size_t	 n;
	size_t	 cap;
	char	*id_field;	/* @id: the field holding the record id */
	char	*country;	/* @country: default phone country */
	char	*date_format;	/* @date-format: strptime(3) format */
	int	 delim;		/* @delimiter: forced CSV delimiter, or 0 */
	char	*format;	/* @format: "csv" or "ndjson", or NULL */
	char	*timezone;	/* @timezone: zone of times with no offset */
	char	*encoding;	/* @encoding: the files' (iconv name), or NULL */
	struct map_rule *rule;	/* @date-format CANON, @value, @skip, @negate,
				   @ignore */
	size_t	 nrule;
};

void	map_init(struct map *);
void	map_release(struct map *);

/* Deep copy of src into dst (initialised by this call). */
void	map_copy(struct map *dst, const struct map *src);

/* The name of a canonical field ("email"), or NULL. */
const char *map_canon_name(int canon);
/* The canonical field called name, C_CONSENT for consent_*, or -1. */
int	map_canon_lookup(const char *name, const char **purpose);

/*
 * Add one mapping "CANON=FIELD" or "CANON:=VALUE".  FIELD may hold
 * alternatives separated by " | " (the first non-empty wins), each a
 * concatenation of fields separated by " + " (joined by a space).  A
 * later mapping of the same canonical field replaces an earlier one.
 * 0, or -1 with the reason in why.
 */
int	map_add(struct map *, const char *spec, struct sbuf *why);

/*
 * Read a map file.  Settings in the file apply only where the map has
 * none yet (command-line options win when given first).  0, or -1 with
 * "FILE:LINE: reason" in why.
 */
int	map_load(struct map *, const char *path, struct sbuf *why);

/*
 * Recognise canonical fields not yet mapped among the field names
 * names[0..n) (CSV header or top-level JSON keys).  Returns how many
 * were added.
 */
size_t	map_auto(struct map *, char *const *names, size_t n);

/*
 * Whether entry e reads the source field raw[0..n): its field, or a
 * field of its alternatives and concatenations.
 */
int	map_uses_field(const struct map_entry *e, const char *raw, size_t n);

/*
 * Whether the value v[0..n) equals want, trimmed and ignoring ASCII
 * case (the test of @value, @skip and @negate).
 */
int	map_value_is(const char *v, size_t n, const char *want);

/* Drop the entries map_auto added (before reading a file with other names). */
void	map_drop_auto(struct map *);

/*
 * The words of -f and @format, and of -D and @delimiter, for every tool:
 * the caller's csv or ndjson value (neither -1); the delimiter byte
 * (",", ";", "|", a tab as itself, "tab" or "\\t").  -1 for anything
 * else.
 */
int	map_parse_format(const char *, int csv, int ndjson);
int	map_parse_delim(const char *);
#define MAP_FORMAT_ERR	"format must be csv or ndjson"
#define MAP_DELIM_ERR	"delimiter must be one of , ; | tab"

/* The map as map-file text (for the source table and -v). */
void	map_format(const struct map *, struct sbuf *);

#endif
