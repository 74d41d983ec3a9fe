//! Administrators (`users.manage`) register webhook endpoints, list and
//! remove them, look at their deliveries and send dead ones again.

use std::sync::Arc;

use chrono::Duration;
use profile_domain::user::Privilege;
use profile_domain::webhook::{EventTypes, WebhookDescription, WebhookUrl};
use profile_domain::{FieldCode, FieldError};

use crate::AppError;
use crate::model::Caller;
use crate::ports::webhooks::{DeliveryQuery, NewWebhook, Webhook, WebhookDelivery, WebhookSecret};
use crate::ports::{Clock, WebhookSender, WebhookStore};

/// A webhook to register, parsed.
#[derive(Debug, Clone)]
pub struct RegisterWebhookCommand {
    /// Where deliveries go.
    pub url: WebhookUrl,
    /// Which events it receives.
    pub event_types: EventTypes,
    /// The administrators' note.
    pub description: Option<WebhookDescription>,
}

/// Registering, reading and removing webhooks, and redelivering.
#[derive(Clone)]
pub struct ManageWebhooks {
    store: Arc<dyn WebhookStore>,
    sender: Arc<dyn WebhookSender>,
    clock: Arc<dyn Clock>,
    retry_for: Duration,
}

impl ManageWebhooks {
    /// Wires the use case; a redelivered delivery is retried for `retry_for`.
    pub fn new(
        store: Arc<dyn WebhookStore>,
        sender: Arc<dyn WebhookSender>,
        clock: Arc<dyn Clock>,
        retry_for: Duration,
    ) -> Self {
        Self { store, sender, clock, retry_for }
    }

    /// Registers `command` with a new secret; returns the webhook and the
    /// secret (shown this once).
    ///
    /// # Errors
    /// [`AppError::Forbidden`] without `users.manage`; [`AppError::Validation`]
    /// (`url`, `forbidden_target`) when the URL's host is or resolves to an
    /// address webhooks may not reach.
    #[tracing::instrument(level = "debug", name = "register_webhook", skip_all, fields(caller = caller.user_id.0))]
    pub async fn register(
        &self,
        caller: &Caller,
        command: RegisterWebhookCommand,
    ) -> Result<(Webhook, WebhookSecret), AppError> {
        Self::authorize(caller)?;
        self.sender.check_target(&command.url).await.map_err(|refused| {
            FieldError::new("url", FieldCode::ForbiddenTarget)
                .with_message(format!("Webhooks may not reach this address: {refused}."))
        })?;
        let secret = self.sender.new_secret();
        let webhook = NewWebhook {
            url: command.url,
            event_types: command.event_types,
            description: command.description,
            secret: secret.clone(),
            created_at: self.clock.now(),
        };
        let created = self.store.create(&webhook).await?;
        tracing::info!(webhook = created.id, "webhook registered");
        Ok((created, secret))
    }

    /// Every webhook.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] without `users.manage`.
    pub async fn list(&self, caller: &Caller) -> Result<Vec<Webhook>, AppError> {
        Self::authorize(caller)?;
        Ok(self.store.list().await?)
    }

    /// The webhook `id`.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] without `users.manage`; [`AppError::NotFound`]
    /// when there is no such webhook.
    pub async fn find(&self, caller: &Caller, id: i64) -> Result<Webhook, AppError> {
        Self::authorize(caller)?;
        self.store.find(id).await?.ok_or(AppError::NotFound)
    }

    /// Removes the webhook `id` and its deliveries.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] without `users.manage`; [`AppError::NotFound`]
    /// when there is no such webhook.
    #[tracing::instrument(level = "debug", name = "delete_webhook", skip_all, fields(caller = caller.user_id.0, webhook = id))]
    pub async fn delete(&self, caller: &Caller, id: i64) -> Result<(), AppError> {
        Self::authorize(caller)?;
        if self.store.delete(id).await? { Ok(()) } else { Err(AppError::NotFound) }
    }

    /// Deliveries of webhook `id`, newest first.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] without `users.manage`; [`AppError::NotFound`]
    /// when there is no such webhook.
    pub async fn deliveries(
        &self,
        caller: &Caller,
        id: i64,
        query: DeliveryQuery,
    ) -> Result<Vec<WebhookDelivery>, AppError> {
        Self::authorize(caller)?;
        self.store.find(id).await?.ok_or(AppError::NotFound)?;
        Ok(self.store.deliveries(id, query).await?)
    }

    /// Makes delivery `delivery` of webhook `id` pending again, due now, with
    /// a fresh retry window.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] without `users.manage`; [`AppError::NotFound`]
    /// when the webhook has no such delivery.
    #[tracing::instrument(level = "debug", name = "redeliver_webhook", skip_all, fields(caller = caller.user_id.0, webhook = id, delivery))]
    pub async fn redeliver(&self, caller: &Caller, id: i64, delivery: i64) -> Result<(), AppError> {
        Self::authorize(caller)?;
        let now = self.clock.now();
        if self.store.redeliver(id, delivery, now, now + self.retry_for).await? {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    fn authorize(caller: &Caller) -> Result<(), AppError> {
        if caller.can(Privilege::ManageUsers) {
            Ok(())
        } else {
            Err(AppError::Forbidden("manage webhooks".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::webhooks::{MockWebhookSender, MockWebhookStore, TargetRefused};
    use crate::use_cases::test_support::{admin_caller_with, fixed_clock, noon};

    fn caller(privileges: &[Privilege]) -> Caller {
        admin_caller_with(privileges)
    }

    fn command() -> RegisterWebhookCommand {
        RegisterWebhookCommand {
            url: WebhookUrl::try_from("https://hooks.example.com/in").unwrap(),
            event_types: EventTypes::All,
            description: None,
        }
    }

    fn manage(store: MockWebhookStore, sender: MockWebhookSender) -> ManageWebhooks {
        ManageWebhooks::new(Arc::new(store), Arc::new(sender), fixed_clock(), Duration::hours(24))
    }

    #[tokio::test]
    async fn a_registered_webhook_gets_a_new_secret_shown_once() {
        let mut sender = MockWebhookSender::new();
        sender.expect_check_target().times(1).returning(|_| Ok(()));
        sender.expect_new_secret().times(1).returning(|| WebhookSecret("whsec_abc".into()));
        let mut store = MockWebhookStore::new();
        store
            .expect_create()
            .withf(|new| new.secret.expose() == "whsec_abc" && new.created_at == noon())
            .times(1)
            .returning(|new| {
                Ok(Webhook {
                    id: 7,
                    url: new.url.clone(),
                    event_types: new.event_types.clone(),
                    description: None,
                    enabled: true,
                    created_at: new.created_at,
                })
            });

        let (webhook, secret) =
            manage(store, sender).register(&caller(&[Privilege::ManageUsers]), command()).await.unwrap();
        assert_eq!((webhook.id, secret.expose()), (7, "whsec_abc"));
    }

    #[tokio::test]
    async fn a_refused_target_is_a_validation_error_and_nothing_is_stored() {
        let mut sender = MockWebhookSender::new();
        sender.expect_check_target().returning(|_| Err(TargetRefused("loopback address".into())));
        let store = MockWebhookStore::new();

        let error = manage(store, sender).register(&caller(&[Privilege::ManageUsers]), command()).await;
        let Err(AppError::Validation(errors)) = error else { panic!("{error:?}") };
        assert_eq!(errors.errors()[0].code, FieldCode::ForbiddenTarget);
    }

    #[tokio::test]
    async fn without_users_manage_nothing_is_read_or_changed() {
        let manage = manage(MockWebhookStore::new(), MockWebhookSender::new());
        let nobody = caller(&[]);
        assert!(matches!(manage.register(&nobody, command()).await, Err(AppError::Forbidden(_))));
        assert!(matches!(manage.list(&nobody).await, Err(AppError::Forbidden(_))));
        assert!(matches!(manage.delete(&nobody, 1).await, Err(AppError::Forbidden(_))));
        assert!(matches!(manage.redeliver(&nobody, 1, 2).await, Err(AppError::Forbidden(_))));
    }

    #[tokio::test]
    async fn a_redelivery_is_due_now_with_a_fresh_window() {
        let mut store = MockWebhookStore::new();
        store
            .expect_redeliver()
            .withf(|id, delivery, now, until| {
                (*id, *delivery) == (3, 9) && *now == noon() && *until == noon() + Duration::hours(24)
            })
            .times(1)
            .returning(|_, _, _, _| Ok(true));
        store.expect_redeliver().returning(|_, _, _, _| Ok(false));
        let manage = manage(store, MockWebhookSender::new());
        let admin = caller(&[Privilege::ManageUsers]);
        manage.redeliver(&admin, 3, 9).await.unwrap();
        assert!(matches!(manage.redeliver(&admin, 3, 10).await, Err(AppError::NotFound)));
    }
}
