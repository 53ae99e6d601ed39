//! The moment's own file: its metadata, welcome text, placeholders and flags.

use super::{Ctx, Parsed, render_body, settle_id};
use crate::front::MomentFront;
use crate::model::{Document, Modul, Moment};
use crate::source::MomentSource;
use std::collections::HashMap;
use std::sync::Arc;
use steg_bundle::diagnostic::{Diagnostic, Diagnostics, Location, codes::*};
use steg_bundle::ids::{is_valid_id, split_number_prefix};
use steg_bundle::layout;
use steg_bundle::manifest::{Audience, AudienceGroup, Flag, Placeholder, Trigger};

pub(super) fn build_moment_head(
    src: &MomentSource,
    p: &Parsed<MomentFront>,
    ctx: &Ctx<'_>,
    d: &mut Diagnostics,
) -> Moment {
    let f = &p.front;
    let folder = split_number_prefix(&src.name).map_or(src.name.as_str(), |(_, r)| r);
    let id = settle_id(f.id.as_ref(), folder, p, d);
    let version = check_head_fields(p, d);
    let (welcome, placeholders) = welcome(p, ctx, d);
    let flags = f
        .flags
        .iter()
        .map(|f| Flag {
            id: f.id.value.clone(),
            title: f.title.clone(),
            recipient: f.recipient,
            trigger: f.trigger.value.clone(),
            message: normalize_placeholders(&f.message),
            repeat_days: f.repeat_days.as_ref().map(|r| r.value),
            activity: f.activity.unwrap_or_default(),
            proxy: f.proxy.unwrap_or_default(),
            placeholders: {
                let mut names: Vec<String> = find_placeholders(&f.message)
                    .into_iter()
                    .map(|(n, _)| n)
                    .collect();
                names.sort();
                names.dedup();
                names
            },
        })
        .collect();
    Moment {
        id,
        title: f.title.clone(),
        version,
        language: f.language.value.clone(),
        summary: f.summary.clone(),
        duration_days: f.duration_days.value,
        audience: Audience {
            groups: dedup(f.audience.groups.value.clone()),
            min_age: f.audience.min_age.value,
            proxy_under_age: f.audience.proxy_under_age,
        },
        placeholders,
        flags,
        welcome,
        moduler: vec![],
        media: vec![],
        dir: src.dir.clone(),
        source: p.file.clone(),
        content_hash: String::new(),
        approvals: Default::default(),
        revision: Default::default(),
        head_revision: Default::default(),
        fhir: fhir_settings(p, d),
    }
}

/// `fhir:`: a canonical base must be a plain http(s) address (a form's url is made from it).
fn fhir_settings(p: &Parsed<MomentFront>, d: &mut Diagnostics) -> crate::model::FhirSettings {
    let Some(f) = &p.front.fhir else {
        return Default::default();
    };
    let canonical_base = f.canonical_base.as_ref().and_then(|b| {
        let v = b.value.trim().trim_end_matches('/');
        let rest = v
            .strip_prefix("https://")
            .or_else(|| v.strip_prefix("http://"));
        let ok = rest.is_some_and(|r| {
            !r.is_empty()
                && !r.starts_with('/')
                && r.chars()
                    .all(|c| c.is_ascii_graphic() && !"?#|\\\"<>".contains(c))
        });
        if ok {
            Some(v.to_string())
        } else {
            d.push(
                Diagnostic::new(E0205, "canonical-base")
                    .arg("value", &b.value)
                    .in_file(&p.file)
                    .at_opt(p.at(b)),
            );
            None
        }
    });
    crate::model::FhirSettings {
        canonical_base,
        publisher: f.publisher.clone().filter(|s| !s.trim().is_empty()),
    }
}

/// Checks the version, language, duration and audience of moment.md: the version, or
/// 0.0.0 when it is not one (reported).
fn check_head_fields(p: &Parsed<MomentFront>, d: &mut Diagnostics) -> semver::Version {
    let f = &p.front;
    let version = match semver::Version::parse(f.version.value.trim()) {
        Ok(v) => v,
        Err(e) => {
            d.push(
                Diagnostic::new(E0303, "version")
                    .arg("version", &f.version.value)
                    .arg("error", e)
                    .in_file(&p.file)
                    .at_opt(p.at(&f.version)),
            );
            semver::Version::new(0, 0, 0)
        }
    };
    if !is_language_tag(&f.language.value) {
        d.push(
            Diagnostic::new(E0304, "tag")
                .arg("value", &f.language.value)
                .in_file(&p.file)
                .at_opt(p.at(&f.language)),
        );
    }
    if f.duration_days.value == 0 {
        d.push(
            Diagnostic::new(E0305, "moment-days")
                .in_file(&p.file)
                .at_opt(p.at(&f.duration_days)),
        );
    }
    if f.audience.groups.value.is_empty() {
        d.push(
            Diagnostic::new(E0206, "no-group")
                .in_file(&p.file)
                .at_opt(p.at(&f.audience.groups)),
        );
    }
    version
}

/// The welcome text, which must not be empty, with its placeholders checked and written
/// one way.
fn welcome(
    p: &Parsed<MomentFront>,
    ctx: &Ctx<'_>,
    d: &mut Diagnostics,
) -> (Document, Vec<Placeholder>) {
    let welcome = render_body(p, layout::WELCOME, ctx, d);
    if welcome.is_empty() {
        d.push(
            Diagnostic::new(E0701, "none")
                .in_file(&p.file)
                .at(p.body_start()),
        );
    }
    let placeholders = check_placeholders(p, d);
    let welcome = Document {
        html: normalize_placeholders(&welcome.html),
        ..welcome
    };
    (welcome, placeholders)
}

pub(super) fn check_flags(
    moment: &Moment,
    p: &Parsed<MomentFront>,
    moduler: &[Arc<Modul>],
    d: &mut Diagnostics,
) {
    let mut seen = HashMap::new();
    for (flag, front) in moment.flags.iter().zip(&p.front.flags) {
        let at = p.at(&front.id);
        if !is_valid_id(&flag.id) {
            d.push(
                Diagnostic::new(E0301, "flag")
                    .arg("id", &flag.id)
                    .in_file(&p.file)
                    .at_opt(at.clone()),
            );
        }
        if seen.insert(flag.id.clone(), ()).is_some() {
            d.push(
                Diagnostic::new(E0704, "same")
                    .arg("id", &flag.id)
                    .in_file(&p.file)
                    .at_opt(at.clone()),
            );
        }
        let trigger_at = p.at(&front.trigger).or_else(|| at.clone());
        let days = match &flag.trigger {
            Trigger::MomentStarted => None,
            Trigger::Inactive { days } => Some(("days", *days)),
            Trigger::ModulEnds {
                days_before,
                moduler: refs,
            } => {
                can_fire(&flag.id, refs, moduler, p, trigger_at.as_ref(), d);
                for r in refs {
                    if !moduler.iter().any(|m| &m.id == r) {
                        let known: Vec<_> = moduler.iter().map(|m| m.id.as_str()).collect();
                        d.push(
                            Diagnostic::new(E0705, "modul")
                                .arg("flag", &flag.id)
                                .arg("modul", r)
                                .arg("known", known.join(", "))
                                .in_file(&p.file)
                                .at_opt(
                                    find_after(&p.text, trigger_at.as_ref(), r)
                                        .or_else(|| trigger_at.clone()),
                                ),
                        );
                    }
                }
                Some(("days_before", *days_before))
            }
            Trigger::MomentEnds { days_before } => Some(("days_before", *days_before)),
        };
        check_flag_semantics(flag, front, moment, p, trigger_at.clone(), d);
        if let Some((field, n)) = days
            && (n == 0 || n >= moment.duration_days)
        {
            d.push(
                Diagnostic::new(E0305, "flag-days")
                    .arg("flag", &flag.id)
                    .arg("field", field)
                    .arg("value", n)
                    .arg("max", moment.duration_days.saturating_sub(1))
                    .in_file(&p.file)
                    .at_opt(trigger_at),
            );
        }
    }
}

/// A `modul_ends` flag goes out only when a modul it watches has an end (`duration_days:`):
/// one that can never fire is an error, since nobody would ever get its message.
fn can_fire(
    flag: &str,
    refs: &[String],
    moduler: &[Arc<Modul>],
    p: &Parsed<MomentFront>,
    trigger_at: Option<&Location>,
    d: &mut Diagnostics,
) {
    if refs.is_empty() {
        // Every modul is watched; one with an end is enough. (Say nothing while no modul
        // loaded: other findings explain that.)
        if !moduler.is_empty() && moduler.iter().all(|m| m.duration_days.is_none()) {
            d.push(
                Diagnostic::new(E0722, "none")
                    .arg("flag", flag)
                    .in_file(&p.file)
                    .at_opt(trigger_at.cloned()),
            );
        }
        return;
    }
    for r in refs {
        if let Some(m) = moduler.iter().find(|m| &m.id == r)
            && m.duration_days.is_none()
        {
            d.push(
                Diagnostic::new(E0722, "modul")
                    .arg("flag", flag)
                    .arg("modul", r)
                    .in_file(&p.file)
                    .at_opt(find_after(&p.text, trigger_at, r).or_else(|| trigger_at.cloned())),
            );
        }
    }
}

/// The fields that give a flag its meaning: `repeat_days` within the program, fields only
/// some events use, and placeholders in the message that are declared.
fn check_flag_semantics(
    flag: &Flag,
    front: &crate::front::FlagFront,
    moment: &Moment,
    p: &Parsed<MomentFront>,
    at: Option<Location>,
    d: &mut Diagnostics,
) {
    let inactive = matches!(flag.trigger, Trigger::Inactive { .. });
    let unused = |field: &str, used_by: &str| {
        Diagnostic::new(W0707, "field")
            .arg("flag", &flag.id)
            .arg("field", field)
            .arg("used_by", used_by)
            .in_file(&p.file)
            .at_opt(at.clone())
    };
    if let Some(r) = &front.repeat_days {
        if !inactive {
            d.push(unused("repeat_days", "inactive").at_opt(p.at(r).or_else(|| at.clone())));
        } else if r.value == 0 || r.value >= moment.duration_days {
            d.push(
                Diagnostic::new(E0305, "flag-days")
                    .arg("flag", &flag.id)
                    .arg("field", "repeat_days")
                    .arg("value", r.value)
                    .arg("max", moment.duration_days.saturating_sub(1))
                    .in_file(&p.file)
                    .at_opt(p.at(r).or_else(|| at.clone())),
            );
        }
    }
    if front.activity.is_some() && !inactive {
        d.push(unused("activity", "inactive"));
    }
    if front.proxy.is_some() && flag.recipient != steg_bundle::manifest::Recipient::Invanare {
        d.push(unused("proxy", "recipient: invanare"));
    }
    for name in &flag.placeholders {
        if !p
            .front
            .placeholders
            .iter()
            .any(|ph| ph.name.value.trim() == name)
        {
            d.push(
                Diagnostic::new(E0702, "undeclared")
                    .arg("name", name)
                    .in_file(&p.file)
                    .at_opt(find_after(&p.text, at.as_ref(), "{{").or_else(|| at.clone())),
            );
        }
    }
}

/// Placeholders must be declared before use, and their names must be simple.
fn check_placeholders(p: &Parsed<MomentFront>, d: &mut Diagnostics) -> Vec<Placeholder> {
    let used = find_placeholders(p.body());
    // A placeholder used only in a flag's message is used as well; those are checked with the
    // flags (offsets into the front matter, not the body, so never reported from here).
    let in_flags: Vec<String> = p
        .front
        .flags
        .iter()
        .flat_map(|f| find_placeholders(&f.message))
        .map(|(n, _)| n)
        .collect();
    let mut out = Vec::new();
    for ph in &p.front.placeholders {
        let name = ph.name.value.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            d.push(
                Diagnostic::new(E0301, "placeholder")
                    .arg("name", name)
                    .in_file(&p.file)
                    .at_opt(p.at(&ph.name)),
            );
        }
        if !used.iter().any(|(n, _)| n == name) && !in_flags.iter().any(|n| n == name) {
            d.push(
                Diagnostic::new(W0703, "unused")
                    .arg("name", name)
                    .in_file(&p.file)
                    .at_opt(p.at(&ph.name)),
            );
        }
        out.push(Placeholder {
            name: name.to_string(),
            description: ph.description.clone(),
            example: ph.example.clone(),
        });
    }
    for (name, offset) in used {
        if !out.iter().any(|ph| ph.name == name) {
            let start = p.body_offset + offset;
            d.push(
                Diagnostic::new(E0702, "undeclared")
                    .arg("name", &name)
                    .in_file(&p.file)
                    .at(Location::of_range(&p.text, start..start + name.len() + 4)),
            );
        }
    }
    out
}

/// `{{ name }}` occurrences in `text`, with the byte offset of each.
fn find_placeholders(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("{{") {
        let start = from + i;
        match text[start + 2..].find("}}") {
            Some(len) if len <= 64 && !text[start + 2..start + 2 + len].contains('\n') => {
                out.push((text[start + 2..start + 2 + len].trim().to_string(), start));
                from = start + 4 + len;
            }
            _ => from = start + 2,
        }
    }
    out
}

/// `{{ name }}` → `{{name}}`, the one spelling the bundle format documents.
fn normalize_placeholders(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find("}}") {
            Some(len) if len <= 64 => {
                out.push_str("{{");
                out.push_str(after[..len].trim());
                out.push_str("}}");
                rest = &after[len + 2..];
            }
            _ => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One rule for the compiler and the loader (which checks the tags of a bundle's tracks).
pub(super) use steg_bundle::manifest::is_language_tag;

pub(super) fn dedup(mut v: Vec<AudienceGroup>) -> Vec<AudienceGroup> {
    v.sort();
    v.dedup();
    v
}

/// The first `needle` in `text` at or after `from` (a location on the same or a later line).
pub(super) fn find_after(text: &str, from: Option<&Location>, needle: &str) -> Option<Location> {
    let start = from?.bytes.as_ref()?.start;
    let i = text.get(start..)?.find(needle)? + start;
    Some(Location::of_range(text, i..i + needle.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_normalized() {
        let found = find_placeholders("Hej {{ mottagning }} och {{x}}, {{ ej stängd");
        assert_eq!(
            found,
            [("mottagning".to_string(), 4), ("x".to_string(), 25)]
        );
        assert_eq!(
            normalize_placeholders("<p>{{ a }} {{b}}</p>"),
            "<p>{{a}} {{b}}</p>"
        );
    }

    #[test]
    fn language_tags() {
        assert!(is_language_tag("sv"));
        assert!(is_language_tag("sv-SE"));
        assert!(!is_language_tag("svenska"));
        assert!(!is_language_tag(""));
    }
}
