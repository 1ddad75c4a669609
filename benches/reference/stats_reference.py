"""Reference values for crates/stats/tests/references.rs, from independent libraries.

Run:  python3 -m venv /tmp/ref && /tmp/ref/bin/pip install pymannkendall statsmodels scipy
      /tmp/ref/bin/python benches/reference/stats_reference.py

It prints the Rust constants that the test compares against; the test never computes
its expected values with crimescope's own code.
"""
import numpy as np
import pymannkendall as mk
from statsmodels.tsa.seasonal import seasonal_decompose
from scipy.stats import poisson, norm

# A monthly count series with ties (15 appears 3 times, 25 twice, 12 twice).
ties = [12, 15, 15, 9, 20, 18, 15, 22, 25, 19, 25, 30, 12, 28]
# A falling series without ties.
falling = [40, 38, 41, 35, 33, 36, 30, 29, 31, 27, 24, 26]

for name, x in [("TIES", ties), ("FALLING", falling)]:
    r = mk.original_test(np.array(x, dtype=float))
    print(f"// {name}: pymannkendall {mk.__version__} original_test")
    print(f"s={r.s!r}, var_s={r.var_s!r}, z={r.z!r}, p={r.p!r}, tau={r.Tau!r}, trend={r.trend!r}")

# Three years of monthly counts with a July peak and an upward trend.
season = [100 + 2 * t + (30 if t % 12 == 6 else 0) + (-15 if t % 12 == 1 else 0) + (t * 7) % 5 for t in range(36)]
res = seasonal_decompose(np.array(season, dtype=float), model="multiplicative", period=12)
print("// SEASON:", season)
print("seasonal index (statsmodels, first 12):", list(res.seasonal[:12]))

print("poisson ppf(0.99865, 2.4) =", poisson.ppf(0.99865, 2.4), " ppf(0.00135, 4.9) =", poisson.ppf(0.00135, 4.9))
print("norm.sf(2.0)*2 =", 2 * norm.sf(2.0))
