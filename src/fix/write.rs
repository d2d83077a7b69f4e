//! Writing a fixed file without ever leaving it half-written.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Replace the file at `path` with `contents` atomically: write a temporary file in the
/// same folder, give it the original's permissions, flush it to disk, then rename it
/// over the original. A symlink is followed, so the file it points to is replaced and
/// the link stays. On any error the original is left as it was.
pub fn write_atomic(path: &Path, contents: &str) -> io::Result<()> {
    let target = fs::canonicalize(path)?;
    let metadata = fs::metadata(&target)?;
    let dir = target
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Dockerfile".to_string());
    let (tmp_path, mut tmp) = create_temp(&dir, &name)?;
    let result = (|| {
        tmp.write_all(contents.as_bytes())?;
        tmp.sync_all()?;
        drop(tmp);
        fs::set_permissions(&tmp_path, metadata.permissions())?;
        fs::rename(&tmp_path, &target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp_path);
    }
    result
}

fn create_temp(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut last = None;
    for attempt in 0..100u32 {
        let candidate = dir.join(format!(".{name}.layerlint-{pid}-{attempt}.tmp"));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => return Ok((candidate, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("cannot create a temporary file")))
}
