#!/usr/bin/env bash
# Year-scale ingest benchmark: crimescope vs DuckDB on the same national-scale files.
#
#   bash benches/ingest_year.sh [WORKDIR]
#
# 1. generates the national scale with crimescope's own generator (the same library
#    call as `crimescope generate --scale national --year 2025 --seed 42`) and takes its
#    2025 police.uk street files: 516 files (43 forces x 12 months), about 7 million rows;
# 2. ingests them with crimescope (release build of the same library call that
#    `crimescope ingest` makes), recording wall time and peak RSS (/usr/bin/time);
# 3. installs DuckDB from pip into a venv and runs COPY ... TO parquet on the same files;
# 4. prints both and the ratio. Record the output in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/crimescope-bench}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/crimescope/target}"
mkdir -p "$work"
cargo build --release -q -p crimescope-synth --example generate
cargo build --release -q -p crimescope-ingest --example ingest_dir
[ -x /usr/bin/time ] || apt-get install -y -q time >/dev/null
if [ ! -d "$work/national/police-uk" ]; then
  /usr/bin/time -f "generate: wall %e s, user %U s, sys %S s, peak RSS %M kB" \
    "$CARGO_TARGET_DIR/release/examples/generate" national 2025 42 "$work/national"
fi
data=("$work"/national/police-uk/2025-*)
du -shc "${data[@]}" | tail -1
sync
rm -rf "$work/store"
/usr/bin/time -f "crimescope: wall %e s, user %U s, sys %S s, peak RSS %M kB" \
  "$CARGO_TARGET_DIR/release/examples/ingest_dir" "$work/store" "${data[@]}" | tee "$work/crimescope.json"
du -sh "$work/store"

if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q duckdb
fi
rm -f "$work/duckdb.parquet"
sync
/usr/bin/time -f "duckdb: wall %e s, user %U s, sys %S s, peak RSS %M kB" \
  "$work/venv/bin/python" benches/duckdb_ingest.py "$work/national/police-uk/2025-*/*.csv" "$work/duckdb.parquet" | tee "$work/duckdb.json"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
c = json.load(open(f"{w}/crimescope.json")); d = json.load(open(f"{w}/duckdb.json"))
print(f"crimescope {c['rows_read']} rows in {c['seconds']} s; duckdb {d['rows']} rows in {d['seconds']} s; "
      f"crimescope/duckdb time ratio {c['seconds'] / d['seconds']:.2f} (below 1 means crimescope is faster)")
PY
