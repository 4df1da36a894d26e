#!/usr/bin/env bash
# Run every benchmark (figures and ratios, never pass/fail); build the scale database first
# if it is missing. Usage: benchmarks/run_all.sh [--small] [--regenerate]
# The output is also saved to benchmarks/data/results-<UTC time>.txt (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

small=""
regenerate=""
for arg in "$@"; do
    case "$arg" in
        --small) small="--small" ;;
        --regenerate) regenerate=1 ;;
        *) echo "usage: $0 [--small] [--regenerate]" >&2; exit 2 ;;
    esac
done
db=benchmarks/data/scale.sqlite3
[[ -n "$small" ]] && db=benchmarks/data/scale-small.sqlite3
mkdir -p benchmarks/data
log="benchmarks/data/results-$(date -u +%Y%m%dT%H%M%SZ).txt"

{
    echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
    if [[ -n "$regenerate" || ! -f "$db" ]]; then
        uv run python -m benchmarks.generate $small
    fi
    for bench in receive audit notify import gui eta priority write_stall reports roles; do
        echo
        echo "== bench_$bench"
        uv run python -m "benchmarks.bench_$bench" $small
    done
} 2>&1 | tee "$log"
echo "saved to $log"
