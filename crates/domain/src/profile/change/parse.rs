//! Reading a [`ProfileChange`] from [`RawProfileInput`], as a JSON Merge
//! Patch (PATCH) or as a replacement (PUT), collecting every error.
//!
//! | field | `null` | absent in PATCH | absent in PUT |
//! |---|---|---|---|
//! | `name`, `locale`, `timezone`, `description` | `not_nullable` | keep | `required` |
//! | `username`, `email`, `is_creator`, `role` | `not_nullable` | keep | keep |
//! | `annotations` | clear (empty list) | keep | keep |
//! | every other field | clear | keep | clear |
//!
//! `username`, `email`, `is_creator` and `role` are kept when a PUT leaves
//! them out because they are account settings a profile form does not show;
//! `annotations` because they belong to other applications, which send only
//! their own, and the profile read does not include them by default. A blank
//! string (`""`, `"  "`) clears an optional text field (`gender` as the
//! spec says, and `location`, `pronouns`, `country`, `birthdate`, the URLs,
//! `eth_address`, `bank_account` the same way, as web forms send empty
//! inputs). Inside `description`, `text` is required in both modes (a
//! description is replaced as a whole) and `entities.links` defaults to none.
//! A value of the wrong JSON type is `invalid_type`.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{FieldUpdate, ParseContext, ProfileChange, RawField, RawProfileInput};
use crate::error::{FieldCode, FieldError, ValidationErrors};
use crate::profile::description::{MAX_LEN as MAX_DESCRIPTION_LEN, UserLinkInput};
use crate::profile::{Annotations, Birthdate, Country, Description, RoleName, RoleRequest};

impl ProfileChange {
    /// Reads a JSON Merge Patch (RFC 7396; PATCH): absent keeps, `null`
    /// clears an optional field and is `not_nullable` on a required one.
    ///
    /// # Errors
    /// Every broken field rule at once, each at its field's path (`name`,
    /// `description.text`, `annotations[2].type`, …).
    pub fn merge_patch(raw: &RawProfileInput, ctx: &ParseContext) -> Result<Self, ValidationErrors> {
        parse(raw, ctx, Mode::MergePatch)
    }

    /// Reads a replacement (PUT): `name`, `locale`, `timezone` and
    /// `description.text` are `required`; other absent fields are cleared,
    /// except `username`, `email`, `is_creator`, `role` and `annotations`,
    /// which are kept (see the module documentation).
    ///
    /// # Errors
    /// As [`ProfileChange::merge_patch`], plus `required` for each missing
    /// required field.
    pub fn replace(raw: &RawProfileInput, ctx: &ParseContext) -> Result<Self, ValidationErrors> {
        parse(raw, ctx, Mode::Replace)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    MergePatch,
    Replace,
}

/// Whether `null` is allowed, and what a missing key means in a PUT.
#[derive(Clone, Copy)]
enum Rule {
    /// Not nullable; `required` in a PUT.
    Required,
    /// Not nullable; kept when absent from a PUT.
    Sticky,
    /// Nullable; cleared when absent from a PUT.
    Optional,
    /// Nullable; kept when absent from a PUT.
    OptionalSticky,
}

type Parsed<T> = Result<FieldUpdate<T>, ValidationErrors>;

struct Parser {
    mode: Mode,
    errors: ValidationErrors,
}

impl Parser {
    fn field<T>(
        &mut self,
        key: &'static str,
        raw: &RawField,
        rule: Rule,
        parse: impl FnOnce(&Value) -> Parsed<T>,
    ) -> FieldUpdate<T> {
        let nullable = matches!(rule, Rule::Optional | Rule::OptionalSticky);
        let outcome = match (raw, self.mode, rule) {
            (RawField::Absent, Mode::MergePatch, _) => Ok(FieldUpdate::Keep),
            (RawField::Absent, Mode::Replace, Rule::Required) => {
                Err(FieldError::new(key, FieldCode::Required).into())
            }
            (RawField::Absent, Mode::Replace, Rule::Optional) => Ok(FieldUpdate::Clear),
            (RawField::Absent, Mode::Replace, _) => Ok(FieldUpdate::Keep),
            (RawField::Null, _, _) if nullable => Ok(FieldUpdate::Clear),
            (RawField::Null, _, _) => Err(FieldError::new(key, FieldCode::NotNullable).into()),
            (RawField::Value(value), _, _) => parse(value),
        };
        outcome.unwrap_or_else(|errors| {
            self.errors.extend(errors);
            FieldUpdate::Keep
        })
    }
}

fn parse(raw: &RawProfileInput, ctx: &ParseContext, mode: Mode) -> Result<ProfileChange, ValidationErrors> {
    use Rule::{Optional, OptionalSticky, Required, Sticky};
    let mut p = Parser { mode, errors: ValidationErrors::new() };
    macro_rules! read {
        ($($(#[$doc:meta])* $field:ident: $pt:ty, $ct:ty => $wire:literal, $rule:ident, $vis:ident, $kind:ident;)*) => {
            ProfileChange { $($field: p.field($wire, &raw.$field, $rule, |v| value!($kind $field $ct, $wire, v)),)* }
        };
    }
    /// How one field's value is read: `text` (a blank string clears) and
    /// `plain` by `TryFrom<&str>`, `special` by its function in [`special`].
    macro_rules! value {
        (text $field:ident $ct:ty, $wire:literal, $v:ident) => {
            text($v, $wire, true, <$ct>::try_from)
        };
        (plain $field:ident $ct:ty, $wire:literal, $v:ident) => {
            text($v, $wire, false, <$ct>::try_from)
        };
        (special $field:ident $ct:ty, $wire:literal, $v:ident) => {
            special::$field($v, ctx)
        };
    }
    let change = crate::for_each_profile_field!(read);
    p.errors.into_result(change)
}

/// The readers of the fields of kind `special`, one per field.
mod special {
    use super::*;

    pub(super) fn description(value: &Value, _: &ParseContext) -> Parsed<Description> {
        super::description(value)
    }

    pub(super) fn country(value: &Value, _: &ParseContext) -> Parsed<Country> {
        super::country(value)
    }

    pub(super) fn birthdate(value: &Value, ctx: &ParseContext) -> Parsed<Birthdate> {
        text(value, "birthdate", true, |s| Birthdate::parse(s, ctx.today, ctx.min_age_years))
    }

    pub(super) fn is_creator(value: &Value, _: &ParseContext) -> Parsed<bool> {
        match value {
            Value::Bool(flag) => Ok(FieldUpdate::Set(*flag)),
            _ => Err(invalid_type("is_creator", "true or false").into()),
        }
    }

    pub(super) fn annotations(value: &Value, _: &ParseContext) -> Parsed<Annotations> {
        Annotations::from_json(value).map(FieldUpdate::Set)
    }

    pub(super) fn role(value: &Value, _: &ParseContext) -> Parsed<RoleRequest> {
        super::role(value)
    }
}

fn invalid_type(field: impl Into<Cow<'static, str>>, expected: &str) -> FieldError {
    FieldError::new(field, FieldCode::InvalidType).with_message(format!("Expected {expected}."))
}

/// A string field; a blank string clears when `blank_clears`.
fn text<'v, T>(
    value: &'v Value,
    key: &'static str,
    blank_clears: bool,
    parse: impl FnOnce(&'v str) -> Result<T, FieldError>,
) -> Parsed<T> {
    let Value::String(raw) = value else {
        return Err(invalid_type(key, "a string").into());
    };
    if blank_clears && raw.trim().is_empty() {
        return Ok(FieldUpdate::Clear);
    }
    parse(raw).map(FieldUpdate::Set).map_err(Into::into)
}

/// `"PL"`, or the read shape `{"code": "PL", …}` (its label is derived, so
/// a label sent along is ignored).
fn country(value: &Value) -> Parsed<Country> {
    let code = match value {
        Value::Object(object) => object.get("code"),
        other => Some(other),
    };
    match code {
        Some(code @ Value::String(_)) => text(code, "country", true, Country::try_from),
        _ => Err(invalid_type("country", "a country code such as \"PL\"").into()),
    }
}

/// A role name, or the read shape `{"name": …, …}`.
fn role(value: &Value) -> Parsed<RoleRequest> {
    let name = match value {
        Value::Object(object) => object.get("name"),
        other => Some(other),
    };
    match name {
        Some(Value::String(name)) => {
            let name = RoleName::try_from(name.as_str())?;
            Ok(FieldUpdate::Set(RoleRequest::new(name)))
        }
        _ => Err(invalid_type("role", "a role name").into()),
    }
}

/// `{"text": …, "entities": {"links": […]}}`; other keys (`html`, detected
/// entities a client sends back) are ignored.
fn description(value: &Value) -> Parsed<Description> {
    let Value::Object(object) = value else {
        return Err(invalid_type("description", "an object {\"text\": …}").into());
    };
    let mut errors = ValidationErrors::new();
    let text = match object.get("text") {
        Some(Value::String(text)) => Some(text.as_str()),
        None => errors.check(Err(FieldError::new("description.text", FieldCode::Required))),
        Some(Value::Null) => errors.check(Err(FieldError::new("description.text", FieldCode::NotNullable))),
        Some(_) => errors.check(Err(invalid_type("description.text", "a string"))),
    };
    let links = user_links(object.get("entities"), &mut errors);
    match (text, links) {
        (Some(text), Some(links)) => match Description::new(text, &links) {
            Ok(description) if errors.is_empty() => return Ok(FieldUpdate::Set(description)),
            Ok(_) => {}
            Err(invalid) => errors.extend(invalid),
        },
        (Some(text), None) => {
            errors.check(Description::try_from(text));
        }
        (None, _) => {}
    }
    Err(errors)
}

/// The well-formed user links, or `None` after recording why they are not.
fn user_links(entities: Option<&Value>, errors: &mut ValidationErrors) -> Option<Vec<UserLinkInput>> {
    const AT: &str = "description.entities.links";
    let links = match entities {
        None | Some(Value::Null) => return Some(Vec::new()),
        Some(Value::Object(entities)) => entities.get("links"),
        Some(_) => {
            errors.push(invalid_type("description.entities", "an object {\"links\": […]}"));
            return None;
        }
    };
    let items = match links {
        None | Some(Value::Null) => return Some(Vec::new()),
        Some(Value::Array(items)) if items.len() > MAX_DESCRIPTION_LEN => {
            errors.push(FieldError::new(AT, FieldCode::TooMany));
            return None;
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(invalid_type(AT, "an array of links"));
            return None;
        }
    };
    let mut parsed = Vec::with_capacity(items.len());
    let mut well_formed = true;
    for (index, item) in items.iter().enumerate() {
        match user_link(item) {
            Ok(link) => parsed.push(link),
            Err(invalid) => {
                well_formed = false;
                let at = format!("{AT}[{index}]");
                invalid.into_iter().for_each(|e| errors.push(e.at(&at)));
            }
        }
    }
    well_formed.then_some(parsed)
}

/// One `{url, text?, pos, len}`; error paths are relative to the item.
fn user_link(item: &Value) -> Result<UserLinkInput, ValidationErrors> {
    let Value::Object(link) = item else {
        return Err(invalid_type("", "an object {url, text?, pos, len}").into());
    };
    let mut errors = ValidationErrors::new();
    let url = match link.get("url") {
        Some(Value::String(url)) => Some(url.clone()),
        None | Some(Value::Null) => errors.check(Err(FieldError::new("url", FieldCode::Required))),
        Some(_) => errors.check(Err(invalid_type("url", "a string"))),
    };
    let text = match link.get("text") {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(text)) => Some(Some(text.clone())),
        Some(_) => errors.check(Err(invalid_type("text", "a string"))),
    };
    let pos = errors.check(integer(link, "pos"));
    let len = errors.check(integer(link, "len"));
    match (url, text, pos, len) {
        (Some(url), Some(text), Some(pos), Some(len)) if errors.is_empty() => {
            Ok(UserLinkInput { url, text, pos, len })
        }
        _ => Err(errors),
    }
}

/// An integer; one too large for `i64` saturates (and is then out of range).
fn integer(object: &Map<String, Value>, key: &'static str) -> Result<i64, FieldError> {
    match object.get(key) {
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(n.as_i64().unwrap_or(i64::MAX)),
        None | Some(Value::Null) => Err(FieldError::new(key, FieldCode::Required)),
        Some(_) => Err(invalid_type(key, "an integer")),
    }
}
