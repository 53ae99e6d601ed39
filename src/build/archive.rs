//! The single-file bundle and the signature, made from a rendered bundle.

use super::bundle::{BundleOutput, Content};
use crate::bundle::archive;
use crate::bundle::manifest::MANIFEST_FILE;
use crate::bundle::signature::{self, SIGNATURE_FILE, SecretKey};
use crate::diagnostic::{Diagnostic, codes::*};

/// Adds `bundle.sig`, the signature of the exact bytes of `bundle.json`, to the bundle.
pub fn sign(bundle: &mut BundleOutput, key: &SecretKey) {
    if let Some(Content::Bytes(manifest)) = bundle.files.files.get(MANIFEST_FILE) {
        let sig = signature::sign(key, manifest);
        bundle.files.add(SIGNATURE_FILE, sig);
    }
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

/// The bundle as one deterministic tar archive: `(file name, bytes)`.
pub fn render(bundle: &BundleOutput, mtime: u64) -> Result<(String, Vec<u8>), Diagnostic> {
    // Copied media is read here, and checked against the hash the manifest states.
    let mut loaded: Vec<(&str, std::borrow::Cow<'_, [u8]>)> = Vec::new();
    for (path, content) in &bundle.files.files {
        let bytes = content.bytes()?;
        loaded.push((path.as_str(), bytes));
    }
    // `files` is a BTreeMap, so the entries are already sorted by path.
    let tar = archive::write(loaded.iter().map(|(p, b)| (*p, b.as_ref())), mtime)
        .map_err(|e| Diagnostic::new(E0801, "archive").arg("error", e))?;
    Ok((
        archive::archive_name(&bundle.moment_id, &bundle.version),
        tar,
    ))
}
