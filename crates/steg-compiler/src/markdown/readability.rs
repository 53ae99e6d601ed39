//! LIX, the Swedish readability index (Björnsson 1968):
//! words / sentences + 100 × long words / words, where a long word has more than six letters.
//!
//! How text is counted, so scores are comparable: only prose counts (code is skipped); a
//! sentence ends at `.`, `!`, `?` or `:` followed by a space or the end of a block; every
//! heading, list item, table cell and paragraph also ends a sentence if it did not already;
//! abbreviations such as "t.ex." count their full stops, which is why plain-language guides
//! ask for them to be written out. Words are runs of letters and digits (`12-åring` is one).

use crate::model::Lix;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// Counts the prose of a Markdown text, as the render counts it.
pub fn lix(markdown: &str) -> Lix {
    let mut counter = Counter::default();
    for event in Parser::new_ext(markdown, crate::markdown::options()) {
        counter.event(&event);
    }
    counter.finish()
}

/// Counts LIX from the events of a parse that is made anyway (the render's), so the text is
/// parsed once. Also counts [`crate::markdown::count_words`]'s words in the same walk.
#[derive(Default)]
pub struct Counter {
    counts: Lix,
    /// A sentence has words but has not ended.
    open: bool,
    in_code: bool,
    /// Words as `count_words` counts them, summed over the prose.
    pub plain_words: usize,
}

impl Counter {
    pub fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => self.in_code = true,
            Event::End(TagEnd::CodeBlock) => self.in_code = false,
            // Code is not prose, but its words are shown to the reader.
            Event::Text(t) if self.in_code => self.plain_words += crate::markdown::count_words(t),
            Event::Text(t) => self.text(t),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) if self.open => {
                self.counts.sentences += 1;
                self.open = false;
            }
            _ => {}
        }
    }

    /// One walk over a run of prose: LIX words, sentences and long words, and plain words.
    /// Byte by byte, decoding only what is not ASCII: this loop sees every letter.
    fn text(&mut self, t: &str) {
        let bytes = t.as_bytes();
        let mut word = Word::default();
        // The piece `count_words` is in has a letter or digit.
        let mut piece_alnum = false;
        let mut i = 0;
        while i < bytes.len() {
            let (c, len) = char_at(t, i);
            i += len;
            let (alnum, letter) = if c.is_ascii() {
                (c.is_ascii_alphanumeric(), c.is_ascii_alphabetic())
            } else {
                (is_alphanumeric(c), is_alphabetic(c))
            };
            if alnum {
                piece_alnum = true;
                word.chars += 1;
                word.letters += usize::from(letter);
                word.alphanumeric = true;
                // The letters that follow, quickly: ASCII, and the two-byte Latin-1 letters
                // (`à`–`ÿ` and `À`–`Þ`, as 0xC3 0x80–0xBF, but not `×` and `÷`).
                loop {
                    match (bytes.get(i), bytes.get(i + 1)) {
                        (Some(b), _) if b.is_ascii_alphabetic() => i += 1,
                        (Some(0xc3), Some(0x80..=0xbf)) if !matches!(bytes[i + 1], 0x97 | 0xb7) => {
                            i += 2;
                        }
                        _ => break,
                    }
                    word.chars += 1;
                    word.letters += 1;
                }
                continue;
            }
            if c == '-' && word.chars > 0 {
                // Trailing hyphens do not count; they are neither letters nor alphanumeric.
                word.chars += 1;
                continue;
            }
            if c != '-' && c != '\'' {
                self.plain_words += usize::from(piece_alnum);
                piece_alnum = false;
            }
            self.finish_word(&mut word);
            if matches!(c, '.' | '!' | '?' | ':')
                && self.open
                && (i == bytes.len() || char_at(t, i).0.is_whitespace())
            {
                self.counts.sentences += 1;
                self.open = false;
            }
        }
        self.plain_words += usize::from(piece_alnum);
        self.finish_word(&mut word);
    }

    fn finish_word(&mut self, word: &mut Word) {
        if word.alphanumeric {
            self.counts.words += 1;
            if word.letters > 6 {
                self.counts.long_words += 1;
            }
            self.open = true;
        }
        *word = Word::default();
    }

    pub fn finish(mut self) -> Lix {
        if self.open {
            self.counts.sentences += 1;
            self.open = false;
        }
        self.counts
    }
}

/// The word being read: what LIX needs of it, without keeping its text.
#[derive(Default)]
struct Word {
    chars: usize,
    letters: usize,
    alphanumeric: bool,
}

/// The character starting at byte `i` of `t` (a character boundary) and its length.
#[inline(always)]
fn char_at(t: &str, i: usize) -> (char, usize) {
    match t.as_bytes()[i] {
        b if b < 0x80 => (char::from(b), 1),
        _ => {
            let c = t[i..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
            (c, c.len_utf8())
        }
    }
}

/// `char::is_alphabetic`, answered without the Unicode tables for Latin-1, where Swedish
/// text has all its letters (the table lookup was the largest single cost of loading).
pub fn is_alphabetic(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' => true,
        '\0'..='\u{7f}' => false,
        'ª' | 'µ' | 'º' => true,
        '\u{80}'..='\u{bf}' | '×' | '÷' => false,
        '\u{c0}'..='\u{ff}' => true,
        _ => c.is_alphabetic(),
    }
}

/// `char::is_alphanumeric`, with the Latin-1 fast path of [`is_alphabetic`].
pub fn is_alphanumeric(c: char) -> bool {
    match c {
        '0'..='9' => true,
        '\0'..='\u{ff}' => is_alphabetic(c) || matches!(c, '²' | '³' | '¹' | '¼' | '½' | '¾'),
        _ => c.is_alphanumeric(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_a_simple_text() {
        // 8 words, 2 sentences, 3 long words ("dåligt", 6 letters, is not long).
        let l = lix("Jag sover dåligt. Kroppens klocka behöver sömnen regelbundet.");
        assert_eq!((l.words, l.sentences, l.long_words), (8, 2, 3));
        assert!((l.score() - (4.0 + 37.5)).abs() < 1e-9);
    }

    #[test]
    fn headings_and_list_items_end_sentences() {
        let l = lix("## Så gör du\n\n- Gå upp\n- Ät frukost\n");
        assert_eq!(l.sentences, 3);
        assert_eq!(l.words, 7);
    }

    /// The counting rules written plainly, one text at a time: what the fast walk must equal.
    fn by_definition(t: &str) -> (usize, usize, usize, usize) {
        let (mut words, mut long, mut sentences, mut open) = (0, 0, 0, false);
        let chars: Vec<char> = t.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let mut j = i;
            while j < chars.len() && (chars[j].is_alphanumeric() || (chars[j] == '-' && j > i)) {
                j += 1;
            }
            if chars[i..j].iter().any(|c| c.is_alphanumeric()) {
                words += 1;
                long += usize::from(chars[i..j].iter().filter(|c| c.is_alphabetic()).count() > 6);
                open = true;
            }
            if j == i {
                let end = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
                if matches!(chars[i], '.' | '!' | '?' | ':') && open && end {
                    sentences += 1;
                    open = false;
                }
                j += 1;
            }
            i = j;
        }
        let plain = t
            .split(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count();
        (words, long, sentences + usize::from(open), plain)
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 3000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x57e6),
            ..Default::default()
        })]
        #[test]
        fn the_fast_walk_counts_by_definition(
            t in "([a-zåäöA-ZÅÄÖ0-9é×µ²]|[ .!?:'-]|\\s|\u{a0}|\\PC){0,60}"
        ) {
            let mut c = Counter::default();
            c.text(&t);
            let plain = c.plain_words;
            let l = c.finish();
            proptest::prop_assert_eq!((l.words, l.long_words, l.sentences, plain), by_definition(&t));
        }
    }

    #[test]
    fn latin1_fast_paths_agree_with_the_standard_library() {
        for c in (0..=0x2ffu32).filter_map(char::from_u32) {
            assert_eq!(is_alphabetic(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn empty_text_scores_zero() {
        assert_eq!(lix("").score(), 0.0);
    }
}
