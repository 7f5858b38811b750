#!/usr/bin/env python3
"""Build the addon's wheel the OCA way (whool) and check what it holds.

``pip wheel`` must produce ``odoo-addon-pharmacy_lead_alignment`` depending on
Odoo 18.0 only, with the manifest, the translations, the data and the
dashboard's assets inside ``odoo/addons/pharmacy_lead_alignment``.

Usage: check_wheel.py OUTPUT_DIR
"""

import glob
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

ADDON = "pharmacy_lead_alignment"
REQUIRED = (
    "__manifest__.py",
    "i18n/ru.po",
    "i18n/pharmacy_lead_alignment.pot",
    "security/ir.model.access.csv",
    "static/src/dashboard/alignment_dashboard.js",
    "static/description/icon.png",
)


def main(argv):
    try:
        import whool  # noqa: F401, PLC0415
    except ImportError:
        sys.exit(
            "check_wheel: whool (the OCA wheel builder) is not installed: "
            "pip install -r requirements-test.txt"
        )
    out = Path(argv[0])
    repo = Path(__file__).resolve().parents[1]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(repo / ADDON),
        ],
        check=True,
    )
    wheels = glob.glob(str(out / "odoo_addon_pharmacy_lead_alignment-18.0.*.whl"))
    if len(wheels) != 1:
        sys.exit(f"check_wheel: expected one 18.0 wheel in {out}, found {wheels}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(wheel.read(metadata_name).decode())
    problems = []
    if metadata["Name"] != f"odoo-addon-{ADDON}":
        problems.append(f"the wheel is named {metadata['Name']}")
    requires = metadata.get_all("Requires-Dist") or []
    if requires != ["odoo==18.0.*"]:
        problems.append(f"it requires {requires}, not only odoo==18.0.*")
    missing = [f for f in REQUIRED if f"odoo/addons/{ADDON}/{f}" not in names]
    if missing:
        problems.append(f"it lacks {', '.join(missing)}")
    if problems:
        sys.exit("check_wheel: " + "; ".join(problems))
    print(f"{Path(wheels[0]).name}: {metadata['Name']}, requires {requires[0]}")


if __name__ == "__main__":
    main(sys.argv[1:])
