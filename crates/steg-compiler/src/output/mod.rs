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
    /// What [`prepare`] made (the folder `out`, its marker): removed again unless the
    /// commit succeeds, so a failed first build leaves no trace either.
    made: Prepared,
    committed: bool,
    /// Set when undoing a failed commit itself failed: the staging folder then still holds
    /// old outputs, and is kept rather than deleted with them.
    keep: bool,
}

impl Staging {
    /// Prepares `out` (creates it, or checks that it is steg's own) and an empty staging folder.
    pub fn begin(out: &Path) -> Result<Staging, Diagnostic> {
        let made = prepare(out)?;
        let dir = out.join(format!(".steg-staging-{}", std::process::id()));
        let staging = Staging {
            out: out.to_path_buf(),
            dir,
            entries: Vec::new(),
            made,
            committed: false,
            keep: false,
        };
        let _ = std::fs::remove_dir_all(&staging.dir);
        std::fs::create_dir_all(&staging.dir).map_err(|e| io_error(&staging.dir, &e))?;
        Ok(staging)
    }

    /// A staged place for `rel` (a folder or a file, relative to `out`), to be filled by the
    /// caller and moved into `out` on commit.
    pub fn stage(&mut self, rel: &str) -> PathBuf {
        let path = self.dir.join(self.entries.len().to_string());
        self.entries.push(rel.to_string());
        path
    }

    /// Moves everything staged into place, replacing what was there: all of it, or, when any
    /// step fails, none of it. The folders the targets need are made first; then each old
    /// output is moved aside and the new one moved in, each by one rename; a failure undoes
    /// every rename already done, in reverse, and removes the folders made, so the output
    /// folder is exactly as it was.
    pub fn commit(mut self) -> Result<(), Diagnostic> {
        self.commit_with(&mut |from, to| std::fs::rename(from, to))?;
        self.committed = true;
        Ok(())
    }

    /// [`Staging::commit`] with the rename to use (a test makes one fail).
    fn commit_with(
        &mut self,
        rename: &mut dyn FnMut(&Path, &Path) -> std::io::Result<()>,
    ) -> Result<(), Diagnostic> {
        let mut made: Vec<PathBuf> = Vec::new();
        let mut done: Vec<(PathBuf, PathBuf)> = Vec::new();
        let result = self.place_all(rename, &mut made, &mut done);
        if result.is_err() {
            // Undo in reverse: each rename back, then the folders made (only if still empty:
            // `remove_dir` never deletes anything else).
            for (from, to) in done.iter().rev() {
                if rename(to, from).is_err() {
                    self.keep = true;
                }
            }
            for dir in made.iter().rev() {
                let _ = std::fs::remove_dir(dir);
            }
        }
        result
    }

    fn place_all(
        &self,
        rename: &mut dyn FnMut(&Path, &Path) -> std::io::Result<()>,
        made: &mut Vec<PathBuf>,
        done: &mut Vec<(PathBuf, PathBuf)>,
    ) -> Result<(), Diagnostic> {
        for rel in &self.entries {
            // Every folder between `out` and the target must be a folder of its own: a link
            // there (`out/<moment>` pointing elsewhere) would put the output through it.
            let mut at = self.out.clone();
            let parts: Vec<_> = Path::new(rel).components().collect();
            for part in &parts[..parts.len().saturating_sub(1)] {
                at.push(part);
                if let Ok(m) = std::fs::symlink_metadata(&at)
                    && !m.file_type().is_dir()
                {
                    return Err(Diagnostic::new(E0801, "not-own-folder").in_file(&at));
                }
            }
            if let Some(parent) = self.out.join(rel).parent() {
                make_dirs(parent, made)?;
            }
        }
        for (i, rel) in self.entries.iter().enumerate() {
            let staged = self.dir.join(i.to_string());
            let target = self.out.join(rel);
            let old = self.dir.join(format!("old-{i}"));
            // `symlink_metadata`: a link in the way is moved aside itself, never followed.
            if std::fs::symlink_metadata(&target).is_ok() {
                rename(&target, &old).map_err(|e| io_error(&target, &e))?;
                done.push((target.clone(), old));
            }
            rename(&staged, &target).map_err(|e| io_error(&target, &e))?;
            done.push((staged, target));
        }
        Ok(())
    }
}

/// Creates `dir` and any missing folder above it, recording each one made (outermost
/// first) so that a failed commit can remove them again.
fn make_dirs(dir: &Path, made: &mut Vec<PathBuf>) -> Result<(), Diagnostic> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at {
        if std::fs::symlink_metadata(d).is_ok() {
            break;
        }
        missing.push(d.to_path_buf());
        at = d.parent();
    }
    for d in missing.into_iter().rev() {
        std::fs::create_dir(&d).map_err(|e| io_error(&d, &e))?;
        made.push(d);
    }
    Ok(())
}

impl Drop for Staging {
    fn drop(&mut self) {
        // Leave no staging folder behind, unless it holds old outputs that could not be put
        // back: those are the user's, and are not deleted.
        if self.keep {
            return;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        if !self.committed {
            if self.made.marker {
                let _ = std::fs::remove_file(self.out.join(MARKER));
            }
            if self.made.out {
                let _ = std::fs::remove_dir(&self.out);
            }
        }
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
        if let Content::Media(media) = content {
            // A film is copied a piece at a time, hashed on the way, never held whole; what
            // is written must still be what the model checked.
            let hashed = std::cell::Cell::new(None);
            self.with_target(path, |target| {
                hashed.set(Some(copy_hashing(&media.path, target)?));
                Ok(())
            })?;
            if hashed.take().as_deref() != Some(media.sha256.as_str()) {
                return Err(Diagnostic::new(E0801, "changed").in_file(&media.path));
            }
            return Ok(());
        }
        let bytes = content.bytes()?;
        self.with_target(path, |target| std::fs::write(target, &bytes))
    }
}

/// Copies the plain file `from` to `to` in pieces, returning the SHA-256 (hex) of what was
/// copied. `from` is opened as [`crate::source::safe`] opens every file it did not write.
fn copy_hashing(from: &Path, to: &Path) -> std::io::Result<String> {
    use sha2::Digest;
    use std::io::{Read, Write};
    let (mut file, _) = crate::source::safe::open_regular(from)
        .map_err(|e| std::io::Error::other(format!("{}: {e}", from.display())))?;
    let mut out = std::fs::File::create(to)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
    }
    out.flush()?;
    Ok(crate::source::safe::hex(&hasher.finalize()))
}

/// The bytes of a media file, read as every file steg did not write is read (no link, no
/// FIFO, within the loader's limit), and only if they still are what the model checked.
fn read_media(media: &crate::model::MediaFile) -> Result<Vec<u8>, Diagnostic> {
    let bytes = crate::source::safe::read_limited(
        &media.path,
        steg_bundle::Limits::default().max_file_bytes,
    )
    .map_err(|e| {
        Diagnostic::new(E0801, "read")
            .arg("error", e)
            .in_file(&media.path)
    })?;
    if steg_bundle::sha256_hex(&bytes) != media.sha256 {
        return Err(Diagnostic::new(E0801, "changed").in_file(&media.path));
    }
    Ok(bytes)
}

/// Keeps the files in memory, by path.
#[derive(Default)]
pub struct Memory(pub std::sync::Mutex<std::collections::BTreeMap<String, Vec<u8>>>);

impl Output for Memory {
    fn write(&self, path: &str, content: Content<'_>) -> Result<(), Diagnostic> {
        let bytes = match &content {
            Content::Media(media) => read_media(media)?,
            _ => content.bytes()?.into_owned(),
        };
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

/// Creates `out` or checks that it is steg's own, and marks it. The marker is checked and
/// written without following a link: a `.steg-output` that is a link (to an author's file, a
/// key) must not make steg write through it, nor pass for steg's own mark.
fn prepare(out: &Path) -> Result<Prepared, Diagnostic> {
    let marker = out.join(MARKER);
    let mut made = Prepared::default();
    if out.exists() {
        if !out.is_dir() {
            return Err(Diagnostic::new(E0801, "not-folder").in_file(out));
        }
        let marked = match std::fs::symlink_metadata(&marker) {
            Ok(m) if m.file_type().is_file() => true,
            Ok(_) => {
                return Err(Diagnostic::new(E0801, "marker-link")
                    .arg("marker", MARKER)
                    .in_file(&marker));
            }
            Err(_) => false,
        };
        let empty = std::fs::read_dir(out)
            .map_err(|e| io_error(out, &e))?
            .next()
            .is_none();
        if !marked && !empty {
            return Err(Diagnostic::new(E0801, "foreign")
                .arg("marker", MARKER)
                .in_file(out));
        }
        if marked {
            return Ok(made);
        }
    } else {
        std::fs::create_dir_all(out).map_err(|e| io_error(out, &e))?;
        made.out = true;
    }
    // `create_new` (O_EXCL) fails on anything already there, a dangling link included.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&marker)
        .and_then(|mut f| std::io::Write::write_all(&mut f, MARKER_TEXT.as_bytes()))
        .map_err(|e| io_error(out, &e))?;
    made.marker = true;
    Ok(made)
}

/// What [`prepare`] made.
#[derive(Debug, Default, Clone, Copy)]
struct Prepared {
    out: bool,
    marker: bool,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Every file, folder and link below `dir`: what "exactly as before" compares.
    fn tree(dir: &Path) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for entry in walkdir::WalkDir::new(dir).min_depth(1) {
            let entry = entry.expect("walk");
            let rel = entry.path().strip_prefix(dir).expect("below").to_path_buf();
            let t = entry.file_type();
            let what = if t.is_dir() {
                "dir".to_string()
            } else if t.is_symlink() {
                format!("link {:?}", std::fs::read_link(entry.path()).ok())
            } else {
                String::from_utf8_lossy(&std::fs::read(entry.path()).expect("read")).into_owned()
            };
            out.insert(rel.display().to_string(), what);
        }
        out
    }

    fn stage_all(out: &Path) -> Staging {
        let mut s = Staging::begin(out).expect("begin");
        for rel in ["m/1.0.0", "m-1.0.0.tar", "n/2.0.0", "preview"] {
            let p = s.stage(rel);
            if rel.ends_with(".tar") {
                std::fs::write(&p, "new archive").unwrap();
            } else {
                std::fs::create_dir_all(&p).unwrap();
                std::fs::write(p.join("f"), format!("new {rel}")).unwrap();
            }
        }
        s
    }

    #[test]
    fn a_commit_failing_at_any_rename_leaves_the_folder_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir_all(out.join("m/1.0.0")).unwrap();
        std::fs::write(out.join("m/1.0.0/f"), "old m").unwrap();
        std::fs::write(out.join("m-1.0.0.tar"), "old archive").unwrap();
        std::fs::create_dir_all(out.join("preview")).unwrap();
        std::fs::write(out.join("preview/f"), "old preview").unwrap();
        std::fs::write(out.join(MARKER), MARKER_TEXT).unwrap();
        let before = tree(&out);
        // 4 entries, 3 with an old one: 7 renames. Fail at each in turn.
        for fail_at in 0..7 {
            let mut s = stage_all(&out);
            let mut n = 0;
            let result = s.commit_with(&mut |from, to| {
                n += 1;
                if n == fail_at + 1 {
                    return Err(std::io::Error::other("injected"));
                }
                std::fs::rename(from, to)
            });
            assert!(result.is_err(), "rename {fail_at} must fail the commit");
            drop(s);
            assert_eq!(tree(&out), before, "after a failure at rename {fail_at}");
        }
        let s = stage_all(&out);
        s.commit().expect("commit");
        let after = tree(&out);
        assert_eq!(after["preview/f"], "new preview");
        assert_eq!(after["n/2.0.0/f"], "new n/2.0.0");
        assert_eq!(after["m-1.0.0.tar"], "new archive");
        assert_eq!(after.keys().filter(|k| k.contains("staging")).count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_marker_that_is_a_link_is_refused_and_not_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        let victim = tmp.path().join("victim.txt");
        std::fs::write(&victim, "an author's file").unwrap();
        std::os::unix::fs::symlink(&victim, out.join(MARKER)).unwrap();
        let err = Staging::begin(&out).err().expect("refused");
        assert_eq!(err.code, "E0801");
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "an author's file"
        );
    }

    #[test]
    fn a_failed_first_build_leaves_no_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("new/out");
        drop(Staging::begin(&out).expect("begin"));
        assert!(!out.exists());
    }

    #[cfg(unix)]
    #[test]
    fn media_is_written_only_from_a_plain_file_with_the_checked_hash() {
        let tmp = tempfile::tempdir().unwrap();
        let film = tmp.path().join("film.mp4");
        std::fs::write(&film, "film").unwrap();
        let link = tmp.path().join("link.mp4");
        std::os::unix::fs::symlink(&film, &link).unwrap();
        let media = |path: &Path, sha256: String| crate::model::MediaFile {
            rel: "film.mp4".into(),
            path: path.to_path_buf(),
            sha256,
            size: 4,
        };
        let good = media(&film, steg_bundle::sha256_hex(b"film"));
        let folder = Folder {
            root: tmp.path().join("out"),
        };
        folder.write("media/f.mp4", Content::Media(&good)).unwrap();
        assert_eq!(
            std::fs::read(tmp.path().join("out/media/f.mp4")).unwrap(),
            b"film"
        );
        let memory = Memory::default();
        memory.write("f", Content::Media(&good)).unwrap();
        for bad in [
            media(&link, steg_bundle::sha256_hex(b"film")),
            media(&film, steg_bundle::sha256_hex(b"other")),
        ] {
            assert!(folder.write("media/g.mp4", Content::Media(&bad)).is_err());
            assert!(memory.write("g", Content::Media(&bad)).is_err());
            let archive = archive::Archive::create(&tmp.path().join("a.tar"), 0).unwrap();
            assert!(archive.write("g", Content::Media(&bad)).is_err());
        }
    }

    #[test]
    fn old_outputs_that_cannot_be_put_back_are_kept_not_deleted() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir_all(out.join("preview")).unwrap();
        std::fs::write(out.join("preview/f"), "old preview").unwrap();
        std::fs::write(out.join(MARKER), MARKER_TEXT).unwrap();
        let mut s = Staging::begin(&out).expect("begin");
        std::fs::create_dir_all(s.stage("preview")).unwrap();
        let staging = s.dir.clone();
        let mut n = 0;
        // The old preview is moved aside; everything after that fails, undoing included.
        let result = s.commit_with(&mut |from, to| {
            n += 1;
            if n == 1 {
                std::fs::rename(from, to)
            } else {
                Err(std::io::Error::other("injected"))
            }
        });
        assert!(result.is_err());
        drop(s);
        assert_eq!(
            std::fs::read_to_string(staging.join("old-0/f")).unwrap(),
            "old preview"
        );
    }
}
