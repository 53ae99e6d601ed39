//! The texts of every diagnostic, in every language, read from `messages/<lang>.txt`.
//!
//! Call sites name a code, a variant key and named arguments; the words come from here when a
//! diagnostic is shown. The files are plain text so a translator can edit them without
//! touching Rust; their format is described at the top of each file. They are compiled into
//! the binary (and the loader-only library) and parsed once, on first use.

use super::Lang;
use std::collections::BTreeMap;
use std::sync::LazyLock;

const SV: &str = include_str!("messages/sv.txt");
const EN: &str = include_str!("messages/en.txt");

/// One section of a catalogue: a code (`E0406`) or the words around diagnostics (`ui`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// `summary`, `explain`, `broken`, `fixed`, each variant's `KEY`, `KEY.label`, `KEY.hint`,
    /// and `_phrase`s that messages put into their placeholders.
    pub fields: BTreeMap<String, String>,
}

impl Entry {
    pub(crate) fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    /// The variant keys: every field that is a message (not a label, hint or the code's own
    /// texts).
    #[cfg(test)]
    fn variants(&self) -> impl Iterator<Item = &str> {
        self.fields
            .keys()
            .map(String::as_str)
            .filter(|k| !k.contains('.') && !k.starts_with('_') && !CODE_FIELDS.contains(k))
    }
}

/// Fields every code has besides its variants.
#[cfg(test)]
const CODE_FIELDS: [&str; 4] = ["summary", "explain", "broken", "fixed"];

/// Every section of one language, by name.
#[derive(Debug, Default)]
pub(crate) struct Catalogue {
    pub sections: BTreeMap<String, Entry>,
    /// Lines the parser could not place; a test requires none.
    pub problems: Vec<String>,
}

static CATALOGUES: LazyLock<[Catalogue; 2]> = LazyLock::new(|| [parse(SV), parse(EN)]);

/// The catalogue of one language.
fn catalogue(lang: Lang) -> &'static Catalogue {
    match lang {
        Lang::Sv => &CATALOGUES[0],
        Lang::En => &CATALOGUES[1],
    }
}

/// The raw text of `section`'s `field` in `lang`, falling back to the other language, so a
/// missing translation shows words rather than nothing (the tests allow none to be missing).
pub fn raw(lang: Lang, section: &str, field: &str) -> Option<&'static str> {
    let other = if lang == Lang::En { Lang::Sv } else { Lang::En };
    [lang, other]
        .into_iter()
        .find_map(|l| catalogue(l).sections.get(section)?.get(field))
}

/// `field` of `section` in `lang`, with `{name}` placeholders filled from `args`.
pub fn text(lang: Lang, section: &str, field: &str, args: &[(&str, String)]) -> Option<String> {
    raw(lang, section, field).map(|t| fill(t, args))
}

/// A word or sentence around diagnostics (the `ui` section), e.g. `error` → `fel`.
pub fn ui(lang: Lang, field: &str, args: &[(&str, String)]) -> String {
    text(lang, "ui", field, args).unwrap_or_else(|| field.to_string())
}

/// Replaces each `{name}` in `template` with its argument; `{{` and `}}` stand for braces.
/// A placeholder with no argument is left as written, so a mistake shows instead of vanishing.
fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('{')
            && let Some(end) = tail.find('}')
            && let name = &tail[1..end]
            && is_name(name)
        {
            match args.iter().find(|(k, _)| *k == name) {
                Some((_, value)) => out.push_str(value),
                None => out.push_str(&tail[..=end]),
            }
            rest = &tail[end + 1..];
            continue;
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

/// The placeholder names a template uses, in order of first use.
#[cfg(test)]
fn placeholders(template: &str) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('{')
            && let Some(end) = tail.find('}')
            && is_name(&tail[1..end])
        {
            if !names.contains(&&tail[1..end]) {
                names.push(&tail[1..end]);
            }
            rest = &tail[end + 1..];
            continue;
        }
        rest = &tail[1..];
    }
    names
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Parses one language's file.
///
/// ```text
/// == E0406                       a section: a code, or `ui`
/// summary: one line              a field on one line
/// explain:                       a field over several lines: each indented two spaces
///   A longer text ...
/// ```
fn parse(text: &str) -> Catalogue {
    let mut cat = Catalogue::default();
    let mut section: Option<String> = None;
    let mut block: Option<(String, Vec<String>)> = None;
    let finish = |cat: &mut Catalogue,
                  section: &Option<String>,
                  block: &mut Option<(String, Vec<String>)>| {
        if let (Some(s), Some((field, mut lines))) = (section, block.take()) {
            while lines.last().is_some_and(|l| l.is_empty()) {
                lines.pop();
            }
            insert(cat, s, &field, lines.join("\n"));
        }
    };
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if block.is_some() {
            if let Some(inner) = line.strip_prefix("  ") {
                if let Some((_, lines)) = &mut block {
                    lines.push(inner.to_string());
                }
                continue;
            }
            if line.trim().is_empty() {
                if let Some((_, lines)) = &mut block {
                    lines.push(String::new());
                }
                continue;
            }
            finish(&mut cat, &section, &mut block);
        }
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix("== ") {
            let name = name.trim().to_string();
            if cat.sections.contains_key(&name) {
                cat.problems
                    .push(format!("line {n}: `{name}` appears twice"));
            }
            cat.sections.entry(name.clone()).or_default();
            section = Some(name);
            continue;
        }
        let Some(s) = &section else {
            cat.problems
                .push(format!("line {n}: text before the first `== ` line"));
            continue;
        };
        match line.split_once(':') {
            Some((field, value)) if is_field(field) => {
                let value = value.trim();
                if value.is_empty() {
                    block = Some((field.to_string(), Vec::new()));
                } else {
                    let s = s.clone();
                    insert(&mut cat, &s, field, value.to_string());
                }
            }
            _ => cat
                .problems
                .push(format!("line {n}: expected `name: text`, found {line:?}")),
        }
    }
    finish(&mut cat, &section, &mut block);
    cat
}

fn is_field(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' || c == '_'
        })
}

fn insert(cat: &mut Catalogue, section: &str, field: &str, value: String) {
    let entry = cat.sections.entry(section.to_string()).or_default();
    if entry.fields.insert(field.to_string(), value).is_some() {
        cat.problems
            .push(format!("`{section}` has `{field}` twice"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::CODES;

    fn args(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn fill_replaces_named_placeholders_and_keeps_braces() {
        let a = args(&[("field", "title"), ("n", "3")]);
        assert_eq!(fill("`{field}:` ({n})", &a), "`title:` (3)");
        assert_eq!(fill("write {{{{name}}}}", &a), "write {{name}}");
        assert_eq!(
            fill("{missing} and { x } and {", &a),
            "{missing} and { x } and {"
        );
        assert_eq!(placeholders("{a} {{b}} {c} {a}"), ["a", "c"]);
    }

    #[test]
    fn parses_fields_and_blocks() {
        let cat = parse(
            "# note\n== E0001\nsummary: one line\nexplain:\n  first\n\n  second\n\nbroken:\n    indented\nkey.hint: h\n",
        );
        assert!(cat.problems.is_empty(), "{:?}", cat.problems);
        let e = &cat.sections["E0001"];
        assert_eq!(e.get("summary"), Some("one line"));
        assert_eq!(e.get("explain"), Some("first\n\nsecond"));
        assert_eq!(e.get("broken"), Some("  indented"));
        assert_eq!(e.get("key.hint"), Some("h"));
        assert!(parse("stray\n").problems.len() == 1);
    }

    /// Every code has, in every language, a summary, an explanation with a broken and a fixed
    /// example, and the same variants with the same placeholders as in the other languages.
    #[test]
    fn every_code_has_a_complete_entry_in_every_language() {
        let mut problems = Vec::new();
        for lang in Lang::ALL {
            let cat = catalogue(lang);
            problems.extend(cat.problems.iter().map(|p| format!("{}: {p}", lang.code())));
            for code in CODES {
                let Some(entry) = cat.sections.get(code.id) else {
                    problems.push(format!("{}: no entry for {}", lang.code(), code.id));
                    continue;
                };
                for field in CODE_FIELDS {
                    if entry.get(field).is_none_or(|t| t.trim().is_empty()) {
                        problems.push(format!("{}: {} has no `{field}`", lang.code(), code.id));
                    }
                }
                if entry.variants().next().is_none() {
                    problems.push(format!("{}: {} has no message", lang.code(), code.id));
                }
                for field in entry.fields.keys() {
                    if let Some((variant, _)) = field.split_once('.')
                        && entry.get(variant).is_none()
                    {
                        problems.push(format!(
                            "{}: {}: `{field}` belongs to no message",
                            lang.code(),
                            code.id
                        ));
                    }
                }
            }
            for name in cat.sections.keys() {
                if name != "ui" && !CODES.iter().any(|c| c.id == name) {
                    problems.push(format!("{}: `{name}` is not a code", lang.code()));
                }
            }
        }
        let (sv, en) = (catalogue(Lang::Sv), catalogue(Lang::En));
        for (name, sv_entry) in &sv.sections {
            let Some(en_entry) = en.sections.get(name) else {
                continue;
            };
            let keys = |e: &Entry| e.fields.keys().cloned().collect::<Vec<_>>();
            if keys(sv_entry) != keys(en_entry) {
                problems.push(format!(
                    "{name}: sv has {:?}, en has {:?}",
                    keys(sv_entry),
                    keys(en_entry)
                ));
            }
            for (field, sv_text) in &sv_entry.fields {
                if CODE_FIELDS.contains(&field.as_str()) && field != "summary" {
                    continue;
                }
                if let Some(en_text) = en_entry.get(field) {
                    let mut a = placeholders(sv_text);
                    let mut b = placeholders(en_text);
                    a.sort_unstable();
                    b.sort_unstable();
                    if a != b {
                        problems.push(format!("{name} `{field}`: sv uses {a:?}, en uses {b:?}"));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// Every `Diagnostic::new(CODE, "key")` in the workspace's source (this crate's, the
    /// compiler's and the binary's: the catalogue holds the words of all of them) names a
    /// message the catalogue has. Keys chosen at run time are checked when made, by the
    /// `debug_assert` in `new`.
    #[test]
    fn every_key_written_in_the_source_is_in_the_catalogue() {
        let mut missing = Vec::new();
        let mut seen = 0;
        let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let mut stack: Vec<std::path::PathBuf> =
            ["crates/steg-bundle/src", "crates/steg-compiler/src", "src"]
                .iter()
                .map(|d| std::path::Path::new(workspace).join(d))
                .collect();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("src is readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("source is text");
                for (i, _) in text.match_indices("Diagnostic::new(") {
                    let args = &text[i + "Diagnostic::new(".len()..];
                    let Some((code, rest)) = args.split_once(',') else {
                        continue;
                    };
                    let code = code.trim();
                    if !CODES.iter().any(|c| c.id == code) {
                        continue;
                    }
                    // The key expression runs to the call's closing parenthesis.
                    let mut depth = 0;
                    let end = rest
                        .char_indices()
                        .find(|&(_, c)| {
                            match c {
                                '(' | '{' => depth += 1,
                                ')' | '}' if depth > 0 => depth -= 1,
                                ')' => return true,
                                _ => {}
                            }
                            false
                        })
                        .map_or(rest.len(), |(j, _)| j);
                    for key in rest[..end].split('"').skip(1).step_by(2) {
                        seen += 1;
                        if raw(Lang::En, code, key).is_none() || raw(Lang::Sv, code, key).is_none()
                        {
                            missing.push(format!("{}: {code} {key:?}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(seen > 100, "only {seen} keys found: the scan is broken");
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }
}
