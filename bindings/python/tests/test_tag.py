import unittest

import crm
from .support import FIXED_NOW

from .test_segment import SegmentCase

DAY = 86400


class TagTest(SegmentCase):
    def setUp(self):
        super().setUp()
        tags = self.db.tags
        tags.add_category("客户价值")
        tags.add_category("资产", parent="客户价值")
        tags.add("vip", parent="客户价值")
        tags.add("高净值", parent="资产", rule='{">=": [{"var": "assets"}, 70000000]}')

    def test_taxonomy(self):
        self.assertEqual([(t["path"], t["kind"]) for t in self.db.tags],
                         [("客户价值", "category"), ("客户价值/vip", "tag"),
                          ("客户价值/资产", "subcategory"), ("客户价值/资产/高净值", "tag")])
        with self.assertRaises(crm.InvalidData):
            self.db.tags.add("x", parent="vip")
        with self.assertRaises(crm.Conflict):
            self.db.tags.add("vip", parent="资产")
        self.assertEqual(crm.tag.source_name(3), "model")

    def test_rule_refresh_and_stats(self):
        self.assertEqual(self.db.tags.refresh(), 2)
        self.assertEqual(self.db.segments.preview('{"in": ["高净值", {"var": "tags"}]}'), 2)
        self.db.tags.apply("C001", "vip")
        self.db.tags.apply("C003", "vip", source="model", valid_to="2027-02-01")
        stats = {s["tag"]: s for s in self.db.tags.stats()}
        self.assertEqual((stats["vip"]["customers"], stats["vip"]["manual"],
                          stats["vip"]["model"]), (2, 1, 1))
        self.assertEqual(stats["高净值"]["rule"], 2)
        self.db.actor = "rm.a"
        stats = {s["tag"]: s for s in self.db.tags.stats()}
        self.assertEqual(stats["vip"]["customers"], 1)
        with self.assertRaises(crm.PermissionDenied):
            self.db.tags.refresh()

    def test_validity_expires_on_the_clock(self):
        now = [FIXED_NOW]
        db = self.open("clocked.db", clock=lambda: now[0])
        db.bootstrap("HO", "总行", "admin", "系统管理员")
        db.actor = "admin"
        db.customers.create("C9", "客户", "HO", id_type="passport")
        db.tags.add_category("偏好")
        db.tags.add("理财", parent="偏好")
        db.tags.apply("C9", "理财", source="model", valid_to="2027-02-01")
        has = '{"in": ["理财", {"var": "tags"}]}'
        self.assertEqual(db.segments.preview(has), 1)
        self.assertEqual([t["valid"] for t in db.tags.of("C9")], [1])
        now[0] = FIXED_NOW + 30 * DAY
        self.assertEqual(db.segments.preview(has), 0)
        self.assertEqual([t["valid"] for t in db.tags.of("C9")], [0])
        db.tags.remove("C9", "理财", source="model")
        with self.assertRaises(crm.NotFound):
            db.tags.remove("C9", "理财", source="model")
        with self.assertRaises(crm.InvalidArgument):
            db.tags.apply("C9", "理财", source="guess")
        db.close()


if __name__ == "__main__":
    unittest.main()
