r"""Safe regular expressions for $regex filters: refused when they could backtrack badly,
matched in time linear in the text.

A pattern is parsed into a small syntax tree (refusing what could backtrack badly or what differs
between engines), then written out for PostgreSQL's regex engine, or matched on SQLite by
`runbase_regexp(pattern, text)`: a Thompson NFA run as a lazily built DFA, so time is linear in the
text whatever the pattern. `\d \w \s` are ASCII (as in PCRE, MongoDB's engine), `.` is anything but
a newline, `^` is the start, `$` the end or before a final newline.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .errors import UserError

MAX_REGEX_LENGTH = 1000
MAX_REPEAT = 1000
MAX_REGEX_STATES = 20000


_MAX_CP = 0x10FFFF
Ranges = tuple[tuple[int, int], ...]
# A parsed pattern: ("set", ranges), ("cat", nodes), ("alt", nodes), ("rep", node, low, high), ("bol",), ("eol",).
Node = tuple[Any, ...]


def _norm(ranges: Any) -> Ranges:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(r for r in ranges if r[0] <= r[1]):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def _complement(ranges: Ranges, low: int = 0) -> Ranges:
    out = []
    prev = low
    for lo, hi in ranges:
        if hi < low:
            continue
        lo = max(lo, low)
        if lo > prev:
            out.append((prev, lo - 1))
        prev = hi + 1
    if prev <= _MAX_CP:
        out.append((prev, _MAX_CP))
    return tuple(out)


def _fold(ranges: Ranges) -> Ranges:
    extra = []
    for lo, hi in ranges:
        span = range(lo, hi + 1) if hi - lo <= 5000 else range(max(lo, 0x41), min(hi, 0x7A) + 1)
        for cp in span:
            ch = chr(cp)
            for variant in (ch.lower(), ch.upper()):
                if len(variant) == 1 and variant != ch:
                    extra.append((ord(variant), ord(variant)))
    return _norm(list(ranges) + extra)


_DIGIT: Ranges = ((0x30, 0x39),)
_WORD: Ranges = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_SPACE: Ranges = ((0x09, 0x0D), (0x20, 0x20))
_DOT: Ranges = _complement(((0x0A, 0x0A),))
_CLASS_ESCAPES = {"d": _DIGIT, "w": _WORD, "s": _SPACE,
                  "D": _complement(_DIGIT), "W": _complement(_WORD), "S": _complement(_SPACE)}
_CHAR_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_COUNTED = re.compile(r"\{(\d+)(,(\d*))?\}")


class _RegexParser:
    def __init__(self, pattern: str, ignore_case: bool, field: str) -> None:
        self.s = pattern
        self.i = 0
        self.field = field
        self.icase = ignore_case
        if pattern.startswith("(?i)"):
            self.icase = True
            self.i = 4

    def error(self, message: str) -> UserError:
        return UserError(f"{self.field} $regex {self.s!r}: {message}")

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def parse(self) -> Node:
        node, _ = self.alternation()
        if self.i < len(self.s):
            raise self.error("unbalanced parenthesis")
        return node

    def alternation(self) -> tuple[Node, bool]:
        branches, quantified = [], False
        while True:
            node, q = self.sequence()
            branches.append(node)
            quantified |= q
            if self.peek() != "|":
                break
            self.i += 1
        return (branches[0] if len(branches) == 1 else ("alt", tuple(branches))), quantified

    def sequence(self) -> tuple[Node, bool]:
        items, quantified = [], False
        while self.peek() not in ("", "|", ")"):
            node, q = self.repeat()
            items.append(node)
            quantified |= q
        return (items[0] if len(items) == 1 else ("cat", tuple(items))), quantified

    def counted(self) -> tuple[int, int | None] | None:
        match = _COUNTED.match(self.s, self.i)
        if not match:
            return None
        low = int(match.group(1))
        high = low if match.group(2) is None else (int(match.group(3)) if match.group(3) else None)
        if low > MAX_REPEAT or (high is not None and high > MAX_REPEAT):
            raise self.error(f"repetition counts above {MAX_REPEAT} are not allowed")
        if high is not None and high < low:
            raise self.error("repetition {n,m} needs n <= m")
        self.i = match.end()
        return low, high

    def quantifier(self) -> tuple[int, int | None] | None:
        c = self.peek()
        if c in ("*", "+", "?"):
            self.i += 1
            return {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
        if c == "{":
            return self.counted()
        return None

    def repeat(self) -> tuple[Node, bool]:
        node, inner = self.atom()
        bounds = self.quantifier()
        if bounds is None:
            return node, inner
        if node[0] in ("bol", "eol") or node == ("cat", ()):
            raise self.error("nothing to repeat")
        if inner:
            raise self.error("nested quantifiers (a repeated group that itself repeats, like (a+)+) are not allowed")
        if self.peek() == "?":
            self.i += 1  # lazy: the same yes/no answer
        if self.peek() in ("*", "+", "?") or (self.peek() == "{" and _COUNTED.match(self.s, self.i)):
            raise self.error("a quantifier can't follow a quantifier (possessive quantifiers aren't supported)")
        return ("rep", node, bounds[0], bounds[1]), True

    def chars(self, ranges: Ranges) -> Node:
        return ("set", _fold(ranges) if self.icase else _norm(ranges))

    def atom(self) -> tuple[Node, bool]:
        c = self.s[self.i]
        if c == "(":
            if self.s.startswith("(?:", self.i):
                self.i += 3
            elif self.s.startswith("(?", self.i):
                raise self.error("only (...) and (?:...) groups are allowed (no lookaround, named groups, "
                                 "backreferences or inline flags other than a leading (?i))")
            else:
                self.i += 1
            node, quantified = self.alternation()
            if self.peek() != ")":
                raise self.error("missing )")
            self.i += 1
            return node, quantified
        if c == "[":
            return self.char_class(), False
        self.i += 1
        if c == ".":
            return ("set", _DOT), False
        if c == "^":
            return ("bol",), False
        if c == "$":
            return ("eol",), False
        if c in "*+?":
            raise self.error("nothing to repeat")
        if c == "{":
            self.i -= 1
            if _COUNTED.match(self.s, self.i):
                raise self.error("nothing to repeat")
            raise self.error("a literal { must be escaped as \\{")
        if c == "\\":
            esc = self.escape(in_class=False)
            if isinstance(esc, tuple) and esc and isinstance(esc[0], tuple):
                return ("set", esc), False  # \d \w \s: ASCII classes, closed under case already
            return self.chars(((ord(esc), ord(esc)),)), False
        return self.chars(((ord(c), ord(c)),)), False

    def escape(self, in_class: bool) -> Any:
        """After a backslash: a single character (str) or a class (Ranges)."""
        if self.i >= len(self.s):
            raise self.error("pattern ends with a backslash")
        c = self.s[self.i]
        self.i += 1
        if c in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[c]
        if c in _CHAR_ESCAPES:
            return _CHAR_ESCAPES[c]
        if c == "x":
            digits = self.s[self.i:self.i + 2]
            if len(digits) != 2 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise self.error("\\x needs two hex digits")
            self.i += 2
            return chr(int(digits, 16))
        if c.isdigit():
            raise self.error("backreferences (and octal escapes) are not allowed")
        if c.isascii() and c.isalpha():
            raise self.error(f"unsupported escape \\{c}")
        return c

    def char_class(self) -> Node:
        self.i += 1
        negate = self.peek() == "^"
        if negate:
            self.i += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            if self.i >= len(self.s):
                raise self.error("unterminated character class [")
            c = self.s[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            low = self.class_char()
            if isinstance(low, tuple):
                ranges.extend(low)
                continue
            if self.peek() == "-" and self.i + 1 < len(self.s) and self.s[self.i + 1] != "]":
                self.i += 1
                high = self.class_char()
                if isinstance(high, tuple):
                    raise self.error("a class like \\d can't end a range")
                if ord(high) < ord(low):
                    raise self.error(f"bad character range {low}-{high}")
                ranges.append((ord(low), ord(high)))
            else:
                ranges.append((ord(low), ord(low)))
        folded = _fold(_norm(ranges)) if self.icase else _norm(ranges)
        return ("set", _complement(folded) if negate else folded)

    def class_char(self) -> Any:
        c = self.s[self.i]
        self.i += 1
        if c == "\\":
            return self.escape(in_class=True)
        if c == "[":
            raise self.error("a literal [ inside a character class must be escaped as \\[")
        return c


# NFA built backwards from the match state: kinds of states
_CHAR, _SPLIT, _BOL, _EOL, _MATCH = range(5)


class _Automaton:
    """A Thompson NFA searched through a DFA built lazily (cache reset past a size bound)."""

    def __init__(self, ast: Node, error: Callable[[str], UserError]) -> None:
        self.kind: list[int] = []
        self.ranges: list[Ranges] = []
        self.lows: list[list[int]] = []
        self.out1: list[int] = []
        self.out2: list[int] = []
        self.error = error
        self.start = self.build(ast, self.state(_MATCH))
        self.reset()

    def state(self, kind: int, ranges: Ranges = (), out1: int = -1, out2: int = -1) -> int:
        if len(self.kind) >= MAX_REGEX_STATES:
            raise self.error("pattern is too large once its repetitions are expanded")
        self.kind.append(kind)
        self.ranges.append(ranges)
        self.lows.append([lo for lo, _ in ranges])
        self.out1.append(out1)
        self.out2.append(out2)
        return len(self.kind) - 1

    def build(self, node: Node, nxt: int) -> int:
        tag = node[0]
        if tag == "set":
            return self.state(_CHAR, node[1], nxt)
        if tag == "cat":
            for item in reversed(node[1]):
                nxt = self.build(item, nxt)
            return nxt
        if tag == "alt":
            starts = [self.build(branch, nxt) for branch in node[1]]
            first = starts[-1]
            for start in reversed(starts[:-1]):
                first = self.state(_SPLIT, (), start, first)
            return first
        if tag == "bol":
            return self.state(_BOL, (), nxt)
        if tag == "eol":
            return self.state(_EOL, (), nxt)
        _, body, low, high = node
        if high is None:
            loop = self.state(_SPLIT, (), -1, nxt)
            self.out1[loop] = self.build(body, loop)
            tail = loop
        else:
            tail = nxt
            for _ in range(high - low):
                tail = self.state(_SPLIT, (), self.build(body, tail), nxt)
        for _ in range(low):
            tail = self.build(body, tail)
        return tail

    def reset(self) -> None:
        self.sets: dict[frozenset[int], int] = {}
        self.members: list[frozenset[int]] = []
        self.matching: list[bool] = []
        self.moves: list[dict[str, int]] = []
        self.initial = {flags: self.closure((), *flags) for flags in
                        ((True, True), (True, False), (False, True), (False, False))}

    def closure(self, seeds: Any, at_start: bool, at_end: bool) -> int:
        """The DFA state for these NFA states plus a fresh start (the search may begin anywhere)."""
        stack = [*seeds, self.start]
        seen: set[int] = set()
        chars = []
        matched = False
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            kind = self.kind[s]
            if kind == _CHAR:
                chars.append(s)
            elif kind == _MATCH:
                matched = True
            elif kind == _SPLIT:
                stack.append(self.out2[s])
                stack.append(self.out1[s])
            elif (kind == _BOL and at_start) or (kind == _EOL and at_end):
                stack.append(self.out1[s])
        key = frozenset(chars)
        if matched:
            return -1
        found = self.sets.get(key)
        if found is None:
            found = self.sets[key] = len(self.members)
            self.members.append(key)
            self.moves.append({})
        return found

    def step(self, dstate: int, ch: str, at_end: bool) -> int:
        cp = ord(ch)
        targets = []
        for s in self.members[dstate]:
            ranges = self.ranges[s]
            k = bisect_right(self.lows[s], cp) - 1
            if k >= 0 and cp <= ranges[k][1]:
                targets.append(self.out1[s])
        return self.closure(targets, False, at_end)

    def search(self, text: str) -> bool:
        if len(self.members) > 5000:
            self.reset()
        n = len(text)
        last_nl = n >= 1 and text[-1] == "\n"
        state = self.initial[(True, n == 0 or (n == 1 and last_nl))]
        if state < 0:
            return True
        moves = self.moves
        for i, ch in enumerate(text):
            j = i + 1
            if j < n - 1 or (j == n - 1 and not last_nl):
                nxt = moves[state].get(ch)
                if nxt is None:
                    nxt = moves[state][ch] = self.step(state, ch, False)
            else:
                nxt = self.step(state, ch, True)
            if nxt < 0:
                return True
            state = nxt
        return False


def _pg_char(cp: int, in_class: bool) -> str:
    ch = chr(cp)
    if ch.isascii() and (ch.isalnum() or ch == "_"):
        return ch
    if not in_class and 0x20 <= cp < 0x7F:
        return "\\" + ch
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def _pg_set(ranges: Ranges) -> str:
    ranges = tuple((max(lo, 1), hi) for lo, hi in ranges if hi >= 1)  # PostgreSQL text holds no NUL
    if not ranges:
        return "[^\\u0001-\\U0010ffff]"
    if ranges == ((1, _MAX_CP),):
        return "(?:.|\\n)"
    if len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
        return _pg_char(ranges[0][0], False)
    complement = _complement(ranges, 1)
    negate = len(complement) < len(ranges)

    def item(lo: int, hi: int) -> str:
        return _pg_char(lo, True) if lo == hi else f"{_pg_char(lo, True)}-{_pg_char(hi, True)}"

    body = "".join(item(lo, hi) for lo, hi in (complement if negate else ranges))
    return f"[^{body}]" if negate else f"[{body}]"


def _pg_regex(node: Node) -> str:
    tag = node[0]
    if tag == "set":
        return _pg_set(node[1])
    if tag == "cat":
        return "".join(_pg_regex(item) for item in node[1])
    if tag == "alt":
        return "(?:" + "|".join(_pg_regex(branch) for branch in node[1]) + ")"
    if tag == "bol":
        return "^"
    if tag == "eol":
        return "(?=\\n?$)"
    _, body, low, high = node
    atom = "(?:" + _pg_regex(body) + ")"
    # PostgreSQL allows counts up to 255: split bigger ones ({0,a}{0,b} is {0,a+b}).
    parts = []
    while low > 255:
        parts.append(atom + "{255}")
        low -= 255
        if high is not None:
            high -= 255
    if high is None:
        parts.append(atom + {0: "*", 1: "+"}.get(low, f"{{{low},}}"))
    else:
        parts.append(atom + (f"{{{low}}}" if low == high else f"{{{low},{min(high, 255)}}}"))
        high -= min(high, 255)
        while high > 0:
            parts.append(atom + f"{{0,{min(high, 255)}}}")
            high -= min(high, 255)
    return "".join(parts)


def _never(node: Node) -> bool:
    """True when no string can match (an empty class on every path)."""
    tag = node[0]
    if tag == "set":
        return not node[1]
    if tag == "cat":
        return any(_never(item) for item in node[1])
    if tag == "alt":
        return all(_never(branch) for branch in node[1])
    if tag == "rep":
        return node[2] > 0 and _never(node[1])
    return False


class Regex:
    """A vetted pattern: `pg` for PostgreSQL's `~`, `key` for SQLite's runbase_regexp()."""

    def __init__(self, pattern: str, ignore_case: bool = False, field: str = "") -> None:
        pattern = str(pattern)
        if len(pattern) > MAX_REGEX_LENGTH:
            raise UserError(f"{field} $regex: patterns are limited to {MAX_REGEX_LENGTH} characters "
                            f"(this one has {len(pattern)})")
        parser = _RegexParser(pattern, ignore_case, field)
        self.ast = parser.parse()
        self.error = parser.error
        self.key = ("(?i)" if parser.icase and not pattern.startswith("(?i)") else "") + pattern
        self.never = _never(self.ast)
        self.pg = _pg_regex(self.ast)
        self._automaton: _Automaton | None = None
        self._lock = threading.Lock()  # the DFA cache grows as it searches; connections may share it

    def search(self, text: str) -> bool:
        with self._lock:
            if self._automaton is None:
                self._automaton = _Automaton(self.ast, self.error)
            return self._automaton.search(text)


def compile_regex(pattern: str, ignore_case: bool = False, field: str = "") -> Regex:
    rx = Regex(pattern, ignore_case, field)
    _Automaton(rx.ast, rx.error)  # refuse patterns too large to match, before any query runs
    return rx


@lru_cache(maxsize=256)
def _sqlite_pattern(key: str) -> Regex:
    return Regex(key, False, "runbase_regexp")


def _sqlite_regexp(key: Any, value: Any) -> int | None:
    if key is None or not isinstance(value, str):
        return 0 if key is not None else None
    return int(_sqlite_pattern(key).search(value))


def install_sqlite_functions(dbapi_connection: Any) -> None:
    """Register runbase_regexp(pattern, text) on a new sqlite3 connection (a "connect" event hook)."""
    dbapi_connection.create_function("runbase_regexp", 2, _sqlite_regexp, deterministic=True)