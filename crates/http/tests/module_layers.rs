//! The http crate's top-level modules import each other without a cycle.
//!
//! Reads every file under `src/`, collects the `crate::…` paths its code
//! names (`use` lines and inline paths alike; comments skipped), maps each
//! to the top-level module it enters (a name `lib.rs` re-exports counts as
//! the module it comes from) and fails on any cycle between top-level
//! modules, naming the files of every edge in it. `lib.rs` itself is the
//! composition root and may name everything.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Modules left out of the graph (none: keep it so).
const KNOWN_EXCEPTIONS: &[&str] = &[];

/// module → module it imports → files that do.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

#[test]
fn top_level_modules_import_each_other_without_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph(&src);
    let cycles = cycles(&graph);
    assert!(cycles.is_empty(), "module cycles in crates/http/src:\n{}", describe(&graph, &cycles));
}

#[test]
fn the_reader_finds_plain_grouped_nested_and_inline_paths() {
    let code = r#"
        use crate::auth::Authenticated;
        use crate::{json::JsonObject, problem::{ApiError, FieldProblem}, state};
        // use crate::commented::Out;
        /// [`x`](crate::documented::Only)
        let urls = crate::media::MediaUrls::new("http://x", None);
        macro_rules! m { () => { $crate::not_ours() } }
    "#;
    assert_eq!(crate_paths(code), ["auth", "json", "problem", "state", "media"]);
}

#[test]
fn a_cycle_is_found_and_named() {
    let mut graph = Graph::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        graph.entry(from.into()).or_default().entry(to.into()).or_default().insert(format!("{from}.rs"));
    }
    assert_eq!(cycles(&graph), vec![BTreeSet::from(["a".to_owned(), "b".to_owned(), "c".to_owned()])]);
}

fn graph(src: &Path) -> Graph {
    let root = fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let modules = top_level_modules(&root);
    let reexports = reexports(&root);
    let mut graph = Graph::new();
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).expect("under src").to_string_lossy().replace('\\', "/");
        if relative == "lib.rs" {
            continue;
        }
        let from = relative.split('/').next().expect("a path").trim_end_matches(".rs").to_owned();
        let code = fs::read_to_string(&file).expect("readable source");
        // Unit tests (a file's `#[cfg(test)]` part, at its end) may reach
        // for the crate root to build the whole app; they are not layers.
        let code = code.split("#[cfg(test)]").next().unwrap_or_default();
        for name in crate_paths(code) {
            let to = if modules.contains(&name) {
                name
            } else {
                reexports.get(&name).cloned().unwrap_or_else(|| {
                    panic!("{relative}: `crate::{name}` is neither a module nor re-exported by lib.rs")
                })
            };
            let excepted =
                KNOWN_EXCEPTIONS.contains(&from.as_str()) || KNOWN_EXCEPTIONS.contains(&to.as_str());
            if to != from && !excepted {
                graph.entry(from.clone()).or_default().entry(to).or_default().insert(relative.clone());
            }
        }
    }
    graph
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// `pub mod x;` / `mod x;` lines of `lib.rs`.
fn top_level_modules(root: &str) -> BTreeSet<String> {
    root.lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod ").or_else(|| line.trim().strip_prefix("mod ")))
        .filter_map(|rest| rest.strip_suffix(';'))
        .map(str::to_owned)
        .collect()
}

/// Names `lib.rs` re-exports (`pub use state::{HttpSettings, UseCases};`), with their module.
fn reexports(root: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for line in root.lines() {
        let Some(path) = line.trim().strip_prefix("pub use ").and_then(|p| p.strip_suffix(';')) else {
            continue;
        };
        let module = path.split("::").next().expect("a path").to_owned();
        let last = path.rsplit_once("::").map_or(path, |(_, last)| last);
        for name in last.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = name.split(" as ").last().expect("a name").trim();
            if !name.is_empty() {
                names.insert(name.to_owned(), module.clone());
            }
        }
    }
    names
}

/// The first segment after each `crate::` in `code`, comments left out.
fn crate_paths(code: &str) -> Vec<String> {
    let code: String = code.lines().map(|line| without_comment(line).to_owned() + "\n").collect();
    let mut found = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + "crate::".len()..];
        rest = after;
        if before.is_some_and(|c| c == '$' || c == '_' || c.is_alphanumeric()) {
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            found.extend(top_level_items(group).into_iter().map(|item| ident(item).to_owned()));
        } else {
            found.push(ident(after).to_owned());
        }
    }
    found.retain(|name| !name.is_empty());
    found
}

/// The line up to a `//` that is not inside a string literal.
fn without_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '"' if previous != '\\' => in_string = !in_string,
            '/' if !in_string && line[i + 1..].starts_with('/') => return &line[..i],
            _ => {}
        }
        previous = c;
    }
    line
}

/// The comma-separated items of a `{…}` group (its opening brace already read).
fn top_level_items(group: &str) -> Vec<&str> {
    let (mut depth, mut start, mut items) = (0_usize, 0, Vec::new());
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[start..i]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items
}

fn ident(path: &str) -> &str {
    let path = path.trim_start();
    let end = path.find(|c: char| !(c == '_' || c.is_alphanumeric())).unwrap_or(path.len());
    &path[..end]
}

/// The strongly connected sets of more than one module.
fn cycles(graph: &Graph) -> Vec<BTreeSet<String>> {
    let reach = |start: &String| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start.clone()];
        while let Some(module) = todo.pop() {
            for next in graph.get(&module).into_iter().flat_map(BTreeMap::keys) {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> = graph.keys().map(|m| (m, reach(m))).collect();
    let mut cycles: Vec<BTreeSet<String>> = Vec::new();
    for (module, reached) in &reachable {
        if !reached.contains(*module) || cycles.iter().any(|c| c.contains(*module)) {
            continue;
        }
        let component = reached
            .iter()
            .filter(|other| reachable.get(other).is_some_and(|back| back.contains(*module)))
            .cloned()
            .collect();
        cycles.push(component);
    }
    cycles
}

fn describe(graph: &Graph, cycles: &[BTreeSet<String>]) -> String {
    let mut text = String::new();
    for cycle in cycles {
        text += &format!("- {}:\n", cycle.iter().cloned().collect::<Vec<_>>().join(", "));
        for from in cycle {
            for (to, files) in graph.get(from).into_iter().flatten().filter(|(to, _)| cycle.contains(*to)) {
                text += &format!(
                    "    {from} -> {to} ({})\n",
                    files.iter().cloned().collect::<Vec<_>>().join(", ")
                );
            }
        }
    }
    text
}
