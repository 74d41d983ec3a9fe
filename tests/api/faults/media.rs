//! A media store that cannot write: the upload is a 503 (an unavailable
//! dependency, not a bug), the previous image stays and still serves, and
//! uploads work again once the store can write, without a restart.

use reqwest::StatusCode;

use crate::support::helpers::{assert_problem, header};
use crate::support::image_helpers::{
    RED, assert_colour, assert_uploaded, fetch_image, jpeg, me, quadrants, red_middle, upload, upload_ok,
};

/// Makes every write into a filesystem media store fail, while what is
/// stored stays readable: each missing shard folder (`00`–`ff`) becomes a
/// regular file, so it cannot be created, and each existing one is frozen
/// (`chattr +i` as root, which permission bits do not stop; read-only
/// otherwise). Undone on drop.
struct WritesRefused {
    blockers: Vec<std::path::PathBuf>,
    frozen: Vec<std::path::PathBuf>,
    root_user: bool,
}

impl WritesRefused {
    fn on(root: &std::path::Path) -> Self {
        use std::os::unix::fs::MetadataExt as _;
        let root_user = root.metadata().expect("media folder").uid() == 0;
        let mut refused = Self { blockers: Vec::new(), frozen: Vec::new(), root_user };
        for shard in 0..=255u8 {
            let path = root.join(format!("{shard:02x}"));
            if path.is_dir() {
                refused.freeze(&path, true);
                refused.frozen.push(path);
            } else {
                std::fs::write(&path, b"").expect("a blocking file");
                refused.blockers.push(path);
            }
        }
        refused
    }

    fn freeze(&self, folder: &std::path::Path, frozen: bool) {
        use std::os::unix::fs::PermissionsExt as _;
        if self.root_user {
            let flag = if frozen { "+i" } else { "-i" };
            let status = std::process::Command::new("chattr").arg(flag).arg(folder).status();
            assert!(
                status.as_ref().is_ok_and(std::process::ExitStatus::success),
                "chattr {flag} {}: {status:?} (the test needs a filesystem with the immutable flag)",
                folder.display()
            );
        } else {
            let mode = if frozen { 0o555 } else { 0o755 };
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
    }
}

impl Drop for WritesRefused {
    fn drop(&mut self) {
        for folder in &self.frozen {
            self.freeze(folder, false);
        }
        for blocker in &self.blockers {
            let _ = std::fs::remove_file(blocker);
        }
    }
}

with_media_on_both_databases! {
    async fn a_media_store_that_cannot_write_makes_the_upload_503_and_keeps_the_previous_image(
        app, media
    ) {
        let user = app.register("media_fault").await;
        let before = upload_ok(&app, &user, "avatar", jpeg(&red_middle())).await;
        let url = assert_uploaded(&app, &before["avatar_image"], 200, 200, "jpg");
        let files_before = media.files();

        {
            let refused = WritesRefused::on(&media.path());
            let response = upload(&app, &user, "avatar", jpeg(&quadrants(400, 400))).await;
            let retry_after = header(&response, "retry-after").unwrap_or_default();
            assert!(retry_after.parse::<u32>().is_ok_and(|s| s > 0), "Retry-After {retry_after:?}");
            assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;

            let now = me(&app, &user).await;
            assert_eq!(now["avatar_image"], before["avatar_image"], "the previous avatar stays");
            assert_eq!(now["version"], before["version"], "nothing was changed");
            let avatar = fetch_image(&app, &url, "image/jpeg").await;
            assert_colour(&avatar, 100, 100, RED, "the previous avatar still serves");
            let blockers: Vec<String> = refused
                .blockers
                .iter()
                .filter_map(|path| path.file_name().map(|name| name.to_string_lossy().into_owned()))
                .collect();
            let mut files_now = media.files();
            files_now.retain(|name| !blockers.contains(name));
            assert_eq!(files_now, files_before, "no file was added or removed");
        }

        // Writable again: the next upload works, without a restart.
        let after = upload_ok(&app, &user, "avatar", jpeg(&quadrants(400, 400))).await;
        assert_uploaded(&app, &after["avatar_image"], 200, 200, "jpg");
        assert_ne!(after["avatar_image"], before["avatar_image"]);
        eprintln!("faults/media: upload refused with 503 while the store could not write; previous avatar kept");
    }
}
