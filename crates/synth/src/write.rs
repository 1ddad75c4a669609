//! Writing the generated incidents in each partner format (docs/formats.md) and as
//! data.police.uk street files.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::SynthError;
use crate::events::{Crime, ForceYear, Minutes};
use crate::geography::{ForceArea, force_name, street_name};
use crate::profiles::{ASB_TYPES, CRIMES, FIRE_KINDS};
use crate::rng::fnv1a;

/// The exact police.uk street header.
pub const STREET_HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";
/// force-crime header.
pub const FORCE_CRIME_HEADER: &str = "crime_ref,recorded_at,committed_from,committed_to,ho_offence_code,offence_description,category,easting,northing,uprn,location,victim_id,offender_id,domestic,outcome";
/// council-asb header.
pub const COUNCIL_ASB_HEADER: &str =
    "case_ref,reported_at,asb_category,asb_type,easting,northing,uprn,location,victim_id,perpetrator_id";
/// fire-irs header.
pub const FIRE_IRS_HEADER: &str =
    "incident_id,call_datetime,incident_type,motive,property_type,easting,northing,uprn,ward_code";
/// probation-cohort header.
pub const PROBATION_COHORT_HEADER: &str = "crn,cohort_start,index_offence,sentence_type,tier,iom";
/// probation-reoffences header.
pub const PROBATION_REOFFENCES_HEADER: &str = "crn,offence_date,conviction_date,offence_category";

/// A buffered CSV file that counts its rows and bytes.
pub struct CsvFile {
    out: BufWriter<File>,
    path: String,
    /// Data rows written.
    pub rows: u64,
}

impl CsvFile {
    /// Create a file and write its header.
    pub fn create(path: &Path, header: &str) -> Result<CsvFile, SynthError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| SynthError::io(dir, e))?;
        }
        let file = File::create(path).map_err(|e| SynthError::io(path, e))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        writeln!(out, "{header}").map_err(|e| SynthError::io(path, e))?;
        Ok(CsvFile {
            out,
            path: path.display().to_string(),
            rows: 0,
        })
    }

    /// Write one data row (already formatted, without the line end).
    pub fn row(&mut self, line: std::fmt::Arguments<'_>) -> Result<(), SynthError> {
        self.rows += 1;
        self.out
            .write_fmt(line)
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|e| SynthError::io(Path::new(&self.path), e))
    }

    /// Write raw bytes as a row (for planted bad rows).
    pub fn raw(&mut self, bytes: &[u8]) -> Result<(), SynthError> {
        self.rows += 1;
        self.out
            .write_all(bytes)
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|e| SynthError::io(Path::new(&self.path), e))
    }

    /// Flush and close.
    pub fn finish(mut self) -> Result<u64, SynthError> {
        self.out.flush().map_err(|e| SynthError::io(Path::new(&self.path), e))?;
        Ok(self.rows)
    }
}

/// A CSV field: quoted (with quotes doubled) when it holds a comma, quote or newline.
pub fn field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// `YYYY-MM-DD HH:MM`.
pub fn datetime(m: Minutes) -> String {
    let (y, mo, d) = crimescope_model::civil_from_days(m.div_euclid(1440) as i32);
    let r = m.rem_euclid(1440);
    format!("{y:04}-{mo:02}-{d:02} {:02}:{:02}", r / 60, r % 60)
}

/// `YYYY-MM-DD`.
pub fn date(days: i32) -> String {
    let (y, mo, d) = crimescope_model::civil_from_days(days);
    format!("{y:04}-{mo:02}-{d:02}")
}

fn month_of(m: Minutes) -> (i32, u32) {
    let (y, mo, _) = crimescope_model::civil_from_days(m.div_euclid(1440) as i32);
    (y, mo)
}

/// Short uppercase initials of a force slug, for reference prefixes (`west-midlands` → `WM`).
pub fn initials(slug: &str) -> String {
    slug.split('-')
        .filter(|w| *w != "and" && *w != "of")
        .map(|w| w[..1].to_uppercase())
        .collect()
}

/// The reference prefix of a force: initials and its number, unique across the 43
/// forces (`west-midlands` → `WM40`, `west-mercia` → `WM39`).
pub fn force_prefix(area: &ForceArea) -> String {
    format!("{}{:02}", initials(area.slug), area.index)
}

/// Whether police.uk publishes this record without a location (a stable hash of its
/// reference, so the choice does not depend on generation order).
fn published_without_location(key: &str, share: f64) -> bool {
    (fnv1a(key) % 10_000) < (share * 10_000.0) as u64
}

/// The police.uk snap point of a place: rounded to a grid of about 170 m × 165 m.
fn snap(lon: f64, lat: f64) -> (f64, f64) {
    ((lon / 0.0025).round() * 0.0025, (lat / 0.0015).round() * 0.0015)
}

/// Write one force's police.uk street files for both years, one per month. Returns
/// rows written.
pub fn police_uk(
    out: &Path,
    seed: u64,
    area: &ForceArea,
    years: &[(i32, &ForceYear)],
    no_location_share: f64,
    planted_errors: bool,
) -> Result<u64, SynthError> {
    let name = force_name(area.slug);
    let mut total = 0;
    for &(year, fy) in years {
        let mut crimes = fy.crimes.iter().peekable();
        let mut asb = fy.police_asb.iter().peekable();
        for month in 1..=12u32 {
            let ym = format!("{year:04}-{month:02}");
            let path = out
                .join("police-uk")
                .join(&ym)
                .join(format!("{ym}-{}-street.csv", area.slug));
            let mut file = CsvFile::create(&path, STREET_HEADER)?;
            while let Some(c) = crimes.next_if(|c| month_of(c.from) == (year, month)) {
                let id = hex::encode(Sha256::digest(format!("{seed}:{}:{}", area.slug, c.seq)));
                let cat = CRIMES[c.category as usize].kind.name();
                let hidden = published_without_location(&id, no_location_share);
                write_street_row(&mut file, area, &name, &ym, &id, c.place, hidden, cat, c.outcome)?;
            }
            while let Some(e) = asb.next_if(|e| month_of(e.at) == (year, month)) {
                write_street_row(
                    &mut file,
                    area,
                    &name,
                    &ym,
                    "",
                    e.place,
                    e.no_location,
                    "Anti-social behaviour",
                    "",
                )?;
            }
            if planted_errors && total == 0 && year == years[0].0 && month == 1 {
                for bad in PLANTED_ERRORS {
                    file.raw(&bad.0.replace("{ym}", &ym).replace("{force}", &name).into_bytes())?;
                }
                file.raw(b"deadbeef,2024-01,Force,Force,-1.5,52.4,On or near \xff\xfe Road,E01009522,Coventry 014A,Burglary,,")?;
            }
            total += file.finish()?;
        }
    }
    Ok(total)
}

/// The rows `--with-errors` plants in the first month's street file of the first force,
/// with the reject reason each must produce. The last planted row (invalid UTF-8) is
/// written separately because it is not valid text.
pub const PLANTED_ERRORS: [(&str, &str); 5] = [
    (
        "e1,2024-13,{force},{force},-1.51,52.41,On or near Mill Road,E01009522,Coventry 014A,Burglary,,",
        "bad_month",
    ),
    (
        "e2,{ym},{force},{force},west,52.41,On or near Mill Road,E01009522,Coventry 014A,Burglary,,",
        "bad_coordinate",
    ),
    (
        "e3,{ym},{force},{force},-1.51,123.0,On or near Mill Road,E01009522,Coventry 014A,Burglary,,",
        "coordinate_out_of_range",
    ),
    (
        "e4,{ym},{force},{force},-1.51,52.41,On or near Mill Road,E01009522,Coventry 014A,Jaywalking,,",
        "unknown_category",
    ),
    (
        "e5,{ym},{force},{force},-1.51,52.41,On or near Mill Road",
        "field_count",
    ),
];

#[allow(clippy::too_many_arguments)]
fn write_street_row(
    file: &mut CsvFile,
    area: &ForceArea,
    force: &str,
    ym: &str,
    id: &str,
    place: u32,
    hidden: bool,
    category: &str,
    outcome: &str,
) -> Result<(), SynthError> {
    if hidden {
        return file.row(format_args!(
            "{id},{ym},{force},{force},,,No Location,,,{category},{outcome},"
        ));
    }
    let p = &area.places[place as usize];
    let lsoa = &area.lsoas[p.lsoa as usize];
    let (lon, lat) = snap(p.lon, p.lat);
    let street = street_name((fnv1a(&format!("{lon:.4},{lat:.4}")) % 128) as u16);
    file.row(format_args!(
        "{id},{ym},{force},{force},{lon:.6},{lat:.6},On or near {street},{},{},{category},{outcome},",
        lsoa.code, lsoa.name
    ))
}

/// Write the force-crime extract: one row per crime, victim and offender.
pub fn force_crime(path: &Path, area: &ForceArea, years: &[(i32, &ForceYear)]) -> Result<u64, SynthError> {
    let mut file = CsvFile::create(path, FORCE_CRIME_HEADER)?;
    let prefix = force_prefix(area);
    for &(year, fy) in years {
        for c in &fy.crimes {
            write_crime(&mut file, area, &prefix, year, c)?;
        }
    }
    file.finish()
}

fn write_crime(file: &mut CsvFile, area: &ForceArea, prefix: &str, year: i32, c: &Crime) -> Result<(), SynthError> {
    let profile = &CRIMES[c.category as usize];
    let p = &area.places[c.place as usize];
    let crime_ref = format!("{prefix}/{:02}/{:07}", year % 100, c.seq);
    let (from, to, recorded) = (datetime(c.from), datetime(c.to), datetime(c.recorded));
    let street = street_name(p.street);
    let victims: Vec<String> = if c.victims.is_empty() {
        vec![String::new()]
    } else {
        c.victims.iter().map(|v| format!("V{prefix}{v:07}")).collect()
    };
    let offenders: Vec<String> = if c.offenders.is_empty() {
        vec![String::new()]
    } else {
        c.offenders.iter().map(|o| format!("O{prefix}{o:07}")).collect()
    };
    for v in &victims {
        for o in &offenders {
            file.row(format_args!(
                "{crime_ref},{recorded},{from},{to},{},{},{},{},{},{},{} {street},{v},{o},{},{}",
                profile.offence.0,
                field(profile.offence.1),
                profile.kind.name(),
                p.easting,
                p.northing,
                p.uprn,
                p.uprn % 97 + 1,
                if c.domestic { "Y" } else { "N" },
                field(c.outcome)
            ))?;
        }
    }
    Ok(())
}

/// Write the council ASB case log.
pub fn council_asb(path: &Path, area: &ForceArea, years: &[(i32, &ForceYear)]) -> Result<u64, SynthError> {
    let mut file = CsvFile::create(path, COUNCIL_ASB_HEADER)?;
    let prefix = force_prefix(area);
    for &(year, fy) in years {
        for (i, e) in fy.council_asb.iter().enumerate() {
            let (category, kind, _) = ASB_TYPES[e.kind as usize];
            let p = &area.places[e.place as usize];
            let victim = e.victim.map(|v| format!("V{prefix}{v:07}")).unwrap_or_default();
            let perpetrator = e.perpetrator.map(|v| format!("P{prefix}{v:07}")).unwrap_or_default();
            file.row(format_args!(
                "ASB-{prefix}-{year}-{i:06},{},{category},{kind},{},{},{},{},{victim},{perpetrator}",
                datetime(e.at),
                p.easting,
                p.northing,
                p.uprn,
                street_name(p.street)
            ))?;
        }
    }
    file.finish()
}

/// Write the fire IRS extract.
pub fn fire_irs(path: &Path, area: &ForceArea, years: &[(i32, &ForceYear)]) -> Result<u64, SynthError> {
    let mut file = CsvFile::create(path, FIRE_IRS_HEADER)?;
    let prefix = force_prefix(area);
    for &(year, fy) in years {
        for (i, e) in fy.fires.iter().enumerate() {
            let (kind, motive, property, _) = FIRE_KINDS[e.kind as usize];
            let p = &area.places[e.place as usize];
            let uprn = if matches!(property, "dwelling" | "other building") {
                p.uprn.to_string()
            } else {
                String::new()
            };
            file.row(format_args!(
                "FRS-{prefix}-{year}-{i:06},{},{kind},{motive},{property},{},{},{uprn},",
                datetime(e.at),
                p.easting,
                p.northing
            ))?;
        }
    }
    file.finish()
}
