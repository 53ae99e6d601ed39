//! The content hash: what a reviewer approves, so that white-space edits keep an approval and
//! every other change loses it.

/// The bytes that may start white space: ASCII white space and the lead bytes of the
/// multi-byte white space characters (see [`space_at`]).
const MAY_START_SPACE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = matches!(i, 0x09..=0x0d | 0x20 | 0xc2 | 0xe1 | 0xe2 | 0xe3);
        i += 1;
    }
    t
};

/// The length of the character at byte `i` of `source` and whether it is white space (as
/// `char::is_whitespace`); `None` at the end. `i` need not be a character boundary: a byte
/// inside a character reads as part of a word.
#[inline(always)]
fn space_at(source: &str, i: usize) -> Option<(usize, bool)> {
    match *source.as_bytes().get(i)? {
        b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' => Some((1, true)),
        // Only these lead bytes start white space beyond ASCII (U+0085, U+00A0, U+1680,
        // U+2000–U+205F, U+3000); any other byte is part of a word.
        0xc2 | 0xe1 | 0xe2 | 0xe3 => source
            .get(i..)
            .and_then(|r| r.chars().next())
            .map(|c| (c.len_utf8(), c.is_whitespace())),
        _ => Some((1, false)),
    }
}

/// The hash a review approves: the source with white space normalized, followed by the given
/// inputs (hashes of the media, or of the parts, it depends on).
pub fn content_hash(source: &str, inputs: &[String]) -> String {
    use sha2::{Digest, Sha256};
    // Every run of white space counts as one space: re-wrapping a paragraph or adding a blank
    // line does not change what was approved. The normalized text is hashed as it is found,
    // in stretches that need no change (words joined by single spaces), without a copy.
    let mut hasher = Sha256::new();
    let bytes = source.as_bytes();
    let mut stretch: Option<usize> = None; // where the stretch being read starts
    let mut first = true;
    let mut i = 0;
    while let Some((len, space)) = space_at(source, i) {
        if space {
            let lone = bytes[i] == b' ' && space_at(source, i + 1).is_some_and(|(_, s)| !s);
            if let Some(start) = stretch.filter(|_| !lone) {
                if !first {
                    hasher.update(b" ");
                }
                hasher.update(&bytes[start..i]);
                first = false;
                stretch = None;
            }
        } else {
            stretch.get_or_insert(i);
            // The rest of the stretch, quickly: bytes that cannot start white space, and
            // single spaces followed by such a byte (they stay as they are).
            i += len;
            while let Some(&b) = bytes.get(i) {
                if !MAY_START_SPACE[usize::from(b)] {
                    i += 1;
                } else if b == b' '
                    && bytes
                        .get(i + 1)
                        .is_some_and(|n| !MAY_START_SPACE[usize::from(*n)])
                {
                    i += 2;
                } else {
                    break;
                }
            }
            continue;
        }
        i += len;
    }
    if let Some(start) = stretch {
        if !first {
            hasher.update(b" ");
        }
        hasher.update(&bytes[start..]);
    }
    for input in inputs {
        hasher.update(b"\0");
        hasher.update(input.as_bytes());
    }
    format!("{:x}", hasher.finalize())
}

#[cfg(test)]
mod content_hash_tests {
    use super::*;

    /// The definition `content_hash` must keep: approvals in use depend on its value.
    fn content_hash_by_definition(source: &str, inputs: &[String]) -> String {
        let mut normalized = source.split_whitespace().collect::<Vec<_>>().join(" ");
        for input in inputs {
            normalized.push('\0');
            normalized.push_str(input);
        }
        steg_bundle::sha256_hex(normalized.as_bytes())
    }

    #[test]
    fn content_hash_follows_its_definition() {
        let inputs = ["ab12".to_string()];
        for s in [
            "",
            " ",
            "a",
            " a ",
            "a b",
            "a  b",
            "a\tb",
            "a \nb",
            "a\n",
            "\n\na b  c\n",
            "å ä\u{a0}ö",
            "x\u{2003} y",
            "\u{3000}",
            "ord\u{85}ord",
            "a \u{a0}b",
            "a b ",
        ] {
            assert_eq!(
                content_hash(s, &[]),
                content_hash_by_definition(s, &[]),
                "{s:?}"
            );
            assert_eq!(
                content_hash(s, &inputs),
                content_hash_by_definition(s, &inputs),
                "{s:?}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 2000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x57e6),
            ..Default::default()
        })]
        #[test]
        fn content_hash_follows_its_definition_on_any_text(
            s in "([a-zå ]|\\s|\u{a0}|\u{2028}|\u{85}|\\PC){0,40}"
        ) {
            proptest::prop_assert_eq!(content_hash(&s, &[]), content_hash_by_definition(&s, &[]));
        }
    }
}
