"""Entry script for the PyInstaller build (see shopkeeper.spec): runs the ``shopkeeper`` CLI."""

from app.cli import main

raise SystemExit(main())
