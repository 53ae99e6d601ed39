//! The single-file bundle and signatures, through the real binary: `steg build` writes a
//! deterministic archive, `steg keygen` a key pair, `steg build --sign` a signature, and
//! `steg verify --trust` accepts exactly the bundles signed by the trusted key.

use crate::common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn codes(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|c| c.to_string()).collect()
}

fn keygen(dir: &Path) -> (PathBuf, PathBuf) {
    let r = run(steg().arg("keygen").arg("--out").arg(dir));
    assert_eq!(r.code, 0, "{}", r.stderr);
    (dir.join("steg.key"), dir.join("steg.pub"))
}

#[test]
fn build_writes_an_archive_that_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = build(fixture("good", "every-type"), &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let archive = out.join("every-type-2.1.0.tar");
    assert!(archive.is_file());
    let v = verify(&archive, &["--format", "json"]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    // The archive holds exactly the folder's files.
    let bundle = steg_bundle::Bundle::open(&archive).unwrap();
    let folder = snapshot_tree(&single_bundle(&out));
    for f in &bundle.manifest().files {
        assert_eq!(bundle.read(&f.path).unwrap(), folder[&f.path], "{}", f.path);
    }
}

#[test]
fn archives_are_byte_identical_across_builds_and_honour_source_date_epoch() {
    let tmp = tempfile::tempdir().unwrap();
    let mut archives = Vec::new();
    for (i, epoch) in [None, None, Some("1700000000")].into_iter().enumerate() {
        let out = tmp.path().join(format!("out{i}"));
        let mut cmd = steg();
        cmd.arg("build")
            .arg(fixture("good", "every-type"))
            .arg("--out")
            .arg(&out);
        match epoch {
            Some(e) => cmd.env("SOURCE_DATE_EPOCH", e),
            None => cmd.env_remove("SOURCE_DATE_EPOCH"),
        };
        let r = run(&mut cmd);
        assert_eq!(r.code, 0, "{}", r.stderr);
        archives.push(std::fs::read(out.join("every-type-2.1.0.tar")).unwrap());
    }
    assert_eq!(archives[0], archives[1], "two builds differ");
    assert_ne!(archives[0], archives[2]);
    // Every header: mode 0644, owner 0:0, mtime = SOURCE_DATE_EPOCH.
    let mut ar = tar::Archive::new(&archives[2][..]);
    let mut paths = Vec::new();
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        let h = e.header();
        assert_eq!(h.mode().unwrap(), 0o644);
        assert_eq!(h.uid().unwrap(), 0);
        assert_eq!(h.mtime().unwrap(), 1_700_000_000);
        assert!(h.entry_type().is_file());
        paths.push(e.path().unwrap().to_string_lossy().into_owned());
    }
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "entries are sorted");
}

#[cfg(unix)]
#[test]
fn keygen_makes_a_private_key_only_the_owner_can_read_and_never_overwrites() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let (secret, public) = keygen(&tmp.path().join("keys"));
    let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(&public).unwrap();
    assert!(text.starts_with("steg-ed25519-public-key 1\n"), "{text}");
    let before = std::fs::read(&secret).unwrap();
    let again = run(steg()
        .arg("keygen")
        .arg("--out")
        .arg(tmp.path().join("keys")));
    assert_eq!(again.code, 3);
    assert_eq!(std::fs::read(&secret).unwrap(), before);
}

#[test]
fn signed_bundles_verify_only_with_the_right_key() {
    let tmp = tempfile::tempdir().unwrap();
    let (secret, public) = keygen(&tmp.path().join("keys"));
    let (_, other_public) = keygen(&tmp.path().join("other"));
    let out = tmp.path().join("out");
    let r = build(
        fixture("good", "minimal"),
        &out,
        &["--sign", secret.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let folder = single_bundle(&out);
    let archive = out.join("minimal-1.0.0.tar");
    assert!(folder.join("bundle.sig").is_file());
    let trust = public.to_str().unwrap();
    for path in [&folder, &archive] {
        let ok = verify(path, &["--trust", trust, "--format", "json"]);
        assert_eq!(ok.code, 0, "{}", ok.stdout);
        assert!(
            ok.stdout.contains("\"signature_verified\":true"),
            "{}",
            ok.stdout
        );
        // Another key: refused.
        let other = verify(
            path,
            &[
                "--trust",
                other_public.to_str().unwrap(),
                "--format",
                "json",
            ],
        );
        assert_eq!(other.json_codes(), codes(&["B0018"]), "{}", other.stdout);
        // Without --trust the signature is not required.
        assert_eq!(verify(path, &[]).code, 0);
    }

    // The manifest changed after signing (one more space: still the same JSON, but not the signed bytes): refused.
    let manifest = folder.join("bundle.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{text} ")).unwrap();
    let changed = verify(&folder, &["--trust", trust, "--format", "json"]);
    assert_eq!(
        changed.json_codes(),
        codes(&["B0018"]),
        "{}",
        changed.stdout
    );
    std::fs::write(&manifest, &text).unwrap();

    // A garbled signature: refused.
    std::fs::write(
        folder.join("bundle.sig"),
        "steg-bundle-signature 1\nalgorithm: rsa\n",
    )
    .unwrap();
    let bad = verify(&folder, &["--trust", trust, "--format", "json"]);
    assert_eq!(bad.json_codes(), codes(&["B0018"]), "{}", bad.stdout);

    // No signature at all: refused with --trust.
    std::fs::remove_file(folder.join("bundle.sig")).unwrap();
    let missing = verify(&folder, &["--trust", trust, "--format", "json"]);
    assert_eq!(
        missing.json_codes(),
        codes(&["B0017"]),
        "{}",
        missing.stdout
    );
}

#[test]
fn unsigned_archive_with_trust_is_b0017() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, public) = keygen(&tmp.path().join("keys"));
    let out = tmp.path().join("out");
    assert_eq!(build(fixture("good", "minimal"), &out, &[]).code, 0);
    let r = verify(
        out.join("minimal-1.0.0.tar"),
        &["--trust", public.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(r.json_codes(), codes(&["B0017"]), "{}", r.stdout);
}

#[test]
fn bad_key_files_are_e0803() {
    let tmp = tempfile::tempdir().unwrap();
    let (secret, public) = keygen(&tmp.path().join("keys"));
    let out = tmp.path().join("out");
    // The public key where the secret one belongs, and a missing file.
    for key in [public.clone(), tmp.path().join("nope.key")] {
        let r = build(
            fixture("good", "minimal"),
            &out,
            &["--sign", key.to_str().unwrap(), "--format", "json"],
        );
        assert_eq!(r.code, 1);
        assert_eq!(r.json_codes(), codes(&["E0803"]), "{}", r.stdout);
        assert!(!out.exists(), "nothing is written");
    }
    assert_eq!(build(fixture("good", "minimal"), &out, &[]).code, 0);
    let r = verify(
        single_bundle(&out),
        &["--trust", secret.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(r.json_codes(), codes(&["E0803"]), "{}", r.stdout);
}
