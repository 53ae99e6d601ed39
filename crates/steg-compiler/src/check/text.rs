//! Rules on the words of a file: stand-ins left from `steg new`, straight quotes in Swedish
//! text, and caption lines too long to read.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::path::Path;
use steg_bundle::diagnostic::{Diagnostic, Location, codes::*};

/// The texts `steg new` writes as stand-ins (its templates live in `src/cli/new/`): the start
/// of each, enough to know it. A text that still holds one was not written yet.
pub const STAND_IN_TEXTS: &[&str] = &[
    "Skriv stegets text här",
    "Skriv välkomsttexten här",
    "Skriv en kort inledning",
    "Skriv instruktionerna här",
    "Skriv en kort text som hör till bilden",
    "Skriv en eller två meningar om vad modulen handlar om",
    "Skriv en mening om vad programmet handlar om",
    "En platshållare som steg new har skapat",
    "Här ska hela texten till inspelningen stå",
    "Här ska hela texten till filmen stå",
];

/// The part of a media file's name that marks a stand-in from `steg new`
/// (`…-platshallare.webm`).
pub const STAND_IN_MEDIA: &str = "platshallare";

/// Whether a media path names a stand-in file from `steg new`.
pub fn is_stand_in_media(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let stem = name.split('.').next().unwrap_or(name);
    stem == STAND_IN_MEDIA || stem.ends_with(&format!("-{STAND_IN_MEDIA}"))
}

/// One warning per stand-in text left in `text` (a whole file: front matter and body).
pub fn stand_ins(file: &Path, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for phrase in STAND_IN_TEXTS {
        if let Some(i) = text.find(phrase) {
            out.push(
                Diagnostic::new(W1120, "text")
                    .arg("what", format!("{phrase}…"))
                    .in_file(file)
                    .at(Location::of_range(text, i..i + phrase.len())),
            );
        }
    }
    out
}

/// One warning per paragraph (or other block) of the body with straight double quotes in its
/// prose. Code, raw HTML and link addresses do not count: there `"` is right.
pub fn straight_quotes(file: &Path, text: &str, body_offset: usize) -> Vec<Diagnostic> {
    let Some(body) = text.get(body_offset..) else {
        return Vec::new();
    };
    if !body.contains('"') {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut reported_block: Option<usize> = None;
    let mut block = 0;
    let mut in_code = false;
    for (event, range) in Parser::new_ext(body, crate::markdown::options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::Item | Tag::TableCell) => {
                block += 1
            }
            Event::Text(_) if !in_code => {
                let Some(source) = body.get(range.clone()) else {
                    continue;
                };
                if let Some(i) = source.find('"')
                    && reported_block != Some(block)
                {
                    reported_block = Some(block);
                    let at = body_offset + range.start + i;
                    out.push(
                        Diagnostic::new(W1123, "straight")
                            .in_file(file)
                            .at(Location::of_range(text, at..at + 1)),
                    );
                }
            }
            _ => {}
        }
    }
    out
}

/// The longest a caption line should be, in characters.
pub const CAPTION_LINE_MAX: usize = 42;

/// One warning per cue line of a WebVTT file longer than [`CAPTION_LINE_MAX`] characters
/// (tags such as `<v Name>` and `<i>` not counted).
pub fn caption_lines(file: &Path, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut offset = 0;
    // Inside a cue after its timing line; NOTE, STYLE and REGION blocks and the header are not
    // cues.
    let mut in_cue = false;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            in_cue = false;
            continue;
        }
        if content.contains("-->") {
            in_cue = true;
            continue;
        }
        if !in_cue {
            continue;
        }
        let count = without_tags(content).trim().chars().count();
        if count > CAPTION_LINE_MAX {
            out.push(
                Diagnostic::new(W1122, "long")
                    .arg("count", count)
                    .arg("limit", CAPTION_LINE_MAX)
                    .in_file(file)
                    .at(Location::of_range(text, start..start + content.len())),
            );
        }
    }
    out
}

/// A cue line's text without its WebVTT tags, with `&amp;`-style escapes counted as one
/// character.
fn without_tags(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_tag = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            '&' if !in_tag => {
                out.push('&');
                // Skip to the end of the escape, if it is one.
                let rest = chars.as_str();
                if let Some(end) = rest.find(';').filter(|e| *e <= 6) {
                    chars = rest[end + 1..].chars();
                }
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_in_media_by_name() {
        assert!(is_stand_in_media("media/film-platshallare.webm"));
        assert!(is_stand_in_media("platshallare.svg"));
        assert!(!is_stand_in_media("media/somn-kroppens-klocka.webm"));
        assert!(!is_stand_in_media("media/platshallarens-bok.png"));
    }

    #[test]
    fn caption_lines_count_text_not_tags_or_timings() {
        let vtt = "WEBVTT\n\nNOTE en mycket lång anteckning som inte visas för någon alls\n\n1\n00:00:01.000 --> 00:00:04.000 line:90%\n<v Ana>Kort rad</v>\nEn rad som är mycket längre än fyrtiotvå tecken\n";
        let found = caption_lines(Path::new("x.vtt"), vtt);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location.as_ref().map(|l| l.line), Some(8));
    }

    #[test]
    fn straight_quotes_in_prose_not_in_code() {
        let text = "---\ntitle: \"x\"\n---\nSäg \"nej\".\n\n`\"kod\"`\n\n```\n\"block\"\n```\n";
        let body_offset = text.find("Säg").unwrap_or(0);
        let found = straight_quotes(Path::new("x.md"), text, body_offset);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location.as_ref().map(|l| l.line), Some(4));
    }
}
