//! The modules import one way only: no cycle among `src/`'s top-level modules, nor
//! among the files of one folder module (`ingest/`, `generate/`, ...). Every
//! `crate::` path counts, inline ones included; test code may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Source text without comments and without `#[cfg(test)]` items that follow.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Names following `prefix` in `text`: `crate::ingest::x` with prefix `crate::` gives `ingest`.
fn targets(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices(prefix) {
        if text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = text[i + prefix.len()..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The cycles of a directed graph, as sorted lists of nodes (strongly connected
/// components of two or more).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges.keys().chain(edges.values().flatten()).collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for m in edges.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    stack.push(m.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> = nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut out: BTreeSet<Vec<String>> = BTreeSet::new();
    for n in &nodes {
        let mut comp: Vec<String> = nodes
            .iter()
            .filter(|m| reaches[*n].contains(**m) && reaches[**m].contains(*n))
            .map(|m| (*m).clone())
            .collect();
        if comp.len() > 1 {
            comp.sort();
            out.insert(comp);
        }
    }
    out.into_iter().collect()
}

fn top_level_edges(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in rust_files(src) {
        let rel = f.strip_prefix(src).unwrap();
        if rel.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy();
        let top = top.trim_end_matches(".rs").to_string();
        if top == "lib" || top == "main" || top == "cli" {
            continue;
        }
        for t in targets(&code(&f), "crate::") {
            if t != top {
                edges.entry(top.clone()).or_default().insert(t);
            }
        }
    }
    edges
}

/// Edges among the files of folder module `dir`: `super::x` and `crate::<dir>::x`.
fn folder_edges(src: &Path, dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let module = dir.file_name().unwrap().to_string_lossy().to_string();
    let siblings: BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .filter(|n| n != "mod" && n != "tests")
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in rust_files(dir) {
        let rel = f.strip_prefix(dir).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy();
        let node = first.trim_end_matches(".rs").to_string();
        if node == "mod" || node == "tests" {
            continue;
        }
        // A file one folder deeper reaches its siblings' parent through super::super.
        let text = code(&f);
        let mut t = targets(&text, &format!("crate::{module}::"));
        if rel.components().count() == 1 {
            t.extend(targets(&text, "super::"));
        }
        for x in t {
            if x != node && siblings.contains(&x) {
                edges.entry(node.clone()).or_default().insert(x);
            }
        }
    }
    let _ = src;
    edges
}

#[test]
fn top_level_modules_have_no_import_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = cycles(&top_level_edges(&src));
    assert!(found.is_empty(), "import cycles among src/'s modules: {found:?}");
}

#[test]
fn files_of_a_folder_module_have_no_import_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for e in std::fs::read_dir(&src).unwrap() {
        let dir = e.unwrap().path();
        if dir.is_dir() {
            for c in cycles(&folder_edges(&src, &dir)) {
                found.push(format!("{}: {}", dir.display(), c.join(" <-> ")));
            }
        }
    }
    assert!(found.is_empty(), "import cycles inside folder modules: {found:#?}");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        edges.entry(a.into()).or_default().insert(b.into());
    }
    assert_eq!(cycles(&edges), vec![vec!["a".to_string(), "b".into(), "c".into()]]);
    edges.get_mut("c").unwrap().remove("a");
    assert!(cycles(&edges).is_empty());
    assert_eq!(
        targets("use crate::ingest::x; f(crate::model::y); notcrate::z", "crate::"),
        ["ingest", "model"].iter().map(|s| s.to_string()).collect()
    );
}
