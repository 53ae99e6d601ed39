//! What `steg new` creates, and where: a moment, modul, avsnitt or steg from a template that
//! builds, planned in full before anything is written.
//!
//! Editors are clinicians, not programmers: they should start from files that build, with
//! every required field filled in and a Swedish comment on each line saying what to write,
//! rather than from the format's documentation. So a new modul comes with an avsnitt and a
//! steg (a modul without them does not build, E0108/E0109), and a video, audio or image steg
//! comes with small placeholder files, clearly named as such, that the editor replaces.
//!
//! The plan decides levels, numbering, ids, templates and refusals with the compiler's own
//! rules (`source` for the folder files, `steg_bundle::ids` for ids, the front matter splitter
//! for a pinned `id:`). Nothing that exists is ever replaced: every file is created with
//! `create_new`, and when one cannot be written, what this run made is removed again, so a
//! failed run leaves no half. Printing is the command's: a refusal is words in the language
//! asked for, and the plan says what was made.

use crate::source::{AVSNITT_FILE, MODUL_FILE, MOMENT_FILE};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use steg_bundle::diagnostic::{Lang, catalogue};
use steg_bundle::ids::{slugify, split_number_prefix};

/// A sentence of the catalogue's `ui` section in `lang`.
fn t(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    catalogue::ui(lang, key, args)
}

/// What to create: the kind, its name, and the folder to create it in.
#[derive(Debug, Clone)]
pub enum What {
    Moment {
        name: String,
        folder: PathBuf,
    },
    Modul {
        name: String,
        folder: PathBuf,
    },
    Avsnitt {
        name: String,
        folder: PathBuf,
    },
    Steg {
        name: String,
        kind: StegType,
        folder: PathBuf,
    },
}

/// Where a new program goes: in the project folder (one holding `content/`) that is the
/// content folder, as every other command finds it; anywhere else the folder given.
fn content_folder(folder: &Path) -> PathBuf {
    let content = folder.join(crate::locate::CONTENT_DIR);
    let project = content.is_dir()
        && level_of(folder).is_none()
        && inside_moment(folder).is_none()
        && !crate::locate::is_content(folder);
    if project {
        // `./content` is shown as `content`.
        PathBuf::from(show(&content))
    } else {
        folder.to_path_buf()
    }
}

/// Everything `what` creates, checked against what exists; or why nothing may be created.
pub fn plan(what: &What, lang: Lang) -> Result<Plan, Refusal> {
    let planned = match what {
        What::Moment { name, folder } => plan_moment(name, &content_folder(folder), lang),
        What::Modul { name, folder } => plan_modul(name, folder, lang),
        What::Avsnitt { name, folder } => plan_avsnitt(name, folder, lang),
        What::Steg { name, kind, folder } => plan_steg(name, *kind, folder, lang),
    };
    // The plans only name new paths; this also catches one taken in an unusual way (a file
    // where a folder is to be made, say).
    planned.and_then(|plan| {
        let taken = plan.paths().find(|p| present(p)).map(|p| show(p));
        match taken {
            Some(p) => Err(refuse(
                t(lang, "new-exists", &[("path", p)]),
                t(lang, "new-exists-hint", &[]),
            )),
            None => Ok(plan),
        }
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StegType {
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
            StegType::Text => include_str!("templates/text.md"),
            StegType::Video => include_str!("templates/video.md"),
            StegType::Audio => include_str!("templates/audio.md"),
            StegType::Image => include_str!("templates/image.md"),
            StegType::Form => include_str!("templates/form.md"),
            StegType::Exercise => include_str!("templates/exercise.md"),
        }
    }

    /// The files a steg of this type refers to, named after `base`, with their contents and
    /// what the editor replaces each with (a key of the catalogue).
    fn media(self, base: &str) -> Vec<(String, &'static [u8], &'static str)> {
        // The film and the recording were made by tools/placeholder-new.sh.
        const FILM: &[u8] = include_bytes!("templates/platshallare.webm");
        const SOUND: &[u8] = include_bytes!("templates/platshallare.ogg");
        const IMAGE: &[u8] = include_bytes!("templates/platshallare.svg");
        const CAPTIONS: &[u8] = include_bytes!("templates/captions.vtt");
        const TRANSCRIPT: &[u8] = include_bytes!("templates/transcript.md");
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
    fn describe(self, lang: Lang) -> String {
        t(
            lang,
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

/// Why nothing may be created, in words of the language asked for: what is wrong, and what
/// to do (often a command to paste).
#[derive(Debug, Clone)]
pub struct Refusal {
    pub message: String,
    pub help: String,
}

fn refuse(message: impl Into<String>, help: impl Into<String>) -> Refusal {
    Refusal {
        message: message.into(),
        help: help.into(),
    }
}

/// A file to create, with its bytes.
pub struct NewFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// For a placeholder media file: what the editor replaces it with, as a key of the
    /// catalogue's `ui` section (`new-what-film`).
    pub replace_with: Option<&'static str>,
}

/// Everything one command creates, worked out before anything is written.
pub struct Plan {
    /// Folders to create, parents first.
    pub dirs: Vec<PathBuf>,
    pub files: Vec<NewFile>,
    /// The first file the editor should open.
    pub edit: PathBuf,
    /// The program's folder, for `steg serve` and `steg check`.
    pub moment: PathBuf,
    /// How to add the next thing inside what was made, e.g. `steg new modul NAMN --in ...`.
    pub more: Option<String>,
}

/// The title as given, trimmed, and the name made from it for files and ids.
fn names(name: &str, lang: Lang) -> Result<(String, String), Refusal> {
    let title = name.trim();
    if title.chars().any(char::is_control) {
        return Err(refuse(
            t(lang, "new-control", &[]),
            t(lang, "new-control-hint", &[]),
        ));
    }
    let slug = slugify(title);
    if slug.is_empty() {
        return Err(refuse(
            t(lang, "new-no-name", &[("title", format!("{title:?}"))]),
            t(lang, "new-no-name-hint", &[]),
        ));
    }
    Ok((title.to_string(), slug))
}

fn plan_moment(name: &str, folder: &Path, lang: Lang) -> Result<Plan, Refusal> {
    let (title, slug) = names(name, lang)?;
    let mut dirs = Vec::new();
    if folder.exists() {
        if !folder.is_dir() {
            return Err(not_a_folder(folder, lang));
        }
        if let Some(n) = inside_moment(folder) {
            let content = up(folder, n + 1);
            return Err(refuse(
                t(lang, "new-moment-inside", &[("folder", here(folder, lang))]),
                t(
                    lang,
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
                    lang,
                    "new-moment-in-level",
                    &[
                        ("folder", here(folder, lang)),
                        ("level", level.describe(lang)),
                    ],
                ),
                t(lang, "new-moment-in-level-hint", &[]),
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
            t(lang, "new-exists", &[("path", show(&moment))]),
            t(lang, "new-exists-hint", &[]),
        ));
    }
    for (id, path) in moment_ids(folder) {
        if id == slug {
            return Err(taken("program", &slug, &path, lang));
        }
    }
    dirs.push(moment.clone());
    let mut files = vec![NewFile {
        path: moment.join(MOMENT_FILE),
        bytes: fill(include_str!("templates/moment.md"), &title, ""),
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
            t(lang, "new-name-word", &[]),
            show(&moment)
        )),
        moment,
    })
}

fn plan_modul(name: &str, folder: &Path, lang: Lang) -> Result<Plan, Refusal> {
    let (title, slug) = names(name, lang)?;
    expect_level(folder, Level::Moment, "modul", &title, None, lang)?;
    let numbering = Numbering::read(folder, Entries::Folders(MODUL_FILE), lang)?;
    numbering.check_free(&slug, "modul", lang)?;
    let modul = folder.join(format!("{}-{slug}", numbering.next));
    let (mut dirs, mut files) = (Vec::new(), Vec::new());
    starter_modul(&modul, &title, &mut dirs, &mut files);
    Ok(Plan {
        dirs,
        edit: modul.join(MODUL_FILE),
        files,
        more: Some(format!(
            "steg new avsnitt {} --in {}",
            t(lang, "new-name-word", &[]),
            show(&modul)
        )),
        moment: folder.to_path_buf(),
    })
}

fn plan_avsnitt(name: &str, folder: &Path, lang: Lang) -> Result<Plan, Refusal> {
    let (title, slug) = names(name, lang)?;
    expect_level(folder, Level::Modul, "avsnitt", &title, None, lang)?;
    let numbering = Numbering::read(folder, Entries::Folders(AVSNITT_FILE), lang)?;
    numbering.check_free(&slug, "avsnitt", lang)?;
    let avsnitt = folder.join(format!("{}-{slug}", numbering.next));
    let (mut dirs, mut files) = (Vec::new(), Vec::new());
    starter_avsnitt(&avsnitt, &title, &mut dirs, &mut files);
    Ok(Plan {
        dirs,
        edit: avsnitt.join(AVSNITT_FILE),
        files,
        more: Some(format!(
            "steg new steg {} --type {} --in {}",
            t(lang, "new-name-word", &[]),
            t(lang, "new-type-word", &[]),
            show(&avsnitt)
        )),
        moment: up(folder, 1),
    })
}

fn plan_steg(name: &str, kind: StegType, folder: &Path, lang: Lang) -> Result<Plan, Refusal> {
    let (title, slug) = names(name, lang)?;
    expect_level(folder, Level::Avsnitt, "steg", &title, Some(kind), lang)?;
    let numbering = Numbering::read(folder, Entries::StegFiles, lang)?;
    numbering.check_free(&slug, "steg", lang)?;
    let file = folder.join(format!("{}-{slug}.md", numbering.next));
    let moment = up(folder, 2);
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    let mut media_base = String::new();
    if !kind.media("x").is_empty() {
        if level_of(&moment) != Some(Level::Moment) {
            return Err(refuse(
                t(lang, "new-media-outside", &[("folder", here(folder, lang))]),
                t(lang, "new-media-outside-hint", &[]),
            ));
        }
        let media = moment.join("media");
        if media.exists() && !media.is_dir() {
            return Err(refuse(
                t(lang, "new-is-file", &[("path", show(&media))]),
                t(lang, "new-media-file-hint", &[]),
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
        bytes: fill(include_str!("templates/modul.md"), title, ""),
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
        bytes: fill(include_str!("templates/avsnitt.md"), title, ""),
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
    fn read(dir: &Path, entries: Entries, lang: Lang) -> Result<Numbering, Refusal> {
        let read = std::fs::read_dir(dir).map_err(|e| {
            refuse(
                t(
                    lang,
                    "new-unreadable",
                    &[("path", show(dir)), ("error", e.to_string())],
                ),
                t(lang, "new-unreadable-hint", &[]),
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
    fn check_free(&self, slug: &str, noun: &str, lang: Lang) -> Result<(), Refusal> {
        match self.ids.iter().find(|(id, _)| id == slug) {
            Some((_, path)) => Err(taken(noun, slug, path, lang)),
            None => Ok(()),
        }
    }
}

fn taken(noun: &str, id: &str, path: &Path, lang: Lang) -> Refusal {
    let code = if noun == "program" { "E0706" } else { "E0302" };
    let noun = if noun == "program" {
        t(lang, "new-program", &[])
    } else {
        noun.to_string()
    };
    refuse(
        t(
            lang,
            "new-taken",
            &[
                ("noun", noun.clone()),
                ("id", id.to_string()),
                ("path", show(path)),
            ],
        ),
        t(
            lang,
            "new-taken-hint",
            &[("noun", noun), ("code", code.into())],
        ),
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

/// The `id:` pinned in a file's front matter, if any, read as the build reads it. A file that
/// does not parse pins nothing here: the build reports it; this only avoids making a second
/// sibling with one id.
fn pinned_id(file: &Path) -> Option<String> {
    /// Only `id:` is wanted; every other field is the build's to check.
    #[derive(serde::Deserialize)]
    struct Pinned {
        id: Option<String>,
    }
    let text = crate::source::read_text(file).ok()?;
    let split = crate::source::frontmatter::split(&text, file).ok()?;
    let pinned: Pinned = crate::source::frontmatter::parse(&split, file).ok()?;
    pinned
        .id
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
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
    lang: Lang,
) -> Result<(), Refusal> {
    if !folder.is_dir() {
        return Err(not_a_folder(folder, lang));
    }
    let found = level_of(folder);
    if found == Some(wanted) {
        return Ok(());
    }
    let folder_word = ("folder", here(folder, lang));
    let is = match found {
        Some(level) => t(
            lang,
            "new-is-level",
            &[folder_word, ("level", level.describe(lang))],
        ),
        None if inside_moment(folder).is_some() => t(lang, "new-is-inside", &[folder_word]),
        None => t(lang, "new-is-outside", &[folder_word]),
    };
    let message = t(
        lang,
        "new-wrong-folder",
        &[
            ("noun", t(lang, &format!("new-a-{noun}"), &[])),
            ("wanted", wanted.describe(lang)),
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
                t(lang, "new-or-in", &[("folders", others.join(", "))])
            };
            t(
                lang,
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
            Level::Avsnitt => t(lang, "new-first-avsnitt", &[]),
            Level::Modul => t(lang, "new-first-modul", &[]),
            _ => t(lang, "new-first-moment", &[]),
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
pub fn show(path: &Path) -> String {
    let p = path.strip_prefix(".").unwrap_or(path);
    if p.as_os_str().is_empty() {
        ".".into()
    } else {
        p.display().to_string()
    }
}

fn here(folder: &Path, lang: Lang) -> String {
    match show(folder).as_str() {
        "." => t(lang, "new-here", &[]),
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

fn not_a_folder(folder: &Path, lang: Lang) -> Refusal {
    if folder.exists() {
        refuse(
            t(lang, "new-is-file", &[("path", show(folder))]),
            t(lang, "new-is-file-hint", &[]),
        )
    } else {
        refuse(
            t(lang, "new-no-folder", &[("path", show(folder))]),
            t(lang, "new-no-folder-hint", &[]),
        )
    }
}

impl Plan {
    fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.dirs.iter().chain(self.files.iter().map(|f| &f.path))
    }

    /// Creates the folders and files; on a failure removes what it made, and says which path
    /// failed.
    pub fn write(&self) -> Result<(), (PathBuf, std::io::Error)> {
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
