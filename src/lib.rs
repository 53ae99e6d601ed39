//! steg compiles digital health-education programs.
//!
//! A program ("moment") is a folder of Markdown files: moduler hold avsnitt, avsnitt hold steg.
//! The compiler ([`model::load`]) reads and validates it into one typed [`model::Moment`];
//! independent outputs are rendered from that model ([`build`]). The runtime loader
//! ([`bundle::Bundle`]) reads a built bundle back and verifies it; it builds without the
//! compiler (`default-features = false`) so a platform can embed it.

// A `Diagnostic` is returned on the cold error path only; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod bundle;
pub mod diagnostic;
pub mod fhir;
pub mod forms;
mod hash;
pub mod ids;

#[cfg(feature = "compiler")]
pub mod build;
#[cfg(feature = "compiler")]
pub mod check;
#[cfg(feature = "compiler")]
pub mod markdown;
#[cfg(feature = "compiler")]
pub mod model;
#[cfg(feature = "compiler")]
pub mod review;
#[cfg(feature = "serve")]
pub mod serve;
#[cfg(feature = "compiler")]
pub mod site;
#[cfg(feature = "compiler")]
pub mod source;

pub use hash::sha256_hex;

/// The version of this tool, written into every bundle.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
