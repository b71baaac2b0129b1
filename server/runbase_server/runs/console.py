"""A run's console output, as lines keyed by number so that resends change nothing."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from .. import documents, pagination
from ..errors import UserError
from ..tables import ConsoleLine, Run

MAX_LINE = 100_000
MAX_TAIL = 10_000
DEFAULT_PAGE = 1_000


def append(session: Session, run: Run, start: int | None, lines_text: str | None) -> None:
    """Store the lines after those the run already has; `start` numbers the first line sent."""
    if lines_text is None:
        return
    lines = documents.parse(lines_text, "consoleLines", list)
    if start is None or start < 0:
        raise UserError("consoleLines needs consoleStart, the number of its first line (from 0)")
    if not all(isinstance(line, str) for line in lines):
        raise UserError("consoleLines must be a JSON list of strings")
    have = run.console_line_count or 0
    if start > have:
        raise UserError(f"console lines must follow on: the run has {have} lines, these start at {start}")
    fresh = lines[have - start:]
    if fresh:
        session.execute(insert(ConsoleLine), _numbered(run, have, fresh))
        run.console_line_count = have + len(fresh)


def _numbered(run: Run, start: int, lines: list[str]) -> list[dict[str, object]]:
    return [{"run_id": run.id, "line": start + i, "text": line[:MAX_LINE]} for i, line in enumerate(lines)]


def overwrite(session: Session, run: Run, start: int, lines: list[str]) -> None:
    """W&B's console semantics (file_stream's output.log): line number start + i becomes lines[i], stored or not;
    the official client sends a line again as it changes (a progress bar), and a resend changes nothing.
    Numbers need not follow on: the count is one past the highest number sent."""
    if not lines:
        return
    end = start + len(lines)
    stored = dict(session.execute(select(ConsoleLine.line, ConsoleLine.text).where(
        ConsoleLine.run_id == run.id, ConsoleLine.line >= start, ConsoleLine.line < end)).tuples().all()) \
        if start < (run.console_line_count or 0) else {}
    numbered = _numbered(run, start, lines)
    changed = [line for line in numbered if line["line"] in stored and stored[line["line"]] != line["text"]]
    fresh = [line for line in numbered if line["line"] not in stored]
    if changed:
        session.execute(update(ConsoleLine), changed)
    if fresh:
        session.execute(insert(ConsoleLine), fresh)
    run.console_line_count = max(run.console_line_count or 0, end)


def _lines(session: Session, run: Run, first: int, count: int, what: str,
           budget: pagination.AnswerBudget | None) -> list[str]:
    """Lines first to first + count - 1, counted toward the request's answer `budget` as `what`."""
    budget = budget or pagination.AnswerBudget()
    have = run.console_line_count or 0
    budget.afford(max(0, min(count, have - first)), what, size=0)
    found = list(session.scalars(select(ConsoleLine.text).where(ConsoleLine.run_id == run.id,
                                                                ConsoleLine.line >= first,
                                                                ConsoleLine.line < first + count)
                                 .order_by(ConsoleLine.line)))
    budget.charge(len(found), what, size=sum(map(len, found)))
    return found


def _count(limit: int | None, default: int, name: str) -> int:
    count = default if limit is None else limit
    if not 0 <= count <= MAX_TAIL:
        raise UserError(f"{name} must be from 0 to {MAX_TAIL}")
    return count


def tail(session: Session, run: Run, lines: int | None, *, budget: pagination.AnswerBudget | None = None
         ) -> list[str]:
    """The run's last `lines` lines (100 when not given), counted toward the request's answer `budget`."""
    count = _count(lines, 100, "lines")
    return _lines(session, run, max(0, (run.console_line_count or 0) - count), count, "consoleTail", budget)


def page(session: Session, run: Run, offset: int, limit: int | None, *,
         budget: pagination.AnswerBudget | None = None) -> list[str]:
    """Lines offset to offset + limit - 1 (0-based; limit 1000 when not given), so that a reader can go back
    past the tail a page at a time; counted toward the request's answer `budget`."""
    count = _count(limit, DEFAULT_PAGE, "limit")
    if offset < 0:
        raise UserError("offset must be 0 or more")
    return _lines(session, run, offset, count, "consoleLines", budget)
