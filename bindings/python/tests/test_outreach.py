import os
import time
import unittest

import crm
from crm import outreach
from .support import FIXED_NOW, TempDirCase


class OutreachCase(TempDirCase):
    """Head office customers C001 (王, sms), C002 (李, email only), C003
    (high net worth, manager rm.a); the clock fixed at 2027-01-15T08:00Z
    (16:00 at UTC+8, outside quiet hours); everyone born on 15 January."""

    def setUp(self):
        super().setUp()
        self.now = FIXED_NOW
        self.db = self.open(clock=lambda: self.now)
        self.db.bootstrap("HO", "总行", "admin", "系统管理员")
        self.db.actor = "admin"
        self.db.users.add(name="rm.a", display_name="甲", roles="relationship_manager",
                          branch="HO")
        people = [("C001", "王小明", "M", 1, 0, 1000), ("C002", "李芳", "F", 0, 1, 1000),
                  ("C003", "欧阳娜娜", "F", 1, 1, 9_000_000)]
        for no, name, gender, sms, email, assets in people:
            self.db.customers.create(no, name, "HO", id_type="passport", gender=gender,
                                     birth_date="1980-01-15", consent_sms=sms,
                                     consent_email=email, manager="rm.a",
                                     total_assets=crm.Money(assets * 100))


class OutreachTest(OutreachCase):
    def test_render_and_segments(self):
        text = self.db.messages.render("{salutation}，{product}热销", "sms", "C001",
                                       product="稳盈一号")
        self.assertEqual(text, "王先生，稳盈一号热销拒收请回复R")
        self.assertEqual(outreach.segments("字" * 70), 1)
        self.assertEqual(outreach.segments("字" * 71), 2)
        with self.assertRaisesRegex(crm.InvalidData, "{unknown}"):
            self.db.messages.render("{unknown}", "sms", "C001")

    def test_callable_channel_retries_then_delivers_once(self):
        stats = self.db.care.run("2027-01-15")
        self.assertEqual((stats["messages"], stats["tasks"]), (2, 1))
        seen = {}
        state = {"down": True}

        def deliver(message):
            if state["down"]:
                raise ConnectionError("gateway down")  # counts as transient
            seen[message["idem_key"]] = seen.get(message["idem_key"], 0) + 1
            return outreach.CHANNEL_OK

        self.db.channels.register("sms", deliver)
        self.db.channels.register("email", deliver)
        out = self.db.messages.send()
        self.assertEqual((out["sent"], out["retried"], out["remaining"]), (0, 2, 2))
        state["down"] = False
        self.now += 3600
        out = self.db.messages.send()
        self.assertEqual((out["sent"], out["remaining"]), (2, 0))
        self.assertEqual(seen, {"care:birthday:2027-01-15:C001:sms": 1,
                                "care:birthday:2027-01-15:C002:email": 1})
        self.assertEqual(self.db.care.run("2027-01-15")["already"], 3)
        self.db.channels.register("sms", None)

    def test_spool_events_and_optout(self):
        self.db.care.run("2027-01-15")
        spool = os.path.join(self.dir, "spool")
        os.mkdir(spool)
        self.db.channels.spool("sms", spool)
        self.db.channels.spool("email", spool)
        self.assertEqual(self.db.messages.send()["sent"], 2)
        self.assertEqual(sorted(os.listdir(spool)),
                         ["care_birthday_2027-01-15_C001_sms.msg",
                          "care_birthday_2027-01-15_C002_email.msg"])
        key = "care:birthday:2027-01-15:C001:sms"
        self.assertEqual(self.db.events.ingest(event_key="e1", kind="delivered", idem_key=key),
                         ("recorded", False))
        self.assertEqual(self.db.events.ingest(event_key="e1", kind="delivered", idem_key=key),
                         ("duplicate", False))
        counts = self.db.events.ingest_jsonl(
            '{"event_key": "e2", "kind": "replied", "idem_key": "%s", "text": "退订"}\n' % key)
        self.assertEqual((counts["recorded"], counts["optouts"]), (1, 1))
        self.assertEqual(self.db.customers.get("C001")["consent_sms"], 0)
        self.assertEqual([(o["customer_no"], o["channel"]) for o in self.db.optouts.list()],
                         [("C001", "sms")])
        self.db.optouts.add("C002", channel="email", source="柜台")
        self.assertEqual(len(list(self.db.optouts.list("C002"))), 1)
        sent = list(self.db.messages.list(state="sent"))
        self.assertEqual(len(sent), 2)

    def test_campaign_effectiveness(self):
        # one marketer creates, another approves (four eyes); SMS only, so
        # C002 (email only) is suppressed and C001 and C003 are the targets
        db = self.db
        for name in ("mk", "mk2"):
            db.users.add(name=name, display_name=name, roles="marketer", branch="HO")
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        db.actor = "mk"
        db.campaigns.create("WM", "name: 稳盈\nstart: %s\nend: %s\n"
                            "channels: [{channel: sms, body: \"{salutation}：{campaign}\"}]\n"
                            % (iso(self.now - 86400), iso(self.now + 86400)))
        db.campaigns.submit("WM")
        db.actor = "mk2"
        db.campaigns.approve("WM")
        counts = db.campaigns.target("WM")
        self.assertEqual((counts["target"], counts["no_consent"]), (2, 1))
        db.campaigns.schedule("WM")
        db.campaigns.start("WM")
        db.actor = "admin"
        self.assertEqual(self.db.messages.queue("WM"), 2)
        self.assertEqual(self.db.messages.queue("WM"), 0)
        self.db.channels.register("sms", lambda m: True)
        self.assertEqual(self.db.messages.send(campaign="WM")["sent"], 2)
        key = "campaign:WM:v1:C001:sms"
        self.db.events.ingest(event_key="d", kind="delivered", idem_key=key,
                              at="2027-01-15T08:00:00Z")
        self.assertEqual(self.db.events.ingest(event_key="c", kind="clicked", idem_key=key,
                                               at="2027-01-15T08:00:01Z")[0], "flagged")
        self.db.events.ingest(event_key="v", kind="converted", idem_key=key,
                              amount=crm.Money(100_000_00))
        rows = list(self.db.events.effectiveness("WM", by="province"))
        self.assertEqual([(r["sent"], r["clicked"], r["converted"], r["amount"]) for r in rows],
                         [(2, 0, 1, 100_000_00)])
        pace = self.db.events.pace("WM")
        self.assertEqual((pace["targets"], pace["actual"]), (2, 1))

    def test_config_and_calendar(self):
        self.assertIn("spring_festival", self.db.care.config)
        self.db.care.config = "care: {hnw_threshold_yuan: 100000000}\n"
        self.assertEqual(self.db.care.run("2027-01-15")["tasks"], 0)
        with self.assertRaisesRegex(crm.InvalidData, "care.channels"):
            self.db.care.config = "care: {channels: [fax]}\n"
        days = {r["occasion"]: r["date"] for r in self.db.care.calendar(2028)}
        self.assertEqual(days["dragon_boat"], "2028-05-28")


if __name__ == "__main__":
    unittest.main()
