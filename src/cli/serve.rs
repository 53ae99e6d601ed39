//! `steg serve`: starts the preview server of the library and words what it tells in the
//! terminal, in the chosen language, as much as `--quiet` / `--verbose` ask for.

use super::{SiteArgs, Verbosity, counts, error_line, status, style, ui};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use steg_bundle::diagnostic::{Lang, Severity};
use steg_compiler::report::render_human;
use steg_compiler::serve::{Error, Event, Outcome};

/// What `steg serve` was given on the command line.
pub struct Args {
    /// The content found from the working folder, or given.
    pub place: steg_compiler::locate::Place,
    pub out: PathBuf,
    pub port: u16,
    pub interface: Option<IpAddr>,
    pub open: bool,
    pub theme: Option<String>,
}

/// Serves until stopped; exit code 3 when the server cannot start.
pub fn run(args: Args, v: Verbosity, lang: Lang) -> ExitCode {
    let site = SiteArgs {
        theme: args.theme,
        no_minify: true,
    };
    let options = steg_compiler::serve::Options {
        theme_dir: site.theme_dir(&args.place),
        content: args.place.content,
        out: args.out,
        port: args.port,
        interface: args.interface,
        open: args.open,
        lang,
    };
    let events = Arc::new(move |event: Event<'_>| show(event, v, lang));
    match steg_compiler::serve::run(options, events) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            match error {
                Error::PortBusy { addr } => {
                    error_line(
                        lang,
                        "serve-port-busy",
                        &[
                            ("port", addr.port().to_string()),
                            ("ip", addr.ip().to_string()),
                        ],
                    );
                    let next = addr.port().checked_add(1).unwrap_or(4001);
                    eprintln!(
                        "{}: {}",
                        ui(lang, "help", &[]),
                        ui(lang, "serve-port-busy-hint", &[("next", next.to_string())])
                    );
                }
                Error::Listen { addr, error } => error_line(
                    lang,
                    "serve-listen-failed",
                    &[("addr", addr.to_string()), ("error", error)],
                ),
                Error::Other(message) => error_line(lang, "serve-stopped", &[("message", message)]),
            }
            ExitCode::from(3)
        }
    }
}

/// Milliseconds with one decimal, in the language's decimal mark.
fn ms(took: Duration, lang: Lang) -> String {
    format!("{:.1}", took.as_secs_f64() * 1000.0).replace('.', &ui(lang, "decimal-mark", &[]))
}

fn show(event: Event<'_>, v: Verbosity, lang: Lang) {
    match event {
        // The address is printed even with `--quiet`: without it the preview cannot be found.
        Event::Listening {
            url,
            content,
            exposed,
        } => {
            let verb = ui(lang, "serve-serving-verb", &[]);
            let line = ui(
                lang,
                "serve-serving",
                &[
                    ("url", url.to_string()),
                    ("content", content.display().to_string()),
                ],
            );
            status(Verbosity::Normal, &verb, &line);
            if exposed {
                eprintln!(
                    "{}: {}",
                    ui(lang, "warning", &[]),
                    ui(lang, "serve-exposed", &[("url", url.to_string())])
                );
            }
        }
        Event::BrowserNotOpened { url } => {
            eprintln!(
                "{}: {}",
                ui(lang, "warning", &[]),
                ui(lang, "serve-no-browser", &[("url", url.to_string())])
            );
        }
        Event::Rebuilt {
            outcome,
            took,
            changed,
        } => {
            if v == Verbosity::Verbose {
                for path in changed {
                    status(
                        v,
                        &ui(lang, "serve-changed-verb", &[]),
                        &path.display().to_string(),
                    );
                }
            }
            rebuilt(outcome, took, changed.len(), v, lang);
        }
    }
}

fn rebuilt(outcome: &Outcome, took: Duration, changed: usize, v: Verbosity, lang: Lang) {
    let ms = ms(took, lang);
    match outcome {
        Outcome::Unchanged => status(
            v,
            &ui(lang, "serve-unchanged-verb", &[]),
            &ui(lang, "serve-unchanged", &[("ms", ms)]),
        ),
        Outcome::Built {
            pages,
            pages_rendered,
            steg_rendered,
            steg_reused,
            files_read,
        } => {
            let (verb, message) = if changed == 0 {
                ("serve-built-verb", "serve-built")
            } else {
                ("serve-rebuilt-verb", "serve-rebuilt")
            };
            status(
                v,
                &ui(lang, verb, &[]),
                &ui(
                    lang,
                    message,
                    &[
                        ("ms", ms),
                        ("changed", changed.to_string()),
                        ("files", files_read.to_string()),
                        ("rendered", steg_rendered.to_string()),
                        ("reused", steg_reused.to_string()),
                        ("pages_rendered", pages_rendered.to_string()),
                        ("pages", pages.to_string()),
                    ],
                ),
            );
        }
        Outcome::Failed {
            diagnostics,
            last_good,
        } => {
            // `--quiet` keeps the errors and leaves out warnings and notes.
            let shown: steg_bundle::diagnostic::Diagnostics = diagnostics
                .iter()
                .filter(|d| v != Verbosity::Quiet || d.severity == Severity::Error)
                .cloned()
                .collect();
            eprint!("{}", render_human(&shown, style(), lang));
            let key = if *last_good {
                "serve-failed"
            } else {
                "serve-failed-none"
            };
            error_line(
                lang,
                key,
                &[("counts", counts(diagnostics, lang)), ("ms", ms)],
            );
        }
    }
}
