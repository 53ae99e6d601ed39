//! `steg explain CODE`: the long explanation of a diagnostic, like `rustc --explain`.

use super::lang::ui;
use std::process::ExitCode;
use steg_bundle::diagnostic::{CODES, Code, Lang, catalogue};

#[derive(clap::Args)]
pub struct Args {
    /// A code such as E0302 (upper or lower case), as shown in brackets in a message
    #[arg(required_unless_present = "list")]
    code: Option<String>,
    /// List every code with its one-line summary
    #[arg(long, conflicts_with = "code")]
    list: bool,
}

pub fn run(args: &Args, lang: Lang) -> ExitCode {
    if args.list {
        print!("{}", list(lang));
        return ExitCode::SUCCESS;
    }
    let Some(asked) = args.code.as_deref() else {
        eprintln!("{}", ui(lang, "explain-missing", &[]));
        return ExitCode::from(2);
    };
    match Code::find(asked) {
        Some(code) => {
            print!("{}", explain(code, lang));
            ExitCode::SUCCESS
        }
        None => {
            let message = ui(
                lang,
                "explain-unknown",
                &[("code", asked.trim().to_string())],
            );
            eprintln!("{}", ui(lang, "error-line", &[("message", message)]));
            eprintln!("{}", ui(lang, "explain-unknown-hint", &[]));
            ExitCode::from(2)
        }
    }
}

/// `E0101  a file or folder could not be read`, one line per code.
fn list(lang: Lang) -> String {
    CODES
        .iter()
        .map(|c| format!("{}  {}\n", c.id, c.summary(lang)))
        .collect()
}

/// The code and its summary, the explanation, and the broken and fixed examples.
fn explain(code: Code, lang: Lang) -> String {
    let field = |name: &str| catalogue::raw(lang, code.id, name).unwrap_or_default();
    let indent = |text: &str| {
        text.lines()
            .map(|l| {
                if l.is_empty() {
                    "\n".to_string()
                } else {
                    format!("    {l}\n")
                }
            })
            .collect::<String>()
    };
    format!(
        "{id}: {summary}\n\n{explain}\n\n{broken_title}\n\n{broken}\n{fixed_title}\n\n{fixed}",
        id = code.id,
        summary = code.summary(lang),
        explain = field("explain"),
        broken_title = ui(lang, "explain-broken", &[]),
        broken = indent(field("broken")),
        fixed_title = ui(lang, "explain-fixed", &[]),
        fixed = indent(field("fixed")),
    )
}
