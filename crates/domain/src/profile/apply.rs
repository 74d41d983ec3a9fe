//! The update rules: who may change which field, and what a change does.

use chrono::{DateTime, Utc};

use crate::error::{FieldCode, FieldError, ValidationErrors};
use crate::profile::{
    Actor, Annotations, FieldUpdate, Profile, ProfileChange, ProfileError, RoleRequest, StoredProfileParts,
};
use crate::user::{Privilege, Role};

impl Profile {
    /// The profile after `change` by `actor` at `now`.
    ///
    /// Who may do what:
    /// - changing `is_creator` needs `profiles.write_any`;
    /// - changing `role` needs `users.manage`;
    /// - every other field, and `is_creator`/`role` set to the value they
    ///   already have, needs the owner or `profiles.write_any`;
    /// - an empty change needs one of the above (owner, `profiles.write_any`
    ///   or `users.manage`).
    ///
    /// The first field the actor may not touch is reported as
    /// [`ProfileError::Forbidden`] before any field rule is checked. `Clear`
    /// on a required field is [`ProfileError::Invalid`] with `not_nullable`
    /// for each such field. A role change must be resolved first (see
    /// [`RoleRequest`]).
    ///
    /// When the change changes nothing (every field kept or set to its
    /// current value), the profile is returned as it is, same `version` and
    /// `updated_at`, so the caller may skip the write; otherwise `version`
    /// is bumped and `updated_at` becomes `now`.
    ///
    /// # Errors
    /// [`ProfileError::Forbidden`] for the first field `actor` may not change,
    /// [`ProfileError::Invalid`] when a required field is cleared, and
    /// [`ProfileError::UnresolvedRole`] for a role change not resolved first.
    pub fn apply(
        &self,
        change: &ProfileChange,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Profile, ProfileError> {
        self.authorize(change, actor)?;
        let mut errors = ValidationErrors::new();
        let mut e = |field: &'static str| errors.push(FieldError::new(field, FieldCode::NotNullable));
        macro_rules! next {
            ($($(#[$doc:meta])* $field:ident: $pt:ty, $ct:ty => $wire:literal, $rule:ident, $vis:ident, $kind:ident;)*) => {
                Profile::restore(StoredProfileParts {
                    id: self.id(),
                    $($field: next_value!($rule $field, $wire),)*
                    created_at: self.created_at(),
                    updated_at: self.updated_at(),
                    version: self.version(),
                    email_verified_at: self.email_verified_at(),
                })
            };
        }
        /// A field's value after the change: required ones refuse `Clear`,
        /// optional ones clear, annotations clear to the empty list, the role
        /// must be resolved.
        macro_rules! next_value {
            (Sticky role, $wire:literal) => {
                self.next_role(&change.role, &mut e)?
            };
            (OptionalSticky annotations, $wire:literal) => {
                match &change.annotations {
                    FieldUpdate::Keep => self.annotations().clone(),
                    FieldUpdate::Clear => Annotations::default(),
                    FieldUpdate::Set(annotations) => annotations.clone(),
                }
            };
            (Optional $field:ident, $wire:literal) => {
                change.$field.applied_to(self.$field())
            };
            ($rule:ident $field:ident, $wire:literal) => {
                required(&change.$field, self.$field(), $wire, &mut e)
            };
        }
        let next = crate::for_each_profile_field!(next);
        // The address changes through its own flow (password, then a link
        // to the new address); only `users.manage` sets one directly.
        if next.email().as_str() != self.email().as_str() && !actor.can(Privilege::ManageUsers) {
            errors.push(FieldError::new("email", FieldCode::UseEmailChange));
        }
        errors.into_result(())?;
        // A new address (not only a new spelling) is unverified.
        let next =
            if next.email().canonical() != self.email().canonical() { next.unverified() } else { next };
        if next == *self {
            return Ok(next);
        }
        Ok(next.bumped(now))
    }

    /// Whether `actor` may make `change` to this profile at all, before any
    /// value or precondition is looked at.
    ///
    /// # Errors
    /// [`ProfileError::Forbidden`] naming the first field `actor` may not
    /// change (`profile` for an empty change by someone who may not edit).
    pub fn authorize(&self, change: &ProfileChange, actor: &Actor) -> Result<(), ProfileError> {
        let may_edit = actor.is(self.id()) || actor.can(Privilege::WriteAnyProfile);
        let touched = change.touched_fields();
        for &field in &touched {
            let allowed = match field {
                "is_creator" if change.is_creator.as_set() != Some(self.is_creator()) => {
                    actor.can(Privilege::WriteAnyProfile)
                }
                "role" if !change.role.as_set().is_some_and(|r| r.name().names(self.role())) => {
                    actor.can(Privilege::ManageUsers)
                }
                _ => may_edit,
            };
            if !allowed {
                return Err(ProfileError::Forbidden { field });
            }
        }
        if touched.is_empty() && !may_edit && !actor.can(Privilege::ManageUsers) {
            return Err(ProfileError::Forbidden { field: "profile" });
        }
        Ok(())
    }

    fn next_role(
        &self,
        update: &FieldUpdate<RoleRequest>,
        not_nullable: &mut impl FnMut(&'static str),
    ) -> Result<Role, ProfileError> {
        match update {
            FieldUpdate::Keep => Ok(self.role().clone()),
            FieldUpdate::Clear => {
                not_nullable("role");
                Ok(self.role().clone())
            }
            FieldUpdate::Set(request) => match request.resolved() {
                Some(role) => Ok(role.clone()),
                None if request.name().names(self.role()) => Ok(self.role().clone()),
                None => Err(ProfileError::UnresolvedRole { name: request.name().to_string() }),
            },
        }
    }
}

/// The value of a required field after `update`; `Clear` is reported.
fn required<T: Clone>(
    update: &FieldUpdate<T>,
    current: &T,
    field: &'static str,
    not_nullable: &mut impl FnMut(&'static str),
) -> T {
    match update {
        FieldUpdate::Keep => current.clone(),
        FieldUpdate::Set(value) => value.clone(),
        FieldUpdate::Clear => {
            not_nullable(field);
            current.clone()
        }
    }
}

#[cfg(test)]
#[path = "apply_tests.rs"]
mod tests;
