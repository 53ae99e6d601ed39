//! Finding and reading the source files of a content folder.
//!
//! [`discover`] turns a folder into a [`MomentSource`] tree of paths, reporting problems with
//! the shape of the tree (missing `modul.md`, a steg outside any avsnitt, numbers used twice).
//! [`read_text`] and [`frontmatter`] read one file; nothing here knows what the fields mean.

pub mod control;
pub mod frontmatter;
pub mod safe;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use steg_bundle::diagnostic::{Diagnostic, Diagnostics, codes::*};
use steg_bundle::ids::split_number_prefix;

pub const MOMENT_FILE: &str = "moment.md";
pub const MODUL_FILE: &str = "modul.md";
pub const AVSNITT_FILE: &str = "avsnitt.md";
/// The review record beside moment.md, written by `steg review approve`.
pub const APPROVALS_FILE: &str = "approvals.yaml";

/// Markdown files larger than this are refused (a steg is one page, not a book).
pub const MAX_MARKDOWN_BYTES: u64 = 1024 * 1024;

/// A moment's folder, as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MomentSource {
    pub dir: PathBuf,
    /// The folder's name, from which the id is derived unless pinned.
    pub name: String,
    pub file: PathBuf,
    pub moduler: Vec<ModulSource>,
    /// Every other file below the moment (media, transcripts, captions), relative to `dir`
    /// with `/` separators, mapped to its path on disk.
    pub assets: BTreeMap<String, PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModulSource {
    pub dir: PathBuf,
    /// The name without its number prefix.
    pub name: String,
    pub file: PathBuf,
    pub avsnitt: Vec<AvsnittSource>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvsnittSource {
    pub dir: PathBuf,
    pub name: String,
    pub file: PathBuf,
    pub steg: Vec<StegSource>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StegSource {
    pub file: PathBuf,
    /// The file name without number prefix and `.md`.
    pub name: String,
}

/// Finds the moments in `root`: `root` itself when it holds a `moment.md`, else each
/// sub-folder that does.
pub fn discover(root: &Path, diags: &mut Diagnostics) -> Vec<MomentSource> {
    if root.is_file() {
        diags.push(
            Diagnostic::new(E0101, "root-is-file")
                .arg("path", root.display())
                .in_file(root),
        );
        return vec![];
    }
    if !root.is_dir() {
        diags.push(
            Diagnostic::new(E0101, "root-missing")
                .arg("path", root.display())
                .in_file(root),
        );
        return vec![];
    }
    if present(&root.join(MOMENT_FILE)) {
        return discover_moment(root, diags).into_iter().collect();
    }
    let mut moments = Vec::new();
    for entry in sorted_entries(root, diags) {
        if entry.kind == Kind::Dir && present(&entry.path.join(MOMENT_FILE)) {
            moments.extend(discover_moment(&entry.path, diags));
        }
    }
    if moments.is_empty() && !diags.has_errors() {
        diags.push(
            Diagnostic::new(E0103, "none")
                .arg("path", root.display())
                .in_file(root),
        );
    }
    moments
}

fn discover_moment(dir: &Path, diags: &mut Diagnostics) -> Option<MomentSource> {
    let name = file_name(dir);
    let mut moduler = Vec::new();
    let mut assets = BTreeMap::new();
    let mut numbers = Numbers::default();
    for entry in sorted_entries(dir, diags) {
        match entry.kind {
            Kind::File if entry.name == MOMENT_FILE || entry.name == APPROVALS_FILE => {}
            Kind::File if is_markdown(&entry.name) => {
                diags.push(misplaced_markdown(&entry.path, "in-moment"));
            }
            Kind::File => {
                assets.insert(entry.name.clone(), entry.path.clone());
            }
            Kind::Dir => match split_number_prefix(&entry.name) {
                Some((n, rest)) => {
                    numbers.add(n, &entry.path, diags);
                    let file = entry.path.join(MODUL_FILE);
                    if !present(&file) {
                        diags.push(missing_index(&entry.path, MODUL_FILE, "modul"));
                        continue;
                    }
                    let avsnitt = discover_modul(&entry.path, &mut assets, dir, diags);
                    moduler.push(ModulSource {
                        dir: entry.path.clone(),
                        name: rest.to_string(),
                        file,
                        avsnitt,
                    });
                }
                None => collect_assets(&entry.path, dir, &mut assets, diags),
            },
        }
    }
    Some(MomentSource {
        dir: dir.to_path_buf(),
        name,
        file: dir.join(MOMENT_FILE),
        moduler,
        assets,
    })
}

fn discover_modul(
    dir: &Path,
    assets: &mut BTreeMap<String, PathBuf>,
    moment_dir: &Path,
    diags: &mut Diagnostics,
) -> Vec<AvsnittSource> {
    let mut avsnitt = Vec::new();
    let mut numbers = Numbers::default();
    for entry in sorted_entries(dir, diags) {
        match entry.kind {
            Kind::File if entry.name == MODUL_FILE => {}
            Kind::File if is_markdown(&entry.name) => {
                diags.push(misplaced_markdown(&entry.path, "in-modul"));
            }
            Kind::File => add_asset(&entry.path, moment_dir, assets),
            Kind::Dir => match split_number_prefix(&entry.name) {
                Some((n, rest)) => {
                    numbers.add(n, &entry.path, diags);
                    let file = entry.path.join(AVSNITT_FILE);
                    if !present(&file) {
                        diags.push(missing_index(&entry.path, AVSNITT_FILE, "avsnitt"));
                        continue;
                    }
                    let steg = discover_avsnitt(&entry.path, assets, moment_dir, diags);
                    avsnitt.push(AvsnittSource {
                        dir: entry.path.clone(),
                        name: rest.to_string(),
                        file,
                        steg,
                    });
                }
                None => collect_assets(&entry.path, moment_dir, assets, diags),
            },
        }
    }
    avsnitt
}

fn discover_avsnitt(
    dir: &Path,
    assets: &mut BTreeMap<String, PathBuf>,
    moment_dir: &Path,
    diags: &mut Diagnostics,
) -> Vec<StegSource> {
    let mut steg = Vec::new();
    let mut numbers = Numbers::default();
    for entry in sorted_entries(dir, diags) {
        match entry.kind {
            Kind::File if entry.name == AVSNITT_FILE => {}
            Kind::File if is_markdown(&entry.name) => {
                let stem = &entry.name[..entry.name.len() - 3];
                match split_number_prefix(stem) {
                    Some((n, rest)) => {
                        numbers.add(n, &entry.path, diags);
                        steg.push(StegSource {
                            file: entry.path.clone(),
                            name: rest.to_string(),
                        });
                    }
                    None => diags.push(
                        Diagnostic::new(E0106, "steg")
                            .arg("name", control::escape(&entry.name))
                            .arg(
                                "suggestion",
                                format!("{:02}-{}", numbers.next(), control::escape(&entry.name)),
                            )
                            .in_file(&entry.path),
                    ),
                }
            }
            Kind::File => add_asset(&entry.path, moment_dir, assets),
            Kind::Dir if split_number_prefix(&entry.name).is_some() => diags.push(
                Diagnostic::new(E0105, "folder")
                    .arg("name", control::escape(&entry.name))
                    .in_file(&entry.path),
            ),
            Kind::Dir => collect_assets(&entry.path, moment_dir, assets, diags),
        }
    }
    steg
}

/// An asset folder (no number prefix): every file below it is a file steps may refer to.
fn collect_assets(
    dir: &Path,
    moment_dir: &Path,
    assets: &mut BTreeMap<String, PathBuf>,
    diags: &mut Diagnostics,
) {
    for entry in sorted_entries(dir, diags) {
        match entry.kind {
            Kind::File => add_asset(&entry.path, moment_dir, assets),
            Kind::Dir => collect_assets(&entry.path, moment_dir, assets, diags),
        }
    }
}

fn add_asset(path: &Path, moment_dir: &Path, assets: &mut BTreeMap<String, PathBuf>) {
    if let Ok(rel) = path.strip_prefix(moment_dir) {
        assets.insert(rel_string(rel), path.to_path_buf());
    }
}

/// A path relative to the moment, with `/` separators on every platform, in NFC (so that a
/// reference typed composed finds a file whose name was saved decomposed).
pub fn rel_string(rel: &Path) -> String {
    nfc(rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/"))
}

/// Whether something other than a folder is at `path`, without following a link: a link or
/// a FIFO named `modul.md` is then reported as what it is when it is read.
fn present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_dir())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
}

struct Entry {
    path: PathBuf,
    name: String,
    kind: Kind,
}

/// The entries of `dir` in name order, skipping hidden (`.`) and draft (`_`) names. Links are
/// reported, not followed: following them could leave the program's folder or loop.
fn sorted_entries(dir: &Path, diags: &mut Diagnostics) -> Vec<Entry> {
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) => {
            diags.push(
                Diagnostic::new(E0101, "folder")
                    .arg("error", e)
                    .in_file(dir),
            );
            return vec![];
        }
    };
    let mut entries = Vec::new();
    for entry in read.flatten() {
        // In NFC: ids are made from names, and a name saved decomposed must give the same id.
        let name = nfc(entry.file_name().to_string_lossy().into_owned());
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        let path = entry.path();
        let shown = control::escape(&name).into_owned();
        let kind = match entry.file_type() {
            Ok(t) if t.is_dir() => Kind::Dir,
            Ok(t) if t.is_file() => Kind::File,
            Ok(t) if t.is_symlink() => {
                diags.push(
                    Diagnostic::new(E0101, "link")
                        .arg("name", &shown)
                        .in_file(&path),
                );
                continue;
            }
            Ok(t) => {
                diags.push(
                    Diagnostic::new(E0101, safe::kind_of(t))
                        .arg("name", &shown)
                        .in_file(&path),
                );
                continue;
            }
            Err(e) => {
                diags.push(
                    Diagnostic::new(E0101, "entry")
                        .arg("name", &shown)
                        .arg("error", e)
                        .in_file(&path),
                );
                continue;
            }
        };
        entries.push(Entry { path, name, kind });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

/// Tracks number prefixes among siblings to report ones used twice.
#[derive(Default)]
struct Numbers {
    seen: BTreeMap<u32, PathBuf>,
}

impl Numbers {
    fn add(&mut self, n: u32, path: &Path, diags: &mut Diagnostics) {
        if let Some(first) = self.seen.get(&n) {
            diags.push(
                Diagnostic::new(E0107, "same")
                    .arg("name", file_name(path))
                    .arg("number", n)
                    .arg("other", file_name(first))
                    .arg("suggestion", format!("{:02}", self.next()))
                    .in_file(path),
            );
        } else {
            self.seen.insert(n, path.to_path_buf());
        }
    }

    fn next(&self) -> u32 {
        self.seen.keys().next_back().map_or(1, |n| n + 1)
    }
}

fn is_markdown(name: &str) -> bool {
    name.len() > 3 && name.to_ascii_lowercase().ends_with(".md")
}

/// The last part of `path`, for messages: control characters in it are escaped, so that a
/// file name cannot act on the terminal the message is printed to.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| control::escape(&n.to_string_lossy()).into_owned())
        .unwrap_or_default()
}

/// `place` is the catalogue key: `in-moment` or `in-modul`.
fn misplaced_markdown(path: &Path, place: &'static str) -> Diagnostic {
    Diagnostic::new(E0105, place)
        .arg("name", file_name(path))
        .in_file(path)
}

/// `level` is the catalogue key: `modul` or `avsnitt`.
fn missing_index(dir: &Path, index: &str, level: &'static str) -> Diagnostic {
    Diagnostic::new(E0104, level)
        .arg("name", file_name(dir))
        .arg("index", index)
        .in_file(dir)
}

/// Reads a Markdown file as text, refusing what is too large, not a regular file (a link, a
/// FIFO, a device) or not UTF-8 text. The text is held in NFC, so that a file saved
/// decomposed (as macOS does) gives the same ids, word counts and hashes as one saved
/// composed.
pub fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let bytes = safe::read_limited(path, MAX_MARKDOWN_BYTES).map_err(|e| match e {
        safe::Refused::Grew { max } => Diagnostic::new(E0111, "grew").arg("max", max).in_file(path),
        safe::Refused::TooLarge { size, max } => Diagnostic::new(E0111, "markdown")
            .arg("size", size)
            .arg("max", max)
            .in_file(path),
        other => refused(path, other),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        Diagnostic::new(E0102, "not-utf8")
            .in_file(path)
            .at(steg_bundle::diagnostic::Location::at_byte(&prefix, valid))
    })?;
    if let Some(nul) = text.find('\0') {
        return Err(Diagnostic::new(E0102, "nul")
            .in_file(path)
            .at(steg_bundle::diagnostic::Location::at_byte(&text, nul)));
    }
    Ok(nfc(text))
}

/// `text` in Unicode normalization form C (composed): `o` + U+0308 becomes `ö`.
pub fn nfc(text: String) -> String {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text,
        _ => text.nfc().collect(),
    }
}

/// The `E0101` error for a file [`safe`] refused to read.
pub fn refused(path: &Path, why: safe::Refused) -> Diagnostic {
    let d = match why {
        safe::Refused::Link => Diagnostic::new(E0101, "link").arg("name", file_name(path)),
        safe::Refused::Special { kind } => {
            Diagnostic::new(E0101, kind).arg("name", file_name(path))
        }
        safe::Refused::TooLarge { size, max } => Diagnostic::new(E0111, "file")
            .arg("size", size)
            .arg("max", max),
        safe::Refused::Grew { max } => Diagnostic::new(E0111, "grew").arg("max", max),
        other => Diagnostic::new(E0101, "file").arg("error", other),
    };
    d.in_file(path)
}

/// Why a path cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathProblem {
    LeavesMoment,
}

/// Resolves `target` as written in a file whose folder is `dir` (relative to the moment) to a
/// path relative to the moment. `/x` starts at the moment's folder. `.` and `..` are applied;
/// a path that would climb out of the moment is refused, as are Windows drive paths.
pub fn resolve_path(dir: &str, target: &str) -> Result<String, PathProblem> {
    let target = target.replace('\\', "/");
    if target.contains(':') || target.starts_with("//") {
        return Err(PathProblem::LeavesMoment);
    }
    let mut parts: Vec<&str> = Vec::new();
    if let Some(abs) = target.strip_prefix('/') {
        push_segments(&mut parts, abs)?;
    } else {
        push_segments(&mut parts, dir)?;
        push_segments(&mut parts, &target)?;
    }
    Ok(parts.join("/"))
}

fn push_segments<'a>(parts: &mut Vec<&'a str>, path: &'a str) -> Result<(), PathProblem> {
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or(PathProblem::LeavesMoment)?;
            }
            s => parts.push(s),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_paths() {
        assert_eq!(
            resolve_path("01-m/01-a", "bild.png").unwrap(),
            "01-m/01-a/bild.png"
        );
        assert_eq!(
            resolve_path("01-m/01-a", "../../media/x.png").unwrap(),
            "media/x.png"
        );
        assert_eq!(
            resolve_path("01-m/01-a", "/media/x.png").unwrap(),
            "media/x.png"
        );
        assert_eq!(
            resolve_path("01-m", "../../x"),
            Err(PathProblem::LeavesMoment)
        );
        assert_eq!(resolve_path("", "/../x"), Err(PathProblem::LeavesMoment));
        assert_eq!(resolve_path("", "C:/x"), Err(PathProblem::LeavesMoment));
    }
}
