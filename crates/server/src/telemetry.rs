//! Logs: JSON or readable, and a request id on every request (taken from the
//! gateway's `X-Request-Id` when it sends a sane one), echoed in the response.
//! The same middleware feeds the request metrics.

use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use tracing_appender::non_blocking::NonBlockingBuilder;
pub use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::settings::{LogFormat, LogSettings};

/// Header carrying the request id.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Lines that may wait for the log writer before a request waits for it.
/// The channel's slots are allocated up front: the crate's default (128k)
/// took 4 MiB of resident memory.
const WAITING_LINES: usize = 1024;

/// Installs the global subscriber, writing to standard error from a thread
/// of its own; later calls (tests) keep the first. Lines are handed to that
/// thread and written in batches, so a request never waits for the write
/// (nor for a slow log reader, until [`WAITING_LINES`] are waiting: then it
/// does, no line is dropped). Keep the guard until exit: dropping it writes what
/// is left.
#[must_use = "lines not yet written are lost when the guard is dropped"]
pub fn init(settings: &LogSettings) -> WorkerGuard {
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(WAITING_LINES)
        .lossy(false)
        .thread_name("log-writer")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    // The request's own span once: "spans" would repeat it on every line.
    let _ = match settings.format {
        LogFormat::Json => {
            builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init()
        }
        LogFormat::Pretty => builder.compact().try_init(),
    };
    guard
}

/// A request id: the incoming one when it is 1–128 visible ASCII characters,
/// else a new UUID.
fn request_id(req: &ServiceRequest) -> HeaderValue {
    req.headers()
        .get(&X_REQUEST_ID)
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.as_bytes().iter().all(|b| b.is_ascii_graphic()))
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .unwrap_or(HeaderValue::from_static("unknown"))
        })
}

/// Paths whose last segment is a secret (a mailed token): the log shows
/// the prefix and `{token}` instead. Routes that take a token in the path
/// add their prefix here.
const SECRET_PATH_PREFIXES: &[&str] = &["/v1/password-resets/", "/v1/email-verifications/"];

/// `path` as it may be logged: a token in it replaced by `{token}`.
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match SECRET_PATH_PREFIXES.iter().find(|prefix| path.starts_with(*prefix) && path.len() > prefix.len()) {
        Some(prefix) => format!("{prefix}{{token}}").into(),
        None => path.into(),
    }
}

/// Middleware: a span per request with its id, method and path (never the
/// query string or headers, which may carry secrets, nor a token in the
/// path), one log line when it ends, and the id echoed in `X-Request-Id`.
pub async fn trace_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id(&req);
    if let Ok(text) = id.to_str() {
        req.extensions_mut().insert(profile_http::RequestId(text.to_owned()));
    }
    let span = tracing::info_span!(
        "request",
        request_id = id.to_str().unwrap_or_default(),
        method = %req.method(),
        path = &*loggable_path(req.path()),
    );
    let method = req.method().clone();
    let started = Instant::now();
    let in_flight = crate::metrics::InFlight::start();
    let answered = next.call(req).instrument(span.clone()).await;
    drop(in_flight);
    let mut response = answered?;
    response.headers_mut().insert(X_REQUEST_ID, id);
    let elapsed = started.elapsed().as_secs_f64();
    let route = response.request().match_pattern();
    crate::metrics::record(&method, route.as_deref().unwrap_or("unmatched"), response.status(), elapsed);
    let status = response.status().as_u16();
    let elapsed_ms = elapsed * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, elapsed_ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, "request finished");
        }
    });
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_paths_are_not_logged() {
        assert_eq!(loggable_path("/v1/password-resets/pfd_abc"), "/v1/password-resets/{token}");
        assert_eq!(loggable_path("/v1/password-resets"), "/v1/password-resets");
        assert_eq!(loggable_path("/v1/email-verifications/pfd_abc"), "/v1/email-verifications/{token}");
        assert_eq!(loggable_path("/v1/users/me"), "/v1/users/me");
    }
}
