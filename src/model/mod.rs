//! The typed, validated model of a program: loaded once, then rendered by every output.
//!
//! [`load`] reads a content folder into [`Moment`]s. A value of these types is always valid:
//! ids are unique, every referenced file exists, every steg has what its type needs. Outputs
//! (the bundle, the preview site) only render; they never re-check.

mod form;
mod front;
#[doc(hidden)]
pub mod fuzz;
pub mod layout;
mod load;
mod moment;
pub mod schema;
mod steg;

pub use load::{Cache, CacheStats, LoadResult, load, load_with};

use crate::bundle::manifest::{Audience, AudienceGroup, ExerciseField, Flag, Form, Placeholder};
use std::path::PathBuf;

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
    pub moduler: Vec<Modul>,
    /// Every file a document or steg refers to, by path relative to the moment's folder.
    pub media: Vec<MediaFile>,
    /// The moment's folder and its `moment.md`.
    pub dir: PathBuf,
    pub source: PathBuf,
    /// Over moment.md and every modul's hash: changes when anything in the program does.
    pub content_hash: String,
    /// The recorded approvals (`approvals.yaml`), oldest first.
    pub approvals: crate::review::Approvals,
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct Avsnitt {
    pub id: String,
    pub title: String,
    pub intro: Option<Document>,
    /// Shared, so that a rebuild reuses an unchanged steg without copying it and the preview can
    /// tell by identity that it is unchanged.
    pub steg: Vec<std::sync::Arc<Steg>>,
    pub source: PathBuf,
    /// Over avsnitt.md and every steg's hash.
    pub content_hash: String,
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
    pub allow: Vec<crate::check::Allow>,
    /// The LIX readability index of the text, for prose steg of at least 50 words.
    pub lix: Option<f64>,
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
    /// A form: its questions, scores and instrument (see [`crate::forms`]).
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
                ..
            } => {
                let mut v = vec![captions, &transcript.file];
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
        layout::media(&self.rel, &self.sha256)
    }
}

/// A rendered piece of Markdown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    /// An HTML fragment. Links to other steg and to media are relative bundle paths from
    /// this document's own path (see [`layout`]).
    pub html: String,
    /// Words in the text, for reading-time and readability figures.
    pub words: usize,
    /// The LIX counts of its prose, from the same parse.
    pub lix: crate::markdown::readability::Lix,
    /// Each heading's level and byte range in the Markdown, for the heading rule.
    pub headings: Vec<(usize, std::ops::Range<usize>)>,
    /// Bundle paths of the media files the text links to or shows.
    pub media: Vec<String>,
}

impl Document {
    pub fn is_empty(&self) -> bool {
        self.html.trim().is_empty()
    }
}

impl Moment {
    pub fn steg(&self) -> impl Iterator<Item = (&Modul, &Avsnitt, &Steg)> {
        self.moduler.iter().flat_map(|m| {
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
        let mut used: std::collections::HashSet<String> = self
            .documents()
            .flat_map(|d| d.media.iter().cloned())
            .collect();
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
                if let Some(f) = self.media_file(r) {
                    used.insert(f.bundle_path());
                }
            }
        }
        self.media
            .iter()
            .filter(|f| used.contains(&f.bundle_path()))
            .collect()
    }

    pub fn media_file(&self, r: &MediaRef) -> Option<&MediaFile> {
        self.media
            .binary_search_by(|m| m.rel.as_str().cmp(&r.0))
            .ok()
            .map(|i| &self.media[i])
    }
}

/// The bytes that may start white space: ASCII white space and the lead bytes of the
/// multi-byte white space characters (see [`space_at`]).
const MAY_START_SPACE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = matches!(i, 0x09..=0x0d | 0x20 | 0xc2 | 0xe1 | 0xe2 | 0xe3);
        i += 1;
    }
    t
};

/// The length of the character at byte `i` of `source` and whether it is white space (as
/// `char::is_whitespace`); `None` at the end. `i` need not be a character boundary: a byte
/// inside a character reads as part of a word.
#[inline(always)]
fn space_at(source: &str, i: usize) -> Option<(usize, bool)> {
    match *source.as_bytes().get(i)? {
        b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' => Some((1, true)),
        // Only these lead bytes start white space beyond ASCII (U+0085, U+00A0, U+1680,
        // U+2000–U+205F, U+3000); any other byte is part of a word.
        0xc2 | 0xe1 | 0xe2 | 0xe3 => source
            .get(i..)
            .and_then(|r| r.chars().next())
            .map(|c| (c.len_utf8(), c.is_whitespace())),
        _ => Some((1, false)),
    }
}

/// The hash a review approves: the source with white space normalized, followed by the given
/// inputs (hashes of the media, or of the parts, it depends on).
pub fn content_hash(source: &str, inputs: &[String]) -> String {
    use sha2::{Digest, Sha256};
    // Every run of white space counts as one space: re-wrapping a paragraph or adding a blank
    // line does not change what was approved. The normalized text is hashed as it is found,
    // in stretches that need no change (words joined by single spaces), without a copy.
    let mut hasher = Sha256::new();
    let bytes = source.as_bytes();
    let mut stretch: Option<usize> = None; // where the stretch being read starts
    let mut first = true;
    let mut i = 0;
    while let Some((len, space)) = space_at(source, i) {
        if space {
            let lone = bytes[i] == b' ' && space_at(source, i + 1).is_some_and(|(_, s)| !s);
            if let Some(start) = stretch.filter(|_| !lone) {
                if !first {
                    hasher.update(b" ");
                }
                hasher.update(&bytes[start..i]);
                first = false;
                stretch = None;
            }
        } else {
            stretch.get_or_insert(i);
            // The rest of the stretch, quickly: bytes that cannot start white space, and
            // single spaces followed by such a byte (they stay as they are).
            i += len;
            while let Some(&b) = bytes.get(i) {
                if !MAY_START_SPACE[usize::from(b)] {
                    i += 1;
                } else if b == b' '
                    && bytes
                        .get(i + 1)
                        .is_some_and(|n| !MAY_START_SPACE[usize::from(*n)])
                {
                    i += 2;
                } else {
                    break;
                }
            }
            continue;
        }
        i += len;
    }
    if let Some(start) = stretch {
        if !first {
            hasher.update(b" ");
        }
        hasher.update(&bytes[start..]);
    }
    for input in inputs {
        hasher.update(b"\0");
        hasher.update(input.as_bytes());
    }
    crate::hash::hex(&hasher.finalize())
}

#[cfg(test)]
mod content_hash_tests {
    use super::*;

    /// The definition `content_hash` must keep: approvals in use depend on its value.
    fn content_hash_by_definition(source: &str, inputs: &[String]) -> String {
        let mut normalized = source.split_whitespace().collect::<Vec<_>>().join(" ");
        for input in inputs {
            normalized.push('\0');
            normalized.push_str(input);
        }
        crate::sha256_hex(normalized.as_bytes())
    }

    #[test]
    fn content_hash_follows_its_definition() {
        let inputs = ["ab12".to_string()];
        for s in [
            "",
            " ",
            "a",
            " a ",
            "a b",
            "a  b",
            "a\tb",
            "a \nb",
            "a\n",
            "\n\na b  c\n",
            "å ä\u{a0}ö",
            "x\u{2003} y",
            "\u{3000}",
            "ord\u{85}ord",
            "a \u{a0}b",
            "a b ",
        ] {
            assert_eq!(
                content_hash(s, &[]),
                content_hash_by_definition(s, &[]),
                "{s:?}"
            );
            assert_eq!(
                content_hash(s, &inputs),
                content_hash_by_definition(s, &inputs),
                "{s:?}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 2000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x57e6),
            ..Default::default()
        })]
        #[test]
        fn content_hash_follows_its_definition_on_any_text(
            s in "([a-zå ]|\\s|\u{a0}|\u{2028}|\u{85}|\\PC){0,40}"
        ) {
            proptest::prop_assert_eq!(content_hash(&s, &[]), content_hash_by_definition(&s, &[]));
        }
    }
}
