//! Finding personal data that must not be in a program: Swedish personal identity numbers
//! (personnummer and samordningsnummer, check digit verified), phone numbers and e-mail
//! addresses.
//!
//! Phone numbers are runs of digits, spaces, hyphens and brackets that start with `0` or `+`
//! and hold 7 to 15 digits, which is how Swedish numbers are written (`070-123 45 67`,
//! `08-123 456 78`, `+46 70 123 45 67`). Short public numbers (112, 1177, 116 111, 90101) are
//! not personal data and are not matched; numbers that are must be on the moment's allow-list.

use std::ops::Range;

/// What was found, and where (byte range in the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    IdentityNumber(Range<usize>),
    Phone(Range<usize>, String),
    Email(Range<usize>, String),
}

pub fn scan(text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    // Only digits, `+` and `@` can start a finding; the text between is skipped in one go.
    let interesting = |b: &u8| b.is_ascii_digit() || *b == b'+' || *b == b'@';
    while let Some(skip) = bytes.get(i..).and_then(|r| r.iter().position(interesting)) {
        i += skip;
        let c = bytes[i];
        let starts_token = i == 0 || !is_word_byte(bytes[i - 1]);
        if starts_token
            && c.is_ascii_digit()
            && let Some(end) = identity_number_at(text, i)
        {
            found.push(Found::IdentityNumber(i..end));
            i = end;
            continue;
        }
        if starts_token
            && (c == b'0' || c == b'+')
            && let Some(end) = phone_at(bytes, i)
        {
            found.push(Found::Phone(i..end, digits(&text[i..end])));
            i = end;
            continue;
        }
        if c == b'@'
            && let Some(range) = email_around(bytes, i)
        {
            found.push(Found::Email(range.clone(), text[range.clone()].to_string()));
            i = range.end;
            continue;
        }
        i += 1;
    }
    found
}

/// Only the digits of `s`: how allow-list entries and found numbers are compared.
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// `YYMMDD-NNNN`, `YYMMDDNNNN`, `YYYYMMDD-NNNN` or `YYYYMMDDNNNN` (also with `+`), with a
/// valid date (day + 60 for samordningsnummer) and a valid check digit.
fn identity_number_at(text: &str, start: usize) -> Option<usize> {
    let rest = &text.as_bytes()[start..];
    for date_len in [8, 6] {
        let Some(date) = rest.get(..date_len) else {
            continue;
        };
        if !date.iter().all(u8::is_ascii_digit) {
            continue;
        }
        let mut pos = date_len;
        if matches!(rest.get(pos), Some(b'-' | b'+')) {
            pos += 1;
        }
        let Some(tail) = rest.get(pos..pos + 4) else {
            continue;
        };
        if !tail.iter().all(u8::is_ascii_digit) {
            continue;
        }
        if rest.get(pos + 4).is_some_and(|b| b.is_ascii_digit()) {
            continue;
        }
        let short = &date[date_len - 6..];
        let num = |s: &[u8]| s.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
        let (month, day) = (num(&short[2..4]), num(&short[4..6]));
        let day = if day > 60 { day - 60 } else { day };
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            continue;
        }
        let ten: Vec<u32> = short
            .iter()
            .chain(tail)
            .map(|d| u32::from(d - b'0'))
            .collect();
        if luhn(&ten) {
            return Some(start + pos + 4);
        }
    }
    None
}

fn luhn(d: &[u32]) -> bool {
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 0 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn phone_at(bytes: &[u8], start: usize) -> Option<usize> {
    let mut end = start;
    let mut count = 0;
    let mut last_digit_end = start;
    while end < bytes.len() {
        let b = bytes[end];
        if b.is_ascii_digit() {
            count += 1;
            last_digit_end = end + 1;
        } else if !(matches!(b, b' ' | b'-' | b'(' | b')') || (b == b'+' && end == start)) {
            break;
        }
        end += 1;
    }
    // A date such as 2026-11-25 starts with 2, never 0; a run glued to letters is an id.
    let glued = bytes
        .get(last_digit_end)
        .is_some_and(|b| is_word_byte(*b) && !b.is_ascii_digit());
    ((7..=15).contains(&count) && !glued).then_some(last_digit_end)
}

fn email_around(bytes: &[u8], at: usize) -> Option<Range<usize>> {
    let local = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
    let domain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
    let mut start = at;
    while start > 0 && local(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = at + 1;
    while end < bytes.len() && domain(bytes[end]) {
        end += 1;
    }
    while end > at + 1 && bytes[end - 1] == b'.' {
        end -= 1;
    }
    let host = std::str::from_utf8(&bytes[at + 1..end]).ok()?;
    let tld = host.rsplit('.').next()?;
    (start < at
        && host.contains('.')
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic()))
    .then_some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_numbers_need_a_valid_check_digit() {
        // 811218-9876 is the Swedish Tax Agency's documented test number.
        assert!(matches!(
            scan("pnr 811218-9876.")[..],
            [Found::IdentityNumber(_)]
        ));
        assert!(matches!(
            scan("19811218-9876")[..],
            [Found::IdentityNumber(_)]
        ));
        assert!(matches!(scan("8112189876")[..], [Found::IdentityNumber(_)]));
        // Wrong check digit, impossible month: not an identity number.
        assert!(
            scan("811218-9875")
                .iter()
                .all(|f| !matches!(f, Found::IdentityNumber(_)))
        );
        assert!(
            scan("811318-9876")
                .iter()
                .all(|f| !matches!(f, Found::IdentityNumber(_)))
        );
        // Samordningsnummer: day + 60.
        assert!(matches!(
            scan("701063-2391")[..],
            [Found::IdentityNumber(_)]
        ));
    }

    #[test]
    fn phones() {
        let f = scan("Ring 070-123 45 67 eller +46 8 123 456 78 i dag.");
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(matches!(&f[0], Found::Phone(_, d) if d == "0701234567"));
        // Public short numbers, dates, large numbers and times are not phone numbers.
        assert!(
            scan("Ring 112, 1177, 116 111 eller 90101. Den 2026-11-25 kl 22.30, 1 000 000 kr.")
                .is_empty()
        );
    }

    #[test]
    fn emails() {
        let f = scan("Skriv till anna.a@example.se. Eller @hemma.");
        assert_eq!(f, [Found::Email(11..28, "anna.a@example.se".into())]);
    }
}
