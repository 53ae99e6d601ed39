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
    pub checks: Option<ChecksFront>,
}

/// `checks:` in moment.md: limits and allow-lists for the quality rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksFront {
    /// The highest LIX per audience group, e.g. `{ unga: 40, vardnadshavare: 50 }`.
    pub lix: Option<std::collections::BTreeMap<AudienceGroup, f64>>,
    /// Public phone numbers and e-mail addresses that may appear in the program.
    pub allowed_contacts: Option<Vec<String>>,
    pub max_words: Option<usize>,
    /// Hosts whose pages raw HTML may embed with `<iframe src="https://HOST/...">`, e.g.
    /// `[www.youtube-nocookie.com]`. Without it, no iframe is allowed.
    pub allowed_iframe_hosts: Option<Vec<String>>,
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
    pub scores: Option<Spanned<Vec<ScoreFront>>>,
    pub instrument: Option<Spanned<InstrumentFront>>,
    // exercise
    pub fields: Option<Spanned<Vec<FieldFront>>>,
    /// Findings this steg silences, each with the reason reviewers will see.
    pub allow: Option<Vec<AllowFront>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowFront {
    pub code: Spanned<String>,
    pub reason: String,
}

/// A question, a group of questions (`questions:`) or a text (`display`). Which fields a
/// type uses is checked after parsing (see `model::form`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionFront {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub label: String,
    pub help: Option<String>,
    pub required: Option<Spanned<bool>>,
    pub options: Option<Spanned<Vec<OptionFront>>>,
    // scale and number
    pub min: Option<Spanned<f64>>,
    pub max: Option<Spanned<f64>>,
    pub step: Option<Spanned<f64>>,
    pub min_label: Option<Spanned<String>>,
    pub max_label: Option<Spanned<String>>,
    pub unit: Option<Spanned<String>>,
    pub decimals: Option<Spanned<u8>>,
    // group
    pub questions: Option<Spanned<Vec<QuestionFront>>>,
    pub show_if: Option<Spanned<ConditionFront>>,
    pub alert: Option<Spanned<AlertFront>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionFront {
    pub value: Spanned<ScalarString>,
    pub label: String,
    pub score: Option<Spanned<f64>>,
}

/// `show_if:`: one test (`question:` and one operator) or `all:`/`any:` with a list of tests.
/// Every field is optional here so that a wrong combination gets a message about conditions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionFront {
    pub question: Option<Spanned<String>>,
    pub equals: Option<Spanned<ValueFront>>,
    pub not_equals: Option<Spanned<ValueFront>>,
    pub greater: Option<Spanned<ValueFront>>,
    pub less: Option<Spanned<ValueFront>>,
    pub answered: Option<Spanned<ValueFront>>,
    pub all: Option<Spanned<Vec<Spanned<ConditionFront>>>>,
    pub any: Option<Spanned<Vec<Spanned<ConditionFront>>>>,
}

/// `alert:` on a question or a score: `when:` holds one operator, tested on its own value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertFront {
    pub when: Spanned<ComparisonFront>,
    pub message: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonFront {
    pub equals: Option<Spanned<ValueFront>>,
    pub not_equals: Option<Spanned<ValueFront>>,
    pub greater: Option<Spanned<ValueFront>>,
    pub less: Option<Spanned<ValueFront>>,
    pub answered: Option<Spanned<ValueFront>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreFront {
    pub id: Spanned<String>,
    pub label: String,
    pub questions: Spanned<Vec<Spanned<String>>>,
    pub bands: Option<Spanned<Vec<Spanned<BandFront>>>>,
    pub alert: Option<Spanned<AlertFront>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandFront {
    pub min: Spanned<f64>,
    pub max: Spanned<f64>,
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentFront {
    pub name: String,
    pub source: Option<String>,
    #[serde(alias = "license")]
    pub licence: Option<Spanned<String>>,
    pub version: Option<ScalarString>,
    pub licensed: Option<Spanned<bool>>,
}

/// A value in a condition, as written: `equals: 3`, `equals: ja`, `equals: true`. The text
/// form is kept, so `equals: 1` matches an option written `value: 1`.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueFront {
    Bool(bool),
    Number(f64, String),
    Text(String),
}

impl<'de> Deserialize<'de> for ValueFront {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ValueFront;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a text, a number, true or false")
            }
            fn visit_str<E>(self, v: &str) -> Result<ValueFront, E> {
                Ok(ValueFront::Text(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ValueFront, E> {
                Ok(ValueFront::Number(v as f64, v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ValueFront, E> {
                Ok(ValueFront::Number(v as f64, v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<ValueFront, E> {
                Ok(ValueFront::Number(v, v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<ValueFront, E> {
                Ok(ValueFront::Bool(v))
            }
        }
        d.deserialize_any(V)
    }
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
