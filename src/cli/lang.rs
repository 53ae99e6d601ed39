//! The language of the messages, chosen once here and passed to everything that prints.

use clap::ValueEnum;
use steg_bundle::diagnostic::{Diagnostics, Lang, catalogue};

/// `--lang`: the languages steg writes its messages in.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// Swedish (the default)
    Sv,
    /// English
    En,
}

/// `--lang` if given, else `STEG_LANG`, then the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`),
/// else Swedish.
pub fn choose(flag: Option<LangArg>) -> Lang {
    match flag {
        Some(LangArg::Sv) => Lang::Sv,
        Some(LangArg::En) => Lang::En,
        None => Lang::from_env(|name| std::env::var(name).ok()),
    }
}

/// A sentence of the catalogue's `ui` section, filled in.
pub fn ui(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    catalogue::ui(lang, key, args)
}

/// `3 errors, 1 warning` / `3 fel, 1 varning`.
pub fn counts(diagnostics: &Diagnostics, lang: Lang) -> String {
    let plural = |n: usize, one: &str, many: &str| {
        ui(
            lang,
            if n == 1 { one } else { many },
            &[("n", n.to_string())],
        )
    };
    ui(
        lang,
        "counts",
        &[
            (
                "errors",
                plural(diagnostics.error_count(), "errors-one", "errors-many"),
            ),
            (
                "warnings",
                plural(diagnostics.warning_count(), "warnings-one", "warnings-many"),
            ),
        ],
    )
}
