"""``python -m app.printing JOB ANSWER``: the layout process (see :mod:`app.printing.process`)."""

import sys

from app.printing.process import child_main

raise SystemExit(child_main(sys.argv[1:]))
