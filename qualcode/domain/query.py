"""The coding-query language: parse an expression into a tree, and evaluate it over segments.

    "Forced labour" and (theme "Human trafficking" or Digitalisation)
        where organisation = "NGO" and mode = Zoom

Grammar (lowest precedence first; keywords are case-insensitive)::

    query      := expr ["where" filter]
    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | near
    near       := atom (("overlaps" atom) | ("within" N ("sentence[s]"|"paragraph[s]") "of" atom))*
    atom       := "(" expr ")" | ["code" | "theme"] NAME
    filter     := f_and ("or" f_and)*
    f_and      := f_not ("and" f_not)*
    f_not      := "not" f_not | "(" filter ")" | KEY OP VALUE
    OP         := = | != | < | <= | > | >= | contains

NAME, KEY and VALUE are a quoted string ("…", '…' or «…», any script) or bare words; bare words
next to each other join into one name (``Forced labour and Visa`` is two names). A malformed
expression raises ``QuerySyntaxError`` carrying the character position of the fault.

Semantics (over the coded segments the ``where`` filter leaves): an atom is the set of segments
carrying the code (a theme: any code in it, its sub-themes or their sub-codes); ``and``, ``or`` and
``not`` are set operations; ``A overlaps B`` is A's segments that share a character with a
segment of B in the same document; ``A within N sentences of B`` is A's segments no more than N
sentences (or paragraphs) away from a segment of B in the same document (0: the same sentence).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from qualcode.domain.errors import QualcodeError

KEYWORDS = frozenset({"and", "or", "not", "overlaps", "within", "of", "where", "code", "theme", "contains"})
_UNITS = {
    "sentence": "sentence",
    "sentences": "sentence",
    "paragraph": "paragraph",
    "paragraphs": "paragraph",
}
_OPS = ("<=", ">=", "!=", "=", "<", ">")
_QUOTES = {'"': '"', "'": "'", "«": "»", "“": "”", "„": "“"}


class QuerySyntaxError(QualcodeError):
    """A malformed query; ``position`` is the 0-based character index of the fault."""

    def __init__(self, message: str, expression: str, position: int):
        super().__init__(f"{message} (at character {position + 1})", source="query")
        self.expression = expression
        self.position = position

    def pointer(self) -> str:
        """The expression on one line and a caret under the fault, for a terminal."""
        flat = self.expression.replace("\n", " ").replace("\t", " ")
        return f"  {flat}\n  {' ' * self.position}^"


# --- tokens -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "string", "number", "op", "(", ")", "end"
    text: str
    pos: int
    end: int

    def is_kw(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


def tokenize(expression: str) -> list[Token]:
    """Split an expression into tokens; an unclosed quote is a syntax error at its opening."""
    tokens: list[Token] = []
    i, n = 0, len(expression)
    while i < n:
        ch = expression[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(Token(ch, ch, i, i + 1))
            i += 1
        elif ch in _QUOTES:
            close = expression.find(_QUOTES[ch], i + 1)
            if close == -1:
                raise QuerySyntaxError(f"the quote {ch} is never closed", expression, i)
            tokens.append(Token("string", expression[i + 1 : close], i, close + 1))
            i = close + 1
        elif expression.startswith(_OPS, i):
            op = next(o for o in _OPS if expression.startswith(o, i))
            tokens.append(Token("op", op, i, i + len(op)))
            i += len(op)
        else:
            j = i
            while j < n and not expression[j].isspace() and expression[j] not in "()<>=!" + "".join(_QUOTES):
                j += 1
            if j == i:  # a lone "!"
                raise QuerySyntaxError(f"unexpected {ch!r}", expression, i)
            word = expression[i:j]
            tokens.append(Token("number" if word.isdigit() else "word", word, i, j))
            i = j
    tokens.append(Token("end", "", n, n))
    return tokens


# --- the tree -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    """A code or theme name as written; ``kind`` is "code", "theme" or "" (either)."""

    text: str
    kind: str
    pos: int


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Near:
    """``left overlaps right`` (unit "overlap") or ``left within distance unit of right``."""

    left: Node
    right: Node
    unit: str  # "overlap" | "sentence" | "paragraph"
    distance: int = 0


Node = Name | Not | BoolOp | Near


@dataclass(frozen=True)
class Compare:
    key: str
    op: str  # = != < <= > >= contains
    value: str
    pos: int


@dataclass(frozen=True)
class FilterOp:
    op: str  # "and" | "or" | "not"
    operands: tuple[Filter, ...]


Filter = Compare | FilterOp


@dataclass(frozen=True)
class Query:
    expression: str
    codes: Node | None  # None: every coded segment (a query that is only a "where")
    where: Filter | None = None


class _Parser:
    def __init__(self, expression: str):
        self.expression = expression
        self.tokens = tokenize(expression)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def fail(self, message: str, token: Token | None = None) -> QuerySyntaxError:
        token = token or self.tok
        return QuerySyntaxError(message, self.expression, token.pos)

    def take(self) -> Token:
        token = self.tok
        self.i += 1
        return token

    def describe(self, token: Token) -> str:
        return "the end of the query" if token.kind == "end" else repr(token.text)

    def query(self) -> Query:
        codes: Node | None = None
        if self.tok.kind == "end":
            raise self.fail("an empty query: name a code or a theme, or start with where")
        if not self.tok.is_kw("where"):
            codes = self.expr()
        where: Filter | None = None
        if self.tok.is_kw("where"):
            self.take()
            where = self.filter()
        if self.tok.kind != "end":
            if self.tok.kind == ")":
                raise self.fail("a ')' with no '(' before it")
            hint = ""
            if self.tok.kind == "word" and self.tok.text.lower() in KEYWORDS:
                hint = f"; a name with {self.tok.text!r} in it goes in quotes"
            raise self.fail(
                f"expected and, or, overlaps, within or where, found {self.describe(self.tok)}{hint}"
            )
        return Query(self.expression, codes, where)

    # codes
    def expr(self) -> Node:
        node = self.and_expr()
        while self.tok.is_kw("or"):
            self.take()
            node = BoolOp("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.tok.is_kw("and"):
            self.take()
            node = BoolOp("and", node, self.not_expr())
        return node

    def not_expr(self) -> Node:
        if self.tok.is_kw("not"):
            self.take()
            return Not(self.not_expr())
        return self.near()

    def near(self) -> Node:
        node = self.atom()
        while self.tok.is_kw("overlaps", "within"):
            if self.take().text.lower() == "overlaps":
                node = Near(node, self.atom(), "overlap")
                continue
            if self.tok.kind != "number":
                raise self.fail(f"within needs a number, found {self.describe(self.tok)}")
            distance = int(self.take().text)
            unit = self.tok.text.lower() if self.tok.kind == "word" else ""
            if unit not in _UNITS:
                raise self.fail(
                    f"within {distance} needs sentences or paragraphs, found {self.describe(self.tok)}"
                )
            self.take()
            if not self.tok.is_kw("of"):
                raise self.fail(
                    f"expected of after within {distance} {unit}, found {self.describe(self.tok)}"
                )
            self.take()
            node = Near(node, self.atom(), _UNITS[unit], distance)
        return node

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "(":
            self.take()
            node = self.expr()
            if self.tok.kind != ")":
                raise self.fail(f"expected ')' to close the '(' at character {tok.pos + 1}")
            self.take()
            return node
        kind = ""
        if tok.is_kw("code", "theme") and self.tokens[self.i + 1].kind in ("string", "word", "number"):
            kind = self.take().text.lower()
        name, pos = self.name(f"a {kind or 'code or theme'} name")
        return Name(name, kind, pos)

    def name(self, what: str, *, stop: Iterable[str] = KEYWORDS) -> tuple[str, int]:
        tok = self.tok
        if tok.kind == "string":
            self.take()
            if not tok.text.strip():
                raise self.fail("an empty name", tok)
            return tok.text.strip(), tok.pos
        words: list[str] = []
        while self.tok.kind in ("word", "number") and self.tok.text.lower() not in stop:
            words.append(self.take().text)
        if not words:
            raise self.fail(f"expected {what}, found {self.describe(tok)}", tok)
        return " ".join(words), tok.pos

    # filters
    def filter(self) -> Filter:
        parts = [self.f_and()]
        while self.tok.is_kw("or"):
            self.take()
            parts.append(self.f_and())
        return parts[0] if len(parts) == 1 else FilterOp("or", tuple(parts))

    def f_and(self) -> Filter:
        parts = [self.f_not()]
        while self.tok.is_kw("and"):
            self.take()
            parts.append(self.f_not())
        return parts[0] if len(parts) == 1 else FilterOp("and", tuple(parts))

    def f_not(self) -> Filter:
        tok = self.tok
        if tok.is_kw("not"):
            self.take()
            return FilterOp("not", (self.f_not(),))
        if tok.kind == "(":
            self.take()
            inner = self.filter()
            if self.tok.kind != ")":
                raise self.fail(f"expected ')' to close the '(' at character {tok.pos + 1}")
            self.take()
            return inner
        key, pos = self.name(
            "an attribute, document, participant, coder or coded", stop=KEYWORDS | {"contains"}
        )
        if self.tok.kind == "op":
            op = self.take().text
        elif self.tok.is_kw("contains"):
            self.take()
            op = "contains"
        else:
            raise self.fail(
                f"expected =, !=, <, <=, >, >= or contains after {key!r}, found {self.describe(self.tok)}"
            )
        value, _ = self.name("a value", stop=("and", "or", "not"))
        return Compare(key, op, value, pos)


def parse(expression: str) -> Query:
    """Parse a query expression (see the module docstring); raises ``QuerySyntaxError``."""
    return _Parser(expression).query()


def names_in(node: Node | None, *, positive_only: bool = False) -> list[Name]:
    """The names an expression mentions, in order (``positive_only``: not under a ``not``)."""
    out: list[Name] = []

    def walk(n: Node | None) -> None:
        if isinstance(n, Name):
            out.append(n)
        elif isinstance(n, Not):
            if not positive_only:
                walk(n.operand)
        elif isinstance(n, BoolOp | Near):
            walk(n.left)
            walk(n.right)

    walk(node)
    return out


def uses_not(node: Node | None) -> bool:
    """Whether the expression has a ``not`` (which needs every coded segment to subtract from)."""
    if isinstance(node, Not):
        return True
    if isinstance(node, BoolOp | Near):
        return uses_not(node.left) or uses_not(node.right)
    return False


# --- evaluation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seg:
    """A coded segment as the evaluator sees it."""

    id: int
    document_id: int
    start: int
    end: int
    code_ids: frozenset[Hashable]  # what resolve() gives a name (code ids or code names)


@dataclass
class Evaluator:
    """Evaluates a parsed code expression over segments.

    ``resolve(name)`` gives a name's code ids; ``units(document_id, unit)`` gives a document's
    sentence or paragraph spans (sorted [start, end) pairs), asked only for ``within``.
    """

    segments: Sequence[Seg]
    resolve: Callable[[Name], frozenset[Hashable]]
    units: Callable[[int, str], Sequence[tuple[int, int]]]
    _by_doc: dict[int, list[Seg]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for s in self.segments:
            self._by_doc.setdefault(s.document_id, []).append(s)

    def run(self, node: Node | None) -> set[int]:
        """The ids of the segments the expression selects."""
        if node is None:
            return {s.id for s in self.segments}
        return self._eval(node)

    def _eval(self, node: Node) -> set[int]:
        if isinstance(node, Name):
            wanted = self.resolve(node)
            return {s.id for s in self.segments if s.code_ids & wanted}
        if isinstance(node, Not):
            return {s.id for s in self.segments} - self._eval(node.operand)
        if isinstance(node, BoolOp):
            left, right = self._eval(node.left), self._eval(node.right)
            return left & right if node.op == "and" else left | right
        left, right = self._eval(node.left), self._eval(node.right)
        return self._near(left, right, node.unit, node.distance)

    def _near(self, left: set[int], right: set[int], unit: str, distance: int) -> set[int]:
        out: set[int] = set()
        for doc_id, segs in self._by_doc.items():
            lefts = [s for s in segs if s.id in left]
            rights = [s for s in segs if s.id in right]
            if not lefts or not rights:
                continue
            if unit == "overlap":
                out.update(a.id for a in lefts if any(a.start < b.end and b.start < a.end for b in rights))
                continue
            spans = self.units(doc_id, unit)
            starts = [a for a, _ in spans]
            r_idx = [unit_range(starts, spans, b.start, b.end) for b in rights]
            for a in lefts:
                lo, hi = unit_range(starts, spans, a.start, a.end)
                if any(unit_gap((lo, hi), r) <= distance for r in r_idx):
                    out.add(a.id)
        return out


def unit_range(
    starts: Sequence[int], spans: Sequence[tuple[int, int]], start: int, end: int
) -> tuple[int, int]:
    """The first and last unit index that [start, end) touches (between units: the nearest)."""
    import bisect

    first = max(bisect.bisect_right(starts, start) - 1, 0)
    if spans and spans[first][1] <= start and first + 1 < len(spans):
        first += 1  # started in the gap after a unit
    last = max(bisect.bisect_left(starts, end) - 1, first)
    return first, last


def unit_gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """How many units apart two unit ranges are (0 when they share a unit)."""
    if a[1] < b[0]:
        return b[0] - a[1]
    if b[1] < a[0]:
        return a[0] - b[1]
    return 0


# --- filters ------------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m", "%Y", "%B %d, %Y", "%d %B %Y", "%d.%m.%Y", "%b %d, %Y", "%d/%m/%Y")


def as_date(value: object) -> date | None:
    """A date from an ISO timestamp, a date, or text such as "April 11, 2024" or "11.04.2024"."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _number(value: object) -> float | None:
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return None


def compare(actual: object, op: str, wanted: str) -> bool:
    """One comparison as a researcher means it: text case-insensitively (е = ё), numbers as
    numbers, dates as dates (``<``/``>`` on "April 11, 2024" and "2024-04-11" alike)."""
    if actual is None:
        return op == "!="
    if op == "contains":
        return fold(wanted) in fold(str(actual))
    if op in ("=", "!="):
        a, b = _number(actual), _number(wanted)
        da, db = as_date(actual), as_date(wanted)
        same = (
            a == b
            if a is not None and b is not None
            else (da == db if da and db else fold(str(actual)) == fold(wanted))
        )
        return same if op == "=" else not same
    x: object
    y: object
    if (a := _number(actual)) is not None and (b := _number(wanted)) is not None:
        x, y = a, b
    elif (da := as_date(actual)) is not None and (db := as_date(wanted)) is not None:
        x, y = da, db
    else:
        x, y = fold(str(actual)), fold(wanted)
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]  # type: ignore[operator]


def fold(text: str) -> str:
    """Case- and ё-insensitive form of a text (е and ё are one letter to most Russian writers)."""
    return text.casefold().replace("ё", "е")


def matches(node: Filter, values: Mapping[str, object]) -> bool:
    """Whether one coding's values (keyed by the filter's resolved keys) pass the filter."""
    if isinstance(node, Compare):
        return compare(values.get(node.key), node.op, node.value)
    if node.op == "not":
        return not matches(node.operands[0], values)
    results = (matches(o, values) for o in node.operands)
    return all(results) if node.op == "and" else any(results)


def compares_in(node: Filter | None) -> list[Compare]:
    """Every comparison in a filter, in order."""
    if node is None:
        return []
    if isinstance(node, Compare):
        return [node]
    return [c for o in node.operands for c in compares_in(o)]


_SPACES = re.compile(r"\s+")


def normal_name(name: str) -> str:
    """A name compared as a researcher types it: case-folded, е = ё, runs of spaces as one."""
    return _SPACES.sub(" ", fold(name)).strip()
