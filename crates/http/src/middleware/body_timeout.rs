//! Request bodies that stall are cut off: nothing received for
//! `body_idle_timeout`, or not complete within `body_timeout`, and reading
//! fails with a timed-out I/O error, which the JSON and multipart readers
//! answer with 408 and a closed connection. Without this a client that stops
//! mid-body holds its connection (and a file descriptor) for ever.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::rt::time::{Instant, Sleep, sleep, sleep_until};
use actix_web::web::{Bytes, Data};
use futures_util::Stream;

use crate::state::HttpSettings;

/// The request's body, if it has one, becomes a [`TimedBody`] with the
/// configured limits.
pub(super) fn time_body(req: &mut ServiceRequest) {
    let limits = req.app_data::<Data<HttpSettings>>().map(|s| (s.body_idle_timeout, s.body_timeout));
    if let Some((idle, total)) = limits {
        let payload = req.take_payload();
        if matches!(payload, Payload::None) {
            req.set_payload(payload);
        } else {
            req.set_payload(Payload::Stream { payload: Box::pin(TimedBody::new(payload, idle, total)) });
        }
    }
}

/// A body stream that fails once it stalls for `idle` or runs past `total`.
pub struct TimedBody<S> {
    inner: S,
    idle: Duration,
    idle_timer: Pin<Box<Sleep>>,
    deadline: Pin<Box<Sleep>>,
    finished: bool,
}

impl<S> TimedBody<S> {
    /// `inner` with the two limits, counted from now.
    pub fn new(inner: S, idle: Duration, total: Duration) -> Self {
        Self {
            inner,
            idle,
            idle_timer: Box::pin(sleep(idle)),
            deadline: Box::pin(sleep_until(Instant::now() + total)),
            finished: false,
        }
    }
}

impl<S> Stream for TimedBody<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.finished {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let next = Instant::now() + this.idle;
                this.idle_timer.as_mut().reset(next);
                return Poll::Ready(Some(Ok(chunk)));
            }
            Poll::Ready(other) => {
                this.finished = other.is_none();
                return Poll::Ready(other);
            }
            Poll::Pending => {}
        }
        let stalled = this.idle_timer.as_mut().poll(cx).is_ready();
        if stalled || this.deadline.as_mut().poll(cx).is_ready() {
            this.finished = true;
            let error = io::Error::new(io::ErrorKind::TimedOut, "the request body timed out");
            return Poll::Ready(Some(Err(PayloadError::Io(error))));
        }
        Poll::Pending
    }
}

/// Whether reading a body failed because [`TimedBody`] cut it off.
pub fn is_body_timeout(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(e) if e.kind() == io::ErrorKind::TimedOut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use futures_util::stream;

    fn chunks(n: usize) -> impl Stream<Item = Result<Bytes, PayloadError>> + Unpin {
        stream::iter((0..n).map(|_| Ok(Bytes::from_static(b"x"))))
    }

    #[actix_web::test]
    async fn a_body_that_keeps_coming_is_passed_through_whole() {
        let body = TimedBody::new(chunks(3), Duration::from_millis(50), Duration::from_secs(5));
        let read: Vec<_> = body.collect().await;
        assert_eq!(read.len(), 3);
        assert!(read.iter().all(Result::is_ok));
    }

    #[actix_web::test]
    async fn a_body_that_stalls_fails_once_with_a_timeout_and_then_ends() {
        let stalled = chunks(1).chain(stream::pending());
        let mut body = TimedBody::new(stalled, Duration::from_millis(50), Duration::from_secs(5));
        assert!(body.next().await.is_some_and(|c| c.is_ok()));
        let started = std::time::Instant::now();
        let error = body.next().await.and_then(Result::err).expect("a timeout error");
        assert!(is_body_timeout(&error), "{error}");
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert!(body.next().await.is_none());
    }

    #[actix_web::test]
    async fn a_trickle_is_cut_at_the_total_deadline() {
        let trickle = Box::pin(stream::unfold((), |()| async {
            sleep(Duration::from_millis(10)).await;
            Some((Ok(Bytes::from_static(b"x")), ()))
        }));
        let body = TimedBody::new(trickle, Duration::from_millis(100), Duration::from_millis(80));
        let read: Vec<_> = body.collect().await;
        let last = read.last().and_then(|r| r.as_ref().err()).expect("ends in an error");
        assert!(is_body_timeout(last));
        assert!(read.len() < 12, "cut near 80 ms, not at the idle limit: {} chunks", read.len());
    }
}
