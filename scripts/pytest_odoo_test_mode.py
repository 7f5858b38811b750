"""pytest plugin used by scripts/test next to pytest-odoo (``-p`` loads it).

Odoo logs an ERROR ("Importing test framework, avoid importing from business
modules and when not running in test mode") when ``odoo.tests`` is first
imported while ``test_enable`` is off, which is what pytest-odoo does. This
plugin imports it first, in test mode, and switches ``test_enable`` off again
so that pytest-odoo still loads the registry without running every module's
at_install tests (pytest-odoo turns it on for the tests themselves).

With ``PLA_REQUIRE_TOURS=1`` (as ``.ci/run`` sets it) a skipped test fails the
run: Odoo skips a browser tour when Chromium is missing, and a check that did
not run must not pass.
"""

import os

from odoo.tools import config

_previous = config["test_enable"]
config["test_enable"] = True
try:
    import odoo.tests  # noqa: F401
finally:
    config["test_enable"] = _previous


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("PLA_REQUIRE_TOURS") != "1" or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        for report in skipped:
            longrepr = report.longrepr
            reason = longrepr[2] if isinstance(longrepr, tuple) else longrepr
            print(f"\nSKIPPED (PLA_REQUIRE_TOURS=1): {report.nodeid}: {reason}")
        session.exitstatus = 1
