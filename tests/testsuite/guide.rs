//! The editors' guide (docs/guide-for-redaktorer.md) as a test: every command in its `sh`
//! blocks runs exactly as printed, in the folder the guide has reached by its own `cd` lines,
//! through the binary, in the default language (no language in the environment: Swedish), and
//! every line of the `text` block that follows a command's block must be in what it printed.
//! So the guide cannot show words, paths or commands that steg does not give.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Commands of the guide this test does not run, and why: each must still be in the guide,
/// so the list cannot keep an excuse for a command that is gone.
const NOT_RUN: &[(&str, &str)] = &[
    (
        "cargo install --locked --path .",
        "builds steg itself; the test runs the steg cargo built",
    ),
    (
        "steg serve --open",
        "a server and a browser; tests/testsuite/serve.rs runs the preview",
    ),
];

/// A fenced block of the guide: its info string and its lines (without their indentation).
struct Block {
    info: String,
    lines: Vec<String>,
}

fn guide() -> String {
    std::fs::read_to_string(crate::common::root().join("docs/guide-for-redaktorer.md"))
        .expect("the guide is readable")
}

/// The guide's fenced blocks, in order, with whether each follows the one before with only
/// blank lines between (a command block's output).
fn blocks(text: &str) -> Vec<(Block, bool)> {
    let mut out = Vec::new();
    let mut current: Option<(Block, bool)> = None;
    // Only blank lines since the last block closed.
    let mut right_after = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(info) = trimmed.strip_prefix("```") {
            match current.take() {
                Some(done) => {
                    out.push(done);
                    right_after = true;
                }
                None => {
                    let block = Block {
                        info: info.trim().to_string(),
                        lines: Vec::new(),
                    };
                    current = Some((block, right_after));
                }
            }
            continue;
        }
        match &mut current {
            Some((block, _)) => block.lines.push(trimmed.to_string()),
            None if !trimmed.is_empty() => right_after = false,
            None => {}
        }
    }
    out
}

/// Splits a command line as a shell would, for the simple lines of the guide.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            c if c.is_whitespace() && !quoted => out.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    out.extend(word);
    out
}

/// Runs `steg` with no language, colour or locale in the environment.
fn run(cwd: &Path, args: &[String]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_steg"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("STEG_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .output()
        .expect("steg runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Whether `shown` (a line of the guide, `…` standing for any text) is a line of `printed`.
fn shows(printed: &str, shown: &str) -> bool {
    let parts: Vec<&str> = shown.split('…').collect();
    printed.lines().map(str::trim).any(|line| {
        let mut rest = line;
        for (i, part) in parts.iter().enumerate() {
            let found = if i == 0 {
                rest.strip_prefix(part).map(|r| (0, r))
            } else {
                rest.find(part).map(|at| (at, &rest[at + part.len()..]))
            };
            match found {
                Some((_, r)) => rest = r,
                None => return false,
            }
        }
        parts.len() > 1 || rest.is_empty()
    })
}

/// Words of the English messages: none may show in the default language.
const ENGLISH: &[&str] = &[
    "error",
    "warning",
    "help:",
    "Created",
    "Next:",
    "Checked",
    "never approved",
    "Approved",
    "Compiled",
    "Bundle",
    "Finished",
];

#[test]
fn the_guide_runs_as_written() {
    let text = guide();
    for (command, why) in NOT_RUN {
        assert!(
            text.contains(command),
            "`{command}` is listed as not run ({why}) but is not in the guide"
        );
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut cwd: PathBuf = tmp.path().to_path_buf();
    let (mut ran, mut checked) = (0, 0);
    let mut last_output: Option<String> = None;
    let blocks = blocks(&text);
    for (i, (block, follows)) in blocks.iter().enumerate() {
        let follows = *follows;
        // A command whose shown output is an error (`fel[…]`) is shown failing: it must fail.
        let shown_failing = blocks.get(i + 1).is_some_and(|(next, next_follows)| {
            *next_follows
                && next.info == "text"
                && next
                    .lines
                    .iter()
                    .any(|l| l.trim_start().starts_with("fel["))
        });
        match block.info.as_str() {
            "sh" => {
                for line in block.lines.iter().filter(|l| !l.is_empty()) {
                    if NOT_RUN.iter().any(|(c, _)| c == line) {
                        last_output = None;
                        continue;
                    }
                    if let Some(dir) = line.strip_prefix("cd ") {
                        cwd = cwd.join(dir);
                        assert!(
                            cwd.is_dir(),
                            "`{line}`: the guide goes to a folder that is not there"
                        );
                        continue;
                    }
                    let args = words(line);
                    assert_eq!(
                        args.first().map(String::as_str),
                        Some("steg"),
                        "`{line}`: the guide runs a command this test does not know; run it here or list it in NOT_RUN"
                    );
                    let (code, printed) = run(&cwd, &args[1..]);
                    assert_eq!(
                        code,
                        if shown_failing { 1 } else { 0 },
                        "`{line}` (in {}) failed:\n{printed}",
                        cwd.display()
                    );
                    for word in ENGLISH {
                        assert!(
                            !printed.contains(word),
                            "`{line}` printed `{word}` in the default language:\n{printed}"
                        );
                    }
                    ran += 1;
                    last_output = Some(printed);
                }
            }
            "text" if follows => {
                let Some(printed) = &last_output else {
                    continue;
                };
                for shown in block.lines.iter().filter(|l| !l.is_empty()) {
                    assert!(
                        shows(printed, shown),
                        "the guide shows\n  {shown}\nbut steg printed:\n{printed}"
                    );
                    checked += 1;
                }
            }
            _ => last_output = None,
        }
    }
    assert!(
        ran >= 11,
        "only {ran} of the guide's commands ran: is the parsing broken?"
    );
    assert!(
        checked >= 15,
        "only {checked} lines of output were compared"
    );
    // The guide's program still has `steg new`'s placeholders, so its release is refused
    // and leaves nothing behind.
    assert!(
        !tmp.path()
            .join("dist/somn-for-unga/0.1.0/bundle.json")
            .exists(),
        "the guide's release of a program with placeholders was not refused"
    );
}

/// The guide's example of a problem (`fel-exempel`) is what `steg check` prints for it.
#[test]
fn the_guide_example_of_a_problem_is_real() {
    let text = guide();
    let (example, _) = blocks(&text)
        .into_iter()
        .find(|(b, _)| b.info == "text fel-exempel")
        .expect("the guide has a `text fel-exempel` block");
    let tmp = tempfile::tempdir().expect("tempdir");
    let new = |cwd: &Path, args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let (code, printed) = run(cwd, &args);
        assert_eq!(code, 0, "{printed}");
    };
    new(
        tmp.path(),
        &["new", "moment", "Sömn för unga", "--in", "content"],
    );
    let program = tmp.path().join("content/somn-for-unga");
    std::fs::write(
        program.join("01-forsta-modulen/01-forsta-avsnittet/01-forsta-steget.md"),
        "---\ntitel: Välkommen\ntype: text\n---\nHär börjar programmet. Läs i din egen takt.\n",
    )
    .unwrap();
    let (code, printed) = run(&program, &["check".to_string()]);
    assert_eq!(code, 1, "{printed}");
    let expected = example.lines.join("\n");
    let printed_trimmed: Vec<&str> = printed.lines().map(str::trim).collect();
    assert_eq!(
        printed_trimmed.join("\n").trim(),
        expected.trim(),
        "the guide's example is not what steg prints"
    );
}

#[test]
fn a_shown_line_may_leave_out_text() {
    assert!(shows(
        "  Paket ../dist/x (13 filer, 6 kB)\n",
        "Paket ../dist/x (…)"
    ));
    assert!(!shows("Paket ../dist/x", "Paket ../dist/y"));
    assert!(!shows("Paket ../dist/x extra", "Paket ../dist/x"));
}
