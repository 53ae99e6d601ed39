//! Safety features through the binary (issue 13): snippets and their review, placeholders
//! that block a release, flags that can fire, caption lines, quotes; and PLUS ung's own
//! safety: alerts on every risk question, the crisis numbers wherever a young person answers.

use crate::common::{build, copy_fixture, run, single_bundle, steg};
use crate::harness::ContentTest;
use std::path::Path;

/// The diagnostics of `steg check DIR --format json` whose code is `code`.
fn check_json(dir: &Path, code: &str) -> Vec<serde_json::Value> {
    let r = run(steg().arg("check").arg(dir).args(["--format", "json"]));
    r.json_diagnostics()
        .into_iter()
        .filter(|d| d["code"] == code)
        .collect()
}

/// `steg review status DIR --format json`: address → status.
fn review_status(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let r = run(steg()
        .args(["review", "status"])
        .arg(dir)
        .args(["--format", "json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            Some((
                v["address"].as_str()?.to_string(),
                v["status"].as_str()?.to_string(),
            ))
        })
        .collect()
}

#[test]
fn a_snippet_is_expanded_in_the_bundle_and_its_edit_makes_every_steg_showing_it_changed() {
    let (tmp, dir) = copy_fixture("good", "snippets");
    let out = tmp.path().join("out");
    let r = build(&dir, &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bundle = single_bundle(&out);
    for page in [
        "welcome.html",
        "steg/somn/intro/med-kris.html",
        "steg/somn/intro/ocksa-kris.html",
    ] {
        let html = std::fs::read_to_string(bundle.join(page)).unwrap();
        assert!(
            html.contains("Ring 112 om någon är i fara"),
            "{page}: {html}"
        );
        assert!(!html.contains("::: snippet"), "{page}: {html}");
    }
    let without = std::fs::read_to_string(bundle.join("steg/somn/intro/utan-kris.html")).unwrap();
    assert!(!without.contains("112"), "{without}");

    let addresses = [
        "somn/intro/med-kris",
        "somn/intro/utan-kris",
        "somn/intro/ocksa-kris",
    ];
    for a in addresses {
        let r = run(steg()
            .args([
                "review",
                "approve",
                a,
                "--by",
                "Anna Berg",
                "--date",
                "2026-11-20",
            ])
            .arg("--content")
            .arg(&dir));
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let before = review_status(&dir);
    for a in addresses {
        assert_eq!(
            before.get(a).map(String::as_str),
            Some("approved"),
            "{before:?}"
        );
    }

    // One edit, in moment.md only: both steg that show the snippet lose their approval.
    let moment = dir.join("moment.md");
    let text = std::fs::read_to_string(&moment).unwrap();
    std::fs::write(&moment, text.replace("dygnet runt", "hela dygnet")).unwrap();
    let after = review_status(&dir);
    assert_eq!(after["somn/intro/med-kris"], "changed", "{after:?}");
    assert_eq!(after["somn/intro/ocksa-kris"], "changed", "{after:?}");
    assert_eq!(after["somn/intro/utan-kris"], "approved", "{after:?}");
}

#[test]
fn an_unknown_snippet_is_located_and_an_unused_one_warned() {
    let test = ContentTest::from_fixture("broken/e0720-unknown-snippet");
    let outcome = test
        .build(&[])
        .expect_exit(1)
        .expect_codes(&["E0720", "W0721"])
        .expect_output_absent();
    let err = &outcome.run.stderr;
    assert!(err.contains("no snippet named `krisen`"), "{err}");
    assert!(
        err.contains("e0720-unknown-snippet/01-somn/01-intro/01-valkommen.md:6:1"),
        "{err}"
    );
    assert!(
        err.contains("e0720-unknown-snippet/moment.md:10:3"),
        "{err}"
    );
}

#[test]
fn placeholders_warn_in_check_and_block_a_release() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good/placeholders");
    // check: the stand-ins from steg new warn; the declared film is a note.
    let found = check_json(&fixture, "W1120");
    let severities: Vec<&str> = found
        .iter()
        .filter_map(|d| d["severity"].as_str())
        .collect();
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!(
        severities.iter().filter(|s| **s == "warning").count(),
        2,
        "{found:#?}"
    );

    // An ordinary build goes through (a preview of work in progress)...
    ContentTest::from_fixture("good/placeholders")
        .build(&[])
        .expect_exit(0);
    // ...a release does not, and names each placeholder where it is.
    let test = ContentTest::from_fixture("good/placeholders");
    let outcome = test
        .build(&["--release"])
        .expect_exit(1)
        .expect_output_absent();
    let err = &outcome.run.stderr;
    assert_eq!(err.matches("error[E1220]").count(), 3, "{err}");
    for place in ["01-film.md:7:14", "02-text.md:4:1", "03-bild.md:4:6"] {
        assert!(err.contains(place), "{place} in {err}");
    }
    assert!(err.contains("`Film om sömn` is a placeholder"), "{err}");
    assert!(
        err.contains("`media/bild-platshallare.png` is a placeholder"),
        "{err}"
    );
}

#[test]
fn a_flag_that_can_never_fire_is_an_error() {
    let test = ContentTest::from_fixture("broken/e0722-flag-cannot-fire");
    let outcome = test
        .build(&[])
        .expect_exit(1)
        .expect_codes(&["E0722"])
        .expect_output_absent();
    let err = &outcome.run.stderr;
    assert!(
        err.contains("the flag `alla` is sent when a modul ends, but no modul has an end"),
        "{err}"
    );
    assert!(
        err.contains("the flag `bara-somn` is sent when the modul `somn` ends"),
        "{err}"
    );
    assert!(err.contains("moment.md:13:14"), "{err}");

    // Give the modul an end: both flags can fire.
    let (_tmp, dir) = copy_fixture("broken", "e0722-flag-cannot-fire");
    let modul = dir.join("01-somn/modul.md");
    let text = std::fs::read_to_string(&modul).unwrap();
    std::fs::write(
        &modul,
        text.replace("summary:", "duration_days: 21\nsummary:"),
    )
    .unwrap();
    assert!(check_json(&dir, "E0722").is_empty());
}

#[test]
fn long_caption_lines_straight_quotes_and_copies_warn() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken/w1122-captions-quotes");
    let r = run(steg().arg("check").arg(&dir));
    assert_eq!(r.code, 0, "warnings only: {}", r.stderr);
    let captions = check_json(&dir, "W1122");
    assert_eq!(captions.len(), 1, "{captions:#?}");
    assert!(r.stderr.contains("film.sv.vtt:4:1"), "{}", r.stderr);
    assert!(
        r.stderr.contains("the line has 64 characters"),
        "{}",
        r.stderr
    );
    // One per paragraph with straight quotes; the quoted title and the code span do not count.
    let quotes = check_json(&dir, "W1123");
    assert_eq!(quotes.len(), 2, "{quotes:#?}");
    assert!(r.stderr.contains("02-citat.md:6:5"), "{}", r.stderr);
    assert!(r.stderr.contains("”like this”"), "{}", r.stderr);
    let copies = check_json(&dir, "W1121");
    assert_eq!(copies.len(), 1, "{copies:#?}");
    assert!(r.stderr.contains("the same content as"), "{}", r.stderr);
}

#[test]
fn explain_w1102_says_short_texts_are_not_scored() {
    let r = run(steg().args(["explain", "W1102"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("at least 50 words"), "{}", r.stdout);
    let sv = run(crate::common::steg_sv().args(["explain", "W1102"]));
    assert!(sv.stdout.contains("minst 50 ord"), "{}", sv.stdout);
}

/// Words that make a question a risk question: thoughts of not wanting to live, self-harm,
/// violence, (un)safety at home. Matched on the label, and on the options' values (ids: an
/// option label such as ”Hjärtat slår fort” is not about violence).
const RISK_LABEL: &[&str] = &["inte vill leva", "ta ditt liv", "skada dig", "trygg"];
const RISK_OPTION: &[&str] = &["skadar", "slar", "vald"];

#[test]
fn plus_ung_every_risk_question_alerts_and_every_form_page_has_the_crisis_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = build("content", &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bundle = single_bundle(&out);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("bundle.json")).unwrap())
            .unwrap();
    let numbers = ["112", "1177", "116 111", "90101"];

    let welcome = std::fs::read_to_string(bundle.join("welcome.html")).unwrap();
    for n in numbers {
        assert!(welcome.contains(n), "the welcome text lacks {n}");
    }

    let mut risk_found = Vec::new();
    let mut forms = 0;
    let moment = &manifest["moment"];
    for modul in moment["moduler"].as_array().unwrap() {
        for avsnitt in modul["avsnitt"].as_array().unwrap() {
            for s in avsnitt["steg"].as_array().unwrap() {
                if s["type"] != "form" {
                    continue;
                }
                forms += 1;
                let address = s["address"].as_str().unwrap();
                let page =
                    std::fs::read_to_string(bundle.join(s["html"].as_str().unwrap())).unwrap();
                for n in numbers {
                    assert!(page.contains(n), "the form {address} lacks {n}");
                }
                let mut questions: Vec<&serde_json::Value> =
                    s["questions"].as_array().unwrap().iter().collect();
                while let Some(q) = questions.pop() {
                    if let Some(inner) = q["questions"].as_array() {
                        questions.extend(inner);
                    }
                    if !matches!(
                        q["type"].as_str(),
                        Some("yes_no" | "single_choice" | "multiple_choice" | "scale")
                    ) {
                        continue;
                    }
                    let label = q["label"].as_str().unwrap_or("").to_lowercase();
                    let options: Vec<String> = q["options"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|o| o["value"].to_string().to_lowercase())
                        .collect();
                    let risk = RISK_LABEL.iter().any(|w| label.contains(w))
                        || options
                            .iter()
                            .any(|o| RISK_OPTION.iter().any(|w| o.contains(w)));
                    if !risk {
                        continue;
                    }
                    let id = q["id"].as_str().unwrap();
                    risk_found.push(id.to_string());
                    let own = q.get("alert").is_some_and(|a| !a.is_null());
                    let by_score = s["scores"].as_array().into_iter().flatten().any(|sc| {
                        sc.get("alert").is_some_and(|a| !a.is_null())
                            && sc["questions"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .any(|x| x == id)
                    });
                    assert!(
                        own || by_score,
                        "{address}: the risk question `{id}` has no alert"
                    );
                    let message = if own {
                        &q["alert"]["message"]
                    } else {
                        &serde_json::Value::Null
                    };
                    if own {
                        let m = message.as_str().unwrap_or("");
                        assert!(
                            m.contains("Kontakta") || m.contains("Fråga"),
                            "{address}/{id}: the alert must say what to do: {m}"
                        );
                    }
                }
            }
        }
    }
    assert_eq!(forms, 10, "PLUS ung has ten forms");
    risk_found.sort();
    // The match must find the risk questions the program has (else the test proves nothing).
    for id in [
        "brukar-gora",
        "tankar-inte-leva",
        "tankar-inte-leva-nu",
        "trygg",
        "trygg-nu",
        "vad-gor-du",
    ] {
        assert!(
            risk_found.iter().any(|f| f == id),
            "{id} not found as a risk question: {risk_found:?}"
        );
    }
}

#[test]
fn the_preview_marks_placeholders_and_lists_the_snippets_a_steg_uses() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = build("tests/fixtures/good/placeholders", &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let site = out.join("preview/placeholders");
    // Each of the three steg is a stand-in: declared, steg new's text, steg new's image.
    for page in ["film", "text", "bild"] {
        let html =
            std::fs::read_to_string(site.join(format!("steg/somn/intro/{page}.html"))).unwrap();
        assert!(html.contains(">Platshållare</span>"), "{page}: {html}");
    }
    let review = std::fs::read_to_string(site.join("granskning.html")).unwrap();
    assert_eq!(
        review.matches(">Platshållare</span>").count(),
        3,
        "{review}"
    );

    let out = tmp.path().join("out-snippets");
    let r = build("tests/fixtures/good/snippets", &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let site = out.join("preview/snippets");
    let review = std::fs::read_to_string(site.join("granskning.html")).unwrap();
    // Two steg show `kris`, one shows none.
    assert_eq!(
        review.matches("<td><code>kris</code></td>").count(),
        2,
        "{review}"
    );
    let steg = std::fs::read_to_string(site.join("steg/somn/intro/med-kris.html")).unwrap();
    assert!(
        steg.contains("<dt>Textblock</dt><dd><code>kris</code></dd>"),
        "{steg}"
    );
    assert!(!steg.contains(">Platshållare</span>"), "{steg}");
}

#[test]
fn what_steg_new_writes_is_a_placeholder_that_blocks_a_release() {
    let tmp = tempfile::tempdir().unwrap();
    let new = |cwd: &Path, args: &[&str]| {
        let r = run(steg().current_dir(cwd).arg("new").args(args));
        assert_eq!(r.code, 0, "steg new {args:?}: {}", r.stderr);
    };
    new(tmp.path(), &["moment", "Sömn för unga", "--in", "content"]);
    let program = tmp.path().join("content/somn-for-unga");
    let avsnitt = program.join("01-forsta-modulen/01-forsta-avsnittet");
    new(&avsnitt, &["steg", "Film", "--type", "video"]);

    // Every stand-in is named: texts, summaries, the film and its captions and transcript.
    let found = check_json(&program, "W1120");
    let messages: Vec<String> = found
        .iter()
        .map(|d| format!("{} {}", d["file"], d["message"]))
        .collect();
    for expected in [
        "Skriv stegets text här",
        "Skriv välkomsttexten här",
        "Skriv en eller två meningar om vad modulen handlar om",
        "-platshallare.webm",
        "En platshållare som steg new har skapat",
        "Här ska hela texten till inspelningen stå",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{expected} not reported: {messages:#?}"
        );
    }
    let out = tmp.path().join("out");
    let r = build(&program, &out, &["--release"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("error[E1220]").count(),
        found.len(),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
}
