//! Finding and reading the source files of a content folder.
//!
//! [`discover`] turns a folder into a [`MomentSource`] tree of paths, reporting problems with
//! the shape of the tree (missing `modul.md`, a steg outside any avsnitt, numbers used twice).
//! [`read_text`] and [`frontmatter`] read one file; nothing here knows what the fields mean.

pub mod frontmatter;

use crate::diagnostic::{Diagnostic, Diagnostics, codes::*};
use crate::ids::split_number_prefix;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
            Diagnostic::new(E0101, format!("{} is a file, not a folder", root.display()))
                .in_file(root)
                .hint("give the folder that holds the program (the one with moment.md), or the content folder that holds programs"),
        );
        return vec![];
    }
    if !root.is_dir() {
        diags.push(
            Diagnostic::new(
                E0101,
                format!("the content folder {} does not exist", root.display()),
            )
            .in_file(root)
            .hint("give the folder that holds your programs, e.g. `steg build content`"),
        );
        return vec![];
    }
    if root.join(MOMENT_FILE).is_file() {
        return discover_moment(root, diags).into_iter().collect();
    }
    let mut moments = Vec::new();
    for entry in sorted_entries(root, diags) {
        if entry.kind == Kind::Dir && entry.path.join(MOMENT_FILE).is_file() {
            moments.extend(discover_moment(&entry.path, diags));
        }
    }
    if moments.is_empty() && !diags.has_errors() {
        diags.push(
            Diagnostic::new(E0103, format!("no program found in {}", root.display()))
                .in_file(root)
                .hint("a program is a folder with a moment.md; create one with the fields described in docs/content-format.md"),
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
                diags.push(misplaced_markdown(&entry.path, "the moment's folder"));
            }
            Kind::File => {
                assets.insert(entry.name.clone(), entry.path.clone());
            }
            Kind::Dir => match split_number_prefix(&entry.name) {
                Some((n, rest)) => {
                    numbers.add(n, &entry.path, diags);
                    let file = entry.path.join(MODUL_FILE);
                    if !file.is_file() {
                        diags.push(missing_index(&entry.path, MODUL_FILE, "a modul"));
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
                diags.push(misplaced_markdown(&entry.path, "a modul's folder"));
            }
            Kind::File => add_asset(&entry.path, moment_dir, assets),
            Kind::Dir => match split_number_prefix(&entry.name) {
                Some((n, rest)) => {
                    numbers.add(n, &entry.path, diags);
                    let file = entry.path.join(AVSNITT_FILE);
                    if !file.is_file() {
                        diags.push(missing_index(&entry.path, AVSNITT_FILE, "an avsnitt"));
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
                        Diagnostic::new(
                            E0106,
                            format!("the steg file `{}` has no number prefix", entry.name),
                        )
                        .in_file(&entry.path)
                        .hint(format!(
                            "rename it to e.g. `{:02}-{}` so steg knows where it goes (start the name with `_` to keep a draft out of the program)",
                            numbers.next(),
                            entry.name
                        )),
                    ),
                }
            }
            Kind::File => add_asset(&entry.path, moment_dir, assets),
            Kind::Dir if split_number_prefix(&entry.name).is_some() => diags.push(
                Diagnostic::new(
                    E0105,
                    format!("`{}` is a numbered folder inside an avsnitt", entry.name),
                )
                .in_file(&entry.path)
                .hint("an avsnitt holds steg files, not folders; move the folder up one level to make it an avsnitt of the modul"),
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

/// A path relative to the moment, with `/` separators on every platform.
pub fn rel_string(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
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
                Diagnostic::new(E0101, format!("cannot read the folder: {e}"))
                    .in_file(dir)
                    .hint("check that the folder exists and that you may read it"),
            );
            return vec![];
        }
    };
    let mut entries = Vec::new();
    for entry in read.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        let path = entry.path();
        let kind = match entry.file_type() {
            Ok(t) if t.is_dir() => Kind::Dir,
            Ok(t) if t.is_file() => Kind::File,
            Ok(_) => {
                diags.push(
                    Diagnostic::new(E0101, format!("`{name}` is a link or special file"))
                        .in_file(&path)
                        .hint("steg does not follow links; copy the file into the program's folder instead"),
                );
                continue;
            }
            Err(e) => {
                diags.push(
                    Diagnostic::new(E0101, format!("cannot read `{name}`: {e}")).in_file(&path),
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
                Diagnostic::new(
                    E0107,
                    format!(
                        "`{}` has the same number ({n}) as `{}`",
                        file_name(path),
                        file_name(first)
                    ),
                )
                .in_file(path)
                .hint(format!(
                    "give each its own number so the order is clear, e.g. {:02}",
                    self.next()
                )),
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

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn misplaced_markdown(path: &Path, place: &str) -> Diagnostic {
    Diagnostic::new(
        E0105,
        format!("`{}` is in {place}, not inside an avsnitt", file_name(path)),
    )
    .in_file(path)
    .hint("a steg file belongs in an avsnitt folder (e.g. 01-somn/01-intro/); start the name with `_` to keep notes out of the program")
}

fn missing_index(dir: &Path, index: &str, level: &str) -> Diagnostic {
    Diagnostic::new(
        E0104,
        format!("the numbered folder `{}` has no {index}", file_name(dir)),
    )
    .in_file(dir)
    .hint(format!(
        "a numbered folder here is {level}: add {index} with at least a `title:`, or remove the number from the folder's name if it only holds media"
    ))
}

/// Reads a Markdown file as text, refusing what is too large or not UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::new(E0101, format!("cannot read the file: {e}")).in_file(path))?;
    if meta.len() > MAX_MARKDOWN_BYTES {
        return Err(Diagnostic::new(
            E0111,
            format!(
                "the file is {} bytes; a Markdown file may be at most {MAX_MARKDOWN_BYTES}",
                meta.len()
            ),
        )
        .in_file(path)
        .hint("split the text into several steg"));
    }
    // The file may have grown since its size was read: never read more than the limit.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            std::io::Read::read_to_end(
                &mut std::io::Read::take(f, MAX_MARKDOWN_BYTES + 1),
                &mut bytes,
            )
        })
        .map_err(|e| Diagnostic::new(E0101, format!("cannot read the file: {e}")).in_file(path))?;
    if bytes.len() as u64 > MAX_MARKDOWN_BYTES {
        return Err(Diagnostic::new(
            E0111,
            format!("the file grew past {MAX_MARKDOWN_BYTES} bytes while it was being read"),
        )
        .in_file(path)
        .hint("split the text into several steg"));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        Diagnostic::new(
            E0102,
            "the file is not UTF-8 text (it may be a binary file, or saved in another encoding)",
        )
        .in_file(path)
        .at(crate::diagnostic::Location::at_byte(&prefix, valid))
        .hint("save the file as UTF-8 text in your editor; a Markdown file cannot hold pictures or other binary data")
    })?;
    if let Some(nul) = text.find('\0') {
        return Err(Diagnostic::new(
            E0102,
            "the file contains a NUL byte, so it is not plain text",
        )
        .in_file(path)
        .at(crate::diagnostic::Location::at_byte(&text, nul))
        .hint("save the file as plain UTF-8 text"));
    }
    Ok(text)
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
