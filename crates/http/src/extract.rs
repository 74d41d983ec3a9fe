//! What handlers read from a request besides its body, for the native API
//! and every dialect alike: a `{user}` path segment as a [`UserRef`], the
//! client's address and user agent, and a [`ProfileEditor`] (caller, `If-Match`, address)
//! that turns a decoded body into the one [`UpdateProfileCommand`].
//!
//! A leaf: it imports neither `routes` nor `dialects`.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use profile_application::model::{Caller, ImageAltInput, ProfileView};
use profile_application::use_cases::{AnnotationsUpdate, UpdateMode, UpdateProfileCommand};
use profile_domain::account::UserAgent;
use profile_domain::profile::{RawProfileInput, Version};
use profile_domain::user::UserRef;

use crate::auth::Authenticated;
use crate::client::canonical;
use crate::conditional::if_match;
use crate::problem::ApiError;
use crate::state::{HttpSettings, UseCases};

/// The request's `User-Agent`, cleaned (see [`UserAgent::from_header`]).
pub fn user_agent(req: &HttpRequest) -> Option<UserAgent> {
    let raw = req.headers().get(actix_web::http::header::USER_AGENT)?;
    UserAgent::from_header(&String::from_utf8_lossy(raw.as_bytes()))
}

/// Parses a `{user}` path segment (id, `me`, `@username`): a malformed
/// reference names no one (404).
pub fn user_ref(raw: &str) -> Result<UserRef, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("No such user."))
}

/// The client address of `req` under the
/// [`TrustedProxies`](crate::client::TrustedProxies) of the registered
/// [`HttpSettings`] (none trusted when missing); `None` only for a request
/// with no peer (in-process tests).
pub fn client_address(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    Some(match req.app_data::<web::Data<HttpSettings>>() {
        Some(settings) => settings.trusted_proxies.client(peer, req.headers()),
        None => canonical(peer),
    })
}

/// [`client_address`] as the text the use cases' rate limits count by.
pub fn client(req: &HttpRequest) -> Option<String> {
    client_address(req).map(|ip| ip.to_string())
}

/// Who changes a profile, and what the request says besides its body: the
/// authenticated caller (401 otherwise, as [`Authenticated`]), the
/// `If-Match` versions and the client's address.
#[derive(Debug, Clone)]
pub struct ProfileEditor {
    /// The caller.
    pub caller: Caller,
    if_match: Option<Vec<Version>>,
    client: Option<String>,
}

impl ProfileEditor {
    /// The same editor with no precondition, for an API whose document has
    /// no `If-Match` (its clients' headers are not read).
    #[must_use]
    pub fn without_precondition(self) -> Self {
        Self { if_match: None, ..self }
    }

    /// The command changing `target`'s profile by `input`.
    pub fn command(
        &self,
        target: UserRef,
        input: RawProfileInput,
        mode: UpdateMode,
        annotations: AnnotationsUpdate,
    ) -> UpdateProfileCommand {
        UpdateProfileCommand {
            target,
            input,
            mode,
            if_match: self.if_match.clone(),
            annotations,
            client: self.client.clone(),
            image_alts: ImageAltInput::default(),
        }
    }

    /// Runs [`Self::command`] through the update use case: the profile as
    /// the editor may now see it.
    ///
    /// # Errors
    /// The use case's, as an [`ApiError`].
    pub async fn update(
        &self,
        app: &UseCases,
        target: UserRef,
        input: RawProfileInput,
        mode: UpdateMode,
        annotations: AnnotationsUpdate,
    ) -> Result<ProfileView, ApiError> {
        let command = self.command(target, input, mode, annotations);
        Ok(app.update_profile.execute(&self.caller, command).await?)
    }
}

impl FromRequest for ProfileEditor {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Authenticated::from_request(req, payload);
        let (if_match, client) = (if_match(req), client(req));
        Box::pin(async move { Ok(Self { caller: caller.await?.0, if_match, client }) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use profile_application::model::TokenDigest;
    use profile_domain::user::{Role, UserId};

    fn editor() -> ProfileEditor {
        ProfileEditor {
            caller: Caller {
                user_id: UserId(7),
                role: Role::new(1, "user", Default::default()),
                token_digest: TokenDigest("t".into()),
                request_id: None,
            },
            if_match: Some(vec![Version(3)]),
            client: Some("192.0.2.1".into()),
        }
    }

    #[test]
    fn the_command_carries_the_precondition_and_the_client_address_of_the_request() {
        let command = editor().command(
            UserRef::Me,
            RawProfileInput::default(),
            UpdateMode::MergePatch,
            AnnotationsUpdate::MergeByType,
        );
        assert_eq!(command.target, UserRef::Me);
        assert_eq!(command.if_match, Some(vec![Version(3)]));
        assert_eq!(command.client.as_deref(), Some("192.0.2.1"));
        assert!(matches!(command.mode, UpdateMode::MergePatch));
        assert!(matches!(command.annotations, AnnotationsUpdate::MergeByType));
    }

    #[test]
    fn without_a_precondition_only_if_match_is_dropped() {
        let editor = editor().without_precondition();
        let command = editor.command(
            UserRef::Me,
            RawProfileInput::default(),
            UpdateMode::Replace,
            AnnotationsUpdate::ReplaceList,
        );
        assert_eq!(command.if_match, None);
        assert_eq!(command.client.as_deref(), Some("192.0.2.1"));
        assert_eq!(editor.caller.user_id, UserId(7));
    }

    #[test]
    fn a_user_segment_that_names_no_one_is_a_404() {
        for good in ["me", "42", "@alice"] {
            assert!(user_ref(good).is_ok(), "{good}");
        }
        for bad in ["abc", "0", "@x", ""] {
            assert_eq!(user_ref(bad).unwrap_err().status, StatusCode::NOT_FOUND, "{bad}");
        }
    }
}
