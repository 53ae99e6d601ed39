//! The catalogue of diagnostic codes.
//!
//! A code is stable once released: tools and editors' notes refer to it. Codes starting with
//! `E` are errors, `W` warnings. `E01xx` files and folders, `E02xx` front matter, `E03xx` ids
//! and versions, `E04xx` steg types, `E05xx` forms, `E06xx` media and links, `E07xx` the moment,
//! `E08xx` output, `E09xx` themes, `E11xx` check rules (readability, personal data, accessibility),
//! `E12xx` review and release, `B0xxx` the bundle loader.
//!
//! What each code says, in each language, is in the catalogue (`messages/*.txt`).

use super::{Lang, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub id: &'static str,
}

impl Code {
    /// One line saying what the code is about, from the catalogue of messages.
    pub fn summary(self, lang: Lang) -> &'static str {
        super::catalogue::raw(lang, self.id, "summary").unwrap_or(self.id)
    }

    /// The code named `id`, in any case (`e0302` finds `E0302`).
    pub fn find(id: &str) -> Option<Code> {
        CODES
            .iter()
            .copied()
            .find(|c| c.id.eq_ignore_ascii_case(id.trim()))
    }

    /// A problem writing the output (`E08xx`), not one in the content.
    pub fn is_output(self) -> bool {
        self.id.starts_with("E08")
    }

    pub fn severity(self) -> Severity {
        if self.id.starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

macro_rules! codes {
    ($($name:ident;)*) => {
        $(pub const $name: Code = Code { id: stringify!($name) };)*
        /// Every code, in catalogue order.
        pub const CODES: &[Code] = &[$($name),*];
    };
}

codes! {
    E0101;
    E0102;
    E0103;
    E0104;
    E0105;
    E0106;
    E0107;
    E0108;
    E0109;
    E0110;
    E0111;
    E0201;
    E0202;
    E0203;
    E0204;
    E0205;
    E0206;
    E0207;
    E0208;
    E0301;
    E0302;
    E0303;
    E0304;
    E0305;
    E0401;
    E0402;
    W0403;
    E0404;
    E0405;
    E0406;
    E0501;
    E0502;
    E0503;
    E0504;
    E0505;
    E0506;
    W0507;
    E0508;
    E0509;
    E0510;
    E0511;
    E0512;
    E0513;
    E0514;
    E0515;
    E0601;
    E0602;
    E0603;
    E0604;
    E0605;
    E0606;
    E0607;
    E0701;
    E0702;
    W0703;
    E0704;
    E0705;
    E0706;
    E0801;
    E0802;
    E0803;
    E0901;
    E0902;
    W1101;
    W1102;
    E1103;
    E1104;
    E1105;
    W1106;
    W1107;
    W1108;
    W1109;
    E1201;
    E1202;
    E1204;
    E1205;
    B0001;
    B0002;
    B0003;
    B0004;
    B0005;
    B0006;
    B0007;
    B0008;
    B0009;
    B0010;
    B0011;
    B0012;
    B0013;
    B0014;
    B0015;
    B0016;
    B0017;
    B0018;
    B0019;
    B0020;
    B0021;
    B0022;
    B0023;
    B0024;
    B0025;
    E0720;
    W0721;
    E0722;
    W1120;
    E1220;
    W1121;
    W1122;
    W1123;
    W0707;
    E0407;
    E0408;
    B0026;
    B0027;
    B0028;
    B0029;
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
        }
    }
}
