#!/usr/bin/env bash
# Issue 19's table in one run: crimescope against DuckDB's command-line tool, whole
# process against whole process, on the same rows and the same cores, alternating.
#
#   bash benches/speed.sh [WORKDIR]        # RUNS=3 by default (pairs per workload)
#
# 1. builds the release binary and the benchmark examples;
# 2. generates the national year once (crimescope-synth, seed 42: 516 police.uk street
#    files, 43 forces x 12 months of 2025, about 7 million rows) into WORKDIR/national;
# 3. installs DuckDB's CLI (`pip install duckdb-cli`) and NumPy into WORKDIR/venv;
# 4. runs each workload RUNS times as alternating pairs (crimescope, then DuckDB), each
#    under /usr/bin/time (wall seconds, peak RSS), checks that both counted the same rows,
#    and prints the medians and ratios as a Markdown table (paste it into BENCHMARKS.md).
#
# The store's files sit under month=YYYY-MM folders and DuckDB's hive partitioning takes
# `month` from the folder name as text ('2025-07'), so the DuckDB queries compare text.
# DuckDB reads the files the manifest lists for incidents: the compacted copy when it is
# current, as it is after every ingest.
#
# Workloads: ingest (`crimescope ingest` vs COPY ... TO parquet with the schema given);
# `trend --by category` and `repeats --kind location` (DuckDB asked the same question,
# and its counts-only query as a floor), grid counts (`sql` with grid_cell) and
# `hotspots --method grid --cell 250 --format csv`, each on the store as `ingest` left it;
# the national assessment (crimescope alone); Knox on a year of real events (Chicago's
# aggravated assaults of 2011 from ../shared/data, when present) against a NumPy
# reference; and the release binary's size.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
work="${1:-/tmp/crimescope-bench}"
runs="${RUNS:-3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/crimescope/target}"
mkdir -p "$work"
[ -x /usr/bin/time ] || apt-get install -y -q time > /dev/null

echo "== build (release)" >&2
build_start=$(date +%s)
cargo build --release -q -p crimescope --bin crimescope
cargo build --release -q -p crimescope-synth --example generate
cargo build --release -q -p crimescope-spatial --example knox_bench
echo "release build: $(( $(date +%s) - build_start )) s (incremental unless the target directory was empty)" >&2
bin="$CARGO_TARGET_DIR/release/crimescope"

if [ ! -d "$work/national/police-uk" ]; then
  echo "== generate the national year" >&2
  "$CARGO_TARGET_DIR/release/examples/generate" national 2025 42 "$work/national" > /dev/null
fi
files=("$work"/national/police-uk/2025-*/*.csv)

if [ ! -x "$work/venv/bin/duckdb" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q duckdb-cli numpy
fi
duck="$work/venv/bin/duckdb"
"$duck" --version >&2

times="$work/times.tsv"
# SKIP_INGEST=1 keeps the store and the ingest times of the last run (to rerun the rest).
if [ "${SKIP_INGEST:-0}" = 1 ] && [ -f "$work/store/manifest.json" ]; then
  grep '^ingest' "$times" > "$times.keep" || true
  mv "$times.keep" "$times"
else
  : > "$times"
fi
# timed LABEL ENGINE OUT CMD...: one run, wall seconds and peak RSS appended to $times.
timed() {
  local label="$1" engine="$2" out="$3"
  shift 3
  sync
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > "$out"
  read -r seconds kb < "$work/time.txt"
  printf '%s\t%s\t%s\t%s\n' "$label" "$engine" "$seconds" "$kb" >> "$times"
}

# The store's incidents files as a DuckDB list literal (as the manifest lists them).
store_files() {
  python3 - "$work/store" <<'PY'
import json, sys
store = sys.argv[1]
m = json.load(open(f"{store}/manifest.json"))
c = m.get("compaction")
if c and c["inputs"] == sorted(f["sha256"] for f in m["files"]):
    files = [f"{store}/{o['path']}" for o in c["outputs"]]
else:
    files = [f"{store}/{o['path']}" for f in m["files"] for o in f["outputs"] if o["table"] == "incidents"]
print("[" + ", ".join("'" + f + "'" for f in files) + "]")
PY
}

columns="{'Crime ID': 'VARCHAR', 'Month': 'VARCHAR', 'Reported by': 'VARCHAR', 'Falls within': 'VARCHAR', \
'Longitude': 'DOUBLE', 'Latitude': 'DOUBLE', 'Location': 'VARCHAR', 'LSOA code': 'VARCHAR', 'LSOA name': 'VARCHAR', \
'Crime type': 'VARCHAR', 'Last outcome category': 'VARCHAR', 'Context': 'VARCHAR'}"
csv_list="[$(printf "'%s', " "${files[@]}" | sed 's/, $//')]"

echo "== ingest: ${#files[@]} files" >&2
for i in $(seq "$([ "${SKIP_INGEST:-0}" = 1 ] && [ -s "$times" ] && echo 0 || echo "$runs")"); do
  rm -rf "$work/store"
  timed ingest crimescope "$work/ingest.json" "$bin" ingest --store "$work/store" --json "${files[@]}"
  rm -f "$work/duck.parquet"
  timed ingest duckdb "$work/ingest.duck" "$duck" -noheader -list -c "COPY (SELECT * FROM read_csv($csv_list, header = true, \
auto_detect = false, columns = $columns)) TO '$work/duck.parquet' (FORMAT parquet)"
done
du -sh "$work/store" "$work/duck.parquet" >&2
parquet="$(store_files)"
cat "$work"/store/incidents/*/*/*.parquet "$work"/store/compacted/*/*.parquet > /dev/null 2>&1 || true

period=2025-07..2025-12
compare=2025-01..2025-06
echo "== trend --by category" >&2
# `trend` counts and sums harm per category in both periods (the change test and the
# rates are arithmetic on the 14 rows); DuckDB is asked for the same four sums, and the
# counts alone are timed too, as a floor.
trend_sums="SUM(CASE WHEN month >= '2025-07' THEN 1 ELSE 0 END) AS current, \
SUM(CASE WHEN month < '2025-07' THEN 1 ELSE 0 END) AS previous"
for i in $(seq "$runs"); do
  timed trend crimescope "$work/trend.cs.csv" "$bin" trend --store "$work/store" --period "$period" \
    --compare "$compare" --by category --format csv
  timed trend duckdb "$work/trend.duck.csv" "$duck" -csv -c "SELECT category, $trend_sums, \
SUM(CASE WHEN month >= '2025-07' THEN harm_weight ELSE 0 END) AS harm_current, \
SUM(CASE WHEN month < '2025-07' THEN harm_weight ELSE 0 END) AS harm_previous \
FROM read_parquet($parquet) WHERE month BETWEEN '2025-01' AND '2025-12' GROUP BY 1 ORDER BY 1"
  timed "trend (DuckDB counts only)" duckdb "$work/trend-counts.duck.csv" "$duck" -csv -c "SELECT category, $trend_sums \
FROM read_parquet($parquet) WHERE month BETWEEN '2025-01' AND '2025-12' GROUP BY 1 ORDER BY 1"
done

echo "== repeats --kind location" >&2
# `repeats --kind location` answers: how many places, how many with 2+ incidents, how many
# shared by more than one source, and the top 20 places with their text and counts by
# source. DuckDB is asked the same, in one scan; the counts-only query (places and repeat
# places, no text or sources) is timed too, as a floor.
place="COALESCE(location_key, CAST(longitude AS VARCHAR) || ',' || CAST(latitude AS VARCHAR))"
located="month BETWEEN '2025-01' AND '2025-12' AND (location_key IS NOT NULL OR \
(longitude IS NOT NULL AND latitude IS NOT NULL))"
for i in $(seq "$runs"); do
  timed repeats crimescope "$work/repeats.cs.csv" "$bin" repeats --store "$work/store" --period 2025-01..2025-12 \
    --kind location --format csv
  timed repeats duckdb "$work/repeats.duck.csv" "$duck" -csv -c "WITH p AS (SELECT $place AS place, COUNT(*) AS n, \
SUM(CASE WHEN source = 'police' THEN 1 ELSE 0 END) AS police, SUM(CASE WHEN source = 'asb' THEN 1 ELSE 0 END) AS asb, \
SUM(CASE WHEN source = 'fire' THEN 1 ELSE 0 END) AS fire, MIN(location_text) AS location_text \
FROM read_parquet($parquet) WHERE $located GROUP BY 1) \
SELECT place, location_text, n, police, asb, fire, COUNT(*) OVER () AS places, \
SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END) OVER () AS repeat_places, \
SUM(CASE WHEN (police > 0)::INT + (asb > 0)::INT + (fire > 0)::INT > 1 THEN 1 ELSE 0 END) OVER () AS shared \
FROM p ORDER BY n DESC, place LIMIT 20"
  timed "repeats (DuckDB counts only)" duckdb "$work/repeats-counts.duck.csv" "$duck" -csv -c "SELECT COUNT(*) AS places, \
SUM(n) AS incidents, SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END) AS repeat_places FROM (SELECT $place AS place, COUNT(*) AS n \
FROM read_parquet($parquet) WHERE $located GROUP BY 1)"
done

echo "== grid counts, 250 m" >&2
for i in $(seq "$runs"); do
  timed grid crimescope "$work/grid.cs.csv" "$bin" sql --store "$work/store" --format csv "SELECT \
grid_cell(easting, northing, 250) AS cell, COUNT(*) AS incidents FROM incidents WHERE easting IS NOT NULL \
AND northing IS NOT NULL GROUP BY 1"
  timed grid duckdb "$work/grid.duck.csv" "$duck" -csv -c "SELECT CAST(floor(easting / 250) AS BIGINT) AS i, \
CAST(floor(northing / 250) AS BIGINT) AS j, COUNT(*) AS incidents FROM read_parquet($parquet) \
WHERE easting IS NOT NULL AND northing IS NOT NULL GROUP BY 1, 2"
done

echo "== hotspots --method grid --cell 250 --format csv" >&2
for i in $(seq "$runs"); do
  timed hotspots crimescope "$work/hotspots.cs.csv" "$bin" hotspots --store "$work/store" --period 2025-01..2025-12 \
    --method grid --cell 250 --format csv
  timed hotspots duckdb "$work/hotspots.duck.csv" "$duck" -csv -c "SELECT CAST(floor(easting / 250) AS BIGINT) AS i, \
CAST(floor(northing / 250) AS BIGINT) AS j, COUNT(*) AS incidents FROM read_parquet($parquet) \
WHERE month BETWEEN '2025-01' AND '2025-12' AND easting IS NOT NULL AND northing IS NOT NULL GROUP BY 1, 2"
done

echo "== national assessment" >&2
{
  echo "lsoa_code"
  zcat fixtures/boundaries/LSOA11_LSOA21_LAD22_lookup_EW.csv.gz | tail -n +2 | cut -d, -f2,4 | tr ',' '\n' | sort -u
} > "$work/all-lsoas.csv"
cat > "$work/national.toml" <<EOF
area = "England and Wales"
area_lsoas = "$work/all-lsoas.csv"
store = "$work/store"
period = "$period"
compare = "$compare"
EOF
for i in $(seq "$runs"); do
  rm -rf "$work/national-out"
  timed assess crimescope "$work/assess.log" "$bin" assess --config "$work/national.toml" --out "$work/national-out"
done
du -h "$work/national-out/assessment.html" >&2

chicago="$repo/../shared/data/incidents-with-times/chicago-aggravated-assaults-2010-2014.csv.gz"
if [ -f "$chicago" ]; then
  echo "== Knox, Chicago 2011, 999 permutations" >&2
  zcat "$chicago" | awk -F, 'NR == 1 || substr($1, 1, 4) == "2011"' > "$work/chicago-2011.csv"
  for i in $(seq "$runs"); do
    timed knox crimescope "$work/knox.cs.json" "$CARGO_TARGET_DIR/release/examples/knox_bench" --csv \
      "$work/chicago-2011.csv" 999
    timed knox numpy "$work/knox.np.json" "$work/venv/bin/python" benches/knox_numpy.py "$work/chicago-2011.csv" 999
  done
fi

python3 - "$work" "$times" "$bin" <<'PY'
import csv, json, os, statistics, sys
work, times, binary = sys.argv[1:4]
rows = list(csv.reader(open(times), delimiter="\t"))
by = {}
for label, engine, s, kb in rows:
    by.setdefault(label, {}).setdefault(engine, []).append((float(s), int(kb)))

def lines(path):
    with open(path) as f:
        return sum(1 for _ in f) - 1

checks = {}
ingest = json.load(open(f"{work}/ingest.json"))
checks["ingest"] = f"crimescope loaded {ingest['totals']['rows_loaded']} of {ingest['totals']['rows_read']} rows"
def repeats_check():
    ours = open(f"{work}/repeats.cs.csv").read().splitlines()
    words = ours[0].split()
    mine = (int(words[0]), int(words[2]), int(ours[0].split("; ")[-1].split()[0]))
    top_mine = [r[0] for r in csv.reader(ours[2:])]
    duck = list(csv.DictReader(open(f"{work}/repeats.duck.csv")))
    theirs = (int(duck[0]["places"]), int(duck[0]["repeat_places"]), int(duck[0]["shared"]))
    same = mine == theirs and top_mine == [r["place"] for r in duck]
    return f"places, repeat places, shared {mine} vs {theirs}; top 20 {'equal' if same else 'DIFFER'}"
checks["repeats"] = repeats_check()
def trend_check():
    ours = {r["group"]: r for r in csv.DictReader(open(f"{work}/trend.cs.csv"))}
    duck = {r["category"]: r for r in csv.DictReader(open(f"{work}/trend.duck.csv"))}
    same = ours.keys() == duck.keys() and all(
        int(ours[c]["current"]) == int(duck[c]["current"]) and int(ours[c]["previous"]) == int(duck[c]["previous"])
        and abs(float(ours[c]["harm_current"]) - float(duck[c]["harm_current"])) < 1e-6 * max(1.0, float(duck[c]["harm_current"]))
        for c in duck)
    return f"{len(ours)} vs {len(duck)} categories; counts and harm {'equal' if same else 'DIFFER'}"
checks["trend"] = trend_check()
checks["grid"] = f"{lines(work + '/grid.cs.csv')} vs {lines(work + '/grid.duck.csv')} cells"
checks["hotspots"] = f"{lines(work + '/hotspots.cs.csv')} vs {lines(work + '/hotspots.duck.csv')} rows"
if os.path.exists(f"{work}/knox.cs.json"):
    k1, k2 = json.load(open(f"{work}/knox.cs.json")), json.load(open(f"{work}/knox.np.json"))
    same = k1["observed"] == k2["observed"] and k1["close_pairs"] == k2["close_pairs"]
    checks["knox"] = f"{k1['events']} events, {k1['close_pairs']} close pairs; observed tables {'equal' if same else 'DIFFER'}"
print("| workload | crimescope (median s, peak MiB) | other (median s, peak MiB) | ratio | check |")
print("|---|---|---|---|---|")
for label, engines in by.items():
    cs = engines.get("crimescope", [])
    other_name = next((e for e in engines if e != "crimescope"), None)
    other = engines.get(other_name, [])
    med = lambda xs: statistics.median(x[0] for x in xs)
    mib = lambda xs: max(x[1] for x in xs) / 1024
    c = f"{med(cs):.2f} s, {mib(cs):.0f} MiB (runs {', '.join(f'{x[0]:.2f}' for x in cs)})" if cs else "–"
    o = f"{other_name} {med(other):.2f} s, {mib(other):.0f} MiB" if other else "–"
    r = f"{med(cs) / med(other):.2f}" if cs and other else "–"
    print(f"| {label} | {c} | {o} | {r} | {checks.get(label, '')} |")
print(f"\nrelease binary: {os.path.getsize(binary) / 2**20:.1f} MiB ({binary})")
PY
