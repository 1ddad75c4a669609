#!/usr/bin/env bash
# Gi* speed and agreement: crimescope against PySAL esda on the same cells.
#   bash benches/gi_pysal.sh [WORKDIR] [SIZES...]
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/crimescope-bench}"; shift || true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/crimescope/target}"
cargo build --release -q -p crimescope-spatial --example gi_csv
if [ ! -x "$work/venv/bin/python" ]; then python3 -m venv "$work/venv"; fi
"$work/venv/bin/python" -c "import esda, libpysal" 2>/dev/null || "$work/venv/bin/pip" install -q esda libpysal
"$work/venv/bin/python" benches/pysal_gi.py "$CARGO_TARGET_DIR/release/examples/gi_csv" "$@"
