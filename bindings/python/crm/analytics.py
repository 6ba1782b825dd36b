"""Value and behaviour analytics (include/crm/analytics.h, docs/ANALYTICS.md).

Adds ``db.analytics`` to every :class:`crm.Database`::

    summary = db.analytics.score()              # RFM, value tiers, activity
    db.analytics.customer("C001")["value_tier"]  # 'gold'
    run = db.analytics.cluster(features="age,aum,recency_days", k=4, seed=7)
    for p in db.analytics.cluster_profiles(): print(p["cluster"], p["feature"], p["mean"])
    rules = list(db.analytics.assoc())           # by lift
    offers = list(db.analytics.recommend("C001", limit=5))
    model = db.analytics.propensity(target="wealth", seed=1)
    model["auc_bps"] / 10000                     # the hold-out AUC

    params = crm.AnalyticsConfig("value_tiers: {gold: 100000}")
    db.analytics.score(config=params)

Shares, confidences, lifts and probabilities are int basis points (1/10000).
"""

from ctypes import POINTER, byref, c_char_p, c_int, c_size_t, c_void_p

from ._ffi import C, _declare, text_arg
from .database import _DB, _Part, register_part
from .errors import check
from .rule import _Owned, _utf8

_out = POINTER(c_void_p)

ANALYTICS = [
    ("crm_analytics_config_default", c_char_p, []),
    ("crm_analytics_config_load", c_int, [_out, c_char_p, c_size_t]),
    ("crm_analytics_config_free", None, [c_void_p]),
    ("crm_analytics_score_run", c_int, [_out, c_void_p, c_void_p]),
    ("crm_analytics_customer_get", c_int, [_out, c_void_p, c_char_p]),
    ("crm_analytics_cluster_run", c_int, [_out, c_void_p, c_void_p]),
    ("crm_analytics_cluster_profiles", c_int, [_out, c_void_p]),
    ("crm_analytics_assoc_run", c_int, [_out, c_void_p, c_void_p]),
    ("crm_analytics_recommend", c_int, [_out, c_void_p, c_char_p, c_int]),
    ("crm_analytics_propensity_run", c_int, [_out, c_void_p, c_void_p]),
]

_declare(ANALYTICS)


class AnalyticsConfig(_Owned):
    """Parameters of value scoring (crm_analytics_config) from YAML or JSON
    text; keys left out keep the shipped defaults. Immutable."""

    _what = "analytics config"

    def __init__(self, text):
        data = _utf8(text, "analytics config")
        out = c_void_p()
        check(C.crm_analytics_config_load(byref(out), data, len(data)))
        self._own(out.value, C.crm_analytics_config_free)

    @property
    def _as_parameter_(self):
        return c_void_p(self._live())

    @staticmethod
    def default_text():
        """The shipped parameters as YAML text."""
        return C.crm_analytics_config_default().decode("utf-8")


def _params(**values):
    """The keyword values that are not None, as a Record (or None when empty)."""
    from .record import as_record

    given = {name: value for name, value in values.items() if value is not None}
    return as_record(given)[0] if given else None


class Analytics(_Part):
    """db.analytics: runs over the customers the actor sees, and their stored scores."""

    def _run_record(self, fn, params):
        try:
            return self._db._get_record(fn, _DB, params._as_parameter_ if params else None)
        finally:
            if params is not None:
                params.close()

    def score(self, config=None):
        """Scores RFM, value tier and activity for every visible customer;
        returns the summary (customers, tier_* and activity counts)."""
        return self._db._get_record(C.crm_analytics_score_run, _DB,
                                    config._as_parameter_ if config is not None else None)

    def customer(self, customer_no):
        """The stored scores of one customer (dict)."""
        return self._db._get_record(C.crm_analytics_customer_get, _DB,
                                    text_arg(customer_no, "customer_no"))

    def cluster(self, features=None, k=None, seed=None, max_iterations=None):
        """k-means over standardised features (a comma-separated str or a
        list of names); deterministic for a seed. Returns the run's summary."""
        if features is not None and not isinstance(features, str):
            features = ",".join(features)
        return self._run_record(C.crm_analytics_cluster_run,
                                _params(features=features, k=k, seed=seed,
                                        max_iterations=max_iterations))

    def cluster_profiles(self):
        """The last clustering's profile: one dict per cluster and feature
        (cluster, size, feature, mean as text in the feature's unit, unit)."""
        return self._db._iterate(C.crm_analytics_cluster_profiles, _DB)

    def assoc(self, min_support_bps=None, min_confidence_bps=None):
        """Association rules over product types held, by lift (dicts with
        antecedent, consequent, support_bps, confidence_bps, lift_bps)."""
        params = _params(min_support_bps=min_support_bps, min_confidence_bps=min_confidence_bps)
        try:
            return self._db._iterate(C.crm_analytics_assoc_run, _DB,
                                     params._as_parameter_ if params else None)
        finally:
            if params is not None:
                params.close()

    def recommend(self, customer_no, limit=0):
        """Suitable products to offer the customer, best first."""
        return self._db._iterate(C.crm_analytics_recommend, _DB,
                                 text_arg(customer_no, "customer_no"), int(limit))

    def propensity(self, target=None, horizon_days=None, cutoff=None, seed=None,
                   iterations=None):
        """Trains a logistic-regression propensity model and stores every
        customer's score; returns the summary with auc_bps."""
        return self._run_record(C.crm_analytics_propensity_run,
                                _params(target=target, horizon_days=horizon_days,
                                        cutoff=cutoff, seed=seed, iterations=iterations))


register_part("analytics", Analytics)

__all__ = ["Analytics", "AnalyticsConfig"]
