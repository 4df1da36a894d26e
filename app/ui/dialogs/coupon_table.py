"""A customer's goodwill coupons as a titled, read-only table (the customer dialog shows it)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QGroupBox, QHeaderView, QTableView, QVBoxLayout

from app.services.views.coupons import CouponRow
from app.ui.models.coupon_model import CouponTableModel


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
