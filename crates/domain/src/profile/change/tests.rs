use chrono::NaiveDate;
use serde_json::{Value, json};

use super::*;
use crate::error::ValidationErrors;

pub(super) fn ctx() -> ParseContext {
    ParseContext::new(NaiveDate::from_ymd_opt(2025, 6, 15).unwrap())
}

fn tag<T>(update: &FieldUpdate<T>) -> &'static str {
    match update {
        FieldUpdate::Keep => "keep",
        FieldUpdate::Clear => "clear",
        FieldUpdate::Set(_) => "set",
    }
}

/// `field=clear` / `field=set` for every touched field.
fn summary(c: &ProfileChange) -> Vec<String> {
    macro_rules! tags {
        ($($(#[$doc:meta])* $field:ident: $pt:ty, $ct:ty => $wire:literal, $rule:ident, $vis:ident, $kind:ident;)*) => {
            [$(tag(&c.$field)),*]
        };
    }
    let tags = crate::for_each_profile_field!(tags);
    let touched = c.touched_fields();
    let tags: Vec<&str> = tags.into_iter().filter(|t| *t != "keep").collect();
    touched.iter().zip(tags).map(|(field, t)| format!("{field}={t}")).collect()
}

type Outcome = Result<Vec<String>, Vec<String>>;

fn run(
    parse: fn(&RawProfileInput, &ParseContext) -> Result<ProfileChange, ValidationErrors>,
    body: &Value,
) -> Outcome {
    let raw = RawProfileInput::from_json(body).unwrap();
    parse(&raw, &ctx())
        .map(|c| summary(&c))
        .map_err(|e| e.into_iter().map(|e| format!("{} {}", e.field, e.code.as_str())).collect())
}

fn ok(items: &[&str]) -> Outcome {
    Ok(items.iter().map(|s| s.to_string()).collect())
}

fn err(items: &[&str]) -> Outcome {
    Err(items.iter().map(|s| s.to_string()).collect())
}

#[test]
fn merge_patch_table() {
    let link = json!({"url": "https://a.example/", "pos": 0, "len": 2});
    let cases: Vec<(Value, Outcome)> = vec![
        (json!({}), ok(&[])),
        (json!({"name": "Mark Thurman 3"}), ok(&["name=set"])),
        (json!({"name": null}), err(&["name not_nullable"])),
        (json!({"name": 5}), err(&["name invalid_type"])),
        (json!({"name": ""}), err(&["name too_short"])),
        (
            json!({"username": null, "email": null, "description": null, "locale": null,
                   "timezone": null, "is_creator": null, "role": null}),
            err(&[
                "username not_nullable",
                "email not_nullable",
                "description not_nullable",
                "locale not_nullable",
                "timezone not_nullable",
                "is_creator not_nullable",
                "role not_nullable",
            ]),
        ),
        (
            json!({"location": null, "country": null, "birthdate": null, "gender": "",
                   "website_url": " ", "eth_address": null, "bank_account": "", "annotations": null}),
            ok(&[
                "location=clear",
                "country=clear",
                "birthdate=clear",
                "gender=clear",
                "website_url=clear",
                "eth_address=clear",
                "bank_account=clear",
                "annotations=clear",
            ]),
        ),
        (json!({"gender": "non_binary", "is_creator": true}), ok(&["gender=set", "is_creator=set"])),
        (json!({"is_creator": "yes"}), err(&["is_creator invalid_type"])),
        (json!({"location": ["Warsaw"]}), err(&["location invalid_type"])),
        (json!({"description": {"text": "new description"}}), ok(&["description=set"])),
        (json!({"description": {"text": ""}}), ok(&["description=set"])),
        (json!({"description": {"text": null}}), err(&["description.text not_nullable"])),
        (json!({"description": {}}), err(&["description.text required"])),
        (json!({"description": "hi"}), err(&["description invalid_type"])),
        (json!({"description": {"text": 1}}), err(&["description.text invalid_type"])),
        (json!({"description": {"text": "hi", "entities": {"links": [link]}}}), ok(&["description=set"])),
        (
            json!({"description": {"text": "hi", "entities": {"links": [{"url": 5, "pos": "0"}]}}}),
            err(&[
                "description.entities.links[0].url invalid_type",
                "description.entities.links[0].pos invalid_type",
                "description.entities.links[0].len required",
            ]),
        ),
        (
            json!({"description": {"text": "hi", "entities": {"links": [{"url": "x", "pos": 5, "len": 1}]}}}),
            err(&[
                "description.entities.links[0].url invalid_url",
                "description.entities.links[0].pos out_of_range",
            ]),
        ),
        (
            json!({"description": {"text": "hi", "entities": {"links": [{"url": "https://a.b", "pos": 0, "len": 1e3}]}}}),
            err(&["description.entities.links[0].len invalid_type"]),
        ),
        (
            json!({"description": {"text": "hi", "entities": {"links": [{"url": "https://a.b", "pos": 0, "len": u64::MAX}]}}}),
            err(&["description.entities.links[0].len out_of_range"]),
        ),
        (json!({"description": {"text": "hi", "entities": []}}), err(&["description.entities invalid_type"])),
        (json!({"country": "pl"}), ok(&["country=set"])),
        (json!({"country": {"label": "Albania", "code": "AL"}}), ok(&["country=set"])),
        // Another service's `{label, value}` shape is its adapter's to translate.
        (json!({"country": {"label": "Albania", "value": "AL"}}), err(&["country invalid_type"])),
        (json!({"country": {"code": "PL", "label": "Poland"}}), ok(&["country=set"])),
        (json!({"country": {"label": "Poland"}}), err(&["country invalid_type"])),
        (json!({"country": "Poland"}), err(&["country unknown_country"])),
        (
            json!({"annotations": [{"type": "bad"}]}),
            err(&["annotations[0].type invalid_format", "annotations[0].value required"]),
        ),
        (json!({"role": "admin"}), ok(&["role=set"])),
        (json!({"role": {"name": "admin", "privileges": []}}), ok(&["role=set"])),
        (json!({"role": ""}), err(&["role blank"])),
        (json!({"role": 2}), err(&["role invalid_type"])),
        (json!({"birthdate": "2021-09-22T03:23:23.275+00:00"}), err(&["birthdate too_young"])),
        (json!({"birthdate": "2001-09-22T03:23:23.275+00:00"}), ok(&["birthdate=set"])),
        (json!({"avatar_image": {"url": "x"}, "counts": {}, "id": "1"}), ok(&[])),
        (
            json!({"username": "me", "email": "nope", "name": "\n", "locale": "e",
                   "timezone": "Mars/Base", "twitter_url": "https://facebook.com/x",
                   "eth_address": "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                   "bank_account": "DE45 5001 0517 5407 3249 31"}),
            err(&[
                "username too_short",
                "email invalid_email",
                "name too_short",
                "locale invalid_locale",
                "timezone unknown_timezone",
                "twitter_url wrong_host",
                "eth_address invalid_checksum",
                "bank_account invalid_checksum",
            ]),
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(run(ProfileChange::merge_patch, &body), expected, "PATCH {body}");
    }
}

#[test]
fn replace_table() {
    let required = json!({"name": "Mark Thurman 2", "locale": "en_US", "timezone": "US/Central",
                          "description": {"text": "new description"}});
    let clears_all_optional = [
        "name=set",
        "description=set",
        "location=clear",
        "country=clear",
        "locale=set",
        "timezone=set",
        "birthdate=clear",
        "gender=clear",
        "pronouns=clear",
        "website_url=clear",
        "twitter_url=clear",
        "facebook_url=clear",
        "instagram_url=clear",
        "eth_address=clear",
        "bank_account=clear",
    ];
    let mut with_extras = required.clone();
    with_extras.as_object_mut().unwrap().extend(
        json!({
            "annotations": [{"type": "net.app.core.directory.blog", "value": {"url": "http://mynewblog.com"}}],
            "gender": "female", "username": "mark_t", "is_creator": false,
        })
        .as_object()
        .unwrap()
        .clone(),
    );
    let cases: Vec<(Value, Outcome)> = vec![
        (json!({}), err(&["name required", "description required", "locale required", "timezone required"])),
        (required.clone(), ok(&clears_all_optional)),
        (
            with_extras,
            ok(&[
                "username=set",
                "name=set",
                "description=set",
                "location=clear",
                "country=clear",
                "locale=set",
                "timezone=set",
                "birthdate=clear",
                "gender=set",
                "pronouns=clear",
                "website_url=clear",
                "twitter_url=clear",
                "facebook_url=clear",
                "instagram_url=clear",
                "eth_address=clear",
                "bank_account=clear",
                "is_creator=set",
                "annotations=set",
            ]),
        ),
        (
            json!({"name": null, "locale": "en", "timezone": "UTC", "description": {}}),
            err(&["name not_nullable", "description.text required"]),
        ),
        (
            json!({"name": "A", "locale": "en", "timezone": "UTC", "description": {"text": "x"}, "username": null}),
            err(&["username not_nullable"]),
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(run(ProfileChange::replace, &body), expected, "PUT {body}");
    }
}

#[test]
fn parsed_values_are_normalized() {
    let body = json!({"country": {"label": "Atlantis", "code": "al"}, "locale": "en_us", "gender": "Female"});
    let change = ProfileChange::merge_patch(&RawProfileInput::from_json(&body).unwrap(), &ctx()).unwrap();
    let country = change.country.as_set().unwrap();
    assert_eq!((country.code(), country.label()), ("AL", "Albania"));
    assert_eq!(change.locale.as_set().unwrap().as_str(), "en-US");
    assert_eq!(change.gender.as_set(), Some(&crate::profile::Gender::Female));
}

#[test]
fn body_must_be_an_object() {
    let error = RawProfileInput::from_json(&json!([1])).unwrap_err();
    assert_eq!((error.field.as_ref(), error.code.as_str()), ("", "invalid_type"));
}
