//! Image references (`registry:5000/team/app:tag@sha256:…`): parsed once, validated with
//! the engine's rules so a typo fails at the script line instead of deep in a push.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// Docker Hub, as the registry part of a reference without one.
pub const DOCKER_HUB: &str = "docker.io";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Repository including the registry host when one was given: `127.0.0.1:5000/app`.
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

static COMPONENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$").expect("component pattern"));
static HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$")
        .expect("host pattern")
});
static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[\w][\w.-]{0,127}$").expect("tag pattern"));
static DIGEST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$").expect("digest pattern"));

impl ImageRef {
    pub fn parse(text: &str) -> Result<ImageRef, String> {
        let invalid = |why: &str| format!("invalid image reference `{text}`: {why}");
        if text.is_empty() {
            return Err("an image reference must not be empty".into());
        }
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => {
                if !DIGEST.is_match(digest) {
                    return Err(invalid("the digest must look like `sha256:<64 hex digits>`"));
                }
                (rest, Some(digest.to_string()))
            }
            None => (text, None),
        };
        // A colon after the last slash starts the tag; before it, it is a registry port.
        let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest[last_slash..].find(':') {
            Some(colon) => {
                let at = last_slash + colon;
                let tag = &rest[at + 1..];
                if !TAG.is_match(tag) {
                    return Err(invalid(&format!(
                        "tag `{tag}` may only hold letters, digits, `_`, `.` and `-` (at most 128, not starting with `.` or `-`)"
                    )));
                }
                (&rest[..at], Some(tag.to_string()))
            }
            None => (rest, None),
        };
        let mut components: Vec<&str> = name.split('/').collect();
        if has_registry(name) {
            let host = components.remove(0);
            if !HOST.is_match(host) {
                return Err(invalid(&format!("`{host}` is not a valid registry host")));
            }
        }
        for component in &components {
            if component.is_empty() {
                return Err(invalid("empty path component (`//` or a trailing `/`)"));
            }
            if !COMPONENT.is_match(component) {
                let why = if component.chars().any(|c| c.is_ascii_uppercase()) {
                    "repository names must be lowercase".to_string()
                } else {
                    format!("`{component}` may only hold lowercase letters, digits and separators (`.`, `_`, `-`)")
                };
                return Err(invalid(&why));
            }
        }
        Ok(ImageRef { name: name.to_string(), tag, digest })
    }

    /// The registry host this image lives in (`docker.io` when none is named).
    pub fn registry(&self) -> &str {
        if has_registry(&self.name) {
            self.name.split('/').next().unwrap_or(DOCKER_HUB)
        } else {
            DOCKER_HUB
        }
    }

    /// The tag, `latest` when none (and no digest) is given: what push and pull use.
    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// `name:tag` (or `name@digest`): what the engine's push/pull endpoints take.
    pub fn with_tag_or_latest(&self) -> String {
        match (&self.tag, &self.digest) {
            (_, Some(digest)) => format!("{}@{digest}", self.name),
            (tag, None) => format!("{}:{}", self.name, tag.as_deref().unwrap_or("latest")),
        }
    }
}

/// The first component names a registry when it looks like a host: a dot, a port or
/// `localhost` (the engine's rule).
fn has_registry(name: &str) -> bool {
    match name.split_once('/') {
        Some((first, _)) => first.contains('.') || first.contains(':') || first == "localhost",
        None => false,
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_registry_port_tag_and_digest() {
        let image = ImageRef::parse("127.0.0.1:5000/team/app:1.2").unwrap();
        assert_eq!(
            (image.name.as_str(), image.tag.as_deref(), image.registry()),
            ("127.0.0.1:5000/team/app", Some("1.2"), "127.0.0.1:5000")
        );
        let hub = ImageRef::parse("busybox").unwrap();
        assert_eq!((hub.registry(), hub.with_tag_or_latest()), ("docker.io", "busybox:latest".to_string()));
        let digest = format!("sha256:{}", "a".repeat(64));
        let pinned = ImageRef::parse(&format!("localhost/app@{digest}")).unwrap();
        assert_eq!((pinned.registry(), pinned.digest.as_deref()), ("localhost", Some(digest.as_str())));
        assert_eq!(ImageRef::parse("registry.example.com/app").unwrap().registry(), "registry.example.com");
        assert_eq!(ImageRef::parse("team/app").unwrap().registry(), "docker.io");
    }

    #[test]
    fn rejects_what_the_engine_would_reject() {
        let errors: Vec<String> = ["", "App:1", "app:-x", "a//b", "app@sha256:xyz", "bad_host_/x"]
            .iter()
            .map(|r| ImageRef::parse(r).unwrap_err())
            .collect();
        expect_test::expect![[r#"
            an image reference must not be empty
            invalid image reference `App:1`: repository names must be lowercase
            invalid image reference `app:-x`: tag `-x` may only hold letters, digits, `_`, `.` and `-` (at most 128, not starting with `.` or `-`)
            invalid image reference `a//b`: empty path component (`//` or a trailing `/`)
            invalid image reference `app@sha256:xyz`: the digest must look like `sha256:<64 hex digits>`
            invalid image reference `bad_host_/x`: `bad_host_` may only hold lowercase letters, digits and separators (`.`, `_`, `-`)"#]]
        .assert_eq(&errors.join("\n"));
    }
}
