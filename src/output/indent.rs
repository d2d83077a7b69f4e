//! The pretty JSON layout both JSON outputs use.

use std::io::Write;

use serde::Serialize;

/// Writes `value` as `serde_json::to_writer_pretty` would, byte for byte.
pub(super) fn write_pretty<W: Write, T: ?Sized + Serialize>(
    w: W,
    value: &T,
) -> std::io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(w, Indented::default());
    value
        .serialize(&mut serializer)
        .map_err(std::io::Error::from)
}

/// The layout of `serde_json`'s pretty printer (two spaces per level, `": "` after keys),
/// written with one call per line break instead of one per level of indentation: a log
/// of many results is mostly indentation, and its small writes took a fifth of the time.
#[derive(Default)]
struct Indented {
    depth: usize,
    has_value: bool,
}

/// A line break followed by enough spaces for 63 levels; deeper levels write more.
const BREAK: &[u8] = b"\n                                                                                                                              ";

impl Indented {
    fn line_break<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        let spaces = self.depth * 2;
        if spaces < BREAK.len() {
            return w.write_all(&BREAK[..=spaces]);
        }
        w.write_all(BREAK)?;
        for _ in BREAK.len() - 1..spaces {
            w.write_all(b" ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line_break(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.line_break(w)
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indented_layout_is_serde_json_pretty() {
        let mut deep = json!({ "leaf": [1, "two", null, {}, []] });
        for level in 0..80 {
            deep = json!({ "level": level, "empty": [], "inner": [deep, {"k": "v"}] });
        }
        let mut text = Vec::new();
        write_pretty(&mut text, &deep).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            serde_json::to_string_pretty(&deep).unwrap()
        );
    }
}
