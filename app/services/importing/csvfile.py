"""Reading import files: the header check, row numbering, and parsing each kind of field."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from operator import itemgetter
from pathlib import Path
from typing import Literal, TextIO, TypeVar

from app.domain.errors import InvalidInput, ShopError

ImportKind = Literal["products", "customers", "suppliers", "orders", "purchase-orders"]
ImportMethod = Literal["bulk", "place_order"]

#: The header of each kind of file (any column order; names are case-insensitive).
COLUMNS: dict[str, tuple[str, ...]] = {
    "products": (
        "sku",
        "name",
        "barcode",
        "price",
        "cost",
        "backorder_policy",
        "reorder_point",
        "supplier",
    ),
    "customers": ("code", "name", "email", "phone", "tier"),
    "suppliers": ("code", "name", "email", "lead_time_days"),
    "orders": ("order_ref", "customer", "placed_at", "sku", "qty"),
    "purchase-orders": ("po_ref", "supplier", "ordered_at", "expected_date", "sku", "qty"),
}

#: Columns a file of each kind may add to COLUMNS; a row's value is "" when a file omits one.
#: Rows hold the COLUMNS values, then these, in this order.
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "products": ("supplier_sku", "max_backorder_qty"),
    "customers": ("ship_preference",),
}

KINDS: tuple[str, ...] = tuple(COLUMNS)

#: The longest supplier lead time catalog.create_supplier accepts.
MAX_LEAD_TIME_DAYS = 3650

#: Rows per IN (...) query when resolving codes, well under every backend's parameter limit.
CHUNK = 500


class ImportRowError(InvalidInput):
    """A row (or the header) of an import file that cannot be accepted; nothing was imported."""

    def __init__(self, source: str, row: int, reason: str) -> None:
        super().__init__(f"{source} row {row}: {reason}")
        self.source = source
        self.row = row
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ImportResult:
    kind: str
    records: int  #: products, customers, suppliers, orders or purchase orders created
    lines: int = 0  #: order or purchase order lines (0 for catalog imports)
    backordered: int = 0  #: units of imported orders left waiting for stock

    def summary(self) -> str:
        """'Imported 3 orders (7 lines, 2 units backordered)' and the like."""
        noun = self.kind.replace("-", " ")
        if self.records == 1:
            noun = noun.removesuffix("s")
        text = f"Imported {self.records} {noun}"
        if self.kind in ("orders", "purchase-orders"):
            text += f" ({self.lines} line{'' if self.lines == 1 else 's'}"
            if self.kind == "orders":
                text += f", {self.backordered} units backordered"
            text += ")"
        return text


@dataclass(slots=True)
class CsvRows:
    """The data rows of an import file: (row number, values in COLUMNS order)."""

    source: str
    rows: list[tuple[int, tuple[str, ...]]]


def read_csv(
    stream: TextIO, source: str, columns: Sequence[str], optional: Sequence[str] = ()
) -> CsvRows:
    """Read and check the header, then every non-blank row (values stripped of spaces): the
    ``columns`` values then the ``optional`` ones ("" for an optional column not in the file)."""
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRowError(source, 1, f"the file is empty; expected {','.join(columns)}")
        names = [name.strip().lower() for name in header]
        if names and names[0].startswith("\ufeff"):  # a BOM the stream did not remove
            names[0] = names[0][1:]
        _check_header(source, names, columns, optional)
        pick = _picker(names, (*columns, *optional))
        width = len(names)
        rows: list[tuple[int, tuple[str, ...]]] = []
        previous_end = reader.line_num
        for record in reader:
            row_no = previous_end + 1
            previous_end = reader.line_num
            if not record or not any(value.strip() for value in record):
                continue
            if len(record) != width:
                raise ImportRowError(
                    source, row_no, f"expected {width} fields like the header, found {len(record)}"
                )
            values = pick(record)
            rows.append((row_no, tuple(map(str.strip, values))))
    except csv.Error as error:
        raise ImportRowError(source, reader.line_num, f"not valid CSV ({error})") from None
    except UnicodeDecodeError:
        raise ImportRowError(
            source, reader.line_num + 1, "the file is not UTF-8 text; save it as CSV UTF-8"
        ) from None
    return CsvRows(source, rows)


def _picker(names: list[str], wanted: Sequence[str]) -> Callable[[list[str]], Sequence[str]]:
    """A function taking a record to its values in ``wanted`` order ("" for a column absent)."""
    positions = [names.index(column) if column in names else None for column in wanted]
    if None not in positions:
        getter = itemgetter(*positions)
        if len(positions) == 1:
            return lambda record: (getter(record),)
        return getter
    return lambda record: tuple("" if i is None else record[i] for i in positions)


def _check_header(
    source: str, names: list[str], columns: Sequence[str], optional: Sequence[str] = ()
) -> None:
    expected = ",".join(columns)
    if optional:
        expected += f" and optionally {','.join(optional)}"
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ImportRowError(source, 1, f"column {', '.join(duplicated)} appears twice")
    missing = [column for column in columns if column not in names]
    extra = [name or "(blank)" for name in names if name not in columns and name not in optional]
    problems = []
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if extra:
        problems.append(f"unknown column{'s' if len(extra) > 1 else ''} {', '.join(extra)}")
    if problems:
        raise ImportRowError(source, 1, f"{'; '.join(problems)} (expected {expected})")


def open_source(source: str | Path | TextIO, name: str | None) -> tuple[TextIO, str, bool]:
    """The text stream, its name for messages, and whether we opened it (and must close)."""
    if isinstance(source, (str, Path)):
        label = name or str(source)
        try:
            return Path(source).open(encoding="utf-8-sig", newline=""), label, True
        except OSError as error:
            raise InvalidInput(f"Cannot read {label}: {error.strerror or error}") from None
    return source, name or str(getattr(source, "name", "input")), False


_E = TypeVar("_E", bound=StrEnum)


def parse_choice(enum: type[_E], text: str, what: str, default: _E) -> _E:
    """An enum value as written in a file ("out_of_stock", "Out of stock", "gold")."""
    cleaned = text.strip().lower().replace("-", "_").replace(" ", "_")
    if not cleaned:
        return default
    try:
        return enum(cleaned)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidInput(f"{what} {text[:30]!r} is not one of: {allowed}") from None


def parse_timestamp(text: str, what: str) -> datetime:
    """An ISO 8601 time in UTC; a time without an offset is taken as local time."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput(f"{what} is empty; give a time like 2026-03-01T14:30")
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(
            f"{what} {cleaned[:40]!r} is not an ISO 8601 time (like 2026-03-01T14:30:00+01:00)"
        ) from None
    if value.tzinfo is None:
        value = value.astimezone()  # naive: the computer's local time
    return value.astimezone(UTC)


def parse_date(text: str, what: str) -> date:
    cleaned = text.strip()
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(f"{what} {cleaned[:40]!r} is not a date like 2026-03-01") from None


def check_text(value: str, what: str, max_length: int, *, required: bool = False) -> str:
    if required and not value:
        raise InvalidInput(f"{what} is empty")
    if len(value) > max_length:
        raise InvalidInput(f"{what} is longer than {max_length} characters")
    return value


_T = TypeVar("_T")


def each_row(rows: CsvRows, handle: Callable[[int, tuple[str, ...]], _T]) -> list[_T]:
    """Apply ``handle`` to every row, turning any user error into an ImportRowError."""
    results: list[_T] = []
    for row_no, values in rows.rows:
        try:
            results.append(handle(row_no, values))
        except ImportRowError:
            raise
        except ShopError as error:
            raise ImportRowError(rows.source, row_no, str(error)) from None
    return results
