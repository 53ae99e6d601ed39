//! Ids: the stable names of moments, moduler, avsnitt and steg.
//!
//! People are mid-program when a new version ships, and the platform stores their progress
//! under a steg's address, so an id must never change by accident. Ids derived from file names
//! are therefore simple and predictable, and `id:` in the front matter can pin one.

/// At most this many characters.
pub const MAX_ID_LEN: usize = 64;

/// Lower-case `a`-`z`, digits and `-`, not starting or ending with `-`, 1 to 64 characters.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Splits `01-somn` into `(1, "somn")`. Returns `None` when there is no `digits-` prefix.
pub fn split_number_prefix(name: &str) -> Option<(u32, &str)> {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 6 {
        return None;
    }
    let rest = name[digits..].strip_prefix(['-', '_'])?;
    let n = name[..digits].parse().ok()?;
    Some((n, rest))
}

/// Derives an id from a name: lower case, Swedish and other common letters folded to a-z,
/// anything else between words becomes a single `-`. The name is read in NFC first: macOS
/// saves file names decomposed (`o` + U+0308 for `ö`), and ids are permanent, so both
/// spellings must give the same id.
pub fn slugify(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.nfc().flat_map(char::to_lowercase) {
        let folded: &str = match c {
            'å' | 'ä' | 'à' | 'á' | 'â' | 'ã' => "a",
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' | 'õ' => "o",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'ü' | 'ú' | 'ù' | 'û' => "u",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'æ' => "ae",
            'ç' => "c",
            'ñ' => "n",
            'ß' => "ss",
            _ => "",
        };
        if !folded.is_empty() {
            out.push_str(folded);
            dash = false;
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out.truncate(MAX_ID_LEN);
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Sömndagbok"), "somndagbok");
        // Decomposed, as macOS saves names: the same id.
        assert_eq!(slugify("So\u{308}mndagbok"), "somndagbok");
        assert_eq!(
            slugify("A\u{30a}ngest och o\u{308}nskan"),
            "angest-och-onskan"
        );
        assert_eq!(slugify("Oro och Ångest!"), "oro-och-angest");
        assert_eq!(slugify("--x__y--"), "x-y");
        assert_eq!(slugify("???"), "");
    }

    #[test]
    fn prefixes() {
        assert_eq!(split_number_prefix("01-somn"), Some((1, "somn")));
        assert_eq!(split_number_prefix("10_x"), Some((10, "x")));
        assert_eq!(split_number_prefix("somn"), None);
        assert_eq!(split_number_prefix("01somn"), None);
    }

    #[test]
    fn valid_ids() {
        assert!(is_valid_id("plus-ung"));
        assert!(!is_valid_id("Plus"));
        assert!(!is_valid_id("-a"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id(&"a".repeat(65)));
    }

    proptest::proptest! {
        #[test]
        fn slugify_gives_valid_ids_or_nothing(s in "\\PC{0,80}") {
            let id = slugify(&s);
            proptest::prop_assert!(id.is_empty() || is_valid_id(&id), "{:?} -> {:?}", s, id);
        }
    }
}
