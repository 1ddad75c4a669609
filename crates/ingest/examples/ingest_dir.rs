//! Ingest files into a store and print the JSON summary and the wall time: the same
//! library call as `crimescope ingest`, without the query engine, for benchmarking.
//!
//! ```text
//! cargo run --release -p crimescope-ingest --example ingest_dir -- STORE PATH...
//! ```

use std::path::PathBuf;
use std::time::Instant;

use crimescope_ingest::{IngestOptions, NoProgress, ingest};

fn main() -> std::process::ExitCode {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let Some(store) = args.next() else {
        eprintln!("usage: ingest_dir STORE PATH...");
        return std::process::ExitCode::from(1);
    };
    let paths: Vec<PathBuf> = args.collect();
    // The pseudonymisation key, as the CLI resolves it: CRIMESCOPE_KEY or the key file.
    let key = match crimescope_ingest::pseudonym::PseudonymKey::from_env_or_file(
        &crimescope_ingest::pseudonym::PseudonymKey::default_file(),
    ) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let options = IngestOptions::default().with_key(key);
    let started = Instant::now();
    match ingest(&store, &paths, &options, &NoProgress) {
        Ok(report) => {
            let secs = started.elapsed().as_secs_f64();
            let t = report.totals;
            println!(
                "{{\"files\":{},\"rows_read\":{},\"rows_loaded\":{},\"rows_rejected\":{},\"duplicates_dropped\":{},\"seconds\":{secs:.3},\"rows_per_second\":{:.0}}}",
                report.files.len(),
                t.rows_read,
                t.rows_loaded,
                t.rows_rejected,
                t.duplicates_dropped,
                t.rows_read as f64 / secs
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(if e.is_user_error() { 1 } else { 2 })
        }
    }
}
