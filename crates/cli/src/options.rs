//! The closed sets of the command line as [`clap::ValueEnum`]s, each mapped to the
//! library's type, and the value parsers for periods and sources.

use clap::ValueEnum;
use crimescope_engine::SessionOptions;
use crimescope_engine::hotspots::TimeStep;
use crimescope_engine::selection::{CrimeSource, Unplaceable};
use crimescope_engine::series::Exposure;
use crimescope_engine::trend::TrendGroup;
use crimescope_model::{AreaLevel, Period, Source};
use crimescope_spatial::Metric;

/// `--period`: an inclusive month range, a single month or a financial year.
pub fn period(text: &str) -> Result<Period, String> {
    text.parse::<Period>().map_err(|e| e.to_string())
}

/// `--source`: police, asb or fire, by name or slug.
pub fn source(text: &str) -> Result<Source, String> {
    Source::lookup(text).map_err(|e| e.to_string())
}

/// The comparison of `--compare`: `year-earlier`, `previous` or a period.
pub type Compare = crimescope_model::Comparison;

/// Parse `--compare`.
pub fn compare(text: &str) -> Result<Compare, String> {
    text.parse::<Compare>().map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// The category.
    Category,
    /// The source (police, asb, fire).
    Source,
    /// The theme (a category may sit in several).
    Theme,
    /// The LSOA.
    Lsoa,
    /// The ward.
    Ward,
    /// The police force.
    Force,
}

impl From<By> for TrendGroup {
    fn from(b: By) -> TrendGroup {
        match b {
            By::Category => TrendGroup::Category,
            By::Source => TrendGroup::Source,
            By::Theme => TrendGroup::Theme,
            By::Lsoa => TrendGroup::Lsoa,
            By::Ward => TrendGroup::Ward,
            By::Force => TrendGroup::Force,
        }
    }
}

/// `--exposure` of `trend --series`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExposureArg {
    /// A c-chart of monthly counts.
    None,
    /// A u-chart of incidents per day.
    Days,
}

impl From<ExposureArg> for Exposure {
    fn from(e: ExposureArg) -> Exposure {
        match e {
            ExposureArg::None => Exposure::None,
            ExposureArg::Days => Exposure::DaysInMonth,
        }
    }
}

/// `--step` of emerging hot spots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StepArg {
    /// Calendar months.
    Month,
    /// Calendar quarters.
    Quarter,
}

impl From<StepArg> for TimeStep {
    fn from(s: StepArg) -> TimeStep {
        match s {
            StepArg::Month => TimeStep::Month,
            StepArg::Quarter => TimeStep::Quarter,
        }
    }
}

impl StepArg {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            StepArg::Month => "month",
            StepArg::Quarter => "quarter",
        }
    }
}

/// `--metric` of `near-repeat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    /// Straight-line distance.
    Euclidean,
    /// |dx| + |dy|.
    Manhattan,
}

impl From<MetricArg> for Metric {
    fn from(m: MetricArg) -> Metric {
        match m {
            MetricArg::Euclidean => Metric::Euclidean,
            MetricArg::Manhattan => Metric::Manhattan,
        }
    }
}

/// `--scale` of `generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScaleArg {
    /// One CSP (Coventry's real LSOAs).
    Coventry,
    /// The West Midlands force.
    WestMidlands,
    /// The 43 forces of England and Wales.
    National,
}

impl From<ScaleArg> for crimescope_synth::Scale {
    fn from(s: ScaleArg) -> crimescope_synth::Scale {
        match s {
            ScaleArg::Coventry => crimescope_synth::Scale::Coventry,
            ScaleArg::WestMidlands => crimescope_synth::Scale::WestMidlands,
            ScaleArg::National => crimescope_synth::Scale::National,
        }
    }
}

/// `--level` of boundaries and populations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    /// LSOAs.
    Lsoa,
    /// Wards.
    Ward,
    /// CSP areas.
    Csp,
}

impl From<LevelArg> for AreaLevel {
    fn from(l: LevelArg) -> AreaLevel {
        match l {
            LevelArg::Lsoa => AreaLevel::Lsoa,
            LevelArg::Ward => AreaLevel::Ward,
            LevelArg::Csp => AreaLevel::Csp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_maps_to_the_library_value_of_the_same_name() {
        for b in By::value_variants() {
            let name = b.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(TrendGroup::from(*b).as_str(), name);
        }
        for l in LevelArg::value_variants() {
            let name = l.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(AreaLevel::from(*l).name(), name);
        }
        for s in ScaleArg::value_variants() {
            let name = s.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(crimescope_synth::Scale::from(*s).name(), name);
        }
        for m in MetricArg::value_variants() {
            let name = m.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(Metric::from(*m).name(), name);
        }
        assert_eq!(compare("previous"), Ok(Compare::Previous));
        assert_eq!(compare("year-earlier"), Ok(Compare::YearEarlier));
        let h2: Period = "2024-07..2024-12".parse().unwrap();
        assert_eq!(Compare::YearEarlier.period_for(h2).to_string(), "2023-07..2023-12");
        assert_eq!(Compare::Previous.period_for(h2).to_string(), "2024-01..2024-06");
        assert_eq!(period("2024/25").unwrap().to_string(), "2024-04..2025-03");
        assert!(compare("2024-13").is_err());
    }
}

/// `--crime-source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CrimeSourceArg {
    /// The force extract for the months it covers, police.uk for the others.
    Auto,
    /// The force extract only.
    Force,
    /// police.uk only.
    #[value(name = "police.uk", alias = "police-uk")]
    PoliceUk,
}

impl From<CrimeSourceArg> for CrimeSource {
    fn from(c: CrimeSourceArg) -> CrimeSource {
        match c {
            CrimeSourceArg::Auto => CrimeSource::Auto,
            CrimeSourceArg::Force => CrimeSource::Force,
            CrimeSourceArg::PoliceUk => CrimeSource::PoliceUk,
        }
    }
}

/// `--unplaceable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnplaceableArg {
    /// Incidents with no LSOA and no point count towards the area.
    Count,
    /// They are left out.
    LeaveOut,
}

/// Which incidents an analysis counts: the partnership's area and one source per crime.
#[derive(Debug, Clone, clap::Args)]
pub struct SelectionOpt {
    /// The partnership's area: a community safety partnership, local authority district
    /// or police force area, by name or ONS code ("Coventry", E22000336). Only its
    /// incidents are counted.
    #[arg(long = "area", value_name = "AREA")]
    pub area: Option<String>,
    /// With --area: whether incidents that cannot be placed count (default: only where
    /// one force polices only the area).
    #[arg(long, value_enum, requires = "area")]
    pub unplaceable: Option<UnplaceableArg>,
    /// Where police-recorded crime is counted from when the store holds police.uk and a
    /// force extract for the same months.
    #[arg(long, value_enum, default_value = "auto")]
    pub crime_source: CrimeSourceArg,
    /// The clock that hours of the day and day boundaries are read on, an IANA zone
    /// name (times are stored in UTC).
    #[arg(long = "timezone", value_name = "ZONE", default_value = "Europe/London")]
    pub clock_zone: String,
}

impl SelectionOpt {
    /// The session options these flags ask for (the area resolved through the bundled
    /// ONS lookups).
    pub fn session_options(&self) -> Result<SessionOptions, crate::error::CliError> {
        let area = match &self.area {
            None => None,
            Some(name) => Some(resolve_area(name, self.unplaceable)?),
        };
        let clock_zone = crimescope_ingest::local_time::LocalZone::parse(&self.clock_zone)
            .map_err(|e| crate::error::CliError::user(format!("--timezone {e}")))?;
        Ok(SessionOptions {
            area,
            crime_source: self.crime_source.into(),
            clock_zone,
            ..SessionOptions::default()
        })
    }
}

/// A partnership area by name or code, with an optional unplaceable rule.
pub fn resolve_area(
    name: &str,
    unplaceable: Option<UnplaceableArg>,
) -> Result<crimescope_engine::selection::AreaSelection, crate::error::CliError> {
    let geography = crimescope_assess::area::OnsGeography::bundled().map_err(crate::error::CliError::internal)?;
    let mut area = geography
        .resolve(name)
        .map_err(|e| crate::error::CliError::user(format!("--area {e}")))?;
    match unplaceable {
        Some(UnplaceableArg::Count) => area.unplaceable = Unplaceable::Count,
        Some(UnplaceableArg::LeaveOut) => area.unplaceable = Unplaceable::LeaveOut,
        None => {}
    }
    Ok(area)
}
