//! The private folder a plan file lives in while it is applied. Plan files hold every
//! variable in clear text (hashicorp/terraform#29778), sensitive ones included: the folder
//! is 0700 and the file 0600, and it is removed when the attempt ends. A run killed with
//! `kill -9` cannot remove its own, so each new one removes the folders left by processes
//! that no longer exist (the pid is part of the name).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const PREFIX: &str = "auto-tfplan-";

/// A fresh 0700 folder `auto-tfplan-<pid>-<random>` in the temp folder.
pub fn private_dir() -> std::io::Result<tempfile::TempDir> {
    remove_abandoned(&std::env::temp_dir());
    tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{}-", std::process::id()))
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
}

/// Terraform writes the plan file with the process umask (0644): tightened right after.
pub fn restrict(file: &Path) {
    let _ = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600));
}

/// Removes `auto-tfplan-<pid>-*` folders whose process is gone, and only those this user
/// owns (the temp folder is shared).
pub fn remove_abandoned(temp: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(temp) else { return };
    let me = nix::unistd::getuid().as_raw();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(PREFIX).and_then(|rest| rest.split('-').next()) else { continue };
        let Ok(pid) = pid.parse::<i32>() else { continue };
        let path: PathBuf = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if !meta.is_dir() || meta.uid() != me || alive(pid) {
            continue;
        }
        let _ = std::fs::remove_dir_all(&path);
    }
}

fn alive(pid: i32) -> bool {
    // Signal 0 checks existence; EPERM means it exists but is someone else's.
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(errno) => errno == nix::errno::Errno::EPERM,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn private_and_cleaned_up_after_a_killed_run() {
        let dir = private_dir().unwrap();
        assert_eq!(std::fs::metadata(dir.path()).unwrap().permissions().mode() & 0o777, 0o700);
        let file = dir.path().join("plan.tfplan");
        std::fs::write(&file, "x").unwrap();
        restrict(&file);
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);

        let temp = tempfile::tempdir().unwrap();
        // A pid that cannot exist (above the kernel's pid_max) stands for a killed run.
        let dead = temp.path().join(format!("{PREFIX}99999999-abc"));
        let mine = temp.path().join(format!("{PREFIX}{}-abc", std::process::id()));
        let other = temp.path().join("auto-tfplan-notapid");
        for d in [&dead, &mine, &other] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("plan.tfplan"), "secret").unwrap();
        }
        remove_abandoned(temp.path());
        assert!(!dead.exists(), "a dead run's plan folder is removed");
        assert!(mine.exists() && other.exists(), "a live run's folder and foreign names stay");
    }
}
