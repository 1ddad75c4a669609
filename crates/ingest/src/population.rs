//! `population`: residents by area, for rates per 1,000 residents.
//!
//! The input is a CSV with an area-code column and a population column (ONS mid-year
//! estimates re-saved as CSV, or any table of the same shape). Population is reference
//! data: a bad value stops the load with an error naming the file, line and field, and
//! the store is left unchanged.

use std::path::Path;

use crimescope_model::AreaLevel;

use crate::error::{IngestError, Result};
use crate::store::{PopulationEntry, StoreWriter};
use crate::table_builder::{TableBuilder, Value};

/// Which columns of the input hold what.
#[derive(Debug, Clone)]
pub struct PopulationColumns {
    /// The area-code column (default `area_code`).
    pub code: String,
    /// The population column (default `population`).
    pub population: String,
    /// An optional area-name column (default `area_name`, used when present).
    pub name: String,
}

impl Default for PopulationColumns {
    fn default() -> Self {
        PopulationColumns {
            code: "area_code".into(),
            population: "population".into(),
            name: "area_name".into(),
        }
    }
}

/// Load `file` (CSV, or `.csv.gz`) as the store's population table for `level`,
/// replacing any earlier table at that level.
///
/// Population counts may be written with thousands separators (`1,234` in a quoted
/// field). Each area code may appear once.
pub fn add_population(
    store: &Path,
    file: &Path,
    level: AreaLevel,
    columns: &PopulationColumns,
) -> Result<PopulationEntry> {
    let name = file.display().to_string();
    let (bytes, sha) = crate::records::read_reference_file(file)?;
    let mut records = crate::records::Records::new(&bytes);
    let header = crate::records::header_names(&mut records);
    let col = |wanted: &str| header.iter().position(|h| h.eq_ignore_ascii_case(wanted));
    let (Some(code_col), Some(pop_col)) = (col(&columns.code), col(&columns.population)) else {
        return Err(IngestError::BadValue {
            file: name,
            line: 1,
            field: format!("{} / {}", columns.code, columns.population),
            message: format!(
                "the header needs an area-code column '{}' and a population column '{}' (name others in the \
                 population columns); its columns are: {}",
                columns.code,
                columns.population,
                header.join(", ")
            ),
        });
    };
    let name_col = col(&columns.name);
    let source_file = file
        .file_name()
        .map_or(name.clone(), |n| n.to_string_lossy().into_owned());
    let mut builder = TableBuilder::new(
        crimescope_model::schema::POPULATION_FIELDS,
        crimescope_model::schema::population_schema(),
    );
    let mut seen = std::collections::HashMap::new();
    let mut residents: u64 = 0;
    while let Some(rec) = records.next_record() {
        let line = rec.line;
        let get = |i: usize| rec.fields.get(i).map(|f| String::from_utf8_lossy(f).trim().to_string());
        let bad = |field: &str, message: String| IngestError::BadValue {
            file: name.clone(),
            line,
            field: field.to_string(),
            message,
        };
        let code = get(code_col).unwrap_or_default();
        if code.is_empty() {
            if rec.fields.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue; // a blank line
            }
            return Err(bad(&columns.code, "the area code is empty".into()));
        }
        let raw = get(pop_col).unwrap_or_default();
        let population: u64 = raw.replace(',', "").parse().map_err(|_| {
            bad(
                &columns.population,
                format!("'{raw}' is not a whole number of residents"),
            )
        })?;
        if let Some(first) = seen.insert(code.clone(), line) {
            return Err(bad(
                &columns.code,
                format!("area {code} appears again (first on line {first}); give each area once"),
            ));
        }
        residents += population;
        let area_name = name_col.and_then(get).filter(|n| !n.is_empty());
        builder.push(&[
            Value::Str(level.name()),
            Value::Str(&code),
            area_name.as_deref().map_or(Value::Null, Value::Str),
            Value::U64(population),
            Value::Str(&source_file),
            Value::U64(line),
        ]);
    }
    if seen.is_empty() {
        return Err(IngestError::BadValue {
            file: name,
            line: 1,
            field: columns.population.clone(),
            message: "the file has a header but no areas".into(),
        });
    }
    let batch = builder.finish().map_err(|e| IngestError::Arrow {
        file: name.clone(),
        message: e.to_string(),
    })?;
    let mut writer = StoreWriter::open(store, crimescope_model::HarmWeights::v1().name())?;
    writer.set_population(level.name(), &batch, &name, &sha, residents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn loads_and_totals_residents() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let f = write(
            dir.path(),
            "pop.csv",
            "area_code,area_name,population\nE01000001,City of London 001A,\"1,615\"\nE01000002,City of London 001B,1493\n",
        );
        let entry = add_population(&store, &f, AreaLevel::Lsoa, &PopulationColumns::default()).unwrap();
        assert_eq!(entry.residents, 1615 + 1493);
        assert_eq!(entry.output.rows, 2);
        let manifest = crate::store::read_manifest(&store).unwrap();
        assert_eq!(manifest.population.len(), 1);
        assert!(store.join(&manifest.population[0].output.path).exists());
    }

    #[test]
    fn bad_values_name_file_line_and_field_and_store_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let f = write(
            dir.path(),
            "pop.csv",
            "area_code,population\nE01000001,10\nE01000002,ten\n",
        );
        let e = add_population(&store, &f, AreaLevel::Lsoa, &PopulationColumns::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("pop.csv, line 3, field population") && e.contains("'ten'"),
            "{e}"
        );
        assert!(
            crate::store::read_manifest(&store).is_err(),
            "no store should be created"
        );
        let dup = write(
            dir.path(),
            "dup.csv",
            "area_code,population\nE01000001,10\nE01000001,11\n",
        );
        let e = add_population(&store, &dup, AreaLevel::Lsoa, &PopulationColumns::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("first on line 2"), "{e}");
        // Levels are typed; a level name from a user is checked where it is parsed.
        let e = "county".parse::<AreaLevel>().unwrap_err().to_string();
        assert!(e.contains("not one of lsoa, ward, csp"), "{e}");
        let cols = write(dir.path(), "cols.csv", "code,people\nE01000001,10\n");
        let e = add_population(&store, &cols, AreaLevel::Lsoa, &PopulationColumns::default())
            .unwrap_err()
            .to_string();
        // The library names its parameters; the CLI adds the flags (tests/trend.rs).
        assert!(e.contains("population columns") && e.contains("code, people"), "{e}");
    }
}
