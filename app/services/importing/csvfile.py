"""Reading import files: the header check, row numbering, and parsing each kind of field."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from operator import itemgetter
from pathlib import Path
from typing import Literal, TextIO, TypeVar

from app.domain.errors import InvalidInput, ShopError
from app.services.changes import Changes
from app.services.csv_cells import restore

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
    "products": ("supplier_sku", "max_backorder_qty", "bin"),
    "customers": ("ship_preference",),
    #: The price of one unit on the line; empty or absent: the product's price.
    "orders": ("price",),
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
    #: The catalog, or the orders or POs created with their products' stock and queues.
    changes: Changes
    lines: int = 0  #: order or purchase order lines (0 for catalog imports)
    backordered: int = 0  #: units of imported orders left waiting for stock

    def summary(self) -> str:
        """'Imported 3 orders (7 lines, 2 units backordered)' and the like."""
        noun = self.kind.replace("-", " ")
        if self.records == 0:
            return f"Nothing to import: the {noun} file has no rows after its header"
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
    """Read and check the header, then every non-blank row: the ``columns`` values then the
    ``optional`` ones ("" for an optional column not in the file), each trimmed of spaces, tabs
    and line breaks around it and with the quote an export puts before a formula character
    taken off (:func:`app.services.csv_cells.restore`).

    Rows are numbered as a spreadsheet shows them: the header is row 1, a blank line is a row,
    and a quoted cell over several lines of the file is one row. A value holding a control
    character (a NUL, a tab or line break inside it...) or a byte that is not UTF-8 is refused
    with its row and column.
    """
    reader = csv.reader(stream)
    row_no = 0  # the record read last (the header is 1)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRowError(source, 1, f"the file is empty; expected {','.join(columns)}")
        row_no = 1
        _check_decoded(source, row_no, (), header)
        names = [name.strip().lower() for name in header]
        if names and names[0].startswith("\ufeff"):  # a BOM the stream did not remove
            names[0] = names[0][1:]
        _check_header(source, names, columns, optional)
        wanted = (*columns, *optional)
        pick = _picker(names, wanted)
        width = len(names)
        rows: list[tuple[int, tuple[str, ...]]] = []
        for record in reader:
            row_no += 1
            if not record:
                continue
            # The common row holds none of these: one search, and the careful checks only
            # for the few that do (files of 100k+ rows).
            closer = _LOOK_CLOSER.search("".join(record)) is not None
            if closer:
                _check_decoded(source, row_no, names, record)
            if not any(value.strip() for value in record):
                continue
            if len(record) != width:
                raise ImportRowError(
                    source, row_no, f"expected {width} fields like the header, found {len(record)}"
                )
            values = tuple(map(str.strip, pick(record)))
            if closer:
                values = _cleaned(source, row_no, wanted, values)
            rows.append((row_no, values))
    except csv.Error as error:
        raise ImportRowError(source, row_no + 1, f"not valid CSV ({error})") from None
    except UnicodeDecodeError:  # only from a stream a caller opened strictly
        raise ImportRowError(
            source, row_no + 1, "the file is not UTF-8 text; save it as CSV UTF-8"
        ) from None
    return CsvRows(source, rows)


#: Control characters (C0, DEL, C1): no imported value holds one once trimmed; every value is
#: one line of plain text (a code, a name, a number...), shown in one-line table cells.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: A byte that is not UTF-8, as open_source decodes it (surrogateescape: U+DC80 to U+DCFF).
_UNDECODED = re.compile(r"[\udc80-\udcff]")
#: A record with any of those, or a quote that an export may have put before a formula.
_LOOK_CLOSER = re.compile(r"[\x00-\x1f\x7f-\x9f\udc80-\udcff']")


def _check_decoded(source: str, row_no: int, names: Sequence[str], record: list[str]) -> None:
    """Refuse a record holding a byte that is not UTF-8, naming its row and column."""
    for index, value in enumerate(record):
        found = _UNDECODED.search(value)
        if found is None:
            continue
        if row_no == 1:
            where = "the header"
        elif index < len(names) and names[index]:
            where = names[index]
        else:
            where = f"field {index + 1}"
        byte = ord(found.group()) - 0xDC00
        raise ImportRowError(
            source,
            row_no,
            f"{where} has a byte (0x{byte:02X}) that is not UTF-8 text: the file was saved in "
            "another encoding (such as Windows-1252); save it as CSV UTF-8",
        )


def _cleaned(
    source: str, row_no: int, wanted: Sequence[str], values: tuple[str, ...]
) -> tuple[str, ...]:
    """The values with an export's formula quote taken off; a control character refused."""
    cleaned = []
    for column, value in zip(wanted, values, strict=True):
        value = restore(value)
        found = _CONTROL.search(value)
        if found is not None:
            raise ImportRowError(
                source,
                row_no,
                f"{column} contains {_describe_control(found.group())}; remove it "
                "(every value is one line of plain text)",
            )
        cleaned.append(value)
    return tuple(cleaned)


def _describe_control(char: str) -> str:
    if char == "\x00":
        return "a NUL character (a zero byte)"
    if char == "\t":
        return "a tab"
    if char in "\r\n":
        return "a line break"
    return f"a control character (U+{ord(char):04X})"


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
            # Bytes that are not UTF-8 are kept (as U+DC80..U+DCFF) for read_csv to find and
            # name with their row: a decoding error surfaces a whole buffer (8 KB) later.
            return (
                Path(source).open(encoding="utf-8-sig", errors="surrogateescape", newline=""),
                label,
                True,
            )
        except OSError as error:
            raise InvalidInput(f"Cannot read {label}: {error.strerror or error}") from None
    return source, name or str(getattr(source, "name", "input")), False


_E = TypeVar("_E", bound=StrEnum)


def parse_choice(enum: type[_E], text: str, what: str, default: _E) -> _E:
    """An enum value as written in a file ("out_of_stock", "Out of stock", "gold"), or as
    the window labels it ("Stock only")."""
    cleaned = text.strip().lower().replace("-", "_").replace(" ", "_")
    if not cleaned:
        return default
    for member in enum:
        label = getattr(member, "label", None)
        if isinstance(label, str) and label.lower().replace(" ", "_") == cleaned:
            return member
    try:
        return enum(cleaned)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidInput(f"{what} {text[:30]!r} is not one of: {allowed}") from None


#: The years an imported time or date may fall in: any shop's records, and far enough from
#: the calendar's ends (year 1 and 9999) that converting to UTC or adding a supplier's lead
#: time can never overflow.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _check_year(value: date, text: str, what: str) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise InvalidInput(f"{what} {text[:40]} is not between {FIRST_YEAR} and {LAST_YEAR}")


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
    _check_year(value, cleaned, what)
    try:
        if value.tzinfo is None:
            value = value.astimezone()  # naive: the computer's local time
        return value.astimezone(UTC)
    except (OverflowError, OSError):  # a local time the computer's clock cannot convert
        raise InvalidInput(f"{what} {cleaned[:40]} cannot be converted to UTC here") from None


def parse_date(text: str, what: str) -> date:
    cleaned = text.strip()
    try:
        value = date.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(f"{what} {cleaned[:40]!r} is not a date like 2026-03-01") from None
    _check_year(value, cleaned, what)
    return value


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
