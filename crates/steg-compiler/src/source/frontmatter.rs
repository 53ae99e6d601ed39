//! Splitting a Markdown file into YAML front matter and body, and parsing the YAML into a typed
//! struct with every problem located in the original file.

use serde::de::DeserializeOwned;
use std::path::Path;
use steg_bundle::diagnostic::{Diagnostic, Location, codes::*};

/// A Markdown file split into its parts. Offsets are byte offsets into the whole file.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    pub text: &'a str,
    pub yaml: &'a str,
    pub yaml_offset: usize,
    pub body: &'a str,
    pub body_offset: usize,
}

/// Splits `---\nyaml\n---\nbody`. A UTF-8 byte-order mark is allowed before the first `---`.
pub fn split<'a>(text: &'a str, file: &Path) -> Result<Split<'a>, Diagnostic> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[start..];
    let first_line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    if rest[..first_line_end].trim_end() != "---" {
        return Err(Diagnostic::new(E0201, "none")
            .in_file(file)
            .at(Location::of_range(
                text,
                start..start + first_line_end.min(3),
            )));
    }
    let yaml_offset = start + first_line_end;
    let mut pos = yaml_offset;
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let line = text[pos..line_end].trim_end();
        if line == "---" || line == "..." {
            return Ok(Split {
                text,
                yaml: &text[yaml_offset..pos],
                yaml_offset,
                body: &text[line_end..],
                body_offset: line_end,
            });
        }
        pos = line_end;
    }
    Err(Diagnostic::new(E0202, "unclosed")
        .in_file(file)
        .at(Location::of_range(text, start..start + 3)))
}

/// Turns a location inside the YAML into a location in the whole file.
#[derive(Debug, Clone, Copy)]
pub struct YamlPos<'a> {
    pub text: &'a str,
    pub yaml_offset: usize,
}

impl YamlPos<'_> {
    pub fn of(&self, loc: &serde_saphyr::Location) -> Option<Location> {
        if loc.line() == 0 {
            return None;
        }
        let span = loc.span();
        if let (Some(start), Some(len)) = (span.byte_offset(), span.byte_len()) {
            let start = self.yaml_offset + usize::try_from(start).ok()?;
            let end = start + usize::try_from(len).ok()?;
            if end <= self.text.len() {
                return Some(Location::of_range(self.text, start..end));
            }
        }
        let first_line = self.text[..self.yaml_offset].matches('\n').count();
        Some(Location::line_column(
            first_line + usize::try_from(loc.line()).ok()?,
            usize::try_from(loc.column()).ok()?,
        ))
    }

    /// The location of a spanned value.
    pub fn at<T>(&self, value: &serde_saphyr::Spanned<T>) -> Option<Location> {
        self.of(&value.referenced)
    }
}

/// Limits that keep hostile YAML (alias bombs, deep nesting) cheap to refuse.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: 32,
            max_aliases: 100,
            max_anchors: 100,
            max_events: 200_000,
            max_total_scalar_bytes: 512 * 1024,
        },
    }
}

/// Parses the front matter of `split` into `T`.
pub fn parse<T: DeserializeOwned>(split: &Split<'_>, file: &Path) -> Result<T, Diagnostic> {
    // An empty front matter is an empty mapping, so "missing field" errors name the field.
    let yaml = if split.yaml.trim().is_empty() {
        "{}"
    } else {
        split.yaml
    };
    serde_saphyr::from_str_with_options::<T>(yaml, options()).map_err(|e| {
        let pos = YamlPos {
            text: split.text,
            yaml_offset: split.yaml_offset,
        };
        yaml_error(&e, pos, file)
    })
}

fn yaml_error(e: &serde_saphyr::Error, pos: YamlPos<'_>, file: &Path) -> Diagnostic {
    let inner = e.without_snippet();
    let message = plain_message(inner);
    let location = inner
        .location()
        .and_then(|l| pos.of(&l))
        .or_else(|| Some(Location::at_byte(pos.text, pos.yaml_offset)));
    let d = if let Some(limit) = over_limit(inner, &message) {
        Diagnostic::new(E0207, limit).arg("detail", &message)
    } else if let Some(field) = between(&message, "unknown field `", "`") {
        unknown_field(field, &message)
    } else if let Some(field) = between(&message, "missing field `", "`") {
        // Shown at the opening `---`: the field is missing from the front matter as a whole.
        return Diagnostic::new(E0206, "missing")
            .arg("field", field)
            .in_file(file)
            .at(Location::of_range(
                pos.text,
                pos.yaml_offset.saturating_sub(4)..pos.yaml_offset.saturating_sub(1),
            ));
    } else if is_wrong_value(inner) {
        let field = location
            .as_ref()
            .and_then(|l| field_at_line(pos.text, l.line));
        wrong_value(&message, field)
    } else {
        Diagnostic::new(E0203, "yaml").arg("detail", &message)
    };
    d.in_file(file).at_opt(location)
}

/// E0204: a field the front matter does not take, with the closest allowed one if any.
fn unknown_field(field: &str, message: &str) -> Diagnostic {
    let expected = message
        .split_once("expected ")
        .map(|(_, e)| e.to_string())
        .unwrap_or_default();
    let allowed = expected.trim_start_matches("one of ").replace('`', "");
    let d = if field.contains(' ') {
        // `{ label: Jag slår, kastar saker }` splits at the comma: the rest looks like a field.
        Diagnostic::new(E0204, "cut-text")
    } else if let Some(s) = closest(field, &allowed) {
        Diagnostic::new(E0204, "unknown-near").arg("suggestion", s)
    } else {
        Diagnostic::new(E0204, "unknown")
    };
    d.arg("field", field).arg("allowed", allowed)
}

/// E0205: a value of the wrong kind, for `field` if the line names one.
fn wrong_value(message: &str, field: Option<String>) -> Diagnostic {
    let (key, allowed) = expected_kind(message);
    // The catalogue has each wording twice: for a named field, and for an unknown one.
    let key = match (key, field.is_some()) {
        ("one-of", true) => "one-of",
        ("one-of", false) => "one-of-here",
        ("list", true) => "list",
        ("list", false) => "list-here",
        ("fields", true) => "fields",
        ("fields", false) => "fields-here",
        ("bool", true) => "bool",
        ("bool", false) => "bool-here",
        ("number", true) => "number",
        ("number", false) => "number-here",
        (_, true) => "text",
        (_, false) => "text-here",
    };
    let d = Diagnostic::new(E0205, key).arg("detail", message);
    let d = if allowed.is_empty() {
        d
    } else {
        d.arg("allowed", allowed)
    };
    match field {
        Some(f) => d.arg("field", f),
        None => d,
    }
}

/// What kind of value the parser expected, told from its message, and the values allowed
/// when it names them.
fn expected_kind(message: &str) -> (&'static str, String) {
    let m = message.to_ascii_lowercase();
    if m.contains("unknown variant") {
        let allowed = message
            .split_once("expected ")
            .map(|(_, e)| e.trim_start_matches("one of ").replace('`', ""))
            .unwrap_or_default();
        ("one-of", allowed)
    } else if m.contains("sequence") {
        ("list", String::new())
    } else if m.contains("mapping") || m.contains("map") || m.contains("struct") {
        ("fields", String::new())
    } else if m.contains("bool") {
        ("bool", String::new())
    } else if m.contains("u8")
        || m.contains("u16")
        || m.contains("u32")
        || m.contains("u64")
        || m.contains("i32")
        || m.contains("i64")
        || m.contains("integer")
    {
        ("number", String::new())
    } else {
        ("text", String::new())
    }
}

/// Which of the limits in [`options`] hostile YAML ran into: the key of its message.
fn over_limit(e: &serde_saphyr::Error, message: &str) -> Option<&'static str> {
    use serde_saphyr::Error as E;
    let m = message.to_ascii_lowercase();
    let alias = "aliases";
    let deep = "deep";
    let large = "large";
    match e {
        E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => Some(alias),
        E::Budget { .. } if m.contains("alias") || m.contains("anchor") => Some(alias),
        E::Budget { .. } if m.contains("depth") => Some(deep),
        E::Budget { .. } => Some(large),
        _ if m.contains("recursion limit") || m.contains("depth limit") => Some(deep),
        _ => None,
    }
}

/// A value of the wrong kind (text where a number belongs, a word outside a list of allowed
/// values), as opposed to YAML that cannot be read at all.
fn is_wrong_value(e: &serde_saphyr::Error) -> bool {
    use serde_saphyr::Error as E;
    matches!(
        e,
        E::Unexpected { .. }
            | E::InvalidScalar { .. }
            | E::SerdeInvalidType { .. }
            | E::SerdeInvalidValue { .. }
            | E::SerdeInvalidLength { .. }
            | E::SerdeUnknownVariant { .. }
            | E::ExternallyTaggedEnumExpectedScalarOrMapping { .. }
            | E::ExpectedStringKeyForExternallyTaggedEnum { .. }
            | E::UnexpectedValueForUnitEnumVariant { .. }
            | E::NullIntoString { .. }
            | E::InvalidBooleanStrict { .. }
            | E::TaggedScalarCannotDeserializeIntoString { .. }
    )
}

/// The field named on line `line` of `text` (`  title: x` or `- id: x` gives the name).
fn field_at_line(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let l = l
        .trim_start()
        .trim_start_matches("- ")
        .trim_start_matches(['{', ' ']);
    let (name, _) = l.split_once(':')?;
    let name = name.trim();
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| name.to_string())
}

/// The error's message without the location and snippet serde-saphyr would add.
fn plain_message(e: &serde_saphyr::Error) -> String {
    let text = match e {
        serde_saphyr::Error::Message { msg, .. } => msg.clone(),
        other => other.to_string(),
    };
    let first = text.lines().next().unwrap_or_default();
    // Drop a trailing " at line N column M" that some messages carry.
    let trimmed = match first.find(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    trimmed.trim().trim_end_matches('.').to_string()
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// The allowed name closest to `field`, if it is close enough to be a likely typo.
fn closest<'a>(field: &str, expected: &'a str) -> Option<&'a str> {
    expected
        .split(['`', ',', ' '])
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(|cand| (edit_distance(field, cand), cand))
        .filter(|(d, cand)| *d <= 2.max(cand.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter() {
        let t = "---\ntitle: A\n---\nBody\n";
        let s = split(t, Path::new("x.md")).unwrap();
        assert_eq!(s.yaml, "title: A\n");
        assert_eq!(s.body, "Body\n");
        assert_eq!(&t[s.body_offset..], "Body\n");
    }

    #[test]
    fn missing_and_unclosed() {
        assert_eq!(
            split("title: A\n", Path::new("x")).unwrap_err().code,
            "E0201"
        );
        assert_eq!(
            split("---\ntitle: A\n", Path::new("x")).unwrap_err().code,
            "E0202"
        );
    }

    #[test]
    fn typo_suggestion() {
        assert_eq!(closest("titel", "`id`, `title`, `type`"), Some("title"));
        assert_eq!(closest("zzzzzz", "`id`, `title`"), None);
    }
}
