"""The crimescope Python package against the command line, on the bundled fixtures.

Each test runs the same request through the package and through the `crimescope`
binary (CRIMESCOPE_BIN, else the debug build in CARGO_TARGET_DIR) and compares the
figures; counts are also checked against the raw CSV files.
"""

import csv
import gzip
import json
import math
import os
import pathlib
import subprocess

import pyarrow
import pytest

import crimescope

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
CITY = FIXTURES / "police-uk" / "city-of-london"
CHICAGO = FIXTURES / "real" / "chicago-aggravated-assaults-2010-2014.csv.gz"
CHICAGO_PROFILE = FIXTURES / "profiles" / "chicago-assaults.toml"


def binary():
    if "CRIMESCOPE_BIN" in os.environ:
        return os.environ["CRIMESCOPE_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    return str(pathlib.Path(target) / "debug" / "crimescope")


def cli(*args, ok=True):
    """Run the binary; return stdout (or the completed process when ok=False)."""
    done = subprocess.run([binary(), "--quiet", *map(str, args)], capture_output=True, text=True)
    if not ok:
        return done
    assert done.returncode == 0, done.stderr
    return done.stdout


def cli_json(*args):
    return json.loads(cli(*args))


def about(table):
    return json.loads(table.schema.metadata[b"crimescope"])


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key(tmp_path_factory):
    # The package and the binary read the same key, so that their keys agree.
    os.environ.setdefault("CRIMESCOPE_KEY", "python-tests-key-0123456789abcdef")


@pytest.fixture(scope="session")
def city_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("city") / "store"
    summary = crimescope.ingest(store, [CITY])
    return store, summary


@pytest.fixture(scope="session")
def chicago_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("chicago") / "store"
    crimescope.ingest(store, [CHICAGO], profile=CHICAGO_PROFILE)
    return store


def test_ingest_summary_reconciles_with_the_raw_csv_and_the_command_line(city_store, tmp_path):
    store, summary = city_store
    assert isinstance(summary, dict)
    totals = summary["totals"]
    raw_rows = 0
    for path in sorted(CITY.glob("*.csv")):
        with open(path, newline="", encoding="utf-8-sig") as f:
            raw_rows += sum(1 for _ in csv.DictReader(f))
    assert raw_rows > 1000
    assert totals["rows_read"] == raw_rows
    assert totals["rows_read"] == totals["rows_loaded"] + totals["rows_rejected"] + totals["duplicates_dropped"]
    assert len(summary["files"]) == len(list(CITY.glob("*.csv")))
    by_cli = cli_json("ingest", "--store", tmp_path / "store", "--json", CITY)
    assert by_cli["totals"] == totals


def test_sql_returns_a_pyarrow_table_and_refuses_writes(city_store):
    store, summary = city_store
    s = crimescope.Store(store)
    t = s.sql("SELECT source, count(*) AS n FROM incidents GROUP BY source ORDER BY source")
    assert isinstance(t, pyarrow.Table)
    assert t.column_names == ["source", "n"]
    street = [f for f in summary["files"] if f["path"].endswith("-street.csv")]
    assert 0 < len(street) < len(summary["files"])  # the folder holds an outcomes file too
    assert sum(t.column("n").to_pylist()) == sum(f["rows_loaded"] for f in street)
    with pytest.raises(crimescope.UserError) as e:
        s.sql("DROP TABLE incidents")
    assert "read-only" in str(e.value) or "read only" in str(e.value)


def test_trend_equals_the_command_line_json(city_store):
    store, _ = city_store
    t = crimescope.Store(store).trend(period="2024-07..2024-12", compare="2024-01..2024-06")
    rows = cli_json(
        "trend", "--store", store, "--period", "2024-07..2024-12", "--compare", "2024-01..2024-06",
        "--format", "json",
    )
    assert t.num_rows == len(rows) > 5
    for mine, theirs in zip(t.to_pylist(), rows):
        for key, value in mine.items():
            expected = theirs[key]
            if isinstance(value, float) and expected is not None:
                assert math.isclose(value, expected, rel_tol=1e-12, abs_tol=1e-12), key
            else:
                assert value == expected, key
    meta = about(t)
    assert meta["period"] == "2024-07..2024-12" and meta["compare"] == "2024-01..2024-06"
    assert meta["coverage"]["current"]["with_data"] == 6


def test_trend_defaults_to_the_same_months_a_year_earlier(city_store):
    store, _ = city_store
    t = crimescope.Store(store).trend(period="2024-07..2024-12")
    assert about(t)["compare"] == "2023-07..2023-12"


def test_hotspots_grid_lists_the_same_cells_as_the_command_line(city_store):
    store, _ = city_store
    t = crimescope.Store(store).hotspots(period="2024-01..2024-12", method="grid", cell=100)
    rows = cli_json(
        "hotspots", "--store", store, "--period", "2024-01..2024-12", "--method", "grid", "--cell", "100",
        "--format", "json",
    )
    assert t.to_pylist() == rows
    meta = about(t)
    assert meta["method"] == "grid" and meta["cell_m"] == 100
    everything = crimescope.Store(store).hotspots(period="2024-01..2024-12", cell=100, all_cells=True)
    assert everything.num_rows == meta["cells_inside"] >= t.num_rows
    assert sum(everything.column("count").to_pylist()) == sum(t.column("count").to_pylist()) == meta["incidents"] - meta["outside_study_area"]


def test_gi_hotspots_equal_the_command_line(city_store):
    store, _ = city_store
    t = crimescope.Store(store).hotspots(period="2024-01..2024-12", method="gi", cell=100, band=200)
    rows = cli_json(
        "hotspots", "--store", store, "--period", "2024-01..2024-12", "--method", "gi", "--cell", "100",
        "--band", "200", "--format", "json",
    )
    assert len(rows) == t.num_rows
    for mine, theirs in zip(t.to_pylist(), rows):
        assert mine.keys() == theirs.keys()
        for key in mine:
            if isinstance(mine[key], float):
                assert math.isclose(mine[key], theirs[key], rel_tol=1e-9, abs_tol=1e-12), key
            else:
                assert mine[key] == theirs[key], key


def test_repeat_locations_equal_the_command_line(city_store):
    store, _ = city_store
    t = crimescope.Store(store).repeats(period="2024-01..2024-12", kind="location", top=5)
    v = cli_json(
        "repeats", "--store", store, "--period", "2024-01..2024-12", "--kind", "location", "--top", "5",
        "--format", "json",
    )
    assert t.to_pylist() == v["top"]
    meta = about(t)
    for key in ["locations", "repeat_locations", "incidents_located", "incidents_at_repeat_locations"]:
        assert meta[key] == v[key], key


def test_people_repeats_need_person_keys(city_store):
    store, _ = city_store
    with pytest.raises(crimescope.UserError) as e:
        crimescope.Store(store).repeats(period="2024-01..2024-12", kind="victim")
    done = cli(
        "repeats", "--store", store, "--period", "2024-01..2024-12", "--kind", "victim", ok=False
    )
    assert done.returncode == 1
    assert str(e.value) in done.stderr


def test_near_repeat_on_real_dated_data_equals_the_command_line(chicago_store):
    t = crimescope.Store(chicago_store).near_repeat(period="2014-06..2014-08", permutations=99, seed=7)
    v = cli_json(
        "near-repeat", "--store", chicago_store, "--period", "2014-06..2014-08", "--permutations", "99",
        "--seed", "7", "--format", "json",
    )
    assert t.num_rows == 25
    observed = t.column("observed").to_pylist()
    assert observed == [x for row in v["observed"] for x in row]
    assert t.column("p").to_pylist() == [x for row in v["p"] for x in row]
    again = crimescope.Store(chicago_store).near_repeat(period="2014-06..2014-08", permutations=99, seed=7)
    assert again.equals(t)
    meta = about(t)
    assert meta["permutations"] == 99 and meta["seed"] == 7


def test_ingest_with_a_mapping_profile_counts_every_row(chicago_store):
    with gzip.open(CHICAGO, "rt", newline="", encoding="utf-8") as f:
        raw_rows = sum(1 for _ in csv.DictReader(f))
    info = crimescope.Store(chicago_store).info()
    loaded = info["totals"]["rows_loaded"]
    rejected = info["totals"]["rows_rejected"]
    assert loaded + rejected + info["totals"]["duplicates_dropped"] == raw_rows


def test_errors_are_user_errors_with_the_command_lines_message(city_store, tmp_path):
    store, _ = city_store
    s = crimescope.Store(store)
    with pytest.raises(crimescope.UserError) as e:
        s.trend(period="2024-13")
    done = cli("trend", "--store", store, "--period", "2024-13", ok=False)
    assert done.returncode != 0
    assert "2024-13" in str(e.value) and "2024-13" in done.stderr
    with pytest.raises(crimescope.UserError, match="choose one of category"):
        s.trend(period="2024-07..2024-12", by="county")
    with pytest.raises(crimescope.UserError, match="method 'heat'"):
        s.hotspots(period="2024-07..2024-12", method="heat")
    with pytest.raises(crimescope.Error):
        crimescope.Store(tmp_path / "no-such-store")
    assert issubclass(crimescope.UserError, crimescope.Error)
    assert issubclass(crimescope.InternalError, crimescope.Error)


def test_pandas_takes_the_tables(city_store):
    pandas = pytest.importorskip("pandas")
    store, summary = city_store
    frame = crimescope.Store(store).sql("SELECT category, count(*) AS n FROM incidents GROUP BY category").to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert int(frame["n"].sum()) == sum(x["incidents"] for x in crimescope.Store(store).info()["sources"])


def test_polars_takes_the_tables_and_reads_the_store_files_as_the_readme_says(city_store):
    import polars  # .ci/run installs it: a missing polars fails here rather than skipping

    store, _ = city_store
    s = crimescope.Store(store)
    frame = polars.from_arrow(s.sql("SELECT category, count(*) AS n FROM incidents GROUP BY category"))
    assert isinstance(frame, polars.DataFrame)
    total = sum(x["incidents"] for x in s.info()["sources"])
    assert total > 1000
    assert frame["n"].sum() == total
    # A reader of the files opens those the manifest lists for `incidents` (one per
    # source and month) and derives the two shortened ids as the README says.
    manifest = json.loads((store / "manifest.json").read_text())
    files = [str(store / o["path"]) for o in manifest["compaction"]["outputs"]]
    assert all("/compacted/incidents/" in f for f in files)
    direct = polars.read_parquet(files, hive_partitioning=False)
    assert direct.height == total
    record_id = polars.coalesce(polars.col("record_id"), polars.col("record_id_bytes").bin.encode("hex"))
    incident_id = polars.coalesce(
        polars.col("incident_id"), polars.col("dataset").cast(polars.Utf8) + ":" + record_id
    )
    derived = direct.select(record_id.alias("record_id"), incident_id.alias("incident_id"))
    assert derived["record_id"].null_count() < derived.height  # police.uk Crime IDs
    assert derived["record_id"].null_count() < direct["record_id"].null_count()  # some were bytes
    queried = polars.from_arrow(s.sql("SELECT record_id, incident_id FROM incidents"))
    key = lambda row: (row[1], row[0] or "")
    assert sorted(derived.rows(), key=key) == sorted(queried.rows(), key=key)


def test_assess_writes_the_same_document_as_the_command_line(city_store, tmp_path):
    store, _ = city_store
    config = tmp_path / "assessment.toml"
    text = (FIXTURES / "demo" / "city-of-london" / "assessment.toml").read_text()
    text = text.replace('store = "store"', f"store = {json.dumps(str(store))}")
    text = text.replace('consultation = "consultation.csv"', "")
    config.write_text(text)
    written = crimescope.assess(config, tmp_path / "python")
    assert any(p.endswith("assessment.xlsx") for p in written["files"])
    assert written["marking"] == "OFFICIAL-SENSITIVE"
    cli("assess", "--config", config, "--out", tmp_path / "cli")
    mine = json.loads((tmp_path / "python" / "assessment.json").read_text())
    theirs = json.loads((tmp_path / "cli" / "assessment.json").read_text())
    assert set(mine["section_seconds"]) == set(theirs["section_seconds"])
    for doc in (mine, theirs):
        # Wall times are the only figures allowed to differ between two runs.
        doc.pop("section_seconds")
        for section in doc["sections"]:
            section.pop("seconds")
            for sub in section.get("subsections", []):
                sub.pop("seconds", None)
    assert mine == theirs
    public = crimescope.assess(config, tmp_path / "public", public=True)
    assert public["marking"].endswith("FOR PUBLICATION")
    assert public["disclosure"]["cells"]["primary"] >= 0
