//! The loader on a bundle folder given as files. The input is a sequence of entries
//! `path \0 contents \0\0`, so the fuzzer controls names, contents and the manifest alike;
//! it goes through the in-memory entry point (`Bundle::from_files`), which runs the same
//! checks as a folder on disk after the folder's inventory.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use steg_bundle::{Bundle, Limits, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let mut files = BTreeMap::new();
    for (path, bytes) in split_entries(data) {
        files.insert(String::from_utf8_lossy(path).into_owned(), bytes.to_vec());
    }
    let options = LoadOptions {
        limits: Limits {
            max_file_bytes: 64 * 1024,
            max_total_bytes: 1024 * 1024,
            max_entries: 256,
            max_manifest_bytes: 64 * 1024,
        },
        trusted_key: None,
    };
    if let Ok(bundle) = Bundle::from_files(files, "fuzz", &options) {
        for f in &bundle.manifest().files {
            assert!(
                bundle.read(&f.path).is_ok(),
                "{} verified but unreadable",
                f.path
            );
        }
    }
});

/// `path\0contents\0\0path\0contents...`; a missing separator ends the entry at the input's end.
fn split_entries(data: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let end = find(rest, b"\0\0").unwrap_or(rest.len());
        let entry = &rest[..end];
        rest = rest.get(end + 2..).unwrap_or(&[]);
        match entry.iter().position(|&b| b == 0) {
            Some(i) => out.push((&entry[..i], &entry[i + 1..])),
            None => out.push((entry, &[][..])),
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
