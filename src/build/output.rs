//! Writing outputs so that nothing is lost.
//!
//! Everything is written into a staging folder inside the output folder first; only when all
//! of it is written does each finished folder replace the old one, by rename. A failed build
//! (or a crash) leaves the previous output as it was. steg only ever writes into a folder that
//! is empty or that it marked as its own, so `--out` can never clobber someone's files.

use super::bundle::{Content, FileSet};
use crate::diagnostic::{Diagnostic, codes::*};
use std::path::{Path, PathBuf};

/// The file that marks a folder as steg's output.
pub const MARKER: &str = ".steg-output";
const MARKER_TEXT: &str =
    "This folder is written by steg. It may be deleted and rebuilt at any time.\n";

/// Writes each `(relative folder, files)` pair into `out`, replacing what was there.
pub fn write_all(out: &Path, sets: &[(String, &FileSet)]) -> Result<(), Diagnostic> {
    prepare(out)?;
    let staging = out.join(format!(".steg-staging-{}", std::process::id()));
    let result = write_staged(out, &staging, sets);
    // Whatever happened, leave no staging folder behind.
    let _ = std::fs::remove_dir_all(&staging);
    result
}

fn write_staged(out: &Path, staging: &Path, sets: &[(String, &FileSet)]) -> Result<(), Diagnostic> {
    let _ = std::fs::remove_dir_all(staging);
    // Files are independent: write them in parallel.
    use rayon::prelude::*;
    let files: Vec<(PathBuf, &Content)> = sets
        .iter()
        .enumerate()
        .flat_map(|(i, (_, files))| {
            let dir = staging.join(i.to_string());
            files.files.iter().map(move |(path, c)| (dir.join(path), c))
        })
        .collect();
    files
        .par_iter()
        .try_for_each(|(path, content)| write_file(path, content))?;
    for (i, (rel, _)) in sets.iter().enumerate() {
        let target = out.join(rel);
        let old = staging.join(format!("old-{i}"));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, &e))?;
        }
        if target.exists() {
            std::fs::rename(&target, &old).map_err(|e| io_error(&target, &e))?;
        }
        if let Err(e) = std::fs::rename(staging.join(i.to_string()), &target) {
            // Put the old output back rather than leave a hole.
            let _ = std::fs::rename(&old, &target);
            return Err(io_error(&target, &e));
        }
    }
    Ok(())
}

fn write_file(path: &Path, content: &Content) -> Result<(), Diagnostic> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io_error(parent, &e))?;
    }
    let bytes = content.bytes()?;
    std::fs::write(path, bytes).map_err(|e| io_error(path, &e))
}

/// Writes one file directly inside `out` (already prepared by [`write_all`]): into a temporary
/// name first, then renamed over the old one, so a reader never sees half a file.
pub fn write_single(out: &Path, name: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
    let target = out.join(name);
    let temp = out.join(format!(".{name}.steg-tmp-{}", std::process::id()));
    std::fs::write(&temp, bytes).map_err(|e| io_error(&temp, &e))?;
    std::fs::rename(&temp, &target).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io_error(&target, &e)
    })
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
