//! The loader on a bundle archive: any bytes must be refused or accepted with diagnostics,
//! never a panic, and never more memory than the limits allow.
#![no_main]
use libfuzzer_sys::fuzz_target;
use steg_bundle::{Bundle, Limits, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let options = LoadOptions {
        // Small limits, so that the limit paths are reached too.
        limits: Limits {
            max_file_bytes: 64 * 1024,
            max_total_bytes: 1024 * 1024,
            max_entries: 256,
            max_manifest_bytes: 64 * 1024,
        },
        trusted_key: None,
    };
    if let Ok(bundle) = Bundle::from_archive(data, "fuzz.tar", &options) {
        // A bundle that passed must be readable in full.
        for f in &bundle.manifest().files {
            assert!(
                bundle.read(&f.path).is_ok(),
                "{} verified but unreadable",
                f.path
            );
        }
    }
});
