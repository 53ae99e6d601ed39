//! The steg compiler: a content folder in, bundles and a preview site out.
//!
//! The pipeline, each stage a module that depends only on the ones before it:
//! [`source`] finds and reads the files; [`front`] is the front matter's types; [`compile`]
//! turns both into the typed [`model`] (checked by [`markdown`], [`check`] and [`review`] on
//! the way), loaded and validated once; [`plan`] renders a moment into its bundle plan (the
//! manifest and every file's bytes or media source); [`site`] renders the preview from the
//! model and the plan; [`output`] writes plans and pages into a folder, an archive or memory,
//! all or nothing; [`build`] runs the whole of `steg build`, and [`serve`] keeps it running.
//!
//! The bundle format and its loader live in [`steg_bundle`], which links none of this.

// A `Diagnostic` is returned on the cold error path only; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod build;
pub mod check;
pub mod compile;
pub mod fhir;
pub mod front;
pub mod locate;
pub mod markdown;
pub mod model;
pub mod output;
pub mod plan;
pub mod report;
pub mod review;
pub mod scaffold;
#[cfg(feature = "serve")]
pub mod serve;
pub mod site;
pub mod source;

/// The version of this tool, written into every bundle.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
