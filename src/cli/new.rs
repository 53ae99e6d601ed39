//! `steg new`: a moment, modul, avsnitt or steg from a template.
//!
//! Editors are clinicians, not programmers: they should start from files that build, with
//! every required field filled in and a Swedish comment on each line saying what to write,
//! rather than from the format's documentation. So a new modul comes with an avsnitt and a
//! steg (a modul without them does not build, E0108/E0109), and a video, audio or image steg
//! comes with small placeholder files, clearly named as such, that the editor replaces.
//!
//! Nothing that exists is ever replaced: every file is created with `create_new`, and when one
//! cannot be written, what this run made is removed again, so a failed run leaves no half.

use super::status;
use clap::{Args, Subcommand, ValueEnum};
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;
use steg_bundle::diagnostic::Lang;
use steg_bundle::ids::{slugify, split_number_prefix};
use steg_compiler::source::{AVSNITT_FILE, MODUL_FILE, MOMENT_FILE};

/// The language of this run's messages, chosen once in [`run`]: every refusal and report is
/// worded from the catalogue, and passing it through each planning step would only repeat it.
static LANG: OnceLock<Lang> = OnceLock::new();

/// A sentence of the catalogue's `ui` section in this run's language.
fn t(key: &str, args: &[(&str, String)]) -> String {
    super::ui(*LANG.get().unwrap_or(&Lang::Sv), key, args)
}

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
        after_help = "Examples:\n  steg new moment \"Sömn för unga\"                 (run it in the content folder)\n  steg new moment \"Sömn för unga\" --in content"
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

impl StegType {
    fn name(self) -> &'static str {
        match self {
            StegType::Text => "text",
            StegType::Video => "video",
            StegType::Audio => "audio",
            StegType::Image => "image",
            StegType::Form => "form",
            StegType::Exercise => "exercise",
        }
    }

    fn template(self) -> &'static str {
        match self {
            StegType::Text => include_str!("new/text.md"),
            StegType::Video => include_str!("new/video.md"),
            StegType::Audio => include_str!("new/audio.md"),
            StegType::Image => include_str!("new/image.md"),
            StegType::Form => include_str!("new/form.md"),
            StegType::Exercise => include_str!("new/exercise.md"),
        }
    }

    /// The files a steg of this type refers to, named after `base`, with their contents and
    /// what the editor replaces each with (a key of the catalogue).
    fn media(self, base: &str) -> Vec<(String, &'static [u8], &'static str)> {
        // The film and the recording were made by tools/placeholder-new.sh.
        const FILM: &[u8] = include_bytes!("new/platshallare.webm");
        const SOUND: &[u8] = include_bytes!("new/platshallare.ogg");
        const IMAGE: &[u8] = include_bytes!("new/platshallare.svg");
        const CAPTIONS: &[u8] = include_bytes!("new/captions.vtt");
        const TRANSCRIPT: &[u8] = include_bytes!("new/transcript.md");
        match self {
            StegType::Video => vec![
                (format!("{base}-platshallare.webm"), FILM, "new-what-film"),
                (format!("{base}.sv.vtt"), CAPTIONS, "new-what-captions"),
                (
                    format!("{base}.transcript.md"),
                    TRANSCRIPT,
                    "new-what-film-text",
                ),
            ],
            StegType::Audio => vec![
                (
                    format!("{base}-platshallare.ogg"),
                    SOUND,
                    "new-what-recording",
                ),
                (
                    format!("{base}.transcript.md"),
                    TRANSCRIPT,
                    "new-what-recording-text",
                ),
            ],
            StegType::Image => vec![(format!("{base}-platshallare.svg"), IMAGE, "new-what-image")],
            _ => vec![],
        }
    }
}

/// The names of the modul, avsnitt and steg made to go with a new moment, modul or avsnitt.
const FIRST_MODUL: &str = "Första modulen";
const FIRST_AVSNITT: &str = "Första avsnittet";
const FIRST_STEG: &str = "Första steget";

/// What kind of folder a folder is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Level {
    Moment,
    Modul,
    Avsnitt,
}

impl Level {
    fn describe(self) -> String {
        t(
            match self {
                Level::Moment => "new-level-moment",
                Level::Modul => "new-level-modul",
                Level::Avsnitt => "new-level-avsnitt",
            },
            &[],
        )
    }
}

/// Moment, modul or avsnitt by the file that marks the folder; `None` for any other folder.
fn level_of(dir: &Path) -> Option<Level> {
    [
        (MOMENT_FILE, Level::Moment),
        (MODUL_FILE, Level::Modul),
        (AVSNITT_FILE, Level::Avsnitt),
    ]
    .into_iter()
    .find(|(file, _)| dir.join(file).is_file())
    .map(|(_, level)| level)
}

/// The command refuses: nothing was written. Exit code 2.
struct Refusal {
    message: String,
    help: String,
}

fn refuse(message: impl Into<String>, help: impl Into<String>) -> Refusal {
    Refusal {
        message: message.into(),
        help: help.into(),
    }
}

struct NewFile {
    path: PathBuf,
    bytes: Vec<u8>,
    /// For a placeholder media file: what the editor replaces it with.
    replace_with: Option<&'static str>,
}

/// Everything one command creates, worked out before anything is written.
struct Plan {
    dirs: Vec<PathBuf>,
    files: Vec<NewFile>,
    /// The first file the editor should open.
    edit: PathBuf,
    /// The program's folder, for `steg serve` and `steg check`.
    moment: PathBuf,
    /// How to add the next thing inside what was made, e.g. `steg new modul NAME --in ...`.
    more: Option<String>,
}

pub fn run(args: NewArgs, lang: Lang) -> ExitCode {
    let _ = LANG.set(lang);
    let planned = match &args.what {
        What::Moment { name, place } => plan_moment(name, &place.folder),
        What::Modul { name, place } => plan_modul(name, &place.folder),
        What::Avsnitt { name, place } => plan_avsnitt(name, &place.folder),
        What::Steg { name, kind, place } => plan_steg(name, *kind, &place.folder),
    };
    // The plans only name new paths; this also catches one taken in an unusual way (a file
    // where a folder is to be made, say).
    let planned = planned.and_then(|plan| {
        let taken = plan.paths().find(|p| present(p)).map(|p| show(p));
        match taken {
            Some(p) => Err(refuse(
                t("new-exists", &[("path", p)]),
                t("new-exists-hint", &[]),
            )),
            None => Ok(plan),
        }
    });
    let plan = match planned {
        Ok(plan) => plan,
        Err(r) => {
            refused(&r.message, &r.help);
            return ExitCode::from(2);
        }
    };
    if let Err((path, e)) = plan.write() {
        let words = [("path", show(&path)), ("error", e.to_string())];
        refused(
            &t("new-write-failed", &words),
            &t("new-write-failed-hint", &[]),
        );
        return ExitCode::from(3);
    }
    plan.report();
    ExitCode::SUCCESS
}

/// What was refused, what to do, and that nothing was made: `fel: …` / `= gör så här: …`.
fn refused(message: &str, help: &str) {
    let lang = *LANG.get().unwrap_or(&Lang::Sv);
    super::error_line(lang, "new-refused", &[("message", message.to_string())]);
    eprintln!("  = {}: {help}", super::ui(lang, "help", &[]));
    eprintln!("{}", t("new-nothing", &[]));
}

/// The title as given, trimmed, and the name made from it for files and ids.
fn names(name: &str) -> Result<(String, String), Refusal> {
    let title = name.trim();
    if title.chars().any(char::is_control) {
        return Err(refuse(t("new-control", &[]), t("new-control-hint", &[])));
    }
    let slug = slugify(title);
    if slug.is_empty() {
        return Err(refuse(
            t("new-no-name", &[("title", format!("{title:?}"))]),
            t("new-no-name-hint", &[]),
        ));
    }
    Ok((title.to_string(), slug))
}

fn plan_moment(name: &str, folder: &Path) -> Result<Plan, Refusal> {
    let (title, slug) = names(name)?;
    let mut dirs = Vec::new();
    if folder.exists() {
        if !folder.is_dir() {
            return Err(not_a_folder(folder));
        }
        if let Some(n) = inside_moment(folder) {
            let content = up(folder, n + 1);
            return Err(refuse(
                t("new-moment-inside", &[("folder", here(folder))]),
                t(
                    "new-moment-inside-hint",
                    &[
                        ("content", show(&content)),
                        ("command", command("moment", &title, None, &content)),
                    ],
                ),
            ));
        }
        if let Some(level) = level_of(folder) {
            // A modul or avsnitt outside any program: still not a place for a program.
            return Err(refuse(
                t(
                    "new-moment-in-level",
                    &[("folder", here(folder)), ("level", level.describe())],
                ),
                t("new-moment-in-level-hint", &[]),
            ));
        }
    } else {
        // A new project: the content folder itself may not exist yet.
        let mut missing: Vec<PathBuf> = folder
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty() && !a.exists())
            .map(Path::to_path_buf)
            .collect();
        missing.reverse();
        dirs.extend(missing);
    }
    let moment = folder.join(&slug);
    if present(&moment) {
        return Err(refuse(
            t("new-exists", &[("path", show(&moment))]),
            t("new-exists-hint", &[]),
        ));
    }
    for (id, path) in moment_ids(folder) {
        if id == slug {
            return Err(taken("program", &slug, &path));
        }
    }
    dirs.push(moment.clone());
    let mut files = vec![NewFile {
        path: moment.join(MOMENT_FILE),
        bytes: fill(include_str!("new/moment.md"), &title, ""),
        replace_with: None,
    }];
    let modul = moment.join(format!("01-{}", slugify(FIRST_MODUL)));
    starter_modul(&modul, FIRST_MODUL, &mut dirs, &mut files);
    Ok(Plan {
        dirs,
        edit: moment.join(MOMENT_FILE),
        files,
        more: Some(format!(
            "steg new modul {} --in {}",
            t("new-name-word", &[]),
            show(&moment)
        )),
        moment,
    })
}

fn plan_modul(name: &str, folder: &Path) -> Result<Plan, Refusal> {
    let (title, slug) = names(name)?;
    expect_level(folder, Level::Moment, "modul", &title, None)?;
    let numbering = Numbering::read(folder, Entries::Folders(MODUL_FILE))?;
    numbering.check_free(&slug, "modul")?;
    let modul = folder.join(format!("{}-{slug}", numbering.next));
    let (mut dirs, mut files) = (Vec::new(), Vec::new());
    starter_modul(&modul, &title, &mut dirs, &mut files);
    Ok(Plan {
        dirs,
        edit: modul.join(MODUL_FILE),
        files,
        more: Some(format!(
            "steg new avsnitt {} --in {}",
            t("new-name-word", &[]),
            show(&modul)
        )),
        moment: folder.to_path_buf(),
    })
}

fn plan_avsnitt(name: &str, folder: &Path) -> Result<Plan, Refusal> {
    let (title, slug) = names(name)?;
    expect_level(folder, Level::Modul, "avsnitt", &title, None)?;
    let numbering = Numbering::read(folder, Entries::Folders(AVSNITT_FILE))?;
    numbering.check_free(&slug, "avsnitt")?;
    let avsnitt = folder.join(format!("{}-{slug}", numbering.next));
    let (mut dirs, mut files) = (Vec::new(), Vec::new());
    starter_avsnitt(&avsnitt, &title, &mut dirs, &mut files);
    Ok(Plan {
        dirs,
        edit: avsnitt.join(AVSNITT_FILE),
        files,
        more: Some(format!(
            "steg new steg {} --type {} --in {}",
            t("new-name-word", &[]),
            t("new-type-word", &[]),
            show(&avsnitt)
        )),
        moment: up(folder, 1),
    })
}

fn plan_steg(name: &str, kind: StegType, folder: &Path) -> Result<Plan, Refusal> {
    let (title, slug) = names(name)?;
    expect_level(folder, Level::Avsnitt, "steg", &title, Some(kind))?;
    let numbering = Numbering::read(folder, Entries::StegFiles)?;
    numbering.check_free(&slug, "steg")?;
    let file = folder.join(format!("{}-{slug}.md", numbering.next));
    let moment = up(folder, 2);
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    let mut media_base = String::new();
    if !kind.media("x").is_empty() {
        if level_of(&moment) != Some(Level::Moment) {
            return Err(refuse(
                t("new-media-outside", &[("folder", here(folder))]),
                t("new-media-outside-hint", &[]),
            ));
        }
        let media = moment.join("media");
        if media.exists() && !media.is_dir() {
            return Err(refuse(
                t("new-is-file", &[("path", show(&media))]),
                t("new-media-file-hint", &[]),
            ));
        }
        if !media.exists() {
            dirs.push(media.clone());
        }
        // Named after the modul and the steg, as the default program's films are, so the
        // editor can tell which steg a file belongs to.
        let modul = std::fs::canonicalize(up(folder, 1))
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .map(|n| slugify(split_number_prefix(&n).map_or(n.as_str(), |(_, rest)| rest)))
            .unwrap_or_default();
        let base = if modul.is_empty() {
            slug.clone()
        } else {
            format!("{modul}-{slug}")
        };
        // Another steg may have used the name: take the first one whose files are all free.
        media_base = (1..1000)
            .map(|i| {
                if i == 1 {
                    base.clone()
                } else {
                    format!("{base}-{i}")
                }
            })
            .find(|b| {
                kind.media(b)
                    .iter()
                    .all(|(n, _, _)| !present(&media.join(n)))
            })
            .unwrap_or(base);
        for (n, bytes, what) in kind.media(&media_base) {
            files.push(NewFile {
                path: media.join(n),
                bytes: bytes.to_vec(),
                replace_with: Some(what),
            });
        }
    }
    files.insert(
        0,
        NewFile {
            path: file.clone(),
            bytes: fill(kind.template(), &title, &media_base),
            replace_with: None,
        },
    );
    Ok(Plan {
        dirs,
        files,
        edit: file,
        more: None,
        moment,
    })
}

/// A modul folder with modul.md and a first avsnitt: the smallest modul that builds.
fn starter_modul(dir: &Path, title: &str, dirs: &mut Vec<PathBuf>, files: &mut Vec<NewFile>) {
    dirs.push(dir.to_path_buf());
    files.push(NewFile {
        path: dir.join(MODUL_FILE),
        bytes: fill(include_str!("new/modul.md"), title, ""),
        replace_with: None,
    });
    let avsnitt = dir.join(format!("01-{}", slugify(FIRST_AVSNITT)));
    starter_avsnitt(&avsnitt, FIRST_AVSNITT, dirs, files);
}

/// An avsnitt folder with avsnitt.md and a first text steg: the smallest avsnitt that builds.
fn starter_avsnitt(dir: &Path, title: &str, dirs: &mut Vec<PathBuf>, files: &mut Vec<NewFile>) {
    dirs.push(dir.to_path_buf());
    files.push(NewFile {
        path: dir.join(AVSNITT_FILE),
        bytes: fill(include_str!("new/avsnitt.md"), title, ""),
        replace_with: None,
    });
    files.push(NewFile {
        path: dir.join(format!("01-{}.md", slugify(FIRST_STEG))),
        bytes: fill(StegType::Text.template(), FIRST_STEG, ""),
        replace_with: None,
    });
}

/// The template with `%title%` (a YAML value) and `%media%` filled in, in one pass so that
/// nothing in the title is taken for a marker.
fn fill(template: &str, title: &str, media: &str) -> Vec<u8> {
    let mut out = String::with_capacity(template.len() + title.len());
    let mut rest = template;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(r) = after.strip_prefix("%title%") {
            out.push_str(&yaml_value(title));
            rest = r;
        } else if let Some(r) = after.strip_prefix("%media%") {
            out.push_str(media);
            rest = r;
        } else {
            out.push('%');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    out.into_bytes()
}

/// A title as a YAML value: as written when that is safe, else double-quoted (JSON's quoting
/// is valid YAML), so that e.g. `Sömn: varför?` stays text.
fn yaml_value(s: &str) -> String {
    let plain = s.chars().next().is_some_and(char::is_alphabetic)
        && s.chars()
            .all(|c| c.is_alphanumeric() || " -,.!?()".contains(c))
        && !matches!(
            s.to_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

/// Which siblings to number after.
#[derive(Clone, Copy)]
enum Entries {
    /// Numbered folders, each marked by this file (modul.md or avsnitt.md).
    Folders(&'static str),
    /// Numbered Markdown files (steg).
    StegFiles,
}

/// The numbers and ids of the siblings a new folder or file goes beside.
struct Numbering {
    /// The next number, as wide as the siblings' numbers (`03`).
    next: String,
    /// Each sibling's id and path.
    ids: Vec<(String, PathBuf)>,
}

impl Numbering {
    fn read(dir: &Path, entries: Entries) -> Result<Numbering, Refusal> {
        let read = std::fs::read_dir(dir).map_err(|e| {
            refuse(
                t(
                    "new-unreadable",
                    &[("path", show(dir)), ("error", e.to_string())],
                ),
                t("new-unreadable-hint", &[]),
            )
        })?;
        let (mut last, mut width) = (0, 0);
        let mut ids = Vec::new();
        for entry in read.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Hidden files and drafts are not part of the program (as in `source::discover`).
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            let path = entry.path();
            let (stem, index) = match entries {
                Entries::Folders(index) if path.is_dir() => (name.as_str(), path.join(index)),
                Entries::StegFiles
                    if path.is_file()
                        && name.len() > 3
                        && name.to_ascii_lowercase().ends_with(".md")
                        && name != AVSNITT_FILE =>
                {
                    (&name[..name.len() - 3], path.clone())
                }
                _ => continue,
            };
            let Some((n, rest)) = split_number_prefix(stem) else {
                continue;
            };
            last = last.max(n);
            width = width.max(stem.len() - rest.len() - 1);
            ids.push((pinned_id(&index).unwrap_or_else(|| slugify(rest)), path));
        }
        let width = if width == 0 { 2 } else { width };
        Ok(Numbering {
            next: format!("{:0width$}", last + 1),
            ids,
        })
    }

    /// Refuses a name whose id a sibling has: the build would stop at the duplicate (E0302).
    fn check_free(&self, slug: &str, noun: &str) -> Result<(), Refusal> {
        match self.ids.iter().find(|(id, _)| id == slug) {
            Some((_, path)) => Err(taken(noun, slug, path)),
            None => Ok(()),
        }
    }
}

fn taken(noun: &str, id: &str, path: &Path) -> Refusal {
    let code = if noun == "program" { "E0706" } else { "E0302" };
    let noun = if noun == "program" {
        t("new-program", &[])
    } else {
        noun.to_string()
    };
    refuse(
        t(
            "new-taken",
            &[
                ("noun", noun.clone()),
                ("id", id.to_string()),
                ("path", show(path)),
            ],
        ),
        t("new-taken-hint", &[("noun", noun), ("code", code.into())]),
    )
}

/// The ids of the programs in a content folder: `id:` in moment.md, else the folder's name.
fn moment_ids(content: &Path) -> Vec<(String, PathBuf)> {
    let Ok(read) = std::fs::read_dir(content) else {
        return vec![];
    };
    read.flatten()
        .map(|e| e.path())
        .filter(|p| p.join(MOMENT_FILE).is_file())
        .map(|p| {
            let folder = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = split_number_prefix(&folder).map_or(folder.as_str(), |(_, rest)| rest);
            let id = pinned_id(&p.join(MOMENT_FILE)).unwrap_or_else(|| slugify(name));
            (id, p)
        })
        .collect()
}

/// The `id:` pinned in a file's front matter, if any. A light reading of the first lines: the
/// build reports anything malformed; this only avoids making a second sibling with one id.
fn pinned_id(file: &Path) -> Option<String> {
    let mut head = String::new();
    std::fs::File::open(file)
        .ok()?
        .take(64 * 1024)
        .read_to_string(&mut head)
        .ok()?;
    let mut lines = head.lines();
    if lines.next()?.trim_end() != "---" {
        return None;
    }
    lines
        .take_while(|l| l.trim_end() != "---")
        .find_map(|l| l.strip_prefix("id:"))
        .map(|v| v.split(" #").next().unwrap_or(v).trim())
        .map(|v| v.trim_matches(|c| c == '"' || c == '\'').to_string())
        .filter(|v| !v.is_empty())
}

/// How many folders up from `dir` the program's folder is (0: `dir` itself), if `dir` is
/// in a program.
fn inside_moment(dir: &Path) -> Option<usize> {
    let dir = std::fs::canonicalize(dir).ok()?;
    dir.ancestors().position(|a| a.join(MOMENT_FILE).is_file())
}

/// Refuses unless `folder` is of the `wanted` kind, saying which folders would be.
fn expect_level(
    folder: &Path,
    wanted: Level,
    noun: &str,
    title: &str,
    kind: Option<StegType>,
) -> Result<(), Refusal> {
    if !folder.is_dir() {
        return Err(not_a_folder(folder));
    }
    let found = level_of(folder);
    if found == Some(wanted) {
        return Ok(());
    }
    let folder_word = ("folder", here(folder));
    let is = match found {
        Some(level) => t("new-is-level", &[folder_word, ("level", level.describe())]),
        None if inside_moment(folder).is_some() => t("new-is-inside", &[folder_word]),
        None => t("new-is-outside", &[folder_word]),
    };
    let message = t(
        "new-wrong-folder",
        &[
            ("noun", t(&format!("new-a-{noun}"), &[])),
            ("wanted", wanted.describe()),
            ("is", is),
        ],
    );
    let near = near(folder, wanted);
    let help = match near.first() {
        Some(first) => {
            let others: Vec<String> = near.iter().skip(1).map(|p| show(p)).collect();
            let others = if others.is_empty() {
                String::new()
            } else {
                t("new-or-in", &[("folders", others.join(", "))])
            };
            t(
                "new-give-folder",
                &[
                    ("command", command(noun, title, kind, first)),
                    ("others", others),
                ],
            )
            .trim_end()
            .to_string()
        }
        None => match wanted {
            Level::Avsnitt => t("new-first-avsnitt", &[]),
            Level::Modul => t("new-first-modul", &[]),
            _ => t("new-first-moment", &[]),
        },
    };
    Err(refuse(message, help))
}

/// Folders of the `wanted` kind near `folder`: the nearest one above it, then those up to four
/// levels below it or, failing that, below the program's folder it is in (at most three).
fn near(folder: &Path, wanted: Level) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Some(n) = (1..=3).find(|&n| level_of(&up(folder, n)) == Some(wanted)) {
        found.push(up(folder, n));
    }
    found.extend(below(folder, wanted));
    if found.is_empty()
        && let Some(n) = inside_moment(folder).filter(|&n| n > 0)
    {
        found.extend(below(&up(folder, n), wanted));
    }
    found.truncate(3);
    found
}

/// Folders of the `wanted` kind up to four levels below `folder` (enough to reach an avsnitt
/// from the folder that holds the content folder), in name order.
fn below(folder: &Path, wanted: Level) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut frontier = vec![folder.to_path_buf()];
    for _ in 0..4 {
        let mut next = Vec::new();
        for dir in frontier {
            let Ok(read) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut subdirs: Vec<PathBuf> = read
                .flatten()
                .filter(|e| {
                    let n = e.file_name();
                    let n = n.to_string_lossy();
                    !n.starts_with('.') && !n.starts_with('_')
                })
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            subdirs.sort();
            for sub in subdirs {
                if level_of(&sub) == Some(wanted) {
                    found.push(sub);
                } else {
                    next.push(sub);
                }
            }
        }
        frontier = next;
        // Not a tree of programs (a home folder, say): do not search it all.
        if frontier.len() > 500 || found.len() >= 3 {
            break;
        }
    }
    found
}

/// `dir` with its last `n` folders taken away, written as the editor wrote `dir` (`.` becomes
/// `..`), so that a suggestion can be pasted into the same terminal.
fn up(dir: &Path, n: usize) -> PathBuf {
    let mut parts: Vec<Component> = dir.components().collect();
    for _ in 0..n {
        match parts.last() {
            Some(Component::Normal(_)) => {
                parts.pop();
            }
            Some(Component::CurDir) => {
                parts.pop();
                parts.push(Component::ParentDir);
            }
            Some(Component::RootDir | Component::Prefix(_)) => {}
            Some(Component::ParentDir) | None => parts.push(Component::ParentDir),
        }
    }
    if parts.is_empty() {
        PathBuf::from(".")
    } else {
        parts.iter().collect()
    }
}

/// A path as the editor would type it: without a leading `./`.
fn show(path: &Path) -> String {
    let p = path.strip_prefix(".").unwrap_or(path);
    if p.as_os_str().is_empty() {
        ".".into()
    } else {
        p.display().to_string()
    }
}

fn here(folder: &Path) -> String {
    match show(folder).as_str() {
        "." => t("new-here", &[]),
        s => s.to_string(),
    }
}

/// `steg new steg "Name" --type video --in PATH`, ready to paste.
fn command(noun: &str, title: &str, kind: Option<StegType>, folder: &Path) -> String {
    let quoted: String = title
        .chars()
        .flat_map(|c| {
            let escape = matches!(c, '"' | '\\' | '$' | '`');
            escape.then_some('\\').into_iter().chain([c])
        })
        .collect();
    let kind = match kind {
        Some(StegType::Text) | None => String::new(),
        Some(k) => format!(" --type {}", k.name()),
    };
    format!("`steg new {noun} \"{quoted}\"{kind} --in {}`", show(folder))
}

/// Whether anything is at `path`, a link that leads nowhere included: such a name is taken too.
fn present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn not_a_folder(folder: &Path) -> Refusal {
    if folder.exists() {
        refuse(
            t("new-is-file", &[("path", show(folder))]),
            t("new-is-file-hint", &[]),
        )
    } else {
        refuse(
            t("new-no-folder", &[("path", show(folder))]),
            t("new-no-folder-hint", &[]),
        )
    }
}

impl Plan {
    fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.dirs.iter().chain(self.files.iter().map(|f| &f.path))
    }

    /// Creates the folders and files; on a failure removes what it made, and says which path
    /// failed.
    fn write(&self) -> Result<(), (PathBuf, std::io::Error)> {
        let mut dirs_made = Vec::new();
        let mut files_made = Vec::new();
        let result = self.write_all(&mut dirs_made, &mut files_made);
        if result.is_err() {
            for f in files_made.iter().rev() {
                let _ = std::fs::remove_file(f);
            }
            for d in dirs_made.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
        }
        result
    }

    fn write_all<'a>(
        &'a self,
        dirs_made: &mut Vec<&'a Path>,
        files_made: &mut Vec<&'a Path>,
    ) -> Result<(), (PathBuf, std::io::Error)> {
        for dir in &self.dirs {
            std::fs::create_dir(dir).map_err(|e| (dir.clone(), e))?;
            dirs_made.push(dir);
        }
        for f in &self.files {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&f.path)
                .map_err(|e| (f.path.clone(), e))?;
            files_made.push(&f.path);
            file.write_all(&f.bytes).map_err(|e| (f.path.clone(), e))?;
        }
        Ok(())
    }

    fn report(&self) {
        let verb = t("new-created-verb", &[]);
        for f in &self.files {
            match f.replace_with {
                Some(what) => status(
                    super::Verbosity::Normal,
                    &verb,
                    &t(
                        "new-placeholder",
                        &[("path", show(&f.path)), ("what", t(what, &[]))],
                    ),
                ),
                None => status(super::Verbosity::Normal, &verb, &show(&f.path)),
            }
        }
        let moment = show(&self.moment);
        eprintln!();
        eprintln!("{}", t("new-next", &[("file", show(&self.edit))]));
        if let Some(more) = &self.more {
            eprintln!("{}", t("new-more", &[("command", more.clone())]));
        }
        if self.files.iter().any(|f| f.replace_with.is_some()) {
            let media = show(&self.moment.join("media"));
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn going_up_keeps_the_paths_style() {
        assert_eq!(up(Path::new("."), 2), Path::new("../.."));
        assert_eq!(up(Path::new("content/a/01-m"), 1), Path::new("content/a"));
        assert_eq!(up(Path::new("a"), 1), Path::new("."));
        assert_eq!(up(Path::new("./a"), 2), Path::new(".."));
        assert_eq!(up(Path::new(".."), 1), Path::new("../.."));
        assert_eq!(up(Path::new("/"), 1), Path::new("/"));
    }

    #[test]
    fn titles_stay_text_in_yaml() {
        assert_eq!(yaml_value("Sömn för unga"), "Sömn för unga");
        assert_eq!(yaml_value("Varför sover vi?"), "Varför sover vi?");
        assert_eq!(yaml_value("Sömn: varför?"), "\"Sömn: varför?\"");
        assert_eq!(yaml_value("2024"), "\"2024\"");
        assert_eq!(yaml_value("Ja"), "Ja");
        assert_eq!(yaml_value("yes"), "\"yes\"");
        assert_eq!(yaml_value("Citat \"så\""), "\"Citat \\\"så\\\"\"");
    }

    #[test]
    fn markers_are_filled_once() {
        let out = fill("title: %title%\nsrc: %media%.webm 100%", "%media%", "m");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "title: \"%media%\"\nsrc: m.webm 100%"
        );
    }
}
