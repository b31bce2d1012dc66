/*
 * html.c - pages, tables and SVG charts of cdp-report; see html.h.
 *
 * Contrast: text #1b1b1b and links #0b4f8a on white, bars #1f5f99 with
 * white gaps, all above the 4.5:1 of WCAG AA; nothing is said by colour
 * alone (every chart has its table).
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv_writer.h"
#include "report/html.h"

static const struct {
	const char *key, *en, *fr;
} labels[] = {
	{ "overview", "Overview", "Vue d'ensemble" },
	{ "datamap", "Data map", "Cartographie des données" },
	{ "identity", "Identity", "Identité" },
	{ "scores", "Scores", "Scores" },
	{ "segments", "Segments", "Segments" },
	{ "customer", "Customer", "Client" },
	{ "report", "cdp report", "Rapport cdp" },
	{ "generated", "Generated", "Généré le" },
	{ "nav", "Pages of the report", "Pages du rapport" },
	{ "profiles", "Profiles", "Profils" },
	{ "records", "Records", "Enregistrements" },
	{ "sources", "Sources", "Sources" },
	{ "rejects", "Rejects", "Rejets" },
	{ "source", "Source", "Source" },
	{ "format", "Format", "Format" },
	{ "last_run", "Last run", "Dernière exécution" },
	{ "day", "Day", "Jour" },
	{ "value", "Value", "Valeur" },
	{ "count", "Count", "Nombre" },
	{ "tool", "Tool", "Outil" },
	{ "started", "Started", "Début" },
	{ "outcome", "Outcome", "Résultat" },
	{ "rows_in", "Read", "Lus" },
	{ "rows_read", "Rows stored over runs",
	    "Lignes enregistrées (cumul)" },
	{ "rows_ok", "Kept", "Gardés" },
	{ "vol_day", "Records ingested per day",
	    "Enregistrements collectés par jour" },
	{ "src_table", "Sources: volumes and rejects",
	    "Sources : volumes et rejets" },
	{ "last_runs", "Last runs", "Dernières exécutions" },
	{ "anomalies", "Anomalies (what cdp-status finds)",
	    "Anomalies (ce que cdp-status relève)" },
	{ "no_anomaly", "No anomaly.", "Aucune anomalie." },
	{ "kind", "Kind", "Type" },
	{ "evidence", "Evidence", "Constat" },
	{ "growth", "New profiles per day", "Nouveaux profils par jour" },
	{ "field", "Field", "Champ" },
	{ "type", "Type", "Type" },
	{ "fill", "Fill %", "Remplissage %" },
	{ "distinct", "Distinct", "Distincts" },
	{ "top", "Top values (personal data masked)",
	    "Valeurs fréquentes (données personnelles masquées)" },
	{ "rec_per_prof", "Records per profile", "Enregistrements par profil" },
	{ "links_kind", "Links by kind", "Liens par type" },
	{ "merge_time", "Merges, splits and refusals per day",
	    "Fusions, séparations et refus par jour" },
	{ "action", "Action", "Action" },
	{ "refusals", "Refused links", "Liens refusés" },
	{ "merges", "Merges", "Fusions" },
	{ "splits", "Splits", "Séparations" },
	{ "new_profiles", "New profiles", "Nouveaux profils" },
	{ "links", "Links", "Liens" },
	{ "rfm_grid", "RFM grid: profiles, and their average spend, per cell "
	    "(recency R by frequency F, 5 the best)",
	    "Grille RFM : profils, et leur dépense moyenne, par case "
	    "(récence R par fréquence F, 5 la meilleure)" },
	{ "avg", "avg", "moy." },
	{ "datamap_note", "Fields without a prefix are cdp's own fields, "
	    "normalised (e-mails lower-cased, phones in international form, "
	    "dates in ISO 8601); attr. fields are the source's fields as it "
	    "sent them.",
	    "Les champs sans préfixe sont ceux de cdp, normalisés (e-mails en "
	    "minuscules, téléphones au format international, dates ISO "
	    "8601) ; les champs attr. sont ceux de la source, tels qu'elle "
	    "les a envoyés." },
	{ "no_clv", "No lifetime value yet: cdp-score computes it once its "
	    "model fits the purchase history (enough customers who bought "
	    "more than once).",
	    "Pas encore de valeur vie client : cdp-score la calcule quand son "
	    "modèle s'ajuste à l'historique d'achats (assez de clients ayant "
	    "acheté plus d'une fois)." },
	{ "rfm_seg", "Profiles per RFM segment", "Profils par segment RFM" },
	{ "clv_dist", "Customer lifetime value", "Valeur vie client" },
	{ "hist", "Distribution", "Distribution" },
	{ "no_scores", "No scores yet: run cdp-score.",
	    "Pas encore de scores : lancez cdp-score." },
	{ "recency", "Recency", "Récence" },
	{ "frequency", "Frequency", "Fréquence" },
	{ "segment", "Segment", "Segment" },
	{ "definition", "Definition", "Définition" },
	{ "size", "Size", "Taille" },
	{ "evaluated", "Evaluated", "Évalué le" },
	{ "size_time", "Size after each evaluation",
	    "Taille après chaque évaluation" },
	{ "enter_exit", "Entered and exited per evaluation",
	    "Entrées et sorties par évaluation" },
	{ "run", "Run", "Exécution" },
	{ "entered", "Entered", "Entrées" },
	{ "exited", "Exited", "Sorties" },
	{ "overlap", "Overlap: profiles in both segments",
	    "Recouvrement : profils dans les deux segments" },
	{ "no_segments", "No segments yet: define one with cdp-segment.",
	    "Pas encore de segment : définissez-en un avec cdp-segment." },
	{ "who", "Who", "Coordonnées" },
	{ "consents", "Consents", "Consentements" },
	{ "purpose", "Purpose", "Finalité" },
	{ "granted", "Granted", "Accordé" },
	{ "denied", "Denied", "Refusé" },
	{ "since", "Since", "Depuis" },
	{ "purchases", "Purchases", "Achats" },
	{ "date", "Date", "Date" },
	{ "amount", "Amount", "Montant" },
	{ "timeline", "Latest events", "Derniers événements" },
	{ "event", "Event", "Événement" },
	{ "member_of", "Segments", "Segments" },
	{ "none", "None.", "Aucun." },
	{ "email", "E-mail", "E-mail" },
	{ "phone", "Phone", "Téléphone" },
	{ "first_name", "First name", "Prénom" },
	{ "last_name", "Last name", "Nom" },
	{ "birth_date", "Birth date", "Date de naissance" },
	{ "street", "Street", "Rue" },
	{ "postal_code", "Postal code", "Code postal" },
	{ "city", "City", "Ville" },
	{ "country", "Country", "Pays" },
	{ "customer_id", "Customer id", "Identifiant client" },
	{ "loyalty_id", "Loyalty card", "Carte de fidélité" },
	{ "first_seen", "First seen", "Vu la première fois" },
	{ "last_seen", "Last seen", "Vu la dernière fois" },
	{ "profile_id", "Profile", "Profil" },
	{ "table_of", "The numbers of the chart", "Les chiffres du graphique" },
	{ "empty", "No data yet.", "Pas encore de données." },
	{ "total", "Total", "Total" },
	/* The built-in scores (cdp-score(1)), by "sc_" and their name. */
	{ "sc_recency_days", "Days since the last purchase",
	    "Jours depuis le dernier achat" },
	{ "sc_frequency", "Days with a purchase", "Jours avec un achat" },
	{ "sc_orders", "Orders", "Commandes" },
	{ "sc_monetary", "Total spent", "Total dépensé" },
	{ "sc_aov", "Average order value", "Panier moyen" },
	{ "sc_first_purchase", "First purchase", "Premier achat" },
	{ "sc_last_purchase", "Last purchase", "Dernier achat" },
	{ "sc_tenure_days", "Days since the first contact",
	    "Jours depuis le premier contact" },
	{ "sc_purchases_30d", "Purchases in the last 30 days",
	    "Achats des 30 derniers jours" },
	{ "sc_purchases_90d", "Purchases in the last 90 days",
	    "Achats des 90 derniers jours" },
	{ "sc_purchases_365d", "Purchases in the last 365 days",
	    "Achats des 365 derniers jours" },
	{ "sc_engagement", "Events in the last 90 days",
	    "Événements des 90 derniers jours" },
	{ "sc_preferred_source", "Preferred channel", "Canal préféré" },
	{ "sc_rfm_r", "Recency score (1 to 5)", "Note de récence (1 à 5)" },
	{ "sc_rfm_f", "Frequency score (1 to 5)",
	    "Note de fréquence (1 à 5)" },
	{ "sc_rfm_m", "Spending score (1 to 5)", "Note de dépense (1 à 5)" },
	{ "sc_rfm", "RFM code", "Code RFM" },
	{ "sc_rfm_segment", "RFM segment", "Segment RFM" },
	{ "sc_clv_x", "Repeat purchases (lifetime value model)",
	    "Achats répétés (modèle de valeur vie)" },
	{ "sc_clv_tx", "Weeks from first to last purchase (lifetime value "
	    "model)", "Semaines du premier au dernier achat (modèle de valeur "
	    "vie)" },
	{ "sc_clv_t", "Weeks since the first purchase (lifetime value model)",
	    "Semaines depuis le premier achat (modèle de valeur vie)" },
	{ "sc_p_alive", "Probability of being still active",
	    "Probabilité d'être encore actif" },
	{ "sc_expected_purchases", "Expected purchases", "Achats attendus" },
	{ "sc_expected_spend", "Expected spend per purchase",
	    "Dépense attendue par achat" },
	{ "sc_clv", "Customer lifetime value", "Valeur vie client" },
	/* The catalog's observed types (catalog/value_shape.h), by "ty_". */
	{ "ty_string", "string", "texte" },
	{ "ty_integer", "integer", "entier" },
	{ "ty_number", "number", "nombre" },
	{ "ty_boolean", "boolean", "booléen" },
	{ "ty_date", "date", "date" },
	{ "ty_email", "email", "e-mail" },
	{ "ty_phone", "phone", "téléphone" },
	{ "ty_object", "object", "objet" },
	{ "ty_array", "array", "liste" },
	{ "ty_null", "null", "vide" },
	/* The kinds of anomaly (status/anomaly.h), by "an_". */
	{ "an_failed", "Failed run", "Exécution en échec" },
	{ "an_identity", "Identity resolution behind",
	    "Résolution d'identité en retard" },
	{ "an_bulk_load", "Bulk load interrupted",
	    "Chargement en masse interrompu" },
	{ "an_reject_rate", "Many rejects", "Beaucoup de rejets" },
	{ "an_volume_low", "Low volume", "Volume bas" },
	{ "an_volume_high", "High volume", "Volume haut" },
	{ "an_stale", "Missed delivery", "Livraison manquée" },
	{ "an_drift", "Fields changed", "Champs modifiés" },
	{ "an_segment_jump", "Segment size jump", "Saut de taille de segment" },
};

const char *
rh_label(const struct rh *h, const char *prefix, const char *name)
{
	size_t i, n = strlen(prefix);

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strncmp(labels[i].key, prefix, n) == 0 &&
		    strcmp(labels[i].key + n, name) == 0)
			return h->lang == RH_FR ? labels[i].fr : labels[i].en;
	return name;
}

const char *
rh_score(const struct rh *h, const char *name)
{
	return rh_label(h, "sc_", name);
}

int
rh_lang_from_env(void)
{
	const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" }, *v = NULL;
	size_t i;

	for (i = 0; i < 3 && (v == NULL || *v == '\0'); i++)
		v = getenv(vars[i]);
	return v != NULL && strncmp(v, "fr", 2) == 0 &&
	    (v[2] == '\0' || v[2] == '_' || v[2] == '.' || v[2] == '@') ?
	    RH_FR : RH_EN;
}

void
rh_open(struct rh *h, FILE *f, int lang)
{
	h->f = f;
	h->lang = lang;
	h->nchart = 0;
}

const char *
rh_t(const struct rh *h, const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].key, key) == 0)
			return h->lang == RH_FR ? labels[i].fr : labels[i].en;
	return key;
}

void
rh_esc(struct rh *h, const char *s)
{
	if (s == NULL)
		return;
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&':
			fputs("&amp;", h->f);
			break;
		case '<':
			fputs("&lt;", h->f);
			break;
		case '>':
			fputs("&gt;", h->f);
			break;
		case '"':
			fputs("&quot;", h->f);
			break;
		case '\'':
			fputs("&#39;", h->f);
			break;
		default:
			putc(*s, h->f);
		}
}

void
rh_printf(struct rh *h, const char *fmt, ...)
{
	va_list ap;
	char s[2048];

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	rh_esc(h, s);
}

void
rh_raw(struct rh *h, const char *s)
{
	fputs(s, h->f);
}

static const char style[] =
"*{box-sizing:border-box}"
"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',"
"sans-serif;color:#1b1b1b;background:#fff;margin:0;line-height:1.45}"
"header{background:#12324f;color:#fff;padding:.8rem 1.5rem}"
"header p{margin:0;font-weight:600;font-size:1.1rem}"
"nav ul{list-style:none;margin:.5rem 0 0;padding:0;display:flex;"
"flex-wrap:wrap;gap:.3rem 1.2rem}"
"nav a{color:#fff;text-decoration:underline}"
"nav a[aria-current=page]{font-weight:700;text-decoration:none;"
"border-bottom:3px solid #ffd166}"
"main{padding:1rem 1.5rem 2rem;max-width:72rem}"
"h1{font-size:1.6rem;margin:.3rem 0 1rem}"
"h2{font-size:1.25rem;margin:2rem 0 .6rem;border-bottom:1px solid #c8c8c8}"
"a{color:#0b4f8a}"
".kpis{display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0}"
".kpis div{border:1px solid #c8c8c8;border-radius:6px;padding:.6rem 1rem;"
"min-width:9rem}"
".kpis dt{font-size:.9rem;color:#444}"
".kpis dd{margin:0;font-size:1.5rem;font-weight:700}"
"table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.95rem}"
"caption{text-align:left;font-weight:600;padding:.3rem 0}"
"th,td{border:1px solid #c8c8c8;padding:.25rem .6rem;text-align:left;"
"vertical-align:top}"
"th{background:#eef2f6}"
"td.n{text-align:right;font-variant-numeric:tabular-nums}"
"figure{margin:1rem 0 1.5rem}"
"figure.chart{display:flex;flex-wrap:wrap;gap:.5rem 2rem;"
"align-items:flex-start}"
"figcaption{font-weight:600;margin-bottom:.3rem;flex-basis:100%}"
"figure.chart table{margin:0}"
".sr{position:absolute;width:1px;height:1px;overflow:hidden;"
"clip:rect(0 0 0 0);white-space:nowrap}"
"svg{max-width:100%;height:auto}"
"svg text{font-size:12px;fill:#1b1b1b}"
"details{margin:.3rem 0}"
"summary{cursor:pointer;color:#0b4f8a}"
"footer{color:#444;font-size:.85rem;padding:0 1.5rem 1.5rem}"
"@media print{header nav,summary{display:none}"
"details>*{display:block}header{background:#fff;color:#000}"
"a{color:#000}h2{break-after:avoid}figure,table{break-inside:avoid}}";

static const struct {
	const char *file, *key;
} pages[] = {
	{ "index.html", "overview" },
	{ "datamap.html", "datamap" },
	{ "identity.html", "identity" },
	{ "scores.html", "scores" },
	{ "segments.html", "segments" },
};

void
rh_begin(struct rh *h, const char *page, const char *title)
{
	size_t i;

	fprintf(h->f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>", h->lang == RH_FR ? "fr" : "en");
	rh_esc(h, title);
	rh_raw(h, " — ");
	rh_esc(h, rh_t(h, "report"));
	fprintf(h->f, "</title>\n<style>%s</style>\n</head>\n<body>\n"
	    "<header>\n<p>", style);
	rh_esc(h, rh_t(h, "report"));
	rh_raw(h, "</p>\n<nav aria-label=\"");
	rh_esc(h, rh_t(h, "nav"));
	rh_raw(h, "\"><ul>\n");
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		fprintf(h->f, "<li><a href=\"%s\"%s>", pages[i].file,
		    strcmp(page, pages[i].file) == 0 ?
		    " aria-current=\"page\"" : "");
		rh_esc(h, rh_t(h, pages[i].key));
		rh_raw(h, "</a></li>\n");
	}
	rh_raw(h, "</ul></nav>\n</header>\n<main>\n<h1>");
	rh_esc(h, title);
	rh_raw(h, "</h1>\n");
}

void
rh_time(struct rh *h, const char *iso)
{
	static const char *en[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *fr[] = { "janv.", "févr.", "mars", "avr.", "mai",
	    "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc." };
	int y, mo, d, hh, mi, n = 0;

	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &hh, &mi,
	    &n) != 5 || n != 16 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    hh > 23 || mi > 59) {
		rh_esc(h, iso);
		return;
	}
	rh_raw(h, "<time datetime=\"");
	rh_esc(h, iso);
	rh_raw(h, "\">");
	rh_printf(h, "%d %s %04d %02d:%02d UTC", d,
	    h->lang == RH_FR ? fr[mo - 1] : en[mo - 1], y, hh, mi);
	rh_raw(h, "</time>");
}

void
rh_end(struct rh *h)
{
	char now[32];

	now_iso(now, sizeof(now));
	rh_raw(h, "</main>\n<footer><p>");
	rh_esc(h, rh_t(h, "generated"));
	rh_raw(h, " ");
	rh_time(h, now);
	rh_printf(h, ", cdp %s", CDP_VERSION);
	rh_raw(h, "</p></footer>\n</body>\n</html>\n");
}

void
rh_h2(struct rh *h, const char *s)
{
	rh_raw(h, "<h2>");
	rh_esc(h, s);
	rh_raw(h, "</h2>\n");
}

void
rh_kpis(struct rh *h, const char *const *l, const char *const *v, size_t n)
{
	size_t i;

	rh_raw(h, "<dl class=\"kpis\">\n");
	for (i = 0; i < n; i++) {
		rh_raw(h, "<div><dt>");
		rh_esc(h, l[i]);
		rh_raw(h, "</dt><dd>");
		rh_esc(h, v[i]);
		rh_raw(h, "</dd></div>\n");
	}
	rh_raw(h, "</dl>\n");
}

void
rh_table_begin(struct rh *h, const char *caption, const char *const *heads,
    size_t n)
{
	size_t i;

	rh_raw(h, "<table>\n");
	/* The caption repeats the heading above: read, not shown. */
	if (caption != NULL) {
		rh_raw(h, "<caption class=\"sr\">");
		rh_esc(h, caption);
		rh_raw(h, "</caption>\n");
	}
	rh_raw(h, "<thead><tr>");
	for (i = 0; i < n; i++) {
		rh_raw(h, "<th scope=\"col\">");
		rh_esc(h, heads[i]);
		rh_raw(h, "</th>");
	}
	rh_raw(h, "</tr></thead>\n<tbody>\n");
}

void
rh_tr(struct rh *h)
{
	rh_raw(h, "<tr>");
}

void
rh_td(struct rh *h, const char *s)
{
	rh_raw(h, "<td>");
	rh_esc(h, s);
	rh_raw(h, "</td>");
}

void
rh_td_num(struct rh *h, const char *s)
{
	rh_raw(h, "<td class=\"n\">");
	rh_esc(h, s);
	rh_raw(h, "</td>");
}

void
rh_tr_end(struct rh *h)
{
	rh_raw(h, "</tr>\n");
}

void
rh_table_end(struct rh *h)
{
	rh_raw(h, "</tbody>\n</table>\n");
}

const char *
rh_num(const struct rh *h, double v, char *buf)
{
	char *p;

	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, 64, "%.0f", v);
	else {
		snprintf(buf, 64, "%.2f", v);
		if (h->lang == RH_FR && (p = strchr(buf, '.')) != NULL)
			*p = ',';
	}
	return buf;
}

#define BAR_H	18	/* a bar's height, px */
#define GAP	6	/* between bars */
#define LABEL_W	170	/* the labels' column */
#define PLOT_W	420	/* the longest bar */

void
rh_bars(struct rh *h, const char *title, const char *dim, const char *unit,
    char *const *lab, const double *val, char *const *texts, size_t n)
{
	double max = 0;
	size_t i;
	int id = ++h->nchart, height = (int)n * (BAR_H + GAP) + GAP;
	char num[64];

	fprintf(h->f, "<figure class=\"chart\" aria-labelledby=\"c%d\">\n"
	    "<figcaption id=\"c%d\">", id, id);
	rh_esc(h, title);
	rh_raw(h, "</figcaption>\n");
	if (n == 0) {
		rh_raw(h, "<p>");
		rh_esc(h, rh_t(h, "empty"));
		rh_raw(h, "</p>\n</figure>\n");
		return;
	}
	for (i = 0; i < n; i++)
		if (val[i] > max)
			max = val[i];
	fprintf(h->f, "<svg role=\"img\" aria-labelledby=\"c%d\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", id,
	    LABEL_W + PLOT_W + 90, height, LABEL_W + PLOT_W + 90, height);
	for (i = 0; i < n; i++) {
		int y = GAP + (int)i * (BAR_H + GAP);
		double w = max > 0 && val[i] > 0 ? PLOT_W * val[i] / max : 0;

		fprintf(h->f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		    LABEL_W - 6, y + BAR_H - 5);
		rh_esc(h, lab[i]);
		fprintf(h->f, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" "
		    "height=\"%d\" fill=\"#1f5f99\"/><text x=\"%.1f\" y=\"%d\">",
		    LABEL_W, y, w < 1 && val[i] > 0 ? 1 : w, BAR_H,
		    LABEL_W + w + 4, y + BAR_H - 5);
		rh_esc(h, texts != NULL && texts[i] != NULL ? texts[i] :
		    rh_num(h, val[i], num));
		rh_raw(h, "</text>\n");
	}
	rh_raw(h, "</svg>\n");
	rh_raw(h, "<table class=\"chart-data\">\n<caption class=\"sr\">");
	rh_esc(h, title);
	rh_raw(h, "</caption>\n<thead><tr><th scope=\"col\">");
	rh_esc(h, dim);
	rh_raw(h, "</th><th scope=\"col\">");
	rh_esc(h, unit);
	rh_raw(h, "</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		rh_raw(h, "<tr><th scope=\"row\">");
		rh_esc(h, lab[i]);
		rh_raw(h, "</th>");
		rh_td_num(h, texts != NULL && texts[i] != NULL ? texts[i] :
		    rh_num(h, val[i], num));
		rh_raw(h, "</tr>\n");
	}
	rh_raw(h, "</tbody>\n</table>\n</figure>\n");
}
