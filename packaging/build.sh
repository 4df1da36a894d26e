#!/usr/bin/env bash
# Build Shopkeeper with PyInstaller into build/ and dist/, then smoke-test the result.
#
#   packaging/build.sh            # build + smoke test
#   SKIP_SMOKE_TEST=1 packaging/build.sh
#
# Result: dist/shopkeeper/ (one folder; run dist/shopkeeper/shopkeeper[.exe]),
# and on macOS also dist/Shopkeeper.app. Works from any working directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

uv sync --group packaging
uv run --group packaging pyinstaller \
    --noconfirm --clean \
    --distpath "$ROOT/dist" \
    --workpath "$ROOT/build" \
    "$ROOT/packaging/shopkeeper.spec"

if [[ "${SKIP_SMOKE_TEST:-0}" != "1" ]]; then
    # Starts dist/shopkeeper/shopkeeper --demo --smoke-test with QT_QPA_PLATFORM=offscreen
    # and requires exit code 0 within 60 s (see packaging/smoke_test.py).
    uv run --group packaging python "$ROOT/packaging/smoke_test.py" \
        --dist "$ROOT/dist/shopkeeper" --timeout 60
fi
echo "Built: $ROOT/dist/shopkeeper"
