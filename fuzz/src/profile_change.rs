//! Profile changes: reading a PATCH or PUT body into a change, and applying
//! it to a profile for several actors.
//!
//! Input: one or two JSON documents; the last one is the request body (the
//! first of two was once a merge-patch target and is ignored, so the
//! committed seeds keep working).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use profile_domain::account::{Email, Username};
use profile_domain::profile::{Actor, FieldUpdate, ParseContext, Profile, ProfileChange, RawProfileInput};
use profile_domain::user::{Privilege, Role, UserId};
use serde_json::Value;

/// Reads `data` as JSON, parses it as a PATCH and as a PUT body, applies the
/// change, and checks what comes out.
pub fn check(data: &[u8]) {
    let documents: Vec<Value> = serde_json::Deserializer::from_slice(data)
        .into_iter::<Value>()
        .take(2)
        .map_while(Result::ok)
        .collect();
    let body = match documents.as_slice() {
        [body] | [_, body] => body.clone(),
        _ => return,
    };
    let Ok(raw) = RawProfileInput::from_json(&body) else { return };
    let ctx = ParseContext::new(NaiveDate::from_ymd_opt(2025, 6, 15).expect("a valid date"));
    for parsed in [ProfileChange::merge_patch(&raw, &ctx), ProfileChange::replace(&raw, &ctx)] {
        match parsed {
            Ok(change) => check_apply(resolve_role(change)),
            Err(errors) => assert!(errors.into_iter().next().is_some(), "refused without a reason: {body}"),
        }
    }
}

/// The application looks a requested role up before applying; here every
/// name exists.
fn resolve_role(mut change: ProfileChange) -> ProfileChange {
    if let FieldUpdate::Set(request) = &mut change.role {
        let role = Role::new(9, request.name().as_str(), BTreeSet::new());
        request.resolve(role);
    }
    change
}

/// A change applied a second time changes nothing more; a change that
/// changes nothing keeps the version; an accepted change bumps it by one.
fn check_apply(change: ProfileChange) {
    let profile = alice();
    let all = Privilege::ALL.into_iter().collect::<BTreeSet<_>>();
    let actors = [
        Actor { user_id: UserId(1), role: Role::new(1, "user", BTreeSet::new()) },
        Actor { user_id: UserId(2), role: Role::new(2, "admin", all) },
        Actor { user_id: UserId(3), role: Role::new(1, "user", BTreeSet::new()) },
    ];
    for actor in &actors {
        let Ok(once) = profile.apply(&change, actor, at(9)) else { continue };
        if once == profile {
            assert_eq!(once.version(), profile.version());
        } else {
            assert_eq!(once.version(), profile.version().next(), "{change:?}");
            assert_eq!(once.updated_at(), at(9));
            assert!(!change.is_empty(), "an empty change changed the profile");
        }
        let twice = once.apply(&change, actor, at(10));
        assert_eq!(twice.as_ref(), Ok(&once), "applying {change:?} again changed the profile");
    }
}

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 15, hour, 0, 0).single().expect("a valid time")
}

fn alice() -> Profile {
    Profile::new(
        UserId(1),
        Username::try_from("alice").expect("a valid username"),
        Email::try_from("alice@example.com").expect("a valid email"),
        Role::new(1, "user", BTreeSet::new()),
        at(8),
    )
}
