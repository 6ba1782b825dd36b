import unittest

import crm
from .support import TempDirCase

T0 = 1793491200  # 2026-11-01T00:00:00Z
HOUR = 3600
DAY = 86400


class ComplaintCase(TempDirCase):
    """A desk with a GENERAL team (handler kf.a, supervisor sup.a) and a
    clock the test moves."""

    def setUp(self):
        super().setUp()
        self.now = T0
        self.db = self.open(clock=lambda: self.now)
        self.db.bootstrap("HO", "总行", "admin", "系统管理员")
        self.db.actor = "admin"
        self.db.branches.add("SH", "上海分行", parent="HO")
        for name, roles in (("kf.a", "complaint_handler"), ("sup.a", "complaint_handler"),
                            ("bm.sh", "branch_manager"), ("aud", "auditor")):
            self.db.users.add(name=name, display_name=name, roles=roles, branch="SH")
        self.db.complaints.team_add("GENERAL", "综合组", supervisor="sup.a")
        self.db.complaints.member_add("GENERAL", "kf.a", skills=["fee", "service"])

    def open_fee(self, **fields):
        return self.db.complaints.open("phone", "fee", "年费重复扣收", "信用卡年费被扣了两次",
                                       branch="SH", **fields)


class ComplaintTest(ComplaintCase):
    def test_open_assign_and_read(self):
        no = self.open_fee(contact_phone="13912345678", severity="high")
        self.assertTrue(no.startswith("TS20261101"))
        ticket = self.db.complaints.get(no)
        self.assertEqual(ticket["state"], "assigned")
        self.assertEqual(ticket["assignee"], "kf.a")
        self.assertEqual(ticket["team"], "GENERAL")
        self.assertEqual(ticket["contact_phone"], "139****5678")
        self.assertEqual(ticket["ack_due_at"], "2026-11-01T08:00:00Z")
        self.assertEqual(self.db.complaints.reveal(no, "contact_phone", "回访"), "13912345678")
        self.assertEqual([t["ticket_no"] for t in self.db.complaints.list(open=1)], [no])
        with self.assertRaisesRegex(crm.InvalidData, "field category"):
            self.db.complaints.open("phone", "weather", "x", "y")

    def test_workflow_refuses_and_records(self):
        no = self.open_fee()
        with self.assertRaisesRegex(crm.InvalidState, "assigned -> closed is not allowed"):
            self.db.complaints.transition(no, "closed")
        self.now += HOUR
        self.db.complaints.transition(no, "in_progress", note="已联系客户")
        self.db.complaints.transition(no, "waiting_customer", note="等待流水")
        self.now += 3 * DAY
        self.db.complaints.transition(no, "in_progress")
        self.db.complaints.extend(no, "需要调查")
        with self.assertRaises(crm.InvalidState):
            self.db.complaints.extend(no, "再延")
        self.db.complaints.transition(no, "resolved", note="已退费")
        self.db.complaints.rate(no, 5)
        self.db.complaints.note(no, "客户满意")
        kinds = [e["kind"] for e in self.db.complaints.history(no)]
        self.assertEqual(kinds, ["open", "assign", "transition", "transition", "transition",
                                 "transition", "extend", "transition", "rate", "note"])
        ticket = self.db.complaints.get(no)
        self.assertEqual(ticket["resolve_used_seconds"], HOUR)  # waiting did not count
        self.assertEqual(ticket["satisfaction"], 5)
        self.assertEqual(ticket["extended"], 1)

    def test_sla_scan_calls_back(self):
        no = self.open_fee()
        seen = []
        self.now = T0 + 24 * HOUR + 1
        summary = self.db.complaints.sla_scan(notify=seen.append)
        self.assertEqual(summary["breached"], 1)
        self.assertEqual(summary["escalated"], 1)
        self.assertEqual([(n["ticket_no"], n["event"], n["recipient"]) for n in seen],
                         [(no, "breached", "sup.a")])
        self.now = T0 + 72 * HOUR
        self.db.complaints.sla_scan(notify=seen.append)
        self.assertEqual(seen[-1]["event"], "branch_manager")
        self.assertEqual(seen[-1]["recipient"], "bm.sh")
        self.assertEqual(self.db.complaints.sla_scan()["escalated"], 0)

    def test_callback_exception_stops_the_scan(self):
        self.open_fee()
        self.now = T0 + 2 * DAY

        def boom(notice):
            raise RuntimeError("pager down")

        with self.assertRaisesRegex(RuntimeError, "pager down"):
            self.db.complaints.sla_scan(notify=boom)

    def test_config_and_analysis(self):
        self.assertIn("waiting_customer", self.db.complaints.config)
        with self.assertRaisesRegex(crm.InvalidData, "workflow"):
            self.db.complaints.config = "workflow: []"
        for day in range(10):
            self.now = T0 + day * DAY
            for _ in range(1 if day < 9 else 12):
                self.open_fee()
        rows = list(self.db.complaints.hotspots(since="2026-11-08", until="2026-11-11"))
        self.assertEqual([(r["key"], r["bucket_start"]) for r in rows],
                         [("fee", "2026-11-10T00:00:00Z")])
        stats = list(self.db.complaints.stats(by="channel"))
        self.assertEqual(stats[0]["key"], "phone")
        self.assertEqual(stats[0]["count"], 21)
        terms = [t["term"] for t in self.db.complaints.terms(limit=20)]
        self.assertIn("年费", terms)

    def test_auditor_reads_but_does_not_write(self):
        no = self.open_fee()
        self.db.actor = "aud"
        self.assertEqual(self.db.complaints.get(no)["state"], "assigned")
        with self.assertRaises(crm.PermissionDenied):
            self.db.complaints.note(no, "x")


if __name__ == "__main__":
    unittest.main()
