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

/// The root of `bundle.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Manifest {
    /// Always `"steg-bundle"`.
    pub format: String,
    /// The manifest format version; a reader refuses versions it does not know.
    pub format_version: u32,
    /// The tool that wrote the bundle.
    pub generator: Generator,
    /// The program and its tree of moduler, avsnitt and steg.
    pub moment: MomentEntry,
    /// Every file of the bundle except `bundle.json` itself, sorted by path.
    pub files: Vec<FileEntry>,
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
    pub id: String,
    pub title: String,
    /// The program's semantic version, e.g. `1.2.0`.
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
    pub id: String,
    pub title: String,
    pub recipient: Recipient,
    pub trigger: Trigger,
    pub message: String,
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
        moduler: Vec<String>,
    },
    /// `days_before` days before the program's duration ends.
    MomentEnds { days_before: u32 },
}

/// A modul: one or more related avsnitt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModulEntry {
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
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    pub steg: Vec<StegEntry>,
}

/// A steg: the smallest unit, one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StegEntry {
    pub id: String,
    /// `modul/avsnitt/steg`: the stable key a platform stores progress under.
    pub address: String,
    pub title: String,
    pub audience: Vec<AudienceGroup>,
    /// Path of the rendered body (an HTML fragment; may be empty for media steg).
    pub html: String,
    /// The type and its type-specific parts.
    #[serde(flatten)]
    pub content: StegContent,
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
    },
    Audio {
        source: MediaSource,
        /// Path of the rendered transcript (HTML fragment).
        transcript: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_seconds: Option<u32>,
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
        questions: Vec<Question>,
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
            StegContent::Text | StegContent::Form { .. } | StegContent::Exercise { .. } => vec![],
            StegContent::Video {
                source,
                captions,
                transcript,
                poster,
                ..
            } => {
                let mut v = vec![captions.as_str(), transcript.as_str()];
                v.extend(source.file());
                v.extend(poster.as_deref());
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

/// A question of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Question {
    /// Unique within the form; stable across versions (answers are stored under it).
    pub id: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default)]
    pub required: bool,
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
    SingleChoice {
        options: Vec<ChoiceOption>,
    },
    MultipleChoice {
        options: Vec<ChoiceOption>,
    },
    /// A whole number from `min` to `max`.
    Scale {
        min: i32,
        max: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_label: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_label: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChoiceOption {
    pub value: String,
    pub label: String,
}

/// A place to write in an exercise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExerciseField {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub multiline: bool,
}

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FileEntry {
    /// Path relative to the bundle root, with `/` separators.
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The file's media type, e.g. `text/html`.
    pub media_type: String,
}

/// The JSON Schema of `bundle.json`, generated from these types.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Manifest);
    serde_json::to_value(schema).unwrap_or_default()
}
