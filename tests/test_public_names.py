"""No private name crosses a module boundary: what modules share is public.

A leading underscore says "only this module relies on me", so it may be
renamed or removed without looking elsewhere.  The test walks the syntax tree
of every module of ``workbench`` and ``benchmarks`` and fails on

* ``from workbench.x import _name`` (relative imports included), and
* ``module._name`` where ``module`` was imported from ``workbench``/``benchmarks``
  (``from ..plots import figures`` then ``figures._save(...)``).

Attributes of objects (``self._x``, ``obj._cache``) are not imports and are not
judged; dunder names (``__version__``) are public.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGES = ("workbench", "benchmarks")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ``from ... import`` reads from."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def private_uses(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line: what`` for every private name of another module used in ``path``."""
    module = _module_name(path, root)
    tree = ast.parse(path.read_text(), str(path))
    imported: set[str] = set()   # local names bound to our modules (or their members)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, path.name == "__init__.py")
            if source.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{path.name}:{node.lineno}: from {source} import {alias.name}")
                imported.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    imported.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in imported:
                found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_of_another_module(path):
    assert private_uses(path) == []


def test_the_check_finds_both_kinds_of_private_use(tmp_path):
    """The detector itself: both forms are caught, self._x and local privates are not."""
    pkg = tmp_path / "workbench" / "sub"
    pkg.mkdir(parents=True)
    source = pkg / "mod.py"
    source.write_text(
        "from ..plots.figures import _save, pyplot\n"
        "from . import other\n"
        "import workbench.core.parse as wp\n"
        "import os\n"
        "def _mine():\n"
        "    return other._helper() + wp._fail + os._exit + pyplot.__name__\n"
        "class A:\n"
        "    def f(self):\n"
        "        return self._x + _mine()\n")
    assert sorted(private_uses(source, tmp_path)) == [
        "mod.py:1: from workbench.plots.figures import _save",
        "mod.py:6: other._helper", "mod.py:6: wp._fail"]
