"""Similar submissions: pairs of students whose code for an exercise is suspiciously alike.

Winnowing fingerprints, as MOSS computes them (Schleimer, Wilkerson and Aiken, 2003): the code
is reduced to tokens (names and literals normalised, comments and layout dropped), hashed in
k-grams, and each window of w consecutive hashes keeps its minimum. Fingerprints that also
occur in the exercise's stub are dropped, so the text every student started from counts for
nothing.

The tokenizer and the winnowing are copydetect's (``filter_code``, ``winnow``,
``get_copied_slices``); this module adds what a class needs on top: numbers normalised too, the
stub as a base file, k-grams kept inside one function (so that reordering functions hides
nothing), a minimum size, an inverted index so that only students who share a
fingerprint are compared, and character spans in the original sources.

The defaults were chosen on the lesson's honest variants (``tests/solutions``, ``reference``):
independent solutions of one small exercise score at most 0.50 against each other, while a copy
with renamed names, other comments, blank lines and spacing and reordered functions scores 0.92
or more (``tests/test_batch_similarity.py`` holds both sides of that margin).
"""

from __future__ import annotations

import ast
import io
import multiprocessing
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from copydetect.utils import filter_code, get_copied_slices, winnow  # no stubs

from grader.batch.model import ClassResult

# Characters of normalised code per k-gram. A token is 1 to 6 characters once names become V
# ("V.V(V,V=True)" is 13), so 25 is about a line of code: with 20, honest solutions that merely
# call methods with keyword arguments start to share fingerprints; with 30, a copy loses a
# fingerprint to every changed token and the shortest solutions keep barely 10.
DEFAULT_K = 25
# Winnowing window, in k-grams: a shared run of normalised code is certain to be found once it
# is k + window - 1 = 28 characters long, a line. A wider window keeps fewer fingerprints (about
# 2 / (window + 1) of the k-grams), which makes the short exercises' scores jumpy.
DEFAULT_WINDOW = 4
# The share of the smaller fingerprint set that must be found in the other. On the lesson's
# honest variants the highest is 0.50 (two softmaxes that both end `return e / e.sum(dim,
# keepdim=True)`), the next 0.23; disguised copies score 0.92 or more. 0.7 leaves 0.2 either side.
DEFAULT_THRESHOLD = 0.7
# A source with fewer fingerprints than this, once the stub's are removed, is skipped. One line
# of a student's own code gives at most 9 at the defaults (`return torch.exp(x) /
# torch.exp(x).sum(dim, keepdim=True)` in the stub gives 9, `return x` 2): so little that
# independent students write the same thing, and a score on a handful of fingerprints jumps by
# 0.1 or more per fingerprint. The shortest complete solutions of the lesson (a two-line
# softmax, a four-line NLL) give 13 to 14, and are compared.
DEFAULT_MIN_FINGERPRINTS = 10

_NAME_LETTERS = str.maketrans({"F": "V", "O": "V"})
# filter_code leaves numbers as written; a copy must not escape by writing 1e-9 as 1e-12. Every
# name is a single letter by then, so a literal is a digit (or "." and a digit) after no letter,
# digit, underscore or dot, read by Python's grammar for numbers: keywords are glued to it
# ("1else" is 1, then else) and stay outside.
_NUMBER = re.compile(
    r"(?<![A-Za-z_0-9.])(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9][0-9_]*)?[jJ]?)"
)
# For the 48-bit k-gram hashes: an odd multiplier, and the top bits of a product modulo 2**64
# (its low bits depend only on the low bits of the characters).
_HASH_BASE = np.uint64(0x9E3779B97F4A7C15)
_HASH_SHIFT = np.uint64(16)


@dataclass(frozen=True)
class SimilarPair:
    """Two students' code for one exercise, and how much of it is shared.

    ``score`` is the share (0 to 1) of the smaller fingerprint set found in the other;
    ``first_spans`` / ``second_spans`` are the character ranges ``(start, end)`` of each source
    that are matched in the other, for highlighting side by side.
    """

    exercise: str
    first: str  # student id
    second: str  # student id
    score: float
    first_source: str
    second_source: str
    first_spans: tuple[tuple[int, int], ...] = ()
    second_spans: tuple[tuple[int, int], ...] = ()
    # How many fingerprints the two shared, and each one's count (after the stub's are removed).
    shared: int = 0
    first_fingerprints: int = 0
    second_fingerprints: int = 0


@dataclass(frozen=True)
class _Document:
    """One student's source for one exercise, fingerprinted."""

    student: str
    source: str
    # Fingerprint -> the positions (k-gram starts in the normalised text) where it was selected.
    positions: dict[int, list[int]]
    # The normalised text, and where each of its characters starts in ``source``, then len(source).
    text: str
    starts: np.ndarray


def normalise(source: str) -> tuple[str, np.ndarray]:
    """The code as MOSS compares it, and where each of its characters starts in ``source``.

    copydetect's ``filter_code`` drops comments and layout and writes every variable, attribute
    and parameter as V, function name as F, class name as O and string as S; here F and O become
    V too and numbers become N. The second value has one entry per character of the normalised
    text, plus ``len(source)`` at the end, so that a normalised range ``[a, b)`` is
    ``[starts[a], starts[b])`` of the source (trailing layout included).
    """
    filtered, offsets = filter_code(source, "submission.py", language="python")
    n = len(filtered)
    if len(offsets):
        # offsets holds (index, characters removed before it) at every index where filter_code
        # removed text: a character's count is the next such entry's (as copydetect's own
        # compare_files maps its slices back).
        entry = np.clip(np.searchsorted(offsets[:, 0], np.arange(n)), 0, len(offsets) - 1)
        starts = np.arange(n) + offsets[:, 1][entry]
    else:
        starts = np.arange(n)
    # filter_code records a class name's removed length instead of the running count: keep the
    # positions increasing whatever its offsets say.
    starts = np.maximum.accumulate(np.append(starts, len(source)).astype(np.int64))
    starts = np.minimum(starts, len(source))
    # The lexer tells a name from a function's by its context ("x .__init__ ()" is a V, "x.__init__()"
    # an F), so spacing alone could change the letter: all three are one kind of token. (Keywords
    # and builtins such as False change with them, alike in every source.)
    filtered = filtered.translate(_NAME_LETTERS)
    if not _NUMBER.search(filtered):
        return filtered, starts
    keep = np.ones(n + 1, dtype=bool)
    pieces: list[str] = []
    last = 0
    for match in _NUMBER.finditer(filtered):
        pieces.append(filtered[last : match.start()] + "N")
        keep[match.start() + 1 : match.end()] = False
        last = match.end()
    pieces.append(filtered[last:])
    return "".join(pieces), starts[keep]


def _line_starts(source: str) -> list[int]:
    """The offset of each line of ``source`` as Python counts lines (only \\n, \\r\\n and \\r end one)."""
    starts = [0]
    for line in io.StringIO(source, newline=""):
        starts.append(starts[-1] + len(line))
    return starts


def kgram_hashes(text: str, k: int) -> np.ndarray:
    """A 48-bit hash of each k-character substring of ``text`` (none when it is shorter than k).

    copydetect's ``hashed_kgrams`` uses Python's ``hash``, which is salted per process: the
    same class would score differently from one run to the next. This is a polynomial hash
    instead, computed for all k-grams at once, and small enough for copydetect's pure-Python
    winnowing to compare exactly as floats.
    """
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    hashes = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(k):
            hashes = hashes * _HASH_BASE + codes[offset : offset + count] + np.uint64(1)
    return (hashes >> _HASH_SHIFT).astype(np.int64)


def fingerprint(source: str, k: int, window: int, base: frozenset[int] = frozenset()) -> dict[int, list[int]]:
    """The winnowed fingerprints of ``source``, each with the k-gram positions that selected it.

    Fingerprints in ``base`` (every k-gram hash of the stub) are left out.
    """
    text, starts = normalise(source)
    return _fingerprint_text(text, _pieces(source, starts), k, window, base)


def _pieces(source: str, starts: np.ndarray) -> list[int]:
    """Where the normalised text is cut so that no k-gram spans two definitions.

    Every statement of the module, and of any body that defines functions or classes (a class's
    methods), starts a piece: reordering functions then changes no fingerprint, where a k-gram
    across the end of one function and the start of the next would be lost, which is much of a
    small exercise. Code that does not parse is one piece.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # Nested too deeply for this interpreter (a store graded elsewhere may hold such code):
        # one piece, rather than no exports for the whole class.
        return [0]
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    lines: set[int] = set()
    bodies: list[list[ast.stmt]] = [tree.body]
    bodies += [node.body for node in ast.walk(tree) if isinstance(node, definitions)]
    for body in bodies:
        if body is tree.body or any(isinstance(statement, definitions) for statement in body):
            for statement in body:
                decorators = getattr(statement, "decorator_list", [])
                lines.add(min([statement.lineno] + [decorator.lineno for decorator in decorators]))
    line_starts = _line_starts(source)
    offsets = [line_starts[line - 1] for line in sorted(lines) if line - 1 < len(line_starts)]
    cuts = np.searchsorted(starts[:-1], offsets).tolist()
    return sorted({0, *cuts})


def _fingerprint_text(text: str, pieces: list[int], k: int, window: int, base: frozenset[int]) -> dict[int, list[int]]:
    positions: dict[int, list[int]] = defaultdict(list)
    for start, end in zip(pieces, [*pieces[1:], len(text)]):
        hashes = kgram_hashes(text[start:end], k)
        if len(hashes) == 0:
            continue
        selected, index = winnow(hashes, window, remove_duplicates=False)
        for value, at in zip(selected.tolist(), index.tolist()):
            if value not in base:
                positions[value].append(start + at)
    return dict(positions)


def _spans(document: _Document, shared: Iterable[int], k: int) -> tuple[tuple[int, int], ...]:
    """The character ranges of ``document.source`` covered by the ``shared`` fingerprints, merged."""
    index = np.array([at for value in shared for at in document.positions[value]], dtype=np.int64)
    if len(index) == 0:
        return ()
    source, starts = document.source, document.starts
    # get_copied_slices joins k-grams that overlap or touch into one [start, end) slice.
    slices = get_copied_slices(index, k)
    spans: list[tuple[int, int]] = []
    for a, b in zip(slices[0].tolist(), slices[1].tolist()):
        start, end = int(starts[a]), int(starts[b])
        if document.text[b - 1] != "S":
            # starts[b] is where the next token begins; the last matched token (a name, a number
            # or one character) ends on its own line, before any comment.
            last = int(starts[b - 1])
            tail = source[last:end].split("\n", 1)[0].split("#", 1)[0]
            end = last + max(len(tail), 1)
        while end > start and source[end - 1].isspace():
            end -= 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return tuple(spans)


def similar_pairs(
    result: ClassResult,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    k: int = DEFAULT_K,
    window: int = DEFAULT_WINDOW,
    min_fingerprints: int = DEFAULT_MIN_FINGERPRINTS,
) -> list[SimilarPair]:
    """Pairs of students whose code for one exercise shares at least ``threshold`` of its fingerprints.

    Each submitted student's source of each exercise is normalised and winnowed (``k``
    characters per k-gram, a ``window`` of k-grams); the fingerprints of the exercise's stub
    are removed, and sources left with fewer than ``min_fingerprints`` are skipped (too little
    of the student's own code to tell a copy from a coincidence). The score of a pair is the
    share of the smaller fingerprint set found in the other. Pairs are sorted by score
    (highest first), then exercise, then student ids; the spans are the matched character
    ranges of each source.
    """
    if k < 1 or window < 1:
        raise ValueError(f"k and window must be at least 1 (got k={k}, window={window})")
    by_exercise: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for student in result.students:
        if not student.submitted:
            continue
        for exercise, source in student.sources.items():
            if source and source.strip():
                by_exercise[exercise].append((student.student.id, source))

    normalised = _normalise_all({source for sources in by_exercise.values() for _student, source in sources})
    pairs: list[SimilarPair] = []
    for exercise, sources in by_exercise.items():
        stub_text, _ = normalise(result.stubs.get(exercise, ""))
        # Every k-gram of the stub, not only its winnowed ones: which of them a student's
        # winnowing selects depends on the code around it.
        base = frozenset(kgram_hashes(stub_text, k).tolist())
        pairs.extend(_exercise_pairs(exercise, sources, normalised, base, threshold, k, window, min_fingerprints))
    pairs.sort(key=lambda pair: (-pair.score, pair.exercise, pair.first, pair.second))
    return pairs


# Past this many distinct sources, tokenising (copydetect's lexer, a few ms a source) is shared
# among the cores: for a class of 400 it is most of the time similarity takes.
PARALLEL_FROM = 256


def _normalise_all(sources: set[str]) -> dict[str, tuple[str, np.ndarray]]:
    """:func:`normalise` of every distinct source, in parallel for a large class."""
    ordered = sorted(sources)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if len(ordered) < PARALLEL_FROM or cores < 2:
        return {source: normalise(source) for source in ordered}
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        return dict(zip(ordered, pool.map(normalise, ordered, chunksize=32)))


def _exercise_pairs(
    exercise: str,
    sources: list[tuple[str, str]],
    normalised: dict[str, tuple[str, np.ndarray]],
    base: frozenset[int],
    threshold: float,
    k: int,
    window: int,
    min_fingerprints: int,
) -> list[SimilarPair]:
    documents: list[_Document] = []
    # Students who hand in the same text (the stub, a shared starter) are fingerprinted once.
    cache: dict[str, _Document] = {}
    for student, source in sources:
        if source not in cache:
            text, starts = normalised[source]
            positions = _fingerprint_text(text, _pieces(source, starts), k, window, base)
            cache[source] = _Document(student, source, positions, text, starts)
        document = cache[source]
        if len(document.positions) >= min_fingerprints:
            documents.append(_Document(student, source, document.positions, document.text, document.starts))
    if len(documents) < 2:
        return []

    # Inverted index: fingerprint -> the students who have it. Only fingerprints two or more
    # students share can pair anyone, and they are few; the shared counts of all pairs at once
    # are then one product of the students x shared-fingerprints matrix with itself, rather than
    # a set intersection per pair (80,000 of them for 400 students).
    holders: dict[int, list[int]] = defaultdict(list)
    for number, document in enumerate(documents):
        for value in document.positions:
            holders[value].append(number)
    columns = [students for students in holders.values() if len(students) > 1]
    if not columns:
        return []
    matrix = np.zeros((len(documents), len(columns)), dtype=np.float32)
    for column, students in enumerate(columns):
        matrix[students, column] = 1.0
    # Exact: float32 counts are integers well below 2**24.
    shared_counts = matrix @ matrix.T
    sizes = np.array([len(document.positions) for document in documents], dtype=np.float64)
    scores = shared_counts.astype(np.float64) / np.minimum.outer(sizes, sizes)
    first_index, second_index = np.nonzero(np.triu(scores >= threshold, k=1))

    pairs: list[SimilarPair] = []
    for i, j in zip(first_index.tolist(), second_index.tolist()):
        one, other = documents[i], documents[j]
        if other.student < one.student:
            one, other = other, one
        shared = one.positions.keys() & other.positions.keys()
        pairs.append(
            SimilarPair(
                exercise=exercise,
                first=one.student,
                second=other.student,
                score=len(shared) / min(len(one.positions), len(other.positions)),
                first_source=one.source,
                second_source=other.source,
                first_spans=_spans(one, shared, k),
                second_spans=_spans(other, shared, k),
                shared=len(shared),
                first_fingerprints=len(one.positions),
                second_fingerprints=len(other.positions),
            )
        )
    return pairs
