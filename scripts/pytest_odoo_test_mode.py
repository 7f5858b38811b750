"""pytest plugin used by scripts/test next to pytest-odoo (``-p`` loads it).

Odoo logs an ERROR ("Importing test framework, avoid importing from business
modules and when not running in test mode") when ``odoo.tests`` is first
imported while ``test_enable`` is off, which is what pytest-odoo does. This
plugin imports it first, in test mode, and switches ``test_enable`` off again
so that pytest-odoo still loads the registry without running every module's
at_install tests (pytest-odoo turns it on for the tests themselves).
"""

from odoo.tools import config

_previous = config["test_enable"]
config["test_enable"] = True
try:
    import odoo.tests  # noqa: F401
finally:
    config["test_enable"] = _previous
