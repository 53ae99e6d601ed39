//! Outputs rendered from the model, and writing them safely.
//!
//! [`build`] is the whole pipeline behind `steg build`: load and validate the content once,
//! render each output from the model, then write everything or nothing.

pub mod bundle;
pub mod output;

use crate::diagnostic::Diagnostics;
use crate::model::{self, Moment};
use std::path::{Path, PathBuf};

/// What a build did.
#[derive(Debug, Default)]
pub struct BuildReport {
    pub diagnostics: Diagnostics,
    /// The moments built, with the folder each bundle was written to.
    pub built: Vec<Built>,
}

#[derive(Debug, Clone)]
pub struct Built {
    pub moment: Moment,
    pub bundle_dir: PathBuf,
    pub files: usize,
    pub bytes: u64,
}

impl BuildReport {
    pub fn ok(&self) -> bool {
        !self.diagnostics.has_errors()
    }
}

/// Compiles every moment in `content` and writes the bundles under `out`.
/// On any error nothing is written and `out` keeps its previous contents.
pub fn build(content: &Path, out: &Path) -> BuildReport {
    let mut report = BuildReport::default();
    if let Err(d) = output::check_placement(content, out) {
        report.diagnostics.push(d);
        return report;
    }
    let loaded = model::load(content);
    report.diagnostics = loaded.diagnostics;
    if report.diagnostics.has_errors() {
        return report;
    }
    let bundles: Vec<_> = loaded.moments.iter().map(bundle::render).collect();
    let sets: Vec<(String, &bundle::FileSet)> =
        bundles.iter().map(|b| (b.dir(), &b.files)).collect();
    if let Err(d) = output::write_all(out, &sets) {
        report.diagnostics.push(d);
        return report;
    }
    for (moment, b) in loaded.moments.into_iter().zip(&bundles) {
        report.built.push(Built {
            bundle_dir: out.join(&b.moment_id).join(&b.version),
            files: b.files.files.len(),
            bytes: b.manifest.files.iter().map(|f| f.size).sum(),
            moment,
        });
    }
    report
}
