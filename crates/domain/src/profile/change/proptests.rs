//! Property tests: no input makes the change parsers panic.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::tests::ctx;
use super::*;

const KEYS: &[&str] = RawProfileInput::FIELDS;

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        Just(json!("https://x.com/a")),
        Just(json!("1990-01-01")),
        Just(json!("")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("text".to_owned()),
                    Just("entities".to_owned()),
                    Just("links".to_owned()),
                    Just("url".to_owned()),
                    Just("pos".to_owned()),
                    Just("len".to_owned()),
                    Just("type".to_owned()),
                    Just("value".to_owned()),
                    Just("code".to_owned())
                ],
                inner,
                0..4,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn parsing_never_panics(fields in prop::collection::btree_map(prop::sample::select(KEYS), any_json(), 0..8)) {
        let body = Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
        let raw = RawProfileInput::from_json(&body).unwrap();
        for parse in [ProfileChange::merge_patch, ProfileChange::replace] {
            if let Err(errors) = parse(&raw, &ctx()) {
                prop_assert!(!errors.is_empty());
            }
        }
    }
}
