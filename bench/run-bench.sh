#!/usr/bin/env bash
# End-to-end benchmark of sipstream with SIPp: see bench/README.md.
#   bench/run-bench.sh            the full run (60 s steps; about 12 minutes)
#   bench/run-bench.sh --quick    about 2 minutes
#   bench/run-bench.sh --help     every option (rates, duration, hold, accounts, --soak, --faults)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
command -v sipp >/dev/null || { echo "sipp is not installed: apt-get install -y sip-tester" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed to drive the benchmark" >&2; exit 2; }
jar=app/target/sipstream.jar
skip_build=
for a in "$@"; do case "$a" in -h|--help|--jar|--jar=*) skip_build=1 ;; esac; done
if [[ -z "$skip_build" ]] && [[ ! -f "$jar" || -n "$(find app/src */src/main pom.xml */pom.xml -newer "$jar" -type f -print -quit 2>/dev/null)" ]]; then
  echo "building $jar"
  ./mvnw -q -DskipTests package
fi
exec python3 bench/lib/e2e_bench.py "$@"
