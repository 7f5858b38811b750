#!/usr/bin/env python3
"""Check the addon's translation files against each other.

Usage:
    check_i18n.py --pot COMMITTED.pot [--exported FRESH.pot] --po ru.po

Fails (exit 1, listing the terms) when:
  a. the committed .pot differs from a freshly exported one (only with
     --exported): a term is missing from it or no longer exists;
  b. a term of the committed .pot is missing from the .po, or is empty or
     fuzzy there;
  c. a translation does not carry exactly the placeholders of its source
     (%(name)s, %s, %d, {name}...).
On success prints one line, e.g. "i18n: 113 terms, ru.po complete".

Needs only polib (installed with Odoo), not Odoo itself.
"""

import argparse
import os
import re
import sys
from collections import Counter

import polib

#: printf-style (named or positional) and str.format placeholders; "%%" is
#: matched too so that it is never mistaken for the start of a placeholder.
PLACEHOLDER_RE = re.compile(
    r"%%"
    r"|%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]"
    r"|%[-#0+]*\d*(?:\.\d+)?[sdifr]"
    r"|\{\w*(?:\.\w+)*(?:![rsa])?(?::[^{}]*)?\}"
)
#: Longest source text shown for one term in a report.
SHOWN_CHARS = 110


def placeholders(text):
    """The placeholders of ``text``, as a multiset (``%%`` left out)."""
    return Counter(
        match for match in PLACEHOLDER_RE.findall(text or "") if match != "%%"
    )


def term_key(entry):
    return (entry.msgctxt or None, entry.msgid)


def show(key):
    """One readable line for a (msgctxt, msgid) term."""
    msgctxt, msgid = key
    text = msgid.replace("\n", "\\n")
    text = re.sub(r"\s{2,}", " ", text)
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    prefix = f"[{msgctxt}] " if msgctxt else ""
    return f'{prefix}"{text}"'


def show_counter(counter):
    return ", ".join(sorted(counter.elements())) or "none"


def load(path, what):
    """Parse a .po/.pot file, or exit 1 with one sentence saying why not."""
    if not os.path.isfile(path):
        sys.exit(f"i18n: {what} {path} does not exist.")
    try:
        catalog = polib.pofile(path)
    except (OSError, ValueError) as error:
        sys.exit(f"i18n: cannot parse {what} {path}: {error}")
    return {term_key(entry): entry for entry in catalog if not entry.obsolete}


def check_stale(committed, exported):
    """Check (a): the committed .pot holds exactly the exported terms."""
    missing = sorted(set(exported) - set(committed), key=str)
    extra = sorted(set(committed) - set(exported), key=str)
    if not (missing or extra):
        return []
    lines = ["the committed .pot is stale: re-export the .pot: see README."]
    if missing:
        lines.append(f"  {len(missing)} exported term(s) missing from the .pot:")
        lines += [f"    - {show(key)}" for key in missing]
    if extra:
        lines.append(f"  {len(extra)} term(s) in the .pot that are no longer exported:")
        lines += [f"    - {show(key)}" for key in extra]
    return lines


def check_translations(committed, translations, po_name):
    """Checks (b) and (c): every term translated, with the same placeholders."""
    untranslated, mismatched = [], []
    for key, source in committed.items():
        entry = translations.get(key)
        if entry is None:
            untranslated.append(f"  - missing: {show(key)}")
            continue
        if "fuzzy" in entry.flags:
            untranslated.append(f"  - fuzzy: {show(key)}")
            continue
        if entry.msgid_plural:
            texts = entry.msgstr_plural.values()
            pairs = [(source.msgid_plural, text) for text in texts]
        else:
            pairs = [(source.msgid, entry.msgstr)]
        if not all((text or "").strip() for _src, text in pairs):
            untranslated.append(f"  - empty: {show(key)}")
            continue
        for src, text in pairs:
            expected, found = placeholders(src), placeholders(text)
            if expected != found:
                mismatched.append(
                    f"  - {show(key)}: source has {show_counter(expected)}; "
                    f"translation has {show_counter(found)}"
                )
                break
    lines = []
    if untranslated:
        lines.append(
            f"{po_name} lacks {len(untranslated)} translation(s) of the .pot's terms:"
        )
        lines += untranslated
    if mismatched:
        lines.append(
            f"{po_name}: {len(mismatched)} translation(s) with other placeholders "
            "than their source:"
        )
        lines += mismatched
    return lines


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Check that the committed .pot is up to date and that the "
        ".po translates all of its terms with the same placeholders."
    )
    parser.add_argument("--pot", required=True, help="the committed .pot")
    parser.add_argument(
        "--exported",
        help="a .pot freshly exported by Odoo (omit to skip the staleness check)",
    )
    parser.add_argument("--po", required=True, help="the translation to check")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    po_name = os.path.basename(args.po)
    committed = load(args.pot, "the committed .pot")
    if not committed:
        sys.exit(f"i18n: the committed .pot {args.pot} holds no term.")
    problems = []
    if args.exported:
        problems += check_stale(committed, load(args.exported, "the exported .pot"))
    problems += check_translations(committed, load(args.po, "the .po"), po_name)
    if problems:
        for line in problems:
            print(line if line.startswith(" ") else f"i18n: {line}", file=sys.stderr)
        return 1
    print(f"i18n: {len(committed)} terms, {po_name} complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
