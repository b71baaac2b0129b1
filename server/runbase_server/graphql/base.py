"""What every part of the GraphQL layer shares: scalars, the request context,
page info, and turning Strawberry's UNSET into None."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NewType, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.orm import Session

from .. import access, documents, pagination
from ..auth import Viewer

JSONString = NewType("JSONString", str)
JSON = NewType("JSON", object)
DateTime = NewType("DateTime", datetime)
Int64 = NewType("Int64", int)
INT64_RANGE = range(-(2**63), 2**63)
INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]{1,40}\s*")  # long enough for any Int64, short enough for int()


def _parse_json_string(value: Any) -> str:
    """JSON sent as a string stays as it is; JSON sent as itself (an object, a list) is encoded,
    never turned into Python's repr."""
    return value if isinstance(value, str) else json.dumps(value)


def _parse_int64(value: Any) -> int:
    """An integer (or its decimal string, or a whole float) that fits 64 bits; anything else is the
    user's mistake, answered as one rather than truncated (1.5) or failing in the database."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and INTEGER_TEXT.fullmatch(value):
        number = int(value)
    if number is None or number not in INT64_RANGE:
        raise GraphQLError(f"Int64 cannot represent {value!r}: expected a whole number between -2^63 and 2^63-1")
    return number


SCALARS = {
    JSONString: strawberry.scalar(name="JSONString", serialize=str, parse_value=_parse_json_string),
    DateTime: strawberry.scalar(
        name="DateTime",
        serialize=lambda value: value.isoformat() if isinstance(value, datetime) else str(value),
        parse_value=str,
    ),
    Int64: strawberry.scalar(name="Int64", serialize=int, parse_value=_parse_int64),
    JSON: strawberry.scalar(name="JSON", serialize=lambda value: value, parse_value=lambda value: value),
}


PageT = TypeVar("PageT", bound="pagination.Page[Any]")
ItemT = TypeVar("ItemT")


@dataclass
class Context:
    session: Session
    viewer: Viewer
    limits: dict[str, int]
    writable: dict[int, bool] = dataclasses.field(default_factory=dict)  # entity id -> viewer may write
    budget: pagination.AnswerBudget = dataclasses.field(default_factory=pagination.AnswerBudget)
    base_url: str = ""  # where the request came to, without a trailing slash: the base of URLs handed out

    def charged(self, page: PageT, what: str) -> PageT:
        """The page, its rows counted toward what the request may return: every list an answer holds is, so
        that many small pages nested in one query cannot add up to an answer that exhausts the server."""
        self.budget.charge(len(page.items), what)
        return page

    def listed(self, items: list[ItemT], what: str) -> list[ItemT]:
        """A plain list (tags, aliases, attempts), its items counted toward the rows as pages' are."""
        self.budget.charge(len(items), what)
        return items

    def document(self, value: Any, what: str) -> JSONString:
        """A stored JSON document (config, summary, metadata), its bytes counted toward the answer: a row counts
        once, but its document is rendered again wherever nested pages and aliases ask for it."""
        text = documents.dump(value)
        self.budget.charge(0, what, size=len(text) if text.isascii() else len(text.encode()))
        return JSONString(text)

    def json(self, value: Any, what: str) -> JSON:
        """A JSON value sent as itself (W&B's JSON type, where its clients read an object, not a string), its
        bytes counted toward the answer as a document's are."""
        self.document(value, what)
        return JSON(value)

    def can_write(self, entity_id: int) -> bool:
        """Asked once per run in a page of runs; answered once per entity."""
        if entity_id not in self.writable:
            self.writable[entity_id] = access.can_write_entity(self.session, self.viewer, entity_id)
        return self.writable[entity_id]


Info = strawberry.Info[Context, None]


@strawberry.type
class PageInfo:
    end_cursor: str | None
    has_next_page: bool

    @classmethod
    def of(cls, page: pagination.Page[Any]) -> PageInfo:
        cursors = page.cursors()
        return cls(end_cursor=cursors[-1] if cursors else None, has_next_page=page.has_next)


def timestamp(value: datetime | None) -> DateTime | None:
    return None if value is None else DateTime(value)


def int64(value: int | None) -> Int64 | None:
    return None if value is None else Int64(value)


def given(value: Any) -> Any:
    """Strawberry marks omitted inputs UNSET; services only know None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # an input object
        return type(value)(**{k: given(v) for k, v in vars(value).items()})
    return None if value is strawberry.UNSET else value
