//! The language messages are written in: Swedish unless the user asks for English.

/// A language steg can write its diagnostics in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Swedish: the editors' language, and the default.
    #[default]
    Sv,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Sv, Lang::En];

    /// `sv`, `sv_SE.UTF-8`, `sv-FI`, `en`, `en_GB` and the like; anything else is `None`.
    pub fn parse(value: &str) -> Option<Lang> {
        let value = value.trim().to_ascii_lowercase();
        let base = value.split(['_', '-', '.', '@']).next().unwrap_or_default();
        match base {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language the environment asks for: `STEG_LANG`, then the first of `LC_ALL`,
    /// `LC_MESSAGES` and `LANG` that names Swedish or English, else Swedish.
    ///
    /// `var` reads one environment variable; passing it in keeps this testable without
    /// changing the process environment.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Lang {
        ["STEG_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|name| var(name).as_deref().and_then(Lang::parse))
            .unwrap_or_default()
    }

    /// The two-letter code: `sv` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn parses_locale_names() {
        assert_eq!(Lang::parse("sv"), Some(Lang::Sv));
        assert_eq!(Lang::parse("sv_SE.UTF-8"), Some(Lang::Sv));
        assert_eq!(Lang::parse("EN-gb"), Some(Lang::En));
        assert_eq!(Lang::parse("en_US.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::parse("C.UTF-8"), None);
        assert_eq!(Lang::parse("svenska"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn the_environment_is_read_in_order() {
        assert_eq!(Lang::from_env(env(&[])), Lang::Sv);
        assert_eq!(Lang::from_env(env(&[("LANG", "en_US.UTF-8")])), Lang::En);
        assert_eq!(
            Lang::from_env(env(&[("LANG", "en_US.UTF-8"), ("LC_MESSAGES", "sv_SE")])),
            Lang::Sv
        );
        assert_eq!(
            Lang::from_env(env(&[("LC_ALL", "C"), ("LANG", "en_US.UTF-8")])),
            Lang::En,
            "a locale that is neither Swedish nor English is skipped"
        );
        assert_eq!(
            Lang::from_env(env(&[("STEG_LANG", "en"), ("LC_ALL", "sv_SE.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_env(env(&[("STEG_LANG", "sv"), ("LANG", "en_GB.UTF-8")])),
            Lang::Sv
        );
    }
}
