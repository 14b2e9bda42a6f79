"""No source file over 400 lines without a stated reason (issue 14).

A long file usually holds more than one concept; split it. Where one concept really is long (a
procedure read top to bottom, one end-to-end test), the file says why near its top, in a comment
or doc comment containing "Over 400 lines because". Only files are read: no build needed.
"""

from __future__ import annotations

import re

from ops_fixtures import REPO, repo_files

LIMIT = 400
SOURCE_SUFFIXES = (".java", ".py", ".sh")
REASON = "over 400 lines because"
# The reason must stand where a reader opening the file sees it.
REASON_WITHIN_LINES = 80  # a Java file's imports come first


def long_files_without_reason(paths: list[str], root=REPO) -> list[str]:
    offenders = []
    for rel in paths:
        if not rel.endswith(SOURCE_SUFFIXES) or not (root / rel).is_file():
            continue
        lines = (root / rel).read_text(encoding="utf-8", errors="replace").splitlines()
        if len(lines) <= LIMIT:
            continue
        # Comment markers and line breaks fold away: the reason may wrap.
        head = re.sub(r"[#*/]", " ", "\n".join(lines[:REASON_WITHIN_LINES]).lower())
        if REASON not in " ".join(head.split()):
            offenders.append(f"{rel}: {len(lines)} lines")
    return offenders


def test_no_source_file_over_400_lines_without_a_stated_reason():
    offenders = long_files_without_reason(sorted(repo_files()))
    assert not offenders, (
        f"split these along concept lines, or state near the top why one concept needs more than "
        f"{LIMIT} lines ('Over 400 lines because ...'): {offenders}"
    )


def test_the_rule_catches_a_long_file(tmp_path):
    long = tmp_path / "Long.java"
    long.write_text("class Long {}\n" + "// x\n" * LIMIT)
    explained = tmp_path / "explained.py"
    explained.write_text("# Over 400 lines\n# because it must.\n" + "x = 1\n" * LIMIT)
    short = tmp_path / "short.sh"
    short.write_text("echo hi\n")
    assert long_files_without_reason(["Long.java", "explained.py", "short.sh"], tmp_path) == [
        f"Long.java: {LIMIT + 1} lines"
    ]
