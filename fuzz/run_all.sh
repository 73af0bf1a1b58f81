#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after the other, one job at
# a time, and prints per target: runs, exec/s, coverage, corpus, and the crashes / timeouts /
# OOMs found (with their reproducers).
#
#   fuzz/run_all.sh SECONDS [TARGET...]
#
# Environment:
#   SANITIZER=address|none   (default address) what `cargo fuzz build` instruments with
#   SKIP_BUILD=1             use the binaries already in fuzz/target
#   FUZZ_LENIENT=1           targets skip their property checks (panics in webaudit still count)
#   EXTRA_ARGS="..."         more libFuzzer flags, e.g. "-seed=1"
#
# Layout (all git-ignored but the seeds):
#   fuzz/seeds/<target>/     committed seed corpus (read only here)
#   fuzz/corpus/<target>/    the growing corpus (new inputs are written here)
#   fuzz/artifacts/<target>/ crash-*, timeout-*, oom-* reproducers
#   fuzz/logs/<target>/      libFuzzer's output (fuzz-0.log) of the last run
#
# Works on a stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly flags.
set -u

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 SECONDS [TARGET...]" >&2
    exit 2
fi
SECONDS_PER_TARGET=$1
shift

FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$FUZZ_DIR")
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$FUZZ_DIR/target}
export RUSTC_BOOTSTRAP=1
SANITIZER=${SANITIZER:-address}
TRIPLE=x86_64-unknown-linux-gnu
BIN_DIR=$CARGO_TARGET_DIR/$TRIPLE/release

ALL_TARGETS=(html css js_scan js sourcemap image_header url size rewrite_html font analyze)
if [ $# -gt 0 ]; then
    TARGETS=("$@")
else
    TARGETS=("${ALL_TARGETS[@]}")
fi

# Longest input the fuzzer may create, per target: text parsers 1 MB; image headers 64 KB (a
# JPEG segment is at most 64 KB) and fonts 64 KB (the seeds are whole fonts up to 32 KB); URLs
# and sizes are short.
max_len() {
    case $1 in
        image_header | font) echo 65536 ;;
        url) echo 4096 ;;
        size) echo 256 ;;
        *) echo 1048576 ;;
    esac
}

dict() {
    case $1 in
        html | rewrite_html) echo "$FUZZ_DIR/dicts/html.dict" ;;
        js | js_scan) echo "$FUZZ_DIR/dicts/js.dict" ;;
        css | sourcemap | url | size | font) echo "$FUZZ_DIR/dicts/$1.dict" ;;
        *) echo "" ;;
    esac
}

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "== building (sanitizer: $SANITIZER)"
    (cd "$ROOT" && nice -n 10 cargo fuzz build -O --sanitizer "$SANITIZER") || {
        echo "build failed" >&2
        exit 1
    }
fi

# ASan: the zlib and libdeflate copies of some symbols are not a bug of ours.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0:detect_leaks=0}
export RUST_BACKTRACE=${RUST_BACKTRACE:-1}

SUMMARY=()
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for target in "${TARGETS[@]}"; do
    binary=$BIN_DIR/$target
    if [ ! -x "$binary" ]; then
        echo "no binary for $target at $binary" >&2
        SUMMARY+=("$target|-|-|-|-|-|-|not built")
        continue
    fi
    corpus=$FUZZ_DIR/corpus/$target
    artifacts=$FUZZ_DIR/artifacts/$target
    logs=$FUZZ_DIR/logs/$target
    mkdir -p "$corpus" "$artifacts" "$logs"
    rm -f "$logs"/fuzz-*.log
    dict_file=$(dict "$target")
    args=(
        -jobs=1 -workers=1
        -max_total_time="$SECONDS_PER_TARGET"
        -rss_limit_mb=2048 -timeout=10 -max_len="$(max_len "$target")"
        -print_final_stats=1
        -artifact_prefix="$artifacts/"
    )
    [ -n "$dict_file" ] && [ -f "$dict_file" ] && args+=(-dict="$dict_file")
    # shellcheck disable=SC2206
    args+=(${EXTRA_ARGS:-})
    seeds=()
    [ -d "$FUZZ_DIR/seeds/$target" ] && seeds=("$FUZZ_DIR/seeds/$target")
    echo "== $target: ${SECONDS_PER_TARGET}s (log: $logs/fuzz-0.log)"
    before=$(ls "$artifacts" | wc -l)
    # With -jobs=1 libFuzzer runs the fuzzing in one child process whose output goes to
    # fuzz-0.log in the working directory.
    (cd "$logs" && "$binary" "${args[@]}" "$corpus" "${seeds[@]}" > "$logs/parent.log" 2>&1)
    log=$logs/fuzz-0.log
    [ -f "$log" ] || log=$logs/parent.log
    runs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -ao '[0-9]*$')
    speed=$(grep -ao 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -ao '[0-9]*$')
    status=$(grep -aE '^#[0-9]+.*cov: ' "$log" | tail -1)
    cov=$(grep -ao 'cov: [0-9]*' <<<"$status" | grep -ao '[0-9]*')
    ft=$(grep -ao 'ft: [0-9]*' <<<"$status" | grep -ao '[0-9]*')
    corp=$(grep -ao 'corp: [0-9]*/[0-9]*[a-zA-Z]*' <<<"$status" | cut -d' ' -f2)
    crashes=$(grep -aE 'ERROR: (libFuzzer: (deadly signal|fuzz target exited)|AddressSanitizer)' "$log" |
        grep -cvE 'out of memory|allocation-size-too-big|requested allocation size')
    timeouts=$(grep -ac 'ERROR: libFuzzer: timeout' "$log")
    ooms=$(grep -acE 'ERROR: libFuzzer: out-of-memory|ERROR: AddressSanitizer: (out of memory|allocation-size-too-big)' "$log")
    new_artifacts=$(grep -ao 'Test unit written to [^ ]*' "$log" | cut -d' ' -f5 | tr '\n' ' ')
    after=$(ls "$artifacts" | wc -l)
    note="$new_artifacts"
    if [ "$crashes$timeouts$ooms" != 000 ]; then
        panic=$(grep -a -m1 -E "panicked at|property failed|ERROR: AddressSanitizer: [a-z-]+" "$log" | cut -c1-160)
        note="$note $panic"
        echo "   !! $target: crash/timeout/oom; reproducer(s): $new_artifacts"
        echo "   !! first error: $panic"
    fi
    SUMMARY+=("$target|${runs:-?}|${speed:-?}|${cov:-?}|${ft:-?}|${corp:-?}|${crashes}/${timeouts}/${ooms}|${note:-}")
    echo "   runs ${runs:-?}, ${speed:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, crashes/timeouts/OOMs ${crashes}/${timeouts}/${ooms}, artifacts $before -> $after"
done

echo
echo "== summary: started $STARTED, ${SECONDS_PER_TARGET}s per target, sanitizer $SANITIZER${FUZZ_LENIENT:+, FUZZ_LENIENT=$FUZZ_LENIENT}"
printf '| %-12s | %10s | %7s | %5s | %6s | %12s | %21s | %s\n' target runs exec/s cov ft corpus "crashes/timeouts/OOMs" "reproducers"
printf '|%s|\n' "--------------|------------|---------|-------|--------|--------------|-----------------------|-----------"
for row in "${SUMMARY[@]}"; do
    IFS='|' read -r t r s c f co cto note <<<"$row"
    printf '| %-12s | %10s | %7s | %5s | %6s | %12s | %21s | %s\n' "$t" "$r" "$s" "$c" "$f" "$co" "$cto" "$note"
done
