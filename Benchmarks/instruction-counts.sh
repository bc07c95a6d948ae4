#!/usr/bin/env bash
# Instructions (callgrind) and allocations (memcheck) per loop (per span for the Zipkin and
# OTLP encoders) of the benchmarks' loops, CallgrindLoops: each loop runs at two counts and the
# difference is divided by the extra iterations, which leaves out start-up. Needs valgrind
# (apt-get install -y valgrind).
#   cd Benchmarks && bash instruction-counts.sh [loop ...]   (all of them by default)
# The hostile loops (zipkin-json-hostile-tags, zipkin-json-hostile-logs, zipkin-proto-hostile-tags,
# zipkin-proto-hostile-logs; not in the default list) encode one span of HOSTILE_SIZE (9 000) tags
# or log fields per loop, 1 and 3 times: their figure is per span.
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product CallgrindLoops >/dev/null
directory=$(mktemp -d)
binary="$directory/CallgrindLoops"
# valgrind cannot read Swift's debug information: count on a copy without it.
cp "$(swift build -c release --show-bin-path)/CallgrindLoops" "$binary"
strip --strip-debug "$binary"
instructions() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$1" "$2" 2>&1 | sed -nE 's/.*Collected : ([0-9]+).*/\1/p'; }
allocations() { valgrind "$binary" "$1" "$2" 2>&1 | sed -nE 's/.*total heap usage: ([0-9,]+) allocs.*/\1/p' | tr -d ,; }
loops=("$@")
[ ${#loops[@]} -gt 0 ] || loops=(noop sampled unsampled legacy pool-off unsampled-loop context-set context-set-empty context-get context-set-specialised context-get-specialised context-format context-format-into context-parse zipkin-json zipkin-proto otlp-encode)
for name in "${loops[@]}"; do
    if [[ $name == *hostile* ]]; then small=1; large=3; extra=2; else small=2000; large=4000; extra=10000; fi
    i1=$(instructions "$name" $small); i2=$(instructions "$name" $large)
    a1=$(allocations "$name" $small); a2=$(allocations "$name" $large)
    echo "$name: $(( (i2 - i1) / extra )) instructions, $(( (a2 - a1) / extra )) allocations per loop (valgrind's count)"
done
rm -rf "$directory"
