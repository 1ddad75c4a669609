#!/usr/bin/env python3
"""Write a national-scale year of police.uk street files by replicating real months.

Until `crimescope generate` exists (the synth issue), the year-scale benchmark uses the
real City of London 2024 street files from fixtures/, replicated into FORCES x 12
files in the archive layout (YYYY-MM/YYYY-MM-<force>-street.csv). Each copy of a row
gets a new Crime ID (a SHA-256 of force, copy and original id), so rows stay distinct
and the ingest does real deduplication work; ASB rows keep their blank Crime ID; rows
of one original with a repeated id keep repeating it, so duplicates and flagged ids
scale with the data. Deterministic: the same arguments give the same bytes.

usage: make_national_year.py OUT [--forces 43] [--copies 16]
Defaults give 516 files and about 6.9 million rows (about 1.5 GB).
"""
import argparse
import hashlib
import os
import pathlib

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--forces", type=int, default=43)
ap.add_argument("--copies", type=int, default=16)
args = ap.parse_args()

src = pathlib.Path(__file__).resolve().parent.parent / "fixtures/police-uk/city-of-london"
out = pathlib.Path(args.out)
rows_total = 0
for month in range(1, 13):
    name = f"2024-{month:02d}-city-of-london-street.csv"
    lines = (src / name).read_bytes().split(b"\r\n")
    header, body = lines[0], [l for l in lines[1:] if l]
    folder = out / f"2024-{month:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(args.forces):
        force = f"force-{f:02d}"
        chunks = [header]
        for copy in range(args.copies):
            tag = f"{force}/{copy}/".encode()
            for line in body:
                comma = line.index(b",")
                crime_id = line[:comma]
                if crime_id:
                    crime_id = hashlib.sha256(tag + crime_id).hexdigest().encode()
                chunks.append(crime_id + line[comma:])
                rows_total += 1
        data = b"\r\n".join(chunks) + b"\r\n"
        (folder / f"2024-{month:02d}-{force}-street.csv").write_bytes(data)
size = sum(p.stat().st_size for p in out.rglob("*.csv"))
print(f"wrote {args.forces * 12} files, {rows_total} rows, {size / 1e9:.2f} GB to {out}")
