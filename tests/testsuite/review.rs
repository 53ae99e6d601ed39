//! Quality review end to end through the binary: `steg check` rules, approvals bound to
//! content hashes, `build --release`, and `steg diff` with its semver verdict.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn steg(args: &[&str], cwd: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_steg"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        // Messages in English, whatever the machine's locale: the expectations are English.
        .env("STEG_LANG", "en")
        .output()
        .expect("steg runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const TEXT: &str = "Du sover bättre när du går och lägger dig på samma tid varje kväll. \
Kroppen gillar vanor. Släck skärmen en stund innan du ska sova. Läs en bok eller lyssna på \
lugn musik. Om du inte kan somna kan du gå upp en stund och sedan försöka igen. Det är helt \
vanligt att det tar tid innan nya vanor känns lätta. Ge dig själv några veckor.";

/// A small program in `dir/p`: one modul, one avsnitt, the given steg files.
fn program(dir: &Path, version: &str, steg: &[(&str, &str)]) -> PathBuf {
    let p = dir.join("p");
    write(
        &p.join("moment.md"),
        &format!(
            "---\ntitle: Test\nversion: {version}\nlanguage: sv\nduration_days: 30\naudience: {{ groups: [unga], min_age: 12 }}\nchecks:\n  allowed_contacts: [\"08-123 456 78\", info@example.se]\n  max_words: 300\n---\nVälkommen.\n"
        ),
    );
    write(
        &p.join("01-somn/modul.md"),
        "---\ntitle: Sömn\nsummary: Om sömn.\n---\n",
    );
    write(
        &p.join("01-somn/01-intro/avsnitt.md"),
        "---\ntitle: Intro\n---\n",
    );
    for (name, text) in steg {
        write(&p.join("01-somn/01-intro").join(name), text);
    }
    p
}

fn text_steg(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\n---\n{body}\n")
}

fn codes(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_string))
        .collect()
}

#[test]
fn check_reports_each_rule_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let long_hard = "Välfungerande sömnrutiner förutsätter regelbundenhet beträffande sänggående, \
uppvaknande och exponering för dagsljus, eftersom dygnsrytmregleringen påverkas kontinuerligt. "
        .repeat(5);
    let p = program(
        tmp.path(),
        "1.0.0",
        &[
            (
                "01-rubriker.md",
                &text_steg(
                    "Rubriker",
                    &format!("# Stor rubrik\n\n{TEXT}\n\n#### För djup\n\nText."),
                ),
            ),
            ("02-svar.md", &text_steg("Svår text", &long_hard)),
            (
                "03-pnr.md",
                &text_steg(
                    "Personnummer",
                    &format!("{TEXT} Mitt nummer är 811218-9876."),
                ),
            ),
            (
                "04-telefon.md",
                &text_steg(
                    "Telefon",
                    &format!("{TEXT} Ring 070-123 45 67 eller 08-123 456 78."),
                ),
            ),
            (
                "05-epost.md",
                &text_steg(
                    "E-post",
                    &format!("{TEXT} Skriv till anna@privat.se eller info@example.se."),
                ),
            ),
            ("06-dubblett.md", &text_steg("Rubriker", TEXT)),
            ("07-lang.md", &text_steg("Lång", &TEXT.repeat(6))),
        ],
    );
    write(&p.join("media/oanvand.png"), "not really a png");
    let before = std::fs::read_dir(&p).unwrap().count();
    let run = steg(
        &["check", p.to_str().unwrap(), "--format", "json"],
        tmp.path(),
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let found = codes(&run);
    for code in [
        "W1101", "W1102", "E1103", "E1104", "E1105", "W1106", "W1107", "W1108",
    ] {
        assert!(
            found.iter().any(|c| c == code),
            "{code} missing from {found:?}"
        );
    }
    // One W1101 for the level-1 heading, one for the jump from 1 to 4.
    assert_eq!(
        found.iter().filter(|c| *c == "W1101").count(),
        2,
        "{found:?}"
    );
    // The allowed switchboard number and address are not reported.
    assert_eq!(
        found.iter().filter(|c| *c == "E1104").count(),
        1,
        "{found:?}"
    );
    assert_eq!(
        found.iter().filter(|c| *c == "E1105").count(),
        1,
        "{found:?}"
    );
    // The LIX finding shows the score.
    assert!(
        run.stdout.contains("the text has a LIX of"),
        "{}",
        run.stdout
    );
    // Nothing was written.
    assert_eq!(std::fs::read_dir(&p).unwrap().count(), before);
    assert!(!tmp.path().join("dist").exists());

    let human = steg(&["check", p.to_str().unwrap()], tmp.path());
    assert_eq!(human.code, 1);
    assert!(human.stderr.contains("error[E1103]"), "{}", human.stderr);
    assert!(human.stderr.contains("03-pnr.md:4:"), "{}", human.stderr);
}

#[test]
fn a_steg_can_silence_a_rule_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let silenced = format!(
        "---\ntitle: Citat\nallow:\n  - code: W1101\n    reason: Rubriken är en del av citatet.\n  - code: W1106\n    reason: inget\n---\n# Citat\n\n{TEXT}\n"
    );
    let p = program(tmp.path(), "1.0.0", &[("01-citat.md", &silenced)]);
    let run = steg(
        &["check", p.to_str().unwrap(), "--format", "json"],
        tmp.path(),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let notes: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["severity"] == "note")
        .collect();
    assert_eq!(notes.len(), 1, "{}", run.stdout);
    assert_eq!(notes[0]["code"], "W1101");
    assert!(
        notes[0]["message"]
            .as_str()
            .unwrap()
            .contains("Rubriken är en del av citatet.")
    );
    // The allow entry that silences nothing is itself reported.
    assert!(codes(&run).contains(&"W1109".to_string()), "{}", run.stdout);

    // Personal data cannot be silenced.
    let pnr = format!(
        "---\ntitle: P\nallow:\n  - code: E1103\n    reason: test\n---\n{TEXT} 811218-9876\n"
    );
    let p2 = program(&tmp.path().join("b"), "1.0.0", &[("01-p.md", &pnr)]);
    let run = steg(
        &["check", p2.to_str().unwrap(), "--format", "json"],
        tmp.path(),
    );
    assert_eq!(run.code, 1);
    let found = codes(&run);
    assert!(
        found.contains(&"E1103".to_string()) && found.contains(&"W1109".to_string()),
        "{found:?}"
    );
}

#[test]
fn approvals_follow_the_content_and_gate_releases() {
    let tmp = tempfile::tempdir().unwrap();
    let p = program(
        tmp.path(),
        "1.0.0",
        &[
            ("01-a.md", &text_steg("A", TEXT)),
            ("02-b.md", &text_steg("B", TEXT)),
        ],
    );
    let content = p.to_str().unwrap();
    let status = steg(&["review", "status", content], tmp.path());
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(status.stdout.contains("somn/intro/a"), "{}", status.stdout);
    assert!(
        status.stdout.contains("never approved"),
        "{}",
        status.stdout
    );

    // A release is refused with one error naming the steg that are missing.
    let out = tmp.path().join("out");
    let rel = steg(
        &[
            "build",
            content,
            "--out",
            out.to_str().unwrap(),
            "--release",
        ],
        tmp.path(),
    );
    assert_eq!(rel.code, 1, "{}", rel.stderr);
    assert_eq!(
        rel.stderr.matches("error[E1201]").count(),
        1,
        "{}",
        rel.stderr
    );
    assert!(
        rel.stderr.contains("2 steg in p are not approved")
            && rel.stderr.contains("somn/intro/a, somn/intro/b"),
        "{}",
        rel.stderr
    );
    assert!(!out.exists(), "a refused release writes nothing");

    // Approve one steg.
    let ok = steg(
        &[
            "review",
            "approve",
            "somn/intro/a",
            "--by",
            "Anna Berg",
            "--role",
            "psykolog",
            "--date",
            "2026-11-20",
            "--content",
            content,
        ],
        tmp.path(),
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let record = std::fs::read_to_string(p.join("approvals.yaml")).unwrap();
    assert!(
        record.contains("address: \"somn/intro/a\"") && record.contains("by: \"Anna Berg\""),
        "{record}"
    );

    // White space only: still approved. A word changed: changed since approval.
    let a = p.join("01-somn/01-intro/01-a.md");
    let original = std::fs::read_to_string(&a).unwrap();
    std::fs::write(&a, original.replace(". ", ".\n\n   ")).unwrap();
    let s = steg(
        &["review", "status", content, "--format", "json"],
        tmp.path(),
    );
    let row = |addr: &str| -> serde_json::Value {
        s.stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["address"] == addr)
            .unwrap()
    };
    assert_eq!(row("somn/intro/a")["status"], "approved", "{}", s.stdout);
    assert_eq!(row("somn/intro/b")["status"], "never");
    std::fs::write(&a, original.replace("bättre", "sämre")).unwrap();
    let s = steg(&["review", "status", content], tmp.path());
    assert!(
        s.stdout
            .contains("CHANGED    since Anna Berg approved it on 2026-11-20"),
        "{}",
        s.stdout
    );

    // Approve everything, then the release builds and carries the review state.
    let all = steg(
        &[
            "review",
            "approve",
            "/",
            "--recursive",
            "--by",
            "Anna Berg",
            "--content",
            content,
        ],
        tmp.path(),
    );
    assert_eq!(all.code, 0, "{}", all.stderr);
    let rel = steg(
        &[
            "build",
            content,
            "--out",
            out.to_str().unwrap(),
            "--release",
        ],
        tmp.path(),
    );
    assert_eq!(rel.code, 0, "{}", rel.stderr);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("p/1.0.0/bundle.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["release"], true);
    let steg0 = &manifest["moment"]["moduler"][0]["avsnitt"][0]["steg"][0];
    assert_eq!(steg0["review"]["status"], "approved");
    assert_eq!(steg0["review"]["approved_by"], "Anna Berg");
    assert_eq!(steg0["content_hash"].as_str().unwrap().len(), 64);
    // Approving again records nothing new.
    let again = steg(
        &[
            "review",
            "approve",
            "somn/intro/a",
            "--by",
            "Anna Berg",
            "--content",
            content,
        ],
        tmp.path(),
    );
    assert!(
        again.stdout.contains("already approved"),
        "{}",
        again.stdout
    );
    // An unknown address is a usage error.
    let bad = steg(
        &[
            "review",
            "approve",
            "somn/nope",
            "--by",
            "X",
            "--content",
            content,
        ],
        tmp.path(),
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

fn set_version(p: &Path, v: &str) {
    let m = p.join("moment.md");
    let t = std::fs::read_to_string(&m).unwrap();
    let start = t.find("version: ").unwrap();
    let end = start + t[start..].find('\n').unwrap();
    std::fs::write(&m, format!("{}version: {v}{}", &t[..start], &t[end..])).unwrap();
}

fn verdict(run: &Run) -> serde_json::Value {
    serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr))
}

#[test]
fn diff_gives_the_semver_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let form = "---\ntitle: Frågor\ntype: form\nquestions:\n  - id: sovtid\n    type: text\n    label: När somnar du?\n  - id: trott\n    type: scale\n    label: Hur trött?\n    min: 0\n    max: 10\n---\n";
    let p = program(
        tmp.path(),
        "1.0.0",
        &[
            ("01-a.md", &text_steg("A", TEXT)),
            ("02-b.md", &text_steg("B", TEXT)),
            ("03-f.md", form),
        ],
    );
    let out = tmp.path().join("out");
    let b = steg(
        &["build", p.to_str().unwrap(), "--out", out.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(b.code, 0, "{}", b.stderr);
    let old = out.join("p/1.0.0");
    let diff = |new: &Path| {
        steg(
            &[
                "diff",
                old.to_str().unwrap(),
                new.to_str().unwrap(),
                "--format",
                "json",
            ],
            tmp.path(),
        )
    };

    // Unchanged: verdict none, same version fine.
    let r = diff(&p);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(verdict(&r)["verdict"], "none");

    // A text edit is a patch, and 1.0.0 is then too low.
    let a = p.join("01-somn/01-intro/01-a.md");
    std::fs::write(&a, text_steg("A", &TEXT.replace("bättre", "mycket bättre"))).unwrap();
    let r = diff(&p);
    assert_eq!(r.code, 1);
    let v = verdict(&r);
    assert_eq!(v["verdict"], "patch");
    assert_eq!(v["required_version"], "1.0.1");
    let words = serde_json::to_string(&v["changes"][0]["words"]).unwrap();
    assert!(
        words.contains(r#"{"op":"added","text":"mycket"}"#),
        "{words}"
    );
    set_version(&p, "1.0.1");
    assert_eq!(diff(&p).code, 0);

    // Adding a steg is minor.
    write(&p.join("01-somn/01-intro/04-c.md"), &text_steg("C", TEXT));
    set_version(&p, "1.1.0");
    let v = verdict(&diff(&p));
    assert_eq!(v["verdict"], "minor", "{v}");

    // Removing a question (its answers are stored under its id) is major.
    let f = p.join("01-somn/01-intro/03-f.md");
    let t = std::fs::read_to_string(&f).unwrap();
    let cut = t.find("  - id: trott").unwrap();
    std::fs::write(&f, format!("{}---\n", &t[..cut])).unwrap();
    let r = diff(&p);
    assert_eq!(r.code, 1);
    let v = verdict(&r);
    assert_eq!(v["verdict"], "major");
    assert_eq!(v["required_version"], "2.0.0");

    // Removing a steg is major too; the human output says why and what to do.
    std::fs::remove_file(p.join("01-somn/01-intro/02-b.md")).unwrap();
    let human = steg(
        &["diff", old.to_str().unwrap(), p.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(human.code, 1);
    assert!(
        human.stdout.contains("major  removed  somn/intro/b"),
        "{}",
        human.stdout
    );
    assert!(
        human.stderr.contains("set `version: 2.0.0`"),
        "{}",
        human.stderr
    );
}

#[test]
fn the_preview_shows_changes_since_the_last_release() {
    let tmp = tempfile::tempdir().unwrap();
    let p = program(tmp.path(), "1.0.0", &[("01-a.md", &text_steg("A", TEXT))]);
    let content = p.to_str().unwrap();
    let out = tmp.path().join("out");
    assert_eq!(
        steg(
            &[
                "review",
                "approve",
                "/",
                "-r",
                "--by",
                "Anna",
                "--content",
                content
            ],
            tmp.path()
        )
        .code,
        0
    );
    let rel = steg(
        &[
            "build",
            content,
            "--out",
            out.to_str().unwrap(),
            "--release",
            "--no-minify",
        ],
        tmp.path(),
    );
    assert_eq!(rel.code, 0, "{}", rel.stderr);

    let a = p.join("01-somn/01-intro/01-a.md");
    std::fs::write(
        &a,
        text_steg(
            "A",
            &TEXT.replace("Kroppen gillar vanor.", "Kroppen tycker om vanor."),
        ),
    )
    .unwrap();
    set_version(&p, "1.0.1");
    let b = steg(
        &[
            "build",
            content,
            "--out",
            out.to_str().unwrap(),
            "--no-minify",
        ],
        tmp.path(),
    );
    assert_eq!(b.code, 0, "{}", b.stderr);
    let page = std::fs::read_to_string(out.join("preview/p/andringar.html")).unwrap();
    assert!(
        page.contains("Version 1.0.0 jämförs med version 1.0.1"),
        "{page}"
    );
    assert!(
        page.contains("<del>gillar</del>") && page.contains("<ins>tycker om</ins>"),
        "{page}"
    );
    assert!(
        page.contains("somn/intro/a"),
        "the changed steg is listed as not approved: {page}"
    );
    let steg_page = std::fs::read_to_string(out.join("preview/p/steg/somn/intro/a.html")).unwrap();
    assert!(
        steg_page.contains("Ändrad sedan Anna godkände"),
        "{steg_page}"
    );
}

#[test]
fn a_damaged_approvals_file_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let p = program(tmp.path(), "1.0.0", &[("01-a.md", &text_steg("A", TEXT))]);
    write(&p.join("approvals.yaml"), "- address: [oops\n  by: x\n");
    let run = steg(&["check", p.to_str().unwrap()], tmp.path());
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error[E1202]"), "{}", run.stderr);
    assert!(run.stderr.contains("approvals.yaml"), "{}", run.stderr);
}

/// The one command the summarising E1201 gives, pasted as it is (with a name for "Your Name"),
/// makes the release build; a plain build of the same version then leaves the release as it
/// was (E1205 at the `version:` line), and a raised version builds.
#[test]
fn the_release_hint_works_pasted_and_a_release_survives_a_plain_build() {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    let p = program(&content, "1.0.0", &[("01-a.md", &text_steg("A", TEXT))]);
    // A second program, so that an approval must say which program it is for.
    let other = program(
        &tmp.path().join("other"),
        "1.0.0",
        &[("01-a.md", &text_steg("A", TEXT))],
    );
    std::fs::rename(&other, content.join("q")).unwrap();
    write(&p.join("01-somn/01-intro/02-b.md"), &text_steg("B", TEXT));
    let rel = steg(&["build", "--release", "content/p"], tmp.path());
    assert_eq!(rel.code, 1, "{}", rel.stderr);
    let hint = rel
        .stderr
        .lines()
        .find_map(|l| l.split_once("approve them all at once: ").map(|(_, c)| c))
        .unwrap_or_else(|| panic!("no command in the hint:\n{}", rel.stderr));
    assert_eq!(
        hint,
        "steg review approve content/p somn --recursive --by \"Your Name\""
    );
    let words = shell_words(hint);
    let args: Vec<&str> = words[1..]
        .iter()
        .map(|w| {
            if w == "Your Name" {
                "Anna Berg"
            } else {
                w.as_str()
            }
        })
        .collect();
    let approved = steg(&args, tmp.path());
    assert_eq!(approved.code, 0, "{}", approved.stderr);
    let rel = steg(&["build", "--release", "content/p"], tmp.path());
    assert_eq!(rel.code, 0, "{}", rel.stderr);
    let manifest = tmp.path().join("dist/p/1.0.0/bundle.json");
    let released = std::fs::read(&manifest).unwrap();

    // A plain build of the same version is refused, and the release is untouched.
    std::fs::write(
        p.join("01-somn/01-intro/01-a.md"),
        text_steg("A", &TEXT.replace("bättre", "sämre")),
    )
    .unwrap();
    let plain = steg(&["build", "content/p"], tmp.path());
    assert_eq!(plain.code, 1, "{}", plain.stderr);
    assert!(plain.stderr.contains("error[E1205]"), "{}", plain.stderr);
    assert!(
        plain.stderr.contains("content/p/moment.md:3:1"),
        "{}",
        plain.stderr
    );
    assert!(
        plain.stderr.contains("`version: 1.0.1`"),
        "{}",
        plain.stderr
    );
    assert_eq!(std::fs::read(&manifest).unwrap(), released);

    // With the version raised, the plain build is made beside the release.
    let moment = std::fs::read_to_string(p.join("moment.md")).unwrap();
    std::fs::write(
        p.join("moment.md"),
        moment.replace("version: 1.0.0", "version: 1.0.1"),
    )
    .unwrap();
    let plain = steg(&["build", "content/p"], tmp.path());
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert_eq!(std::fs::read(&manifest).unwrap(), released);
    assert!(tmp.path().join("dist/p/1.0.1/bundle.json").is_file());
}

/// Splits a command line as a shell would, for simple lines: words, and double quotes.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let (mut quoted, mut started) = (false, false);
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                }
                started = false;
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// `review status` judges by content hash: a modul and avsnitt whose own files did not change
/// stay approved when a steg below them changed (with the count of steg to approve again),
/// and touching a file without changing it changes nothing. A typo in an address gets the
/// address meant; the content folder may be named first, or with `--content`.
#[test]
fn status_by_content_hash_and_addresses_with_did_you_mean() {
    let tmp = tempfile::tempdir().unwrap();
    let p = program(
        tmp.path(),
        "1.0.0",
        &[
            ("01-a.md", &text_steg("A", TEXT)),
            ("02-b.md", &text_steg("B", TEXT)),
        ],
    );
    let content = p.to_str().unwrap();
    let all = steg(
        &[
            "review",
            "approve",
            content,
            "/",
            "--recursive",
            "--by",
            "Anna Berg",
        ],
        tmp.path(),
    );
    assert_eq!(all.code, 0, "{}", all.stderr);
    // Rewriting a file with the same text (a new file time) leaves everything approved.
    let a = p.join("01-somn/01-intro/01-a.md");
    let original = std::fs::read_to_string(&a).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&a, &original).unwrap();
    let s = steg(&["review", "status", content], tmp.path());
    assert!(!s.stdout.contains("CHANGED"), "{}", s.stdout);
    // A word changed in one steg: that steg is CHANGED; the avsnitt, modul and moment above it
    // are still approved, and say a steg below needs approving again.
    std::fs::write(&a, original.replace("bättre", "sämre")).unwrap();
    let s = steg(&["review", "status", content], tmp.path());
    let line = |addr: &str| {
        s.stdout
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(addr))
            .unwrap_or_else(|| panic!("no line for {addr}:\n{}", s.stdout))
            .to_string()
    };
    assert!(line("somn/intro/a").contains("CHANGED"), "{}", s.stdout);
    for addr in ["somn/intro", "somn", "/"] {
        let l = line(addr);
        assert!(
            l.contains("approved") && l.contains("steg not approved: 1"),
            "{l}"
        );
    }
    assert!(
        s.stderr
            .contains("1 steg approved, 1 changed since approval"),
        "{}",
        s.stderr
    );
    // A typo: the address meant is suggested, and nothing is recorded.
    let before = std::fs::read_to_string(p.join("approvals.yaml")).unwrap();
    let typo = steg(
        &[
            "review",
            "approve",
            "somn/intro/aa",
            "--by",
            "Anna Berg",
            "--content",
            content,
        ],
        tmp.path(),
    );
    assert_eq!(typo.code, 2, "{}", typo.stderr);
    assert!(
        typo.stderr.contains("did you mean `somn/intro/a`?"),
        "{}",
        typo.stderr
    );
    assert_eq!(
        std::fs::read_to_string(p.join("approvals.yaml")).unwrap(),
        before
    );
}
