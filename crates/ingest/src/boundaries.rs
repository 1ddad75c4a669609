//! Boundaries: polygons of LSOAs, wards or CSPs, and point-in-polygon assignment.
//!
//! Method: the polygons' bounding boxes go into an R*-tree (Beckmann et al. 1990,
//! "The R*-tree", SIGMOD; the `rstar` crate); a point's candidates are the boxes that
//! contain it, each then tested exactly by ray casting (Shimrat 1962, Algorithm 112)
//! against the exterior ring and its holes. A point on no polygon is counted, never
//! dropped. O(log n + k·m) per point for k candidates of m vertices.

use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use crimescope_model::AreaLevel;

use crate::error::{IngestError, Result};

/// A polygon's bounding box in the index, with (area, polygon) indices.
type PolygonBox = GeomWithData<Rectangle<[f64; 2]>, (usize, usize)>;

/// Replacement columns: (column index, new array).
type NewColumns = Vec<(usize, std::sync::Arc<dyn arrow::array::Array>)>;

/// One area: a code, a name, and its polygons (each an exterior ring and holes).
#[derive(Debug, Clone)]
pub struct Area {
    /// The area code, e.g. `E01000001`.
    pub code: String,
    /// The area name.
    pub name: String,
    polygons: Vec<Vec<Vec<(f64, f64)>>>,
}

impl Area {
    /// The polygons, each an exterior ring then its holes, as WGS84 (lon, lat).
    pub fn polygons(&self) -> &[Vec<Vec<(f64, f64)>>] {
        &self.polygons
    }
}

/// A set of areas of one level, indexed for point-in-polygon lookups.
pub struct BoundarySet {
    /// The level.
    pub level: AreaLevel,
    /// The areas.
    pub areas: Vec<Area>,
    tree: RTree<PolygonBox>,
}

impl std::fmt::Debug for BoundarySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BoundarySet({}, {} areas)", self.level, self.areas.len())
    }
}

impl BoundarySet {
    /// Read a GeoJSON FeatureCollection of Polygon/MultiPolygon features in WGS84.
    pub fn from_geojson(
        text: &str,
        level: AreaLevel,
        code_field: &str,
        name_field: &str,
        origin: &str,
    ) -> Result<BoundarySet> {
        let bad = |message: String| IngestError::Profile {
            profile: origin.to_string(),
            message,
        };
        let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(format!("not GeoJSON: {e}")))?;
        let features = doc["features"]
            .as_array()
            .ok_or_else(|| bad("no `features` array".into()))?;
        let mut areas = Vec::with_capacity(features.len());
        for (i, f) in features.iter().enumerate() {
            let field = |name: &str| -> Result<String> {
                match &f["properties"][name] {
                    serde_json::Value::String(s) => Ok(s.clone()),
                    serde_json::Value::Number(n) => Ok(n.to_string()),
                    _ => {
                        let have: Vec<String> = f["properties"]
                            .as_object()
                            .map(|o| o.keys().cloned().collect())
                            .unwrap_or_default();
                        Err(bad(format!(
                            "feature {i} has no property '{name}'; its properties are: {}",
                            have.join(", ")
                        )))
                    }
                }
            };
            // A vertex that is not a pair of numbers is an error, not a corner left out
            // (which would silently change the polygon's shape).
            let ring = |r: &serde_json::Value| -> Result<Vec<(f64, f64)>> {
                r.as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        p[0].as_f64().zip(p[1].as_f64()).ok_or_else(|| {
                            bad(format!(
                                "feature {i}: the vertex {p} is not a pair of numbers (longitude, latitude)"
                            ))
                        })
                    })
                    .collect()
            };
            let polygon = |p: &serde_json::Value| -> Result<Vec<Vec<(f64, f64)>>> {
                p.as_array().into_iter().flatten().map(ring).collect()
            };
            let geometry = &f["geometry"];
            let polygons = match geometry["type"].as_str() {
                Some("Polygon") => vec![polygon(&geometry["coordinates"])?],
                Some("MultiPolygon") => geometry["coordinates"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(polygon)
                    .collect::<Result<_>>()?,
                other => {
                    return Err(bad(format!(
                        "feature {i}: geometry {other:?} is not a Polygon or MultiPolygon"
                    )));
                }
            };
            areas.push(Area {
                code: field(code_field)?,
                name: field(name_field)?,
                polygons,
            });
        }
        let mut boxes = Vec::new();
        for (a, area) in areas.iter().enumerate() {
            for (p, rings) in area.polygons.iter().enumerate() {
                let Some(exterior) = rings.first().filter(|r| !r.is_empty()) else {
                    continue;
                };
                let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
                for &(x, y) in exterior {
                    lo = [lo[0].min(x), lo[1].min(y)];
                    hi = [hi[0].max(x), hi[1].max(y)];
                }
                boxes.push(GeomWithData::new(Rectangle::from_corners(lo, hi), (a, p)));
            }
        }
        Ok(BoundarySet {
            level,
            areas,
            tree: RTree::bulk_load(boxes),
        })
    }

    /// The stored set of `level` in a store, if one was added.
    pub fn load_level(
        root: &std::path::Path,
        manifest: &crate::store::Manifest,
        level: AreaLevel,
    ) -> Result<Option<BoundarySet>> {
        let Some(entry) = manifest.boundaries.iter().find(|b| b.level == level.name()) else {
            return Ok(None);
        };
        BoundarySet::load_entry(root, entry).map(Some)
    }

    /// The set a manifest entry names.
    fn load_entry(root: &std::path::Path, entry: &crate::store::BoundaryEntry) -> Result<BoundarySet> {
        let path = root.join(&entry.path);
        let text = std::fs::read_to_string(&path).map_err(|source| IngestError::Read {
            path: path.clone(),
            source,
        })?;
        let level = entry.level.parse::<AreaLevel>().map_err(|e| IngestError::Store {
            path: path.clone(),
            message: format!("the manifest's boundary entry has {e}"),
        })?;
        BoundarySet::from_geojson(&text, level, &entry.code_field, &entry.name_field, &entry.path)
    }

    /// The area containing a WGS84 point, if any (the first, where areas overlap).
    pub fn locate(&self, lon: f64, lat: f64) -> Option<&Area> {
        let mut hits: Vec<(usize, usize)> = self
            .tree
            .locate_all_at_point(&[lon, lat])
            .map(|g| g.data)
            .filter(|&(a, p)| polygon_contains(&self.areas[a].polygons[p], (lon, lat)))
            .collect();
        hits.sort_unstable();
        hits.first().map(|&(a, _)| &self.areas[a])
    }
}

fn polygon_contains(rings: &[Vec<(f64, f64)>], p: (f64, f64)) -> bool {
    match rings.split_first() {
        Some((exterior, holes)) => ring_contains(exterior, p) && !holes.iter().any(|h| ring_contains(h, p)),
        None => false,
    }
}

fn ring_contains(ring: &[(f64, f64)], (x, y): (f64, f64)) -> bool {
    let mut inside = false;
    let mut j = ring.len().saturating_sub(1);
    for i in 0..ring.len() {
        let ((xi, yi), (xj, yj)) = (ring[i], ring[j]);
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squares_with_a_hole_and_a_multipolygon() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"code":"A","name":"a"},"geometry":{"type":"Polygon","coordinates":[
            [[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[2,1],[2,2],[1,2],[1,1]]]}},
          {"type":"Feature","properties":{"code":"B","name":"b"},"geometry":{"type":"MultiPolygon","coordinates":[
            [[[1,1],[2,1],[2,2],[1,2],[1,1]]],[[[10,10],[11,10],[11,11],[10,11],[10,10]]]]}}]}"#;
        let set = BoundarySet::from_geojson(text, AreaLevel::Lsoa, "code", "name", "t").unwrap();
        assert_eq!(set.locate(3.0, 3.0).map(|a| a.code.as_str()), Some("A"));
        assert_eq!(
            set.locate(1.5, 1.5).map(|a| a.code.as_str()),
            Some("B"),
            "the hole of A is B"
        );
        assert_eq!(set.locate(10.5, 10.5).map(|a| a.code.as_str()), Some("B"));
        assert!(set.locate(5.0, 5.0).is_none());
        let err = BoundarySet::from_geojson(text, AreaLevel::Lsoa, "LSOA21CD", "name", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("LSOA21CD") && err.contains("code, name"), "{err}");
        // A vertex that is not two numbers is an error naming the feature, not dropped.
        let broken = text.replace("[10,11]", "[10,\"11\"]");
        let err = BoundarySet::from_geojson(&broken, AreaLevel::Lsoa, "code", "name", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("feature 1") && err.contains(r#"[10,"11"]"#), "{err}");
    }
}

/// The boundary sets used to fill missing `lsoa_code`/`lsoa_name` and `ward_code`.
#[derive(Debug, Default)]
pub(crate) struct Areas {
    /// LSOA polygons.
    pub lsoa: Option<BoundarySet>,
    /// Ward polygons.
    pub ward: Option<BoundarySet>,
}

impl Areas {
    /// Load the store's LSOA and ward sets; `None` when it has neither.
    pub fn load(root: &std::path::Path, manifest: &crate::store::Manifest) -> Result<Option<Areas>> {
        let mut areas = Areas::default();
        for entry in &manifest.boundaries {
            let set = BoundarySet::load_entry(root, entry)?;
            match set.level {
                AreaLevel::Lsoa => areas.lsoa = Some(set),
                AreaLevel::Ward => areas.ward = Some(set),
                AreaLevel::Csp => {}
            }
        }
        Ok((areas.lsoa.is_some() || areas.ward.is_some()).then_some(areas))
    }
}

/// Fill null `lsoa_code`/`lsoa_name` and `ward_code` of an `incidents` batch from the
/// areas containing each row's point, in parallel. Rows with a point that needed an
/// LSOA and fell in none are added to `outside`.
pub(crate) fn assign_areas(
    batch: arrow::record_batch::RecordBatch,
    areas: &Areas,
    outside: &std::sync::atomic::AtomicU64,
) -> std::result::Result<arrow::record_batch::RecordBatch, arrow::error::ArrowError> {
    use arrow::array::{Array, AsArray, StringArray};
    use arrow::datatypes::Float64Type;
    use rayon::prelude::*;
    use std::sync::Arc;

    let schema = batch.schema();
    let (Ok(lon_i), Ok(lat_i)) = (schema.index_of("longitude"), schema.index_of("latitude")) else {
        return Ok(batch);
    };
    let lon = batch.column(lon_i).as_primitive::<Float64Type>().clone();
    let lat = batch.column(lat_i).as_primitive::<Float64Type>().clone();
    let mut columns = batch.columns().to_vec();
    let fill = |set: &BoundarySet,
                code_col: &str,
                name_col: Option<&str>,
                count: bool|
     -> std::result::Result<NewColumns, arrow::error::ArrowError> {
        let code_i = schema.index_of(code_col)?;
        let codes = batch.column(code_i).as_string::<i32>().clone();
        let names = match name_col {
            Some(c) => Some((
                schema.index_of(c)?,
                batch.column(schema.index_of(c)?).as_string::<i32>().clone(),
            )),
            None => None,
        };
        let found: Vec<Option<&Area>> = (0..batch.num_rows())
            .into_par_iter()
            .map(|i| {
                if codes.is_valid(i) || lon.is_null(i) || lat.is_null(i) {
                    return None;
                }
                let hit = set.locate(lon.value(i), lat.value(i));
                if hit.is_none() && count {
                    outside.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                hit
            })
            .collect();
        let new_codes: StringArray = (0..batch.num_rows())
            .map(|i| {
                if codes.is_valid(i) {
                    Some(codes.value(i))
                } else {
                    found[i].map(|a| a.code.as_str())
                }
            })
            .collect();
        let mut out: NewColumns = vec![(code_i, Arc::new(new_codes))];
        if let Some((name_i, names)) = names {
            let new_names: StringArray = (0..batch.num_rows())
                .map(|i| {
                    if codes.is_valid(i) {
                        names.is_valid(i).then(|| names.value(i))
                    } else {
                        found[i].map(|a| a.name.as_str())
                    }
                })
                .collect();
            out.push((name_i, Arc::new(new_names)));
        }
        Ok(out)
    };
    if let Some(set) = &areas.lsoa {
        for (i, col) in fill(set, "lsoa_code", Some("lsoa_name"), true)? {
            columns[i] = col;
        }
    }
    if let Some(set) = &areas.ward {
        for (i, col) in fill(set, "ward_code", None, areas.lsoa.is_none())? {
            columns[i] = col;
        }
    }
    arrow::record_batch::RecordBatch::try_new(schema.clone(), columns)
}

/// Add (or replace) a store's boundary set of one level from a GeoJSON file.
pub fn add_boundaries(
    store: &std::path::Path,
    file: &std::path::Path,
    level: AreaLevel,
    code_field: &str,
    name_field: &str,
) -> Result<crate::store::BoundaryEntry> {
    let request = BoundariesToAdd {
        file,
        level,
        code_field,
        name_field,
        apply_to_stored: false,
    };
    add_boundaries_with(store, &request, &|| false).map(|added| added.entry)
}

/// A boundary set to add with [`add_boundaries_with`].
#[derive(Debug, Clone, Copy)]
pub struct BoundariesToAdd<'a> {
    /// The GeoJSON file.
    pub file: &'a std::path::Path,
    /// Its level.
    pub level: AreaLevel,
    /// The property holding each area's code.
    pub code_field: &'a str,
    /// The property holding each area's name.
    pub name_field: &'a str,
    /// Also fill the missing codes of incidents already stored (see
    /// [`crate::retag::apply_boundaries`]), in the same commit.
    pub apply_to_stored: bool,
}

/// What [`add_boundaries_with`] stored.
#[derive(Debug, Clone)]
pub struct BoundariesAdded {
    /// The stored set.
    pub entry: crate::store::BoundaryEntry,
    /// What filling the stored incidents' codes changed, when asked.
    pub retag: Option<crate::retag::Retag>,
}

/// Add (or replace) a boundary set and, if asked, fill the codes of the incidents
/// already stored, as one commit: the store changes only if all of it succeeds. `stop`
/// is asked after the file is parsed, before each stored file is re-tagged and before
/// the commit; once it answers true nothing is committed, what was written is removed,
/// and [`IngestError::Interrupted`] is returned.
pub fn add_boundaries_with(
    store: &std::path::Path,
    request: &BoundariesToAdd<'_>,
    stop: &dyn Fn() -> bool,
) -> Result<BoundariesAdded> {
    use sha2::Digest;
    let file = request.file;
    let bytes = std::fs::read(file).map_err(|source| IngestError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let set = BoundarySet::from_geojson(
        &text,
        request.level,
        request.code_field,
        request.name_field,
        &file.display().to_string(),
    )?;
    let interrupted = || IngestError::Interrupted {
        during: "before the boundaries were stored",
        done: String::new(),
    };
    if stop() {
        return Err(interrupted());
    }
    let mut writer = crate::store::StoreWriter::open(store, crimescope_model::HarmWeights::v1().name())?;
    let entry = crate::store::BoundaryEntry {
        level: request.level.name().to_string(),
        path: String::new(),
        source: file.display().to_string(),
        sha256: hex::encode(sha2::Sha256::digest(&bytes)),
        code_field: request.code_field.to_string(),
        name_field: request.name_field.to_string(),
        areas: set.areas.len() as u64,
        added_at: crate::store::now_rfc3339(),
    };
    let (entry, next) = writer.place_boundary(entry, &bytes)?;
    if request.apply_to_stored {
        let retag = crate::retag::apply_boundaries_to(&mut writer, next, stop)?;
        return Ok(BoundariesAdded {
            entry,
            retag: Some(retag),
        });
    }
    if stop() {
        let _ = writer.remove_uncommitted();
        return Err(interrupted());
    }
    if &next != writer.manifest() {
        writer.commit_manifest(next)?;
    }
    Ok(BoundariesAdded { entry, retag: None })
}

/// Store the ONS LSOA 2011 to 2021 lookup (columns `LSOA11CD`, `LSOA21CD`, and where
/// present `LSOA11NM`, `LSOA21NM`, `LAD22CD`, `LAD22NM`; a `.gz` file is read through a
/// decoder) as the `lsoa_lookup` table.
pub fn add_lsoa_lookup(store: &std::path::Path, file: &std::path::Path) -> Result<crate::store::OutputFile> {
    let (bytes, sha) = crate::records::read_reference_file(file)?;
    let mut records = crate::records::Records::new(&bytes);
    let header = crate::records::header_names(&mut records);
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(c11), Some(c21)) = (col("LSOA11CD"), col("LSOA21CD")) else {
        return Err(IngestError::Profile {
            profile: file.display().to_string(),
            message: format!(
                "the lookup needs columns LSOA11CD and LSOA21CD; its columns are: {}",
                header.join(", ")
            ),
        });
    };
    let optional = [col("LSOA11NM"), col("LSOA21NM"), col("LAD22CD"), col("LAD22NM")];
    let mut builder = crate::table_builder::TableBuilder::new(
        crimescope_model::schema::LSOA_LOOKUP_FIELDS,
        crimescope_model::schema::lsoa_lookup_schema(),
    );
    while let Some(rec) = records.next_record() {
        let get = |i: Option<usize>| {
            i.and_then(|i| rec.fields.get(i))
                .map(|f| String::from_utf8_lossy(f).trim().to_string())
        };
        let (Some(a), Some(b)) = (get(Some(c11)), get(Some(c21))) else {
            continue;
        };
        if a.is_empty() || b.is_empty() {
            continue;
        }
        let o: Vec<Option<String>> = optional.iter().map(|i| get(*i)).collect();
        fn v(x: &Option<String>) -> crate::table_builder::Value<'_> {
            x.as_deref()
                .map_or(crate::table_builder::Value::Null, crate::table_builder::Value::text)
        }
        builder.push(&[
            crate::table_builder::Value::Str(&a),
            v(&o[0]),
            crate::table_builder::Value::Str(&b),
            v(&o[1]),
            v(&o[2]),
            v(&o[3]),
        ]);
    }
    let batch = builder.finish().map_err(|e| IngestError::Arrow {
        file: file.display().to_string(),
        message: e.to_string(),
    })?;
    let mut writer = crate::store::StoreWriter::open(store, crimescope_model::HarmWeights::v1().name())?;
    writer.set_lsoa_lookup(&batch, &sha)
}
