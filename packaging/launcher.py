"""Entry script for the PyInstaller build (see shopkeeper.spec): runs the ``shopkeeper`` CLI,
or the layout process of a long printed document (``app.printing.process``), which the
window starts as this same executable with ``CHILD_FLAG`` first."""

import sys

if sys.argv[1:2] == ["--lay-out-pages"]:  # app.printing.process.CHILD_FLAG
    from app.printing.process import child_main

    raise SystemExit(child_main(sys.argv[2:]))

from app.cli import main

raise SystemExit(main())
