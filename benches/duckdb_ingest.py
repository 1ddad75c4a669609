#!/usr/bin/env python3
"""The DuckDB side of the year-scale ingest benchmark.

Runs COPY (SELECT * FROM read_csv(...)) TO 'x.parquet' over the same files that
crimescope ingests, and prints the wall time and the row count as JSON.
usage: duckdb_ingest.py CSV_GLOB OUT.parquet [THREADS]   e.g. 'DATA/police-uk/2025-*/*.csv'
"""
import json
import sys
import time

import duckdb

data, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
if len(sys.argv) > 3:
    con.execute(f"SET threads = {int(sys.argv[3])}")
started = time.perf_counter()
con.execute(
    f"COPY (SELECT * FROM read_csv('{data}', header = true)) "
    f"TO '{out}' (FORMAT parquet)"
)
seconds = time.perf_counter() - started
rows = con.execute(f"SELECT COUNT(*) FROM read_parquet('{out}')").fetchone()[0]
print(json.dumps({"engine": "duckdb " + duckdb.__version__, "rows": rows, "seconds": round(seconds, 3),
                  "rows_per_second": round(rows / seconds)}))
