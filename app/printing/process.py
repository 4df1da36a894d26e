"""A long document is laid out in a process of its own, so the window never waits for it.

PySide keeps Python's GIL during a Qt call, and Qt's rich text takes long calls on a long
document: for a 2,000-line pick list (measured 2026-12-06 on the 2-core CI machine)
``setHtml`` 0.25 s, the layout 2 s in slices of up to 0.18 s, each page's painting
30-85 ms. On a thread of the window's process every one of them holds the GIL, and the GUI
thread needs it for each timer, event filter or model it runs in Python: it waited for call
after call, and a 50 ms clock ticked twice in 3 s. Another process has its own interpreter:
the window's thread only waits for it (the GIL released) and rebuilds the recorded pages from
their bytes (``QPicture.setData``, milliseconds).

The child runs ``python -m app.printing JOB ANSWER`` (the frozen build: the launcher with
:data:`CHILD_FLAG`), reads the job (the HTML, already rendered in the caller's locale, the
logo, the font and the page) from the file JOB, and writes the recorded pages, or the page
count of the PDF it wrote, to the file ANSWER. It starts a ``QGuiApplication`` on the
caller's platform plugin, so its fonts and resolution are those of the window replaying its
pages. It imports Qt and :mod:`app.printing.pages` only: a few tenths of a second to start.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QFont, QGuiApplication, QPageLayout, QPicture

from app.printing.pages import (
    LayoutSpec,
    RecordedPages,
    html_document,
    layout_spec,
    page_layout_of,
    paint_text,
    pdf_writer,
    record_text,
)

log = logging.getLogger(__name__)

#: The frozen build's launcher runs the layout child when this is its first argument.
CHILD_FLAG = "--lay-out-pages"
#: Give up on a child after this long (then the caller lays the document out itself): a
#: 2,000-line pick list takes about 6 s on a slow computer.
TIMEOUT_S = 180

#: Layout children running now, with their job folders (see :func:`stop_children`).
_running: dict[subprocess.Popen[bytes], str] = {}
_running_lock = threading.Lock()


@dataclass(frozen=True)
class LayoutJob:
    """What the child lays out, as plain data (pickled to a file it reads)."""

    html: str
    logo: bytes | None
    font: str  #: ``QFont.toString()`` of the caller's font
    layout: LayoutSpec
    platform: str  #: the caller's Qt platform plugin ("xcb", "windows", "offscreen", ...)
    #: Write a PDF here, titled ``title``, instead of recording the pages.
    pdf: str | None = None
    title: str = ""


class LayoutFailed(Exception):
    """The layout process could not be started or did not finish its job."""


def job_for(
    html: str,
    logo: bytes | None,
    font: QFont | None,
    layout: QPageLayout,
    *,
    pdf: str | None = None,
    title: str = "",
) -> LayoutJob:
    """A job laying ``html`` out in ``font`` (default: the application's) on pages of
    ``layout``; with ``pdf``, writing that PDF file titled ``title``."""
    return LayoutJob(
        html,
        logo,
        (font if font is not None else QFont()).toString(),
        layout_spec(layout),
        QGuiApplication.platformName() or "offscreen",
        pdf,
        title,
    )


def _command() -> list[str]:
    if getattr(sys, "frozen", False):  # PyInstaller: sys.executable is the app itself
        return [sys.executable, CHILD_FLAG]
    return [sys.executable, "-m", "app.printing"]


#: What the child answers a recording job: each page's ``QPicture.data()``, the page it was
#: laid out on and the resolution.
Recording = tuple[list[bytes], LayoutSpec, int]


def _run(job: LayoutJob) -> Recording | int:
    """Run ``job`` in a child process and return its answer (raises :class:`LayoutFailed`)."""
    folder = tempfile.mkdtemp(prefix="shopkeeper-layout-")
    try:
        request, answer = Path(folder, "job.pickle"), Path(folder, "answer.pickle")
        request.write_bytes(pickle.dumps(job))
        # No Dock icon for a process that shows no window (macOS; ignored elsewhere).
        env = {**os.environ, "QT_MAC_DISABLE_FOREGROUND_APPLICATION_TRANSFORM": "1"}
        try:
            child = subprocess.Popen(
                [*_command(), str(request), str(answer)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise LayoutFailed(f"the layout process did not run: {error}") from error
        with _running_lock:
            _running[child] = folder
        try:
            _, stderr = child.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired as error:
            child.kill()
            child.communicate()
            raise LayoutFailed(f"the layout process took over {TIMEOUT_S} s") from error
        finally:
            with _running_lock:
                _running.pop(child, None)
        if child.returncode != 0 or not answer.exists():
            said = stderr.decode(errors="replace").strip()
            raise LayoutFailed(f"the layout process failed ({child.returncode}): {said}")
        result: Recording | int = pickle.loads(answer.read_bytes())  # our own child wrote it
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def stop_children() -> None:
    """Stop the layout children still running and remove their job files: the window is
    quitting, nobody waits for their pages, and a job holds customers' names and addresses
    (the threads waiting for them are daemons and would not clean up)."""
    with _running_lock:
        running = list(_running.items())
        _running.clear()
    for child, folder in running:
        child.kill()
        shutil.rmtree(folder, ignore_errors=True)


def record_in_process(job: LayoutJob) -> RecordedPages:
    """The pages of ``job`` recorded by a child process (raises :class:`LayoutFailed`)."""
    answer = _run(job)
    if isinstance(answer, int):
        raise LayoutFailed("the layout process wrote a PDF instead of recording pages")
    pages, spec, dpi = answer
    recorded = []
    for data in pages:
        picture = QPicture()
        picture.setData(data)
        recorded.append(picture)
    return RecordedPages(tuple(recorded), page_layout_of(spec), dpi)


def write_in_process(job: LayoutJob) -> int:
    """The pages of the PDF file that a child process wrote for ``job`` (its ``pdf``)."""
    answer = _run(job)
    if not isinstance(answer, int):
        raise LayoutFailed("the layout process recorded pages instead of writing a PDF")
    return answer


def child_main(argv: list[str]) -> int:
    """The child: do the job in file ``argv[0]``, write the answer to file ``argv[1]``."""
    request, answer = (Path(name) for name in argv)
    job: LayoutJob = pickle.loads(request.read_bytes())  # our parent wrote it
    _application = QGuiApplication([sys.argv[0], "-platform", job.platform])
    font = QFont()
    font.fromString(job.font)
    text = html_document(job.html, job.logo, font)
    result: Recording | int
    if job.pdf is not None:
        writer = pdf_writer(job.pdf, job.title, page_layout_of(job.layout))
        result = paint_text(text, writer)
        del writer  # finishes the file
    else:
        recorded = record_text(text, page_layout_of(job.layout))
        pages = [_bytes(picture) for picture in recorded.pages]
        result = (pages, layout_spec(recorded.layout), recorded.dpi)
    del text  # before the application that its fonts belong to
    answer.write_bytes(pickle.dumps(result))
    return 0


def _bytes(picture: QPicture) -> bytes:
    data = picture.data()  # a memoryview of the picture's own buffer
    assert isinstance(data, memoryview)
    return data.tobytes()
