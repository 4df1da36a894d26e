"""``python -m app``: the same as the ``shopkeeper`` command."""

from app.cli import main

raise SystemExit(main())
