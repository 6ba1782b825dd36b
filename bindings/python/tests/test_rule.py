import json
import math
import os
import re
import sqlite3
import threading
import unittest

import crm
from crm import _ffi, rule as rule_module

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CONFORMANCE = os.path.join(os.path.dirname(REPO), "shared", "conformance", "jsonlogic",
                           "tests.json")

ELIGIBLE = """\
and:
  - ">=": [{var: age}, 25]
  - ">=": [{var: assets}, 5000000]
  - in: [{var: risk_level}, [C3, C4, C5]]
  - "!": {var: risk_expired}
  - in: [vip, {var: tags}]
"""


class ParseTest(unittest.TestCase):
    def test_json_and_yaml_give_the_same_rule(self):
        yaml_rule = crm.Rule(ELIGIBLE)
        json_rule = crm.Rule(yaml_rule.format())
        self.assertEqual(yaml_rule.format(pretty=False), json_rule.format(pretty=False))
        self.assertEqual(str(json_rule), yaml_rule.format(pretty=False))
        self.assertNotIn("\n", yaml_rule.format(pretty=False))
        self.assertIn("\n  ", yaml_rule.format())
        self.assertEqual(json.loads(yaml_rule.format()), json.loads(str(yaml_rule)))
        self.assertEqual(crm.Rule(b'{"var": "x"}').variables, ["x"])

    def test_errors_name_line_and_column(self):
        with self.assertRaises(crm.InvalidData) as cm:
            crm.Rule('{"and": [\n  {"=<": [1, 2]}]}')
        self.assertEqual(cm.exception.code, -2)
        self.assertRegex(str(cm.exception), r"line 2, column \d+")
        self.assertIn('did you mean "<="', str(cm.exception))
        with self.assertRaises(crm.InvalidData) as cm:
            crm.Rule('{"==": [1, 2')
        self.assertRegex(str(cm.exception), r"line 1, column \d+")
        with self.assertRaises(crm.InvalidData) as cm:
            crm.Rule("[" * 1000 + "]" * 1000)
        self.assertIn("line 1, column", str(cm.exception))
        with self.assertRaises(crm.InvalidArgument):
            crm.Rule(42)

    def test_variables(self):
        r = crm.Rule('{"if": [{"missing": ["a", "b.c"]}, {"var": "d"},'
                     ' {"map": [{"var": "items"}, {"var": "price"}]}, {"var": "a"}]}')
        self.assertEqual(r.variables, ["a", "b.c", "d", "items"])
        self.assertFalse(r.has_dynamic_variables)
        dynamic = crm.Rule('{"var": {"cat": ["a", "b"]}}')
        self.assertTrue(dynamic.has_dynamic_variables)
        self.assertEqual(crm.Rule("42").variables, [])

    def test_close_and_context_manager(self):
        with crm.Rule('{"var": "a"}') as r:
            self.assertEqual(r.evaluate({"a": 1}), 1)
        with self.assertRaises(crm.InvalidState):
            r.evaluate({})
        r.close()  # twice is fine


class EvaluateTest(unittest.TestCase):
    def test_conformance_style_cases(self):
        cases = [
            ({"==": [1, "1"]}, {}, True),
            ({"===": [1, "1"]}, {}, False),
            ({"<": [1, {"var": "x"}, 3]}, {"x": 2}, True),
            ({"var": ["a.b.1", "dflt"]}, {"a": {"b": [5, 6]}}, 6),
            ({"var": ["nope", "dflt"]}, {}, "dflt"),
            ({"missing": ["a", "b"]}, {"a": 1, "b": ""}, ["b"]),
            ({"missing_some": [1, ["a", "b"]]}, {"b": 2}, []),
            ({"if": [False, 1, None, 2, 3]}, {}, 3),
            ({"or": [0, "", "x"]}, {}, "x"),
            ({"and": [1, [], 2]}, {}, []),
            ({"+": ["3px", 1.5]}, {}, 4.5),
            ({"%": [-7, 2]}, {}, -1),
            ({"/": [1, 0]}, {}, None, True),  # Infinity prints as null, and is truthy
            ({"max": []}, {}, None, True),
            ({"cat": ["I love", " ", {"var": "fruit"}, None, 1.0]}, {"fruit": "苹果"},
             "I love 苹果1"),
            ({"substr": ["中文😀", -2]}, {}, "😀"),
            ({"in": ["vip", {"var": "tags"}]}, {"tags": ["new", "vip"]}, True),
            ({"map": [{"var": "xs"}, {"*": [{"var": ""}, 2]}]}, {"xs": [1, 2, 3]}, [2, 4, 6]),
            ({"reduce": [{"var": "xs"}, {"+": [{"var": "current"}, {"var": "accumulator"}]},
                         0]}, {"xs": [1, 2, 3]}, 6),
            ({"all": [[], {">": [{"var": ""}, 0]}]}, {}, False),
            ({"merge": [1, [2, [3]]]}, {}, [1, 2, [3]]),
            ({"+": [0.1, 0.2]}, {}, 0.30000000000000004),
        ]
        for rule, data, expected, *truthy in cases:
            with self.subTest(rule=rule):
                r = crm.Rule(json.dumps(rule))
                self.assertEqual(r.evaluate(data), expected)
                self.assertEqual(r.evaluate(json.dumps(data)), expected)
                self.assertEqual(r.truthy(data), truthy[0] if truthy else _truthy(expected))

    @unittest.skipUnless(os.path.exists(CONFORMANCE), "no shared conformance suite")
    def test_the_jsonlogic_conformance_suite(self):
        with open(CONFORMANCE, encoding="utf-8") as f:
            cases = [c for c in json.load(f) if isinstance(c, list)]
        self.assertEqual(len(cases), 278)
        for rule, data, expected in cases:
            with self.subTest(rule=rule, data=data):
                self.assertEqual(crm.Rule(json.dumps(rule)).evaluate(json.dumps(data)),
                                 expected)

    def test_data_of_every_python_type(self):
        r = crm.Rule('{"cat": [{"var": "n"}, "|", {"var": "b"}, "|", {"var": "i"}, "|",'
                     ' {"var": "f"}, "|", {"var": "s"}, "|", {"var": "t"}, "|",'
                     ' {"var": "o.k"}, "|", {"var": "e"}]}')
        data = {"n": None, "b": True, "i": crm.Money(123), "f": 1.5, "s": "文本",
                "t": ("a", "b"), "o": {"k": [1, {"x": 2}]}, "e": []}
        self.assertEqual(r.evaluate(data), "|true|123|1.5|文本|a,b|1,[object Object]|")
        self.assertEqual(crm.Rule('{"var": "i"}').evaluate({"i": 2**53}), 2**53)
        with self.assertRaises(crm.InvalidData):
            crm.Rule('{"var": "i"}').evaluate({"i": 2**53 + 1})
        with self.assertRaises(crm.InvalidData):
            crm.Rule('{"var": "i"}').evaluate({"i": 2**70})
        self.assertIsNone(crm.Rule('{"var": "f"}').evaluate({"f": math.nan}))
        self.assertFalse(crm.Rule('{"var": "f"}').truthy({"f": math.nan}))
        with self.assertRaises(crm.InvalidArgument):
            crm.Rule('{"var": "x"}').evaluate({"x": object()})
        with self.assertRaises(crm.InvalidArgument):
            crm.Rule('{"var": "x"}').evaluate(42)

    def test_data_text_is_any_json_or_yaml_value(self):
        self.assertEqual(crm.Rule('{"var": 1}').evaluate("[10, 20]"), 20)
        self.assertEqual(crm.Rule('{"var": "a"}').evaluate("a: 12\nb: x\n"), 12)
        self.assertIsNone(crm.Rule('{"var": "a"}').evaluate())
        with self.assertRaises(crm.InvalidData) as cm:
            crm.Rule('{"var": "a"}').evaluate('{"a": [1,\n 2')
        self.assertRegex(str(cm.exception), r"^data: line \d+, column \d+")

    def test_runtime_error_raises_invalid_data(self):
        with self.assertRaises(crm.InvalidData):
            crm.Rule('{"*": []}').evaluate({})

    def test_resolver_is_lazy_and_asked_once(self):
        asked = []
        values = {"age": 42, "risk_level": "C4", "tags": ["vip"]}

        def resolve(name):
            asked.append(name)
            return values[name]  # KeyError: leave it missing

        r = crm.Rule('{"and": [{">=": [{"var": "age"}, 18]}, {"var": "age"},'
                     ' {"in": [{"var": "risk_level"}, ["C3", "C4"]]}]}')
        self.assertTrue(r.truthy(resolve))
        self.assertEqual(asked, ["age", "risk_level"])
        asked.clear()
        self.assertFalse(crm.Rule('{"and": [false, {"var": "age"}]}').truthy(resolve))
        self.assertEqual(asked, [])
        self.assertEqual(crm.Rule('{"var": ["nope", 7]}').evaluate(resolve), 7)
        self.assertEqual(asked, ["nope"])
        self.assertEqual(crm.Rule('{"var": "tags.0"}').evaluate(resolve), "vip")

    def test_resolver_exception_stops_and_is_raised(self):
        def resolve(name):
            raise RuntimeError("no service for " + name)

        with self.assertRaisesRegex(RuntimeError, "no service for age"):
            crm.Rule('{"var": "age"}').evaluate(resolve)

        def bad_value(name):
            return object()

        with self.assertRaises(crm.InvalidArgument):
            crm.Rule('{"var": "age"}').evaluate(bad_value)

    def test_log_callback(self):
        seen = []
        r = crm.Rule('{"+": [{"log": {"var": "a"}}, {"log": 2}]}')
        self.assertEqual(r.evaluate({"a": 1}), 3)  # no callback: log only returns
        self.assertEqual(r.evaluate({"a": 1}, log=seen.append), 3)
        self.assertEqual(seen, [1, 2])
        r.log = seen.append
        self.assertTrue(r.truthy({"a": [5]}))
        self.assertEqual(seen, [1, 2, [5], 2])

        def stop(value):
            raise ValueError("stop at %r" % (value,))

        with self.assertRaisesRegex(ValueError, "stop at 1"):
            r.evaluate({"a": 1}, log=stop)


class RuleDataTest(unittest.TestCase):
    def test_reuse_set_unset_clear(self):
        r = crm.Rule('{"missing": ["a", "b"]}')
        with crm.RuleData({"a": 1}) as data:
            self.assertEqual(r.evaluate(data), ["b"])
            data["b"] = "x"
            self.assertEqual(r.evaluate(data), [])
            del data["a"]
            del data["nothing"]  # absent is fine
            self.assertEqual(r.evaluate(data), ["a"])
            data.clear()
            self.assertEqual(r.evaluate(data), ["a", "b"])
        with self.assertRaises(crm.InvalidState):
            r.evaluate(data)

    def test_parsed_document_that_is_not_an_object(self):
        data = crm.RuleData("[1, 2]")
        self.assertEqual(crm.Rule('{"var": 0}').evaluate(data), 1)
        with self.assertRaises(crm.InvalidState):
            data["a"] = 1
        data.close()

    def test_callbacks_on_the_data(self):
        data = crm.RuleData()
        data.resolver = lambda name: {"age": 30}[name]
        logged = []
        data.log = logged.append
        self.assertEqual(data.log, logged.append)
        r = crm.Rule('{"log": {"var": "age"}}')
        self.assertEqual(r.evaluate(data), 30)
        self.assertEqual(logged, [30])
        self.assertEqual(r.evaluate(data, log=lambda v: None), 30)
        self.assertEqual(logged, [30])  # the rule's log replaced the data's for that call
        self.assertEqual(data.log, logged.append)
        data.resolver = None
        data.log = None
        data.clear()
        self.assertIsNone(r.evaluate(data))
        data.close()

    def test_vocabulary_types(self):
        good = crm.RuleData({"age": 30, "tags": ["vip"], "risk_expired": False,
                             "manager": None, "other": "anything"})
        good.check_vocabulary()
        bad = crm.RuleData({"age": "thirty"})
        with self.assertRaises(crm.InvalidData) as cm:
            bad.check_vocabulary()
        self.assertIn("age", str(cm.exception))

    def test_threads_share_a_rule(self):
        r = crm.Rule(ELIGIBLE)
        errors = []

        def work(n):
            try:
                for age in range(20, 40):
                    data = {"age": age, "assets": 6000000, "risk_level": "C3",
                            "risk_expired": False, "tags": ["vip"]}
                    if r.truthy(data) != (age >= 25):
                        errors.append((n, age))
            except Exception as exc:  # pragma: no cover
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])


class VocabularyTest(unittest.TestCase):
    def test_vocabulary(self):
        vocab = crm.rule_vocabulary()
        names = [v.name for v in vocab]
        for name in ("age", "gender", "province", "city", "branch", "manager", "assets",
                     "income", "risk_level", "risk_expired", "tags", "txn_count_90d",
                     "txn_amount_90d", "days_since_last_txn", "product_types"):
            self.assertIn(name, names)
        types = {v.name: v.type for v in vocab}
        self.assertEqual((types["age"], types["tags"], types["risk_expired"], types["city"]),
                         ("integer", "text[]", "bool", "text"))
        self.assertTrue(all(v.description for v in vocab))
        self.assertEqual([t.label for t in rule_module.VarType],
                         ["integer", "number", "text", "bool", "text[]"])
        self.assertEqual(_ffi.C.crm_rule_var_type_name(99), b"unknown")

    def test_check_vocabulary(self):
        crm.Rule(ELIGIBLE).check_vocabulary()
        with self.assertRaises(crm.NotFound) as cm:
            crm.Rule('{">": [{"var": "agee"}, 1]}').check_vocabulary()
        self.assertIn("age", str(cm.exception))
        with self.assertRaises(crm.NotSupported):
            crm.Rule('{"var": {"cat": ["a", "ge"]}}').check_vocabulary()


class ToSqlTest(unittest.TestCase):
    def test_vocabulary_columns_by_default(self):
        sql, params = crm.Rule(ELIGIBLE).to_sql()
        for column in ("age", "assets", "risk_level", "risk_expired", "tags"):
            self.assertIn(column, sql)
        self.assertEqual(params, [25, 5000000, "C3", "C4", "C5", "vip"])
        self.assertIn(":p1", sql)
        self.assertNotIn("C3", sql)  # values are parameters, never SQL text

    def test_schema_prefix_and_named_parameters(self):
        r = crm.Rule('{"and": [{">=": [{"var": "age"}, 18]},'
                     ' {"==": [{"var": "score"}, 2.5]}, {"==": [{"var": "city"}, "北京"]}]}')
        schema = {"age": "c.age", "score": ("c.score", "number"),
                  "city": ("c.city", rule_module.VarType.TEXT)}
        sql, params = r.to_sql(schema, prefix="seg")
        self.assertEqual(params, [18, 2.5, "北京"])
        self.assertIsInstance(params[0], int)
        self.assertIsInstance(params[1], float)
        self.assertIn("c.age", sql)
        self.assertIn(":seg3", sql)
        sql2, named = r.to_sql(schema, prefix="seg", named=True)
        self.assertEqual(sql2, sql)
        self.assertEqual(named, {"seg1": 18, "seg2": 2.5, "seg3": "北京"})

    def test_compiled_sql_agrees_with_the_interpreter(self):
        r = crm.Rule('{"and": [{">=": [{"var": "age"}, 25]}, {"!": {"var": "risk_expired"}},'
                     ' {"in": [{"var": "risk_level"}, ["C3", "C4"]]}]}')
        schema = {"age": "c.age", "risk_expired": "c.risk_expired",
                  "risk_level": "c.risk_level"}
        sql, named = r.to_sql(schema, named=True)
        rows = [(30, 0, "C3"), (30, 1, "C3"), (20, 0, "C4"), (None, 0, "C3"), (40, None, "C4"),
                (40, 0, None), (25, 0, "C5")]
        db = sqlite3.connect(":memory:")
        self.addCleanup(db.close)
        db.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, age INTEGER,"
                   " risk_expired INTEGER, risk_level TEXT)")
        db.executemany("INSERT INTO customer (age, risk_expired, risk_level) VALUES (?, ?, ?)",
                       rows)
        got = [row[0] for row in db.execute(
            "SELECT id FROM customer c WHERE " + sql + " ORDER BY id", named)]
        expected = [i + 1 for i, (age, expired, level) in enumerate(rows)
                    if r.truthy({"age": age, "risk_level": level,
                                 "risk_expired": None if expired is None else bool(expired)})]
        self.assertEqual(got, expected)
        self.assertEqual(got, [1, 5])

    def test_refused_and_bad_schemas(self):
        with self.assertRaises(crm.NotSupported) as cm:
            crm.Rule('{"==": [{"var": "city"}, 10]}').to_sql()
        self.assertIn("line 1", str(cm.exception))
        with self.assertRaises(crm.NotSupported):
            crm.Rule('{"var": "not_in_schema"}').to_sql()
        with self.assertRaises(crm.NotFound):
            crm.Rule('{"var": "x"}').to_sql({"x": "c.x"})  # bind: vocabulary names only
        with self.assertRaises(crm.InvalidArgument):
            crm.Rule('{"var": "age"}').to_sql({"age": ("c.age", "text")})  # not its type
        with self.assertRaises(crm.InvalidArgument):
            crm.Rule('{"var": "x"}').to_sql({"x": ("c.x", "blob")})
        with self.assertRaises(crm.InvalidArgument):
            crm.Rule('{"var": "x"}').to_sql({"x": 5})
        with self.assertRaises(crm.InvalidArgument):
            crm.Rule('{"var": "age"}').to_sql(prefix="1bad")


class DeclarationTest(unittest.TestCase):
    def test_rule_h_is_declared(self):
        header = os.path.join(REPO, "include", "crm", "rule.h")
        with open(header, encoding="utf-8") as f:
            in_header = set(re.findall(r"CRM_EXTERN\([^)]*\)\s*(crm_rule_\w+)\s*\(", f.read()))
        self.assertEqual(len(in_header), 36)
        self.assertEqual(in_header, {row[0] for row in rule_module.RULE})
        self.assertLessEqual(in_header, crm.declared_names())

    def test_every_declared_function_is_used(self):
        names = [row[0] for row in rule_module.RULE]
        calls = dict.fromkeys(names, 0)
        originals = {name: getattr(_ffi.C, name) for name in names}

        def counting(name, fn):
            def wrapper(*args):
                calls[name] += 1
                return fn(*args)
            return wrapper

        for name, fn in originals.items():
            _ffi.C.__dict__[name] = counting(name, fn)
        try:
            _scenario_using_every_function()
        finally:
            _ffi.C.__dict__.update(originals)
        self.assertEqual([name for name, n in calls.items() if n == 0], [])


def _scenario_using_every_function():
    r = crm.Rule(ELIGIBLE)
    r.format(pretty=True)
    r.variables
    r.has_dynamic_variables
    r.check_vocabulary()
    data = crm.RuleData({"age": 30, "assets": 6000000, "risk_level": "C3",
                         "risk_expired": False, "tags": ["vip"], "score": 1.5, "x": None,
                         "o": {"k": 1}})
    del data["x"]
    data.check_vocabulary()
    data.log = print
    data.resolver = lambda name: None
    assert r.truthy(data) and r.evaluate(data) is True
    data.clear()
    data.close()
    crm.RuleData("{}").close()
    crm.rule_vocabulary()
    r.to_sql({"age": ("c.age", "integer"), "assets": "c.assets", "risk_level": "c.risk_level",
              "risk_expired": "c.risk_expired", "tags": "c.tags"})
    r.close()


def _truthy(value):
    """JsonLogic truthiness of a result without NaN (False == 0 in Python)."""
    return value not in (None, 0, "", [])


if __name__ == "__main__":
    unittest.main()
