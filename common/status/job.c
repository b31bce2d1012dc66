/*
 * job.c - the job of a run from its command line; see job.h.
 *
 * The command line is walked as getopt would: each tool's options that
 * take an argument are listed here, from its getopt string, so that an
 * option's argument is never taken for an operand.
 */
#include <string.h>

#include "status/job.h"

static const struct {
	const char *tool;
	const char *argopts;	/* short options that take an argument */
	const char *longargs;	/* long ones, each followed by a space */
	int	 verb;		/* the first operand is a verb */
	int	 names;		/* operands after it that name the job, -1 all */
} tools[] = {
	{ "cdp-catalog", "dfns", "", 1, 1 },
	{ "cdp-export", "cDdFfHo", "dest since ", 1, 1 },
	{ "cdp-ingest", "cDdEfiMmrsT", "", 0, 0 },
	{ "cdp-match", "Ccdfi MmsTt", "", 0, 0 },
	{ "cdp-merge", "Cdot", "", 1, 0 },
	{ "cdp-privacy", "cdr", "as-of ", 1, 0 },
	{ "cdp-score", "dfS", "as-of discount horizon ", 0, -1 },
	{ "cdp-segment", "df", "as-of run ", 1, -1 },
	{ "cdp-status", "cdfo", "as-of since ", 1, 0 },
	{ "cdp-stream", "dopT", "as-of ", 0, 0 },
};

/* Whether --name (up to '=' or the end) takes an argument. */
static int
long_arg(const char *longargs, const char *name)
{
	size_t n = strcspn(name, "="), k;
	const char *p;

	for (p = longargs; *p != '\0'; p += k + 1) {
		k = strcspn(p, " ");
		if (k == n && strncmp(p, name, n) == 0)
			return 1;
		if (p[k] == '\0')
			break;
	}
	return 0;
}

void
job_of(const char *tool, char *const *args, size_t nargs, const char *source,
    struct sbuf *job)
{
	const char *argopts = "d", *longargs = "", *dest = NULL, *src = NULL;
	const char *a, *v, *verb = NULL;
	size_t i, t, k, nops = 0;
	int names = 0, hasverb = 0, opts = 1;

	for (t = 0; t < sizeof(tools) / sizeof(tools[0]); t++)
		if (strcmp(tools[t].tool, tool) == 0) {
			argopts = tools[t].argopts;
			longargs = tools[t].longargs;
			hasverb = tools[t].verb;
			names = tools[t].names;
			break;
		}
	sb_reset(job);
	sb_adds(job, tool);
	for (i = 0; i < nargs; i++) {
		a = args[i];
		if (opts && strcmp(a, "--") == 0) {
			opts = 0;
			continue;
		}
		if (opts && a[0] == '-' && a[1] == '-') {
			if (!long_arg(longargs, a + 2))
				continue;
			v = strchr(a, '=');
			v = v != NULL ? v + 1 : i + 1 < nargs ? args[++i] : "";
			if (strncmp(a + 2, "dest", 4) == 0)
				dest = v;
			continue;
		}
		if (opts && a[0] == '-' && a[1] != '\0') {
			for (k = 1; a[k] != '\0'; k++) {
				if (strchr(argopts, a[k]) == NULL)
					continue;
				v = a[k + 1] != '\0' ? a + k + 1 :
				    i + 1 < nargs ? args[++i] : "";

				if (a[k] == 's')
					src = v;
				break;
			}
			continue;
		}
		/* An operand. */
		if (hasverb && nops == 0) {
			verb = a;
			/* cdp-merge FILE: files, not a verb. */
			if (strcmp(tool, "cdp-merge") == 0 &&
			    strcmp(a, "explain") != 0 && strcmp(a, "split")
			    != 0 && strcmp(a, "unsplit") != 0 &&
			    strcmp(a, "never") != 0)
				return;
			sb_addf(job, " %s", a);
		} else if (names < 0 || (int)nops - hasverb < names) {
			/* define NAME EXPRESSION: the name only. */
			if (verb != NULL && strcmp(verb, "define") == 0 &&
			    nops > 1)
				continue;
			sb_addf(job, " %s", a);
			if (source != NULL && strcmp(a, source) == 0)
				source = NULL;	/* cdp-catalog reset SOURCE */
		}
		nops++;
	}
	if (dest != NULL)
		sb_addf(job, " --dest %s", dest);
	if (source != NULL)
		src = source;
	if (src != NULL)
		sb_addf(job, " -s %s", src);
}
