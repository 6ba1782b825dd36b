import crm
from .support import FIXED_NOW, TempDirCase

DAY = 86400
N = 40


class AnalyticsCase(TempDirCase):
    """40 customers in BJ (rm.a the even ones, rm.b the odd): all hold a
    deposit, every third a wealth product (and half of those insurance), a
    dormant one in ten; wealth holders buy wealth monthly."""

    def setUp(self):
        super().setUp()
        self.db = self.open(clock=lambda: FIXED_NOW)
        db = self.db
        db.bootstrap("HO", "总行", "admin", "系统管理员")
        db.actor = "admin"
        db.branches.add("BJ", "北京分行", parent="HO")
        for rm in ("rm.a", "rm.b"):
            db.users.add(name=rm, display_name=rm, roles="relationship_manager", branch="BJ")
        db.users.add(name="mk", display_name="mk", roles="marketer", branch="HO")
        db.products.add("DEP", "活期", type="deposit", risk_rating="R1")
        db.products.add("WM2", "理财", type="wealth", risk_rating="R2")
        db.products.add("INS1", "保险", type="insurance", risk_rating="R1")
        txns = []
        with db.transaction():
            for i in range(N):
                no = "C%03d" % i
                db.customers.create(no, "客户", "BJ", manager="rm.b" if i % 2 else "rm.a",
                                    birth_date="19%02d-03-01" % (50 + i))
                db.holdings.set(no, "DEP", crm.Money((i + 1) * 2_000_000))
                if i % 3 == 0:
                    db.holdings.set(no, "WM2", crm.Money(1_000_000))
                if i % 6 == 0 or i % 10 == 1:
                    db.holdings.set(no, "INS1", crm.Money(500_000))
                days = [200] if i % 10 == 4 else range(5, 360, 20)
                for d in days:
                    txns.append(dict(customer_no=no, type="deposit", amount=10_000 + i,
                                     channel="mobile", product_code="DEP",
                                     time=crm.format_time(FIXED_NOW - d * DAY)))
                for d in range(10, 360, 30) if i % 3 == 0 and i % 10 != 4 else ():
                    txns.append(dict(customer_no=no, type="purchase", amount=100_000,
                                     channel="mobile", product_code="WM2",
                                     time=crm.format_time(FIXED_NOW - d * DAY)))
        db.transactions.add_many(txns)


class AnalyticsTest(AnalyticsCase):
    def test_scores(self):
        summary = self.db.analytics.score()
        self.assertEqual(summary["customers"], N)
        self.assertEqual(summary["dormant"], 4)
        self.assertEqual(summary["active"] + summary["at_risk"] + summary["dormant"], N)
        scores = self.db.analytics.customer("C004")
        self.assertEqual(scores["activity"], "dormant")
        self.assertEqual(scores["r_score"], 1)
        self.assertIsInstance(scores["aum"], crm.Money)
        params = crm.AnalyticsConfig("value_tiers: {gold: 10, platinum: 20, diamond: 30}")
        self.assertEqual(self.db.analytics.score(config=params)["tier_diamond"], N)
        with self.assertRaisesRegex(crm.InvalidData, "dormant_days"):
            crm.AnalyticsConfig("activity: {dormant_days: -1}")
        self.assertIn("value_tiers", crm.AnalyticsConfig.default_text())

    def test_cluster_is_deterministic(self):
        first = self.db.analytics.cluster(features=["age", "aum", "recency_days"], k=3, seed=5)
        clusters = [self.db.analytics.customer("C%03d" % i)["cluster"] for i in range(N)]
        second = self.db.analytics.cluster(features="age,aum,recency_days", k=3, seed=5)
        self.assertEqual(first, second)
        self.assertEqual(clusters,
                         [self.db.analytics.customer("C%03d" % i)["cluster"] for i in range(N)])
        profiles = list(self.db.analytics.cluster_profiles())
        self.assertEqual(len(profiles), 9)
        self.assertEqual(sum(p["size"] for p in profiles if p["feature"] == "age"), N)
        with self.assertRaisesRegex(crm.InvalidData, "'weight' is not a feature"):
            self.db.analytics.cluster(features="weight")

    def test_assoc_and_recommend(self):
        rules = list(self.db.analytics.assoc())
        top = [(r["antecedent"], r["consequent"]) for r in rules[:2]]
        self.assertIn(("wealth", "insurance"), top)
        self.assertGreater(rules[0]["lift_bps"], 15000)
        self.assertEqual(list(self.db.analytics.recommend("C003")), [])  # not assessed
        self.db.risk.assess("C003", dict(age="c", income="b", investable_share="b",
                                         experience="b", knowledge="b", horizon="b", goal="b",
                                         loss_tolerance="b"))
        offers = list(self.db.analytics.recommend("C003", limit=5))
        self.assertEqual([o["product_code"] for o in offers], ["INS1"])
        self.assertEqual(offers[0]["rule"], "wealth => insurance")

    def test_propensity(self):
        first = self.db.analytics.propensity(target="wealth", seed=3)
        self.assertEqual(first, self.db.analytics.propensity(target="wealth", seed=3))
        self.assertEqual(first["customers"], N)
        self.assertGreater(first["auc_bps"], 8000)
        self.assertEqual(self.db.analytics.customer("C003")["propensity_target"], "wealth")
        self.assertGreater(self.db.analytics.customer("C003")["propensity_bps"],
                           self.db.analytics.customer("C005")["propensity_bps"])
        with self.assertRaisesRegex(crm.InvalidData, "field cutoff"):
            self.db.analytics.propensity(cutoff="2027-01-01")

    def test_access(self):
        self.db.actor = "rm.a"
        with self.assertRaises(crm.PermissionDenied):
            self.db.analytics.score()
        self.db.actor = "mk"
        self.db.analytics.score()
        self.db.actor = "rm.a"
        self.assertEqual(self.db.analytics.customer("C002")["customer_no"], "C002")
        with self.assertRaises(crm.NotFound):
            self.db.analytics.customer("C001")
