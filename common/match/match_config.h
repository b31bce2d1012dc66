/*
 * match_config.h - the configuration of cdp-match: which identifiers link on
 * their own, which values are junk, which fields the Fellegi-Sunter
 * model compares and how, which blocking rules produce candidate pairs,
 * and the thresholds and limits.  The format is cdp-match.conf(5).
 *
 * Everything cdp-match reads from a record is a "slot": a canonical
 * field ("first_name" is its match key, "birth_date", ...) or a path
 * into the record's original JSON ("attr.member.no").  Identifiers,
 * comparisons and blocking rules refer to slots by index, so the record
 * store (record_set.h) holds exactly the slots the configuration uses.
 *
 * The built-in defaults are written in the configuration language
 * itself (mcfg_defaults) and parsed like a file, so what the man page
 * shows is what runs.  A file replaces a whole section of the defaults
 * as soon as it has one line of it: one "compare" line drops every
 * built-in comparison (and the "cross" line), one "block" line every
 * built-in blocking rule, likewise for "identifier", "junk" and
 * "alias".  Single
 * settings (threshold, limits) override one by one.
 */
#ifndef CDP_MATCH_CONFIG_H
#define CDP_MATCH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "match/comparators.h"

#define MCFG_MAXSLOT	32	/* slots a configuration may use */
#define MCFG_MAXTERM	4	/* terms of one blocking rule */
#define MCFG_NAMELEN	64	/* slot names, with the NUL */

/* Slots cdp-match always loads: the guard of the identifiers uses them. */
enum { MCFG_S_FIRST, MCFG_S_LAST, MCFG_S_BIRTH, MCFG_S_FULL };

enum mcfg_link {
	MCFG_DEDUPE,		/* pairs within and across sources */
	MCFG_LINK_ONLY,		/* only pairs of records of different sources */
};

struct mcfg_slot {
	char	 name[MCFG_NAMELEN];	/* "email", "attr.member.no" */
	int	 canon;			/* enum canon, or -1 for attr */
	char	*path;			/* JSON path "$.member.no" for attr */
};

struct mcfg_ident {
	int	 slot;
	int	 max_people;	/* distinct people a value may join */
	int	 max_names;	/* distinct first-name keys it may carry */
};

struct mcfg_junk {
	int	 slot;		/* identifier slot, or -1 for every one */
	char	*glob;		/* fnmatch(3) pattern on the normalised value */
};

struct mcfg_cmp {
	struct cmp_field f;	/* levels; f.name is the slot name */
	int	 slot;
	int	 tf;		/* term-frequency adjustment on level 0 */
};

/* Blocking key transforms. */
enum mcfg_xf {
	MCFG_XF_NONE,		/* the whole value */
	MCFG_XF_PREFIX,		/* first arg characters (year: prefix 4) */
	MCFG_XF_SUFFIX,		/* last arg characters */
	MCFG_XF_DIGITS,		/* last arg digits */
	MCFG_XF_SOUNDEX,	/* Soundex code of the letters */
	MCFG_XF_LOCAL,		/* email local part */
	MCFG_XF_NICK,		/* nickname-canonical name (blocking.h) */
	MCFG_XF_WORDS,		/* the words in byte order */
	MCFG_XF_LAST,		/* the last word */
	MCFG_XF_DAYMONTH,	/* a date, day and month in ascending order */
};

struct mcfg_term {
	int	 slot;
	int	 slot2;		/* unordered pair with slot, or -1 */
	enum mcfg_xf xf;
	int	 arg;
};

struct mcfg_block {
	int	 nterm;
	struct mcfg_term term[MCFG_MAXTERM];
	char	 text[128];	/* the rule as written, for messages */
};

struct mcfg {
	struct mcfg_slot slot[MCFG_MAXSLOT];
	int	 nslot;
	struct mcfg_ident *ident;
	size_t	 nident;
	struct mcfg_junk *junk;
	size_t	 njunk;
	struct mcfg_cmp *cmp;
	size_t	 ncmp;
	int	 cross[2];	/* comparisons compared crossed, or -1 */
	int	*implied;	/* per comparison: the one whose exact level
				   makes it redundant, or -1 */
	int	*needs;		/* per comparison: the one whose last level
				   voids its agreement, or -1 */
	struct mcfg_block *block;
	size_t	 nblock;

	double	 threshold;	/* least probability written */
	enum mcfg_link link;
	uint64_t seed;		/* of every random draw */
	long	 random_pairs;	/* random pairs for u */
	long	 em_pairs;	/* training pairs per blocking rule */
	int	 em_iterations;
	long	 block_cap;	/* records in a block; larger ones skipped */
	long	 block_budget;	/* comparisons per keyed record a rule may
				   give, else it is left out; 0 no limit */
	int	 min_fields;	/* comparison fields a record needs for FS */
	double	 guard_jw;	/* first names this close are one person */
	int	 veto_first;	/* conflicting first names never link by FS */
	int	 veto_birth;	/* nor conflicting birth dates */
	char	**alias;	/* first-name keys, groups ended by NULL */
	size_t	 nalias;	/* entries of alias, NULLs included */
};

/* Built-in configuration text (for the man page and -v). */
extern const char mcfg_defaults[];
/*
 * The nicknames, "alias NAME NICKNAME" lines parsed after mcfg_defaults
 * (nicknames.c, generated from share/nicknames/names.csv).
 */
extern const char mcfg_nicknames[];

/*
 * Load the defaults, then the file at path when not NULL.  0, or -1
 * with "FILE:LINE: message" in why (the configuration is then released).
 */
int	mcfg_load(struct mcfg *, const char *path, struct sbuf *why);

/*
 * The same with the lines found in the data (attr_ident.h) added to the
 * built-in sections before the file is read: a file's section still
 * replaces them whole.
 */
int	mcfg_load_with(struct mcfg *, const char *path, const char *found,
	    struct sbuf *why);
void	mcfg_release(struct mcfg *);

/* Slot index by name, or -1. */
int	mcfg_slot_find(const struct mcfg *, const char *name);

/* Index of the comparison on a slot, or -1. */
int	mcfg_cmp_find(const struct mcfg *, int slot);

/*
 * Whether value v[0..n) of identifier slot is junk: a blocklist pattern
 * matches, or a built-in rule (see cdp-match.conf(5)) holds.
 */
int	mcfg_is_junk(const struct mcfg *, int slot, const char *v, size_t n);

#endif
