//! Personal web sites, and the rule every profile URL shares.

use std::borrow::Cow;
use std::fmt;

use url::Url;

use crate::error::{FieldCode, FieldError};

/// Longest accepted URL, in characters, both as given and once normalized.
pub const MAX_LEN: usize = 2048;

/// Parses an absolute `http` or `https` URL of at most [`MAX_LEN`]
/// characters, reporting errors at `field`. Surrounding whitespace is
/// ignored; the result is normalized by the `url` crate (lower-case host,
/// `https://example.com` → `https://example.com/`).
pub(crate) fn parse_http_url(raw: &str, field: impl Into<Cow<'static, str>>) -> Result<Url, FieldError> {
    let field = field.into();
    let trimmed = raw.trim();
    let too_long = |field| {
        FieldError::new(field, FieldCode::TooLong)
            .with_message(format!("A URL has at most {MAX_LEN} characters."))
    };
    if trimmed.chars().count() > MAX_LEN {
        return Err(too_long(field));
    }
    let invalid = |field| {
        FieldError::new(field, FieldCode::InvalidUrl)
            .with_message("This is not an absolute http:// or https:// URL.")
    };
    let url = match Url::parse(trimmed) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => url,
        _ => return Err(invalid(field)),
    };
    if url.as_str().chars().count() > MAX_LEN {
        return Err(too_long(field));
    }
    Ok(url)
}

/// A person's web site: an absolute `http`/`https` URL of at most 2048
/// characters, stored in the normalized form of the `url` crate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebsiteUrl(Url);

impl WebsiteUrl {
    /// Rebuilds a URL read back from storage, where it was written only after
    /// passing `TryFrom`; only parsed again, not checked. `None` when it does
    /// not even parse. For storage adapters.
    pub fn restore(stored: &str) -> Option<Self> {
        Url::parse(stored).ok().map(Self)
    }

    /// The normalized URL.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The parsed URL.
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl TryFrom<&str> for WebsiteUrl {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        parse_http_url(raw, "website_url").map(Self)
    }
}

impl fmt::Display for WebsiteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_table() {
        let prefix = "https://example.com/";
        let max = format!("{prefix}{}", "a".repeat(MAX_LEN - prefix.len()));
        let over = format!("{prefix}{}", "a".repeat(MAX_LEN - prefix.len() + 1));
        // 2048 characters as typed, longer once the `ł`s are percent-encoded.
        let grows = format!("{prefix}{}", "ł".repeat(MAX_LEN - prefix.len()));
        let cases: Vec<(&str, Result<&str, &str>)> = vec![
            ("https://docs.license.rocks/", Ok("https://docs.license.rocks/")),
            ("http://mynewblog.com", Ok("http://mynewblog.com/")),
            (" https://Example.COM/Path?q=1#x ", Ok("https://example.com/Path?q=1#x")),
            ("https://zażółć.pl/", Ok("https://xn--za-6ja4f8n1l.pl/")),
            (&max, Ok(&max)),
            (&over, Err("too_long")),
            (&grows, Err("too_long")),
            ("example.com", Err("invalid_url")),
            ("/relative/path", Err("invalid_url")),
            ("ftp://example.com/file", Err("invalid_url")),
            ("javascript:alert(1)", Err("invalid_url")),
            ("mailto:a@example.com", Err("invalid_url")),
            ("https://", Err("invalid_url")),
            ("", Err("invalid_url")),
        ];
        for (raw, expected) in cases {
            let got = WebsiteUrl::try_from(raw);
            let got = got.as_ref().map(WebsiteUrl::as_str).map_err(|e| e.code.as_str());
            assert_eq!(got, expected, "website_url {raw:?}");
        }
    }
}
