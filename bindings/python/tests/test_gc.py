"""Freeing order: iterators, records and databases may be closed or collected
in any order, and at interpreter shutdown, without crashing."""

import gc
import os
import random
import subprocess
import sys
import textwrap
import unittest
import weakref

import crm
from .support import BankCase


class GcOrderTest(BankCase):
    def test_close_database_before_iterator(self):
        it = self.db.branches.list()
        self.assertEqual(next(it)["code"], "HO")
        self.db.close()
        with self.assertRaises(crm.InvalidState):
            next(it)
        it.close()
        self.assertEqual(list(it), [])
        del it
        gc.collect()

    def test_close_database_before_unstarted_iterator_then_collect(self):
        it = self.db.users.list()
        self.db.close()
        with self.assertRaises(crm.InvalidState):
            next(it)
        del it
        gc.collect()

    def test_close_iterator_before_database(self):
        it = self.db.branches.list()
        self.assertEqual(next(it)["code"], "HO")
        it.close()
        it.close()
        self.assertEqual(list(it), [])
        self.db.close()
        del it
        gc.collect()

    def test_drop_iterator_before_database(self):
        it = self.db.audit.list()
        next(it)
        del it
        gc.collect()
        self.assertEqual(self.db.branches.get("BJ")["name"], "北京分行")
        self.db.close()

    def test_exhausted_iterator_frees_early(self):
        it = self.db.branches.list()
        self.assertEqual(len(list(it)), 2)
        self.assertIsNone(it._handle)
        self.assertEqual(list(it), [])

    def test_iterator_keeps_database_alive(self):
        db = self.open("other.db")
        db.bootstrap("HO", "总行", "admin", "管理员")
        db.actor = "admin"
        it = db.branches.list()
        ref = weakref.ref(db)
        del db
        gc.collect()
        self.assertIsNotNone(ref())
        self.assertEqual([b["code"] for b in it], ["HO"])
        del it
        gc.collect()
        self.assertIsNone(ref())  # closed by its finalizer

    def test_unreachable_cycle_of_database_and_iterators(self):
        db = self.open("cycle.db")
        db.bootstrap("HO", "总行", "admin", "管理员")
        db.actor = "admin"
        cycle = [db, db.branches.list(), db.users.list(), db.audit.list()]
        next(cycle[1])
        cycle.append(cycle)
        db.cycle = cycle
        ref = weakref.ref(db)
        del db, cycle
        gc.collect()
        self.assertIsNone(ref())

    def test_many_iterators_freed_in_random_order(self):
        rng = random.Random(7)
        iterators = [self.db.branches.list() for _ in range(20)]
        for it in iterators[::2]:
            next(it)
        self.db.close()
        rng.shuffle(iterators)
        while iterators:
            it = iterators.pop()
            if rng.random() < 0.5:
                it.close()
            del it
            gc.collect()

    def test_closed_database_rejects_calls(self):
        self.db.close()
        for call in (lambda: self.db.branches.get("HO"), lambda: self.db.users.list(),
                     lambda: self.db.audit.verify(), lambda: self.db.now,
                     lambda: self.db.actor):
            with self.assertRaises(crm.InvalidState):
                call()


class ShutdownTest(BankCase):
    def run_script(self, body):
        script = textwrap.dedent("""
            import crm
            db = crm.Database(%r, key=bytes.fromhex(%r))
            db.actor = "admin"
            """ % (self.path(), self.key.hex())) + textwrap.dedent(body)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
        return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=60)

    def setUp(self):
        super().setUp()
        self.db.close()

    def test_exit_with_open_database_and_iterators(self):
        out = self.run_script("""
            it1 = db.branches.list()
            next(it1)
            it2 = db.users.list()
            rec = crm.Record(name="张三")
            db.users.get("admin")
            print("ok")
            """)
        self.assertEqual((out.returncode, out.stdout.strip(), out.stderr), (0, "ok", ""))

    def test_exit_with_cycle_and_open_transaction(self):
        out = self.run_script("""
            db.begin()
            db.branches.add("SH", "上海分行", parent="HO")
            it = db.audit.list()
            next(it)
            db.cycle = [db, it]
            db.cycle.append(db.cycle)
            it.cycle = db.cycle
            print("ok")
            """)
        self.assertEqual((out.returncode, out.stdout.strip(), out.stderr), (0, "ok", ""))
        with self.open() as db:  # the open transaction was rolled back
            db.actor = "admin"
            self.assertNotIn("SH", db.branches)

    def test_exit_with_iterator_outliving_closed_database(self):
        out = self.run_script("""
            it = db.branches.list()
            db.close()
            del db
            try:
                next(it)
            except crm.InvalidState:
                print("ok")
            """)
        self.assertEqual((out.returncode, out.stdout.strip(), out.stderr), (0, "ok", ""))


if __name__ == "__main__":
    unittest.main()
