//! Partner data as it arrives: a date split over columns with a full month name, people
//! in a mapped file, empty optional fields, and local clock times across the two
//! clock changes. Expected values are computed here from the CSV text, independently of
//! crimescope's readers.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::TimestampMillisecondType;
use common::*;
use crimescope_ingest::mapping::MappingProfile;
use crimescope_ingest::pseudonym::PseudonymKey;
use crimescope_ingest::{IngestOptions, IngestReport, NoProgress, ingest};
use crimescope_model::days_from_civil;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn key() -> PseudonymKey {
    PseudonymKey::from_bytes(b"partner data test key, not for real data").unwrap()
}

/// A mapping profile for an ASB log with columns case, opened (a date), victim, type.
fn asb_log_with_victims() -> MappingProfile {
    MappingProfile::parse(
        "name = \"p\"\nsource = \"asb\"\n[columns]\nrecord_id = \"case\"\noccurred_at = \"opened\"\ncategory = \"type\"\n\
         [formats]\noccurred_at = \"%Y-%m-%d\"\n[parties]\nvictim = \"victim\"\n",
        "p.toml",
    )
    .unwrap()
}

fn ingest_with(store: &Path, paths: &[std::path::PathBuf], mapping: Option<MappingProfile>) -> IngestReport {
    let options = IngestOptions::default().with_key(key()).with_mapping(mapping);
    ingest(store, paths, &options, &NoProgress).expect("ingest succeeds")
}

fn timestamps(batches: &[arrow::array::RecordBatch], column: &str) -> Vec<Option<i64>> {
    let mut out = Vec::new();
    for b in batches {
        let col = b
            .column_by_name(column)
            .unwrap()
            .as_primitive::<TimestampMillisecondType>();
        out.extend((0..col.len()).map(|i| col.is_valid(i).then(|| col.value(i))));
    }
    out
}

fn month_index(name: &str) -> u32 {
    MONTHS.iter().position(|m| *m == name).unwrap() as u32 + 1
}

/// Milliseconds of a civil date and time, as if UTC.
fn civil_ms(y: i32, m: u32, d: u32, hh: i64, mm: i64, ss: i64) -> i64 {
    (i64::from(days_from_civil(y, m, d)) * 86_400 + hh * 3600 + mm * 60 + ss) * 1000
}

/// The last Sunday of a month (1970-01-01 was a Thursday).
fn last_sunday(y: i32, m: u32) -> u32 {
    let next = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    };
    let last = next - 1;
    let weekday = (last + 3).rem_euclid(7); // 0 = Monday ... 6 = Sunday
    let sunday = last - (weekday - 6).rem_euclid(7);
    (sunday - days_from_civil(y, m, 1) + 1) as u32
}

/// The UTC instant of a UK clock time under the rules documented in
/// crimescope_ingest::local_time (summer time from 01:00 UTC on the last Sunday of March
/// to 01:00 UTC on the last Sunday of October; the repeated hour read as summer time,
/// the missing hour read as winter time), computed without the tz database.
fn uk_clock_to_utc(y: i32, m: u32, d: u32, hh: i64, mm: i64, ss: i64) -> i64 {
    let local = civil_ms(y, m, d, hh, mm, ss);
    let spring = civil_ms(y, 3, last_sunday(y, 3), 1, 0, 0); // local 01:00 GMT = 01:00 UTC
    let autumn = civil_ms(y, 10, last_sunday(y, 10), 1, 0, 0); // local 01:00 GMT after the change
    let hour = 3_600_000;
    // Before 02:00 on the spring day (the missing hour 01:00-01:59 included) the winter
    // offset; up to 01:59 on the autumn day the first (summer) reading.
    let summer = local >= spring + hour && local < autumn + hour;
    if summer { local - hour } else { local }
}

#[test]
fn a_date_split_over_columns_with_month_names_loads_every_row_and_its_months() {
    let file = fixtures().join("partner/fire-year-month-day.csv");
    let rows = naive_csv(&std::fs::read_to_string(&file).unwrap());
    let data = &rows[1..];
    let profile = MappingProfile::load(&fixtures().join("profiles/fire-year-month-day.toml")).unwrap();
    let store = tempfile::tempdir().unwrap();
    let report = ingest_with(store.path(), std::slice::from_ref(&file), Some(profile));
    assert_eq!(report.totals.rows_loaded, data.len() as u64, "every row loads");
    assert_eq!(
        (report.totals.clock_missing_hour, report.totals.clock_repeated_hour),
        (1, 1)
    );

    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for r in data {
        *expected
            .entry(format!("{}-{:02}", r[1], month_index(&r[2])))
            .or_default() += 1;
    }
    let incidents = read_table(store.path(), "incidents");
    let mut stored: BTreeMap<String, usize> = BTreeMap::new();
    for b in &incidents {
        let col = b
            .column_by_name("month")
            .unwrap()
            .as_primitive::<arrow::datatypes::Date32Type>();
        for d in col.values() {
            let m = crimescope_model::Month::from_date32(*d).unwrap();
            *stored.entry(m.to_string()).or_default() += 1;
        }
    }
    assert_eq!(stored, expected);
    assert!(expected.len() > 12, "the fixture spans many months");

    // Every time is the UK clock time converted to UTC, on both clock-change nights too.
    let ids = record_ids(&incidents);
    let times = timestamps(&incidents, "occurred_at");
    let mut checked = BTreeSet::new();
    for (id, t) in ids.iter().zip(&times) {
        let r = data.iter().find(|r| Some(&r[0]) == id.as_ref()).unwrap();
        let hms: Vec<i64> = r[4].split(':').map(|p| p.parse().unwrap()).collect();
        let (y, m, d) = (r[1].parse().unwrap(), month_index(&r[2]), r[3].parse().unwrap());
        assert_eq!(*t, Some(uk_clock_to_utc(y, m, d, hms[0], hms[1], hms[2])), "{}", r[0]);
        checked.insert(r[0].clone());
    }
    assert_eq!(checked.len(), data.len());
    let at = |id: &str| times[ids.iter().position(|i| i.as_deref() == Some(id)).unwrap()].unwrap();
    // 01:30 on 29 March 2009 never happened: read as GMT. 01:30 on 25 October happened
    // twice: read as the first, BST.
    assert_eq!(at("20090399001"), civil_ms(2009, 3, 29, 1, 30, 0));
    assert_eq!(at("20091099001"), civil_ms(2009, 10, 25, 0, 30, 0));
}

#[test]
fn a_month_split_over_two_columns_and_a_date_and_time_pair() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cases.csv");
    std::fs::write(
        &file,
        "ref,yr,mon,date,time,kind\n1,2024,march,31/03/2024,01:30,nuisance\n2,2024,MARCH,30/03/2024,23:59,personal\n\
         3,2024,April,01/04/2024,9:05,environmental\n",
    )
    .unwrap();
    let month_only = MappingProfile::parse(
        "name = \"m\"\nsource = \"asb\"\n[columns]\nrecord_id = \"ref\"\nmonth = [\"yr\", \"mon\"]\ncategory = \"kind\"\n\
         [formats]\nmonth = \"%Y %B\"\n",
        "m.toml",
    )
    .unwrap();
    let store = tempfile::tempdir().unwrap();
    let report = ingest_with(store.path(), std::slice::from_ref(&file), Some(month_only));
    assert_eq!(report.totals.rows_loaded, 3);
    let months = strings(&read_table(store.path(), "incidents"), "month");
    assert_eq!(
        months.iter().flatten().filter(|m| m.starts_with("2024-03")).count(),
        2,
        "{months:?}"
    );

    let date_and_time = MappingProfile::parse(
        "name = \"d\"\nsource = \"asb\"\n[columns]\nrecord_id = \"ref\"\noccurred_at = [\"date\", \"time\"]\n\
         category = \"kind\"\n[formats]\noccurred_at = \"%d/%m/%Y %H:%M\"\n",
        "d.toml",
    )
    .unwrap();
    let store = tempfile::tempdir().unwrap();
    ingest_with(store.path(), &[file], Some(date_and_time));
    let incidents = read_table(store.path(), "incidents");
    let mut times: Vec<(String, i64)> = record_ids(&incidents)
        .into_iter()
        .map(Option::unwrap)
        .zip(timestamps(&incidents, "occurred_at").into_iter().map(Option::unwrap))
        .collect();
    times.sort();
    assert_eq!(
        times,
        vec![
            // 31 March 2024 is the spring change: 01:30 is in the missing hour (GMT).
            ("1".to_string(), civil_ms(2024, 3, 31, 1, 30, 0)),
            ("2".to_string(), civil_ms(2024, 3, 30, 23, 59, 0)),
            ("3".to_string(), civil_ms(2024, 4, 1, 8, 5, 0)),
        ]
    );
}

const FORCE_HEADER: &str = "crime_ref,recorded_at,committed_from,committed_to,ho_offence_code,offence_description,\
                            category,easting,northing,uprn,location,victim_id,offender_id,domestic,outcome\n";

#[test]
fn people_in_a_mapped_file_link_to_the_force_extract_and_no_raw_id_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let force = dir.path().join("force.csv");
    std::fs::write(
        &force,
        format!(
            "{FORCE_HEADER}CR1,2025-01-05 10:00,2025-01-05 09:00,,105/01,Assault,Violence and sexual offences,\
             433000,279000,,High St,VICTIM-ALPHA,OFFENDER-BRAVO,,\n"
        ),
    )
    .unwrap();
    let partner = dir.path().join("housing.csv");
    std::fs::write(
        &partner,
        "case,opened,complainant,perpetrators,type\n\
         H1,2025-02-01,victim-alpha,OFFENDER-BRAVO;OFFENDER-CHARLIE,nuisance\n\
         H1,2025-02-01,victim-alpha,OFFENDER-DELTA,nuisance\n\
         H2,2025-02-03,,OFFENDER-CHARLIE,personal\n",
    )
    .unwrap();
    let profile = MappingProfile::parse(
        "name = \"housing-asb\"\nsource = \"asb\"\n[columns]\nrecord_id = \"case\"\noccurred_at = \"opened\"\n\
         category = \"type\"\n[formats]\noccurred_at = \"%Y-%m-%d\"\n[parties]\nvictim = \"complainant\"\n\
         perpetrator = \"perpetrators\"\nseparator = \";\"\n",
        "housing.toml",
    )
    .unwrap();
    let store = tempfile::tempdir().unwrap();
    ingest_with(store.path(), &[force], None);
    let report = ingest_with(store.path(), &[partner], Some(profile));
    assert_eq!(report.totals.rows_loaded, 3);

    // Two cases (H1's second row adds a person, not an incident).
    let incidents = read_table(store.path(), "incidents");
    let housing: Vec<_> = strings(&incidents, "dataset")
        .into_iter()
        .filter(|d| d.as_deref() == Some("housing-asb"))
        .collect();
    assert_eq!(housing.len(), 2);

    let parties = read_table(store.path(), "parties");
    let people: Vec<(String, String, String)> = strings(&parties, "incident_id")
        .into_iter()
        .zip(strings(&parties, "role"))
        .zip(strings(&parties, "person_key"))
        .map(|((i, r), p)| (i.unwrap(), r.unwrap(), p.unwrap()))
        .collect();
    let k = key();
    let person = |raw: &str| k.person_key(raw).unwrap();
    let roles_of = |raw: &str| -> BTreeSet<(String, String)> {
        people
            .iter()
            .filter(|(_, _, p)| *p == person(raw))
            .map(|(i, r, _)| (i.split(':').next().unwrap().to_string(), r.clone()))
            .collect()
    };
    // The same victim and offender under one key in both sources (ids match regardless of case).
    assert_eq!(
        roles_of("VICTIM-ALPHA"),
        BTreeSet::from([
            ("force-crime".to_string(), "victim".to_string()),
            ("housing-asb".to_string(), "victim".to_string())
        ])
    );
    assert_eq!(
        roles_of("OFFENDER-BRAVO"),
        BTreeSet::from([
            ("force-crime".to_string(), "offender".to_string()),
            ("housing-asb".to_string(), "offender".to_string())
        ])
    );
    // Charlie perpetrated both cases; Delta came on H1's second row.
    assert_eq!(
        people
            .iter()
            .filter(|(_, _, p)| *p == person("OFFENDER-CHARLIE"))
            .count(),
        2
    );
    assert_eq!(
        people.iter().filter(|(_, _, p)| *p == person("OFFENDER-DELTA")).count(),
        1
    );
    assert_eq!(people.len(), 2 + 1 + 2 + 1 + 1);

    // No raw id anywhere in the store's files.
    for entry in walk(store.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        for raw in [
            "VICTIM-ALPHA",
            "victim-alpha",
            "OFFENDER-BRAVO",
            "OFFENDER-CHARLIE",
            "OFFENDER-DELTA",
        ] {
            assert!(
                !bytes.windows(raw.len()).any(|w| w == raw.as_bytes()),
                "{raw} found in {}",
                entry.display()
            );
        }
    }
}

#[test]
fn a_mapped_file_with_people_needs_the_key_and_masks_rejected_rows() {
    let dir = tempfile::tempdir().unwrap();
    let partner = dir.path().join("p.csv");
    std::fs::write(&partner, "case,opened,victim,type\nP1,not a date,SECRET-ID,nuisance\n").unwrap();
    let profile = asb_log_with_victims();
    let store = tempfile::tempdir().unwrap();
    let options = IngestOptions::default().with_mapping(profile.clone());
    let err = ingest(store.path(), std::slice::from_ref(&partner), &options, &NoProgress).unwrap_err();
    assert!(err.to_string().contains("key"), "{err}");

    let report = ingest_with(store.path(), &[partner], Some(profile));
    assert_eq!(report.totals.rows_rejected, 1);
    let raw = strings(&read_table(store.path(), "rejects"), "raw_text");
    assert!(raw[0].as_deref().unwrap().contains("[masked]"), "{raw:?}");
    assert!(!raw[0].as_deref().unwrap().contains("SECRET-ID"));
}

#[test]
fn empty_optional_fields_load_and_wrong_values_are_still_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let force = dir.path().join("force.csv");
    std::fs::write(
        &force,
        format!(
            "{FORCE_HEADER}\
             A1,,2025-03-30 01:30,,,,Burglary,,,,,,,,\n\
             A2,2025-10-26 09:00,2025-10-26 01:30,,,,Robbery,433000,279000,,,V1,,,\n\
             A3,2025-06-01 12:00,2025-06-01 10:00,2025-06-01 11:00,,,Drugs,,,,,,,Y,\n\
             B1,,2025-06-01 10:00,2025-06-01 09:00,,,Drugs,,,,,,,,\n\
             B2,,2025-06-01 10:00,,,,Drugs,,,,,,,maybe,\n"
        ),
    )
    .unwrap();
    let store = tempfile::tempdir().unwrap();
    let report = ingest_with(store.path(), &[force], None);
    assert_eq!(
        (report.totals.rows_loaded, report.totals.rows_rejected),
        (3, 2),
        "{report:?}"
    );
    let rejects = read_table(store.path(), "rejects");
    let fields: BTreeSet<_> = strings(&rejects, "field").into_iter().flatten().collect();
    assert_eq!(
        fields,
        BTreeSet::from(["committed_to".to_string(), "domestic".to_string()])
    );

    let incidents = read_table(store.path(), "incidents");
    let ids = record_ids(&incidents);
    let times = timestamps(&incidents, "occurred_at");
    let at = |id: &str| times[ids.iter().position(|i| i.as_deref() == Some(id)).unwrap()].unwrap();
    assert_eq!(at("A1"), civil_ms(2025, 3, 30, 1, 30, 0), "missing hour, read as GMT");
    assert_eq!(at("A2"), civil_ms(2025, 10, 26, 0, 30, 0), "repeated hour, read as BST");
    assert_eq!(at("A3"), civil_ms(2025, 6, 1, 9, 0, 0), "summer time");
    let domestic = bools(&incidents, "domestic");
    assert_eq!(domestic.iter().filter(|d| **d).count(), 1);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn person_ids_under_another_key_are_refused_and_the_store_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let profile = asb_log_with_victims();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let march = write("march.csv", "case,opened,victim,type\nP1,2024-03-02,V-1,nuisance\n");
    let april = write("april.csv", "case,opened,victim,type\nP2,2024-04-02,V-1,nuisance\n");
    let store = tempfile::tempdir().unwrap();
    let manifest = || std::fs::read_to_string(store.path().join("manifest.json")).unwrap();
    let person_key = || {
        let m: crimescope_ingest::store::Manifest = serde_json::from_str(&manifest()).unwrap();
        m.person_key
    };
    ingest_with(store.path(), std::slice::from_ref(&march), Some(profile.clone()));
    assert_eq!(person_key(), Some(key().fingerprint()));

    // Another key (a hex key with one character mistyped reads as a different key).
    let other = PseudonymKey::from_bytes(b"partner data test key, not for real dat4").unwrap();
    assert_ne!(other.fingerprint(), key().fingerprint());
    let with = |key: PseudonymKey, mapping: Option<MappingProfile>| {
        IngestOptions::default().with_key(key).with_mapping(mapping)
    };
    let before = manifest();
    let err = ingest(
        store.path(),
        std::slice::from_ref(&april),
        &with(other.clone(), Some(profile.clone())),
        &NoProgress,
    )
    .unwrap_err();
    assert!(err.is_user_error());
    let message = err.to_string();
    assert!(
        message.contains("april.csv")
            && message.contains(&other.fingerprint())
            && message.contains(&key().fingerprint()),
        "{message}"
    );
    assert_eq!(manifest(), before, "nothing committed");

    // A file without person identifiers writes no person keys: any key will do.
    let fire = fixtures().join("partner/fire-year-month-day.csv");
    let fire_profile = MappingProfile::load(&fixtures().join("profiles/fire-year-month-day.toml")).unwrap();
    ingest(store.path(), &[fire], &with(other, Some(fire_profile)), &NoProgress).unwrap();
    assert_eq!(person_key(), Some(key().fingerprint()));

    // The store's own key still works, and its people link across the two months.
    ingest_with(store.path(), &[april], Some(profile));
    let parties = strings(&read_table(store.path(), "parties"), "person_key");
    assert_eq!(parties.len(), 2);
    assert_eq!(parties[0], parties[1]);
}

#[test]
fn a_person_id_that_is_not_text_rejects_its_row_instead_of_dropping_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let partner = dir.path().join("p.csv");
    let mut bytes = b"case,opened,victim,type\nP1,2024-03-02,V-1,nuisance\nP2,2024-03-03,V-\xff,nuisance\n".to_vec();
    bytes.extend_from_slice(b"P3,2024-03-04,,nuisance\n");
    std::fs::write(&partner, bytes).unwrap();
    let profile = asb_log_with_victims();
    let store = tempfile::tempdir().unwrap();
    let report = ingest_with(store.path(), &[partner], Some(profile));
    // Three rows read: two loaded (an empty id is no person, not an error), one rejected.
    assert_eq!(
        (
            report.totals.rows_read,
            report.totals.rows_loaded,
            report.totals.rows_rejected
        ),
        (3, 2, 1)
    );
    let rejects = read_table(store.path(), "rejects");
    assert_eq!(strings(&rejects, "field"), vec![Some("parties.victim".to_string())]);
    assert_eq!(u64s(&rejects, "source_line"), vec![3]);
    assert_eq!(strings(&read_table(store.path(), "parties"), "person_key").len(), 1);
}

/// A fire-irs extract that repeats an incident id: an exact repeat is dropped, and an id
/// loaded in two versions has both rows flagged `duplicate_id` and counted in
/// `duplicate_ids_flagged`, as a police.uk Crime ID's are (the first version was left
/// unflagged before).
#[test]
fn a_fire_id_in_two_versions_has_both_rows_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("fire-irs-2024.csv");
    std::fs::write(
        &csv,
        "incident_id,call_datetime,incident_type,motive,property_type,easting,northing,uprn,ward_code\n\
         F1,2024-03-01 10:00,primary fire,deliberate,Dwelling,430000,280000,,\n\
         F1,2024-03-01 10:00,primary fire,deliberate,Dwelling,430000,280000,,\n\
         F1,2024-03-01 10:05,primary fire,deliberate,Dwelling,430000,280000,,\n\
         F2,2024-04-02 11:00,secondary fire,accidental,Grass,430100,280100,,\n",
    )
    .unwrap();
    let store = tempfile::tempdir().unwrap();
    let t = &ingest_ok(store.path(), std::slice::from_ref(&csv)).totals;
    assert_eq!(
        (
            t.rows_read,
            t.rows_loaded,
            t.duplicates_dropped,
            t.duplicate_ids_flagged
        ),
        (4, 3, 1, 2),
        "{t:?}"
    );
    let flagged = flags_by_record_id(&read_table(store.path(), "incidents"));
    let id = |s: &str| Some(s.to_string());
    assert_eq!(flagged, [(id("F1"), true), (id("F1"), true), (id("F2"), false)]);
}
