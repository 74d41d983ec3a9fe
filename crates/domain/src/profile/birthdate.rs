//! Dates of birth: private, in the past, old enough.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate};

use crate::error::{FieldCode, FieldError};

/// Default minimum age, in whole years, to hold an account.
pub const DEFAULT_MIN_AGE_YEARS: u32 = 13;

/// Earliest accepted birthdate year; anything before is a typing mistake.
pub const EARLIEST_YEAR: i32 = 1900;

/// A date of birth (private): not in the future, not before 1900, and at
/// least a minimum number of years before "today".
///
/// "Today" and the minimum age are arguments: the domain never reads the
/// clock. Ages are counted in whole calendar years, so a person is exactly
/// at the minimum age on that birthday and accepted on the day itself; a
/// person born on 29 February has the birthday on 1 March in common years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Birthdate(NaiveDate);

impl Birthdate {
    /// Parses `YYYY-MM-DD`, or an RFC 3339 date-time
    /// (`2021-09-22T03:23:23.275+00:00`) whose date, as written in its own
    /// offset, is kept and whose time is dropped; then checks it like
    /// [`Birthdate::new`].
    ///
    /// # Errors
    /// A [`FieldError`] at `birthdate`: `invalid_date` when `raw` is neither
    /// form, else as [`Birthdate::new`].
    pub fn parse(raw: &str, today: NaiveDate, min_age_years: u32) -> Result<Self, FieldError> {
        let raw = raw.trim();
        let date = if raw.len() == 10 {
            parse_plain_date(raw)
        } else {
            DateTime::parse_from_rfc3339(raw).ok().map(|at| at.date_naive())
        };
        let date = date.ok_or_else(|| {
            FieldError::new("birthdate", FieldCode::InvalidDate)
                .with_message("A birthdate is a date `YYYY-MM-DD` or an RFC 3339 date-time.")
        })?;
        Self::new(date, today, min_age_years)
    }

    /// Checks `date` against `today`: not after it, not before
    /// [`EARLIEST_YEAR`], and at least `min_age_years` whole years before it.
    ///
    /// # Errors
    /// A [`FieldError`] at `birthdate`: `in_future`, `out_of_range` (before
    /// [`EARLIEST_YEAR`]) or `too_young`.
    pub fn new(date: NaiveDate, today: NaiveDate, min_age_years: u32) -> Result<Self, FieldError> {
        if date > today {
            return Err(FieldError::new("birthdate", FieldCode::InFuture)
                .with_message("A birthdate cannot be in the future."));
        }
        if date.year() < EARLIEST_YEAR {
            return Err(FieldError::new("birthdate", FieldCode::OutOfRange)
                .with_message(format!("A birthdate is in {EARLIEST_YEAR} or later.")));
        }
        if age_on(date, today) < min_age_years {
            return Err(FieldError::new("birthdate", FieldCode::TooYoung)
                .with_message(format!("You must be at least {min_age_years} years old.")));
        }
        Ok(Self(date))
    }

    /// Rebuilds a birthdate that was checked when it was stored. Ages only
    /// grow, so a stored birthdate stays valid; only storage adapters should
    /// need this.
    pub fn restore(date: NaiveDate) -> Self {
        Self(date)
    }

    /// The date.
    pub fn date(&self) -> NaiveDate {
        self.0
    }

    /// The age in whole years on `day`.
    pub fn age_on(&self, day: NaiveDate) -> u32 {
        age_on(self.0, day)
    }
}

/// Strict `YYYY-MM-DD`: four-digit year, two-digit month and day.
fn parse_plain_date(raw: &str) -> Option<NaiveDate> {
    let bytes = raw.as_bytes();
    let shaped = bytes.iter().enumerate().all(|(i, b)| match i {
        4 | 7 => *b == b'-',
        _ => b.is_ascii_digit(),
    });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()
}

/// Whole years from `born` to `day` (0 when `day` is earlier).
fn age_on(born: NaiveDate, day: NaiveDate) -> u32 {
    let years = day.year() - born.year();
    let before_birthday = (day.month(), day.day()) < (born.month(), born.day());
    u32::try_from(years - i32::from(before_birthday)).unwrap_or(0)
}

impl fmt::Display for Birthdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    #[test]
    fn rules_table() {
        let today = day("2025-06-15");
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("1990-01-31", Ok("1990-01-31")),
            ("2012-06-15", Ok("2012-06-15")), // exactly 13 today
            ("2012-06-16", Err("too_young")), // 13 tomorrow
            ("2012-06-14", Ok("2012-06-14")),
            ("2025-06-15", Err("too_young")), // born today
            ("2025-06-16", Err("in_future")),
            ("2999-01-01", Err("in_future")),
            ("1900-01-01", Ok("1900-01-01")),
            ("1899-12-31", Err("out_of_range")),
            ("2021-09-22T03:23:23.275+00:00", Err("too_young")),
            ("2001-09-22T03:23:23.275+00:00", Ok("2001-09-22")),
            ("2001-09-22T23:30:00-05:00", Ok("2001-09-22")), // the date as written
            ("2001-09-22T00:00:00Z", Ok("2001-09-22")),
            ("2012-06-15T23:59:59+14:00", Ok("2012-06-15")),
            ("2012-06-16T00:00:00Z", Err("too_young")),
            (" 1990-01-31 ", Ok("1990-01-31")),
            ("1990-1-31", Err("invalid_date")),
            ("1990/01/31", Err("invalid_date")),
            ("31.01.1990", Err("invalid_date")),
            ("1990-02-30", Err("invalid_date")),
            ("1990-13-01", Err("invalid_date")),
            ("+1990-01-3", Err("invalid_date")),
            ("2001-09-22T03:23", Err("invalid_date")),
            ("", Err("invalid_date")),
            ("yesterday", Err("invalid_date")),
        ];
        for (raw, expected) in cases {
            let got = Birthdate::parse(raw, today, DEFAULT_MIN_AGE_YEARS);
            let got = got.map(|b| b.to_string()).map_err(|e| e.code.as_str());
            assert_eq!(got.as_deref().map_err(|e| *e), *expected, "birthdate {raw:?}");
        }
    }

    #[test]
    fn minimum_age_is_configurable() {
        let today = day("2025-06-15");
        assert!(Birthdate::parse("2007-06-15", today, 18).is_ok());
        assert_eq!(Birthdate::parse("2007-06-16", today, 18).unwrap_err().code.as_str(), "too_young");
        assert!(Birthdate::parse("2025-06-15", today, 0).is_ok());
    }

    #[test]
    fn leap_day_birthday_is_on_the_first_of_march_in_common_years() {
        let born = day("2012-02-29");
        assert_eq!(Birthdate::new(born, day("2025-02-28"), 13).unwrap_err().code.as_str(), "too_young");
        assert!(Birthdate::new(born, day("2025-03-01"), 13).is_ok());
        assert!(Birthdate::new(born, day("2024-02-29"), 12).is_ok());
        assert_eq!(Birthdate::restore(born).age_on(day("2025-02-28")), 12);
    }
}
