/*
 * t-csvw.c - unit tests for the CSV writer (common/io/csv_writer.c):
 * numbers without float noise or exponents, money to the cent, the
 * decimal comma, quoting against the delimiter in use, CRLF and the BOM,
 * byte for byte.
 */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "io/csv_writer.h"
#include "tap.h"

static const char *
num(double v, int dec)
{
	static char buf[CSVW_NUMLEN];

	csvw_format_double(buf, v, dec);
	return buf;
}

static void
numbers(void)
{
	is_str(num(5162.099999999999, '.'), "5162.1", "float noise gone");
	is_str(num(494.71999999999997, '.'), "494.72", "a sum's noise gone");
	is_str(num(0.1 + 0.2, '.'), "0.3", "0.1 + 0.2");
	is_str(num(2.75e-06, '.'), "0.00000275", "no exponent, small");
	is_str(num(-2.75e-06, '.'), "-0.00000275", "no exponent, negative");
	is_str(num(1e20, '.'), "100000000000000000000", "no exponent, large");
	is_str(num(1.5e16, '.'), "15000000000000000", "no exponent, 1.5e16");
	is_str(num(123456.789, '.'), "123456.789", "plain");
	is_str(num(252.85714285714286, '.'), "252.857142857143",
	    "15 significant digits");
	is_str(num(3, '.'), "3", "an integral double");
	is_str(num(-0.0, '.'), "0", "negative zero");
	is_str(num(1234.5, ','), "1234,5", "decimal comma");
	is_str(num(2.75e-06, ','), "0,00000275", "decimal comma, small");
	ok(strlen(num(DBL_MIN, '.')) < CSVW_NUMLEN, "DBL_MIN fits");
	ok(strlen(num(4.9e-324, '.')) < CSVW_NUMLEN, "a denormal fits");
	ok(strchr(num(DBL_MAX, '.'), 'e') == NULL, "DBL_MAX in full");
}

/* The bytes a writer set up by fn writes for one row of fields. */
static const char *
row(void (*fn)(struct csvw *), int delim)
{
	static char *buf;
	static size_t len;
	struct csvw w;
	FILE *f;

	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	csvw_init(&w, f, delim);
	if (fn != NULL)
		fn(&w);
	csvw_str(&w, "Théo");
	csvw_str(&w, "NOËL; Jr");
	csvw_double(&w, 5162.099999999999);
	csvw_fixed(&w, 494.71999999999997, 2);
	csvw_fixed(&w, 81.7, 2);
	csvw_fixed(&w, -0.001, 2);
	csvw_round(&w, 2.75e-06, 6);
	csvw_round(&w, 252.85714285714286, 6);
	csvw_round(&w, -0.0000001, 6);
	csvw_end(&w);
	csvw_str(&w, "a,b");
	csvw_end(&w);
	csvw_flush(&w);
	csvw_release(&w);
	fclose(f);
	return buf;
}

static void
excel(struct csvw *w)
{
	csvw_bom(w);
	csvw_crlf(w, 1);
	csvw_decimal(w, ',');
}

static void
rows(void)
{
	is_str(row(NULL, ','), "Théo,NOËL; Jr,5162.1,494.72,81.70,0.00,"
	    "0.000003,252.857143,0\n"
	    "\"a,b\"\n", "plain CSV");
	is_str(row(excel, ';'), "\xef\xbb\xbfThéo;\"NOËL; Jr\";5162,1;"
	    "494,72;81,70;0,00;0,000003;252,857143;0\r\na,b\r\n", "Excel in French: BOM, ';', "
	    "CRLF, decimal comma");
}

int
main(void)
{
	numbers();
	rows();
	return done_testing();
}
