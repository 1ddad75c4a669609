#!/usr/bin/env bash
# Local vs Ballista: the trend and grid queries on the national store, in this process,
# on a 1-executor and on a 2-executor cluster on 127.0.0.1, and DuckDB on the same files,
# all in one session.
#
#   bash benches/cluster.sh [WORKDIR] [REPS]
#
# Needs the store that benches/ingest_year.sh leaves in WORKDIR/store. Each cluster gets
# a fresh scheduler; each executor has 2 task slots and the client asks for 2 tasks per
# stage per executor. On a 2-core machine both executors share the same 2 cores, so the
# 2-executor figure measures the cost of distribution, not a speed-up.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/crimescope-bench}"
reps="${2:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/crimescope/target}"
[ -f "$work/store/manifest.json" ] || { echo "no store in $work/store: run benches/ingest_year.sh first" >&2; exit 1; }
cargo build --release -q -p crimescope --features distributed --bin crimescope --example cluster_bench
if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
fi
"$work/venv/bin/python" -c "import duckdb" 2>/dev/null || "$work/venv/bin/pip" install -q duckdb
bin="$CARGO_TARGET_DIR/release/crimescope"
bench="$CARGO_TARGET_DIR/release/examples/cluster_bench"
store="$work/store"
period=2025-07..2025-12
port=50150
pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }
trap stop_all EXIT
wait_port() { for _ in $(seq 300); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

cat "$store"/compacted/*/*.parquet "$store"/incidents/*/*/*.parquet > /dev/null 2>&1 || true
echo "== local (in process)"
"$bench" "$store" "$period" 250 "$reps" | tee "$work/cluster_local.json"
for executors in 1 2; do
  "$bin" scheduler --port "$port" > "$work/scheduler.log" 2>&1 & pids+=($!)
  wait_port "$port"
  for n in $(seq "$executors"); do
    eport=$((port + 10 * n))
    "$bin" executor --scheduler "df://127.0.0.1:$port" --port "$eport" --cores 2 \
      --work-dir "$work/executor-$n" > "$work/executor-$n.log" 2>&1 & pids+=($!)
    wait_port "$eport"
  done
  echo "== $executors executor(s)"
  /usr/bin/time -f "client peak RSS %M kB" "$bench" "$store" "$period" 250 "$reps" "df://127.0.0.1:$port" $((2 * executors)) \
    | tee "$work/cluster_$executors.json"
  for p in "${pids[@]}"; do ps -o rss= -p "$p" | awk -v p="$p" '{printf "role pid %s RSS %d kB\n", p, $1}'; done
  stop_all
  rm -rf "$work"/executor-*
done
echo "== DuckDB on the same files"
"$work/venv/bin/python" benches/duckdb_trend.py "$store" 2025-07 2025-12 2025-01 2025-06 "$reps" | tee "$work/cluster_duckdb_trend.json"
"$work/venv/bin/python" benches/duckdb_grid.py "$store" 2025-01 2025-12 250 "$reps" | tee "$work/cluster_duckdb_grid.json"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
runs = {k: json.load(open(f"{w}/cluster_{k}.json")) for k in ("local", "1", "2")}
dt = json.load(open(f"{w}/cluster_duckdb_trend.json")); dg = json.load(open(f"{w}/cluster_duckdb_grid.json"))
for k, r in runs.items():
    assert (r["incidents"], r["cells"], r["located"]) == (runs["local"]["incidents"], runs["local"]["cells"], runs["local"]["located"]), k
assert runs["local"]["incidents"] == dt["incidents"] and runs["local"]["cells"] == dg["cells"], "DuckDB disagrees"
print(f"all runs agree: {dt['incidents']} incidents in the trend, {dg['cells']} grid cells holding {dg['incidents']} located incidents")
print("| where | trend median | grid median | trend / local | grid / local | trend / DuckDB | grid / DuckDB |")
print("|---|---|---|---|---|---|---|")
for k, name in (("local", "local"), ("1", "1 executor"), ("2", "2 executors")):
    r = runs[k]
    print(f"| {name} | {r['trend_median_ms']} ms | {r['grid_median_ms']} ms | {r['trend_median_ms'] / runs['local']['trend_median_ms']:.2f} | "
          f"{r['grid_median_ms'] / runs['local']['grid_median_ms']:.2f} | {r['trend_median_ms'] / dt['median_ms']:.2f} | {r['grid_median_ms'] / dg['median_ms']:.2f} |")
print(f"| DuckDB | {dt['median_ms']} ms | {dg['median_ms']} ms | | | | |")
PY
