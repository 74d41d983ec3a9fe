//! Which fields a change of a profile changed, decided in one place for the
//! audit trail and the change events: each changed field with its old and
//! new values, except private fields, which are reported as changed without
//! their values.

use serde_json::Value;

use crate::profile::Profile;

/// One changed field of a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// The field's wire name (`location`, `email`, `avatar_image.alt`, …).
    pub field: String,
    /// A private field or a secret: `old` and `new` are `None`.
    pub private: bool,
    /// The value before (`Null` when it was unset); `None` when private.
    pub old: Option<Value>,
    /// The value after (`Null` when it is unset); `None` when private.
    pub new: Option<Value>,
}

impl FieldChange {
    /// A public field changed from `old` to `new`.
    pub fn public(field: impl Into<String>, old: Value, new: Value) -> Self {
        Self { field: field.into(), private: false, old: Some(old), new: Some(new) }
    }

    /// A private field or a secret changed; its values are not kept.
    pub fn private(field: impl Into<String>) -> Self {
        Self { field: field.into(), private: true, old: None, new: None }
    }
}

/// A profile field's value as the audit trail and the events show it.
trait Shown {
    fn shown(&self) -> Value;
}

macro_rules! shown_as_text {
    ($($ty:ty),*) => {$(
        impl Shown for $ty {
            fn shown(&self) -> Value {
                Value::String(self.to_string())
            }
        }
    )*};
}
shown_as_text!(
    crate::account::Username,
    crate::account::Email,
    crate::profile::DisplayName,
    crate::profile::Location,
    crate::profile::Locale,
    crate::profile::TimeZone,
    crate::profile::Birthdate,
    crate::profile::Gender,
    crate::profile::Pronouns,
    crate::profile::WebsiteUrl,
    crate::profile::TwitterUrl,
    crate::profile::FacebookUrl,
    crate::profile::InstagramUrl,
    crate::profile::EthAddress,
    crate::profile::BankAccount
);

impl Shown for crate::profile::Country {
    fn shown(&self) -> Value {
        Value::String(self.code().to_owned())
    }
}

impl Shown for crate::profile::Description {
    fn shown(&self) -> Value {
        Value::String(self.text().to_owned())
    }
}

impl Shown for bool {
    fn shown(&self) -> Value {
        Value::Bool(*self)
    }
}

impl Shown for crate::profile::Annotations {
    fn shown(&self) -> Value {
        self.to_json()
    }
}

impl Shown for crate::user::Role {
    fn shown(&self) -> Value {
        Value::String(self.name.clone())
    }
}

impl<T: Shown> Shown for Option<T> {
    fn shown(&self) -> Value {
        self.as_ref().map_or(Value::Null, Shown::shown)
    }
}

/// Whether two values of a field are the same for the audit trail: a role
/// is the same role by id (its privileges may be read at different times).
trait Same {
    fn same(&self, other: &Self) -> bool;
}

impl<T: PartialEq> Same for T {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

/// The fields that differ between `before` and `after`, in the order
/// fields are listed ([`for_each_profile_field!`](crate::for_each_profile_field)),
/// then `email_verified` when the verification state changed. Private
/// fields come without values.
#[must_use]
pub fn changed_fields(before: &Profile, after: &Profile) -> Vec<FieldChange> {
    macro_rules! diff {
        ($($(#[$doc:meta])* $field:ident: $pt:ty, $ct:ty => $wire:literal, $rule:ident, $vis:ident, $kind:ident;)*) => {{
            let mut changes = Vec::new();
            $(
                if !same!($field, before.$field(), after.$field()) {
                    changes.push(change!($vis, $wire, before.$field(), after.$field()));
                }
            )*
            changes
        }};
    }
    macro_rules! same {
        (role, $old:expr, $new:expr) => {
            $old.id == $new.id
        };
        ($field:ident, $old:expr, $new:expr) => {
            $old.same($new)
        };
    }
    macro_rules! change {
        (private, $wire:literal, $old:expr, $new:expr) => {
            FieldChange::private($wire)
        };
        (public, $wire:literal, $old:expr, $new:expr) => {
            FieldChange::public($wire, $old.shown(), $new.shown())
        };
    }
    let mut changes = crate::for_each_profile_field!(diff);
    if before.email_verified() != after.email_verified() {
        changes.push(FieldChange::public(
            "email_verified",
            Value::Bool(before.email_verified()),
            Value::Bool(after.email_verified()),
        ));
    }
    changes
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Utc};
    use serde_json::json;

    use super::*;
    use crate::account::{Email, Username};
    use crate::profile::{Birthdate, Location, StoredProfileParts};
    use crate::user::{Role, UserId};

    fn alice() -> Profile {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Profile::new(
            UserId(1),
            Username::try_from("alice").unwrap(),
            Email::try_from("alice@example.com").unwrap(),
            Role::new(1, "user", Default::default()),
            now,
        )
    }

    fn with(profile: Profile, edit: impl FnOnce(&mut StoredProfileParts)) -> Profile {
        let mut parts = profile.into_parts();
        edit(&mut parts);
        Profile::restore(parts)
    }

    #[test]
    fn an_unchanged_profile_has_no_changes() {
        assert_eq!(changed_fields(&alice(), &alice()), []);
    }

    #[test]
    fn public_fields_carry_both_values_and_private_ones_neither() {
        let after = with(alice(), |p| {
            p.location = Some(Location::try_from("Warsaw").unwrap());
            p.email = Email::try_from("new@example.com").unwrap();
            p.birthdate = Some(Birthdate::restore(chrono::NaiveDate::from_ymd_opt(1990, 5, 1).unwrap()));
            p.role = Role::new(2, "admin", Default::default());
        });
        let changes = changed_fields(&alice(), &after);
        assert_eq!(
            changes,
            [
                FieldChange::private("email"),
                FieldChange::public("location", Value::Null, json!("Warsaw")),
                FieldChange::private("birthdate"),
                FieldChange::public("role", json!("user"), json!("admin")),
            ]
        );
        let text = format!("{changes:?}");
        assert!(!text.contains("new@example.com") && !text.contains("1990"));
    }

    #[test]
    fn a_role_read_again_with_other_timestamps_is_the_same_role() {
        let after = with(alice(), |p| p.role.updated_at = Some(Utc::now()));
        assert_eq!(changed_fields(&alice(), &after), []);
    }

    #[test]
    fn verifying_the_address_is_a_change() {
        let after = with(alice(), |p| p.email_verified_at = Some(Utc::now()));
        assert_eq!(
            changed_fields(&alice(), &after),
            [FieldChange::public("email_verified", json!(false), json!(true))]
        );
    }
}
