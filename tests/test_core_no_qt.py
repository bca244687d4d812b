"""House rule: ganstudio.core never imports Qt, pyqtgraph or the GUI package."""

import ast
import pathlib
import subprocess
import sys

CORE = pathlib.Path(__file__).resolve().parents[1] / "ganstudio" / "core"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "ganstudio.gui")


def test_no_qt_import_statement_in_core():
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
                if node.level and (node.module or "").startswith("gui"):
                    names.append("ganstudio.gui")
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN) or n.startswith("..gui")]
    assert not offenders


def test_importing_all_of_core_loads_no_qt():
    modules = [".".join(("ganstudio", "core", *p.relative_to(CORE).with_suffix("").parts))
               for p in CORE.rglob("*.py") if p.stem != "__init__"]
    assert "ganstudio.core.images.nets" in modules
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + (
        f"bad = [m for m in sys.modules if m.startswith({FORBIDDEN!r})]\nprint(bad)\nassert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
