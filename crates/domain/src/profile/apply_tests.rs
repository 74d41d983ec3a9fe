use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone as _, Utc};

use super::*;
use crate::account::{Email, Username};
use crate::profile::{DisplayName, Location, RoleName, Version};
use crate::user::UserId;

fn role(name: &str, privileges: &[Privilege]) -> Role {
    Role::new(1, name, privileges.iter().copied().collect::<BTreeSet<_>>())
}

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 15, hour, 0, 0).unwrap()
}

fn alice() -> Profile {
    Profile::new(
        UserId(1),
        Username::try_from("alice").unwrap(),
        Email::try_from("alice@example.com").unwrap(),
        role("user", &[]),
        at(8),
    )
}

fn actor(id: i64, privileges: &[Privilege]) -> Actor {
    Actor { user_id: UserId(id), role: role("custom", privileges) }
}

fn owner() -> Actor {
    actor(1, &[])
}

fn name(raw: &str) -> ProfileChange {
    ProfileChange { name: FieldUpdate::Set(DisplayName::try_from(raw).unwrap()), ..Default::default() }
}

fn creator(flag: bool) -> ProfileChange {
    ProfileChange { is_creator: FieldUpdate::Set(flag), ..Default::default() }
}

fn role_change(raw: &str, resolved: Option<Role>) -> ProfileChange {
    let mut request = RoleRequest::new(RoleName::try_from(raw).unwrap());
    if let Some(role) = resolved {
        request.resolve(role);
    }
    ProfileChange { role: FieldUpdate::Set(request), ..Default::default() }
}

#[test]
fn authorization_table() {
    use Privilege::{ManageUsers, ReadPrivateProfiles, WriteAnyProfile};
    let admin = role("admin", &[ManageUsers]);
    let forbidden = |field| Err(ProfileError::Forbidden { field });
    let cases: Vec<(&str, Actor, ProfileChange, Result<(), ProfileError>)> = vec![
        ("owner renames", owner(), name("Alice W"), Ok(())),
        ("stranger renames", actor(2, &[]), name("x"), forbidden("name")),
        ("reader renames", actor(2, &[ReadPrivateProfiles]), name("x"), forbidden("name")),
        ("writer renames", actor(2, &[WriteAnyProfile]), name("x"), Ok(())),
        ("manager renames", actor(2, &[ManageUsers]), name("x"), forbidden("name")),
        ("owner empty change", owner(), ProfileChange::default(), Ok(())),
        ("stranger empty change", actor(2, &[]), ProfileChange::default(), forbidden("profile")),
        ("manager empty change", actor(2, &[ManageUsers]), ProfileChange::default(), Ok(())),
        ("owner makes self creator", owner(), creator(true), forbidden("is_creator")),
        ("owner sends is_creator unchanged", owner(), creator(false), Ok(())),
        ("stranger sends is_creator unchanged", actor(2, &[]), creator(false), forbidden("is_creator")),
        ("writer makes creator", actor(2, &[WriteAnyProfile]), creator(true), Ok(())),
        ("owner with write_any makes self creator", actor(1, &[WriteAnyProfile]), creator(true), Ok(())),
        ("owner promotes self", owner(), role_change("admin", Some(admin.clone())), forbidden("role")),
        (
            "writer promotes",
            actor(2, &[WriteAnyProfile]),
            role_change("admin", Some(admin.clone())),
            forbidden("role"),
        ),
        ("manager promotes", actor(2, &[ManageUsers]), role_change("admin", Some(admin.clone())), Ok(())),
        ("owner sends role unchanged", owner(), role_change("USER", None), Ok(())),
        (
            "owner renames and promotes",
            owner(),
            ProfileChange { role: role_change("admin", None).role, ..name("x") },
            forbidden("role"),
        ),
        (
            "manager renames and promotes another",
            actor(2, &[ManageUsers]),
            ProfileChange { role: role_change("admin", Some(admin.clone())).role, ..name("x") },
            forbidden("name"),
        ),
    ];
    for (case, actor, change, expected) in cases {
        let got = alice().apply(&change, &actor, at(9)).map(|_| ());
        assert_eq!(got, expected, "{case}");
    }
}

#[test]
fn a_change_bumps_version_and_updated_at() {
    let before = alice();
    let after = before.apply(&name("Alice W"), &owner(), at(9)).unwrap();
    assert_eq!(after.name().as_str(), "Alice W");
    assert_eq!((after.version(), after.updated_at()), (Version(2), at(9)));
    assert_eq!(after.created_at(), before.created_at());
}

#[test]
fn a_change_that_changes_nothing_keeps_version_and_updated_at() {
    let before = alice();
    for change in [ProfileChange::default(), name("alice"), creator(false), role_change("user", None)] {
        let after = before.apply(&change, &owner(), at(9)).unwrap();
        assert_eq!(after, before);
    }
}

#[test]
fn optional_fields_are_set_and_cleared() {
    let location = Location::try_from("Warsaw").unwrap();
    let set = ProfileChange { location: FieldUpdate::Set(location.clone()), ..Default::default() };
    let with = alice().apply(&set, &owner(), at(9)).unwrap();
    assert_eq!(*with.location(), Some(location));
    let clear = ProfileChange { location: FieldUpdate::Clear, ..Default::default() };
    let without = with.apply(&clear, &owner(), at(10)).unwrap();
    assert_eq!((without.location().clone(), without.version()), (None, Version(3)));
}

#[test]
fn clearing_required_fields_is_refused_naming_each() {
    let change = ProfileChange {
        name: FieldUpdate::Clear,
        locale: FieldUpdate::Clear,
        is_creator: FieldUpdate::Clear,
        role: FieldUpdate::Clear,
        ..Default::default()
    };
    let Err(ProfileError::Invalid(errors)) =
        alice().apply(&change, &actor(1, &[Privilege::ManageUsers, Privilege::WriteAnyProfile]), at(9))
    else {
        panic!("expected validation errors");
    };
    let fields: Vec<_> = errors.errors().iter().map(|e| (e.field.as_ref(), e.code.as_str())).collect();
    assert_eq!(
        fields,
        [
            ("name", "not_nullable"),
            ("locale", "not_nullable"),
            ("is_creator", "not_nullable"),
            ("role", "not_nullable")
        ]
    );
}

#[test]
fn role_changes_must_be_resolved_first() {
    let manager = actor(2, &[Privilege::ManageUsers, Privilege::WriteAnyProfile]);
    let got = alice().apply(&role_change("admin", None), &manager, at(9));
    assert_eq!(got, Err(ProfileError::UnresolvedRole { name: "admin".into() }));
    let admin = role("admin", &[Privilege::ManageUsers]);
    let promoted = alice().apply(&role_change("Admin", Some(admin.clone())), &manager, at(9)).unwrap();
    assert_eq!(*promoted.role(), admin);
}

#[test]
fn private_fields_visibility_table() {
    let cases: Vec<(&str, Option<Actor>, bool)> = vec![
        ("anonymous", None, false),
        ("owner", Some(owner()), true),
        ("other user", Some(actor(2, &[])), false),
        ("writer", Some(actor(2, &[Privilege::WriteAnyProfile])), false),
        ("reader", Some(actor(2, &[Privilege::ReadPrivateProfiles])), true),
    ];
    for (case, viewer, expected) in cases {
        assert_eq!(alice().can_see_private(viewer.as_ref()), expected, "{case}");
    }
}

fn email(raw: &str) -> ProfileChange {
    ProfileChange { email: FieldUpdate::Set(Email::try_from(raw).unwrap()), ..Default::default() }
}

fn verified(profile: Profile) -> Profile {
    let mut parts = profile.into_parts();
    parts.email_verified_at = Some(at(9));
    Profile::restore(parts)
}

#[test]
fn an_owner_may_send_the_address_only_unchanged() {
    let alice = verified(alice());
    assert_eq!(alice.apply(&email("alice@example.com"), &owner(), at(10)).unwrap(), alice);

    for other in ["new@example.com", "Alice@Example.com"] {
        let Err(ProfileError::Invalid(errors)) = alice.apply(&email(other), &owner(), at(10)) else {
            panic!("{other}: expected a validation error");
        };
        let codes: Vec<_> = errors.errors().iter().map(|e| (e.field.as_ref(), e.code)).collect();
        assert_eq!(codes, [("email", FieldCode::UseEmailChange)], "{other}");
    }
    let writer = actor(2, &[Privilege::WriteAnyProfile]);
    assert!(
        alice.apply(&email("new@example.com"), &writer, at(10)).is_err(),
        "profiles.write_any is not enough"
    );
}

#[test]
fn a_manager_sets_an_address_which_is_then_unverified_unless_only_its_case_changed() {
    let alice = verified(alice());
    let manager = actor(2, &[Privilege::ManageUsers, Privilege::WriteAnyProfile]);

    let moved = alice.apply(&email("new@example.com"), &manager, at(10)).unwrap();
    assert_eq!((moved.email().as_str(), moved.email_verified_at()), ("new@example.com", None));

    let recased = alice.apply(&email("Alice@Example.com"), &manager, at(10)).unwrap();
    assert_eq!((recased.email().as_str(), recased.email_verified_at()), ("Alice@Example.com", Some(at(9))));
}

#[test]
fn other_changes_keep_the_verification() {
    let alice = verified(alice());
    assert_eq!(alice.apply(&name("Alice W"), &owner(), at(10)).unwrap().email_verified_at(), Some(at(9)));
}
