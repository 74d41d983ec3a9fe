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
    use crate::error::{FieldCode, FieldError, GENERIC_MESSAGE};

    /// Codes the profile rules use; each has its own default sentence.
    const CODES: &[FieldCode] = &[
        FieldCode::Blank,
        FieldCode::UnknownCountry,
        FieldCode::InvalidLocale,
        FieldCode::UnknownTimezone,
        FieldCode::InvalidDate,
        FieldCode::InFuture,
        FieldCode::TooYoung,
        FieldCode::OutOfRange,
        FieldCode::InvalidUrl,
        FieldCode::WrongHost,
        FieldCode::InvalidEthAddress,
        FieldCode::InvalidChecksum,
        FieldCode::InvalidIban,
        FieldCode::TooMany,
        FieldCode::TooLarge,
        FieldCode::InvalidFormat,
        FieldCode::Overlapping,
        FieldCode::TextMismatch,
        FieldCode::Required,
        FieldCode::InvalidType,
        FieldCode::NotNullable,
        FieldCode::ControlCharacters,
        FieldCode::TooLong,
        FieldCode::TooShort,
    ];

    #[test]
    fn every_profile_code_has_its_own_message() {
        let generic = GENERIC_MESSAGE;
        for code in CODES {
            assert_ne!(FieldError::new("x", *code).message, generic, "{code}");
        }
    }
}
