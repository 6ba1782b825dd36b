"""Rules (include/crm/rule.h): ``crm.Rule`` and ``crm.rule_vocabulary``.

JsonLogic rules written in JSON or YAML (docs/RULES.md), evaluated for one
record by the interpreter or compiled to a parameterised SQL condition::

    rule = crm.Rule('{"and": [{">=": [{"var": "age"}, 18]},'
                    ' {"in": [{"var": "risk_level"}, ["C3", "C4"]]}]}')
    rule.variables                                  # ['age', 'risk_level']
    rule.evaluate({"age": 42, "risk_level": "C3"})  # True (the JSON result)
    rule.truthy('{"age": 12}')                      # False: data as JSON/YAML text
    rule.evaluate(lambda name: customer[name])      # values on demand
    sql, params = rule.to_sql({"age": ("c.age", "integer"),
                               "risk_level": "c.risk_level"})
    # '((:p1 <= (c.age)) AND ((c.risk_level) IN (:p2, :p3)))', [18, 'C3', 'C4']
    print(rule.format())                            # indented JSON

Data is a dict (top-level names -> Python values: None, bool, int, float,
str, a list of str, or anything ``json.dumps`` takes), JSON or YAML text,
a callable resolver ``fn(name) -> value`` (raise KeyError to leave a name
missing; any other exception stops the evaluation and is re-raised), or a
:class:`RuleData` kept for many evaluations. Results come back as
``json.loads`` gives them. A ``log`` operation calls ``rule.log`` (or the
``log=`` argument) with its value; without one it only returns the value.

Errors raise the usual exceptions: ``InvalidData`` for a malformed rule or
data ("rule: line 3, column 9: unknown operator ...") and for an error the
rule raises at evaluation, ``NotSupported`` for a rule SQL cannot express
(evaluate it instead), ``NotFound`` for a name outside the vocabulary.

A Rule is immutable and may be shared between threads; a RuleData is used
by one evaluation at a time (a lock serialises it).
"""

import collections
import collections.abc
import enum
import json
import threading
import weakref
from ctypes import (
    CFUNCTYPE, POINTER, byref, c_char_p, c_double, c_int, c_int64, c_size_t, c_void_p,
)

from ._ffi import C, _declare, take_string, text_arg
from .errors import InvalidArgument, InvalidData, InvalidState, check

_handle = c_void_p
_out = POINTER(c_void_p)  # crm_rule **, crm_rule_data **, char ** ...

#: int (*crm_rule_resolve_fn)(crm_rule_data *data, const char *name, void *payload)
RESOLVE_FN = CFUNCTYPE(c_int, c_void_p, c_char_p, c_void_p)
#: int (*crm_rule_log_fn)(const char *json, void *payload)
LOG_FN = CFUNCTYPE(c_int, c_char_p, c_void_p)

RULE = [
    # rules
    ("crm_rule_parse", c_int, [_out, c_char_p, c_size_t]),
    ("crm_rule_free", None, [_handle]),
    ("crm_rule_format", c_int, [_out, _handle, c_int]),
    ("crm_rule_variable_count", c_size_t, [_handle]),
    ("crm_rule_variable", c_char_p, [_handle, c_size_t]),
    ("crm_rule_has_dynamic_variables", c_int, [_handle]),
    # data
    ("crm_rule_data_new", c_int, [_out]),
    ("crm_rule_data_parse", c_int, [_out, c_char_p, c_size_t]),
    ("crm_rule_data_free", None, [_handle]),
    ("crm_rule_data_set_null", c_int, [_handle, c_char_p]),
    ("crm_rule_data_set_bool", c_int, [_handle, c_char_p, c_int]),
    ("crm_rule_data_set_number", c_int, [_handle, c_char_p, c_double]),
    ("crm_rule_data_set_int", c_int, [_handle, c_char_p, c_int64]),
    ("crm_rule_data_set_text", c_int, [_handle, c_char_p, c_char_p]),
    ("crm_rule_data_set_text_array", c_int, [_handle, c_char_p, POINTER(c_char_p), c_size_t]),
    ("crm_rule_data_set_json", c_int, [_handle, c_char_p, c_char_p, c_size_t]),
    ("crm_rule_data_unset", c_int, [_handle, c_char_p]),
    ("crm_rule_data_clear", None, [_handle]),
    ("crm_rule_data_set_resolver", c_int, [_handle, RESOLVE_FN, c_void_p]),
    ("crm_rule_data_set_log", c_int, [_handle, LOG_FN, c_void_p]),
    # interpreter
    ("crm_rule_eval", c_int, [POINTER(c_int), _handle, _handle]),
    ("crm_rule_eval_json", c_int, [_out, _handle, _handle]),
    # vocabulary, schema
    ("crm_rule_var_type_name", c_char_p, [c_int]),
    ("crm_rule_vocab_count", c_size_t, []),
    ("crm_rule_vocab_get", c_int, [POINTER(c_char_p), POINTER(c_int), POINTER(c_char_p),
                                   c_size_t]),
    ("crm_rule_check_vocab", c_int, [_handle]),
    ("crm_rule_data_check_vocab", c_int, [_handle]),
    ("crm_rule_schema_new", c_int, [_out]),
    ("crm_rule_schema_free", None, [_handle]),
    ("crm_rule_schema_add", c_int, [_handle, c_char_p, c_int, c_char_p]),
    ("crm_rule_schema_bind", c_int, [_handle, c_char_p, c_char_p]),
    # SQL output
    ("crm_rule_to_sql", c_int, [_out, _handle, _handle, c_char_p]),
    ("crm_rule_sql_free", None, [_handle]),
    ("crm_rule_sql_text", c_char_p, [_handle]),
    ("crm_rule_sql_param_count", c_size_t, [_handle]),
    ("crm_rule_sql_param", c_int, [_handle, c_size_t, POINTER(c_char_p), POINTER(c_int),
                                   POINTER(c_double), POINTER(c_int64), POINTER(c_char_p)]),
]

_declare(RULE)

_STOP = 1  # a callback's stop value that is no CRM_E_* code: the call fails with CRM_E_STATE


class VarType(enum.IntEnum):
    """crm_rule_var_type: the types of vocabulary and schema variables."""

    INTEGER = 1
    NUMBER = 2
    TEXT = 3
    BOOL = 4
    TEXT_ARRAY = 5

    @property
    def label(self):
        """The library's name: "integer", "number", "text", "bool", "text[]"."""
        return C.crm_rule_var_type_name(self).decode("utf-8")


class ParamType(enum.IntEnum):
    """crm_rule_param_type."""

    NUMBER = 1
    INTEGER = 2
    TEXT = 3


#: One entry of the customer vocabulary; ``type`` is its name ("integer", "text[]" ...).
VocabularyEntry = collections.namedtuple("VocabularyEntry", "name type description")


def rule_vocabulary():
    """The customer vocabulary, the variable names rules about customers use:
    a list of ``VocabularyEntry(name, type, description)`` in library order."""
    entries = []
    for index in range(C.crm_rule_vocab_count()):
        name, kind, description = c_char_p(), c_int(), c_char_p()
        check(C.crm_rule_vocab_get(byref(name), byref(kind), byref(description), index))
        entries.append(VocabularyEntry(name.value.decode("utf-8"),
                                       C.crm_rule_var_type_name(kind.value).decode("utf-8"),
                                       description.value.decode("utf-8")))
    return entries


def _utf8(text, what):
    """str or bytes as UTF-8 bytes (length passed separately: NULs are the parser's to refuse)."""
    if isinstance(text, bytes):
        return text
    if isinstance(text, str):
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidArgument(-1, "%s is not valid Unicode text: %s" % (what, exc)) from None
    raise InvalidArgument(-1, "%s must be str or bytes, not %s" % (what, type(text).__name__))


def _free_handle(free, ptr):
    free(ptr)


class _Owned:
    """A C handle owned by Python: close(), ``with`` and a finalizer."""

    _what = "handle"

    def _own(self, ptr, free):
        self._ptr = ptr
        self._finalizer = weakref.finalize(self, _free_handle, free, ptr)

    def _live(self):
        if self._ptr is None:
            raise InvalidState(-15, "%s is closed" % self._what)
        return self._ptr

    def close(self):
        """Frees the C handle; later use raises InvalidState."""
        self._ptr = None
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class RuleData(_Owned):
    """Values for the interpreter (crm_rule_data), kept for many evaluations.

    ``RuleData({"age": 42})``, ``RuleData('{"age": 42}')`` (JSON or YAML
    text, any value), ``data["tags"] = ["vip"]``, ``del data["tags"]``,
    ``data.clear()`` (for the next customer), ``data.resolver = fn``,
    ``data.log = fn``, ``data.check_vocabulary()``.
    """

    _what = "rule data"

    def __init__(self, values=None):
        out = c_void_p()
        if isinstance(values, (str, bytes)):
            text = _utf8(values, "data")
            check(C.crm_rule_data_parse(byref(out), text, len(text)))
        else:
            check(C.crm_rule_data_new(byref(out)))
        self._own(out.value, C.crm_rule_data_free)
        self._lock = threading.RLock()
        self._resolver = self._resolve_c = None
        self._log = self._log_c = None
        self._pending = None  # an exception a callback raised, re-raised after the call
        if values is not None and not isinstance(values, (str, bytes)):
            try:
                self.update(values)
            except BaseException:
                self.close()
                raise

    @property
    def _as_parameter_(self):
        return c_void_p(self._live())

    def update(self, values):
        """Sets each top-level name of a mapping."""
        if not isinstance(values, collections.abc.Mapping):
            raise InvalidArgument(-1, "rule data must be a mapping, JSON text or a callable, "
                                  "not %s" % type(values).__name__)
        for name, value in values.items():
            self[name] = value

    def __setitem__(self, name, value):
        with self._lock:
            self._set(self._live(), text_arg(name, "name"), value)

    @staticmethod
    def _set(ptr, key, value):
        if value is None:
            rc = C.crm_rule_data_set_null(ptr, key)
        elif isinstance(value, bool):
            rc = C.crm_rule_data_set_bool(ptr, key, int(value))
        elif isinstance(value, int):
            if abs(value) > 1 << 53:  # past int64 ctypes would wrap it silently
                raise InvalidData(-2, "%s: %d is not exact as a JSON number (|v| > 2^53)"
                                  % (key.decode(), value))
            rc = C.crm_rule_data_set_int(ptr, key, value)
        elif isinstance(value, float):
            rc = C.crm_rule_data_set_number(ptr, key, value)
        elif isinstance(value, str):
            rc = C.crm_rule_data_set_text(ptr, key, text_arg(value, key.decode()))
        elif (isinstance(value, (list, tuple)) and value
              and all(isinstance(item, str) for item in value)):
            items = (c_char_p * len(value))(*(text_arg(item, key.decode()) for item in value))
            rc = C.crm_rule_data_set_text_array(ptr, key, items, len(value))
        else:
            try:
                text = json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
            except (TypeError, ValueError) as exc:
                raise InvalidArgument(-1, "%s: %s" % (key.decode(), exc)) from None
            rc = C.crm_rule_data_set_json(ptr, key, text, len(text))
        check(rc)

    def __delitem__(self, name):
        with self._lock:
            check(C.crm_rule_data_unset(self._live(), text_arg(name, "name")))

    def clear(self):
        """Forgets every value (and what the resolver was asked); keeps the callbacks."""
        with self._lock:
            C.crm_rule_data_clear(self._live())

    def check_vocabulary(self):
        """Raises InvalidData naming a vocabulary name set with a value of
        another type (null is fine)."""
        with self._lock:
            check(C.crm_rule_data_check_vocab(self._live()))

    @property
    def resolver(self):
        """``fn(name) -> value`` asked once per top-level name the rule reads
        and that is not set; raise KeyError to leave the name missing."""
        return self._resolver

    @resolver.setter
    def resolver(self, fn):
        with self._lock:
            c_fn = RESOLVE_FN() if fn is None else RESOLVE_FN(self._on_resolve)  # NULL removes
            check(C.crm_rule_data_set_resolver(self._live(), c_fn, None))
            self._resolver, self._resolve_c = fn, c_fn  # referenced while C may call it

    @property
    def log(self):
        """``fn(value)`` called with the argument of each ``log`` operation."""
        return self._log

    @log.setter
    def log(self, fn):
        with self._lock:
            c_fn = LOG_FN() if fn is None else LOG_FN(self._on_log)
            check(C.crm_rule_data_set_log(self._live(), c_fn, None))
            self._log, self._log_c = fn, c_fn

    def _on_resolve(self, ptr, name, _payload):
        try:
            key = name.decode("utf-8")
            try:
                value = self._resolver(key)
            except KeyError:
                return 0
            self._set(ptr, name, value)
            return 0
        except BaseException as exc:  # noqa: B902 (re-raised after the C call)
            self._pending = exc
            return _STOP

    def _on_log(self, text, _payload):
        try:
            self._log(json.loads(text.decode("utf-8")))
            return 0
        except BaseException as exc:  # noqa: B902
            self._pending = exc
            return _STOP

    def _run(self, call):
        """Runs an evaluation, re-raising a callback's exception before the library's."""
        self._pending = None
        rc = call(self._live())
        pending, self._pending = self._pending, None
        if pending is not None:
            raise pending
        return check(rc)


class Rule(_Owned):
    """A parsed JsonLogic rule (crm_rule), from JSON or YAML text.

    ``Rule(text)`` raises InvalidData with the line and column of a
    malformed rule. Immutable: share it between threads freely.
    """

    _what = "rule"

    def __init__(self, text):
        data = _utf8(text, "rule")
        out = c_void_p()
        check(C.crm_rule_parse(byref(out), data, len(data)))
        self._own(out.value, C.crm_rule_free)
        #: Called with the value of each ``log`` operation, when set.
        self.log = None

    @property
    def _as_parameter_(self):
        return c_void_p(self._live())

    @property
    def variables(self):
        """The data names the rule reads, dotted as written, in order of first use."""
        ptr = self._live()
        return [C.crm_rule_variable(ptr, i).decode("utf-8")
                for i in range(C.crm_rule_variable_count(ptr))]

    @property
    def has_dynamic_variables(self):
        """True when a variable name is computed ({"var": {"cat": ...}}), so
        ``variables`` is incomplete."""
        return bool(C.crm_rule_has_dynamic_variables(self._live()))

    def format(self, pretty=True):
        """The rule as JSON text: indented, or one compact line."""
        out = c_void_p()
        check(C.crm_rule_format(byref(out), self._live(), 0 if pretty else 1))
        return take_string(out.value)

    def __str__(self):
        return self.format(pretty=False)

    def check_vocabulary(self):
        """Raises NotFound (naming the closest known name) for a variable
        outside the customer vocabulary, NotSupported for a computed name."""
        check(C.crm_rule_check_vocab(self._live()))

    def evaluate(self, data=None, log=None):
        """The rule's result for `data` as a Python value (JSON.stringify
        semantics: NaN and infinities come back as None)."""

        def call(ptr):
            out = c_void_p()
            rc = C.crm_rule_eval_json(byref(out), self._live(), ptr)
            text = take_string(out.value) if rc == 0 else None
            results.append(text)
            return rc

        results = []
        self._with_data(data, log, call)
        return json.loads(results[0])

    def truthy(self, data=None, log=None):
        """Whether the rule's result is truthy (JsonLogic: false, null, 0,
        NaN, "" and [] are not). The fast path for eligibility checks."""
        yes = c_int()
        self._with_data(data, log, lambda ptr: C.crm_rule_eval(byref(yes), self._live(), ptr))
        return bool(yes.value)

    def _with_data(self, data, log, call):
        log = log if log is not None else self.log
        if isinstance(data, RuleData):
            with data._lock:
                if log is None:
                    return data._run(call)
                saved = data.log
                data.log = log
                try:
                    return data._run(call)
                finally:
                    data.log = saved
        if data is None:
            temp = RuleData()
        elif callable(data) and not isinstance(data, collections.abc.Mapping):
            temp = RuleData()
            temp.resolver = data
        else:
            temp = RuleData(data)
        with temp:
            if log is not None:
                temp.log = log
            return temp._run(call)

    def to_sql(self, schema=None, prefix=None, named=False):
        """Compiles the rule to an SQLite boolean expression.

        `schema` maps variable names to ``(sql_expression, type)`` (type a
        :class:`VarType` or its name: "integer", "number", "text", "bool",
        "text[]") or, for vocabulary names, to an SQL expression alone (the
        vocabulary gives the type). None binds every vocabulary name to the
        column of the same name. Returns ``(sql, params)``: the parameter
        values in order (":<prefix>1", ":<prefix>2" ...), or with
        ``named=True`` a dict name -> value ready for ``sqlite3``'s execute.
        Raises NotSupported for what SQL cannot compute as the interpreter
        does."""
        with _Schema(schema) as sch:
            out = c_void_p()
            check(C.crm_rule_to_sql(byref(out), self._live(), sch._live(),
                                    text_arg(prefix, "prefix")))
            try:
                return _read_sql(out.value, named)
            finally:
                C.crm_rule_sql_free(out.value)


_TYPES_BY_NAME = {"integer": VarType.INTEGER, "number": VarType.NUMBER, "text": VarType.TEXT,
                  "bool": VarType.BOOL, "text[]": VarType.TEXT_ARRAY}


def _var_type(name, kind):
    if isinstance(kind, str):
        try:
            return _TYPES_BY_NAME[kind]
        except KeyError:
            raise InvalidArgument(-1, "%s: unknown type %r (one of %s)"
                                  % (name, kind, ", ".join(_TYPES_BY_NAME))) from None
    return int(kind)


class _Schema(_Owned):
    """A crm_rule_schema built from to_sql's `schema` argument."""

    _what = "rule schema"

    def __init__(self, schema):
        out = c_void_p()
        check(C.crm_rule_schema_new(byref(out)))
        self._own(out.value, C.crm_rule_schema_free)
        try:
            if schema is None:
                schema = {entry.name: entry.name for entry in rule_vocabulary()}
            for name, spec in schema.items():
                self._add(name, spec)
        except BaseException:
            self.close()
            raise

    def _add(self, name, spec):
        key = text_arg(name, "schema name")
        if isinstance(spec, str):
            check(C.crm_rule_schema_bind(self._ptr, key, text_arg(spec, name)))
            return
        try:
            expr, kind = spec
        except (TypeError, ValueError):
            raise InvalidArgument(-1, "schema %s: expected an SQL expression or "
                                  "(sql_expression, type)" % name) from None
        check(C.crm_rule_schema_add(self._ptr, key, _var_type(name, kind), text_arg(expr, name)))


def _read_sql(ptr, named):
    text = C.crm_rule_sql_text(ptr).decode("utf-8")
    params = {} if named else []
    for index in range(C.crm_rule_sql_param_count(ptr)):
        name, kind, number, integer, value = c_char_p(), c_int(), c_double(), c_int64(), c_char_p()
        check(C.crm_rule_sql_param(ptr, index, byref(name), byref(kind), byref(number),
                                   byref(integer), byref(value)))
        if kind.value == ParamType.INTEGER:
            param = integer.value
        elif kind.value == ParamType.NUMBER:
            param = number.value
        else:
            param = value.value.decode("utf-8")
        if named:
            params[name.value.decode("utf-8").lstrip(":")] = param
        else:
            params.append(param)
    return text, params


__all__ = ["ParamType", "Rule", "RuleData", "VarType", "VocabularyEntry", "rule_vocabulary"]
