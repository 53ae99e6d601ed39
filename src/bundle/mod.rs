//! The program bundle: its format ([`manifest`]), its single-file form ([`archive`]), its
//! signature ([`signature`]) and the runtime loader ([`Bundle::open`]).
//!
//! This module is all a platform needs. It builds without the compiler:
//! `steg = { version = "…", default-features = false }`.

pub mod archive;
mod load;
pub mod manifest;
pub mod signature;

pub use load::{Bundle, Limits, LoadOptions, is_safe_bundle_path};
pub use manifest::{FORMAT_VERSION, Manifest};
