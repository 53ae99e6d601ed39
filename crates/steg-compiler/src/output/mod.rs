//! Writing outputs so that nothing is lost.
//!
//! Everything is written into a staging folder inside the output folder first; only when all
//! of it is written does each finished folder replace the old one, by rename. A failed build
//! (or a crash) leaves the previous output as it was. steg only ever writes into a folder that
//! is empty or that it marked as its own, so `--out` can never clobber someone's files.

pub mod archive;

use crate::plan::{BundlePlan, Content};
use std::path::{Path, PathBuf};
use steg_bundle::diagnostic::{Diagnostic, Diagnostics, codes::*};

/// The file that marks a folder as steg's output.
pub const MARKER: &str = ".steg-output";
const MARKER_TEXT: &str =
    "This folder is written by steg. It may be deleted and rebuilt at any time.\n";

/// A build's output while it is being written: a staging folder inside `out`. Nothing in
/// `out` changes until [`Staging::commit`]; dropping it unfinished removes the staging folder.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    /// Folders and single files to move into `out`, by their path relative to `out`.
    entries: Vec<String>,
}

impl Staging {
    /// Prepares `out` (creates it, or checks that it is steg's own) and an empty staging folder.
    pub fn begin(out: &Path) -> Result<Staging, Diagnostic> {
        prepare(out)?;
        let dir = out.join(format!(".steg-staging-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, &e))?;
        Ok(Staging {
            out: out.to_path_buf(),
            dir,
            entries: Vec::new(),
        })
    }

    /// A staged place for `rel` (a folder or a file, relative to `out`), to be filled by the
    /// caller and moved into `out` on commit.
    pub fn stage(&mut self, rel: &str) -> PathBuf {
        let path = self.dir.join(self.entries.len().to_string());
        self.entries.push(rel.to_string());
        path
    }

    /// Moves everything staged into place, replacing what was there, each by one rename.
    pub fn commit(self) -> Result<(), Diagnostic> {
        for (i, rel) in self.entries.iter().enumerate() {
            let staged = self.dir.join(i.to_string());
            let target = self.out.join(rel);
            let old = self.dir.join(format!("old-{i}"));
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io_error(parent, &e))?;
            }
            let had_old = target.exists();
            if had_old {
                std::fs::rename(&target, &old).map_err(|e| io_error(&target, &e))?;
            }
            if let Err(e) = std::fs::rename(&staged, &target) {
                // Put the old output back rather than leave a hole.
                if had_old {
                    let _ = std::fs::rename(&old, &target);
                }
                return Err(io_error(&target, &e));
            }
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // Whatever happened, leave no staging folder behind.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where rendered files go. One trait for every output: a folder (`steg build`), memory
/// (`steg diff`, tests), the site `steg serve` serves, and the single-file archive. Files may
/// arrive from several threads at once.
pub trait Output: Sync {
    /// Writes one file at `path`, relative to the output's root.
    fn write(&self, path: &str, content: Content<'_>) -> Result<(), Diagnostic>;

    /// Removes a file an earlier write made (a page the site no longer has).
    fn remove(&self, _path: &str) {}

    /// Writes every file of a bundle plan, side by side.
    fn write_plan(&self, plan: &BundlePlan<'_>) -> Result<(), Diagnostics> {
        use rayon::prelude::*;
        let problems: Vec<Diagnostic> = plan
            .files
            .par_iter()
            .filter_map(|(path, content)| self.write(path, content.clone()).err())
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.into_iter().collect())
        }
    }
}

/// Writes files below a folder, creating folders as needed.
pub struct Folder {
    pub root: PathBuf,
}

impl Folder {
    /// Runs `write` on the path of `rel`; when its folder is missing, creates the folder
    /// and runs it once more. Asking first would cost a look-up per file; most folders
    /// already exist after their first file.
    fn with_target(
        &self,
        rel: &str,
        write: impl Fn(&Path) -> std::io::Result<()>,
    ) -> Result<(), Diagnostic> {
        let path = self.root.join(rel);
        match write(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| io_error(parent, &e))?;
                }
                write(&path)
            }
            other => other,
        }
        .map_err(|e| io_error(&path, &e))
    }
}

impl Output for Folder {
    fn write(&self, path: &str, content: Content<'_>) -> Result<(), Diagnostic> {
        let bytes = content.bytes()?;
        self.with_target(path, |target| std::fs::write(target, &bytes))
    }
}

/// Keeps the files in memory, by path.
#[derive(Default)]
pub struct Memory(pub std::sync::Mutex<std::collections::BTreeMap<String, Vec<u8>>>);

impl Output for Memory {
    fn write(&self, path: &str, content: Content<'_>) -> Result<(), Diagnostic> {
        let bytes = content.bytes()?.into_owned();
        if let Ok(mut files) = self.0.lock() {
            files.insert(path.to_string(), bytes);
        }
        Ok(())
    }

    fn remove(&self, path: &str) {
        if let Ok(mut files) = self.0.lock() {
            files.remove(path);
        }
    }
}

/// Creates `out` or checks that it is steg's own, and marks it.
fn prepare(out: &Path) -> Result<(), Diagnostic> {
    if out.exists() {
        if !out.is_dir() {
            return Err(Diagnostic::new(E0801, "not-folder").in_file(out));
        }
        let marked = out.join(MARKER).is_file();
        let empty = std::fs::read_dir(out)
            .map_err(|e| io_error(out, &e))?
            .next()
            .is_none();
        if !marked && !empty {
            return Err(Diagnostic::new(E0801, "foreign")
                .arg("marker", MARKER)
                .in_file(out));
        }
    } else {
        std::fs::create_dir_all(out).map_err(|e| io_error(out, &e))?;
    }
    std::fs::write(out.join(MARKER), MARKER_TEXT).map_err(|e| io_error(out, &e))
}

/// Refuses an output folder inside the content (it would be read back as content, and the
/// watcher would rebuild forever) or one that contains the content (cleaning it would delete
/// the author's files).
pub fn check_placement(content: &Path, out: &Path) -> Result<(), Diagnostic> {
    let content = absolute(content);
    let out = absolute(out);
    if out.starts_with(&content) || content.starts_with(&out) {
        return Err(Diagnostic::new(E0802, "overlap")
            .arg("out", out.display())
            .arg("content", content.display())
            .in_file(&out));
    }
    Ok(())
}

fn absolute(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    // Resolve links where the path exists, so two spellings of one folder compare equal.
    abs.canonicalize().unwrap_or(abs)
}

fn io_error(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::new(E0801, "write")
        .arg("error", e)
        .in_file(path)
}
