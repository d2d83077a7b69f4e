use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{Command, NodeKind};
use crate::knowledge::mount_facts::CACHE_MOUNT_DEFAULT_MODE;
use crate::knowledge::ROOT_HOME;
use crate::lint::LintContext;
use crate::rules::common::{self};
use crate::rules::{Category, Findings, Rule, RuleMeta};
use crate::syntax::Mount;

pub struct CacheMountWrongUser;

pub static META: RuleMeta = RuleMeta {
    code: "LL205",
    name: "cache-mount-wrong-user",
    category: Category::CacheMounts,
    default_severity: Severity::Warning,
    summary: "A cache mount a non-root USER never uses (it sits under /root) or cannot write (no uid, gid or mode)",
    doc: include_str!("../../../rules/LL205.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

/// Wrappers that run the command as root again.
const ROOT_WRAPPERS: &[&str] = &["sudo", "doas", "su", "gosu", "su-exec"];

impl Rule for CacheMountWrongUser {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        for stage in &ctx.graph.stages {
            for node in ctx.graph.nodes_of(stage) {
                let NodeKind::Run(run) = &node.kind else {
                    continue;
                };
                if common::user_is_root(node) != Some(false) || run.mounts.is_empty() {
                    continue;
                }
                let commands = ctx.commands(run);
                if becomes_root(&commands) {
                    continue;
                }
                let user = node.user().unwrap_or_default().to_string();
                let home = common::home_of(node);
                let used = common::used_cache_dirs(node, &commands);
                for (mount, target) in
                    common::cache_mount_targets(run, node.vars(), ctx.file.escape)
                {
                    let Some(target) = target else {
                        continue;
                    };
                    if mount.readonly || mount.from().is_some() {
                        continue;
                    }
                    let in_use = used.iter().any(|d| common::overlaps(&target, d));
                    let under_root = common::covers(ROOT_HOME, &target);
                    if under_root && !in_use && home.as_deref() != Some(ROOT_HOME) {
                        out.push(unused_mount(mount, &target, &user, home.as_deref()));
                        continue;
                    }
                    let in_home = home.as_deref().is_some_and(|h| common::covers(h, &target));
                    if (in_use || in_home) && !writable(mount) {
                        out.push(unwritable_mount(mount, &target, &user));
                    }
                }
            }
        }
    }
}

fn becomes_root(commands: &[Command]) -> bool {
    commands.iter().any(|c| {
        ROOT_WRAPPERS.iter().any(|w| c.cmd.has_prefix(w))
            || c.cmd.program().is_some_and(|p| ROOT_WRAPPERS.contains(&p))
    })
}

/// Whether the mount options let a user other than root write to it.
fn writable(mount: &Mount) -> bool {
    if mount.uid().is_some() || mount.gid().is_some() {
        return true;
    }
    let Some(mode) = mount.mode() else {
        return false;
    };
    // Octal: the last digit is for others; 2 is write.
    u32::from_str_radix(mode.trim_start_matches("0o"), 8).is_ok_and(|m| m & 0o002 != 0)
}

fn uid_hint(user: &str) -> String {
    let mut parts = user.splitn(2, ':');
    let uid = parts.next().unwrap_or("");
    let gid = parts.next().unwrap_or(uid);
    if !uid.is_empty()
        && uid.chars().all(|c| c.is_ascii_digit())
        && gid.chars().all(|c| c.is_ascii_digit())
    {
        format!("uid={uid},gid={gid}")
    } else {
        format!("uid=<uid of {uid}>,gid=<its gid>")
    }
}

fn unused_mount(mount: &Mount, target: &str, user: &str, home: Option<&str>) -> Diagnostic {
    let rest = target.strip_prefix(ROOT_HOME).unwrap_or("");
    let moved = match home {
        Some(h) => format!("{}{rest}", h.trim_end_matches('/')),
        None => format!("$HOME{rest}"),
    };
    Diagnostic::new(
        &META,
        mount.span,
        format!(
            "this RUN runs as `USER {user}`, whose tools write to their own home, not `{ROOT_HOME}`: the cache mount at `{target}` is never used"
        ),
    )
    .with_help(format!(
        "mount the user's folder instead: `--mount=type=cache,target={moved},{}`",
        uid_hint(user)
    ))
}

fn unwritable_mount(mount: &Mount, target: &str, user: &str) -> Diagnostic {
    Diagnostic::new(
        &META,
        mount.span,
        format!(
            "`USER {user}` cannot write to the cache mount at `{target}`: BuildKit creates it owned by root with mode {CACHE_MOUNT_DEFAULT_MODE}, so the tool runs without a cache or fails"
        ),
    )
    .with_help(format!("add `{}` (or `mode=0777`) to the mount", uid_hint(user)))
}
