#!/usr/bin/env python
"""Check that every number claimed in the course's prose is backed by a committed output.

    python scripts/check_claims.py [paths...]     # default: notebooks/*.ipynb and README.md

A **notebook**'s markdown cells are checked against that notebook's own code cells: the text of their
outputs (stream text and ``text/plain``; never images) backs results, their sources back settings.
Its run time at the top is backed by its entry in ``benchmarks/notebook_run_times.json`` (written from the
log of the runner that executed it: ``scripts/record_run_times.py``).
A **markdown file** (README.md) is checked against every notebook's outputs and sources,
``benchmarks/*.json``, ``benchmarks/README.md``, ``requirements.txt`` and ``pyproject.toml``.
Numbers that are neither are listed per file in ``tests/claims_allowlist.json``:
``{"notebooks/01_vanilla_gan.ipynb": {"0.71": "reason ..."}}`` (keys as written, "%" and units optional).

What counts as a claim (the rules, kept few on purpose):
  1. decimals (0.907, 37.6, −0.69, 2e-4), numbers with a unit (99.6 %, 12 min, 8.5 minutes, 45 s, 5 min 17 s,
     30 epochs, 1.46x, 1.96 GB) and integers >= 10 (2,330,944, 10 000, 217) are claims;
  2. skipped: anything inside `code spans`, fenced code blocks, $math$, HTML tags and link targets;
     integers < 10 without a unit; numbers glued to a letter, digit or "." (β1, W1, bar09, float32, 28x28,
     "2-core", "100-d", "Wasserstein-1"); two-digit numbers with a leading zero (notebook numbers "02");
     the number after "notebook(s)/section/exercise/Theorem/Algorithm/issue/§"; list ordinals ("1." at a
     line's start); years (19xx/20xx after "et al.", a capitalised name, or inside parentheses); ISO dates;
     version numbers after Python/TensorFlow/Keras/NumPy/CUDA/version/CC BY-SA;
  3. units carry over in ranges ("50–80 s", "60-64 %") and to "± x" after a percentage ("86.2 % ± 0.5");
  4. leftover placeholders ``⟦NUM: ...⟧`` (any "⟦") are always an error.

When a claim is backed:
  - an output number equals it after rounding to the claim's precision (0.91 <- 0.907 or 0.9071, not 0.92 <- 0.907;
    217 <- 217.1; "7.00" <- 7.0); thousands separators, "_" and the unicode minus are normalised. So prose may
    round as it likes (0.80 <- 0.7994, 36 % <- 0.3612, FD 142 <- 141.677), but only to the digits it writes:
    |output − claim| <= half a unit of the claim's last decimal (0.81 is not backed by 0.7994, nor 0.800, nor 140 by
    141.677);
  - "%" and fractions are interchangeable (99.6 % <- 0.996 or 0.9958; 0.996 <- "99.6 %");
  - times compare in seconds across units and only with times (12 min <- "712 s" or "11.9 min" in an output,
    not a bare 12; JSON keys containing "second" are times);
  - or a code cell's source contains exactly that value (settings such as 2e-4, 0.5, 64, λ = 10, 5 % <- 0.05);
  - or the allowlist names it for that file.

Prints one line per unbacked claim and "N claims checked, M unbacked"; exits 1 if M > 0.
"""
from __future__ import annotations

import argparse
import bisect
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ALLOWLIST = "tests/claims_allowlist.json"

MINUS = "\u2212"
SEPARATORS = ",_\u202f\u00a0\u2009 "  # thousands separators: comma, underscore, (narrow) no-break/thin space, space
TIME_FACTORS = {"ms": Decimal("0.001"), "s": Decimal(1), "sec": Decimal(1), "second": Decimal(1),
                "seconds": Decimal(1), "min": Decimal(60), "minute": Decimal(60), "minutes": Decimal(60),
                "h": Decimal(3600), "hour": Decimal(3600), "hours": Decimal(3600)}
UNIT_RE = (r"%|ms|min(?:utes?)?|s|sec(?:onds?)?|h|hours?|epochs?|x|GB|MB")
_SPACED_ONLY = {"s"}   # "45 s" is a time, "9s" a plural
_GLUED_ONLY = {"x"}    # "1.46x" is a ratio, "10 x share" a product

# --------------------------------------------------------------------------------------------- claims

@dataclass
class Claim:
    text: str          # as written, e.g. "99.6 %" or "−0.69"
    value: Decimal     # signed, separators removed
    places: int        # decimals as written (0.90 -> 2); rounding precision
    unit: str = ""     # "", "%", "min", "s", "epochs", "x", ...
    where: str = ""    # "cell 17" / "line 42"
    placeholder: bool = False

    @property
    def key(self) -> str:
        return _canon(self.text)


def _canon(text: str) -> str:
    """Normal form of a claim's text for allowlist keys: no spaces/separators, ASCII minus."""
    t = text.replace(MINUS, "-")
    t = re.sub(r"(?<=\d)[,_\u202f\u00a0\u2009 ](?=\d{3})", "", t)
    return re.sub(r"\s+", "", t)


def _blank(match: re.Match) -> str:
    """Replace a match by spaces, keeping newlines (line numbers stay right)."""
    return re.sub(r"[^\n]", " ", match.group(0))


# Regions whose numbers are not claims (rule 2). Order matters: code first ($ inside code is not math).
_STRIP = [
    re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M),                   # fenced code
    re.compile(r"(`+)(?:(?!\1).)+?\1", re.S),                              # inline code
    re.compile(r"\$\$.+?\$\$", re.S),                                      # display math
    re.compile(r"(?<![\\\w])\$(?=\S)[^$\n]+?(?<=\S)\$"),                  # inline math
    re.compile(r"\]\([^)\s]*\)"),                                          # link/image targets
    re.compile(r"https?://\S+"),                                           # bare URLs
    re.compile(r"<[^>\n]+>"),                                              # HTML tags
    re.compile(r"&#?\w+;"),                                                # HTML entities
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),                                  # ISO dates
    re.compile(r"(?i)(?:\bnotebooks?|\bsections?|\bexercises?|\btheorem|\balgorithm|\bissues?|§)\s*"
               r"\d+(?:\.\d+)*(?:\s*(?:[–-]|,|and|or|to)\s*\d+(?:\.\d+)*\b)*"),  # references
    re.compile(r"(?i)(?:\bpython|\btensorflow|\bkeras|\bnumpy|\bcuda|\bversion|\bby-sa)\s+v?\d+(?:\.\d+)*"
               r"(?:\s*[–-]\s*\d+(?:\.\d+)*)?"),                          # versions
    re.compile(r"^[ \t]*\d+\.(?=\s)", re.M),                               # list ordinals
]

_NUM_RE = re.compile(
    r"(?P<sign>[-\u2212])?"
    r"(?P<num>\d{1,3}(?:[,\u202f\u00a0\u2009 ]\d{3})+(?![\d.])|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)"
    r"(?P<half>½)?"
)
_UNIT_AFTER = re.compile(r"(?P<sp>[ \t\u00a0\u202f]?)(?P<unit>" + UNIT_RE + r")(?![\w])")
_PLACEHOLDER = re.compile(r"⟦[^⟧⟦]{0,300}⟧?")


def _to_decimal(num: str) -> Decimal | None:
    try:
        return Decimal(re.sub("[" + SEPARATORS + "]", "", num))
    except InvalidOperation:
        return None


def _places(d: Decimal) -> int:
    return max(0, -d.as_tuple().exponent)


def _is_year(line_before: str, num: str) -> bool:
    if not re.fullmatch(r"(19|20)\d\d", num):
        return False
    before = line_before.rstrip(" ,")
    return (before.endswith(("al.", "(")) or line_before.count("(") > line_before.count(")")
            or re.search(r"[A-Z][\w'’]+$", before) is not None)


def extract_claims(text: str, where=lambda offset: "") -> list[Claim]:
    """The numeric claims of a markdown text (rules 1-4 of the module docstring).

    ``where(offset)`` names the location of a character offset (e.g. "line 12")."""
    claims: list[Claim] = []
    for m in _PLACEHOLDER.finditer(text):
        claims.append(Claim(" ".join(m.group(0).split()), Decimal(0), 0, where=where(m.start()), placeholder=True))
    clean = text
    for pattern in _STRIP:
        clean = pattern.sub(_blank, clean)

    found: list[tuple[int, int, Claim]] = []   # (start, end, claim) incl. skipped small ints for range logic
    for m in _NUM_RE.finditer(clean):
        start, end = m.start(), m.end()
        num, sign = m.group("num"), m.group("sign") or ""
        prev = clean[start - 1] if start else " "
        line_start = clean.rfind("\n", 0, start) + 1
        if sign:
            if prev.isalpha() or prev == "_":          # "Wasserstein-1", "BY-SA": a name, not a number
                continue
            if prev.isdigit() or prev in ".)":            # a range "50-80": the dash is not a sign
                sign, start = "", start + 1
                prev = clean[start - 1]
        elif prev.isalnum() or prev in "_.":              # glued: β1, bar09, 3.11.7, x₁
            continue
        if num.startswith("."):                           # ".5" after a word boundary: treat as glued
            continue
        nxt = clean[end:end + 2]
        unit = ""
        um = _UNIT_AFTER.match(clean, end)
        if um and not ((um.group("unit") in _SPACED_ONLY and not um.group("sp"))
                       or (um.group("unit") in _GLUED_ONLY and um.group("sp"))):
            unit = um.group("unit")
            end_all = um.end()
        else:
            end_all = end
            if nxt[:1].isalnum() or nxt[:1] == "_" or re.match(r"[-\u2212][^\W\d]", nxt):
                continue                                   # glued suffix: 2D, 28x28, "2-core", "100-d"
        value = _to_decimal(num)
        if value is None:
            continue
        places = _places(value)
        if m.group("half"):
            value, places = value + Decimal("0.5"), max(places, 1)
        if sign:
            value = -value
        raw = clean[m.start() if sign else start:end_all]
        is_int = "." not in num and "e" not in num.lower()
        small = is_int and value.copy_abs() < 10 and not m.group("half")
        claim = Claim(raw.strip(), value, places, unit, where(start))
        skip = False
        if is_int and not unit:
            if small:
                skip = True
            elif len(num) > 1 and num[0] == "0":           # notebook numbers: 01, 02
                skip = True
            elif _is_year(clean[line_start:start], num):
                skip = True
        found.append((start, end_all, claim if not skip else None, claim))

    # rule 3: units carry over in ranges and to "± x" after a percentage
    for i, (start, end, kept, claim) in enumerate(found):
        if claim.unit:
            continue
        if i + 1 < len(found):
            nstart, _, _, nclaim = found[i + 1]
            between = clean[end:nstart]
            if nclaim.unit and re.fullmatch(r"\s*[–\-]\s*", between) and "\n" not in between:
                claim.unit = nclaim.unit
                claim.text += " " + nclaim.unit if nclaim.unit != "x" else nclaim.unit
                if kept is None:
                    found[i] = (start, end, claim, claim)
                continue
        if i > 0 and re.search(r"±\s*$", clean[found[i - 1][1]:start]) and found[i - 1][3].unit == "%":
            claim.unit = "%"
            claim.text += " %"
            if kept is None:
                found[i] = (start, end, claim, claim)

    # "5 min 17 s": one claim in seconds
    result: list[Claim] = []
    skip_next = False
    for i, (start, end, kept, claim) in enumerate(found):
        if skip_next:
            skip_next = False
            continue
        if kept is None:
            continue
        if kept.unit.startswith("min") and i + 1 < len(found):
            nstart, _, nkept, nclaim = found[i + 1]
            if nclaim.unit in ("s", "sec", "seconds") and re.fullmatch(r"\s*", clean[end:nstart]):
                total = kept.value * 60 + nclaim.value
                result.append(Claim(f"{kept.text} {nclaim.text}", total, 0, "s", kept.where))
                skip_next = True
                continue
        result.append(kept)
    return claims + result


def markdown_cells(nb: dict):
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "markdown":
            yield index, _src(cell.get("source", ""))


def _src(source) -> str:
    return "".join(source) if isinstance(source, list) else (source or "")


# ------------------------------------------------------------------------------------------- evidence

_OUT_NUM = re.compile(
    r"(?P<sign>[-\u2212])?(?P<num>\d{1,3}(?:[,_]\d{3})+(?![\d])|\d+(?:_\d+)*(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"(?P<unit>\s?(?:%|ms|min(?:utes?)?|s|sec(?:onds?)?|h|hours?)(?![A-Za-z]))?")


@dataclass
class Evidence:
    """Numbers that can back a claim: ``values`` (outputs/text, matched after rounding),
    ``seconds`` (times in outputs, in seconds) and ``exact`` (code sources, matched exactly)."""
    values: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    exact: set = field(default_factory=set)
    _sorted: bool = False

    def add_text(self, text: str) -> None:
        for m in _OUT_NUM.finditer(text):
            start = m.start()
            if start and (text[start - 1].isdigit() or text[start - 1] == "."):
                continue
            value = _to_decimal(m.group("num"))
            if value is None:
                continue
            sign = m.group("sign")
            if sign and not (start and text[start - 1].isalnum()):
                value = -value
            self.values.append(float(value))
            unit = (m.group("unit") or "").strip()
            if unit == "%":
                self.values.append(float(value / 100))
            elif unit in TIME_FACTORS:
                self.seconds.append(float(value * TIME_FACTORS[unit]))
        self._sorted = False

    def add_code(self, text: str) -> None:
        for m in _OUT_NUM.finditer(text):
            start = m.start()
            if start and (text[start - 1].isalnum() or text[start - 1] in "._"):
                continue
            value = _to_decimal(m.group("num"))
            if value is None:
                continue
            self.exact.add(value)
            if m.group("sign"):
                self.exact.add(-value)

    def add_json(self, obj, key: str = "") -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                self.add_json(v, str(k))
        elif isinstance(obj, list):
            for v in obj:
                self.add_json(v, key)
        elif isinstance(obj, bool):
            return
        elif isinstance(obj, (int, float)):
            self.values.append(float(obj))
            if "second" in key or key.endswith("_s"):
                self.seconds.append(float(obj))
        elif isinstance(obj, str):
            self.add_text(obj)
        self._sorted = False

    def _sort(self) -> None:
        if not self._sorted:
            self.values.sort()
            self.seconds.sort()
            self._sorted = True

    @staticmethod
    def _near(sorted_values: list, target: float, tolerance: float) -> bool:
        slack = tolerance * (1 + 1e-9) + 1e-12 * max(1.0, abs(target))
        i = bisect.bisect_left(sorted_values, target - slack)
        return i < len(sorted_values) and sorted_values[i] <= target + slack

    def backs(self, claim: Claim) -> bool:
        self._sort()
        variants = [(claim.value, claim.places)]
        if claim.unit == "%":
            variants.append((claim.value / 100, claim.places + 2))
        for value, places in variants:
            if value in self.exact:
                return True
            # a time must match a time (below): a bare 38 in an output does not back "38 min"
            if claim.unit not in TIME_FACTORS and self._near(self.values, float(value), 0.5 * 10.0 ** -places):
                return True
        if claim.unit in TIME_FACTORS:
            factor = float(TIME_FACTORS[claim.unit])
            if self._near(self.seconds, float(claim.value) * factor, 0.5 * 10.0 ** -claim.places * factor):
                return True
        return False


def notebook_evidence(nb: dict, evidence: Evidence | None = None) -> Evidence:
    evidence = evidence or Evidence()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        evidence.add_code(_src(cell.get("source", "")))
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                evidence.add_text(_src(out.get("text", "")))
            else:
                plain = out.get("data", {}).get("text/plain")
                if plain is not None:
                    evidence.add_text(_src(plain))
    return evidence


# ------------------------------------------------------------------------------------------- checking

@dataclass
class Problem:
    path: str
    where: str
    claim: Claim
    sources: str

    def __str__(self) -> str:
        if self.claim.placeholder:
            return f'{self.path} {self.where}: placeholder "{self.claim.text}" left in the text'
        return f'{self.path} {self.where}: "{self.claim.text}" not found in the {self.sources}'


def _allowed(claim: Claim, allow: dict) -> bool:
    if claim.placeholder:
        return False
    keys = {_canon(k) for k in allow}
    bare = _canon(re.sub(r"[^\d.,\s\u2212\-e+]+$", "", claim.text.strip()))
    return claim.key in keys or bare in keys or _canon(str(claim.value)) in keys


RUN_TIMES = "benchmarks/notebook_run_times.json"


def check_notebook(nb: dict, path: str = "notebook", allow: dict | None = None, run_time: str | None = None):
    """Return (number of claims, problems) for one notebook given as a dict. ``run_time`` (e.g. "14.2 min",
    from benchmarks/notebook_run_times.json, written by the runner that executed it) backs its run time."""
    allow = allow or {}
    evidence = notebook_evidence(nb)
    if run_time:
        evidence.add_text(run_time)
    n, problems = 0, []
    for index, text in markdown_cells(nb):
        for claim in extract_claims(text, lambda _o, i=index: f"cell {i}"):
            n += 1
            if claim.placeholder or not (evidence.backs(claim) or _allowed(claim, allow)):
                problems.append(Problem(path, claim.where, claim, "outputs"))
    return n, problems


def check_markdown(text: str, evidence: Evidence, path: str = "README.md", allow: dict | None = None):
    """Return (number of claims, problems) for a markdown file checked against ``evidence``."""
    allow = allow or {}

    def where(offset: int) -> str:
        return f"line {text.count(chr(10), 0, offset) + 1}"

    n, problems = 0, []
    for claim in extract_claims(text, where):
        n += 1
        if claim.placeholder or not (evidence.backs(claim) or _allowed(claim, allow)):
            problems.append(Problem(path, claim.where, claim, "notebook outputs or benchmarks"))
    return n, problems


class Files:
    """Reads repository files from the working tree, or (``rev``) from a git revision via ``git show``."""

    def __init__(self, root: Path = ROOT, rev: str | None = None):
        self.root, self.rev = Path(root), rev

    def label(self, path: Path) -> str:
        path = path if path.is_absolute() else self.root / path
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def read(self, label: str) -> str | None:
        if self.rev is None:
            path = self.root / label
            return path.read_text(encoding="utf-8") if path.exists() else None
        done = subprocess.run(["git", "show", f"{self.rev}:{label}"], cwd=self.root, capture_output=True)
        return done.stdout.decode("utf-8") if done.returncode == 0 else None

    def glob(self, folder: str, suffix: str) -> list[str]:
        if self.rev is None:
            return sorted(self.label(p) for p in (self.root / folder).glob("*" + suffix))
        done = subprocess.run(["git", "ls-tree", "--name-only", self.rev, folder + "/"], cwd=self.root,
                              capture_output=True, text=True, check=True)
        return sorted(n for n in done.stdout.split() if n.endswith(suffix))


def repository_evidence(files: Files) -> Evidence:
    """What backs README.md: all notebooks, benchmarks/*.json, benchmarks/README.md, requirements, pyproject."""
    evidence = Evidence()
    for label in files.glob("notebooks", ".ipynb"):
        notebook_evidence(json.loads(files.read(label)), evidence)
    for label in files.glob("benchmarks", ".json"):
        evidence.add_json(json.loads(files.read(label)))
    bench = files.read("benchmarks/README.md")
    if bench is not None:
        evidence.add_text(bench)
    for name in ("requirements.txt", "pyproject.toml"):
        text = files.read(name)
        if text is not None:
            evidence.add_code(text)
    return evidence


def check_paths(paths: list, files: Files | None = None, allowlist: dict | None = None):
    """Check notebooks/markdown files (paths or repository-relative labels); return (claims, problems)."""
    files = files or Files()
    allowlist = allowlist or {}
    total, problems, repo_evidence = 0, [], None
    for path in paths:
        label = files.label(Path(path))
        text = files.read(label)
        if text is None:
            raise FileNotFoundError(f"{label} (revision {files.rev or 'working tree'})")
        allow = allowlist.get(label, {})
        if label.endswith(".ipynb"):
            times = json.loads(files.read(RUN_TIMES) or "{}")
            entry = times.get(label)
            run_time = f"{entry['minutes']} min {entry['seconds']} s" if entry else None
            n, found = check_notebook(json.loads(text), label, allow, run_time)
        else:
            if repo_evidence is None:
                repo_evidence = repository_evidence(files)
            n, found = check_markdown(text, repo_evidence, label, allow)
        total += n
        problems += found
    return total, problems


def load_allowlist(path: Path) -> dict:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def default_paths(files: Files) -> list[str]:
    return files.glob("notebooks", ".ipynb") + ["README.md"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (.ipynb) and markdown files")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this repo)")
    parser.add_argument("--allowlist", type=Path, default=None, help=f"default: {DEFAULT_ALLOWLIST}")
    parser.add_argument("--rev", default=None,
                        help="check the files as committed in this git revision (e.g. HEAD) instead of the "
                             "working tree; the allowlist is always read from the working tree")
    args = parser.parse_args(argv)
    files = Files(args.root, args.rev)
    allowlist = load_allowlist(args.allowlist or args.root / DEFAULT_ALLOWLIST)
    total, problems = check_paths(args.paths or default_paths(files), files, allowlist)
    for problem in problems:
        print(problem)
    print(f"{total} claims checked, {len(problems)} unbacked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
