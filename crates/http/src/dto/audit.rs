//! `GET /v1/users/{user}/audit`: its query parameters and its page.
//!
//! The cursor is the id of the last record shown, as a decimal string:
//! records only ever get larger ids, so a page never repeats or skips one.

use chrono::{DateTime, Utc};
use profile_application::model::{AuditPage, AuditRecord};
use profile_domain::profile::FieldChange;
use profile_domain::{FieldCode, FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::dto::directory::page_limit;
use crate::problem::ApiError;

/// A field's value as the profile holds it: a string, a number, a boolean,
/// an object, or `null` when unset (a schema without a type).
pub enum AnyValue {}

impl utoipa::PartialSchema for AnyValue {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
            .description(Some("Any JSON value; null when unset."))
            .into()
    }
}

impl ToSchema for AnyValue {}

/// The audit trail's query parameters, as sent.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Records per page, 1 to 100 (default 20).
    #[param(value_type = Option<u16>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[1-9][0-9]{0,17}$")]
    cursor: Option<String>,
}

impl AuditParams {
    /// The record to start before and the page size.
    ///
    /// # Errors
    /// 422 naming `limit` (`out_of_range`) or `cursor` (`invalid_format`).
    pub fn into_query(self) -> Result<(Option<i64>, u16), ApiError> {
        let mut errors = ValidationErrors::new();
        let limit = page_limit(self.limit.as_deref(), &mut errors);
        let before = match self.cursor.as_deref().map(str::parse::<i64>) {
            None => None,
            Some(Ok(id)) if id > 0 => Some(id),
            Some(_) => {
                errors.push(
                    FieldError::new("cursor", FieldCode::InvalidFormat)
                        .with_message("Send the `next_cursor` of the previous page."),
                );
                None
            }
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors.errors()));
        }
        Ok((before, limit))
    }
}

/// Who made a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditActor {
    /// `user` (the account itself), `admin` (another account) or `system`.
    pub kind: String,
    /// The id of the account that acted; `null` for the system.
    pub id: Option<i64>,
}

/// One changed field. Private fields and secrets have `private: true` and
/// neither `old` nor `new`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditFieldChange {
    /// The field's name (`location`, `email`, `avatar_image`, `password`, …).
    pub field: String,
    /// True for a private field or a secret: changed, values not recorded.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
    /// The value before (`null`: unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = AnyValue, required = false)]
    pub old: Option<Value>,
    /// The value after (`null`: unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = AnyValue, required = false)]
    pub new: Option<Value>,
}

impl From<FieldChange> for AuditFieldChange {
    fn from(change: FieldChange) -> Self {
        Self { field: change.field, private: change.private, old: change.old, new: change.new }
    }
}

/// One record of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecordResponse {
    /// The record's id.
    pub id: i64,
    /// The account changed.
    pub user_id: i64,
    /// Who acted.
    pub actor: AuditActor,
    /// The `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
    /// What happened: the change event's type (`user.created`,
    /// `profile.updated`, `avatar.updated`, `user.suspended`, …).
    pub action: String,
    /// The fields changed.
    pub changes: Vec<AuditFieldChange>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<AuditRecord> for AuditRecordResponse {
    fn from(record: AuditRecord) -> Self {
        Self {
            id: record.id,
            user_id: record.user_id.0,
            actor: AuditActor { kind: record.actor_kind, id: record.actor_id.map(|id| id.0) },
            request_id: record.request_id,
            action: record.action,
            changes: record.changes.into_iter().map(AuditFieldChange::from).collect(),
            created_at: record.created_at,
        }
    }
}

/// A page of an account's audit trail, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPageResponse {
    /// The records of this page.
    pub items: Vec<AuditRecordResponse>,
    /// The `cursor` of the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

impl From<AuditPage> for AuditPageResponse {
    fn from(page: AuditPage) -> Self {
        Self {
            items: page.records.into_iter().map(AuditRecordResponse::from).collect(),
            next_cursor: page.next_cursor.map(|id| id.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(limit: Option<&str>, cursor: Option<&str>) -> AuditParams {
        AuditParams { limit: limit.map(Into::into), cursor: cursor.map(Into::into) }
    }

    /// A `limit` and a `cursor` as sent, and the (cursor, limit) read from them, if any.
    type Case = (Option<&'static str>, Option<&'static str>, Option<(Option<i64>, u16)>);

    #[test]
    fn limits_and_cursors_are_read_and_bad_ones_refused() {
        let cases: [Case; 7] = [
            (None, None, Some((None, 20))),
            (Some("1"), Some("42"), Some((Some(42), 1))),
            (Some("100"), None, Some((None, 100))),
            (Some("0"), None, None),
            (Some("101"), None, None),
            (None, Some("-3"), None),
            (None, Some("abc"), None),
        ];
        for (limit, cursor, expected) in cases {
            assert_eq!(params(limit, cursor).into_query().ok(), expected, "{limit:?} {cursor:?}");
        }
    }
}
