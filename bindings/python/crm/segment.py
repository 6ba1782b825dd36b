"""Customer segments (include/crm/segment.h).

Adds ``db.segments`` to every :class:`crm.Database`::

    db.segments.preview(rule)                    # count, nothing saved
    db.segments.create("seed", rule, live=True, branch="BJ")
    db.segments.create_static("picked", ["C001", "C004"])
    db.segments.create_set("both", "union", ["seed", "picked"])
    db.segments.refresh("seed")                  # {'members': .., 'joined': .., 'left': ..}
    [m["customer_no"] for m in db.segments.members("seed")]
    db.segments.diff("seed")                     # who joined / left since the refresh
    sub = db.segments.subscribe(lambda seg, no, joined: print(seg, no, joined))
    db.segments.unsubscribe(sub)

A rule is JSON or YAML text over the customer vocabulary (docs/RULES.md).
Subscribers are called inside the transaction that changed a live segment;
returning a true value refuses the change (the write raises InvalidState).
The binding keeps each callback referenced until it is unsubscribed or the
database is closed.
"""

from ctypes import CFUNCTYPE, POINTER, byref, c_char_p, c_int, c_int64, c_size_t, c_void_p

from ._ffi import C, _declare, text_arg
from .database import _DB, _Part, register_part
from .errors import InvalidArgument
from .record import as_record

_out = POINTER(c_void_p)
EVENT_FN = CFUNCTYPE(c_int, c_char_p, c_char_p, c_int, c_void_p)

KINDS = {"rule": 1, "static": 2, "union": 3, "intersection": 4, "exclusion": 5}

SEGMENT = [
    ("crm_segment_create", c_int, [c_void_p, c_char_p, c_char_p, c_void_p]),
    ("crm_segment_create_static", c_int,
     [c_void_p, c_char_p, POINTER(c_char_p), c_size_t, c_void_p]),
    ("crm_segment_create_set", c_int,
     [c_void_p, c_char_p, c_int, POINTER(c_char_p), c_size_t, c_void_p]),
    ("crm_segment_update", c_int, [c_void_p, c_char_p, c_char_p, c_void_p]),
    ("crm_segment_delete", c_int, [c_void_p, c_char_p]),
    ("crm_segment_preview", c_int, [POINTER(c_int64), c_void_p, c_char_p, c_char_p]),
    ("crm_segment_refresh", c_int, [_out, c_void_p, c_char_p]),
    ("crm_segment_get", c_int, [_out, c_void_p, c_char_p]),
    ("crm_segment_list", c_int, [_out, c_void_p]),
    ("crm_segment_members", c_int, [_out, c_void_p, c_char_p]),
    ("crm_segment_diff", c_int, [_out, c_void_p, c_char_p]),
    ("crm_segment_subscribe", c_int, [POINTER(c_int), c_void_p, EVENT_FN, c_void_p]),
    ("crm_segment_unsubscribe", c_int, [c_void_p, c_int]),
]

_declare(SEGMENT)


def _options(live=None, branch=None, description=None):
    values = {}
    if live is not None:
        values["live"] = 1 if live else 0
    if branch is not None:
        values["branch"] = branch
    if description is not None:
        values["description"] = description
    return values


def _texts(items, what):
    items = [text_arg(i, what) for i in items]
    return (c_char_p * max(len(items), 1))(*items), len(items)


class Segments(_Part):
    """db.segments: rule, static and set segments, live ones included."""

    def _with_options(self, fn, options, *before):
        if not options:
            return self._db._call(fn, *before, None)
        rec, _ = as_record(options)
        try:
            return self._db._call(fn, *before, rec._as_parameter_)
        finally:
            rec.close()

    def create(self, name, rule, live=False, branch=None, description=None):
        """Creates a rule segment and computes its members."""
        self._with_options(C.crm_segment_create, _options(live or None, branch, description), _DB,
                           text_arg(name, "name"), text_arg(rule, "rule"))

    def create_static(self, name, customer_nos, branch=None, description=None):
        """Creates a segment from a list of customer numbers."""
        arr, n = _texts(customer_nos, "customer_no")
        self._with_options(C.crm_segment_create_static, _options(None, branch, description), _DB,
                           text_arg(name, "name"), arr, n)

    def create_set(self, name, kind, operands, live=False, branch=None, description=None):
        """Creates a "union", "intersection" or "exclusion" of segments."""
        if kind not in ("union", "intersection", "exclusion"):
            raise InvalidArgument(-1, "kind must be union, intersection or exclusion")
        arr, n = _texts(operands, "operand")
        self._with_options(C.crm_segment_create_set, _options(live or None, branch, description),
                           _DB, text_arg(name, "name"), KINDS[kind], arr, n)

    def update(self, name, rule=None, live=None, description=None):
        """Changes the rule, live flag or description (a new rule refreshes)."""
        self._with_options(C.crm_segment_update, _options(live, None, description), _DB,
                           text_arg(name, "name"), None if rule is None else text_arg(rule, "rule"))

    def delete(self, name):
        self._db._call(C.crm_segment_delete, _DB, text_arg(name, "name"))

    def preview(self, rule, branch=None):
        """How many customers the rule would hold; nothing is saved."""
        out = c_int64()
        self._db._call(C.crm_segment_preview, byref(out), _DB, text_arg(rule, "rule"),
                       None if branch is None else text_arg(branch, "branch"))
        return out.value

    def refresh(self, name):
        """Recomputes the members: {members, joined, left, refreshed_at, method}."""
        return self._db._get_record(C.crm_segment_refresh, _DB, text_arg(name, "name"))

    def get(self, name):
        return self._db._get_record(C.crm_segment_get, _DB, text_arg(name, "name"))

    def list(self):
        return self._db._iterate(C.crm_segment_list, _DB)

    def __iter__(self):
        return self.list()

    def members(self, name):
        """Members the actor may see: dicts with customer_no, name, branch, manager."""
        return self._db._iterate(C.crm_segment_members, _DB, text_arg(name, "name"))

    def diff(self, name):
        """Who joined and left since the last refresh (customer_no, name, change, at)."""
        return self._db._iterate(C.crm_segment_diff, _DB, text_arg(name, "name"))

    def subscribe(self, fn):
        """Calls fn(segment, customer_no, joined) on each live change; returns an id."""
        def trampoline(segment, customer_no, joined, payload):
            try:
                return 1 if fn(segment.decode(), customer_no.decode(), bool(joined)) else 0
            except BaseException:  # must not unwind through C: refuse the change
                return 1

        c_fn = EVENT_FN(trampoline)
        out = c_int()
        self._db._call(C.crm_segment_subscribe, byref(out), _DB, c_fn, None)
        _keep(self._db)[out.value] = c_fn
        return out.value

    def unsubscribe(self, subscription):
        self._db._call(C.crm_segment_unsubscribe, _DB, int(subscription))
        _keep(self._db).pop(subscription, None)


def _keep(db):
    """The callbacks C may still call, kept alive with the Database."""
    if not hasattr(db, "_segment_callbacks"):
        db._segment_callbacks = {}
    return db._segment_callbacks


register_part("segments", Segments)

__all__ = ["Segments"]
