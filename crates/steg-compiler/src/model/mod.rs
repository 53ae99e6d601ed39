//! The typed, validated model of a program: loaded once, then rendered by every output.
//!
//! [`crate::compile::load`] reads a content folder into [`Moment`]s. A value of these types is always valid:
//! ids are unique, every referenced file exists, every steg has what its type needs. Outputs
//! (the bundle, the preview site) only render; they never re-check.

use std::path::PathBuf;
use steg_bundle::manifest::{Audience, AudienceGroup, ExerciseField, Flag, Form, Placeholder};

/// The folder of the preview site inside the output folder, beside one folder per moment: no
/// moment may have this id.
pub const SITE_DIR: &str = "preview";

/// A fingerprint of everything a model value was made from: two values with the same revision
/// show the same thing. An incremental rebuild compares revisions to tell what changed,
/// without comparing whole texts and without relying on where a value lives in memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Revision(pub u64);

impl Revision {
    /// The revision of a value made from `inputs`.
    pub fn of(inputs: impl std::hash::Hash) -> Revision {
        use std::hash::Hasher;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        inputs.hash(&mut h);
        Revision(h.finish())
    }
}

/// A program ("moment").
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    pub id: String,
    pub title: String,
    pub version: semver::Version,
    pub language: String,
    pub summary: Option<String>,
    pub duration_days: u32,
    pub audience: Audience,
    pub placeholders: Vec<Placeholder>,
    pub flags: Vec<Flag>,
    /// The welcome text shown when the young person logs in.
    pub welcome: Document,
    pub moduler: Vec<std::sync::Arc<Modul>>,
    /// Every file a document or steg refers to, by path relative to the moment's folder.
    pub media: Vec<MediaFile>,
    /// The moment's folder and its `moment.md`.
    pub dir: PathBuf,
    pub source: PathBuf,
    /// Over moment.md and every modul's hash: changes when anything in the program does.
    pub content_hash: String,
    /// The recorded approvals (`approvals.yaml`), oldest first.
    pub approvals: Approvals,
    /// Over moment.md, the media, every modul's revision and the approvals.
    pub revision: Revision,
    /// Over moment.md and the media only: what every page of the moment shows.
    pub head_revision: Revision,
    /// What the FHIR export says about where the forms come from (`fhir:` in moment.md).
    pub fhir: FhirSettings,
}

/// `fhir:` of moment.md, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FhirSettings {
    /// An http(s) address without a trailing `/`; forms are `<base>/Questionnaire/<id>`.
    pub canonical_base: Option<String>,
    pub publisher: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Modul {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub duration_days: Option<u32>,
    pub audience: Vec<AudienceGroup>,
    pub intro: Option<Document>,
    pub avsnitt: Vec<Avsnitt>,
    pub source: PathBuf,
    /// Over modul.md and every avsnitt's hash.
    pub content_hash: String,
    /// Over the modul's own fields and its avsnitt's revisions.
    pub revision: Revision,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Avsnitt {
    pub id: String,
    pub title: String,
    pub intro: Option<Document>,
    /// Shared, so that a rebuild reuses an unchanged steg without copying it.
    pub steg: Vec<std::sync::Arc<Steg>>,
    pub source: PathBuf,
    /// Over avsnitt.md and every steg's hash.
    pub content_hash: String,
    /// Over the avsnitt's own fields and its steg's revisions.
    pub revision: Revision,
    /// Who the avsnitt is for (`audience:` in avsnitt.md, else the modul's).
    pub audience: Vec<AudienceGroup>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Steg {
    pub id: String,
    /// `modul/avsnitt/steg`.
    pub address: String,
    pub title: String,
    pub audience: Vec<AudienceGroup>,
    /// The Markdown body, rendered (may be empty for media steg).
    pub body: Document,
    pub kind: StegKind,
    pub source: PathBuf,
    /// SHA-256 over the normalized source and the hashes of the media it uses: what a
    /// reviewer approves. Whitespace-only edits do not change it.
    pub content_hash: String,
    /// Findings the editor silenced for this steg, with reasons.
    pub allow: Vec<Allow>,
    /// A stand-in, not the real content: declared (`placeholder: true`) or using a stand-in
    /// file from `steg new`. A release refuses it; the preview marks it.
    pub placeholder: bool,
    /// The LIX readability index of the text, for prose steg of at least 50 words.
    pub lix: Option<f64>,
    /// Over everything the steg was made from: its file's exact text, the context it was
    /// rendered in (links, audience) and its media.
    pub revision: Revision,
    /// The addresses the steg had in earlier versions (`moved_from:`).
    pub moved_from: Vec<String>,
    /// Over the rendered text and the type with all its parts: copies of a steg are found by
    /// comparing these, not every text with every other on each load.
    pub text_print: Revision,
}

/// A steg's type and the parts that type has.
#[derive(Debug, Clone, PartialEq)]
pub enum StegKind {
    Text,
    Video {
        source: MediaSource,
        captions: MediaRef,
        transcript: Transcript,
        poster: Option<MediaRef>,
        duration_seconds: Option<u32>,
        /// What the poster shows; `None`: decorative.
        poster_alt: Option<String>,
        /// The captions' language when not the moment's.
        captions_language: Option<String>,
        /// The text tracks besides the captions (`tracks:`), in the order written.
        tracks: Vec<Track>,
    },
    Audio {
        source: MediaSource,
        transcript: Transcript,
        duration_seconds: Option<u32>,
    },
    Image {
        src: MediaRef,
        alt: Option<String>,
        decorative: bool,
        caption: Option<String>,
    },
    /// A form: its questions, scores and instrument (see [`steg_bundle::forms`]).
    Form(Form),
    Exercise {
        fields: Vec<ExerciseField>,
    },
}

impl StegKind {
    /// The media files the type's fields name (not those linked from the text).
    pub fn media_refs(&self) -> Vec<&MediaRef> {
        match self {
            StegKind::Text | StegKind::Form { .. } | StegKind::Exercise { .. } => vec![],
            StegKind::Video {
                source,
                captions,
                transcript,
                poster,
                tracks,
                ..
            } => {
                let mut v = vec![captions, &transcript.file];
                v.extend(tracks.iter().map(|t| &t.src));
                if let MediaSource::File(f) = source {
                    v.push(f);
                }
                v.extend(poster);
                v
            }
            StegKind::Audio {
                source, transcript, ..
            } => {
                let mut v = vec![&transcript.file];
                if let MediaSource::File(f) = source {
                    v.push(f);
                }
                v
            }
            StegKind::Image { src, .. } => vec![src],
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            StegKind::Text => "text",
            StegKind::Video { .. } => "video",
            StegKind::Audio { .. } => "audio",
            StegKind::Image { .. } => "image",
            StegKind::Form { .. } => "form",
            StegKind::Exercise { .. } => "exercise",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum MediaSource {
    File(MediaRef),
    Url(String),
}

/// A transcript: its source file, rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub file: MediaRef,
    pub document: Document,
    /// Its language when not the moment's (`transcript_language:`).
    pub language: Option<String>,
    /// What it holds, when stated (`transcript_kind:`); otherwise descriptive.
    pub kind: Option<steg_bundle::manifest::TranscriptKind>,
}

/// A video's text tracks in the bundle's order: its captions first (in `captions_language`,
/// or the moment's), then `tracks:`; each with its file, language, kind and label.
pub fn text_tracks<'a>(
    moment: &Moment,
    captions: &'a MediaRef,
    captions_language: &Option<String>,
    tracks: &'a [Track],
) -> Vec<(
    &'a MediaRef,
    String,
    steg_bundle::manifest::TrackKind,
    String,
)> {
    use steg_bundle::manifest::TrackKind;
    let language = captions_language
        .clone()
        .unwrap_or_else(|| moment.language.clone());
    let label = track_label(&language, TrackKind::Captions);
    let mut v = vec![(captions, language, TrackKind::Captions, label)];
    v.extend(tracks.iter().map(|t| {
        let label = t
            .label
            .clone()
            .unwrap_or_else(|| track_label(&t.language, t.kind));
        (&t.src, t.language.clone(), t.kind, label)
    }));
    v
}

/// The label a player shows for a track without `label:`: the language's own name (or its
/// tag, for a language not listed here), with the kind for tracks that are not the speech.
pub fn track_label(language: &str, kind: steg_bundle::manifest::TrackKind) -> String {
    use steg_bundle::manifest::TrackKind;
    // The languages most spoken in Sweden besides Swedish, and the national minority
    // languages, each in its own name (as players and 1177 list them).
    const NAMES: &[(&str, &str)] = &[
        ("sv", "Svenska"),
        ("en", "English"),
        ("ar", "العربية"),
        ("fa", "فارسی"),
        ("fi", "Suomi"),
        ("so", "Soomaali"),
        ("ti", "ትግርኛ"),
        ("uk", "Українська"),
        ("pl", "Polski"),
        ("de", "Deutsch"),
        ("es", "Español"),
        ("fr", "Français"),
        ("ku", "Kurdî"),
        ("bs", "Bosanski"),
        ("hr", "Hrvatski"),
        ("sr", "Српски"),
        ("tr", "Türkçe"),
        ("ru", "Русский"),
        ("se", "Davvisámegiella"),
        ("fit", "Meänkieli"),
        ("rom", "Romani"),
        ("yi", "ייִדיש"),
    ];
    let primary = language.split('-').next().unwrap_or(language);
    let name = NAMES
        .iter()
        .find(|(tag, _)| tag.eq_ignore_ascii_case(primary))
        .map_or(language, |(_, name)| name);
    match kind {
        TrackKind::Captions | TrackKind::Subtitles => name.to_string(),
        TrackKind::Descriptions => format!("{name} (syntolkning)"),
        TrackKind::Chapters => format!("{name} (kapitel)"),
    }
}

/// A text track of a video besides its captions.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub src: MediaRef,
    pub language: String,
    pub kind: steg_bundle::manifest::TrackKind,
    pub label: Option<String>,
}

/// A reference to a file of the moment, by its path relative to the moment's folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MediaRef(pub String);

/// A file that steps refer to, with its hash (which names it in the bundle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    /// Path relative to the moment's folder, `/`-separated.
    pub rel: String,
    /// Path on disk.
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

impl MediaFile {
    /// Where the file goes in a bundle (and in the preview, under the moment's folder).
    pub fn bundle_path(&self) -> String {
        steg_bundle::layout::media(&self.rel, &self.sha256)
    }
}

/// A rendered piece of Markdown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    /// An HTML fragment. Links to other steg and to media are relative bundle paths from
    /// this document's own path (see [`steg_bundle::layout`]).
    pub html: String,
    /// Words in the text, for reading-time and readability figures.
    pub words: usize,
    /// The LIX counts of its prose, from the same parse.
    pub lix: Lix,
    /// Each heading's level and byte range in the Markdown, for the heading rule.
    pub headings: Vec<(usize, std::ops::Range<usize>)>,
    /// Bundle paths of the media files the text links to or shows.
    pub media: Vec<String>,
    /// The moment's snippets the text includes (`::: snippet NAME`), by name, in order.
    pub snippets: Vec<String>,
}

impl Document {
    /// A document with no text.
    pub const EMPTY: Document = Document {
        html: String::new(),
        words: 0,
        lix: Lix {
            words: 0,
            sentences: 0,
            long_words: 0,
        },
        headings: Vec::new(),
        media: Vec::new(),
        snippets: Vec::new(),
    };

    pub fn is_empty(&self) -> bool {
        self.html.trim().is_empty()
    }
}

impl Moment {
    pub fn steg(&self) -> impl Iterator<Item = (&Modul, &Avsnitt, &Steg)> {
        self.moduler.iter().map(|m| &**m).flat_map(|m| {
            m.avsnitt
                .iter()
                .flat_map(move |a| a.steg.iter().map(move |s| (m, a, &**s)))
        })
    }

    /// Every document of the moment: welcome text, introductions, steg bodies, transcripts.
    pub fn documents(&self) -> impl Iterator<Item = &Document> {
        let intros = self.moduler.iter().flat_map(|m| {
            m.intro
                .iter()
                .chain(m.avsnitt.iter().flat_map(|a| a.intro.iter()))
        });
        let steg = self.steg().flat_map(|(_, _, s)| {
            let transcript = match &s.kind {
                StegKind::Video { transcript, .. } | StegKind::Audio { transcript, .. } => {
                    Some(&transcript.document)
                }
                _ => None,
            };
            std::iter::once(&s.body).chain(transcript)
        });
        std::iter::once(&self.welcome).chain(intros).chain(steg)
    }

    /// The media files the program uses (by a steg's fields or a link in a text), in path
    /// order. Files in the folder that nothing uses are left out of every output.
    pub fn used_media(&self) -> Vec<&MediaFile> {
        // Marked by index: thousands of steg name media, and a set of formatted bundle paths
        // cost more than the rest of a rebuild.
        let mut used = vec![false; self.media.len()];
        let by_bundle_path: std::collections::HashMap<String, usize> = self
            .media
            .iter()
            .enumerate()
            .map(|(i, f)| (f.bundle_path(), i))
            .collect();
        for linked in self.documents().flat_map(|d| &d.media) {
            if let Some(&i) = by_bundle_path.get(linked) {
                used[i] = true;
            }
        }
        for (_, _, s) in self.steg() {
            // A transcript ships rendered, as HTML; its Markdown source is not copied.
            let transcript = match &s.kind {
                StegKind::Video { transcript, .. } | StegKind::Audio { transcript, .. } => {
                    Some(&transcript.file)
                }
                _ => None,
            };
            for r in s
                .kind
                .media_refs()
                .into_iter()
                .filter(|r| Some(*r) != transcript)
            {
                if let Some(i) = self.media_index(r) {
                    used[i] = true;
                }
            }
        }
        self.media
            .iter()
            .zip(used)
            .filter_map(|(f, used)| used.then_some(f))
            .collect()
    }

    pub fn media_file(&self, r: &MediaRef) -> Option<&MediaFile> {
        self.media_index(r).map(|i| &self.media[i])
    }

    fn media_index(&self, r: &MediaRef) -> Option<usize> {
        self.media
            .binary_search_by(|m| m.rel.as_str().cmp(&r.0))
            .ok()
    }
}

/// One approval, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub address: String,
    /// The content hash that was approved.
    pub hash: String,
    /// The reviewer's name.
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The recorded approvals of a moment, oldest first, indexed by address: a program of
/// thousands of steg asks for the status of each, and a scan per question would make that
/// quadratic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Approvals(std::sync::Arc<ApprovalList>);

/// Shared, so that every load of a moment takes its approvals (thousands of them in a large
/// program) without copying them.
#[derive(Debug, Default, PartialEq, Eq)]
struct ApprovalList {
    list: Vec<Approval>,
    by_address: std::collections::HashMap<String, Vec<usize>>,
    revision: Revision,
}

impl Approvals {
    pub fn new(list: Vec<Approval>) -> Self {
        let mut by_address: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, a) in list.iter().enumerate() {
            by_address.entry(a.address.clone()).or_default().push(i);
        }
        let revision = Revision::of(&list);
        Approvals(std::sync::Arc::new(ApprovalList {
            list,
            by_address,
            revision,
        }))
    }

    /// The approvals of one address, oldest first.
    pub fn of<'a>(&'a self, address: &str) -> impl Iterator<Item = &'a Approval> + 'a {
        self.0
            .by_address
            .get(address)
            .into_iter()
            .flatten()
            .map(|&i| &self.0.list[i])
    }

    /// Over every approval: computed once, when they are read.
    pub fn revision(&self) -> Revision {
        self.0.revision
    }
}

impl std::ops::Deref for Approvals {
    type Target = [Approval];
    fn deref(&self) -> &[Approval] {
        &self.0.list
    }
}

/// An `allow:` entry of a steg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    pub code: String,
    pub reason: String,
    pub location: Option<steg_bundle::diagnostic::Location>,
}

/// The counts behind a LIX score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lix {
    pub words: usize,
    pub sentences: usize,
    pub long_words: usize,
}

impl Lix {
    pub fn score(&self) -> f64 {
        if self.words == 0 {
            return 0.0;
        }
        self.words as f64 / self.sentences.max(1) as f64
            + 100.0 * self.long_words as f64 / self.words as f64
    }
}
