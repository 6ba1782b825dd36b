"""Shared fixtures: a temporary directory, a master key and a bootstrapped database."""

import os
import shutil
import tempfile
import unittest
import weakref

import crm

#: A fixed clock (2027-01-15T08:00:00Z) for reproducible times.
FIXED_NOW = 1800000000


class TempDirCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="crm-py-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.key = crm.generate_key()

    def path(self, name="crm.db"):
        return os.path.join(self.dir, name)

    def open(self, name="crm.db", **kwargs):
        kwargs.setdefault("key", self.key)
        db = crm.Database(self.path(name), **kwargs)
        self.addCleanup(_close_if_alive, weakref.ref(db))  # a weak ref: GC tests drop db
        return db


class BankCase(TempDirCase):
    """A database with a head office HO, branch BJ and the admin acting."""

    def setUp(self):
        super().setUp()
        self.db = self.open()
        self.db.bootstrap("HO", "总行", "admin", "系统管理员")
        self.db.actor = "admin"
        self.db.branches.add("BJ", "北京分行", parent="HO")


def _close_if_alive(ref):
    db = ref()
    if db is not None:
        db.close()
