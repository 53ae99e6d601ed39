//! Where the content is, seen from where `steg` is run: as cargo finds its manifest, an editor
//! may stand in the project folder, in `content/`, in a program's folder or anywhere below it.
//!
//! Paths are kept relative to the working folder (`../somn-for-unga`, `../../dist`) so that
//! what steg prints can be pasted back as it stands; a path never ends in `.` or `..`, because
//! a program's id is its folder's name.

use crate::source::MOMENT_FILE;
use std::path::{Component, Path, PathBuf};

/// The default name of the folder holding the programs.
pub const CONTENT_DIR: &str = "content";

/// What the working folder belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// What to read: the content folder, or one program's folder when standing inside it.
    pub content: PathBuf,
    /// The folder holding the content folder, where `dist/` and `themes/` are by default.
    pub project: PathBuf,
    /// Whether the working folder is inside the content (then commands need no path).
    pub inside: bool,
}

impl Place {
    /// `name` (e.g. `dist`, `themes/default`) in the project folder, written as short as it
    /// can be: `dist` in the project folder itself, `../../dist` from below it.
    pub fn in_project(&self, name: &str) -> PathBuf {
        if self.project == Path::new(".") {
            PathBuf::from(name)
        } else {
            self.project.join(name)
        }
    }
}

/// Finds the content from `cwd` (the working folder; relative paths are made from it).
///
/// Walking up from `cwd`, the first folder that is a program (holds `moment.md`) is read on its
/// own; the first that holds programs is the content folder; the first that holds a `content`
/// folder is the project. With none of these, `content` in `cwd` (whose absence is then
/// reported by the loader as usual).
pub fn find(cwd: &Path) -> Place {
    for (level, dir) in cwd.ancestors().enumerate() {
        if dir.as_os_str().is_empty() {
            break;
        }
        if dir.join(MOMENT_FILE).is_file() {
            return Place {
                content: named(dir, level),
                project: up(level + 2),
                inside: true,
            };
        }
        if holds_programs(dir) {
            return Place {
                content: named(dir, level),
                project: up(level + 1),
                inside: true,
            };
        }
        if dir.join(CONTENT_DIR).is_dir() {
            return Place {
                content: tidy(&up(level).join(CONTENT_DIR)),
                project: up(level),
                inside: false,
            };
        }
    }
    Place {
        content: PathBuf::from(CONTENT_DIR),
        project: PathBuf::from("."),
        inside: false,
    }
}

/// The place for a path named on the command line (relative to `cwd`): the path itself when
/// it is a program or holds programs; the program it lies in when it is a modul's or avsnitt's
/// folder (so `steg check .` works anywhere inside a program); the path as given otherwise,
/// for the loader to report. `.` and `..` become the folder's name.
pub fn resolve(given: &Path, cwd: &Path) -> Place {
    // Standing inside the project, its `dist/` is above; standing elsewhere, the output goes
    // where it always went: into the working folder.
    let project_of = |content: &Path, program: bool| {
        let up = if program { "../.." } else { ".." };
        let project = tidy(&content.join(up));
        let above = project.components().next().is_some()
            && project.components().all(|c| c == Component::ParentDir);
        if above { project } else { PathBuf::from(".") }
    };
    let full = cwd.join(given);
    let program = full.join(MOMENT_FILE).is_file();
    if program || holds_programs(&full) {
        let content = readable(given, cwd);
        return Place {
            project: project_of(&content, program),
            content,
            inside: true,
        };
    }
    // A project folder named (`steg check .` where `content/` is): its content folder.
    if full.join(CONTENT_DIR).is_dir() {
        let content = tidy(&given.join(CONTENT_DIR));
        return Place {
            project: project_of(&content, false),
            content,
            inside: false,
        };
    }
    // Only a program above is looked for: a folder named on purpose that is neither content
    // nor inside a program is reported as it is, not replaced by some folder further up.
    if full.is_dir() {
        let program = full
            .ancestors()
            .enumerate()
            .skip(1)
            .find(|(_, dir)| dir.join(MOMENT_FILE).is_file());
        if let Some((level, dir)) = program {
            // `named` makes the path relative to `full`; make it relative to `cwd` again.
            let content = readable(&given.join(named(dir, level)), cwd);
            return Place {
                project: project_of(&content, true),
                content,
                inside: true,
            };
        }
    }
    Place {
        content: given.to_path_buf(),
        project: PathBuf::from("."),
        inside: false,
    }
}

/// Whether `path` is a program's folder or a folder holding programs.
pub fn is_content(path: &Path) -> bool {
    path.join(MOMENT_FILE).is_file() || holds_programs(path)
}

/// `path` made absolute (from the working folder), with `..` taken out by text where the
/// folder does not exist yet.
pub fn absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    tidy(&abs)
}

/// A folder holds programs when one of its folders holds a `moment.md`.
fn holds_programs(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().join(MOMENT_FILE).is_file())
    })
}

/// `..` repeated `level` times, or `.`.
fn up(level: usize) -> PathBuf {
    if level == 0 {
        return PathBuf::from(".");
    }
    (0..level).map(|_| Component::ParentDir).collect()
}

/// The folder `dir`, `level` folders above the working folder, as a relative path that ends in
/// its name: `../somn-for-unga` for the working folder itself.
fn named(dir: &Path, level: usize) -> PathBuf {
    match dir.file_name() {
        Some(name) => up(level + 1).join(name),
        None => dir.to_path_buf(),
    }
}

/// `path` (relative to `cwd`, or absolute) without `.` and `..` along it where they can be
/// taken out by text, and ending in a name: `.` becomes `../NAME`, `a/..` becomes `.`.
fn readable(path: &Path, cwd: &Path) -> PathBuf {
    let clean = tidy(path);
    let parts: Vec<Component<'_>> = clean.components().collect();
    if matches!(parts.last(), Some(Component::Normal(_))) {
        return clean;
    }
    // Ends in `..` or is empty: name the folder by walking up from the working folder.
    let ups = parts.len();
    if parts.iter().all(|c| matches!(c, Component::ParentDir))
        && let Some(dir) = cwd.ancestors().nth(ups)
    {
        return named(dir, ups);
    }
    std::fs::canonicalize(cwd.join(path)).unwrap_or(clean)
}

/// `path` with `.` taken out, and `NAME/..` where it can be by text.
fn tidy(path: &Path) -> PathBuf {
    let mut parts: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let m = t.path().join("content/somn/01-modul/01-avsnitt");
        std::fs::create_dir_all(&m).unwrap();
        std::fs::write(t.path().join("content/somn/moment.md"), "---\n---\n").unwrap();
        t
    }

    #[test]
    fn from_the_project_folder_the_content_folder() {
        let t = tree();
        let p = find(t.path());
        assert_eq!(p.content, Path::new("content"));
        assert_eq!(p.in_project("dist"), Path::new("dist"));
        assert!(!p.inside);
    }

    #[test]
    fn from_inside_a_program_that_program() {
        let t = tree();
        let p = find(&t.path().join("content/somn"));
        assert_eq!(p.content, Path::new("../somn"));
        assert_eq!(p.in_project("dist"), Path::new("../../dist"));
        let p = find(&t.path().join("content/somn/01-modul/01-avsnitt"));
        assert_eq!(p.content, Path::new("../../../somn"));
        assert_eq!(p.in_project("dist"), Path::new("../../../../dist"));
        assert!(p.inside);
    }

    #[test]
    fn from_the_content_folder_every_program() {
        let t = tree();
        let p = find(&t.path().join("content"));
        assert_eq!(p.content, Path::new("../content"));
        assert_eq!(p.in_project("dist"), Path::new("../dist"));
    }

    #[test]
    fn a_named_dot_is_the_program_by_its_name() {
        let t = tree();
        let inside = t.path().join("content/somn/01-modul");
        assert_eq!(
            resolve(Path::new("."), &inside).content,
            Path::new("../../somn")
        );
        let prog = t.path().join("content/somn");
        assert_eq!(resolve(Path::new("."), &prog).content, Path::new("../somn"));
        assert_eq!(
            resolve(Path::new("content/somn"), t.path()).content,
            Path::new("content/somn")
        );
        assert_eq!(
            resolve(Path::new("content/somn"), t.path()).in_project("dist"),
            Path::new("dist")
        );
        assert_eq!(
            resolve(Path::new("."), &inside).in_project("dist"),
            Path::new("../../../dist")
        );
        assert_eq!(
            resolve(Path::new("nowhere"), t.path()).content,
            Path::new("nowhere")
        );
    }
}
