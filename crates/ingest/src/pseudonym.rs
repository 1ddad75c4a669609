//! Pseudonymisation of person identifiers with a keyed hash.
//!
//! Victim, offender, perpetrator and CRN identifiers are replaced at ingest by
//! HMAC-SHA256 (RFC 2104; FIPS 198-1) of the trimmed, upper-cased identifier under a
//! secret key, written as 32 hex characters (128 bits). The same identifier in any
//! source gives the same key, so a person links across police, ASB and probation; a
//! different key gives unrelated pseudonyms; without the key the mapping cannot be
//! reversed or recomputed.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{IngestError, Result};

/// The environment variable that holds the key (hex, or any text of 16+ bytes).
pub const KEY_ENV: &str = "CRIMESCOPE_KEY";

/// A pseudonymisation key.
#[derive(Clone)]
pub struct PseudonymKey {
    key: Vec<u8>,
}

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

impl PseudonymKey {
    /// A key from bytes; at least 16.
    pub fn from_bytes(key: &[u8]) -> Result<PseudonymKey> {
        if key.len() < 16 {
            return Err(IngestError::Store {
                path: PathBuf::from(KEY_ENV),
                message: format!("the pseudonymisation key is {} bytes; use at least 16", key.len()),
            });
        }
        Ok(PseudonymKey { key: key.to_vec() })
    }

    /// The key from `CRIMESCOPE_KEY` if set, else from `file`, created with 32 random
    /// bytes and permissions 0600 when it does not exist.
    pub fn from_env_or_file(file: &Path) -> Result<PseudonymKey> {
        if let Ok(text) = std::env::var(KEY_ENV) {
            let text = text.trim();
            let bytes = hex::decode(text).unwrap_or_else(|_| text.as_bytes().to_vec());
            return PseudonymKey::from_bytes(&bytes);
        }
        PseudonymKey::from_file(file)
    }

    /// The key in `file` (hex), created with 32 random bytes and permissions 0600 when
    /// the file does not exist.
    pub fn from_file(file: &Path) -> Result<PseudonymKey> {
        let read_err = |source| IngestError::Read {
            path: file.to_path_buf(),
            source,
        };
        match std::fs::read(file) {
            Ok(bytes) => {
                PseudonymKey::from_bytes(&hex::decode(String::from_utf8_lossy(&bytes).trim()).unwrap_or(bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Write a new key to a private temporary file, then link it into place:
                // the link fails if another process got there first, and either way the
                // key is read back from the file, so every process uses the same key.
                let mut key = [0u8; 32];
                std::fs::File::open("/dev/urandom")
                    .and_then(|mut r| r.read_exact(&mut key))
                    .map_err(read_err)?;
                let dir = file.parent().unwrap_or(Path::new("."));
                std::fs::create_dir_all(dir).map_err(|source| IngestError::Write {
                    path: dir.to_path_buf(),
                    source,
                })?;
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let tmp = dir.join(format!(".key.{}.{n}.tmp", std::process::id()));
                let write = || -> std::io::Result<()> {
                    let mut options = std::fs::OpenOptions::new();
                    options.write(true).create(true).truncate(true);
                    #[cfg(unix)]
                    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                    let mut f = options.open(&tmp)?;
                    f.write_all(hex::encode(key).as_bytes())?;
                    f.write_all(b"\n")?;
                    f.sync_all()?;
                    match std::fs::hard_link(&tmp, file) {
                        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
                        _ => Ok(()),
                    }
                };
                let written = write();
                let _ = std::fs::remove_file(&tmp);
                written.map_err(|source| IngestError::Write {
                    path: file.to_path_buf(),
                    source,
                })?;
                let bytes = std::fs::read(file).map_err(read_err)?;
                PseudonymKey::from_bytes(&hex::decode(String::from_utf8_lossy(&bytes).trim()).unwrap_or(bytes))
            }
            Err(e) => Err(read_err(e)),
        }
    }

    /// The default key file: `$XDG_CONFIG_HOME/crimescope/key`, or `~/.config/crimescope/key`.
    pub fn default_file() -> PathBuf {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .unwrap_or_else(|| PathBuf::from("."));
        base.join("crimescope").join("key")
    }

    /// The pseudonym of an identifier (empty identifiers have none).
    ///
    /// ```
    /// use crimescope_ingest::pseudonym::PseudonymKey;
    /// let k = PseudonymKey::from_bytes(b"0123456789abcdef").unwrap();
    /// assert_eq!(k.person_key(" v123 "), k.person_key("V123"));
    /// assert_eq!(k.person_key("V123").unwrap().len(), 32);
    /// assert_eq!(k.person_key("  "), None);
    /// ```
    pub fn person_key(&self, id: &str) -> Option<String> {
        let id = id.trim();
        if id.is_empty() {
            return None;
        }
        Some(self.mac(id.to_uppercase().as_bytes()))
    }

    /// A short public name of the key (16 hex characters): the HMAC of a fixed text
    /// under it. The store records it beside the person keys, so an ingest under a
    /// different key (a new machine's key file, a mistyped `CRIMESCOPE_KEY`) is refused
    /// instead of writing person keys that silently fail to link. It reveals no more
    /// about the key than one pseudonym does.
    ///
    /// ```
    /// use crimescope_ingest::pseudonym::PseudonymKey;
    /// let a = PseudonymKey::from_bytes(b"0123456789abcdef").unwrap();
    /// let b = PseudonymKey::from_bytes(b"0123456789abcdeF").unwrap();
    /// assert_eq!(a.fingerprint().len(), 16);
    /// assert_ne!(a.fingerprint(), b.fingerprint());
    /// ```
    pub fn fingerprint(&self) -> String {
        self.mac(b"crimescope pseudonymisation key fingerprint")[..16].to_string()
    }

    /// HMAC-SHA256 of `message` under the key, the first 128 bits in hex.
    fn mac(&self, message: &[u8]) -> String {
        // HMAC takes a key of any length (RFC 2104 §2: longer keys are hashed first).
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts a key of any length");
        mac.update(message);
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn different_keys_give_different_pseudonyms() {
        let a = PseudonymKey::from_bytes(b"0123456789abcdef").unwrap();
        let b = PseudonymKey::from_bytes(b"fedcba9876543210").unwrap();
        assert_ne!(a.person_key("V1"), b.person_key("V1"));
        assert_ne!(a.person_key("V1"), a.person_key("V2"));
        assert!(PseudonymKey::from_bytes(b"short").is_err());
    }

    #[test]
    fn concurrent_first_uses_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        let keys: Vec<Option<String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| PseudonymKey::from_file(&file).unwrap().person_key("X")))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(keys.windows(2).all(|w| w[0] == w[1]), "{keys:?}");
    }

    #[test]
    fn the_key_file_is_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("conf/key");
        let first = PseudonymKey::from_file(&file).unwrap();
        let second = PseudonymKey::from_file(&file).unwrap();
        assert_eq!(first.person_key("X"), second.person_key("X"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
