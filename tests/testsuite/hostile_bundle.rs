//! Hostile bundles that cannot be committed, made at test time: folder bundles holding FIFOs,
//! devices, hard links and symbolic links to host files, look-alike names, and archives with
//! extension records of 1.5 GiB (sparse files: they cost no disk). Each is refused quickly,
//! with bounded memory, by `steg verify` and by the library.

use crate::common::*;
use crate::hostile::refused;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The library's answer for `path`, within `limit`: run on a thread, so that a loader that
/// blocked (on a FIFO, on /dev/stdin) fails the test instead of hanging it.
fn library_codes(path: &Path, limit: Duration) -> Vec<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.to_path_buf();
    std::thread::spawn(move || {
        let r = steg_bundle::Bundle::open(&p);
        let _ = tx.send(
            r.err()
                .map(|e| e.iter().map(|d| d.code.to_string()).collect()),
        );
    });
    match rx.recv_timeout(limit) {
        Ok(Some(codes)) => codes,
        Ok(None) => panic!("{} was accepted", path.display()),
        Err(_) => panic!(
            "the loader did not finish within {limit:?} on {}",
            path.display()
        ),
    }
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(ok.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn a_fifo_in_a_folder_bundle_is_b0008_without_blocking() {
    let (_tmp, dir) = build_good("minimal");
    // A listed file replaced by a FIFO: opening it for reading would wait for a writer.
    std::fs::remove_file(dir.join("welcome.html")).unwrap();
    mkfifo(&dir.join("welcome.html"));
    refused(&dir, &["B0008"]);
    assert_eq!(library_codes(&dir, Duration::from_secs(10)), ["B0008"]);
    // bundle.json itself a FIFO.
    let (_tmp2, dir2) = build_good("minimal");
    std::fs::remove_file(dir2.join("bundle.json")).unwrap();
    mkfifo(&dir2.join("bundle.json"));
    let codes = library_codes(&dir2, Duration::from_secs(10));
    assert!(codes.contains(&"B0008".to_string()), "{codes:?}");
}

#[cfg(unix)]
#[test]
fn a_device_in_a_folder_bundle_is_b0008_without_reading_it() {
    let (_tmp, dir) = build_good("minimal");
    let target = dir.join("welcome.html");
    std::fs::remove_file(&target).unwrap();
    // A character device like /dev/zero (1, 5) would be read until memory ran out. Making one
    // needs root (CAP_MKNOD); without it the same file is a link to /dev/zero, also refused
    // unread.
    let made = std::process::Command::new("mknod")
        .arg(&target)
        .args(["c", "1", "5"])
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        std::os::unix::fs::symlink("/dev/zero", &target).unwrap();
    }
    refused(&dir, &["B0008"]);
}

#[cfg(unix)]
#[test]
fn a_hard_link_to_a_file_outside_is_b0008() {
    let (tmp, dir) = build_good("minimal");
    // The same bytes under a name outside the bundle: whoever can write that name can change
    // the bundle after it was verified.
    let outside = tmp.path().join("outside.html");
    std::fs::rename(dir.join("welcome.html"), &outside).unwrap();
    std::fs::hard_link(&outside, dir.join("welcome.html")).unwrap();
    refused(&dir, &["B0008"]);
}

#[cfg(unix)]
#[test]
fn links_to_host_devices_are_b0008_and_never_followed() {
    for target in ["/dev/zero", "/dev/stdin", "/etc/passwd"] {
        let (_tmp, dir) = build_good("minimal");
        std::fs::remove_file(dir.join("welcome.html")).unwrap();
        std::os::unix::fs::symlink(target, dir.join("welcome.html")).unwrap();
        refused(&dir, &["B0008"]);
    }
}

#[test]
fn look_alike_names_in_a_folder_are_b0022() {
    let (_tmp, dir) = build_good("minimal");
    std::fs::write(dir.join("Welcome.html"), "<p>other</p>").unwrap();
    refused(&dir, &["B0022"]);

    let (_tmp, dir) = build_good("minimal");
    std::fs::create_dir_all(dir.join("media")).unwrap();
    std::fs::write(dir.join("media/s\u{f6}mn.html"), "<p>a</p>").unwrap();
    std::fs::write(dir.join("media/so\u{308}mn.html"), "<p>b</p>").unwrap();
    refused(&dir, &["B0022"]);

    // The same through `from_files`.
    let mut files = snapshot_tree(&build_good("minimal").1);
    let welcome = files["welcome.html"].clone();
    files.insert("WELCOME.html".into(), welcome);
    let err = steg_bundle::Bundle::from_files(files, "x", &Default::default()).unwrap_err();
    let codes: Vec<&str> = err.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["B0022"], "{err}");
}

/// The canonical minimal bundle's entries, up to (not including) the end blocks.
fn canonical_body() -> Vec<u8> {
    let good = std::fs::read(root().join("tests/fixtures/hostile/canonical-minimal.tar")).unwrap();
    good[..good.len() - 1024].to_vec()
}

/// A GNU header (the documented canonical field layout) with any type and size.
fn raw_header(name: &[u8], size: u64, typeflag: u8) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name);
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = typeflag;
    h[257..265].copy_from_slice(b"ustar  \0");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:07o}\0").as_bytes());
    h
}

/// An archive whose last header announces a record of `size` bytes that really follow (as a
/// sparse hole: no disk, but every byte readable), then the end blocks.
fn huge_record_archive(dir: &Path, name: &str, header: [u8; 512], size: u64) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(&canonical_body()).unwrap();
    f.write_all(&header).unwrap();
    let end = f.metadata().unwrap().len() + size.div_ceil(512) * 512;
    f.set_len(end + 1024).unwrap();
    path
}

/// Runs `steg verify PATH --format json` with its address space capped at `max_mb` MB
/// (`ulimit -v`: an allocation over it fails, so a loader that read a 1.5 GiB record into
/// memory dies instead of passing), and samples the child's peak resident memory (VmHWM in
/// /proc) while it runs. Returns the run, its time, and the largest peak seen in kB.
fn verify_bounded(path: &Path, max_mb: u64) -> (Run, Duration, u64) {
    let bin = assert_cmd::cargo::cargo_bin!("steg");
    let started = Instant::now();
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {}; exec \"$0\" verify \"$1\" --format json",
            max_mb * 1024
        ))
        .arg(bin)
        .arg(path)
        .env("STEG_LANG", "en")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("sh runs");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(kb) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        if child.try_wait().expect("wait").is_some() || started.elapsed() > Duration::from_secs(30)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    (run, started.elapsed(), peak_kb)
}

#[cfg(target_os = "linux")]
#[test]
fn extension_records_of_1_5_gib_are_refused_fast_with_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let size: u64 = 3 << 29; // 1.5 GiB, under the 2 GiB total limit: only the record bound stops it
    let cases = [
        ("long-name.tar", raw_header(b"././@LongLink", size, b'L')),
        ("pax.tar", raw_header(b"PaxHeaders/x", size, b'x')),
        (
            "pax-global.tar",
            raw_header(b"pax_global_header", size, b'g'),
        ),
        // A regular file over the per-file limit: refused on its header, not read.
        ("big-file.tar", raw_header(b"media/film.webm", size, b'0')),
    ];
    for (name, header) in cases {
        let path = huge_record_archive(tmp.path(), name, header, size);
        let (r, took, peak_kb) = verify_bounded(&path, 1024);
        assert_eq!(r.code, 1, "{name}: {}{}", r.stdout, r.stderr);
        let expected = if name == "big-file.tar" {
            "B0016"
        } else {
            "B0021"
        };
        assert_eq!(
            r.json_codes().into_iter().collect::<Vec<_>>(),
            [expected],
            "{name}: {}",
            r.stdout
        );
        assert!(took < Duration::from_secs(10), "{name} took {took:?}");
        assert!(peak_kb < 200 * 1024, "{name}: peak {peak_kb} kB");
        // The library, on the file and on a stream of it.
        let started = Instant::now();
        let err = steg_bundle::Bundle::open(&path).unwrap_err();
        assert_eq!(
            err.iter().map(|d| d.code).collect::<Vec<_>>(),
            [expected],
            "{err}"
        );
        let file = std::fs::File::open(&path).unwrap();
        let err = steg_bundle::Bundle::from_archive(file, name, &Default::default()).unwrap_err();
        assert_eq!(
            err.iter().map(|d| d.code).collect::<Vec<_>>(),
            [expected],
            "{err}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name}: {:?}",
            started.elapsed()
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_sparse_3_gib_file_in_a_folder_is_refused_unread() {
    let (_tmp, dir) = build_good("minimal");
    let f = std::fs::File::create(dir.join("media-huge.webm")).unwrap();
    f.set_len(3 << 30).unwrap();
    let (r, took, peak_kb) = verify_bounded(&dir, 1024);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.json_codes().contains("B0016"), "{}", r.stdout);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(peak_kb < 200 * 1024, "peak {peak_kb} kB");
}

#[test]
fn diagnostics_name_entries_and_renderers_never_open_them() {
    // A tampered entry: the diagnostic names the bundle and the entry, not a host path made
    // from them, and says it may not be read.
    let (_tmp, dir) = build_good("minimal");
    std::fs::write(dir.join("welcome.html"), "<p>changed</p>").unwrap();
    let err = steg_bundle::Bundle::open(&dir).unwrap_err();
    let d = err.iter().next().unwrap();
    assert_eq!(d.file.as_deref(), Some(dir.as_path()));
    assert_eq!(d.entry.as_deref(), Some("welcome.html"));
    assert!(!d.may_read_source());
    // A diagnostic with a location in bundle.json is not read either (it could be a FIFO).
    std::fs::write(dir.join("bundle.json"), "{ not json").unwrap();
    let err = steg_bundle::Bundle::open(&dir).unwrap_err();
    let d = err.iter().find(|d| d.code == "B0002").unwrap();
    assert!(d.location.is_some() && !d.may_read_source(), "{d:?}");
    let human = steg_compiler::report::render_human(
        &err,
        steg_compiler::report::Style::Plain,
        steg_bundle::diagnostic::Lang::En,
    );
    assert!(
        !human.contains("{ not json"),
        "the file was read for a snippet:\n{human}"
    );
    // Display and Error, for platforms.
    let boxed: Box<dyn std::error::Error> = Box::new(err.clone());
    assert!(boxed.to_string().contains("error[B0002]"), "{boxed}");
}
