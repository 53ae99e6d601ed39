//! The command line itself: help with examples, --quiet and --verbose, colour, completions.

use crate::common::*;

/// A fixture that builds, with one warning (W0403).
const WARNS: &str = "tests/fixtures/broken/w0403-unused-field";

/// The subcommands `steg --help` lists (without clap's own `help`).
fn subcommands() -> Vec<String> {
    let r = run(steg().arg("--help"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let section = r
        .stdout
        .split("Commands:")
        .nth(1)
        .expect("a Commands: section");
    section
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(String::from)
        .collect()
}

#[test]
fn every_command_has_examples_in_its_help() {
    let commands = subcommands();
    for expected in ["build", "check", "review", "schema", "completions", "serve"] {
        assert!(commands.iter().any(|c| c == expected), "{commands:?}");
    }
    let mut all: Vec<Vec<String>> = vec![vec![]];
    all.extend(commands.iter().map(|c| vec![c.clone()]));
    all.push(vec!["review".into(), "status".into()]);
    all.push(vec!["review".into(), "approve".into()]);
    for args in all {
        for flag in ["--help", "-h"] {
            let r = run(steg().args(&args).arg(flag));
            assert_eq!(r.code, 0, "steg {args:?} {flag}: {}", r.stderr);
            assert!(
                r.stdout.contains("Examples:\n  steg"),
                "steg {args:?} {flag} has no examples:\n{}",
                r.stdout
            );
        }
    }
}

#[test]
fn completions_for_each_shell_name_the_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = run(steg().args(["completions", shell]));
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.len() > 1000, "{shell}: {}", r.stdout);
        for command in [
            "build",
            "check",
            "verify",
            "schema",
            "completions",
            "approve",
        ] {
            assert!(
                r.stdout.contains(command),
                "{shell} completions do not mention `{command}`"
            );
        }
        // fish writes long options as `-l quiet`.
        for flag in ["quiet", "verbose", "format"] {
            assert!(r.stdout.contains(flag), "{shell}: no {flag}");
        }
    }
    let r = run(steg().args(["completions", "tcsh"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn quiet_prints_only_errors() {
    let normal = run(steg().args(["check", WARNS]));
    assert_eq!(normal.code, 0, "{}", normal.stderr);
    assert!(
        normal.stderr.contains("warning[W0403]") && normal.stderr.contains("Checked"),
        "{}",
        normal.stderr
    );
    for flag in ["--quiet", "-q"] {
        let quiet = run(steg().args(["check", WARNS, flag]));
        assert_eq!(quiet.code, 0);
        assert_eq!(quiet.stderr, "", "{flag}");
        // Global: accepted before the command too.
        let quiet = run(steg().args([flag, "check", WARNS]));
        assert_eq!(quiet.stderr, "", "{flag} before the command");
    }

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let quiet = run(steg().args(["build", WARNS, "--quiet", "--out"]).arg(&out));
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!(quiet.stderr, "");
    assert!(out.join("preview/index.html").is_file(), "it still built");

    // Errors are still shown, and so is the line saying nothing was built.
    let broken = fixture("broken", "e0204-typo");
    let quiet = run(steg().args(["build", &broken, "-q", "--out"]).arg(&out));
    assert_eq!(quiet.code, 1);
    assert!(quiet.stderr.contains("error[E0204]"), "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("warning["), "{}", quiet.stderr);

    // JSON lines are for programs: --quiet leaves them whole.
    let json = run(steg().args(["check", WARNS, "-q", "--format", "json"]));
    assert!(json.json_codes().contains("W0403"), "{}", json.stdout);
}

#[test]
fn quiet_and_verbose_exclude_each_other() {
    let r = run(steg().args(["check", "--quiet", "--verbose"]));
    assert_eq!(r.code, 2);
}

#[test]
fn verbose_adds_a_line_per_phase() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let good = fixture("good", "minimal");
    let normal = run(steg().args(["build", &good, "--out"]).arg(&out));
    assert_eq!(normal.code, 0, "{}", normal.stderr);
    let verbose = run(steg()
        .args(["build", &good, "--verbose", "--out"])
        .arg(&out));
    assert_eq!(verbose.code, 0, "{}", verbose.stderr);
    let phase = |stderr: &str, verb: &str| {
        stderr.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with(&format!("{verb} ")) && l.ends_with('s') && l.contains(" in ")
        })
    };
    for verb in ["Read", "Rendered", "Wrote"] {
        assert!(
            phase(&verbose.stderr, verb),
            "no {verb} line:\n{}",
            verbose.stderr
        );
        assert!(
            !phase(&normal.stderr, verb),
            "{verb} without -v:\n{}",
            normal.stderr
        );
    }
    assert!(
        verbose
            .stderr
            .contains(&format!("files to {}", out.display()))
    );
    // The summary is still there.
    assert!(verbose.stderr.contains("Finished"), "{}", verbose.stderr);

    let schemas = tmp.path().join("schemas");
    let r = run(steg().args(["schema", "-v", "--out"]).arg(&schemas));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Wrote") && r.stderr.contains("steg-video.schema.json"),
        "{}",
        r.stderr
    );
}

#[test]
fn piped_or_no_color_output_has_no_escape_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for no_color in [true, false] {
        let runs = [
            vec!["check", WARNS],
            vec!["build", WARNS, "--out", out.to_str().unwrap()],
            vec!["build", "tests/fixtures/broken/e0204-typo"],
            vec!["--help"],
            vec!["build", "--help"],
            vec!["diff", WARNS, WARNS],
        ];
        for args in runs {
            let mut cmd = steg();
            if !no_color {
                // Piped (not a terminal) is enough to turn colour off.
                cmd.env_remove("NO_COLOR");
            }
            let r = run(cmd.args(&args));
            for (name, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
                assert!(
                    !text.contains('\x1b'),
                    "escape code in {name} of steg {args:?} (NO_COLOR: {no_color}):\n{text}"
                );
            }
        }
    }
}

/// The README lists the same shells as `steg completions --help`.
#[test]
fn the_readme_lists_every_shell_completions_knows() {
    let help = run(steg().args(["completions", "--help"]));
    assert_eq!(help.code, 0, "{}", help.stderr);
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let row = readme
        .lines()
        .find(|l| l.starts_with("| `steg completions"))
        .expect("a README row for steg completions");
    let shells = ["bash", "zsh", "fish", "elvish", "powershell"];
    for shell in shells {
        assert!(
            help.stdout.contains(shell),
            "help has no {shell}:\n{}",
            help.stdout
        );
        assert!(
            row.contains(shell),
            "the README's row has no {shell}: {row}"
        );
    }
}

/// `steg diff --help` says what OLD and NEW are, and `review approve --help` what `--comment`
/// is for.
#[test]
fn diff_and_approve_help_describe_their_arguments() {
    let diff = run(steg().args(["diff", "--help"]));
    assert!(
        diff.stdout.contains("The earlier version"),
        "{}",
        diff.stdout
    );
    assert!(diff.stdout.contains("The later version"), "{}", diff.stdout);
    let approve = run(steg().args(["review", "approve", "--help"]));
    assert!(
        approve.stdout.contains("A note kept with the approval"),
        "{}",
        approve.stdout
    );
    assert!(
        approve.stdout.contains("[CONTENT] ADDRESSES"),
        "{}",
        approve.stdout
    );
}
