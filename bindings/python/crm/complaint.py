"""The complaint workflow (include/crm/complaint.h).

Adds ``db.complaints`` to every :class:`crm.Database`::

    db.complaints.team_add("GENERAL", "综合投诉组", supervisor="sup.a")
    db.complaints.member_add("GENERAL", "kf.a", skills=["card", "fee"])
    no = db.complaints.open(channel="phone", category="fee", subject="年费重复扣收",
                            body="信用卡年费被扣了两次", contact_phone="13912345678")
    db.complaints.transition(no, "in_progress", note="已联系客户")
    db.complaints.transition(no, "resolved", note="已退还多扣年费")
    db.complaints.get(no)["state"]                  # 'resolved'
    [e["kind"] for e in db.complaints.history(no)]
    summary = db.complaints.sla_scan(notify=lambda notice: print(notice))
    db.complaints.hotspots(since="2026-11-01", until="2026-12-01", by="category")

Refused transitions raise :class:`crm.InvalidState` with the reason.
"""

from ctypes import CFUNCTYPE, POINTER, byref, c_char_p, c_int, c_size_t, c_void_p

from ._ffi import C, _declare, take_string, text_arg
from .database import _DB, _Part, register_part
from .record import as_record, read_record

_out = POINTER(c_void_p)

#: int (*crm_complaint_notify_fn)(const crm_record *notice, void *payload)
NOTIFY_FN = CFUNCTYPE(c_int, c_void_p, c_void_p)

COMPLAINT = [
    ("crm_complaint_config_set", c_int, [c_void_p, c_char_p, c_size_t]),
    ("crm_complaint_config_get", c_int, [_out, c_void_p]),
    ("crm_complaint_team_add", c_int, [c_void_p, c_void_p]),
    ("crm_complaint_team_member_add", c_int, [c_void_p, c_char_p, c_char_p, c_char_p]),
    ("crm_complaint_open", c_int, [_out, c_void_p, c_void_p]),
    ("crm_complaint_assign", c_int, [c_void_p, c_char_p, c_char_p, c_char_p]),
    ("crm_complaint_transition", c_int, [c_void_p, c_char_p, c_char_p, c_char_p]),
    ("crm_complaint_note", c_int, [c_void_p, c_char_p, c_char_p]),
    ("crm_complaint_extend", c_int, [c_void_p, c_char_p, c_char_p]),
    ("crm_complaint_rate", c_int, [c_void_p, c_char_p, c_int]),
    ("crm_complaint_get", c_int, [_out, c_void_p, c_char_p]),
    ("crm_complaint_list", c_int, [_out, c_void_p, c_void_p]),
    ("crm_complaint_history", c_int, [_out, c_void_p, c_char_p]),
    ("crm_complaint_reveal", c_int, [_out, c_void_p, c_char_p, c_char_p, c_char_p]),
    ("crm_complaint_sla_scan", c_int, [_out, c_void_p, NOTIFY_FN, c_void_p]),
    ("crm_complaint_stats", c_int, [_out, c_void_p, c_void_p]),
    ("crm_complaint_hotspots", c_int, [_out, c_void_p, c_void_p]),
    ("crm_complaint_terms", c_int, [_out, c_void_p, c_void_p]),
]

_declare(COMPLAINT)


def _opt(value, what):
    return None if value is None else text_arg(value, what)


def _fields(**values):
    return {name: value for name, value in values.items() if value is not None}


def _with_query(db, fn, query, *before):
    """db._iterate(fn, *before, record) with NULL for an empty query."""
    if not query:
        return db._iterate(fn, *before, None)
    rec, _ = as_record(query)
    try:
        return db._iterate(fn, *before, rec._as_parameter_)
    finally:
        rec.close()


class _Notifier:
    """The C trampoline for a Python notify callable. Holds the ctypes
    function object while C may call it; an exception stops the scan and is
    re-raised once the scan returns."""

    def __init__(self, fn):
        self.fn = fn
        self.error = None
        self.c_fn = NOTIFY_FN(self._call)

    def _call(self, notice, payload):
        try:
            return 1 if self.fn(read_record(notice)) else 0
        except BaseException as exc:  # must not unwind through C
            self.error = exc
            return 1


class Complaints(_Part):
    """db.complaints: tickets, teams, the workflow configuration, SLA scans
    and analysis."""

    # ------------------------------------------------------ configuration

    @property
    def config(self):
        """The workflow configuration in force (YAML text)."""
        return self._db._get_string(C.crm_complaint_config_get, _DB)

    @config.setter
    def config(self, text):
        data = text_arg(text, "config")
        self._db._call(C.crm_complaint_config_set, _DB, data, len(data))

    def team_add(self, code, name, strategy=None, supervisor=None):
        """Adds a handling team ("least_open" or "round_robin")."""
        rec, _ = as_record(_fields(code=code, name=name, strategy=strategy,
                                   supervisor=supervisor))
        try:
            self._db._call(C.crm_complaint_team_add, _DB, rec._as_parameter_)
        finally:
            rec.close()

    def member_add(self, team, user, skills=None):
        """Adds a user to a team; skills is a list of categories (or a
        comma-separated string); none means any category."""
        if skills is not None and not isinstance(skills, str):
            skills = ",".join(skills)
        self._db._call(C.crm_complaint_team_member_add, _DB, text_arg(team, "team"),
                       text_arg(user, "user"), _opt(skills, "skills"))

    # ------------------------------------------------------------ tickets

    def open(self, channel, category, subject, body, **fields):
        """Opens a complaint; returns its ticket number. Further fields:
        severity, customer_no, contact_name, contact_phone, contact_email,
        product_code, branch."""
        rec, _ = as_record(_fields(channel=channel, category=category, subject=subject,
                                   body=body, **fields))
        out = c_void_p()
        try:
            self._db._call(C.crm_complaint_open, byref(out), _DB, rec._as_parameter_)
        finally:
            rec.close()
        return take_string(out.value)

    def assign(self, ticket, assignee=None, note=None):
        """Assigns to a user, or with assignee None by the rules."""
        self._db._call(C.crm_complaint_assign, _DB, text_arg(ticket, "ticket"),
                       _opt(assignee, "assignee"), _opt(note, "note"))

    def transition(self, ticket, state, note=None):
        """Moves the ticket to `state`; InvalidState with the reason if the
        workflow does not allow it."""
        self._db._call(C.crm_complaint_transition, _DB, text_arg(ticket, "ticket"),
                       text_arg(state, "state"), _opt(note, "note"))

    def note(self, ticket, text):
        self._db._call(C.crm_complaint_note, _DB, text_arg(ticket, "ticket"),
                       text_arg(text, "note"))

    def extend(self, ticket, reason):
        """Extends the resolution deadline once, for a recorded reason."""
        self._db._call(C.crm_complaint_extend, _DB, text_arg(ticket, "ticket"),
                       text_arg(reason, "reason"))

    def rate(self, ticket, score):
        """The customer's satisfaction, 1..5, once resolved."""
        self._db._call(C.crm_complaint_rate, _DB, text_arg(ticket, "ticket"), int(score))

    def get(self, ticket):
        return self._db._get_record(C.crm_complaint_get, _DB, text_arg(ticket, "ticket"))

    def list(self, **filters):
        """Visible tickets, newest first; filters as crm_complaint_list
        (state, channel, category, severity, kind, assignee, customer_no,
        open=1, since, until, limit)."""
        return _with_query(self._db, C.crm_complaint_list, _fields(**filters), _DB)

    def __iter__(self):
        return self.list()

    def history(self, ticket):
        return self._db._iterate(C.crm_complaint_history, _DB, text_arg(ticket, "ticket"))

    def reveal(self, ticket, field, reason):
        """Clear text of contact_phone or contact_email; audited."""
        return self._db._get_string(C.crm_complaint_reveal, _DB, text_arg(ticket, "ticket"),
                                    text_arg(field, "field"), text_arg(reason, "reason"))

    # ---------------------------------------------------------------- SLA

    def sla_scan(self, notify=None):
        """Escalates at-risk and breached tickets; `notify(notice)` is called
        with each notice as a dict (return True to stop the scan). Returns
        the summary dict."""
        notifier = _Notifier(notify) if notify is not None else None
        c_fn = notifier.c_fn if notifier else NOTIFY_FN()
        out = c_void_p()
        try:
            with self._db._lock:
                self._db._call(C.crm_complaint_sla_scan, byref(out), _DB, c_fn, None)
                try:
                    return read_record(out.value)
                finally:
                    C.crm_record_free(out.value)
        except Exception:
            if notifier is not None and notifier.error is not None:
                raise notifier.error
            raise

    # ----------------------------------------------------------- analysis

    def stats(self, by, since=None, until=None):
        return _with_query(self._db, C.crm_complaint_stats,
                           _fields(by=by, since=since, until=until), _DB)

    def hotspots(self, since, until, by=None, bucket=None, window=None, factor_pct=None,
                 min_count=None):
        return _with_query(self._db, C.crm_complaint_hotspots,
                           _fields(by=by, since=since, until=until, bucket=bucket,
                                   window=window, factor_pct=factor_pct,
                                   min_count=min_count), _DB)

    def terms(self, since=None, until=None, category=None, limit=None):
        return _with_query(self._db, C.crm_complaint_terms,
                           _fields(since=since, until=until, category=category, limit=limit),
                           _DB)


register_part("complaints", Complaints)

__all__ = ["Complaints", "NOTIFY_FN"]
