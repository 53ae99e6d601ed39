//! Characters that must not reach a manifest, a fragment or a terminal, and how names are
//! compared so that two look-alike entries cannot both be in a bundle.
//!
//! A title holding ESC can retitle or clear the terminal that prints it; a bidi override
//! can make `evil.html` read as `lmth.live`; NUL cuts strings short in C-based readers. None
//! of these has a place in a program's text, so the loader refuses them, and anything printed
//! from a bundle is escaped as well.

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// The JSON keys of `bundle.json` whose strings may span several lines (tab and line feed
/// allowed); every other string is one line.
pub const MULTILINE_KEYS: [&str; 5] = ["summary", "message", "description", "help", "caption"];

/// A character no manifest string may hold: C0 controls (tab and line feed aside, where the
/// text may have several lines), DEL, C1 controls, and the bidi embeddings, overrides and
/// isolates (U+202A–U+202E, U+2066–U+2069).
pub fn is_forbidden(c: char, multiline: bool) -> bool {
    match c {
        '\t' | '\n' => !multiline,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// The first forbidden character of `s`, if any.
pub fn first_forbidden(s: &str, multiline: bool) -> Option<char> {
    s.chars().find(|c| is_forbidden(*c, multiline))
}

/// `s` with every forbidden character (tab and line feed included) written as `\u{..}`, so
/// that it prints as one harmless line. Borrowed when there is nothing to escape.
pub fn escape(s: &str) -> Cow<'_, str> {
    if first_forbidden(s, false).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_forbidden(c, false) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The key under which two names count as the same entry: compatibility-normalized (NFKC,
/// so NFC and NFD spellings and compatibility look-alikes meet) and lower-cased (so names
/// differing only in case meet). Many file systems and object stores store such names in one
/// place, so after verification one would overwrite the other.
pub fn look_alike_key(name: &str) -> String {
    name.nfkc()
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .nfkc()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_forbidden() {
        for c in [
            '\u{0}', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{202e}', '\u{2066}',
        ] {
            assert!(is_forbidden(c, true), "{c:?}");
        }
        assert!(is_forbidden('\n', false));
        assert!(!is_forbidden('\n', true));
        for c in ['a', 'å', ' ', '\u{200e}', '–', '”'] {
            assert!(!is_forbidden(c, false), "{c:?}");
        }
    }

    #[test]
    fn escaping_leaves_one_harmless_line() {
        assert_eq!(escape("Sömn"), "Sömn");
        assert_eq!(escape("a\u{1b}]0;x\u{7}b\n"), "a\\u{1b}]0;x\\u{7}b\\u{a}");
        assert_eq!(escape("\u{202e}lmth"), "\\u{202e}lmth");
    }

    #[test]
    fn look_alikes_share_a_key() {
        assert_eq!(look_alike_key("Media/A.PNG"), look_alike_key("media/a.png"));
        // "ö" precomposed (NFC) and as o + combining diaeresis (NFD).
        assert_eq!(look_alike_key("s\u{f6}mn"), look_alike_key("so\u{308}mn"));
        assert_eq!(look_alike_key("\u{fb01}le"), look_alike_key("file"));
        assert_ne!(look_alike_key("a.html"), look_alike_key("b.html"));
    }
}
