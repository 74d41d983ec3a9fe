//! Faults: PostgreSQL killed under load and restarted (`database`), a
//! media store that cannot write (`media`), and SIGTERM under load
//! (`shutdown`). Run with `--no-capture` to see the figures each prints.

mod database;
mod media;
mod shutdown;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::helpers::header;

/// One answer the service gave (or did not give) during the test.
#[derive(Debug, Clone)]
struct Answer {
    what: String,
    started: Instant,
    took: Duration,
    /// `None` when no response came (connection refused, reset, timeout).
    status: Option<StatusCode>,
    content_type: Option<String>,
    code: Option<String>,
    retry_after: Option<String>,
    /// The transport error, when there was no response.
    failure: Option<String>,
}

impl Answer {
    async fn of(what: String, started: Instant, sent: reqwest::Result<reqwest::Response>) -> Self {
        let (status, content_type, retry_after, body, failure) = match sent {
            Ok(response) => {
                let status = response.status();
                let content_type = header(&response, "content-type");
                let retry_after = header(&response, "retry-after");
                match response.text().await {
                    Ok(body) => (Some(status), content_type, retry_after, body, None),
                    Err(error) => {
                        (Some(status), content_type, retry_after, String::new(), Some(error.to_string()))
                    }
                }
            }
            Err(error) => (None, None, None, String::new(), Some(format!("{error:?}"))),
        };
        let code = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|body| body.get("code").and_then(Value::as_str).map(str::to_owned));
        Self { what, started, took: started.elapsed(), status, content_type, code, retry_after, failure }
    }

    fn is_success(&self) -> bool {
        self.failure.is_none() && self.status.is_some_and(|s| s.is_success())
    }

    /// A complete 503 `unavailable` problem with `Retry-After`.
    fn is_unavailable(&self) -> bool {
        self.failure.is_none()
            && self.status == Some(StatusCode::SERVICE_UNAVAILABLE)
            && self.content_type.as_deref() == Some("application/problem+json")
            && self.code.as_deref() == Some("unavailable")
            && self.retry_after.as_deref().is_some_and(|s| s.parse::<u32>().is_ok_and(|s| s > 0))
    }

    fn ended(&self) -> Instant {
        self.started + self.took
    }
}
