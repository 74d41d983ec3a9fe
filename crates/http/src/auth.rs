//! Authentication: `Authorization: Bearer T` or `Authentication: T`
//! (dialect 002) become a [`Caller`] through the `Authenticate` use case.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use actix_web::{FromRequest, HttpRequest, web};
use profile_application::model::Caller;

use crate::problem::ApiError;
use crate::request_id::request_id;
use crate::state::UseCases;

/// The header dialect 002 sends its token in.
pub const AUTHENTICATION: &str = "authentication";

/// A request with a valid token; 401 otherwise.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller);

/// A request that may carry a token. No token gives `None`; a token that is
/// unknown, expired or revoked is still a 401 (never silently anonymous).
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Caller>);

/// The token presented by the request, if any.
///
/// `Err` when a credential header is present but unusable (another scheme,
/// empty, not ASCII).
pub fn presented_token(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let value = value.to_str().map_err(|_| ApiError::unauthenticated())?.trim();
        let (scheme, token) = value.split_once(' ').ok_or_else(ApiError::unauthenticated)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(ApiError::unauthenticated());
        }
        return Ok(Some(token.trim().to_owned()));
    }
    if let Some(value) = headers.get(AUTHENTICATION) {
        let value = value.to_str().map_err(|_| ApiError::unauthenticated())?.trim();
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => value,
        };
        if token.is_empty() {
            return Err(ApiError::unauthenticated());
        }
        return Ok(Some(token.to_owned()));
    }
    Ok(None)
}

async fn authenticate(req: HttpRequest) -> Result<Option<Caller>, ApiError> {
    let Some(token) = presented_token(req.headers())? else {
        return Ok(None);
    };
    let use_cases = req.app_data::<web::Data<UseCases>>().ok_or_else(|| {
        ApiError::from(profile_application::AppError::Internal("use cases not registered".into()))
    })?;
    let caller = use_cases.authenticate.execute(&token).await?;
    Ok(Some(Caller { request_id: request_id(&req), ..caller }))
}

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req).await.map(MaybeAuthenticated) })
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(
            async move { authenticate(req).await?.map(Authenticated).ok_or_else(ApiError::unauthenticated) },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    type Case<'a> = (&'a [(&'a str, &'a str)], Result<Option<&'a str>, ()>);

    #[test]
    fn both_headers_and_their_forms() {
        let cases: &[Case] = &[
            (&[], Ok(None)),
            (&[("authorization", "Bearer abc")], Ok(Some("abc"))),
            (&[("authorization", "bearer  abc ")], Ok(Some("abc"))),
            (&[("authorization", "Basic abc")], Err(())),
            (&[("authorization", "Bearer")], Err(())),
            (&[("authorization", "Bearer ")], Err(())),
            (&[("authentication", "abc")], Ok(Some("abc"))),
            (&[("authentication", "Bearer abc")], Ok(Some("abc"))),
            (&[("authentication", "")], Err(())),
        ];
        for (pairs, expected) in cases {
            let got = presented_token(&headers(pairs)).map_err(|_| ());
            assert_eq!(got.as_ref().map(|t| t.as_deref()), expected.as_ref().map(|t| *t), "{pairs:?}");
        }
    }
}
