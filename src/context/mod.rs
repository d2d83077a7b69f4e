//! The build context: which files the builder receives.
//!
//! `.dockerignore` decides what `COPY . .` can see, so it decides whether a volatile
//! directory (`.git`, `node_modules`, build output) reaches a layer and invalidates it.

pub mod dockerignore;

pub use dockerignore::{DockerIgnore, IgnorePattern, InvalidPattern};

use std::path::{Path, PathBuf};

/// The build context of one Dockerfile: its folder and the `.dockerignore` that applies.
#[derive(Debug, Clone)]
pub struct BuildContext {
    pub dir: PathBuf,
    /// The ignore file in force: `<Dockerfile>.dockerignore` beside the Dockerfile wins over
    /// `.dockerignore` at the context root, as BuildKit decides.
    pub ignore_file: Option<PathBuf>,
    pub dockerignore: Option<DockerIgnore>,
}

impl BuildContext {
    /// Look at `dir` (and the Dockerfile's own `<name>.dockerignore`). A context folder that
    /// does not exist gives `None`: nothing can be said about it.
    pub fn load(dir: &Path, dockerfile: Option<&Path>) -> Option<BuildContext> {
        if !dir.is_dir() {
            return None;
        }
        let specific = dockerfile.and_then(|df| {
            let name = df.file_name()?.to_str()?;
            Some(df.with_file_name(format!("{name}.dockerignore")))
        });
        let candidates = specific
            .into_iter()
            .chain(std::iter::once(dir.join(".dockerignore")));
        for path in candidates {
            if let Ok(bytes) = std::fs::read(&path) {
                let text = String::from_utf8_lossy(&bytes);
                return Some(BuildContext {
                    dir: dir.to_path_buf(),
                    dockerignore: Some(DockerIgnore::parse(&text)),
                    ignore_file: Some(path),
                });
            }
        }
        Some(BuildContext {
            dir: dir.to_path_buf(),
            ignore_file: None,
            dockerignore: None,
        })
    }
}
