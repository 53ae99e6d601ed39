//! The program bundle: its format ([`manifest`]) and the runtime loader ([`Bundle::open`]).
//!
//! This module is all a platform needs. It builds without the compiler:
//! `steg = { version = "…", default-features = false }`.

mod load;
pub mod manifest;

pub use load::{Bundle, is_safe_bundle_path};
pub use manifest::{FORMAT_VERSION, Manifest};
