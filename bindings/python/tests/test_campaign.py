import unittest

import crm
from .support import FIXED_NOW, TempDirCase

DEFINITION = """name: 稳盈理财首发
products: [WM01]
segments: [全部]
budget: 1000
control_bps: 0
lead_due_days: 3
channels:
  - {channel: sms, body: "{salutation}，{product}现已发售"}
  - {channel: email, subject: 首发, body: "{product}"}
goals:
  - {metric: wealth_sales, target: 100000, deadline: 2027-12-31}
rewards:
  tiers:
    - {min: 100000, max: 500000, bonus_bps: 50}
  per_customer_cap: 600
  referral: {referrer: 50, referee: 30}
"""


class CampaignCase(TempDirCase):
    """Branch BJ with rm.a; C1, C2 suitable and consenting (C2 without an RM),
    C3 unsuitable (C1 for an R3 product), C4 without consent; the clock
    stands at FIXED_NOW (2027-01-15)."""

    def setUp(self):
        super().setUp()
        self.db = self.open(clock=lambda: FIXED_NOW)
        db = self.db
        db.bootstrap("HO", "总行", "admin", "系统管理员")
        db.actor = "admin"
        db.branches.add("BJ", "北京分行", parent="HO")
        db.users.add(name="rm.a", display_name="甲", roles="relationship_manager", branch="BJ")
        for name in ("mkt", "mkt2"):
            db.users.add(name=name, display_name=name, roles="marketer", branch="HO")
        db.products.add("WM01", "稳盈理财", type="wealth", risk_rating="R3")
        people = [("C1", "rm.a", "C4", 1, 1), ("C2", None, "C5", 1, 0),
                  ("C3", "rm.a", "C1", 1, 1), ("C4", "rm.a", "C4", 0, 0)]
        for no, rm, level, sms, email in people:
            fields = dict(id_type="passport", risk_level=level,
                          risk_assessed_at=crm.Date("2026-12-01"), consent_sms=sms,
                          consent_email=email, total_assets=crm.Money(10000000))
            if rm:
                fields["manager"] = rm
            db.customers.create(no, "客户" + no, "BJ", **fields)
        db.segments.create("全部", '{">=": [{"var": "assets"}, 0]}')

    def approved(self, code="WM", definition=DEFINITION):
        db = self.db
        db.actor = "mkt"
        db.campaigns.create(code, definition)
        db.campaigns.submit(code)
        with self.assertRaises(crm.PermissionDenied):
            db.campaigns.approve(code)  # four eyes
        db.actor = "mkt2"
        db.campaigns.approve(code)
        db.actor = "mkt"


class CampaignTest(CampaignCase):
    def test_lifecycle_versions_and_templates(self):
        self.approved()
        camps = self.db.campaigns
        self.assertEqual(camps.get("WM")["status"], "approved")
        self.assertEqual(camps.get("WM")["budget"], crm.Money(100000))
        with self.assertRaises(crm.InvalidState):
            camps.start("WM")
        self.assertEqual(camps.update("WM", DEFINITION), 2)
        info = camps.get("WM")
        self.assertEqual((info["version"], info["status"], info["active_version"]),
                         (2, "draft", 1))
        camps.submit("WM")
        self.db.actor = "mkt2"
        camps.reject("WM", "预算需调整")
        self.assertEqual(camps.get("WM")["decision_reason"], "预算需调整")
        self.db.actor = "mkt"
        names = [t["name"] for t in camps.templates()]
        for name in ("wealth_launch", "holiday_promotion", "dormant_reactivation",
                     "birthday_offer", "card_activation"):
            self.assertIn(name, names)
        camps.from_template("CARD", "card_activation", {"name": "激活有礼"})
        self.assertEqual(camps.get("CARD")["name"], "激活有礼")
        self.assertEqual([c["code"] for c in camps.list(status="draft")], ["CARD"])
        with self.assertRaises(crm.InvalidData):
            camps.create("BAD", "name: x\nbudget: 0.001\nchannels: [{channel: sms, body: x}]")

    def test_target_dispatch_reward_evaluate(self):
        self.approved()
        db, camps = self.db, self.db.campaigns
        counts = camps.target("WM")
        self.assertEqual((counts["eligible"], counts["target"], counts["unsuitable"],
                          counts["no_consent"]), (4, 2, 1, 1))
        targets = {t["customer_no"]: t["channel"] for t in camps.targets("WM", grp="target")}
        self.assertEqual(targets, {"C1": "sms", "C2": "sms"})
        self.assertEqual(camps.dispatch("WM"), (2, 0))
        db.actor = "rm.a"
        leads = list(db.leads.list(campaign="WM"))
        self.assertEqual(sorted(lead["customer_no"] for lead in leads), ["C1", "C2"])
        self.assertEqual(leads[0]["due_at"], crm.format_time(FIXED_NOW + 3 * 86400))
        db.leads.outcome(leads[0]["id"], "converted", amount=crm.Money(30000000), note="已购买")
        with self.assertRaises(crm.InvalidState):
            db.leads.outcome(leads[0]["id"], "declined")
        db.actor = "mkt"
        camps.refer("WM", "C1", "C2")
        camps.schedule("WM")
        camps.start("WM")
        got = camps.reward("WM", "C2", crm.Money(20000000), "P1")
        # the per-customer cap (600 yuan) leaves nothing for C2's referee reward
        self.assertEqual((got["reward"], got["referral_reward"], got["referrer_reward"]),
                         (60000, 0, 5000))
        self.assertEqual(got["capped"], 1)
        again = camps.reward("WM", "C2", crm.Money(20000000), "P1")
        self.assertEqual((again["repeated"], again["reward"]), (1, 60000))
        db.actor = "admin"
        db.transactions.add("C2", "purchase", crm.Money(20000000), "mobile", product_code="WM01")
        db.actor = "mkt"
        ev = camps.evaluate("WM")
        self.assertEqual((ev["target_size"], ev["conversions"]), (2, 2))
        self.assertEqual(ev["reward_cost"], 65000)
        self.assertEqual(ev["revenue"], 50000000)
        goal = ev["goals"][0]
        self.assertEqual((goal["metric"], goal["achieved"], goal["met"]),
                         ("wealth_sales", 20000000, True))
        camps.complete("WM")
        cases = list(camps.cases())
        self.assertEqual(cases[0]["code"], "WM")
        self.assertEqual(cases[0]["summary"]["conversions"], 2)

    def test_policy(self):
        camps = self.db.campaigns
        self.db.actor = "mkt"
        self.assertEqual(camps.policy(), {"freq_cap": 4, "freq_window_days": 30,
                                          "quiet_start_min": 1260, "quiet_end_min": 480,
                                          "utc_offset_min": 480})
        camps.set_policy(freq_cap=2, quiet_end_min=450, utc_offset_min=420)
        self.assertEqual(camps.policy()["freq_cap"], 2)
        self.assertEqual(camps.policy()["utc_offset_min"], 420)
        self.assertEqual(camps.policy()["quiet_end_min"], 450)
        with self.assertRaises(crm.InvalidData):
            camps.set_policy(freq_window_days=0)
        self.db.actor = "rm.a"
        with self.assertRaises(crm.PermissionDenied):
            camps.set_policy(freq_cap=9)


if __name__ == "__main__":
    unittest.main()
