//! The runtime loader: reads a bundle directory and trusts nothing in it.
//!
//! It checks, in order: the manifest parses and has a format version this loader knows; the
//! moment → modul → avsnitt → steg hierarchy is complete and its ids unique; every steg has the
//! parts its type needs; flags refer to things that exist; and every file is present, inside
//! the bundle, listed once, and has exactly the size and SHA-256 the manifest states. All
//! problems are collected, not just the first.

use super::manifest::*;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Location, codes::*};
use crate::hash::sha256_hex;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// A bundle that passed every check.
#[derive(Debug, Clone)]
pub struct Bundle {
    root: PathBuf,
    manifest: Manifest,
}

impl Bundle {
    /// Loads and verifies the bundle in directory `root`.
    pub fn open(root: impl AsRef<Path>) -> Result<Bundle, Diagnostics> {
        let root = root.as_ref();
        let manifest = read_manifest(root)?;
        let mut problems = Problems::new(root);
        check_hierarchy(&manifest, &mut problems);
        check_files(root, &manifest, &mut problems);
        if problems.list.is_empty() {
            Ok(Bundle {
                root: root.to_path_buf(),
                manifest,
            })
        } else {
            Err(problems.list)
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Reads a file the manifest lists, re-checking its hash (the disk may have changed since
    /// `open`). `path` is a bundle path such as `steg/somn/intro/valkommen.html`.
    pub fn read(&self, path: &str) -> std::io::Result<Vec<u8>> {
        let entry = self
            .manifest
            .files
            .iter()
            .find(|f| f.path == path)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, path.to_string()))?;
        let bytes = std::fs::read(self.root.join(path))?;
        if sha256_hex(&bytes) != entry.sha256 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{path} changed after the bundle was verified"),
            ));
        }
        Ok(bytes)
    }

    /// Counts for a summary: (moduler, avsnitt, steg, files).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let m = &self.manifest.moment;
        let avsnitt = m.moduler.iter().map(|x| x.avsnitt.len()).sum();
        let steg = m
            .moduler
            .iter()
            .flat_map(|x| &x.avsnitt)
            .map(|a| a.steg.len())
            .sum();
        (m.moduler.len(), avsnitt, steg, self.manifest.files.len())
    }
}

struct Problems {
    manifest_path: PathBuf,
    root: PathBuf,
    list: Diagnostics,
}

impl Problems {
    fn new(root: &Path) -> Self {
        Problems {
            manifest_path: root.join(MANIFEST_FILE),
            root: root.to_path_buf(),
            list: Diagnostics::new(),
        }
    }

    fn manifest(&mut self, code: Code, message: String, hint: &str) {
        let d = Diagnostic::new(code, message)
            .in_file(&self.manifest_path)
            .hint(hint);
        self.list.push(d);
    }

    fn file(&mut self, code: Code, path: &str, message: String, hint: &str) {
        let d = Diagnostic::new(code, message)
            .in_file(self.root.join(path))
            .hint(hint);
        self.list.push(d);
    }
}

fn read_manifest(root: &Path) -> Result<Manifest, Diagnostics> {
    let path = root.join(MANIFEST_FILE);
    let fail = |d: Diagnostic| Err(Diagnostics::from_iter([d]));
    if !root.is_dir() {
        return fail(
            Diagnostic::new(B0001, format!("{} is not a folder", root.display()))
                .in_file(root)
                .hint("give the path of a bundle folder, e.g. dist/plus-ung/1.0.0"),
        );
    }
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            return fail(
                Diagnostic::new(B0001, format!("cannot read {MANIFEST_FILE}: {e}"))
                    .in_file(&path)
                    .hint("a bundle folder holds a bundle.json written by `steg build`"),
            );
        }
    };
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            return fail(
                Diagnostic::new(B0002, format!("{MANIFEST_FILE} is not valid JSON: {e}"))
                    .in_file(&path)
                    .at(Location::line_column(e.line(), e.column()))
                    .hint("rebuild the bundle with `steg build`; do not edit bundle.json by hand"),
            );
        }
    };

    // Format first: a newer format may differ in any other field, so say that, not the symptom.
    let format = value.get("format").and_then(|v| v.as_str());
    let version = value.get("format_version").and_then(|v| v.as_u64());
    if format != Some(FORMAT_NAME) || version != Some(u64::from(FORMAT_VERSION)) {
        let found = match (format, version) {
            (Some(f), Some(v)) => format!("`{f}` version {v}"),
            _ => "no `format` and `format_version`".to_string(),
        };
        return fail(
            Diagnostic::new(
                B0003,
                format!(
                    "this loader reads `{FORMAT_NAME}` format version {FORMAT_VERSION}; the bundle has {found}"
                ),
            )
            .in_file(&path)
            .hint("rebuild the bundle with this version of steg, or use the steg version that wrote it"),
        );
    }

    let unknown_types = unknown_steg_types(&value);
    if !unknown_types.is_empty() {
        return Err(unknown_types
            .into_iter()
            .map(|(at, ty)| {
                Diagnostic::new(
                    B0011,
                    format!(
                        "{at} has type `{ty}`, which format version {FORMAT_VERSION} does not know (it knows {})",
                        STEG_TYPES.join(", ")
                    ),
                )
                .in_file(&path)
                .hint("the bundle was written by a newer or a modified tool; rebuild it with `steg build`")
            })
            .collect());
    }

    let mut de = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize::<_, Manifest>(&mut de).map_err(|e| {
        let at = e.path().to_string();
        let inner = e.into_inner();
        Diagnostics::from_iter([Diagnostic::new(
            B0002,
            format!("{MANIFEST_FILE} does not match the format at `{at}`: {inner}"),
        )
        .in_file(&path)
        .at(Location::line_column(inner.line(), inner.column()))
        .hint("compare with schema/bundle.schema.json; rebuild the bundle with `steg build`")])
    })
}

/// Finds steg whose `type` this format version does not know, before typed parsing would
/// report them as an opaque "unknown variant".
fn unknown_steg_types(value: &serde_json::Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let moduler = value
        .pointer("/moment/moduler")
        .and_then(|v| v.as_array())
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (mi, modul) in moduler.iter().enumerate() {
        let avsnitt = modul
            .get("avsnitt")
            .and_then(|v| v.as_array())
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (ai, a) in avsnitt.iter().enumerate() {
            let steg = a
                .get("steg")
                .and_then(|v| v.as_array())
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (si, s) in steg.iter().enumerate() {
                if let Some(ty) = s.get("type").and_then(|t| t.as_str())
                    && !STEG_TYPES.contains(&ty)
                {
                    let name = s
                        .get("address")
                        .and_then(|a| a.as_str())
                        .map(|a| format!("steg `{a}`"))
                        .unwrap_or_else(|| {
                            format!("moment.moduler[{mi}].avsnitt[{ai}].steg[{si}]")
                        });
                    found.push((name, ty.to_string()));
                }
            }
        }
    }
    found
}

const HIERARCHY_HINT: &str =
    "rebuild the bundle with `steg build`; the content must have been changed after the build";

fn check_hierarchy(m: &Manifest, p: &mut Problems) {
    let moment = &m.moment;
    if semver::Version::parse(&moment.version).is_err() {
        p.manifest(
            B0002,
            format!(
                "the moment's version `{}` is not a semantic version",
                moment.version
            ),
            HIERARCHY_HINT,
        );
    }
    check_id(p, "moment", &moment.id);
    if moment.welcome.is_empty() {
        p.manifest(
            B0004,
            "the moment has no welcome text".into(),
            HIERARCHY_HINT,
        );
    }
    if moment.moduler.is_empty() {
        p.manifest(
            B0004,
            "the moment has no modul; a moment needs at least one".into(),
            HIERARCHY_HINT,
        );
    }
    unique_ids(p, "moment", moment.moduler.iter().map(|x| x.id.as_str()));
    for modul in &moment.moduler {
        check_id(p, "modul", &modul.id);
        if modul.avsnitt.is_empty() {
            p.manifest(
                B0004,
                format!("modul `{}` has no avsnitt", modul.id),
                HIERARCHY_HINT,
            );
        }
        unique_ids(
            p,
            &format!("modul `{}`", modul.id),
            modul.avsnitt.iter().map(|x| x.id.as_str()),
        );
        for avsnitt in &modul.avsnitt {
            check_id(p, "avsnitt", &avsnitt.id);
            if avsnitt.steg.is_empty() {
                p.manifest(
                    B0004,
                    format!("avsnitt `{}/{}` has no steg", modul.id, avsnitt.id),
                    HIERARCHY_HINT,
                );
            }
            unique_ids(
                p,
                &format!("avsnitt `{}/{}`", modul.id, avsnitt.id),
                avsnitt.steg.iter().map(|x| x.id.as_str()),
            );
            for steg in &avsnitt.steg {
                check_id(p, "steg", &steg.id);
                let expected = format!("{}/{}/{}", modul.id, avsnitt.id, steg.id);
                if steg.address != expected {
                    p.manifest(
                        B0004,
                        format!(
                            "steg `{}` has address `{}`, but its place in the tree gives `{expected}`",
                            steg.id, steg.address
                        ),
                        HIERARCHY_HINT,
                    );
                }
                check_steg_parts(p, steg);
            }
        }
    }

    let moduler: HashSet<&str> = moment.moduler.iter().map(|x| x.id.as_str()).collect();
    unique_ids(
        p,
        "the flag list",
        moment.flags.iter().map(|f| f.id.as_str()),
    );
    for flag in &moment.flags {
        if let Trigger::ModulEnds { moduler: refs, .. } = &flag.trigger {
            for r in refs {
                if !moduler.contains(r.as_str()) {
                    p.manifest(
                        B0009,
                        format!(
                            "flag `{}` refers to modul `{r}`, which is not in the bundle",
                            flag.id
                        ),
                        HIERARCHY_HINT,
                    );
                }
            }
        }
    }
}

fn check_steg_parts(p: &mut Problems, steg: &StegEntry) {
    let lacks = |what: &str| {
        format!(
            "steg `{}` ({}) lacks {what}",
            steg.address,
            steg.content.type_name()
        )
    };
    match &steg.content {
        StegContent::Form { form, .. } => check_form(p, steg, form),
        StegContent::Image {
            alt, decorative, ..
        } => {
            if alt.as_deref().is_none_or(str::is_empty) && !decorative {
                p.manifest(B0011, lacks("alt text"), HIERARCHY_HINT);
            }
        }
        StegContent::Video {
            source,
            captions,
            transcript,
            ..
        } => {
            if captions.is_empty() || transcript.is_empty() {
                p.manifest(B0011, lacks("captions and a transcript"), HIERARCHY_HINT);
            }
            check_source(p, steg, source);
        }
        StegContent::Audio {
            source, transcript, ..
        } => {
            if transcript.is_empty() {
                p.manifest(B0011, lacks("a transcript"), HIERARCHY_HINT);
            }
            check_source(p, steg, source);
        }
        StegContent::Text | StegContent::Exercise { .. } => {}
    }
}

/// What the compiler guarantees about a form that a reader can check without the sources:
/// questions present, ids unique across groups and scores, conditions and scores pointing at
/// questions before them.
fn check_form(p: &mut Problems, steg: &StegEntry, form: &Form) {
    let lacks = |what: &str| format!("steg `{}` (form) lacks {what}", steg.address);
    if form.questions.is_empty() {
        p.manifest(B0011, lacks("questions"), HIERARCHY_HINT);
    }
    let all = crate::forms::questions_in_order(&form.questions);
    unique_ids(
        p,
        &format!("form `{}`", steg.address),
        all.iter()
            .map(|q| q.id.as_str())
            .chain(form.scores.iter().map(|s| s.id.as_str())),
    );
    let mut earlier: HashSet<&str> = HashSet::new();
    for q in &all {
        match &q.kind {
            QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options }
                if options.is_empty() =>
            {
                p.manifest(
                    B0011,
                    lacks(&format!("options for question `{}`", q.id)),
                    HIERARCHY_HINT,
                );
            }
            QuestionKind::Group { questions } if questions.is_empty() => {
                p.manifest(
                    B0011,
                    lacks(&format!("questions in group `{}`", q.id)),
                    HIERARCHY_HINT,
                );
            }
            _ => {}
        }
        for c in q.show_if.iter().flat_map(|s| &s.conditions) {
            if !earlier.contains(c.question.as_str()) {
                p.manifest(
                    B0012,
                    format!(
                        "in form `{}`, question `{}` is shown depending on `{}`, which is not an answered question before it",
                        steg.address, q.id, c.question
                    ),
                    HIERARCHY_HINT,
                );
            }
        }
        if q.kind.takes_answer() {
            earlier.insert(q.id.as_str());
        }
    }
    for s in &form.scores {
        for id in &s.questions {
            if !earlier.contains(id.as_str()) {
                p.manifest(
                    B0012,
                    format!(
                        "in form `{}`, score `{}` counts `{id}`, which is not an answered question of the form",
                        steg.address, s.id
                    ),
                    HIERARCHY_HINT,
                );
            }
        }
    }
}

fn check_source(p: &mut Problems, steg: &StegEntry, source: &MediaSource) {
    if let MediaSource::Url(url) = source
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        p.manifest(
            B0008,
            format!(
                "steg `{}` plays from `{url}`, which is not an http(s) address",
                steg.address
            ),
            HIERARCHY_HINT,
        );
    }
}

fn check_id(p: &mut Problems, what: &str, id: &str) {
    if !crate::ids::is_valid_id(id) {
        p.manifest(
            B0004,
            format!("{what} id `{id}` is not valid (lower-case a-z, digits and -, at most 64)"),
            HIERARCHY_HINT,
        );
    }
}

fn unique_ids<'a>(p: &mut Problems, parent: &str, ids: impl Iterator<Item = &'a str>) {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            p.manifest(
                B0005,
                format!("{parent} has two children with id `{id}`"),
                HIERARCHY_HINT,
            );
        }
    }
}

fn check_files(root: &Path, m: &Manifest, p: &mut Problems) {
    let mut listed: BTreeMap<&str, &FileEntry> = BTreeMap::new();
    for f in &m.files {
        if !is_safe_bundle_path(&f.path) {
            p.manifest(
                B0008,
                format!(
                    "the manifest lists `{}`, a path outside the bundle or not in normal form",
                    f.path
                ),
                "bundle paths are relative, use `/`, and never contain `..`",
            );
            continue;
        }
        if listed.insert(f.path.as_str(), f).is_some() {
            p.manifest(
                B0008,
                format!("the manifest lists `{}` twice", f.path),
                HIERARCHY_HINT,
            );
        }
    }

    // Everything the tree points at must be a listed file.
    for path in referenced_paths(m) {
        if !listed.contains_key(path) {
            p.manifest(
                B0006,
                format!("the manifest refers to `{path}` but does not list it among its files"),
                HIERARCHY_HINT,
            );
        }
    }

    for (path, entry) in &listed {
        let full = root.join(path);
        let meta = match std::fs::symlink_metadata(&full) {
            Ok(meta) => meta,
            Err(_) => {
                p.file(
                    B0006,
                    path,
                    format!("`{path}` is listed in the manifest but missing"),
                    "copy the whole bundle folder again, or rebuild it",
                );
                continue;
            }
        };
        if !meta.file_type().is_file() {
            p.file(
                B0008,
                path,
                format!("`{path}` is not a plain file (a link or a folder)"),
                "a bundle holds plain files only",
            );
            continue;
        }
        match std::fs::read(&full) {
            Ok(bytes) => {
                let hash = sha256_hex(&bytes);
                if bytes.len() as u64 != entry.size || hash != entry.sha256 {
                    p.file(
                        B0007,
                        path,
                        format!(
                            "`{path}` has {} bytes and SHA-256 {hash}; the manifest says {} bytes and {}",
                            bytes.len(),
                            entry.size,
                            entry.sha256
                        ),
                        "the file was changed or damaged after the build; rebuild or copy the bundle again",
                    );
                }
            }
            Err(e) => p.file(
                B0001,
                path,
                format!("`{path}` cannot be read: {e}"),
                "check the file's permissions",
            ),
        }
    }

    // And nothing may ride along unlisted: it would reach the platform unreviewed.
    for entry in walk_files(root) {
        let rel = entry
            .strip_prefix(root)
            .ok()
            .map(|r| r.to_string_lossy().replace('\\', "/"));
        if let Some(rel) = rel
            && rel != MANIFEST_FILE
            && !listed.contains_key(rel.as_str())
        {
            p.file(
                B0010,
                &rel,
                format!("`{rel}` is in the bundle folder but not in the manifest"),
                "remove the file, or rebuild the bundle so the manifest lists it",
            );
        }
    }
}

fn referenced_paths(m: &Manifest) -> Vec<&str> {
    let moment = &m.moment;
    let mut v = vec![moment.welcome.as_str()];
    for modul in &moment.moduler {
        v.extend(modul.intro.as_deref());
        for a in &modul.avsnitt {
            v.extend(a.intro.as_deref());
            for s in &a.steg {
                v.push(s.html.as_str());
                v.extend(s.content.referenced_paths());
            }
        }
    }
    v.retain(|p| !p.is_empty());
    v
}

/// Relative, `/`-separated, no empty, `.` or `..` segments, no backslashes or drive letters.
pub fn is_safe_bundle_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains(':')
        && !path.contains('\0')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// Every entry below `root` that is not a folder, without following links.
fn walk_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(_) => out.push(path),
                Err(_) => {}
            }
        }
    }
    out.sort();
    out
}
