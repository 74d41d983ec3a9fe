//! The user directory: administrators find accounts.

use std::sync::Arc;

use profile_domain::user::Privilege;

use crate::AppError;
use crate::model::{
    Caller, DirectoryEntry, DirectoryKey, DirectoryPage, DirectoryQuery, DirectorySort, StoredProfile,
    SuspendedFilter,
};
use crate::ports::{ProfileReader, UserDirectory};
use crate::use_cases::get_profile::view;

/// Lists accounts, a page at a time, for callers holding `users.manage`.
#[derive(Clone)]
pub struct ListUsers {
    directory: Arc<dyn UserDirectory>,
    profiles: Arc<dyn ProfileReader>,
}

impl ListUsers {
    /// Wires the use case.
    pub fn new(directory: Arc<dyn UserDirectory>, profiles: Arc<dyn ProfileReader>) -> Self {
        Self { directory, profiles }
    }

    /// One page of the accounts matching `query`, each shown as `caller`
    /// may see it (private fields only with `profiles.read_private`), and
    /// the key the next page starts after.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] without `users.manage`.
    #[tracing::instrument(level = "debug", name = "list_users", skip_all, fields(caller = caller.user_id.0))]
    pub async fn execute(&self, caller: &Caller, query: &DirectoryQuery) -> Result<DirectoryPage, AppError> {
        if !caller.can(Privilege::ManageUsers) {
            return Err(AppError::Forbidden("list users".into()));
        }
        let limit = usize::from(query.limit);
        let mut rows = self.directory.list(query).await?;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| key(query.sort, last))
        } else {
            None
        };
        let mut items = Vec::with_capacity(rows.len());
        for stored in rows {
            let suspension = stored.suspension.clone();
            // Suspended accounts are listed only when asked for.
            debug_assert!(query.suspended != SuspendedFilter::Exclude || suspension.is_none());
            items.push(DirectoryEntry {
                view: view(self.profiles.as_ref(), stored, Some(caller)).await?,
                suspension,
            });
        }
        Ok(DirectoryPage { items, next })
    }
}

/// The key a page ending with `last` resumes after.
fn key(sort: DirectorySort, last: &StoredProfile) -> DirectoryKey {
    let id = last.profile.id();
    match sort {
        DirectorySort::CreatedAt | DirectorySort::CreatedAtDescending => {
            DirectoryKey::CreatedAt(last.profile.created_at(), id)
        }
        DirectorySort::Username | DirectorySort::UsernameDescending => {
            DirectoryKey::Username(last.profile.username().canonical(), id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::profile_reader::MockProfileReader;
    use crate::ports::user_directory::MockUserDirectory;
    use crate::use_cases::test_support::{admin_caller_with, noon};
    use profile_domain::account::{Email, Username};
    use profile_domain::profile::Profile;
    use profile_domain::user::{Role, UserId};

    fn caller(privileges: &[Privilege]) -> Caller {
        admin_caller_with(privileges)
    }

    fn stored(id: i64) -> StoredProfile {
        let name = format!("user{id}");
        StoredProfile::without_images(Profile::new(
            UserId(id),
            Username::try_from(name.as_str()).unwrap(),
            Email::try_from(format!("{name}@example.com").as_str()).unwrap(),
            Role::new(1, "user", Default::default()),
            noon(),
        ))
    }

    fn query(limit: u16, sort: DirectorySort) -> DirectoryQuery {
        DirectoryQuery { limit, sort, ..Default::default() }
    }

    #[tokio::test]
    async fn without_users_manage_nothing_is_read() {
        let directory = MockUserDirectory::new(); // no read may happen
        let list = ListUsers::new(Arc::new(directory), Arc::new(MockProfileReader::new()));
        let result =
            list.execute(&caller(&[Privilege::ReadPrivateProfiles]), &query(20, Default::default())).await;
        assert!(matches!(result, Err(AppError::Forbidden(_))));
    }

    #[tokio::test]
    async fn one_row_more_than_the_limit_makes_a_next_key_after_the_last_shown() {
        let mut directory = MockUserDirectory::new();
        directory.expect_list().times(1).returning(|_| Ok(vec![stored(3), stored(5), stored(7)]));
        let list = ListUsers::new(Arc::new(directory), Arc::new(MockProfileReader::new()));

        let page = list
            .execute(&caller(&[Privilege::ManageUsers]), &query(2, DirectorySort::Username))
            .await
            .unwrap();

        let ids: Vec<i64> = page.items.iter().map(|item| item.view.profile.id().0).collect();
        assert_eq!(ids, [3, 5]);
        assert_eq!(page.next, Some(DirectoryKey::Username("user5".into(), UserId(5))));
    }

    #[tokio::test]
    async fn the_last_page_has_no_next_key_and_hides_private_fields_without_read_private() {
        let mut directory = MockUserDirectory::new();
        directory.expect_list().times(1).returning(|_| Ok(vec![stored(3)]));
        let list = ListUsers::new(Arc::new(directory), Arc::new(MockProfileReader::new()));

        let page = list
            .execute(&caller(&[Privilege::ManageUsers]), &query(1, DirectorySort::CreatedAt))
            .await
            .unwrap();

        assert_eq!(page.next, None);
        assert_eq!(page.items.len(), 1);
        assert!(page.items[0].view.profile.email().is_none(), "the email is private");
    }
}
