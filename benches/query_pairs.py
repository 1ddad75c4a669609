"""Finer timing for speed.sh's short query rows: alternating pairs of whole processes,
crimescope against DuckDB's CLI asked the same questions as benches/speed.sh asks, timed
with perf_counter (speed.sh's /usr/bin/time gives hundredths of a second).

    python3 benches/query_pairs.py WORK N trend hotspots repeats

WORK is the folder speed.sh left (its store and venv); the binary is $CRIMESCOPE_BIN,
else $CARGO_TARGET_DIR/release/crimescope.
"""
import glob
import os
import statistics
import subprocess
import sys
import time

WORK = sys.argv[1]
B = os.environ.get('CRIMESCOPE_BIN') or os.path.join(os.environ.get('CARGO_TARGET_DIR', 'target'), 'release', 'crimescope')
S = os.path.join(WORK, 'store')
DK = os.path.join(WORK, 'venv', 'bin', 'duckdb')
files = sorted(glob.glob(S + '/compacted/incidents/*/*/*.parquet'))
P='['+','.join("'"+f+"'" for f in files)+']'
place="COALESCE(location_key, CAST(longitude AS VARCHAR) || ',' || CAST(latitude AS VARCHAR))"
located="month BETWEEN '2025-01' AND '2025-12' AND (location_key IS NOT NULL OR (longitude IS NOT NULL AND latitude IS NOT NULL))"
work={
 'trend':([B,'trend','--store',S,'--period','2025-07..2025-12','--compare','2025-01..2025-06','--by','category','--format','csv'],
  [DK,'-csv','-c',f"SELECT category, SUM(CASE WHEN month >= '2025-07' THEN 1 ELSE 0 END) AS current, SUM(CASE WHEN month < '2025-07' THEN 1 ELSE 0 END) AS previous, SUM(CASE WHEN month >= '2025-07' THEN harm_weight ELSE 0 END) AS harm_current, SUM(CASE WHEN month < '2025-07' THEN harm_weight ELSE 0 END) AS harm_previous FROM read_parquet({P}) WHERE month BETWEEN '2025-01' AND '2025-12' GROUP BY 1 ORDER BY 1"]),
 'hotspots':([B,'hotspots','--store',S,'--period','2025-01..2025-12','--method','grid','--cell','250','--format','csv'],
  [DK,'-csv','-c',f"SELECT CAST(floor(easting / 250) AS BIGINT) AS i, CAST(floor(northing / 250) AS BIGINT) AS j, COUNT(*) AS incidents FROM read_parquet({P}) WHERE month BETWEEN '2025-01' AND '2025-12' AND easting IS NOT NULL AND northing IS NOT NULL GROUP BY 1, 2"]),
 'repeats':([B,'repeats','--store',S,'--period','2025-01..2025-12','--kind','location','--format','csv'],
  [DK,'-csv','-c',f"WITH p AS (SELECT {place} AS place, COUNT(*) AS n, SUM(CASE WHEN source = 'police' THEN 1 ELSE 0 END) AS police, SUM(CASE WHEN source = 'asb' THEN 1 ELSE 0 END) AS asb, SUM(CASE WHEN source = 'fire' THEN 1 ELSE 0 END) AS fire, MIN(location_text) AS location_text FROM read_parquet({P}) WHERE {located} GROUP BY 1) SELECT place, location_text, n, police, asb, fire, COUNT(*) OVER () AS places, SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END) OVER () AS repeat_places, SUM(CASE WHEN (police > 0)::INT + (asb > 0)::INT + (fire > 0)::INT > 1 THEN 1 ELSE 0 END) OVER () AS shared FROM p ORDER BY n DESC, place LIMIT 20"]),
}
n = int(sys.argv[2])
for name in sys.argv[3:]:
    cs,dk=work[name]; t={'cs':[],'dk':[]}
    for i in range(n):
        for k,c in (('cs',cs),('dk',dk)):
            s=time.perf_counter(); subprocess.run(c,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL,check=True); t[k].append(time.perf_counter()-s)
    a,b=statistics.median(t['cs']),statistics.median(t['dk'])
    print(f"{name}: crimescope median {a:.3f} s ({min(t['cs']):.3f}-{max(t['cs']):.3f}), duckdb median {b:.3f} s ({min(t['dk']):.3f}-{max(t['dk']):.3f}), ratio {a/b:.2f}, {n} pairs")
