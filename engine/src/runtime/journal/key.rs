//! The repository's journal key, `.auto/journal.key`: 32 random bytes that authenticate
//! run journals (a chained HMAC-SHA256 on every line) and key the step input hashes.
//!
//! Without it, anyone who can write `.auto/runs` could make `--resume` run another script or
//! replay made-up step results, and an input hash would confirm a guessed secret (issue 18,
//! items 5 and 10). The key never leaves the file: it is not logged, not journaled, and
//! `Debug` shows `***`.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

pub const KEY_FILE: &str = "journal.key";
const KEY_LEN: usize = 32;

/// An HMAC-SHA256 tag.
pub type Tag = [u8; 32];

pub struct JournalKey {
    bytes: [u8; KEY_LEN],
}

impl std::fmt::Debug for JournalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JournalKey(***)")
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KeyError {
    #[error("no journal key at `{}`: journals are verified with the key of the repository that wrote them, and this repository has none (was `.auto/` removed or copied without it?)", .path.display())]
    Missing { path: PathBuf },
    #[error("the journal key `{}` is readable or writable by others (mode {mode:04o}): whoever reads it can forge run journals. If no one else could read it, `chmod 600` it; otherwise remove it (a new key is made, and earlier runs can no longer be resumed)", .path.display())]
    Exposed { path: PathBuf, mode: u32 },
    #[error("the journal key `{}` is {what}, not a regular file: remove it (a new key is made, and earlier runs can no longer be resumed)", .path.display())]
    NotAFile { path: PathBuf, what: &'static str },
    #[error("the journal key `{}` holds {len} bytes instead of {KEY_LEN}: it is damaged; remove it (a new key is made, and earlier runs can no longer be resumed)", .path.display())]
    WrongLength { path: PathBuf, len: u64 },
    #[error("cannot {action} the journal key `{}`: {message}", .path.display())]
    Io { path: PathBuf, action: &'static str, message: String },
}

impl JournalKey {
    /// A key from its bytes: for tests and the fuzz target, which have no repository.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> JournalKey {
        JournalKey { bytes }
    }

    /// The key in `auto_dir` (`.auto/`), made on first need. Only a real run calls this:
    /// dry-run and plan leave no files behind.
    pub fn load_or_create(auto_dir: &Path) -> Result<JournalKey, KeyError> {
        match Self::load(auto_dir) {
            Err(KeyError::Missing { .. }) => Self::create(auto_dir),
            other => other,
        }
    }

    /// The existing key in `auto_dir`, refused when others could read or replace it.
    pub fn load(auto_dir: &Path) -> Result<JournalKey, KeyError> {
        let path = auto_dir.join(KEY_FILE);
        let io = |action: &'static str| {
            let path = path.clone();
            move |e: std::io::Error| KeyError::Io { path, action, message: e.to_string() }
        };
        // O_NOFOLLOW: a symlink planted in place of the key is refused, not followed.
        let mut file = match OpenOptions::new().read(true).custom_flags(nix::libc::O_NOFOLLOW).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(KeyError::Missing { path }),
            Err(e) if e.raw_os_error() == Some(nix::libc::ELOOP) => {
                return Err(KeyError::NotAFile { path, what: "a symbolic link" })
            }
            Err(e) => return Err(io("read")(e)),
        };
        // Checked on the open file, so what is checked is what is read.
        let metadata = file.metadata().map_err(io("read"))?;
        if !metadata.is_file() {
            let what = if metadata.is_dir() { "a folder" } else { "a special file" };
            return Err(KeyError::NotAFile { path, what });
        }
        let mode = metadata.mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Exposed { path, mode });
        }
        if metadata.len() != KEY_LEN as u64 {
            return Err(KeyError::WrongLength { path, len: metadata.len() });
        }
        let mut bytes = [0u8; KEY_LEN];
        file.read_exact(&mut bytes).map_err(io("read"))?;
        Ok(JournalKey { bytes })
    }

    /// Writes a new key to a private temporary file and links it into place: `link` fails
    /// when the name exists, like `O_EXCL`, and unlike writing the key file itself it never
    /// shows a half-written key to a run starting at the same moment (which then reads the
    /// winner's key).
    fn create(auto_dir: &Path) -> Result<JournalKey, KeyError> {
        let path = auto_dir.join(KEY_FILE);
        let io = |action: &'static str| {
            let path = path.clone();
            move |e: std::io::Error| KeyError::Io { path, action, message: e.to_string() }
        };
        fs::create_dir_all(auto_dir).map_err(io("create"))?;
        let mut bytes = [0u8; KEY_LEN];
        File::open("/dev/urandom").and_then(|mut random| random.read_exact(&mut bytes)).map_err(io("create"))?;
        let temporary = auto_dir.join(format!(".{KEY_FILE}.{}.tmp", std::process::id()));
        let _ = fs::remove_file(&temporary);
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(&temporary)
            .and_then(|mut file| {
                file.write_all(&bytes)?;
                file.sync_all()
            })
            .and_then(|()| fs::hard_link(&temporary, &path));
        let _ = fs::remove_file(&temporary);
        match written {
            Ok(()) => {
                // The key must outlive a power cut as long as the journals it signs.
                let _ = File::open(auto_dir).and_then(|dir| dir.sync_all());
                Ok(JournalKey { bytes })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load(auto_dir),
            Err(e) => Err(io("create")(e)),
        }
    }

    /// HMAC-SHA256 over `parts`, each prefixed with its length so that no two different
    /// lists of parts authenticate the same bytes. `domain` keeps the uses of the key apart.
    pub fn tag(&self, domain: &str, parts: &[&[u8]]) -> Tag {
        self.mac(domain, parts).finalize().into_bytes().into()
    }

    /// Whether `tag` is the tag of `parts`, compared in constant time.
    pub fn verify(&self, domain: &str, parts: &[&[u8]], tag: &Tag) -> bool {
        self.mac(domain, parts).verify_slice(tag).is_ok()
    }

    fn mac(&self, domain: &str, parts: &[&[u8]]) -> HmacSha256 {
        // HMAC takes keys of any length; 32 bytes cannot fail.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.bytes).unwrap_or_else(|_| unreachable!());
        for part in std::iter::once(domain.as_bytes()).chain(parts.iter().copied()) {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        mac
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_new_key_is_private_and_loaded_again() {
        let dir = tempfile::tempdir().unwrap();
        let made = JournalKey::load_or_create(dir.path()).unwrap();
        let path = dir.path().join(KEY_FILE);
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o7777, 0o600);
        assert_eq!(fs::metadata(&path).unwrap().len(), 32);
        let loaded = JournalKey::load(dir.path()).unwrap();
        assert_eq!(made.bytes, loaded.bytes);
        assert_ne!(made.bytes, [0u8; 32], "random bytes, not zeros");
        let other = tempfile::tempdir().unwrap();
        assert_ne!(JournalKey::load_or_create(other.path()).unwrap().bytes, made.bytes);
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn tags_depend_on_key_domain_and_the_split_of_parts() {
        let key = JournalKey::from_bytes([7; 32]);
        let tag = key.tag("a", &[b"xy", b"z"]);
        assert!(key.verify("a", &[b"xy", b"z"], &tag));
        assert!(!key.verify("a", &[b"x", b"yz"], &tag));
        assert!(!key.verify("b", &[b"xy", b"z"], &tag));
        assert!(!JournalKey::from_bytes([8; 32]).verify("a", &[b"xy", b"z"], &tag));
    }

    #[test]
    fn unsafe_key_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        assert!(matches!(JournalKey::load(dir.path()), Err(KeyError::Missing { .. })));

        fs::write(&path, [1u8; 32]).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let error = JournalKey::load_or_create(dir.path()).unwrap_err();
        assert_eq!(error, KeyError::Exposed { path: path.clone(), mode: 0o640 });

        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(&path, [1u8; 5]).unwrap();
        assert_eq!(JournalKey::load(dir.path()).unwrap_err(), KeyError::WrongLength { path: path.clone(), len: 5 });

        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        assert_eq!(
            JournalKey::load_or_create(dir.path()).unwrap_err(),
            KeyError::NotAFile { path: path.clone(), what: "a folder" }
        );

        fs::remove_dir(&path).unwrap();
        let elsewhere = dir.path().join("elsewhere");
        fs::write(&elsewhere, [1u8; 32]).unwrap();
        fs::set_permissions(&elsewhere, fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        assert_eq!(
            JournalKey::load(dir.path()).unwrap_err(),
            KeyError::NotAFile { path: path.clone(), what: "a symbolic link" }
        );
    }
}
