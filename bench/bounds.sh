#!/usr/bin/env bash
# Checks layerlint's resource bounds on pathological Dockerfiles: memory at most about 20x
# the input size, time at most about 1 s per MB. Generates one file per shape (see SHAPES
# below; `workflow-*` shapes as GitHub workflows), runs `layerlint check --no-config
# --format FORMAT FILE` on each under GNU time,
# with a timeout and an address-space cap so that a blow-up is reported instead of hanging
# or swapping the machine, and prints a Markdown table (see bench/README.md). Progress
# goes to stderr, the table to stdout.
#
#   bash bench/bounds.sh                        every shape at 10 MB
#   bash bench/bounds.sh --quick                every shape at 2 MB
#   bash bench/bounds.sh --only runa,args --size 1 --timeout 20
#
# Options:
#   --quick            inputs of 2 MB instead of 10
#   --size MB          target input size in MB (decimals allowed; overrides --quick)
#   --only A,B,...     only these shapes (comma-separated names, see --list)
#   --list             print the shape names and exit
#   --bin PATH         binary to measure (default: $LAYERLINT, else target/release/layerlint,
#                      built with `cargo build --release` when missing)
#   --timeout S        seconds before a run counts as FAILED (default 120)
#   --mem MB           address-space cap of a run (default half the available memory)
#   --format FMT       output format of the measured runs: json (default), sarif or pretty;
#                      `diff` measures `check --diff --unsafe-fixes` instead (every fix
#                      applied in memory, lint rounds included, and the unified diff written)
#   --strict           exit 1 when a shape is OVER or FAILED (default: exit 0 after the report)
#   -h, --help         this text
#
# Environment: KEEP_WORK=1 keeps the scratch folder (inputs, stderr of each run) under
# ${TMPDIR:-/tmp}.
set -euo pipefail
export LC_ALL=C

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'bounds.sh: %s\n' "$*" >&2; exit 2; }

# The bounds being checked, and the smallest input on which memory is judged (below it the
# binary's own baseline dominates). Small inputs get at least MIN_TIME_BUDGET seconds, so
# that process start-up on a few KB is not read as a per-MB cost.
MAX_S_PER_MB=1
MAX_RSS_RATIO=20
MIN_MEM_JUDGED_MB=1
MIN_TIME_BUDGET=0.1

# Every shape, in report order. The generator below knows each by name.
SHAPES=(runa dense continuation pipes subst words args env copies copy-install context-installs stages
    independent-stages copy-from heredocs arg-runs env-runs env-chain env-stages short-chain bare-stages
    apt-runs apt-cache-runs
    node-modules-mounts npm-runs workdir-runs
    volatile-args stage-chain index-updates build-commands install-targets build-runs piped-downloads
    cache-cleanups workflow-jobs workflow-ignores comments commented ignore-run blank realistic nested-quotes long-line)

# ---------------------------------------------------------------- options

size_mb=10
size_given=""
only=""
bin="${LAYERLINT:-}"
timeout_s=120
mem_mb=""
strict=0
format=json
need_value() { [[ $# -ge 2 && -n "$2" ]] || die "option $1 needs a value"; }
while (($#)); do
    case "$1" in
        --quick) size_mb=2 ;;
        --size) need_value "$@"; size_given=$2; shift ;;
        --size=*) size_given=${1#*=} ;;
        --only) need_value "$@"; only=$2; shift ;;
        --only=*) only=${1#*=} ;;
        --bin) need_value "$@"; bin=$2; shift ;;
        --bin=*) bin=${1#*=} ;;
        --timeout) need_value "$@"; timeout_s=$2; shift ;;
        --timeout=*) timeout_s=${1#*=} ;;
        --mem) need_value "$@"; mem_mb=$2; shift ;;
        --mem=*) mem_mb=${1#*=} ;;
        --format) need_value "$@"; format=$2; shift ;;
        --format=*) format=${1#*=} ;;
        --strict) strict=1 ;;
        --list) printf '%s\n' "${SHAPES[@]}"; exit 0 ;;
        -h | --help) usage; exit 0 ;;
        *) printf 'bounds.sh: unknown option %s\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
[[ -n "$size_given" ]] && size_mb=$size_given
case "$format" in json | sarif | pretty) run_args=(--format "$format") ;;
    diff) run_args=(--diff --unsafe-fixes) ;;
    *) die "unknown --format '$format' (json, sarif, pretty or diff)" ;;
esac

is_number() { [[ "$1" =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
if ! is_number "$size_mb" || ! awk -v s="$size_mb" 'BEGIN { exit !(s > 0) }'; then
    die "--size wants a positive number of MB, not '$size_mb'"
fi
[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || die "--timeout wants a whole number of seconds, not '$timeout_s'"
if [[ -z "$mem_mb" ]]; then
    available_mb=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo 2>/dev/null || true)
    mem_mb=$((${available_mb:-8192} / 2))
fi
[[ "$mem_mb" =~ ^[1-9][0-9]*$ ]] || die "--mem wants a whole number of MB, not '$mem_mb'"

selected=()
if [[ -n "$only" ]]; then
    IFS=, read -ra wanted <<<"$only"
    for name in "${wanted[@]}"; do
        [[ -z "$name" ]] && continue
        [[ " ${SHAPES[*]} " == *" $name "* ]] || die "unknown shape '$name' (known: ${SHAPES[*]})"
        selected+=("$name")
    done
    ((${#selected[@]})) || die "--only names no shape"
else
    selected=("${SHAPES[@]}")
fi

# ---------------------------------------------------------------- tools

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

command -v python3 >/dev/null || die "python3 is needed to generate the inputs"
command -v timeout >/dev/null || die "timeout (coreutils) is needed"
TIME_BIN=/usr/bin/time
[[ -x "$TIME_BIN" ]] || die "GNU time is needed at $TIME_BIN for wall time and peak RSS (apt-get install time)"
LIMIT=()
if command -v prlimit >/dev/null; then
    LIMIT=(prlimit "--as=$((mem_mb * 1048576))" --)
else
    warn "prlimit not found: runs are not capped in memory (only in time)"
fi

if [[ -z "$bin" ]]; then
    target_dir=${CARGO_TARGET_DIR:-target}
    [[ "$target_dir" == /* ]] || target_dir="$ROOT/$target_dir"
    bin="$target_dir/release/layerlint"
    if [[ ! -x "$bin" ]]; then
        log "building layerlint (release)"
        cargo build --release --quiet --bin layerlint || die "cargo build --release failed"
    fi
fi
[[ -x "$bin" ]] || die "no binary at $bin"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/layerlint-bounds.XXXXXX")
cleanup() {
    if [[ "${KEEP_WORK:-0}" == 1 ]]; then
        log "scratch files kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# ---------------------------------------------------------------- inputs

# generate SHAPE BYTES OUT: writes a Dockerfile of the given shape of at least BYTES bytes
# (nested-quotes ignores BYTES: it is a small file whose difficulty is depth, not size).
generate() {
    python3 - "$@" <<'PY'
import sys

shape, target, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
FROM = "FROM alpine:3.20\n"


def repeat(head, unit, tail=""):
    """head, then unit as often as needed to reach the target, then tail."""
    n = max(1, -(-(target - len(head) - len(tail)) // len(unit)))
    return [head, unit * n, tail]


def numbered(head, unit, tail="", start=0):
    """head, then unit(i) for i = start, start + 1, ... up to the target, then tail."""
    parts, size, i = [head], len(head) + len(tail), start
    while size < target:
        s = unit(i)
        parts.append(s)
        size += len(s)
        i += 1
    parts.append(tail)
    return parts


def realistic(i):
    return f"""
FROM python:3.12-slim AS build{i}
ARG APP_VERSION=1.{i}.0
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \\
    APP_HOME=/srv/app{i}
WORKDIR /srv/app{i}
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\
    --mount=type=cache,target=/var/lib/apt,sharing=locked \\
    apt-get update \\
 && apt-get install -y --no-install-recommends build-essential curl ca-certificates libpq-dev \\
 && rm -rf /var/lib/apt/lists/*
COPY requirements/{i}.txt ./requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt "django==4.{i % 3}.*"
COPY package.json package-lock.json ./web/
RUN cd web && npm ci --omit=dev
COPY src/ ./src/
RUN python -m compileall -q src

FROM gcr.io/distroless/python3-debian12 AS run{i}
ENV APP_HOME=/srv/app{i}
WORKDIR /srv/app{i}
COPY --from=build{i} /srv/app{i} /srv/app{i}
USER nonroot
ENTRYPOINT ["python", "-m", "app{i}"]
"""


def nested_quotes(depth=300, escaped_limit=64 * 1024):
    """A few RUNs whose quoting nests `depth` levels deep; linear in depth except the
    properly escaped one, whose size doubles per level and is cut at escaped_limit."""
    runs = []
    # sh -c "$(sh -c "$(... echo a ...)")": quotes inside $( ) open a new context.
    runs.append("sh -c " + '"$(sh -c ' * depth + "echo a" + ')"' * depth)
    # sh -c "sh -c \"sh -c \"...\"\"": the escaped form, one backslash per level.
    runs.append('sh -c "' + 'sh -c \\"' * depth + "echo a" + '\\"' * depth + '"')
    # ${a:-"${a:-"..."}"}: quotes inside a parameter expansion inside quotes.
    runs.append('echo "' + '${a:-"' * depth + "b" + '"}' * depth + '"')
    # Properly escaped sh -c "sh -c \"sh -c \\\"...\\\"\"": each level re-escapes the last.
    script = "echo a"
    while True:
        quoted = '"' + "".join("\\" + c if c in '\\"$`' else c for c in script) + '"'
        if len(quoted) > escaped_limit:
            break
        script = "sh -c " + quoted
    runs.append(script)
    return [FROM] + ["RUN " + r + "\n" for r in runs]


def workflow_job(i, image, ignore):
    directive = "  # layerlint ignore=LL605\n" if ignore else ""
    return directive + f"""  b{i}:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: {image}:1
          cache-from: type=gha,scope=s
          cache-to: type=gha,mode=max,scope=s
"""


def heredoc(i):
    return f"RUN <<EOF{i}\necho {i}\nEOF{i}\n"


def copy_from(i):
    froms = sorted({i - 1, i // 2})
    return f"FROM alpine:3.20 AS s{i}\n" + "".join(f"COPY --from=s{j} /x /y{j}\n" for j in froms)


GENERATORS = {
    "runa": lambda: repeat(FROM, "RUN a\n"),
    "dense": lambda: repeat(FROM + "RUN echo a", " && echo a", "\n"),
    "continuation": lambda: repeat(
        "FROM debian:12\nRUN apt-get update \\\n", "  && apt-get install -y foo \\\n", "  && true\n"
    ),
    "pipes": lambda: repeat(FROM + "RUN a", "|a", "|b\n"),
    "subst": lambda: repeat(FROM + "RUN $(a)", " $(a)", "\n"),
    "words": lambda: repeat(FROM + "RUN a", " a", "\n"),
    "args": lambda: numbered(FROM, lambda i: f"ARG A{i}=1\n", "RUN true\n"),
    "env": lambda: numbered(FROM + "ENV V0=x\n", lambda i: f"ENV V{i}=x$V{i - 1}\n", "RUN true\n", 1),
    "copies": lambda: repeat(FROM, "COPY a b\n"),
    "copy-install": lambda: repeat(
        "FROM python:3.12-slim\n", "COPY src/ /app/\nRUN pip install -r /app/requirements.txt\n"
    ),
    "context-installs": lambda: repeat("FROM node:20\n", "COPY . .\nRUN npm install\n"),
    "npm-runs": lambda: repeat("FROM node:20\n", "RUN npm i\n"),
    "stages": lambda: numbered("FROM alpine:3.20 AS s0\n", lambda i: f"FROM s{i} AS s{i + 1}\nRUN echo {i}\n"),
    "independent-stages": lambda: numbered(
        "", lambda i: f"FROM alpine:3.20 AS s{i}\nRUN apt-get update && apt-get install -y curl\n"
    ),
    "copy-from": lambda: numbered("FROM alpine:3.20 AS s0\nRUN echo 0 > /x\n", copy_from, "", 1),
    "heredocs": lambda: numbered(FROM, heredoc),
    # ARG and ENV scopes: a snapshot per instruction between assignments, and ENV
    # inherited down a chain of stages.
    "arg-runs": lambda: numbered(FROM, lambda i: f"ARG A{i}=1\nRUN a\n"),
    "env-runs": lambda: numbered(FROM, lambda i: f"ENV E{i}=1\nRUN a\n"),
    "env-chain": lambda: numbered("FROM alpine:3.20 AS s\n", lambda i: f"FROM s AS s\nENV E{i}=1\n"),
    # The same chain with one name: each stage re-sets `E` in 20 bytes.
    "env-stages": lambda: repeat("FROM alpine:3.20 AS s\n", "FROM s AS s\nENV E=1\n"),
    # The smallest stages: a record per stage against 12 and 7 bytes of input.
    "short-chain": lambda: repeat("FROM alpine:3.20 AS s\n", "FROM s AS s\n"),
    "bare-stages": lambda: repeat("", "FROM a\n"),
    # Rule-level shapes: each once made a rule rescan the stage for every RUN.
    "apt-runs": lambda: repeat("FROM debian:12\n", "RUN apt-get install -y curl\n"),
    "apt-cache-runs": lambda: repeat(
        "FROM debian:12\n", "RUN --mount=type=cache,target=/var/cache/apt apt-get install -y curl\n"
    ),
    "node-modules-mounts": lambda: repeat(
        "FROM node:20\n", "RUN --mount=type=cache,target=/app/node_modules npm ci\n"
    ),
    "workdir-runs": lambda: repeat(
        "FROM python:3.12\n", "WORKDIR /app\nRUN --mount=type=cache,target=/root/.cache/pip pip install x\n"
    ),
    "volatile-args": lambda: repeat("FROM python:3.12\n", "ARG GIT_SHA\nRUN pip install x\n"),
    "stage-chain": lambda: repeat("FROM debian:12 AS s\n", "FROM s AS s\nRUN apt-get install -y curl\n"),
    "index-updates": lambda: repeat("FROM debian:12\nRUN ", "apt-get update && ", "apt-get install -y curl\n"),
    "build-commands": lambda: repeat(
        "FROM rust:1\nRUN --mount=type=cache,target=/app/target ", "cargo build --release && ", "true\n"
    ),
    "install-targets": lambda: repeat(
        "FROM python:3.12\nRUN --mount=type=cache,target=/out ", "pip install --target /out x && ", "true\n"
    ),
    "build-runs": lambda: [FROM, "RUN echo x\n" * (target // 22), "RUN cargo build\n" * (target // 32)],
    "piped-downloads": lambda: repeat(FROM + "RUN ", "echo é && curl -fsSL https://get.example.com | sh && ", "true\n"),
    "cache-cleanups": lambda: repeat(
        "FROM node:20\nRUN --mount=type=cache,target=/root/.npm ", "npm ci && npm cache clean --force && ", "true\n"
    ),
    "workflow-jobs": lambda: numbered(
        "name: ci\non: [push, pull_request]\njobs:\n", lambda i: workflow_job(i, "user/app", False)
    ),
    "workflow-ignores": lambda: numbered(
        "name: ci\non: [push, pull_request]\njobs:\n", lambda i: workflow_job(i, f"user/app{i}", True)
    ),
    "comments": lambda: repeat(FROM, "# c\n", "RUN a\n"),
    "commented": lambda: repeat(FROM, "# layerlint ignore=LL999\nRUN a\n"),
    # One run of `ignore=` comment lines above a single instruction.
    "ignore-run": lambda: repeat(FROM, "# layerlint ignore=LL101\n", "RUN a\n"),
    "blank": lambda: repeat(FROM, "\n", "RUN a\n"),
    "realistic": lambda: numbered("# syntax=docker/dockerfile:1\n", realistic),
    "nested-quotes": nested_quotes,
    "long-line": lambda: repeat(FROM + "RUN ", "a", "\n"),
}

with open(out, "w", encoding="utf-8", newline="\n") as f:
    f.writelines(GENERATORS[shape]())
PY
}

# ---------------------------------------------------------------- measuring

# measure NAME FILE: runs layerlint once on FILE under GNU time, the address-space cap and
# the timeout; sets M_WALL (s), M_RSS_KB, M_RC and M_REASON (empty when the run succeeded).
measure() {
    local name=$1 file=$2 timing="$WORK/time-$1.txt" err="$WORK/stderr-$1.txt"
    M_RC=0
    "$TIME_BIN" -o "$timing" -f '%e %M' "${LIMIT[@]}" timeout -k 5 "$timeout_s" \
        "$bin" check --no-config "${run_args[@]}" "$file" >/dev/null 2>"$err" || M_RC=$?
    # The last line is "%e %M"; GNU time writes "Command exited with…" lines before it.
    M_WALL=0 M_RSS_KB=0
    read -r M_WALL M_RSS_KB < <(awk 'NF == 2 && $1 ~ /^[0-9.]+$/ && $2 ~ /^[0-9]+$/ { l = $0 } END { print l }' "$timing" 2>/dev/null) || true
    M_WALL=${M_WALL:-0} M_RSS_KB=${M_RSS_KB:-0}
    M_REASON=""
    case "$M_RC" in
        0 | 1) return 0 ;;
        # timeout exits 124 when it had to stop the run (also when -k had to SIGKILL it).
        124) M_REASON="timeout after ${timeout_s} s" ;;
    esac
    if [[ -z "$M_REASON" ]]; then
        if grep -q 'memory allocation of .* failed\|out of memory\|Cannot allocate memory' "$err"; then
            M_REASON="out of memory (address-space cap ${mem_mb} MB)"
        elif grep -q 'overflowed its stack' "$err"; then
            M_REASON="stack overflow"
        elif grep -q 'panicked' "$err"; then
            M_REASON="panic: $(grep -m 1 -A 1 'panicked' "$err" | tr '\n' ' ' | cut -c 1-120)"
        elif ((M_RC == 137)); then
            M_REASON="killed by SIGKILL (the kernel's out-of-memory killer?)"
        elif ((M_RC > 128)); then
            M_REASON="killed by signal $((M_RC - 128))"
        else
            M_REASON="exit $M_RC: $(grep -m 1 . "$err" | cut -c 1-120 || true)"
        fi
    fi
    # Keep the table one row per shape.
    M_REASON=${M_REASON//|/\\|}
    warn "$name: $M_REASON"
    sed -n '1,5s/^/    /p' "$err" >&2
}

log "layerlint: $bin ($("$bin" --version 2>/dev/null | head -n 1 || echo 'unknown version'))"
log "per run: timeout ${timeout_s} s, address space ${mem_mb} MB$( ((${#LIMIT[@]})) || echo ' (not enforced: no prlimit)')"

printf 'FROM alpine:3.20\n' >"$WORK/baseline.Dockerfile"
baseline_kb=()
for _ in 1 2 3; do
    measure baseline "$WORK/baseline.Dockerfile"
    [[ -z "$M_REASON" ]] || die "layerlint fails on a one-line Dockerfile: $M_REASON"
    baseline_kb+=("$M_RSS_KB")
done
baseline_mb=$(printf '%s\n' "${baseline_kb[@]}" | sort -n | sed -n 2p | awk '{ printf "%.1f", $1 / 1024 }')
log "baseline peak RSS (one-line file, median of 3): ${baseline_mb} MB"

target_bytes=$(calc '%d' "$size_mb * 1048576")
declare -A BYTES WALL RSS RC REASON
for shape in "${selected[@]}"; do
    file="$WORK/$shape.Dockerfile"
    # Workflow shapes are linted as GitHub workflows, which layerlint knows by their folder.
    if [[ $shape == workflow-* ]]; then
        mkdir -p "$WORK/$shape/.github/workflows"
        file="$WORK/$shape/.github/workflows/ci.yml"
    fi
    generate "$shape" "$target_bytes" "$file" || die "generating '$shape' failed"
    BYTES[$shape]=$(wc -c <"$file")
    log "$shape: $(calc '%.2f' "${BYTES[$shape]} / 1048576") MB"
    measure "$shape" "$file"
    WALL[$shape]=$M_WALL RSS[$shape]=$M_RSS_KB RC[$shape]=$M_RC REASON[$shape]=$M_REASON
    [[ "${KEEP_WORK:-0}" == 1 ]] || rm -f "$file"
done

# ---------------------------------------------------------------- report

# One awk pass over "shape bytes wall rss_kb rc reason" lines computes every figure, the
# verdicts and the worst ratios. After a timeout or a failed allocation the run was cut
# short, so its time and memory are lower bounds (shown with ≥).
{
    for shape in "${selected[@]}"; do
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$shape" "${BYTES[$shape]}" "${WALL[$shape]}" \
            "${RSS[$shape]}" "${RC[$shape]}" "${REASON[$shape]}"
    done
} >"$WORK/results.tsv"

report() {
    awk -F'\t' -v base="$baseline_mb" -v max_t="$MAX_S_PER_MB" -v max_m="$MAX_RSS_RATIO" \
        -v min_mem="$MIN_MEM_JUDGED_MB" -v min_budget="$MIN_TIME_BUDGET" -v strict="$strict" '
        function mb(x) { return x < 0.1 ? sprintf("%.3f", x) : sprintf("%.2f", x) }
        BEGIN {
            print "| shape | input MB | wall s | s per MB | peak RSS MB | RSS ÷ input | (RSS − baseline) ÷ input | verdict |"
            print "|---|---:|---:|---:|---:|---:|---:|---|"
            worst_t = -1; worst_m = -1; over = 0; failed = 0
        }
        {
            shape = $1; in_mb = $2 / 1048576; wall = $3; rss = $4 / 1024; reason = $6
            cut = (reason ~ /^(timeout|out of memory|killed by SIGKILL)/) ? "≥ " : ""
            spm = wall / in_mb; ratio = rss / in_mb; extra = (rss - base) / in_mb
            judged_mem = in_mb >= min_mem
            # Small inputs: at least min_budget seconds (start-up is not a per-MB cost).
            budget = max_t * (in_mb > min_budget / max_t ? in_mb : min_budget / max_t)
            if (reason != "") {
                verdict = "FAILED (" reason ")"; failed++
            } else {
                bad = ""
                if (wall > budget) bad = "time"
                if (judged_mem && ratio > max_m) bad = bad (bad ? ", " : "") "memory"
                if (bad) { verdict = "OVER (" bad ")"; over++ } else verdict = "ok"
                if (!judged_mem) verdict = verdict " (memory not judged < " min_mem " MB)"
            }
            printf "| %s | %s | %s%.2f | %s%.3f | %s%.1f | %s%.1f | %s%.1f | %s |\n", shape, mb(in_mb),
                cut, wall, cut, spm, cut, rss, cut, ratio, cut, extra, verdict
            # Worst ratios: a cut-short run counts with its lower bound (and its mark).
            if (reason == "" || cut != "") {
                if (spm > worst_t) { worst_t = spm; worst_t_of = shape; worst_t_cut = cut }
                if (judged_mem && ratio > worst_m) { worst_m = ratio; worst_m_of = shape; worst_m_cut = cut }
            }
        }
        END {
            print ""
            if (worst_t >= 0) printf "Worst time: %s%.3f s per MB (%s); bound %s.\n", worst_t_cut, worst_t, worst_t_of, max_t
            if (worst_m >= 0) printf "Worst memory: %s%.1f× the input (%s); bound %s×.\n", worst_m_cut, worst_m, worst_m_of, max_m
            else printf "Worst memory: n/a (no input of %s MB or more).\n", min_mem
            printf "%d shape(s) OVER, %d FAILED, of %d.\n", over, failed, NR
            exit (strict && (over + failed) ? 1 : 0)
        }' "$WORK/results.tsv"
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
printf '## layerlint resource bounds, %s\n\n' "$(date -u +%Y-%m-%d)"
printf 'layerlint %s; %s cores (%s), load average %s. Target size %s MB per shape, `--format %s`; per run a %s s timeout' \
    "$("$bin" --version 2>/dev/null | awk '{ print $NF }' | head -n 1)" "$(nproc)" "${cpu:-unknown CPU}" \
    "$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null)" "$size_mb" "$format" "$timeout_s"
if ((${#LIMIT[@]})); then printf ' and a %s MB address-space cap' "$mem_mb"; fi
printf '. Baseline peak RSS (one-line file): %s MB.\n' "$baseline_mb"
printf 'Bounds: at most %s s per MB (at least %s s for small inputs) and a peak RSS at most %s× the input (inputs of %s MB or more).\n\n' \
    "$MAX_S_PER_MB" "$MIN_TIME_BUDGET" "$MAX_RSS_RATIO" "$MIN_MEM_JUDGED_MB"
report
