#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/, not versioned) with real-world
# Dockerfiles and BuildKit's parser test files. Safe to run again: files are named by
# content hash, so nothing is duplicated.
set -euo pipefail

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shared="$fuzz_dir/../../shared"

sources=()
for dir in "$shared/corpus" "$shared/conformance"; do
    if [[ -d "$dir" ]]; then
        sources+=("$dir")
    else
        echo "seed.sh: $dir not found, skipped" >&2
    fi
done
if [[ ${#sources[@]} -eq 0 ]]; then
    echo "seed.sh: no seed sources found" >&2
    exit 1
fi

for target in parse shell lint; do
    mkdir -p "$fuzz_dir/corpus/$target"
done

count=0
while IFS= read -r -d '' file; do
    name="$(sha1sum "$file" | cut -d' ' -f1)"
    for target in parse shell lint; do
        cp "$file" "$fuzz_dir/corpus/$target/$name"
    done
    count=$((count + 1))
done < <(find "${sources[@]}" -type f \
    \( -name 'Dockerfile*' -o -name '*.Dockerfile' -o -name '*.dockerfile' \
       -o -name 'Containerfile*' -o -path '*/testfiles*/*' \) \
    ! -name '*.md' ! -name 'result' -print0)

# The shell target also gets the text of every single-line RUN, as the analyser sees it.
find "${sources[@]}" -type f -name 'Dockerfile*' -print0 \
    | xargs -0 grep -h -i '^RUN [^\\]*$' 2>/dev/null \
    | sed 's/^[Rr][Uu][Nn] //' \
    | sort -u \
    | awk -v dir="$fuzz_dir/corpus/shell" '{ f = dir "/run-" NR; printf "%s", $0 > f; close(f) }'

echo "seeded $count files into fuzz/corpus/{parse,shell,lint}"
