#!/usr/bin/env python3
"""Bring what scripts/demo and scripts/test need, and say what is missing.

    python3 scripts/bootstrap.py --for demo|test

Four steps, each announced on one line (on stderr):

1. **Odoo 18.0**: the Python that runs this script when it imports Odoo 18.0
   (an activated virtual environment included), else the project's ``.venv``
   when it does, else ``.venv`` is created and Odoo 18.0 installed into it from
   ``$ODOO_SRC`` (a source folder, or a git URL cloned into ``.odoo-src``) or
   from a shallow clone of Odoo's official repository at branch 18.0. The test
   tools of ``requirements-test.txt`` are added for ``--for test`` when missing.
2. **PostgreSQL**: ``$PGHOST``/``$PGPORT`` when given, else the local socket
   or 127.0.0.1:5432; a stopped local cluster is started, an absent server is
   installed (root on Debian/Ubuntu) or the one command to install it is said.
3. **The database role** (``$PGUSER``, else the login name): created when we
   can (root), else one sentence says how.
4. **Optional parts**: Chromium for the browser tours, wkhtmltopdf for PDF;
   when absent the run says what is skipped and how to add it.

Nothing is reinstalled when it is in place. On success the last lines on
stdout are shell assignments (``PYTHON=… PGHOST=… PGPORT=… PGUSER=…``) for the
calling script to ``eval``; on failure one sentence says what to do, exit 1.

The decisions (``plan_*``) are pure functions of the facts probed
(``probe_*``), tested without a machine in ``tests/test_bootstrap.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ODOO_SERIE = "18.0"
ODOO_GIT_URL = "https://github.com/odoo/odoo.git"
MIN_PYTHON = (3, 10)
VENV_DIR = ".venv"
CLONE_DIR = ".odoo-src"
LOG_FILE = ".setup.log"
#: Odoo 18's own list of browser names (odoo/tests/common.py).
CHROME_NAMES = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")
#: Older setuptools builds python-ldap 3.4.0 (Odoo 18's pin for Python < 3.12).
BUILD_CONSTRAINTS = "setuptools<70\n"
#: Installed beside Odoo's requirements. gevent 22.10 (Odoo 18's pin) loads
#: its plugins through pkg_resources, which does not find zope.* releases
#: whose metadata folder is named zope_event/zope_interface (zope.event 5.1+,
#: zope.interface 8+): the prefork server's long-polling child then dies at
#: start and is restarted in a loop. Releases named the old way work.
EXTRA_REQUIREMENTS = ("phonenumbers", "zope.event<5.1", "zope.interface<8")
#: What building Odoo 18's requirements needs from the system, per OS family:
#: (what is missing) -> package.
BUILD_PACKAGES = {
    "apt": {
        "compiler": "build-essential",
        "python-headers": "python3-dev",
        "venv": "python3-venv",
        "ldap": "libldap2-dev",
        "sasl": "libsasl2-dev",
        "libpq": "libpq-dev",
    },
    "dnf": {
        "compiler": "gcc",
        "python-headers": "python3-devel",
        "venv": "python3",
        "ldap": "openldap-devel",
        "sasl": "cyrus-sasl-devel",
        "libpq": "libpq-devel",
    },
}
POSTGRES_INSTALL = {
    "apt": "sudo apt-get install -y postgresql",
    "dnf": "sudo dnf install -y postgresql-server && sudo postgresql-setup --initdb"
    " && sudo systemctl start postgresql",
    "brew": "brew install postgresql@16 && brew services start postgresql@16",
}
OPTIONAL_INSTALL = {
    "apt": {
        "chromium": "sudo apt-get install -y chromium",
        "wkhtmltopdf": "sudo apt-get install -y wkhtmltopdf",
    },
    "dnf": {
        "chromium": "sudo dnf install -y chromium",
        "wkhtmltopdf": "sudo dnf install -y wkhtmltopdf",
    },
    "brew": {
        "chromium": "brew install --cask chromium",
        "wkhtmltopdf": "brew install --cask wkhtmltopdf",
    },
}


class Blocked(Exception):
    """What cannot be done here, in one sentence saying how to go on."""


@dataclasses.dataclass
class Step:
    """One thing to do: its one-line title and the commands that do it."""

    title: str
    commands: list[list[str]] = dataclasses.field(default_factory=list)
    #: a sentence printed after the title when there is nothing to run
    note: str = ""


# ---------------------------------------------------------------------------
# Facts: what the machine has (probed once, passed to the pure plans).


@dataclasses.dataclass
class OdooFacts:
    repo: str
    purpose: str  # "demo" or "test"
    python: str  # the interpreter running this script
    python_version: tuple[int, int]
    python_odoo: str | None  # the Odoo serie it imports, or None
    python_missing_tools: list[str]  # test requirements it lacks
    venv_python: str  # <repo>/.venv/bin/python
    venv_exists: bool
    venv_odoo: str | None
    venv_missing_tools: list[str]
    odoo_src: str  # $ODOO_SRC as given ("" when unset)
    odoo_src_serie: str | None  # the serie of the folder $ODOO_SRC names
    clone_serie: str | None  # the serie of an earlier clone in .odoo-src
    network: bool | None  # github.com reachable (None: not asked)
    has_git: bool
    is_root: bool
    package_manager: str  # "apt", "dnf", "brew" or ""
    missing_build: list[str]  # keys of BUILD_PACKAGES


@dataclasses.dataclass
class PgFacts:
    host: str  # chosen host (socket folder or address)
    port: str
    user: str
    host_given: bool  # PGHOST was set by the user
    local: bool  # the host is this machine
    client_tools: bool  # psql, pg_isready, createdb on PATH
    ready: bool  # the server answers
    #: local clusters (Debian's pg_lsclusters): (version, name, port, status)
    clusters: list[tuple[str, str, str, str]]
    server_installed: bool
    is_root: bool
    package_manager: str
    role_error: str = ""  # "" when the role connects and may create databases
    role_missing: bool = False


# ---------------------------------------------------------------------------
# Plans: pure decisions, tested in tests/test_bootstrap.py.


def is_git_url(value: str) -> bool:
    return bool(re.match(r"^(https?|git|ssh|file)://|^[\w.-]+@[\w.-]+:", value))


def plan_odoo(f: OdooFacts) -> tuple[str, list[Step]]:
    """The Python to use and what to do so that it imports Odoo 18.0."""
    if f.python_odoo == ODOO_SERIE:
        return f.python, [
            Step(f"Odoo {ODOO_SERIE}: found in {f.python}"),
            *_test_tools(f, f.python, f.python_missing_tools),
        ]
    if f.venv_exists and f.venv_odoo == ODOO_SERIE:
        return f.venv_python, [
            Step(f"Odoo {ODOO_SERIE}: found in {VENV_DIR}"),
            *_test_tools(f, f.venv_python, f.venv_missing_tools),
        ]
    if f.python_version < MIN_PYTHON:
        raise Blocked(
            "Odoo 18.0 needs Python 3.10 or newer and this is Python "
            f"{f.python_version[0]}.{f.python_version[1]}: run this command with a "
            "newer python3 on PATH (or activate a virtual environment that has "
            "Odoo 18.0)."
        )
    source, steps = _odoo_source(f)
    steps = _build_prerequisites(f) + steps
    venv = f.venv_python
    if not f.venv_exists:
        steps.append(
            Step(
                f"Creating the virtual environment {VENV_DIR}",
                [[f.python, "-m", "venv", os.path.join(f.repo, VENV_DIR)]],
            )
        )
    constraints = os.path.join(f.repo, VENV_DIR, "build-constraints.txt")
    steps += [
        Step(
            f"Installing Odoo {ODOO_SERIE}'s requirements into {VENV_DIR} "
            "(a few minutes)",
            [
                [venv, "-m", "pip", "install", "-q", "--upgrade", "pip"],
                ["write", constraints, BUILD_CONSTRAINTS],
                [
                    venv,
                    "-m",
                    "pip",
                    "install",
                    "--build-constraint",
                    constraints,
                    "-r",
                    os.path.join(source, "requirements.txt"),
                    *EXTRA_REQUIREMENTS,
                ],
            ],
        ),
        Step(
            f"Installing Odoo {ODOO_SERIE} from {source}",
            [[venv, "-m", "pip", "install", "-q", "--no-deps", "-e", source]],
        ),
    ]
    if f.purpose == "test":
        steps += _test_tools(f, venv, ["requirements-test.txt"])
    return venv, steps


def _test_tools(f: OdooFacts, python: str, missing: list[str]) -> list[Step]:
    if f.purpose != "test" or not missing:
        return []
    return [
        Step(
            "Installing the test tools (" + ", ".join(missing) + ")",
            [
                [
                    python,
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "-r",
                    os.path.join(f.repo, "requirements-test.txt"),
                ]
            ],
        )
    ]


def _odoo_source(f: OdooFacts) -> tuple[str, list[Step]]:
    """The Odoo 18.0 source folder to install from, and how to get it."""
    clone = os.path.join(f.repo, CLONE_DIR)
    if f.odoo_src and not is_git_url(f.odoo_src):
        if f.odoo_src_serie != ODOO_SERIE:
            found = (
                f"holds Odoo {f.odoo_src_serie}"
                if f.odoo_src_serie
                else "is not an Odoo source folder"
            )
            raise Blocked(
                f"ODOO_SRC={f.odoo_src} {found}: point it to a folder of Odoo "
                f"{ODOO_SERIE}'s sources (the one with odoo-bin), or to a git URL."
            )
        return os.path.abspath(f.odoo_src), []
    if f.clone_serie == ODOO_SERIE:
        return clone, [Step(f"Odoo {ODOO_SERIE} sources: found in {CLONE_DIR}")]
    if f.clone_serie is not None:
        raise Blocked(
            f"{CLONE_DIR} holds Odoo {f.clone_serie or 'of an unknown version'}, "
            f"not {ODOO_SERIE}: remove it (rm -rf {CLONE_DIR}) and run again."
        )
    url = f.odoo_src or ODOO_GIT_URL
    if not f.has_git:
        raise Blocked(
            f"Odoo {ODOO_SERIE} is not installed and git is missing to fetch it: "
            "install git (or set ODOO_SRC to an Odoo 18.0 source folder) and run again."
        )
    if not f.odoo_src and f.network is False:
        raise Blocked(
            f"Odoo {ODOO_SERIE} is not installed and github.com cannot be reached "
            "to fetch it: set ODOO_SRC to an Odoo 18.0 source folder (or a git URL "
            "you can reach), or install Odoo 18.0 into python3, and run again."
        )
    return clone, [
        Step(
            f"Fetching Odoo {ODOO_SERIE} from {url} (shallow clone into {CLONE_DIR})",
            [
                [
                    "git",
                    "clone",
                    "--depth",
                    "1",
                    "--branch",
                    ODOO_SERIE,
                    "--progress",
                    url,
                    clone,
                ]
            ],
        )
    ]


def _build_prerequisites(f: OdooFacts) -> list[Step]:
    """System packages that building Odoo's requirements needs."""
    if not f.missing_build:
        return []
    packages = BUILD_PACKAGES.get(f.package_manager)
    what = ", ".join(f.missing_build)
    if not packages:
        raise Blocked(
            f"Building Odoo {ODOO_SERIE}'s requirements needs what this machine "
            f"lacks ({what}): install a C compiler and the development headers of "
            "Python, OpenLDAP, SASL and libpq, then run again."
        )
    names = sorted({packages[key] for key in f.missing_build})
    tool = {"apt": "apt-get"}.get(f.package_manager, f.package_manager)
    if not f.is_root or f.package_manager == "brew":
        sudo = "" if f.package_manager == "brew" else "sudo "
        raise Blocked(
            f"Building Odoo {ODOO_SERIE}'s requirements needs system packages "
            f"({what}): run `{sudo}{tool} install -y {' '.join(names)}`, then run "
            "this command again."
        )
    commands = [[tool, "install", "-y", *names]]
    if f.package_manager == "apt":
        commands = [
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", *names],
        ]
    return [
        Step(
            "Installing the system packages to build Odoo's requirements: "
            + " ".join(names),
            commands,
        )
    ]


def plan_postgres(f: PgFacts) -> list[Step]:
    """What to do so that PostgreSQL answers on f.host:f.port."""
    where = (
        f"{f.host}:{f.port}"
        if not f.host.startswith("/")
        else f"{f.host} (port {f.port})"
    )
    if f.ready and f.client_tools:
        return [Step(f"PostgreSQL: answering on {where}")]
    if not f.local:
        raise Blocked(
            f"PostgreSQL does not answer on {where}: start it there, or set "
            "PGHOST/PGPORT to a server that does."
        )
    if f.ready:  # a server, but no client tools to create databases
        return _install_postgres(f, client_only=True)
    stopped = [c for c in f.clusters if c[2] == f.port and c[3] != "online"]
    if stopped:
        version, name = stopped[0][0], stopped[0][1]
        if not f.is_root:
            raise Blocked(
                f"PostgreSQL {version}/{name} is installed but stopped: start it with "
                f"`sudo pg_ctlcluster {version} {name} start`, then run again."
            )
        return [
            Step(
                f"Starting PostgreSQL {version}/{name}",
                [["pg_ctlcluster", version, name, "start"]],
            )
        ]
    if f.server_installed:
        raise Blocked(
            f"PostgreSQL is installed but does not answer on {where}: start it (e.g. "
            "`sudo systemctl start postgresql`), or set PGHOST/PGPORT to where it runs."
        )
    return _install_postgres(f, client_only=False)


def _install_postgres(f: PgFacts, client_only: bool) -> list[Step]:
    package = "postgresql-client" if client_only else "postgresql"
    what = (
        "The PostgreSQL client tools (psql, createdb) are"
        if client_only
        else "PostgreSQL is"
    )
    if f.is_root and f.package_manager == "apt":
        return [
            Step(
                f"Installing {package} (Debian/Ubuntu)",
                [
                    ["apt-get", "update", "-q"],
                    ["apt-get", "install", "-y", "-q", package],
                ],
            )
        ]
    command = POSTGRES_INSTALL.get(f.package_manager)
    if client_only and f.package_manager == "apt":
        command = "sudo apt-get install -y postgresql-client"
    how = f"`{command}`" if command else "your system's PostgreSQL package"
    raise Blocked(
        f"{what} not installed: install it with {how}, then run this command again."
    )


def plan_role(f: PgFacts) -> list[Step]:
    """What to do so that f.user may connect and create databases."""
    if not f.role_error:
        return [Step(f"Database role: {f.user}")]
    if f.role_missing and f.local and f.is_root:
        return [
            Step(
                f"Creating the PostgreSQL role {f.user}",
                # as the postgres system user on its own socket (peer authentication)
                [
                    [
                        "runuser",
                        "-u",
                        "postgres",
                        "--",
                        "env",
                        "-u",
                        "PGHOST",
                        "-u",
                        "PGUSER",
                        "createuser",
                        "-p",
                        f.port,
                        "-s",
                        f.user,
                    ]
                ],
            )
        ]
    if f.role_missing:
        raise Blocked(
            f"PostgreSQL has no role {f.user}: create it with "
            f"`sudo -u postgres createuser -s {f.user}` (or set PGUSER to a role "
            "that may create databases), then run again."
        )
    raise Blocked(
        f"PostgreSQL refuses the role {f.user} on {f.host}: {f.role_error} — give "
        "it the right to log in and create databases (or set PGUSER/PGPASSWORD), "
        "then run again."
    )


def plan_optional(
    purpose: str,
    found: dict[str, str | None],
    package_manager: str,
    require_tours: bool = False,
) -> list[Step]:
    """Say what is skipped for each optional part that is missing."""
    install = OPTIONAL_INSTALL.get(package_manager, {})
    steps = []
    if purpose == "test":
        if found.get("chromium"):
            steps.append(Step(f"Browser tours: run in {found['chromium']}"))
        elif require_tours:
            raise Blocked(
                "Chromium is missing and the browser tours must run: install it with `"
                + install.get("chromium", "your system's chromium package")
                + "`."
            )
        else:
            how = install.get("chromium", "install Chromium")
            steps.append(
                Step(
                    "Browser tours: SKIPPED, Chromium is not installed",
                    note=f"add it with `{how}` to run them",
                )
            )
    if found.get("wkhtmltopdf"):
        steps.append(Step("PDF printing: wkhtmltopdf found"))
    else:
        how = install.get("wkhtmltopdf", "install wkhtmltopdf")
        steps.append(
            Step(
                "PDF printing: no wkhtmltopdf, the sales-process map prints as a "
                "web page",
                note=f"add it with `{how}` for PDF",
            )
        )
    return steps


# ---------------------------------------------------------------------------
# Probes: read the machine, change nothing.


def _run(
    argv: list[str], timeout: float = 60, env: dict | None = None
) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return subprocess.CompletedProcess(argv, 127, "", str(error))


_PROBE_PYTHON = r"""
import sys
missing = []
try:
    import odoo.release
    serie = odoo.release.serie
except Exception:
    serie = ""
try:
    from importlib import metadata
    try:
        from packaging.requirements import Requirement
    except ImportError:
        from pip._vendor.packaging.requirements import Requirement
    for line in open(sys.argv[1], encoding="utf-8"):
        line = line.split("#")[0].strip()
        if not line:
            continue
        req = Requirement(line)
        try:
            if not req.specifier.contains(metadata.version(req.name), prereleases=True):
                missing.append(req.name)
        except metadata.PackageNotFoundError:
            missing.append(req.name)
except Exception:
    missing.append("requirements-test.txt")
print(serie)
print(",".join(missing))
"""


def probe_python(python: str, repo: str) -> tuple[str | None, list[str]]:
    """(the Odoo serie `python` imports or None, the test tools it lacks)."""
    result = _run(
        [python, "-c", _PROBE_PYTHON, os.path.join(repo, "requirements-test.txt")]
    )
    lines = (
        (result.stdout.splitlines() + ["", ""])[:2]
        if result.returncode == 0
        else ["", "?"]
    )
    return (lines[0] or None), [name for name in lines[1].split(",") if name]


def source_serie(folder: str) -> str | None:
    """The Odoo serie of a source folder (from odoo/release.py), else None."""
    release = Path(folder, "odoo", "release.py")
    if not release.is_file():
        return None
    match = re.search(
        r"^version_info\s*=\s*\(\s*(\d+)\s*,\s*(\d+)",
        release.read_text(encoding="utf-8"),
        re.M,
    )
    return f"{match.group(1)}.{match.group(2)}" if match else ""


def package_manager() -> str:
    for name, tool in (("apt", "apt-get"), ("dnf", "dnf"), ("brew", "brew")):
        if shutil.which(tool):
            return name
    return ""


def reachable(host: str, port: int = 443, timeout: float = 5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def missing_build(python: str) -> list[str]:
    """What building Odoo 18's requirements needs and this machine lacks."""
    missing = []
    if not (shutil.which("cc") or shutil.which("gcc")):
        missing.append("compiler")
    include = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"]
    ).stdout.strip()
    if not include or not Path(include, "Python.h").is_file():
        missing.append("python-headers")
    if _run([python, "-c", "import ensurepip, venv"]).returncode != 0:
        missing.append("venv")
    for key, header in (("ldap", "ldap.h"), ("sasl", "sasl/sasl.h")):
        if "compiler" in missing or not _compiler_finds(header):
            missing.append(key)
    if not shutil.which("pg_config"):
        missing.append("libpq")
    return missing


def _compiler_finds(header: str) -> bool:
    """Whether the C compiler finds ``header`` where it looks for headers
    (as building python-ldap will), wherever this system keeps them."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    try:
        result = subprocess.run(
            [compiler, "-E", "-x", "c", "-"],
            input=f"#include <{header}>\n",
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def probe_odoo(repo: str, purpose: str, env: dict[str, str]) -> OdooFacts:
    python = sys.executable
    python_odoo, python_missing = probe_python(python, repo)
    venv_python = os.path.join(repo, VENV_DIR, "bin", "python")
    venv_exists = os.path.exists(venv_python)
    venv_odoo, venv_missing = (
        probe_python(venv_python, repo) if venv_exists else (None, [])
    )
    odoo_src = env.get("ODOO_SRC", "")
    clone = os.path.join(repo, CLONE_DIR)
    found = python_odoo == ODOO_SERIE or venv_odoo == ODOO_SERIE
    facts = OdooFacts(
        repo=repo,
        purpose=purpose,
        python=python,
        python_version=sys.version_info[:2],
        python_odoo=python_odoo,
        python_missing_tools=python_missing,
        venv_python=venv_python,
        venv_exists=venv_exists,
        venv_odoo=venv_odoo,
        venv_missing_tools=venv_missing,
        odoo_src=odoo_src,
        odoo_src_serie=source_serie(odoo_src)
        if odoo_src and not is_git_url(odoo_src)
        else None,
        clone_serie=(source_serie(clone) or "") if os.path.isdir(clone) else None,
        network=None,
        has_git=bool(shutil.which("git")),
        is_root=hasattr(os, "geteuid") and os.geteuid() == 0,
        package_manager=package_manager(),
        missing_build=[] if found else missing_build(python),
    )
    if not found and not odoo_src and facts.clone_serie is None:
        facts.network = reachable("github.com")
    return facts


def _pg_env(host: str, port: str, user: str, env: dict[str, str]) -> dict[str, str]:
    return {
        **env,
        "PGHOST": host,
        "PGPORT": port,
        "PGUSER": user,
        "PGCONNECT_TIMEOUT": "5",
    }


def probe_postgres(env: dict[str, str]) -> PgFacts:
    port = env.get("PGPORT") or "5432"
    user = env.get("PGUSER") or _login_name()
    host_given = bool(env.get("PGHOST"))
    candidates = (
        [env["PGHOST"]]
        if host_given
        else [
            *(
                d
                for d in ("/var/run/postgresql", "/tmp")
                if Path(d, f".s.PGSQL.{port}").exists()
            ),
            "127.0.0.1",
        ]
    )
    client_tools = all(shutil.which(t) for t in ("psql", "pg_isready", "createdb"))
    clusters = []
    if shutil.which("pg_lsclusters"):
        for line in _run(["pg_lsclusters", "-h"]).stdout.splitlines():
            parts = line.split()
            if len(parts) >= 4:
                clusters.append((parts[0], parts[1], parts[2], parts[3]))
    server_installed = bool(
        clusters or shutil.which("postgres") or shutil.which("pg_ctl")
    )
    facts = PgFacts(
        host=candidates[0],
        port=port,
        user=user,
        host_given=host_given,
        local=not host_given
        or env["PGHOST"].startswith("/")
        or env["PGHOST"] in ("localhost", "127.0.0.1", "::1"),
        client_tools=client_tools,
        ready=False,
        clusters=clusters,
        server_installed=server_installed,
        is_root=hasattr(os, "geteuid") and os.geteuid() == 0,
        package_manager=package_manager(),
    )
    if not client_tools:
        facts.ready = any(_socket_answers(host, port) for host in candidates)
        return facts
    first_error = None
    for host in candidates:
        if (
            _run(["pg_isready", "-q", "-h", host, "-p", port], timeout=10).returncode
            != 0
        ):
            continue
        error, missing = _role_check(host, port, user, env)
        if not error:
            facts.host, facts.ready, facts.role_error, facts.role_missing = (
                host,
                True,
                "",
                False,
            )
            return facts
        if first_error is None:
            first_error = (host, error, missing)
    if first_error:
        facts.host, facts.ready = first_error[0], True
        facts.role_error, facts.role_missing = first_error[1], first_error[2]
    return facts


def _socket_answers(host: str, port: str) -> bool:
    if host.startswith("/"):
        return Path(host, f".s.PGSQL.{port}").exists()
    return reachable(host, int(port), timeout=3)


def _role_check(
    host: str, port: str, user: str, env: dict[str, str]
) -> tuple[str, bool]:
    """("" when `user` connects and may create databases, else why; role missing)."""
    result = _run(
        [
            "psql",
            "-X",
            "-d",
            "postgres",
            "-tAc",
            "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user",
        ],
        timeout=15,
        env=_pg_env(host, port, user, env),
    )
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["no answer"])[-1]
        message = re.sub(r"^psql: (error: )?", "", message)
        return message, f'role "{user}" does not exist' in result.stderr
    if result.stdout.strip() != "t":
        return f"the role {user} may not create databases", False
    return "", False


def _login_name() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return os.environ.get("USER") or "postgres"


def probe_optional() -> dict[str, str | None]:
    chrome = next(
        (shutil.which(name) for name in CHROME_NAMES if shutil.which(name)), None
    )
    return {"chromium": chrome, "wkhtmltopdf": shutil.which("wkhtmltopdf")}


# ---------------------------------------------------------------------------
# Running the steps.


class Runner:
    """Announces each step on one line and runs its commands, their output
    going to .setup.log; a failure prints the log's tail and one sentence."""

    def __init__(self, repo: str, total: int, dry_run: bool = False):
        self.repo, self.total, self.index = repo, total, 0
        self.dry_run, self.pending = dry_run, False
        self.log = os.path.join(repo, LOG_FILE)

    def heading(self, title: str) -> None:
        self.index += 1
        say(f"[{self.index}/{self.total}] {title}")

    def run(self, steps: list[Step]) -> None:
        for step in steps:
            say(f"      {step.title}" + (f": {step.note}" if step.note else ""))
            started = time.monotonic()
            for argv in step.commands:
                if self.dry_run:
                    self.pending = True
                    shown = argv[:2] if argv[0] == "write" else argv
                    say("        would run: " + shlex.join(shown))
                else:
                    self._command(step, argv)
            if step.commands and not self.dry_run:
                say(f"        done in {time.monotonic() - started:.0f} s")

    def _command(self, step: Step, argv: list[str]) -> None:
        if argv[0] == "write":  # ["write", path, text]
            Path(argv[1]).parent.mkdir(parents=True, exist_ok=True)
            Path(argv[1]).write_text(argv[2], encoding="utf-8")
            return
        tty, shown = sys.stderr.isatty(), time.monotonic()
        with open(self.log, "a", encoding="utf-8") as log:
            log.write(f"\n$ {shlex.join(argv)}\n")
            log.flush()
            process = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            count = 0
            for line in process.stdout:
                log.write(line)
                if line.startswith("Collecting ") or "Receiving objects" in line:
                    count += 1
                    if tty:  # one line, updated in place
                        sys.stderr.write(f"\r      … {_progress(line, count)}\033[K")
                    elif time.monotonic() - shown > 20:  # a log: a line now and then
                        say(f"        … {_progress(line, count)}")
                        shown = time.monotonic()
            code = process.wait()
        if tty and count:
            sys.stderr.write("\r\033[K")
        if code != 0:
            tail = (
                Path(self.log)
                .read_text(encoding="utf-8", errors="replace")
                .splitlines()[-15:]
            )
            say("\n".join("      | " + line for line in tail))
            raise Blocked(
                f"{step.title} failed ({shlex.join(argv)} exited with {code}): "
                f"see {LOG_FILE}."
            )


def _progress(line: str, count: int) -> str:
    if "Receiving objects" in line:
        match = re.search(r"Receiving objects:\s+(\d+%)", line)
        return f"receiving Odoo's sources {match.group(1) if match else ''}"
    return f"{count} packages so far: {line.split()[1][:40]}"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--for", dest="purpose", choices=("demo", "test"), required=True
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="only say what would be done (exit 1 when something would be)",
    )
    args = parser.parse_args(argv)
    repo = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    runner = Runner(repo, total=4, dry_run=args.dry_run)
    try:
        runner.heading(f"Odoo {ODOO_SERIE}")
        python, steps = plan_odoo(probe_odoo(repo, args.purpose, env))
        runner.run(steps)
        if (
            any(step.commands for step in steps) and not args.dry_run
        ):  # check it imports
            serie, missing = probe_python(python, repo)
            if serie != ODOO_SERIE or (args.purpose == "test" and missing):
                raise Blocked(
                    f"Odoo {ODOO_SERIE} was installed but {python} cannot import it: "
                    f"see {LOG_FILE}."
                )

        runner.heading("PostgreSQL")
        for _attempt in range(3):  # install -> start -> answer
            pg = probe_postgres(env)
            steps = plan_postgres(pg)
            runner.run(steps)
            if args.dry_run or not any(step.commands for step in steps):
                break
        else:
            raise Blocked(
                "PostgreSQL still does not answer after starting it: see its log."
            )

        runner.heading("Database role")
        steps = plan_role(pg)
        runner.run(steps)
        if any(step.commands for step in steps) and not args.dry_run:
            pg = probe_postgres(env)
            runner.run(plan_role(pg))

        runner.heading("Optional parts")
        runner.run(
            plan_optional(
                args.purpose,
                probe_optional(),
                package_manager(),
                require_tours=env.get("PLA_REQUIRE_TOURS") == "1",
            )
        )
    except Blocked as blocked:
        say(f"Cannot go on: {blocked}")
        return 1
    if runner.pending:
        say("Dry run: the commands above would be run.")
        return 1
    for name, value in (
        ("PYTHON", python),
        ("PGHOST", pg.host),
        ("PGPORT", pg.port),
        ("PGUSER", pg.user),
    ):
        print(f"{name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
