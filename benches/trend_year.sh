#!/usr/bin/env bash
# Year-scale trend benchmark: `crimescope trend --by category` against DuckDB running the
# same aggregation on the same Parquet files, in the same session.
#
#   bash benches/trend_year.sh [WORKDIR]
#
# Needs the national store that benches/ingest_year.sh leaves in WORKDIR/store (about
# 7 million police.uk rows for 2025). Prints, for each engine, the end-to-end wall time
# of one process (start, open, query, print) and the in-process query times over 5
# runs; then the ratios. Record the output in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/crimescope-bench}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/crimescope/target}"
[ -f "$work/store/manifest.json" ] || { echo "no store in $work/store: run benches/ingest_year.sh first" >&2; exit 1; }
cargo build --release -q -p crimescope
cargo build --release -q -p crimescope --example trend_bench
if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
fi
"$work/venv/bin/python" -c "import duckdb" 2>/dev/null || "$work/venv/bin/pip" install -q duckdb
bin="$CARGO_TARGET_DIR/release/crimescope"
period=2025-07..2025-12
# Warm the page cache for both engines alike.
cat "$work"/store/incidents/*/*/*.parquet > /dev/null
echo "== end to end, one process each (3 runs)"
for i in 1 2 3; do
  /usr/bin/time -f "crimescope trend: wall %e s, peak RSS %M kB" "$bin" trend --store "$work/store" --period "$period" --format csv > "$work/trend_crimescope.csv"
  /usr/bin/time -f "duckdb (python):  wall %e s, peak RSS %M kB" "$work/venv/bin/python" benches/duckdb_trend.py "$work/store" 2025-07 2025-12 2025-01 2025-06 1 > /dev/null
done
echo "== in process (5 runs after opening)"
"$CARGO_TARGET_DIR/release/examples/trend_bench" "$work/store" "$period" 5 | tee "$work/trend_crimescope.json"
"$work/venv/bin/python" benches/duckdb_trend.py "$work/store" 2025-07 2025-12 2025-01 2025-06 5 | tee "$work/trend_duckdb.json"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
c = json.load(open(f"{w}/trend_crimescope.json")); d = json.load(open(f"{w}/trend_duckdb.json"))
assert c["incidents"] == d["incidents"], (c["incidents"], d["incidents"])
print(f"both counted {c['incidents']} incidents; median query crimescope {c['median_ms']} ms, duckdb {d['median_ms']} ms; "
      f"crimescope/duckdb ratio {c['median_ms'] / d['median_ms']:.2f} (below 1 means crimescope is faster)")
PY
