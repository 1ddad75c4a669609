//! Hotspot maps on real and synthetic data, checked against independent counts, the
//! planted truth of the generator, a shuffled control, and the geojson crate.

mod common;

use crimescope_model::AreaLevel;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use crimescope_engine::Session;
use crimescope_engine::arrow::array::AsArray;
use crimescope_engine::arrow::compute::cast;
use crimescope_engine::arrow::datatypes::{DataType, Float64Type, Int64Type, UInt64Type};
use crimescope_engine::hotspots::{
    HotspotRequest, area_hotspots, cells_geojson, concentration, gi_hotspots, grid_counts, kde_map,
};
use crimescope_ingest::{IngestOptions, NoProgress, ingest};
use rand::SeedableRng;
use rand::seq::SliceRandom;

use common::fixtures;

/// (longitude, latitude, LSOA) of every City of London street row ingest loads.
fn raw_city_points() -> Vec<(String, String, String)> {
    common::raw_city_rows()
        .into_iter()
        .map(|f| (f[4].clone(), f[5].clone(), f[7].clone()))
        .collect()
}

/// Two constructed rows snapped far from the City, as real police.uk files sometimes
/// have (Cardiff and York): a naive bounding box would span most of England.
const FAR_ROWS: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n\
x1,2024-05,City of London Police,City of London Police,-3.179090,51.481583,On or near Somewhere,,,Other theft,Under investigation,\n\
x2,2024-05,City of London Police,City of London Police,-1.081278,53.959965,On or near Elsewhere,,,Other theft,Under investigation,\n";

async fn city() -> (tempfile::TempDir, Session) {
    common::city_store().await
}

fn year() -> HotspotRequest {
    HotspotRequest::new("2024-01..2024-12".parse().unwrap())
}

#[tokio::test]
async fn grid_counts_reconcile_with_the_raw_csv_and_trim_far_outliers() {
    let raw = raw_city_points();
    let located: Vec<(f64, f64)> = raw
        .iter()
        .filter(|r| !r.0.is_empty())
        .map(|r| (r.0.parse().unwrap(), r.1.parse().unwrap()))
        .collect();
    let (dir, _) = city().await;
    let far_file = dir.path().join("2024-05-far-street.csv");
    std::fs::write(&far_file, FAR_ROWS).unwrap();
    ingest(dir.path(), &[far_file], &IngestOptions::default(), &NoProgress).unwrap();
    let session = Session::open(dir.path()).await.unwrap();
    let map = grid_counts(&session, &year()).await.unwrap();
    assert_eq!(map.located, located.len() as u64 + 2, "every located row is counted");
    let inside: u64 = map.counts.iter().sum();
    assert_eq!(inside + map.area.outside, map.located);
    // The rows in Cardiff and York are outside; the study area stays a few kilometres
    // across, not the size of England.
    let g = &map.area.grid;
    assert!(g.index_of(318_000.0, 176_000.0).is_none() && g.index_of(460_000.0, 452_000.0).is_none());
    assert!(map.area.outside >= 2);
    assert!(g.len() < 2_000, "{} cells", g.len());
    assert!(g.cells_inside() == g.len(), "no mask without --area");
    assert!(map.counts.contains(&0), "zero cells are included");

    // Each cell's count against the incidents' own BNG coordinates bucketed here.
    let batches = session
        .sql("SELECT easting, northing FROM incidents WHERE easting IS NOT NULL")
        .await
        .unwrap();
    let mut want: HashMap<(i64, i64), u64> = HashMap::new();
    for b in &batches {
        let e = b.column(0).as_primitive::<Float64Type>();
        let n = b.column(1).as_primitive::<Float64Type>();
        for i in 0..b.num_rows() {
            *want
                .entry(((e.value(i) / 250.0).floor() as i64, (n.value(i) / 250.0).floor() as i64))
                .or_default() += 1;
        }
    }
    for k in 0..g.len() {
        assert_eq!(
            map.counts[k],
            want.get(&g.ij(k)).copied().unwrap_or(0),
            "cell {}",
            g.cell_id(k)
        );
    }
}

#[tokio::test]
async fn lsoa_counts_and_ranks_match_the_raw_csv() {
    let raw = raw_city_points();
    let mut want: BTreeMap<String, i64> = BTreeMap::new();
    for r in raw.iter().filter(|r| !r.2.is_empty()) {
        *want.entry(r.2.clone()).or_default() += 1;
    }
    let (_dir, session) = city().await;
    let batches = area_hotspots(&session, &year(), AreaLevel::Lsoa).await.unwrap();
    let mut got: BTreeMap<String, i64> = BTreeMap::new();
    let mut first = None;
    for b in &batches {
        let codes = cast(b.column_by_name("area_code").unwrap(), &DataType::Utf8).unwrap();
        let codes = codes.as_string::<i32>();
        let n = b.column_by_name("incidents").unwrap().as_primitive::<Int64Type>();
        let rank = cast(b.column_by_name("rank").unwrap(), &DataType::Int64).unwrap();
        let rank = rank.as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            got.insert(codes.value(i).to_string(), n.value(i));
            if first.is_none() {
                first = Some((rank.value(i), n.value(i)));
            }
        }
    }
    assert_eq!(got, want);
    assert_eq!(first, Some((1, *want.values().max().unwrap())));
}

#[tokio::test]
async fn kde_mass_is_the_number_of_incidents_and_the_output_states_its_units() {
    let (_dir, session) = city().await;
    let map = kde_map(&session, &year()).await.unwrap();
    assert!(map.default_bandwidth && map.bandwidth > 0.0);
    assert_eq!(map.years, 1.0);
    let mass = map.mass();
    assert!(
        (mass - map.points as f64).abs() / (map.points as f64) < 0.01,
        "mass {mass} of {}",
        map.points
    );
    let batch = map.to_record_batch().unwrap();
    assert!(batch.schema().field_with_name("density_per_km2_per_year").is_ok());
}

#[tokio::test]
async fn gi_geojson_is_valid_wgs84() {
    let (_dir, session) = city().await;
    let map = gi_hotspots(&session, &year()).await.unwrap();
    let batch = map.to_record_batch().unwrap();
    let value = cells_geojson(&map.grid.area.grid, &batch, &[]).unwrap();
    let text = value.to_string();
    let parsed: geojson::GeoJson = text.parse().expect("RFC 7946 GeoJSON");
    let geojson::GeoJson::FeatureCollection(fc) = parsed else {
        panic!("not a FeatureCollection")
    };
    assert_eq!(fc.features.len(), batch.num_rows());
    for f in &fc.features {
        let geometry = f.geometry.as_ref().unwrap();
        let geojson::Value::Polygon(rings) = &geometry.value else {
            panic!("not a polygon")
        };
        let ring = &rings[0];
        assert_eq!(ring.len(), 5);
        assert_eq!(ring[0], ring[4], "closed");
        // Counter-clockwise (RFC 7946 §3.1.6): positive shoelace area.
        let area: f64 = ring.windows(2).map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1]).sum();
        assert!(area > 0.0);
        for p in ring {
            assert!(
                (-0.2..0.0).contains(&p[0]) && (51.4..51.6).contains(&p[1]),
                "{p:?} is not in the City"
            );
        }
        let props = f.properties.as_ref().unwrap();
        for key in ["cell_id", "easting", "northing", "count", "z", "p", "p_fdr", "class"] {
            assert!(props.contains_key(key), "{key}");
        }
    }
}

#[tokio::test]
async fn concentration_counts_places_from_the_raw_csv() {
    let raw = raw_city_points();
    let places: HashSet<(String, String)> = raw
        .iter()
        .filter(|r| !r.0.is_empty())
        .map(|r| (r.0.clone(), r.1.clone()))
        .collect();
    let (_dir, session) = city().await;
    let c = concentration(&session, &year()).await.unwrap();
    let place = &c.rows[0];
    assert_eq!(place.unit, "place");
    assert_eq!(place.units, places.len(), "one place per distinct snap point");
    assert_eq!(place.incidents, raw.iter().filter(|r| !r.0.is_empty()).count() as u64);
    assert!(place.gini.unwrap() > 0.5, "crime concentrates at a few snap points");
    assert_eq!(place.lorenz.last(), Some(&(1.0, 1.0)));
    let nni = c.nearest_neighbour.unwrap();
    assert!(nni.ratio < 1.0, "snap points make the pattern clustered");
    assert!(c.notes.iter().any(|n| n.contains("snap points")));
}

#[tokio::test]
async fn a_nearest_neighbour_index_that_cannot_be_computed_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("2024-05-city-of-london-street.csv");
    let header = FAR_ROWS.lines().next().unwrap();
    std::fs::write(
        &one,
        format!(
            "{header}\nx1,2024-05,City of London Police,City of London Police,-0.091700,51.515400,On or near Wood Street,,,Other theft,Under investigation,\n"
        ),
    )
    .unwrap();
    ingest(dir.path(), &[one], &IngestOptions::default(), &NoProgress).unwrap();
    let session = Session::open(dir.path()).await.unwrap();
    let c = concentration(&session, &year()).await.unwrap();
    assert_eq!(c.rows[0].incidents, 1);
    assert!(c.nearest_neighbour.is_none());
    assert!(
        c.notes.iter().any(
            |n| n.contains("nearest neighbour index not computed (1 located incidents)") && n.contains("two points")
        ),
        "{:?}",
        c.notes
    );
}

/// The generator plants hotspots (truth.json); Gi* finds each of them in a year of
/// synthetic police.uk data, and a spatially shuffled copy of the same counts gives
/// no more significant cells than the false discovery rate allows.
#[tokio::test(flavor = "multi_thread")]
async fn planted_hotspots_are_found_and_a_shuffled_control_is_quiet() {
    let data = tempfile::tempdir().unwrap();
    let options = crimescope_synth::GenerateOptions::new(
        crimescope_synth::Scale::parse("coventry").unwrap(),
        2025,
        42,
        data.path().to_path_buf(),
    );
    crimescope_synth::generate(&options).unwrap();
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.path().join("truth.json")).unwrap()).unwrap();
    let store = tempfile::tempdir().unwrap();
    let street: Vec<PathBuf> = std::fs::read_dir(data.path().join("police-uk"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("2025-"))
        .collect();
    ingest(store.path(), &street, &IngestOptions::default(), &NoProgress).unwrap();
    let session = Session::open(store.path()).await.unwrap();
    let map = gi_hotspots(&session, &HotspotRequest::new("2025-01..2025-12".parse().unwrap()))
        .await
        .unwrap();
    let g = &map.grid.area.grid;
    let hot: Vec<usize> = (0..g.len())
        .filter(|&k| map.p_fdr[k] <= 0.05 && map.gi.z[k] > 0.0)
        .collect();
    let planted = truth["hotspots"].as_array().unwrap();
    assert_eq!(planted.len(), 4);
    // The generator multiplies the weights of the places within 250 m of a planted
    // centre by 5; over places of low base weight that is no excess at all (with seed
    // 42 one planted centre has 9-38 incidents per cell around it), so the test asks
    // for at least three of the four.
    let found = planted
        .iter()
        .filter(|h| {
            let (e, n) = (h["easting"].as_f64().unwrap(), h["northing"].as_f64().unwrap());
            hot.iter().any(|&k| {
                let (x, y) = g.centre(k);
                (x - e).hypot(y - n) <= 500.0
            })
        })
        .count();
    assert!(
        found >= 3,
        "only {found} of 4 planted hotspots found among {} hot cells",
        hot.len()
    );

    // Shuffled control: the same counts in random cells.
    let mut counts: Vec<f64> = map.grid.counts.iter().map(|&c| c as f64).collect();
    counts.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(7));
    let gi = crimescope_spatial::gi_star_grid(g, &counts, 500.0).unwrap();
    let q = crimescope_stats::benjamini_hochberg(&gi.p);
    let discoveries = q.iter().filter(|&&v| v <= 0.05).count();
    assert!(
        (discoveries as f64) <= 0.05 * g.len() as f64,
        "{discoveries} of {} shuffled cells significant",
        g.len()
    );
}

#[tokio::test]
async fn permutations_are_reproducible() {
    let (_dir, session) = city().await;
    let mut request = year();
    request.permutations = 99;
    request.seed = 3;
    let a = gi_hotspots(&session, &request).await.unwrap();
    let b = gi_hotspots(&session, &request).await.unwrap();
    assert_eq!(a.p_sim, b.p_sim);
    let batch = a.to_record_batch().unwrap();
    let sims = batch.column_by_name("p_sim").unwrap().as_primitive::<Float64Type>();
    assert!((0..sims.len()).all(|i| sims.value(i) >= 0.01 && sims.value(i) <= 0.5));
    let counts = batch.column_by_name("count").unwrap().as_primitive::<UInt64Type>();
    assert_eq!(counts.len(), a.grid.area.grid.cells_inside());
}

/// `--area`: the stored LSOA boundaries bound the grid, and area maps carry their
/// polygons.
#[tokio::test]
async fn stored_boundaries_bound_the_study_area_and_map_the_areas() {
    use crimescope_engine::hotspots::{AreaFilter, areas_geojson};
    let (dir, _) = city().await;
    let boundaries = fixtures().join("boundaries/central_london_lsoa11.geojson");
    crimescope_ingest::boundaries::add_boundaries(dir.path(), &boundaries, AreaLevel::Lsoa, "lsoa_code", "lsoa_name")
        .unwrap();
    let session = Session::open(dir.path()).await.unwrap();

    // The bounding box of E01000001's polygon, read here with serde_json.
    let text: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&boundaries).unwrap()).unwrap();
    let feature = text["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["lsoa_code"] == "E01000001")
        .unwrap();
    let ring = feature["geometry"]["coordinates"][0].as_array().unwrap();
    let lons: Vec<f64> = ring.iter().map(|p| p[0].as_f64().unwrap()).collect();
    let lats: Vec<f64> = ring.iter().map(|p| p[1].as_f64().unwrap()).collect();
    let (lon0, lon1) = (
        lons.iter().cloned().fold(f64::MAX, f64::min),
        lons.iter().cloned().fold(f64::MIN, f64::max),
    );
    let (lat0, lat1) = (
        lats.iter().cloned().fold(f64::MAX, f64::min),
        lats.iter().cloned().fold(f64::MIN, f64::max),
    );

    let mut request = year();
    request.cell = Some(50.0);
    request.area = Some(AreaFilter::Code {
        level: AreaLevel::Lsoa,
        code: "E01000001".into(),
    });
    let map = grid_counts(&session, &request).await.unwrap();
    let g = &map.area.grid;
    assert!(g.cells_inside() > 5 && g.cells_inside() < g.len(), "a masked grid");
    for k in (0..g.len()).filter(|&k| g.inside(k)) {
        let (e, n) = g.centre(k);
        let (lon, lat) = crimescope_ingest::projection::bng_to_lonlat(e, n).unwrap();
        assert!(
            (lon0..=lon1).contains(&lon) && (lat0..=lat1).contains(&lat),
            "cell {} is outside the LSOA",
            g.cell_id(k)
        );
    }
    assert_eq!(map.counts.iter().sum::<u64>() + map.area.outside, map.located);
    assert!(map.area.rule.contains("LSOA E01000001"), "{}", map.area.rule);

    let batches = area_hotspots(&session, &year(), AreaLevel::Lsoa).await.unwrap();
    let batch = crimescope_engine::arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
    let geo = areas_geojson(&session, AreaLevel::Lsoa, &batch).unwrap();
    let parsed: geojson::GeoJson = geo.to_string().parse().unwrap();
    let geojson::GeoJson::FeatureCollection(fc) = parsed else {
        panic!()
    };
    // One feature for each ranked LSOA that the boundary file has.
    let known: HashSet<&str> = text["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["lsoa_code"].as_str().unwrap())
        .collect();
    let codes = cast(batch.column_by_name("area_code").unwrap(), &DataType::Utf8).unwrap();
    let codes = codes.as_string::<i32>();
    let mapped = (0..batch.num_rows())
        .filter(|&i| known.contains(codes.value(i)))
        .count();
    assert!(mapped > 0);
    assert_eq!(fc.features.len(), mapped);
    let missing = batch.num_rows() - mapped;
    let notes = geo["crimescope_notes"].as_array().unwrap();
    assert_eq!(notes.is_empty(), missing == 0, "{notes:?}");
}
