//! The API's problem codes: the `code` member of problem+json and of every
//! dialect's error envelope, each with its HTTP status and title, written
//! once here so that a misspelt code does not compile.

use std::fmt;

use actix_web::http::StatusCode;

/// Declares [`ErrorCode`] from one table: each variant with its doc, status
/// and wire string, so a new code is one line and `ALL`, `status` and
/// `as_str` cannot miss it.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $status:ident, $wire:literal;)*) => {
        /// A stable, machine-readable reason for an error response (docs/errors.md).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in status order.
            pub const ALL: &[ErrorCode] = &[$(Self::$variant),*];

            /// The HTTP status an error with this code answers.
            pub const fn status(self) -> StatusCode {
                match self {
                    $(Self::$variant => StatusCode::$status,)*
                }
            }

            /// The code as sent (`validation_failed`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)*
                }
            }
        }
    };
}

error_codes! {
    /// 400 `bad_request`: A client error with no more precise code (an error actix produced before our code ran).
    BadRequest => BAD_REQUEST, "bad_request";
    /// 400 `malformed_json`: The body is not JSON.
    MalformedJson => BAD_REQUEST, "malformed_json";
    /// 400 `duplicate_key`: The JSON body names a key twice in one object.
    DuplicateKey => BAD_REQUEST, "duplicate_key";
    /// 400 `unreadable_body`: The body could not be read.
    UnreadableBody => BAD_REQUEST, "unreadable_body";
    /// 400 `malformed_multipart`: The multipart body could not be read.
    MalformedMultipart => BAD_REQUEST, "malformed_multipart";
    /// 400 `invalid_query`: The query string cannot be parsed.
    InvalidQuery => BAD_REQUEST, "invalid_query";
    /// 401 `unauthenticated`: No token, or an unknown, expired or revoked one.
    Unauthenticated => UNAUTHORIZED, "unauthenticated";
    /// 401 `invalid_credentials`: Login: unknown login or wrong password (the same answer for both).
    InvalidCredentials => UNAUTHORIZED, "invalid_credentials";
    /// 403 `forbidden`: Authenticated, but not allowed.
    Forbidden => FORBIDDEN, "forbidden";
    /// 404 `not_found`: No such user or route.
    NotFound => NOT_FOUND, "not_found";
    /// 404 `invalid_token`: A reset link's token is unknown, expired or used up (the three alike).
    InvalidToken => NOT_FOUND, "invalid_token";
    /// 405 `method_not_allowed`: The path exists, the method does not.
    MethodNotAllowed => METHOD_NOT_ALLOWED, "method_not_allowed";
    /// 408 `request_timeout`: The body stalled or took too long.
    RequestTimeout => REQUEST_TIMEOUT, "request_timeout";
    /// 409 `duplicate`: A username or email already taken.
    Duplicate => CONFLICT, "duplicate";
    /// 409 `self_suspension`: An administrator cannot suspend their own account.
    SelfSuspension => CONFLICT, "self_suspension";
    /// 409 `last_manager`: The change would leave no account holding `users.manage`.
    LastManager => CONFLICT, "last_manager";
    /// 412 `version_conflict`: `If-Match` names a stale version; nothing changed.
    VersionConflict => PRECONDITION_FAILED, "version_conflict";
    /// 413 `payload_too_large`: The body is over its limit.
    PayloadTooLarge => PAYLOAD_TOO_LARGE, "payload_too_large";
    /// 415 `unsupported_media_type`: A body of a media type this route does not take.
    UnsupportedMediaType => UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type";
    /// 422 `invalid_body`: The JSON body is not an object.
    InvalidBody => UNPROCESSABLE_ENTITY, "invalid_body";
    /// 422 `validation_failed`: One or more fields break a rule; the error lists them.
    ValidationFailed => UNPROCESSABLE_ENTITY, "validation_failed";
    /// 429 `too_many_requests`: Too many attempts.
    TooManyRequests => TOO_MANY_REQUESTS, "too_many_requests";
    /// 500 `internal`: A bug on our side.
    Internal => INTERNAL_SERVER_ERROR, "internal";
    /// 503 `unavailable`: The database or the media store cannot be reached.
    Unavailable => SERVICE_UNAVAILABLE, "unavailable";
}

impl ErrorCode {
    /// The problem's `title`: the status phrase.
    pub fn title(self) -> &'static str {
        self.status().canonical_reason().unwrap_or("Error")
    }

    /// The problem's `type`: `/problems/{code}` with `_` written as `-`.
    pub fn problem_type(self) -> String {
        format!("/problems/{}", self.as_str().replace('_', "-"))
    }

    /// The code of an error response something other than our code made
    /// (actix's own 404, 405, 413, …), known only by its status.
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::BadRequest,
            401 => Self::Unauthenticated,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            408 => Self::RequestTimeout,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            429 => Self::TooManyRequests,
            503 => Self::Unavailable,
            _ if status.is_client_error() => Self::BadRequest,
            _ => Self::Internal,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn each_code_is_unique_snake_case_and_titled_by_its_status() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code}");
            assert_eq!(Some(code.title()), code.status().canonical_reason(), "{code}");
            assert!(code.status().is_client_error() || code.status().is_server_error(), "{code}");
        }
    }

    #[test]
    fn a_bare_status_gets_the_code_of_that_status() {
        let cases = [
            (400, ErrorCode::BadRequest),
            (401, ErrorCode::Unauthenticated),
            (404, ErrorCode::NotFound),
            (405, ErrorCode::MethodNotAllowed),
            (408, ErrorCode::RequestTimeout),
            (410, ErrorCode::BadRequest),
            (413, ErrorCode::PayloadTooLarge),
            (415, ErrorCode::UnsupportedMediaType),
            (429, ErrorCode::TooManyRequests),
            (500, ErrorCode::Internal),
            (502, ErrorCode::Internal),
            (503, ErrorCode::Unavailable),
        ];
        for (status, code) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(ErrorCode::for_status(status), code, "{status}");
            if status == code.status() {
                continue;
            }
            assert!(matches!(status.as_u16(), 410 | 502), "{status} has a code of its own");
        }
    }

    #[test]
    fn the_problem_type_writes_dashes() {
        assert_eq!(ErrorCode::ValidationFailed.problem_type(), "/problems/validation-failed");
    }
}
