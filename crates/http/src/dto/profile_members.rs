//! What a native PUT or PATCH body may hold besides the editable fields:
//! the members a GET shows that the server maintains. Nothing sent is
//! silently dropped: a member the API does not know is `unknown_field`, a
//! server-maintained member is accepted only with the value the profile
//! shows now (so GET → edit → PUT works) and is `read_only` otherwise.
//!
//! `avatar_image` and `cover_image` are server-maintained objects with one
//! editable member, `alt`: sent as an object, each member is checked on its
//! own (`alt` editable, the others only unchanged, anything else unknown);
//! sent as anything else (`null`, a string) the whole member is compared.

use profile_domain::profile::{Country, RawProfileInput};
use profile_domain::{FieldCode, FieldError};
use serde_json::{Map, Value};

/// Top-level members a GET shows that no client sets.
const READ_ONLY: [&str; 6] =
    ["id", "version", "created_at", "updated_at", "email_verified", "email_verified_at"];

/// The image objects: server-maintained, but for their `alt`.
pub const IMAGES: [&str; 2] = ["avatar_image", "cover_image"];

/// Members inside an editable field's object: (field, editable members,
/// read-only members).
const NESTED: [(&str, &[&str], &[&str]); 6] = [
    ("avatar_image", &["alt"], &["url", "width", "height", "is_default"]),
    ("cover_image", &["alt"], &["url", "width", "height", "is_default"]),
    ("description", &["text", "entities"], &["html"]),
    ("description.entities", &["links"], &["mentions", "hashtags"]),
    ("country", &["code"], &["label"]),
    ("role", &["name"], &["privileges"]),
];

/// The members of `body` no one may send (`unknown_field`), and the paths
/// of the server-maintained members it sends, to be compared with the
/// profile as shown.
pub fn check(body: &Map<String, Value>) -> (Vec<FieldError>, Vec<String>) {
    let mut unknown = Vec::new();
    let mut read_only = Vec::new();
    walk("", body, RawProfileInput::FIELDS, &READ_ONLY, &mut unknown, &mut read_only);
    (unknown, read_only)
}

fn walk(
    at: &str,
    object: &Map<String, Value>,
    editable: &[&str],
    maintained: &[&str],
    unknown: &mut Vec<FieldError>,
    read_only: &mut Vec<String>,
) {
    for (key, value) in object {
        let path = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
        let image = at.is_empty() && IMAGES.contains(&key.as_str());
        if maintained.contains(&key.as_str()) || (image && !value.is_object()) {
            read_only.push(path);
        } else if !editable.contains(&key.as_str()) && !image {
            unknown.push(FieldError::new(path, FieldCode::UnknownField));
        } else if let (Value::Object(inner), Some((_, editable, maintained))) =
            (value, NESTED.iter().find(|(nested, _, _)| *nested == path))
        {
            walk(&path, inner, editable, maintained, unknown, read_only);
        }
    }
}

/// `read_only` members of `sent` whose value differs from `shown` (the
/// profile as a GET shows it now), as `read_only` errors. A country's
/// `label` may also be the one of the `code` sent beside it, so a client
/// that sends a whole `{code, label}` pair for a new country is not refused.
pub fn changed(sent: &Value, shown: &Value, read_only: &[String]) -> Vec<FieldError> {
    read_only
        .iter()
        .filter(|path| at(sent, path) != at(shown, path))
        .filter(|path| path.as_str() != "country.label" || !labels_its_code(sent))
        .map(|path| FieldError::new(path.clone(), FieldCode::ReadOnly))
        .collect()
}

/// Whether `sent.country.label` is the label of `sent.country.code`.
fn labels_its_code(sent: &Value) -> bool {
    let code = at(sent, "country.code").and_then(Value::as_str);
    let label = at(sent, "country.label").and_then(Value::as_str);
    match (code.map(Country::try_from), label) {
        (Some(Ok(country)), Some(label)) => country.label() == label,
        _ => false,
    }
}

fn at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |value, key| value.get(key))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn members_table() {
        let cases: Vec<(Value, &[&str], &[&str])> = vec![
            (json!({"name": "A", "pronouns": "she/her"}), &[], &[]),
            (json!({"locaton": "x", "name": "A"}), &["locaton"], &[]),
            (json!({"id": 1, "version": 2, "avatar_image": null}), &[], &["avatar_image", "id", "version"]),
            (json!({"avatar_image": {"alt": "A cat"}, "cover_image": {"alt": null}}), &[], &[]),
            (
                json!({"avatar_image": {"alt": "x", "url": "u", "is_default": false, "sizes": 1}}),
                &["avatar_image.sizes"],
                &["avatar_image.is_default", "avatar_image.url"],
            ),
            (json!({"cover_image": "https://example.com/c.png"}), &[], &["cover_image"]),
            (json!({"role": {"name": "user", "privileges": [], "x": 1}}), &["role.x"], &["role.privileges"]),
            (json!({"role": "user"}), &[], &[]),
            (json!({"country": {"code": "PL", "label": "Poland"}}), &[], &["country.label"]),
            (
                json!({"description": {"text": "t", "html": "h", "entities": {"links": [], "mentions": [], "tags": 1}}}),
                &["description.entities.tags"],
                &["description.entities.mentions", "description.html"],
            ),
        ];
        for (body, unknown, read_only) in cases {
            let Value::Object(object) = &body else { unreachable!() };
            let (mut got_unknown, mut got_read_only) = check(object);
            got_unknown.sort_by(|a, b| a.field.cmp(&b.field));
            got_read_only.sort();
            let got_unknown: Vec<_> = got_unknown.iter().map(|e| e.field.as_ref()).collect();
            let got_read_only: Vec<_> = got_read_only.iter().map(String::as_str).collect();
            assert_eq!((got_unknown.as_slice(), got_read_only.as_slice()), (unknown, read_only), "{body}");
        }
    }

    #[test]
    fn only_changed_values_are_refused() {
        let shown = json!({"id": 1, "role": {"name": "user", "privileges": ["a"]}});
        let sent = json!({"id": 1, "role": {"name": "user", "privileges": ["b"]}});
        let paths = ["id".to_owned(), "role.privileges".to_owned()];
        let refused: Vec<_> = changed(&sent, &shown, &paths).into_iter().map(|e| e.field).collect();
        assert_eq!(refused, ["role.privileges"]);
    }
}
