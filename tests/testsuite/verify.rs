//! `steg verify` and the bundle loader (`steg_bundle::Bundle`): a good bundle passes, and
//! every kind of damage to a built bundle is found and named with the right code.

use crate::common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

fn codes(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn read_manifest(bundle: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(bundle.join("bundle.json")).unwrap()).unwrap()
}

fn write_manifest(bundle: &Path, m: &Value) {
    std::fs::write(
        bundle.join("bundle.json"),
        serde_json::to_string_pretty(m).unwrap(),
    )
    .unwrap();
}

/// Builds every-type, lets `tamper` damage the bundle, and checks that both `steg verify`
/// and `Bundle::open` report exactly `expected`. Returns the JSON diagnostics.
fn tampered(tamper: impl FnOnce(&Path), expected: &[&str]) -> Vec<Value> {
    let (_tmp, bundle) = build_good("every-type");
    tamper(&bundle);

    let r = verify(&bundle, &["--format", "json"]);
    assert_eq!(r.code, 1, "verify must fail; stdout:\n{}", r.stdout);
    assert_eq!(r.json_codes(), codes(expected), "{}", r.stdout);
    for d in r.json_diagnostics() {
        assert_eq!(d["severity"], "error", "{d}");
        assert!(d["file"].is_string(), "{d}");
        assert!(!d["hint"].as_str().unwrap_or_default().is_empty(), "{d}");
    }

    let h = verify(&bundle, &[]);
    assert_eq!(h.code, 1);
    assert!(h.stderr.contains("is not a sound bundle"), "{}", h.stderr);
    for code in expected {
        assert!(h.stderr.contains(&format!("error[{code}]")), "{}", h.stderr);
    }

    let err = steg_bundle::Bundle::open(&bundle).expect_err("the loader refuses it too");
    let lib: BTreeSet<String> = err.iter().map(|d| d.code.to_string()).collect();
    assert_eq!(lib, codes(expected));
    r.json_diagnostics()
}

/// The first steg of the first avsnitt of the first modul.
fn first_steg(m: &mut Value) -> &mut Value {
    &mut m["moment"]["moduler"][0]["avsnitt"][0]["steg"][0]
}

#[test]
fn good_bundle_verifies() {
    let (_tmp, bundle) = build_good("every-type");
    let r = verify(&bundle, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("every-type 2.1.0 — Alla typer"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("formular [form, 5 questions]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("flags: startat, paminnelse, modul-slutar, snart-slut"),
        "{}",
        r.stdout
    );
    let j = verify(&bundle, &["--format", "json"]);
    assert_eq!(j.code, 0);
    let lines = j.json_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["verified"], "every-type");
    assert_eq!(lines[0]["steg"], 7);
}

#[test]
fn changed_byte_in_steg_html_is_b0007() {
    let diags = tampered(
        |b| {
            let p = b.join("steg/alla-typer/forsta/text.html");
            let mut bytes = std::fs::read(&p).unwrap();
            bytes[5] ^= 0x20;
            std::fs::write(&p, bytes).unwrap();
        },
        &["B0007"],
    );
    // The diagnostic names the bundle (`file`) and the entry in it (`entry`); the entry is
    // never joined to a host path.
    assert_eq!(
        diags[0]["entry"], "steg/alla-typer/forsta/text.html",
        "{}",
        diags[0]
    );
}

#[test]
fn truncated_media_file_is_b0007() {
    tampered(
        |b| {
            let media = std::fs::read_dir(b.join("media"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|e| e == "png"))
                .unwrap();
            let bytes = std::fs::read(&media).unwrap();
            std::fs::write(&media, &bytes[..bytes.len() - 1]).unwrap();
        },
        &["B0007"],
    );
}

#[test]
fn missing_file_is_b0006() {
    let diags = tampered(
        |b| std::fs::remove_file(b.join("transcript/alla-typer/forsta/film.html")).unwrap(),
        &["B0006"],
    );
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("transcript/alla-typer/forsta/film.html")
    );
}

#[test]
fn extra_unlisted_file_is_b0010() {
    let diags = tampered(
        |b| std::fs::write(b.join("steg/alla-typer/forsta/extra.html"), "<p>hej</p>").unwrap(),
        &["B0010"],
    );
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("steg/alla-typer/forsta/extra.html")
    );
}

#[test]
fn unknown_steg_type_is_b0011() {
    let diags = tampered(
        |b| {
            let mut m = read_manifest(b);
            first_steg(&mut m)["type"] = json!("quiz");
            write_manifest(b, &m);
        },
        &["B0011"],
    );
    let msg = diags[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("alla-typer/forsta/text") && msg.contains("quiz"),
        "{msg}"
    );
}

#[test]
fn image_without_alt_is_b0011() {
    tampered(
        |b| {
            let mut m = read_manifest(b);
            let image = &mut m["moment"]["moduler"][0]["avsnitt"][0]["steg"][3];
            assert_eq!(image["type"], "image");
            image.as_object_mut().unwrap().remove("alt");
            write_manifest(b, &m);
        },
        &["B0011"],
    );
}

#[test]
fn unknown_format_version_is_b0003() {
    tampered(
        |b| {
            let mut m = read_manifest(b);
            m["format_version"] = json!(99);
            write_manifest(b, &m);
        },
        &["B0003"],
    );
}

#[test]
fn other_format_name_is_b0003() {
    tampered(
        |b| {
            let mut m = read_manifest(b);
            m["format"] = json!("zip");
            write_manifest(b, &m);
        },
        &["B0003"],
    );
}

#[test]
fn invalid_json_is_b0002() {
    let diags = tampered(
        |b| {
            let p = b.join("bundle.json");
            let text = std::fs::read_to_string(&p).unwrap();
            std::fs::write(&p, text.replacen("\"moment\"", "\"moment\" oops", 1)).unwrap();
        },
        &["B0002"],
    );
    assert!(diags[0]["line"].as_u64().unwrap() > 1, "{}", diags[0]);
}

#[test]
fn manifest_missing_a_field_is_b0002() {
    let diags = tampered(
        |b| {
            let mut m = read_manifest(b);
            m["moment"].as_object_mut().unwrap().remove("title");
            write_manifest(b, &m);
        },
        &["B0002"],
    );
    let msg = diags[0]["message"].as_str().unwrap();
    assert!(msg.contains("title"), "{msg}");
}

#[test]
fn duplicate_steg_id_is_b0005() {
    tampered(
        |b| {
            let mut m = read_manifest(b);
            let steg = &mut m["moment"]["moduler"][0]["avsnitt"][0]["steg"];
            let copy = steg[0].clone();
            steg.as_array_mut().unwrap().push(copy);
            write_manifest(b, &m);
        },
        &["B0005"],
    );
}

#[test]
fn dotdot_in_files_list_is_b0008() {
    let diags = tampered(
        |b| {
            let mut m = read_manifest(b);
            let files = m["files"].as_array_mut().unwrap();
            let mut evil = files[0].clone();
            evil["path"] = json!("../../etc/passwd");
            files.push(evil);
            write_manifest(b, &m);
        },
        &["B0008"],
    );
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("../../etc/passwd")
    );
}

#[test]
fn absolute_path_in_files_list_is_b0008() {
    tampered(
        |b| {
            let mut m = read_manifest(b);
            let files = m["files"].as_array_mut().unwrap();
            let mut evil = files[0].clone();
            evil["path"] = json!("/etc/passwd");
            files.push(evil);
            write_manifest(b, &m);
        },
        &["B0008"],
    );
}

#[test]
fn file_listed_twice_is_b0008() {
    tampered(
        |b| {
            let mut m = read_manifest(b);
            let files = m["files"].as_array_mut().unwrap();
            let again = files[0].clone();
            files.push(again);
            write_manifest(b, &m);
        },
        &["B0008"],
    );
}

#[cfg(unix)]
#[test]
fn listed_file_replaced_by_a_link_is_b0008() {
    tampered(
        |b| {
            let p = b.join("welcome.html");
            std::fs::remove_file(&p).unwrap();
            std::os::unix::fs::symlink("/etc/passwd", &p).unwrap();
        },
        &["B0008"],
    );
}

#[test]
fn flag_naming_a_missing_modul_is_b0009() {
    let diags = tampered(
        |b| {
            let mut m = read_manifest(b);
            let flag = &mut m["moment"]["flags"][2];
            assert_eq!(flag["trigger"]["event"], "modul_ends");
            flag["trigger"]["moduler"] = json!(["finns-inte"]);
            write_manifest(b, &m);
        },
        &["B0009"],
    );
    assert!(diags[0]["message"].as_str().unwrap().contains("finns-inte"));
}

#[test]
fn avsnitt_without_steg_is_b0004() {
    let diags = tampered(
        |b| {
            let mut m = read_manifest(b);
            m["moment"]["moduler"][0]["avsnitt"][1]["steg"] = json!([]);
            write_manifest(b, &m);
        },
        &["B0004"],
    );
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("alla-typer/andra")
    );
}

#[test]
fn wrong_address_is_b0004() {
    tampered(
        |b| {
            let mut m = read_manifest(b);
            first_steg(&mut m)["address"] = json!("alla-typer/forsta/annan");
            write_manifest(b, &m);
        },
        &["B0004"],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    tampered(
        |b| {
            let mut m = read_manifest(b);
            m["moment"]["moduler"][0]["avsnitt"][1]["steg"] = json!([]);
            m["moment"]["flags"][2]["trigger"]["moduler"] = json!(["finns-inte"]);
            write_manifest(b, &m);
            std::fs::write(b.join("extra.txt"), "x").unwrap();
            std::fs::remove_file(b.join("welcome.html")).unwrap();
            let p = b.join("steg/alla-typer/forsta/bild.html");
            std::fs::write(&p, "changed").unwrap();
        },
        &["B0004", "B0006", "B0007", "B0009", "B0010"],
    );
}

#[test]
fn missing_or_empty_bundle_folder_is_b0001() {
    let tmp = tempfile::tempdir().unwrap();
    for path in [tmp.path().join("nope"), tmp.path().to_path_buf()] {
        let r = verify(&path, &["--format", "json"]);
        assert_eq!(r.code, 1);
        assert_eq!(r.json_codes(), codes(&["B0001"]));
        let err = steg_bundle::Bundle::open(&path).unwrap_err();
        assert_eq!(err.iter().map(|d| d.code).collect::<Vec<_>>(), ["B0001"]);
    }
}

// ---------------------------------------------------------------------------------------------
// The library API

#[test]
fn bundle_open_accepts_a_good_bundle() {
    let (_tmp, dir) = build_good("every-type");
    let bundle = steg_bundle::Bundle::open(&dir).expect("a good bundle opens");
    assert_eq!(bundle.root(), dir.as_path());
    let m = bundle.manifest();
    assert_eq!(m.format_version, steg_bundle::FORMAT_VERSION);
    assert_eq!(m.moment.id, "every-type");
    assert_eq!(m.moment.version, "2.1.0");
    let c = bundle.counts();
    assert_eq!((c.moduler, c.avsnitt, c.steg), (1, 2, 7));
    assert_eq!(c.files, m.files.len());
    assert_eq!(
        c.approved + c.changed + c.unapproved + c.unreviewed,
        7,
        "every steg has one review state"
    );

    // `read` hands out listed files, and re-checks them.
    let welcome = bundle.read("welcome.html").expect("listed file");
    assert!(
        String::from_utf8(welcome)
            .unwrap()
            .contains("{{mottagning}}")
    );
    assert_eq!(
        bundle.read("bundle.json").unwrap_err().kind(),
        std::io::ErrorKind::NotFound,
        "only listed files are handed out"
    );
    assert_eq!(
        bundle.read("../../etc/passwd").unwrap_err().kind(),
        std::io::ErrorKind::NotFound
    );
    std::fs::write(dir.join("welcome.html"), "<p>changed after open</p>").unwrap();
    assert_eq!(
        bundle.read("welcome.html").unwrap_err().kind(),
        std::io::ErrorKind::InvalidData
    );
}

#[test]
fn bundle_open_returns_every_problem() {
    let (_tmp, dir) = build_good("minimal");
    std::fs::write(dir.join("stray.html"), "x").unwrap();
    std::fs::remove_file(dir.join("welcome.html")).unwrap();
    let err = steg_bundle::Bundle::open(&dir).unwrap_err();
    let found: Vec<&str> = err.iter().map(|d| d.code).collect();
    assert!(err.has_errors());
    assert_eq!(found.len(), 2, "{err:?}");
    assert!(
        found.contains(&"B0006") && found.contains(&"B0010"),
        "{found:?}"
    );
    for d in &err {
        for lang in steg_bundle::diagnostic::Lang::ALL {
            assert!(d.file.is_some() && d.hint(lang).is_some(), "{d:?}");
        }
    }
}

#[test]
fn bundles_of_the_default_content_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = build("content", &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dir = single_bundle(&out);
    let bundle = steg_bundle::Bundle::open(&dir).expect("default content verifies");
    assert!(bundle.counts().steg > 0);
}

// ---------------------------------------------------------------------------------------------
// The schema

#[test]
fn schema_command_prints_the_json_schema() {
    let r = run(steg().arg("schema"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let schema: Value = serde_json::from_str(&r.stdout).expect("schema is JSON");
    assert!(
        schema["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("json-schema.org")),
        "{schema}"
    );
    assert_eq!(schema["type"], "object");
    assert_eq!(schema, steg_bundle::manifest::json_schema());

    // A built manifest has every field the schema requires at the top level.
    let (_tmp, bundle) = build_good("minimal");
    let m = read_manifest(&bundle);
    for field in schema["required"].as_array().expect("required fields") {
        let field = field.as_str().unwrap();
        assert!(m.get(field).is_some(), "manifest lacks required `{field}`");
    }
}

#[test]
fn committed_schema_matches_the_code() {
    let path = root().join("schema/bundle.schema.json");
    let committed = std::fs::read_to_string(&path).expect("schema/bundle.schema.json is committed");
    let r = run(steg().arg("schema"));
    assert_eq!(r.code, 0);
    let committed: Value = serde_json::from_str(&committed).expect("committed schema is JSON");
    let printed: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        committed == printed,
        "schema/bundle.schema.json is out of date: regenerate it with `steg schema > schema/bundle.schema.json`"
    );
}
