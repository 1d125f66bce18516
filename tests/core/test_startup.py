"""Nothing heavy on the way to ``curvelens --help``: no polars, numpy, scipy or textual."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("polars", "numpy", "scipy", "textual", "pyarrow", "pandas")


def test_help_imports_no_data_library() -> None:
    code = (
        "import json, sys\n"
        "from curvelens.cli import cli\n"
        "try:\n"
        "    cli(['--help'], prog_name='curvelens')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "Usage: curvelens" in done.stdout
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
