import unittest

import crm
from .support import FIXED_NOW, TempDirCase

LARGE = crm.Money(60_000_000)  # 600,000 yuan: over the large-transfer line


class AlertCase(TempDirCase):
    """Branch BJ with RMs rm.a (C001) and rm.b (C002), a deposit and an R5
    fund, and a clock fixed at 2027-01-15T08:00:00Z."""

    def setUp(self):
        super().setUp()
        self.db = self.open(clock=lambda: FIXED_NOW)
        self.db.bootstrap("HO", "总行", "admin", "系统管理员")
        self.db.actor = "admin"
        self.db.branches.add("BJ", "北京分行", parent="HO")
        for rm in ("rm.a", "rm.b"):
            self.db.users.add(name=rm, display_name=rm, roles="relationship_manager",
                              branch="BJ")
        self.db.customers.create("C001", "张三", "BJ", manager="rm.a", risk_level="C3",
                                 risk_assessed_at="2026-12-01")
        self.db.customers.create("C002", "李四", "BJ", manager="rm.b", risk_level="C2",
                                 risk_assessed_at="2026-12-01")
        self.db.products.add("DEP-CUR", "活期储蓄", type="deposit", risk_rating="R1")
        self.db.products.add("FD-TECH", "科技基金", type="fund", risk_rating="R5")


class AlertTest(AlertCase):
    def test_large_transfer_raises_an_alert_handed_to_the_callback(self):
        seen = []
        self.db.alerts.on_alert(seen.append)
        self.db.transactions.add("C001", "transfer_out", crm.Money(100_00), "online",
                                 product_code="DEP-CUR")
        self.assertEqual(seen, [])
        self.db.transactions.add("C001", "transfer_out", LARGE, "online",
                                 product_code="DEP-CUR", ref="CB-1")
        # 6,000x the customer's one earlier transfer: far above the pattern too
        self.assertEqual([a["rule"] for a in seen], ["large_transfer", "amount_far_above_pattern"])
        alert = self.db.alerts.get(seen[0]["id"])
        self.assertEqual(alert["state"], "open")
        self.assertEqual(alert["txn_ref"], "CB-1")
        self.assertEqual(alert["amount"], LARGE)
        self.assertIsInstance(alert["amount"], crm.Money)
        self.assertEqual([a["id"] for a in self.db.alerts.list(rule="large_transfer")],
                         [alert["id"]])

    def test_callback_refusal_rolls_back_the_transaction(self):
        self.db.alerts.on_alert(lambda alert: True)
        with self.assertRaises(crm.InvalidState):
            self.db.transactions.add("C002", "purchase", crm.Money(100_00), "mobile",
                                     product_code="FD-TECH")

        def boom(alert):
            raise RuntimeError("host failure")

        self.db.alerts.on_alert(boom)
        with self.assertRaises(crm.InvalidState):
            self.db.transactions.add("C002", "purchase", crm.Money(100_00), "mobile",
                                     product_code="FD-TECH")
        self.assertEqual(list(self.db.transactions.list("C002")), [])
        self.assertEqual(list(self.db.alerts.list()), [])
        self.db.alerts.on_alert(None)
        self.db.transactions.add("C002", "purchase", crm.Money(100_00), "mobile",
                                 product_code="FD-TECH")
        [alert] = self.db.alerts.list()
        self.assertEqual(alert["rule"], "unsuitable_high_risk_purchase")

    def test_ack_close_and_scope(self):
        self.db.transactions.add("C001", "transfer_in", LARGE, "branch")
        [alert] = self.db.alerts.list(state="open")  # no history: the pattern rule is quiet
        self.db.actor = "rm.b"
        self.assertEqual(list(self.db.alerts.list()), [])
        with self.assertRaises(crm.NotFound):
            self.db.alerts.get(alert["id"])
        self.db.actor = "rm.a"
        self.assertEqual(len(list(self.db.alerts.list())), 1)
        with self.assertRaises(crm.PermissionDenied):
            self.db.alerts.ack(alert["id"])
        self.db.actor = "admin"
        self.db.alerts.ack(alert["id"], note="正在核实")
        with self.assertRaises(crm.InvalidState):
            self.db.alerts.ack(alert["id"])
        with self.assertRaises(crm.InvalidData):
            self.db.alerts.close(alert["id"], "")
        self.db.alerts.close(alert["id"], note="客户确认为购房款")
        closed = self.db.alerts.get(alert["id"])
        self.assertEqual((closed["state"], closed["note"], closed["handled_by"]),
                         ("closed", "客户确认为购房款", "admin"))
        actions = [e["action"] for e in self.db.audit.list(entity="alert")]
        self.assertEqual(actions, ["alert.ack", "alert.close"])

    def test_rule_sets(self):
        self.assertEqual(self.db.alerts.rules_text(), crm.alert.default_rules())
        self.assertEqual([r["name"] for r in self.db.alerts.rules()],
                         ["large_transfer", "amount_far_above_pattern", "burst",
                          "unsuitable_high_risk_purchase"])
        with self.assertRaisesRegex(crm.InvalidData, 'unknown variable "amout"'):
            self.db.alerts.set_rules("rules:\n  - {name: a, severity: low, when: {var: amout}}\n")
        self.db.alerts.set_rules("rules:\n  - name: any_deposit\n    severity: low\n"
                                 "    when: {\"==\": [{var: type}, deposit]}\n")
        self.assertEqual([(r["name"], r["source"]) for r in self.db.alerts.rules()],
                         [("any_deposit", "custom")])
        self.db.transactions.add("C001", "deposit", crm.Money(1), "atm")
        self.db.transactions.add("C001", "transfer_in", LARGE, "branch")
        self.assertEqual([a["rule"] for a in self.db.alerts.list()], ["any_deposit"])
        self.db.alerts.reset_rules()
        self.assertEqual(self.db.alerts.rules_text(), crm.alert.default_rules())


if __name__ == "__main__":
    unittest.main()
