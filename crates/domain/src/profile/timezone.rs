//! Time zones by IANA name.

use std::fmt;

use crate::error::{FieldCode, FieldError};

/// An IANA time zone name such as `Europe/Warsaw`.
///
/// Names are matched exactly as the tz database spells them (after trimming
/// surrounding whitespace). Legacy link names such as `US/Central`, which
/// older clients still send, are accepted and kept as given, not replaced by
/// their canonical zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    /// The name as given (`Europe/Warsaw`, `US/Central`).
    pub fn as_str(&self) -> &'static str {
        self.0.name()
    }

    /// The zone, for date arithmetic.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }
}

/// `UTC`, the time zone of a new account.
impl Default for TimeZone {
    fn default() -> Self {
        Self(chrono_tz::Tz::UTC)
    }
}

impl TryFrom<&str> for TimeZone {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        raw.trim().parse().map(Self).map_err(|_| {
            FieldError::new("timezone", FieldCode::UnknownTimezone)
                .with_message("A time zone is an IANA name such as `Europe/Warsaw`.")
        })
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_table() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("Europe/Warsaw", Ok("Europe/Warsaw")),
            (" America/New_York ", Ok("America/New_York")),
            ("US/Central", Ok("US/Central")),
            ("UTC", Ok("UTC")),
            ("Etc/GMT+5", Ok("Etc/GMT+5")),
            ("europe/warsaw", Err("unknown_timezone")),
            ("Europe/Atlantis", Err("unknown_timezone")),
            ("CEST", Err("unknown_timezone")),
            ("+02:00", Err("unknown_timezone")),
            ("", Err("unknown_timezone")),
        ];
        for (raw, expected) in cases {
            let got = TimeZone::try_from(*raw).map(|t| t.as_str()).map_err(|e| e.code.as_str());
            assert_eq!(&got, expected, "timezone {raw:?}");
        }
    }
}
