# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The decisions of scripts/bootstrap.py: for each situation of a machine,
what it runs, or the one sentence it says. No network, nothing installed:
the facts are written here as a probe would find them."""

import dataclasses
import importlib.util
import pathlib
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "scripts" / "bootstrap.py"
_spec = importlib.util.spec_from_file_location("pla_bootstrap", SCRIPT)
bootstrap = importlib.util.module_from_spec(_spec)
sys.modules["pla_bootstrap"] = bootstrap
_spec.loader.exec_module(bootstrap)

REPO = "/repo"
VENV_PY = "/repo/.venv/bin/python"


def odoo_facts(**changes):
    facts = bootstrap.OdooFacts(
        repo=REPO,
        purpose="test",
        python="/usr/bin/python3",
        python_version=(3, 11),
        python_odoo=None,
        python_missing_tools=[],
        venv_python=VENV_PY,
        venv_exists=False,
        venv_odoo=None,
        venv_missing_tools=[],
        odoo_src="",
        odoo_src_serie=None,
        clone_serie=None,
        network=True,
        has_git=True,
        is_root=False,
        package_manager="apt",
        missing_build=[],
    )
    return dataclasses.replace(facts, **changes)


def pg_facts(**changes):
    facts = bootstrap.PgFacts(
        host="/var/run/postgresql",
        port="5432",
        user="alice",
        host_given=False,
        local=True,
        client_tools=True,
        ready=True,
        clusters=[("15", "main", "5432", "online")],
        server_installed=True,
        is_root=False,
        package_manager="apt",
    )
    return dataclasses.replace(facts, **changes)


def commands(steps):
    return [cmd for step in steps for cmd in step.commands]


def editable(source):
    """The command that installs Odoo from `source` into the project's venv."""
    return [VENV_PY, "-m", "pip", "install", "-q", "--no-deps", "-e", source]


def blocked(plan, facts):
    with pytest.raises(bootstrap.Blocked) as info:
        plan(facts)
    return str(info.value)


# --- Odoo 18.0 ---------------------------------------------------------------


def test_odoo_in_this_python_runs_nothing():
    python, steps = bootstrap.plan_odoo(odoo_facts(python_odoo="18.0"))
    assert python == "/usr/bin/python3"
    assert commands(steps) == []
    assert steps[0].title == "Odoo 18.0: found in /usr/bin/python3"


def test_odoo_present_but_test_tools_missing_installs_only_them():
    python, steps = bootstrap.plan_odoo(
        odoo_facts(python_odoo="18.0", python_missing_tools=["pytest-odoo"])
    )
    assert commands(steps) == [
        [python, "-m", "pip", "install", "-q", "-r", "/repo/requirements-test.txt"]
    ]
    # the demo does not need the test tools
    _python, steps = bootstrap.plan_odoo(
        odoo_facts(
            purpose="demo", python_odoo="18.0", python_missing_tools=["pytest-odoo"]
        )
    )
    assert commands(steps) == []


def test_project_venv_with_odoo_is_used():
    python, steps = bootstrap.plan_odoo(
        odoo_facts(python_odoo="17.0", venv_exists=True, venv_odoo="18.0")
    )
    assert python == VENV_PY
    assert commands(steps) == []
    assert "found in .venv" in steps[0].title


def test_odoo_src_folder_installs_into_a_new_venv():
    python, steps = bootstrap.plan_odoo(
        odoo_facts(odoo_src="/src/odoo", odoo_src_serie="18.0", network=False)
    )
    assert python == VENV_PY
    cmds = commands(steps)
    assert cmds[0] == ["/usr/bin/python3", "-m", "venv", "/repo/.venv"]
    assert [VENV_PY, "-m", "pip", "install", "-q", "--upgrade", "pip"] in cmds
    assert [
        VENV_PY,
        "-m",
        "pip",
        "install",
        "--build-constraint",
        "/repo/.venv/build-constraints.txt",
        "-r",
        "/src/odoo/requirements.txt",
        "phonenumbers",
        "zope.event<5.1",
        "zope.interface<8",
    ] in cmds
    assert editable("/src/odoo") in cmds
    assert cmds[-1] == [
        VENV_PY,
        "-m",
        "pip",
        "install",
        "-q",
        "-r",
        "/repo/requirements-test.txt",
    ]
    assert not any(cmd[0] == "git" for cmd in cmds), "a source folder is not cloned"


def test_existing_venv_without_odoo_is_reused_not_recreated():
    _python, steps = bootstrap.plan_odoo(
        odoo_facts(venv_exists=True, odoo_src="/src/odoo", odoo_src_serie="18.0")
    )
    assert not any("venv" in cmd for cmd in commands(steps))


def test_odoo_src_of_another_version_or_not_odoo_is_one_sentence(tmp_path):
    message = blocked(
        bootstrap.plan_odoo, odoo_facts(odoo_src="/src/odoo17", odoo_src_serie="17.0")
    )
    assert message.startswith("ODOO_SRC=/src/odoo17 holds Odoo 17.0")
    not_odoo = str(tmp_path / "not-odoo")
    message = blocked(bootstrap.plan_odoo, odoo_facts(odoo_src=not_odoo))
    assert "is not an Odoo source folder" in message


def test_odoo_src_git_url_is_cloned_shallow():
    url = "https://git.example.org/odoo.git"
    _python, steps = bootstrap.plan_odoo(odoo_facts(odoo_src=url, network=None))
    assert commands(steps)[0] == [
        "git",
        "clone",
        "--depth",
        "1",
        "--branch",
        "18.0",
        "--progress",
        url,
        "/repo/.odoo-src",
    ]


def test_nothing_given_clones_odoo_official_branch():
    _python, steps = bootstrap.plan_odoo(odoo_facts())
    clone = commands(steps)[0]
    assert clone[:6] == ["git", "clone", "--depth", "1", "--branch", "18.0"]
    assert clone[-2] == "https://github.com/odoo/odoo.git"


def test_nothing_and_no_network_is_one_clear_sentence():
    message = blocked(bootstrap.plan_odoo, odoo_facts(network=False))
    assert message == (
        "Odoo 18.0 is not installed and github.com cannot be reached to fetch it: "
        "set ODOO_SRC to an Odoo 18.0 source folder (or a git URL you can reach), "
        "or install Odoo 18.0 into python3, and run again."
    )


def test_an_earlier_clone_is_reused_without_network():
    _python, steps = bootstrap.plan_odoo(odoo_facts(clone_serie="18.0", network=False))
    assert not any(cmd[0] == "git" for cmd in commands(steps))
    assert editable("/repo/.odoo-src") in commands(steps)


def test_no_git_is_one_sentence():
    message = blocked(bootstrap.plan_odoo, odoo_facts(has_git=False))
    assert "git is missing" in message


def test_old_python_is_one_sentence():
    message = blocked(bootstrap.plan_odoo, odoo_facts(python_version=(3, 9)))
    assert "needs Python 3.10 or newer" in message


def test_build_headers_installed_as_root_on_debian():
    _python, steps = bootstrap.plan_odoo(
        odoo_facts(is_root=True, missing_build=["ldap", "sasl", "compiler"])
    )
    cmds = commands(steps)
    assert cmds[:2] == [
        ["apt-get", "update", "-q"],
        [
            "apt-get",
            "install",
            "-y",
            "-q",
            "build-essential",
            "libldap2-dev",
            "libsasl2-dev",
        ],
    ]


def test_build_headers_missing_without_root_say_the_command():
    message = blocked(bootstrap.plan_odoo, odoo_facts(missing_build=["ldap", "libpq"]))
    assert "`sudo apt-get install -y libldap2-dev libpq-dev`" in message


def test_build_headers_on_an_unknown_system_say_what():
    message = blocked(
        bootstrap.plan_odoo, odoo_facts(package_manager="", missing_build=["sasl"])
    )
    assert "(sasl)" in message and "OpenLDAP, SASL and libpq" in message


# --- PostgreSQL ----------------------------------------------------------------


def test_postgres_answering_runs_nothing():
    steps = bootstrap.plan_postgres(pg_facts())
    assert commands(steps) == []
    assert "answering" in steps[0].title


def test_stopped_cluster_is_started_as_root():
    facts = pg_facts(
        ready=False, is_root=True, clusters=[("15", "main", "5432", "down")]
    )
    assert commands(bootstrap.plan_postgres(facts)) == [
        ["pg_ctlcluster", "15", "main", "start"]
    ]


def test_stopped_cluster_without_root_says_how_to_start_it():
    facts = pg_facts(ready=False, clusters=[("15", "main", "5432", "down")])
    message = blocked(bootstrap.plan_postgres, facts)
    assert "`sudo pg_ctlcluster 15 main start`" in message


def test_absent_postgres_installed_as_root_on_debian():
    facts = pg_facts(
        ready=False,
        is_root=True,
        clusters=[],
        server_installed=False,
        client_tools=False,
    )
    assert commands(bootstrap.plan_postgres(facts)) == [
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "postgresql"],
    ]


@pytest.mark.parametrize(
    ("manager", "command"),
    [
        ("apt", "`sudo apt-get install -y postgresql`"),
        ("dnf", "`sudo dnf install -y postgresql-server"),
        ("brew", "`brew install postgresql@16"),
        ("", "your system's PostgreSQL package"),
    ],
)
def test_absent_postgres_says_the_command_for_this_os(manager, command):
    facts = pg_facts(
        ready=False, clusters=[], server_installed=False, package_manager=manager
    )
    message = blocked(bootstrap.plan_postgres, facts)
    assert message.startswith("PostgreSQL is not installed: install it with ")
    assert command in message


def test_remote_host_that_does_not_answer_is_not_touched():
    facts = pg_facts(
        host="db.example.org",
        host_given=True,
        local=False,
        ready=False,
        is_root=True,
        clusters=[("15", "main", "5432", "down")],
    )
    message = blocked(bootstrap.plan_postgres, facts)
    assert message.startswith("PostgreSQL does not answer on db.example.org:5432")


def test_server_without_client_tools_installs_them():
    facts = pg_facts(client_tools=False, is_root=True)
    assert commands(bootstrap.plan_postgres(facts))[-1] == [
        "apt-get",
        "install",
        "-y",
        "-q",
        "postgresql-client",
    ]


# --- the role ------------------------------------------------------------------


def test_role_fine_runs_nothing():
    assert commands(bootstrap.plan_role(pg_facts())) == []


def test_missing_role_created_as_root_through_the_postgres_user():
    facts = pg_facts(
        is_root=True, role_error='role "alice" does not exist', role_missing=True
    )
    cmd = commands(bootstrap.plan_role(facts))[0]
    assert cmd[:3] == ["runuser", "-u", "postgres"]
    assert cmd[-5:] == ["createuser", "-p", "5432", "-s", "alice"]


def test_missing_role_without_root_says_how():
    facts = pg_facts(role_error='role "alice" does not exist', role_missing=True)
    message = blocked(bootstrap.plan_role, facts)
    assert "`sudo -u postgres createuser -s alice`" in message


def test_role_refused_otherwise_says_why():
    facts = pg_facts(role_error="the role alice may not create databases")
    message = blocked(bootstrap.plan_role, facts)
    assert "may not create databases" in message


# --- optional parts ------------------------------------------------------------


def test_missing_chromium_and_wkhtmltopdf_are_said_never_silent():
    steps = bootstrap.plan_optional(
        "test", {"chromium": None, "wkhtmltopdf": None}, "apt"
    )
    text = [f"{step.title}: {step.note}" for step in steps]
    assert text == [
        "Browser tours: SKIPPED, Chromium is not installed: add it with "
        "`sudo apt-get install -y chromium` to run them",
        "PDF printing: no wkhtmltopdf, the sales-process map prints as a web "
        "page: add it with `sudo apt-get install -y wkhtmltopdf` for PDF",
    ]
    assert commands(steps) == [], "nothing optional is downloaded"


def test_tours_required_without_chromium_stop_the_run():
    message = blocked(
        lambda purpose: bootstrap.plan_optional(
            purpose, {"chromium": None, "wkhtmltopdf": None}, "apt", require_tours=True
        ),
        "test",
    )
    assert "`sudo apt-get install -y chromium`" in message


def test_demo_does_not_mention_tours():
    steps = bootstrap.plan_optional(
        "demo", {"chromium": None, "wkhtmltopdf": "/usr/bin/wkhtmltopdf"}, "apt"
    )
    assert [step.title for step in steps] == ["PDF printing: wkhtmltopdf found"]


# --- probes that need no network ----------------------------------------------


def test_source_serie_reads_release_py(tmp_path):
    assert bootstrap.source_serie(str(tmp_path)) is None
    (tmp_path / "odoo").mkdir()
    (tmp_path / "odoo" / "release.py").write_text(
        "version_info = (18, 0, 0, FINAL, 0, '')\n", encoding="utf-8"
    )
    assert bootstrap.source_serie(str(tmp_path)) == "18.0"


@pytest.mark.parametrize(
    ("value", "is_url"),
    [
        ("https://github.com/odoo/odoo.git", True),
        ("git@github.com:odoo/odoo.git", True),
        ("file:///srv/odoo", True),
        ("/srv/odoo", False),
        ("../odoo", False),
    ],
)
def test_git_url_or_folder(value, is_url):
    assert bootstrap.is_git_url(value) is is_url


def test_runner_failure_is_one_sentence_naming_the_log(tmp_path, capsys):
    runner = bootstrap.Runner(str(tmp_path), total=1)
    step = bootstrap.Step(
        "Doing a thing", [[sys.executable, "-c", "import sys; sys.exit(3)"]]
    )
    with pytest.raises(bootstrap.Blocked) as info:
        runner.run([step])
    assert str(info.value).startswith("Doing a thing failed (")
    assert str(info.value).endswith("exited with 3): see .setup.log.")
    assert (tmp_path / ".setup.log").exists()


def test_script_prints_only_assignments_on_stdout_or_fails_with_a_sentence():
    """A dry run on this machine (it runs nothing): it either finds everything
    (stdout is four shell assignments) or stops with one sentence, or with the
    commands it would run (stdout empty)."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--for", "demo", "--dry-run"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "ODOO_SRC": "/nonexistent", "PGPORT": "5432"},
    )
    if result.returncode == 0:
        names = [line.split("=")[0] for line in result.stdout.splitlines()]
        assert names == ["PYTHON", "PGHOST", "PGPORT", "PGUSER"]
    else:
        assert result.stdout == ""
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith(("Cannot go on: ", "Dry run: ")), last
