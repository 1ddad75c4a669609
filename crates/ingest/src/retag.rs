//! Re-tagging stored incidents with boundaries added after them.
//!
//! An ingest fills a located row's missing `lsoa_code`/`lsoa_name` and `ward_code`
//! from the store's boundaries. Rows stored before the boundaries were added keep null
//! codes until [`apply_to_stored`] rewrites their files: each `incidents`
//! file holding a located row without a code is rewritten (through the staging folder)
//! with the codes of the areas that contain its points, the manifest names the new files
//! in one atomic replace, and the old files are removed after it. Codes already present
//! are never changed; rows keep their order and every other column.

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow::array::Array;
use arrow::record_batch::RecordBatch;

use crate::boundaries::{Areas, assign_areas};
use crate::error::{IngestError, Result};
use crate::store::digest::DigestingFile;
use crate::store::file_writer::StoreFileWriter;
use crate::store::{Manifest, OutputFile, StoreWriter, WrittenFile};

/// What [`apply_to_stored`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Retag {
    /// `incidents` files read.
    pub files_read: u64,
    /// `incidents` files rewritten (those with at least one row newly tagged).
    pub files_rewritten: u64,
    /// Rows that had no LSOA code and now have one.
    pub lsoa_codes_filled: u64,
    /// Rows that had no ward code and now have one.
    pub ward_codes_filled: u64,
    /// Located rows still without a code whose point lies in no stored LSOA (no ward,
    /// where only wards are stored), summed over the input files.
    pub outside_boundaries: u64,
}

fn parquet_err(path: &Path, e: impl std::fmt::Display) -> IngestError {
    IngestError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn nulls(batch: &RecordBatch, column: &str) -> u64 {
    batch
        .schema()
        .index_of(column)
        .map_or(0, |i| batch.column(i).null_count() as u64)
}

/// The name of a rewritten file: the original stem with `.b<tag>` (replacing an
/// earlier re-tag's suffix), so the new file never collides with the old one.
fn retagged_path(path: &str, tag: &str) -> String {
    let stem = path.strip_suffix(".parquet").unwrap_or(path);
    let stem = match stem.rsplit_once(".b") {
        Some((base, old)) if old.len() == 12 && old.bytes().all(|b| b.is_ascii_hexdigit()) => base,
        _ => stem,
    };
    format!("{stem}.b{tag}.parquet")
}

/// Fill the missing LSOA and ward codes of incidents already in the store at `store`
/// from its boundaries, as a new store version. Run after
/// [`crate::boundaries::add_boundaries`] so that rows ingested without a code before the
/// boundaries get the codes a later ingest would give them. Codes already present
/// (recorded, or filled from an earlier boundary set) are kept.
pub fn apply_to_stored(store: &Path) -> Result<Retag> {
    let mut writer = StoreWriter::open(store, crimescope_model::HarmWeights::v1().name())?;
    apply_boundaries(&mut writer)
}

/// Fill the missing LSOA and ward codes of stored `incidents` rows that have
/// coordinates, from the store's boundaries, and commit the rewritten files as a new
/// store version. Each input file's `outside_boundaries` count becomes, as at ingest,
/// the number of its located rows without a code whose point lies in no stored LSOA
/// (in no ward, where only wards are stored). A store without boundaries is left as it
/// is.
pub fn apply_boundaries(writer: &mut StoreWriter) -> Result<Retag> {
    let committed = writer.manifest().clone();
    apply_boundaries_to(writer, committed, &|| false)
}

/// [`apply_boundaries`] from `next`, a manifest that may hold a boundary set placed in
/// the store but not yet committed, then one commit of it with the rewritten files.
/// `stop` is asked before each file and before the commit; once it answers true the
/// rewritten files are removed and [`IngestError::Interrupted`] returned, with the store
/// as it was.
pub fn apply_boundaries_to(writer: &mut StoreWriter, mut next: Manifest, stop: &dyn Fn() -> bool) -> Result<Retag> {
    let mut retag = Retag::default();
    let root = writer.root().to_path_buf();
    let interrupted = |writer: &StoreWriter, during, done: String| {
        let _ = writer.remove_uncommitted();
        IngestError::Interrupted { during, done }
    };
    let Some(areas) = Areas::load(&root, &next)? else {
        if stop() {
            return Err(interrupted(writer, "before the commit", String::new()));
        }
        if &next != writer.manifest() {
            writer.commit_manifest(next)?;
        }
        return Ok(retag);
    };
    let tag = next
        .boundaries
        .iter()
        .map(|b| &b.sha256[..12.min(b.sha256.len())])
        .collect::<Vec<_>>()
        .join("");
    let tag = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(tag.as_bytes()))[..12].to_string();
    let staging = writer.staging();
    let to_read = next.outputs_of("incidents").count();
    for entry in &mut next.files {
        let mut outside_in_file = 0;
        let mut touched = false;
        for output in entry.outputs.iter_mut().filter(|o| o.table == "incidents") {
            if stop() {
                let done = format!(
                    "; {} of {to_read} stored files had been read, none was committed",
                    retag.files_read
                );
                return Err(interrupted(writer, "while re-tagging stored incidents", done));
            }
            retag.files_read += 1;
            let outside = AtomicU64::new(0);
            let (batches, lsoa_filled, ward_filled) = retag_file(&root, output, &areas, &outside)?;
            outside_in_file += outside.load(Ordering::Relaxed);
            touched = true;
            if lsoa_filled + ward_filled == 0 {
                continue;
            }
            // An input's rows in a shared file are written as a file of their own,
            // named as the input's own files are; the compaction below copies them
            // into the partition's new shared file (unless the file is alone there).
            let own = match output.row_groups {
                Some(_) => format!(
                    "incidents/{}/{}.parquet",
                    crate::store::manifest::partition_of(&output.path).trim_start_matches("incidents/"),
                    crate::pipeline::output_tag(&entry.name, &entry.key, &entry.sha256)
                ),
                None => output.path.clone(),
            };
            let rel = retagged_path(&own, &tag);
            if rel == output.path {
                return Err(IngestError::Store {
                    path: root.join(&rel),
                    message: "a re-tagged file would replace itself; nothing was changed. Please report this".into(),
                });
            }
            let written = write_batches(&staging.join(&rel), &batches)?;
            retag.files_rewritten += 1;
            retag.lsoa_codes_filled += lsoa_filled;
            retag.ward_codes_filled += ward_filled;
            *output = OutputFile::written(&output.table, &rel, output.rows, &written);
        }
        // As at ingest: points in no LSOA, or in no ward where only wards are stored.
        if touched {
            entry.counts.outside_boundaries = outside_in_file;
        }
        retag.outside_boundaries += entry.counts.outside_boundaries;
    }
    if retag.files_rewritten == 0 && &next == writer.manifest() {
        return Ok(retag);
    }
    if stop() {
        return Err(interrupted(writer, "before the commit", String::new()));
    }
    // The moves are made durable by the commit, which syncs the folders of every file
    // it lists for the first time (the re-tagged paths are new: checked above).
    for new in next.files.iter().flat_map(|f| &f.outputs) {
        if staging.join(&new.path).exists() {
            writer.place_staged(&new.path)?;
        }
    }
    // The compacted copy holds the old codes: concatenate the rewritten files afresh.
    if retag.files_rewritten > 0 {
        writer.concatenated_compaction(&mut next, stop)?;
    }
    // One atomic manifest replace commits every rewritten file; the old ones retire.
    writer.commit_manifest(next)?;
    Ok(retag)
}

/// One stored file's batches with codes filled; the counts of LSOA and ward codes
/// filled.
fn retag_file(
    root: &Path,
    output: &OutputFile,
    areas: &Areas,
    outside: &AtomicU64,
) -> Result<(Vec<RecordBatch>, u64, u64)> {
    let path = root.join(&output.path);
    let reader = crate::store::output_reader(root, output)?
        .build()
        .map_err(|e| parquet_err(&path, e))?;
    let (mut batches, mut lsoa_filled, mut ward_filled) = (Vec::new(), 0, 0);
    for batch in reader {
        let batch = batch.map_err(|e| parquet_err(&path, e))?;
        let before = (nulls(&batch, "lsoa_code"), nulls(&batch, "ward_code"));
        let after = assign_areas(batch, areas, outside).map_err(|e| parquet_err(&path, e))?;
        lsoa_filled += before.0 - nulls(&after, "lsoa_code");
        ward_filled += before.1 - nulls(&after, "ward_code");
        batches.push(after);
    }
    Ok((batches, lsoa_filled, ward_filled))
}

/// Write `batches` to a new Parquet file at `to`; its size and hash. A file with codes
/// filled has rows, so no batches is a defect (a listed file would not exist).
fn write_batches(to: &Path, batches: &[RecordBatch]) -> Result<WrittenFile> {
    let Some(first) = batches.first() else {
        return Err(IngestError::Store {
            path: to.to_path_buf(),
            message: "a re-tagged file has no rows to write (please report this)".into(),
        });
    };
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).map_err(|source| IngestError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let file = DigestingFile::create(to).map_err(|source| IngestError::Write {
        path: to.to_path_buf(),
        source,
    })?;
    let props = crate::store::writer::writer_properties(&first.schema());
    let mut writer =
        StoreFileWriter::try_new(file, first.schema(), props).map_err(|e| IngestError::from_parquet(to, e))?;
    for batch in batches {
        writer.write(batch).map_err(|e| IngestError::from_parquet(to, e))?;
    }
    crate::store::digest::close_parquet(writer, to)
}

#[cfg(test)]
mod tests {
    use super::retagged_path;

    #[test]
    fn a_retagged_name_replaces_an_earlier_suffix() {
        let once = retagged_path(
            "incidents/source=police/month=2024-01/a-0123456789ab.parquet",
            "aaaaaaaaaaaa",
        );
        assert_eq!(
            once,
            "incidents/source=police/month=2024-01/a-0123456789ab.baaaaaaaaaaaa.parquet"
        );
        let twice = retagged_path(&once, "bbbbbbbbbbbb");
        assert_eq!(
            twice,
            "incidents/source=police/month=2024-01/a-0123456789ab.bbbbbbbbbbbbb.parquet"
        );
    }
}
