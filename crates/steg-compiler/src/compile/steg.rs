//! A steg: checking the fields its type needs and building the typed value.

use super::moment::dedup;
use super::{Ctx, Parsed, nonempty_slug, render_body};
use crate::front::*;
use crate::markdown;
use crate::model::{Document, MediaRef, MediaSource, Steg, StegKind, Track, Transcript};
use crate::source::{self, PathProblem, resolve_path};
use serde_saphyr::Spanned;
use std::collections::HashMap;
use steg_bundle::diagnostic::{Diagnostic, Diagnostics, Location, codes::*};
use steg_bundle::ids::is_valid_id;
use steg_bundle::layout;
use steg_bundle::manifest::{AudienceGroup, ExerciseField, TrackKind, TranscriptKind};

pub(super) fn build_steg(
    id: String,
    address: String,
    p: &Parsed<StegFront>,
    parent_audience: &[AudienceGroup],
    ctx: &Ctx<'_>,
    revision: crate::model::Revision,
    d: &mut Diagnostics,
) -> Option<Steg> {
    let f = &p.front;
    let (type_name, allowed) = steg_type(p, d)?;
    warn_unused_fields(p, type_name, allowed, d);

    let body = render_body(p, &layout::steg(&address), ctx, d);
    let check = StegCheck {
        p,
        type_name,
        ctx,
        address: &address,
    };
    let kind = check.kind(&body, d)?;
    let audience = f
        .audience
        .clone()
        .map(dedup)
        .unwrap_or_else(|| parent_audience.to_vec());
    let inputs = hash_inputs(&body, &kind, ctx);
    let declared = f.placeholder.as_ref().is_some_and(|s| s.value);
    if let Some(at) = f.placeholder.as_ref().filter(|s| s.value) {
        // Declared on purpose (a film not recorded yet): a note while working, which keeps
        // `steg check` quiet; the release refuses it all the same (E1220).
        let mut note = Diagnostic::new(W1120, "declared")
            .arg("what", &f.title)
            .in_file(&p.file)
            .at_opt(p.at(at));
        note.severity = steg_bundle::diagnostic::Severity::Note;
        d.push(note);
    }
    let placeholder = declared
        || crate::check::text::STAND_IN_TEXTS
            .iter()
            .any(|t| p.text.contains(t))
        || kind
            .media_refs()
            .iter()
            .any(|r| crate::check::text::is_stand_in_media(&r.0));
    let lix = body.lix;
    d.extend(crate::check::steg(
        &crate::check::StegText {
            file: &p.file,
            text: &p.text,
            body_offset: p.body_offset,
            audience: &audience,
            prose: matches!(kind, StegKind::Text | StegKind::Exercise { .. }),
            lix,
            headings: &body.headings,
        },
        ctx.checks,
    ));
    let moved_from = moved_from(p, &address, d);
    Some(Steg {
        revision,
        id,
        address,
        title: f.title.clone(),
        allow: allows(p),
        placeholder,
        audience,
        content_hash: super::hash::content_hash(&p.text, &inputs),
        lix: matches!(kind, StegKind::Text | StegKind::Exercise { .. })
            .then_some(lix)
            .filter(|l| l.words >= 50)
            .map(|l| l.score()),
        moved_from,
        text_print: crate::model::Revision::of((&body.html, format!("{kind:?}"))),
        body,
        kind,
        source: p.file.clone(),
    })
}

/// `moved_from:`: each an address `modul/avsnitt/steg` of valid ids, and not the steg's own.
fn moved_from(p: &Parsed<StegFront>, own: &str, d: &mut Diagnostics) -> Vec<String> {
    let mut out = Vec::new();
    for a in p.front.moved_from.iter().flatten() {
        let v = a.value.trim();
        let parts: Vec<&str> = v.split('/').collect();
        let ok = parts.len() == 3 && parts.iter().all(|x| steg_bundle::ids::is_valid_id(x));
        if !ok || v == own {
            d.push(
                Diagnostic::new(E0301, "moved-from")
                    .arg("value", v)
                    .in_file(&p.file)
                    .at_opt(p.at(a)),
            );
        } else if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    out
}

/// The steg's type (`text` when it names none) and the fields that type takes, or `None`
/// for a type steg does not know (reported).
fn steg_type<'p>(
    p: &'p Parsed<StegFront>,
    d: &mut Diagnostics,
) -> Option<(&'p str, &'static [&'static str])> {
    let f = &p.front;
    let type_name = f.kind.as_ref().map_or("text", |k| k.value.as_str());
    if let Some((_, allowed)) = crate::front::STEG_TYPE_FIELDS
        .iter()
        .find(|(t, _)| *t == type_name)
    {
        return Some((type_name, allowed));
    }
    let k = f.kind.as_ref()?;
    let known: Vec<_> = crate::front::STEG_TYPE_FIELDS
        .iter()
        .map(|(t, _)| *t)
        .collect();
    d.push(
        Diagnostic::new(E0401, "unknown")
            .arg("value", &k.value)
            .arg("known", known.join(", "))
            .in_file(&p.file)
            .at_opt(p.at(k)),
    );
    None
}

/// What the steg's content hash covers besides its file: the media its text embeds, and
/// the hashes of the media files its type uses.
fn hash_inputs(body: &Document, kind: &StegKind, ctx: &Ctx<'_>) -> Vec<String> {
    let mut inputs: Vec<String> = body.media.clone();
    inputs.extend(
        kind.media_refs()
            .into_iter()
            // `ctx.media` is sorted by `rel`.
            .filter_map(|r| {
                let i = ctx
                    .media
                    .binary_search_by(|m| m.rel.as_str().cmp(&r.0))
                    .ok()?;
                ctx.media.get(i)
            })
            .map(|m| m.sha256.clone()),
    );
    // The snippets it shows: editing one makes every steg that shows it changed since
    // approval. Last, so that a steg without snippets keeps its hash.
    inputs.extend(ctx.snippets.hash_inputs(&body.snippets));
    inputs
}

/// The findings the steg's `allow:` lets stand, with where each is written.
fn allows(p: &Parsed<StegFront>) -> Vec<crate::model::Allow> {
    p.front
        .allow
        .iter()
        .flatten()
        .map(|a| crate::model::Allow {
            code: a.code.value.trim().to_string(),
            reason: a.reason.clone(),
            location: p.at(&a.code),
        })
        .collect()
}

fn warn_unused_fields(
    p: &Parsed<StegFront>,
    type_name: &str,
    allowed: &[&str],
    d: &mut Diagnostics,
) {
    let f = &p.front;
    let present: [(&str, Option<Option<Location>>); 18] = [
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
        ("scores", f.scores.as_ref().map(|v| p.at(v))),
        ("instrument", f.instrument.as_ref().map(|v| p.at(v))),
        ("fields", f.fields.as_ref().map(|v| p.at(v))),
        ("poster_alt", f.poster_alt.as_ref().map(|_| None)),
        (
            "captions_language",
            f.captions_language.as_ref().map(|v| p.at(v)),
        ),
        ("tracks", f.tracks.as_ref().map(|v| p.at(v))),
        (
            "transcript_language",
            f.transcript_language.as_ref().map(|v| p.at(v)),
        ),
        (
            "transcript_kind",
            f.transcript_kind.as_ref().map(|v| p.at(v)),
        ),
    ];
    for (name, at) in present {
        if let Some(at) = at
            && !allowed.contains(&name)
        {
            d.push(
                Diagnostic::new(W0403, "unused")
                    .arg("type", type_name)
                    .arg("field", name)
                    .arg(
                        "types",
                        crate::front::STEG_TYPE_FIELDS
                            .iter()
                            .filter(|(_, fs)| fs.contains(&name))
                            .map(|(t, _)| *t)
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                    .in_file(&p.file)
                    .at_opt(at),
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
    /// `field` is also the message's key in the catalogue, which says what the field holds.
    fn missing(&self, field: &'static str, d: &mut Diagnostics) {
        d.push(
            Diagnostic::new(E0402, field)
                .arg("type", self.type_name)
                .arg("field", field)
                .in_file(&self.p.file)
                .at(self.p.top()),
        );
    }

    /// `kind` is the catalogue key (`text` or `exercise`), which says what the text should hold.
    /// The typed content of the steg, checked for what its type needs.
    fn kind(&self, body: &Document, d: &mut Diagnostics) -> Option<StegKind> {
        match self.type_name {
            "video" => self.video(d),
            "audio" => self.audio(d),
            "image" => self.image(d),
            "form" => self.form(d),
            "exercise" => {
                self.require_body(body, "exercise", d);
                Some(StegKind::Exercise {
                    fields: self.exercise_fields(d),
                })
            }
            _ => {
                self.require_body(body, "text", d);
                Some(StegKind::Text)
            }
        }
    }

    fn require_body(&self, body: &Document, kind: &'static str, d: &mut Diagnostics) {
        if body.is_empty() {
            d.push(
                Diagnostic::new(E0404, kind)
                    .arg("type", self.type_name)
                    .in_file(&self.p.file)
                    .at(self.p.body_start()),
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
                    Diagnostic::new(E0602, "field")
                        .arg("field", field)
                        .arg("value", &value.value)
                        .in_file(&self.p.file)
                        .at_opt(at),
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
                Diagnostic::new(E0601, "field")
                    .arg("field", field)
                    .arg("value", &value.value)
                    .arg("path", &rel)
                    .in_file(&self.p.file)
                    .at_opt(at),
            );
            return None;
        }
        if crate::check::text::is_stand_in_media(&rel)
            && !self.p.front.placeholder.as_ref().is_some_and(|s| s.value)
        {
            d.push(
                Diagnostic::new(W1120, "media")
                    .arg("what", &rel)
                    .in_file(&self.p.file)
                    .at_opt(at.clone()),
            );
        }
        let ext = rel.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        if !kinds.contains(&ext.as_str()) {
            d.push(
                Diagnostic::new(E0604, "ending")
                    .arg("field", field)
                    .arg("kinds", kinds.join("/"))
                    .arg("ext", &ext)
                    .arg("endings", kinds.join(", ."))
                    .in_file(&self.p.file)
                    .at_opt(at),
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
                        Diagnostic::new(E0205, "url")
                            .arg("value", u)
                            .in_file(&self.p.file)
                            .at_opt(self.p.at(url)),
                    );
                    None
                }
            }
            (Some(src), Some(_)) => {
                d.push(
                    Diagnostic::new(E0406, "both")
                        .arg("type", self.type_name)
                        .in_file(&self.p.file)
                        .at_opt(self.p.at(src)),
                );
                None
            }
            (None, None) => {
                d.push(
                    Diagnostic::new(E0406, "neither")
                        .arg("type", self.type_name)
                        .in_file(&self.p.file)
                        .at(self.p.top()),
                );
                None
            }
        }
    }

    fn transcript(&self, d: &mut Diagnostics) -> Option<Transcript> {
        let Some(t) = &self.p.front.transcript else {
            self.missing("transcript", d);
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
        // `steg new`'s stand-in transcript, not yet rewritten.
        d.extend(crate::check::text::stand_ins(&media.path, &parsed));
        if document.is_empty() {
            d.push(Diagnostic::new(E0404, "transcript").in_file(&media.path));
        }
        Some(Transcript {
            file,
            document,
            language: self.language(self.p.front.transcript_language.as_ref(), d),
            kind: self.transcript_kind(d),
        })
    }

    /// `transcript_kind:`, when given: one of [`TranscriptKind::ALL`].
    fn transcript_kind(&self, d: &mut Diagnostics) -> Option<TranscriptKind> {
        let k = self.p.front.transcript_kind.as_ref()?;
        let found = TranscriptKind::ALL
            .into_iter()
            .find(|t| t.as_str() == k.value.trim());
        if found.is_none() {
            d.push(
                Diagnostic::new(E0408, "transcript-kind")
                    .arg("value", &k.value)
                    .arg(
                        "allowed",
                        TranscriptKind::ALL.map(TranscriptKind::as_str).join(", "),
                    )
                    .in_file(&self.p.file)
                    .at_opt(self.p.at(k)),
            );
        }
        found
    }

    fn captions(&self, d: &mut Diagnostics) -> Option<MediaRef> {
        let Some(c) = &self.p.front.captions else {
            self.missing("captions", d);
            return None;
        };
        self.vtt("captions", c, d)
    }

    /// A WebVTT file named by `field`: it exists, ends in `.vtt`, starts as WebVTT, and its
    /// cue lines are checked.
    fn vtt(&self, field: &str, c: &Spanned<String>, d: &mut Diagnostics) -> Option<MediaRef> {
        let r = self.file(field, c, &["vtt"], d)?;
        let media = self.ctx.media.iter().find(|m| m.rel == r.0)?;
        // Read whole for the checks of its lines (captions are small text; the file was checked
        // to be a plain file within the limits when it was hashed); past 16 MiB only its start
        // is looked at.
        const CAPTIONS_READ: u64 = 16 * 1024 * 1024;
        let head = crate::source::safe::read_limited(&media.path, CAPTIONS_READ)
            .or_else(|_| crate::source::safe::read_head(&media.path, 16))
            .unwrap_or_default();
        let head = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&head);
        if !head.starts_with(b"WEBVTT") {
            d.push(
                Diagnostic::new(E0604, "webvtt")
                    .arg("value", &c.value)
                    .in_file(&self.p.file)
                    .at_opt(self.p.at(c)),
            );
            return None;
        }
        let text = String::from_utf8_lossy(head);
        d.extend(crate::check::text::caption_lines(&media.path, &text));
        d.extend(crate::check::text::stand_ins(&media.path, &text));
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
        let duration_seconds = self.duration(d);
        let captions_language = self.language(f.captions_language.as_ref(), d);
        let tracks = self.tracks(captions_language.as_deref(), d);
        Some(StegKind::Video {
            source: source?,
            captions: captions?,
            transcript: transcript?,
            poster,
            duration_seconds: Some(duration_seconds?),
            poster_alt: f.poster_alt.clone().filter(|a| !a.trim().is_empty()),
            captions_language,
            tracks: tracks?,
        })
    }

    /// `duration_seconds:`, required for video and audio: the platform shows it before the
    /// young person starts, and a plan for the day needs it.
    fn duration(&self, d: &mut Diagnostics) -> Option<u32> {
        match &self.p.front.duration_seconds {
            Some(s) if s.value > 0 => Some(s.value),
            Some(s) => {
                d.push(
                    Diagnostic::new(E0407, "zero")
                        .in_file(&self.p.file)
                        .at_opt(self.p.at(s)),
                );
                None
            }
            None => {
                d.push(
                    Diagnostic::new(E0407, "missing")
                        .arg("type", self.type_name)
                        .in_file(&self.p.file)
                        .at(self.p.top()),
                );
                None
            }
        }
    }

    /// `tracks:`, the text tracks besides the captions: each a WebVTT file with a language
    /// tag and a kind, no two of the same kind and language (the captions included).
    fn tracks(&self, captions_language: Option<&str>, d: &mut Diagnostics) -> Option<Vec<Track>> {
        let Some(list) = &self.p.front.tracks else {
            return Some(Vec::new());
        };
        let mut ok = true;
        let mut out = Vec::new();
        let moment_language = self.ctx.language;
        let mut seen: Vec<(String, TrackKind)> = vec![(
            captions_language
                .unwrap_or(moment_language)
                .to_ascii_lowercase(),
            TrackKind::Captions,
        )];
        for t in &list.value {
            let src = self.vtt("src", &t.src, d);
            let language = self.language(Some(&t.language), d);
            let kind = match &t.kind {
                None => Some(TrackKind::Subtitles),
                Some(k) => {
                    let found = TrackKind::ALL
                        .into_iter()
                        .find(|x| x.as_str() == k.value.trim());
                    if found.is_none() {
                        d.push(
                            Diagnostic::new(E0408, "track-kind")
                                .arg("value", &k.value)
                                .arg("allowed", TrackKind::ALL.map(TrackKind::as_str).join(", "))
                                .in_file(&self.p.file)
                                .at_opt(self.p.at(k)),
                        );
                    }
                    found
                }
            };
            let (Some(src), Some(language), Some(kind)) = (src, language, kind) else {
                ok = false;
                continue;
            };
            let key = (language.to_ascii_lowercase(), kind);
            if seen.contains(&key) {
                d.push(
                    Diagnostic::new(E0408, "track-twice")
                        .arg("kind", kind.as_str())
                        .arg("language", &language)
                        .in_file(&self.p.file)
                        .at_opt(self.p.at(&t.src)),
                );
                ok = false;
                continue;
            }
            seen.push(key);
            out.push(Track {
                src,
                language,
                kind,
                label: t
                    .label
                    .clone()
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty()),
            });
        }
        ok.then_some(out)
    }

    /// A language field (`captions_language:`, a track's `language:` …), a language tag,
    /// when given.
    fn language(&self, l: Option<&Spanned<String>>, d: &mut Diagnostics) -> Option<String> {
        let l = l?;
        if super::moment::is_language_tag(l.value.trim()) {
            Some(l.value.trim().to_string())
        } else {
            d.push(
                Diagnostic::new(E0304, "tag")
                    .arg("value", &l.value)
                    .in_file(&self.p.file)
                    .at_opt(self.p.at(l)),
            );
            None
        }
    }

    fn audio(&self, d: &mut Diagnostics) -> Option<StegKind> {
        let source = self.source(AUDIO_EXT, d);
        let transcript = self.transcript(d);
        let duration_seconds = self.duration(d);
        Some(StegKind::Audio {
            source: source?,
            transcript: transcript?,
            duration_seconds: Some(duration_seconds?),
        })
    }

    fn image(&self, d: &mut Diagnostics) -> Option<StegKind> {
        let f = &self.p.front;
        let src = match &f.src {
            Some(s) => self.file("src", s, IMAGE_EXT, d),
            None => {
                self.missing("src", d);
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
                Diagnostic::new(E0405, "no-alt")
                    .in_file(&self.p.file)
                    .at_opt(
                        f.alt
                            .as_ref()
                            .and_then(|a| self.p.at(a))
                            .or(Some(self.p.top())),
                    ),
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
            self.missing("questions", d);
            return None;
        };
        super::form::build(self.p, questions, d).map(StegKind::Form)
    }

    /// `what` is the catalogue key for the kind of item (`field`).
    fn check_item_id(
        &self,
        id: &Spanned<String>,
        what: &'static str,
        seen: &mut HashMap<String, ()>,
        d: &mut Diagnostics,
    ) -> bool {
        if !is_valid_id(&id.value) {
            d.push(
                Diagnostic::new(E0301, what)
                    .arg("id", &id.value)
                    .arg("suggestion", nonempty_slug(&id.value))
                    .in_file(&self.p.file)
                    .at_opt(self.p.at(id)),
            );
            return false;
        }
        if seen.insert(id.value.clone(), ()).is_some() {
            d.push(
                Diagnostic::new(E0502, what)
                    .arg("id", &id.value)
                    .in_file(&self.p.file)
                    .at_opt(self.p.at(id)),
            );
            return false;
        }
        true
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
