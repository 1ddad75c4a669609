#!/usr/bin/env python3
"""Reference p-values for crates/stats/src/e_test.rs (test matches_sixty_digit_values_far_in_the_tail).

    pip install mpmath
    python3 benches/reference/etest_mpmath.py 334029,325971 30,40,1,2 ...

Each argument is x1,x2[,t1,t2] (integer exposures, 1,1 by default). The Poisson E-test
(Krishnamoorthy & Thomson 2004) by its definition, in 60-digit arithmetic over windows of
mean +- 45 standard deviations: p = sum of P(a) P(b) over the pairs with
|T(a,b)| >= |T(x1,x2)|, T(a,b) = (a/t1 - b/t2) / sqrt(a/t1^2 + b/t2^2), both counts
Poisson at the pooled rate. |T| is compared in integers, so ties (the observed pair
itself) count exactly.
"""
import math
import sys

import mpmath

mpmath.mp.dps = 60


def pmf_window(m, lo, hi):
    """P(k) for k in lo..hi, by recurrence from an exact term at the mode."""
    k0 = min(max(int(m), lo), hi)
    pm = {k0: mpmath.e ** (k0 * mpmath.log(m) - m - mpmath.loggamma(k0 + 1))}
    for k in range(k0 + 1, hi + 1):
        pm[k] = pm[k - 1] * m / k
    for k in range(k0 - 1, lo - 1, -1):
        pm[k] = pm[k + 1] * (k + 1) / m
    return [pm[k] for k in range(lo, hi + 1)]


def etest(x1, x2, t1, t2):
    rate = mpmath.mpf(x1 + x2) / (t1 + t2)
    m1, m2 = rate * t1, rate * t2

    def window(m):
        sd = math.sqrt(float(m))
        return max(0, int(float(m) - 45 * sd - 15)), int(float(m) + 45 * sd + 15)

    (a_lo, a_hi), (b_lo, b_hi) = window(m1), window(m2)
    pa, pb = pmf_window(m1, a_lo, a_hi), pmf_window(m2, b_lo, b_hi)
    bs = list(range(b_lo, b_hi + 1))
    n = len(bs)
    pre = [mpmath.mpf(0)]
    for q in pb:
        pre.append(pre[-1] + q)
    suf = [mpmath.mpf(0)] * (n + 1)
    for i in range(n - 1, -1, -1):
        suf[i] = suf[i + 1] + pb[i]
    # |T(a,b)| >= |T(x1,x2)| multiplied through by t1^2 t2^2, in integers.
    obs_num2 = (x1 * t2 - x2 * t1) ** 2
    obs_var = x1 * t2 * t2 + x2 * t1 * t1

    def far(a, b):
        return (a * t2 - b * t1) ** 2 * obs_var >= obs_num2 * (a * t2 * t2 + b * t1 * t1)

    p = mpmath.mpf(0)
    high = not_low = 0
    for a, q in zip(range(a_lo, a_hi + 1), pa):
        while high < n and a * t2 - bs[high] * t1 > 0 and far(a, bs[high]):
            high += 1
        while not_low < n and not (a * t2 - bs[not_low] * t1 < 0 and far(a, bs[not_low])):
            not_low += 1
        p += q * (pre[high] + suf[not_low])
    return p


for arg in sys.argv[1:]:
    x = [int(v) for v in arg.split(",")]
    x1, x2, t1, t2 = x if len(x) == 4 else x + [1, 1]
    print(x1, x2, t1, t2, mpmath.nstr(etest(x1, x2, t1, t2), 12))
