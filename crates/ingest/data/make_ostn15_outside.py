#!/usr/bin/env python3
"""Derive ostn15_outside_gb.txt from Ordnance Survey's OSTN15_OSGM15_DataFile.txt.

The OSTN15 data file gives, for every node of its 1 km grid (701 x 1251 nodes from
BNG (0,0)), a Height_Datum_Flag. Flag 16 marks nodes outside the OSGM15 model: the
Republic of Ireland, Northern Ireland, France and the open sea. crimescope treats a
point whose 1 km cell's south-west node has flag 16 as outside Great Britain.

Usage: xz -dc OSTN15_OSGM15_DataFile.txt.xz | python3 make_ostn15_outside.py > ostn15_outside_gb.txt
(the xz file ships in the ostn15_phf crate's source, under ~/.cargo/registry/src).
"""
import sys

rows = {}
lines = iter(sys.stdin)
next(lines)
for line in lines:
    p = line.strip().split(",")
    i = int(p[0]) - 1
    rows.setdefault(i // 701, [False] * 701)[i % 701] = p[6] == "16"

print("# OSTN15 nodes with Height_Datum_Flag 16 (outside the OSGM15 model), as runs per 1 km row.")
print("# Derived from OS OSTN15_OSGM15_DataFile.txt by make_ostn15_outside.py.")
print("# Contains OS data (c) Crown copyright and database rights, released under the BSD licence.")
print("# format: northing_km start_easting_km end_easting_km_exclusive")
for n in sorted(rows):
    r = rows[n]
    e = 0
    while e < 701:
        if r[e]:
            s = e
            while e < 701 and r[e]:
                e += 1
            print(n, s, e)
        else:
            e += 1
