//! The loader on a bundle archive: any bytes must be refused or accepted with diagnostics,
//! never a panic, and never more memory than the limits allow.
//!
//! Two kinds of input, by the first byte: raw bytes as an archive; or (first byte 1 or 3), to reach the extension
//! records and header fields quickly, the canonical minimal bundle with one header made from
//! the input spliced in (its type, size, name and fields chosen by the fuzzer: PAX and GNU
//! long-name records, links, folders, sizes over the limits, bad checksums), followed by the
//! input's rest and, optionally, the end-of-archive blocks.
#![no_main]
use libfuzzer_sys::fuzz_target;
use steg_bundle::{Bundle, Limits, LoadOptions};

const BASE: &[u8] = include_bytes!("../../tests/fixtures/hostile/canonical-minimal.tar");

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
    let input = match data.split_first() {
        // 1 or 3: no tar starts with those bytes, so raw seeds stay raw.
        Some((mode @ (1 | 3), rest)) => spliced(*mode, rest),
        _ => data.to_vec(),
    };
    if let Ok(bundle) = Bundle::from_archive(&input[..], "fuzz.tar", &options) {
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

/// The canonical bundle's entries (without its end), then a header whose fields come from
/// `rest`, then the rest of `rest` as data.
fn spliced(mode: u8, rest: &[u8]) -> Vec<u8> {
    let body = &BASE[..BASE.len() - 1024];
    let mut out = body.to_vec();
    let (fields, tail) = rest.split_at(rest.len().min(16));
    let byte = |i: usize| fields.get(i).copied().unwrap_or(0);
    let mut h = [0u8; 512];
    let name_len = usize::from(byte(0) % 100);
    let name: Vec<u8> = tail.iter().copied().take(name_len).collect();
    h[..name.len()].copy_from_slice(&name);
    h[100..108].copy_from_slice(if byte(1) & 1 == 0 { b"0000644\0" } else { b"0000755\0" });
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    // Sizes from tiny to far over every limit.
    let size = u64::from_le_bytes([byte(2), byte(3), byte(4), byte(5), byte(6) & 0x0f, 0, 0, 0]);
    h[124..136].copy_from_slice(format!("{:011o}\0", size % 0o77777777777).as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = [b'0', b'L', b'x', b'g', b'K', b'1', b'2', b'5', b'6', b'S', 0][usize::from(byte(7)) % 11];
    h[257..265].copy_from_slice(if byte(8) & 1 == 0 { b"ustar  \0" } else { b"ustar\x0000" });
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let sum = if byte(9) == 0xff { sum + 1 } else { sum };
    h[148..156].copy_from_slice(format!("{sum:07o}\0").as_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(tail);
    if mode & 2 == 2 {
        out.resize(out.len().div_ceil(512) * 512, 0);
        out.extend_from_slice(&[0; 1024]);
    }
    out
}
