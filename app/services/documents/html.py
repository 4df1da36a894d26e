"""Any shop document as one self-contained HTML page: the body of an e-mail, an attachment,
or what ``app.printing`` lays out on paper.

Every text that comes from the database is escaped. The HTML keeps to what both e-mail
programs and Qt's rich text understand (tables with attributes, a little inline CSS), so the
printed page and the e-mailed one look alike. The logo is a ``data:`` URI unless the caller
names another source (the printer hands Qt the image itself).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from functools import singledispatch
from html import escape

from app.services.documents.orders import OrderStatusSheet, PackingSlip, SlipLine
from app.services.documents.pick_list import PickList
from app.services.documents.purchase_order import PurchaseOrderDocument
from app.services.formatting import day, money
from app.services.shop_settings import ShopIdentity
from app.services.views.coupons import CouponRow

#: Rows in each table of a pick list (see the pick list's renderer).
PICK_ROWS_PER_TABLE = 50

_STYLE = (
    "body { font-family: sans-serif; font-size: 10pt; color: #222; }"
    " h1 { font-size: 16pt; margin: 0 0 4px 0; }"
    " h2 { font-size: 11pt; margin: 14px 0 4px 0; }"
    " th { text-align: left; background-color: #e8e8e8; }"
    " td.n, th.n { text-align: right; }"
    " p.small { font-size: 8pt; color: #555; }"
)


def logo_data_uri(shop: ShopIdentity) -> str | None:
    """The logo as a ``data:`` URI for an HTML page that travels alone (None: no logo)."""
    if shop.logo is None or shop.logo_type is None:
        return None
    return f"data:{shop.logo_type};base64,{base64.b64encode(shop.logo).decode('ascii')}"


def _lines(text: str) -> str:
    return "<br>".join(escape(line) for line in text.splitlines())


def _page(shop: ShopIdentity, title: str, body: str, logo_src: str | None) -> str:
    """The page around a document: the shop's letterhead on the left, the title on the right."""
    logo = "" if logo_src is None else f'<img src="{escape(logo_src)}" height="60"><br>'
    shop_lines = [f"<b>{escape(shop.name)}</b>" if shop.name else "", _lines(shop.address)]
    if shop.phone:
        shop_lines.append(f"Phone {escape(shop.phone)}")
    letterhead = "<br>".join(part for part in shop_lines if part)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>"
        '<table width="100%" cellspacing="0" cellpadding="0"><tr>'
        f'<td valign="top">{logo}{letterhead}</td>'
        f'<td valign="top" align="right"><h1>{escape(title)}</h1></td>'
        f'</tr></table><hr style="margin: 8px 0;">{body}</body></html>'
    )


#: Columns of codes and references: broken over two lines they are misread ("TX-" / "CLOTH-140").
_CODE_HEADERS = frozenset({"Line", "SKU", "Our SKU", "Your code", "Order", "Location"})


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int]) -> str:
    """A bordered table; columns in ``numeric`` align right. Cells arrive unescaped.

    Headings, figures and codes never wrap (a heading cut as "Shippe / d" reads badly); the
    words (product names, statuses, dates) take the width that is left."""
    whole = numeric | {n for n, header in enumerate(headers) if header in _CODE_HEADERS}

    def cell(tag: str, n: int, text: str) -> str:
        css = ' class="n" align="right"' if n in numeric else ""
        if tag == "th" or n in whole:
            css += ' style="white-space: nowrap;"'
        return f"<{tag}{css}>{escape(text)}</{tag}>"

    head = "".join(cell("th", n, h) for n, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", n, text) for n, text in enumerate(row)) + "</tr>"
        for row in rows
    )
    return (
        '<table width="100%" border="1" cellspacing="0" cellpadding="4"'
        ' style="border-collapse: collapse; border-color: #999;">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _facts(pairs: Iterable[tuple[str, str]]) -> str:
    """Label/value pairs under the heading (empty values left out)."""
    rows = "".join(
        f"<tr><td><b>{escape(label)}</b></td><td>{_lines(value)}</td></tr>"
        for label, value in pairs
        if value
    )
    return f'<table cellspacing="0" cellpadding="2">{rows}</table>'


def _slip_lines(lines: Sequence[SlipLine], *, eta: bool = False) -> str:
    headers = ["Line", "SKU", "Product", "Qty"] + (["Expected"] if eta else [])
    rows = (
        [str(line.line_no), line.sku, line.name, f"{line.qty:,}"] + ([line.eta] if eta else [])
        for line in lines
    )
    return _table(headers, rows, {0, 3})


@singledispatch
def render_html(document: object, *, logo_src: str | None = None) -> str:
    """``document`` as a whole HTML page. ``logo_src``: where the logo's ``<img>`` points
    (default: the logo itself, as a data URI)."""
    raise TypeError(f"not a shop document: {type(document).__name__}")


def _logo(shop: ShopIdentity, logo_src: str | None) -> str | None:
    if shop.logo is None:
        return None
    return logo_src or logo_data_uri(shop)


@render_html.register
def _(slip: PackingSlip, *, logo_src: str | None = None) -> str:
    order = slip.order
    parts = [
        _facts(
            [
                ("Order", order.ref),
                ("Placed", day(order.placed_at)),
                ("Customer", f"{order.customer_name} ({order.customer_code})"),
                ("Phone", order.customer_phone),
                ("E-mail", order.customer_email),
                ("Shipped", day(slip.shipped_at.astimezone()))
                if slip.shipped_at is not None
                else ("Packed", day(slip.printed_on)),
                ("Note", order.note),
            ]
        )
    ]
    if slip.held:
        parts.append("<p><b>This order ships complete:</b> it is held until every line is in.</p>")
    parts.append("<h2>In this parcel</h2>")
    parts.append(
        _slip_lines(slip.shipping_now) if slip.shipping_now else "<p>Nothing ships now.</p>"
    )
    if slip.waiting:
        parts.append("<h2>Still to come</h2>")
        parts.append(_slip_lines(slip.waiting, eta=True))
        parts.append(
            '<p class="small">We send these as soon as they arrive; the dates are our '
            "best estimate from our suppliers' deliveries.</p>"
        )
    if slip.shipped_before:
        parts.append("<h2>Sent earlier</h2>")
        parts.append(_slip_lines(slip.shipped_before))
    if slip.coupon is not None:
        parts.append(_coupon_note(slip.coupon))
    return _page(slip.shop, slip.title, "".join(parts), _logo(slip.shop, logo_src))


def _coupon_note(coupon: CouponRow) -> str:
    """The goodwill coupon in the parcel: the code to give at the next order, and its value."""
    until = f", valid until {day(coupon.expires_at)}" if coupon.expires_at else ""
    return (
        "<h2>Thank you for waiting</h2>"
        f"<p>Your coupon <b>{escape(coupon.code)}</b> takes {escape(coupon.value)} off your "
        f"next order{escape(until)}: give the code when you order.</p>"
    )


@render_html.register
def _(sheet: OrderStatusSheet, *, logo_src: str | None = None) -> str:
    order = sheet.order
    rows = (
        [
            str(line.line_no),
            line.sku,
            line.name,
            f"{line.ordered:,}",
            f"{line.shipped:,}",
            line.status,
            line.eta,
            money(line.amount, sheet.currency),
        ]
        for line in sheet.lines
    )
    body = "".join(
        [
            _facts(
                [
                    ("Order", order.ref),
                    ("Placed", day(order.placed_at)),
                    ("Customer", f"{order.customer_name} ({order.customer_code})"),
                    ("Status", order.status.label),
                    ("As of", day(sheet.printed_on)),
                ]
            ),
            "<h2>Lines</h2>",
            _table(
                ["Line", "SKU", "Product", "Ordered", "Shipped", "Status", "Expected", "Amount"],
                rows,
                {0, 3, 4, 7},
            ),
            (
                f'<p align="right">Coupon {escape(sheet.coupon.code)}: '
                f"-{escape(money(sheet.coupon.discount, sheet.currency))}</p>"
                if sheet.coupon is not None and sheet.coupon.discount is not None
                else ""
            ),
            f'<p align="right"><b>Total {escape(money(sheet.total, sheet.currency))}</b></p>',
            (
                '<p class="small">Expected dates are a range: the first day the units are '
                "likely to arrive, to the latest our suppliers usually take.</p>"
                if any(line.waiting for line in sheet.lines)
                else ""
            ),
        ]
    )
    return _page(sheet.shop, sheet.title, body, _logo(sheet.shop, logo_src))


@render_html.register
def _(po: PurchaseOrderDocument, *, logo_src: str | None = None) -> str:
    status = "Draft" if po.status.value == "draft" else ""
    supplier = po.supplier_name + (f"\nAttn. {po.supplier_contact}" if po.supplier_contact else "")
    rows = (
        [
            str(line.line_no),
            line.supplier_sku,
            line.sku,
            line.name,
            f"{line.qty:,}",
            money(line.unit_cost, po.currency),
            money(line.amount, po.currency),
        ]
        for line in po.lines
    )
    body = "".join(
        [
            _facts(
                [
                    ("To", supplier),
                    ("E-mail", po.supplier_email),
                    ("Phone", po.supplier_phone),
                    ("Purchase order", po.ref),
                    ("Status", status),
                    ("Ordered", day(po.ordered_at)),
                    ("Please deliver by", day(po.expected_date)),
                    ("Note", po.note),
                ]
            ),
            "<h2>Please send</h2>",
            _table(
                ["Line", "Your code", "Our SKU", "Product", "Qty", "Unit cost", "Amount"],
                rows,
                {0, 4, 5, 6},
            ),
            f'<p align="right"><b>Total {escape(money(po.total, po.currency))}</b></p>',
            f"<p>Please quote {escape(po.ref)} on the delivery note and invoice.</p>",
        ]
    )
    return _page(po.shop, po.title, body, _logo(po.shop, logo_src))


@render_html.register
def _(picks: PickList, *, logo_src: str | None = None) -> str:
    summary = (
        f"<p>{picks.units:,} units for {picks.orders:,} "
        f"{'order' if picks.orders == 1 else 'orders'} ready to ship, "
        f"as of {escape(day(picks.printed_on))}, in walking order.</p>"
    )
    if not picks.rows:
        return _page(
            picks.shop,
            picks.title,
            "<p>No order is ready to ship.</p>",
            _logo(picks.shop, logo_src),
        )
    rows = [
        [row.location, row.bin, row.sku, row.name, f"{row.qty:,}", row.order_ref, row.customer, ""]
        for row in picks.rows
    ]
    headers = ["Location", "Bin", "SKU", "Product", "Qty", "Order", "Customer", "Picked"]
    # Tables of PICK_ROWS_PER_TABLE rows: Qt lays out and paints a table as a whole, so one
    # table of thousands of rows is slow to print; each part repeats the header.
    table = "".join(
        _table(headers, rows[start : start + PICK_ROWS_PER_TABLE], {4})
        for start in range(0, len(rows), PICK_ROWS_PER_TABLE)
    )
    return _page(picks.shop, picks.title, summary + table, _logo(picks.shop, logo_src))
