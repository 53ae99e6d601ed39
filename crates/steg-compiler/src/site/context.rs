//! What each page of the preview knows: plain data for the templates, with every URL made
//! relative to the page so the site works from any folder and from `file://`.
//!
//! Interface text is Swedish, as the program's readers see it.

use super::Page;
use super::value::{Ctx, tv};
use crate::model::{Avsnitt, MediaRef, MediaSource, Modul, Moment, Steg, StegKind};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use steg_bundle::diagnostic::{Diagnostics, Lang};
use steg_bundle::layout;
use steg_bundle::manifest::{AudienceGroup, Recipient, Trigger};
use tera::Value;

/// The site's start page: the programs it holds.
pub(crate) fn site_index(moments: &[Arc<Moment>]) -> Page {
    let list: Vec<Value> = moments
        .iter()
        .map(|m| {
            let steg = m.steg().count();
            tv!({
                "id": m.id, "title": m.title, "version": m.version.to_string(),
                "summary": m.summary, "moduler": m.moduler.len(), "steg": steg,
                "url": format!("{}/index.html", m.id),
                "behandlare_url": format!("{}/behandlare.html", m.id),
                "granskning_url": format!("{}/granskning.html", m.id),
            })
        })
        .collect();
    let mut ctx = Ctx::default();
    ctx.insert(
        "lang",
        tv!(moments.first().map_or("sv", |m| m.language.as_str())),
    );
    ctx.insert("root", tv!(""));
    ctx.insert("mroot", tv!(""));
    ctx.insert("moment", Value::none());
    ctx.insert("title", tv!("Förhandsvisning"));
    ctx.insert("view", tv!("index"));
    ctx.insert("moments", Value::from(list));
    ctx.insert("generator", tv!(format!("steg {}", crate::VERSION)));
    page("index.html".into(), "index.html", ctx)
}

/// Findings by the file they concern, so that each page finds its own without scanning all;
/// worded (in the reader's language) only for the pages rendered.
pub(crate) struct Findings<'a> {
    by_file: std::collections::HashMap<
        &'a std::path::Path,
        Vec<&'a steg_bundle::diagnostic::Diagnostic>,
    >,
    lang: Lang,
}

impl Findings<'_> {
    /// The findings about `file`, as page contexts.
    fn values(&self, file: &std::path::Path) -> Vec<Value> {
        self.by_file
            .get(file)
            .into_iter()
            .flatten()
            .map(|d| {
                let (message, hint) = (d.message(self.lang), d.hint(self.lang));
                tv!({
                    "severity": Value::from_serializable(&d.severity),
                    "code": Value::from_serializable(&d.code),
                    "message": message,
                    "line": d.location.as_ref().map(|l| l.line), "hint": hint,
                })
            })
            .collect()
    }

    fn count(&self, file: &std::path::Path) -> usize {
        self.by_file.get(file).map_or(0, Vec::len)
    }

    /// Adds the findings about `file` to a page's key.
    fn key(&self, file: &std::path::Path, h: &mut impl Hasher) {
        self.by_file.get(file).hash(h);
    }
}

/// What every page of one moment is rendered from.
pub(crate) struct MomentInput<'a> {
    pub m: &'a Moment,
    by_file: Findings<'a>,
    changes: Option<&'a crate::review::DiffReport>,
    /// Over the findings in the moment's folder, in order.
    findings_print: u64,
    /// Per modul id, over the findings in the modul's folder.
    modul_findings: std::collections::HashMap<&'a str, u64>,
}

impl<'a> MomentInput<'a> {
    pub fn new(
        m: &'a Moment,
        findings: &'a Diagnostics,
        changes: Option<&'a crate::review::DiffReport>,
        lang: Lang,
    ) -> Self {
        let mut by_file: std::collections::HashMap<&std::path::Path, Vec<&_>> = Default::default();
        let mut all = std::collections::hash_map::DefaultHasher::new();
        let mut per_modul: std::collections::HashMap<
            &'a str,
            std::collections::hash_map::DefaultHasher,
        > = Default::default();
        let moment_dir = m.source.parent();
        // A modul's folder is a folder of the moment's own: found by name, not by comparing
        // every finding's path with every modul's.
        let modul_dirs: std::collections::HashMap<&std::ffi::OsStr, &str> = m
            .moduler
            .iter()
            .filter_map(|x| Some((x.source.parent()?.file_name()?, x.id.as_str())))
            .collect();
        for d in findings.iter() {
            if let Some(f) = d.file.as_deref() {
                if let Some(inside) = moment_dir.and_then(|dir| f.strip_prefix(dir).ok()) {
                    d.hash(&mut all);
                    let first = inside.components().next().map(|c| c.as_os_str());
                    if let Some(id) = first.and_then(|name| modul_dirs.get(name)) {
                        d.hash(per_modul.entry(id).or_default());
                    }
                }
                by_file.entry(f).or_default().push(d);
            }
        }
        MomentInput {
            m,
            by_file: Findings { by_file, lang },
            changes,
            findings_print: all.finish(),
            modul_findings: per_modul
                .into_iter()
                .map(|(id, h)| (id, h.finish()))
                .collect(),
        }
    }

    /// Over the findings in the folder of modul `id`.
    pub fn modul_findings(&self, id: &str) -> u64 {
        self.modul_findings.get(id).copied().unwrap_or_default()
    }

    /// The moment's own pages (the start page and the overview pages), named but not built.
    pub fn own_pages(&self) -> Vec<PageRef<'a>> {
        vec![
            PageRef::Start,
            PageRef::Behandlare,
            PageRef::Granskning,
            PageRef::Changes,
            PageRef::Dossier,
        ]
    }

    /// The pages of one modul (its own, its avsnitt's and its steg's), named but not built.
    pub fn modul_pages(&self, modul: &'a Modul) -> Vec<PageRef<'a>> {
        let mut pages = vec![PageRef::Modul(modul)];
        pages.extend(modul.avsnitt.iter().map(|a| PageRef::Avsnitt(modul, a)));
        // Previous and next run through every steg of a modul.
        let flat: Vec<(&Avsnitt, &Steg, usize)> = modul
            .avsnitt
            .iter()
            .flat_map(|a| a.steg.iter().enumerate().map(move |(i, s)| (a, &**s, i)))
            .collect();
        for (i, &(avsnitt, steg, position)) in flat.iter().enumerate() {
            pages.push(PageRef::Steg {
                modul,
                avsnitt,
                steg,
                position,
                prev: i.checked_sub(1).map(|j| flat[j].1),
                next: flat.get(i + 1).map(|x| x.1),
            });
        }
        pages
    }

    /// The dossier without its modul sections, for rendering it in parts.
    pub fn dossier_head(&self) -> Page {
        dossier_page(self.m, &self.by_file, true)
    }

    /// One modul section of the dossier (template `dossier-modul.html`, with `x`).
    pub fn dossier_modul(&self, x: &Modul) -> Page {
        let mut ctx = Ctx::default();
        ctx.insert("x", dossier_modul_value(self.m, x, &self.by_file));
        page(String::new(), "dossier-modul.html", ctx)
    }

    /// The page's path in the site.
    pub fn path(&self, page: &PageRef<'_>) -> String {
        let id = &self.m.id;
        match page {
            PageRef::Start => format!("{id}/index.html"),
            PageRef::Behandlare => format!("{id}/behandlare.html"),
            PageRef::Granskning => format!("{id}/granskning.html"),
            PageRef::Changes => format!("{id}/andringar.html"),
            PageRef::Dossier => format!("{id}/dossier.html"),
            PageRef::Modul(x) => format!("{id}/{}", layout::modul_intro(&x.id)),
            PageRef::Avsnitt(x, a) => format!("{id}/{}", layout::avsnitt_intro(&x.id, &a.id)),
            PageRef::Steg { steg, .. } => format!("{id}/{}", layout::steg(&steg.address)),
        }
    }

    pub fn build(&self, page: &PageRef<'_>) -> Page {
        let m = self.m;
        match *page {
            PageRef::Start => start_page(m),
            PageRef::Behandlare => behandlare_page(m),
            PageRef::Granskning => granskning_page(m, &self.by_file),
            PageRef::Changes => changes_page(m, self.changes),
            PageRef::Dossier => dossier_page(m, &self.by_file, false),
            PageRef::Modul(x) => modul_page(m, x),
            PageRef::Avsnitt(x, a) => avsnitt_page(m, x, a),
            PageRef::Steg {
                modul,
                avsnitt,
                steg,
                position,
                prev,
                next,
            } => steg_page(m, modul, avsnitt, steg, position, prev, next, &self.by_file),
        }
    }

    /// A fingerprint of everything the page shows, computed without building it: the page's
    /// own input ([`PageRef`], whose model values hash by their revisions), plus `head`, what
    /// every page of the moment shows, and for a steg its review state and findings; the
    /// overview pages, which show every steg, take `whole` instead.
    pub fn key(&self, page: &PageRef<'_>, head: u64, whole: u64) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (head, page).hash(&mut h);
        match *page {
            PageRef::Start
            | PageRef::Behandlare
            | PageRef::Granskning
            | PageRef::Changes
            | PageRef::Dossier => whole.hash(&mut h),
            PageRef::Modul(_) | PageRef::Avsnitt(..) => {}
            PageRef::Steg { steg, .. } => self.steg_review_key(steg, &mut h),
        }
        h.finish()
    }

    /// What every page of the moment shows (the moment's own fields and media).
    pub fn head_key(&self, salt: u64) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (salt, self.m.head_revision).hash(&mut h);
        h.finish()
    }

    /// What the overview pages show: every modul, avsnitt and steg with its review state and
    /// findings. The moment's revision covers the approvals and every steg's content, which
    /// together decide each review state.
    pub fn whole_key(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.m.revision, self.findings_print).hash(&mut h);
        format!("{:?}", self.changes).hash(&mut h);
        h.finish()
    }

    fn steg_review_key(&self, s: &Steg, h: &mut impl Hasher) {
        use crate::review::{Status, status};
        match status(&self.m.approvals, &s.address, &s.content_hash) {
            Status::Approved(a) => (0u8, a).hash(h),
            Status::Changed(a) => (1u8, a).hash(h),
            Status::Never => 2u8.hash(h),
        }
        self.by_file.key(&s.source, h);
    }
}

/// A page of a moment, named by what it shows; its context is built only when it is rendered.
#[derive(Clone, Copy)]
pub(crate) enum PageRef<'a> {
    Start,
    Behandlare,
    Granskning,
    Changes,
    /// The printable review dossier: every steg in full, for signing off a version.
    Dossier,
    Modul(&'a Modul),
    Avsnitt(&'a Modul, &'a Avsnitt),
    Steg {
        modul: &'a Modul,
        avsnitt: &'a Avsnitt,
        steg: &'a Steg,
        /// Index within the avsnitt.
        position: usize,
        prev: Option<&'a Steg>,
        next: Option<&'a Steg>,
    },
}

impl PageRef<'_> {
    /// A page that lists every steg of the moment: the costly ones, which `steg serve` may
    /// render after the pages an edit changed.
    pub fn is_overview(&self) -> bool {
        matches!(
            self,
            PageRef::Behandlare | PageRef::Granskning | PageRef::Changes | PageRef::Dossier
        )
    }

    fn kind(&self) -> u8 {
        match self {
            PageRef::Start => 0,
            PageRef::Behandlare => 1,
            PageRef::Granskning => 2,
            PageRef::Changes => 3,
            PageRef::Modul(_) => 4,
            PageRef::Avsnitt(..) => 5,
            PageRef::Steg { .. } => 6,
            PageRef::Dossier => 7,
        }
    }
}

/// A page's input, hashed field by field: every field of every variant is named here (no
/// `..`), so a field added to a page is a compile error until its key covers it. Model values
/// hash by revision, which covers everything they were made from.
impl Hash for PageRef<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.kind().hash(h);
        match *self {
            PageRef::Start
            | PageRef::Behandlare
            | PageRef::Granskning
            | PageRef::Changes
            | PageRef::Dossier => {}
            PageRef::Modul(modul) => modul.revision.hash(h),
            PageRef::Avsnitt(modul, avsnitt) => (&modul.id, &modul.title, avsnitt.revision).hash(h),
            PageRef::Steg {
                modul,
                avsnitt,
                steg,
                position,
                prev,
                next,
            } => (
                (&modul.id, &modul.title),
                (&avsnitt.id, &avsnitt.title, avsnitt.steg.len()),
                steg.revision,
                position,
                prev.map(|s| s.revision),
                next.map(|s| s.revision),
            )
                .hash(h),
        }
    }
}

/// `../` repeated for the depth of `path` below the site root.
fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

/// The moment-level fields every page of a moment has.
fn base(m: &Moment, path: &str, view: &str, title: &str) -> Ctx {
    let root = root_of(path);
    let mroot = format!("{root}{}/", m.id);
    let mut ctx = Ctx::default();
    ctx.insert("lang", tv!(m.language));
    ctx.insert("root", tv!(root));
    ctx.insert("mroot", tv!(mroot));
    ctx.insert("view", tv!(view));
    ctx.insert("title", tv!(title));
    ctx.insert(
        "moment",
        tv!({
            "id": m.id, "title": m.title, "version": m.version.to_string(),
            "duration_days": m.duration_days, "summary": m.summary,
            "audience": audience_text(&m.audience.groups),
            "min_age": m.audience.min_age, "proxy_under_age": m.audience.proxy_under_age,
        }),
    );
    ctx
}

fn page(path: String, template: &'static str, ctx: Ctx) -> Page {
    Page {
        path,
        template,
        context: ctx.into_inner(),
    }
}

fn start_page(m: &Moment) -> Page {
    let path = format!("{}/index.html", m.id);
    let mut ctx = base(m, &path, "invanare", &m.title);
    let mut welcome = m.welcome.html.clone();
    for p in &m.placeholders {
        let value = p.example.as_deref().unwrap_or(&p.name);
        welcome = welcome.replace(&format!("{{{{{}}}}}", p.name), &escape(value));
    }
    ctx.insert("welcome_html", tv!(welcome));
    ctx.insert(
        "moduler",
        tv!(m
            .moduler
            .iter()
            .map(|x| modul_summary(x, ""))
            .collect::<Vec<_>>()),
    );
    page(path, "moment.html", ctx)
}

fn modul_summary(x: &Modul, prefix: &str) -> Value {
    let steg: usize = x.avsnitt.iter().map(|a| a.steg.len()).sum();
    tv!({
        "id": x.id, "title": x.title, "summary": x.summary, "steg": steg,
        "avsnitt_count": x.avsnitt.len(),
        "url": format!("{prefix}{}", layout::modul_intro(&x.id)),
        "duration_days": x.duration_days,
        "audience": audience_text(&x.audience),
    })
}

fn steg_link(s: &Steg, from: &str) -> Value {
    tv!({
        "id": s.id, "title": s.title, "address": s.address,
        "type": s.kind.type_name(), "type_label": type_label(s.kind.type_name()),
        "url": layout::relative(from, &layout::steg(&s.address)),
        "for_guardians": is_for_guardians(&s.audience),
    })
}

fn modul_page(m: &Moment, modul: &Modul) -> Page {
    let rel = layout::modul_intro(&modul.id);
    let path = format!("{}/{rel}", m.id);
    let mut ctx = base(m, &path, "invanare", &modul.title);
    let avsnitt: Vec<Value> = modul
        .avsnitt
        .iter()
        .map(|a| {
            tv!({
                "id": a.id, "title": a.title,
                "url": layout::relative(&rel, &layout::avsnitt_intro(&modul.id, &a.id)),
                "steg": a.steg.iter().map(|s| steg_link(s, &rel)).collect::<Vec<_>>(),
            })
        })
        .collect();
    ctx.insert("modul", modul_summary(modul, ""));
    ctx.insert(
        "intro_html",
        tv!(modul.intro.as_ref().map(|d| d.html.as_str())),
    );
    ctx.insert("avsnitt", Value::from(avsnitt));
    ctx.insert(
        "breadcrumbs",
        tv!([{ "title": m.title, "url": layout::relative(&rel, "index.html") }]),
    );
    page(path, "modul.html", ctx)
}

fn avsnitt_page(m: &Moment, modul: &Modul, a: &Avsnitt) -> Page {
    let rel = layout::avsnitt_intro(&modul.id, &a.id);
    let path = format!("{}/{rel}", m.id);
    let mut ctx = base(m, &path, "invanare", &a.title);
    ctx.insert(
        "avsnitt",
        tv!({
            "id": a.id, "title": a.title,
            "intro_html": a.intro.as_ref().map(|d| d.html.as_str()),
            "steg": a.steg.iter().map(|s| steg_link(s, &rel)).collect::<Vec<_>>(),
        }),
    );
    ctx.insert("breadcrumbs",
        tv!([
            { "title": m.title, "url": layout::relative(&rel, "index.html") },
            { "title": modul.title, "url": layout::relative(&rel, &layout::modul_intro(&modul.id)) },
        ]),
    );
    page(path, "avsnitt.html", ctx)
}

#[allow(clippy::too_many_arguments)]
fn steg_page(
    m: &Moment,
    modul: &Modul,
    a: &Avsnitt,
    s: &Steg,
    position: usize,
    prev: Option<&Steg>,
    next: Option<&Steg>,
    findings: &Findings<'_>,
) -> Page {
    let rel = layout::steg(&s.address);
    let path = format!("{}/{rel}", m.id);
    let mut ctx = base(m, &path, "invanare", &s.title);
    let steg = steg_value(m, s);
    let extra = steg_parts(m, s, &rel);
    ctx.insert("steg", merged(steg, tv!({ "parts": extra })));

    ctx.insert(
        "position",
        tv!({ "index": position + 1, "count": a.steg.len() }),
    );
    ctx.insert("breadcrumbs",
        tv!([
            { "title": m.title, "url": layout::relative(&rel, "index.html") },
            { "title": modul.title, "url": layout::relative(&rel, &layout::modul_intro(&modul.id)) },
            { "title": a.title, "url": layout::relative(&rel, &layout::avsnitt_intro(&modul.id, &a.id)) },
        ]),
    );
    let nav = |x: Option<&Steg>| {
        x.map(
            |s| tv!({ "title": s.title, "url": layout::relative(&rel, &layout::steg(&s.address)) }),
        )
    };
    ctx.insert("prev", tv!(nav(prev)));
    ctx.insert("next", tv!(nav(next)));
    ctx.insert("review", review(m, s, findings));
    page(path, "steg.html", ctx)
}

/// The steg itself, as every steg page shows it.
fn steg_value(m: &Moment, s: &Steg) -> Value {
    tv!({
        "id": s.id, "title": s.title, "address": s.address,
        "type": s.kind.type_name(), "type_label": type_label(s.kind.type_name()),
        "html": s.body.html, "words": s.body.words, "placeholder": s.placeholder,
        "reading_minutes": s.body.words.div_ceil(150).max(1),
        "for_guardians": is_for_guardians(&s.audience),
        "audience": audience_text(&s.audience),
        "storage_key": format!("steg:{}:{}:{}", m.id, m.version.major, s.address),
    })
}

/// What the steg's type adds to its page (`steg.parts`): the media, the form, the fields.
/// Media URLs are relative to the page at `rel`.
fn steg_parts(m: &Moment, s: &Steg, rel: &str) -> Value {
    let media_url = |r: &MediaRef| -> String {
        m.media_file(r)
            .map(|f| layout::relative(rel, &f.bundle_path()))
            .unwrap_or_default()
    };
    let source_url = |src: &MediaSource| match src {
        MediaSource::File(r) => {
            tv!({ "url": media_url(r), "type": layout::media_type(&r.0), "external": false })
        }
        MediaSource::Url(u) => tv!({ "url": u, "type": Value::none(), "external": true }),
    };
    match &s.kind {
        StegKind::Text => Value::none(),
        StegKind::Video {
            source,
            captions,
            transcript,
            poster,
            duration_seconds,
            poster_alt,
            captions_language,
            tracks,
        } => tv!({
            "source": source_url(source),
            "captions": media_url(captions),
            "captions_lang": captions_language.as_deref().unwrap_or(&m.language),
            // One `<track>` each, the captions first (and default).
            "tracks": crate::model::text_tracks(m, captions, captions_language, tracks)
                .into_iter()
                .map(|(src, lang, kind, label)| tv!({
                    "url": media_url(src), "lang": lang, "kind": kind.as_str(), "label": label,
                }))
                .collect::<Vec<_>>(),
            "poster_alt": poster_alt,
            "transcript_html": transcript.document.html,
            "poster": poster.as_ref().map(media_url),
            "duration": duration_seconds.map(duration_text),
        }),
        StegKind::Audio {
            source,
            transcript,
            duration_seconds,
        } => tv!({
            "source": source_url(source),
            "transcript_html": transcript.document.html,
            "duration": duration_seconds.map(duration_text),
        }),
        StegKind::Image {
            src,
            alt,
            decorative,
            caption,
        } => tv!({
            "src": media_url(src), "alt": if *decorative { "" } else { alt.as_deref().unwrap_or("") },
            "decorative": decorative, "caption": caption,
        }),
        StegKind::Form(form) => super::value::from_json(super::form::parts(form)),
        StegKind::Exercise { fields } => tv!({ "fields": Value::from_serializable(fields) }),
    }
}

/// The review status of a node, in words for the preview.
fn approval(m: &Moment, address: &str, hash: &str) -> Value {
    use crate::review::{Status, status};
    match status(&m.approvals, address, hash) {
        Status::Approved(a) => tv!({
            "state": "approved", "label": "Godkänd",
            "text": format!("Godkänd av {}{} {}", a.by, a.role.as_ref().map(|r| format!(" ({r})")).unwrap_or_default(), a.date),
            "comment": a.comment,
        }),
        Status::Changed(a) => tv!({
            "state": "changed", "label": "Ändrad",
            "text": format!("Ändrad sedan {} godkände den {}", a.by, a.date),
            "comment": a.comment,
        }),
        Status::Never => {
            tv!({ "state": "never", "label": "Ej granskad", "text": "Aldrig godkänd", "comment": Value::none() })
        }
    }
}

/// What a reviewer sees beside a steg.
fn review(m: &Moment, s: &Steg, findings: &Findings<'_>) -> Value {
    let list = findings.values(&s.source);
    tv!({
        "source": s.source.display().to_string(),
        "hash": s.content_hash,
        "hash_short": &s.content_hash[..12.min(s.content_hash.len())],
        "findings": list,
        "approval": approval(m, &s.address, &s.content_hash),
        "lix": s.lix.map(|l| format!("{l:.0}")),
        "snippets": s.body.snippets,
        "placeholder": s.placeholder,
    })
}

fn behandlare_page(m: &Moment) -> Page {
    let path = format!("{}/behandlare.html", m.id);
    let mut ctx = base(
        m,
        &path,
        "behandlare",
        &format!("{} – behandlarvy", m.title),
    );
    let rel = "behandlare.html";
    let moduler: Vec<Value> = m
        .moduler
        .iter()
        .map(|x| {
            let forms = x
                .avsnitt
                .iter()
                .flat_map(|a| &a.steg)
                .filter(|s| matches!(s.kind, StegKind::Form { .. }))
                .count();
            let avsnitt: Vec<Value> = x
                .avsnitt
                .iter()
                .map(|a| {
                    let steg: Vec<Value> = a.steg.iter().map(|s| steg_link(s, rel)).collect();
                    tv!({ "id": a.id, "title": a.title, "steg": steg })
                })
                .collect();
            merged(
                modul_summary(x, ""),
                tv!({ "forms": forms, "avsnitt": avsnitt }),
            )
        })
        .collect();
    let flags: Vec<Value> = m
        .flags
        .iter()
        .map(|f| {
            tv!({
                "id": f.id, "title": f.title, "message": f.message,
                "recipient": match f.recipient { Recipient::Invanare => "Invånare", Recipient::Behandlare => "Behandlare" },
                "trigger": trigger_text(&f.trigger, m),
            })
        })
        .collect();
    ctx.insert("moduler", Value::from(moduler));
    ctx.insert("flags", Value::from(flags));
    ctx.insert("timeline", sample_timeline(m));
    ctx.insert("placeholders", Value::from_serializable(&m.placeholders));
    page(path, "behandlare.html", ctx)
}

/// The start date of the sample timeline: a fixed Monday, so the preview is the same on every
/// build (`steg timeline --start` gives any other date).
pub(crate) const SAMPLE_START: &str = "2026-01-12";

/// The flags and events for a participant who starts on [`SAMPLE_START`], has every modul
/// activated that day and then does nothing, as `steg timeline` computes them.
fn sample_timeline(m: &Moment) -> Value {
    use steg_bundle::manifest::{ModulEntry, MomentEntry};
    use steg_bundle::timeline::{Date, Participant, timeline};
    let Some(start) = Date::parse(SAMPLE_START) else {
        return Value::none();
    };
    // The timeline reads the schedule only: ids, titles, durations and flags.
    let entry = MomentEntry {
        id: m.id.clone(),
        title: m.title.clone(),
        version: m.version.to_string(),
        language: m.language.clone(),
        summary: None,
        duration_days: m.duration_days,
        audience: m.audience.clone(),
        placeholders: vec![],
        flags: m.flags.clone(),
        welcome: String::new(),
        moduler: m
            .moduler
            .iter()
            .map(|x| ModulEntry {
                id: x.id.clone(),
                title: x.title.clone(),
                summary: String::new(),
                duration_days: x.duration_days,
                audience: vec![],
                intro: None,
                avsnitt: vec![],
            })
            .collect(),
    };
    let recipient = |r: Option<&str>| match r {
        Some("invanare") => "Invånare",
        Some("behandlare") => "Behandlare",
        Some("ombud") => "Ombud",
        _ => "",
    };
    let event = |e: &str| match e {
        "moment_started" => "Programmet startar",
        "modul_activated" => "Modulen startas",
        "modul_ends" => "Modulen stängs",
        "moment_ends" => "Programmet slutar",
        _ => "Flagga",
    };
    let rows: Vec<Value> = timeline(&entry, start, &Participant::default())
        .iter()
        .map(|e| {
            tv!({
                "date": e.date.to_string(), "day": e.day, "event": e.event,
                "event_label": event(e.event), "flag": e.flag,
                "recipient": recipient(e.recipient), "title": e.title,
                "message": e.message,
            })
        })
        .collect();
    tv!({ "start": SAMPLE_START, "events": rows })
}

/// `html` with every heading `by` levels lower (at most `h6`): in the dossier a text stands
/// under the dossier's own headings (modul h2, avsnitt h3, steg h4), and its own `##` must not
/// skip a level after them. The fragments are the sanitizer's output: tags are lower case.
fn demoted(html: &str, by: u8) -> String {
    shift_tags(&shift_tags(html, "<h", by), "</h", by)
}

/// Every `{open}N` in `html` (N a heading level) with N raised by `by`, at most 6.
fn shift_tags(html: &str, open: &str, by: u8) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(open) {
        let after = i + open.len();
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        if let Some(&l) = rest
            .as_bytes()
            .first()
            .filter(|b| (b'1'..=b'6').contains(b))
        {
            out.push(char::from(b'0' + (l - b'0' + by).min(6)));
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The review dossier: every steg of the moment in order, in full (text, media parts,
/// transcript, form questions, fields), with its address, content hash, review state and
/// findings, laid out to be printed or saved as PDF and signed.
/// Stands where the modul sections go in a dossier rendered in parts.
pub(crate) const DOSSIER_MARKER: &str = "<!--steg:dossier-moduler-->";

/// The dossier without its modul sections when `in_parts` (they are rendered one by one with
/// [`MomentInput::dossier_modul`] and put where [`DOSSIER_MARKER`] stands), else whole.
fn dossier_page(m: &Moment, findings: &Findings<'_>, in_parts: bool) -> Page {
    let path = format!("{}/dossier.html", m.id);
    let mut ctx = base(
        m,
        &path,
        "granskning",
        &format!("{} – granskningsunderlag", m.title),
    );
    let (mut approved, mut total) = (0usize, 0usize);
    for (_, _, s) in m.steg() {
        total += 1;
        let status = crate::review::status(&m.approvals, &s.address, &s.content_hash);
        if matches!(status, crate::review::Status::Approved(_)) {
            approved += 1;
        }
    }
    let moduler: Vec<Value> = if in_parts {
        ctx.insert("moduler_marker", tv!(DOSSIER_MARKER));
        Vec::new()
    } else {
        m.moduler
            .iter()
            .map(|x| dossier_modul_value(m, x, findings))
            .collect()
    };
    let moment_findings = findings.values(&m.source);
    ctx.insert("moduler", Value::from(moduler));
    ctx.insert("moment_findings", Value::from(moment_findings));
    ctx.insert(
        "dossier",
        tv!({
            "content_hash": m.content_hash, "steg": total, "approved": approved,
            "welcome": demoted(&m.welcome.html, 1),
        }),
    );
    ctx.insert("flags", Value::from_serializable(&m.flags));
    page(path, "dossier.html", ctx)
}

/// One modul of the dossier: its avsnitt and steg in full.
fn dossier_modul_value(m: &Moment, x: &Modul, findings: &Findings<'_>) -> Value {
    let rel = "dossier.html";
    let avsnitt: Vec<Value> = x
        .avsnitt
        .iter()
        .map(|a| {
            let steg: Vec<Value> = a
                .steg
                .iter()
                .map(|s| {
                    let mut v = merged(steg_value(m, s), review(m, s, findings));
                    let own = layout::steg(&s.address);
                    let mut parts = steg_parts(m, s, rel);
                    if let StegKind::Video { transcript, .. } | StegKind::Audio { transcript, .. } =
                        &s.kind
                    {
                        let html = demoted(
                            &rebased(&transcript.document.html, &layout::transcript(&s.address)),
                            3,
                        );
                        parts = merged(parts, tv!({ "transcript_html": html }));
                    }
                    v = merged(
                        v,
                        tv!({ "parts": parts, "html": demoted(&rebased(&s.body.html, &own), 3) }),
                    );
                    if let StegKind::Form(form) = &s.kind {
                        v = merged(v, tv!({ "questions": dossier_questions(form) }));
                    }
                    v
                })
                .collect();
            let intro = a
                .intro
                .as_ref()
                .map(|d| demoted(&rebased(&d.html, &layout::avsnitt_intro(&x.id, &a.id)), 2));
            tv!({ "id": a.id, "title": a.title, "intro": intro, "steg": steg })
        })
        .collect();
    tv!({
        "id": x.id, "title": x.title, "summary": x.summary,
        "duration_days": x.duration_days,
        "intro": x.intro.as_ref().map(|d| demoted(&rebased(&d.html, &layout::modul_intro(&x.id)), 1)), "avsnitt": avsnitt,
    })
}

/// `html` written for the page at `from` (a bundle path), with its links to other files of
/// the moment made relative to a page at the moment's root instead. steg writes every such
/// link as one `../` per folder of `from` and then the bundle path (`layout::relative`), so
/// that prefix is what goes.
fn rebased(html: &str, from: &str) -> String {
    let prefix = "../".repeat(from.matches('/').count());
    if prefix.is_empty() {
        return html.to_string();
    }
    let mut out = html.to_string();
    for attr in ["href=\"", "src=\""] {
        out = out.replace(&format!("{attr}{prefix}"), attr);
    }
    out
}

/// A form's questions as lines to read on paper: every question (groups' included, in the
/// order asked) with its type, options and their scores, condition and alert.
fn dossier_questions(form: &steg_bundle::manifest::Form) -> Value {
    use steg_bundle::manifest::{AnswerValue, QuestionKind as K};
    let value = |v: &AnswerValue| match v {
        AnswerValue::Bool(true) => "ja".to_string(),
        AnswerValue::Bool(false) => "nej".to_string(),
        AnswerValue::Number(n) => n.to_string(),
        AnswerValue::Text(t) => t.clone(),
    };
    let op = |o: steg_bundle::manifest::Operator| {
        use steg_bundle::manifest::Operator as O;
        match o {
            O::Equals => "är",
            O::NotEquals => "är inte",
            O::Greater => "är större än",
            O::Less => "är mindre än",
            O::Answered => "besvarad:",
        }
    };
    let list: Vec<Value> = steg_bundle::forms::questions_in_order(&form.questions)
        .into_iter()
        .map(|q| {
            let options: Vec<String> = match &q.kind {
                K::SingleChoice { options } | K::MultipleChoice { options } => options
                    .iter()
                    .map(|o| match o.score {
                        Some(sc) => format!("{} ({sc} p)", o.label),
                        None => o.label.clone(),
                    })
                    .collect(),
                K::Scale { min, max, step, .. } => vec![format!("{min}–{max}, steg {step}")],
                _ => vec![],
            };
            let show_if = q.show_if.as_ref().map(|s| {
                s.conditions
                    .iter()
                    .map(|c| format!("{} {} {}", c.question, op(c.operator), value(&c.value)))
                    .collect::<Vec<_>>()
                    .join(if s.behavior == steg_bundle::manifest::Behavior::All {
                        " och "
                    } else {
                        " eller "
                    })
            });
            let alert = q.alert.as_ref().map(|a| {
                format!(
                    "svaret {} {}: {}",
                    op(a.when.operator),
                    value(&a.when.value),
                    a.message
                )
            });
            tv!({
                "id": q.id, "label": q.label, "type": q.kind.type_name(), "required": q.required,
                "help": q.help, "options": options, "show_if": show_if, "alert": alert,
            })
        })
        .collect();
    let scores: Vec<Value> = form
        .scores
        .iter()
        .map(|sc| {
            let bands: Vec<String> =
                sc.bands.iter().map(|b| format!("{}–{}: {}", b.min, b.max, b.label)).collect();
            tv!({
                "id": sc.id, "label": sc.label, "questions": sc.questions.join(", "),
                "min": sc.min, "max": sc.max, "bands": bands,
                "alert": sc.alert.as_ref().map(|a| format!("summan {} {}: {}", op(a.when.operator), value(&a.when.value), a.message)),
            })
        })
        .collect();
    tv!({ "list": list, "scores": scores })
}

fn granskning_page(m: &Moment, findings: &Findings<'_>) -> Page {
    let path = format!("{}/granskning.html", m.id);
    let mut ctx = base(m, &path, "granskning", &format!("{} – granskning", m.title));
    let rows: Vec<Value> = m
        .steg()
        .map(|(modul, _, s)| {
            // The row is the link, the review fields and two more.
            let row = merged(steg_link(s, "granskning.html"), review(m, s, findings));
            merged(row, tv!({ "modul": modul.title, "words": s.body.words }))
        })
        .collect();
    let moment_findings = findings.values(&m.source);
    let steg_findings: usize = m.steg().map(|(_, _, s)| findings.count(&s.source)).sum();
    ctx.insert(
        "totals",
        tv!({
            "steg": rows.len(),
            "findings": steg_findings + moment_findings.len(),
        }),
    );
    ctx.insert("rows", Value::from(rows));
    ctx.insert("moment_findings", Value::from(moment_findings));
    page(path, "granskning.html", ctx)
}

/// The entries of two maps in one.
fn merged(a: Value, b: Value) -> Value {
    let mut map = a.into_map().unwrap_or_default();
    map.extend(b.into_map().unwrap_or_default());
    Value::from(map)
}

fn type_label(t: &str) -> &'static str {
    match t {
        "video" => "Film",
        "audio" => "Ljud",
        "image" => "Bild",
        "form" => "Formulär",
        "exercise" => "Uppgift",
        _ => "Text",
    }
}

fn is_for_guardians(groups: &[AudienceGroup]) -> bool {
    groups == [AudienceGroup::Vardnadshavare]
}

fn audience_text(groups: &[AudienceGroup]) -> String {
    groups
        .iter()
        .map(|g| match g {
            AudienceGroup::Unga => "unga",
            AudienceGroup::Vardnadshavare => "vårdnadshavare",
        })
        .collect::<Vec<_>>()
        .join(" och ")
}

fn trigger_text(t: &Trigger, m: &Moment) -> String {
    let days = |n: u32| {
        if n == 1 {
            "1 dag".to_string()
        } else {
            format!("{n} dagar")
        }
    };
    match t {
        Trigger::MomentStarted => "När programmet startas".into(),
        Trigger::Inactive { days: n } => format!("Efter {} utan aktivitet", days(*n)),
        Trigger::ModulEnds {
            days_before,
            moduler,
        } => {
            let which = if moduler.is_empty() {
                "en modul".to_string()
            } else {
                let titles: Vec<_> = moduler
                    .iter()
                    .filter_map(|id| m.moduler.iter().find(|x| &x.id == id))
                    .map(|x| x.title.as_str())
                    .collect();
                format!("modulen {}", titles.join(", "))
            };
            format!("{} innan {which} avslutas", days(*days_before))
        }
        Trigger::MomentEnds { days_before } => format!(
            "{} innan programmet slutar (dag {} av {})",
            days(*days_before),
            m.duration_days.saturating_sub(*days_before),
            m.duration_days
        ),
    }
}

fn duration_text(seconds: u32) -> String {
    let (min, sec) = (seconds / 60, seconds % 60);
    match (min, sec) {
        (0, s) => format!("{s} sekunder"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Changes for reviewers: what changed since it was approved, and, when an earlier release
/// bundle is at hand, a word-level comparison with it.
fn changes_page(m: &Moment, diff: Option<&crate::review::DiffReport>) -> Page {
    use crate::review::{Word, nodes};
    let path = format!("{}/andringar.html", m.id);
    let mut ctx = base(m, &path, "andringar", &format!("{} – ändringar", m.title));
    let pending: Vec<Value> = nodes(m)
        .iter()
        .filter_map(|n| {
            let approved = matches!(
                crate::review::status(&m.approvals, &n.address, &n.hash),
                crate::review::Status::Approved(_)
            );
            (!approved).then(|| {
                let a = approval(m, &n.address, &n.hash);
                let url = (n.level == "steg").then(|| layout::steg(&n.address));
                tv!({ "address": n.address, "level": n.level, "title": n.title, "approval": a, "url": url })
            })
        })
        .collect();
    ctx.insert("pending", Value::from(pending));
    let diff = diff.map(|r| {
        let changes: Vec<Value> = r
            .changes
            .iter()
            .map(|c| {
                let words: Vec<Value> = c
                    .words
                    .iter()
                    .map(|w| match w {
                        Word::Same(t) => tv!({ "op": "same", "text": t }),
                        Word::Removed(t) => tv!({ "op": "removed", "text": t }),
                        Word::Added(t) => tv!({ "op": "added", "text": t }),
                    })
                    .collect();
                let url = m
                    .steg()
                    .any(|(_, _, s)| s.address == c.subject)
                    .then(|| layout::steg(&c.subject));
                // The page is written in Swedish, so its details are too.
                let details: Vec<String> =
                    c.details.iter().map(|d| d.text(steg_bundle::diagnostic::Lang::Sv)).collect();
                let kind = format!("{:?}", c.kind).to_lowercase();
                let sv = |key: String| steg_bundle::diagnostic::catalogue::ui(steg_bundle::diagnostic::Lang::Sv, &key, &[]);
                tv!({
                    "kind": kind, "subject": c.subject, "title": c.title,
                    "verdict": c.verdict.as_str(), "details": details, "words": words, "url": url,
                    "kind_label": sv(format!("diff-kind-{kind}")),
                    "verdict_label": sv(format!("diff-verdict-{}", c.verdict.as_str())),
                })
            })
            .collect();
        tv!({
            "old_version": r.old_version, "new_version": r.new_version, "verdict": r.verdict.as_str(),
            "verdict_label": steg_bundle::diagnostic::catalogue::ui(steg_bundle::diagnostic::Lang::Sv, &format!("diff-verdict-{}", r.verdict.as_str()), &[]),
            "required_version": r.required_version, "version_ok": r.version_ok, "changes": changes,
        })
    });
    ctx.insert("diff", tv!(diff));
    page(path, "andringar.html", ctx)
}

#[cfg(test)]
mod demoted_tests {
    #[test]
    fn headings_move_down_and_stop_at_six() {
        assert_eq!(
            super::demoted("<h2 id=\"a\">A</h2><p>x</p><h3>B</h3><hr><h5>C</h5>", 3),
            "<h5 id=\"a\">A</h5><p>x</p><h6>B</h6><hr><h6>C</h6>"
        );
    }
}
