//! The catalogue of diagnostic codes.
//!
//! A code is stable once released: tools and editors' notes refer to it. Codes starting with
//! `E` are errors, `W` warnings. `E01xx` files and folders, `E02xx` front matter, `E03xx` ids
//! and versions, `E04xx` steg types, `E05xx` forms, `E06xx` media and links, `E07xx` the moment,
//! `E08xx` output, `E09xx` themes, `E11xx` check rules (readability, personal data, accessibility),
//! `E12xx` review and release, `B0xxx` the bundle loader.

use super::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub id: &'static str,
    /// One line saying what the code is about; the long explanations live in docs/.
    pub summary: &'static str,
}

impl Code {
    pub fn severity(self) -> Severity {
        if self.id.starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

macro_rules! codes {
    ($($name:ident = $summary:literal;)*) => {
        $(pub const $name: Code = Code { id: stringify!($name), summary: $summary };)*
        /// Every code, in catalogue order.
        pub const CODES: &[Code] = &[$($name),*];
    };
}

codes! {
    E0101 = "a file or folder could not be read";
    E0102 = "a Markdown file is not valid UTF-8 text";
    E0103 = "no moment found: no folder with a moment.md";
    E0104 = "a numbered folder has no modul.md or avsnitt.md";
    E0105 = "a steg file is not inside an avsnitt";
    E0106 = "a modul, avsnitt or steg has no number prefix";
    E0107 = "two siblings share a number prefix";
    E0108 = "a modul has no avsnitt";
    E0109 = "an avsnitt has no steg";
    E0110 = "a moment has no modul";
    E0111 = "a file is too large";
    E0201 = "a Markdown file has no front matter";
    E0202 = "the front matter is not closed with ---";
    E0203 = "the front matter is not valid YAML";
    E0204 = "the front matter has a field steg does not know";
    E0205 = "a front-matter field has a value of the wrong kind";
    E0206 = "a required front-matter field is missing";
    E0207 = "the front matter is nested too deeply, uses too many aliases, or is too large";
    E0301 = "an id is not valid";
    E0302 = "two siblings have the same id";
    E0303 = "the version is not a semantic version";
    E0304 = "the language is not a valid language tag";
    E0305 = "a number is out of range";
    E0401 = "a steg has an unknown type";
    E0402 = "a steg lacks a field its type requires";
    W0403 = "a steg has a field its type does not use";
    E0404 = "a steg's text is empty where its type requires text";
    E0405 = "an image has no alt text and is not marked decorative";
    E0406 = "a video or audio has both src and url, or neither";
    E0501 = "a form or a group of questions has no questions";
    E0502 = "two questions, scores or fields share an id";
    E0503 = "a choice question has no options";
    E0504 = "a scale's or number's bounds, step or decimals are not valid";
    E0505 = "two options of a question share a value";
    E0506 = "a question has an unknown type";
    W0507 = "a question has a field its type does not use";
    E0508 = "a condition or score names a question that is not in the form";
    E0509 = "a condition tests a question that is not asked before it";
    E0510 = "a condition or alert does not fit the type of what it tests";
    E0511 = "a condition or alert is not written in a known shape";
    E0512 = "a score counts a question that has no score";
    E0513 = "some options of a question have a score and others do not";
    E0514 = "a score's bands leave a gap, overlap, or do not cover its range";
    E0515 = "an instrument marked licensed has no licence text";
    E0601 = "a referenced file does not exist";
    E0602 = "a path leaves the moment's folder";
    E0603 = "a link points to a steg that does not exist";
    E0604 = "a referenced file is of the wrong kind";
    E0605 = "a link or image uses an address scheme that is not allowed (such as javascript:)";
    E0606 = "an embedded frame (iframe) is not from a host on the allow-list";
    E0701 = "the moment has no welcome text";
    E0702 = "a placeholder is used but not declared";
    W0703 = "a placeholder is declared but never used";
    E0704 = "two flags share an id";
    E0705 = "a flag refers to a modul that does not exist";
    E0706 = "two moments share an id";
    E0801 = "the output could not be written";
    E0802 = "the output folder is inside the content";
    E0803 = "a signing or trusted key file cannot be read or is not a key";
    E0901 = "a theme template has an error";
    E0902 = "a theme is incomplete or cannot be read";
    W1101 = "a heading level is skipped, or the text has a level-1 heading";
    W1102 = "a text is harder to read (LIX) than the limit for its readers";
    E1103 = "a text contains a Swedish personal identity number";
    E1104 = "a text contains a phone number that is not on the allow-list";
    E1105 = "a text contains an e-mail address that is not on the allow-list";
    W1106 = "two steg in one avsnitt have the same title";
    W1107 = "a steg is very long";
    W1108 = "a file in the program is used by no steg";
    W1109 = "a steg silences a finding it does not have, or one that cannot be silenced";
    E1201 = "a release build needs every steg approved";
    E1202 = "the approvals file cannot be read";
    E1204 = "the new version number is lower than the changes require";
    B0001 = "the bundle could not be read";
    B0002 = "the manifest is not valid";
    B0003 = "the bundle's format version is not supported";
    B0004 = "the bundle's hierarchy is not valid";
    B0005 = "two siblings in the bundle share an id";
    B0006 = "a file named by the manifest is missing";
    B0007 = "a file's hash or size differs from the manifest";
    B0008 = "a path in the manifest is not allowed";
    B0009 = "a flag refers to something that does not exist";
    B0010 = "a file in the bundle is not listed in the manifest";
    B0011 = "a steg lacks a part its type requires";
    B0012 = "a form's condition or score refers to a question that is not before it in the form";
    B0013 = "an entry's path would land outside the bundle or is not in normal form";
    B0014 = "an archive entry is a link or another kind of file than a plain file";
    B0015 = "the bundle holds the same path twice";
    B0016 = "a file, the number of entries or the whole bundle is over the loader's limits";
    B0017 = "a trusted key was given but the bundle is not signed";
    B0018 = "the bundle's signature is malformed, made by another key, or does not match";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for c in CODES {
            assert!(seen.insert(c.id), "duplicate code {}", c.id);
            assert_eq!(c.id.len(), 5, "{}", c.id);
            assert!(c.id[1..].chars().all(|ch| ch.is_ascii_digit()), "{}", c.id);
            assert!(!c.summary.is_empty());
        }
    }
}
