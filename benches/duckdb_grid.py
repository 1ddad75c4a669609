"""DuckDB running crimescope's hotspot_grid aggregation on the same Parquet files.

    python benches/duckdb_grid.py STORE PERIOD_START PERIOD_END CELL [REPS]

The same SQL as queries/hotspot_grid.sql (no filters), on every incidents file the
store's manifest lists; prints the per-run and median times in ms and the cell count.
"""
import json
import statistics
import sys
import time

import duckdb

store, p0, p1, cell = sys.argv[1:5]
reps = int(sys.argv[5]) if len(sys.argv) > 5 else 5
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
SELECT CAST(floor(easting / {cell}) AS BIGINT) AS i, CAST(floor(northing / {cell}) AS BIGINT) AS j, COUNT(*) AS incidents
FROM read_parquet($files, hive_partitioning = false)
WHERE month BETWEEN DATE '{p0}-01' AND DATE '{p1}-01' AND easting IS NOT NULL AND northing IS NOT NULL
GROUP BY 1, 2
"""
runs = []
for _ in range(reps):
    t = time.perf_counter()
    rows = con.execute(sql, {"files": files}).fetchall()
    runs.append((time.perf_counter() - t) * 1e3)
print(json.dumps({"query_ms": [round(r, 1) for r in runs], "median_ms": round(statistics.median(runs), 1),
                  "cells": len(rows), "incidents": sum(r[2] for r in rows)}))
