//! Webhooks: the endpoint an administrator registers (its URL, the event
//! types it wants, a description) and the rules each of them keeps. Whether
//! a host is reachable (the address it resolves to) is decided where names
//! are resolved, not here.

use std::fmt;

use url::{Host, Url};

use crate::change::ChangeKind;
use crate::error::{FieldCode, FieldError};
use crate::profile::website_url::MAX_LEN;

/// Event types a webhook may name at most.
pub const MAX_EVENT_TYPES: usize = 32;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 500;

/// Where a webhook's deliveries go: an absolute `http`/`https` URL of at
/// most 2048 characters, without credentials or fragment, in the `url`
/// crate's normalized form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebhookUrl(Url);

impl WebhookUrl {
    /// Rebuilds a URL read back from storage (checked when it was stored);
    /// `None` when it does not parse. For storage adapters.
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

    /// The host (a name, or an IP address literal).
    pub fn host(&self) -> Option<Host<&str>> {
        self.0.host()
    }
}

impl TryFrom<&str> for WebhookUrl {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let mut url = crate::profile::website_url::parse_http_url(raw, "url")?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FieldError::new("url", FieldCode::ForbiddenTarget)
                .with_message("A webhook URL must not carry credentials; the signature authenticates us."));
        }
        url.set_fragment(None);
        if url.as_str().chars().count() > MAX_LEN {
            return Err(FieldError::new("url", FieldCode::TooLong));
        }
        Ok(Self(url))
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The event types a webhook receives: every one (`["*"]`) or those listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTypes {
    /// Every event type, present and future.
    All,
    /// Only these (sorted, without duplicates), such as `profile.updated`.
    Only(Vec<String>),
}

impl EventTypes {
    /// True when an event of `event_type` goes to the webhook.
    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            EventTypes::All => true,
            EventTypes::Only(types) => types.iter().any(|t| t == event_type),
        }
    }

    /// The list as sent and stored: `["*"]` or the names.
    pub fn names(&self) -> Vec<String> {
        match self {
            EventTypes::All => vec!["*".to_owned()],
            EventTypes::Only(types) => types.clone(),
        }
    }
}

impl TryFrom<&[String]> for EventTypes {
    type Error = FieldError;

    /// `["*"]`, or 1 to 32 event type names; `*` may not be mixed with names.
    fn try_from(raw: &[String]) -> Result<Self, Self::Error> {
        if raw.is_empty() {
            return Err(FieldError::new("event_types", FieldCode::TooShort)
                .with_message("Name at least one event type, or [\"*\"] for all."));
        }
        if raw.len() > MAX_EVENT_TYPES {
            return Err(FieldError::new("event_types", FieldCode::TooMany)
                .with_message(format!("At most {MAX_EVENT_TYPES} event types.")));
        }
        if raw.iter().all(|t| t == "*") {
            return Ok(EventTypes::All);
        }
        for (index, name) in raw.iter().enumerate() {
            if ChangeKind::from_name(name).is_none() {
                let known: Vec<&str> = ChangeKind::ALL.iter().map(|kind| kind.as_str()).collect();
                return Err(FieldError::new(format!("event_types[{index}]"), FieldCode::UnknownEventType)
                    .with_message(format!("An event type is `*` alone, or one of {}.", known.join(", "))));
            }
        }
        let mut types = raw.to_vec();
        types.sort();
        types.dedup();
        Ok(EventTypes::Only(types))
    }
}

/// An administrator's note on a webhook: 1 to 500 characters once trimmed,
/// no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDescription(String);

impl WebhookDescription {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for WebhookDescription {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(FieldError::new("description", FieldCode::Blank));
        }
        if text.chars().count() > MAX_DESCRIPTION_LEN {
            return Err(FieldError::new("description", FieldCode::TooLong));
        }
        if text.chars().any(char::is_control) {
            return Err(FieldError::new("description", FieldCode::ControlCharacters));
        }
        Ok(Self(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_table() {
        let cases: Vec<(&str, Result<&str, &str>)> = vec![
            ("https://hooks.example.com/in", Ok("https://hooks.example.com/in")),
            (" http://Example.com:8080/a?b=1#frag ", Ok("http://example.com:8080/a?b=1")),
            ("http://127.0.0.1:9/x", Ok("http://127.0.0.1:9/x")),
            ("https://user:pw@example.com/", Err("forbidden_target")),
            ("https://user@example.com/", Err("forbidden_target")),
            ("ftp://example.com/", Err("invalid_url")),
            ("file:///etc/passwd", Err("invalid_url")),
            ("gopher://example.com/", Err("invalid_url")),
            ("example.com/hook", Err("invalid_url")),
            ("", Err("invalid_url")),
        ];
        for (raw, expected) in cases {
            let got = WebhookUrl::try_from(raw);
            let got = got.as_ref().map(WebhookUrl::as_str).map_err(|e| e.code.as_str());
            assert_eq!(got, expected, "{raw:?}");
        }
    }

    #[test]
    fn event_types_table() {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let cases: Vec<(Vec<String>, Result<EventTypes, &str>)> = vec![
            (names(&["*"]), Ok(EventTypes::All)),
            (
                names(&["user.created", "profile.updated", "user.created"]),
                Ok(EventTypes::Only(names(&["profile.updated", "user.created"]))),
            ),
            (names(&[]), Err("too_short")),
            (names(&["*", "user.created"]), Err("unknown_event_type")),
            (names(&["User.Created"]), Err("unknown_event_type")),
            (names(&["created"]), Err("unknown_event_type")),
            (names(&["user..created"]), Err("unknown_event_type")),
            (names(&["profile.udpated"]), Err("unknown_event_type")),
            (vec!["a.b".to_owned(); MAX_EVENT_TYPES + 1], Err("too_many")),
        ];
        for (raw, expected) in cases {
            let got = EventTypes::try_from(raw.as_slice()).map_err(|e| e.code.as_str());
            assert_eq!(got, expected, "{raw:?}");
        }
        assert!(EventTypes::All.matches("anything.at_all"));
        assert!(!EventTypes::Only(names(&["user.created"])).matches("profile.updated"));
    }

    #[test]
    fn descriptions_table() {
        assert_eq!(WebhookDescription::try_from("  CRM sync ").unwrap().as_str(), "CRM sync");
        for (raw, code) in [("   ", "blank"), ("a\u{7}b", "control_characters")] {
            assert_eq!(WebhookDescription::try_from(raw).unwrap_err().code.as_str(), code);
        }
        let long = "x".repeat(MAX_DESCRIPTION_LEN + 1);
        assert_eq!(WebhookDescription::try_from(long.as_str()).unwrap_err().code.as_str(), "too_long");
    }
}
