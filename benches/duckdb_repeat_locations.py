"""DuckDB running crimescope's repeat_locations grouping on the same Parquet files.

    python benches/duckdb_repeat_locations.py STORE PERIOD_START PERIOD_END [REPS]

The same SQL as queries/repeat_locations.sql (no filters; DuckDB's CAST of a double to
VARCHAR may print digits differently, which does not change the grouping), on every
incidents file the manifest lists; prints per-run and median ms and the place count.
"""
import json
import statistics
import sys
import time

import duckdb

store, p0, p1 = sys.argv[1:4]
reps = int(sys.argv[4]) if len(sys.argv) > 4 else 5
manifest = json.load(open(f"{store}/manifest.json"))
# The files crimescope reads: the compacted copy when it covers exactly the current
# inputs (`crimescope compact`), else every input's incidents files.
compaction = manifest.get("compaction")
if compaction and compaction["inputs"] == sorted(f["sha256"] for f in manifest["files"]):
    files = [f"{store}/{o['path']}" for o in compaction["outputs"]]
else:
    files = [f"{store}/{o['path']}" for f in manifest["files"] for o in f["outputs"] if o["table"] == "incidents"]
con = duckdb.connect()
sql = f"""
SELECT COALESCE(location_key, CAST(longitude AS VARCHAR) || ',' || CAST(latitude AS VARCHAR)) AS place,
       COUNT(*) AS incidents,
       SUM(CASE WHEN source = 'police' THEN 1 ELSE 0 END) AS police,
       SUM(CASE WHEN source = 'asb' THEN 1 ELSE 0 END) AS asb,
       SUM(CASE WHEN source = 'fire' THEN 1 ELSE 0 END) AS fire,
       MIN(location_text) AS location_text
FROM read_parquet($files, hive_partitioning = false)
WHERE month BETWEEN DATE '{p0}-01' AND DATE '{p1}-01'
  AND (location_key IS NOT NULL OR (longitude IS NOT NULL AND latitude IS NOT NULL))
GROUP BY 1
"""
runs = []
for _ in range(reps):
    t = time.perf_counter()
    rows = con.execute(sql, {"files": files}).fetchall()
    runs.append((time.perf_counter() - t) * 1e3)
print(json.dumps({"query_ms": [round(r, 1) for r in runs], "median_ms": round(statistics.median(runs), 1),
                  "places": len(rows), "incidents": sum(r[1] for r in rows)}))
