use super::{Format, Verbosity, error_line, report, style, ui};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use steg_bundle::diagnostic::{Diagnostic, Lang, codes::E1204};
use steg_bundle::manifest::Manifest;
use steg_compiler::report::Style;
use steg_compiler::review::{DiffReport, Side, Verdict, Word, diff_sources};

/// One side of a diff: a bundle on disk, or a content folder compiled in memory.
enum Loaded {
    Bundle(Box<steg_bundle::Bundle>),
    Content(Box<Manifest>, BTreeMap<String, String>),
}

fn open(path: &Path, v: Verbosity, lang: Lang) -> Result<Loaded, ExitCode> {
    if path.join(steg_bundle::manifest::MANIFEST_FILE).is_file() {
        return steg_bundle::Bundle::open(path)
            .map(|b| Loaded::Bundle(Box::new(b)))
            .map_err(|d| {
                report(&d, Format::Human, v, lang);
                error_line(
                    lang,
                    "diff-bundle-failed",
                    &[("path", path.display().to_string())],
                );
                ExitCode::from(1)
            });
    }
    let loaded = steg_compiler::compile::load(path);
    if loaded.diagnostics.has_errors() {
        report(&loaded.diagnostics, Format::Human, v, lang);
        error_line(
            lang,
            "diff-content-failed",
            &[("path", path.display().to_string())],
        );
        return Err(ExitCode::from(1));
    }
    let [moment] = loaded.moments.as_slice() else {
        error_line(
            lang,
            "diff-several",
            &[
                ("path", path.display().to_string()),
                ("n", loaded.moments.len().to_string()),
            ],
        );
        return Err(ExitCode::from(2));
    };
    // The comparison reads the render plan: the texts as a build would write them.
    let plan = steg_compiler::plan::render(moment, false);
    let texts = plan
        .files
        .iter()
        .filter_map(|(p, _)| Some((p.clone(), plan.text(p)?.to_string())))
        .collect();
    Ok(Loaded::Content(Box::new(plan.manifest), texts))
}

impl Loaded {
    fn manifest(&self) -> &Manifest {
        match self {
            Loaded::Bundle(b) => b.manifest(),
            Loaded::Content(m, _) => m,
        }
    }

    fn read(&self, path: &str) -> Option<String> {
        match self {
            Loaded::Bundle(b) => b.read(path).ok().and_then(|b| String::from_utf8(b).ok()),
            Loaded::Content(_, texts) => texts.get(path).cloned(),
        }
    }
}

pub fn run(old: &Path, new: &Path, format: Format, v: Verbosity, lang: Lang) -> ExitCode {
    let (a, b) = match (open(old, v, lang), open(new, v, lang)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let (read_a, read_b) = (|p: &str| a.read(p), |p: &str| b.read(p));
    let report = diff_sources(
        &Side {
            manifest: a.manifest(),
            read: &read_a,
        },
        &Side {
            manifest: b.manifest(),
            read: &read_b,
        },
    );
    match format {
        Format::Json => println!("{}", serde_json::to_string(&report).unwrap_or_default()),
        Format::Human => print_human(&report, style(), lang),
    }
    if report.version_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_human(r: &DiffReport, style: Style, lang: Lang) {
    let (red, green, bold, reset) = match style {
        Style::Color => ("\x1b[31m", "\x1b[32m", "\x1b[1m", "\x1b[0m"),
        Style::Plain => ("", "", "", ""),
    };
    println!(
        "{bold}{} {} → {}{reset}",
        r.moment, r.old_version, r.new_version
    );
    if r.changes.is_empty() {
        println!("  {}", ui(lang, "diff-no-changes", &[]));
    }
    for c in &r.changes {
        let kind = format!("diff-kind-{:?}", c.kind).to_lowercase();
        println!(
            "  {:<6} {:<8} {}  \"{}\"",
            ui(lang, &format!("diff-verdict-{}", c.verdict.as_str()), &[]),
            ui(lang, &kind, &[]),
            c.subject,
            c.title
        );
        for d in &c.details {
            println!("           {}", d.text(lang));
        }
        if !c.words.is_empty() {
            let mut line = String::from("           ");
            for w in &c.words {
                match w {
                    Word::Same(t) => line.push_str(&elide(t)),
                    Word::Removed(t) => line.push_str(&format!("{red}[-{t}-]{reset}")),
                    Word::Added(t) => line.push_str(&format!("{green}{{+{t}+}}{reset}")),
                }
                line.push(' ');
            }
            println!("{}", line.trim_end());
        }
    }
    let words = [
        (
            "verdict",
            ui(lang, &format!("diff-verdict-{}", r.verdict.as_str()), &[]),
        ),
        ("new", r.new_version.clone()),
        ("required", r.required_version.clone()),
    ];
    if r.version_ok {
        println!("{bold}{}{reset}", ui(lang, "diff-verdict-line", &words));
    } else {
        println!("{bold}{}{reset}", ui(lang, "diff-verdict-low", &words));
        let key = if r.verdict == Verdict::Major {
            "major"
        } else {
            "lower"
        };
        let d = Diagnostic::new(E1204, key).arg("version", &r.required_version);
        eprintln!(
            "{}[E1204]: {}\n  = {}: {}",
            ui(lang, "error", &[]),
            d.message(lang),
            ui(lang, "help", &[]),
            d.hint(lang).unwrap_or_default()
        );
    }
}

/// Long unchanged runs are shortened to their ends, so the changes stand out.
fn elide(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    if words.len() <= 12 {
        return text.to_string();
    }
    format!(
        "{} … {}",
        words[..4].join(" "),
        words[words.len() - 4..].join(" ")
    )
}
