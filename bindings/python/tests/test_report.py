import csv
import json
import os

import crm
from .support import TempDirCase


class ReportTest(TempDirCase):
    """Branch BJ (rm.a: C001, C002) and GZ (rm.g: C003); deposits in
    2026-10 and 2026-09; the clock at 2026-11-02."""

    def setUp(self):
        super().setUp()
        self.db = self.open(clock=lambda: 1793577600)  # 2026-11-02T00:00:00Z
        db = self.db
        db.bootstrap("HO", "总行", "admin", "系统管理员")
        db.actor = "admin"
        db.branches.add("BJ", "北京分行", parent="HO")
        db.branches.add("GZ", "广州分行", parent="HO")
        db.users.add(name="rm.a", display_name="李雷", roles="relationship_manager", branch="BJ")
        db.users.add(name="rm.g", display_name="韩梅梅", roles="relationship_manager",
                     branch="GZ")
        db.users.add(name="bm.gz", display_name="王经理", roles="branch_manager", branch="GZ")
        db.customers.create("C001", "张三", "BJ", manager="rm.a")
        db.customers.create("C002", "李四", "BJ", manager="rm.a")
        db.customers.create("C003", "王五", "GZ", manager="rm.g")
        db.products.add("DEP", "活期", type="deposit", risk_rating="R1")
        db.holdings.set("C001", "DEP", crm.Money(123456))
        db.holdings.set("C003", "DEP", crm.Money(100))
        for no, fen, at in (("C001", 1050, "2026-10-02T00:00:00Z"),
                            ("C003", 2000, "2026-10-05T00:00:00Z"),
                            ("C001", 700, "2026-09-05T00:00:00Z")):
            db.transactions.add(no, "deposit", crm.Money(fen), "mobile", product_code="DEP",
                                time=at)

    def test_names_describe_and_period(self):
        names = self.db.reports.names()
        self.assertIn("customer-analysis", names)
        self.assertIn("business-statistics", names)
        columns = [c["name"] for c in self.db.reports.describe("business-statistics")["columns"]]
        self.assertIn("txn_volume_prev", columns)
        period = crm.report_period("2026-W47")
        self.assertEqual(period["start"], "2026-11-16T00:00:00Z")
        self.assertEqual(period["last_year_label"], "2025-W47")
        with self.assertRaises(crm.InvalidData):
            crm.report_period("2026-W99")

    def test_run_rows_and_scope(self):
        rows = list(self.db.reports.run("business-statistics", period="2026-10"))
        by_branch = {r["branch"]: r for r in rows}
        self.assertEqual(by_branch["BJ"]["txn_volume"], 1050)
        self.assertIsInstance(by_branch["BJ"]["txn_volume"], crm.Money)
        self.assertEqual(by_branch["BJ"]["txn_volume_prev"], 700)
        self.assertEqual(by_branch["BJ"]["balance"], 123456)
        drill = list(self.db.reports.run("business-products", period="2026-10", branch="GZ",
                                         product_type="deposit"))
        self.assertEqual([(r["branch"], r["product_code"]) for r in drill], [("GZ", "DEP")])
        self.db.actor = "rm.a"
        rows = list(self.db.reports.run("business-statistics", period="2026-10"))
        self.assertEqual([r["branch"] for r in rows], ["BJ"])
        self.db.actor = "bm.gz"
        rows = list(self.db.reports.run("rm-performance", period="2026-11"))
        self.assertEqual([(r["manager"], r["customers"]) for r in rows], [("rm.g", 1)])
        with self.assertRaises(crm.PermissionDenied):
            self.db.reports.run("business-statistics", period="2026-10", branch="BJ")
        with self.assertRaisesRegex(crm.InvalidArgument, "nonsense"):
            self.db.reports.run("business-statistics", period="2026-10", nonsense="x")

    def test_write_files(self):
        path = self.path("bs.csv")
        self.db.reports.write("business-statistics", path, period="2026-10", bom=True)
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual({r["branch"]: r["txn_volume"] for r in rows},
                         {"BJ": "10.50", "GZ": "20.00"})
        path = self.path("ca.json")
        self.db.reports.write("customer-analysis", path, period="2026-Q4")
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertEqual(doc["period"]["label"], "2026-Q4")
        genders = [r for r in doc["rows"] if r["dimension"] == "性别 Gender"]
        self.assertEqual(sum(r["customers"] for r in genders), 3)
        for fmt, magic in (("html", b"<!DOCTYPE html>"), ("xlsx", b"PK"), ("pdf", b"%PDF")):
            path = self.path("r." + fmt)
            self.db.reports.write("business-statistics", path, period="2026-10")
            with open(path, "rb") as f:
                self.assertTrue(f.read().startswith(magic), fmt)
        with self.assertRaises(crm.InvalidArgument):
            self.db.reports.write("business-statistics", self.path("x.doc"),
                                  period="2026-10")

    def _complaints(self):
        db = self.db
        fee = db.complaints.open("phone", "fee", "年费重复扣收", "年费被扣了两次", customer_no="C001")
        db.complaints.open("email", "card", "卡片未寄到", "新卡一直没有收到", customer_no="C003")
        db.complaints.transition(fee, "in_progress")
        db.complaints.transition(fee, "resolved", "已退还")
        db.complaints.rate(fee, 4)

    def test_complaint_reports(self):
        self._complaints()
        rows = list(self.db.reports.run("complaint-analysis", period="2026-11",
                                        dimension="类别 Category"))
        stats = list(self.db.complaints.stats("category", since="2026-11-01T00:00:00Z",
                                              until="2026-12-01T00:00:00Z"))
        self.assertEqual([(r["bucket"], r["complaints"], r.get("sla_compliance_pct"),
                           r.get("avg_satisfaction_x100")) for r in rows],
                         [(s["key"], s["count"], s.get("sla_compliance_pct"),
                           s.get("avg_satisfaction_x100")) for s in stats])
        self.assertEqual({r["bucket"]: r.get("first_response_pct") for r in rows},
                         {"card": None, "fee": 100})
        hot = list(self.db.reports.run("complaint-hotspots", period="2026-11",
                                       dimension="类别 Category"))
        self.assertEqual([(r["rank"], r["complaints"], r["complaints_before"]) for r in hot],
                         [(1, 1, 0), (2, 1, 0)])
        self.db.actor = "rm.a"
        rows = list(self.db.reports.run("complaint-analysis", period="2026-11"))
        self.assertEqual({r["bucket"] for r in rows if r["dimension"] == "类别 Category"},
                         {"fee"})
        self.db.actor = "admin"
        for name in ("complaint-analysis", "complaint-hotspots", "rm-performance"):
            for fmt, magic in (("csv", b"dimension" if "complaint" in name else b"manager"),
                               ("json", b"{"), ("html", b"<!DOCTYPE html>"), ("xlsx", b"PK"),
                               ("pdf", b"%PDF")):
                path = self.path("%s.%s" % (name, fmt))
                self.db.reports.write(name, path, period="2026-11")
                with open(path, "rb") as f:
                    self.assertTrue(f.read().startswith(magic), path)

    def test_value_tiers_and_leads(self):
        def tiers():
            return {r["bucket"]: r["customers"] for r in
                    self.db.reports.run("customer-analysis", period="2026-11",
                                        dimension="价值等级 Value tier")}
        self.assertEqual(tiers(), {"未评分": 3})
        summary = self.db.analytics.score()
        self.assertEqual(sum(tiers().values()), 3)
        self.assertEqual(tiers().get("普通", 0), summary.get("tier_ordinary", 0))
        # crm_lead is filled by the campaign module: no leads yet
        rows = list(self.db.reports.run("rm-performance", period="2026-11"))
        self.assertEqual([(r["leads"], r["conversions"], r.get("conversion_pct")) for r in rows],
                         [(0, 0, None)] * 2)

    CAMPAIGN = """
name: 短信办卡礼
control_bps: 0
start: 2026-11-01
end: 2026-11-30
channels:
  - {channel: sms, body: "{salutation}，办卡有礼"}
goals:
  - {metric: conversions, target: 2, deadline: 2026-11-30}
"""

    def _campaign(self):
        """XS targets C004 (rm.a) and C005 (rm.g), the only customers who
        consent to SMS; rm.a converts C004's lead for 200 yuan."""
        db = self.db
        db.customers.create("C004", "赵六", "BJ", manager="rm.a", consent_sms=1)
        db.customers.create("C005", "钱七", "GZ", manager="rm.g", consent_sms=1)
        db.users.add("mkt", "市场部甲", "marketer", "HO")
        db.users.add("mkt2", "市场部乙", "marketer", "HO")
        db.actor = "mkt"
        db.campaigns.create("XS", self.CAMPAIGN)
        db.campaigns.submit("XS")
        db.actor = "mkt2"
        db.campaigns.approve("XS")
        db.campaigns.target("XS")
        self.assertEqual(db.campaigns.dispatch("XS"), (2, 0))
        db.actor = "rm.a"
        (lead,) = db.leads.list(campaign="XS")
        db.leads.outcome(lead["id"], "converted", 20000)
        db.actor = "mkt"
        evaluation = db.campaigns.evaluate("XS")
        db.actor = "admin"
        return evaluation

    def test_campaign_analysis(self):
        evaluation = self._campaign()
        (row,) = self.db.reports.run("campaign-analysis", period="2026-11")
        self.assertEqual((row["campaign_code"], row["targeted"], row["control"],
                          row["suppressed"], row["suppressed_by_reason"], row["converted"]),
                         ("XS", 2, 0, 3, "未授权 no_consent 3", 1))
        for field in ("target_rate_bps", "uplift_bps", "revenue"):
            self.assertEqual(row[field], evaluation[field], field)
        self.assertEqual(row["uplift_bps"], 5000)
        self.assertNotIn("roi_bps", row)  # nothing spent: no ROI, as evaluated
        self.assertEqual((row["goals"], row["goals_met"], row["goal_attainment_bps"]),
                         (1, 0, 5000))
        detail = list(self.db.reports.run("campaign-channels", period="2026-11",
                                          campaign_code="XS"))
        self.assertEqual([(r["grp"], r["line"], r["customers"], r["converted"])
                          for r in detail],
                         [("target", "短信 sms", 2, 1),
                          ("suppressed", "未授权 no_consent", 3, 0)])
        self.assertEqual(list(self.db.reports.run("campaign-analysis", period="2026-12")), [])
        self.db.actor = "rm.g"
        (row,) = self.db.reports.run("campaign-analysis", period="2026-11")
        self.assertEqual((row["targeted"], row["suppressed"], row["converted"]), (1, 1, 0))
        path = self.path("ca.csv")
        self.db.actor = "admin"
        self.db.reports.write("campaign-analysis", path, period="2026-11")
        with open(path, encoding="utf-8", newline="") as f:
            (line,) = csv.DictReader(f)
        self.assertEqual((line["campaign_code"], line["revenue"]), ("XS", "200.00"))

    def test_rm_performance_with_campaign_leads(self):
        self._campaign()
        rows = list(self.db.reports.run("rm-performance", period="2026-11"))
        self.assertEqual([(r["manager"], r["leads"], r["leads_contacted"], r["conversions"],
                           r.get("conversion_pct"), r["converted_amount"]) for r in rows],
                         [("rm.a", 1, 1, 1, 100, 20000), ("rm.g", 1, 0, 0, 0, 0)])
        self.assertIsInstance(rows[0]["converted_amount"], crm.Money)

    def test_catalog_loads_definitions(self):
        with crm.ReportCatalog() as cat:
            cat.load("""
name: txn-by-channel
title: 渠道交易
dataset: >-
  SELECT channel, count(*) AS n FROM crm_v_txn, crm_v_period p
  WHERE at >= p.start_at AND at < p.end_at GROUP BY channel
columns:
  - {name: channel, label: 渠道}
  - {name: n, label: 笔数, type: int}
""")
            self.assertIn("txn-by-channel", cat.names())
            rows = list(self.db.reports.run("txn-by-channel", period="2026-10", catalog=cat))
            self.assertEqual(rows, [{"channel": "mobile", "n": 2}])
            with self.assertRaisesRegex(crm.InvalidData, "field title"):
                cat.load("{name: broken, dataset: SELECT 1 AS a, columns: [{name: a, label: A}]}")
