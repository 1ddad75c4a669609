#!/usr/bin/env bash
# The whole Strategic Assessment of Coventry inside a West Midlands force year (issue 16):
# a generated West Midlands year (seed 42; police.uk street files and the force crime
# extract, council ASB, fire and probation, two years) with the real Coventry LSOA
# polygons stored, assessed with a four-key config. Prints the wall time and peak RSS of
# each run (release build, whole process).
#
#   bash benches/assess_coventry.sh [WORKDIR] [RUNS]
#
# Record the output in BENCHMARKS.md with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/crimescope-wm}"
runs="${2:-3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/crimescope/target}"
cargo build --release -q -p crimescope
bin="$CARGO_TARGET_DIR/release/crimescope"
if [ ! -f "$work/store/manifest.json" ]; then
  rm -rf "$work/data" "$work/store"
  /usr/bin/time -f "generate: wall %e s, peak RSS %M kB" \
    "$bin" generate --scale west-midlands --year 2025 --seed 42 --out "$work/data"
  "$bin" boundaries add --store "$work/store" --level lsoa --code-field LSOA21CD --name-field LSOA21NM \
    fixtures/coventry/coventry_lsoa21_wgs84.geojson
  CRIMESCOPE_KEY="benchmark key, not for real data" /usr/bin/time -f "ingest: wall %e s, peak RSS %M kB" \
    "$bin" ingest --store "$work/store" --json "$work/data/police-uk" "$work/data/partners" > "$work/ingest.json"
fi
cat > "$work/assessment.toml" <<TOML
area = "Coventry"
store = "store"
period = "2025-01..2025-12"
compare = "2024-01..2024-12"
TOML
rows=$("$bin" sql --store "$work/store" --format csv "SELECT COUNT(*) AS n FROM incidents_all" | tail -1)
echo "store: $rows incidents (the whole force, both police sources)"
for i in $(seq 1 "$runs"); do
  /usr/bin/time -f "assess run $i: wall %e s, peak RSS %M kB" \
    "$bin" assess --config "$work/assessment.toml" --out "$work/out" 2> "$work/assess.err" > "$work/assess.out" \
    || { cat "$work/assess.err"; exit 1; }
  grep -E "^assess run|wrote" "$work/assess.err" "$work/assess.out" | sed 's/^[^:]*://'
done
python3 - "$work" <<'PY'
import json, sys
doc = json.load(open(f"{sys.argv[1]}/out/assessment.json"))
secs = doc["section_seconds"]
print("section seconds (last run):", ", ".join(f"{k} {v:.2f}" for k, v in sorted(secs.items(), key=lambda kv: -kv[1])))
total = doc["overview"][-1]
print(f"overview: {total['current']} crimes and ASB in Coventry in 2025 ({total['previous']} in 2024)")
PY
