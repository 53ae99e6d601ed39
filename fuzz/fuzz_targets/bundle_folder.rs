//! The loader on a bundle folder. The input is a sequence of entries
//! `path \0 contents \0\0`, so the fuzzer controls names, contents and the manifest alike.
//!
//! By the first byte (1: on disk), either through the in-memory entry point (`Bundle::from_files`, the same
//! checks as a folder after its inventory), or as a real folder on disk whose files take the
//! kind the first byte of their contents chooses: a regular file, a symbolic link (to another
//! entry, to itself, or to /dev/zero), a hard link to the previous file, a Unix socket (a
//! special file, like a FIFO or a device, that must never be opened), or a folder. The loader
//! must refuse every kind but regular files, without following links or blocking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use steg_bundle::{Bundle, Limits, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let options = LoadOptions {
        limits: Limits {
            max_file_bytes: 64 * 1024,
            max_total_bytes: 1024 * 1024,
            max_entries: 256,
            max_manifest_bytes: 64 * 1024,
        },
        trusted_key: None,
    };
    // First byte 1: on disk (no path starts with it, so the other seeds keep their meaning).
    let (on_disk, data) = match data.split_first() {
        Some((1, rest)) => (true, rest),
        _ => (false, data),
    };
    let result = if on_disk && cfg!(unix) {
        folder(data, &options)
    } else {
        let mut files = BTreeMap::new();
        for (path, bytes) in split_entries(data) {
            files.insert(String::from_utf8_lossy(path).into_owned(), bytes.to_vec());
        }
        Bundle::from_files(files, "fuzz", &options).ok()
    };
    if let Some(bundle) = result {
        for f in &bundle.manifest().files {
            assert!(
                bundle.read(&f.path).is_ok(),
                "{} verified but unreadable",
                f.path
            );
        }
    }
});

#[cfg(unix)]
fn folder(data: &[u8], options: &LoadOptions) -> Option<Bundle> {
    let root = std::env::temp_dir().join(format!("steg-fuzz-folder-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).ok()?;
    let mut previous: Option<std::path::PathBuf> = None;
    let mut listeners = Vec::new();
    for (path, bytes) in split_entries(data).into_iter().take(32) {
        let name = String::from_utf8_lossy(path).replace(['\0'], "");
        if name.is_empty() || name.starts_with('/') || name.split('/').any(|s| s == "..") {
            continue;
        }
        let target = root.join(&name);
        if let Some(parent) = target.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let (kind, contents) = bytes.split_first().map_or((0, &[][..]), |(k, c)| (*k, c));
        let _ = match kind % 6 {
            1 => std::os::unix::fs::symlink(
                ["/dev/zero", ".", "bundle.json", name.as_str()][usize::from(kind / 6) % 4],
                &target,
            ),
            2 => match &previous {
                Some(p) => std::fs::hard_link(p, &target),
                None => std::fs::write(&target, contents),
            },
            3 => std::os::unix::net::UnixListener::bind(&target).map(|l| listeners.push(l)),
            4 => std::fs::create_dir_all(&target),
            _ => std::fs::write(&target, contents),
        };
        previous = Some(target);
    }
    let result = Bundle::open_with(&root, options).ok();
    drop(listeners);
    let _ = std::fs::remove_dir_all(&root);
    result
}

#[cfg(not(unix))]
fn folder(_: &[u8], _: &LoadOptions) -> Option<Bundle> {
    None
}

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
