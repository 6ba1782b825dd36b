import crm
from .support import FIXED_NOW, TempDirCase

C2 = dict(age="c", income="b", investable_share="b", experience="b", knowledge="b",
          horizon="b", goal="b", loss_tolerance="b")
C5_YAML = """
age: b
income: d
investable_share: d
experience: d
knowledge: d
horizon: d
goal: d
loss_tolerance: d
"""


class RiskCase(TempDirCase):
    """Branch BJ, RMs rm.a (C001, C003) and rm.b (C002), an R2 wealth product
    and an R4 fund; a clock the test can move."""

    def setUp(self):
        super().setUp()
        self.now = FIXED_NOW
        self.db = self.open(clock=lambda: self.now)
        self.db.bootstrap("HO", "总行", "admin", "系统管理员")
        self.db.actor = "admin"
        self.db.branches.add("BJ", "北京分行", parent="HO")
        for rm in ("rm.a", "rm.b"):
            self.db.users.add(name=rm, display_name=rm, roles="relationship_manager",
                              branch="BJ")
        self.db.users.add(name="mk", display_name="mk", roles="marketer", branch="HO")
        self.db.customers.create("C001", "张三", "BJ", manager="rm.a")
        self.db.customers.create("C002", "李四", "BJ", manager="rm.b")
        self.db.customers.create("C003", "王五", "BJ", manager="rm.a")
        self.db.products.add("WM2", "稳健理财", type="wealth", risk_rating="R2")
        self.db.products.add("FD4", "成长基金", type="fund", risk_rating="R4")


class RiskTest(RiskCase):
    def test_assess_and_history(self):
        result = self.db.risk.assess("C001", C2)
        self.assertEqual(result["risk_level"], "C2")
        self.assertEqual(result["score"], 16)
        self.assertEqual(result["assessed_at"], "2027-01-15T08:00:00Z")
        self.assertEqual(result["expires_at"], "2028-01-15T08:00:00Z")
        self.assertEqual(self.db.customers.get("C001")["risk_level"], "C2")
        self.assertEqual(self.db.risk.assess("C001", C5_YAML)["risk_level"], "C5")
        history = list(self.db.risk.history("C001"))
        self.assertEqual([h["risk_level"] for h in history], ["C5", "C2"])
        self.assertEqual(history[0]["assessed_by"], "admin")
        self.assertIn('"goal":"d"', history[0]["answers"])

    def test_answers_are_validated(self):
        with self.assertRaisesRegex(crm.InvalidData, "field goal: required"):
            self.db.risk.assess("C001", {k: v for k, v in C2.items() if k != "goal"})
        with self.assertRaisesRegex(crm.InvalidData, "field horizon: 'z'"):
            self.db.risk.assess("C001", dict(C2, horizon="z"))
        with self.assertRaisesRegex(crm.InvalidData, "line"):
            self.db.risk.assess("C001", "age: [")
        with self.assertRaises(crm.NotFound):
            self.db.risk.assess("C404", C2)
        self.assertEqual(crm.risk.parse_answers("{age: b, horizon: 2}"),
                         {"age": "b", "horizon": "2"})

    def test_suitability_reasons(self):
        verdict = self.db.risk.check("C001", "WM2")
        self.assertIs(verdict["suitable"], False)
        self.assertEqual(verdict["reason_code"], "assessment_missing")
        self.db.risk.assess("C001", C2)
        verdict = self.db.risk.check("C001", "FD4")
        self.assertIs(verdict["suitable"], False)
        self.assertEqual(verdict["reason_code"], "level_too_low")
        self.assertIn("above the customer's level C2", verdict["reason"])
        self.assertIs(self.db.risk.check("C001", "WM2")["suitable"], True)
        self.db.risk.assess("C002", C5_YAML)
        self.assertIs(self.db.risk.check("C002", "FD4")["suitable"], True)
        self.now += 366 * 86400
        verdict = self.db.risk.check("C002", "FD4")
        self.assertIs(verdict["suitable"], False)
        self.assertEqual(verdict["reason_code"], "assessment_expired")
        self.assertEqual(verdict["risk_level"], "C5")
        with self.assertRaises(crm.NotFound):
            self.db.risk.check("C002", "NOPE")

    def test_own_table(self):
        self.assertIn("loss_tolerance", crm.RiskConfig.default_text())
        table = crm.RiskConfig("validity_days: 10\nquestions:\n"
                               "  - {id: q, text: 问题, options: {a: {text: 低, score: 0},"
                               " b: {text: 高, score: 5}}}\n"
                               "levels: {C1: 1, C2: 2, C3: 3, C4: 4, C5: 5}\n")
        with table:
            result = self.db.risk.assess("C003", {"q": "b"}, config=table)
        self.assertEqual(result["risk_level"], "C5")
        self.assertEqual(result["expires_at"], "2027-01-25T08:00:00Z")
        with self.assertRaises(crm.InvalidState):
            self.db.risk.assess("C003", {"q": "b"}, config=table)
        with self.assertRaisesRegex(crm.InvalidData, "levels"):
            crm.RiskConfig("questions:\n  - {id: q, text: t, options: {a: {text: x, score: 0},"
                           " b: {text: y, score: 1}}}\n")

    def test_access(self):
        self.db.actor = "rm.a"
        self.db.risk.assess("C001", C2)
        with self.assertRaises(crm.NotFound):
            self.db.risk.assess("C002", C2)
        with self.assertRaises(crm.NotFound):
            self.db.risk.check("C002", "WM2")
        self.db.actor = "mk"
        with self.assertRaises(crm.PermissionDenied):
            self.db.risk.assess("C001", C2)
        self.assertIs(self.db.risk.check("C001", "WM2")["suitable"], True)
