import datetime
import unittest

import crm
from .support import FIXED_NOW, TempDirCase


class ProductCase(TempDirCase):
    """Branch BJ with RMs rm.a (customer C001) and rm.b (C002), three
    products, and a clock fixed at 2027-01-15T08:00:00Z."""

    def setUp(self):
        super().setUp()
        self.db = self.open(clock=lambda: FIXED_NOW)
        self.db.bootstrap("HO", "总行", "admin", "系统管理员")
        self.db.actor = "admin"
        self.db.branches.add("BJ", "北京分行", parent="HO")
        for rm in ("rm.a", "rm.b"):
            self.db.users.add(name=rm, display_name=rm, roles="relationship_manager",
                              branch="BJ")
        self.db.customers.create("C001", "张三", "BJ", manager="rm.a", phone="13912345678")
        self.db.customers.create("C002", "李四", "BJ", manager="rm.b")
        self.db.products.add("DEP1Y", "一年定期", type="deposit", risk_rating="R1",
                             term_days=365, yield_bps=150)
        self.db.products.add("WM001", "稳健理财一号", type="wealth", risk_rating="R2",
                             sale_start=crm.Date("2026-01-01"),
                             sale_end=datetime.date(2027, 6, 30))
        self.db.products.add("FND88", "成长基金", type="fund", risk_rating="R4",
                             sale_start="2027-02-01")


class ProductTest(ProductCase):
    def test_transaction_ref_is_unique(self):
        self.db.transactions.add("C001", "deposit", crm.Money(100_00), "branch",
                                 time="2027-01-10T09:00:00Z", ref="CB-20270110-0001")
        with self.assertRaisesRegex(crm.Conflict, "ref: transaction CB-20270110-0001"):
            self.db.transactions.add("C001", "deposit", crm.Money(100_00), "branch",
                                     ref="CB-20270110-0001")
        with self.assertRaisesRegex(crm.InvalidData, "field ref"):
            self.db.transactions.add("C001", "deposit", 1, "branch", ref="has space")
        rows = list(self.db.transactions.list("C001"))
        self.assertEqual([r["ref"] for r in rows], ["CB-20270110-0001"])

    def test_get_and_types(self):
        product = self.db.products.get("WM001")
        self.assertEqual(product["name"], "稳健理财一号")
        self.assertEqual(product["risk_rating"], "R2")
        self.assertIsInstance(product["sale_end"], crm.Date)
        self.assertEqual(product["sale_end"], "2027-06-30")
        self.assertEqual(product["created_at"], "2027-01-15T08:00:00Z")
        self.assertNotIn("term_days", product)
        self.assertEqual(self.db.products.get("DEP1Y")["yield_bps"], 150)
        self.assertIn("FND88", self.db.products)
        self.assertNotIn("NOPE", self.db.products)
        with self.assertRaises(crm.NotFound):
            self.db.products.get("NOPE")

    def test_validation_names_the_field(self):
        with self.assertRaisesRegex(crm.InvalidData, "risk_rating: 'R9'"):
            self.db.products.add("X1", "坏", type="deposit", risk_rating="R9")
        with self.assertRaisesRegex(crm.InvalidData, "field type"):
            self.db.products.add("X1", "坏", type="stocks", risk_rating="R1")
        with self.assertRaisesRegex(crm.InvalidData, "sale_end"):
            self.db.products.add("X1", "坏", type="deposit", risk_rating="R1",
                                 sale_start="2027-02-01", sale_end="2027-01-01")
        with self.assertRaises(crm.Conflict):
            self.db.products.add("DEP1Y", "又一个", type="deposit", risk_rating="R1")
        self.db.actor = "rm.a"
        with self.assertRaises(crm.PermissionDenied):
            self.db.products.add("X2", "无权", type="deposit", risk_rating="R1")

    def test_list_filters(self):
        self.assertEqual([p["code"] for p in self.db.products], ["DEP1Y", "FND88", "WM001"])
        self.assertEqual([p["code"] for p in self.db.products.list(type="fund")], ["FND88"])
        self.assertEqual([p["code"] for p in self.db.products.list(max_risk_rating="R2")],
                         ["DEP1Y", "WM001"])
        self.assertEqual([p["code"] for p in self.db.products.list(
            on_sale_at=datetime.date(2027, 1, 15))], ["DEP1Y", "WM001"])
        self.assertEqual([p["code"] for p in self.db.products.list(
            on_sale_at="2027-07-01T00:00:00Z")], ["DEP1Y", "FND88"])
        with self.assertRaises(crm.InvalidArgument):
            list(self.db.products.list(risk_rating="C3"))


class HoldingTest(ProductCase):
    def test_set_list_remove(self):
        self.db.holdings.set("C001", "WM001", crm.Money(5000000))
        self.db.holdings.set("C001", "DEP1Y", 12345)
        holdings = list(self.db.holdings.list("C001"))
        self.assertEqual([(h["product_code"], h["balance"]) for h in holdings],
                         [("DEP1Y", 12345), ("WM001", 5000000)])
        self.assertIsInstance(holdings[0]["balance"], crm.Money)
        self.assertEqual(holdings[1]["balance"].yuan, 50000)
        self.db.holdings.set("C001", "DEP1Y", 0)
        self.assertEqual([h["product_code"] for h in self.db.holdings.list("C001")], ["WM001"])
        entries = list(self.db.audit.list(action="holding.set", entity_id="C001"))
        self.assertEqual(len(entries), 3)
        self.assertEqual(entries[-1]["after"], '{"product":"DEP1Y","balance":0}')

    def test_errors(self):
        with self.assertRaises(crm.InvalidArgument):
            self.db.holdings.set("C001", "WM001", 12.5)
        with self.assertRaisesRegex(crm.InvalidData, "balance"):
            self.db.holdings.set("C001", "WM001", -1)
        with self.assertRaisesRegex(crm.NotFound, "product_code"):
            self.db.holdings.set("C001", "NOPE", 1)
        with self.assertRaises(crm.NotFound):
            self.db.holdings.set("C999", "WM001", 1)


class TransactionTest(ProductCase):
    def add_history(self):
        self.db.transactions.add("C001", "deposit", crm.Money(100), "branch",
                                 time="2026-12-01T09:00:00Z")
        self.db.transactions.add("C001", "purchase", 200, "mobile", product_code="WM001",
                                 time=datetime.datetime(2027, 1, 2, 10, 0,
                                                        tzinfo=datetime.timezone.utc))
        self.db.transactions.add("C001", "card_spend", 300, "online")  # now

    def test_add_and_list_newest_first(self):
        self.add_history()
        rows = list(self.db.transactions.list("C001"))
        self.assertEqual([r["amount"] for r in rows], [300, 200, 100])
        self.assertEqual(rows[0]["time"], "2027-01-15T08:00:00Z")
        self.assertIsInstance(rows[0]["amount"], crm.Money)
        self.assertNotIn("product_code", rows[0])
        self.assertEqual(rows[1]["product_code"], "WM001")
        self.assertEqual(rows[1]["product_name"], "稳健理财一号")
        self.assertEqual(rows[1]["customer_no"], "C001")
        since = [r["amount"] for r in self.db.transactions.list("C001", since="2027-01-01",
                                                                until="2027-01-15")]
        self.assertEqual(since, [200])
        self.assertEqual([r["type"] for r in self.db.transactions.list("C001", limit=1)],
                         ["card_spend"])
        self.assertEqual([r["type"] for r in self.db.transactions.list(
            "C001", type="deposit")], ["deposit"])

    def test_validation(self):
        with self.assertRaisesRegex(crm.InvalidData, "field channel"):
            self.db.transactions.add("C001", "deposit", 100, "carrier-pigeon")
        with self.assertRaisesRegex(crm.InvalidData, "field amount"):
            self.db.transactions.add("C001", "deposit", 0, "branch")
        with self.assertRaises(crm.InvalidArgument):
            self.db.transactions.add("C001", "deposit", 1.5, "branch")
        with self.assertRaisesRegex(crm.NotFound, "customer_no"):
            self.db.transactions.add("C999", "deposit", 100, "branch")

    def test_add_many_is_all_or_nothing(self):
        rows = [{"customer_no": "C001", "type": "deposit", "amount": n, "channel": "atm",
                 "time": "2027-01-10"} for n in range(1, 101)]
        self.assertEqual(self.db.transactions.add_many(rows), 100)
        self.assertEqual(len(list(self.db.transactions.list("C001"))), 100)
        bad = rows[:3] + [dict(rows[0], customer_no="C999")] + rows[:3]
        with self.assertRaises(crm.NotFound) as caught:
            self.db.transactions.add_many(bad)
        self.assertEqual(caught.exception.row, 4)
        self.assertEqual(len(list(self.db.transactions.list("C001"))), 100)
        self.assertEqual(self.db.txn_depth, 0)

    def test_rm_sees_only_own_customers(self):
        self.add_history()
        self.db.holdings.set("C001", "WM001", 1)
        self.db.actor = "rm.b"
        with self.assertRaises(crm.NotFound):
            list(self.db.transactions.list("C001"))
        with self.assertRaises(crm.NotFound):
            list(self.db.holdings.list("C001"))
        with self.assertRaises(crm.NotFound):
            self.db.customers.view("C001")
        with self.assertRaises(crm.PermissionDenied):
            self.db.transactions.add("C002", "deposit", 1, "branch")
        self.db.actor = "rm.a"
        self.assertEqual(len(list(self.db.transactions.list("C001"))), 3)


class ViewTest(ProductCase):
    def test_view_sections(self):
        self.db.holdings.set("C001", "WM001", 5000000)
        self.db.holdings.set("C001", "DEP1Y", 12345)
        TransactionTest.add_history(self)
        self.db.transactions.add("C001", "deposit", 7, "branch", time="2026-01-01")
        self.db.actor = "rm.a"
        view = self.db.customers.view("C001", recent=2)
        self.assertEqual(list(view)[:4],
                         ["profile", "holdings", "recent_transactions", "activity"])
        self.assertEqual(view["profile"]["customer_no"], "C001")
        self.assertEqual(view["profile"]["phone"], "139****5678")
        self.assertEqual([h["code"] for h in view["holdings"]["products"]], ["DEP1Y", "WM001"])
        self.assertEqual(view["holdings"]["by_type"], {"deposit": 12345, "wealth": 5000000})
        self.assertEqual(view["holdings"]["total"], 5012345)
        self.assertEqual([t["amount"] for t in view["recent_transactions"]], [300, 200])
        self.assertEqual(view["activity"], {"txn_count_90d": 3, "txn_amount_90d": 600,
                                            "last_txn_at": "2027-01-15T08:00:00Z",
                                            "days_since_last_txn": 0})
        self.assertEqual(self.db.customers.view("C001", recent=0)["recent_transactions"],
                         [])
        with self.assertRaises(crm.InvalidArgument):
            self.db.customers.view("C001", recent=-1)


if __name__ == "__main__":
    unittest.main()
