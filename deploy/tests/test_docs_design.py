"""docs/design.md is the design document that code comments and docs cite, and it is in the repository.

The project's original design document lived outside the repository, so citations of it could not
be followed on a fresh clone. docs/design.md replaces it with the same section numbers. These tests
keep it that way:

- no file cites the old document (its upper-case name as a word; docs/design.md itself may mention
  it once, to say what it replaces);
- every `docs/design.md N` / `docs/design.md N.M` citation names a section or numbered subsection
  that exists, and every Markdown link to design.md names an existing heading (and, where its text
  says `design N.M`, a heading of that section);
- docs/design.md keeps its numbering, its topic table equals DESIGN_TOPICS, and its own links
  resolve.

Only files are read (git ls-files, or a walk of the tree without git): no build needed.
"""

from __future__ import annotations

import re
from pathlib import Path

from ops_fixtures import DESIGN_TOPICS, REPO, repo_files

DOC = REPO / "docs" / "design.md"
DOC_REL = "docs/design.md"

# The old document's name, assembled so that this file does not match it.
OLD_NAME = "DES" + "IGN"
OLD_CITATION = re.compile(r"\b" + OLD_NAME + r"\b")

# Data files: datasets, vocabularies, model graphs and golden vectors hold no citations (the
# t5-small vocabulary has the upper-case word as a token).
DATA_SUFFIXES = {".csv", ".tsv", ".json", ".model", ".onnx", ".bin", ".npz", ".pt", ".gz", ".png"}

# `docs/design.md 6.6`, `docs/design.md section 2`, `docs/design.md §5`; the number may be on the
# next line of a wrapped comment.
CITATION = re.compile(
    r"docs/design\.md(?:[ \t]+|[ \t]*\n[ \t]*(?:\*|#|//)?[ \t]*)(?:section[ \t]+|§[ \t]*)?"
    r"(\d+(?:\.\d+)*)"
)
MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")

REQUIRED_SECTIONS = {str(n) for n in range(1, 8)} | {f"6.{n}" for n in range(1, 7)}


def text_files() -> dict[str, str]:
    """Path -> text of every source and documentation file (data and binary files left out)."""
    texts = {}
    for rel in repo_files():
        path = REPO / rel
        if path.suffix.lower() in DATA_SUFFIXES or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            texts[rel] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return texts


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: inline markup dropped, lower case, punctuation removed."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def headings(path: Path) -> list[tuple[int, str, str, str | None]]:
    """(level, text, anchor, section number) of every heading outside code blocks. The section
    number of an unnumbered heading is that of the numbered heading it sits under."""
    out = []
    seen: dict[str, int] = {}
    numbers: dict[int, str] = {}
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        m = HEADING.match(line)
        if fenced or not m:
            continue
        level, text = len(m.group(1)), m.group(2)
        anchor = slug(text)
        if anchor in seen:
            seen[anchor] += 1
            anchor = f"{anchor}-{seen[anchor]}"
        else:
            seen[anchor] = 0
        numbers = {k: v for k, v in numbers.items() if k < level}
        number = NUMBERED.match(text)
        if number:
            numbers[level] = number.group(1)
        inherited = numbers[max(numbers)] if numbers else None
        out.append((level, text, anchor, inherited))
    return out


def design_sections() -> set[str]:
    return {number for _, text, _, number in headings(DOC) if NUMBERED.match(text)}


def test_no_file_cites_the_old_design_document():
    hits = []
    for rel, text in text_files().items():
        if rel == DOC_REL:
            continue
        for m in OLD_CITATION.finditer(text):
            line = text.splitlines()[line_of(text, m.start()) - 1].strip()
            hits.append(f"{rel}:{line_of(text, m.start())}: {line}")
    assert not hits, (
        f"{len(hits)} citation(s) of the design document that is not in the repository; cite "
        f"docs/design.md with the same section number instead (e.g. `docs/design.md 6.6`, in "
        f"Markdown a link such as [design 6.6](docs/design.md#66-model-releases)):\n"
        + "\n".join(hits)
    )


def test_design_doc_keeps_its_section_numbers():
    found = design_sections()
    assert REQUIRED_SECTIONS <= found, (
        f"docs/design.md lacks sections {sorted(REQUIRED_SECTIONS - found)}: code and docs cite "
        f"them by number, so keep the numbering (add new parts as new numbers)"
    )
    top = [
        NUMBERED.match(text).group(1)
        for level, text, _, _ in headings(DOC)
        if level == 2 and NUMBERED.match(text)
    ]
    assert top == [str(n) for n in range(1, len(top) + 1)], (
        f"top-level sections out of order: {top}"
    )


def test_every_numbered_citation_names_a_section_that_exists():
    sections = design_sections()
    bad, count = [], 0
    for rel, text in text_files().items():
        for m in CITATION.finditer(text):
            count += 1
            if m.group(1) not in sections:
                bad.append(f"{rel}:{line_of(text, m.start())}: docs/design.md {m.group(1)}")
    assert count >= 30, f"only {count} citations found: did the citation pattern stop matching?"
    assert not bad, (
        f"citations of sections docs/design.md does not have (it has "
        f"{sorted(sections, key=lambda s: [int(x) for x in s.split('.')])}):\n" + "\n".join(bad)
    )


def test_every_markdown_link_to_the_design_doc_names_an_existing_heading():
    by_anchor = {anchor: number for _, _, anchor, number in headings(DOC)}
    bad, count = [], 0
    for rel, text in text_files().items():
        if not rel.endswith(".md"):
            continue
        for m in MD_LINK.finditer(text):
            label, target = m.group(1), m.group(2)
            path, _, anchor = target.partition("#")
            if not path.endswith("design.md") or "://" in path:
                continue
            if (REPO / rel).parent.joinpath(path).resolve() != DOC.resolve():
                continue
            count += 1
            where = f"{rel}:{line_of(text, m.start())}: [{label}]({target})"
            if anchor and anchor not in by_anchor:
                bad.append(f"{where}: no heading has the anchor #{anchor}")
                continue
            cited = re.match(
                r"(?:docs/)?design(?:\.md)?\s+(\d+(?:\.\d+)*)|(\d+(?:\.\d+)*)$", label.strip(), re.I
            )
            if cited and anchor:
                number = cited.group(1) or cited.group(2)
                if by_anchor[anchor] != number:
                    bad.append(
                        f"{where}: the text says {number}, the anchor is in section "
                        f"{by_anchor[anchor]}"
                    )
    assert count >= 20, (
        f"only {count} links to docs/design.md found: did the link pattern stop matching?"
    )
    assert not bad, "links to docs/design.md that do not fit its headings:\n" + "\n".join(bad)


def test_design_topic_table_is_design_topics():
    """Section 2's table is one more copy of the topic table (see test_ops_topics.py for the others)."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("\n## 2.") : text.index("\n## 3.")]
    rows = re.findall(r"^\| `([a-z-]+)` \|[^|]*\|[^|]*\| (delete|compact) \|", section, re.M)
    assert dict(rows) == DESIGN_TOPICS


def test_links_in_the_design_doc_resolve():
    text = DOC.read_text(encoding="utf-8")
    own = {anchor for _, _, anchor, _ in headings(DOC)}
    bad = []
    for m in MD_LINK.finditer(text):
        target = m.group(2)
        if "://" in target:
            continue
        path, _, anchor = target.partition("#")
        dest = DOC.parent.joinpath(path).resolve() if path else DOC
        where = f"docs/design.md:{line_of(text, m.start())}: {target}"
        if not dest.exists():
            bad.append(f"{where}: {dest.relative_to(REPO.resolve())} does not exist")
        elif anchor:
            anchors = (
                own
                if dest == DOC
                else ({a for _, _, a, _ in headings(dest)} if dest.suffix == ".md" else set())
            )
            if anchor not in anchors:
                bad.append(f"{where}: no heading with the anchor #{anchor}")
    assert not bad, "broken links in docs/design.md:\n" + "\n".join(bad)
