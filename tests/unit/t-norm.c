/*
 * t-norm.c - unit tests for the field normalisers of
 * common/normalise/normalise.c, normalise/dates.c and normalise/phones.c.
 *
 * Each normaliser is driven through a wrapper that renders its result as
 * one string ("(empty)", "(invalid)" or the value), so that an expected
 * value and a wrong status fail the same assertion; the wrapper also
 * checks that out is empty whenever the value is not NORM_OK.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "normalise/normalise.h"
#include "tap.h"

static struct sbuf out, key;

/* The result as a string; "(dirty)" when out is not empty on failure. */
static const char *
res(int r, const struct sbuf *sb)
{
	if (r == NORM_OK)
		return sb->buf;
	if (sb->len != 0)
		return "(dirty)";
	return r == NORM_EMPTY ? "(empty)" : r == NORM_INVALID ?
	    "(invalid)" : "(bad status)";
}

static const char *
email(const char *s)
{
	return res(norm_email(s, strlen(s), &out), &out);
}

static const char *
phone(const char *s, const char *cc)
{
	return res(norm_phone(s, strlen(s), cc, &out), &out);
}

static const char *
text(const char *s)
{
	return res(norm_text(s, strlen(s), &out), &out);
}

/* The display form, then the key in key.buf. */
static const char *
name(const char *s)
{
	int r = norm_name(s, strlen(s), &out, &key);

	if (r != NORM_OK && key.len != 0)
		return "(dirty key)";
	return res(r, &out);
}

static const char *
namekey(const char *s)
{
	int r = norm_name(s, strlen(s), &out, &key);

	if (r != NORM_OK && out.len != 0)
		return "(dirty disp)";
	return res(r, &key);
}

/* An organisation's key (the display form in out). */
static const char *
orgkey(const char *s)
{
	int r = norm_org(s, strlen(s), &out, &key);

	if (r != NORM_OK && out.len != 0)
		return "(dirty disp)";
	return res(r, &key);
}

static void
test_org(void)
{
	is_str(orgkey("  ACME   S.A.R.L. "), "acme", "org: S.A.R.L. left out");
	is_str(out.buf, "ACME S.A.R.L.", "org: display as written, trimmed");
	is_str(orgkey("Acme SARL"), "acme", "org: SARL");
	is_str(orgkey("acme"), "acme", "org: no legal form");
	is_str(orgkey("Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale SA"),
	    "societe generale", "org: accents folded, SA left out");
	is_str(orgkey("Siemens AG"), "siemens", "org: AG");
	is_str(orgkey("M\xc3\xbcller GmbH & Co. KG"), "muller", "org: GmbH & Co. KG");
	is_str(orgkey("Globex Corp."), "globex", "org: Corp.");
	is_str(orgkey("Initech, Inc."), "initech", "org: Inc. after a comma");
	is_str(orgkey("Tesco PLC"), "tesco", "org: PLC");
	is_str(orgkey("Acme Ltd"), "acme", "org: Ltd");
	is_str(orgkey("Sas"), "sas", "org: a name that is only a legal form kept");
	is_str(orgkey("Banco Sabadell"), "banco sabadell",
	    "org: a word that holds a legal form kept");
	is_str(orgkey("   "), "(empty)", "org: blank");
	is_str(orgkey("\xff"), "(invalid)", "org: invalid UTF-8");
	is_num(norm_org("Acme SAS", 8, &out, NULL), NORM_OK, 0,
	    "org: no key asked");
	is_str(out.buf, "Acme SAS", "org: display without a key");
}

static const char *
date(const char *s, const char *fmt)
{
	return res(norm_date(s, strlen(s), fmt, &out), &out);
}

static const char *
ts(const char *s, const char *fmt)
{
	return res(norm_ts(s, strlen(s), fmt, &out), &out);
}

static const char *
amount(const char *s)
{
	return res(norm_amount(s, strlen(s), &out), &out);
}

static int
boolean(const char *s)
{
	return norm_bool(s, strlen(s));
}

static const char *
gender(const char *s)
{
	return res(norm_gender(s, strlen(s), &out), &out);
}

static const char *
country(const char *s)
{
	return res(norm_country(s, strlen(s), &out), &out);
}

static const char *
postal(const char *s)
{
	return res(norm_postal(s, strlen(s), &out), &out);
}

static const char *
id(const char *s)
{
	return res(norm_id(s, strlen(s), &out), &out);
}

static void
test_email(void)
{
	static const char *const bad[] = {
		"a@b", "a b@c.fr", "@x.fr", "x@", "a@@b.fr", "a@b..fr",
		"a@b.fr.", "a@.b.fr", "a@-b.fr", "a@b-.fr", "a@b.f", "a@b.f1",
		"a..b@c.fr", ".a@c.fr", "a.@c.fr", "a@b_c.fr", "ab.fr",
		"a@b@c.fr", "a\tb@c.fr",
	};
	size_t i;

	is_str(email("  Jean.Dupont@Example.FR "), "jean.dupont@example.fr",
	    "email: trimmed and lower-cased");
	is_str(email("MiXeD.CaSe+Tag@GMail.COM"), "mixed.case+tag@gmail.com",
	    "email: mixed case, plus tag kept");
	is_str(email("\xc2\xa0x_y-z@sub.domain.co.uk\xe2\x80\xaf"),
	    "x_y-z@sub.domain.co.uk", "email: NBSP and narrow NBSP trimmed");
	is_str(email("J\xc3\x89R\xc3\x94ME@Exemple.FR"),
	    "j\xc3\xa9r\xc3\xb4me@exemple.fr", "email: UTF-8 local part lowered");
	is_str(email("a@b.xn--p1ai"), "a@b.xn--p1ai", "email: punycode TLD");
	is_str(email("   "), "(empty)", "email: blank is empty");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char desc[64];

		snprintf(desc, sizeof(desc), "email: \"%s\" invalid", bad[i]);
		is_str(email(bad[i]), "(invalid)", desc);
	}
	is_num(norm_email("a@b.fr\0x", 8, &out), NORM_INVALID, 0,
	    "email: embedded NUL invalid");
	is_str(email("a\xff@b.fr"), "(invalid)", "email: invalid UTF-8");
	is_str(email("Maria Sentosa<msentosa@fmail.com>"),
	    "msentosa@fmail.com", "email: display name dropped");
	is_str(email(" \"Ray, Bob\" < Bob@Example.com > "), "bob@example.com",
	    "email: quoted display name, blanks in the brackets");
	is_str(email("Bob <>"), "(invalid)", "email: empty brackets");
	is_str(email("Bob <bob>"), "(invalid)", "email: no address in brackets");
	is_str(email("a@b.fr>"), "(invalid)", "email: '>' without '<'");
}

static void
test_phone(void)
{
	static const char *const fr[] = {
		"06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678",
		"06.12.34.56.78", "+33 (0)6 12 34 56 78", "6 12 34 56 78",
		"06-12-34-56-78", "(06) 12 34 56 78", "33612345678",
		"+33 06 12 34 56 78", "06\xc2\xa0" "12\xe2\x80\xaf" "34\t56 78",
		"06 12 34 56 78 x123", "+33 6 12 34 56 78 ext. 12",
		"06 12 34 56 78 poste 4",
	};
	size_t i;

	for (i = 0; i < sizeof(fr) / sizeof(fr[0]); i++) {
		char desc[80];

		snprintf(desc, sizeof(desc), "phone FR: \"%s\"", fr[i]);
		is_str(phone(fr[i], "FR"), "+33612345678", desc);
	}
	is_str(phone("06 12 34 56 78", "fr"), "+33612345678",
	    "phone: country code case-insensitive");
	is_str(phone("06 12 34 56 78", NULL), "(invalid)",
	    "phone: national number, no country");
	is_str(phone("06 12 34 56 78", "ZZ"), "(invalid)",
	    "phone: national number, unknown country");
	is_str(phone("+33 6 12 34 56 78", NULL), "+33612345678",
	    "phone: international needs no country");
	is_str(phone("06 12 34 56 78", "DK"), "(invalid)",
	    "phone: 10 digits is not a Danish number");
	is_str(phone("0470 12 34 56", "BE"), "+32470123456", "phone: BE");
	is_str(phone("(415) 555-2671", "US"), "+14155552671", "phone: US");
	is_str(phone("1-415-555-2671", "US"), "+14155552671",
	    "phone: US leading 1");
	is_str(phone("011 33 6 12 34 56 78", "US"), "+33612345678",
	    "phone: US international prefix 011");
	is_str(phone("555-2671", "US"), "(invalid)", "phone: US 7 digits");
	is_str(phone("(613) 555-0100", "CA"), "+16135550100", "phone: CA");
	is_str(phone("+44 (0)20 7946 0000", NULL), "+442079460000",
	    "phone: GB with (0)");
	is_str(phone("07911 123456", "GB"), "+447911123456", "phone: GB");
	is_str(phone("06 1234 5678", "IT"), "+390612345678",
	    "phone: IT keeps its leading 0");
	is_str(phone("0692 12 34 56", "RE"), "+262692123456", "phone: RE");
	is_str(phone("0690 12 34 56", "GP"), "+590690123456", "phone: GP");
	is_str(phone("0612345678", "MA"), "+212612345678", "phone: MA");
	is_str(phone("612 345 678", "ES"), "+34612345678", "phone: ES");
	is_str(phone("0412 345 678", "AU"), "+61412345678", "phone: AU");
	is_str(phone("030 1234567", "DE"), "+49301234567", "phone: DE");
	is_str(phone("+1 234", NULL), "(invalid)", "phone: too short");
	is_str(phone("+1234567890123456", NULL), "(invalid)",
	    "phone: too long");
	is_str(phone("+999 1234 5678", NULL), "+99912345678",
	    "phone: unknown code, plausible length");
	is_str(phone("abc", "FR"), "(invalid)", "phone: letters");
	is_str(phone("0000", "FR"), "(invalid)", "phone: 0000");
	is_str(phone("0000000000", "FR"), "(invalid)", "phone: all zeros");
	is_str(phone("+", "FR"), "(invalid)", "phone: lone +");
	is_str(phone("06 12 34 56 7", "FR"), "(invalid)",
	    "phone: FR 9 digits with trunk");
	is_str(phone("06 12 34 56 789", "FR"), "(invalid)",
	    "phone: FR 11 digits with trunk");
	is_str(phone("06 12 AB 56 78", "FR"), "(invalid)",
	    "phone: letters in the middle");
	is_str(phone("06 12 34 56 78 x", "FR"), "(invalid)",
	    "phone: extension without digits");
	is_str(phone("+33 6 12 34 56 78 +1", "FR"), "(invalid)",
	    "phone: second +");
	is_str(phone("+0 6 12 34 56 78", NULL), "(invalid)",
	    "phone: country code 0");
	is_str(phone(" \t ", "FR"), "(empty)", "phone: blank");
	is_num(norm_phone("0612345678\0", 11, "FR", &out), NORM_INVALID, 0,
	    "phone: embedded NUL invalid");
}

static void
test_names(void)
{
	is_str(name("  JEAN-FRAN\xc3\x87OIS  "), "JEAN-FRAN\xc3\x87OIS",
	    "name: display trimmed, case kept");
	is_str(key.buf, "jean francois", "name: key folded");
	is_str(name("\xef\xbc\xaa\xef\xbd\x85\xef\xbd\x81\xef\xbd\x8e"),
	    "Jean", "name: fullwidth NFKC");
	is_str(key.buf, "jean", "name: fullwidth key");
	is_str(namekey("Zo\xc3\xab O'Brien"), "zoe o brien", "name: Zoë O'Brien");
	is_str(name("Zo\xc3\xab O'Brien"), "Zo\xc3\xab O'Brien",
	    "name: Zoë display kept");
	is_str(namekey("M\xc3\xbcller"), "muller", "name: Müller key");
	is_str(namekey("Zoe\xcc\x88"), "zoe", "name: decomposed ë key");
	is_str(name("Zoe\xcc\x88"), "Zo\xc3\xab", "name: NFKC composes");
	is_str(name("\xef\xac\x81nn"), "finn", "name: fi ligature");
	is_str(namekey("Stra\xc3\x9f" "e"), "strasse", "name: ß folds to ss");
	is_str(namekey("O\xe2\x80\x99" "Connor"), "o connor",
	    "name: typographic apostrophe");
	is_str(name("Jean\xc2\xa0\xc2\xa0Paul\t \xe2\x80\xaf" "Sartre"),
	    "Jean Paul Sartre", "name: NBSP, tab, narrow NBSP collapse");
	is_str(namekey("Dupont,  J.-P."), "dupont j p",
	    "name: dot and comma in key");
	is_str(name("Jean\0Paul"), "Jean", "name: string stops at NUL (strlen)");
	is_num(norm_name("Jean\0Paul", 9, &out, &key), NORM_OK, 0,
	    "name: embedded NUL accepted");
	is_str(out.buf, "Jean Paul", "name: embedded NUL is a separator");
	is_str(name("   "), "(empty)", "name: blank");
	is_str(name(" - "), "(empty)", "name: punctuation only");
	is_str(name("Jos\xc3"), "(invalid)", "name: truncated UTF-8");
	is_str(name("\xed\xa0\x80"), "(invalid)", "name: surrogate");
	is_num(norm_name("ANNE", 4, &out, NULL), NORM_OK, 0,
	    "name: key may be NULL");
	is_str(text(" 12  rue\xc2\xa0" "de la Paix "), "12 rue de la Paix",
	    "text: collapsed");
	is_str(text("\xe2\x91\xa0 Place"), "1 Place", "text: NFKC circled 1");
	is_str(text("\xff"), "(invalid)", "text: invalid UTF-8");
	is_str(text(""), "(empty)", "text: empty");
}

static void
test_date(void)
{
	is_str(date("2024-03-01", NULL), "2024-03-01", "date: ISO");
	is_str(date(" 2024-03-01T10:00:00Z ", NULL), "2024-03-01",
	    "date: ISO with time");
	is_str(date("2024/03/01", NULL), "2024-03-01", "date: slashes");
	is_str(date("2024-3-1", NULL), "2024-03-01", "date: one-digit fields");
	is_str(date("19970101", NULL), "1997-01-01", "date: basic");
	is_str(date("2024-02-31", NULL), "(invalid)", "date: 31/02");
	is_str(date("2024-02-29", NULL), "2024-02-29", "date: leap year");
	is_str(date("2023-02-29", NULL), "(invalid)", "date: not a leap year");
	is_str(date("1900-02-29", NULL), "(invalid)", "date: 1900 not leap");
	is_str(date("2000-02-29", NULL), "2000-02-29", "date: 2000 leap");
	is_str(date("2024-04-31", NULL), "(invalid)", "date: 31 April");
	is_str(date("2024-13-01", NULL), "(invalid)", "date: month 13");
	is_str(date("0999-01-01", NULL), "(invalid)", "date: year < 1000");
	is_str(date("1700000000", NULL), "2023-11-14", "date: epoch seconds");
	is_str(date("1700000000123", NULL), "2023-11-14", "date: epoch ms");
	is_str(date("-86400", NULL), "(invalid)", "date: short epoch");
	is_str(date("-100000000", NULL), "1966-10-31",
	    "date: negative epoch");
	is_str(date("31/02/2024", "%d/%m/%Y"), "(invalid)", "date: fmt 31/02");
	is_str(date("29/02/2024", "%d/%m/%Y"), "2024-02-29",
	    "date: fmt leap");
	is_str(date("29/02/2023", "%d/%m/%Y"), "(invalid)",
	    "date: fmt non-leap");
	is_str(date("01/12/2023", "%d/%m/%Y"), "2023-12-01", "date: fmt d/m");
	is_str(date("01/12/2023", "%m/%d/%Y"), "2023-01-12", "date: fmt m/d");
	is_str(date("20240102", "%Y%d%m"), "2024-02-01",
	    "date: fmt tried before the built-in shapes");
	is_str(date("2023-12-01", "%d/%m/%Y"), "2023-12-01",
	    "date: ISO still accepted with fmt");
	is_str(date("01/12/2023x", "%d/%m/%Y"), "(invalid)",
	    "date: fmt leftover");
	is_str(date("01/12/2023", NULL), "(invalid)",
	    "date: d/m/Y without fmt");
	is_str(date("2024-03-01garbage", NULL), "(invalid)",
	    "date: trailing garbage");
	is_str(date("yesterday", NULL), "(invalid)", "date: word");
	is_str(date("", NULL), "(empty)", "date: empty");
	is_num(norm_date("2024-03-01\0", 11, NULL, &out), NORM_INVALID, 0,
	    "date: embedded NUL invalid");
	is_num(norm_date("01/12/2023\0", 11, "%d/%m/%Y", &out), NORM_INVALID,
	    0, "date: fmt with embedded NUL invalid");
	is_str(res(norm_date_past("8/15/67", 7, "%m/%d/%y", &out), &out),
	    "1967-08-15", "date past: %y in the future is a century earlier");
	is_str(res(norm_date_past("1/2/03", 6, "%m/%d/%y", &out), &out),
	    "2003-01-02", "date past: %y in the past kept");
	is_str(res(norm_date_past("8/15/2067", 9, "%m/%d/%Y", &out), &out),
	    "2067-08-15", "date past: a four-digit year is never moved");
	is_str(res(norm_date_past("29/02/00", 8, "%d/%m/%y", &out), &out),
	    "2000-02-29", "date past: 29/02/00 stays in 2000");
	is_str(res(norm_date_past("2067-01-01", 10, NULL, &out), &out),
	    "2067-01-01", "date past: no format, no pivot");
}

static void
test_ts(void)
{
	is_str(ts("2024-03-01T10:00:00+02:00", NULL), "2024-03-01T08:00:00Z",
	    "ts: +02:00");
	is_str(ts("2024-03-01 23:30:00-01:30", NULL), "2024-03-02T01:00:00Z",
	    "ts: -01:30 crosses midnight");
	is_str(ts("2024-03-01T00:30:00+0100", NULL), "2024-02-29T23:30:00Z",
	    "ts: +0100 back into leap day");
	is_str(ts("2024-12-31T23:00:00-02", NULL), "2025-01-01T01:00:00Z",
	    "ts: -02 crosses the year");
	is_str(ts("2024-03-01T10:00:00Z", NULL), "2024-03-01T10:00:00Z",
	    "ts: Z");
	is_str(ts("2024-03-01T10:00:00.123456Z", NULL),
	    "2024-03-01T10:00:00Z", "ts: fraction dropped");
	is_str(ts("2024-03-01 10:00", NULL), "2024-03-01T10:00:00Z",
	    "ts: no seconds, no offset");
	is_str(ts("2024-03-01 10:00:00 +0200", NULL), "2024-03-01T08:00:00Z",
	    "ts: space before offset");
	is_str(ts("20240301T100000Z", NULL), "2024-03-01T10:00:00Z",
	    "ts: basic format");
	is_str(ts("2024-03-01", NULL), "2024-03-01T00:00:00Z",
	    "ts: bare date");
	is_str(ts("1700000000", NULL), "2023-11-14T22:13:20Z",
	    "ts: epoch seconds");
	is_str(ts("1700000000999", NULL), "2023-11-14T22:13:20Z",
	    "ts: epoch ms");
	is_str(ts("-1", NULL), "(invalid)", "ts: -1 is not an epoch");
	is_str(ts("-000000000001", NULL), "1969-12-31T23:59:59Z",
	    "ts: -1 ms floors");
	is_str(ts("01/03/2024 10:00:00", "%d/%m/%Y %H:%M:%S"),
	    "2024-03-01T10:00:00Z", "ts: fmt");
	is_str(ts("01/03/2024 10:00:00 +0200", "%d/%m/%Y %H:%M:%S %z"),
	    "2024-03-01T08:00:00Z", "ts: fmt with %z");
	is_str(ts("2024-03-01T24:00:00Z", NULL), "(invalid)", "ts: hour 24");
	is_str(ts("2024-03-01T10:60:00Z", NULL), "(invalid)",
	    "ts: minute 60");
	is_str(ts("2024-03-01T10:00:00+15:00", NULL), "(invalid)",
	    "ts: offset +15");
	is_str(ts("2024-03-01T10:00:00+02:00x", NULL), "(invalid)",
	    "ts: trailing garbage");
	is_str(ts("2024-03-01T10:00:00+02:", NULL), "(invalid)",
	    "ts: offset without minutes after ':'");
	is_str(ts("2024-03-01T10:00:00+2:00", NULL), "(invalid)",
	    "ts: one-digit offset hour");
	is_str(ts("2024-02-30T10:00:00Z", NULL), "(invalid)",
	    "ts: impossible date");
	is_str(ts("9999-12-31T23:00:00-02:00", NULL), "(invalid)",
	    "ts: offset past year 9999");
	is_str(res(norm_ts_zone("2026-07-15 10:30", 16, NULL, "Europe/Paris",
	    &out), &out), "2026-07-15T08:30:00Z", "ts zone: summer time");
	is_str(res(norm_ts_zone("2026-01-15", 10, NULL, "Europe/Paris",
	    &out), &out), "2026-01-14T23:00:00Z", "ts zone: a date is local midnight");
	is_str(res(norm_ts_zone("2026-07-15 10:30+02:00", 22, NULL,
	    "America/New_York", &out), &out), "2026-07-15T08:30:00Z",
	    "ts zone: an offset written wins");
	is_str(res(norm_ts_zone("1700000000", 10, NULL, "Europe/Paris",
	    &out), &out), "2023-11-14T22:13:20Z", "ts zone: epoch is UTC");
	ok(norm_zone_known("UTC") && norm_zone_known("Europe/Paris") &&
	    !norm_zone_known("Europe/Nowhere") && !norm_zone_known("../x") &&
	    !norm_zone_known("/etc/passwd") && !norm_zone_known(""),
	    "zone known: tz names only");
}

static void
test_amount(void)
{
	static const char *const ok_[][2] = {
		{ "12,50", "12.50" }, { "12.50", "12.50" },
		{ "1 234,56", "1234.56" }, { "1.234,56", "1234.56" },
		{ "1,234.56", "1234.56" }, { "\xe2\x82\xac 12,50", "12.50" },
		{ "12.50 EUR", "12.50" }, { "-3", "-3" }, { "+4.0", "4.0" },
		{ "\xe2\x82\xac" "12.50", "12.50" }, { "$1,234,567", "1234567" },
		{ "1\xc2\xa0" "234,56 \xe2\x82\xac", "1234.56" },
		{ "1\xe2\x80\xaf" "234,56", "1234.56" },
		{ "1'234.50 CHF", "1234.50" }, { "-\xe2\x82\xac" "5", "-5" },
		{ "EUR -5,5", "-5.5" }, { ".5", "0.5" }, { "007", "7" },
		{ "-0,00", "0.00" }, { "1.234.567", "1234567" },
	};
	static const char *const bad[] = {
		"12.34.56", "abc", "1e999", "(12.00)", "1,2.3", "12 34",
		"1.234,567.89", "EUR", "-", "1,,234", "12.5.0",
		"1\xc2\xa3\xc2\xa3",
	};
	size_t i;
	char desc[80];

	for (i = 0; i < sizeof(ok_) / sizeof(ok_[0]); i++) {
		snprintf(desc, sizeof(desc), "amount: \"%s\"", ok_[i][0]);
		is_str(amount(ok_[i][0]), ok_[i][1], desc);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(desc, sizeof(desc), "amount: \"%s\" invalid", bad[i]);
		is_str(amount(bad[i]), "(invalid)", desc);
	}
	is_str(amount(" "), "(empty)", "amount: blank");
}

static void
test_bool_gender(void)
{
	static const char *const yes[] = {
		"oui", "YES", "y", "1", "true", " True ", "on", "opt-in", "Opt In",
		"granted", "O",
	};
	static const char *const no[] = {
		"non", "No", "n", "0", "false", "FALSE", "off", "optout",
		"denied",
	};
	size_t i;
	char desc[64];

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(desc, sizeof(desc), "bool: \"%s\" is 1", yes[i]);
		is_num(boolean(yes[i]), 1, 0, desc);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(desc, sizeof(desc), "bool: \"%s\" is 0", no[i]);
		is_num(boolean(no[i]), 0, 0, desc);
	}
	/* NORM_EMPTY == 1 == yes: the header's contract, reported. */
	is_num(boolean("   "), NORM_EMPTY, 0, "bool: blank");
	is_num(boolean("maybe"), NORM_INVALID, 0, "bool: maybe");
	is_num(boolean("2"), NORM_INVALID, 0, "bool: 2");
	is_num(boolean("yesyesyesyesyesyes"), NORM_INVALID, 0, "bool: long");
	is_num(norm_bool("1\0", 2), NORM_INVALID, 0, "bool: embedded NUL");

	is_str(gender("F"), "F", "gender: F");
	is_str(gender("Femme"), "F", "gender: Femme");
	is_str(gender("Mme."), "F", "gender: Mme.");
	is_str(gender("MRS"), "F", "gender: MRS");
	is_str(gender("f\xc3\xa9minin"), "F", "gender: féminin");
	is_str(gender("homme"), "M", "gender: homme");
	is_str(gender("M."), "M", "gender: M.");
	is_str(gender("Monsieur"), "M", "gender: Monsieur");
	is_str(gender("male"), "M", "gender: male");
	is_str(gender("Non-Binary"), "X", "gender: Non-Binary");
	is_str(gender("autre"), "X", "gender: autre");
	is_str(gender("unknown"), "(invalid)", "gender: unknown");
	is_str(gender(""), "(empty)", "gender: empty");
}

static void
test_country_postal_id(void)
{
	is_str(country("France"), "FR", "country: France");
	is_str(country("FRA"), "FR", "country: FRA");
	is_str(country("fr"), "FR", "country: fr");
	is_str(country("Allemagne"), "DE", "country: Allemagne");
	is_str(country("ALLEMAGNE"), "DE", "country: ALLEMAGNE");
	is_str(country("Deutschland"), "DE", "country: Deutschland");
	is_str(country("United Kingdom"), "GB", "country: United Kingdom");
	is_str(country("UK"), "GB", "country: UK");
	is_str(country("Royaume-Uni"), "GB", "country: Royaume-Uni");
	is_str(country("\xc3\x89tats-Unis"), "US", "country: États-Unis");
	is_str(country("U.S.A."), "US", "country: U.S.A.");
	is_str(country("C\xc3\xb4te d\xe2\x80\x99Ivoire"), "CI",
	    "country: Côte d’Ivoire");
	is_str(country("  espa\xc3\xb1" "a "), "ES", "country: españa");
	is_str(country("kz"), "KZ", "country: any ISO alpha-2");
	is_str(country("NZL"), "NZ", "country: any ISO alpha-3");
	is_str(country("ad"), "AD", "country: first alpha-2");
	is_str(country("zw"), "ZW", "country: last alpha-2");
	is_str(country("AND"), "AD", "country: first alpha-3");
	is_str(country("zwe"), "ZW", "country: last alpha-3");
	is_str(country("ZZ"), "(invalid)", "country: ZZ");
	is_str(country("Atlantis"), "(invalid)", "country: Atlantis");
	is_str(country(""), "(empty)", "country: empty");

	is_str(postal(" 75001 "), "75001", "postal: trimmed");
	is_str(postal("sw1a  1aa"), "SW1A 1AA", "postal: upper, collapsed");
	is_str(postal("12345-6789"), "12345-6789", "postal: ZIP+4");
	is_str(postal("75001;"), "(invalid)", "postal: punctuation");
	is_str(postal("12345678901234567"), "(invalid)", "postal: too long");
	is_str(postal("\t"), "(empty)", "postal: blank");

	is_str(id("  C-00042 "), "C-00042", "id: trimmed");
	is_str(id("a\tb"), "(invalid)", "id: control byte");
	is_str(id("\xc3"), "(invalid)", "id: invalid UTF-8");
	is_str(id(""), "(empty)", "id: empty");
}

/* Every normaliser over 1 MB of input: no crash, a sane status. */
static void
test_huge(void)
{
	size_t n = 1 << 20, i;
	char *big = malloc(n);
	int r;

	if (big == NULL)
		exit(1);
	memset(big, 'a', n);
	is_num(norm_email(big, n, &out), NORM_INVALID, 0, "huge: email");
	is_num(norm_phone(big, n, "FR", &out), NORM_INVALID, 0, "huge: phone");
	is_num(norm_name(big, n, &out, &key), NORM_OK, 0, "huge: name");
	ok(out.len == n && key.len == n, "huge: name kept whole");
	is_num(norm_date(big, n, "%d/%m/%Y", &out), NORM_INVALID, 0,
	    "huge: date");
	is_num(norm_amount(big, n, &out), NORM_INVALID, 0, "huge: amount");
	is_num(norm_country(big, n, &out), NORM_INVALID, 0, "huge: country");
	/* Accented: the utf8proc path, twice the bytes per letter. */
	for (i = 0; i + 1 < n; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	r = norm_name(big, n, &out, &key);
	is_num(r, NORM_OK, 0, "huge: accented name");
	ok(out.len == n && key.len == n / 2, "huge: accented name lengths");
	memset(big, '1', n);
	is_num(norm_phone(big, n, "FR", &out), NORM_INVALID, 0,
	    "huge: digits");
	is_num(norm_ts(big, n, NULL, &out), NORM_INVALID, 0, "huge: ts");
	free(big);
}

/* The epoch conversions agree with timegm over the whole year range. */
static void
test_epoch_range(void)
{
	char buf[32], want[16];
	struct tm tm;
	time_t t;
	int bad = 0, n = 0;

	for (t = -30610224000LL; t < 253402300800LL; t += 86400 * 97 + 3601) {
		if (t > -99999999999LL && t < 99999999999LL &&
		    (t > 99999999 || t < -99999999)) {
			snprintf(buf, sizeof(buf), "%lld", (long long)t);
			gmtime_r(&t, &tm);
			strftime(want, sizeof(want), "%Y-%m-%d", &tm);
			if (strcmp(date(buf, NULL), want) != 0)
				bad++;
			n++;
		}
	}
	ok(n > 1000 && bad == 0, "epoch: dates agree with gmtime_r");
}

int
main(void)
{
	sb_init(&out);
	sb_init(&key);
	test_email();
	test_phone();
	test_names();
	test_org();
	test_date();
	test_ts();
	test_amount();
	test_bool_gender();
	test_country_postal_id();
	test_huge();
	test_epoch_range();
	sb_release(&out);
	sb_release(&key);
	return done_testing();
}
