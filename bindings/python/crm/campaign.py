"""Campaigns and leads (include/crm/campaign.h).

Adds ``db.campaigns`` and ``db.leads`` to every :class:`crm.Database`::

    db.campaigns.create("WM2026", definition_yaml)      # a draft, version 1
    db.campaigns.from_template("H1", "holiday_promotion", "products: [WM01]")
    db.campaigns.submit("WM2026"); other_db.campaigns.approve("WM2026")   # four eyes
    db.campaigns.target("WM2026")      # {'eligible': .., 'target': .., 'unsuitable': .., ...}
    db.campaigns.dispatch("WM2026")    # (created, skipped) leads
    db.campaigns.transition("WM2026", "scheduled")   # or .schedule/.start/.pause/...
    db.campaigns.reward("WM2026", "C001", crm.Money(20000000), "P1")
    db.campaigns.evaluate("WM2026")    # dict: uplift, z, p_value, roi_bps, goals, channels
    for lead in db.leads.list(campaign="WM2026"): ...
    db.leads.outcome(lead_id, "converted", amount=crm.Money(100000))

A definition is YAML or JSON text (docs/CAMPAIGNS.md). Money is int fen
(crm.Money); shares and rates basis points.
"""

import json
from ctypes import POINTER, byref, c_char_p, c_int, c_int64, c_void_p

from ._ffi import C, _declare, text_arg
from .database import _DB, _Part, register_part
from .product import _iterate_filtered
from .record import as_record

_out = POINTER(c_void_p)

CAMPAIGN = [
    ("crm_campaign_create", c_int, [c_void_p, c_char_p, c_char_p]),
    ("crm_campaign_from_template", c_int, [c_void_p, c_char_p, c_char_p, c_char_p]),
    ("crm_campaign_update", c_int, [POINTER(c_int64), c_void_p, c_char_p, c_char_p]),
    ("crm_campaign_get", c_int, [_out, c_void_p, c_char_p]),
    ("crm_campaign_list", c_int, [_out, c_void_p, c_char_p]),
    ("crm_campaign_submit", c_int, [c_void_p, c_char_p]),
    ("crm_campaign_approve", c_int, [c_void_p, c_char_p]),
    ("crm_campaign_reject", c_int, [c_void_p, c_char_p, c_char_p]),
    ("crm_campaign_transition", c_int, [c_void_p, c_char_p, c_char_p]),
    ("crm_campaign_templates", c_int, [_out, c_void_p]),
    ("crm_campaign_template_add", c_int, [c_void_p, c_char_p, c_char_p]),
    ("crm_campaign_cases", c_int, [_out, c_void_p]),
    ("crm_campaign_target", c_int, [_out, c_void_p, c_char_p]),
    ("crm_campaign_targets", c_int, [_out, c_void_p, c_char_p, c_void_p]),
    ("crm_campaign_policy_get", c_int, [_out, c_void_p]),
    ("crm_campaign_policy_set", c_int, [c_void_p, c_void_p]),
    ("crm_campaign_reward", c_int, [_out, c_void_p, c_char_p, c_char_p, c_int64, c_char_p]),
    ("crm_campaign_referral_add", c_int, [c_void_p, c_char_p, c_char_p, c_char_p]),
    ("crm_campaign_evaluate", c_int, [_out, c_void_p, c_char_p]),
    ("crm_campaign_dispatch", c_int, [POINTER(c_int64), POINTER(c_int64), c_void_p, c_char_p]),
    ("crm_lead_list", c_int, [_out, c_void_p, c_void_p]),
    ("crm_lead_outcome", c_int, [c_void_p, c_int64, c_char_p, c_int64, c_char_p]),
]

_declare(CAMPAIGN)


def _opt(value, what):
    return None if value is None else text_arg(value, what)


def _with_filter(db, fn, values, *before):
    """An iterator call with the given values (None skipped) as its filter."""
    return _iterate_filtered(db, fn, {k: v for k, v in values.items() if v is not None}, *before)


class Campaigns(_Part):
    """db.campaigns: plan, approve, target, reward, dispatch and evaluate."""

    def create(self, code, definition):
        """Creates version 1 of campaign `code` as a draft from YAML or JSON text."""
        self._db._call(C.crm_campaign_create, _DB, text_arg(code, "code"),
                       text_arg(definition, "definition"))

    def from_template(self, code, template, overrides=None):
        """Creates a campaign from a template; `overrides` (YAML/JSON text or a
        dict) replaces top-level keys."""
        if isinstance(overrides, dict):
            overrides = json.dumps(overrides, ensure_ascii=False)
        self._db._call(C.crm_campaign_from_template, _DB, text_arg(code, "code"),
                       text_arg(template, "template"), _opt(overrides, "overrides"))

    def update(self, code, definition):
        """Replaces the definition; returns the version written (a frozen
        version gets a successor)."""
        out = c_int64()
        self._db._call(C.crm_campaign_update, byref(out), _DB, text_arg(code, "code"),
                       text_arg(definition, "definition"))
        return out.value

    def get(self, code):
        return self._db._get_record(C.crm_campaign_get, _DB, text_arg(code, "code"))

    def list(self, status=None):
        return self._db._iterate(C.crm_campaign_list, _DB, _opt(status, "status"))

    def __iter__(self):
        return self.list()

    def submit(self, code):
        self._db._call(C.crm_campaign_submit, _DB, text_arg(code, "code"))

    def approve(self, code):
        """Approves; the version's author may not (PermissionDenied: four eyes)."""
        self._db._call(C.crm_campaign_approve, _DB, text_arg(code, "code"))

    def reject(self, code, reason):
        self._db._call(C.crm_campaign_reject, _DB, text_arg(code, "code"),
                       text_arg(reason, "reason"))

    def transition(self, code, status):
        """Moves the active version to scheduled, running, paused, completed or archived."""
        self._db._call(C.crm_campaign_transition, _DB, text_arg(code, "code"),
                       text_arg(status, "status"))

    def schedule(self, code):
        self.transition(code, "scheduled")

    def start(self, code):
        self.transition(code, "running")

    def pause(self, code):
        self.transition(code, "paused")

    def resume(self, code):
        self.transition(code, "running")

    def complete(self, code):
        self.transition(code, "completed")

    def archive(self, code):
        self.transition(code, "archived")

    def templates(self):
        return self._db._iterate(C.crm_campaign_templates, _DB)

    def add_template(self, name, body):
        self._db._call(C.crm_campaign_template_add, _DB, text_arg(name, "name"),
                       text_arg(body, "body"))

    def cases(self):
        """The case library; each summary is the evaluation as a dict."""
        for case in self._db._iterate(C.crm_campaign_cases, _DB):
            case = dict(case)
            case["summary"] = json.loads(case["summary"])
            yield case

    def target(self, code):
        """Builds the target list; a dict of counts by group and reason."""
        return dict(self._db._get_record(C.crm_campaign_target, _DB, text_arg(code, "code")))

    def targets(self, code, grp=None, reason=None, status=None, limit=None):
        return _with_filter(self._db, C.crm_campaign_targets,
                            dict(grp=grp, reason=reason, status=status, limit=limit), _DB,
                            text_arg(code, "code"))

    def policy(self):
        return dict(self._db._get_record(C.crm_campaign_policy_get, _DB))

    def set_policy(self, **fields):
        """freq_cap, freq_window_days, quiet_start_min, quiet_end_min, utc_offset_min."""
        rec, _ = as_record(fields)
        try:
            self._db._call(C.crm_campaign_policy_set, _DB, rec._as_parameter_)
        finally:
            rec.close()

    def reward(self, code, customer_no, amount, ref):
        """The reward for a purchase of `amount` fen, once per `ref`."""
        return dict(self._db._get_record(C.crm_campaign_reward, _DB, text_arg(code, "code"),
                                         text_arg(customer_no, "customer_no"), int(amount),
                                         text_arg(ref, "ref")))

    def refer(self, code, referrer_no, referee_no):
        self._db._call(C.crm_campaign_referral_add, _DB, text_arg(code, "code"),
                       text_arg(referrer_no, "referrer"), text_arg(referee_no, "referee"))

    def dispatch(self, code):
        """Turns the target group into leads; returns (created, skipped)."""
        created, skipped = c_int64(), c_int64()
        self._db._call(C.crm_campaign_dispatch, byref(created), byref(skipped), _DB,
                       text_arg(code, "code"))
        return created.value, skipped.value

    def evaluate(self, code):
        """Evaluates now and stores it; the whole evaluation as a dict."""
        rec = self._db._get_record(C.crm_campaign_evaluate, _DB, text_arg(code, "code"))
        return json.loads(rec["json"])


class Leads(_Part):
    """db.leads: relationship managers' task lists and outcomes."""

    def list(self, campaign=None, status=None, rm=None, due_before=None, limit=None):
        return _with_filter(self._db, C.crm_lead_list,
                            dict(campaign=campaign, status=status, rm=rm, due_before=due_before,
                                 limit=limit), _DB)

    def __iter__(self):
        return self.list()

    def outcome(self, lead_id, outcome, amount=0, note=None):
        """contacted, interested, declined, or converted with `amount` fen."""
        self._db._call(C.crm_lead_outcome, _DB, int(lead_id), text_arg(outcome, "outcome"),
                       int(amount), _opt(note, "note"))


register_part("campaigns", Campaigns)
register_part("leads", Leads)

__all__ = ["Campaigns", "Leads"]
