"""Benchmarks (run as scripts: bench/ingest, bench/revenue)."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def use_project_virtualenv() -> None:
    """Re-run the calling script with the project's .venv Python, when it exists and is not
    already the one running."""
    if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != VENV_PYTHON.parent.parent.resolve():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
