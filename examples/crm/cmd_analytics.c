/* crm analytics rfm | show | cluster | assoc | recommend | propensity:
 * value and behaviour analytics (include/crm/analytics.h, docs/ANALYTICS.md).
 * Shares, confidences and AUCs come from the library in basis points; this
 * file only formats them as decimals. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t field_int(const crm_record *r, const char *field)
{
    int64_t v = 0;
    crm_record_get_int(&v, r, field);
    return v;
}

static const char *field_text(const crm_record *r, const char *field)
{
    const char *v = NULL;
    crm_record_get_text(&v, r, field);
    return v ? v : "-";
}

/* Basis points as a decimal: 34200 -> "3.42", as a percentage: "342.00%". */
static void bps_decimal(char *buf, size_t size, int64_t bps)
{
    snprintf(buf, size, "%lld.%04lld", (long long)(bps / 10000), (long long)(bps % 10000));
}

static void bps_percent(char *buf, size_t size, int64_t bps)
{
    snprintf(buf, size, "%lld.%02lld%%", (long long)(bps / 100), (long long)(bps % 100));
}

/* Sets int fields from option texts given as name, option, text triples. */
static int set_ints(cli_ctx *ctx, crm_record *rec, const char *command, const char *const *triples)
{
    for (; triples[0]; triples += 3) {
        int64_t v;
        if (!triples[2])
            continue;
        int status = cli_parse_int(&v, command, triples[1], triples[2]);
        if (status)
            return status;
        int rc = crm_record_set_int(rec, triples[0], v);
        if (rc)
            return cli_fail(ctx, rc);
    }
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------- rfm */

static int load_config(cli_ctx *ctx, crm_analytics_config **out, const char *path)
{
    char *text;
    size_t len;
    *out = NULL;
    if (!path)
        return CLI_EXIT_OK;
    int status = cli_read_text(&text, &len, path, "analytics config", CLI_CONFIG_MAX);
    if (status)
        return status;
    int rc = crm_analytics_config_load(out, text, len);
    free(text);
    return rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int analytics_rfm(cli_ctx *ctx, int argc, char **argv)
{
    const char *config = NULL;
    const cli_opt opts[] = {
        {"config", "FILE", "YAML parameters: tiers, RFM window, activity (default: shipped)",
         &config, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "analytics rfm",
        .synopsis = "[--config FILE]",
        .about = "Scores every customer you see: RFM quintiles, value tier by assets under\n"
                 "management (ordinary, gold, platinum, diamond) and activity (active, dormant,\n"
                 "at_risk), stored with the time. 'crm analytics show' reads one customer's.",
        .opts = opts,
    };
    crm_analytics_config *cfg = NULL;
    crm_record *out = NULL;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    if (!(status = load_config(ctx, &cfg, config)) && !(status = cli_open(ctx, 0, true))) {
        int rc = crm_analytics_score_run(&out, ctx->db, cfg);
        status =
            rc ? cli_fail(ctx, rc)
               : cli_print_result(
                     ctx, out,
                     "scored %lld customers: ordinary %lld, gold %lld, platinum %lld, "
                     "diamond %lld; active %lld, dormant %lld, at risk %lld",
                     (long long)field_int(out, "customers"),
                     (long long)field_int(out, "tier_ordinary"),
                     (long long)field_int(out, "tier_gold"),
                     (long long)field_int(out, "tier_platinum"),
                     (long long)field_int(out, "tier_diamond"), (long long)field_int(out, "active"),
                     (long long)field_int(out, "dormant"), (long long)field_int(out, "at_risk"));
    }
    crm_record_free(out);
    crm_analytics_config_free(cfg);
    return status;
}

static int analytics_show(cli_ctx *ctx, int argc, char **argv)
{
    const char *no = NULL;
    const cli_spec spec = {
        .command = "analytics show",
        .synopsis = "CUSTOMER_NO",
        .about = "Shows a customer's stored scores: RFM, value tier, activity, cluster and\n"
                 "propensity, each with the time of its run.",
        .min_args = 1,
        .max_args = 1,
        .args = &no,
    };
    int status = cli_parse_open(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *rec = NULL;
    int rc = crm_analytics_customer_get(&rec, ctx->db, no);
    return cli_print_fetched(ctx, rc, rec);
}

/* --------------------------------------------------------------- cluster */

/* One line per cluster: "cluster 0: 412 customers; age 45.20 years, ...". */
static int print_profiles(cli_ctx *ctx, const crm_record *summary)
{
    crm_iter *it = NULL;
    const crm_record *row;
    int rc = crm_analytics_cluster_profiles(&it, ctx->db);
    if (rc)
        return cli_fail(ctx, rc);
    printf("%lld customers in %lld clusters over %s (seed %lld, %lld iterations%s)\n",
           (long long)field_int(summary, "customers"), (long long)field_int(summary, "k"),
           field_text(summary, "features"), (long long)field_int(summary, "seed"),
           (long long)field_int(summary, "iterations"),
           field_int(summary, "converged") ? ", converged" : ", not converged");
    int64_t current = -1;
    while ((rc = crm_iter_next(&row, it)) == CRM_OK) {
        if (field_int(row, "cluster") != current) {
            current = field_int(row, "cluster");
            printf("%scluster %lld: %lld customers;", current ? "\n" : "", (long long)current,
                   (long long)field_int(row, "size"));
        } else {
            putchar(',');
        }
        printf(" %s %s %s", field_text(row, "feature"), field_text(row, "mean"),
               field_text(row, "unit"));
    }
    printf("\n");
    crm_iter_free(it);
    return rc == CRM_ITER_DONE ? CLI_EXIT_OK : cli_fail(ctx, rc);
}

static int print_profiles_json(cli_ctx *ctx, const crm_record *summary)
{
    char *json = NULL;
    if (crm_record_to_json(&json, summary))
        return cli_error("out of memory");
    printf("{\"run\":%s,\"profiles\":", json);
    crm_free(json);
    crm_iter *it = NULL;
    int rc = crm_analytics_cluster_profiles(&it, ctx->db);
    int status = rc ? cli_fail(ctx, rc) : cli_print_iter(ctx, it, NULL);
    crm_iter_free(it);
    printf("}\n");
    return status;
}

static int analytics_cluster(cli_ctx *ctx, int argc, char **argv)
{
    const char *features = NULL, *k = NULL, *seed = NULL, *iterations = NULL;
    const cli_opt opts[] = {
        {"features", "LIST",
         "comma-separated: age, annual_income, total_assets, aum, products, txn_count_90d, "
         "txn_amount_90d, recency_days (default age,aum,txn_count_90d,recency_days)",
         &features, false},
        {"k", "N", "number of clusters, 2..50 (default 4)", &k, false},
        {"seed", "N", "seed of the k-means++ seeding (default 1): same seed, same clusters", &seed,
         false},
        {"max-iterations", "N", "at most this many iterations, 1..1000 (default 100)", &iterations,
         false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "analytics cluster",
        .synopsis = "[--features LIST] [--k N] [--seed N] [--max-iterations N]",
        .about = "Clusters the customers you see with k-means (k-means++ seeding) over\n"
                 "standardised features; stores each customer's cluster and prints each\n"
                 "cluster's size and feature means in their own units.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *params = NULL, *out = NULL;
    int rc = crm_record_new(&params);
    if (!rc && features)
        rc = crm_record_set_text(params, "features", features);
    status = rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
    const char *const ints[] = {
        "k", "k", k, "seed", "seed", seed, "max_iterations", "max-iterations", iterations, NULL};
    if (!status)
        status = set_ints(ctx, params, "analytics cluster", ints);
    if (!status)
        status = cli_open(ctx, 0, true);
    if (!status && (rc = crm_analytics_cluster_run(&out, ctx->db, params)))
        status = cli_fail(ctx, rc);
    if (!status)
        status = ctx->json ? print_profiles_json(ctx, out) : print_profiles(ctx, out);
    crm_record_free(out);
    crm_record_free(params);
    return status;
}

/* ----------------------------------------------------------------- assoc */

static int print_rules(crm_iter *it, int top)
{
    const crm_record *row;
    int rc, n = 0;
    printf("%-28s %-12s %9s %11s %8s\n", "ANTECEDENT", "CONSEQUENT", "SUPPORT", "CONFIDENCE",
           "LIFT");
    while ((rc = crm_iter_next(&row, it)) == CRM_OK && (top == 0 || n < top)) {
        char support[32], confidence[32], lift[32];
        bps_percent(support, sizeof support, field_int(row, "support_bps"));
        bps_percent(confidence, sizeof confidence, field_int(row, "confidence_bps"));
        bps_decimal(lift, sizeof lift, field_int(row, "lift_bps"));
        printf("%-28s %-12s %9s %11s %8.6s\n", field_text(row, "antecedent"),
               field_text(row, "consequent"), support, confidence, lift);
        n++;
    }
    return rc == CRM_OK || rc == CRM_ITER_DONE ? CRM_OK : rc;
}

static int analytics_assoc(cli_ctx *ctx, int argc, char **argv)
{
    const char *support = NULL, *confidence = NULL, *top = NULL;
    const cli_opt opts[] = {
        {"min-support-bps", "N", "least support in basis points (default 500 = 5%)", &support,
         false},
        {"min-confidence-bps", "N", "least confidence in basis points (default 1000 = 10%)",
         &confidence, false},
        {"top", "N", "print only the first N rules (all are stored)", &top, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "analytics assoc",
        .synopsis = "[--min-support-bps N] [--min-confidence-bps N] [--top N]",
        .about = "Finds association rules over the product types customers hold (Apriori):\n"
                 "support, confidence and lift, by lift. The rules are stored and drive\n"
                 "'crm analytics recommend'.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    int64_t top_n = 0;
    if (top && (status = cli_parse_int(&top_n, "analytics assoc", "top", top)))
        return status;
    crm_record *params = NULL;
    crm_iter *it = NULL;
    int rc = crm_record_new(&params);
    status = rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
    const char *const ints[] = {
        "min_support_bps",    "min-support-bps", support, "min_confidence_bps",
        "min-confidence-bps", confidence,        NULL};
    if (!status)
        status = set_ints(ctx, params, "analytics assoc", ints);
    if (!status)
        status = cli_open(ctx, 0, true);
    if (!status && (rc = crm_analytics_assoc_run(&it, ctx->db, params)))
        status = cli_fail(ctx, rc);
    if (!status)
        status = ctx->json ? cli_print_iter(ctx, it, NULL)
                           : ((rc = print_rules(it, (int)top_n)) ? cli_fail(ctx, rc) : 0);
    crm_iter_free(it);
    crm_record_free(params);
    return status;
}

static int analytics_recommend(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_column cols[] = {
        {"product_code", "PRODUCT"},
        {"product_name", "NAME"},
        {"type", "TYPE"},
        {"risk_rating", "RISK"},
        {"rule", "RULE"},
        {"confidence_bps", "CONF BPS"},
        {"lift_bps", "LIFT BPS"},
        {NULL, NULL},
    };
    const char *no = NULL, *limit = NULL;
    const cli_opt opts[] = {
        {"limit", "N", "at most N products (default 10)", &limit, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "analytics recommend",
        .synopsis = "CUSTOMER_NO [--limit N]",
        .about = "Products to offer a customer: predicted by the stored association rules from\n"
                 "what the customer holds, not held yet, on sale, and suitable (never for a\n"
                 "customer whose risk assessment is missing or expired).",
        .opts = opts,
        .min_args = 1,
        .max_args = 1,
        .args = &no,
    };
    int64_t n = 0;
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    if (limit && (status = cli_parse_int(&n, "analytics recommend", "limit", limit)))
        return status;
    if ((status = cli_open(ctx, 0, true)))
        return status;
    crm_iter *it = NULL;
    int rc = crm_analytics_recommend(&it, ctx->db, no, (int)n);
    status = rc ? cli_fail(ctx, rc) : cli_print_iter(ctx, it, cols);
    crm_iter_free(it);
    return status;
}

/* ------------------------------------------------------------ propensity */

static int print_propensity(cli_ctx *ctx, const crm_record *r)
{
    char auc[32];
    bps_decimal(auc, sizeof auc, field_int(r, "auc_bps"));
    return cli_print_result(
        ctx, r,
        "propensity to buy %s within %lld days of %s: AUC %s on %lld hold-out customers\n"
        "(%lld trained, %lld of %lld bought; seed %lld, %lld iterations); scores stored\n"
        "weights: %s",
        field_text(r, "target"), (long long)field_int(r, "horizon_days"), field_text(r, "cutoff"),
        auc, (long long)field_int(r, "test"), (long long)field_int(r, "train"),
        (long long)field_int(r, "positives"), (long long)field_int(r, "customers"),
        (long long)field_int(r, "seed"), (long long)field_int(r, "iterations"),
        field_text(r, "weights"));
}

static int analytics_propensity(cli_ctx *ctx, int argc, char **argv)
{
    const char *target = NULL, *horizon = NULL, *cutoff = NULL, *seed = NULL, *iterations = NULL;
    const cli_opt opts[] = {
        {"target", "TYPE", "product type bought (default wealth)", &target, false},
        {"horizon-days", "N", "days after the cutoff, 7..365 (default 90)", &horizon, false},
        {"cutoff", "DATE", "features before it, labels after (default: now - horizon)", &cutoff,
         false},
        {"seed", "N", "seed of the shuffle and split (default 1)", &seed, false},
        {"iterations", "N", "gradient-descent iterations (default 500)", &iterations, false},
        {NULL, NULL, NULL, NULL, false},
    };
    const cli_spec spec = {
        .command = "analytics propensity",
        .synopsis = "[--target TYPE] [--horizon-days N] [--cutoff DATE] [--seed N] "
                    "[--iterations N]",
        .about = "Trains a logistic-regression model of buying a product type within a horizon\n"
                 "after a cutoff, reports its AUC on a 30% hold-out set, and stores every\n"
                 "customer's score. Deterministic for a seed.",
        .opts = opts,
    };
    int status = cli_parse(ctx, &spec, argc, argv);
    if (status != CLI_CONTINUE)
        return status;
    crm_record *params = NULL, *out = NULL;
    int rc = crm_record_new(&params);
    const char *const texts[] = {"target", target, "cutoff", cutoff, NULL};
    if (!rc)
        rc = cli_record_set_texts(params, texts);
    status = rc ? cli_fail(ctx, rc) : CLI_EXIT_OK;
    const char *const ints[] = {"horizon_days", "horizon-days", horizon,      "seed",     "seed",
                                seed,           "iterations",   "iterations", iterations, NULL};
    if (!status)
        status = set_ints(ctx, params, "analytics propensity", ints);
    if (!status)
        status = cli_open(ctx, 0, true);
    if (!status && (rc = crm_analytics_propensity_run(&out, ctx->db, params)))
        status = cli_fail(ctx, rc);
    if (!status)
        status = print_propensity(ctx, out);
    crm_record_free(out);
    crm_record_free(params);
    return status;
}

static const cli_command analytics_subcommands[] = {
    {"rfm", "score RFM, value tiers and activity for every customer", analytics_rfm},
    {"show", "a customer's stored scores", analytics_show},
    {"cluster", "k-means clusters with readable profiles", analytics_cluster},
    {"assoc", "association rules over product types held", analytics_assoc},
    {"recommend", "suitable products to offer a customer", analytics_recommend},
    {"propensity", "train a propensity model, print its AUC, store scores", analytics_propensity},
    {NULL, NULL, NULL},
};

int cmd_analytics(cli_ctx *ctx, int argc, char **argv)
{
    static const cli_group group = {
        "analytics",
        "Value and behaviour analytics over the customers you see: RFM, value tiers, activity,\n"
        "k-means clusters, cross-sell rules and recommendations, propensity models. Runs are\n"
        "deterministic and store one row of scores per customer.",
        analytics_subcommands};
    return cli_dispatch(ctx, &group, argc, argv);
}
