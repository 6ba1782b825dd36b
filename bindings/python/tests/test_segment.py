import gc
import unittest

import crm
from .support import FIXED_NOW, TempDirCase

SEED = """and:
  - ">=": [{var: age}, 35]
  - "<=": [{var: age}, 45]
  - "==": [{var: city}, 北京]
  - ">=": [{var: assets}, 50000000]
"""


class SegmentCase(TempDirCase):
    """Branches BJ and GZ; C001 (rm.a) and C003 (rm.b) match the seed rule
    in Beijing, C004 in Guangzhou does not; the clock is at 2027-01-15."""

    def setUp(self):
        super().setUp()
        self.db = self.open(clock=lambda: FIXED_NOW)
        db = self.db
        db.bootstrap("HO", "总行", "admin", "系统管理员")
        db.actor = "admin"
        db.branches.add("BJ", "北京分行", parent="HO")
        db.branches.add("GZ", "广州分行", parent="HO")
        for rm in ("rm.a", "rm.b"):
            db.users.add(name=rm, display_name=rm, roles="relationship_manager", branch="BJ")
        db.users.add(name="bm.gz", display_name="bm", roles="branch_manager", branch="GZ")
        people = [("C001", "BJ", "rm.a", "1985-03-01", "北京", 600000),
                  ("C002", "BJ", "rm.b", "1980-06-01", "北京", 800000),
                  ("C003", "BJ", "rm.b", "1988-12-31", "北京", 500000),
                  ("C004", "GZ", None, "1986-05-05", "广州", 900000)]
        for no, branch, rm, birth, city, yuan in people:
            fields = dict(id_type="passport", birth_date=crm.Date(birth), city=city,
                          total_assets=crm.Money(yuan * 100))
            if rm:
                fields["manager"] = rm
            db.customers.create(no, "客户" + no, branch, **fields)

    def numbers(self, it):
        return [m["customer_no"] for m in it]


class SegmentTest(SegmentCase):
    def test_preview_refresh_members_diff(self):
        segs = self.db.segments
        self.assertEqual(segs.preview(SEED), 2)
        segs.create("seed", SEED, description="种子客群")
        self.assertEqual(self.numbers(segs.members("seed")), ["C001", "C003"])
        info = segs.get("seed")
        self.assertEqual((info["kind"], info["members"], info["live"]), ("rule", 2, 0))
        version = self.db.customers.get("C003")["version"]
        self.db.customers.update("C003", version, total_assets=crm.Money(100))
        result = segs.refresh("seed")
        self.assertEqual((result["members"], result["joined"], result["left"], result["method"]),
                         (1, 0, 1, "sql"))
        self.assertEqual(segs.preview(SEED), result["members"])
        self.assertEqual([(d["customer_no"], d["change"]) for d in segs.diff("seed")],
                         [("C003", "left")])
        self.assertEqual([s["name"] for s in segs], ["seed"])
        with self.assertRaisesRegex(crm.NotFound, 'did you mean "city"'):
            segs.create("bad", '{"==": [{"var": "cty"}, 1]}')
        with self.assertRaises(crm.Conflict):
            segs.create("seed", SEED)

    def test_rm_sees_only_own_book(self):
        self.db.segments.create("seed", SEED)
        self.db.actor = "rm.a"
        self.assertEqual(self.numbers(self.db.segments.members("seed")), ["C001"])
        with self.assertRaises(crm.PermissionDenied):
            self.db.segments.refresh("seed")

    def test_static_sets_and_branch_zones(self):
        segs = self.db.segments
        segs.create("seed", SEED)
        segs.create_static("picked", ["C001", "C004"])
        segs.create_set("u", "union", ["seed", "picked"])
        segs.create_set("i", "intersection", ["seed", "picked"])
        segs.create_set("x", "exclusion", ["seed", "picked"])
        self.assertEqual(self.numbers(segs.members("u")), ["C001", "C003", "C004"])
        self.assertEqual(self.numbers(segs.members("i")), ["C001"])
        self.assertEqual(self.numbers(segs.members("x")), ["C003"])
        with self.assertRaises(crm.InvalidArgument):
            segs.create_set("bad", "xor", ["seed", "picked"])
        with self.assertRaises(crm.InvalidState):
            segs.delete("seed")
        self.db.actor = "bm.gz"
        segs.create("gz_rich", '{">=": [{"var": "assets"}, 1]}')
        self.assertEqual(self.numbers(segs.members("gz_rich")), ["C004"])
        self.assertEqual(segs.get("gz_rich")["branch"], "GZ")
        with self.assertRaises(crm.PermissionDenied):
            segs.create("bj", SEED, branch="BJ")
        self.db.actor = "rm.a"
        self.assertNotIn("gz_rich", [s["name"] for s in segs.list()])


class LiveSegmentTest(SegmentCase):
    def test_events_in_the_writing_transaction(self):
        segs = self.db.segments
        seen = []
        sub = segs.subscribe(lambda seg, no, joined: seen.append((seg, no, joined)))
        gc.collect()  # the binding keeps the callback alive
        segs.create("busy", '{">=": [{"var": "txn_count_90d"}, 1]}', live=True)
        segs.create("rich", '{">=": [{"var": "assets"}, 70000000]}', live=True)
        self.db.transactions.add("C001", "deposit", crm.Money(100), "mobile")
        self.assertEqual(seen, [("busy", "C001", True)])
        with self.assertRaises(RuntimeError):
            with self.db.transaction():
                version = self.db.customers.get("C003")["version"]
                self.db.customers.update("C003", version, total_assets=crm.Money(90000000))
                self.assertIn("C003", self.numbers(segs.members("rich")))
                raise RuntimeError("roll back")
        self.assertEqual(seen[-1], ("rich", "C003", True))
        self.assertEqual(self.numbers(segs.members("rich")), ["C002", "C004"])
        # a subscriber that says no refuses the change
        segs.unsubscribe(sub)
        segs.subscribe(lambda seg, no, joined: True)
        version = self.db.customers.get("C003")["version"]
        with self.assertRaises(crm.InvalidState):
            self.db.customers.update("C003", version, total_assets=crm.Money(90000000))
        self.assertEqual(self.numbers(segs.members("rich")), ["C002", "C004"])


if __name__ == "__main__":
    unittest.main()
