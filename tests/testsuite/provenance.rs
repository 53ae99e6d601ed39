//! `bundle.json`'s `provenance`: the git revision of the sources, `SOURCE_DATE_EPOCH`, the
//! signing key; and builds that stay byte-identical for the same inputs.

use crate::common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.org"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Builds `content` into `out` with `env` and returns `bundle.json`'s bytes.
fn built_manifest(content: &Path, out: &Path, env: &[(&str, &str)], extra: &[&str]) -> Vec<u8> {
    let mut cmd = steg();
    cmd.arg("build")
        .arg(content)
        .arg("--out")
        .arg(out)
        .args(extra);
    cmd.env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::read(out.join("minimal/1.0.0/bundle.json")).unwrap()
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn outside_a_repository_without_epoch_there_is_no_provenance() {
    let (tmp, content) = copy_fixture("good", "minimal");
    let a = built_manifest(&content, &tmp.path().join("a"), &[], &[]);
    let b = built_manifest(&content, &tmp.path().join("b"), &[], &[]);
    assert_eq!(a, b, "same inputs, same bytes");
    // tempdirs are not inside a repository (unless TMPDIR is; then `source` would be set).
    assert!(
        json(&a).get("provenance").is_none(),
        "{}",
        String::from_utf8_lossy(&a)
    );
}

#[test]
fn a_build_in_a_repository_records_the_commit_and_whether_it_was_clean() {
    let (tmp, content) = copy_fixture("good", "minimal");
    git(&content, &["init", "-q"]);
    git(&content, &["add", "."]);
    git(&content, &["commit", "-q", "-m", "first"]);
    let head = git(&content, &["rev-parse", "HEAD"]);
    let env = [("SOURCE_DATE_EPOCH", "1768204800")];
    let a = built_manifest(&content, &tmp.path().join("a"), &env, &[]);
    let b = built_manifest(&content, &tmp.path().join("b"), &env, &[]);
    assert_eq!(a, b, "same revision and epoch, same bytes");
    let p = &json(&a)["provenance"];
    assert_eq!(p["source"]["commit"], head);
    assert_eq!(p["source"]["clean"], true);
    assert_eq!(p["source_date_epoch"], 1_768_204_800u64);
    assert_eq!(p["built_at"], "2026-01-12T08:00:00Z");
    assert!(p.get("signing_key").is_none());

    // An edit not yet committed: the same commit, not clean.
    let welcome = content.join("moment.md");
    let text = std::fs::read_to_string(&welcome).unwrap();
    std::fs::write(&welcome, text.replace("programmet.", "programmet!")).unwrap();
    let c = built_manifest(&content, &tmp.path().join("c"), &env, &[]);
    assert_eq!(json(&c)["provenance"]["source"]["commit"], head);
    assert_eq!(json(&c)["provenance"]["source"]["clean"], false);
    // An untracked file in the program's folder counts as a change as well.
    git(&content, &["commit", "-q", "-am", "second"]);
    std::fs::write(content.join("anteckning.txt"), "utkast").unwrap();
    let d = built_manifest(&content, &tmp.path().join("d"), &env, &[]);
    assert_eq!(json(&d)["provenance"]["source"]["clean"], false);
    assert_ne!(json(&d)["provenance"]["source"]["commit"], head);
}

#[test]
fn a_signed_bundle_names_its_key_and_the_signature_covers_it() {
    let (tmp, content) = copy_fixture("good", "minimal");
    let keys = tmp.path().join("keys");
    let r = run(steg().arg("keygen").arg("--out").arg(&keys));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let public = std::fs::read_to_string(keys.join("steg.pub")).unwrap();
    let public = public.lines().nth(1).unwrap();
    let out = tmp.path().join("out");
    let key = keys.join("steg.key");
    let m = built_manifest(&content, &out, &[], &["--sign", key.to_str().unwrap()]);
    let k = &json(&m)["provenance"]["signing_key"];
    assert_eq!(k["algorithm"], "ed25519");
    assert_eq!(k["public_key"], public);
    let bytes: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&public[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    assert_eq!(k["id"], steg_bundle::sha256_hex(&bytes)[..16]);
    // The signature is over the manifest that names the key.
    let r = verify(
        out.join("minimal-1.0.0.tar"),
        &["--trust", keys.join("steg.pub").to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}
