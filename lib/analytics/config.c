/* Parameters of value scoring: value-tier thresholds, the RFM window and the
 * activity definitions, as YAML with compiled-in defaults. */
#include "analytics/analytics_int.h"

#include <string.h>

const char *const crmi_value_tiers[4] = {"ordinary", "gold", "platinum", "diamond"};

static const char default_config[] =
    "# libcrm analytics parameters (docs/ANALYTICS.md). Money in yuan.\n"
    "value_tiers:          # the lowest assets under management of each tier\n"
    "  gold: 50000\n"
    "  platinum: 500000\n"
    "  diamond: 6000000\n"
    "rfm:\n"
    "  window_days: 365    # recency, frequency and monetary over this window\n"
    "activity:\n"
    "  dormant_days: 180   # no transaction for this long: dormant\n"
    "  at_risk:            # compare the last window with the one before\n"
    "    window_days: 90\n"
    "    balance_drop_percent: 30   # asset balances fell at least this much\n"
    "    min_balance_yuan: 10000    # ... from at least this much\n"
    "    activity_drop_percent: 50  # or count and amount both fell this much\n"
    "    min_previous_txns: 6       # ... from at least this many transactions\n";

CRM_EXTERN(const char *) crm_analytics_config_default(void)
{
    return default_config;
}

#define WHAT "analytics config"

static int parse_tiers(crm_analytics_config *c, const crmi_value *root)
{
    const crmi_value *tiers = crmi_yaml_member(root, "value_tiers");
    int rc = CRM_OK;
    for (int i = 0; !rc && i < 3; i++)
        rc = crmi_yaml_int(tiers, WHAT ": value_tiers", crmi_value_tiers[i + 1], 1, INT64_MAX / 100,
                           &c->tier_min_yuan[i]);
    for (int i = 1; !rc && i < 3; i++)
        if (c->tier_min_yuan[i] <= c->tier_min_yuan[i - 1])
            rc = crmi_error_thread(CRM_E_INVALID_DATA,
                                   WHAT ": value_tiers: %s (%lld) must be above %s (%lld)",
                                   crmi_value_tiers[i + 1], (long long)c->tier_min_yuan[i],
                                   crmi_value_tiers[i], (long long)c->tier_min_yuan[i - 1]);
    return rc;
}

static int parse_activity(crm_analytics_config *c, const crmi_value *root)
{
    const crmi_value *act = crmi_yaml_member(root, "activity");
    const crmi_value *risk = crmi_yaml_member(act, "at_risk");
    int rc = crmi_yaml_int(act, WHAT ": activity", "dormant_days", 1, 3650, &c->dormant_days);
    if (!rc)
        rc = crmi_yaml_int(risk, WHAT ": at_risk", "window_days", 7, 365, &c->at_risk_window_days);
    if (!rc)
        rc = crmi_yaml_int(risk, WHAT ": at_risk", "balance_drop_percent", 1, 100,
                           &c->balance_drop_percent);
    if (!rc)
        rc = crmi_yaml_int(risk, WHAT ": at_risk", "min_balance_yuan", 0, INT64_MAX / 100,
                           &c->min_balance_yuan);
    if (!rc)
        rc = crmi_yaml_int(risk, WHAT ": at_risk", "activity_drop_percent", 1, 100,
                           &c->activity_drop_percent);
    if (!rc)
        rc = crmi_yaml_int(risk, WHAT ": at_risk", "min_previous_txns", 1, 100000,
                           &c->min_previous_txns);
    return rc;
}

/* Keys are read onto `c` as it stands, so the defaults fill what is left out. */
static int parse_onto(crm_analytics_config *c, const char *text, size_t len)
{
    crmi_arena arena = {0};
    crmi_value root;
    int rc = crmi_yaml_parse(&root, &arena, text, len, WHAT);
    if (!rc)
        rc = parse_tiers(c, &root);
    if (!rc)
        rc = crmi_yaml_int(crmi_yaml_member(&root, "rfm"), WHAT ": rfm", "window_days", 7, 3650,
                           &c->rfm_window_days);
    if (!rc)
        rc = parse_activity(c, &root);
    crmi_arena_free(&arena);
    return rc;
}

CRM_EXTERN(int) crm_analytics_config_load(crm_analytics_config **out, const char *text, size_t len)
{
    crmi_error_clear(NULL);
    if (!out || !text)
        return crmi_error_thread(CRM_E_INVALID_ARG, WHAT ": NULL argument");
    crm_analytics_config *c = crmi_calloc(1, sizeof *c);
    if (!c)
        return crmi_error_thread(CRM_E_NOMEM, WHAT ": out of memory");
    int rc = parse_onto(c, default_config, sizeof default_config - 1);
    if (!rc)
        rc = parse_onto(c, text, len);
    if (rc) {
        crm_free(c);
        return rc;
    }
    *out = c;
    return CRM_OK;
}

CRM_EXTERN(void) crm_analytics_config_free(crm_analytics_config *config)
{
    crm_free(config);
}

int crmi_analytics_config_default(crm_analytics_config **out)
{
    return crm_analytics_config_load(out, default_config, sizeof default_config - 1);
}
