//! `steg timeline`: the dated events and flags of a program for someone who starts on a given
//! day and then does nothing (`steg_bundle::timeline` defines what each flag means).

use super::{Format, Verbosity, counts, error_line, report};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use steg_bundle::diagnostic::Lang;
use steg_bundle::manifest::MomentEntry;
use steg_bundle::timeline::{self, Activation, Date, Participant};

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  steg timeline --start 2026-01-12\n  steg timeline content/plus-ung --start 2026-01-12 --moduler somn,kanslor --format json\n  steg timeline dist/plus-ung/1.0.0 --start 2026-01-12 --ombud\n\nThe participant starts on --start, gets the moduler activated that day (default: all)\nand then does nothing: the list shows every flag sent, each modul's end and the program's end."
)]
pub struct Args {
    /// The content folder, one program's folder, or a bundle (folder or .tar)
    #[arg(default_value = "content")]
    content: PathBuf,
    /// The day the clinician starts the program, YYYY-MM-DD
    #[arg(long, value_parser = parse_date)]
    start: Date,
    /// Which program, when the content folder holds several
    #[arg(long)]
    moment: Option<String>,
    /// The moduler activated on the start date, by id [default: all]
    #[arg(long, value_delimiter = ',')]
    moduler: Vec<String>,
    /// A guardian uses the program as proxy ("ombud") for the young person
    #[arg(long)]
    ombud: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date written YYYY-MM-DD"))
}

pub fn run(args: &Args, v: Verbosity, lang: Lang) -> ExitCode {
    let moments = match moments(&args.content, args.format, v, lang) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let known = || {
        moments
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let moment = match (&args.moment, moments.as_slice()) {
        (None, [one]) => one,
        (None, _) => {
            error_line(lang, "timeline-which", &[("known", known())]);
            return ExitCode::from(2);
        }
        (Some(id), all) => match all.iter().find(|m| &m.id == id) {
            Some(m) => m,
            None => {
                error_line(
                    lang,
                    "timeline-moment",
                    &[("id", id.clone()), ("known", known())],
                );
                return ExitCode::from(2);
            }
        },
    };
    let mut activations = Vec::new();
    for id in &args.moduler {
        if !moment.moduler.iter().any(|m| &m.id == id) {
            let known: Vec<_> = moment.moduler.iter().map(|m| m.id.as_str()).collect();
            error_line(
                lang,
                "timeline-modul",
                &[("id", id.clone()), ("known", known.join(", "))],
            );
            return ExitCode::from(2);
        }
        activations.push(Activation {
            modul: id.clone(),
            day: 0,
        });
    }
    let events = timeline::timeline(
        moment,
        args.start,
        &Participant {
            activations,
            via_proxy: args.ombud,
        },
    );
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&events).unwrap_or_default() + "\n",
        Format::Human => human(moment, args.start, &events),
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    ExitCode::SUCCESS
}

/// The programs at `path`: a bundle's one, or every program of a content folder as its
/// bundle would describe it.
fn moments(
    path: &Path,
    format: Format,
    v: Verbosity,
    lang: Lang,
) -> Result<Vec<MomentEntry>, ExitCode> {
    let is_bundle = path.join(steg_bundle::manifest::MANIFEST_FILE).is_file()
        || (path.is_file() && path.extension().is_some_and(|e| e == "tar"));
    if is_bundle {
        return match steg_bundle::Bundle::open(path) {
            Ok(b) => Ok(vec![b.manifest().moment.clone()]),
            Err(problems) => {
                report(&problems, format, v, lang);
                error_line(
                    lang,
                    "verify-failed",
                    &[
                        ("path", path.display().to_string()),
                        ("counts", counts(&problems, lang)),
                    ],
                );
                Err(ExitCode::from(1))
            }
        };
    }
    let loaded = steg_compiler::compile::load(path);
    if loaded.diagnostics.has_errors() {
        report(&loaded.diagnostics, format, v, lang);
        error_line(
            lang,
            "check-failed",
            &[
                ("content", path.display().to_string()),
                ("counts", counts(&loaded.diagnostics, lang)),
                ("silenced", String::new()),
            ],
        );
        return Err(ExitCode::from(1));
    }
    Ok(loaded
        .moments
        .iter()
        .map(|m| steg_compiler::plan::render(m, false).manifest.moment)
        .collect())
}

/// A line per event: date, day, event, flag, recipient, title.
fn human(moment: &MomentEntry, start: Date, events: &[timeline::Event]) -> String {
    let mut out = format!(
        "{} {} — {} ({} days), start {start}\n",
        moment.id, moment.version, moment.title, moment.duration_days
    );
    for e in events {
        let title = match &e.modul {
            Some(m) if e.flag.is_some() => format!("{} ({m})", e.title),
            _ => e.title.clone(),
        };
        out.push_str(&format!(
            "  {}  day {:>3}  {:<16} {:<14} {:<11} {title}\n",
            e.date,
            e.day,
            e.event,
            e.flag.as_deref().unwrap_or("-"),
            e.recipient.unwrap_or("-"),
        ));
    }
    out
}
