//! Every value-type parser of the domain: account credentials, each profile
//! field, user references and privileges.
//!
//! Input: the first byte picks the parser, the rest is its input (UTF-8,
//! lossily). An accepted value must come back the same when its stored
//! spelling is parsed again, since clients send back what they read.

use std::fmt::Debug;
use std::str::FromStr;

use chrono::NaiveDate;
use profile_domain::account::{Email, Password, Username};
use profile_domain::profile::{
    Annotation, Annotations, BankAccount, Birthdate, Country, Description, DisplayName, EthAddress,
    FacebookUrl, Gender, InstagramUrl, Locale, Location, RoleName, TimeZone, TwitterUrl, WebsiteUrl,
};
use profile_domain::user::{Privilege, UserRef};

/// How many parsers the first byte chooses among.
pub const PARSERS: u8 = 22;

/// Parses the rest of `data` with the parser its first byte picks.
pub fn check(data: &[u8]) {
    let Some((which, rest)) = super::selector(data) else { return };
    let raw = String::from_utf8_lossy(rest);
    let raw = raw.as_ref();
    let today = NaiveDate::from_ymd_opt(2025, 6, 15).expect("a valid date");
    match which % PARSERS {
        0 => round_trip(raw, |s| Username::try_from(s), |v| v.as_str().to_owned()),
        1 => round_trip(raw, |s| Email::try_from(s), |v| v.as_str().to_owned()),
        2 => password(raw),
        3 => round_trip(raw, |s| DisplayName::try_from(s), |v| v.as_str().to_owned()),
        4 => round_trip(raw, |s| Location::try_from(s), |v| v.as_str().to_owned()),
        5 => round_trip(raw, |s| Country::try_from(s), |v| v.code().to_owned()),
        6 => round_trip(raw, |s| Locale::try_from(s), |v| v.as_str().to_owned()),
        7 => round_trip(raw, |s| TimeZone::try_from(s), |v| v.as_str().to_owned()),
        8 => round_trip(raw, |s| Birthdate::parse(s, today, 13), |b| b.to_string()),
        9 => round_trip(raw, |s| Gender::try_from(s), |g| g.as_str().to_owned()),
        10 => round_trip(raw, |s| WebsiteUrl::try_from(s), |v| v.as_str().to_owned()),
        11 => round_trip(raw, |s| TwitterUrl::try_from(s), |v| v.as_str().to_owned()),
        12 => round_trip(raw, |s| FacebookUrl::try_from(s), |v| v.as_str().to_owned()),
        13 => round_trip(raw, |s| InstagramUrl::try_from(s), |v| v.as_str().to_owned()),
        14 => eth_address(raw),
        15 => bank_account(raw),
        16 => annotations(rest),
        17 => round_trip(raw, |s| RoleName::try_from(s), |v| v.as_str().to_owned()),
        18 => round_trip(raw, |s| Description::try_from(s), |v| v.text().to_owned()),
        19 => round_trip(raw, UserRef::from_str, |r| r.to_string()),
        20 => round_trip(raw, Privilege::from_str, |p| p.to_string()),
        _ => gender(raw),
    }
}

/// Parses `raw`; when accepted, parsing the value's stored spelling gives
/// the same value.
fn round_trip<T, E>(raw: &str, parse: impl Fn(&str) -> Result<T, E>, spelling: impl Fn(&T) -> String)
where
    T: PartialEq + Debug,
    E: Debug,
{
    let Ok(value) = parse(raw) else { return };
    let stored = spelling(&value);
    let again = parse(&stored);
    assert_eq!(again.as_ref().ok(), Some(&value), "{raw:?} was accepted as {stored:?}, then {again:?}");
}

/// Password rules: `raw`, then the username and email after line breaks.
fn password(raw: &str) {
    let mut parts = raw.splitn(3, '\n');
    let candidate = parts.next().unwrap_or_default();
    let username = parts.next().unwrap_or("alice");
    let email = parts.next().unwrap_or("alice@example.com");
    if let Ok(password) = Password::new(candidate, username, email) {
        assert_eq!(password.expose(), candidate);
    }
}

fn eth_address(raw: &str) {
    round_trip(raw, |s| EthAddress::try_from(s), |v| v.as_str().to_owned());
    if let Ok(address) = EthAddress::try_from(raw) {
        let checksummed = address.checksummed();
        let again = EthAddress::try_from(checksummed.as_str()).map(|a| a.checksummed());
        assert_eq!(again.as_ref(), Ok(&checksummed), "{raw:?}");
    }
}

fn bank_account(raw: &str) {
    round_trip(raw, |s| BankAccount::try_from(s), |v| v.as_str().to_owned());
    if let Ok(account) = BankAccount::try_from(raw) {
        let formatted = account.formatted();
        assert_eq!(BankAccount::try_from(formatted.as_str()).as_ref(), Ok(&account), "{formatted}");
        assert!(account.as_str().starts_with(account.country_code()));
    }
}

/// Annotations from JSON; the first item also through [`Annotation::new`].
fn annotations(json: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(json) else { return };
    if let Ok(annotations) = Annotations::from_json(&value) {
        assert_eq!(Annotations::from_json(&annotations.to_json()).as_ref(), Ok(&annotations));
    }
    if let Some(item) = value.as_array().and_then(|items| items.first()) {
        let kind = item.get("type").and_then(serde_json::Value::as_str).unwrap_or_default();
        let value = item.get("value").cloned().unwrap_or_default();
        if let Ok(annotation) = Annotation::new(kind, value) {
            let again = Annotation::new(annotation.kind(), annotation.value().clone().into());
            assert_eq!(again.as_ref(), Ok(&annotation));
        }
    }
}

/// [`Gender::parse`], where blank input means "clear".
fn gender(raw: &str) {
    match Gender::parse(raw) {
        Ok(None) => assert!(raw.trim().is_empty()),
        Ok(Some(gender)) => assert_eq!(Gender::parse(gender.as_str()), Ok(Some(gender))),
        Err(_) => {}
    }
}
