//! Annotations: typed JSON metadata other applications attach to a profile,
//! each under its own reverse-DNS type.

use std::io;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{FieldCode, FieldError, ValidationErrors};

/// Most annotations a profile holds.
pub const MAX_COUNT: usize = 20;
/// Longest annotation type, in characters.
pub const MAX_TYPE_LEN: usize = 128;
/// Largest annotation value, in bytes of compact JSON.
pub const MAX_VALUE_BYTES: usize = 8 * 1024;

/// One annotation: a reverse-DNS `type` (`net.app.core.directory.blog`)
/// and a JSON object `value` of at most 8 KiB serialized.
///
/// The type has at least two dot-separated labels of ASCII letters, digits,
/// `_` and `-`, and at most 128 characters. Serializes as `{type, value}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    #[serde(rename = "type")]
    kind: String,
    value: Map<String, Value>,
}

impl Annotation {
    /// Rebuilds an annotation read back from storage, where it was written
    /// only after passing [`Annotation::new`]; it is not checked again. For
    /// storage adapters.
    pub fn restore(kind: String, value: Map<String, Value>) -> Self {
        Self { kind, value }
    }

    /// Checks one annotation, collecting the errors of both parts at the
    /// paths `type` and `value` (prefix them with [`FieldError::at`]).
    ///
    /// # Errors
    /// Every broken rule of the two parts, at `type` (`invalid_type`, `too_long`,
    /// `invalid_format`) and `value` (`invalid_type`, `too_long`).
    pub fn new(kind: &str, value: Value) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = errors.check(check_type(kind));
        let value = errors.check(check_value(value));
        match (kind, value) {
            (Some(kind), Some(value)) => Ok(Self { kind, value }),
            _ => Err(errors),
        }
    }

    /// The reverse-DNS type.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The JSON object.
    pub fn value(&self) -> &Map<String, Value> {
        &self.value
    }
}

fn check_type(kind: &str) -> Result<String, FieldError> {
    if kind.chars().count() > MAX_TYPE_LEN {
        return Err(FieldError::new("type", FieldCode::TooLong)
            .with_message(format!("An annotation type has at most {MAX_TYPE_LEN} characters.")));
    }
    let label_ok = |label: &str| {
        !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    if kind.split('.').count() < 2 || !kind.split('.').all(label_ok) {
        return Err(FieldError::new("type", FieldCode::InvalidFormat).with_message(
            "An annotation type is a reverse domain name such as `net.app.core.directory.blog`.",
        ));
    }
    Ok(kind.to_owned())
}

fn check_value(value: Value) -> Result<Map<String, Value>, FieldError> {
    let Value::Object(object) = value else {
        return Err(FieldError::new("value", FieldCode::InvalidType)
            .with_message("An annotation value is a JSON object."));
    };
    let mut counter = ByteCounter(0);
    let size = match serde_json::to_writer(&mut counter, &object) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    };
    if size > MAX_VALUE_BYTES {
        return Err(FieldError::new("value", FieldCode::TooLarge)
            .with_message(format!("An annotation value is at most {MAX_VALUE_BYTES} bytes of JSON.")));
    }
    Ok(object)
}

/// Counts serialized bytes without keeping them.
struct ByteCounter(usize);

impl io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The annotations of a profile, at most 20, in the order given. Empty by
/// default; clearing the field empties the list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Annotations(Vec<Annotation>);

impl Annotations {
    /// Rebuilds a list read back from storage, where it was written only
    /// after passing [`Annotations::new`]; it is not checked again. For
    /// storage adapters.
    pub fn restore(items: Vec<Annotation>) -> Self {
        Self(items)
    }

    /// Checks the count of already valid annotations (`too_many` at
    /// `annotations`).
    ///
    /// # Errors
    /// `too_many` at `annotations` past the maximum count.
    pub fn new(items: Vec<Annotation>) -> Result<Self, FieldError> {
        if items.len() > MAX_COUNT {
            return Err(too_many());
        }
        Ok(Self(items))
    }

    /// Reads `[{"type": …, "value": {…}}, …]`, collecting every error with
    /// its full path (`annotations`, `annotations[3].type`,
    /// `annotations[3].value`). Other keys of an item are ignored.
    ///
    /// # Errors
    /// Every broken rule, each at its path: `invalid_type` at `annotations` for
    /// a body that is not an array, `too_many` for too long a list, and each
    /// item's errors as [`Annotation::new`] reports them.
    pub fn from_json(json: &Value) -> Result<Self, ValidationErrors> {
        let Value::Array(items) = json else {
            return Err(FieldError::new("annotations", FieldCode::InvalidType)
                .with_message("Annotations are a JSON array.")
                .into());
        };
        let mut errors = ValidationErrors::new();
        if items.len() > MAX_COUNT {
            errors.push(too_many());
        }
        let mut parsed = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let at = format!("annotations[{index}]");
            match annotation(item) {
                Ok(annotation) => parsed.push(annotation),
                Err(e) => e.into_iter().for_each(|e| errors.push(e.at(&at))),
            }
        }
        errors.into_result(Self(parsed))
    }

    /// The annotations, in order.
    pub fn as_slice(&self) -> &[Annotation] {
        &self.0
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// These annotations with `sent` laid over them by type: a sent
    /// annotation takes the place of the one of its type (in that one's
    /// position), a new type is appended, and the other types stay. For
    /// clients that send only the annotations they change.
    ///
    /// # Errors
    /// `too_many` at `annotations` when the result would hold more than
    /// [`MAX_COUNT`].
    pub fn merged_by_type(&self, sent: &Annotations) -> Result<Annotations, FieldError> {
        let mut merged = self.0.clone();
        for annotation in &sent.0 {
            match merged.iter_mut().find(|a| a.kind == annotation.kind) {
                Some(existing) => *existing = annotation.clone(),
                None => merged.push(annotation.clone()),
            }
        }
        Annotations::new(merged)
    }

    /// The JSON array `[{"type": …, "value": {…}}, …]`.
    pub fn to_json(&self) -> Value {
        let items = self.0.iter().map(|a| {
            let mut item = Map::new();
            item.insert("type".to_owned(), Value::String(a.kind.clone()));
            item.insert("value".to_owned(), Value::Object(a.value.clone()));
            Value::Object(item)
        });
        Value::Array(items.collect())
    }
}

fn too_many() -> FieldError {
    FieldError::new("annotations", FieldCode::TooMany)
        .with_message(format!("A profile has at most {MAX_COUNT} annotations."))
}

/// One array item, errors relative to it (`type`, `value`, or the item).
fn annotation(item: &Value) -> Result<Annotation, ValidationErrors> {
    let Value::Object(object) = item else {
        return Err(FieldError::new("", FieldCode::InvalidType)
            .with_message("An annotation is an object `{type, value}`.")
            .into());
    };
    let mut errors = ValidationErrors::new();
    let kind = match object.get("type") {
        Some(Value::String(kind)) => errors.check(check_type(kind)),
        None | Some(Value::Null) => errors.check(Err(FieldError::new("type", FieldCode::Required))),
        Some(_) => errors.check(Err(FieldError::new("type", FieldCode::InvalidType))),
    };
    let value = match object.get("value") {
        None | Some(Value::Null) => errors.check(Err(FieldError::new("value", FieldCode::Required))),
        Some(value) => errors.check(check_value(value.clone())),
    };
    match (kind, value) {
        (Some(kind), Some(value)) => Ok(Annotation { kind, value }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    type Outcome = Result<usize, Vec<(String, &'static str)>>;

    fn codes(json: Value) -> Outcome {
        Annotations::from_json(&json)
            .map(|a| a.as_slice().len())
            .map_err(|e| e.into_iter().map(|e| (e.field.into_owned(), e.code.as_str())).collect())
    }

    #[test]
    fn rules_table() {
        let blog = json!({"type": "net.app.core.directory.blog", "value": {"url": "http://mynewblog.com"}});
        let max_type = format!("a.{}", "b".repeat(MAX_TYPE_LEN - 2));
        let over_type = format!("a.{}", "b".repeat(MAX_TYPE_LEN - 1));
        // {"k":"…"} is 8 bytes of syntax around the string.
        let max_value = json!({"k": "x".repeat(MAX_VALUE_BYTES - 8)});
        let over_value = json!({"k": "x".repeat(MAX_VALUE_BYTES - 7)});
        let emoji_value = json!({"k": "😀".repeat(MAX_VALUE_BYTES / 4)}); // 2048 chars, 8192+ bytes
        let err = |path: &str, code: &'static str| Err(vec![(path.to_owned(), code)]);
        let cases: Vec<(Value, Outcome)> = vec![
            (json!([]), Ok(0)),
            (json!([blog.clone()]), Ok(1)),
            (json!(vec![blog.clone(); MAX_COUNT]), Ok(MAX_COUNT)),
            (json!(vec![blog.clone(); MAX_COUNT + 1]), err("annotations", "too_many")),
            (json!([{"type": max_type, "value": {}}]), Ok(1)),
            (json!([{"type": over_type, "value": {}}]), err("annotations[0].type", "too_long")),
            (json!([{"type": "a.b", "value": max_value}]), Ok(1)),
            (json!([{"type": "a.b", "value": over_value}]), err("annotations[0].value", "too_large")),
            (json!([{"type": "a.b", "value": emoji_value}]), err("annotations[0].value", "too_large")),
            (json!([{"type": "blog", "value": {}}]), err("annotations[0].type", "invalid_format")),
            (json!([{"type": "a..b", "value": {}}]), err("annotations[0].type", "invalid_format")),
            (json!([{"type": "a.b c", "value": {}}]), err("annotations[0].type", "invalid_format")),
            (json!([{"type": "", "value": {}}]), err("annotations[0].type", "invalid_format")),
            (json!([{"type": "com.example-x.my_thing", "value": {}}]), Ok(1)),
            (json!([{"type": 5, "value": {}}]), err("annotations[0].type", "invalid_type")),
            (json!([{"value": {}}]), err("annotations[0].type", "required")),
            (json!([{"type": "a.b"}]), err("annotations[0].value", "required")),
            (json!([{"type": "a.b", "value": [1]}]), err("annotations[0].value", "invalid_type")),
            (json!([{"type": "a.b", "value": "x"}]), err("annotations[0].value", "invalid_type")),
            (json!(["a.b"]), err("annotations[0]", "invalid_type")),
            (json!({"type": "a.b"}), err("annotations", "invalid_type")),
        ];
        for (json, expected) in cases {
            assert_eq!(codes(json.clone()), expected, "annotations {json}");
        }
    }

    #[test]
    fn every_error_is_reported_with_its_index() {
        let json = json!([
            {"type": "a.b", "value": {}},
            {"type": "nope", "value": 1},
            {"type": "a.b", "value": {}},
            {"type": "c.d"},
        ]);
        let fields: Vec<String> = Annotations::from_json(&json)
            .unwrap_err()
            .into_iter()
            .map(|e| format!("{} {}", e.field, e.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                "annotations[1].type invalid_format",
                "annotations[1].value invalid_type",
                "annotations[3].value required"
            ]
        );
    }

    #[test]
    fn round_trips_to_json() {
        let json = json!([{"type": "net.app.core.directory.blog", "value": {"url": "http://mynewblog.com"}}]);
        let annotations = Annotations::from_json(&json).unwrap();
        assert_eq!(annotations.to_json(), json);
        assert_eq!(serde_json::to_value(&annotations).unwrap(), json);
        assert_eq!(annotations.as_slice()[0].kind(), "net.app.core.directory.blog");
    }

    #[test]
    fn merged_by_type_replaces_each_sent_type_and_keeps_the_others() {
        let current = Annotations::from_json(&json!([
            {"type": "net.app.core.directory.blog", "value": {"url": "http://old.example"}},
            {"type": "com.example.theme", "value": {"dark": true}}
        ]))
        .unwrap();
        let sent = Annotations::from_json(&json!([
            {"type": "net.app.core.directory.blog", "value": {"url": "http://mynewblog.com"}},
            {"type": "com.example.pets", "value": {"cats": 2}}
        ]))
        .unwrap();

        let merged = current.merged_by_type(&sent).unwrap();

        assert_eq!(
            merged.to_json(),
            json!([
                {"type": "net.app.core.directory.blog", "value": {"url": "http://mynewblog.com"}},
                {"type": "com.example.theme", "value": {"dark": true}},
                {"type": "com.example.pets", "value": {"cats": 2}}
            ])
        );
        assert_eq!(current.merged_by_type(&Annotations::default()).unwrap(), current);
    }

    #[test]
    fn merging_past_the_limit_is_too_many() {
        let many: Vec<_> =
            (0..MAX_COUNT).map(|i| json!({"type": format!("com.example.t{i}"), "value": {}})).collect();
        let current = Annotations::from_json(&json!(many)).unwrap();
        let extra = Annotations::from_json(&json!([{"type": "com.example.extra", "value": {}}])).unwrap();
        let same = Annotations::from_json(&json!([{"type": "com.example.t3", "value": {"x": 1}}])).unwrap();

        let error = current.merged_by_type(&extra).unwrap_err();

        assert_eq!((error.field.as_ref(), error.code.as_str()), ("annotations", "too_many"));
        assert_eq!(current.merged_by_type(&same).unwrap().as_slice().len(), MAX_COUNT);
    }
}
