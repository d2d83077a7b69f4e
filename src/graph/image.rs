//! Image references: `[registry/]name[:tag][@digest]`.

use ecow::EcoString;
use serde::Serialize;

/// One string and two cut points: a file of thousands of stages keeps one reference per
/// stage, and four separate strings took 96 bytes where this takes 40.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The reference as resolved (after ARG substitution).
    raw: EcoString,
    /// `raw[..name_end]` is the name. (Offsets as u32: a stage holds its base's reference.)
    name_end: u32,
    /// Where the digest's `@` is (`raw.len()` when there is none); a tag, when there is one,
    /// is `raw[name_end + 1..digest_at]`.
    digest_at: u32,
}

/// The reference as its parts, for JSON views.
impl Serialize for ImageRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("ImageRef", 4)?;
        s.serialize_field("raw", self.raw.as_str())?;
        s.serialize_field("name", self.name())?;
        s.serialize_field("tag", &self.tag())?;
        s.serialize_field("digest", &self.digest())?;
        s.end()
    }
}

impl ImageRef {
    pub fn parse(raw: &str) -> ImageRef {
        let digest_at = raw.find('@').unwrap_or(raw.len());
        let rest = &raw[..digest_at];
        // A colon after the last slash separates the tag; one before it is a registry port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let name_end = match rest[last_slash..].rfind(':') {
            Some(i) => last_slash + i,
            None => rest.len(),
        };
        // Offsets past u32 (a reference of 4 GB) are read as the end of the text.
        let offset = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
        ImageRef {
            raw: EcoString::from(raw),
            name_end: offset(name_end),
            digest_at: offset(digest_at),
        }
    }

    /// The repository, registry included (`ghcr.io/o/app`).
    pub fn name(&self) -> &str {
        self.raw.get(..self.name_end as usize).unwrap_or(&self.raw)
    }

    /// The tag, without its `:`.
    pub fn tag(&self) -> Option<&str> {
        let (name_end, digest_at) = (self.name_end as usize, self.digest_at as usize);
        (name_end < digest_at).then(|| self.raw.get(name_end + 1..digest_at).unwrap_or(""))
    }

    /// The digest, without its `@` (`sha256:…`).
    pub fn digest(&self) -> Option<&str> {
        let digest_at = self.digest_at as usize;
        (digest_at < self.raw.len()).then(|| self.raw.get(digest_at + 1..).unwrap_or(""))
    }

    /// Whether the reference follows the image reference grammar: lowercase name
    /// components, a tag of word characters, dots and dashes.
    pub fn is_valid_reference(&self) -> bool {
        let name = self.name();
        let name_ok = !name.is_empty()
            && name.split('/').enumerate().all(|(i, part)| {
                !part.is_empty()
                    && part.chars().all(|c| {
                        c.is_ascii_lowercase()
                            || c.is_ascii_digit()
                            || matches!(c, '.' | '_' | '-')
                            || (i == 0 && (c == ':' || c.is_ascii_uppercase()))
                    })
            });
        let tag_ok = self.tag().is_none_or(|t| {
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
        assert_eq!(r.name(), "localhost:5000/app");
        assert_eq!(r.tag(), None);
        let r = ImageRef::parse("ghcr.io/o/app:1.2@sha256:abc");
        assert_eq!(r.name(), "ghcr.io/o/app");
        assert_eq!(r.tag(), Some("1.2"));
        assert_eq!(r.digest(), Some("sha256:abc"));
        let r = ImageRef::parse("node@sha256:abc");
        assert_eq!(r.tag(), None);
        assert_eq!(r.digest(), Some("sha256:abc"));
        let r = ImageRef::parse("node:");
        assert_eq!((r.name(), r.tag(), r.digest()), ("node", Some(""), None));
        let r = ImageRef::parse("a:1@");
        assert_eq!((r.name(), r.tag(), r.digest()), ("a", Some("1"), Some("")));
        // A colon inside the digest is not a tag.
        let r = ImageRef::parse("reg:5000/a@sha256:1");
        assert_eq!((r.name(), r.tag()), ("reg:5000/a", None));
        assert_eq!(r.display(), "reg:5000/a@sha256:1");
    }
}
