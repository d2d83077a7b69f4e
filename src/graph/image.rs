//! Image references: `[registry/]name[:tag][@digest]`.

use compact_str::CompactString;
use serde::Serialize;

/// Parts up to 24 bytes (most names and tags) are stored inline: a file of thousands of
/// stages keeps one reference per stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRef {
    /// The reference as resolved (after ARG substitution).
    pub raw: CompactString,
    pub name: CompactString,
    pub tag: Option<CompactString>,
    pub digest: Option<CompactString>,
}

impl ImageRef {
    pub fn parse(raw: &str) -> ImageRef {
        let (rest, digest) = match raw.split_once('@') {
            Some((r, d)) => (r, Some(CompactString::from(d))),
            None => (raw, None),
        };
        // A colon after the last slash separates the tag; one before it is a registry port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                CompactString::from(&rest[..last_slash + i]),
                Some(CompactString::from(&rest[last_slash + i + 1..])),
            ),
            None => (CompactString::from(rest), None),
        };
        ImageRef {
            raw: CompactString::from(raw),
            name,
            tag,
            digest,
        }
    }

    /// Whether the reference follows the image reference grammar: lowercase name
    /// components, a tag of word characters, dots and dashes.
    pub fn is_valid_reference(&self) -> bool {
        let name_ok = !self.name.is_empty()
            && self.name.split('/').enumerate().all(|(i, part)| {
                !part.is_empty()
                    && part.chars().all(|c| {
                        c.is_ascii_lowercase()
                            || c.is_ascii_digit()
                            || matches!(c, '.' | '_' | '-')
                            || (i == 0 && (c == ':' || c.is_ascii_uppercase()))
                    })
            });
        let tag_ok = self.tag.as_deref().is_none_or(|t| {
            !t.is_empty()
                && t.len() <= 128
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        });
        name_ok && tag_ok
    }

    pub fn display(&self) -> &str {
        &self.raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_placeholders_are_not_references() {
        assert!(!ImageRef::parse("{{baseImage}}").is_valid_reference());
        assert!(!ImageRef::parse("node:{{tag}}").is_valid_reference());
        assert!(ImageRef::parse("localhost:5000/a/b_c:1.0-x").is_valid_reference());
        assert!(ImageRef::parse("mcr.microsoft.com/dotnet/sdk").is_valid_reference());
    }

    #[test]
    fn splits_registry_port_from_tag() {
        let r = ImageRef::parse("localhost:5000/app");
        assert_eq!(r.name, "localhost:5000/app");
        assert_eq!(r.tag, None);
        let r = ImageRef::parse("ghcr.io/o/app:1.2@sha256:abc");
        assert_eq!(r.name, "ghcr.io/o/app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = ImageRef::parse("node@sha256:abc");
        assert_eq!(r.tag, None);
        assert!(r.digest.is_some());
    }
}
