#!/usr/bin/env bash
# Instructions (callgrind) and allocations (memcheck) per loop (per span for the Zipkin
# encoders) of the benchmarks' loops, CallgrindLoops: each loop runs at two counts and the
# difference is divided by the extra iterations, which leaves out start-up. Needs valgrind
# (apt-get install -y valgrind).
#   cd Benchmarks && bash instruction-counts.sh [loop ...]   (all of them by default)
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
[ ${#loops[@]} -gt 0 ] || loops=(noop sampled unsampled legacy context-set context-set-empty context-get context-set-specialised context-get-specialised zipkin-json zipkin-proto)
for name in "${loops[@]}"; do
    i1=$(instructions "$name" 2000); i2=$(instructions "$name" 4000)
    a1=$(allocations "$name" 2000); a2=$(allocations "$name" 4000)
    echo "$name: $(( (i2 - i1) / 10000 )) instructions, $(( (a2 - a1) / 10000 )) allocations per loop (valgrind's count)"
done
rm -rf "$directory"
