import csv
import os

import crm
from .support import BankCase

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(first17):
    """A resident ID number with its GB 11643-1999 check character."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return first17 + "10X98765432"[total % 11]


HEADER = "customer_no,name,id_number,phone,total_assets,risk_level,branch\n"


class DataIOCase(BankCase):
    def write(self, name, text, encoding="utf-8"):
        path = self.path(name)
        with open(path, "w", encoding=encoding, newline="") as f:
            f.write(text)
        return path

    def customers_csv(self, *rows):
        return self.write("customers.csv", HEADER + "".join(rows))

    def row(self, no, name, seq, phone, assets="100.00"):
        return "%s,%s,%s,%s,%s,C3,BJ\n" % (
            no, name, id_number("11010119800101%03d" % seq), phone, assets)


class ImportTest(DataIOCase):
    def test_skip_mode_reports_bad_rows(self):
        path = self.customers_csv(self.row("C1", "张三", 1, "13800000001"),
                                  self.row("C2", "李四", 2, "1380000", "12.345"),
                                  self.row("C3", "王五", 3, "13800000003"))
        errors = self.path("errors.csv")
        stats = self.db.dataio.import_customers(path, mode="skip", errors_path=errors)
        self.assertEqual((stats.read, stats.inserted, stats.refused), (3, 2, 1))
        self.assertEqual(stats.bytes, os.path.getsize(path))
        with open(errors, encoding="utf-8", newline="") as f:
            report = list(csv.DictReader(f))
        self.assertEqual(report, [{"line": "3", "column": "total_assets",
                                   "reason": "more than 2 decimals (yuan are counted in whole fen)"}])
        self.assertEqual(self.db.customers.get("C3")["total_assets"], crm.Money(10000))

    def test_strict_raises_with_line_and_column(self):
        path = self.customers_csv(self.row("C1", "张三", 1, "13800000001"),
                                  self.row("C2", "李四", 2, "1380000"))
        with self.assertRaises(crm.InvalidData) as caught:
            self.db.dataio.import_customers(path)
        self.assertIn("customers.csv line 3, column phone", caught.exception.message)
        self.assertEqual(caught.exception.stats.refused, 1)
        self.assertEqual(caught.exception.stats.inserted, 0)
        with self.assertRaises(crm.NotFound):
            self.db.customers.get("C1")

    def test_gbk_and_duplicates(self):
        text = HEADER + self.row("C1", "欧阳娜娜", 1, "13800000001")
        path = self.write("gbk.csv", text, encoding="gbk")
        self.db.dataio.import_customers(path, encoding="gbk")
        self.assertEqual(self.db.customers.get("C1")["name"], "欧阳娜娜")
        again = self.write("again.csv", HEADER + self.row("C9", "欧阳娜娜", 1, "13800000001",
                                                           "500"))
        with self.assertRaises(crm.Conflict):
            self.db.dataio.import_customers(again)
        self.assertEqual(self.db.dataio.import_customers(again, on_duplicate="skip").skipped, 1)
        self.assertEqual(self.db.dataio.import_customers(again, on_duplicate="update").updated, 1)
        self.assertEqual(self.db.customers.get("C1")["total_assets"], crm.Money(50000))

    def test_progress_stops_and_errors_propagate(self):
        path = self.customers_csv(*[self.row("P%d" % i, "孙七", i, "139%08d" % i)
                                    for i in range(12)])
        seen = []
        stats = self.db.dataio.import_customers(
            path, mode="skip", batch_size=5, progress=lambda rows, nbytes: seen.append(rows))
        self.assertEqual(seen, [5, 10, 12])
        self.assertEqual(stats.inserted, 12)

        def boom(rows, nbytes):
            raise KeyError("stop here")

        with self.assertRaises(KeyError):
            self.db.dataio.import_customers(path, on_duplicate="skip", progress=boom,
                                            batch_size=5)
        with self.assertRaises(crm.InvalidState):
            self.db.dataio.import_customers(path, on_duplicate="skip", batch_size=5,
                                            progress=lambda rows, nbytes: True)

    def test_jsonl_and_bad_arguments(self):
        path = self.write("c.jsonl", '{"customer_no": "J1", "name": "张三", "branch": "BJ",'
                                     ' "annual_income": 12345.67, "consent_sms": true}\n')
        self.assertEqual(self.db.dataio.import_customers(path).inserted, 1)
        record = self.db.customers.get("J1")
        self.assertEqual(record["annual_income"], crm.Money(1234567))
        self.assertEqual(record["consent_sms"], 1)
        with self.assertRaises(crm.InvalidArgument):
            self.db.dataio.import_customers(path, mode="sometimes")
        with self.assertRaises(crm.NotFound):
            self.db.dataio.import_customers(self.path("missing.csv"))

    def test_transactions(self):
        self.db.dataio.import_customers(self.customers_csv(self.row("C1", "张三", 1, "13800000001")))
        path = self.write("t.csv", "customer_no,type,amount,channel,time\n"
                                   "C1,deposit,12.50,mobile,2026-11-01\n"
                                   "C2,deposit,1,mobile,2026-11-01\n")
        stats = self.db.dataio.import_transactions(path, mode="skip")
        self.assertEqual((stats.inserted, stats.refused), (1, 1))

    def test_transaction_feed_imported_twice(self):
        self.db.dataio.import_customers(self.customers_csv(self.row("C1", "张三", 1, "13800000001")))
        path = self.write("feed.csv", "ref,customer_no,type,amount,channel,time\n"
                                      "T1,C1,deposit,10,mobile,2026-11-01\n"
                                      "T2,C1,deposit,20,mobile,2026-11-02\n")
        self.assertEqual(self.db.dataio.import_transactions(path).inserted, 2)
        with self.assertRaisesRegex(crm.Conflict, "column ref"):
            self.db.dataio.import_transactions(path)
        stats = self.db.dataio.import_transactions(path, mode="skip", on_duplicate="skip")
        self.assertEqual((stats.inserted, stats.skipped), (0, 2))
        self.assertEqual(len(list(self.db.transactions.list("C1"))), 2)

    def test_holding_feed(self):
        self.db.dataio.import_customers(self.customers_csv(self.row("C1", "张三", 1, "13800000001")))
        self.db.products.add("WM01", "稳健理财", "wealth", "R2")
        path = self.write("h.csv", "customer_no,product_code,balance\n"
                                   "C1,WM01,5000.00\n"
                                   "C1,NOPE,1\n")
        stats = self.db.dataio.import_holdings(path, mode="skip")
        self.assertEqual((stats.inserted, stats.refused), (1, 1))
        self.assertEqual([h["balance"] for h in self.db.holdings.list("C1")],
                         [crm.Money(500000)])
        again = self.write("h2.csv", "customer_no,product_code,balance\nC1,WM01,6000\n")
        with self.assertRaisesRegex(crm.Conflict, "already holds WM01"):
            self.db.dataio.import_holdings(again)
        self.assertEqual(self.db.dataio.import_holdings(again, on_duplicate="update").updated, 1)
        self.assertEqual([h["balance"] for h in self.db.holdings.list("C1")],
                         [crm.Money(600000)])


class ExportTest(DataIOCase):
    def setUp(self):
        super().setUp()
        self.db.dataio.import_customers(self.customers_csv(
            self.row("C1", "张三", 1, "13812345678"), self.row("C2", "李四", 2, "13900000002")))

    def test_masked_by_default(self):
        out = self.path("out.csv")
        self.assertEqual(self.db.dataio.export_customers(out), 2)
        with open(out, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(rows[0]["phone"], "138****5678")
        self.assertEqual(rows[0]["total_assets"], "100.00")

    def test_clear_needs_reason_and_filters(self):
        out = self.path("out.jsonl")
        with self.assertRaises(crm.InvalidArgument):
            self.db.dataio.export_customers(out, clear=True)
        n = self.db.dataio.export_customers(out, clear=True, reason="migration", branch="BJ")
        self.assertEqual(n, 2)
        with open(out, encoding="utf-8") as f:
            self.assertIn('"phone":"13812345678"', f.read())
        with self.assertRaises(crm.InvalidArgument):
            self.db.dataio.export_customers(out, colour="red")


class ReportTest(DataIOCase):
    def test_quality_and_stats(self):
        self.db.dataio.import_customers(self.customers_csv(
            self.row("Q1", "周一", 1, "13811112222"), self.row("Q2", "吴二", 2, "13811112222",
                                                             "50")))
        kinds = {(r["kind"], r["customer_no"]) for r in self.db.dataio.quality()}
        self.assertIn(("duplicate_phone", "Q1,Q2"), kinds)
        rows = {r.get("key"): r for r in self.db.dataio.stats("risk_level")}
        self.assertEqual(rows["C3"]["customers"], 2)
        self.assertEqual(rows["C3"]["total_assets"], crm.Money(15000))
        with self.assertRaises(crm.InvalidArgument):
            list(self.db.dataio.stats("shoe_size"))
