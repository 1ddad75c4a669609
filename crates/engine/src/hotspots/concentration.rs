//! How concentrated incidents are: across places, grid cells and LSOAs.

use crimescope_spatial::{NearestNeighbourIndex, nearest_neighbour_index};
use crimescope_stats::{generalized_gini, gini, lorenz_curve, share_of_places_holding};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;

use super::maps::grid_counts_with;
use super::{HotspotRequest, request_params};
use crate::error::{EngineError, Result};
use crate::session::Session;

/// Concentration over one kind of unit.
#[derive(Debug, Clone, PartialEq)]
pub struct ConcentrationRow {
    /// `place`, `grid cell` or `lsoa`.
    pub unit: String,
    /// Units, zeros included (N).
    pub units: usize,
    /// Incidents (n).
    pub incidents: u64,
    /// The Gini coefficient.
    pub gini: Option<f64>,
    /// The generalized Gini (equals the Gini when n ≥ N).
    pub generalized_gini: Option<f64>,
    /// The share of units (busiest first) that holds 50% of incidents.
    pub share_holding_50: Option<f64>,
    /// The share of units that holds 25% of incidents.
    pub share_holding_25: Option<f64>,
    /// The Lorenz curve (share of units, share of incidents), busiest first.
    pub lorenz: Vec<(f64, f64)>,
}

impl ConcentrationRow {
    fn of(unit: &str, counts: &[u64]) -> ConcentrationRow {
        ConcentrationRow {
            unit: unit.to_string(),
            units: counts.len(),
            incidents: counts.iter().sum(),
            gini: gini(counts),
            generalized_gini: generalized_gini(counts),
            share_holding_50: share_of_places_holding(counts, 0.5),
            share_holding_25: share_of_places_holding(counts, 0.25),
            lorenz: lorenz_curve(counts),
        }
    }
}

/// As JSON: an array with one object per unit kind (with its Lorenz curve as pairs),
/// then the nearest neighbour index, when there is one.
impl serde::Serialize for Concentration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Row<'a> {
            unit: &'a str,
            units: usize,
            incidents: u64,
            gini: Option<f64>,
            generalized_gini: Option<f64>,
            #[serde(rename = "share_of_units_holding_50pct")]
            share_holding_50: Option<f64>,
            #[serde(rename = "share_of_units_holding_25pct")]
            share_holding_25: Option<f64>,
            lorenz: Vec<[f64; 2]>,
        }
        #[derive(serde::Serialize)]
        struct Nni {
            unit: &'static str,
            n: usize,
            observed_mean_m: f64,
            expected_mean_m: f64,
            ratio: f64,
            z: f64,
            p: f64,
        }
        #[derive(serde::Serialize)]
        #[serde(untagged)]
        enum Item<'a> {
            Row(Row<'a>),
            Nni(Nni),
        }
        let rows = self.rows.iter().map(|r| {
            Item::Row(Row {
                unit: &r.unit,
                units: r.units,
                incidents: r.incidents,
                gini: r.gini,
                generalized_gini: r.generalized_gini,
                share_holding_50: r.share_holding_50,
                share_holding_25: r.share_holding_25,
                lorenz: r.lorenz.iter().map(|p| [p.0, p.1]).collect(),
            })
        });
        let nni = self.nearest_neighbour.map(|n| {
            Item::Nni(Nni {
                unit: "nearest neighbour index",
                n: n.n,
                observed_mean_m: n.observed_mean,
                expected_mean_m: n.expected_mean,
                ratio: n.ratio,
                z: n.z,
                p: n.p,
            })
        });
        serializer.collect_seq(rows.chain(nni))
    }
}

/// Concentration across places, grid cells and LSOAs, and the nearest neighbour index.
#[derive(Debug, Clone)]
pub struct Concentration {
    /// One row per unit kind.
    pub rows: Vec<ConcentrationRow>,
    /// The Clark–Evans index over the located incidents in the study area; `None` when
    /// it cannot be computed (fewer than two located incidents), and `notes` says why.
    pub nearest_neighbour: Option<NearestNeighbourIndex>,
    /// Caveats for the reader.
    pub notes: Vec<String>,
}

fn counts_of(batches: &[RecordBatch]) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    for b in batches {
        let col = datafusion::arrow::compute::cast(b.column(1), &DataType::Int64)?;
        let col = col.as_primitive::<Int64Type>();
        out.extend((0..col.len()).map(|i| if col.is_valid(i) { col.value(i).max(0) as u64 } else { 0 }));
    }
    Ok(out)
}

/// Concentration of incidents in the period (Gini and generalized Gini after Bernasco
/// & Steenbeek 2017, the shares of units holding 50% and 25%, the Lorenz curve) over
/// places (`queries/concentration_places.sql`), the study-area grid cells and LSOAs
/// (`queries/concentration_lsoas.sql`), and the Clark & Evans (1954) nearest
/// neighbour index over the incidents in the study area.
pub async fn concentration(session: &Session, request: &HotspotRequest) -> Result<Concentration> {
    let params = request_params(session, request).await?;
    let (places, lsoas, points, grid) = futures::try_join!(
        session.run_builtin("concentration_places", &params),
        session.run_builtin("concentration_lsoas", &params),
        session.run_builtin("hotspot_points", &params),
        grid_counts_with(session, request, &params),
    )?;
    let g = &grid.area.grid;
    let cell_counts: Vec<u64> = g.inside_cells().map(|k| grid.counts[k]).collect();
    let mut rows = vec![ConcentrationRow::of("place", &counts_of(&places)?)];
    rows.push(ConcentrationRow::of(&format!("{} m grid cell", g.cell), &cell_counts));
    let lsoa_counts = counts_of(&lsoas)?;
    if !lsoa_counts.is_empty() {
        rows.push(ConcentrationRow::of("lsoa", &lsoa_counts));
    }
    let mut xy = Vec::new();
    for b in &points {
        let e = b.column(0).as_primitive::<datafusion::arrow::datatypes::Float64Type>();
        let n = b.column(1).as_primitive::<datafusion::arrow::datatypes::Float64Type>();
        for i in 0..b.num_rows() {
            if g.index_of(e.value(i), n.value(i)).is_some() {
                xy.push((e.value(i), n.value(i)));
            }
        }
    }
    let area_m2 = g.cells_inside() as f64 * g.cell * g.cell;
    let mut notes = vec![format!("study area: {}", grid.area.rule)];
    let nearest_neighbour = match nearest_neighbour_index(&xy, area_m2) {
        Ok(index) => Some(index),
        Err(why) => {
            notes.push(format!(
                "nearest neighbour index not computed ({} located incidents): {why}",
                xy.len()
            ));
            None
        }
    };
    if session.manifest().files.iter().any(|f| f.profile == "police-uk-street") {
        notes.push(
            "police.uk locations are anonymised snap points shared by many crimes: place concentration and the \
             nearest neighbour index are inflated by the snapping"
                .to_string(),
        );
    }
    if rows.iter().all(|r| r.incidents == 0) {
        return Err(EngineError::Unanswerable(format!(
            "no located incidents match in {}",
            request.period
        )));
    }
    Ok(Concentration {
        rows,
        nearest_neighbour,
        notes,
    })
}
