"""A NumPy reference for the Knox test, to time against crimescope and to check its table.

    python benches/knox_numpy.py FILE [PERMUTATIONS]

FILE is a CSV with `date` (YYYY-MM-DD...), `longitude` and `latitude` columns, read and
projected exactly as `knox_bench --csv` does (equirectangular metres around the mean
latitude). Bands 0,100,200,300,400 m x 0,7,14,21,28 days, Euclidean distance. The close
pairs are found by chunked all-pairs distances (vectorised); each permutation shuffles
the days and counts the close pairs by band with numpy.bincount; the open space band is
every pair in the time band less the close ones. Prints one JSON object with the time
and the observed table.
"""
import csv
import datetime
import json
import sys
import time

import numpy as np

t0 = time.perf_counter()
path = sys.argv[1]
perms = int(sys.argv[2]) if len(sys.argv) > 2 else 999
space = np.array([0.0, 100.0, 200.0, 300.0, 400.0])
tbands = np.array([0, 7, 14, 21, 28])
ns, nt = len(space), len(tbands)

lon, lat, day = [], [], []
epoch = datetime.date(1970, 1, 1)
with open(path, newline="") as f:
    for row in csv.DictReader(f):
        d = row["date"]
        day.append((datetime.date(int(d[0:4]), int(d[5:7]), int(d[8:10])) - epoch).days)
        lon.append(float(row["longitude"]))
        lat.append(float(row["latitude"]))
lon, lat, day = np.array(lon), np.array(lat), np.array(day, dtype=np.int64)
k = 111_320.0
x = lon * k * np.cos(np.radians(lat.mean()))
y = lat * k
n = len(x)

# Close pairs (i < j, distance < 400 m), in chunks of rows.
ii, jj, ss = [], [], []
chunk = 1024
for a in range(0, n, chunk):
    b = min(n, a + chunk)
    dx = x[a:b, None] - x[None, :]
    dy = y[a:b, None] - y[None, :]
    dist = np.hypot(dx, dy)
    rows, cols = np.nonzero(dist < space[-1])
    keep = cols > rows + a
    rows, cols = rows[keep] + a, cols[keep]
    ii.append(rows)
    jj.append(cols)
    ss.append(np.searchsorted(space, dist[rows - a, cols], side="right") - 1)
ii, jj, ss = np.concatenate(ii), np.concatenate(jj), np.concatenate(ss)


def all_pairs_by_time(d):
    d = np.sort(d)
    total = n * (n - 1) // 2
    cum = []
    for t in tbands:
        # pairs with gap < t: for each j, the i < j with d[j] - d[i] < t
        lo = np.searchsorted(d, d - t, side="right")
        cum.append(int((np.arange(n) - lo).sum()) if t > 0 else 0)
    cum.append(total)
    return np.diff(np.array(cum))


all_by_time = all_pairs_by_time(day)


def table(d):
    gap = np.abs(d[ii] - d[jj])
    tb = np.searchsorted(tbands, gap, side="right") - 1
    t = np.bincount(ss * nt + tb, minlength=ns * nt).reshape(ns, nt)
    t[ns - 1] = all_by_time - t[: ns - 1].sum(axis=0)
    return t


observed = table(day)
rng = np.random.default_rng(1)
at_least = np.zeros((ns, nt), dtype=np.int64)
expected = np.zeros((ns, nt))
for _ in range(perms):
    sim = table(rng.permutation(day))
    expected += sim
    at_least += sim >= observed
print(json.dumps({
    "events": n,
    "permutations": perms,
    "close_pairs": int(len(ii)),
    "seconds": round(time.perf_counter() - t0, 3),
    "observed": observed.tolist(),
}))
