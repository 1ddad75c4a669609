//! # crimescope-synth
//!
//! Seeded synthetic years of every source crimescope reads, with planted, known
//! patterns, for tests, the demo and the year-scale benchmarks. The formats are those
//! of `docs/formats.md`; the planted truths are written to `truth.json`.
//!
//! ```no_run
//! use crimescope_synth::{generate, GenerateOptions, Scale};
//! let report = generate(&GenerateOptions::new(Scale::Coventry, 2025, 42, "synthetic".into()))?;
//! println!("{} police.uk rows", report.police_uk_rows);
//! # Ok::<(), crimescope_synth::SynthError>(())
//! ```
//!
//! Determinism: every force-year draws from its own ChaCha8 stream derived from the
//! seed and a label, so the same seed gives byte-identical files on any machine and any
//! number of threads.
#![warn(missing_docs)]

pub mod events;
pub mod geography;
pub mod profiles;
pub mod rng;
pub mod write;

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use crate::events::{ForceModel, Hotspot, Plant, Volumes};
use crate::geography::{FORCES, ForceArea, coventry_lsoas, force_index, places, synthetic_lsoas};
use crate::rng::{Rng, Weighted, stream};

/// An error while generating.
#[derive(Debug, Error)]
pub enum SynthError {
    /// Writing a file failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Bundled data could not be read (a defect).
    #[error("bundled data {what}: {message}")]
    Data {
        /// Which data.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// An option is out of range.
    #[error("{0}")]
    Options(String),
}

impl SynthError {
    /// An I/O error at a path.
    pub fn io(path: &Path, source: std::io::Error) -> SynthError {
        SynthError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The size of the generated world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    /// One CSP of about 350,000 residents in the real Coventry LSOAs: about 30,000
    /// crimes, 8,000 ASB incidents, 1,500 deliberate fires, a probation cohort of 2,000.
    Coventry,
    /// The West Midlands force: about 350,000 crimes a year (Coventry's real LSOAs plus
    /// synthetic ones).
    WestMidlands,
    /// The 43 forces of England and Wales: about 7 million police.uk rows a year.
    National,
}

impl Scale {
    /// The name used on the command line and in `truth.json`.
    pub fn name(self) -> &'static str {
        match self {
            Scale::Coventry => "coventry",
            Scale::WestMidlands => "west-midlands",
            Scale::National => "national",
        }
    }

    /// Parse a scale name.
    pub fn parse(name: &str) -> Result<Scale, SynthError> {
        match name {
            "coventry" => Ok(Scale::Coventry),
            "west-midlands" => Ok(Scale::WestMidlands),
            "national" => Ok(Scale::National),
            other => Err(SynthError::Options(format!(
                "unknown scale '{other}'; use coventry, west-midlands or national"
            ))),
        }
    }
}

/// Options for [`generate`].
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// The size of the world.
    pub scale: Scale,
    /// The current year; the year before is generated too, as the comparison period.
    pub year: i32,
    /// The seed.
    pub seed: u64,
    /// The output folder.
    pub out: PathBuf,
    /// Plant a stated number of bad rows in the first police.uk file.
    pub with_errors: bool,
    /// Multiply every volume (1.0 is the documented scale); geography is unchanged.
    pub volume_factor: f64,
    /// Years written, ending with `year` (default 2: the year and the one before). With
    /// more, the earlier years come first in the model, so victims carry over from them.
    pub years: u32,
}

impl GenerateOptions {
    /// Options at the documented volume, without planted errors.
    pub fn new(scale: Scale, year: i32, seed: u64, out: PathBuf) -> GenerateOptions {
        GenerateOptions {
            scale,
            year,
            seed,
            out,
            with_errors: false,
            volume_factor: 1.0,
            years: 2,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct GenerateReport {
    /// Files written.
    pub files: usize,
    /// police.uk street rows (both years, planted errors included).
    pub police_uk_rows: u64,
    /// force-crime rows.
    pub force_crime_rows: u64,
    /// council-asb rows.
    pub council_asb_rows: u64,
    /// fire-irs rows.
    pub fire_irs_rows: u64,
    /// probation-cohort rows.
    pub probation_cohort_rows: u64,
    /// probation-reoffences rows.
    pub probation_reoffence_rows: u64,
    /// Wall time in seconds.
    pub seconds: f64,
}

struct ForcePlan {
    slug: &'static str,
    lsoas: LsoaSource,
    places_per_lsoa: usize,
    volumes: Volumes,
    cohort: usize,
}

enum LsoaSource {
    Coventry,
    CoventryAndSynthetic { centre: (f64, f64), count: usize },
    Synthetic { centre: (f64, f64), count: usize },
}

fn plan(scale: Scale, factor: f64) -> Vec<ForcePlan> {
    let v = |crimes: f64, asb: f64, fires: f64| Volumes {
        crimes: (crimes * factor).round() as usize,
        police_asb: (asb * factor).round() as usize,
        council_asb: (asb * factor).round() as usize,
        deliberate_fires: (fires * factor).round() as usize,
    };
    match scale {
        Scale::Coventry => vec![ForcePlan {
            slug: "west-midlands",
            lsoas: LsoaSource::Coventry,
            places_per_lsoa: 60,
            volumes: v(30_000.0, 8_000.0, 1_500.0),
            cohort: (2_000.0 * factor).round() as usize,
        }],
        Scale::WestMidlands => vec![ForcePlan {
            slug: "west-midlands",
            lsoas: LsoaSource::CoventryAndSynthetic {
                centre: (-1.98, 52.48),
                count: 1_450,
            },
            places_per_lsoa: 30,
            volumes: v(350_000.0, 93_000.0, 17_000.0),
            cohort: (23_000.0 * factor).round() as usize,
        }],
        Scale::National => {
            let population: f64 = FORCES.iter().map(|f| f.3).sum();
            FORCES
                .iter()
                .map(|&(slug, lon, lat, millions)| {
                    let share = millions / population;
                    let per_350k = millions / 0.35;
                    let count = ((millions * 1e6 / 1_600.0) as usize).max(20);
                    ForcePlan {
                        slug,
                        lsoas: if slug == "west-midlands" {
                            LsoaSource::CoventryAndSynthetic {
                                centre: (lon, lat),
                                count: count.saturating_sub(195),
                            }
                        } else {
                            LsoaSource::Synthetic {
                                centre: (lon, lat),
                                count,
                            }
                        },
                        places_per_lsoa: 15,
                        volumes: v(6_000_000.0 * share, 1_000_000.0 * share, 1_500.0 * per_350k),
                        cohort: (2_000.0 * per_350k * factor).round() as usize,
                    }
                })
                .collect()
        }
    }
}

/// Generate every format for the chosen scale, the chosen year and the year before, and
/// `truth.json`, into `options.out`.
pub fn generate(options: &GenerateOptions) -> Result<GenerateReport, SynthError> {
    if !(options.volume_factor > 0.0 && options.volume_factor <= 10.0) {
        return Err(SynthError::Options("volume factor must be in (0, 10]".into()));
    }
    if !(2..=10).contains(&options.years) {
        return Err(SynthError::Options(format!(
            "{} years is out of range; write 2 to 10",
            options.years
        )));
    }
    if !(1901..=2199).contains(&options.year) {
        return Err(SynthError::Options(format!(
            "year {} is out of range (1901..=2199)",
            options.year
        )));
    }
    let started = Instant::now();
    let plant = Plant::default();
    let plans = plan(options.scale, options.volume_factor);
    let coventry = coventry_lsoas()?;
    let results: Vec<Result<ForceOutput, SynthError>> = plans
        .par_iter()
        .enumerate()
        .map(|(i, p)| generate_force(options, &plant, p, &coventry, i == 0))
        .collect();
    let mut outputs = Vec::with_capacity(results.len());
    for r in results {
        outputs.push(r?);
    }
    let report = GenerateReport {
        files: outputs.iter().map(|o| o.files).sum::<usize>() + 1,
        police_uk_rows: outputs.iter().map(|o| o.police_uk_rows).sum(),
        force_crime_rows: outputs.iter().map(|o| o.force_crime_rows).sum(),
        council_asb_rows: outputs.iter().map(|o| o.council_asb_rows).sum(),
        fire_irs_rows: outputs.iter().map(|o| o.fire_irs_rows).sum(),
        probation_cohort_rows: outputs.iter().map(|o| o.cohort_rows).sum(),
        probation_reoffence_rows: outputs.iter().map(|o| o.reoffence_rows).sum(),
        seconds: started.elapsed().as_secs_f64(),
    };
    write_truth(options, &plant, &outputs, &report)?;
    Ok(report)
}

struct ForceOutput {
    slug: &'static str,
    lsoas: usize,
    places: usize,
    hotspots: Vec<Hotspot>,
    files: usize,
    police_uk_rows: u64,
    force_crime_rows: u64,
    council_asb_rows: u64,
    fire_irs_rows: u64,
    cohort_rows: u64,
    reoffence_rows: u64,
    crimes_by_year: [usize; 2],
    rising_by_year: [usize; 2],
    burglaries_by_year: [usize; 2],
    near_repeat_burglaries: usize,
    victims: usize,
    repeat_victims: usize,
    offenders: usize,
    repeat_offenders: usize,
    reoffenders: usize,
}

fn generate_force(
    options: &GenerateOptions,
    plant: &Plant,
    plan: &ForcePlan,
    coventry: &[geography::Lsoa],
    first: bool,
) -> Result<ForceOutput, SynthError> {
    let seed = options.seed;
    let index = force_index(plan.slug);
    let mut rng = stream(seed, &format!("lsoas/{}", plan.slug));
    let lsoas = match &plan.lsoas {
        LsoaSource::Coventry => coventry.to_vec(),
        LsoaSource::CoventryAndSynthetic { centre, count } => {
            let mut l = coventry.to_vec();
            l.extend(synthetic_lsoas(plan.slug, *centre, *count, index * 100_000, &mut rng));
            l
        }
        LsoaSource::Synthetic { centre, count } => {
            synthetic_lsoas(plan.slug, *centre, *count, index * 100_000, &mut rng)
        }
    };
    let places = places(seed, plan.slug, index, &lsoas, plan.places_per_lsoa);
    let area = ForceArea {
        slug: plan.slug,
        index,
        name: geography::force_name(plan.slug),
        lsoas,
        places,
    };
    let mut model = ForceModel::new(seed, &area, plant, plan.volumes);
    let first_year = options.year - options.years as i32 + 1;
    let generated: Vec<(i32, events::ForceYear)> = (first_year..=options.year)
        .map(|y| (y, model.year(seed, &area, plant, plan.volumes, y, y == options.year)))
        .collect();
    let years: Vec<(i32, &events::ForceYear)> = generated.iter().map(|(y, fy)| (*y, fy)).collect();
    let (previous, current) = (&generated[generated.len() - 2].1, &generated[generated.len() - 1].1);

    let out = &options.out;
    let police_uk_rows = write::police_uk(
        out,
        seed,
        &area,
        &years,
        plant.no_location_share,
        options.with_errors && first,
    )?;
    let dir = out.join("partners").join(plan.slug);
    let force_crime_rows = write::force_crime(&dir.join(format!("{}-force-crime.csv", plan.slug)), &area, &years)?;
    let council_asb_rows = write::council_asb(&dir.join(format!("{}-council-asb.csv", plan.slug)), &area, &years)?;
    let fire_irs_rows = write::fire_irs(&dir.join(format!("{}-fire-irs.csv", plan.slug)), &area, &years)?;
    let (cohort_rows, reoffence_rows, reoffenders) = probation(&dir, seed, plan, options.year)?;
    let years_written = years.len();

    let rising = profiles::CRIMES
        .iter()
        .position(|c| c.kind == plant.rising_category)
        .unwrap_or(0) as u8;
    let burglary = profiles::CRIMES
        .iter()
        .position(|c| c.kind == crimescope_model::PoliceUkCrimeType::Burglary)
        .unwrap_or(0) as u8;
    let mut victim_counts = std::collections::HashMap::new();
    let mut offender_counts = std::collections::HashMap::new();
    for (_, fy) in &years {
        for c in &fy.crimes {
            for v in &c.victims {
                *victim_counts.entry(*v).or_insert(0usize) += 1;
            }
            for o in &c.offenders {
                *offender_counts.entry(*o).or_insert(0usize) += 1;
            }
        }
    }
    let count = |fy: &events::ForceYear, cat: u8| fy.crimes.iter().filter(|c| c.category == cat).count();
    Ok(ForceOutput {
        slug: plan.slug,
        lsoas: area.lsoas.len(),
        places: area.places.len(),
        hotspots: model.hotspots.clone(),
        files: 12 * years_written + 5,
        police_uk_rows,
        force_crime_rows,
        council_asb_rows,
        fire_irs_rows,
        cohort_rows,
        reoffence_rows,
        crimes_by_year: [previous.crimes.len(), current.crimes.len()],
        rising_by_year: [count(previous, rising), count(current, rising)],
        burglaries_by_year: [count(previous, burglary), count(current, burglary)],
        near_repeat_burglaries: years
            .iter()
            .map(|(_, fy)| fy.crimes.iter().filter(|c| c.near_repeat).count())
            .sum(),
        victims: victim_counts.len(),
        repeat_victims: victim_counts.values().filter(|&&n| n >= 2).count(),
        offenders: offender_counts.len(),
        repeat_offenders: offender_counts.values().filter(|&&n| n >= 2).count(),
        reoffenders,
    })
}

/// The probation cohort (starting during the year before the current one) and its
/// re-offences: about 25% proven re-offending under the Ministry of Justice definition
/// (an offence committed within 12 months of the cohort start and proven by conviction
/// within that year or a further 6 months; MoJ, *Proven reoffending statistics: guide*),
/// plus re-offences outside the window that must not count.
fn probation(dir: &Path, seed: u64, plan: &ForcePlan, year: i32) -> Result<(u64, u64, usize), SynthError> {
    use write::{CsvFile, PROBATION_COHORT_HEADER, PROBATION_REOFFENCES_HEADER, date};
    let mut rng = stream(seed, &format!("probation/{}", plan.slug));
    let mut cohort = CsvFile::create(
        &dir.join(format!("{}-probation-cohort.csv", plan.slug)),
        PROBATION_COHORT_HEADER,
    )?;
    let mut reoffences = CsvFile::create(
        &dir.join(format!("{}-probation-reoffences.csv", plan.slug)),
        PROBATION_REOFFENCES_HEADER,
    )?;
    let shares: Vec<f64> = profiles::CRIMES.iter().map(|c| c.share).collect();
    let offence = Weighted::new(&shares);
    let start0 = crimescope_model::days_from_civil(year - 1, 1, 1);
    // CRNs: a letter and six digits, unique across the 43 forces.
    let index = force_index(plan.slug);
    let letter = char::from(b'A' + (index % 26) as u8);
    let base = (index / 26) * 500_000;
    let mut reoffenders = 0;
    for i in 0..plan.cohort {
        let crn = format!("{letter}{:06}", base + i + 1);
        let start = start0 + rng.random_range(0..365);
        let sentence = ["custody", "community order", "suspended sentence"][rng.random_range(0..3)];
        let tier = ["A", "B", "C", "D"][Weighted::new(&[0.2, 0.35, 0.3, 0.15]).sample(&mut rng)];
        let iom = if rng.random::<f64>() < 0.1 { "Y" } else { "N" };
        let index = profiles::CRIMES[offence.sample(&mut rng)].kind.name();
        cohort.row(format_args!("{crn},{},{index},{sentence},{tier},{iom}", date(start)))?;
        let roll: f64 = rng.random();
        let mut write_offence = |rng: &mut rand_chacha::ChaCha8Rng, offence_day: i32, conviction_day: i32| {
            let cat = profiles::CRIMES[offence.sample(rng)].kind.name();
            reoffences.row(format_args!(
                "{crn},{},{},{cat}",
                date(offence_day),
                date(conviction_day)
            ))
        };
        if roll < 0.25 {
            reoffenders += 1;
            let n = if rng.random::<f64>() < 0.3 { 2 } else { 1 };
            for _ in 0..n {
                let at = start + rng.random_range(1..=365);
                let convicted = at + rng.random_range(7..=180);
                write_offence(&mut rng, at, convicted)?;
            }
        } else if roll < 0.33 {
            // Re-offended after the 12-month window: not proven re-offending.
            let at = start + rng.random_range(366..=540);
            let convicted = at + rng.random_range(7..=120);
            write_offence(&mut rng, at, convicted)?;
        } else if roll < 0.36 {
            // Committed within 12 months but convicted after the further 6 months: not counted.
            let at = start + rng.random_range(200..=365);
            let convicted = start + rng.random_range(560..=700);
            write_offence(&mut rng, at, convicted)?;
        }
    }
    Ok((cohort.finish()?, reoffences.finish()?, reoffenders))
}

#[derive(Serialize)]
struct Truth<'a> {
    generator: &'static str,
    seed: u64,
    scale: Scale,
    year: i32,
    previous_year: i32,
    volume_factor: f64,
    plant: &'a Plant,
    hotspots: Vec<&'a Hotspot>,
    rising_category: serde_json::Value,
    near_repeat: serde_json::Value,
    repeat_victims: usize,
    victims: usize,
    repeat_offenders: usize,
    offenders: usize,
    proven_reoffending: serde_json::Value,
    forces: Vec<serde_json::Value>,
    planted_errors: Vec<serde_json::Value>,
    /// The report without its wall time, so that truth.json is byte-identical per seed.
    rows: serde_json::Value,
}

fn write_truth(
    options: &GenerateOptions,
    plant: &Plant,
    outputs: &[ForceOutput],
    report: &GenerateReport,
) -> Result<(), SynthError> {
    let sum = |f: &dyn Fn(&ForceOutput) -> usize| outputs.iter().map(f).sum::<usize>();
    let (rise0, rise1) = (sum(&|o| o.rising_by_year[0]), sum(&|o| o.rising_by_year[1]));
    let cohort = report.probation_cohort_rows as usize;
    let reoffenders = sum(&|o| o.reoffenders);
    let planted_errors: Vec<serde_json::Value> = if options.with_errors {
        let first = outputs.first().map_or("", |o| o.slug);
        let file = format!(
            "police-uk/{y}-01/{y}-01-{first}-street.csv",
            y = options.year - options.years as i32 + 1
        );
        write::PLANTED_ERRORS
            .iter()
            .map(|(_, reason)| serde_json::json!({"file": file, "reason": reason}))
            .chain([serde_json::json!({"file": file, "reason": "invalid_utf8"})])
            .collect()
    } else {
        Vec::new()
    };
    let truth = Truth {
        generator: concat!("crimescope-synth ", env!("CARGO_PKG_VERSION")),
        seed: options.seed,
        scale: options.scale,
        year: options.year,
        previous_year: options.year - 1,
        volume_factor: options.volume_factor,
        plant,
        hotspots: outputs.iter().flat_map(|o| &o.hotspots).collect(),
        rising_category: serde_json::json!({
            "category": plant.rising_category.name(),
            "percent": plant.rising_percent,
            "previous": rise0,
            "current": rise1,
        }),
        near_repeat: serde_json::json!({
            "category": "Burglary",
            "radius_m": plant.near_repeat_radius_m,
            "days": plant.near_repeat_days,
            "probability": plant.near_repeat_probability,
            "burglaries": [sum(&|o| o.burglaries_by_year[0]), sum(&|o| o.burglaries_by_year[1])],
            "contagion_burglaries": sum(&|o| o.near_repeat_burglaries),
        }),
        repeat_victims: sum(&|o| o.repeat_victims),
        victims: sum(&|o| o.victims),
        repeat_offenders: sum(&|o| o.repeat_offenders),
        offenders: sum(&|o| o.offenders),
        proven_reoffending: serde_json::json!({
            "cohort": cohort,
            "reoffenders": reoffenders,
            "rate": if cohort > 0 { reoffenders as f64 / cohort as f64 } else { 0.0 },
            "planted_rate": 0.25,
        }),
        forces: outputs
            .iter()
            .map(|o| {
                serde_json::json!({
                    "slug": o.slug,
                    "lsoas": o.lsoas,
                    "places": o.places,
                    "crimes": {(options.year - 1).to_string(): o.crimes_by_year[0], options.year.to_string(): o.crimes_by_year[1]},
                })
            })
            .collect(),
        planted_errors,
        rows: {
            let mut v = serde_json::to_value(report).unwrap_or_default();
            if let Some(map) = v.as_object_mut() {
                map.remove("seconds");
            }
            v
        },
    };
    let path = options.out.join("truth.json");
    let json = serde_json::to_vec_pretty(&truth).map_err(|e| SynthError::Data {
        what: "truth.json".into(),
        message: e.to_string(),
    })?;
    std::fs::write(&path, json).map_err(|e| SynthError::io(&path, e))
}
