"""Each document rendered to PDF, its text read back with pypdf: what a customer, a supplier
or a clerk will see on paper; the command line's ``print`` without a display."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrinter

from app.db import Database, open_database
from app.printing import (
    RecordedPages,
    page_layout,
    pages,
    paper_size,
    process,
    record_pages,
    render,
    replay_pages,
    write_html,
    write_pdf,
)
from app.services.documents import PickList, PickRow, read_document
from app.services.formatting import set_locale
from app.services.shop_settings import ShopIdentity
from tests.services.test_documents import PIXEL_PNG, shop  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parent.parent.parent


def pdf_text(path: Path) -> tuple[int, str]:
    """Pages and text of a PDF, whitespace folded (a PDF's text comes in runs)."""
    reader = PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


@pytest.mark.usefixtures("qapp")
@pytest.mark.parametrize(
    ("kind", "ref", "expected"),
    [
        ("packing-slip", "SO-1", ["Packing slip SO-1", "In this parcel", "Still to come"]),
        ("order-status", "SO-1", ["Order status SO-1", "2 waiting, 3 ready", "€32.50"]),
        ("purchase-order", "PO-1", ["Purchase order PO-1", "W-77", "Please quote PO-1"]),
        ("pick-list", None, ["Pick list", "3 units for 1 order ready to ship", "SO-1"]),
    ],
)
def test_each_document_prints_to_a_pdf_whose_text_says_what_the_reader_needs(
    shop: Database,  # noqa: F811
    tmp_path: Path,
    kind: str,
    ref: str | None,
    expected: list[str],
) -> None:
    with shop.read() as session:
        document = read_document(session, kind, ref)
    path = tmp_path / f"{kind}.pdf"
    assert write_pdf(document, path) == 1
    pages, text = pdf_text(path)
    assert pages == 1
    for words in [*expected, "Bits & <Bobs>", "1 High Street", "Page 1 of 1"]:
        assert words in text


@pytest.mark.usefixtures("qapp")
def test_a_long_pick_list_runs_over_pages_each_numbered_of_the_total(tmp_path: Path) -> None:
    rows = tuple(
        PickRow("SHOP", f"SKU-{n:05}", f"Product {n}", 1 + n % 3, f"SO-{n:05}", "Ann")
        for n in range(3000)
    )
    picks = PickList(ShopIdentity(name="Corner Shop", logo=PIXEL_PNG), rows, date(2026, 12, 5))
    started = time.perf_counter()
    pages = write_pdf(picks, tmp_path / "picks.pdf")
    seconds = time.perf_counter() - started
    reader = PdfReader(tmp_path / "picks.pdf")
    first, last = (" ".join(reader.pages[n].extract_text().split()) for n in (0, -1))
    assert pages == len(reader.pages) > 50
    assert f"Page 1 of {pages}" in first and f"Page {pages} of {pages}" in last
    assert "SKU-00000" in first and "SKU-02999" in last and "Location" in last
    assert seconds < 60, f"3,000 lines took {seconds:.1f} s"


@pytest.mark.parametrize(
    ("locale", "paper"),
    [("en_US", QPageSize.PageSizeId.Letter), ("en_CA", QPageSize.PageSizeId.Letter),
     ("en_GB", QPageSize.PageSizeId.A4), ("de_DE", QPageSize.PageSizeId.A4),
     ("fr", QPageSize.PageSizeId.A4)],
)  # fmt: skip
def test_the_paper_is_letter_where_the_locale_uses_it_and_a4_elsewhere(
    locale: str, paper: QPageSize.PageSizeId
) -> None:
    try:
        set_locale(locale)
        assert paper_size().id() == paper
    finally:
        set_locale(None)


def test_the_html_page_stands_alone_for_an_e_mail(
    shop: Database,  # noqa: F811
    tmp_path: Path,
) -> None:
    with shop.read() as session:
        write_html(read_document(session, "order-status", "SO-1"), tmp_path / "status.html")
    page = (tmp_path / "status.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    assert "Bits &amp; &lt;Bobs&gt;" in page


def test_the_command_writes_a_packing_slip_pdf_with_no_display(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    database = open_database(f"sqlite:///{path}", backup_dir=tmp_path / "bk")
    from app.services import catalog, stock
    from app.services.ordering import LineRequest, place_order

    with database.write() as session:
        catalog.create_customer(session, "ANN", "Ann Archer")
        catalog.create_product(session, "WIDGET", "Widget")
        stock.adjust_stock(session, "WIDGET", 2, "count")
        place_order(session, "ANN", [LineRequest("WIDGET", 2)], ref="SO-7")
    database.dispose()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    pdf, html = tmp_path / "slip.pdf", tmp_path / "slip.html"
    argv = ["--db", str(path), "print", "packing-slip", "SO-7", "--pdf", str(pdf)]
    result = subprocess.run(
        [sys.executable, "-c", f"from app.cli import main; raise SystemExit(main({argv!r}))"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Wrote Packing slip SO-7" in result.stdout
    assert "Ann Archer" in pdf_text(pdf)[1]
    missing = subprocess.run(
        [sys.executable, "-c",
         "from app.cli import main; raise SystemExit(main(['--db', "
         f"{str(path)!r}, 'print', 'order-status', 'SO-9', '--html', {str(html)!r}]))"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert missing.returncode == 1 and "no order 'SO-9'" in missing.stderr
    assert not html.exists()


@pytest.mark.usefixtures("qapp")
def test_pages_recorded_on_another_thread_replay_as_the_same_text_and_page_numbers(
    tmp_path: Path,
) -> None:
    picks = PickList(
        ShopIdentity(name="Corner Shop"),
        tuple(PickRow("SHOP", f"SKU-{n:03}", "Mug", 1, f"SO-{n:03}", "Ann") for n in range(120)),
        date(2026, 12, 5),
    )
    recorded: list[RecordedPages] = []
    worker = threading.Thread(target=lambda: recorded.append(record_pages(picks)))
    worker.start()
    worker.join()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "replayed.pdf"))
    printer.setPageLayout(page_layout())
    pages = replay_pages(recorded[0], printer)
    assert pages is not None and pages == write_pdf(picks, tmp_path / "direct.pdf") > 1
    replayed, direct = pdf_text(tmp_path / "replayed.pdf"), pdf_text(tmp_path / "direct.pdf")
    assert replayed == direct
    assert f"Page {pages} of {pages}" in replayed[1] and "SKU-119" in replayed[1]

    printer.setPageOrientation(QPageLayout.Orientation.Landscape)  # the clerk turned it
    assert replay_pages(recorded[0], printer) is None


def _long_pick_list(lines: int) -> PickList:
    rows = tuple(
        PickRow(
            "SHOP",
            f"SKU-{n:04}",
            f"Product {n}",
            1 + n % 3,
            f"SO-{n:04}",
            "Ann",
            bin=f"Aisle {n // 100}, shelf {n % 100:02}",
        )
        for n in range(lines)
    )
    return PickList(ShopIdentity(name="Corner Shop", logo=PIXEL_PNG), rows, date(2026, 12, 5))


def _replayed(recorded: RecordedPages, path: Path) -> tuple[int, str]:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setPageLayout(recorded.layout)
    assert replay_pages(recorded, printer) == len(recorded.pages)
    return pdf_text(path)


@pytest.mark.usefixtures("qapp")
def test_a_long_document_is_laid_out_by_another_process_into_the_same_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    picks = _long_pick_list(300)
    here = pages.record_text(render.text_document(picks), page_layout())
    # This process's own layout refuses: the pages can only come from the layout process.
    monkeypatch.setattr(render, "record_text", _refuse)
    monkeypatch.setattr(render, "paint_text", _refuse)
    elsewhere = record_pages(picks)
    assert elsewhere.layout.isEquivalentTo(here.layout) and elsewhere.dpi == here.dpi
    count, text = _replayed(elsewhere, tmp_path / "elsewhere.pdf")
    assert (count, text) == _replayed(here, tmp_path / "here.pdf")
    assert count == len(here.pages) > 5
    assert f"Page 1 of {count}" in text and f"Page {count} of {count}" in text
    assert all(f"SKU-{n:04}" in text for n in range(300))
    assert "Aisle 0, shelf 00" in text and "Aisle 2, shelf 99" in text
    for page in PdfReader(tmp_path / "elsewhere.pdf").pages:  # the table's header on each
        assert "Location Bin SKU Product Qty Order Customer Picked" in " ".join(
            page.extract_text().split()
        )

    written = write_pdf(picks, tmp_path / "written.pdf")
    assert (written, pdf_text(tmp_path / "written.pdf")[1]) == (count, text)
    metadata = PdfReader(tmp_path / "written.pdf").metadata
    assert metadata is not None and metadata.title == "Pick list — Corner Shop"


def _refuse(*args: object) -> None:
    raise AssertionError("laid out in the window's process")


@pytest.mark.usefixtures("qapp")
def test_a_long_document_is_still_printed_when_the_layout_process_cannot_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    picks = _long_pick_list(300)
    monkeypatch.setattr(process, "_command", lambda: [str(tmp_path / "no-such-program")])
    recorded = record_pages(picks)
    count, text = _replayed(recorded, tmp_path / "replayed.pdf")
    assert count > 5 and "SKU-0299" in text
    assert write_pdf(picks, tmp_path / "written.pdf") == count


@pytest.mark.usefixtures("qapp")
def test_quitting_stops_a_layout_process_and_removes_its_job_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window quits while a long document is laid out: the child is stopped and the job
    (customers' names and addresses) does not stay in the temporary folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    asleep = [sys.executable, "-c", "import time; time.sleep(60)"]
    monkeypatch.setattr(process, "_command", lambda: asleep)
    outcome: list[BaseException] = []

    def lay_out() -> None:
        try:
            process.record_in_process(process.job_for("<p>x</p>", None, None, page_layout()))
        except process.LayoutFailed as error:
            outcome.append(error)

    worker = threading.Thread(target=lay_out)
    worker.start()
    deadline = time.monotonic() + 30
    while not process._running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process._running and list(tmp_path.glob("shopkeeper-layout-*/job.pickle"))
    process.stop_children()
    worker.join(30)
    assert not worker.is_alive() and len(outcome) == 1  # the caller is told, not left waiting
    assert not list(tmp_path.glob("shopkeeper-layout-*"))


def test_the_layout_process_starts_without_the_database_layers() -> None:
    """It must start in a fraction of a second: no SQLAlchemy, no Babel, no services."""
    heavy = ["sqlalchemy", "babel", "app.domain", "app.services"]
    code = f"import sys, app.printing.process; print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.usefixtures("qapp")
def test_the_built_app_s_launcher_runs_the_layout_process_when_asked(tmp_path: Path) -> None:
    """The frozen build starts its own executable with ``CHILD_FLAG``: the launcher must hand
    that to the layout process, not to the command line."""
    job = process.job_for("<p>One page</p>", None, None, page_layout())
    (tmp_path / "job").write_bytes(pickle.dumps(job))
    launcher = ROOT / "packaging" / "launcher.py"
    argv = [sys.executable, str(launcher), process.CHILD_FLAG, str(tmp_path / "job")]
    result = subprocess.run(
        [*argv, str(tmp_path / "answer")], cwd=tmp_path, capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    pages, _spec, dpi = pickle.loads((tmp_path / "answer").read_bytes())
    assert len(pages) == 1 and dpi == 1200
