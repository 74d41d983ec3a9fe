//! `GET /v1/users`: the directory's query parameters, its opaque cursor,
//! and its page; and the suspension body and answer.
//!
//! The cursor is the hex of a small JSON record: the sort, a fingerprint of
//! the filters, and the sort key and id of the last user shown. A cursor
//! used with another sort or other filters is refused (422), so a page
//! never continues a different list.

use chrono::{DateTime, SecondsFormat, Utc};
use profile_application::model::{
    DirectoryEntry, DirectoryKey, DirectoryQuery, DirectorySort, SuspendedFilter, Suspension,
    SuspensionReason,
};
use profile_domain::user::UserId;
use profile_domain::{FieldCode, FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::dto::profile::ProfileResponse;
use crate::json::JsonField;
use crate::media::MediaUrls;
use crate::problem::ApiError;

/// The default page size.
pub const DEFAULT_LIMIT: u16 = 20;
/// The largest page size.
pub const MAX_LIMIT: u16 = 100;

/// The directory's query parameters, as sent.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryParams {
    /// A username prefix, an exact email, or the starts of the display
    /// name's words (every word of `q` must start a word of the name), all
    /// ignoring case.
    #[param(max_length = 254, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    q: Option<String>,
    /// `user` or `admin`.
    #[param(pattern = "^(user|admin)$")]
    role: Option<String>,
    /// Created at or after this instant (RFC 3339).
    #[param(format = DateTime)]
    created_after: Option<String>,
    /// Created before this instant (RFC 3339).
    #[param(format = DateTime)]
    created_before: Option<String>,
    /// `true`: only accounts whose email address is verified; `false`: only
    /// those whose address is not; absent: both.
    #[param(pattern = "^(true|false)$")]
    verified: Option<String>,
    /// `false` (the default): accounts that are not suspended; `true`: only
    /// suspended ones; `any`: both.
    #[param(pattern = "^(true|false|any)$")]
    suspended: Option<String>,
    /// `created_at`, `-created_at` (the default: newest first), `username`
    /// or `-username`; ties are ordered by id.
    #[param(pattern = "^-?(created_at|username)$")]
    sort: Option<String>,
    /// Users per page, 1 to 100 (default 20).
    #[param(value_type = Option<u16>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `next_cursor` of the previous page, with the same other parameters
    /// (422 otherwise: which cursors exist is state, not schema).
    #[param(pattern = "^[0-9a-f]{2,2048}$")]
    cursor: Option<String>,
}

/// The cursor as encoded: sort, filters' fingerprint, key.
#[derive(Serialize, Deserialize)]
struct CursorRecord {
    s: String,
    f: String,
    #[serde(default)]
    t: Option<String>,
    #[serde(default)]
    u: Option<String>,
    i: i64,
}

/// A `limit` parameter of a paginated list: 1 to [`MAX_LIMIT`], absent
/// [`DEFAULT_LIMIT`]; anything else is an `out_of_range` error in `errors`.
pub(crate) fn page_limit(raw: Option<&str>, errors: &mut ValidationErrors) -> u16 {
    match raw.map(str::parse::<u16>) {
        None => DEFAULT_LIMIT,
        Some(Ok(limit)) if (1..=MAX_LIMIT).contains(&limit) => limit,
        Some(_) => {
            errors.push(
                FieldError::new("limit", FieldCode::OutOfRange).with_message("An integer from 1 to 100."),
            );
            DEFAULT_LIMIT
        }
    }
}

fn invalid(field: &'static str, message: &str) -> FieldError {
    FieldError::new(field, FieldCode::InvalidFormat).with_message(message.to_owned())
}

fn instant(raw: &str, field: &'static str, errors: &mut ValidationErrors) -> Option<DateTime<Utc>> {
    match DateTime::parse_from_rfc3339(raw) {
        Ok(at) => Some(at.to_utc()),
        Err(_) => {
            errors.push(invalid(field, "An RFC 3339 date and time, such as 2026-12-01T00:00:00Z."));
            None
        }
    }
}

/// FNV-1a: a stable fingerprint of the filters (not a secret).
fn fingerprint(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

impl DirectoryParams {
    /// The query these parameters ask for, and the fingerprint of its
    /// filters; a 422 naming every bad parameter otherwise.
    pub fn into_query(self) -> Result<(DirectoryQuery, String), ApiError> {
        let mut errors = ValidationErrors::new();
        let q = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned);
        if q.as_ref().is_some_and(|q| q.chars().count() > 254 || q.chars().any(char::is_control)) {
            errors.push(invalid("q", "At most 254 characters, none of them control characters."));
        }
        let role = match self.role.as_deref() {
            None => None,
            Some(role @ ("user" | "admin")) => Some(role.to_owned()),
            Some(_) => {
                errors
                    .push(FieldError::new("role", FieldCode::UnknownRole).with_message("`user` or `admin`."));
                None
            }
        };
        let created_after =
            self.created_after.as_deref().and_then(|raw| instant(raw, "created_after", &mut errors));
        let created_before =
            self.created_before.as_deref().and_then(|raw| instant(raw, "created_before", &mut errors));
        let verified = match self.verified.as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                errors.push(invalid("verified", "`true` or `false`."));
                None
            }
        };
        let suspended = match self.suspended.as_deref() {
            None | Some("false") => SuspendedFilter::Exclude,
            Some("true") => SuspendedFilter::Only,
            Some("any") => SuspendedFilter::Any,
            Some(_) => {
                errors.push(invalid("suspended", "`true`, `false` or `any`."));
                SuspendedFilter::Exclude
            }
        };
        let sort = match self.sort.as_deref().map(DirectorySort::try_from) {
            None => DirectorySort::default(),
            Some(Ok(sort)) => sort,
            Some(Err(error)) => {
                errors.push(error);
                DirectorySort::default()
            }
        };
        let limit = page_limit(self.limit.as_deref(), &mut errors);
        let filters = format!(
            "q={:?};role={:?};verified={:?};after={:?};before={:?};suspended={:?}",
            q.as_deref().map(str::to_lowercase),
            role,
            verified,
            created_after.map(|at| at.timestamp_micros()),
            created_before.map(|at| at.timestamp_micros()),
            suspended
        );
        let filters = fingerprint(&filters);
        let after = match self.cursor.as_deref() {
            None => None,
            Some(cursor) => match decode(cursor, sort, &filters) {
                Some(key) => Some(key),
                None => {
                    errors.push(invalid(
                        "cursor",
                        "Not a cursor of this list: send the `next_cursor` of the previous page with the same parameters.",
                    ));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors.errors()));
        }
        let query = DirectoryQuery {
            q,
            role,
            verified,
            created_after,
            created_before,
            suspended,
            sort,
            limit,
            after,
        };
        Ok((query, filters))
    }
}

/// The cursor resuming `sort` after `key`, for filters `filters`.
pub fn encode(sort: DirectorySort, filters: &str, key: &DirectoryKey) -> String {
    let record = match key {
        DirectoryKey::CreatedAt(at, id) => CursorRecord {
            s: sort.as_str().into(),
            f: filters.into(),
            t: Some(at.to_rfc3339_opts(SecondsFormat::Nanos, true)),
            u: None,
            i: id.0,
        },
        DirectoryKey::Username(name, id) => CursorRecord {
            s: sort.as_str().into(),
            f: filters.into(),
            t: None,
            u: Some(name.clone()),
            i: id.0,
        },
    };
    to_hex(&serde_json::to_vec(&record).unwrap_or_default())
}

fn decode(cursor: &str, sort: DirectorySort, filters: &str) -> Option<DirectoryKey> {
    let record: CursorRecord = serde_json::from_slice(&from_hex(cursor)?).ok()?;
    if record.s != sort.as_str() || record.f != filters {
        return None;
    }
    let id = UserId(record.i);
    match (sort, record.t, record.u) {
        (DirectorySort::CreatedAt | DirectorySort::CreatedAtDescending, Some(at), None) => {
            Some(DirectoryKey::CreatedAt(DateTime::parse_from_rfc3339(&at).ok()?.to_utc(), id))
        }
        (DirectorySort::Username | DirectorySort::UsernameDescending, None, Some(name)) => {
            Some(DirectoryKey::Username(name, id))
        }
        _ => None,
    }
}

/// A suspension as administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuspensionResponse {
    /// Why, as the administrator wrote it.
    pub reason: String,
    /// Since when.
    pub suspended_at: DateTime<Utc>,
    /// The id of the administrator who suspended the account.
    pub suspended_by: i64,
}

impl From<Suspension> for SuspensionResponse {
    fn from(s: Suspension) -> Self {
        Self {
            reason: s.reason.as_str().to_owned(),
            suspended_at: s.suspended_at,
            suspended_by: s.suspended_by.0,
        }
    }
}

/// One user of the directory: the native profile, and its suspension when
/// it is suspended (listed only when asked for with `suspended`).
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryItem {
    /// The profile, private fields only with `profiles.read_private`.
    #[serde(flatten)]
    pub profile: ProfileResponse,
    /// Present when the account is suspended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspension: Option<SuspensionResponse>,
}

impl DirectoryItem {
    /// The item of `entry`.
    pub fn new(entry: DirectoryEntry, urls: &MediaUrls) -> Self {
        Self {
            profile: ProfileResponse::new(entry.view, false, urls),
            suspension: entry.suspension.map(SuspensionResponse::from),
        }
    }
}

/// A page of the directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryPageResponse {
    /// The users of this page.
    pub items: Vec<DirectoryItem>,
    /// The `cursor` of the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// `POST /v1/users/{user}/suspension`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SuspensionRequest {
    /// Why: 1 to 500 characters once trimmed; line breaks and tabs are the
    /// only control characters allowed.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    reason: JsonField<String>,
}

impl SuspensionRequest {
    /// The reason; a 422 when it is missing, of the wrong type, or breaks its rule.
    pub fn into_reason(self) -> Result<SuspensionReason, ApiError> {
        let mut errors = ValidationErrors::new();
        let Some(reason) = self.reason.required("reason", &mut errors) else {
            return Err(ApiError::validation(errors.errors()));
        };
        SuspensionReason::try_from(reason.as_str()).map_err(|error| ApiError::validation([&error]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> DirectoryParams {
        let query: String = pairs.iter().map(|(k, v)| format!("{k}={v}&")).collect();
        actix_web::web::Query::<DirectoryParams>::from_query(&query).unwrap().into_inner()
    }

    #[test]
    fn a_cursor_resumes_only_the_list_it_came_from() {
        let (query, filters) = params(&[("q", "ann"), ("sort", "username")]).into_query().unwrap();
        let cursor = encode(query.sort, &filters, &DirectoryKey::Username("anna".into(), UserId(7)));

        let (resumed, _) =
            params(&[("q", "ann"), ("sort", "username"), ("cursor", &cursor)]).into_query().unwrap();
        assert_eq!(resumed.after, Some(DirectoryKey::Username("anna".into(), UserId(7))));

        for other in [&[("q", "bob"), ("sort", "username")][..], &[("q", "ann"), ("sort", "-username")][..]] {
            let mut pairs = other.to_vec();
            pairs.push(("cursor", &cursor));
            assert!(params(&pairs).into_query().is_err(), "{other:?}");
        }
        assert!(params(&[("cursor", "zz")]).into_query().is_err());
    }

    #[test]
    fn bad_parameters_are_all_reported() {
        let error =
            params(&[("limit", "0"), ("sort", "name"), ("role", "root"), ("created_after", "yesterday")])
                .into_query()
                .unwrap_err();
        let fields: Vec<&str> = error.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["role", "created_after", "sort", "limit"]);
    }

    #[test]
    fn limits_from_one_to_a_hundred_are_accepted() {
        for (limit, ok) in
            [("0", false), ("1", true), ("100", true), ("101", false), ("-1", false), ("x", false)]
        {
            assert_eq!(params(&[("limit", limit)]).into_query().is_ok(), ok, "{limit}");
        }
    }
}
