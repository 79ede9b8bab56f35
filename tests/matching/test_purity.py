from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_engine_imports_no_web_or_database_code() -> None:
    code = (
        "import sys, matching, matching.cli; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'sqlalchemy', 'circular_platform'}]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
