//! Draining the outbox: sending what is due, retrying failures with
//! exponential backoff, giving up after a bounded number of attempts.

use std::sync::Arc;

use chrono::Duration;

use crate::ports::{Clock, MailError, MailOutbox, Mailer};
use crate::{AppError, Chain};

/// How the outbox is drained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Messages claimed per round.
    pub batch: u32,
    /// Attempts per message before it is given up (kept as failed).
    pub max_attempts: u32,
    /// Wait after the first failure; each further failure doubles it.
    pub first_retry: Duration,
    /// The longest wait between attempts.
    pub max_retry: Duration,
    /// How long a claimed message is hidden from other instances.
    pub lease: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            batch: 20,
            max_attempts: 8,
            first_retry: Duration::seconds(30),
            max_retry: Duration::hours(1),
            lease: Duration::minutes(5),
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Messages sent.
    pub sent: u64,
    /// Attempts that failed (retried later or given up).
    pub failed: u64,
    /// Of those, messages given up.
    pub given_up: u64,
}

/// Sends due outbox messages.
#[derive(Clone)]
pub struct DeliverMail {
    outbox: Arc<dyn MailOutbox>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    policy: DeliveryPolicy,
}

impl DeliverMail {
    /// Wires the use case.
    pub fn new(
        outbox: Arc<dyn MailOutbox>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        policy: DeliveryPolicy,
    ) -> Self {
        Self { outbox, mailer, clock, policy }
    }

    /// One round: claims what is due and tries each once. A failure is
    /// logged (never the body) and rescheduled, or given up after the last
    /// attempt or a permanent refusal.
    ///
    /// # Errors
    /// [`AppError::Unavailable`] when the database cannot be reached.
    #[tracing::instrument(name = "deliver_mail", skip_all)]
    pub async fn execute(&self) -> Result<Delivered, AppError> {
        let now = self.clock.now();
        let claimed = self.outbox.claim(now, self.policy.batch, self.policy.lease).await?;
        let mut round = Delivered::default();
        for mail in claimed {
            match self.mailer.send(&mail.message).await {
                Ok(()) => {
                    self.outbox.delivered(mail.id).await?;
                    round.sent += 1;
                }
                Err(error) => {
                    let attempts = mail.attempts + 1;
                    let permanent = matches!(error, MailError::Permanent(_));
                    let failed_at = self.clock.now();
                    let retry_at = (!permanent && attempts < self.policy.max_attempts)
                        .then(|| failed_at + self.backoff(attempts));
                    let reason = Chain(&error).to_string();
                    tracing::warn!(mail = mail.id, attempts, given_up = retry_at.is_none(), error = %reason,
                        "could not send a mail");
                    self.outbox.failed(mail.id, attempts, retry_at, &reason, failed_at).await?;
                    round.failed += 1;
                    round.given_up += u64::from(retry_at.is_none());
                }
            }
        }
        Ok(round)
    }

    /// Messages waiting to be sent.
    ///
    /// # Errors
    /// [`AppError::Unavailable`] when the database cannot be reached.
    pub async fn pending(&self) -> Result<u64, AppError> {
        Ok(self.outbox.pending().await?)
    }

    /// The wait after the `attempts`-th failure: `first_retry` doubled per
    /// earlier failure, at most `max_retry`.
    fn backoff(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(30);
        let wait = self.policy.first_retry.checked_mul(1 << doublings).unwrap_or(self.policy.max_retry);
        wait.min(self.policy.max_retry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MailMessage, QueuedMail};
    use crate::ports::mail_outbox::MockMailOutbox;
    use crate::ports::mailer::MockMailer;
    use crate::use_cases::test_support::{fixed_clock, noon};

    fn queued(id: i64, attempts: u32) -> QueuedMail {
        let message = MailMessage {
            to: "a@example.com".into(),
            subject: "s".into(),
            text: "t".into(),
            html: "h".into(),
        };
        QueuedMail { id, message, attempts }
    }

    fn outbox_with(mails: Vec<QueuedMail>) -> MockMailOutbox {
        let mut outbox = MockMailOutbox::new();
        outbox
            .expect_claim()
            .withf(|now, limit, lease| *now == noon() && *limit == 20 && *lease == Duration::minutes(5))
            .times(1)
            .returning(move |_, _, _| Ok(mails.clone()));
        outbox
    }

    fn failing_mailer(permanent: bool) -> MockMailer {
        let mut mailer = MockMailer::new();
        mailer.expect_send().returning(move |_| {
            Err(if permanent {
                MailError::Permanent("550 no such user".into())
            } else {
                MailError::Transient("connection refused".into())
            })
        });
        mailer
    }

    #[tokio::test]
    async fn a_sent_mail_leaves_the_outbox() {
        let mut outbox = outbox_with(vec![queued(1, 0), queued(2, 3)]);
        outbox.expect_delivered().times(2).returning(|_| Ok(()));
        let mut mailer = MockMailer::new();
        mailer.expect_send().times(2).returning(|_| Ok(()));
        let deliver =
            DeliverMail::new(Arc::new(outbox), Arc::new(mailer), fixed_clock(), DeliveryPolicy::default());

        assert_eq!(deliver.execute().await.unwrap(), Delivered { sent: 2, failed: 0, given_up: 0 });
    }

    #[tokio::test]
    async fn failures_wait_twice_as_long_each_time_up_to_the_cap() {
        for (attempts_before, wait) in [
            (0, Duration::seconds(30)),
            (1, Duration::seconds(60)),
            (4, Duration::seconds(480)),
            (6, Duration::minutes(32)),
            (7, Duration::hours(1)),
        ] {
            let mut outbox = outbox_with(vec![queued(7, attempts_before)]);
            outbox
                .expect_failed()
                .withf(move |id, attempts, retry_at, error, now| {
                    *now == noon()
                        && *id == 7
                        && *attempts == attempts_before + 1
                        && *retry_at == Some(noon() + wait)
                        && error.contains("connection refused")
                })
                .times(1)
                .returning(|_, _, _, _, _| Ok(()));
            let policy = DeliveryPolicy {
                max_retry: Duration::hours(1),
                max_attempts: 100,
                ..DeliveryPolicy::default()
            };
            let deliver =
                DeliverMail::new(Arc::new(outbox), Arc::new(failing_mailer(false)), fixed_clock(), policy);

            assert_eq!(deliver.execute().await.unwrap(), Delivered { sent: 0, failed: 1, given_up: 0 });
        }
    }

    #[tokio::test]
    async fn the_last_attempt_or_a_permanent_refusal_gives_up() {
        for (attempts_before, permanent) in [(7, false), (0, true)] {
            let mut outbox = outbox_with(vec![queued(7, attempts_before)]);
            outbox
                .expect_failed()
                .withf(|_, _, retry_at, _, _| retry_at.is_none())
                .times(1)
                .returning(|_, _, _, _, _| Ok(()));
            let deliver = DeliverMail::new(
                Arc::new(outbox),
                Arc::new(failing_mailer(permanent)),
                fixed_clock(),
                DeliveryPolicy::default(),
            );

            assert_eq!(deliver.execute().await.unwrap(), Delivered { sent: 0, failed: 1, given_up: 1 });
        }
    }
}
