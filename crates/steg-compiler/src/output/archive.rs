//! The single-file bundle: a plan written as one deterministic tar archive.

use super::Output;
use crate::plan::{BundlePlan, Content};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use steg_bundle::archive;
use steg_bundle::diagnostic::{Diagnostic, Diagnostics, codes::*};

/// The modification time written into archives: `SOURCE_DATE_EPOCH` when set (the
/// reproducible-builds convention), otherwise 0, so that builds of the same sources are
/// byte-identical.
pub fn archive_mtime() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// An archive file being written. A tar archive is one stream, so files are appended in the
/// order they arrive; [`Output::write_plan`] hands them over one at a time in path order,
/// which is the order the format requires.
pub struct Archive {
    target: PathBuf,
    mtime: u64,
    writer: Mutex<archive::Writer<std::io::BufWriter<std::fs::File>>>,
}

impl Archive {
    pub fn create(target: &Path, mtime: u64) -> Result<Archive, Diagnostic> {
        let file = std::fs::File::create(target).map_err(|e| failed(target, e))?;
        Ok(Archive {
            target: target.to_path_buf(),
            mtime,
            writer: Mutex::new(archive::Writer::new(std::io::BufWriter::with_capacity(
                1 << 20,
                file,
            ))),
        })
    }

    /// Writes the end of the archive and flushes it to disk.
    pub fn finish(self) -> Result<(), Diagnostic> {
        let target = self.target;
        let writer = self
            .writer
            .into_inner()
            .map_err(|_| failed(&target, std::io::Error::other("a writer panicked")))?;
        let mut inner = writer.finish().map_err(|e| failed(&target, e))?;
        std::io::Write::flush(&mut inner).map_err(|e| failed(&target, e))
    }
}

impl Output for Archive {
    fn write(&self, path: &str, content: Content<'_>) -> Result<(), Diagnostic> {
        if let Content::Media(media) = &content {
            return self.stream_media(path, media);
        }
        let bytes = content.bytes()?;
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| failed(&self.target, std::io::Error::other("a writer panicked")))?;
        writer
            .append(path, &bytes, self.mtime)
            .map_err(|e| failed(&self.target, e))
    }

    fn write_plan(&self, plan: &BundlePlan<'_>) -> Result<(), Diagnostics> {
        for (path, content) in &plan.files {
            self.write(path, content.clone())
                .map_err(|d| Diagnostics::from_iter([d]))?;
        }
        Ok(())
    }
}

impl Archive {
    /// Streams a media file into the archive, never holding it whole, hashing it on the way:
    /// if it is no longer what the model checked, the archive is refused (and the build, whose
    /// staging folder is then removed, changes nothing).
    fn stream_media(&self, path: &str, media: &crate::model::MediaFile) -> Result<(), Diagnostic> {
        use sha2::Digest;
        let changed = || Diagnostic::new(E0801, "changed").in_file(&media.path);
        let (file, size) = crate::source::safe::open_regular(&media.path).map_err(|e| {
            Diagnostic::new(E0801, "read")
                .arg("error", e)
                .in_file(&media.path)
        })?;
        if size != media.size {
            return Err(changed());
        }
        let mut reader = Hashing {
            inner: std::io::Read::take(file, size),
            hasher: sha2::Sha256::new(),
            read: 0,
        };
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| failed(&self.target, std::io::Error::other("a writer panicked")))?;
        writer
            .append_reader(path, size, &mut reader, self.mtime)
            .map_err(|e| failed(&self.target, e))?;
        if reader.read != size || format!("{:x}", reader.hasher.finalize()) != media.sha256 {
            return Err(changed());
        }
        Ok(())
    }
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: sha2::Sha256,
    read: u64,
}

impl<R: std::io::Read> std::io::Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

fn failed(target: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::new(E0801, "archive")
        .arg("error", e)
        .in_file(target)
}
