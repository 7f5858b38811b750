#!/usr/bin/env python3
"""Run the Odoo tests of installed modules against the *full* registry.

Odoo runs a module's ``at_install`` tests while it loads that module, when the
registry only holds the module and its dependencies.  Running e.g. crm's tests
with ``odoo --test-tags /crm`` in a database where pharmacy_lead_alignment is
installed would therefore exercise crm WITHOUT our model overrides.  This
script loads the complete registry first (tests disabled), then runs the
``at_install`` and the ``post_install`` suites of the given modules with Odoo's
own test loader, with an HTTP server up for ``HttpCase`` tests, and prints a
closing line ``<label>: N passed, M failed[, K skipped]``.

Exit status: 0 when every test passed and at least one ran, 1 otherwise.

Usage::

    python3 scripts/run_odoo_tests.py --config odoo.conf --database DB --module crm
"""

import argparse
import socket
import sys
import threading
import time


def free_port():
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="Odoo configuration file")
    parser.add_argument("--database", required=True, help="database to test")
    parser.add_argument(
        "--module",
        action="append",
        required=True,
        help="installed module whose tests to run (repeatable)",
    )
    parser.add_argument(
        "--test-tags",
        help="Odoo test tags to filter with (default: /<module> for each module)",
    )
    parser.add_argument(
        "--log-level",
        default="warn",
        help="Odoo log level (default: warn; failures are logged as errors)",
    )
    parser.add_argument(
        "--label", help="word before the closing line (default: the module names)"
    )
    return parser.parse_args(argv)


def make_result_class():
    """An OdooTestResult that also remembers which tests failed, by id."""
    from odoo.tests.result import OdooTestResult

    class CountingResult(OdooTestResult):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.started_ids = set()
            self.failed_ids = set()
            self.skipped_ids = set()

        def startTest(self, test):
            self.started_ids.add(test.id())
            super().startTest(test)

        def _record_failure(self, test):
            if not self._soft_fail:  # a soft failure is retried by Odoo
                self.failed_ids.add(getattr(test, "test_case", test).id())

        def addError(self, test, err):
            self._record_failure(test)
            super().addError(test, err)

        def addFailure(self, test, err):
            self._record_failure(test)
            super().addFailure(test, err)

        def addSkip(self, test, reason):
            self.skipped_ids.add(test.id())
            super().addSkip(test, reason)

    return CountingResult


def run_suite(suite, result):
    """Odoo's loader.run_suite, with our own result object."""
    from odoo.modules import module as odoo_module

    odoo_module.current_test = True
    threading.current_thread().testing = True
    try:
        suite(result)
    finally:
        threading.current_thread().testing = False
        odoo_module.current_test = False
    return result


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    modules = args.module
    label = args.label or "+".join(modules)

    import odoo
    from odoo.tools import config

    # Tests stay disabled while the registry loads: with test_enable set,
    # Odoo would run each module's at_install tests during loading, against a
    # partial registry -- exactly what this script exists to avoid.
    config.parse_config(
        [
            "-c",
            args.config,
            "-d",
            args.database,
            "--log-level",
            args.log_level,
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(free_port()),
            "--workers",
            "0",
            "--max-cron-threads",
            "0",
        ]
    )
    from odoo.modules.registry import Registry
    from odoo.service import server

    t_load = time.time()
    registry = Registry(args.database)
    with registry.cursor() as cr:
        cr.execute(
            "SELECT name FROM ir_module_module"
            " WHERE state = 'installed' AND name IN %s",
            [tuple(modules)],
        )
        installed = {name for (name,) in cr.fetchall()}
    missing = [name for name in modules if name not in installed]
    if missing:
        print(
            f"Module(s) {', '.join(missing)} not installed in database "
            f"{args.database!r}: install them first.",
            file=sys.stderr,
        )
        return 1
    print(f"Registry of {args.database!r} loaded in {time.time() - t_load:.1f}s")

    # An HTTP server for HttpCase tests, as `odoo --test-enable` starts one.
    server.load_server_wide_modules()
    # Read every manifest now, in this thread: otherwise the HTTP thread parses
    # them on its first static request while tests parse code here, and
    # CPython 3.11 (before 3.11.8) can then fail with "AST constructor
    # recursion depth mismatch" (a thread-safety bug of compile()).
    odoo.http.root.statics  # noqa: B018 - a cached property, computed here
    server.server = server.ThreadedServer(odoo.http.root)
    server.server.http_spawn()

    config["test_enable"] = True
    config["test_tags"] = args.test_tags or ",".join(f"/{m}" for m in modules)
    # Imported only now: odoo.tests logs an error when imported outside test mode.
    from odoo.tests import loader

    result_class = make_result_class()
    total_started, total_failed, total_skipped = set(), set(), set()
    exit_code = 0
    try:
        for position in ("at_install", "post_install"):
            t0 = time.time()
            suite = loader.make_suite(modules, position)
            if suite.has_http_case():
                with registry.cursor() as cr:
                    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                    env["ir.qweb"]._pregenerate_assets_bundles()
            result = run_suite(suite, result_class())
            total_started |= result.started_ids
            total_failed |= result.failed_ids
            total_skipped |= result.skipped_ids
            print(
                f"{label} {position}: {len(result.started_ids)} tests, "
                f"{len(result.failed_ids)} failed or errored, "
                f"{len(result.skipped_ids)} skipped, in {time.time() - t0:.1f}s",
                flush=True,
            )
    finally:
        server.server.httpd.shutdown()
        odoo.sql_db.close_all()

    skipped = len(total_skipped - total_failed)
    failed = len(total_failed)
    passed = len(total_started - total_failed - total_skipped)
    if failed or not passed:
        exit_code = 1
    if not total_started:
        print(f"No test of {', '.join(modules)} ran.", file=sys.stderr)
    closing = f"{label}: {passed} passed, {failed} failed"
    if skipped:
        closing += f", {skipped} skipped"
    print(closing, flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
