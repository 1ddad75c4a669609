//! `crimescope assess --demo`: build a store from bundled data and return the config
//! that assesses it.

use std::path::{Path, PathBuf};

use crimescope_ingest::pseudonym::PseudonymKey;
use crimescope_ingest::{IngestOptions, ingest};
use crimescope_model::AreaLevel;

use crate::error::CliError;

/// The fixtures folder of the checkout this binary was built from.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

/// Which demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Demo {
    /// Coventry CSP in a synthetic West Midlands force: three years of police.uk files
    /// and the force extract, council ASB, fire and probation, real Coventry LSOA
    /// polygons and deprivation deciles. Every part of the document is produced.
    Coventry,
    /// The real City of London police.uk street files for 2024 (no people, times or
    /// partner data: the parts that need them say why they are not produced).
    CityOfLondon,
}

impl Demo {
    fn folder(self) -> &'static str {
        match self {
            Demo::Coventry => "coventry",
            Demo::CityOfLondon => "city-of-london",
        }
    }
}

/// The files copied beside the demo's config.
const COPIED: &[&str] = &[
    "assessment.toml",
    "consultation.csv",
    "coventry_imd2019_deprivation.csv",
];

/// Build the demo's store under `out/demo` and return the path of its config.
pub fn prepare(demo: Demo, out: &Path) -> Result<PathBuf, CliError> {
    let fixtures = PathBuf::from(FIXTURES);
    let source = fixtures.join("demo").join(demo.folder());
    if !source.join("assessment.toml").is_file() {
        return Err(CliError::user(format!(
            "the demo fixtures are not at {}; run --demo from the crimescope checkout it was built from",
            source.display()
        )));
    }
    let dir = out.join("demo");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(CliError::io)?;
    }
    std::fs::create_dir_all(&dir).map_err(CliError::io)?;
    crate::terminal::info(&format!(
        "building the {} demo store in {}",
        demo.folder(),
        dir.display()
    ));
    let store = dir.join("store");
    let (polygons, code, name) = match demo {
        Demo::Coventry => ("coventry/coventry_lsoa21_wgs84.geojson", "LSOA21CD", "LSOA21NM"),
        Demo::CityOfLondon => ("boundaries/central_london_lsoa11.geojson", "lsoa_code", "lsoa_name"),
    };
    // Boundaries first: ingest places partner points in them.
    crimescope_ingest::boundaries::add_boundaries(&store, &fixtures.join(polygons), AreaLevel::Lsoa, code, name)?;
    let paths = match demo {
        Demo::Coventry => {
            let inputs = dir.join("inputs");
            let mut options =
                crimescope_synth::GenerateOptions::new(crimescope_synth::Scale::WestMidlands, 2025, 42, inputs.clone());
            options.years = 3;
            options.volume_factor = 0.1;
            crimescope_synth::generate(&options).map_err(CliError::internal)?;
            vec![inputs.join("police-uk"), inputs.join("partners")]
        }
        Demo::CityOfLondon => vec![fixtures.join("police-uk").join("city-of-london")],
    };
    let key = PseudonymKey::from_bytes(b"crimescope demo key: not for real data").map_err(CliError::internal)?;
    let options = IngestOptions::default().with_key(key);
    let report =
        ingest(&store, &paths, &options, &crate::progress::StopOnSignal).map_err(crate::signals::from_library)?;
    crate::terminal::info(&format!(
        "demo store: {} rows loaded from {} files",
        report.totals.rows_loaded,
        report.files.len()
    ));
    for name in COPIED {
        if source.join(name).is_file() {
            std::fs::copy(source.join(name), dir.join(name)).map_err(CliError::io)?;
        }
    }
    Ok(dir.join("assessment.toml"))
}
