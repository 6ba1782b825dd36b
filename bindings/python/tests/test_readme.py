"""The example in the package docstring runs as written."""

import contextlib
import io
import os
import re
import tempfile
import textwrap
import unittest

import crm


class ReadmeExampleTest(unittest.TestCase):
    def test_example_runs(self):
        doc = crm.__doc__
        block = re.search(r"Example::\n\n((?:    .*\n|\n)+)", doc).group(1)
        code = textwrap.dedent(block)
        self.assertIn("crm.Database", code)
        cwd = os.getcwd()
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            try:
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    exec(compile(code, "crm.__doc__", "exec"), {"crm": crm})
            finally:
                os.chdir(cwd)
        lines = out.getvalue().splitlines()
        self.assertEqual(lines[:2], ["138****5678", "13812345678"])
        self.assertTrue(any(line.endswith("user.reveal zhang.san") for line in lines))


if __name__ == "__main__":
    unittest.main()
