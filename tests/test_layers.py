"""The dependency rules of docs/ARCHITECTURE.md, checked by import-linter (pyproject.toml)."""
import ast
import shutil
import subprocess
import sys
from pathlib import Path

from tests.live import ROOT, VENV_BIN

PACKAGES = ("blueprints", "commands", "worker", "ledger", "models", "providers")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "lint-imports"), "--no-cache"], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(cwd), "PATH": str(VENV_BIN), "NO_COLOR": "1"})


def test_the_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_a_forbidden_import_breaks_a_contract(tmp_path):
    """The contract is not vacuous: a service that imports a view is caught."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / "ledger" / "revenue.py", "a") as module:
        module.write("\nfrom blueprints import web  # noqa: E402  (the forbidden import)\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1
    assert "BROKEN" in result.stdout and "ledger.revenue -> blueprints.web" in result.stdout


def test_money_and_events_import_only_the_standard_library_and_each_other():
    allowed = set(sys.stdlib_module_names) | {"money", "events", "__future__"}
    for name in ("money.py", "events.py"):
        tree = ast.parse((ROOT / name).read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert imported <= allowed, (name, imported - allowed)
