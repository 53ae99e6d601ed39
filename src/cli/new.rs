//! `steg new`: its arguments, and what it prints. What to create where (levels, numbering,
//! ids, templates, refusals) is planned by [`steg_compiler::scaffold`].

use super::{Verbosity, error_line, status, ui};
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use steg_bundle::diagnostic::Lang;
use steg_compiler::scaffold::{self, Plan, show};

const HELP: &str = "\
Examples:
  steg new moment \"Sömn för unga\" --in content      a program that builds, with one modul,
                                                   avsnitt and text steg to start from
  cd content/somn-for-unga
  steg new modul \"Oro och ångest\"                   in the program's folder (moment.md)
  steg new avsnitt \"Vad är oro?\" --in 02-oro-och-angest
  steg new steg \"Kroppens larm\" --type video --in 02-oro-och-angest/02-vad-ar-oro
  steg serve                                       preview while you write

Each new folder or file gets the next number after its siblings (03- after 01- and 02-) and a
name made from NAME (lower case, å and ä → a, ö → o). Nothing that exists is ever replaced.
Exit codes: 0 created, 2 wrong folder or name (nothing created), 3 could not write.";

/// `steg new`: the arguments.
#[derive(Args)]
#[command(after_help = HELP)]
pub struct NewArgs {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// A new program: a folder with moment.md, and one modul, avsnitt and text steg
    #[command(
        after_help = "Examples:\n  steg new moment \"Sömn för unga\"                 (in the content folder or the project folder)\n  steg new moment \"Sömn för unga\" --in content"
    )]
    Moment {
        /// The program's name, e.g. "Sömn för unga"; the folder is named after it
        name: String,
        #[command(flatten)]
        place: Place,
    },
    /// A new modul in a program's folder (the one with moment.md), with one avsnitt and steg
    #[command(
        after_help = "Examples:\n  steg new modul \"Oro och ångest\"                 (run it in the program's folder)\n  steg new modul \"Oro och ångest\" --in content/somn-for-unga"
    )]
    Modul {
        /// The modul's title, e.g. "Oro och ångest"
        name: String,
        #[command(flatten)]
        place: Place,
    },
    /// A new avsnitt in a modul's folder (the one with modul.md), with one text steg
    #[command(
        after_help = "Examples:\n  steg new avsnitt \"Vad är oro?\"                  (run it in the modul's folder)\n  steg new avsnitt \"Vad är oro?\" --in content/somn-for-unga/02-oro-och-angest"
    )]
    Avsnitt {
        /// The avsnitt's title, e.g. "Vad är oro?"
        name: String,
        #[command(flatten)]
        place: Place,
    },
    /// A new steg in an avsnitt's folder (the one with avsnitt.md)
    #[command(
        after_help = "Examples:\n  steg new steg \"Kroppens larm\"                   (a text steg; run it in the avsnitt's folder)\n  steg new steg \"Kroppens larm\" --type video\n  steg new steg \"Hur mår du?\" --type form --in 02-oro-och-angest/01-vad-ar-oro\n\nA video, audio or image steg gets placeholder files in the program's media/ folder\n(a short film that says \"Platshållare\", captions and a transcript to rewrite) so that it\nbuilds at once. Replace them with the real ones before the program is reviewed."
    )]
    Steg {
        /// The steg's title, e.g. "Kroppens larm"
        name: String,
        /// The kind of steg
        #[arg(long = "type", short = 't', value_enum, default_value_t = StegType::Text)]
        kind: StegType,
        #[command(flatten)]
        place: Place,
    },
}

#[derive(Args)]
struct Place {
    /// The folder to create it in [default: the current folder]
    #[arg(
        long = "in",
        value_name = "FOLDER",
        default_value = ".",
        hide_default_value = true
    )]
    folder: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StegType {
    /// Text to read
    Text,
    /// A film with captions and a transcript
    Video,
    /// A recording with a transcript
    Audio,
    /// An image with alt text
    Image,
    /// Questions whose answers the clinician reads (formulär)
    Form,
    /// Something to do in daily life (uppgift)
    Exercise,
}

impl From<StegType> for scaffold::StegType {
    fn from(t: StegType) -> Self {
        match t {
            StegType::Text => scaffold::StegType::Text,
            StegType::Video => scaffold::StegType::Video,
            StegType::Audio => scaffold::StegType::Audio,
            StegType::Image => scaffold::StegType::Image,
            StegType::Form => scaffold::StegType::Form,
            StegType::Exercise => scaffold::StegType::Exercise,
        }
    }
}

pub fn run(args: NewArgs, lang: Lang) -> ExitCode {
    let what = match args.what {
        What::Moment { name, place } => scaffold::What::Moment {
            name,
            folder: place.folder,
        },
        What::Modul { name, place } => scaffold::What::Modul {
            name,
            folder: place.folder,
        },
        What::Avsnitt { name, place } => scaffold::What::Avsnitt {
            name,
            folder: place.folder,
        },
        What::Steg { name, kind, place } => scaffold::What::Steg {
            name,
            kind: kind.into(),
            folder: place.folder,
        },
    };
    let plan = match scaffold::plan(&what, lang) {
        Ok(plan) => plan,
        Err(r) => {
            refused(lang, &r.message, &r.help);
            return ExitCode::from(2);
        }
    };
    if let Err((path, e)) = plan.write() {
        let words = [("path", show(&path)), ("error", e.to_string())];
        refused(
            lang,
            &ui(lang, "new-write-failed", &words),
            &ui(lang, "new-write-failed-hint", &[]),
        );
        return ExitCode::from(3);
    }
    report(&plan, lang);
    ExitCode::SUCCESS
}

/// What was refused, what to do, and that nothing was made: `fel: …` / `= gör så här: …`.
fn refused(lang: Lang, message: &str, help: &str) {
    error_line(lang, "new-refused", &[("message", message.to_string())]);
    eprintln!("  = {}: {help}", ui(lang, "help", &[]));
    eprintln!("{}", ui(lang, "new-nothing", &[]));
}

/// What was made, and the commands to go on with, each one that works pasted here.
fn report(plan: &Plan, lang: Lang) {
    let t = |key: &str, args: &[(&str, String)]| ui(lang, key, args);
    let verb = t("new-created-verb", &[]);
    for f in &plan.files {
        match f.replace_with {
            Some(what) => status(
                Verbosity::Normal,
                &verb,
                &t(
                    "new-placeholder",
                    &[("path", show(&f.path)), ("what", t(what, &[]))],
                ),
            ),
            None => status(Verbosity::Normal, &verb, &show(&f.path)),
        }
    }
    let moment = show(&plan.moment);
    eprintln!();
    eprintln!("{}", t("new-next", &[("file", show(&plan.edit))]));
    if let Some(more) = &plan.more {
        eprintln!("{}", t("new-more", &[("command", more.clone())]));
    }
    if plan.files.iter().any(|f| f.replace_with.is_some()) {
        let media = show(&plan.moment.join("media"));
        eprintln!("{}", t("new-replace", &[("media", media)]));
    }
    // Standing inside the program, steg finds it; elsewhere the commands name it.
    let inside = Path::new(&moment)
        .components()
        .all(|c| matches!(c, Component::CurDir | Component::ParentDir));
    if inside {
        eprintln!("{}", t("new-preview-here", &[]));
    } else {
        eprintln!("{}", t("new-preview", &[("program", moment)]));
    }
}
