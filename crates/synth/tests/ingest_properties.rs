//! Property tests of the readers: real rows of every built-in profile (from the
//! generator) and of a mapping profile (a bundled partner file), mutated with quotes,
//! delimiters, line ends, BOMs, invalid UTF-8, NUL bytes, huge fields and truncation,
//! and arbitrary bytes after a real header. Properties: no panic; an error, if any, is
//! the user's (a header no profile knows), never a defect; `rows_read = loaded +
//! rejected + duplicates` for every file; every reject names its line and reason, and
//! `rejects` holds exactly `rows_rejected` rows.
//!
//! `.ci/run` runs the default number of cases (48 per property); a longer run:
//! `PROPTEST_CASES=5000 cargo test -p crimescope-synth --test ingest_properties --release`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arrow::array::{Array, AsArray};
use arrow::datatypes::UInt64Type;
use crimescope_ingest::pseudonym::PseudonymKey;
use crimescope_ingest::{IngestOptions, MappingProfile, NoProgress, Profile, ingest, read_manifest};
use proptest::prelude::*;

/// A real file to mutate: its name, header line, some data lines, and the mapping
/// profile that reads it (for a partner file without a built-in profile).
#[derive(Debug)]
struct Seed {
    name: String,
    header: Vec<u8>,
    rows: Vec<Vec<u8>>,
    mapping: Option<PathBuf>,
}

fn seeds() -> &'static Vec<Seed> {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut options =
            crimescope_synth::GenerateOptions::new(crimescope_synth::Scale::Coventry, 2025, 7, dir.path().into());
        options.volume_factor = 0.05;
        crimescope_synth::generate(&options).unwrap();
        let mut seeds = Vec::new();
        let mut found = std::collections::BTreeSet::new();
        let mut files = Vec::new();
        collect_csv(dir.path(), &mut files);
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            let header: Vec<String> = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(&bytes[..])
                .records()
                .next()
                .and_then(Result::ok)
                .map(|r| r.iter().map(|f| f.trim_start_matches('\u{feff}').to_string()).collect())
                .unwrap_or_default();
            let Some(profile) = Profile::detect(&header) else {
                continue;
            };
            if !found.insert(profile.name()) {
                continue;
            }
            seeds.push(seed_from(&file, &bytes, None));
        }
        assert!(found.len() >= 5, "a seed for each generated profile: {found:?}");
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let partner = fixtures.join("partner/fire-year-month-day.csv");
        let bytes = std::fs::read(&partner).unwrap();
        seeds.push(seed_from(
            &partner,
            &bytes,
            Some(fixtures.join("profiles/fire-year-month-day.toml")),
        ));
        seeds
    })
}

fn collect_csv(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_csv(&path, out);
        } else if path.extension().is_some_and(|e| e == "csv") {
            out.push(path);
        }
    }
}

fn seed_from(file: &Path, bytes: &[u8], mapping: Option<PathBuf>) -> Seed {
    let mut lines = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec);
    let header = lines.next().unwrap();
    let rows: Vec<Vec<u8>> = lines.filter(|l| !l.is_empty()).take(40).collect();
    assert!(rows.len() >= 5, "{}", file.display());
    Seed {
        name: file.file_name().unwrap().to_string_lossy().into_owned(),
        header,
        rows,
        mapping,
    }
}

/// One structured change to a file's bytes, at a position taken modulo its length.
#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, &'static [u8]),
    Delete(usize, usize),
    HugeField(usize, usize),
    Truncate(usize),
    Bom,
    CrLf,
    LoneCr,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let inserts: Vec<&'static [u8]> = vec![
        b"\"",
        b",",
        b"\n",
        b"\r\n",
        b"\r",
        b"\"\"",
        b",,,",
        b"\xff",
        b"\xe9",
        b"\xc3",
        b"\0",
        b"\xef\xbb\xbf",
        b";",
        b"\t",
        b"-999",
        b"2024-13",
        b"NaN",
        b"1e309",
        b"\"a,b\"",
    ];
    prop_oneof![
        (any::<usize>(), proptest::sample::select(inserts)).prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<usize>(), 1usize..200_000).prop_map(|(at, n)| Mutation::HugeField(at, n)),
        any::<usize>().prop_map(Mutation::Truncate),
        Just(Mutation::Bom),
        Just(Mutation::CrLf),
        Just(Mutation::LoneCr),
    ]
}

fn apply(body: &mut Vec<u8>, m: &Mutation) {
    let at = |p: usize, body: &Vec<u8>| if body.is_empty() { 0 } else { p % (body.len() + 1) };
    match m {
        Mutation::Insert(p, bytes) => {
            let i = at(*p, body);
            body.splice(i..i, bytes.iter().copied());
        }
        Mutation::Delete(p, n) => {
            let i = at(*p, body);
            let end = (i + n).min(body.len());
            body.drain(i..end);
        }
        Mutation::HugeField(p, n) => {
            let i = at(*p, body);
            body.splice(i..i, std::iter::repeat_n(b'x', *n));
        }
        Mutation::Truncate(p) => {
            let i = at(*p, body);
            body.truncate(i);
        }
        Mutation::Bom => body.splice(0..0, *b"\xef\xbb\xbf").for_each(drop),
        Mutation::CrLf => {
            *body = body
                .iter()
                .flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] })
                .collect();
        }
        Mutation::LoneCr => {
            for b in body.iter_mut().filter(|b| **b == b'\n') {
                *b = b'\r';
            }
        }
    }
}

/// Ingest `bytes` as the seed's file into a new store and check the properties.
fn check(seed: &Seed, bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(&seed.name);
    std::fs::write(&input, bytes).unwrap();
    let store = dir.path().join("store");
    let options = IngestOptions::default()
        .with_key(PseudonymKey::from_bytes(b"property tests: not a real key").unwrap())
        .with_mapping(seed.mapping.as_deref().map(|p| MappingProfile::load(p).unwrap()))
        .with_threads(1);
    let report = match ingest(&store, std::slice::from_ref(&input), &options, &NoProgress) {
        Ok(report) => report,
        Err(e) => {
            prop_assert!(e.is_user_error(), "a defect for a bad file: {e}");
            return Ok(());
        }
    };
    for f in &report.files {
        prop_assert!(f.counts.reconciles(), "{f:?}");
    }
    let manifest = read_manifest(&store).unwrap();
    let mut rejects = 0u64;
    for output in manifest.outputs_of("rejects") {
        for batch in crimescope_ingest::store::output_reader(&store, output)
            .unwrap()
            .build()
            .unwrap()
        {
            let batch = batch.unwrap();
            let lines = batch
                .column_by_name("source_line")
                .unwrap()
                .as_primitive::<UInt64Type>();
            let reasons = batch.column_by_name("reason").unwrap();
            prop_assert_eq!(lines.null_count() + reasons.null_count(), 0);
            prop_assert!(
                lines.values().iter().all(|&l| l >= 2),
                "a reject before the first data line"
            );
            rejects += batch.num_rows() as u64;
        }
    }
    prop_assert_eq!(rejects, report.totals.rows_rejected);
    Ok(())
}

fn file_of(seed: &Seed, rows: usize) -> Vec<u8> {
    let mut bytes = seed.header.clone();
    for row in seed.rows.iter().take(rows.max(1)) {
        bytes.push(b'\n');
        bytes.extend_from_slice(row);
    }
    bytes.push(b'\n');
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// Real rows with structured mutations anywhere in the file, header included.
    #[test]
    fn mutated_real_rows_reconcile(seed in 0usize..64, rows in 1usize..40,
                                   mutations in proptest::collection::vec(mutation(), 1..6)) {
        let seed = &seeds()[seed % seeds().len()];
        let mut bytes = file_of(seed, rows);
        for m in &mutations {
            apply(&mut bytes, m);
        }
        check(seed, &bytes)?;
    }

    /// A real header followed by arbitrary bytes.
    #[test]
    fn arbitrary_bytes_after_a_real_header_reconcile(seed in 0usize..64,
                                                     body in proptest::collection::vec(any::<u8>(), 0..4000)) {
        let seed = &seeds()[seed % seeds().len()];
        let mut bytes = seed.header.clone();
        bytes.push(b'\n');
        bytes.extend_from_slice(&body);
        check(seed, &bytes)?;
    }
}

/// Cases per property: `PROPTEST_CASES`, else 48.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}
