//! Edits of one profile take turns within an instance (PostgreSQL).
//!
//! An edit on PostgreSQL first tries to store itself in one statement on
//! the row as it read it (`user_repository::edit_alone`), and goes the
//! locked way, three round trips more, when another write got there in
//! between. Concurrent edits of one profile would nearly always collide
//! that way, so on one instance they wait for each other here first and
//! each reads what the one before it stored. Edits from other instances
//! can still collide, and then the locked way decides. A profile has an
//! entry only while edits of it are running or waiting, so the map holds
//! at most one per request in flight.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::OwnedMutexGuard;

/// Who is editing which profile, and who waits for it.
#[derive(Debug, Default)]
pub(crate) struct EditQueue {
    profiles: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

/// The turn of one edit of a profile: the next waits until it is dropped.
pub(crate) struct Turn<'a> {
    // Dropped first: the next edit's turn begins before the entry is looked at.
    _guard: OwnedMutexGuard<()>,
    _entry: Entry<'a>,
}

/// One edit's hold on its profile's entry: the last one gone removes it,
/// whether its edit ran or was cancelled while waiting.
struct Entry<'a> {
    queue: &'a EditQueue,
    user: i64,
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl EditQueue {
    /// Waits until no other edit of `user`'s profile on this instance runs.
    pub(crate) async fn turn(&self, user: i64) -> Turn<'_> {
        let lock = Arc::clone(self.profiles().entry(user).or_default());
        let entry = Entry { queue: self, user, lock };
        let guard = Arc::clone(&entry.lock).lock_owned().await;
        Turn { _guard: guard, _entry: entry }
    }

    /// How many profiles have edits running or waiting.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.profiles().len()
    }

    fn profiles(&self) -> MutexGuard<'_, HashMap<i64, Arc<tokio::sync::Mutex<()>>>> {
        self.profiles.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Entry<'_> {
    fn drop(&mut self) {
        let mut profiles = self.queue.profiles();
        // The map's and this one: no other edit holds it or waits for it.
        if Arc::strong_count(&self.lock) == 2 {
            profiles.remove(&self.user);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn edits_of_one_profile_take_turns_and_leave_no_entry_behind() {
        let queue = Arc::new(EditQueue::default());
        let first = queue.turn(1).await;
        // Another profile's edit does not wait.
        let other = tokio::time::timeout(Duration::from_millis(100), queue.turn(2)).await;
        drop(other.expect("another profile's turn comes at once"));

        let waiting = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move {
                let _turn = queue.turn(1).await;
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "the second edit of profile 1 waits for the first");
        drop(first);
        tokio::time::timeout(Duration::from_secs(1), waiting).await.unwrap().unwrap();
        assert_eq!(queue.len(), 0);

        // An edit cancelled while it waits leaves nothing either.
        let first = queue.turn(3).await;
        let cancelled = tokio::time::timeout(Duration::from_millis(20), queue.turn(3)).await;
        assert!(cancelled.is_err());
        assert_eq!(queue.len(), 1);
        drop(first);
        assert_eq!(queue.len(), 0);
    }
}
