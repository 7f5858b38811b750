# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Load the addon's ``tools`` modules without importing Odoo.

The addon's ``__init__`` imports its models (and so Odoo); the tools are
plain Python, so the plain tests load the ``tools`` folder straight from its
files, as a package of its own (the tools import each other relatively).
"""

import importlib
import importlib.util
import pathlib
import sys

TOOLS = (
    pathlib.Path(__file__).resolve().parents[1] / "pharmacy_lead_alignment" / "tools"
)
PACKAGE = "pla_tools"


def _load_package():
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PACKAGE, TOOLS / "__init__.py", submodule_search_locations=[str(TOOLS)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = package
        spec.loader.exec_module(package)
    return sys.modules[PACKAGE]


def load_tool(name):
    _load_package()
    return importlib.import_module(f"{PACKAGE}.{name}")
