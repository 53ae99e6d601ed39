//! The layers stay layers: no crate's top-level modules depend on each other in a loop, and the
//! loader crate links nothing of the compiler.

use crate::common::root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module of the crate in `src` and the other top-level modules it names as
/// `crate::<module>` outside comments.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("the crate's src folder") {
        let path = entry.expect("a folder entry").path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let mut text = String::new();
        for file in walk(&path) {
            text.push_str(&std::fs::read_to_string(file).expect("a source file"));
            text.push('\n');
        }
        modules.insert(name, text);
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .into_iter()
        .map(|(name, text)| {
            let mut deps = BTreeSet::new();
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (i, _) in line.match_indices("crate::") {
                    let rest = &line[i + "crate::".len()..];
                    let dep: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if dep != name && names.contains(&dep) {
                        deps.insert(dep);
                    }
                }
            }
            (name, deps)
        })
        .collect()
}

fn walk(path: &Path) -> Vec<std::path::PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).expect("a module folder") {
        let p = entry.expect("a folder entry").path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            files.push(p);
        }
    }
    files
}

/// A loop in `graph`, if it has one, as the modules along it.
fn find_loop(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for dep in &graph[node] {
            if let Some(cycle) = visit(dep, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_depends_on_itself_through_others() {
    for krate in ["crates/steg-bundle/src", "crates/steg-compiler/src", "src"] {
        let graph = module_graph(&root().join(krate));
        assert!(
            graph.len() > 1 || krate == "src",
            "{krate}: modules found: {graph:?}"
        );
        if let Some(cycle) = find_loop(&graph) {
            panic!("{krate}: modules in a loop: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_loop_finder_finds_a_loop() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", &["b"][..]),
        ("b", &["c"][..]),
        ("c", &["a"][..]),
        ("d", &[][..]),
    ]
    .into_iter()
    .map(|(n, deps)| (n.to_string(), deps.iter().map(|d| d.to_string()).collect()))
    .collect();
    assert_eq!(
        find_loop(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

#[test]
fn the_loader_crate_links_nothing_of_the_compiler() {
    let manifest = std::fs::read_to_string(root().join("crates/steg-bundle/Cargo.toml"))
        .expect("crates/steg-bundle/Cargo.toml");
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("a [dependencies] table");
    let deps = deps.split("\n[").next().unwrap_or(deps);
    for compiler_crate in [
        "steg-compiler",
        "pulldown-cmark",
        "tera",
        "serde-saphyr",
        "ammonia",
        "walkdir",
        "axum",
        "rayon",
    ] {
        assert!(
            !deps
                .lines()
                .any(|l| l.trim_start().starts_with(compiler_crate)),
            "steg-bundle depends on {compiler_crate}"
        );
    }
}
