//! steg's integration tests: one test crate, so the binary and the libraries are linked once.
//!
//! Each module runs the product as its users meet it: the `steg` binary against the fixture
//! programs in `tests/fixtures/` (good and deliberately broken, see [`harness`]), the bundle
//! loader against hostile bundles, `steg serve` over HTTP, the preview in Chromium. Suites that
//! need a tool this machine may lack are `#[ignore = "needs …"]`: `cargo test` lists them as
//! ignored, and `.ci/run` installs the tools and runs them with `--include-ignored`.

#[macro_use]
mod common;
mod harness;

mod archive;
mod browser;
mod build;
mod cli;
mod content;
mod dossier;
mod forms;
mod guide;
mod hostile;
mod hostile_bundle;
mod hostile_files;
mod importer;
mod lang;
mod layers;
mod lforms;
mod loader_rules;
mod media_tracks;
mod new;
mod provenance;
mod renames;
mod review;
mod roundtrip;
mod safety;
mod schema;
mod serve;
mod timeline;
mod verify;
