"""What every part of the GraphQL layer shares: scalars, the request context,
page info, and turning Strawberry's UNSET into None."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NewType

import strawberry
from sqlalchemy.orm import Session

from . import pagination
from .auth import Viewer
from .entities import can_write

JSONString = NewType("JSONString", str)
DateTime = NewType("DateTime", str)
Int64 = NewType("Int64", int)
SCALARS = {
    JSONString: strawberry.scalar(name="JSONString", serialize=str, parse_value=str),
    DateTime: strawberry.scalar(
        name="DateTime",
        serialize=lambda value: value.isoformat() if isinstance(value, datetime) else str(value),
        parse_value=str,
    ),
    Int64: strawberry.scalar(name="Int64", serialize=int, parse_value=int),
}


@dataclass
class Context:
    session: Session
    viewer: Viewer
    limits: dict[str, int]
    writable: dict[int, bool] = dataclasses.field(default_factory=dict)  # entity id -> viewer may write

    def can_write(self, entity_id: int) -> bool:
        """Asked once per run in a page of runs; answered once per entity."""
        if entity_id not in self.writable:
            self.writable[entity_id] = can_write(self.session, self.viewer, entity_id)
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


def given(value: Any) -> Any:
    """Strawberry marks omitted inputs UNSET; services only know None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # an input object
        return type(value)(**{k: given(v) for k, v in vars(value).items()})
    return None if value is strawberry.UNSET else value
