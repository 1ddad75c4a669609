//! The same seed gives byte-identical files on any thread count; another seed differs.

use std::collections::BTreeMap;
use std::path::Path;

use crimescope_synth::{GenerateOptions, Scale, generate};
use sha2::{Digest, Sha256};

fn digest_tree(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.insert(
                    p.strip_prefix(root).unwrap().display().to_string(),
                    hex::encode(Sha256::digest(&bytes)),
                );
            }
        }
    }
    out
}

fn run(seed: u64, threads: usize) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let mut options = GenerateOptions::new(Scale::National, 2025, seed, dir.path().to_path_buf());
    options.volume_factor = 0.0005;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| generate(&options)).unwrap();
    digest_tree(dir.path())
}

#[test]
fn same_seed_same_bytes_on_one_and_two_threads_and_another_seed_differs() {
    let one = run(42, 1);
    let two = run(42, 2);
    assert_eq!(one.len(), 43 * (24 + 5) + 1, "every force's files and truth.json");
    assert_eq!(one, two);
    let other = run(43, 2);
    let differing = one.iter().filter(|(k, v)| other.get(*k) != Some(v)).count();
    assert!(
        differing > one.len() / 2,
        "only {differing} files differ with another seed"
    );
}
