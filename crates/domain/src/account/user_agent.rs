//! The `User-Agent` a session was started with, as shown in its list of
//! sessions: informative only, never trusted.

/// Longest user agent kept, in characters; the rest is cut off.
pub const USER_AGENT_MAX_CHARS: usize = 256;

/// A client's self-description, trimmed, without control characters and at
/// most [`USER_AGENT_MAX_CHARS`] characters long; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAgent(String);

impl UserAgent {
    /// The cleaned form of a `User-Agent` header value; `None` when nothing
    /// printable is left.
    pub fn from_header(raw: &str) -> Option<Self> {
        let cleaned: String = raw.chars().filter(|c| !c.is_control()).collect();
        let kept: String = cleaned.trim().chars().take(USER_AGENT_MAX_CHARS).collect();
        let kept = kept.trim_end();
        (!kept.is_empty()).then(|| Self(kept.to_owned()))
    }

    /// The cleaned text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_cleaned() {
        let long = "a".repeat(300);
        let cases: &[(&str, Option<&str>)] = &[
            ("curl/8.5.0", Some("curl/8.5.0")),
            ("  Mozilla/5.0 (X11)  ", Some("Mozilla/5.0 (X11)")),
            ("evil\r\nSet-Cookie: x\u{0}\u{7f}", Some("evilSet-Cookie: x")),
            ("\t\n ", None),
            ("", None),
            ("Zürich-Client/1 ✓", Some("Zürich-Client/1 ✓")),
        ];
        for (raw, expected) in cases {
            assert_eq!(UserAgent::from_header(raw).as_ref().map(UserAgent::as_str), *expected, "{raw:?}");
        }
        let cut = UserAgent::from_header(&long).unwrap();
        assert_eq!(cut.as_str().chars().count(), USER_AGENT_MAX_CHARS);
        let multibyte = "é".repeat(300);
        assert_eq!(
            UserAgent::from_header(&multibyte).unwrap().as_str().chars().count(),
            USER_AGENT_MAX_CHARS
        );
    }
}
