"""Synthetic police.uk outcomes files for the national benchmark year, to time queries
that read `outcome` on a store with outcomes (BENCHMARKS.md, thirteenth session).

    python3 benches/outcomes_year.py WORKDIR      # after benches/speed.sh WORKDIR

Reads WORKDIR/national/police-uk/2025-*/*-street.csv and writes
WORKDIR/national/outcomes/police-uk/2025-MM/2025-MM-<force>-outcomes.csv: each street row
with a Crime ID gets one outcome row, 60% of them a second one a month or more later, in a
month at or after the crime's (within 2025), with a random outcome type; seeded. About
9.9 M rows, 2.1 GB. Then ingest the street and outcomes files into one store."""
import csv, glob, os, random, sys

work = sys.argv[1] if len(sys.argv) > 1 else "/tmp/crimescope-bench"
out_dir = os.path.join(work, "national", "outcomes", "police-uk")
random.seed(7)
types = ["Investigation complete; no suspect identified", "Unable to prosecute suspect",
         "Offender given a caution", "Court result unavailable", "Awaiting court outcome",
         "Formal action is not in the public interest", "Local resolution", "Suspect charged"]
rows = {}
for path in sorted(glob.glob(os.path.join(work, "national", "police-uk", "2025-*", "*-street.csv"))):
    force = os.path.basename(path)[8:-len("-street.csv")]
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            if not row[0]:
                continue
            m = int(row[1][5:7])
            for k in range(1 if random.random() < 0.4 else 2):
                om = min(12, m + random.randint(0, 3) + k)
                rows.setdefault((om, force), []).append(
                    [row[0], f"2025-{om:02d}", row[2], row[3], row[4], row[5], row[6], row[7], row[8], random.choice(types)])
n = 0
for (om, force), rs in sorted(rows.items()):
    d = os.path.join(out_dir, f"2025-{om:02d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"2025-{om:02d}-{force}-outcomes.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                    "Location", "LSOA code", "LSOA name", "Outcome type"])
        w.writerows(rs)
        n += len(rs)
print(n, "outcome rows in", len(rows), "files under", out_dir)
