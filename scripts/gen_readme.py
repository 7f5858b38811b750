#!/usr/bin/env python3
"""Build the addon's README.rst from its readme/ fragments, as OCA does.

The fragments (``readme/DESCRIPTION.md``, ``CONFIGURE.md``, ``USAGE.md``,
``CONTRIBUTORS.md``) are the one source of the addon's description; this
script assembles them under OCA's headings, with the licence badge and the
authors of the manifest. The fragments use the Markdown that reads the same in
reStructuredText (paragraphs, lists, ``*emphasis*``, ``**strong**``, indented
literal blocks after ``::``); only inline code changes, from `x` to ``x``.

Usage: gen_readme.py [--check]   (--check: fail when README.rst is stale)
"""

import ast
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON = os.path.join(ROOT, "pharmacy_lead_alignment")
SECTIONS = (("CONFIGURE.md", "Configuration"), ("USAGE.md", "Usage"))
BADGE = """.. |badge1| image:: https://img.shields.io/badge/licence-LGPL--3-blue.png
    :target: http://www.gnu.org/licenses/lgpl-3.0-standalone.html
    :alt: License: LGPL-3

|badge1|
"""
INLINE_CODE = re.compile(r"(?<!`)`([^`]+)`(?!`)")


def to_rst(markdown):
    """Inline code becomes ``code``; an indented block after a paragraph
    ending with a colon becomes a literal block (``::``)."""
    paragraphs = markdown.strip("\n").split("\n\n")
    out = []
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        literal = all(line.startswith("    ") for line in lines)
        if literal and out and out[-1].endswith(":") and not out[-1].endswith("::"):
            out[-1] += ":"
        out.append(paragraph if literal else INLINE_CODE.sub(r"``\1``", paragraph))
    return "\n\n".join(out) + "\n"


def heading(text, char, over=False):
    rule = char * len(text)
    return f"{rule}\n{text}\n{rule}\n" if over else f"{text}\n{rule}\n"


def fragment(name):
    path = os.path.join(ADDON, "readme", name)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return to_rst(handle.read())


def build():
    with open(os.path.join(ADDON, "__manifest__.py"), encoding="utf-8") as handle:
        manifest = ast.literal_eval(handle.read())
    parts = [
        heading(manifest["name"], "=", over=True),
        BADGE,
        fragment("DESCRIPTION.md"),
        "**Table of contents**\n\n.. contents::\n   :local:\n",
    ]
    for name, title in SECTIONS:
        text = fragment(name)
        if text:
            parts.append(heading(title, "=") + "\n" + text)
    credits = [heading("Credits", "="), heading("Authors", "-")]
    credits.append(
        "".join(f"* {author.strip()}\n" for author in manifest["author"].split(","))
    )
    contributors = fragment("CONTRIBUTORS.md")
    if contributors:
        credits += [heading("Contributors", "-"), contributors]
    parts.append("\n".join(credits))
    return "\n".join(parts)


def main(argv):
    target = os.path.join(ADDON, "README.rst")
    text = build()
    if "--check" in argv:
        with open(target, encoding="utf-8") as handle:
            if handle.read() != text:
                print(
                    "README.rst is not what readme/ says: run scripts/gen_readme.py",
                    file=sys.stderr,
                )
                return 1
        print("README.rst: current with readme/")
        return 0
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
