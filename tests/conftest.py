# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Load the addon's ``tools`` modules without importing Odoo.

The addon's ``__init__`` imports its models (and so Odoo); the tools are
plain Python, so the plain tests load them straight from their files.
"""

import importlib.util
import pathlib

TOOLS = (
    pathlib.Path(__file__).resolve().parents[1] / "pharmacy_lead_alignment" / "tools"
)


def load_tool(name):
    path = TOOLS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"pla_tools_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
