#!/usr/bin/env bash
# Year-scale ingest benchmark: crimescope vs DuckDB on the same national-scale files.
#
#   bash benches/ingest_year.sh [WORKDIR]
#
# 1. writes ~7M rows in 516 police.uk street files (benches/make_national_year.py);
# 2. ingests them with crimescope (release build of the same library call that
#    `crimescope ingest` makes), recording wall time and peak RSS (/usr/bin/time -v);
# 3. installs DuckDB from pip into a venv and runs COPY ... TO parquet on the same files;
# 4. prints both and the ratio. Record the output in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/crimescope-bench}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/crimescope/target}"
mkdir -p "$work"
if [ ! -d "$work/data" ]; then
  python3 benches/make_national_year.py "$work/data"
fi
du -sh "$work/data"
cargo build --release -q -p crimescope-ingest --example ingest_dir
bin="$CARGO_TARGET_DIR/release/examples/ingest_dir"
[ -x /usr/bin/time ] || apt-get install -y -q time >/dev/null
sync
rm -rf "$work/store"
/usr/bin/time -v "$bin" "$work/store" "$work/data" 2> "$work/crimescope.time" | tee "$work/crimescope.json"
grep -E "Maximum resident|Elapsed" "$work/crimescope.time"
du -sh "$work/store"

if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q duckdb
fi
rm -f "$work/duckdb.parquet"
/usr/bin/time -v "$work/venv/bin/python" benches/duckdb_ingest.py "$work/data" "$work/duckdb.parquet" 2> "$work/duckdb.time" | tee "$work/duckdb.json"
grep -E "Maximum resident|Elapsed" "$work/duckdb.time"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
c = json.load(open(f"{w}/crimescope.json")); d = json.load(open(f"{w}/duckdb.json"))
print(f"crimescope {c['rows_read']} rows in {c['seconds']} s; duckdb {d['rows']} rows in {d['seconds']} s; "
      f"crimescope/duckdb time ratio {c['seconds'] / d['seconds']:.2f} (below 1 means crimescope is faster)")
PY
