//! The front matter of each kind of file, exactly as an editor writes it.
//!
//! Unknown fields are refused (a typo such as `titel:` must not be silently ignored), and
//! fields that later checks point at are [`Spanned`] so those checks can name line and column.

use crate::bundle::manifest::{AudienceGroup, Recipient, Trigger};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MomentFront {
    pub id: Option<Spanned<String>>,
    pub title: String,
    pub version: Spanned<String>,
    pub language: Spanned<String>,
    pub summary: Option<String>,
    pub duration_days: Spanned<u32>,
    pub audience: AudienceFront,
    #[serde(default)]
    pub placeholders: Vec<PlaceholderFront>,
    #[serde(default)]
    pub flags: Vec<FlagFront>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudienceFront {
    pub groups: Spanned<Vec<AudienceGroup>>,
    pub min_age: Spanned<u8>,
    pub proxy_under_age: Option<u8>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceholderFront {
    pub name: Spanned<String>,
    pub description: String,
    pub example: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagFront {
    pub id: Spanned<String>,
    pub title: String,
    pub recipient: Recipient,
    pub trigger: Spanned<Trigger>,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModulFront {
    pub id: Option<Spanned<String>>,
    pub title: String,
    pub summary: String,
    pub duration_days: Option<Spanned<u32>>,
    pub audience: Option<Vec<AudienceGroup>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvsnittFront {
    pub id: Option<Spanned<String>>,
    pub title: String,
}

/// One struct for every steg type: which fields a type needs is checked after parsing, so
/// that a missing or misplaced field gets a message about the type, not about YAML.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StegFront {
    pub id: Option<Spanned<String>>,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: Option<Spanned<String>>,
    pub audience: Option<Vec<AudienceGroup>>,
    // video, audio, image
    pub src: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub captions: Option<Spanned<String>>,
    pub transcript: Option<Spanned<String>>,
    pub poster: Option<Spanned<String>>,
    pub duration_seconds: Option<Spanned<u32>>,
    pub alt: Option<Spanned<String>>,
    pub decorative: Option<Spanned<bool>>,
    pub caption: Option<Spanned<String>>,
    // form
    pub questions: Option<Spanned<Vec<QuestionFront>>>,
    // exercise
    pub fields: Option<Spanned<Vec<FieldFront>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionFront {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub label: String,
    pub help: Option<String>,
    #[serde(default)]
    pub required: bool,
    pub options: Option<Spanned<Vec<OptionFront>>>,
    pub min: Option<Spanned<i32>>,
    pub max: Option<Spanned<i32>>,
    pub min_label: Option<Spanned<String>>,
    pub max_label: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionFront {
    pub value: Spanned<ScalarString>,
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldFront {
    pub id: Spanned<String>,
    pub label: String,
    #[serde(default)]
    pub multiline: bool,
}

/// A scalar read as text: option values are often written as numbers (`value: 1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalarString(pub String);

impl<'de> Deserialize<'de> for ScalarString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ScalarString;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a text or a number")
            }
            fn visit_str<E>(self, v: &str) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}
