//! The rules of the format that a reader checks on a parsed manifest and on the bytes of
//! its files, beyond the tree and the hashes: the characters strings may hold, the spelling
//! of enumerations, release and review, forms, media kinds, and HTML fragments. Each rule is
//! documented in docs/bundle-format.md, so a platform in another language can check the same.

use crate::diagnostic::{Diagnostic, codes::*};
use crate::manifest::*;
use std::collections::{BTreeSet, HashMap};

/// Strings holding control or bidi characters, and enumeration values spelled otherwise than
/// the format spells them (serde aliases the compiler accepts in content, e.g.
/// `vårdnadshavare`, are not part of the bundle format). Walks the JSON itself, keys too.
pub(crate) fn check_strings(value: &serde_json::Value, out: &mut Vec<Diagnostic>) {
    fn walk(v: &serde_json::Value, at: &mut String, key: &str, out: &mut Vec<Diagnostic>) {
        match v {
            serde_json::Value::String(s) => {
                let multiline = crate::text::MULTILINE_KEYS.contains(&key);
                if let Some(c) = crate::text::first_forbidden(s, multiline) {
                    out.push(
                        Diagnostic::new(B0019, "control")
                            .arg("at", at.as_str())
                            .arg("char", format!("U+{:04X}", u32::from(c))),
                    );
                }
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    walk(item, at, key, out);
                    at.truncate(len);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    if let Some(c) = crate::text::first_forbidden(k, false) {
                        out.push(
                            Diagnostic::new(B0019, "control")
                                .arg("at", at.as_str())
                                .arg("char", format!("U+{:04X}", u32::from(c))),
                        );
                    }
                    walk(item, at, k, out);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }
    walk(value, &mut String::new(), "", out);
    check_spellings(value, out);
}

fn check_spellings(value: &serde_json::Value, out: &mut Vec<Diagnostic>) {
    let groups: Vec<&str> = AudienceGroup::ALL.iter().map(|g| g.as_str()).collect();
    let mut spelled = |at: String, v: &serde_json::Value, allowed: &[&str]| {
        if let Some(s) = v.as_str()
            && !allowed.contains(&s)
        {
            out.push(
                Diagnostic::new(B0002, "spelling")
                    .arg("at", at)
                    .arg("value", s)
                    .arg("allowed", allowed.join(", ")),
            );
        }
    };
    let arr = |v: Option<&serde_json::Value>| {
        v.and_then(|v| v.as_array())
            .map(Vec::as_slice)
            .unwrap_or_default()
            .to_vec()
    };
    for (i, g) in arr(value.pointer("/moment/audience/groups"))
        .iter()
        .enumerate()
    {
        spelled(format!("/moment/audience/groups/{i}"), g, &groups);
    }
    for (i, f) in arr(value.pointer("/moment/flags")).iter().enumerate() {
        if let Some(r) = f.get("recipient") {
            spelled(
                format!("/moment/flags/{i}/recipient"),
                r,
                &["invanare", "behandlare"],
            );
        }
    }
    for (mi, m) in arr(value.pointer("/moment/moduler")).iter().enumerate() {
        for (i, g) in arr(m.get("audience")).iter().enumerate() {
            spelled(format!("/moment/moduler/{mi}/audience/{i}"), g, &groups);
        }
        for (ai, a) in arr(m.get("avsnitt")).iter().enumerate() {
            for (si, s) in arr(a.get("steg")).iter().enumerate() {
                for (i, g) in arr(s.get("audience")).iter().enumerate() {
                    spelled(
                        format!("/moment/moduler/{mi}/avsnitt/{ai}/steg/{si}/audience/{i}"),
                        g,
                        &groups,
                    );
                }
            }
        }
    }
}

/// Every steg of a bundle, in order.
pub(crate) fn all_steg(m: &Manifest) -> impl Iterator<Item = &StegEntry> {
    m.moment
        .moduler
        .iter()
        .flat_map(|x| &x.avsnitt)
        .flat_map(|a| &a.steg)
}

/// `release: true` promises that every steg was approved for exactly its content.
pub(crate) fn check_release(m: &Manifest, out: &mut Vec<Diagnostic>) {
    for s in all_steg(m) {
        if let Some(hash) = &s.content_hash
            && !is_sha256(hash)
        {
            out.push(Diagnostic::new(B0020, "hash").arg("address", &s.address));
        }
        if !m.release {
            continue;
        }
        let state = match &s.review {
            None => Some("never reviewed"),
            Some(r) => match r.status {
                ReviewStatus::Approved
                    if s.content_hash.is_some() && r.approved_hash == s.content_hash =>
                {
                    None
                }
                ReviewStatus::Approved => Some("approved for other content"),
                ReviewStatus::Changed => Some("changed since its approval"),
                ReviewStatus::Unapproved => Some("not approved"),
            },
        };
        if let Some(state) = state {
            out.push(
                Diagnostic::new(B0020, "release")
                    .arg("address", &s.address)
                    .arg("state", state),
            );
        }
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Ids the tree check does not cover: flags, exercise fields (unique within their steg).
pub(crate) fn check_other_ids(m: &Manifest, out: &mut Vec<Diagnostic>) {
    for f in &m.moment.flags {
        if !crate::ids::is_valid_id(&f.id) {
            out.push(
                Diagnostic::new(B0004, "other-id")
                    .arg("what", "flag")
                    .arg("id", &f.id)
                    .arg("place", "moment.flags"),
            );
        }
    }
    for s in all_steg(m) {
        if let StegContent::Exercise { fields } = &s.content {
            let mut seen = BTreeSet::new();
            for f in fields {
                if !crate::ids::is_valid_id(&f.id) {
                    out.push(
                        Diagnostic::new(B0004, "other-id")
                            .arg("what", "field")
                            .arg("id", &f.id)
                            .arg("place", &s.address),
                    );
                }
                if !seen.insert(f.id.as_str()) {
                    out.push(
                        Diagnostic::new(B0023, "field-twice")
                            .arg("address", &s.address)
                            .arg("id", &f.id),
                    );
                }
            }
        }
    }
}

/// A video's text tracks, its poster's alt text, and a video's or audio's transcript
/// language (docs/bundle-format.md, *Media tracks*). A track's `kind` is an enumeration that
/// the typed parse already holds to its values (`B0002`).
pub(crate) fn check_media_parts(m: &Manifest, out: &mut Vec<Diagnostic>) {
    for s in all_steg(m) {
        let transcript_language = match &s.content {
            StegContent::Video {
                captions,
                poster,
                poster_alt,
                text_tracks,
                transcript_language,
                ..
            } => {
                check_tracks(&s.address, captions, text_tracks, out);
                match (poster, poster_alt) {
                    (None, Some(_)) => {
                        out.push(Diagnostic::new(B0027, "no-poster").arg("address", &s.address))
                    }
                    (Some(_), Some(alt)) if alt.trim().is_empty() => {
                        out.push(Diagnostic::new(B0027, "empty").arg("address", &s.address))
                    }
                    _ => {}
                }
                transcript_language
            }
            StegContent::Audio {
                transcript_language,
                ..
            } => transcript_language,
            _ => continue,
        };
        if let Some(l) = transcript_language
            && !is_language_tag(l)
        {
            out.push(
                Diagnostic::new(B0026, "transcript-language")
                    .arg("address", &s.address)
                    .arg("value", l),
            );
        }
    }
}

fn check_tracks(address: &str, captions: &str, tracks: &[TextTrack], out: &mut Vec<Diagnostic>) {
    // Absent (a bundle written before `text_tracks`): `captions` is the one track.
    let Some(first) = tracks.first() else {
        return;
    };
    if first.src != captions || first.kind != TrackKind::Captions {
        out.push(
            Diagnostic::new(B0026, "first-track")
                .arg("address", address)
                .arg("path", &first.src)
                .arg("captions", captions),
        );
    }
    let mut seen: BTreeSet<(String, &str)> = BTreeSet::new();
    for t in tracks {
        if !is_language_tag(&t.language) {
            out.push(
                Diagnostic::new(B0026, "track-language")
                    .arg("address", address)
                    .arg("path", &t.src)
                    .arg("value", &t.language),
            );
        } else if !seen.insert((t.language.to_ascii_lowercase(), t.kind.as_str())) {
            out.push(
                Diagnostic::new(B0026, "track-twice")
                    .arg("address", address)
                    .arg("kind", t.kind.as_str())
                    .arg("language", &t.language),
            );
        }
        if t.label.as_deref().is_some_and(|l| l.trim().is_empty()) {
            out.push(
                Diagnostic::new(B0026, "label")
                    .arg("address", address)
                    .arg("path", &t.src),
            );
        }
    }
}

/// `moved_from`: each an address of ids, none still a steg of the bundle (progress would be
/// moved away from a steg that is still there), none claimed by two steg (whose progress
/// would a platform move?).
pub(crate) fn check_moved_from(m: &Manifest, out: &mut Vec<Diagnostic>) {
    let addresses: BTreeSet<&str> = all_steg(m).map(|s| s.address.as_str()).collect();
    let mut claimed: HashMap<&str, &str> = HashMap::new();
    for s in all_steg(m) {
        for old in &s.moved_from {
            let parts: Vec<&str> = old.split('/').collect();
            if parts.len() != 3 || !parts.iter().all(|p| crate::ids::is_valid_id(p)) {
                out.push(
                    Diagnostic::new(B0028, "address")
                        .arg("address", &s.address)
                        .arg("old", old),
                );
                continue;
            }
            if addresses.contains(old.as_str()) {
                out.push(
                    Diagnostic::new(B0028, "exists")
                        .arg("address", &s.address)
                        .arg("old", old),
                );
            }
            match claimed.get(old.as_str()) {
                Some(first) if *first == s.address => {}
                Some(first) => out.push(
                    Diagnostic::new(B0028, "claimed")
                        .arg("old", old)
                        .arg("first", *first)
                        .arg("second", &s.address),
                ),
                None => {
                    claimed.insert(old.as_str(), s.address.as_str());
                }
            }
        }
    }
}

/// `provenance`: a commit in git's spelling, a build time and its epoch that agree, a signing
/// key whose id is its own and, when the signature was checked, the key that signed.
pub(crate) fn check_provenance(
    m: &Manifest,
    trusted_key: Option<&[u8; 32]>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(p) = &m.provenance else {
        return;
    };
    let lower_hex = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    if let Some(src) = &p.source
        && !((src.commit.len() == 40 || src.commit.len() == 64) && lower_hex(&src.commit))
    {
        out.push(Diagnostic::new(B0029, "commit").arg("value", &src.commit));
    }
    match (p.source_date_epoch, &p.built_at) {
        (Some(epoch), Some(at)) => {
            let expected = rfc3339_utc(epoch);
            if *at != expected {
                out.push(
                    Diagnostic::new(B0029, "built-at")
                        .arg("value", at)
                        .arg("epoch", epoch)
                        .arg("expected", expected),
                );
            }
        }
        (None, None) => {}
        _ => out.push(Diagnostic::new(B0029, "time-pair")),
    }
    if let Some(k) = &p.signing_key {
        if k.algorithm != "ed25519" {
            out.push(Diagnostic::new(B0029, "algorithm").arg("value", &k.algorithm));
        }
        if k.public_key.len() != 64 || !lower_hex(&k.public_key) {
            out.push(Diagnostic::new(B0029, "public-key"));
        } else {
            use sha2::Digest;
            let bytes: Vec<u8> = (0..32)
                .filter_map(|i| u8::from_str_radix(&k.public_key[2 * i..2 * i + 2], 16).ok())
                .collect();
            let digest = crate::signature::hex(&sha2::Sha256::digest(&bytes));
            let expected = &digest[..16];
            if k.id != expected {
                out.push(
                    Diagnostic::new(B0029, "key-id")
                        .arg("value", &k.id)
                        .arg("expected", expected),
                );
            }
            if let Some(t) = trusted_key
                && crate::signature::hex(t) != k.public_key
            {
                out.push(
                    Diagnostic::new(B0029, "other-key")
                        .arg("value", &k.public_key)
                        .arg("trusted", crate::signature::hex(t)),
                );
            }
        }
    }
}

/// Seconds since 1970-01-01 UTC as RFC 3339 (`2026-01-12T08:00:00Z`), as steg writes
/// `built_at`: the civil date by Howard Hinnant's `civil_from_days`.
fn rfc3339_utc(epoch: u64) -> String {
    let days = (epoch / 86_400) as i64;
    let secs = epoch % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The form rules of docs/bundle-format.md (*Forms*) that the tree check does not cover.
pub(crate) fn check_form(address: &str, form: &Form, out: &mut Vec<Diagnostic>) {
    let all = crate::forms::questions_in_order(&form.questions);
    let by_id: HashMap<&str, &Question> = all.iter().map(|q| (q.id.as_str(), *q)).collect();
    // The answered questions before the one at hand: a condition may only test those.
    let mut earlier: BTreeSet<&str> = BTreeSet::new();
    for q in &all {
        check_question(address, q, &by_id, &earlier, out);
        if q.kind.takes_answer() {
            earlier.insert(q.id.as_str());
        }
    }
    for s in &form.scores {
        check_score(address, form, s, &by_id, out);
    }
}

/// A B0023 diagnostic about the form at `address`.
fn form_rule(address: &str, key: &'static str) -> Diagnostic {
    Diagnostic::new(B0023, key).arg("address", address)
}

/// The B0004 diagnostic for a question's or score's id that is not a valid id.
fn other_id(what: &str, id: &str, address: &str) -> Diagnostic {
    Diagnostic::new(B0004, "other-id")
        .arg("what", what)
        .arg("id", id)
        .arg("place", address)
}

/// The checks on one question: its id, its kind, its alert and its conditions, given the
/// answered questions before it (`earlier`).
fn check_question(
    address: &str,
    q: &Question,
    by_id: &HashMap<&str, &Question>,
    earlier: &BTreeSet<&str>,
    out: &mut Vec<Diagnostic>,
) {
    let rule = |key: &'static str| form_rule(address, key);
    if !crate::ids::is_valid_id(&q.id) {
        out.push(other_id("question", &q.id, address));
    }
    if q.required && !q.kind.takes_answer() {
        out.push(rule("display-required").arg("question", &q.id));
    }
    check_question_kind(address, q, out);
    if let Some(alert) = &q.alert
        && !value_fits(Some(&q.kind), alert.when.operator, &alert.when.value)
    {
        out.push(rule("alert-type").arg("owner", &q.id));
    }
    for c in q.show_if.iter().flat_map(|s| &s.conditions) {
        // A condition on a question that is not an answered one before it is B0012.
        if earlier.contains(c.question.as_str())
            && let Some(target) = by_id.get(c.question.as_str())
            && !value_fits(Some(&target.kind), c.operator, &c.value)
        {
            out.push(
                rule("condition-type")
                    .arg("question", &q.id)
                    .arg("target", &c.question),
            );
        }
    }
}

/// The checks that depend on a question's kind: options, scale steps and number bounds.
fn check_question_kind(address: &str, q: &Question, out: &mut Vec<Diagnostic>) {
    let rule = |key: &'static str| form_rule(address, key);
    match &q.kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
            check_options(address, q, options, out);
        }
        QuestionKind::Scale { min, max, step, .. } => {
            let (min, max, step) = (i64::from(*min), i64::from(*max), i64::from(*step));
            if min >= max || step <= 0 || (max - min) % step != 0 {
                out.push(
                    rule("step")
                        .arg("question", &q.id)
                        .arg("min", min)
                        .arg("max", max)
                        .arg("step", step),
                );
            }
        }
        QuestionKind::Number { min, max, .. }
            if min.is_some_and(|v| !v.is_finite())
                || max.is_some_and(|v| !v.is_finite())
                || matches!((min, max), (Some(a), Some(b)) if a > b) =>
        {
            out.push(rule("number").arg("question", &q.id));
        }
        _ => {}
    }
}

/// A choice question's options: each value once, scored all or none, scores finite.
fn check_options(address: &str, q: &Question, options: &[ChoiceOption], out: &mut Vec<Diagnostic>) {
    let rule = |key: &'static str| form_rule(address, key);
    let mut seen = BTreeSet::new();
    for o in options {
        if !seen.insert(o.value.as_str()) {
            out.push(
                rule("option-twice")
                    .arg("question", &q.id)
                    .arg("value", &o.value),
            );
        }
    }
    let scored = options.iter().filter(|o| o.score.is_some()).count();
    if scored != 0 && scored != options.len() {
        out.push(rule("partly-scored").arg("question", &q.id));
    }
    if options
        .iter()
        .any(|o| o.score.is_some_and(|s| !s.is_finite()))
    {
        out.push(rule("number").arg("question", &q.id));
    }
}

/// The checks on one score: its id, its questions, its alert, and (when every question is
/// one it can sum) its range and bands against what the questions can add up to.
fn check_score(
    address: &str,
    form: &Form,
    s: &Score,
    by_id: &HashMap<&str, &Question>,
    out: &mut Vec<Diagnostic>,
) {
    let rule = |key: &'static str| form_rule(address, key);
    if !crate::ids::is_valid_id(&s.id) {
        out.push(other_id("score", &s.id, address));
    }
    let range = score_range(address, s, by_id, out);
    if let Some(alert) = &s.alert
        && !value_fits(None, alert.when.operator, &alert.when.value)
    {
        out.push(rule("alert-type").arg("owner", &s.id));
    }
    let Some((lo, hi)) = range else {
        return;
    };
    let decimals = crate::forms::score_decimals(form, &s.questions);
    let (lo, hi) = (
        crate::forms::round_to(lo, decimals),
        crate::forms::round_to(hi, decimals),
    );
    if (s.min - lo).abs() > 1e-9 || (s.max - hi).abs() > 1e-9 {
        out.push(
            rule("score-range")
                .arg("score", &s.id)
                .arg("min", s.min)
                .arg("max", s.max)
                .arg("lo", lo)
                .arg("hi", hi),
        );
        return;
    }
    if !s.bands.is_empty() && !bands_cover(&s.bands, lo, hi, decimals) {
        out.push(
            rule("bands")
                .arg("score", &s.id)
                .arg("lo", lo)
                .arg("hi", hi),
        );
    }
}

/// The unrounded range a score's questions can sum to, or `None` when one is listed twice,
/// missing (B0012, reported elsewhere) or unscorable; the first and last are reported here.
fn score_range(
    address: &str,
    s: &Score,
    by_id: &HashMap<&str, &Question>,
    out: &mut Vec<Diagnostic>,
) -> Option<(f64, f64)> {
    let rule = |key: &'static str| form_rule(address, key);
    let mut seen = BTreeSet::new();
    let (mut lo, mut hi) = (0.0, 0.0);
    let mut complete = true;
    for id in &s.questions {
        if !seen.insert(id.as_str()) {
            out.push(rule("score-twice").arg("score", &s.id).arg("question", id));
            complete = false;
            continue;
        }
        // A question the form does not have is B0012.
        let Some(q) = by_id.get(id.as_str()) else {
            complete = false;
            continue;
        };
        match crate::forms::contribution_range(&q.kind) {
            Some((a, b)) => {
                lo += a;
                hi += b;
            }
            None => {
                out.push(rule("unscorable").arg("score", &s.id).arg("question", id));
                complete = false;
            }
        }
    }
    complete.then_some((lo, hi))
}

/// Whether `bands` (in any order) cover `lo..=hi` in steps of `10^-decimals`, with no gap and
/// no overlap, each band's ends being values the score can take.
fn bands_cover(bands: &[Band], lo: f64, hi: f64, decimals: u32) -> bool {
    let unit = 10f64.powi(decimals as i32);
    let to_units = |v: f64| {
        let scaled = v * unit;
        ((scaled - scaled.round()).abs() <= 1e-6 && scaled.abs() < 1e15)
            .then(|| scaled.round() as i64)
    };
    let mut units = Vec::new();
    for b in bands {
        let (Some(min), Some(max)) = (to_units(b.min), to_units(b.max)) else {
            return false;
        };
        if min > max {
            return false;
        }
        units.push((min, max));
    }
    units.sort_unstable();
    let (Some(lo), Some(hi)) = (to_units(lo), to_units(hi)) else {
        return false;
    };
    let mut next = lo;
    for (min, max) in units {
        if min != next {
            return false;
        }
        next = max + 1;
    }
    next == hi + 1
}

/// Whether `operator value` is a test the answer of a question of `kind` (or a score, when
/// `kind` is `None`) can meet, as docs/bundle-format.md (*Forms*, `value`) lists them.
fn value_fits(kind: Option<&QuestionKind>, operator: Operator, value: &AnswerValue) -> bool {
    let number = |whole: bool| match value {
        AnswerValue::Number(n) => n.is_finite() && (!whole || n.fract() == 0.0),
        _ => false,
    };
    let Some(kind) = kind else {
        return operator != Operator::Answered && number(false);
    };
    if !kind.takes_answer() {
        return false;
    }
    if operator == Operator::Answered {
        return matches!(value, AnswerValue::Bool(_));
    }
    let equality = matches!(operator, Operator::Equals | Operator::NotEquals);
    match kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
            equality
                && matches!(value, AnswerValue::Text(v) if options.iter().any(|o| &o.value == v))
        }
        QuestionKind::YesNo => equality && matches!(value, AnswerValue::Bool(_)),
        QuestionKind::Scale { .. } => number(true),
        QuestionKind::Number { decimals, .. } => number(*decimals == 0),
        _ => false,
    }
}

/// What a file listed in the manifest is used as, from the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Html,
    Captions,
    Image,
    Video,
    Audio,
    Fhir,
}

impl Role {
    /// Whether a listed media type suits the role.
    fn accepts(self, media_type: &str) -> bool {
        match self {
            Role::Html => media_type == "text/html",
            Role::Captions => media_type == "text/vtt",
            Role::Image => media_type.starts_with("image/"),
            Role::Video => media_type.starts_with("video/"),
            Role::Audio => media_type.starts_with("audio/"),
            Role::Fhir => media_type == "application/fhir+json",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Role::Html => "an HTML fragment",
            Role::Captions => "captions",
            Role::Image => "an image",
            Role::Video => "a video",
            Role::Audio => "an audio file",
            Role::Fhir => "a FHIR Questionnaire",
        }
    }
}

/// Every file the tree refers to, with the role it plays there.
pub(crate) fn roles(m: &Manifest) -> Vec<(&str, Role)> {
    let moment = &m.moment;
    let mut v = vec![(moment.welcome.as_str(), Role::Html)];
    for modul in &moment.moduler {
        v.extend(modul.intro.as_deref().map(|p| (p, Role::Html)));
        for a in &modul.avsnitt {
            v.extend(a.intro.as_deref().map(|p| (p, Role::Html)));
            for s in &a.steg {
                v.push((s.html.as_str(), Role::Html));
                match &s.content {
                    StegContent::Video {
                        source,
                        captions,
                        transcript,
                        poster,
                        text_tracks,
                        ..
                    } => {
                        v.push((captions.as_str(), Role::Captions));
                        v.extend(
                            text_tracks
                                .iter()
                                .filter(|t| t.src != *captions)
                                .map(|t| (t.src.as_str(), Role::Captions)),
                        );
                        v.push((transcript.as_str(), Role::Html));
                        v.extend(source.file().map(|p| (p, Role::Video)));
                        v.extend(poster.as_deref().map(|p| (p, Role::Image)));
                    }
                    StegContent::Audio {
                        source, transcript, ..
                    } => {
                        v.push((transcript.as_str(), Role::Html));
                        v.extend(source.file().map(|p| (p, Role::Audio)));
                    }
                    StegContent::Image { src, .. } => v.push((src.as_str(), Role::Image)),
                    StegContent::Form { fhir, .. } => {
                        v.extend(fhir.as_deref().map(|p| (p, Role::Fhir)));
                    }
                    StegContent::Text | StegContent::Exercise { .. } => {}
                }
            }
        }
    }
    v.retain(|(p, _)| !p.is_empty());
    v
}

/// A listed file's media type against its name and its role: the type its extension gives
/// (`application/fhir+json` for the forms under `fhir/`), and one that suits each role the
/// tree gives it.
pub(crate) fn check_media_type(entry: &FileEntry, roles: &[Role], out: &mut Vec<Diagnostic>) {
    let expected = if entry.path.starts_with(crate::layout::FHIR_DIR) {
        "application/fhir+json"
    } else {
        crate::layout::media_type(&entry.path)
    };
    if entry.media_type != expected {
        out.push(
            Diagnostic::new(B0024, "media-type")
                .arg("path", &entry.path)
                .arg("listed", &entry.media_type)
                .arg("expected", expected),
        );
        return;
    }
    for role in roles {
        if !role.accepts(&entry.media_type) {
            out.push(
                Diagnostic::new(B0024, "role")
                    .arg("path", &entry.path)
                    .arg("listed", &entry.media_type)
                    .arg("role", role.name()),
            );
        }
    }
}

/// What is wrong with a file's bytes for its kind (by its name): HTML fragments against the
/// allow-list, captions that are not WebVTT, images that are not images. `None`: nothing.
pub(crate) fn check_content(path: &str, bytes: &[u8]) -> Option<Diagnostic> {
    let media_type = crate::layout::media_type(path);
    if media_type == "text/html" {
        return crate::html::check_fragment(bytes).err().map(|problem| {
            let (key, detail) = problem.parts();
            let code = if key == "control" { B0019 } else { B0025 };
            let key = if key == "control" { "fragment" } else { key };
            Diagnostic::new(code, key)
                .arg("path", path)
                .arg("detail", detail)
        });
    }
    if media_type == "text/vtt" {
        let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        let ok = text.starts_with(b"WEBVTT")
            && matches!(text.get(6), None | Some(b' ' | b'\t' | b'\n' | b'\r'));
        return (!ok).then(|| Diagnostic::new(B0024, "vtt").arg("path", path));
    }
    if media_type.starts_with("image/") && !image_magic(media_type, bytes) {
        return Some(
            Diagnostic::new(B0024, "image")
                .arg("path", path)
                .arg("type", media_type),
        );
    }
    None
}

/// How many bytes at its start decide whether a file is the image it claims to be.
pub(crate) const MAGIC_BYTES: usize = 16;

/// Whether the first bytes of a file are those of an image of `media_type`.
fn image_magic(media_type: &str, b: &[u8]) -> bool {
    match media_type {
        "image/png" => b.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => b.starts_with(b"\xff\xd8\xff"),
        "image/gif" => b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a"),
        "image/webp" => b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP"),
        "image/avif" => {
            b.get(4..8) == Some(b"ftyp") && matches!(b.get(8..12), Some(b"avif" | b"avis"))
        }
        "image/svg+xml" => {
            let text = b.strip_prefix("\u{feff}".as_bytes()).unwrap_or(b);
            let start = text
                .iter()
                .position(|c| !c.is_ascii_whitespace())
                .unwrap_or(0);
            text[start..].starts_with(b"<?xml") || text[start..].starts_with(b"<svg")
        }
        _ => false,
    }
}

#[cfg(test)]
mod provenance_tests {
    use super::rfc3339_utc;

    #[test]
    fn build_times_are_written_as_steg_writes_them() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_768_204_800), "2026-01-12T08:00:00Z");
        // A leap day.
        assert_eq!(rfc3339_utc(951_782_400 + 3661), "2000-02-29T01:01:01Z");
    }
}
