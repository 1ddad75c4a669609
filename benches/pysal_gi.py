"""Gi* in PySAL esda against crimescope on the same cells.

    bash benches/gi_pysal.sh            # installs esda/libpysal into a venv, builds, runs

For each size, writes a square grid of 250 m cell centres with seeded counts 0-5 to
CSV, times PySAL (DistanceBand weights with binary=True at a 500 m band, then
G_Local(star=True, transform='B', permutations=0)), runs crimescope's gi_csv example
on the same file, checks the z-scores agree, and prints one JSON line per size.
"""
import json
import subprocess
import sys
import time

import numpy as np
from esda.getisord import G_Local
from libpysal.weights import DistanceBand

gi_csv = sys.argv[1]
sizes = [int(s) for s in sys.argv[2:]] or [10_000, 100_000]
for n in sizes:
    side = int(round(n ** 0.5))
    rng = np.random.default_rng(1)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side))
    x = 400_000 + (ii.ravel() + 0.5) * 250.0
    y = 200_000 + (jj.ravel() + 0.5) * 250.0
    counts = np.floor(rng.random(side * side) * 6.0)
    path = f"/tmp/crimescope-gi-{side}.csv"
    with open(path, "w") as f:
        f.write("x,y,count\n")
        for a, b, c in zip(x, y, counts):
            f.write(f"{a},{b},{c}\n")
    t0 = time.perf_counter()
    w = DistanceBand(np.column_stack([x, y]), threshold=500.0, binary=True, silence_warnings=True)
    t1 = time.perf_counter()
    g = G_Local(counts, w, transform="B", star=True, permutations=0)
    t2 = time.perf_counter()
    ours = json.loads(subprocess.check_output([gi_csv, path, "250", "500"]))
    diff = max(abs(a - b) for a, b in zip(ours["z_first"], g.Zs[:5]))
    print(json.dumps({
        "cells": side * side,
        "pysal_weights_s": round(t1 - t0, 3),
        "pysal_g_local_s": round(t2 - t1, 3),
        "pysal_total_s": round(t2 - t0, 3),
        "crimescope_s": ours["seconds"],
        "speedup": round((t2 - t0) / ours["seconds"], 1),
        "max_abs_z_difference_first5": diff,
    }), flush=True)
