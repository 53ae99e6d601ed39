//! The single-file bundle and the signature, made from a written bundle.

use super::bundle::{BundleOutput, Sink};
use crate::bundle::archive;
use crate::bundle::signature::{self, SIGNATURE_FILE, SecretKey};
use crate::diagnostic::{Diagnostic, codes::*};
use std::path::Path;

/// Writes `bundle.sig`, the signature of the exact bytes of `bundle.json`, into the bundle.
pub fn sign(bundle: &BundleOutput, key: &SecretKey, sink: &dyn Sink) -> Result<(), Diagnostic> {
    sink.put(
        SIGNATURE_FILE,
        signature::sign(key, &bundle.manifest_json).as_bytes(),
    )
}

/// The modification time written into archives: `SOURCE_DATE_EPOCH` when set (the
/// reproducible-builds convention), otherwise 0, so that builds of the same sources are
/// byte-identical.
pub fn archive_mtime() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Writes the bundle in `dir` (as just written there) into `target` as one deterministic tar
/// archive, a file at a time, in path order.
pub fn write(
    bundle: &BundleOutput,
    signed: bool,
    dir: &Path,
    target: &Path,
    mtime: u64,
) -> Result<(), Diagnostic> {
    let failed = |e: std::io::Error| {
        Diagnostic::new(E0801, "archive")
            .arg("error", e)
            .in_file(target)
    };
    let mut paths = bundle.paths();
    if signed {
        paths.push(SIGNATURE_FILE);
        paths.sort_unstable();
    }
    let file = std::fs::File::create(target).map_err(failed)?;
    let mut writer = archive::Writer::new(std::io::BufWriter::with_capacity(1 << 20, file));
    for path in paths {
        let bytes = std::fs::read(dir.join(path)).map_err(failed)?;
        writer.append(path, &bytes, mtime).map_err(failed)?;
    }
    let mut inner = writer.finish().map_err(failed)?;
    std::io::Write::flush(&mut inner).map_err(failed)
}
