"""A customer's goodwill coupons as a titled, read-only table (the customer dialog shows it),
and an order's coupons in words (the order detail shows them beside its total)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QGroupBox, QHeaderView, QTableView, QVBoxLayout

from app.services.formatting import money
from app.services.views.coupons import CouponRow
from app.services.views.order_detail import OrderDetail
from app.ui.models.coupon_model import CouponTableModel, used_text


def coupons_table(rows: list[CouponRow]) -> QGroupBox:
    """ "Goodwill coupons" around a table of ``rows``, tall enough for a few of them."""
    box = QGroupBox("Goodwill coupons")
    box.setObjectName("customerCoupons")
    model = CouponTableModel()
    model.show(rows)
    view = QTableView()
    view.setObjectName("customerCouponsTable")
    view.setModel(model)
    model.setParent(view)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setTabKeyNavigation(False)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # a handful of rows
    header.setStretchLastSection(True)
    view.setMinimumHeight(view.verticalHeader().defaultSectionSize() * min(len(rows) + 1, 5) + 8)
    layout = QVBoxLayout(box)
    layout.addWidget(view)
    return box


def order_coupon_words(detail: OrderDetail) -> str:
    """The goodwill coupons beside the total: the one used (its discount) and the one earned."""
    words = ""
    used, earned = detail.coupon_used, detail.coupon_earned
    if used is not None:
        words += (
            f" \N{MIDDLE DOT} coupon {used.code} took {money(detail.discount, detail.currency)}"
            f" off {money(detail.line_total, detail.currency)}"
        )
    if earned is not None:
        state = f"used on {earned.redeemed_on}" if earned.redeemed_on else used_text(earned)
        words += f" \N{MIDDLE DOT} earned coupon {earned.code} ({earned.value}, {state})"
    return words
