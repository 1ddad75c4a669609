//! `manifest.json`: the store's single source of truth.
//!
//! Readers use only the Parquet files the manifest lists, so a file written by an
//! ingest that never committed is invisible, and is removed by the next ingest.

use serde::{Deserialize, Serialize};

/// The manifest format name.
pub const FORMAT: &str = "crimescope-store";
/// The manifest format version this build writes. Version 2 added the size and SHA-256
/// of every output file and the list of retired files. Version 3 stores `incidents`
/// files whose `incident_id` is null where the row implies it
/// ([`crimescope_model::stored`]), which a build that reads the column as it is would
/// return as null. Version 4 stores a `record_id` of 64 lowercase hex digits as its 32
/// bytes in `record_id_bytes`, with `record_id` null, which an earlier build would
/// return as null. Version 5 stores an input's `incidents` rows as row groups of the
/// partition's concatenated file, written once, rather than as a file of their own
/// plus a copy: such an output names the shared file and its
/// [`OutputFile::row_groups`], which an earlier build would read as the whole file.
/// This build reads versions 1 to 5 (version 1's files carry no hashes; before version
/// 3 every id is stored in full, before version 4 every `record_id` is text, before
/// version 5 every input's rows are files of their own) and refuses newer ones.
pub const VERSION: u32 = 5;

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// The harm-weight table used for `incidents.harm_weight`.
    pub harm_table: String,
    /// Every input file currently in the store, in ingest order.
    pub files: Vec<FileEntry>,
    /// Every replacement of an older file by a newer one, oldest first.
    #[serde(default)]
    pub replaced: Vec<Replacement>,
    /// The boundary sets, at most one per level.
    #[serde(default)]
    pub boundaries: Vec<BoundaryEntry>,
    /// The LSOA 2011 to 2021 lookup, when one has been added.
    #[serde(default)]
    pub lsoa_lookup: Option<OutputFile>,
    /// Population tables, at most one per level (lsoa, ward, csp).
    #[serde(default)]
    pub population: Vec<PopulationEntry>,
    /// A compacted copy of `incidents` (one file per partition), valid while the store
    /// holds exactly the input files it was made from.
    #[serde(default)]
    pub compaction: Option<Compaction>,
    /// The fingerprint ([`crate::pseudonym::PseudonymKey::fingerprint`]) of the key the
    /// stored person keys (`parties`, `offenders`, `reoffences`) were made with, once a
    /// file with person identifiers has been ingested. A store written before it was
    /// recorded has none until its next such ingest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_key: Option<String>,
    /// Files no longer listed above that a reader which opened an earlier manifest may
    /// still be reading; they are deleted once no reader holds the store's reader lease
    /// (see [`crate::store::ReaderLease`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<String>,
}

/// A compacted copy of the `incidents` table: a read cache with one Parquet file per
/// source and month. The per-input files stay the source of truth; any ingest that
/// changes the set of input files makes the copy stale, and readers fall back to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compaction {
    /// The SHA-256 of every input file it covers, sorted.
    pub inputs: Vec<String>,
    /// The compacted files.
    pub outputs: Vec<OutputFile>,
    /// When it was made (UTC, RFC 3339).
    pub created_at: String,
    /// How it was made (absent in manifests written before it was recorded: rewritten).
    #[serde(default)]
    pub method: CompactionMethod,
}

/// How a [`Compaction`] was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompactionMethod {
    /// `crimescope compact`: the rows decoded and written again in large row groups.
    #[default]
    Rewritten,
    /// Every commit of new files: the per-input files' row groups copied as they are
    /// into one file per partition (a partition of one file is that file).
    Concatenated,
}

/// A population table kept in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationEntry {
    /// lsoa, ward or csp.
    pub level: String,
    /// The Parquet file.
    pub output: OutputFile,
    /// Where it was added from.
    pub source: String,
    /// SHA-256 of the input file.
    pub sha256: String,
    /// Total residents over its areas.
    pub residents: u64,
}

/// A boundary set kept in the store (a GeoJSON file under `boundaries/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundaryEntry {
    /// lsoa, ward or csp.
    pub level: String,
    /// Path relative to the store.
    pub path: String,
    /// Where it was added from.
    pub source: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The property holding each area's code.
    pub code_field: String,
    /// The property holding each area's name.
    pub name_field: String,
    /// The number of areas.
    pub areas: u64,
    /// When it was added (UTC, RFC 3339).
    pub added_at: String,
}

impl Manifest {
    /// An empty manifest.
    pub fn new(harm_table: &str) -> Manifest {
        Manifest {
            format: FORMAT.into(),
            version: VERSION,
            harm_table: harm_table.into(),
            files: Vec::new(),
            replaced: Vec::new(),
            boundaries: Vec::new(),
            lsoa_lookup: None,
            population: Vec::new(),
            compaction: None,
            person_key: None,
            retired: Vec::new(),
        }
    }

    /// The entry for a file key, if any.
    pub fn entry(&self, key: &str) -> Option<&FileEntry> {
        self.files.iter().find(|f| f.key == key)
    }

    /// Every path the manifest lists, relative to the store: the live files and the
    /// retired ones still waiting for their readers. Nothing listed is tidied away.
    pub fn listed_paths(&self) -> std::collections::HashSet<&str> {
        let mut paths = self.live_paths();
        paths.extend(self.retired.iter().map(String::as_str));
        paths
    }

    /// The paths a reader of this manifest may open, relative to the store.
    pub fn live_paths(&self) -> std::collections::HashSet<&str> {
        self.parquet_outputs()
            .map(|o| o.path.as_str())
            .chain(self.boundaries.iter().map(|b| b.path.as_str()))
            .collect()
    }

    /// Every Parquet file the manifest lists as live: each input's outputs, the LSOA
    /// lookup, the population tables and the compaction (current or not).
    pub fn parquet_outputs(&self) -> impl Iterator<Item = &OutputFile> + '_ {
        self.files
            .iter()
            .flat_map(|f| &f.outputs)
            .chain(self.lsoa_lookup.iter())
            .chain(self.population.iter().map(|p| &p.output))
            .chain(self.compaction.iter().flat_map(|c| &c.outputs))
    }

    /// The SHA-256 of every input file, sorted: what a compaction must cover.
    pub fn input_hashes(&self) -> Vec<String> {
        let mut h: Vec<String> = self.files.iter().map(|f| f.sha256.clone()).collect();
        h.sort();
        h
    }

    /// The `incidents` files grouped by partition folder (e.g.
    /// `incidents/source=police/month=2024-01`), in the order the manifest lists them:
    /// what a compaction makes one file of.
    pub fn incidents_by_partition(&self) -> std::collections::BTreeMap<String, Vec<&OutputFile>> {
        let mut partitions: std::collections::BTreeMap<String, Vec<&OutputFile>> = Default::default();
        for o in self.outputs_of("incidents") {
            partitions.entry(partition_of(&o.path).to_string()).or_default().push(o);
        }
        partitions
    }

    /// A short tag naming a compaction of the current input files: the first 12 hex
    /// digits of the SHA-256 of their sorted hashes.
    pub fn compaction_tag(&self) -> String {
        use sha2::Digest;
        let mut digest = sha2::Sha256::new();
        for h in self.input_hashes() {
            digest.update(h.as_bytes());
        }
        hex::encode(digest.finalize())[..12].to_string()
    }

    /// The compaction, when it covers exactly the current input files.
    pub fn current_compaction(&self) -> Option<&Compaction> {
        self.compaction.as_ref().filter(|c| c.inputs == self.input_hashes())
    }

    /// The files to read for `incidents`: the current compaction's, else every input's
    /// (a file shared by several inputs' row groups once: the store keeps a shared file
    /// holding only the rows of inputs it lists).
    pub fn incidents_files(&self) -> Vec<&OutputFile> {
        match self.current_compaction() {
            Some(c) => c.outputs.iter().collect(),
            None => {
                let mut seen = std::collections::HashSet::new();
                self.outputs_of("incidents")
                    .filter(|o| seen.insert(o.path.as_str()))
                    .collect()
            }
        }
    }

    /// Every output file of a table, as paths relative to the store.
    pub fn outputs_of<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a OutputFile> + 'a {
        self.files
            .iter()
            .flat_map(|f| f.outputs.iter())
            .filter(move |o| o.table == table)
    }
}

/// Row counts for one input file. `rows_read = rows_loaded + rows_rejected + duplicates_dropped`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCounts {
    /// Data rows read (the header is not counted).
    pub rows_read: u64,
    /// Rows written to a table.
    pub rows_loaded: u64,
    /// Rows written to `rejects`.
    pub rows_rejected: u64,
    /// Rows dropped because an identical row with the same id was already loaded.
    pub duplicates_dropped: u64,
    /// Loaded rows whose id also appears with different content (flagged `duplicate_id`).
    pub duplicate_ids_flagged: u64,
    /// Loaded rows with no coordinates (police.uk `No Location`).
    pub no_location: u64,
    /// Loaded rows with valid WGS84 coordinates outside Great Britain (no BNG position).
    pub outside_gb: u64,
    /// Located rows that needed an LSOA from the store's boundaries and fell in none.
    #[serde(default)]
    pub outside_boundaries: u64,
    /// Local times in the repeated autumn hour, read as the first (summer-time) one.
    #[serde(default)]
    pub clock_repeated_hour: u64,
    /// Local times in the missing spring hour, read with the winter offset.
    #[serde(default)]
    pub clock_missing_hour: u64,
}

impl FileCounts {
    /// Whether the counts reconcile.
    pub fn reconciles(&self) -> bool {
        self.rows_read == self.rows_loaded + self.rows_rejected + self.duplicates_dropped
    }

    /// Add another file's counts.
    pub fn add(&mut self, other: &FileCounts) {
        self.rows_read += other.rows_read;
        self.rows_loaded += other.rows_loaded;
        self.rows_rejected += other.rows_rejected;
        self.duplicates_dropped += other.duplicates_dropped;
        self.duplicate_ids_flagged += other.duplicate_ids_flagged;
        self.no_location += other.no_location;
        self.outside_gb += other.outside_gb;
        self.outside_boundaries += other.outside_boundaries;
        self.clock_repeated_hour += other.clock_repeated_hour;
        self.clock_missing_hour += other.clock_missing_hour;
    }
}

/// One ingested input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// `profile/name`: a newer file with the same key replaces this one.
    pub key: String,
    /// The file name.
    pub name: String,
    /// The path it was ingested from.
    pub path: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The profile that read it.
    pub profile: String,
    /// When it was ingested (UTC, RFC 3339).
    pub ingested_at: String,
    /// Its row counts.
    #[serde(flatten)]
    pub counts: FileCounts,
    /// The Parquet files it produced.
    pub outputs: Vec<OutputFile>,
}

/// The partition folder of an `incidents` file at `path` (relative to the store), e.g.
/// `incidents/source=police/month=2024-01`, whether the file is an input's own or the
/// compaction's (`compacted/incidents/...`).
pub fn partition_of(path: &str) -> &str {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    dir.strip_prefix("compacted/").unwrap_or(dir)
}

/// One Parquet file in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFile {
    /// The table: incidents, rejects, outcomes or stop_search.
    pub table: String,
    /// Path relative to the store root, `/`-separated.
    pub path: String,
    /// Rows in the file.
    pub rows: u64,
    /// Its size in bytes (absent in stores written before manifest version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// SHA-256 of its bytes, hex (absent before manifest version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// When set, these rows are only these row groups of the file at `path`, a file
    /// shared with other inputs' rows (the partition's concatenated file), and `bytes`
    /// and `sha256` are the shared file's. Since manifest version 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_groups: Option<RowGroups>,
}

/// A run of row groups of a Parquet file: `count` of them from index `first`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowGroups {
    /// The first row group's index (0-based).
    pub first: usize,
    /// How many.
    pub count: usize,
}

impl RowGroups {
    /// One past the last row group's index (saturating: a damaged manifest's run is
    /// then past the file's end, which readers refuse).
    pub fn end(&self) -> usize {
        self.first.saturating_add(self.count)
    }

    /// The indices of the row groups.
    pub fn indices(&self) -> std::ops::Range<usize> {
        self.first..self.end()
    }

    /// The indices of the row groups, when a file of `row_groups` has them all.
    pub fn within(&self, row_groups: usize) -> Option<std::ops::Range<usize>> {
        (self.end() <= row_groups).then(|| self.indices())
    }
}

impl OutputFile {
    /// A file of `table` at `path` as written: its rows and the size and hash of what
    /// was written.
    pub fn written(table: &str, path: &str, rows: u64, written: &super::digest::WrittenFile) -> OutputFile {
        OutputFile {
            table: table.to_string(),
            path: path.to_string(),
            rows,
            bytes: Some(written.bytes),
            sha256: Some(written.sha256.clone()),
            row_groups: None,
        }
    }

    /// `rows` rows that are the row groups `row_groups` of the shared file at `path`,
    /// which was written as `shared`.
    pub fn slice(
        table: &str,
        path: &str,
        rows: u64,
        row_groups: RowGroups,
        shared: &super::digest::WrittenFile,
    ) -> OutputFile {
        OutputFile {
            row_groups: Some(row_groups),
            ..OutputFile::written(table, path, rows, shared)
        }
    }

    /// The whole file a slice is of, as a file of `rows` rows (its size and hash are
    /// the slice's); `None` for an output that is a whole file.
    pub fn shared_file(&self, rows: u64) -> Option<OutputFile> {
        self.row_groups.map(|_| OutputFile {
            rows,
            row_groups: None,
            ..self.clone()
        })
    }
}

/// A record that a newer file replaced an older one with the same key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replacement {
    /// The shared key.
    pub key: String,
    /// SHA-256 of the old file.
    pub old_sha256: String,
    /// SHA-256 of the new file.
    pub new_sha256: String,
    /// Rows the old file had loaded.
    pub old_rows_loaded: u64,
    /// Rows the new file loaded.
    pub new_rows_loaded: u64,
    /// When the replacement was committed (UTC, RFC 3339).
    pub replaced_at: String,
}
