//! The manifest (`bundle.json`): the public, versioned description of a program bundle.
//!
//! These types are the bundle format. They are documented in `docs/bundle-format.md`, and the
//! JSON Schema in `schema/bundle.schema.json` is generated from them. Changing a field here is
//! changing a public interface: bump [`FORMAT_VERSION`] for anything an older reader would
//! misread.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The value of [`Manifest::format`].
pub const FORMAT_NAME: &str = "steg-bundle";
/// The manifest format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's file name at the bundle's root.
pub const MANIFEST_FILE: &str = "bundle.json";

/// An id (moment, modul, avsnitt, steg, flag, question, score, exercise field):
/// [`crate::ids::is_valid_id`] as a regular expression.
pub const ID_PATTERN: &str = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$";
/// A steg's address: `modul/avsnitt/steg`, three ids.
pub const ADDRESS_PATTERN: &str = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?/[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?/[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$";
/// A semantic version (semver.org's own expression).
pub const SEMVER_PATTERN: &str = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$";
/// A lower-case hex SHA-256.
pub const SHA256_PATTERN: &str = "^[0-9a-f]{64}$";
/// A bundle path ([`crate::is_safe_bundle_path`]): relative, `/`-separated segments that
/// are not empty, `.` or `..`, with no `\\`, `:` or control character.
pub const PATH_PATTERN: &str = r"^(?:(?!\.\.?/)[^/\\:\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/)*(?!\.\.?$)[^/\\:\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+$";
/// A one-line string: no control or bidi character (see [`crate::text::is_forbidden`]).
pub const ONE_LINE_PATTERN: &str = r"^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$";
/// A string that may span lines: tab and line feed allowed besides.
pub const MULTILINE_PATTERN: &str =
    r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$";

/// The root of `bundle.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Manifest {
    /// Always `"steg-bundle"`.
    #[schemars(extend("const" = "steg-bundle"))]
    pub format: String,
    /// The manifest format version; a reader refuses versions it does not know.
    #[schemars(extend("const" = 1))]
    pub format_version: u32,
    /// The tool that wrote the bundle.
    pub generator: Generator,
    /// True for a release build: every steg was approved for exactly this content and the
    /// checks found no errors.
    #[serde(default)]
    pub release: bool,
    /// The program and its tree of moduler, avsnitt and steg.
    pub moment: MomentEntry,
    /// Every file of the bundle except `bundle.json` itself, sorted by path.
    pub files: Vec<FileEntry>,
    /// Where the bundle came from: the source revision, the build time, the signing key.
    /// Absent when none of them is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

/// Where a bundle came from. Every field is optional: a build outside a git repository,
/// without `SOURCE_DATE_EPOCH` or unsigned leaves that field out, so the same inputs always
/// give the same bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Provenance {
    /// The git revision of the program's folder, when it was built inside a repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRevision>,
    /// The build time, `SOURCE_DATE_EPOCH` (seconds since 1970-01-01 UTC) when it was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_date_epoch: Option<u64>,
    /// The same time as RFC 3339 in UTC, e.g. `2026-01-12T08:00:00Z`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_at: Option<String>,
    /// The key that signed `bundle.json` (its `bundle.sig`), when signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<SigningKey>,
}

/// A git revision of the sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SourceRevision {
    /// The commit checked out (`git rev-parse HEAD`), 40 (or 64) lower-case hex digits.
    pub commit: String,
    /// True when the program's folder had no changes, staged or not, and no untracked files
    /// (`git status --porcelain` of that folder was empty): the bundle is exactly `commit`.
    pub clean: bool,
}

/// The key a bundle was signed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SigningKey {
    /// Always `ed25519`.
    pub algorithm: String,
    /// The key's id: the first 16 hex digits of the SHA-256 of the 32-byte public key.
    pub id: String,
    /// The public key, 64 lower-case hex digits (as in `bundle.sig` and `steg.pub`).
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Generator {
    pub name: String,
    pub version: String,
}

/// A whole program ("moment").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MomentEntry {
    /// Stable id, e.g. `plus-ung`.
    #[schemars(pattern(ID_PATTERN))]
    pub id: String,
    pub title: String,
    /// The program's semantic version, e.g. `1.2.0`.
    #[schemars(pattern(SEMVER_PATTERN))]
    pub version: String,
    /// BCP 47 language tag of the content, e.g. `sv`.
    pub language: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// How many days the program runs once a clinician starts it.
    pub duration_days: u32,
    pub audience: Audience,
    /// Values the platform fills in, written `{{name}}` in the welcome text.
    #[serde(default)]
    pub placeholders: Vec<Placeholder>,
    /// Notifications sent to the young person or the clinician.
    #[serde(default)]
    pub flags: Vec<Flag>,
    /// Path of the rendered welcome text (an HTML fragment).
    pub welcome: String,
    pub moduler: Vec<ModulEntry>,
}

/// Who a program, modul or steg is written for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Audience {
    pub groups: Vec<AudienceGroup>,
    /// The youngest reader the text is written for.
    pub min_age: u8,
    /// Below this age a guardian uses the program as proxy ("ombud").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_under_age: Option<u8>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum AudienceGroup {
    /// Young people ("unga").
    Unga,
    /// Guardians ("vårdnadshavare").
    #[serde(alias = "vårdnadshavare")]
    Vardnadshavare,
}

impl AudienceGroup {
    pub const ALL: [AudienceGroup; 2] = [AudienceGroup::Unga, AudienceGroup::Vardnadshavare];

    pub fn as_str(self) -> &'static str {
        match self {
            AudienceGroup::Unga => "unga",
            AudienceGroup::Vardnadshavare => "vardnadshavare",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Placeholder {
    pub name: String,
    pub description: String,
    /// A sample value, used by previews.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

/// A notification ("flagga").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Flag {
    #[schemars(pattern(ID_PATTERN))]
    pub id: String,
    pub title: String,
    pub recipient: Recipient,
    pub trigger: Trigger,
    /// The text sent. It may contain `{{name}}` for a declared placeholder (listed in
    /// `placeholders`), which the platform fills in before sending.
    pub message: String,
    /// For `inactive`: send the flag again every `repeat_days` days while the inactivity
    /// lasts. Absent: once per stretch of inactivity (it can come again only after new
    /// activity followed by `days` more days without any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_days: Option<u32>,
    /// For `inactive`: what counts as activity. Default `any`.
    #[serde(default)]
    pub activity: Activity,
    /// For recipient `invanare`: what happens when a guardian uses the program as proxy
    /// ("ombud"). Default `ombud`: the guardian gets it.
    #[serde(default)]
    pub proxy: ProxyDelivery,
    /// The names of the placeholders `message` contains (each declared in
    /// `moment.placeholders`), so a platform knows what it must fill in.
    #[serde(default)]
    pub placeholders: Vec<String>,
}

/// What resets the `inactive` count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// Anything the participant (or their proxy) does in the program: signing in, opening
    /// a steg, saving an answer.
    #[default]
    Any,
    /// Opening a steg (or saving an answer); signing in alone does not count.
    StegOpened,
    /// Saving a form or an exercise; reading alone does not count.
    Answer,
}

/// Where a flag to the young person goes when a guardian uses the program as proxy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProxyDelivery {
    /// To the guardian acting as proxy, like everything in the proxy mode.
    #[default]
    Ombud,
    /// Not sent while the program is used through a proxy.
    None,
}

impl Activity {
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Any => "any",
            Activity::StegOpened => "steg_opened",
            Activity::Answer => "answer",
        }
    }
}

impl ProxyDelivery {
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyDelivery::Ombud => "ombud",
            ProxyDelivery::None => "none",
        }
    }
}

impl Recipient {
    pub fn as_str(self) -> &'static str {
        match self {
            Recipient::Invanare => "invanare",
            Recipient::Behandlare => "behandlare",
        }
    }
}

impl Trigger {
    /// The event's name as written in content and manifests.
    pub fn event_name(&self) -> &'static str {
        match self {
            Trigger::MomentStarted => "moment_started",
            Trigger::Inactive { .. } => "inactive",
            Trigger::ModulEnds { .. } => "modul_ends",
            Trigger::MomentEnds { .. } => "moment_ends",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Recipient {
    /// The young person (or their proxy).
    #[serde(alias = "invånare")]
    Invanare,
    /// The responsible clinician.
    Behandlare,
}

/// When a flag is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// When the clinician starts the program.
    MomentStarted,
    /// After `days` days without activity.
    Inactive { days: u32 },
    /// `days_before` days before a modul closes; limited to `moduler` when that is not empty.
    ModulEnds {
        days_before: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        #[schemars(inner(pattern(ID_PATTERN)))]
        moduler: Vec<String>,
    },
    /// `days_before` days before the program's duration ends.
    MomentEnds { days_before: u32 },
}

/// A modul: one or more related avsnitt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModulEntry {
    #[schemars(pattern(ID_PATTERN))]
    pub id: String,
    pub title: String,
    pub summary: String,
    /// How many days the modul stays open once started, if limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_days: Option<u32>,
    pub audience: Vec<AudienceGroup>,
    /// Path of the rendered introduction, if the modul has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    pub avsnitt: Vec<AvsnittEntry>,
}

/// An avsnitt: a group of steg that belong together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AvsnittEntry {
    #[schemars(pattern(ID_PATTERN))]
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    pub steg: Vec<StegEntry>,
    /// Who the avsnitt is for; absent (in bundles written before the field): the modul's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audience: Vec<AudienceGroup>,
}

/// A steg: the smallest unit, one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StegEntry {
    #[schemars(pattern(ID_PATTERN))]
    pub id: String,
    /// `modul/avsnitt/steg`: the stable key a platform stores progress under.
    #[schemars(pattern(ADDRESS_PATTERN))]
    pub address: String,
    pub title: String,
    pub audience: Vec<AudienceGroup>,
    /// Path of the rendered body (an HTML fragment; may be empty for media steg).
    pub html: String,
    /// SHA-256 over the steg's normalized source and its media: what a review approves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(SHA256_PATTERN))]
    pub content_hash: Option<String>,
    /// Where the steg stands in quality review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewState>,
    /// The type and its type-specific parts.
    #[serde(flatten)]
    pub content: StegContent,
    /// Addresses this steg had in earlier versions: a platform moves progress and answers
    /// stored under one of them to `address`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved_from: Vec<String>,
}

/// A steg's review state when the bundle was built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReviewState {
    pub status: ReviewStatus,
    /// The newest approval of this steg: who, in what role, when, and of which hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_hash: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Approved for exactly this content.
    Approved,
    /// Approved once; the content changed since.
    Changed,
    /// Never approved.
    Unapproved,
}

/// A steg's type, with the parts that type has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StegContent {
    Text,
    Video {
        source: MediaSource,
        /// Path of the WebVTT captions.
        captions: String,
        /// Path of the rendered transcript (HTML fragment).
        transcript: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        poster: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_seconds: Option<u32>,
        /// What the poster shows, for its alt text; absent: the poster is decorative.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        poster_alt: Option<String>,
        /// Every timed text track, with its language, kind and label; the first is
        /// `captions`. Absent in bundles written before the field: then `captions` is the
        /// one track, captions in the moment's language.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        text_tracks: Vec<TextTrack>,
        /// The transcript's language (BCP 47); absent: the moment's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transcript_language: Option<String>,
        /// What the transcript holds; absent: `descriptive`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transcript_kind: Option<TranscriptKind>,
    },
    Audio {
        source: MediaSource,
        /// Path of the rendered transcript (HTML fragment).
        transcript: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_seconds: Option<u32>,
        /// The transcript's language (BCP 47); absent: the moment's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transcript_language: Option<String>,
        /// What the transcript holds; absent: `descriptive`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transcript_kind: Option<TranscriptKind>,
    },
    Image {
        /// Path of the image file.
        src: String,
        /// Alternative text; absent only when `decorative` is true.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        alt: Option<String>,
        #[serde(default)]
        decorative: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
    Form {
        #[serde(flatten)]
        form: Form,
        /// Path of the form exported as a FHIR R4 Questionnaire (JSON). Absent in bundles
        /// written before the export existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fhir: Option<String>,
    },
    Exercise {
        #[serde(default)]
        fields: Vec<ExerciseField>,
    },
}

impl StegContent {
    /// The type's name as written in content and manifests.
    pub fn type_name(&self) -> &'static str {
        match self {
            StegContent::Text => "text",
            StegContent::Video { .. } => "video",
            StegContent::Audio { .. } => "audio",
            StegContent::Image { .. } => "image",
            StegContent::Form { .. } => "form",
            StegContent::Exercise { .. } => "exercise",
        }
    }

    /// Every bundle path this content refers to, besides the steg's own `html`.
    pub fn referenced_paths(&self) -> Vec<&str> {
        match self {
            StegContent::Text | StegContent::Exercise { .. } => vec![],
            StegContent::Form { fhir, .. } => fhir.iter().map(String::as_str).collect(),
            StegContent::Video {
                source,
                captions,
                transcript,
                poster,
                text_tracks,
                ..
            } => {
                let mut v = vec![captions.as_str(), transcript.as_str()];
                v.extend(source.file());
                v.extend(poster.as_deref());
                // The first track is `captions` again; listing a path twice is harmless here.
                v.extend(text_tracks.iter().map(|t| t.src.as_str()));
                v
            }
            StegContent::Audio {
                source, transcript, ..
            } => {
                let mut v = vec![transcript.as_str()];
                v.extend(source.file());
                v
            }
            StegContent::Image { src, .. } => vec![src.as_str()],
        }
    }
}

/// A WebVTT track of a video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TextTrack {
    /// Path of the WebVTT file.
    pub src: String,
    /// BCP 47 language tag of the text, e.g. `sv`.
    pub language: String,
    /// What the track holds, as HTML's `<track kind>`.
    pub kind: TrackKind,
    /// The name a player shows in its menu of tracks, e.g. `Svenska`. Absent in bundles
    /// written before the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A text track's kind: HTML's `<track kind>` values a person reads (not `metadata`, which
/// is for scripts and means nothing to a platform showing the film).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    /// The speech and the sounds that matter, in the film's language, for people who cannot
    /// hear them (WCAG 1.2.2).
    Captions,
    /// The speech translated, for people who do not understand the film's language.
    Subtitles,
    /// What is shown, as text to be read aloud, for people who cannot see it (WCAG 1.2.5).
    Descriptions,
    /// Chapter titles, for moving around in a longer film.
    Chapters,
}

impl TrackKind {
    pub const ALL: [TrackKind; 4] = [
        TrackKind::Captions,
        TrackKind::Subtitles,
        TrackKind::Descriptions,
        TrackKind::Chapters,
    ];

    /// The kind as written in content, manifests and HTML.
    pub fn as_str(self) -> &'static str {
        match self {
            TrackKind::Captions => "captions",
            TrackKind::Subtitles => "subtitles",
            TrackKind::Descriptions => "descriptions",
            TrackKind::Chapters => "chapters",
        }
    }
}

/// What a transcript holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptKind {
    /// Everything said, the sounds that matter and what is shown: a full text alternative to
    /// the recording (WCAG 1.2.1, 1.2.3, 1.2.8). The default.
    Descriptive,
    /// Only what is said.
    Speech,
}

impl TranscriptKind {
    pub const ALL: [TranscriptKind; 2] = [TranscriptKind::Descriptive, TranscriptKind::Speech];

    pub fn as_str(self) -> &'static str {
        match self {
            TranscriptKind::Descriptive => "descriptive",
            TranscriptKind::Speech => "speech",
        }
    }
}

/// Whether `s` is a well-formed language tag as steg accepts one: a primary language of 2–3
/// letters, then subtags of 1–8 letters or digits separated by `-` (the shape of BCP 47's
/// `langtag`, without checking the registry, which changes over time).
pub fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The steg types this format version knows.
pub const STEG_TYPES: [&str; 6] = ["text", "video", "audio", "image", "form", "exercise"];

/// Where a video or audio is played from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediaSource {
    /// A file in the bundle.
    File(String),
    /// An external address the platform plays from.
    Url(String),
}

impl MediaSource {
    pub fn file(&self) -> Option<&str> {
        match self {
            MediaSource::File(f) => Some(f),
            MediaSource::Url(_) => None,
        }
    }
}

/// A form ("formulär"): questions, optional scores and the instrument it reproduces.
///
/// [`crate::forms`] evaluates one against a person's answers (which questions are shown,
/// the scores and their bands, the alerts to the clinician).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Form {
    /// The questions in the order they are asked; groups hold further questions.
    pub questions: Vec<Question>,
    /// Named sums over scored questions, for the clinician.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<Score>,
    /// The published questionnaire the form reproduces, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument: Option<Instrument>,
}

/// A question of a form (or a group of questions, or a text shown between them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Question {
    /// Unique within the whole form, groups included; stable across versions (answers are
    /// stored under it).
    #[schemars(pattern(ID_PATTERN))]
    pub id: String,
    /// The question; for `display`, the text shown; for `group`, its heading.
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// An answer is needed (while the question is shown). Never true for `display`.
    #[serde(default)]
    pub required: bool,
    /// Shown only when earlier answers match; absent: always shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIf>,
    /// Tells the clinician when the answer matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<Alert>,
    #[serde(flatten)]
    pub kind: QuestionKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// One line of free text.
    Text,
    /// Several lines of free text.
    LongText,
    /// One of the options; the answer is the option's `value`.
    SingleChoice { options: Vec<ChoiceOption> },
    /// Any number of the options; the answer is the list of chosen values.
    MultipleChoice { options: Vec<ChoiceOption> },
    /// Yes or no; the answer is `true` or `false`.
    YesNo,
    /// A whole number from `min` to `max` in steps of `step` (`step` divides `max - min`).
    Scale {
        min: i32,
        max: i32,
        #[serde(default = "one")]
        step: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_label: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_label: Option<String>,
    },
    /// A number, with `decimals` digits after the decimal point (0: a whole number).
    Number {
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            serialize_with = "number::opt"
        )]
        min: Option<f64>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            serialize_with = "number::opt"
        )]
        max: Option<f64>,
        /// The unit shown beside the field, e.g. `timmar`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        #[serde(default)]
        decimals: u8,
    },
    /// A date (`YYYY-MM-DD`).
    Date,
    /// A time of day (`HH:MM`).
    Time,
    /// Text shown between questions; no answer.
    Display,
    /// A heading over further questions; no answer of its own.
    Group { questions: Vec<Question> },
}

fn one() -> i32 {
    1
}

impl QuestionKind {
    /// The type's name as written in content and manifests.
    pub fn type_name(&self) -> &'static str {
        match self {
            QuestionKind::Text => "text",
            QuestionKind::LongText => "long_text",
            QuestionKind::SingleChoice { .. } => "single_choice",
            QuestionKind::MultipleChoice { .. } => "multiple_choice",
            QuestionKind::YesNo => "yes_no",
            QuestionKind::Scale { .. } => "scale",
            QuestionKind::Number { .. } => "number",
            QuestionKind::Date => "date",
            QuestionKind::Time => "time",
            QuestionKind::Display => "display",
            QuestionKind::Group { .. } => "group",
        }
    }

    /// Whether a person answers it (not `display`, not `group`).
    pub fn takes_answer(&self) -> bool {
        !matches!(self, QuestionKind::Display | QuestionKind::Group { .. })
    }
}

/// The question types this format version knows.
pub const QUESTION_TYPES: [&str; 11] = [
    "text",
    "long_text",
    "single_choice",
    "multiple_choice",
    "yes_no",
    "scale",
    "number",
    "date",
    "time",
    "display",
    "group",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChoiceOption {
    /// What is stored as the answer; unique within the question.
    pub value: String,
    pub label: String,
    /// What choosing the option adds to a score.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "number::opt"
    )]
    pub score: Option<f64>,
}

/// When a question is shown: `all` or `any` of the conditions hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ShowIf {
    pub behavior: Behavior,
    /// Each tests an earlier question of the same form.
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Behavior {
    /// Every condition holds.
    All,
    /// At least one condition holds.
    Any,
}

/// A test of an earlier question's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Condition {
    /// The id of an earlier question of the form.
    pub question: String,
    pub operator: Operator,
    /// An option value (choice), a number (scale, number), `true`/`false` (yes_no, and for
    /// `answered`).
    pub value: AnswerValue,
}

/// How an answer is compared with a value. An answer to a hidden question counts as none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// The answer is the value (for multiple choice: one of the chosen values is).
    Equals,
    /// No answer is the value (also true while the question is unanswered, as in FHIR).
    NotEquals,
    /// The number answered is greater than the value.
    Greater,
    /// The number answered is less than the value.
    Less,
    /// Whether the question is answered is the value (`true` or `false`).
    Answered,
}

impl Operator {
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "equals",
            Operator::NotEquals => "not_equals",
            Operator::Greater => "greater",
            Operator::Less => "less",
            Operator::Answered => "answered",
        }
    }
}

/// A value compared with an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AnswerValue {
    Bool(bool),
    Number(#[serde(serialize_with = "number::one")] f64),
    Text(String),
}

/// A notice to the clinician ("behandlare") when an answer or a score matches `when`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Alert {
    pub when: Comparison,
    pub message: String,
}

/// A test of the value the alert sits on (a question's answer or a score).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Comparison {
    pub operator: Operator,
    pub value: AnswerValue,
}

/// A named sum over scored questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Score {
    /// Unique among the form's questions and scores.
    #[schemars(pattern(ID_PATTERN))]
    pub id: String,
    pub label: String,
    /// The questions added up: choice questions whose options have a `score`, and scale
    /// and number questions (their value). A hidden or unanswered question adds nothing.
    #[schemars(inner(pattern(ID_PATTERN)))]
    pub questions: Vec<String>,
    /// The lowest possible value when every question is answered.
    #[serde(serialize_with = "number::one")]
    pub min: f64,
    /// The highest possible value when every question is answered.
    #[serde(serialize_with = "number::one")]
    pub max: f64,
    /// Named ranges that together cover `min..=max`, without gaps or overlaps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<Band>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<Alert>,
}

/// A named range of a score, both ends included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Band {
    #[serde(serialize_with = "number::one")]
    pub min: f64,
    #[serde(serialize_with = "number::one")]
    pub max: f64,
    pub label: String,
}

/// A published questionnaire a form reproduces, e.g. PHQ-9.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Instrument {
    pub name: String,
    /// Where it was published (a reference or an address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The licence or permission under which it is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Its use needs a licence; then `licence` is always present.
    #[serde(default)]
    pub licensed: bool,
}

/// Numbers written as JSON integers when they are whole (`4`, not `4.0`), so manifests read
/// as their sources were written.
mod number {
    use serde::Serializer;

    pub fn one<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        // 2^53: every whole f64 below it is exactly an i64.
        if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
            s.serialize_i64(*v as i64)
        } else {
            s.serialize_f64(*v)
        }
    }

    pub fn opt<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => one(v, s),
            None => s.serialize_none(),
        }
    }
}

/// A place to write in an exercise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExerciseField {
    /// Unique within the exercise.
    #[schemars(pattern(ID_PATTERN))]
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub multiline: bool,
}

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FileEntry {
    /// Path relative to the bundle root, with `/` separators.
    #[schemars(pattern(PATH_PATTERN))]
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    #[schemars(pattern(SHA256_PATTERN))]
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The file's media type, e.g. `text/html`.
    pub media_type: String,
}

/// The JSON Schema of `bundle.json`, generated from these types, then made to state what
/// the loader checks and the derive cannot say:
/// - every string without a pattern of its own gets one that refuses control and bidi
///   characters (tab and line feed allowed in the multi-line fields,
///   `crate::text::MULTILINE_KEYS`);
/// - no object refuses properties it does not know (`additionalProperties: false` is
///   removed): the forward-compatibility policy is that readers ignore unknown fields, and
///   anything a reader must not ignore bumps `format_version` (docs/bundle-format.md).
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Manifest);
    let mut value = serde_json::to_value(schema).unwrap_or_default();
    fn walk(v: &mut serde_json::Value, key: &str) {
        match v {
            serde_json::Value::Object(map) => {
                if map.get("additionalProperties") == Some(&serde_json::Value::Bool(false)) {
                    map.remove("additionalProperties");
                }
                let is_string = match map.get("type") {
                    Some(serde_json::Value::String(t)) => t == "string",
                    Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                    _ => false,
                };
                if is_string
                    && !["pattern", "enum", "const"]
                        .iter()
                        .any(|k| map.contains_key(*k))
                {
                    let pattern = if crate::text::MULTILINE_KEYS.contains(&key) {
                        MULTILINE_PATTERN
                    } else {
                        ONE_LINE_PATTERN
                    };
                    map.insert("pattern".into(), pattern.into());
                }
                for (k, child) in map.iter_mut() {
                    // A property's schema is named by the property; anything else keeps the
                    // name it is under (array items, variants).
                    if k == "properties" {
                        if let serde_json::Value::Object(props) = child {
                            for (name, prop) in props.iter_mut() {
                                walk(prop, name);
                            }
                        }
                    } else {
                        walk(child, key);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(item, key);
                }
            }
            _ => {}
        }
    }
    walk(&mut value, "");
    value
}
