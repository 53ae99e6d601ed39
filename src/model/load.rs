//! Loading a content folder into validated [`Moment`]s.
//!
//! The work is done in passes, each over every file at once, so that a build reports every
//! problem and the per-file work runs in parallel:
//! 1. find the files ([`crate::source::discover`]);
//! 2. read and parse every Markdown file's front matter, hash every media file;
//! 3. settle ids and addresses, check them, and map every file to its place in the bundle;
//! 4. render every Markdown body, checking its links, and check each steg's type.

use super::front::*;
use super::{
    Avsnitt, Document, MediaFile, MediaRef, MediaSource, Modul, Moment, Steg, StegKind, Transcript,
    layout,
};
use crate::bundle::manifest::{
    Audience, AudienceGroup, ChoiceOption, ExerciseField, Flag, Placeholder, Question,
    QuestionKind, Trigger,
};
use crate::diagnostic::{Diagnostic, Diagnostics, Location, codes::*};
use crate::ids::{is_valid_id, slugify, split_number_prefix};
use crate::markdown::{self, Links};
use crate::source::frontmatter::{self, YamlPos};
use crate::source::{self, MomentSource, PathProblem, rel_string, resolve_path};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The moments that loaded without errors, and every finding (errors and warnings).
#[derive(Debug, Default)]
pub struct LoadResult {
    pub moments: Vec<Moment>,
    pub diagnostics: Diagnostics,
}

/// Loads every moment in `root` (a content folder, or one moment's folder).
pub fn load(root: &Path) -> LoadResult {
    let mut diagnostics = Diagnostics::new();
    let sources = source::discover(root, &mut diagnostics);
    let results: Vec<(Option<Moment>, Diagnostics)> = sources.par_iter().map(load_moment).collect();
    let mut moments = Vec::new();
    for (moment, diags) in results {
        diagnostics.extend(diags);
        moments.extend(moment);
    }
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for m in &moments {
        if let Some(first) = seen.insert(m.id.clone(), m.source.clone()) {
            diagnostics.push(
                Diagnostic::new(E0706, format!("two programs have the id `{}`", m.id))
                    .in_file(&m.source)
                    .hint(format!(
                        "{} has the same id; give one of them another `id:` or folder name",
                        first.display()
                    )),
            );
        }
    }
    diagnostics.sort();
    if diagnostics.has_errors() {
        moments.clear();
    }
    LoadResult {
        moments,
        diagnostics,
    }
}

/// One Markdown file, read and with its front matter parsed.
struct Parsed<T> {
    file: PathBuf,
    /// The file's folder relative to the moment, `/`-separated.
    dir: String,
    text: String,
    yaml_offset: usize,
    body_offset: usize,
    front: T,
}

impl<T> Parsed<T> {
    fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }

    fn pos(&self) -> YamlPos<'_> {
        YamlPos {
            text: &self.text,
            yaml_offset: self.yaml_offset,
        }
    }

    fn at<V>(&self, v: &Spanned<V>) -> Option<Location> {
        self.pos().at(v)
    }

    /// The start of the front matter, for problems with the file as a whole.
    fn top(&self) -> Location {
        Location::of_range(&self.text, 0..3.min(self.text.len()))
    }
}

fn parse_file<T: DeserializeOwned>(
    file: &Path,
    moment_dir: &Path,
) -> Result<Parsed<T>, Diagnostic> {
    let text = source::read_text(file)?;
    let split = frontmatter::split(&text, file)?;
    let front = frontmatter::parse::<T>(&split, file)?;
    let (yaml_offset, body_offset) = (split.yaml_offset, split.body_offset);
    let dir = file
        .parent()
        .and_then(|p| p.strip_prefix(moment_dir).ok())
        .map(rel_string)
        .unwrap_or_default();
    Ok(Parsed {
        file: file.to_path_buf(),
        dir,
        text,
        yaml_offset,
        body_offset,
        front,
    })
}

fn load_moment(src: &MomentSource) -> (Option<Moment>, Diagnostics) {
    let mut d = Diagnostics::new();

    // Pass 2: parse everything, hash media.
    let moment = parse_file::<MomentFront>(&src.file, &src.dir);
    let moduler: Vec<_> = src
        .moduler
        .par_iter()
        .map(|m| {
            let front = parse_file::<ModulFront>(&m.file, &src.dir);
            let avsnitt: Vec<_> = m
                .avsnitt
                .par_iter()
                .map(|a| {
                    let front = parse_file::<AvsnittFront>(&a.file, &src.dir);
                    let steg: Vec<_> = a
                        .steg
                        .par_iter()
                        .map(|s| (s, parse_file::<StegFront>(&s.file, &src.dir)))
                        .collect();
                    (a, front, steg)
                })
                .collect();
            (m, front, avsnitt)
        })
        .collect();
    let media = hash_media(&src.assets, &mut d);

    let moment = match moment {
        Ok(p) => Some(p),
        Err(e) => {
            d.push(e);
            None
        }
    };

    // Pass 3: ids, addresses and the map of every document's place in the bundle.
    let mut documents: HashMap<String, String> = HashMap::new();
    let rel_of = |p: &Path| p.strip_prefix(&src.dir).map(rel_string).unwrap_or_default();
    documents.insert(rel_of(&src.file), layout::WELCOME.to_string());

    let mut tree = Vec::new();
    let mut modul_ids = Siblings::default();
    for (m, front, avsnitt) in moduler {
        let front = match front {
            Ok(f) => f,
            Err(e) => {
                d.push(e);
                continue;
            }
        };
        let modul_id = settle_id(front.front.id.as_ref(), &m.name, &front, &mut d);
        modul_ids.add(&modul_id, &front.file, &mut d);
        documents.insert(rel_of(&front.file), layout::modul_intro(&modul_id));
        if avsnitt.is_empty() {
            d.push(
                Diagnostic::new(E0108, format!("the modul `{modul_id}` has no avsnitt"))
                    .in_file(&front.file)
                    .at(front.top())
                    .hint("add a numbered folder with an avsnitt.md and at least one steg, e.g. 01-intro/avsnitt.md"),
            );
        }
        let mut avsnitt_ids = Siblings::default();
        let mut avsnitt_out = Vec::new();
        for (a, afront, steg) in avsnitt {
            let afront = match afront {
                Ok(f) => f,
                Err(e) => {
                    d.push(e);
                    continue;
                }
            };
            let avsnitt_id = settle_id(afront.front.id.as_ref(), &a.name, &afront, &mut d);
            avsnitt_ids.add(&avsnitt_id, &afront.file, &mut d);
            documents.insert(
                rel_of(&afront.file),
                layout::avsnitt_intro(&modul_id, &avsnitt_id),
            );
            if steg.is_empty() {
                d.push(
                    Diagnostic::new(E0109, format!("the avsnitt `{modul_id}/{avsnitt_id}` has no steg"))
                        .in_file(&afront.file)
                        .at(afront.top())
                        .hint("add a steg file next to avsnitt.md, e.g. 01-intro.md with a `title:` and some text"),
                );
            }
            let mut steg_ids = Siblings::default();
            let mut steg_out = Vec::new();
            for (s, sfront) in steg {
                let sfront = match sfront {
                    Ok(f) => f,
                    Err(e) => {
                        d.push(e);
                        continue;
                    }
                };
                let steg_id = settle_id(sfront.front.id.as_ref(), &s.name, &sfront, &mut d);
                steg_ids.add(&steg_id, &sfront.file, &mut d);
                let address = format!("{modul_id}/{avsnitt_id}/{steg_id}");
                documents.insert(rel_of(&sfront.file), layout::steg(&address));
                steg_out.push((steg_id, address, sfront));
            }
            avsnitt_out.push((avsnitt_id, afront, steg_out));
        }
        tree.push((modul_id, front, avsnitt_out));
    }

    let media_paths: HashMap<String, String> = media
        .iter()
        .map(|m| (m.rel.clone(), layout::media(&m.rel, &m.sha256)))
        .collect();
    let links = Links {
        documents: &documents,
        media: &media_paths,
    };
    let ctx = Ctx {
        links: &links,
        media: &media,
    };

    // Pass 4: render and check types, in parallel per steg.
    let moment = moment.map(|p| build_moment_head(src, p, &ctx, &mut d));
    let moment_groups = moment
        .as_ref()
        .map(|(m, _)| m.audience.groups.clone())
        .unwrap_or_else(|| AudienceGroup::ALL.to_vec());

    let built: Vec<(Modul, Diagnostics)> = tree
        .into_par_iter()
        .map(|(modul_id, front, avsnitt)| {
            build_modul(modul_id, front, avsnitt, &moment_groups, &ctx)
        })
        .collect();
    let mut moduler = Vec::new();
    for (m, diags) in built {
        d.extend(diags);
        moduler.push(m);
    }

    let Some((mut moment, parsed)) = moment else {
        return (None, d);
    };
    if moduler.is_empty() && src.moduler.is_empty() {
        d.push(
            Diagnostic::new(E0110, format!("the program `{}` has no modul", moment.id))
                .in_file(&parsed.file)
                .at(parsed.top())
                .hint("add a numbered folder with a modul.md next to moment.md, e.g. 01-somn/modul.md"),
        );
    }
    check_flags(&moment, &parsed, &moduler, &mut d);
    moment.moduler = moduler;
    moment.media = media;
    (Some(moment), d)
}

/// What rendering needs to know about the whole moment.
struct Ctx<'a> {
    links: &'a Links<'a>,
    media: &'a [MediaFile],
}

fn hash_media(assets: &BTreeMap<String, PathBuf>, d: &mut Diagnostics) -> Vec<MediaFile> {
    let results: Vec<Result<MediaFile, Diagnostic>> = assets
        .par_iter()
        .map(|(rel, path)| {
            let bytes = std::fs::read(path).map_err(|e| {
                Diagnostic::new(E0101, format!("cannot read the file: {e}")).in_file(path)
            })?;
            Ok(MediaFile {
                rel: rel.clone(),
                path: path.clone(),
                sha256: crate::sha256_hex(&bytes),
                size: bytes.len() as u64,
            })
        })
        .collect();
    let mut media = Vec::new();
    for r in results {
        match r {
            Ok(m) => media.push(m),
            Err(e) => d.push(e),
        }
    }
    media.sort_by(|a, b| a.rel.cmp(&b.rel));
    media
}

/// The id from `id:` if pinned, else from the file or folder name.
fn settle_id<T>(
    pinned: Option<&Spanned<String>>,
    name: &str,
    p: &Parsed<T>,
    d: &mut Diagnostics,
) -> String {
    if let Some(id) = pinned {
        if !is_valid_id(&id.value) {
            d.push(
                Diagnostic::new(E0301, format!("the id `{}` is not valid", id.value))
                    .in_file(&p.file)
                    .at_opt(p.at(id))
                    .hint(format!(
                        "use lower-case a-z, digits and -, at most 64 characters, e.g. `{}`",
                        nonempty_slug(&id.value)
                    )),
            );
        }
        return id.value.clone();
    }
    let id = slugify(name);
    if id.is_empty() {
        d.push(
            Diagnostic::new(E0301, format!("no id can be made from the name `{name}`"))
                .in_file(&p.file)
                .at(p.top())
                .hint("rename it with letters after the number (e.g. 01-intro), or add `id: intro` to the front matter"),
        );
    }
    id
}

fn nonempty_slug(s: &str) -> String {
    let s = slugify(s);
    if s.is_empty() { "intro".into() } else { s }
}

/// Ids among siblings, to report the second use of one.
#[derive(Default)]
struct Siblings {
    seen: HashMap<String, PathBuf>,
}

impl Siblings {
    fn add(&mut self, id: &str, file: &Path, d: &mut Diagnostics) {
        if id.is_empty() {
            return;
        }
        if let Some(first) = self.seen.get(id) {
            d.push(
                Diagnostic::new(E0302, format!("the id `{id}` is used twice"))
                    .in_file(file)
                    .hint(format!(
                        "{} has the same id; ids must differ within a folder, so rename one or set another `id:`",
                        first.display()
                    )),
            );
        } else {
            self.seen.insert(id.to_string(), file.to_path_buf());
        }
    }
}

fn render_body<T>(p: &Parsed<T>, output: &str, ctx: &Ctx<'_>, d: &mut Diagnostics) -> Document {
    let src = markdown::Source {
        file: &p.file,
        text: &p.text,
        body_offset: p.body_offset,
        dir: &p.dir,
        output,
    };
    let (doc, problems) = markdown::render(p.body(), &src, ctx.links);
    d.extend(problems);
    doc
}

fn build_moment_head(
    src: &MomentSource,
    p: Parsed<MomentFront>,
    ctx: &Ctx<'_>,
    d: &mut Diagnostics,
) -> (Moment, Parsed<MomentFront>) {
    let f = &p.front;
    let folder = split_number_prefix(&src.name).map_or(src.name.as_str(), |(_, r)| r);
    let id = settle_id(f.id.as_ref(), folder, &p, d);

    let version = match semver::Version::parse(f.version.value.trim()) {
        Ok(v) => v,
        Err(e) => {
            d.push(
                Diagnostic::new(
                    E0303,
                    format!(
                        "the version `{}` is not a semantic version: {e}",
                        f.version.value
                    ),
                )
                .in_file(&p.file)
                .at_opt(p.at(&f.version))
                .hint("write three numbers, MAJOR.MINOR.PATCH, e.g. `1.0.0`"),
            );
            semver::Version::new(0, 0, 0)
        }
    };
    if !is_language_tag(&f.language.value) {
        d.push(
            Diagnostic::new(
                E0304,
                format!("`{}` is not a language tag", f.language.value),
            )
            .in_file(&p.file)
            .at_opt(p.at(&f.language))
            .hint("use a language code such as `sv` (Swedish) or `en`"),
        );
    }
    if f.duration_days.value == 0 {
        d.push(
            Diagnostic::new(E0305, "the program must last at least one day")
                .in_file(&p.file)
                .at_opt(p.at(&f.duration_days))
                .hint("set `duration_days:` to the number of days, e.g. 90"),
        );
    }
    if f.audience.groups.value.is_empty() {
        d.push(
            Diagnostic::new(E0206, "the audience names no group")
                .in_file(&p.file)
                .at_opt(p.at(&f.audience.groups))
                .hint("write e.g. `groups: [unga]` or `groups: [unga, vardnadshavare]`"),
        );
    }

    let welcome = render_body(&p, layout::WELCOME, ctx, d);
    if welcome.is_empty() {
        d.push(
            Diagnostic::new(E0701, "the program has no welcome text")
                .in_file(&p.file)
                .at(Location::at_byte(&p.text, p.body_offset))
                .hint("write the welcome text below the front matter: it is the first thing the young person reads"),
        );
    }
    let placeholders = check_placeholders(&p, d);
    let welcome = Document {
        html: normalize_placeholders(&welcome.html),
        ..welcome
    };

    let flags = f
        .flags
        .iter()
        .map(|f| Flag {
            id: f.id.value.clone(),
            title: f.title.clone(),
            recipient: f.recipient,
            trigger: f.trigger.value.clone(),
            message: f.message.clone(),
        })
        .collect();
    let moment = Moment {
        id,
        title: f.title.clone(),
        version,
        language: f.language.value.clone(),
        summary: f.summary.clone(),
        duration_days: f.duration_days.value,
        audience: Audience {
            groups: dedup(f.audience.groups.value.clone()),
            min_age: f.audience.min_age.value,
            proxy_under_age: f.audience.proxy_under_age,
        },
        placeholders,
        flags,
        welcome,
        moduler: vec![],
        media: vec![],
        dir: src.dir.clone(),
        source: p.file.clone(),
    };
    (moment, p)
}

fn check_flags(moment: &Moment, p: &Parsed<MomentFront>, moduler: &[Modul], d: &mut Diagnostics) {
    let mut seen = HashMap::new();
    for (flag, front) in moment.flags.iter().zip(&p.front.flags) {
        let at = p.at(&front.id);
        if !is_valid_id(&flag.id) {
            d.push(
                Diagnostic::new(E0301, format!("the flag id `{}` is not valid", flag.id))
                    .in_file(&p.file)
                    .at_opt(at.clone())
                    .hint("use lower-case a-z, digits and -, e.g. `paminnelse`"),
            );
        }
        if seen.insert(flag.id.clone(), ()).is_some() {
            d.push(
                Diagnostic::new(E0704, format!("two flags have the id `{}`", flag.id))
                    .in_file(&p.file)
                    .at_opt(at.clone())
                    .hint("give each flag its own id"),
            );
        }
        let trigger_at = p.at(&front.trigger).or_else(|| at.clone());
        let days = match &flag.trigger {
            Trigger::MomentStarted => None,
            Trigger::Inactive { days } => Some(("days", *days)),
            Trigger::ModulEnds {
                days_before,
                moduler: refs,
            } => {
                for r in refs {
                    if !moduler.iter().any(|m| &m.id == r) {
                        let known: Vec<_> = moduler.iter().map(|m| m.id.as_str()).collect();
                        d.push(
                            Diagnostic::new(
                                E0705,
                                format!(
                                    "the flag `{}` names the modul `{r}`, which does not exist",
                                    flag.id
                                ),
                            )
                            .in_file(&p.file)
                            .at_opt(trigger_at.clone())
                            .hint(format!("the moduler are: {}", known.join(", "))),
                        );
                    }
                }
                Some(("days_before", *days_before))
            }
            Trigger::MomentEnds { days_before } => Some(("days_before", *days_before)),
        };
        if let Some((field, n)) = days
            && (n == 0 || n >= moment.duration_days)
        {
            d.push(
                Diagnostic::new(
                    E0305,
                    format!(
                        "the flag `{}` has `{field}: {n}`, but it must be between 1 and {} (the program's length less one day)",
                        flag.id,
                        moment.duration_days.saturating_sub(1)
                    ),
                )
                .in_file(&p.file)
                .at_opt(trigger_at)
                .hint("choose a number of days within the program's duration_days"),
            );
        }
    }
}

/// Placeholders must be declared before use, and their names must be simple.
fn check_placeholders(p: &Parsed<MomentFront>, d: &mut Diagnostics) -> Vec<Placeholder> {
    let used = find_placeholders(p.body());
    let mut out = Vec::new();
    for ph in &p.front.placeholders {
        let name = ph.name.value.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            d.push(
                Diagnostic::new(E0301, format!("the placeholder name `{name}` is not valid"))
                    .in_file(&p.file)
                    .at_opt(p.at(&ph.name))
                    .hint("use letters a-z, digits, - and _, e.g. `mottagning`"),
            );
        }
        if !used.iter().any(|(n, _)| n == name) {
            d.push(
                Diagnostic::new(W0703, format!("the placeholder `{name}` is declared but the welcome text never uses it"))
                    .in_file(&p.file)
                    .at_opt(p.at(&ph.name))
                    .hint(format!("write {{{{{name}}}}} in the welcome text where the value belongs, or remove the placeholder")),
            );
        }
        out.push(Placeholder {
            name: name.to_string(),
            description: ph.description.clone(),
            example: ph.example.clone(),
        });
    }
    for (name, offset) in used {
        if !out.iter().any(|ph| ph.name == name) {
            let start = p.body_offset + offset;
            d.push(
                Diagnostic::new(E0702, format!("the placeholder `{{{{{name}}}}}` is not declared"))
                    .in_file(&p.file)
                    .at(Location::of_range(&p.text, start..start + name.len() + 4))
                    .hint(format!(
                        "declare it in the front matter:\nplaceholders:\n  - name: {name}\n    description: ...\n    example: ..."
                    )),
            );
        }
    }
    out
}

/// `{{ name }}` occurrences in `text`, with the byte offset of each.
fn find_placeholders(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("{{") {
        let start = from + i;
        match text[start + 2..].find("}}") {
            Some(len) if len <= 64 && !text[start + 2..start + 2 + len].contains('\n') => {
                out.push((text[start + 2..start + 2 + len].trim().to_string(), start));
                from = start + 4 + len;
            }
            _ => from = start + 2,
        }
    }
    out
}

/// `{{ name }}` → `{{name}}`, the one spelling the bundle format documents.
fn normalize_placeholders(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find("}}") {
            Some(len) if len <= 64 => {
                out.push_str("{{");
                out.push_str(after[..len].trim());
                out.push_str("}}");
                rest = &after[len + 2..];
            }
            _ => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn dedup(mut v: Vec<AudienceGroup>) -> Vec<AudienceGroup> {
    v.sort();
    v.dedup();
    v
}

type ParsedSteg = (String, String, Parsed<StegFront>);

fn build_modul(
    id: String,
    p: Parsed<ModulFront>,
    avsnitt: Vec<(String, Parsed<AvsnittFront>, Vec<ParsedSteg>)>,
    moment_groups: &[AudienceGroup],
    ctx: &Ctx<'_>,
) -> (Modul, Diagnostics) {
    let mut d = Diagnostics::new();
    let intro = render_body(&p, &layout::modul_intro(&id), ctx, &mut d);
    if let Some(days) = &p.front.duration_days
        && days.value == 0
    {
        d.push(
            Diagnostic::new(E0305, "a modul must stay open at least one day")
                .in_file(&p.file)
                .at_opt(p.at(days))
                .hint("remove `duration_days:` or set it to the number of days"),
        );
    }
    let audience = p
        .front
        .audience
        .clone()
        .map(dedup)
        .unwrap_or_else(|| moment_groups.to_vec());
    let avsnitt = avsnitt
        .into_iter()
        .map(|(aid, ap, steg)| {
            let intro = render_body(&ap, &layout::avsnitt_intro(&id, &aid), ctx, &mut d);
            let steg = steg
                .into_par_iter()
                .map(|(sid, address, sp)| {
                    let mut sd = Diagnostics::new();
                    let s = build_steg(sid, address, sp, &audience, ctx, &mut sd);
                    (s, sd)
                })
                .collect::<Vec<_>>()
                .into_iter()
                .filter_map(|(s, sd)| {
                    d.extend(sd);
                    s
                })
                .collect();
            Avsnitt {
                id: aid,
                title: ap.front.title.clone(),
                intro: (!intro.is_empty()).then_some(intro),
                steg,
                source: ap.file,
            }
        })
        .collect();
    let modul = Modul {
        id,
        title: p.front.title.clone(),
        summary: p.front.summary.clone(),
        duration_days: p.front.duration_days.as_ref().map(|s| s.value),
        audience,
        intro: (!intro.is_empty()).then_some(intro),
        avsnitt,
        source: p.file,
    };
    (modul, d)
}

/// The steg types, their required fields and the fields each may have.
const TYPE_FIELDS: &[(&str, &[&str])] = &[
    ("text", &[]),
    (
        "video",
        &[
            "src",
            "url",
            "captions",
            "transcript",
            "poster",
            "duration_seconds",
        ],
    ),
    ("audio", &["src", "url", "transcript", "duration_seconds"]),
    ("image", &["src", "alt", "decorative", "caption"]),
    ("form", &["questions"]),
    ("exercise", &["fields"]),
];

fn build_steg(
    id: String,
    address: String,
    p: Parsed<StegFront>,
    parent_audience: &[AudienceGroup],
    ctx: &Ctx<'_>,
    d: &mut Diagnostics,
) -> Option<Steg> {
    let f = &p.front;
    let type_name = f.kind.as_ref().map_or("text", |k| k.value.as_str());
    let Some((_, allowed)) = TYPE_FIELDS.iter().find(|(t, _)| *t == type_name) else {
        let k = f.kind.as_ref()?;
        let known: Vec<_> = TYPE_FIELDS.iter().map(|(t, _)| *t).collect();
        d.push(
            Diagnostic::new(E0401, format!("`{}` is not a steg type", k.value))
                .in_file(&p.file)
                .at_opt(p.at(k))
                .hint(format!("the types are: {}", known.join(", "))),
        );
        return None;
    };
    warn_unused_fields(&p, type_name, allowed, d);

    let body = render_body(&p, &layout::steg(&address), ctx, d);
    let check = StegCheck {
        p: &p,
        type_name,
        ctx,
        address: &address,
    };
    let kind = match type_name {
        "video" => check.video(d),
        "audio" => check.audio(d),
        "image" => check.image(d),
        "form" => check.form(d),
        "exercise" => {
            check.require_body(&body, "the instructions: what to do, when and how often", d);
            Some(StegKind::Exercise {
                fields: check.exercise_fields(d),
            })
        }
        _ => {
            check.require_body(&body, "the text of the steg", d);
            Some(StegKind::Text)
        }
    }?;
    let audience = f
        .audience
        .clone()
        .map(dedup)
        .unwrap_or_else(|| parent_audience.to_vec());
    Some(Steg {
        id,
        address,
        title: f.title.clone(),
        audience,
        body,
        kind,
        source: p.file,
    })
}

fn warn_unused_fields(
    p: &Parsed<StegFront>,
    type_name: &str,
    allowed: &[&str],
    d: &mut Diagnostics,
) {
    let f = &p.front;
    let present: [(&str, Option<Option<Location>>); 11] = [
        ("src", f.src.as_ref().map(|v| p.at(v))),
        ("url", f.url.as_ref().map(|v| p.at(v))),
        ("captions", f.captions.as_ref().map(|v| p.at(v))),
        ("transcript", f.transcript.as_ref().map(|v| p.at(v))),
        ("poster", f.poster.as_ref().map(|v| p.at(v))),
        (
            "duration_seconds",
            f.duration_seconds.as_ref().map(|v| p.at(v)),
        ),
        ("alt", f.alt.as_ref().map(|v| p.at(v))),
        ("decorative", f.decorative.as_ref().map(|v| p.at(v))),
        ("caption", f.caption.as_ref().map(|v| p.at(v))),
        ("questions", f.questions.as_ref().map(|v| p.at(v))),
        ("fields", f.fields.as_ref().map(|v| p.at(v))),
    ];
    for (name, at) in present {
        if let Some(at) = at
            && !allowed.contains(&name)
        {
            d.push(
                Diagnostic::new(W0403, format!("a {type_name} steg does not use `{name}`"))
                    .in_file(&p.file)
                    .at_opt(at)
                    .hint(format!(
                        "remove `{name}:`, or set the right `type:` (the field belongs to: {})",
                        TYPE_FIELDS
                            .iter()
                            .filter(|(_, fs)| fs.contains(&name))
                            .map(|(t, _)| *t)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
            );
        }
    }
}

/// Checks of one steg's type-specific fields.
struct StegCheck<'a> {
    p: &'a Parsed<StegFront>,
    type_name: &'a str,
    ctx: &'a Ctx<'a>,
    address: &'a str,
}

/// File endings accepted for each kind of media.
const VIDEO_EXT: &[&str] = &["mp4", "m4v", "webm", "ogv"];
const AUDIO_EXT: &[&str] = &["mp3", "m4a", "ogg", "oga", "opus", "wav", "webm"];
const IMAGE_EXT: &[&str] = &["png", "jpg", "jpeg", "gif", "webp", "svg", "avif"];
const TEXT_EXT: &[&str] = &["md", "txt"];

impl StegCheck<'_> {
    fn missing(&self, field: &str, what: &str, d: &mut Diagnostics) {
        d.push(
            Diagnostic::new(E0402, format!("a {} steg needs `{field}:`", self.type_name))
                .in_file(&self.p.file)
                .at(self.p.top())
                .hint(format!("add `{field}:` with {what}")),
        );
    }

    fn require_body(&self, body: &Document, what: &str, d: &mut Diagnostics) {
        if body.is_empty() {
            d.push(
                Diagnostic::new(E0404, format!("this {} steg has no text", self.type_name))
                    .in_file(&self.p.file)
                    .at(Location::at_byte(&self.p.text, self.p.body_offset))
                    .hint(format!("write {what} below the front matter")),
            );
        }
    }

    /// Resolves a path field to a media file of one of the `kinds` endings.
    fn file(
        &self,
        field: &str,
        value: &Spanned<String>,
        kinds: &[&str],
        d: &mut Diagnostics,
    ) -> Option<MediaRef> {
        let at = self.p.at(value);
        let rel = match resolve_path(&self.p.dir, value.value.trim()) {
            Ok(rel) => rel,
            Err(PathProblem::LeavesMoment) => {
                d.push(
                    Diagnostic::new(E0602, format!("`{field}: {}` leads out of the program's folder", value.value))
                        .in_file(&self.p.file)
                        .at_opt(at)
                        .hint("put the file in the program's media/ folder and write e.g. `/media/name.ext`"),
                );
                return None;
            }
        };
        if self
            .ctx
            .media
            .binary_search_by(|m| m.rel.as_str().cmp(&rel))
            .is_err()
        {
            d.push(
                Diagnostic::new(E0601, format!("`{field}:` names `{}`, which does not exist", value.value))
                    .in_file(&self.p.file)
                    .at_opt(at)
                    .hint(format!(
                        "looked for `{rel}` in the program's folder; a path is relative to this file, or starts with `/` for the program's folder"
                    )),
            );
            return None;
        }
        let ext = rel.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        if !kinds.contains(&ext.as_str()) {
            d.push(
                Diagnostic::new(
                    E0604,
                    format!(
                        "`{field}:` must name a {} file, not `.{ext}`",
                        kinds.join("/")
                    ),
                )
                .in_file(&self.p.file)
                .at_opt(at)
                .hint(format!("use a file ending in .{}", kinds.join(", ."))),
            );
            return None;
        }
        Some(MediaRef(rel))
    }

    fn source(&self, kinds: &[&str], d: &mut Diagnostics) -> Option<MediaSource> {
        let f = &self.p.front;
        match (&f.src, &f.url) {
            (Some(src), None) => self.file("src", src, kinds, d).map(MediaSource::File),
            (None, Some(url)) => {
                let u = url.value.trim();
                if u.starts_with("https://") || u.starts_with("http://") {
                    Some(MediaSource::Url(u.to_string()))
                } else {
                    d.push(
                        Diagnostic::new(E0205, format!("`url: {u}` is not a web address"))
                            .in_file(&self.p.file)
                            .at_opt(self.p.at(url))
                            .hint("write the full address starting with https://, or use `src:` for a file in the program"),
                    );
                    None
                }
            }
            (Some(src), Some(_)) => {
                d.push(
                    Diagnostic::new(E0406, format!("a {} steg has both `src:` and `url:`", self.type_name))
                        .in_file(&self.p.file)
                        .at_opt(self.p.at(src))
                        .hint("keep `src:` for a file in the program, or `url:` for an external address, not both"),
                );
                None
            }
            (None, None) => {
                d.push(
                    Diagnostic::new(E0406, format!("a {} steg needs `src:` or `url:`", self.type_name))
                        .in_file(&self.p.file)
                        .at(self.p.top())
                        .hint("add `src: /media/name.ext` for a file in the program, or `url: https://...`"),
                );
                None
            }
        }
    }

    fn transcript(&self, d: &mut Diagnostics) -> Option<Transcript> {
        let Some(t) = &self.p.front.transcript else {
            self.missing(
                "transcript",
                "the path of a Markdown file with everything said (and shown) in it",
                d,
            );
            return None;
        };
        let file = self.file("transcript", t, TEXT_EXT, d)?;
        let media = self.ctx.media.iter().find(|m| m.rel == file.0)?;
        let parsed = match source::read_text(&media.path) {
            Ok(text) => text,
            Err(e) => {
                d.push(e);
                return None;
            }
        };
        let dir = file.0.rsplit_once('/').map_or("", |(dir, _)| dir);
        let output = layout::transcript(self.address);
        let src = markdown::Source {
            file: &media.path,
            text: &parsed,
            body_offset: 0,
            dir,
            output: &output,
        };
        let (document, problems) = markdown::render(&parsed, &src, self.ctx.links);
        d.extend(problems);
        if document.is_empty() {
            d.push(
                Diagnostic::new(E0404, "the transcript is empty")
                    .in_file(&media.path)
                    .hint("write everything that is said in the recording"),
            );
        }
        Some(Transcript { file, document })
    }

    fn captions(&self, d: &mut Diagnostics) -> Option<MediaRef> {
        let Some(c) = &self.p.front.captions else {
            self.missing(
                "captions",
                "the path of a WebVTT captions file (.vtt); captions are required by WCAG 1.2.2",
                d,
            );
            return None;
        };
        let r = self.file("captions", c, &["vtt"], d)?;
        let media = self.ctx.media.iter().find(|m| m.rel == r.0)?;
        let head = std::fs::read(&media.path).unwrap_or_default();
        let head = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&head);
        if !head.starts_with(b"WEBVTT") {
            d.push(
                Diagnostic::new(E0604, format!("`{}` is not a WebVTT file", c.value))
                    .in_file(&self.p.file)
                    .at_opt(self.p.at(c))
                    .hint("a captions file starts with the line WEBVTT; export captions as WebVTT (.vtt)"),
            );
            return None;
        }
        Some(r)
    }

    fn video(&self, d: &mut Diagnostics) -> Option<StegKind> {
        let f = &self.p.front;
        let source = self.source(VIDEO_EXT, d);
        let captions = self.captions(d);
        let transcript = self.transcript(d);
        let poster = match &f.poster {
            Some(p) => Some(self.file("poster", p, IMAGE_EXT, d)?),
            None => None,
        };
        Some(StegKind::Video {
            source: source?,
            captions: captions?,
            transcript: transcript?,
            poster,
            duration_seconds: f.duration_seconds.as_ref().map(|s| s.value),
        })
    }

    fn audio(&self, d: &mut Diagnostics) -> Option<StegKind> {
        let source = self.source(AUDIO_EXT, d);
        let transcript = self.transcript(d);
        Some(StegKind::Audio {
            source: source?,
            transcript: transcript?,
            duration_seconds: self.p.front.duration_seconds.as_ref().map(|s| s.value),
        })
    }

    fn image(&self, d: &mut Diagnostics) -> Option<StegKind> {
        let f = &self.p.front;
        let src = match &f.src {
            Some(s) => self.file("src", s, IMAGE_EXT, d),
            None => {
                self.missing("src", "the path of the image, e.g. /media/bild.png", d);
                None
            }
        };
        let decorative = f.decorative.as_ref().is_some_and(|s| s.value);
        let alt = f
            .alt
            .as_ref()
            .map(|a| a.value.trim().to_string())
            .filter(|a| !a.is_empty());
        if alt.is_none() && !decorative {
            d.push(
                Diagnostic::new(E0405, "the image has no alt text")
                    .in_file(&self.p.file)
                    .at_opt(f.alt.as_ref().and_then(|a| self.p.at(a)).or(Some(self.p.top())))
                    .hint("add `alt:` describing what the image shows for someone who cannot see it, or `decorative: true` if it adds nothing to the text"),
            );
        }
        Some(StegKind::Image {
            src: src?,
            alt,
            decorative,
            caption: f.caption.as_ref().map(|c| c.value.clone()),
        })
    }

    fn form(&self, d: &mut Diagnostics) -> Option<StegKind> {
        let Some(questions) = &self.p.front.questions else {
            self.missing(
                "questions",
                "a list of questions (see docs/content-format.md)",
                d,
            );
            return None;
        };
        if questions.value.is_empty() {
            d.push(
                Diagnostic::new(E0501, "the form has no questions")
                    .in_file(&self.p.file)
                    .at_opt(self.p.at(questions))
                    .hint("add at least one question under `questions:`"),
            );
            return None;
        }
        let mut ids = HashMap::new();
        let mut out = Vec::new();
        let mut ok = true;
        for q in &questions.value {
            ok &= self.check_item_id(&q.id, "question", &mut ids, d);
            match self.question_kind(q, d) {
                Some(kind) => out.push(Question {
                    id: q.id.value.clone(),
                    label: q.label.clone(),
                    help: q.help.clone(),
                    required: q.required,
                    kind,
                }),
                None => ok = false,
            }
        }
        ok.then_some(StegKind::Form { questions: out })
    }

    fn check_item_id(
        &self,
        id: &Spanned<String>,
        what: &str,
        seen: &mut HashMap<String, ()>,
        d: &mut Diagnostics,
    ) -> bool {
        if !is_valid_id(&id.value) {
            d.push(
                Diagnostic::new(E0301, format!("the {what} id `{}` is not valid", id.value))
                    .in_file(&self.p.file)
                    .at_opt(self.p.at(id))
                    .hint(format!(
                        "use lower-case a-z, digits and -, e.g. `{}`",
                        nonempty_slug(&id.value)
                    )),
            );
            return false;
        }
        if seen.insert(id.value.clone(), ()).is_some() {
            d.push(
                Diagnostic::new(E0502, format!("two {what}s have the id `{}`", id.value))
                    .in_file(&self.p.file)
                    .at_opt(self.p.at(id))
                    .hint(format!(
                        "give each {what} its own id; answers are stored under it"
                    )),
            );
            return false;
        }
        true
    }

    fn question_kind(&self, q: &QuestionFront, d: &mut Diagnostics) -> Option<QuestionKind> {
        const TYPES: &[&str] = &[
            "text",
            "long_text",
            "single_choice",
            "multiple_choice",
            "scale",
        ];
        let used = |name: &str, present: bool, d: &mut Diagnostics| {
            if present {
                d.push(
                    Diagnostic::new(
                        W0507,
                        format!("a {} question does not use `{name}`", q.kind.value),
                    )
                    .in_file(&self.p.file)
                    .at_opt(self.p.at(&q.kind))
                    .hint(format!("remove `{name}:` from question `{}`", q.id.value)),
                );
            }
        };
        let has_scale =
            q.min.is_some() || q.max.is_some() || q.min_label.is_some() || q.max_label.is_some();
        match q.kind.value.as_str() {
            "text" | "long_text" => {
                used("options", q.options.is_some(), d);
                used("min/max", has_scale, d);
                Some(if q.kind.value == "text" {
                    QuestionKind::Text
                } else {
                    QuestionKind::LongText
                })
            }
            "single_choice" | "multiple_choice" => {
                used("min/max", has_scale, d);
                let options = self.options(q, d)?;
                Some(if q.kind.value == "single_choice" {
                    QuestionKind::SingleChoice { options }
                } else {
                    QuestionKind::MultipleChoice { options }
                })
            }
            "scale" => {
                used("options", q.options.is_some(), d);
                match (&q.min, &q.max) {
                    (Some(min), Some(max))
                        if min.value < max.value && max.value - min.value <= 100 =>
                    {
                        Some(QuestionKind::Scale {
                            min: min.value,
                            max: max.value,
                            min_label: q.min_label.as_ref().map(|s| s.value.clone()),
                            max_label: q.max_label.as_ref().map(|s| s.value.clone()),
                        })
                    }
                    (Some(_), Some(max)) => {
                        d.push(
                            Diagnostic::new(E0504, format!("the scale of question `{}` must have `max` greater than `min`, at most 100 steps apart", q.id.value))
                                .in_file(&self.p.file)
                                .at_opt(self.p.at(max))
                                .hint("e.g. `min: 0` and `max: 10`"),
                        );
                        None
                    }
                    _ => {
                        d.push(
                            Diagnostic::new(
                                E0504,
                                format!(
                                    "the scale question `{}` needs `min:` and `max:`",
                                    q.id.value
                                ),
                            )
                            .in_file(&self.p.file)
                            .at_opt(self.p.at(&q.kind))
                            .hint("add e.g. `min: 0` and `max: 10`"),
                        );
                        None
                    }
                }
            }
            other => {
                d.push(
                    Diagnostic::new(E0506, format!("`{other}` is not a question type"))
                        .in_file(&self.p.file)
                        .at_opt(self.p.at(&q.kind))
                        .hint(format!("the types are: {}", TYPES.join(", "))),
                );
                None
            }
        }
    }

    fn options(&self, q: &QuestionFront, d: &mut Diagnostics) -> Option<Vec<ChoiceOption>> {
        let opts = match &q.options {
            Some(o) if !o.value.is_empty() => o,
            other => {
                d.push(
                    Diagnostic::new(E0503, format!("the choice question `{}` has no options", q.id.value))
                        .in_file(&self.p.file)
                        .at_opt(other.as_ref().and_then(|o| self.p.at(o)).or_else(|| self.p.at(&q.kind)))
                        .hint("add `options:` with at least two items, each `- value: ...` and `label: ...`"),
                );
                return None;
            }
        };
        let mut seen = HashMap::new();
        let mut ok = true;
        for o in &opts.value {
            if seen.insert(o.value.value.0.clone(), ()).is_some() {
                d.push(
                    Diagnostic::new(
                        E0505,
                        format!(
                            "two options of question `{}` have the value `{}`",
                            q.id.value, o.value.value.0
                        ),
                    )
                    .in_file(&self.p.file)
                    .at_opt(self.p.at(&o.value))
                    .hint("give each option its own value; the answer is stored as the value"),
                );
                ok = false;
            }
        }
        ok.then(|| {
            opts.value
                .iter()
                .map(|o| ChoiceOption {
                    value: o.value.value.0.clone(),
                    label: o.label.clone(),
                })
                .collect()
        })
    }

    fn exercise_fields(&self, d: &mut Diagnostics) -> Vec<ExerciseField> {
        let Some(fields) = &self.p.front.fields else {
            return vec![];
        };
        let mut seen = HashMap::new();
        fields
            .value
            .iter()
            .filter(|f| self.check_item_id(&f.id, "field", &mut seen, d))
            .map(|f| ExerciseField {
                id: f.id.value.clone(),
                label: f.label.clone(),
                multiline: f.multiline,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_normalized() {
        let found = find_placeholders("Hej {{ mottagning }} och {{x}}, {{ ej stängd");
        assert_eq!(
            found,
            [("mottagning".to_string(), 4), ("x".to_string(), 25)]
        );
        assert_eq!(
            normalize_placeholders("<p>{{ a }} {{b}}</p>"),
            "<p>{{a}} {{b}}</p>"
        );
    }

    #[test]
    fn language_tags() {
        assert!(is_language_tag("sv"));
        assert!(is_language_tag("sv-SE"));
        assert!(!is_language_tag("svenska"));
        assert!(!is_language_tag(""));
    }
}
