#!/usr/bin/env sh
# Router verdict throughput and latency through the embedded broker (see docs/performance.md).
# Usage: bench/router-bench.sh [--attempts=200000] [--rate=1000] [--seconds=30] [--threads=N]
# JVM options: BENCH_JAVA_OPTS (default "-Xmx2g -XX:+UseParallelGC").
set -e
cd "$(dirname "$0")/.."
./mvnw -B -q -pl router,bench install -DskipTests
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" ${BENCH_JAVA_OPTS:--Xmx2g -XX:+UseParallelGC} -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  io.sipstream.bench.router.RouterThroughputBench "$@"
