//! The mail outbox in SQLite or PostgreSQL. A claim hides its rows from
//! other claims for a lease by moving their due time forward, in one
//! transaction: on PostgreSQL the rows are read `FOR UPDATE SKIP LOCKED`, so
//! two instances claiming at once take different rows; SQLite has one
//! writer, which claims one batch at a time.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use profile_application::model::{MailMessage, QueuedMail};
use profile_application::ports::{MailOutbox, RepoError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::Database;
use super::claims::claim_due;
use super::entities::mail_outbox;
use super::errors::repo_error;

/// [`MailOutbox`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaMailOutbox {
    db: Database,
}

impl SeaMailOutbox {
    /// An outbox on `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// Queues `mail`, due at `now`, on `tx` (for the repositories that queue a
/// mail in the transaction of the change it reports).
pub(crate) async fn insert_mail(
    tx: &DatabaseTransaction,
    mail: &MailMessage,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let row = mail_outbox::ActiveModel {
        recipient: Set(mail.to.clone()),
        subject: Set(mail.subject.clone()),
        text_body: Set(mail.text.clone()),
        html_body: Set(mail.html.clone()),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        failed_at: Set(None),
        ..Default::default()
    };
    mail_outbox::Entity::insert(row).exec(tx).await.map_err(repo_error)?;
    Ok(())
}

#[async_trait]
impl MailOutbox for SeaMailOutbox {
    #[tracing::instrument(level = "debug", name = "mail_outbox.enqueue", skip_all)]
    async fn enqueue(&self, message: &MailMessage, now: DateTime<Utc>) -> Result<(), RepoError> {
        let message = message.clone();
        self.db
            .write_one(Box::new(move |tx| Box::pin(async move { insert_mail(tx, &message, now).await })))
            .await
    }

    #[tracing::instrument(level = "debug", name = "mail_outbox.claim", skip_all)]
    async fn claim(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<QueuedMail>, RepoError> {
        self.db
            .write(Box::new(move |tx| {
                Box::pin(async move {
                    let due = mail_outbox::Entity::find()
                        .filter(mail_outbox::Column::FailedAt.is_null())
                        .filter(mail_outbox::Column::NextAttemptAt.lte(now))
                        .order_by_asc(mail_outbox::Column::NextAttemptAt)
                        .order_by_asc(mail_outbox::Column::Id)
                        .limit(u64::from(limit));
                    let rows = claim_due(
                        tx,
                        due,
                        mail_outbox::Column::Id,
                        |row| row.id,
                        mail_outbox::Column::NextAttemptAt,
                        now + lease,
                    )
                    .await?;
                    Ok(rows
                        .into_iter()
                        .map(|row| QueuedMail {
                            id: row.id,
                            attempts: u32::try_from(row.attempts).unwrap_or(0),
                            message: MailMessage {
                                to: row.recipient,
                                subject: row.subject,
                                text: row.text_body,
                                html: row.html_body,
                            },
                        })
                        .collect())
                })
            }))
            .await
    }

    #[tracing::instrument(level = "debug", name = "mail_outbox.delivered", skip_all)]
    async fn delivered(&self, id: i64) -> Result<(), RepoError> {
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    mail_outbox::Entity::delete_by_id(id).exec(tx).await.map_err(repo_error)?;
                    Ok(())
                })
            }))
            .await
    }

    #[tracing::instrument(level = "debug", name = "mail_outbox.failed", skip_all)]
    async fn failed(
        &self,
        id: i64,
        attempts: u32,
        retry_at: Option<DateTime<Utc>>,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let error: String = error.chars().take(500).collect();
        let attempts = i32::try_from(attempts).unwrap_or(i32::MAX);
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    let mut update = mail_outbox::Entity::update_many()
                        .col_expr(mail_outbox::Column::Attempts, Expr::value(attempts))
                        .col_expr(mail_outbox::Column::LastError, Expr::value(error));
                    update = match retry_at {
                        Some(at) => update.col_expr(mail_outbox::Column::NextAttemptAt, Expr::value(at)),
                        None => update.col_expr(mail_outbox::Column::FailedAt, Expr::value(now)),
                    };
                    update.filter(mail_outbox::Column::Id.eq(id)).exec(tx).await.map_err(repo_error)?;
                    Ok(())
                })
            }))
            .await
    }

    #[tracing::instrument(level = "debug", name = "mail_outbox.pending", skip_all)]
    async fn pending(&self) -> Result<u64, RepoError> {
        let count =
            mail_outbox::Entity::find().filter(mail_outbox::Column::FailedAt.is_null()).count(self.db.read());
        self.db.guarded(async { count.await.map_err(repo_error) }).await
    }
}
