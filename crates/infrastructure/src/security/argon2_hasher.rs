//! argon2id password hashing on a fixed set of threads with bounded memory.
//!
//! Each hash needs [`MEMORY_KIB`] of working memory. Run on tokio's blocking
//! pool, a login storm spreads hashes over up to 512 threads, each with its
//! own allocator arena keeping its freed working area: hundreds of MiB that
//! are never returned. Here `concurrency` threads do every hash, each with one
//! working area that it keeps while jobs are waiting and frees as soon as the
//! queue is empty, so the memory in use is at most `concurrency × 9 MiB`
//! under load and nothing when idle. Requests wait in the queue.
//!
//! The threads run at a lower priority (nice 10): a login storm then takes
//! the CPU the other requests leave, instead of slowing every read behind
//! it. Alone, hashing still has every core.

use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, TryLockError};

use argon2::password_hash::phc::{Output, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use async_trait::async_trait;
use profile_application::Cause;
use profile_application::ports::{HashError, PasswordHasher};
use tokio::sync::oneshot;

/// One of OWASP's equivalent argon2id configurations: 9 MiB, 4 passes, 1
/// lane (the cheat sheet lists 46/1, 19/2, 12/3, 9/4 and 7/5 MiB/passes as
/// equally strong). 9/4 costs the time of 19/2 with less than half its
/// memory, and hashes on every core at once slow each other least
/// (docs/decisions.md).
pub const MEMORY_KIB: u32 = 9_216;
/// Passes over memory.
pub const ITERATIONS: u32 = 4;
/// Lanes.
pub const PARALLELISM: u32 = 1;

/// What a hashing thread is asked to do.
enum Work {
    Hash { password: String },
    Verify { password: String, stored: Arc<str> },
}

/// A job and where its answer goes; the span keeps the request's context.
struct Job {
    work: Work,
    span: tracing::Span,
    reply: oneshot::Sender<Result<Done, HashError>>,
}

enum Done {
    Hashed(String),
    Verified(bool),
}

/// Hashes and verifies with argon2id (OWASP parameters) on `concurrency`
/// dedicated threads (one per core by default); see the module docs.
#[derive(Clone)]
pub struct Argon2Hasher {
    jobs: Sender<Job>,
    dummy_hash: Arc<str>,
}

impl Argon2Hasher {
    /// A hasher with `concurrency` threads (at least one).
    pub fn new(concurrency: usize) -> Result<Self, HashError> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..concurrency.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || {
                    lower_priority();
                    work(&queue)
                })
                .map_err(|e| HashError(format!("cannot start a hashing thread: {e}").into()))?;
        }
        let mut memory = None;
        let dummy_hash = hash(&mut memory, "dummy password for unknown logins")?;
        Ok(Self { jobs, dummy_hash: dummy_hash.into() })
    }

    /// One thread per available core.
    pub fn per_core() -> Result<Self, HashError> {
        Self::new(std::thread::available_parallelism().map_or(1, usize::from))
    }

    async fn run(&self, work: Work) -> Result<Done, HashError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { work, span: tracing::Span::current(), reply })
            .map_err(|_| HashError("the hashing threads have stopped".into()))?;
        answer.await.map_err(|_| HashError("a hashing thread stopped mid-job".into()))?
    }
}

/// A hashing thread: takes jobs until the hasher is dropped, keeping its
/// working memory only while more jobs are queued. (When another thread holds
/// the queue, it is waiting for a job, so none is queued.)
fn work(queue: &Mutex<Receiver<Job>>) {
    let mut memory: Option<Vec<Block>> = None;
    loop {
        let queued = match queue.try_lock() {
            Ok(queue) => match queue.try_recv() {
                Ok(job) => Some(job),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return,
            },
            Err(TryLockError::WouldBlock) => None,
            Err(TryLockError::Poisoned(_)) => return,
        };
        let job = match queued {
            Some(job) => job,
            None => {
                memory = None;
                let Ok(queue) = queue.lock() else { return };
                match queue.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                }
            }
        };
        let Job { work, span, reply } = job;
        let done = span.in_scope(|| match work {
            Work::Hash { password } => hash(&mut memory, &password).map(Done::Hashed),
            Work::Verify { password, stored } => verify(&mut memory, &password, &stored).map(Done::Verified),
        });
        // The caller may have gone away (its request was dropped); nothing to do then.
        let _ = reply.send(done);
    }
}

/// Nice 10 for the calling thread (on Linux, `setpriority` applies to the
/// thread). Lowering one's own priority needs no privilege; if it fails
/// anyway, hashing runs at normal priority.
fn lower_priority() {
    use thread_priority::{ThreadPriority, ThreadPriorityValue, set_current_thread_priority};
    // The crate maps 0–99 onto nice 19…−20: 22 is nice 10.
    let nice_10 = ThreadPriorityValue::try_from(22_u8).map(ThreadPriority::Crossplatform);
    if let Err(error) = nice_10
        .map_err(|e| e.to_string())
        .and_then(|p| set_current_thread_priority(p).map_err(|e| e.to_string()))
    {
        tracing::debug!(%error, "hashing threads keep their priority");
    }
}

fn params() -> Params {
    // The constants are valid argon2 parameters; `Params::new` only rejects out-of-range values.
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("OWASP argon2 parameters are valid")
}

/// Reserved for every working area: more than glibc's largest dynamic mmap
/// threshold (32 MiB on 64-bit, mallopt(3)), so the area is always its own
/// mapping, returned to the system when freed instead of staying in the
/// thread's arena. Only the pages argon2 writes become resident.
const RESERVED_BYTES: usize = 33 << 20;

/// The working memory for `params`, reusing `memory` when it has that size.
fn blocks<'m>(memory: &'m mut Option<Vec<Block>>, params: &Params) -> &'m mut [Block] {
    let count = params.block_count();
    if memory.as_ref().is_none_or(|blocks| blocks.len() != count) {
        *memory = None;
        let reserved = count.max(RESERVED_BYTES / std::mem::size_of::<Block>());
        let mut blocks = Vec::with_capacity(reserved);
        blocks.resize(count, Block::default());
        *memory = Some(blocks);
    }
    memory.as_mut().map(Vec::as_mut_slice).unwrap_or_default()
}

fn error(e: impl std::error::Error + Send + Sync + 'static) -> HashError {
    HashError(Cause::new(e))
}

fn hash(memory: &mut Option<Vec<Block>>, password: &str) -> Result<String, HashError> {
    let params = params();
    let salt = Salt::generate();
    let mut output = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut output, blocks(memory, &params))
        .map_err(error)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().map_err(error)?,
        salt: Some(salt),
        hash: Some(Output::new(&output).map_err(error)?),
    };
    Ok(phc.to_string())
}

/// Recomputes the stored hash's output with its own parameters and compares
/// in constant time (`Output`'s equality).
fn verify(memory: &mut Option<Vec<Block>>, password: &str, stored: &str) -> Result<bool, HashError> {
    let parsed = PasswordHash::new(stored).map_err(error)?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Err(HashError("the stored hash has no salt or output".into()));
    };
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(error)?;
    let version = parsed.version.map(Version::try_from).transpose().map_err(error)?.unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(error)?;
    let mut output = vec![0_u8; expected.len()];
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut output, blocks(memory, &params))
        .map_err(error)?;
    Ok(Output::new(&output).map_err(error)? == *expected)
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    #[tracing::instrument(level = "debug", name = "password.hash", skip_all)]
    async fn hash(&self, password: &str) -> Result<String, HashError> {
        match self.run(Work::Hash { password: password.to_owned() }).await? {
            Done::Hashed(hash) => Ok(hash),
            Done::Verified(_) => Err(HashError("a hashing thread answered another job".into())),
        }
    }

    #[tracing::instrument(level = "debug", name = "password.verify", skip_all, fields(known = stored.is_some()))]
    async fn verify<'a>(&self, password: &str, stored: Option<&'a str>) -> Result<bool, HashError> {
        let (target, known) = match stored {
            Some(hash) => (Arc::from(hash), true),
            None => (Arc::clone(&self.dummy_hash), false),
        };
        match self.run(Work::Verify { password: password.to_owned(), stored: target }).await? {
            Done::Verified(matches) => Ok(known && matches),
            Done::Hashed(_) => Err(HashError("a hashing thread answered another job".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_with_owasp_parameters_and_verify() {
        let hasher = Argon2Hasher::new(2).unwrap();
        let hash = hasher.hash("violet tractor 42").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=9216,t=4,p=1$"), "{hash}");
        assert!(hasher.verify("violet tractor 42", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("violet tractor 43", Some(&hash)).await.unwrap());
        assert_ne!(hash, hasher.hash("violet tractor 42").await.unwrap(), "salts differ");
    }

    #[tokio::test]
    async fn hashes_made_by_the_argon2_crate_itself_verify() {
        use argon2::PasswordHasher as _;
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
            .hash_password(b"violet tractor 42")
            .unwrap()
            .to_string();
        let other_params =
            Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8192, 1, 1, None).unwrap())
                .hash_password(b"violet tractor 42")
                .unwrap()
                .to_string();
        let hasher = Argon2Hasher::new(1).unwrap();
        assert!(hasher.verify("violet tractor 42", Some(&reference)).await.unwrap());
        assert!(hasher.verify("violet tractor 42", Some(&other_params)).await.unwrap(), "its own parameters");
        assert!(!hasher.verify("violet tractor 4", Some(&other_params)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_account_never_verifies_even_with_the_dummy_password() {
        let hasher = Argon2Hasher::new(1).unwrap();
        assert!(!hasher.verify("dummy password for unknown logins", None).await.unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_an_error_not_a_match() {
        let hasher = Argon2Hasher::new(1).unwrap();
        assert!(hasher.verify("x", Some("not a phc string")).await.is_err());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn hashing_threads_run_at_nice_10() {
        let _hasher = Argon2Hasher::new(1).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let tasks = std::fs::read_dir("/proc/self/task").unwrap();
        let nice_of_hashers: Vec<i64> = tasks
            .filter_map(|task| {
                let path = task.ok()?.path();
                let name = std::fs::read_to_string(path.join("comm")).ok()?;
                if !name.starts_with("argon2-") {
                    return None;
                }
                let stat = std::fs::read_to_string(path.join("stat")).ok()?;
                // Field 19 is the nice value; the command (field 2) may hold spaces, so count after ')'.
                stat.rsplit(')').next()?.split_whitespace().nth(16)?.parse().ok()
            })
            .collect();
        assert!(!nice_of_hashers.is_empty(), "no argon2 thread found");
        assert!(nice_of_hashers.iter().all(|nice| *nice == 10), "{nice_of_hashers:?}");
    }

    #[tokio::test]
    async fn many_concurrent_requests_all_get_their_own_answer() {
        let hasher = Argon2Hasher::new(2).unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let hasher = hasher.clone();
                tokio::spawn(async move {
                    let password = format!("password number {i}");
                    let hash = hasher.hash(&password).await.unwrap();
                    (
                        hasher.verify(&password, Some(&hash)).await.unwrap(),
                        hasher.verify("other", Some(&hash)).await.unwrap(),
                    )
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), (true, false));
        }
    }
}
