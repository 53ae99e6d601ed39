//! The language of messages: Swedish by default, English with `--lang en` or from the
//! environment, and `steg explain` in either.

use crate::common::*;

const FIXTURE: &str = "tests/fixtures/broken/e0406-src-and-url";

/// `steg build FIXTURE` with `extra` arguments, from a command set up by `cmd`; the output
/// folder is `[OUT]` in stderr, so that runs can be compared.
fn build_with(mut cmd: assert_cmd::Command, extra: &[&str]) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut r = run(cmd
        .arg("build")
        .arg(FIXTURE)
        .arg("--out")
        .arg(&out)
        .args(extra));
    r.stderr = r.stderr.replace(&out.display().to_string(), "[OUT]");
    r
}

#[test]
fn messages_are_swedish_by_default() {
    let r = build_with(steg_sv(), &[]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("fel[E0406]: ett steg av typen `audio` har både `src:` och `url:`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("= gör så här: behåll `src:`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("fel: kunde inte bygga") && r.stderr.contains("(1 fel, 0 varningar)"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("error"), "{}", r.stderr);
}

#[test]
fn lang_en_gives_english() {
    let r = build_with(steg_sv(), &["--lang", "en"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("error[E0406]: a steg of type `audio` has both `src:` and `url:`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("error: could not build") && r.stderr.contains("(1 error, 0 warnings)"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_environment_chooses_the_language() {
    let english = build_with(steg_sv(), &["--lang", "en"]).stderr;
    let swedish = build_with(steg_sv(), &[]).stderr;
    assert_ne!(english, swedish);

    let mut cmd = steg_sv();
    cmd.env("STEG_LANG", "en");
    assert_eq!(build_with(cmd, &[]).stderr, english, "STEG_LANG=en");

    let mut cmd = steg_sv();
    cmd.env("LANG", "en_GB.UTF-8");
    assert_eq!(build_with(cmd, &[]).stderr, english, "LANG=en_GB.UTF-8");

    let mut cmd = steg_sv();
    cmd.env("LC_ALL", "C.UTF-8").env("LANG", "en_US.UTF-8");
    assert_eq!(
        build_with(cmd, &[]).stderr,
        english,
        "a locale that is neither Swedish nor English is passed over"
    );

    let mut cmd = steg_sv();
    cmd.env("STEG_LANG", "sv").env("LANG", "en_US.UTF-8");
    assert_eq!(build_with(cmd, &[]).stderr, swedish, "STEG_LANG beats LANG");

    let mut cmd = steg_sv();
    cmd.env("STEG_LANG", "en");
    assert_eq!(
        build_with(cmd, &["--lang", "sv"]).stderr,
        swedish,
        "--lang beats STEG_LANG"
    );
}

#[test]
fn json_keeps_its_fields_and_codes_with_the_message_in_the_chosen_language() {
    let sv = build_with(steg_sv(), &["--format", "json"]);
    let en = build_with(steg_sv(), &["--format", "json", "--lang", "en"]);
    let (sv, en) = (sv.json_diagnostics(), en.json_diagnostics());
    assert_eq!(sv.len(), 1);
    assert_eq!(en.len(), 1);
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&sv[0]), keys(&en[0]));
    for field in ["code", "severity", "file", "line", "column"] {
        assert_eq!(sv[0][field], en[0][field], "{field}");
    }
    assert_eq!(sv[0]["code"], "E0406");
    assert_eq!(sv[0]["severity"], "error");
    assert_eq!(
        sv[0]["message"],
        "ett steg av typen `audio` har både `src:` och `url:`"
    );
    assert_eq!(
        en[0]["message"],
        "a steg of type `audio` has both `src:` and `url:`"
    );
}

#[test]
fn check_summarises_in_the_chosen_language() {
    let r = run(steg_sv().arg("check").arg(FIXTURE));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.ends_with(&format!(
            "fel: {FIXTURE} har problem (1 fel, 0 varningar)\n"
        )),
        "{}",
        r.stderr
    );
    let r = run(steg_sv().args(["check", FIXTURE, "--lang", "en"]));
    assert!(
        r.stderr.ends_with(&format!(
            "error: {FIXTURE} has problems (1 error, 0 warnings)\n"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn explain_prints_the_explanation_with_examples_in_swedish() {
    let r = run(steg_sv().args(["explain", "e0406"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("explain-e0406-sv", r.stdout);
}

#[test]
fn explain_prints_english_with_lang_en_or_steg_lang() {
    let r = run(steg_sv().args(["explain", "E0406", "--lang", "en"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("explain-e0406-en", &r.stdout);
    let mut cmd = steg_sv();
    cmd.env("STEG_LANG", "en");
    assert_eq!(run(cmd.args(["explain", "e0406"])).stdout, r.stdout);
}

#[test]
fn explain_has_every_code_in_both_languages() {
    for lang in ["sv", "en"] {
        let list = run(steg_sv().args(["explain", "--list", "--lang", lang]));
        assert_eq!(list.code, 0);
        assert_eq!(
            list.stdout.lines().count(),
            steg_bundle::diagnostic::CODES.len()
        );
        for code in steg_bundle::diagnostic::CODES {
            let line = list
                .stdout
                .lines()
                .find(|l| l.starts_with(code.id))
                .unwrap_or_else(|| panic!("{} not listed", code.id));
            let summary = code.summary(if lang == "sv" {
                steg_bundle::diagnostic::Lang::Sv
            } else {
                steg_bundle::diagnostic::Lang::En
            });
            assert_eq!(line, format!("{}  {summary}", code.id));

            let r = run(steg_sv().args(["explain", code.id, "--lang", lang]));
            assert_eq!(r.code, 0, "{}", code.id);
            let (broken, fixed) = if lang == "sv" {
                ("\nMed felet:\n\n    ", "\nRättat:\n\n    ")
            } else {
                ("\nBroken:\n\n    ", "\nFixed:\n\n    ")
            };
            assert!(
                r.stdout.starts_with(&format!("{}: {summary}\n\n", code.id)),
                "{}",
                r.stdout
            );
            assert!(
                r.stdout.contains(broken) && r.stdout.contains(fixed),
                "{} in {lang}:\n{}",
                code.id,
                r.stdout
            );
        }
    }
}

#[test]
fn explain_refuses_an_unknown_code() {
    let r = run(steg_sv().args(["explain", "E9999"]));
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .starts_with("fel: det finns ingen kod som heter `E9999`\n"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("steg explain --list"), "{}", r.stderr);

    let r = run(steg_sv().args(["explain", "nonsense", "--lang", "en"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("error: no diagnostic has the code `nonsense`\n"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("steg explain --list"), "{}", r.stderr);
}

/// `steg diff` speaks the default language too: its verdicts, kinds and details come from the
/// catalogue (the Ändringar page uses the same Swedish words), and `--lang en` gives English.
#[test]
fn diff_is_swedish_by_default() {
    let tmp = tempfile::tempdir().unwrap();
    let made = run(steg_sv().current_dir(tmp.path()).args([
        "new",
        "moment",
        "Sömn för unga",
        "--in",
        "content",
    ]));
    assert_eq!(made.code, 0, "{}", made.stderr);
    let built = run(steg_sv().current_dir(tmp.path()).arg("build"));
    assert_eq!(built.code, 0, "{}", built.stderr);
    let program = tmp.path().join("content/somn-for-unga");
    let file = program.join("01-forsta-modulen/01-forsta-avsnittet/01-forsta-steget.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\nEn mening till.\n")).unwrap();
    let moment = std::fs::read_to_string(program.join("moment.md")).unwrap();
    std::fs::write(
        program.join("moment.md"),
        moment.replace("version: 0.1.0", "version: 0.1.1"),
    )
    .unwrap();
    let diff = |cmd: assert_cmd::Command| {
        let mut cmd = cmd;
        run(cmd.current_dir(tmp.path()).args([
            "diff",
            "dist/somn-for-unga/0.1.0",
            "content/somn-for-unga",
        ]))
    };
    let sv = diff(steg_sv());
    assert_eq!(sv.code, 0, "{}{}", sv.stdout, sv.stderr);
    assert!(sv.stdout.contains("texten ändrad"), "{}", sv.stdout);
    assert!(sv.stdout.contains("bedömning: rättning"), "{}", sv.stdout);
    assert!(!sv.stdout.contains("text edited"), "{}", sv.stdout);
    let en = diff(steg());
    assert!(en.stdout.contains("text edited"), "{}", en.stdout);
    assert!(en.stdout.contains("verdict: patch"), "{}", en.stdout);
}
