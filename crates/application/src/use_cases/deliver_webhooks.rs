//! Delivering change events to webhooks: fanning new events out into one
//! delivery per matching endpoint, then sending what is due, retrying
//! failures with exponential backoff and jitter until the delivery's
//! deadline, after which it is dead (kept for the API and redelivery).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::AppError;
use crate::ports::webhooks::DueDelivery;
use crate::ports::{Clock, WebhookSender, WebhookStore};

/// How deliveries are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// Events fanned out, and deliveries claimed, per round.
    pub batch: u32,
    /// How long a claimed delivery is hidden from other instances (longer
    /// than an attempt can take).
    pub lease: Duration,
    /// Wait after the first failure; each further failure doubles it.
    pub first_retry: Duration,
    /// The longest wait between attempts.
    pub max_retry: Duration,
    /// How long after its event a delivery is retried before it is dead.
    pub retry_for: Duration,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        Self {
            batch: 50,
            lease: Duration::seconds(30),
            first_retry: Duration::seconds(10),
            max_retry: Duration::hours(1),
            retry_for: Duration::hours(24),
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebhookRound {
    /// Events fanned out.
    pub fanned_out: u32,
    /// Deliveries claimed.
    pub claimed: u32,
    /// Deliveries answered 2xx.
    pub delivered: u64,
    /// Attempts that failed (retried later or dead).
    pub failed: u64,
    /// Of those, deliveries that went dead.
    pub dead: u64,
    /// Seconds from each delivered event's commit to its 2xx.
    pub latencies: Vec<f64>,
}

/// Fans events out and sends due deliveries.
#[derive(Clone)]
pub struct DeliverWebhooks {
    store: Arc<dyn WebhookStore>,
    sender: Arc<dyn WebhookSender>,
    clock: Arc<dyn Clock>,
    policy: WebhookPolicy,
}

impl DeliverWebhooks {
    /// Wires the use case.
    pub fn new(
        store: Arc<dyn WebhookStore>,
        sender: Arc<dyn WebhookSender>,
        clock: Arc<dyn Clock>,
        policy: WebhookPolicy,
    ) -> Self {
        Self { store, sender, clock, policy }
    }

    /// One round: fans out new events, claims what is due and tries each
    /// once, all claimed deliveries at the same time (they are of different
    /// endpoints or users: one user's come one at a time, in order).
    ///
    /// # Errors
    /// [`AppError::Unavailable`] when the database cannot be reached.
    #[tracing::instrument(level = "debug", name = "deliver_webhooks", skip_all)]
    pub async fn execute(&self) -> Result<WebhookRound, AppError> {
        let mut round = WebhookRound {
            fanned_out: self
                .store
                .fan_out(self.clock.now(), self.policy.batch, self.policy.retry_for)
                .await?,
            ..WebhookRound::default()
        };
        let now = self.clock.now();
        let claimed = self.store.claim(now, self.policy.batch, self.policy.lease).await?;
        round.claimed = u32::try_from(claimed.len()).unwrap_or(u32::MAX);
        let mut attempts = tokio::task::JoinSet::new();
        for delivery in claimed {
            let sender = Arc::clone(&self.sender);
            let clock = Arc::clone(&self.clock);
            attempts.spawn(async move {
                let outcome = sender.send(&delivery, clock.now()).await;
                (delivery, outcome)
            });
        }
        while let Some(joined) = attempts.join_next().await {
            let Ok((delivery, outcome)) = joined else { continue };
            let attempt = delivery.attempts.saturating_add(1);
            let at = self.clock.now();
            match outcome {
                Ok(status) => {
                    self.store.delivered(delivery.id, attempt, status, at).await?;
                    round.delivered += 1;
                    let latency = (at - delivery.event_created_at).num_milliseconds().max(0);
                    #[allow(clippy::cast_precision_loss)] // milliseconds: exact far beyond a day
                    round.latencies.push(latency as f64 / 1000.0);
                }
                Err(error) => {
                    let retry_at = self.retry_at(&delivery, attempt, at);
                    tracing::warn!(delivery = delivery.id, webhook = delivery.webhook_id, attempts = attempt,
                        dead = retry_at.is_none(), error = %error, "a webhook delivery failed");
                    self.store.failed(delivery.id, attempt, retry_at, error.status, &error.reason).await?;
                    round.failed += 1;
                    round.dead += u64::from(retry_at.is_none());
                }
            }
        }
        Ok(round)
    }

    /// Deliveries waiting.
    ///
    /// # Errors
    /// [`AppError::Unavailable`] when the database cannot be reached.
    pub async fn pending(&self) -> Result<u64, AppError> {
        Ok(self.store.pending().await?)
    }

    /// When to try again after the `attempt`-th failure at `at`: the backoff
    /// later, but no later than the deadline; `None` (dead) once the
    /// deadline has passed.
    fn retry_at(&self, delivery: &DueDelivery, attempt: u32, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (at < delivery.retry_until)
            .then(|| (at + self.backoff(delivery.id, attempt)).min(delivery.retry_until))
    }

    /// `first_retry` doubled per earlier failure, at most `max_retry`, then
    /// scaled by a jitter between 0.5 and 1 that differs between deliveries
    /// and attempts (so that deliveries that failed together do not all come
    /// back together), derived from the ids: no randomness to inject.
    fn backoff(&self, delivery: i64, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        let wait = self.policy.first_retry.checked_mul(1 << doublings).unwrap_or(self.policy.max_retry);
        let wait = wait.min(self.policy.max_retry);
        let mixed = (delivery.unsigned_abs().wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(attempt))
            .wrapping_mul(0xBF58_476D_1CE4_E5B9)
            >> 54;
        // `mixed` is in 0..1024, so the factor is 512/1024 to 1023/1024.
        let per_1024 = i32::try_from(512 + mixed / 2).unwrap_or(1024);
        wait * per_1024 / 1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::webhooks::{MockWebhookSender, MockWebhookStore, SendError, WebhookSecret};
    use crate::use_cases::test_support::{fixed_clock, noon};
    use profile_domain::webhook::WebhookUrl;

    fn due(id: i64, attempts: u32, retry_until: DateTime<Utc>) -> DueDelivery {
        DueDelivery {
            id,
            webhook_id: 1,
            url: WebhookUrl::try_from("https://hooks.example.com/").unwrap(),
            secret: WebhookSecret("whsec_x".into()),
            event_id: format!("evt_{id}"),
            payload: "{}".into(),
            attempts,
            retry_until,
            event_created_at: noon() - Duration::seconds(2),
        }
    }

    fn store_with(deliveries: Vec<DueDelivery>) -> MockWebhookStore {
        let mut store = MockWebhookStore::new();
        store.expect_fan_out().times(1).returning(|_, _, _| Ok(0));
        store.expect_claim().times(1).returning(move |_, _, _| Ok(deliveries.clone()));
        store
    }

    fn sender(answer: Result<u16, SendError>) -> MockWebhookSender {
        let mut sender = MockWebhookSender::new();
        sender.expect_send().returning(move |_, _| answer.clone());
        sender
    }

    fn deliver(store: MockWebhookStore, sender: MockWebhookSender) -> DeliverWebhooks {
        DeliverWebhooks::new(Arc::new(store), Arc::new(sender), fixed_clock(), WebhookPolicy::default())
    }

    #[tokio::test]
    async fn a_2xx_marks_the_delivery_delivered_and_measures_its_latency() {
        let mut store = store_with(vec![due(5, 2, noon() + Duration::hours(1))]);
        store
            .expect_delivered()
            .withf(|id, attempts, status, at| (*id, *attempts, *status) == (5, 3, 204) && *at == noon())
            .times(1)
            .returning(|_, _, _, _| Ok(()));

        let round = deliver(store, sender(Ok(204))).execute().await.unwrap();
        assert_eq!((round.delivered, round.failed, round.latencies), (1, 0, vec![2.0]));
    }

    #[tokio::test]
    async fn a_failure_is_retried_after_a_jittered_doubling_wait_never_past_the_deadline() {
        let failure = SendError { status: Some(500), reason: "answered 500".into() };
        for (attempts_before, deadline, low, high) in [
            (0, noon() + Duration::hours(1), Duration::seconds(5), Duration::seconds(10)),
            (3, noon() + Duration::hours(1), Duration::seconds(40), Duration::seconds(80)),
            (3, noon() + Duration::seconds(30), Duration::seconds(30), Duration::seconds(30)),
        ] {
            let mut store = store_with(vec![due(8, attempts_before, deadline)]);
            store
                .expect_failed()
                .withf(move |id, attempts, retry_at, status, error| {
                    let wait = retry_at.expect("retried") - noon();
                    *id == 8
                        && *attempts == attempts_before + 1
                        && (low..=high).contains(&wait)
                        && *status == Some(500)
                        && error == "answered 500"
                })
                .times(1)
                .returning(|_, _, _, _, _| Ok(()));

            let round = deliver(store, sender(Err(failure.clone()))).execute().await.unwrap();
            assert_eq!((round.failed, round.dead), (1, 0));
        }
    }

    #[tokio::test]
    async fn a_failure_after_the_deadline_is_dead() {
        let mut store = store_with(vec![due(8, 40, noon())]);
        store
            .expect_failed()
            .withf(|_, _, retry_at, status, _| retry_at.is_none() && status.is_none())
            .times(1)
            .returning(|_, _, _, _, _| Ok(()));
        let failure = SendError { status: None, reason: "timed out".into() };

        let round = deliver(store, sender(Err(failure))).execute().await.unwrap();
        assert_eq!((round.failed, round.dead), (1, 1));
    }

    #[test]
    fn the_jitter_differs_between_deliveries() {
        let deliver = deliver(MockWebhookStore::new(), MockWebhookSender::new());
        let waits: std::collections::HashSet<Duration> = (1..50).map(|id| deliver.backoff(id, 1)).collect();
        assert!(waits.len() > 10, "{waits:?}");
        assert!(waits.iter().all(|w| *w >= Duration::seconds(5) && *w <= Duration::seconds(10)));
    }
}
