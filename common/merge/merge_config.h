/*
 * merge_config.h - the configuration of cdp-merge (its guards and the
 * survivorship rules), as documented in cdp-merge(1), "Configuration".
 *
 * One setting a line, words separated by blanks, '#' starting a comment:
 *
 *	max-contacts N
 *	birth-dates typo|strict|off
 *	names on|off
 *	names-only on|off
 *	survive FIELD RULE...
 *	source-priority SOURCE...
 *
 * A file given once is stored in the state table and used by the later
 * runs, so that every tool that rebuilds profiles (cdp-merge's split
 * and never, and anything that re-clusters after an erasure) applies
 * the same rules.
 */
#ifndef CDP_MERGE_CONFIG_H
#define CDP_MERGE_CONFIG_H

#include <sqlite3.h>
#include <stdint.h>

#include "core/util.h"
#include "merge/golden_record.h"

#define MERGECF_STATE	"cdp-merge.config"	/* key in the state table */

struct mergecf {
	uint32_t max_contacts;	/* 0: no limit; default 50 */
	int	 bd_mode;	/* UF_BD_*; default UF_BD_TYPO */
	int	 name_guard;	/* names on: a nameless record never bridges
				   two clusters of different names */
	int	 names_only;	/* names-only on: a link on names alone
				   across places needs a rare name */
	struct golden *golden;	/* the caller's, golden_init'ed */
};

/* The defaults, with golden's rules set by golden_init. */
void	mergecf_init(struct mergecf *, struct golden *);

/*
 * Apply the settings of text (name is the file name for messages).
 * 0, or -1 with "NAME:LINE: reason" in why.
 */
int	mergecf_parse(struct mergecf *, const char *text, const char *name,
	    struct sbuf *why);

/* The text stored by an earlier run (caller frees), or NULL. */
char	*mergecf_stored(sqlite3 *);
/* Store text as the configuration of later runs; 0 or -1 (why set). */
int	mergecf_store(sqlite3 *, const char *text, struct sbuf *why);

#endif
