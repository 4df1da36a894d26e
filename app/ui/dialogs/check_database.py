"""Check database…: runs every check off the GUI thread and shows the report in plain words.

The headline says whether all is well; below it each check has a mark, what it looked at,
anything it found and what to do. "Copy report" puts the plain-text report on the clipboard
for an email to whoever looks after the shop's computers.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.errors import ShopError
from app.services.maintenance import CheckReport, CheckResult, check_database
from app.ui.background import Progress, run_in_background
from app.ui.dialogs.widgets import SOMETHING_WENT_WRONG

log = logging.getLogger(__name__)


class CheckDatabaseDialog(QDialog):
    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkDatabaseDialog")
        self.setWindowTitle("Check database")
        self.database = database
        self.report: CheckReport | None = None

        self.icon = QLabel()
        self.headline = QLabel("Checking the shop database…")
        self.headline.setObjectName("checkHeadline")
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.headline.setFont(font)
        top = QHBoxLayout()
        top.addWidget(self.icon)
        top.addWidget(self.headline, 1)

        self.results = QWidget()
        self.results.setObjectName("checkResults")
        self.results_layout = QVBoxLayout(self.results)
        self.results_layout.setContentsMargins(0, 0, 0, 0)
        self.results_layout.setSpacing(10)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.results)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy report", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setObjectName("copyReportButton")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_report)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.resize(560, 360)
        self.start()

    def start(self) -> None:
        database = self.database

        def work(progress: Progress) -> CheckReport:
            with database.read() as session:
                return check_database(session, progress)

        run_in_background(
            self,
            "Check database",
            "Checking the shop database…",
            work,
            done=self.show_report,
            failed=self._failed,
        )

    def show_report(self, report: object) -> None:
        assert isinstance(report, CheckReport)
        self.report = report
        self.headline.setText(report.summary())
        self._set_icon(
            QStyle.StandardPixmap.SP_DialogApplyButton
            if report.passed
            else QStyle.StandardPixmap.SP_MessageBoxWarning
        )
        for check in report.checks:
            self.results_layout.addWidget(self._check_row(check))
        self.results_layout.addStretch(1)
        self.copy_button.setEnabled(True)

    def _check_row(self, check: CheckResult) -> QWidget:
        row = QWidget()
        row.setObjectName("checkRow")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        mark = QLabel("✔" if check.passed else "✖")
        mark.setStyleSheet(f"color: {'#2e7d32' if check.passed else '#b3261e'}; font-size: 14px;")
        mark.setAlignment(Qt.AlignmentFlag.AlignTop)
        mark.setFixedWidth(20)
        layout.addWidget(mark)
        text = f"<b>{check.title}</b>"
        if check.problems:
            text += (
                "<ul style='margin: 2px 0 0 -20px;'>"
                + "".join(f"<li>{_escape(problem)}</li>" for problem in check.problems)
                + "</ul>"
            )
            text += f"<p style='margin-top: 4px;'><b>What to do:</b> {_escape(check.advice)}</p>"
        else:
            text += "<br><span style='color: palette(placeholder-text);'>No problems found.</span>"
        body = QLabel(text)
        body.setWordWrap(True)
        body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(body, 1)
        return row

    def _set_icon(self, which: QStyle.StandardPixmap) -> None:
        self.icon.setPixmap(self.style().standardIcon(which).pixmap(32, 32))

    def _failed(self, error: Exception) -> None:
        self._set_icon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        if isinstance(error, ShopError):
            self.headline.setText("The check could not be finished.")
            self.results_layout.addWidget(QLabel(str(error)))
        else:
            log.error("database check failed", exc_info=error)
            self.headline.setText("The check could not be finished.")
            self.results_layout.addWidget(QLabel(SOMETHING_WENT_WRONG))

    def copy_report(self) -> None:
        if self.report is not None:
            QGuiApplication.clipboard().setText(self.report.text())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
