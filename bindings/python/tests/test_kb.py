import os
import unittest

import crm
from .support import BankCase

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))


class KnowledgeBaseTest(BankCase):
    def setUp(self):
        super().setUp()
        with open(os.path.join(ROOT, "examples", "kb", "articles.yaml"), encoding="utf-8") as f:
            self.count = self.db.kb.import_text(f.read())

    def test_import_search_and_get(self):
        self.assertGreaterEqual(self.count, 20)
        hits = list(self.db.kb.search("银行卡挂失", limit=3))
        self.assertEqual(hits[0]["code"], "CARD-LOSS")
        self.assertGreater(hits[0]["score_x1000"], 0)
        self.assertEqual(self.db.kb.get("UKEY")["status"], "published")
        self.assertIn("FRAUD", [a["code"] for a in self.db.kb.list(kind="policy")])
        with self.assertRaises(crm.NotFound):
            self.db.kb.get("NOPE")

    def test_add_and_conflict(self):
        self.db.kb.add("GOLD", "积存金", "积存金按克购买", tags=["黄金"])
        self.assertEqual(self.db.kb.get("GOLD")["tags"], "黄金")
        with self.assertRaises(crm.Conflict):
            self.db.kb.add("GOLD", "积存金", "重复")

    def test_answer_and_handoff(self):
        answer = self.db.kb.answer("银行卡丢了怎么挂失")
        self.assertEqual(answer["code"], "CARD-LOSS")
        self.assertEqual(answer["answered"], 1)
        self.assertGreater(answer["confidence"], 0.2)
        self.assertLessEqual(answer["confidence"], 1.0)
        off = self.db.kb.answer("明天北京会下雨吗", handoff={"contact_phone": "13800138000"})
        self.assertEqual(off["answered"], 0)
        self.assertLess(off["confidence"], 0.2)
        ticket = self.db.complaints.get(off["handoff_ticket"])
        self.assertEqual(ticket["kind"], "consultation")
        self.assertEqual(ticket["contact_phone"], "138****8000")
        with self.assertRaises(crm.InvalidArgument):
            self.db.kb.answer("挂失", min_confidence=2)

    def test_suggest(self):
        no = self.db.complaints.open("phone", "transfer", "跨行转账未到账", "汇款一天了还没有到账")
        self.assertEqual(next(iter(self.db.kb.suggest(no)))["code"], "TRANSFER-DELAY")


if __name__ == "__main__":
    unittest.main()
