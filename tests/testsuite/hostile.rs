//! Hostile input, through the real binary: archives built to escape or exhaust the loader
//! (tests/fixtures/hostile/*.tar, written by make_archives.py there), content built to inject
//! script or exhaust the compiler (tests/fixtures/hostile/content/), and inputs too large or
//! too strange to commit, made at test time (a 100 MB line, symbolic links and link loops;
//! the folder and huge-record cases are in `hostile_bundle`). Each gives an exact set of codes.

use crate::common::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

fn codes(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|c| c.to_string()).collect()
}

/// `steg verify PATH --format json` fails with exactly `expected`, each with a hint, within
/// ten seconds, and prints nothing raw from the bundle; the library says the same through
/// `Bundle::open` and, for an archive, `Bundle::from_archive` on its bytes.
pub fn refused(path: &Path, expected: &[&str]) {
    let started = Instant::now();
    let r = run(steg()
        .arg("verify")
        .arg(path)
        .args(["--format", "json"])
        .timeout(Duration::from_secs(10)));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "verify took {:?}",
        started.elapsed()
    );
    assert_eq!(r.code, 1, "verify must fail; stdout:\n{}", r.stdout);
    assert_eq!(r.json_codes(), codes(expected), "{}", r.stdout);
    for d in r.json_diagnostics() {
        assert!(!d["hint"].as_str().unwrap_or_default().is_empty(), "{d}");
        assert!(!d["message"].as_str().unwrap_or_default().is_empty(), "{d}");
    }
    // The human report too: nothing from the bundle reaches the terminal unescaped.
    let h = run(steg()
        .arg("verify")
        .arg(path)
        .timeout(Duration::from_secs(10)));
    assert_eq!(h.code, 1);
    assert_no_raw_controls(&h.stdout);
    assert_no_raw_controls(&h.stderr);

    let err = steg_bundle::Bundle::open(path).expect_err("the loader refuses it too");
    let lib: BTreeSet<String> = err.iter().map(|d| d.code.to_string()).collect();
    assert_eq!(lib, codes(expected), "{err}");
    if path.is_file() {
        let bytes = std::fs::read(path).unwrap();
        let options = steg_bundle::LoadOptions::default();
        let err = steg_bundle::Bundle::from_archive(&bytes[..], "x.tar", &options)
            .expect_err("from_archive refuses it too");
        let lib: BTreeSet<String> = err.iter().map(|d| d.code.to_string()).collect();
        assert_eq!(lib, codes(expected), "{err}");
    }
}

/// No control character (but line feed) and no bidi override in what steg printed.
pub fn assert_no_raw_controls(text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && steg_bundle::text::is_forbidden(c, true))
        .collect();
    assert!(bad.is_empty(), "raw control characters {bad:?} in:\n{text}");
}

fn hostile(name: &str) -> std::path::PathBuf {
    root().join("tests/fixtures/hostile").join(name)
}

/// `steg check DIR --format json` fails with exactly `expected`.
fn check_codes(dir: &Path, expected: &[&str]) -> Run {
    let r = run(steg().arg("check").arg(dir).args(["--format", "json"]));
    assert_eq!(r.code, 1, "check must fail:\n{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.json_codes(), codes(expected), "{}", r.stdout);
    for d in r.json_diagnostics() {
        assert!(!d["hint"].as_str().unwrap_or_default().is_empty(), "{d}");
    }
    r
}

// ---------------------------------------------------------------------------------------------
// Archives

#[test]
fn zip_slip_entry_is_b0013() {
    refused(&hostile("zip-slip.tar"), &["B0013"]);
}

#[test]
fn absolute_backslash_and_drive_letter_entries_are_b0013() {
    for name in [
        "absolute-path.tar",
        "backslash-path.tar",
        "drive-letter.tar",
    ] {
        refused(&hostile(name), &["B0013"]);
    }
}

#[test]
fn link_entries_are_b0014() {
    refused(&hostile("symlink-entry.tar"), &["B0014"]);
    refused(&hostile("hardlink-entry.tar"), &["B0014"]);
}

#[test]
fn duplicate_entry_is_b0015() {
    refused(&hostile("duplicate-entry.tar"), &["B0015"]);
}

#[test]
fn unlisted_entry_is_b0010() {
    refused(&hostile("unlisted-entry.tar"), &["B0010"]);
}

#[test]
fn tampered_entry_is_b0007() {
    refused(&hostile("tampered-entry.tar"), &["B0007"]);
}

#[test]
fn unknown_format_version_in_an_archive_is_b0003() {
    refused(&hostile("unknown-format-version.tar"), &["B0003"]);
}

#[test]
fn a_header_claiming_4_gib_is_refused_before_reading() {
    // The limit is checked on the declared size, and reading stops there: the 4 GiB are not
    // read (or waited for).
    refused(&hostile("lying-size.tar"), &["B0016"]);
}

#[test]
fn not_a_tar_is_b0001() {
    refused(&hostile("not-a-tar.tar"), &["B0001"]);
}

#[test]
fn the_canonical_fixture_verifies() {
    // The base of every hostile archive below: each differs from it in one way only.
    let r = verify(hostile("canonical-minimal.tar"), &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn parser_differentials_are_b0021() {
    // A PAX record naming a safe path over a ustar name that escapes; a GNU long name over a
    // short name that escapes: another reader would see the other name.
    refused(&hostile("pax-path-differential.tar"), &["B0021"]);
    refused(&hostile("long-name-differential.tar"), &["B0021"]);
    // Entries after the end, after a lone zero block, and no end at all.
    refused(&hostile("after-end.tar"), &["B0021"]);
    refused(&hostile("lone-zero-block.tar"), &["B0021"]);
    refused(&hostile("no-end.tar"), &["B0021"]);
}

#[test]
fn anything_but_the_canonical_form_is_b0021() {
    for name in [
        "folder-entry.tar",
        "unsorted.tar",
        "mode-0755.tar",
        "owner-name.tar",
        "mtime-differs.tar",
    ] {
        refused(&hostile(name), &["B0021"]);
    }
}

#[test]
fn over_long_extension_records_are_refused_on_their_header() {
    // Headers claiming 1.5 GiB records with nothing after them: refused before reading (a
    // reader that read first would wait for, or allocate, the 1.5 GiB).
    refused(&hostile("huge-long-name-record.tar"), &["B0021"]);
    refused(&hostile("huge-pax-record.tar"), &["B0021"]);
}

#[test]
fn look_alike_entries_are_b0022() {
    refused(&hostile("look-alike-case.tar"), &["B0022"]);
    refused(&hostile("look-alike-nfd.tar"), &["B0022"]);
}

#[test]
fn entries_named_like_devices_are_never_opened() {
    // `/dev/zero` would read until memory ran out, `/dev/stdin` would wait for input: the
    // names are refused as names (B0013) and nothing opens them; `refused` bounds the time.
    refused(&hostile("dev-zero-entry.tar"), &["B0013"]);
    let r = run(steg()
        .arg("verify")
        .arg(hostile("dev-zero-entry.tar"))
        .timeout(Duration::from_secs(10)));
    assert!(r.stderr.contains("B0013"), "{}", r.stderr);
}

#[test]
fn control_characters_in_a_title_are_b0019_and_never_printed_raw() {
    refused(&hostile("control-title.tar"), &["B0019"]);
    let r = verify(hostile("control-title.tar"), &[]);
    assert!(!r.stderr.contains('\u{1b}'), "{:?}", r.stderr);
    assert!(r.stderr.contains("U+001B"), "{}", r.stderr);
}

#[test]
fn script_and_javascript_urls_in_fragments_are_b0025() {
    refused(&hostile("script-fragment.tar"), &["B0025"]);
    refused(&hostile("javascript-link.tar"), &["B0025"]);
}

#[test]
fn a_release_with_unapproved_steg_is_b0020() {
    refused(&hostile("release-unapproved.tar"), &["B0020"]);
}

#[test]
fn limits_are_configurable_and_checked() {
    use steg_bundle::{Bundle, Limits, LoadOptions};
    let (_tmp, dir) = build_good("minimal");
    let archive = dir
        .parent()
        .and_then(Path::parent)
        .expect("out folder")
        .join("minimal-1.0.0.tar");
    let small = |limits: Limits| LoadOptions {
        limits,
        trusted_key: None,
    };
    let cases = [
        Limits {
            max_file_bytes: 10,
            ..Limits::default()
        },
        Limits {
            max_total_bytes: 1,
            ..Limits::default()
        },
        Limits {
            max_entries: 2,
            ..Limits::default()
        },
        Limits {
            max_manifest_bytes: 100,
            ..Limits::default()
        },
    ];
    for limits in cases {
        for path in [&dir, &archive] {
            let err = Bundle::open_with(path, &small(limits)).expect_err("over the limit");
            assert!(
                err.iter().any(|d| d.code == "B0016"),
                "{limits:?} on {}: {err:?}",
                path.display()
            );
        }
    }
    assert!(Bundle::open_with(&archive, &LoadOptions::default()).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Bundle folders

#[cfg(unix)]
#[test]
fn a_link_loop_in_a_bundle_folder_is_b0008_and_ends() {
    let (_tmp, dir) = build_good("minimal");
    std::os::unix::fs::symlink("..", dir.join("media-loop")).unwrap();
    std::os::unix::fs::symlink("loop-b", dir.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", dir.join("loop-b")).unwrap();
    refused(&dir, &["B0008"]);
}

// ---------------------------------------------------------------------------------------------
// Content

#[test]
fn xss_payloads_are_reported_and_never_reach_the_output() {
    let dir = hostile("content/xss");
    let r = check_codes(&dir, &["E0605", "E0606"]);
    assert!(r.stdout.contains("evil.example"), "{}", r.stdout);

    // Without the two errors, it builds, and nothing active is left in the HTML.
    let (tmp, copy) = copy_fixture("hostile", "content/xss");
    let steg_file = copy.join("01-somn/01-intro/01-valkommen.md");
    let text = std::fs::read_to_string(&steg_file).unwrap();
    let text = text
        .lines()
        .filter(|l| !l.contains("evil.example/track") && !l.contains("Markdownlänk"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&steg_file, text).unwrap();
    let out = tmp.path().join("out");
    let b = build(&copy, &out, &[]);
    assert_eq!(b.code, 0, "{}", b.stderr);
    let html = std::fs::read_to_string(single_bundle(&out).join("steg/somn/intro/valkommen.html"))
        .unwrap()
        .to_ascii_lowercase();
    for bad in [
        "<script",
        "onerror",
        "onclick",
        "javascript:",
        "<svg",
        "<style",
        "<form",
        "<input",
        "evil.example",
    ] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(
        html.contains("https://www.youtube-nocookie.com/embed/abc"),
        "{html}"
    );
    assert!(html.contains("sandbox="), "{html}");
}

#[test]
fn alias_bomb_is_e0207() {
    check_codes(&hostile("content/alias-bomb"), &["E0207"]);
}

#[test]
fn very_deep_nesting_is_e0207() {
    check_codes(&hostile("content/deep-nesting"), &["E0207"]);
}

#[test]
fn invalid_utf8_and_nul_bytes_are_e0102() {
    check_codes(&hostile("content/invalid-utf8"), &["E0102"]);
    check_codes(&hostile("content/nul-byte"), &["E0102"]);
}

#[test]
fn media_path_out_of_the_moment_is_e0602() {
    check_codes(&hostile("content/media-outside"), &["E0602"]);
}

#[test]
fn a_100_mb_line_is_e0111() {
    let (_tmp, copy) = copy_fixture("good", "minimal");
    let file = copy.join("01-somn/01-intro/01-valkommen.md");
    let mut text = b"---\ntitle: Lang\n---\n".to_vec();
    text.resize(text.len() + 100 * 1024 * 1024, b'a');
    std::fs::write(&file, text).unwrap();
    check_codes(&copy, &["E0111"]);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_the_content_is_e0101_and_ends() {
    let (_tmp, copy) = copy_fixture("good", "minimal");
    let avsnitt = copy.join("01-somn/01-intro");
    std::os::unix::fs::symlink(".", avsnitt.join("02-loop")).unwrap();
    std::os::unix::fs::symlink("03-b.md", avsnitt.join("03-a.md")).unwrap();
    std::os::unix::fs::symlink("03-a.md", avsnitt.join("03-b.md")).unwrap();
    check_codes(&copy, &["E0101"]);
}

#[cfg(unix)]
#[test]
fn a_media_symlink_pointing_out_of_the_moment_is_refused() {
    let (_tmp, copy) = copy_fixture("good", "minimal");
    let avsnitt = copy.join("01-somn/01-intro");
    std::os::unix::fs::symlink("/etc/passwd", avsnitt.join("bild.png")).unwrap();
    std::fs::write(
        avsnitt.join("02-bild.md"),
        "---\ntitle: Bild\ntype: image\nsrc: bild.png\nalt: En bild\n---\n",
    )
    .unwrap();
    let r = run(steg().arg("check").arg(&copy).args(["--format", "json"]));
    assert_eq!(r.code, 1, "{}", r.stdout);
    let found = r.json_codes();
    assert!(found.contains("E0101"), "{found:?}");
    assert!(!r.stdout.contains("root:"), "the link must not be followed");
}
