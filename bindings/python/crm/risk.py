"""Risk questionnaires and investor suitability (include/crm/risk.h).

Adds ``db.risk`` to every :class:`crm.Database`::

    result = db.risk.assess("C001", {"age": "b", "income": "c", ...})
    result["risk_level"], result["score"], result["expires_at"]
    db.risk.assess("C001", open("answers.yaml").read())   # YAML/JSON text works too
    verdict = db.risk.check("C001", "FD-GRW")
    verdict["suitable"]          # False
    verdict["reason_code"]       # 'level_too_low', 'assessment_expired', ...
    verdict["reason"]            # a sentence for a person
    for a in db.risk.history("C001"): ...

    table = crm.RiskConfig(open("bank-questionnaire.yaml").read())
    db.risk.assess("C001", answers, config=table)
    print(crm.RiskConfig.default_text())     # the shipped table, a starting point
"""

from ctypes import POINTER, byref, c_char_p, c_int, c_size_t, c_void_p

from ._ffi import C, _declare, text_arg
from .database import _DB, _Part, register_part
from .errors import check
from .record import as_record, read_record
from .rule import _Owned, _utf8

_out = POINTER(c_void_p)

RISK = [
    ("crm_risk_config_default", c_char_p, []),
    ("crm_risk_config_load", c_int, [_out, c_char_p, c_size_t]),
    ("crm_risk_config_free", None, [c_void_p]),
    ("crm_risk_answers_parse", c_int, [_out, c_char_p, c_size_t]),
    ("crm_risk_assess", c_int, [_out, c_void_p, c_void_p, c_char_p, c_void_p]),
    ("crm_risk_history", c_int, [_out, c_void_p, c_char_p]),
    ("crm_risk_check", c_int, [_out, c_void_p, c_char_p, c_char_p]),
]

_declare(RISK)


class RiskConfig(_Owned):
    """A questionnaire scoring table (crm_risk_config) from YAML or JSON text
    (docs/RISK.md); InvalidData names the entry at fault. Immutable."""

    _what = "risk config"

    def __init__(self, text):
        data = _utf8(text, "risk config")
        out = c_void_p()
        check(C.crm_risk_config_load(byref(out), data, len(data)))
        self._own(out.value, C.crm_risk_config_free)

    @property
    def _as_parameter_(self):
        return c_void_p(self._live())

    @staticmethod
    def default_text():
        """The shipped scoring table as YAML text."""
        return C.crm_risk_config_default().decode("utf-8")


def parse_answers(text):
    """Answers written as YAML or JSON (question id -> option key) as a dict."""
    data = _utf8(text, "answers")
    out = c_void_p()
    check(C.crm_risk_answers_parse(byref(out), data, len(data)))
    try:
        return read_record(out.value)
    finally:
        C.crm_record_free(out.value)


class Risk(_Part):
    """db.risk: questionnaires (C1..C5) and the suitability check."""

    def assess(self, customer_no, answers, config=None):
        """Scores `answers` (a mapping of question id to option key, or YAML /
        JSON text) with `config` (a RiskConfig; None: the shipped table),
        stores the assessment and sets the customer's risk_level. Returns a
        dict: customer_no, score, risk_level, capped_by (when an answer capped
        the level), assessed_at, expires_at."""
        if isinstance(answers, (str, bytes)):
            answers = parse_answers(answers)
        table = config._as_parameter_ if config is not None else None
        rec, owned = as_record(answers)
        try:
            return self._db._get_record(C.crm_risk_assess, _DB, table,
                                        text_arg(customer_no, "customer_no"),
                                        rec._as_parameter_)
        finally:
            if owned:
                rec.close()

    def check(self, customer_no, product_code):
        """Whether the product suits the customer now: a dict with suitable
        (bool), reason_code, reason, risk_level, risk_rating, expires_at."""
        verdict = self._db._get_record(C.crm_risk_check, _DB,
                                       text_arg(customer_no, "customer_no"),
                                       text_arg(product_code, "product_code"))
        verdict["suitable"] = bool(verdict["suitable"])
        return verdict

    def history(self, customer_no):
        """The customer's assessments, newest first (dicts)."""
        return self._db._iterate(C.crm_risk_history, _DB, text_arg(customer_no, "customer_no"))


register_part("risk", Risk)

__all__ = ["Risk", "RiskConfig", "parse_answers"]
