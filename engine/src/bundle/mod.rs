//! The plan bundle (issue 21): what `auto run SCRIPT --plan --out FILE` reviewed, for
//! `auto apply FILE` to apply exactly — the commit, the script and its parameters, auto's
//! version, and the reviewed effects ([`Reviewed`]) with each terraform root's saved plan.
//!
//! Saved plans hold every planned value in clear text, sensitive ones too
//! (hashicorp/terraform#29778), and so do the parameters. The bundle is therefore sealed:
//! encrypted with the passphrase in `AUTO_PLAN_KEY` (age's scrypt recipient: the file is
//! authenticated, so a wrong key or a changed byte is refused), or, without a key, written
//! 0600 with a SHA-256 of its contents that a changed byte fails (which detects damage,
//! not a forger: CI should always set the key).
//!
//! ```text
//! auto-plan-bundle/v1 age\n<age file>
//! auto-plan-bundle/v1 sha256 <hex>\n<manifest JSON>
//! ```

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub mod show;

use crate::runtime::hex::hex;
use crate::runtime::review::Reviewed;

pub const FORMAT: &str = "auto.plan/v1";
const SEALED: &[u8] = b"auto-plan-bundle/v1 age\n";
const CHECKED: &[u8] = b"auto-plan-bundle/v1 sha256 ";

/// The environment variable holding the passphrase.
pub const KEY_VARIABLE: &str = "AUTO_PLAN_KEY";

/// What a bundle holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// Random: names the bundle's record in `.auto/bundles/` once applied.
    pub id: String,
    pub created: String,
    /// The commit checked out when planned, and whether the tree had other changes.
    pub commit: Option<String>,
    pub dirty: bool,
    /// Repository-relative path of the script, and the SHA-256 of its source.
    pub script: String,
    pub script_hash: String,
    /// The parameters as bound (secrets exposed: the bundle is sealed).
    pub params: serde_json::Value,
    /// The same with secrets masked: what `auto show` prints.
    #[serde(default)]
    pub params_shown: serde_json::Value,
    pub auto_version: String,
    pub effects: Vec<Reviewed>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("`{path}` is not a plan bundle (written by `auto run … --plan --out FILE`)")]
    NotABundle { path: String },
    #[error("`{path}` is encrypted: set {KEY_VARIABLE} to the passphrase it was written with")]
    NeedsKey { path: String },
    #[error("`{path}` cannot be opened with this {KEY_VARIABLE}: the key is wrong, or the file was changed")]
    WrongKeyOrChanged { path: String },
    #[error("`{path}` was changed after it was written (its checksum does not match): it is refused")]
    Changed { path: String },
    #[error("`{path}`: {message}")]
    Io { path: String, message: String },
}

impl Manifest {
    /// Sealed with `key` (encrypted), or checksummed without one.
    pub fn seal(&self, key: Option<&str>) -> Vec<u8> {
        let json = serde_json::to_vec(self).unwrap_or_default();
        match key {
            Some(passphrase) => {
                let recipient = age::scrypt::Recipient::new(passphrase.to_string().into());
                let mut sealed = SEALED.to_vec();
                sealed.extend(age::encrypt(&recipient, &json).unwrap_or_default());
                sealed
            }
            None => {
                let mut sealed = CHECKED.to_vec();
                sealed.extend(hex(&Sha256::digest(&json)).as_bytes());
                sealed.push(b'\n');
                sealed.extend(json);
                sealed
            }
        }
    }

    /// Opens what [`seal`](Self::seal) made; `path` only names it in errors.
    pub fn open(bytes: &[u8], key: Option<&str>, path: &str) -> Result<Manifest, BundleError> {
        let not_a_bundle = || BundleError::NotABundle { path: path.to_string() };
        let json = if let Some(sealed) = bytes.strip_prefix(SEALED) {
            let passphrase = key.ok_or_else(|| BundleError::NeedsKey { path: path.to_string() })?;
            let identity = age::scrypt::Identity::new(passphrase.to_string().into());
            age::decrypt(&identity, sealed).map_err(|_| BundleError::WrongKeyOrChanged { path: path.to_string() })?
        } else if let Some(rest) = bytes.strip_prefix(CHECKED) {
            let newline = rest.iter().position(|b| *b == b'\n').ok_or_else(not_a_bundle)?;
            let (sum, json) = (&rest[..newline], &rest[newline + 1..]);
            if sum != hex(&Sha256::digest(json)).as_bytes() {
                return Err(BundleError::Changed { path: path.to_string() });
            }
            json.to_vec()
        } else {
            return Err(not_a_bundle());
        };
        let manifest: Manifest = serde_json::from_slice(&json).map_err(|_| not_a_bundle())?;
        if manifest.format != FORMAT {
            return Err(not_a_bundle());
        }
        Ok(manifest)
    }

    /// Writes the sealed bundle to `path`, 0600 (it may hold secrets when not encrypted).
    pub fn write(&self, path: &Path, key: Option<&str>) -> Result<(), BundleError> {
        let io = |e: std::io::Error| BundleError::Io { path: path.display().to_string(), message: e.to_string() };
        let _ = std::fs::remove_file(path);
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io)?;
        file.write_all(&self.seal(key)).map_err(io)?;
        file.sync_all().map_err(io)
    }

    pub fn read(path: &Path, key: Option<&str>) -> Result<Manifest, BundleError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| BundleError::Io { path: shown.clone(), message: e.to_string() })?;
        Manifest::open(&bytes, key, &shown)
    }
}

/// Where an applied bundle is recorded, so that it is applied once.
pub fn consumed_record(repo_root: &Path, id: &str) -> PathBuf {
    repo_root.join(".auto").join("bundles").join(format!("{id}.json"))
}

/// The passphrase from the environment, if set and not empty.
pub fn key_from_env() -> Option<String> {
    std::env::var(KEY_VARIABLE).ok().filter(|key| !key.is_empty())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn manifest() -> Manifest {
        Manifest {
            format: FORMAT.into(),
            id: "b1".into(),
            created: "2026-12-03T00:00:00Z".into(),
            commit: Some("abc".into()),
            dirty: false,
            script: "scripts/x.rhai".into(),
            script_hash: "00".into(),
            params: serde_json::json!({"password": "bundle-canary-3141"}),
            params_shown: serde_json::json!({"password": "***"}),
            auto_version: "0".into(),
            effects: vec![Reviewed::Confirm { message: "go?".into() }],
        }
    }

    #[test]
    fn an_encrypted_bundle_opens_with_its_key_only_and_a_changed_byte_is_refused() {
        let sealed = manifest().seal(Some("correct horse"));
        assert!(!String::from_utf8_lossy(&sealed).contains("bundle-canary-3141"), "the content is encrypted");
        assert_eq!(Manifest::open(&sealed, Some("correct horse"), "p").unwrap(), manifest());
        assert_eq!(
            Manifest::open(&sealed, Some("wrong"), "p"),
            Err(BundleError::WrongKeyOrChanged { path: "p".into() })
        );
        assert_eq!(Manifest::open(&sealed, None, "p"), Err(BundleError::NeedsKey { path: "p".into() }));
        let mut changed = sealed.clone();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert_eq!(
            Manifest::open(&changed, Some("correct horse"), "p"),
            Err(BundleError::WrongKeyOrChanged { path: "p".into() })
        );
    }

    #[test]
    fn a_bundle_without_a_key_is_checksummed() {
        let sealed = manifest().seal(None);
        assert_eq!(Manifest::open(&sealed, None, "p").unwrap(), manifest());
        let text = String::from_utf8(sealed).unwrap().replace("\"go?\"", "\"no?\"");
        assert_eq!(Manifest::open(text.as_bytes(), None, "p"), Err(BundleError::Changed { path: "p".into() }));
        assert_eq!(Manifest::open(b"hello", None, "p"), Err(BundleError::NotABundle { path: "p".into() }));
    }
}
