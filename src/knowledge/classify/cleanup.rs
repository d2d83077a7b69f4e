//! `rm` of a package cache (`rm -rf /var/lib/apt/lists/*`), which empties a cache
//! mount as surely as the manager's own clean command.

use super::{Invocation, InvocationKind as Kind};
use crate::knowledge::managers::{is_inside, PackageManager, ROOT_HOME};
use crate::shell::SimpleCommand;

/// Classifies `rm` when one of its operands is, is inside, or contains a known cache
/// directory; `None` otherwise.
pub(super) fn rm(cmd: &SimpleCommand) -> Option<Invocation> {
    let mut managers: Vec<PackageManager> = Vec::new();
    let mut first_index = None;
    for (index, word) in cmd.words.iter().enumerate().skip(1) {
        if word.value.starts_with('-') {
            continue;
        }
        let Some(target) = normalize_operand(&word.value) else {
            continue;
        };
        for manager in caches_touched(&target) {
            first_index.get_or_insert(index);
            if !managers.contains(&manager) {
                managers.push(manager);
            }
        }
    }
    let manager = *managers.first()?;
    let mut invocation = Invocation::new(manager, Kind::CacheClean, cmd, first_index.unwrap_or(0));
    invocation.caches = managers;
    Some(invocation)
}

/// An operand as an absolute path: `~` and `$HOME` stand for root's home (RUN runs
/// as root unless a USER says otherwise), and a trailing `/*` means the directory's
/// contents, which is the directory as far as the cache is concerned.
fn normalize_operand(operand: &str) -> Option<String> {
    let expanded = if let Some(rest) = operand
        .strip_prefix("~/")
        .or_else(|| operand.strip_prefix("$HOME/"))
        .or_else(|| operand.strip_prefix("${HOME}/"))
    {
        format!("{ROOT_HOME}/{rest}")
    } else if operand.starts_with('/') {
        operand.to_string()
    } else {
        return None;
    };
    let mut path = expanded.trim_end_matches('/');
    while let Some(parent) = path.strip_suffix("/*").or_else(|| path.strip_suffix("/.*")) {
        path = parent;
    }
    let path = path.trim_end_matches('/');
    (path.len() > 1).then(|| path.to_string())
}

fn caches_touched(target: &str) -> Vec<PackageManager> {
    PackageManager::ALL
        .into_iter()
        .filter(|manager| {
            manager.info().cache_dirs.iter().any(|dir| {
                if !dir.applies_to_home(ROOT_HOME) {
                    return false;
                }
                let cache = dir.location.resolve(ROOT_HOME);
                // Removing a parent of an image-specific path (`/tmp` for the composer
                // image's `/tmp/cache`) is too common to call it a cache clean.
                let parent_counts = dir.image.is_none();
                target == cache
                    || is_inside(target, &cache)
                    || (parent_counts
                        && is_inside(&cache, target)
                        && target.matches('/').count() >= 2)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::knowledge::classify::test_support::cmd;
    use crate::knowledge::{classify, InvocationKind as K, PackageManager as M};

    fn cleaned(text: &str) -> Vec<M> {
        match classify(&cmd(text)) {
            Some(invocation) => {
                assert_eq!(invocation.kind, K::CacheClean, "{text}");
                invocation.caches
            }
            None => Vec::new(),
        }
    }

    #[test]
    fn removing_cache_directories_cleans_them() {
        assert_eq!(cleaned("rm -rf /var/lib/apt/lists/*"), vec![M::Apt]);
        assert_eq!(cleaned("rm -rf /var/cache/apk/*"), vec![M::Apk]);
        assert_eq!(cleaned("rm -rf /root/.npm"), vec![M::Npm]);
        assert_eq!(cleaned("rm -rf ~/.cache/pip"), vec![M::Pip]);
        assert_eq!(
            cleaned("rm -rf /usr/local/share/.cache/yarn"),
            vec![M::Yarn]
        );
        assert_eq!(cleaned("rm -rf /go/pkg/mod"), vec![M::GoModules]);
        let whole_cache = cleaned("rm -rf $HOME/.cache");
        assert!(whole_cache.contains(&M::Pip));
        assert!(whole_cache.contains(&M::GoBuild));
    }

    #[test]
    fn unrelated_removals_are_not_classified() {
        assert!(cleaned("rm -rf /tmp/*").is_empty());
        assert!(cleaned("rm -f /etc/apt/apt.conf.d/docker-clean").is_empty());
        assert!(cleaned("rm -rf node_modules").is_empty());
        assert!(cleaned("rm -rf /").is_empty());
        assert!(cleaned("rm -rf /var").is_empty());
    }

    #[test]
    fn the_verb_is_the_first_cache_operand() {
        let invocation = classify(&cmd("rm -rf /tmp/x /var/lib/apt/lists/*")).expect("rm");
        assert_eq!(invocation.verb_index, 3);
    }
}
