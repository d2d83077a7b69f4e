use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintContext;
use crate::rules::{Category, Findings, Rule, RuleMeta};
use crate::syntax::{Args, Instruction, Keyword};

pub struct UnknownInstruction;

pub static META: RuleMeta = RuleMeta {
    code: "LL501",
    name: "unknown-instruction",
    category: Category::Correctness,
    default_severity: Severity::Error,
    summary: "An instruction keyword the builder does not know, so the build fails there",
    doc: include_str!("../../../rules/LL501.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for UnknownInstruction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        for inst in &ctx.file.instructions {
            let unknown: Option<&Instruction> = match &inst.args {
                Args::Onbuild(inner) if inner.keyword == Keyword::Unknown => Some(inner),
                _ if inst.keyword == Keyword::Unknown => Some(inst),
                _ => None,
            };
            let Some(unknown) = unknown else {
                continue;
            };
            let word = unknown.keyword_text(&ctx.file.source);
            let message = if word.starts_with("{{") || word.starts_with("{%") {
                format!(
                    "`{word}` is template syntax, not an instruction: render the template before building or linting it"
                )
            } else {
                format!(
                    "unknown instruction `{word}`: BuildKit's parser reads it, then the build stops here"
                )
            };
            out.push(
                Diagnostic::new(&META, unknown.keyword_span(), message).with_help(
                    "instructions are ADD, ARG, CMD, COPY, ENTRYPOINT, ENV, EXPOSE, FROM, HEALTHCHECK, LABEL, MAINTAINER, ONBUILD, RUN, SHELL, STOPSIGNAL, USER, VOLUME and WORKDIR",
                ),
            );
            // The build stops at the first one; a template would otherwise give one per line.
            break;
        }
    }
}
