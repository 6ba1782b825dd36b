"""Real-time transaction alerts (include/crm/alert.h, docs/ALERTS.md).

Adds ``db.alerts`` to every :class:`crm.Database`::

    db.alerts.on_alert(lambda alert: print(alert["rule"], alert["customer_no"]))
    db.transactions.add("C001", "transfer_out", crm.Money(60_000_000), "online")
    for a in db.alerts.list(state="open", rule="large_transfer"): ...
    db.alerts.ack(a["id"], note="正在核实")
    db.alerts.close(a["id"], note="客户确认为购房款")
    db.alerts.set_rules(open("my-rules.yaml").read())    # the host's own rule set
    [r["name"] for r in db.alerts.rules()]               # the active rules
    db.alerts.reset_rules()                              # back to the shipped set

The alert callback runs inside the transaction-insert call, before the
commit. Returning a true value (or raising) refuses the transaction: the
insert raises and neither the transaction nor its alerts are stored. The
callback must not call the same database.
"""

from ctypes import CFUNCTYPE, POINTER, byref, c_char_p, c_int, c_int64, c_size_t, c_void_p

from ._ffi import C, _declare, borrowed, take_string, text_arg
from .database import _DB, _Part, register_part
from .record import read_record

_out = POINTER(c_void_p)

ALERT_FN = CFUNCTYPE(c_int, c_void_p, c_void_p)

ALERT = [
    ("crm_alert_default_rules", c_char_p, []),
    ("crm_alert_rules_set", c_int, [c_void_p, c_char_p, c_size_t]),
    ("crm_alert_rules_reset", c_int, [c_void_p]),
    ("crm_alert_rules_get", c_int, [_out, c_void_p]),
    ("crm_alert_rules_list", c_int, [_out, c_void_p]),
    ("crm_alert_set_callback", c_int, [c_void_p, ALERT_FN, c_void_p]),
    ("crm_alert_list", c_int, [_out, c_void_p, c_void_p]),
    ("crm_alert_get", c_int, [_out, c_void_p, c_int64]),
    ("crm_alert_ack", c_int, [c_void_p, c_int64, c_char_p]),
    ("crm_alert_close", c_int, [c_void_p, c_int64, c_char_p]),
]

_declare(ALERT)

_STOP = 1  # not a CRM_E_* code: the insert fails with CRM_E_STATE


def default_rules():
    """The rule set shipped with the library, as YAML text."""
    return borrowed(C.crm_alert_default_rules())


class Alerts(_Part):
    """db.alerts: alerts raised by the rules on every transaction insert."""

    def on_alert(self, callback):
        """Calls ``callback(alert)`` (a dict with the fields of
        crm_alert_get) for each alert as it is raised; None removes it. A
        true result or an exception refuses the transaction. The binding
        keeps the callback alive while it is registered."""
        db = self._db
        if callback is None:
            db._call(C.crm_alert_set_callback, _DB, ALERT_FN(), None)
            db._alert_callback = None
            return

        def trampoline(record, _payload):
            try:
                return _STOP if callback(read_record(record)) else 0
            except Exception:  # a Python error must not cross into C
                return _STOP

        fn = ALERT_FN(trampoline)
        db._call(C.crm_alert_set_callback, _DB, fn, None)
        db._alert_callback = fn  # C holds the pointer: keep the object alive

    def list(self, state=None, customer_no=None, rule=None, since=None, until=None, limit=None):
        """Alerts newest first (a ResultIterator of dicts), only of customers
        the actor sees. `since`/`until` bound raised_at (inclusive, exclusive)."""
        from .product import _fields, _iterate_filtered

        filters = _fields(state=state, customer_no=customer_no, rule=rule, since=since,
                          until=until, limit=limit)
        return _iterate_filtered(self._db, C.crm_alert_list, filters, _DB)

    def __iter__(self):
        return self.list()

    def get(self, alert_id):
        """One alert as a dict. NotFound when absent or not visible."""
        return self._db._get_record(C.crm_alert_get, _DB, int(alert_id))

    def ack(self, alert_id, note=None):
        """Acknowledges an open alert (audited). InvalidState if it is not open."""
        self._db._call(C.crm_alert_ack, _DB, int(alert_id), text_arg(note, "note"))

    def close(self, alert_id, note):
        """Closes an alert with a note saying what was found (audited; final)."""
        self._db._call(C.crm_alert_close, _DB, int(alert_id), text_arg(note, "note"))

    def rules(self):
        """The active rules in evaluation order (dicts: name, severity,
        description, rule as JSON text, source "default" or "custom")."""
        return self._db._iterate(C.crm_alert_rules_list, _DB)

    def rules_text(self):
        """The active rule set's YAML text."""
        out = c_void_p()
        self._db._call(C.crm_alert_rules_get, byref(out), _DB)
        return take_string(out.value)

    def set_rules(self, yaml_text):
        """Replaces the database's rule set (checked first; audited).
        InvalidData names the line, the rule and the reason."""
        data = yaml_text.encode("utf-8")
        self._db._call(C.crm_alert_rules_set, _DB, data, len(data))

    def reset_rules(self):
        """Goes back to the shipped rule set (audited)."""
        self._db._call(C.crm_alert_rules_reset, _DB)


register_part("alerts", Alerts)

__all__ = ["Alerts", "default_rules"]
