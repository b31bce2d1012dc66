/*
 * t-job.c - the job of a run from its command line (status/job.c):
 * options and their arguments skipped as getopt would, the verb and the
 * names that make the job kept, files and thresholds left out.
 */
#include "status/job.h"
#include "tap.h"

static const char *
job(const char *tool, const char *source, char *const *args, size_t n)
{
	static struct sbuf b;
	static int init;

	if (!init) {
		sb_init(&b);
		init = 1;
	}
	job_of(tool, args, n, source, &b);
	return b.buf;
}

#define JOB(tool, src, ...) \
	job(tool, src, (char *const[]){ __VA_ARGS__ }, \
	    sizeof((char *const[]){ __VA_ARGS__ }) / sizeof(char *))

int
main(void)
{
	is_str(JOB("cdp-ingest", "crm", "-q", "-s", "crm", "-i", "ID",
	    "/spool/crm-2024-06-01.csv"), "cdp-ingest -s crm",
	    "ingest: the source, not the file");
	is_str(JOB("cdp-ingest", NULL, "-scrm", "-mEMAIL=mail", "a.csv"),
	    "cdp-ingest -s crm", "ingest: -sNAME from the arguments");
	is_str(JOB("cdp-export", NULL, "-o", "/out/x.csv", "--dest", "mailer",
	    "changes", "vip"), "cdp-export changes vip --dest mailer",
	    "export: WHAT NAME --dest, not -o");
	is_str(JOB("cdp-export", NULL, "--dest=mailer", "-f", "ndjson",
	    "changes", "vip", "--since", "2024-01-01"),
	    "cdp-export changes vip --dest mailer",
	    "export: --dest=, options after the operands");
	is_str(JOB("cdp-export", NULL, "-F", "email,first_name", "segment",
	    "vip"), "cdp-export segment vip",
	    "export: an option's argument is not an operand");
	is_str(JOB("cdp-segment", NULL, "-q", "define", "vip", "x > 1"),
	    "cdp-segment define vip", "segment: define NAME, no expression");
	is_str(JOB("cdp-segment", NULL, "--as-of", "2024-06-01", "eval"),
	    "cdp-segment eval", "segment: eval of every segment");
	is_str(JOB("cdp-segment", NULL, "eval", "a", "b"),
	    "cdp-segment eval a b", "segment: eval of named segments");
	is_str(JOB("cdp-merge", NULL, "-t", "0.9", "/spool/pairs.ndjson"),
	    "cdp-merge", "merge: files are no verb");
	is_str(JOB("cdp-merge", NULL, "split", "12"), "cdp-merge split",
	    "merge: a verb");
	is_str(JOB("cdp-privacy", NULL, "erase", "(subject)"),
	    "cdp-privacy erase", "privacy: the verb, never the subject");
	is_str(JOB("cdp-catalog", "crm", "reset", "crm"),
	    "cdp-catalog reset crm", "catalog: the source once");
	is_str(JOB("cdp-score", NULL, "--as-of", "2024-06-30", "clv"),
	    "cdp-score clv", "score: the names");
	is_str(JOB("cdp-export", NULL, "--", "-odd"), "cdp-export -odd",
	    "after --, an operand");
	is_str(JOB("cdp-new", NULL, "-d", "x.db", "thing"), "cdp-new",
	    "an unknown tool: its name");
	return done_testing();
}
