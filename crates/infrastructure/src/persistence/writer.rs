//! Write transactions ([`Database::write`](super::Database::write)).
//!
//! PostgreSQL takes concurrent writers as they come: each write is its own
//! transaction. SQLite has one writer at a time, and a durable commit costs
//! an `fsync` (about 0.1 ms here, more under load); one transaction per
//! write capped writes at a third of what the disk allows. So on SQLite
//! every write is queued to one thread, which takes all that are waiting,
//! runs each in one `BEGIN IMMEDIATE` transaction, commits once, and only
//! then answers each: group commit. A write that fails leaves the others
//! alone: it runs in a savepoint, or changes the database with one
//! statement (which SQLite undoes on failure), or takes a savepoint itself
//! before its second. When the commit fails, every write of the batch gets
//! that error (none of them is stored). Nothing is acknowledged before it is
//! durable: the writer's connection commits without waiting for the disk
//! (`synchronous = NORMAL`), and a second thread syncs the WAL file after
//! each commit and only then answers the batch's writes, while the writer
//! runs the next batch. (`FULL` would sync the same file at the same point,
//! holding the writer meanwhile.)
//!
//! A write may name the row it reads first ([`ReadFirst`]): the writer then
//! reads the named rows of a batch with one statement before running it, and
//! each write takes its row from there ([`read_ahead`]) instead of making a
//! round trip to the connection's thread of its own, while the writer holds
//! the database's write lock.

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use profile_application::Cause;
use profile_application::ports::RepoError;
use sea_orm::{
    ConnectionTrait as _, DatabaseConnection, DatabaseTransaction, QueryResult, SqliteTransactionMode,
    Statement, TransactionOptions, TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};

use super::errors::repo_error;

/// Most writes committed together.
const MAX_BATCH: usize = 256;

/// A write: statements run on the transaction it is given; its caller
/// commits.
pub(crate) type Work<T> =
    Box<dyn for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, RepoError>> + Send>;

/// The row a write reads first: `sql` reads such rows by id (its one
/// parameter a JSON array of ids, each row with its `id`), the same columns
/// the write would read by itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadFirst {
    pub sql: &'static str,
    pub id: i64,
}

tokio::task_local! {
    /// The rows read ahead for the batch that is running, by id.
    static READ_AHEAD: RefCell<HashMap<i64, QueryResult>>;
}

/// The row read ahead for `id` in the batch that is running, if any. Each is
/// given once, since the write that takes it changes it; a later write of the
/// same row reads it again.
pub(crate) fn read_ahead(id: i64) -> Option<QueryResult> {
    READ_AHEAD.try_with(|rows| rows.borrow_mut().remove(&id)).ok().flatten()
}

/// SQLite's writer thread and its queue; the thread ends when this is dropped.
pub(crate) struct Writer {
    jobs: mpsc::UnboundedSender<Box<dyn Queued>>,
}

impl Writer {
    /// Starts the threads, writing through `connection` (one connection)
    /// and syncing `wal`, its WAL file, after each commit (`None`: a
    /// database in memory, nothing to sync).
    pub(crate) fn start(connection: DatabaseConnection, wal: Option<PathBuf>) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (jobs, queue) = mpsc::unbounded_channel();
        let (committed, to_sync) = std::sync::mpsc::channel();
        if let Some(wal) = wal {
            std::thread::Builder::new()
                .name("sqlite-sync".into())
                .spawn(move || sync_then_answer(&wal, to_sync))?;
        }
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || runtime.block_on(commit_in_batches(connection, queue, committed)))?;
        Ok(Self { jobs })
    }

    /// Queues `work` and waits until the batch it ran in is committed.
    /// With `savepoint`, a failure of `work` undoes all it did; without, it
    /// must change the database with at most one statement (SQLite undoes a
    /// failed statement) or take its own savepoint (two statements fewer).
    /// With `read_first`, the work may take its row from [`read_ahead`].
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        work: Work<T>,
        savepoint: bool,
        read_first: Option<ReadFirst>,
    ) -> Result<T, RepoError> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending { work, savepoint, read_first, reply };
        self.jobs.send(Box::new(pending)).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> RepoError {
    RepoError::Other("the SQLite writer has stopped".into())
}

/// The answers of a committed batch, waiting for the WAL file's sync.
type Committed = Vec<Box<dyn Answer>>;

async fn commit_in_batches(
    connection: DatabaseConnection,
    mut queue: mpsc::UnboundedReceiver<Box<dyn Queued>>,
    to_sync: std::sync::mpsc::Sender<Committed>,
) {
    let options = TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
    };
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let tx = match connection.begin_with_options(options).await {
            Ok(tx) => tx,
            Err(error) => {
                let error = repo_error(error);
                batch.into_iter().for_each(|job| job.fail(error.clone()));
                continue;
            }
        };
        let rows = rows_read_first(&tx, &batch).await;
        let answers = READ_AHEAD
            .scope(RefCell::new(rows), async {
                let mut answers = Vec::with_capacity(batch.len());
                for job in batch {
                    // A write that named no row may change any: what was
                    // read ahead is stale from here on.
                    if job.read_first().is_none() {
                        READ_AHEAD.with(|rows| rows.borrow_mut().clear());
                    }
                    answers.push(job.run(&tx).await);
                }
                answers
            })
            .await;
        match tx.commit().await.map_err(repo_error) {
            // Answered once the WAL file is synced; without the sync thread
            // (in memory), at once.
            Ok(()) => {
                if let Err(unsent) = to_sync.send(answers) {
                    unsent.0.into_iter().for_each(|answer| answer.deliver(Ok(())));
                }
            }
            Err(error) => answers.into_iter().for_each(|answer| answer.deliver(Err(error.clone()))),
        }
    }
}

/// The rows `batch`'s writes read first, in one statement when at least two
/// name one and all name them with the same statement; else none (each write
/// reads its own). A failure here only costs those reads.
async fn rows_read_first(tx: &DatabaseTransaction, batch: &[Box<dyn Queued>]) -> HashMap<i64, QueryResult> {
    let mut rows = HashMap::new();
    let named: Vec<ReadFirst> = batch.iter().filter_map(|job| job.read_first()).collect();
    let Some(first) = named.first() else { return rows };
    if named.len() < 2 || named.iter().any(|read| read.sql != first.sql) {
        return rows;
    }
    let ids = named.iter().map(|read| read.id.to_string()).collect::<Vec<_>>().join(",");
    let statement =
        Statement::from_sql_and_values(tx.get_database_backend(), first.sql, [format!("[{ids}]").into()]);
    match tx.query_all_raw(statement).await {
        Ok(found) => {
            for row in found {
                if let Ok(id) = row.try_get::<i64>("", "id") {
                    rows.insert(id, row);
                }
            }
        }
        Err(error) => tracing::warn!(error = %repo_error(error), "cannot read a batch's rows ahead"),
    }
    rows
}

/// Syncs `wal` for every committed batch (for all that are waiting at once)
/// and then answers their writes: with an error when the sync fails, as a
/// commit that cannot sync would.
fn sync_then_answer(wal: &Path, committed: std::sync::mpsc::Receiver<Committed>) {
    while let Ok(first) = committed.recv() {
        let mut batches = vec![first];
        batches.extend(committed.try_iter());
        // Opened each time: SQLite may delete and make the file again.
        let synced = std::fs::File::open(wal).and_then(|file| file.sync_data()).map_err(|error| {
            tracing::error!(%error, wal = %wal.display(), "cannot sync the SQLite WAL file");
            RepoError::Other(Cause::new(error))
        });
        batches.into_iter().flatten().for_each(|answer| answer.deliver(synced.clone()));
    }
}

/// `work` in a savepoint of `tx`: released when it succeeds, rolled back
/// when it fails (or panics), so a failed write leaves the batch unchanged.
async fn in_savepoint<T>(tx: &DatabaseTransaction, work: Work<T>) -> Result<T, RepoError> {
    let savepoint = tx.begin().await.map_err(repo_error)?;
    let outcome = caught(work(&savepoint)).await;
    match outcome {
        Ok(value) => {
            savepoint.commit().await.map_err(repo_error)?;
            Ok(value)
        }
        Err(error) => {
            // Rolled back; if even that fails, the batch's commit will say so.
            let _ = savepoint.rollback().await;
            Err(error)
        }
    }
}

/// `write`'s outcome, a panic reported as an error.
async fn caught<T>(write: BoxFuture<'_, Result<T, RepoError>>) -> Result<T, RepoError> {
    AssertUnwindSafe(write)
        .catch_unwind()
        .await
        .unwrap_or_else(|_| Err(RepoError::Other("a write panicked".into())))
}

/// A queued write of any result type.
trait Queued: Send {
    /// Runs the write in a savepoint of `tx`; the answer is held until the commit.
    fn run<'t>(self: Box<Self>, tx: &'t DatabaseTransaction) -> BoxFuture<'t, Box<dyn Answer>>;
    /// The batch could not even begin.
    fn fail(self: Box<Self>, error: RepoError);
    /// The row the write reads first, if it named one.
    fn read_first(&self) -> Option<ReadFirst>;
}

/// A write's outcome, waiting for its batch's commit.
trait Answer: Send {
    fn deliver(self: Box<Self>, committed: Result<(), RepoError>);
}

struct Pending<T> {
    work: Work<T>,
    savepoint: bool,
    read_first: Option<ReadFirst>,
    reply: oneshot::Sender<Result<T, RepoError>>,
}

struct Ran<T> {
    outcome: Result<T, RepoError>,
    reply: oneshot::Sender<Result<T, RepoError>>,
}

impl<T: Send + 'static> Queued for Pending<T> {
    fn run<'t>(self: Box<Self>, tx: &'t DatabaseTransaction) -> BoxFuture<'t, Box<dyn Answer>> {
        Box::pin(async move {
            let Pending { work, savepoint, reply, .. } = *self;
            let outcome = if savepoint { in_savepoint(tx, work).await } else { caught(work(tx)).await };
            Box::new(Ran { outcome, reply }) as Box<dyn Answer>
        })
    }

    fn fail(self: Box<Self>, error: RepoError) {
        let _ = self.reply.send(Err(error));
    }

    fn read_first(&self) -> Option<ReadFirst> {
        self.read_first
    }
}

impl<T: Send + 'static> Answer for Ran<T> {
    fn deliver(self: Box<Self>, committed: Result<(), RepoError>) {
        // The caller may have gone away; the write is stored all the same.
        let _ = self.reply.send(committed.and(self.outcome));
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};

    use crate::persistence::entities::retired_usernames;
    use crate::persistence::errors::repo_error;
    use crate::persistence::{Database, PoolSettings};

    use super::*;

    async fn sqlite() -> (Database, tempfile::TempDir) {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/writer.db?mode=rwc", folder.path().display());
        let db = Database::connect(&url, PoolSettings::default()).await.unwrap();
        db.migrate().await.unwrap();
        (db, folder)
    }

    fn retire(key: String) -> retired_usernames::ActiveModel {
        retired_usernames::ActiveModel {
            username_key: Set(key),
            user_id: Set(1),
            retired_at: Set(Utc::now()),
            available_at: Set(Utc::now()),
        }
    }

    /// A write storing the retired name `key`.
    fn insert_retired(key: &'static str) -> Work<()> {
        Box::new(move |tx| {
            Box::pin(async move {
                retired_usernames::Entity::insert(retire(key.into())).exec(tx).await.map_err(repo_error)?;
                Ok(())
            })
        })
    }

    async fn stored_keys(db: &Database) -> Vec<String> {
        let mut keys: Vec<String> = retired_usernames::Entity::find()
            .all(db.read())
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.username_key)
            .collect();
        keys.sort();
        keys
    }

    /// What a queued write answers.
    type Outcome<T> = oneshot::Receiver<Result<T, RepoError>>;

    /// A write that names `id` (or nothing) and answers what it found read
    /// ahead for `id`.
    fn reading(id: i64, named: bool) -> (Box<dyn Queued>, Outcome<Option<String>>) {
        const BY_IDS: &str = "SELECT value AS id, 'row ' || value AS what FROM json_each(?)";
        let (reply, answer) = oneshot::channel();
        let work: Work<Option<String>> = Box::new(move |_tx| {
            Box::pin(async move { Ok(read_ahead(id).map(|row| row.try_get::<String>("", "what").unwrap())) })
        });
        let read_first = named.then_some(ReadFirst { sql: BY_IDS, id });
        (Box::new(Pending { work, savepoint: false, read_first, reply }), answer)
    }

    #[tokio::test]
    async fn a_batch_reads_its_writes_rows_ahead_once_each_and_forgets_them_after_a_write_that_named_none() {
        let connection = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let (jobs, queue) = mpsc::unbounded_channel();
        let mut answers = Vec::new();
        for (id, named) in [(1, true), (2, true), (1, true), (9, false), (3, true)] {
            let (job, answer) = reading(id, named);
            jobs.send(job).unwrap();
            answers.push(answer);
        }
        drop(jobs);
        let (committed, to_sync) = std::sync::mpsc::channel();
        // All five are queued before it starts: one batch.
        commit_in_batches(connection, queue, committed).await;
        let batches: Vec<Committed> = to_sync.try_iter().collect();
        assert_eq!(batches.len(), 1);
        batches.into_iter().flatten().for_each(|answer| answer.deliver(Ok(())));
        let mut found = Vec::new();
        for answer in answers {
            found.push(answer.await.unwrap().unwrap());
        }
        assert_eq!(
            found,
            [Some("row 1".to_owned()), Some("row 2".to_owned()), None, None, None],
            "each row is given once, and none after a write that named no row"
        );
        assert!(read_ahead(1).is_none(), "outside a batch nothing is read ahead");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_are_committed_together_and_a_failing_one_leaves_nothing() {
        let (db, _folder) = sqlite().await;
        let writes = (0..16).map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                db.write(Box::new(move |tx| {
                    Box::pin(async move {
                        retired_usernames::Entity::insert(retire(format!("key{i:02}")))
                            .exec(tx)
                            .await
                            .map_err(repo_error)?;
                        if i == 7 {
                            // Fails after its first statement: the savepoint undoes it.
                            retired_usernames::Entity::insert(retire(format!("key{i:02}")))
                                .exec(tx)
                                .await
                                .map_err(repo_error)?;
                        }
                        Ok(i)
                    })
                }))
                .await
            })
        });
        let mut outcomes = Vec::new();
        for write in writes.collect::<Vec<_>>() {
            outcomes.push(write.await.unwrap());
        }

        for (i, outcome) in outcomes.iter().enumerate() {
            if i == 7 {
                assert!(matches!(outcome, Err(RepoError::Duplicate { .. })), "{outcome:?}");
            } else {
                assert_eq!(outcome.as_ref().ok(), Some(&i));
            }
        }
        let expected: Vec<String> = (0..16).filter(|i| *i != 7).map(|i| format!("key{i:02}")).collect();
        assert_eq!(stored_keys(&db).await, expected);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_single_statement_write_that_fails_changes_nothing_and_spares_the_batch() {
        let (db, _folder) = sqlite().await;
        db.write_one(insert_retired("taken")).await.unwrap();
        let (duplicate, other) =
            tokio::join!(db.write_one(insert_retired("taken")), db.write_one(insert_retired("fresh")),);

        assert!(matches!(duplicate, Err(RepoError::Duplicate { .. })), "{duplicate:?}");
        assert!(other.is_ok(), "{other:?}");
        assert_eq!(stored_keys(&db).await, ["fresh", "taken"]);
        assert_eq!(retired_usernames::Entity::find().count(db.read()).await.unwrap(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_write_is_an_error_and_the_writer_goes_on() {
        let (db, _folder) = sqlite().await;
        let panicked = db
            .write::<()>(Box::new(|tx| {
                Box::pin(async move {
                    retired_usernames::Entity::insert(retire("half".into()))
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    panic!("a bug in a write")
                })
            }))
            .await;
        assert!(matches!(panicked, Err(RepoError::Other(_))), "{panicked:?}");
        db.write(insert_retired("after")).await.unwrap();
        assert_eq!(stored_keys(&db).await, ["after"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_is_answered_after_its_wal_file_is_synced_and_fails_when_it_cannot_be() {
        let (db, folder) = sqlite().await;
        db.write_one(insert_retired("synced")).await.unwrap();
        assert!(folder.path().join("writer.db-wal").exists(), "the file the writer syncs is SQLite's WAL");

        // A writer whose WAL file cannot be synced answers with an error.
        let url = format!("sqlite://{}/writer.db?mode=rwc", folder.path().display());
        let connection = sea_orm::Database::connect(url).await.unwrap();
        let writer = Writer::start(connection, Some(folder.path().join("missing").join("x-wal"))).unwrap();
        let answer = writer.write::<()>(insert_retired("unsynced"), false, None).await;
        assert!(matches!(answer, Err(RepoError::Other(_))), "{answer:?}");
    }
}
