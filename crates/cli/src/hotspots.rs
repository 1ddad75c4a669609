//! `crimescope hotspots`.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use crimescope_engine::arrow::record_batch::RecordBatch;
use crimescope_engine::hotspots::{
    AreaFilter, CellRows, HotspotRequest, area_hotspots, areas_geojson, cells_geojson_where, concentration,
    emerging_hotspots, gi_hotspots, grid_counts, kde_map,
};
use crimescope_model::{AreaLevel, Period, Source};

use crate::error::CliError;
use crate::options::StepArg;
use crate::output::{write_batches, write_json};

/// The map to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Counts per grid cell, zero cells included.
    Grid,
    /// Counts per LSOA, ranked, with rates.
    Lsoa,
    /// Counts per ward, ranked, with rates.
    Ward,
    /// Quartic kernel density, incidents per km² per year.
    Kde,
    /// Getis-Ord Gi* over grid cells with FDR.
    Gi,
    /// Emerging hot spots over monthly or quarterly steps.
    Emerging,
    /// Gini, generalized Gini, Lorenz and the nearest neighbour index.
    Concentration,
}

/// How hotspot results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MapFormat {
    /// An aligned text table (the top rows, with the notes).
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of row objects, and nothing else.
    Json,
    /// An RFC 7946 FeatureCollection of WGS84 polygons.
    Geojson,
}

/// The options of `crimescope hotspots`.
#[derive(Debug, clap::Args)]
pub struct HotspotsArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// The period: 2025-01..2025-12, a month, or a financial year such as 2024/25.
    #[arg(long, value_parser = crate::options::period)]
    pub period: Period,
    /// The map to make.
    #[arg(long, value_enum, default_value = "grid")]
    pub method: Method,
    /// Cell size in metres (default 250; 50 for kde).
    #[arg(long)]
    pub cell: Option<f64>,
    /// Gi* distance band in metres: neighbours are cell centres within it, self included.
    #[arg(long, default_value_t = 500.0)]
    pub band: f64,
    /// Kernel density bandwidth in metres (default: ArcGIS's rule).
    #[arg(long)]
    pub bandwidth: Option<f64>,
    /// Only this category, by name or slug.
    #[arg(long)]
    pub category: Option<String>,
    /// Only this source: police, asb or fire.
    #[arg(long, value_parser = crate::options::source)]
    pub source: Option<Source>,
    /// The study area: lsoa, ward or csp (every stored area of the level) or LEVEL:CODE;
    /// or the partnership's area by name or ONS code ("Coventry"), which counts only its
    /// incidents (and maps them over the stored LSOA boundaries, when there are any).
    #[arg(long)]
    pub area: Option<String>,
    /// With a partnership --area: whether incidents that cannot be placed count.
    #[arg(long, value_enum, requires = "area")]
    pub unplaceable: Option<crate::options::UnplaceableArg>,
    /// Where police-recorded crime is counted from when the store holds police.uk and a
    /// force extract for the same months.
    #[arg(long, value_enum, default_value = "auto")]
    pub crime_source: crate::options::CrimeSourceArg,
    /// Gi*: conditional permutations for a pseudo p-value (e.g. 999).
    #[arg(long, default_value_t = 0)]
    pub permutations: usize,
    /// The seed for permutations.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Emerging hot spots: month or quarter steps.
    #[arg(long, value_enum, default_value = "month")]
    pub step: StepArg,
    /// table, csv, json or geojson.
    #[arg(long, value_enum, default_value = "table")]
    pub format: MapFormat,
    /// grid, gi, kde, emerging: list every cell of the study area, empty ones too (by
    /// default only cells with an incident, a density or a significant statistic are
    /// listed; the statistics use every cell either way).
    #[arg(long)]
    pub all_cells: bool,
    /// Where the queries run.
    #[command(flatten)]
    pub cluster: crate::cluster::ClusterOpt,
}

/// `crimescope hotspots`.
pub async fn hotspots(args: &HotspotsArgs) -> Result<(), CliError> {
    let mut request = HotspotRequest::new(args.period);
    request.cell = args.cell;
    request.band = args.band;
    request.bandwidth = args.bandwidth;
    request.category = args.category.clone();
    request.source = args.source;
    let mut options = crimescope_engine::SessionOptions {
        crime_source: args.crime_source.into(),
        ..crimescope_engine::SessionOptions::default()
    };
    match args.area.as_deref().map(|a| (a, a.parse::<AreaFilter>())) {
        None => {}
        Some((_, Ok(filter))) => request.area = Some(filter),
        Some((text, Err(as_study_area))) => match crate::options::resolve_area(text, args.unplaceable) {
            Ok(area) => {
                options.area = Some(area);
                let manifest = crimescope_ingest::read_manifest(&args.store)?;
                if manifest.boundaries.iter().any(|b| b.level == AreaLevel::Lsoa.name()) {
                    request.area = Some(AreaFilter::Level(AreaLevel::Lsoa));
                }
            }
            Err(_) => {
                return Err(CliError::from(as_study_area).with_hint(
                    "or name a community safety partnership, district or police force area (e.g. Coventry, E22000336)",
                ));
            }
        },
    }
    request.permutations = args.permutations;
    request.seed = args.seed;
    request.step = args.step.into();
    let session = crate::cluster::open_session_until_exit(&args.store, &args.cluster, &options).await?;
    let rows = if args.all_cells {
        CellRows::All
    } else {
        CellRows::Occupied
    };
    let (batch, notes, geo): (RecordBatch, Vec<String>, Option<serde_json::Value>) = match args.method {
        Method::Grid => {
            let map = grid_counts(&session, &request).await?;
            let mut notes = vec![
                format!("study area: {}", map.area.rule),
                format!(
                    "{} of {} located incidents fell outside the study area; {} cells of {} m",
                    map.area.outside,
                    map.located,
                    map.area.grid.cells_inside(),
                    map.area.grid.cell
                ),
            ];
            let batch = map.cell_table(rows)?;
            notes.push(listed_note(&batch, map.area.grid.cells_inside(), rows));
            let geo = geojson_if(args.format, || {
                cells_geojson_where(&map.area.grid, &map.to_record_batch()?, &notes, &map.listed(rows))
            })?;
            (batch, notes, geo)
        }
        Method::Gi => {
            let map = gi_hotspots(&session, &request).await?;
            let hot = (0..map.gi.z.len())
                .filter(|&k| map.p_fdr[k] <= 0.05 && map.gi.z[k] > 0.0)
                .count();
            let mut notes = vec![
                format!("study area: {}", map.grid.area.rule),
                format!(
                    "Getis-Ord Gi* (Ord & Getis 1995) over {} cells of {} m, zero cells included; binary weights on \
                     centres within {} m, self included; classes from Benjamini–Hochberg FDR-adjusted p \
                     (hot/cold at 99/95/90%); {} hot cells at 5% FDR; {} located incidents outside the study area",
                    map.grid.area.grid.cells_inside(),
                    map.grid.area.grid.cell,
                    map.band,
                    hot,
                    map.grid.area.outside
                ),
            ];
            let batch = map.cell_table(rows)?;
            notes.push(listed_note(&batch, map.grid.area.grid.cells_inside(), rows));
            let geo = geojson_if(args.format, || {
                cells_geojson_where(&map.grid.area.grid, &map.to_record_batch()?, &notes, &map.listed(rows))
            })?;
            (batch, notes, geo)
        }
        Method::Kde => {
            let map = kde_map(&session, &request).await?;
            let mut notes = vec![
                format!("study area: {} (padded by the bandwidth)", map.area.rule),
                format!(
                    "quartic kernel; density in incidents per km² per year; bandwidth {:.0} m{}; cell {} m; {} \
                     incidents over {:.2} years; the surface holds {:.1} of them; {} outside the study area",
                    map.bandwidth,
                    if map.default_bandwidth {
                        " (ArcGIS's default rule)"
                    } else {
                        ""
                    },
                    map.area.grid.cell,
                    map.points,
                    map.years,
                    map.mass(),
                    map.area.outside
                ),
            ];
            let batch = map.cell_table(rows)?;
            notes.push(listed_note(&batch, map.area.grid.cells_inside(), rows));
            let geo = geojson_if(args.format, || {
                cells_geojson_where(&map.area.grid, &map.to_record_batch()?, &notes, &map.listed(rows))
            })?;
            (batch, notes, geo)
        }
        Method::Emerging => {
            let map = emerging_hotspots(&session, &request).await?;
            let mut notes = vec![
                format!("study area: {}", map.grid.area.rule),
                format!(
                    "space-time Gi* over {} {} steps (neighbours within {} m in this and the previous step), FDR 5% \
                     over all bins, Mann–Kendall on each cell's z; classes after ESRI's Emerging Hot Spot Analysis",
                    map.steps.len(),
                    args.step.name(),
                    request.band
                ),
            ];
            let batch = map.cell_table(rows)?;
            notes.push(listed_note(&batch, map.grid.area.grid.cells_inside(), rows));
            let geo = geojson_if(args.format, || {
                cells_geojson_where(&map.grid.area.grid, &map.to_record_batch()?, &notes, &map.listed(rows))
            })?;
            (batch, notes, geo)
        }
        Method::Lsoa | Method::Ward => {
            let level = if args.method == Method::Lsoa {
                AreaLevel::Lsoa
            } else {
                AreaLevel::Ward
            };
            let batches = area_hotspots(&session, &request, level).await?;
            let batch = concat(&batches)?;
            let geo = geojson_if(args.format, || areas_geojson(&session, level, &batch))?;
            (batch, Vec::new(), geo)
        }
        Method::Concentration => {
            if args.format == MapFormat::Geojson {
                return Err(CliError::user(
                    "concentration has no map; use --format table, csv or json",
                ));
            }
            let c = concentration(&session, &request).await?;
            return print_concentration(&c, args.format);
        }
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        MapFormat::Geojson => {
            for n in &notes {
                crate::terminal::note(n);
            }
            writeln!(out, "{}", geo.unwrap_or_default()).map_err(CliError::io)
        }
        MapFormat::Json | MapFormat::Csv => {
            for n in &notes {
                crate::terminal::note(n);
            }
            let format = if args.format == MapFormat::Json {
                crate::output::Format::Json
            } else {
                crate::output::Format::Csv
            };
            write_batches(&mut out, &[batch], format)
        }
        MapFormat::Table => {
            for n in &notes {
                writeln!(out, "{n}").map_err(CliError::io)?;
            }
            let shown = top_rows(&batch, args.method)?;
            writeln!(
                out,
                "{} rows{}:",
                batch.num_rows(),
                if shown.num_rows() < batch.num_rows() {
                    format!(", the top {} shown (csv, json or geojson give all)", shown.num_rows())
                } else {
                    String::new()
                }
            )
            .map_err(CliError::io)?;
            write_batches(&mut out, &[shown], crate::output::Format::Table)
        }
    }
}

/// "12,345 of 3,860,000 cells listed …", for the notes.
fn listed_note(batch: &RecordBatch, cells: usize, rows: CellRows) -> String {
    match rows {
        CellRows::All => format!("all {cells} cells of the study area listed"),
        CellRows::Occupied => format!(
            "{} of {cells} cells listed: those with an incident, a density or a significant statistic (the \
             statistics use every cell; --all-cells lists them all)",
            batch.num_rows()
        ),
    }
}

fn geojson_if(
    format: MapFormat,
    make: impl FnOnce() -> Result<serde_json::Value, crimescope_engine::EngineError>,
) -> Result<Option<serde_json::Value>, CliError> {
    Ok(if format == MapFormat::Geojson {
        Some(make()?)
    } else {
        None
    })
}

fn concat(batches: &[RecordBatch]) -> Result<RecordBatch, CliError> {
    let schema = batches
        .first()
        .map(|b| b.schema())
        .ok_or_else(|| CliError::user("no incidents match"))?;
    crimescope_engine::arrow::compute::concat_batches(&schema, batches).map_err(CliError::internal)
}

/// The 20 rows a person reads first: the largest counts, |z| or densities.
fn top_rows(batch: &RecordBatch, method: Method) -> Result<RecordBatch, CliError> {
    use crimescope_engine::arrow::compute::{SortOptions, sort_to_indices, take_record_batch};
    let key = match method {
        Method::Gi => "z",
        Method::Kde => "density_per_km2_per_year",
        Method::Lsoa | Method::Ward => return Ok(batch.slice(0, batch.num_rows().min(20))),
        _ => "count",
    };
    let Some(column) = batch.column_by_name(key) else {
        return Ok(batch.slice(0, batch.num_rows().min(20)));
    };
    let options = SortOptions {
        descending: true,
        nulls_first: false,
    };
    let indices = sort_to_indices(column, Some(options), Some(20)).map_err(CliError::internal)?;
    take_record_batch(batch, &indices).map_err(CliError::internal)
}

fn print_concentration(c: &crimescope_engine::hotspots::Concentration, format: MapFormat) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match format {
        MapFormat::Json => {
            for n in &c.notes {
                crate::terminal::note(n);
            }
            write_json(&mut out, c)
        }
        _ => {
            if format == MapFormat::Table {
                for n in &c.notes {
                    writeln!(out, "{n}").map_err(CliError::io)?;
                }
            } else {
                for n in &c.notes {
                    crate::terminal::note(n);
                }
            }
            writeln!(
                out,
                "unit,units,incidents,gini,generalized_gini,share_holding_50pct,share_holding_25pct"
            )
            .map_err(CliError::io)?;
            let f = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:.4}"));
            for r in &c.rows {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{}",
                    r.unit,
                    r.units,
                    r.incidents,
                    f(r.gini),
                    f(r.generalized_gini),
                    f(r.share_holding_50),
                    f(r.share_holding_25)
                )
                .map_err(CliError::io)?;
            }
            if let Some(n) = c.nearest_neighbour {
                writeln!(
                    out,
                    "nearest neighbour index (Clark & Evans): R = {:.4} (observed mean {:.1} m, expected {:.1} m), z = {:.2}, p = {:.4}, n = {}",
                    n.ratio, n.observed_mean, n.expected_mean, n.z, n.p, n.n
                )
                .map_err(CliError::io)?;
            }
            Ok(())
        }
    }
}
