"""Loading one of the views' Qt-free modules from its file: importing it through ganstudio.gui would
run the gui package's __init__, which loads Qt."""

from __future__ import annotations

import importlib.util
import pathlib
import sys
from types import ModuleType

VIEWS = pathlib.Path(__file__).resolve().parents[1] / "ganstudio" / "gui" / "views"


def view_module_path(name: str) -> pathlib.Path:
    return VIEWS / f"{name}.py"


def load_view_module(name: str) -> ModuleType:
    """ganstudio/gui/views/NAME.py as a module of its own, registered as NAME_without_qt."""
    spec = importlib.util.spec_from_file_location(f"{name}_without_qt", view_module_path(name))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
