//! LIX, the Swedish readability index (Björnsson 1968):
//! words / sentences + 100 × long words / words, where a long word has more than six letters.
//!
//! How text is counted, so scores are comparable: only prose counts (code is skipped); a
//! sentence ends at `.`, `!`, `?` or `:` followed by a space or the end of a block; every
//! heading, list item, table cell and paragraph also ends a sentence if it did not already;
//! abbreviations such as "t.ex." count their full stops, which is why plain-language guides
//! ask for them to be written out. Words are runs of letters and digits (`12-åring` is one).

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// The counts behind a LIX score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lix {
    pub words: usize,
    pub sentences: usize,
    pub long_words: usize,
}

impl Lix {
    pub fn score(&self) -> f64 {
        if self.words == 0 {
            return 0.0;
        }
        self.words as f64 / self.sentences.max(1) as f64
            + 100.0 * self.long_words as f64 / self.words as f64
    }
}

/// Counts the prose of a Markdown text.
pub fn lix(markdown: &str) -> Lix {
    let mut counts = Lix {
        words: 0,
        sentences: 0,
        long_words: 0,
    };
    let mut open = false; // a sentence has words but has not ended
    let mut in_code = false;
    for event in Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) if !in_code => {
                let mut chars = t.chars().peekable();
                let mut word = Word::default();
                while let Some(c) = chars.next() {
                    if c.is_alphanumeric() || (c == '-' && word.chars > 0) {
                        word.push(c);
                        continue;
                    }
                    finish_word(&mut word, &mut counts, &mut open);
                    if matches!(c, '.' | '!' | '?' | ':')
                        && open
                        && chars.peek().is_none_or(|n| n.is_whitespace())
                    {
                        counts.sentences += 1;
                        open = false;
                    }
                }
                finish_word(&mut word, &mut counts, &mut open);
            }
            Event::SoftBreak | Event::HardBreak => {}
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) if open => {
                counts.sentences += 1;
                open = false;
            }
            _ => {}
        }
    }
    if open {
        counts.sentences += 1;
    }
    counts
}

/// The word being read: what LIX needs of it, without keeping its text.
#[derive(Default)]
struct Word {
    chars: usize,
    letters: usize,
    alphanumeric: bool,
}

impl Word {
    fn push(&mut self, c: char) {
        self.chars += 1;
        // Trailing hyphens do not count; they are neither letters nor alphanumeric.
        self.letters += usize::from(c.is_alphabetic());
        self.alphanumeric |= c.is_alphanumeric();
    }
}

fn finish_word(word: &mut Word, counts: &mut Lix, open: &mut bool) {
    if word.alphanumeric {
        counts.words += 1;
        if word.letters > 6 {
            counts.long_words += 1;
        }
        *open = true;
    }
    *word = Word::default();
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

    #[test]
    fn empty_text_scores_zero() {
        assert_eq!(lix("").score(), 0.0);
    }
}
