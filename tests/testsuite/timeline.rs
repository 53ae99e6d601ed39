//! `steg timeline`: the oracle for what each flag means (`steg_bundle::timeline`,
//! `docs/bundle-format.md`, *Flags and the schedule*), through the binary, on the real
//! program and on small programs written here.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

/// `steg timeline ARGS --format json`, parsed; panics unless it exits 0.
fn timeline(args: &[&str]) -> Vec<Value> {
    let r = run(steg().arg("timeline").args(args).args(["--format", "json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str::<Vec<Value>>(&r.stdout).expect("a JSON list")
}

/// `(day, event, flag, recipient, modul)` of each event, for compact comparisons.
fn rows(events: &[Value]) -> Vec<(u64, String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("-").to_string();
    events
        .iter()
        .map(|e| {
            (
                e["day"].as_u64().unwrap(),
                s(&e["event"]),
                s(&e["flag"]),
                s(&e["recipient"]),
                s(&e["modul"]),
            )
        })
        .collect()
}

fn row(
    day: u64,
    event: &str,
    flag: &str,
    recipient: &str,
    modul: &str,
) -> (u64, String, String, String, String) {
    (
        day,
        event.into(),
        flag.into(),
        recipient.into(),
        modul.into(),
    )
}

#[test]
fn plus_ung_for_one_start_date() {
    let events = timeline(&["content/plus-ung", "--start", "2026-01-12"]);
    for e in &events {
        for key in ["date", "flag", "recipient", "event"] {
            assert!(e.get(key).is_some(), "{key} missing in {e}");
        }
    }
    // The clinician's end-of-program flag: a day before the 90 days are over, which is day
    // 89 counted from the start (day 0).
    let snart: Vec<&Value> = events
        .iter()
        .filter(|e| e["flag"] == "snart-slut")
        .collect();
    assert_eq!(snart.len(), 1);
    assert_eq!(snart[0]["day"], 89);
    assert_eq!(snart[0]["date"], "2026-04-11");
    assert_eq!(snart[0]["recipient"], "behandlare");
    assert_eq!(snart[0]["trigger"], "moment_ends");
    let end = events.last().unwrap();
    assert_eq!(
        (end["event"].as_str(), end["day"].as_u64()),
        (Some("moment_ends"), Some(90))
    );
    assert_eq!(end["date"], "2026-04-12");
    // Each modul is open 42 days (duration_days: 42) from its activation on the start date;
    // the young person hears of it three days before.
    let moduler = [
        "somn",
        "nedstamdhet",
        "oro-och-angest",
        "kanslor",
        "relationer",
    ];
    for m in moduler {
        let of = |event: &str, flag: Option<&str>| -> Vec<u64> {
            events
                .iter()
                .filter(|e| e["modul"] == m && e["event"] == event)
                .filter(|e| flag.is_none_or(|f| e["flag"] == f))
                .map(|e| e["day"].as_u64().unwrap())
                .collect()
        };
        assert_eq!(of("modul_activated", None), [0], "{m}");
        assert_eq!(of("modul_ends", None), [42], "{m}");
        assert_eq!(of("flag", Some("modul-slutar")), [39], "{m}");
    }
    // Started on day 0, reminded once after seven days without activity (no repeat_days).
    let flag_days = |id: &str| -> Vec<u64> {
        events
            .iter()
            .filter(|e| e["flag"] == id)
            .map(|e| e["day"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(flag_days("startat"), [0]);
    assert_eq!(flag_days("paminnelse"), [7]);
    assert!(events.iter().all(|e| e["day"].as_u64().unwrap() <= 90));
    // Sorted by date.
    let dates: Vec<&str> = events.iter().map(|e| e["date"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
}

#[test]
fn a_guardian_as_proxy_gets_the_young_persons_flags() {
    let events = timeline(&[
        "content/plus-ung",
        "--start",
        "2026-01-12",
        "--ombud",
        "--moduler",
        "somn",
    ]);
    let recipients: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["event"] == "flag")
        .map(|e| {
            (
                e["flag"].as_str().unwrap(),
                e["recipient"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        recipients,
        [
            ("startat", "ombud"),
            ("paminnelse", "ombud"),
            ("modul-slutar", "ombud"),
            ("snart-slut", "behandlare")
        ]
    );
}

/// A program of 30 days with two moduler and flags that use every rule.
fn write_program(dir: &Path) {
    let w = |p: &str, text: &str| {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    w(
        "moment.md",
        "---\nid: testprogram\ntitle: Testprogram\nversion: 1.0.0\nlanguage: sv\nduration_days: 30\naudience:\n  groups: [unga]\n  min_age: 12\n  proxy_under_age: 13\nplaceholders:\n  - name: mottagning\n    description: Mottagningens namn.\nflags:\n  - id: paminn\n    title: Påminnelse\n    recipient: invanare\n    trigger: { event: inactive, days: 5 }\n    repeat_days: 10\n    activity: answer\n    message: Hej från {{ mottagning }}!\n  - id: tyst\n    title: Bara till den unga\n    recipient: invanare\n    trigger: { event: inactive, days: 3 }\n    proxy: none\n    message: Hej.\n  - id: modul\n    title: Modulen stänger\n    recipient: invanare\n    trigger: { event: modul_ends, days_before: 3 }\n    message: Snart stänger en modul.\n---\nVälkommen till programmet.\n",
    );
    for (n, id, days) in [("01", "lang", "duration_days: 40\n"), ("02", "oppen", "")] {
        w(
            &format!("{n}-{id}/modul.md"),
            &format!("---\ntitle: Modul {id}\n{days}summary: En modul.\n---\n"),
        );
        w(
            &format!("{n}-{id}/01-intro/avsnitt.md"),
            "---\ntitle: Intro\n---\n",
        );
        w(
            &format!("{n}-{id}/01-intro/01-valkommen.md"),
            // Each modul's text its own: two steg with the same content are a warning.
            &format!("---\ntitle: Välkommen\ntype: text\n---\nHej och välkommen till {id}.\n"),
        );
    }
}

#[test]
fn flag_rules_repeat_clamp_proxy_and_placeholders() {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    write_program(&content);
    let dir = content.to_str().unwrap();
    let events = timeline(&[dir, "--start", "2026-02-27"]);
    assert_eq!(
        rows(&events),
        [
            row(0, "moment_started", "-", "-", "-"),
            row(0, "modul_activated", "-", "-", "lang"),
            row(0, "modul_activated", "-", "-", "oppen"),
            // repeat_days: again every ten days while nothing happens, never on the last day.
            row(3, "flag", "tyst", "invanare", "-"),
            row(5, "flag", "paminn", "invanare", "-"),
            row(15, "flag", "paminn", "invanare", "-"),
            row(25, "flag", "paminn", "invanare", "-"),
            // A modul of 40 days in a program of 30 closes with the program; one without
            // duration_days has no closing of its own, so no modul_ends flag either.
            row(27, "flag", "modul", "invanare", "lang"),
            row(30, "modul_ends", "-", "-", "lang"),
            row(30, "moment_ends", "-", "-", "-"),
        ]
    );
    // Dates across the end of February (2026 is no leap year).
    assert_eq!(events[3]["date"], "2026-03-02");
    assert_eq!(events.last().unwrap()["date"], "2026-03-29");
    // The message keeps its placeholder, written one way, for the platform to fill in.
    assert_eq!(events[4]["message"], "Hej från {{mottagning}}!");

    // Through a proxy, `proxy: none` is not sent and the others go to the guardian.
    let proxied = timeline(&[
        dir,
        "--start",
        "2026-02-27",
        "--ombud",
        "--moduler",
        "oppen",
    ]);
    assert_eq!(
        rows(&proxied),
        [
            row(0, "moment_started", "-", "-", "-"),
            row(0, "modul_activated", "-", "-", "oppen"),
            row(5, "flag", "paminn", "ombud", "-"),
            row(15, "flag", "paminn", "ombud", "-"),
            row(25, "flag", "paminn", "ombud", "-"),
            row(30, "moment_ends", "-", "-", "-"),
        ]
    );

    // The bundle says the same, read back by the loader: the meaning fields are in it.
    let out = tmp.path().join("out");
    let r = build(dir, &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bundle = out.join("testprogram/1.0.0");
    assert_eq!(
        timeline(&[bundle.to_str().unwrap(), "--start", "2026-02-27"]),
        events
    );
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(bundle.join("bundle.json")).unwrap()).unwrap();
    let flags = &manifest["moment"]["flags"];
    assert_eq!(flags[0]["repeat_days"], 10);
    assert_eq!(flags[0]["activity"], "answer");
    assert_eq!(flags[0]["proxy"], "ombud");
    assert_eq!(flags[0]["placeholders"], serde_json::json!(["mottagning"]));
    assert_eq!(flags[0]["message"], "Hej från {{mottagning}}!");
    assert_eq!(flags[1]["proxy"], "none");
    assert_eq!(flags[1]["activity"], "any");
    assert!(flags[1].get("repeat_days").is_none());
}

#[test]
fn a_flag_message_may_use_only_declared_placeholders() {
    let tmp = tempfile::tempdir().unwrap();
    write_program(tmp.path());
    let moment = tmp.path().join("moment.md");
    let text = std::fs::read_to_string(&moment).unwrap();
    std::fs::write(&moment, text.replace("Hej.", "Hej från {{klinik}}.")).unwrap();
    let r = run(steg().args(["check", tmp.path().to_str().unwrap(), "--format", "json"]));
    assert_eq!(r.code, 1);
    let d = r.json_diagnostics();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "E0702");
    assert!(
        d[0]["message"].as_str().unwrap().contains("klinik"),
        "{}",
        d[0]
    );
    assert!(d[0]["line"].as_u64().is_some(), "{}", d[0]);
}

#[test]
fn wrong_arguments_are_refused_with_exit_2() {
    let r = run(steg().args(["timeline", "content/plus-ung", "--start", "2026-02-30"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("2026-02-30"), "{}", r.stderr);
    let r = run(steg().args([
        "timeline",
        "content/plus-ung",
        "--start",
        "2026-02-03",
        "--moduler",
        "somn,x",
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`x`") && r.stderr.contains("somn, nedstamdhet"),
        "{}",
        r.stderr
    );
    let r = run(steg().args([
        "timeline",
        "content/plus-ung",
        "--start",
        "2026-02-03",
        "--moment",
        "nej",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("plus-ung"), "{}", r.stderr);
}

#[test]
fn the_human_listing_names_each_flag_and_recipient() {
    let r = run(steg().args([
        "timeline",
        "content/plus-ung",
        "--start",
        "2026-01-12",
        "--moduler",
        "somn",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("plus-ung 1.0.0 — PLUS ung (90 days), start 2026-01-12\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.lines().any(|l| l.contains("2026-04-11")
            && l.contains("snart-slut")
            && l.contains("behandlare")),
        "{}",
        r.stdout
    );
}

#[test]
fn the_preview_shows_the_timeline_for_a_sample_start_date() {
    let tmp = tempfile::tempdir().unwrap();
    let r = build("content/plus-ung", tmp.path().join("out"), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page =
        std::fs::read_to_string(tmp.path().join("out/preview/plus-ung/behandlare.html")).unwrap();
    let events = timeline(&["content/plus-ung", "--start", "2026-01-12"]);
    // Every event of `steg timeline` for the sample date is a row, in the same order.
    let rows: Vec<&str> = page.split("<tr class=\"timeline-").skip(1).collect();
    assert_eq!(rows.len(), events.len(), "{page}");
    for (row, e) in rows.iter().zip(&events) {
        assert!(row.starts_with(e["event"].as_str().unwrap()), "{row}");
        assert!(row.contains(e["date"].as_str().unwrap()), "{row}");
    }
    let snart = rows
        .iter()
        .find(|r| r.contains("PLUS ung snart slut"))
        .expect("the clinician's flag");
    assert!(
        snart.contains("<td>2026-04-11</td><td>89</td>") && snart.contains("Behandlare"),
        "{snart}"
    );
}

/// The README shows PLUS ung's timeline; it must be what `steg timeline` prints.
#[test]
fn the_readme_shows_the_current_timeline() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let command = "$ steg timeline content/plus-ung --start 2026-01-12\n";
    let start = readme.find(command).expect("the README shows the timeline") + command.len();
    let shown = &readme[start..start + readme[start..].find("```").unwrap()];
    let r = run(steg().args(["timeline", "content/plus-ung", "--start", "2026-01-12"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(shown, r.stdout);
}
