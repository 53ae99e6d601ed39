//! What each page of the preview knows: plain data for the templates, with every URL made
//! relative to the page so the site works from any folder and from `file://`.
//!
//! Interface text is Swedish, as the program's readers see it.

use super::Page;
use crate::bundle::manifest::{AudienceGroup, Recipient, Trigger};
use crate::diagnostic::{Diagnostics, Lang};
use crate::model::{MediaRef, MediaSource, Modul, Moment, Steg, StegKind, layout};
use serde_json::{Value, json};

/// The site's start page: the programs it holds.
pub(crate) fn site_index(moments: &[Moment]) -> Page {
    let list: Vec<Value> = moments
        .iter()
        .map(|m| {
            let steg = m.steg().count();
            json!({
                "id": m.id, "title": m.title, "version": m.version.to_string(),
                "summary": m.summary, "moduler": m.moduler.len(), "steg": steg,
                "url": format!("{}/index.html", m.id),
                "behandlare_url": format!("{}/behandlare.html", m.id),
                "granskning_url": format!("{}/granskning.html", m.id),
            })
        })
        .collect();
    Page {
        path: "index.html".into(),
        template: "index.html",
        context: json!({
            "lang": moments.first().map_or("sv", |m| m.language.as_str()),
            "root": "", "mroot": "", "moment": Value::Null, "title": "Förhandsvisning",
            "view": "index", "moments": list,
            "generator": format!("steg {}", crate::VERSION),
        }),
    }
}

/// Findings by the file they concern, so that each page finds its own without scanning all.
/// Each finding is its page context: severity, code, message, line and hint, in one language.
type ByFile<'a> = std::collections::HashMap<&'a std::path::Path, Vec<Value>>;

/// Every page of one moment.
pub(crate) fn moment_pages(
    m: &Moment,
    findings: &Diagnostics,
    changes: Option<&crate::review::DiffReport>,
    lang: Lang,
) -> Vec<Page> {
    use rayon::prelude::*;
    let mut by_file: ByFile<'_> = std::collections::HashMap::new();
    for d in findings.iter() {
        if let Some(f) = d.file.as_deref() {
            by_file.entry(f).or_default().push(json!({
                "severity": d.severity, "code": d.code, "message": d.message(lang),
                "line": d.location.as_ref().map(|l| l.line), "hint": d.hint(lang),
            }));
        }
    }
    let mut pages = vec![
        start_page(m),
        behandlare_page(m),
        granskning_page(m, &by_file),
        changes_page(m, changes),
    ];
    // Flat list for previous/next through every steg of a modul.
    type Nav<'a> = Option<(&'a crate::model::Avsnitt, &'a Steg)>;
    let mut steg: Vec<(&Modul, &crate::model::Avsnitt, &Steg, Nav<'_>, Nav<'_>)> = Vec::new();
    for modul in &m.moduler {
        pages.push(modul_page(m, modul));
        let flat: Vec<(&crate::model::Avsnitt, &Steg)> = modul
            .avsnitt
            .iter()
            .flat_map(|a| a.steg.iter().map(move |s| (a, s)))
            .collect();
        for a in &modul.avsnitt {
            pages.push(avsnitt_page(m, modul, a));
        }
        for (i, (a, s)) in flat.iter().enumerate() {
            let prev = i.checked_sub(1).map(|j| flat[j]);
            let next = flat.get(i + 1).copied();
            steg.push((modul, a, s, prev, next));
        }
    }
    pages.par_extend(
        steg.into_par_iter()
            .map(|(modul, a, s, prev, next)| steg_page(m, modul, a, s, prev, next, &by_file)),
    );
    pages
}

/// `../` repeated for the depth of `path` below the site root.
fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

/// The moment-level fields every page of a moment has.
fn base(m: &Moment, path: &str, view: &str, title: &str) -> serde_json::Map<String, Value> {
    let root = root_of(path);
    let mroot = format!("{root}{}/", m.id);
    let mut map = serde_json::Map::new();
    map.insert("lang".into(), json!(m.language));
    map.insert("root".into(), json!(root));
    map.insert("mroot".into(), json!(mroot));
    map.insert("view".into(), json!(view));
    map.insert("title".into(), json!(title));
    map.insert(
        "moment".into(),
        json!({
            "id": m.id, "title": m.title, "version": m.version.to_string(),
            "duration_days": m.duration_days, "summary": m.summary,
            "audience": audience_text(&m.audience.groups),
            "min_age": m.audience.min_age, "proxy_under_age": m.audience.proxy_under_age,
        }),
    );
    map
}

fn page(path: String, template: &'static str, map: serde_json::Map<String, Value>) -> Page {
    Page {
        path,
        template,
        context: Value::Object(map),
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
    ctx.insert("welcome_html".into(), json!(welcome));
    ctx.insert(
        "moduler".into(),
        json!(
            m.moduler
                .iter()
                .map(|x| modul_summary(x, ""))
                .collect::<Vec<_>>()
        ),
    );
    page(path, "moment.html", ctx)
}

fn modul_summary(x: &Modul, prefix: &str) -> Value {
    let steg: usize = x.avsnitt.iter().map(|a| a.steg.len()).sum();
    json!({
        "id": x.id, "title": x.title, "summary": x.summary, "steg": steg,
        "avsnitt_count": x.avsnitt.len(),
        "url": format!("{prefix}{}", layout::modul_intro(&x.id)),
        "duration_days": x.duration_days,
        "audience": audience_text(&x.audience),
    })
}

fn steg_link(s: &Steg, from: &str) -> Value {
    json!({
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
            json!({
                "id": a.id, "title": a.title,
                "url": layout::relative(&rel, &layout::avsnitt_intro(&modul.id, &a.id)),
                "steg": a.steg.iter().map(|s| steg_link(s, &rel)).collect::<Vec<_>>(),
            })
        })
        .collect();
    ctx.insert("modul".into(), modul_summary(modul, ""));
    ctx.insert(
        "intro_html".into(),
        json!(modul.intro.as_ref().map(|d| d.html.as_str())),
    );
    ctx.insert("avsnitt".into(), json!(avsnitt));
    ctx.insert(
        "breadcrumbs".into(),
        json!([{ "title": m.title, "url": layout::relative(&rel, "index.html") }]),
    );
    page(path, "modul.html", ctx)
}

fn avsnitt_page(m: &Moment, modul: &Modul, a: &crate::model::Avsnitt) -> Page {
    let rel = layout::avsnitt_intro(&modul.id, &a.id);
    let path = format!("{}/{rel}", m.id);
    let mut ctx = base(m, &path, "invanare", &a.title);
    ctx.insert(
        "avsnitt".into(),
        json!({
            "id": a.id, "title": a.title,
            "intro_html": a.intro.as_ref().map(|d| d.html.as_str()),
            "steg": a.steg.iter().map(|s| steg_link(s, &rel)).collect::<Vec<_>>(),
        }),
    );
    ctx.insert(
        "breadcrumbs".into(),
        json!([
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
    a: &crate::model::Avsnitt,
    s: &Steg,
    prev: Option<(&crate::model::Avsnitt, &Steg)>,
    next: Option<(&crate::model::Avsnitt, &Steg)>,
    findings: &ByFile<'_>,
) -> Page {
    let rel = layout::steg(&s.address);
    let path = format!("{}/{rel}", m.id);
    let mut ctx = base(m, &path, "invanare", &s.title);
    let media_url = |r: &MediaRef| -> String {
        m.media_file(r)
            .map(|f| layout::relative(&rel, &f.bundle_path()))
            .unwrap_or_default()
    };
    let source_url = |src: &MediaSource| match src {
        MediaSource::File(r) => {
            json!({ "url": media_url(r), "type": layout::media_type(&r.0), "external": false })
        }
        MediaSource::Url(u) => json!({ "url": u, "type": Value::Null, "external": true }),
    };
    let mut steg = json!({
        "id": s.id, "title": s.title, "address": s.address,
        "type": s.kind.type_name(), "type_label": type_label(s.kind.type_name()),
        "html": s.body.html, "words": s.body.words,
        "reading_minutes": s.body.words.div_ceil(150).max(1),
        "for_guardians": is_for_guardians(&s.audience),
        "audience": audience_text(&s.audience),
        "storage_key": format!("steg:{}:{}:{}", m.id, m.version.major, s.address),
    });
    let extra = match &s.kind {
        StegKind::Text => Value::Null,
        StegKind::Video {
            source,
            captions,
            transcript,
            poster,
            duration_seconds,
        } => json!({
            "source": source_url(source),
            "captions": media_url(captions),
            "captions_lang": m.language,
            "transcript_html": transcript.document.html,
            "poster": poster.as_ref().map(media_url),
            "duration": duration_seconds.map(duration_text),
        }),
        StegKind::Audio {
            source,
            transcript,
            duration_seconds,
        } => json!({
            "source": source_url(source),
            "transcript_html": transcript.document.html,
            "duration": duration_seconds.map(duration_text),
        }),
        StegKind::Image {
            src,
            alt,
            decorative,
            caption,
        } => json!({
            "src": media_url(src), "alt": if *decorative { "" } else { alt.as_deref().unwrap_or("") },
            "decorative": decorative, "caption": caption,
        }),
        StegKind::Form(form) => super::form::parts(form),
        StegKind::Exercise { fields } => json!({ "fields": fields }),
    };
    merge(&mut steg, json!({ "parts": extra }));
    ctx.insert("steg".into(), steg);

    let position = a.steg.iter().position(|x| x.id == s.id).unwrap_or(0);
    ctx.insert(
        "position".into(),
        json!({ "index": position + 1, "count": a.steg.len() }),
    );
    ctx.insert(
        "breadcrumbs".into(),
        json!([
            { "title": m.title, "url": layout::relative(&rel, "index.html") },
            { "title": modul.title, "url": layout::relative(&rel, &layout::modul_intro(&modul.id)) },
            { "title": a.title, "url": layout::relative(&rel, &layout::avsnitt_intro(&modul.id, &a.id)) },
        ]),
    );
    let nav = |x: Option<(&crate::model::Avsnitt, &Steg)>| {
        x.map(|(_, s)| json!({ "title": s.title, "url": layout::relative(&rel, &layout::steg(&s.address)) }))
    };
    ctx.insert("prev".into(), json!(nav(prev)));
    ctx.insert("next".into(), json!(nav(next)));
    ctx.insert("review".into(), review(m, s, findings));
    page(path, "steg.html", ctx)
}

/// The review status of a node, in words for the preview.
fn approval(m: &Moment, address: &str, hash: &str) -> Value {
    use crate::review::{Status, status};
    match status(&m.approvals, address, hash) {
        Status::Approved(a) => json!({
            "state": "approved", "label": "Godkänd",
            "text": format!("Godkänd av {}{} {}", a.by, a.role.as_ref().map(|r| format!(" ({r})")).unwrap_or_default(), a.date),
            "comment": a.comment,
        }),
        Status::Changed(a) => json!({
            "state": "changed", "label": "Ändrad",
            "text": format!("Ändrad sedan {} godkände den {}", a.by, a.date),
            "comment": a.comment,
        }),
        Status::Never => {
            json!({ "state": "never", "label": "Ej granskad", "text": "Aldrig godkänd", "comment": Value::Null })
        }
    }
}

/// What a reviewer sees beside a steg.
fn review(m: &Moment, s: &Steg, findings: &ByFile<'_>) -> Value {
    let list: Vec<Value> = findings
        .get(s.source.as_path())
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    json!({
        "source": s.source.display().to_string(),
        "hash": s.content_hash,
        "hash_short": &s.content_hash[..12.min(s.content_hash.len())],
        "findings": list,
        "approval": approval(m, &s.address, &s.content_hash),
        "lix": s.lix.map(|l| format!("{l:.0}")),
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
            let mut v = modul_summary(x, "");
            merge(
                &mut v,
                json!({
                    "forms": x.avsnitt.iter().flat_map(|a| &a.steg).filter(|s| matches!(s.kind, StegKind::Form { .. })).count(),
                    "avsnitt": x.avsnitt.iter().map(|a| json!({
                        "id": a.id, "title": a.title,
                        "steg": a.steg.iter().map(|s| steg_link(s, rel)).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                }),
            );
            v
        })
        .collect();
    let flags: Vec<Value> = m
        .flags
        .iter()
        .map(|f| {
            json!({
                "id": f.id, "title": f.title, "message": f.message,
                "recipient": match f.recipient { Recipient::Invanare => "Invånare", Recipient::Behandlare => "Behandlare" },
                "trigger": trigger_text(&f.trigger, m),
            })
        })
        .collect();
    ctx.insert("moduler".into(), json!(moduler));
    ctx.insert("flags".into(), json!(flags));
    ctx.insert("placeholders".into(), json!(m.placeholders));
    page(path, "behandlare.html", ctx)
}

fn granskning_page(m: &Moment, findings: &ByFile<'_>) -> Page {
    let path = format!("{}/granskning.html", m.id);
    let mut ctx = base(m, &path, "granskning", &format!("{} – granskning", m.title));
    let rows: Vec<Value> = m
        .steg()
        .map(|(modul, _, s)| {
            let mut v = steg_link(s, "granskning.html");
            let r = review(m, s, findings);
            merge(
                &mut v,
                json!({
                    "modul": modul.title, "source": r["source"], "hash": r["hash"],
                    "hash_short": r["hash_short"], "findings": r["findings"], "words": s.body.words,
                    "approval": r["approval"], "lix": r["lix"],
                }),
            );
            v
        })
        .collect();
    let moment_findings: Vec<Value> = findings
        .get(m.source.as_path())
        .into_iter()
        .flatten()
        .map(|d| json!({ "severity": d["severity"], "code": d["code"], "message": d["message"], "line": d["line"] }))
        .collect();
    ctx.insert("rows".into(), json!(rows));
    ctx.insert("moment_findings".into(), json!(moment_findings));
    ctx.insert(
        "totals".into(),
        json!({
            "steg": rows.len(),
            "findings": rows.iter().map(|r| r["findings"].as_array().map_or(0, Vec::len)).sum::<usize>() + moment_findings.len(),
        }),
    );
    page(path, "granskning.html", ctx)
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        a.extend(b);
    }
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
            let a = approval(m, &n.address, &n.hash);
            (a["state"] != "approved").then(|| {
                let url = (n.level == "steg").then(|| layout::steg(&n.address));
                json!({ "address": n.address, "level": n.level, "title": n.title, "approval": a, "url": url })
            })
        })
        .collect();
    ctx.insert("pending".into(), json!(pending));
    let diff = diff.map(|r| {
        let changes: Vec<Value> = r
            .changes
            .iter()
            .map(|c| {
                let words: Vec<Value> = c
                    .words
                    .iter()
                    .map(|w| match w {
                        Word::Same(t) => json!({ "op": "same", "text": t }),
                        Word::Removed(t) => json!({ "op": "removed", "text": t }),
                        Word::Added(t) => json!({ "op": "added", "text": t }),
                    })
                    .collect();
                let url = m
                    .steg()
                    .any(|(_, _, s)| s.address == c.subject)
                    .then(|| layout::steg(&c.subject));
                json!({
                    "kind": format!("{:?}", c.kind).to_lowercase(), "subject": c.subject, "title": c.title,
                    "verdict": c.verdict.as_str(), "details": c.details, "words": words, "url": url,
                })
            })
            .collect();
        json!({
            "old_version": r.old_version, "new_version": r.new_version, "verdict": r.verdict.as_str(),
            "required_version": r.required_version, "version_ok": r.version_ok, "changes": changes,
        })
    });
    ctx.insert("diff".into(), json!(diff));
    page(path, "andringar.html", ctx)
}
