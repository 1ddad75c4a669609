//! Every example in the workspace is run by CI: `.ci/examples` runs each example of the
//! default build and `.ci/run` runs those that need a feature.

use std::path::Path;

#[test]
fn every_example_is_run_by_ci() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let scripts = std::fs::read_to_string(root.join(".ci/examples")).unwrap()
        + &std::fs::read_to_string(root.join(".ci/run")).unwrap();
    let run_lines: Vec<&str> = scripts
        .lines()
        .filter(|l| l.trim_start().starts_with("run ") || l.contains("/debug/examples/"))
        .collect();
    let mut examples = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let dir = krate.unwrap().path().join("examples");
        let Ok(files) = std::fs::read_dir(&dir) else { continue };
        for f in files {
            let path = f.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                examples.push(path.file_stem().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    assert!(examples.len() >= 10, "found only {examples:?}");
    for name in &examples {
        let runs = run_lines.iter().any(|l| {
            l.split(|c: char| c.is_whitespace() || c == '/' || c == '"')
                .any(|word| word == name)
        });
        assert!(runs, "the example {name} is not run by .ci/examples or .ci/run");
    }
}
