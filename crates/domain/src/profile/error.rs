//! Why a change to a profile was refused.

use crate::error::ValidationErrors;

/// A refused profile change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The actor may not change `field` (`profile` when they may not change
    /// this profile at all).
    #[error("not allowed to change `{field}`")]
    Forbidden {
        /// JSON name of the first field the actor may not change.
        field: &'static str,
    },
    /// The change breaks field rules (a required field cleared).
    #[error("invalid change: {0}")]
    Invalid(#[from] ValidationErrors),
    /// A role change was applied before the application looked the role up
    /// (see [`RoleRequest`](crate::profile::RoleRequest)).
    #[error("role `{name}` was not resolved before the change was applied")]
    UnresolvedRole {
        /// The requested role name.
        name: String,
    },
}

#[cfg(test)]
mod tests {
    use crate::error::FieldError;

    /// Codes the profile rules use; each has its own default sentence.
    const CODES: &[&str] = &[
        "blank",
        "unknown_country",
        "invalid_locale",
        "unknown_timezone",
        "invalid_date",
        "in_future",
        "too_young",
        "out_of_range",
        "invalid_url",
        "wrong_host",
        "invalid_eth_address",
        "invalid_checksum",
        "invalid_iban",
        "too_many",
        "too_large",
        "invalid_format",
        "overlapping",
        "text_mismatch",
        "required",
        "invalid_type",
        "not_nullable",
        "control_characters",
        "too_long",
        "too_short",
    ];

    #[test]
    fn every_profile_code_has_its_own_message() {
        let generic = FieldError::new("x", "no_such_code").message;
        for code in CODES {
            assert_ne!(FieldError::new("x", code).message, generic, "{code}");
        }
    }
}
