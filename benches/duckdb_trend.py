"""DuckDB running crimescope's trend_by_category aggregation on the same Parquet files.

    python benches/duckdb_trend.py STORE PERIOD_START PERIOD_END COMPARE_START COMPARE_END [REPS]

Reads every incidents Parquet file the store's manifest lists (hive partitioning off:
the files carry source and month as columns), runs the same SQL as
queries/trend_by_category.sql (less the population join, which is empty here) REPS
times, and prints one JSON object with the connect, per-run and median times in ms.
"""
import json
import statistics
import sys
import time

t0 = time.perf_counter()
import duckdb  # noqa: E402

store, p0, p1, c0, c1 = sys.argv[1:6]
reps = int(sys.argv[6]) if len(sys.argv) > 6 else 5
manifest = json.load(open(f"{store}/manifest.json"))
# The files crimescope reads: the compacted copy when it covers exactly the current
# inputs (`crimescope compact`), else every input's incidents files.
compaction = manifest.get("compaction")
if compaction and compaction["inputs"] == sorted(f["sha256"] for f in manifest["files"]):
    files = [f"{store}/{o['path']}" for o in compaction["outputs"]]
else:
    files = [f"{store}/{o['path']}" for f in manifest["files"] for o in f["outputs"] if o["table"] == "incidents"]
con = duckdb.connect()
open_ms = (time.perf_counter() - t0) * 1e3
sql = f"""
WITH counts AS (
    SELECT category AS grp,
           SUM(CASE WHEN month BETWEEN DATE '{p0}-01' AND DATE '{p1}-01' THEN 1 ELSE 0 END) AS current,
           SUM(CASE WHEN month BETWEEN DATE '{c0}-01' AND DATE '{c1}-01' THEN 1 ELSE 0 END) AS previous,
           SUM(CASE WHEN month BETWEEN DATE '{p0}-01' AND DATE '{p1}-01' THEN harm_weight ELSE 0 END) AS harm_current,
           SUM(CASE WHEN month BETWEEN DATE '{c0}-01' AND DATE '{c1}-01' THEN harm_weight ELSE 0 END) AS harm_previous
    FROM read_parquet($files, hive_partitioning = false)
    WHERE month BETWEEN DATE '{p0}-01' AND DATE '{p1}-01' OR month BETWEEN DATE '{c0}-01' AND DATE '{c1}-01'
    GROUP BY 1
)
SELECT grp, current, previous, current - previous AS change,
       CASE WHEN previous > 0 THEN 100.0 * (current - previous) / previous END AS pct_change,
       2.0 * (sqrt(current) - sqrt(previous)) AS z,
       abs(2.0 * (sqrt(current) - sqrt(previous))) >= 1.96 AS significant,
       harm_current, harm_previous
FROM counts ORDER BY current DESC, previous DESC, grp
"""
runs = []
rows = None
for _ in range(reps):
    t = time.perf_counter()
    rows = con.execute(sql, {"files": files}).fetchall()
    runs.append((time.perf_counter() - t) * 1e3)
incidents = sum(r[1] + r[2] for r in rows)
print(json.dumps({"open_ms": round(open_ms, 1), "query_ms": [round(r, 1) for r in runs],
                  "median_ms": round(statistics.median(runs), 1), "incidents": incidents,
                  "duckdb": duckdb.__version__, "threads": con.execute("SELECT current_setting('threads')").fetchone()[0]}))
