//! The ingest pipeline: discover inputs, parse them concurrently into staged Parquet,
//! and commit them to the store in one atomic step.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crimescope_model::HarmWeights;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{IngestError, Result};
use crate::file_context::{FileContext, ParsedFile};
use crate::input::{InputFile, discover};
use crate::profiles::Profile;
use crate::progress::Progress;
use crate::records::read_header;
use crate::report::{FileReport, FileStatus, IngestReport};
use crate::store::{FileCounts, FileEntry, StoreWriter, now_rfc3339};

/// The tables whose rows carry pseudonymised person keys.
const PERSON_KEY_TABLES: &[&str] = &["parties", "offenders", "reoffences"];

/// What every file of one ingest shares.
struct Shared<'a> {
    committed: &'a crate::store::Manifest,
    harm: &'a HarmWeights,
    options: &'a IngestOptions,
    staging: &'a Path,
    /// The store writer's files for the commit to sync.
    pending: std::sync::Arc<crate::store::digest::PendingSyncs>,
    /// The store writer's files held in memory for the commit.
    held: std::sync::Arc<crate::store::held::HeldFiles>,
    now: &'a str,
    progress: &'a dyn Progress,
    areas: Option<std::sync::Arc<crate::boundaries::Areas>>,
    /// The pseudonymisation key's fingerprint, when a key was given.
    key_fingerprint: Option<String>,
}

impl Shared<'_> {
    /// This file's view of the boundaries, with its own outside count.
    fn areas(
        &self,
    ) -> Option<(
        std::sync::Arc<crate::boundaries::Areas>,
        std::sync::Arc<std::sync::atomic::AtomicU64>,
    )> {
        self.areas
            .clone()
            .map(|a| (a, std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0))))
    }
}

fn outside_count(
    areas: &Option<(
        std::sync::Arc<crate::boundaries::Areas>,
        std::sync::Arc<std::sync::atomic::AtomicU64>,
    )>,
) -> u64 {
    areas
        .as_ref()
        .map_or(0, |(_, n)| n.load(std::sync::atomic::Ordering::Relaxed))
}

/// Options for [`ingest`]: the defaults, changed with the `with_*` methods, e.g.
/// `IngestOptions::default().with_threads(2)`. Non-exhaustive, so that an option added
/// later breaks no caller; its fields are public to read and to set.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct IngestOptions {
    /// Worker threads for parsing; `None` uses every core.
    pub threads: Option<usize>,
    /// The pseudonymisation key, needed for files with person identifiers.
    pub key: Option<crate::pseudonym::PseudonymKey>,
    /// Read every input with this mapping profile instead of recognising the header.
    pub mapping: Option<crate::mapping::MappingProfile>,
    /// The most bytes of finished `incidents` files to hold in memory until the commit
    /// writes each partition's rows once; past it they are written to the staging
    /// folder first, and the commit copies them. `None`:
    /// [`crate::store::HELD_BYTES_LIMIT`] (a national year of police.uk street files
    /// holds about 350 MB).
    pub held_bytes: Option<u64>,
}

impl IngestOptions {
    /// Parse with this many worker threads (`None`: every core).
    #[must_use]
    pub fn with_threads(mut self, threads: impl Into<Option<usize>>) -> Self {
        self.threads = threads.into();
        self
    }

    /// Pseudonymise person identifiers with this key (`None`: refuse files that hold
    /// them).
    #[must_use]
    pub fn with_key(mut self, key: impl Into<Option<crate::pseudonym::PseudonymKey>>) -> Self {
        self.key = key.into();
        self
    }

    /// Read every input with this mapping profile (`None`: recognise each header).
    #[must_use]
    pub fn with_mapping(mut self, mapping: impl Into<Option<crate::mapping::MappingProfile>>) -> Self {
        self.mapping = mapping.into();
        self
    }

    /// Hold at most this many bytes of finished `incidents` files in memory (`None`:
    /// [`crate::store::HELD_BYTES_LIMIT`]; `0` writes every file to the staging folder
    /// first).
    #[must_use]
    pub fn with_held_bytes(mut self, held_bytes: impl Into<Option<u64>>) -> Self {
        self.held_bytes = held_bytes.into();
        self
    }
}

/// Ingest police.uk CSV files, folders or zip archives into the store at `store`.
///
/// Every row of every file is loaded, rejected (into `rejects`, with its line and
/// reason) or dropped as an exact duplicate, and `rows_read = rows_loaded +
/// rows_rejected + duplicates_dropped` holds per file. Files are parsed concurrently and
/// streamed to Parquet in batches. The whole ingest commits atomically: on any error
/// the store is unchanged.
///
/// ```no_run
/// use std::path::{Path, PathBuf};
/// use crimescope_ingest::{ingest, IngestOptions, NoProgress};
/// let options = IngestOptions::default().with_threads(2); // also with_key, with_mapping, with_held_bytes
/// let report = ingest(Path::new("store"), &[PathBuf::from("downloads/")], &options, &NoProgress)?;
/// assert!(report.files.iter().all(|f| f.counts.reconciles()));
/// # Ok::<(), crimescope_ingest::IngestError>(())
/// ```
pub fn ingest(
    store: &Path,
    paths: &[PathBuf],
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    let harm = HarmWeights::v1();
    // Check the inputs before touching the store.
    let (inputs, repeats) = distinct_inputs(discover(paths)?)?;
    let mut writer = StoreWriter::open(store, harm.name())?;
    ingest_into(&mut writer, &harm, &inputs, repeats, options, progress)
}

/// What reading one input gives: its report, and its manifest entry when it loaded.
type FileResult = Result<(FileReport, Option<FileEntry>)>;

/// The order in which to read `inputs` (indexes into it): by name without a leading
/// `YYYY-MM-` month, then as given. police.uk names its files `2025-01-avon-and-somerset-
/// street.csv`, so a force's months are read one after another, mostly by one worker
/// thread, whose table of recently projected points ([`crate::projection`]) then still
/// holds the force's points: police.uk publishes every crime at one of a fixed set of
/// anonymised points per force. A national year has 2.04 M distinct points counted per
/// file but 0.35 M counted per force, so read month by month, a thread met each force
/// again only after its table had filled with the other 42. The order changes no output:
/// each file is read on its own and the results are kept in the inputs' order.
///
/// Inputs of [`LARGE_INPUT`] bytes or more (partners' extracts: a force's crime extract
/// of a year or two is 100 to 400 MB) come first, largest first. Each needs several
/// times its size while it is read, so they are read while few files are held in
/// memory for the commit ([`crate::store::held`]), and the last file read is a small
/// one rather than one that keeps a thread busy while the others wait.
fn reading_order(inputs: &[InputFile]) -> Vec<usize> {
    let without_month = |name: &str| -> String {
        let b = name.as_bytes();
        let is_month = b.len() > 8
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4] == b'-'
            && b[5..7].iter().all(u8::is_ascii_digit)
            && b[7] == b'-';
        if is_month {
            name[8..].to_string()
        } else {
            name.to_string()
        }
    };
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_cached_key(|&i| {
        let large = inputs[i].bytes >= LARGE_INPUT;
        (
            !large,
            std::cmp::Reverse(if large { inputs[i].bytes } else { 0 }),
            without_month(&inputs[i].name),
        )
    });
    order
}

/// Inputs this large are read first ([`reading_order`]); police.uk's monthly files are
/// at most about 25 MB (the Metropolitan force's).
const LARGE_INPUT: u64 = 64 << 20;

/// [`ingest`] of checked inputs into an open store writer.
fn ingest_into(
    writer: &mut StoreWriter,
    harm: &HarmWeights,
    inputs: &[InputFile],
    repeats: Vec<Repeat>,
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    let store = writer.root().to_path_buf();
    let store = store.as_path();
    if let Some(limit) = options.held_bytes {
        writer.set_held_limit(limit);
    }
    progress.begin(inputs.len(), inputs.iter().map(|i| i.bytes).sum());

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .thread_name(|i| format!("crimescope-ingest-{i}"))
        .build()
        .map_err(|e| IngestError::Store {
            path: store.to_path_buf(),
            message: format!("cannot start worker threads: {e}"),
        })?;
    let staging = writer.staging();
    let now = now_rfc3339();
    let committed = writer.manifest().clone();
    let areas = crate::boundaries::Areas::load(store, &committed)?.map(std::sync::Arc::new);
    let shared = Shared {
        committed: &committed,
        harm,
        options,
        staging: &staging,
        pending: writer.pending_syncs(),
        held: writer.held_files(),
        now: &now,
        progress,
        areas,
        key_fingerprint: options.key.as_ref().map(crate::pseudonym::PseudonymKey::fingerprint),
    };
    // Read in the order that keeps each source's months together (see
    // `reading_order`); the results are put back in the inputs' order.
    let order = reading_order(inputs);
    let mut read_in_order: Vec<(usize, FileResult)> = pool.install(|| {
        order
            .par_iter()
            .map(|&i| {
                let input = &inputs[i];
                let result = crate::progress::stop_if_cancelled(progress, "while reading the inputs")
                    .and_then(|()| ingest_one(input, &shared));
                if let Ok((report, _)) = &result {
                    progress.file_done(report);
                }
                (i, result)
            })
            .collect()
    });
    read_in_order.sort_unstable_by_key(|(i, _)| *i);
    let results: Vec<FileResult> = read_in_order.into_iter().map(|(_, r)| r).collect();

    let read = results.iter().filter(|r| r.is_ok()).count();
    let total = inputs.len();
    let held = writer.held_files();
    let stopped = |e: IngestError| {
        // Nothing was committed; drop what this ingest staged and held.
        let _ = std::fs::remove_dir_all(&staging);
        held.clear();
        match e {
            IngestError::Interrupted { during, .. } => IngestError::Interrupted {
                during,
                done: format!("; {read} of {total} input files had been read, none was committed"),
            },
            other => other,
        }
    };
    let mut parsed = Vec::with_capacity(results.len());
    for result in results {
        parsed.push(result.map_err(&stopped)?);
    }
    crate::progress::stop_if_cancelled(progress, "before the commit").map_err(&stopped)?;
    let mut files = Vec::with_capacity(parsed.len());
    let mut entries: Vec<FileEntry> = Vec::new();
    for (report, entry) in parsed {
        if let Some(entry) = entry {
            // The same bytes under another name in this run: load them once.
            if entries.iter().any(|e| e.sha256 == entry.sha256) {
                files.push(FileReport {
                    status: FileStatus::Repeated,
                    counts: FileCounts::default(),
                    ..report
                });
                continue;
            }
            entries.push(entry);
        }
        files.push(report);
    }
    for (display, first) in repeats {
        let profile = files
            .iter()
            .find(|f| f.path == first)
            .map(|f| f.profile.clone())
            .unwrap_or_default();
        files.push(FileReport {
            path: display,
            profile,
            status: FileStatus::Repeated,
            counts: FileCounts::default(),
        });
    }
    // Person keys written under this key: the store records whose they are.
    if let Some(fingerprint) = &shared.key_fingerprint
        && entries
            .iter()
            .flat_map(|e| &e.outputs)
            .any(|o| PERSON_KEY_TABLES.contains(&o.table.as_str()))
    {
        writer.set_person_key(fingerprint.clone());
    }
    writer
        .commit_unless(entries, &now, &|| progress.cancelled())
        .map_err(&stopped)?;
    let mut totals = FileCounts::default();
    for f in &files {
        totals.add(&f.counts);
    }
    Ok(IngestReport { files, totals })
}

/// Drop inputs that repeat an earlier one (same name, same bytes: a folder and its
/// zip), returning them as (display, display of the first); refuse two different files
/// with the same name in one run, as one would silently replace the other.
/// An input dropped because it repeats an earlier one: (its display, the first's display).
type Repeat = (String, String);

fn distinct_inputs(inputs: Vec<InputFile>) -> Result<(Vec<InputFile>, Vec<Repeat>)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut unique: Vec<InputFile> = Vec::with_capacity(inputs.len());
    let mut repeats = Vec::new();
    for input in inputs {
        match seen.get(&input.name) {
            None => {
                seen.insert(input.name.clone(), unique.len());
                unique.push(input);
            }
            Some(&i) => {
                let first = &unique[i];
                if first.bytes != input.bytes || first.read()? != input.read()? {
                    return Err(IngestError::ConflictingInputs {
                        name: input.name.clone(),
                        first: first.display.clone(),
                        second: input.display.clone(),
                    });
                }
                repeats.push((input.display, first.display.clone()));
            }
        }
    }
    Ok((unique, repeats))
}

/// How a file is read: a built-in profile (with its header), or a user's mapping.
enum Reader<'m> {
    Builtin(Profile, Vec<String>),
    Mapped(&'m crate::mapping::MappingProfile),
}

fn ingest_one(input: &InputFile, shared: &Shared<'_>) -> FileResult {
    let Shared {
        committed,
        harm,
        options,
        staging,
        now,
        progress,
        ..
    } = *shared;
    let bytes = input.read()?;
    let _reading = shared.held.reading(bytes.len() as u64);
    let reader = match &options.mapping {
        Some(mapping) => Reader::Mapped(mapping),
        None => {
            let (profile, header) = detect(input, &bytes)?;
            if profile.has_person_ids() && options.key.is_none() {
                return Err(IngestError::NoKey {
                    file: input.display.clone(),
                    profile: profile.name(),
                });
            }
            Reader::Builtin(profile, header)
        }
    };
    let (profile_name, context_profile) = match &reader {
        Reader::Builtin(p, _) => (p.name().to_string(), p.name()),
        Reader::Mapped(m) => (m.name.clone(), "mapped"),
    };
    let key = format!("{profile_name}/{}", input.name);
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let report = |status, counts| FileReport {
        path: input.display.clone(),
        profile: profile_name.clone(),
        status,
        counts,
    };
    // Already in the store, under this name or another: nothing to do.
    let existing = committed.entry(&key).filter(|e| e.sha256 == sha256);
    if let Some(existing) = existing.or_else(|| committed.files.iter().find(|e| e.sha256 == sha256)) {
        progress.rows(existing.counts.rows_read, bytes.len() as u64);
        return Ok((report(FileStatus::Unchanged, existing.counts), None));
    }
    let needs_key = match &reader {
        Reader::Builtin(profile, _) => profile.has_person_ids(),
        Reader::Mapped(mapping) => mapping.has_person_ids(),
    };
    if needs_key
        && let (Some(stored), Some(given)) = (&committed.person_key, &shared.key_fingerprint)
        && stored != given
    {
        return Err(IngestError::KeyMismatch {
            file: input.display.clone(),
            stored: stored.clone(),
            given: given.clone(),
        });
    }
    let ctx = FileContext {
        name: &input.name,
        profile: context_profile,
        tag: output_tag(&input.name, &key, &sha256),
        harm,
        staging,
        pending: Some(shared.pending.clone()),
        held: Some(shared.held.clone()),
        progress,
        areas: shared.areas(),
    };
    let ParsedFile { mut counts, outputs } = match &reader {
        Reader::Mapped(mapping) => {
            crate::profiles::mapped::parse(&ctx, mapping, options.key.as_ref(), &input.display, &bytes)?
        }
        Reader::Builtin(profile, header) => profile.parse(&ctx, header, options.key.as_ref(), &bytes)?,
    };
    counts.outside_boundaries = outside_count(&ctx.areas);
    debug_assert!(counts.reconciles());
    let status = if committed.entry(&key).is_some() {
        FileStatus::Replaced
    } else {
        FileStatus::Loaded
    };
    let entry = FileEntry {
        key,
        name: input.name.clone(),
        path: input.display.clone(),
        sha256,
        bytes: bytes.len() as u64,
        profile: profile_name.clone(),
        ingested_at: now.to_string(),
        counts,
        outputs,
    };
    Ok((report(status, counts), Some(entry)))
}

fn detect(input: &InputFile, bytes: &[u8]) -> Result<(Profile, Vec<String>)> {
    let header = read_header(bytes).unwrap_or_default();
    Profile::detect(&header).map(|p| (p, header.clone())).ok_or_else(|| {
        let mut found = header.join(",");
        if found.is_empty() {
            found = "(empty file)".into();
        }
        if found.chars().count() > 200 {
            found = found.chars().take(200).collect::<String>() + "…";
        }
        IngestError::UnknownHeader {
            file: input.display.clone(),
            found,
            expected: Profile::ALL
                .iter()
                .map(|p| format!("    {}: {}", p.name(), p.header().join(",")))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    })
}

/// The name of every Parquet file an input produces: `<stem>-<hash16>`, unique per key
/// and content, so no two inputs can name the same output file.
pub(crate) fn output_tag(name: &str, key: &str, sha256: &str) -> String {
    let stem = name
        .strip_suffix(".csv")
        .or_else(|| name.strip_suffix(".CSV"))
        .unwrap_or(name);
    format!(
        "{}-{}",
        sanitize(stem),
        &hex::encode(Sha256::digest(format!("{key}\n{sha256}")))[..16]
    )
}

/// Keep a file stem safe for a path: letters, digits, `-`, `_` and `.`.
fn sanitize(stem: &str) -> String {
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoProgress;

    fn input_named(name: &str) -> InputFile {
        InputFile {
            name: name.into(),
            display: name.into(),
            location: crate::input::InputLocation::File(name.into()),
            bytes: 0,
        }
    }

    #[test]
    fn a_sources_months_are_read_one_after_another() {
        let names = [
            "2024-02-b-street.csv",
            "2024-01-a-street.csv",
            "2024-01-b-street.csv",
            "case-log.csv",
            "2024-1-x.csv",
            "2024-03-b-street.csv",
        ];
        let inputs: Vec<InputFile> = names.iter().map(|n| input_named(n)).collect();
        // By name without its month ("2024-1-" is not one), then as given.
        assert_eq!(reading_order(&inputs), [4, 1, 0, 2, 5, 3]);
        assert!(reading_order(&[]).is_empty());
    }

    #[test]
    fn large_inputs_are_read_first_largest_first() {
        let sized = |name: &str, bytes: u64| InputFile {
            bytes,
            ..input_named(name)
        };
        let inputs = [
            sized("a-force-crime.csv", LARGE_INPUT),
            sized("2024-01-a-street.csv", 25 << 20),
            sized("m-force-crime.csv", 380 << 20),
            sized("b-council-asb.csv", LARGE_INPUT - 1),
            sized("w-force-crime.csv", 120 << 20),
        ];
        assert_eq!(reading_order(&inputs), [2, 4, 0, 1, 3]);
    }

    /// An ingest of the City's January and February 2024 and a second January file (so
    /// that month's partition is concatenated): the inputs as discovered, the writer
    /// after its commit, and the report.
    fn ingest_with_a_shared_month(dir: &Path) -> (Vec<InputFile>, StoreWriter, IngestReport) {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/police-uk/city-of-london");
        let january = std::fs::read_to_string(fixtures.join("2024-01-city-of-london-street.csv")).unwrap();
        let other = dir.join("2024-01-other-street.csv");
        std::fs::write(&other, january.lines().take(11).collect::<Vec<_>>().join("\n") + "\n").unwrap();
        let paths = [
            fixtures.join("2024-01-city-of-london-street.csv"),
            other,
            fixtures.join("2024-02-city-of-london-street.csv"),
        ];
        let (inputs, repeats) = distinct_inputs(discover(&paths).unwrap()).unwrap();
        let harm = HarmWeights::v1();
        let mut writer = StoreWriter::open(&dir.join("store"), harm.name()).unwrap();
        let report = ingest_into(
            &mut writer,
            &harm,
            &inputs,
            repeats,
            &IngestOptions::default(),
            &NoProgress,
        )
        .unwrap();
        (inputs, writer, report)
    }

    /// The reports and the manifest list the inputs in their order, not the reading order.
    #[test]
    fn results_keep_the_inputs_order_whatever_order_they_are_read_in() {
        let dir = tempfile::tempdir().unwrap();
        let (inputs, writer, report) = ingest_with_a_shared_month(dir.path());
        let order = reading_order(&inputs);
        assert!(
            order.windows(2).any(|w| w[0] > w[1]),
            "the test needs a different order: {order:?}"
        );
        let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
        let reported: Vec<&str> = report
            .files
            .iter()
            .map(|f| f.path.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(reported, names);
        let listed: Vec<&str> = writer.manifest().files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(listed, names);
    }

    /// Every file an ingest writes and its commit lists was synced by the commit: here
    /// the partitions' shared files, which hold every input's rows (written once: no
    /// input has an `incidents` file of its own).
    #[test]
    fn the_commit_syncs_every_file_the_ingest_wrote_and_lists() {
        let dir = tempfile::tempdir().unwrap();
        let (_, writer, _) = ingest_with_a_shared_month(dir.path());
        let listed = writer.manifest().live_paths();
        let incidents: Vec<_> = writer.manifest().outputs_of("incidents").collect();
        assert!(incidents.len() >= 5, "{incidents:?}");
        assert!(
            incidents
                .iter()
                .all(|o| o.path.starts_with("compacted/") && o.row_groups.is_some()),
            "{incidents:?}"
        );
        assert!(!dir.path().join("store/incidents").exists());
        assert_eq!(writer.pending_syncs().synced(), listed.len());
        // And the folders that reach them, up to the root.
        let folders = crate::store::digest::folders_holding(listed.iter().copied());
        assert!(folders.contains("compacted/incidents/source=police"), "{folders:?}");
        assert_eq!(writer.pending_syncs().folders_synced(), folders.len());
    }
}
