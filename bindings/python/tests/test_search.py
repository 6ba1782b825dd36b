import unittest

import crm
import crm.search
from .support import BankCase


def resident_id(region, birth, seq):
    """An 18-character resident ID with its check character."""
    body = "%s%s%03d" % (region, birth, seq)
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


class SearchTest(BankCase):
    def setUp(self):
        super().setUp()
        db = self.db
        db.branches.add("BJ01", "北京朝阳支行", parent="BJ")
        db.users.add(name="rm1", display_name="客户经理一", roles=["relationship_manager"],
                     branch="BJ01")
        db.users.add(name="rm2", display_name="客户经理二", roles=["relationship_manager"],
                     branch="BJ01")
        self.zhang_id = resident_id("110105", "19900307", 1)
        db.customers.create("C001", "张三", "BJ01", manager="rm1", id_number=self.zhang_id,
                            phone="13900000001", total_assets=crm.Money(500000))
        db.customers.create("C002", "王小明", "BJ01", manager="rm2",
                            id_number=resident_id("310101", "19851020", 11),
                            phone="13900000002", total_assets=crm.Money(900000))
        db.customers.create("C003", "小明", "BJ01", manager="rm1", phone="13900000002",
                            total_assets=crm.Money(100))
        db.customers.create("C004", "李娜", "BJ", id_number="110105491231002",
                            email="Li.Na@Example.com")

    def nos(self, rows):
        return [row["customer_no"] for row in rows]

    def test_find_by(self):
        s = crm.search
        self.assertEqual(self.nos(s.find_by(self.db, "id_number", self.zhang_id)), ["C001"])
        self.assertEqual(self.nos(s.find_by(self.db, "id_number", "110105491231002")), ["C004"])
        self.assertEqual(self.nos(s.find_by(self.db, "phone", "+8613900000002")),
                         ["C002", "C003"])
        self.assertEqual(self.nos(s.find_by(self.db, "email", "LI.NA@example.COM")), ["C004"])
        self.assertEqual(list(s.find_by(self.db, "customer_no", "C999")), [])
        row = next(s.find_by(self.db, "customer_no", "C001"))
        self.assertEqual(row["phone"], "139****0001")
        self.assertEqual(row["total_assets"], 500000)
        self.assertIsInstance(row["total_assets"], crm.Money)
        with self.assertRaises(crm.InvalidData) as cm:
            s.find_by(self.db, "phone", "12345")
        self.assertIn("phone", cm.exception.message)
        with self.assertRaises(crm.InvalidArgument):
            s.find_by(self.db, "nickname", "x")

    def test_search_filters_and_ranking(self):
        s = crm.search
        rows = list(s.search(self.db, name="小明"))
        self.assertEqual(self.nos(rows), ["C003", "C002"])
        self.assertEqual([r["match"] for r in rows], ["exact", "suffix"])
        self.assertEqual(self.nos(s.search(self.db, sort="-total_assets", limit=2)),
                         ["C002", "C001"])
        self.assertEqual(self.nos(s.search(self.db, assets_min=crm.Money(1000),
                                           assets_max=600000)), ["C001"])
        self.assertEqual(self.nos(s.search(self.db, branch="BJ01", gender="M",
                                           province=None)), ["C001", "C002"])
        self.assertEqual(self.nos(s.search(self.db, where={">=": [{"var": "age"}, 70]})),
                         ["C004"])
        with self.assertRaises(crm.InvalidArgument) as cm:
            s.search(self.db, nmae="张三")
        self.assertIn("nmae", cm.exception.message)
        # the activity variables are bound too; rules SQL cannot run are refused
        self.assertEqual(self.nos(s.search(self.db, where={">": [{"var": "txn_count_90d"}, 1]})),
                         [])
        with self.assertRaises(crm.NotSupported):
            s.search(self.db, where={"substr": [{"var": "city"}, 1]})

    def test_keyset_pages(self):
        for i in range(23):
            self.db.customers.create("P%03d" % i, "王%d号" % (i % 4), "HO",
                                     total_assets=crm.Money(i % 3))
        everything = self.nos(crm.search.search(self.db, name="王", sort="-total_assets"))
        pages = list(crm.search.pages(self.db, 5, name="王", sort="-total_assets"))
        self.assertEqual([len(p) for p in pages], [5, 5, 5, 5, 4])
        self.assertEqual([r["customer_no"] for p in pages for r in p], everything)
        self.assertEqual(len(set(everything)), 24)

    def test_access(self):
        self.db.actor = "rm1"
        self.assertEqual(self.nos(crm.search.search(self.db)), ["C001", "C003"])
        self.assertEqual(self.nos(crm.search.find_by(self.db, "phone", "13900000002")), ["C003"])
        self.assertEqual(list(crm.search.search(self.db, name="王小明")), [])
        self.assertEqual(list(crm.search.find_by(self.db, "customer_no", "C002")), [])

    def test_generator_closes_its_iterator(self):
        rows = crm.search.search(self.db)
        self.assertEqual(next(rows)["customer_no"], "C001")
        rows.close()
        self.db.close()


if __name__ == "__main__":
    unittest.main()
