//! The steg program bundle: what a platform links to import a program.
//!
//! - the format: [`manifest`] (the types of `bundle.json`), [`layout`] (where each file goes),
//!   [`archive`] (the single-file form) and [`signature`] (ed25519, strict);
//! - the runtime loader, [`Bundle::open`], which trusts nothing it reads and reports every
//!   problem as a [`diagnostic::Diagnostic`];
//! - [`forms`]: a form evaluated against answers (shown questions, scores, bands, alerts).
//!
//! None of the compiler is linked: this crate depends on serde, sha2, tar, ed25519 and
//! unicode-normalization only.

// A `Diagnostic` is returned on the cold error path only; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod archive;
pub mod diagnostic;
pub mod forms;
mod hash;
pub mod html;
pub mod ids;
pub mod layout;
mod load;
pub mod manifest;
mod rules;
pub mod signature;
pub mod text;
pub mod timeline;

pub use hash::sha256_hex;
pub use load::{Bundle, Counts, Limits, LoadOptions, StegRef, is_safe_bundle_path};
pub use manifest::{FORMAT_VERSION, Manifest};
