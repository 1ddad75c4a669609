//! The ingest crate's modules depend on each other one way only: no cycle.
//!
//! Every `.rs` file under `src/` is a module (`profiles/police_uk/street.rs` is
//! `profiles::police_uk::street`). A file depends on the modules its paths name:
//! `crate::a::b::Item` and `super::Item` anywhere in the file, resolved to the longest
//! module path that exists. Declaring a child (`mod street;`) is not a dependency; using
//! its items is. The check runs at two levels: between files, and between the
//! top-level modules (a folder counts as one).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/profiles/fire/mod.rs` → `profiles::fire`; `src/lib.rs` → `` (the root).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src").with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without comments, string contents and its `#[cfg(test)]` module.
fn code_only(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut in_string = false;
        for c in line.chars() {
            if c == '"' {
                in_string = !in_string;
                out.push(' ');
            } else if !in_string {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}

/// The paths a file names, as module-path segments: `crate::a::b::{X, Y}` gives
/// `[a, b, X]` (the braces end it) and `super::x` gives the parent's path plus `x`.
fn named_paths(module: &str, code: &str) -> Vec<Vec<String>> {
    let parent: Vec<String> = {
        let mut p: Vec<String> = module
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        p.pop();
        p
    };
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent)] {
        let mut from = 0;
        while let Some(i) = code[from..].find(prefix) {
            let start = from + i;
            from = start + prefix.len();
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            let rest = &code[from..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let mut path = base.clone();
            path.extend(rest[..end].split("::").filter(|s| !s.is_empty()).map(str::to_string));
            out.push(path);
        }
    }
    out
}

/// The file-level graph: module → the modules it names (never itself).
fn file_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(src, f)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let module = module_of(src, file);
        let code = code_only(&std::fs::read_to_string(file).expect("readable"));
        let deps = graph.entry(module.clone()).or_default();
        for path in named_paths(&module, &code) {
            // The longest prefix of the path that is a module.
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].join("::"))
                .find(|m| modules.contains(m));
            if let Some(t) = target
                && t != module
            {
                deps.insert(t);
            }
        }
    }
    graph.remove("");
    for deps in graph.values_mut() {
        deps.remove("");
    }
    graph
}

/// The same graph between top-level modules.
fn top_level(graph: &Graph) -> Graph {
    let top = |m: &str| m.split("::").next().unwrap_or("").to_string();
    let mut out = Graph::new();
    for (m, deps) in graph {
        let entry = out.entry(top(m)).or_default();
        for d in deps {
            if top(d) != top(m) {
                entry.insert(top(d));
            }
        }
    }
    out
}

/// A cycle in the graph, as the modules along it, if there is one (depth-first search).
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(node: &str, graph: &Graph, marks: &mut BTreeMap<String, Mark>, stack: &mut Vec<String>) -> bool {
        marks.insert(node.to_string(), Mark::Open);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next.as_str()).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    stack.push(next.clone());
                    return true;
                }
                Mark::New => {
                    if visit(next, graph, marks, stack) {
                        return true;
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks.insert(node.to_string(), Mark::Done);
        false
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if marks.get(node.as_str()).copied().unwrap_or(Mark::New) == Mark::New {
            let mut stack = Vec::new();
            if visit(node, graph, &mut marks, &mut stack) {
                let last = stack.last().cloned().unwrap_or_default();
                let start = stack.iter().position(|m| *m == last).unwrap_or(0);
                return Some(stack[start..].to_vec());
            }
        }
    }
    None
}

#[test]
fn the_cycle_finder_finds_a_planted_cycle() {
    let mut g = Graph::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    assert_eq!(find_cycle(&g), None);
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        find_cycle(&g),
        Some(vec!["a".to_string(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        named_paths(
            "profiles::fire::irs",
            "use super::{Fire, parse_with};\nlet x = crate::fields::bng(a);"
        ),
        vec![
            vec!["fields".to_string(), "bng".into()],
            vec!["profiles".into(), "fire".into()]
        ]
    );
}

#[test]
fn ingest_modules_have_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = file_graph(&src);
    // The graph is not vacuous: the pipeline reaches the profiles, which reach the row loop.
    assert!(files["pipeline"].contains("profiles"), "{files:?}");
    assert!(
        files["profiles::police_uk::street"].contains("file_context"),
        "{files:?}"
    );
    if let Some(cycle) = find_cycle(&files) {
        panic!("module cycle between files: {}", cycle.join(" -> "));
    }
    let modules = top_level(&files);
    if let Some(cycle) = find_cycle(&modules) {
        panic!("module cycle between top-level modules: {}", cycle.join(" -> "));
    }
    // No parser uses another profile's module or the dispatch in profiles/mod.rs.
    for (m, deps) in &files {
        if let Some(rest) = m.strip_prefix("profiles::") {
            let family = rest.split("::").next().unwrap_or("");
            for d in deps.iter().filter(|d| d.starts_with("profiles")) {
                assert!(
                    d.starts_with(&format!("profiles::{family}")),
                    "{m} uses {d}: a parser must not use another profile or the dispatch"
                );
            }
        }
    }
}
