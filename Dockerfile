# syntax=docker/dockerfile:1
# One image for every service: docker-compose picks the service with the command.
# Builds the jar itself (no JDK needed on the host): docker build -t sipstream:local .
# The cache mounts need BuildKit, Docker's builder since 23.0 and Compose v2's always.

FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY . .
# -DskipTests, not -Dmaven.test.skip: app's build needs sip-edge's test classes (its test-jar)
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -DskipTests -pl app -am package

FROM eclipse-temurin:21-jre
# curl runs the compose healthchecks (GET /healthz); the Temurin images carry it today, this keeps it if one stops
RUN command -v curl >/dev/null \
    || (apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*)
RUN useradd --system --uid 10001 sipstream && mkdir -p /var/lib/sipstream && chown sipstream /var/lib/sipstream
COPY --from=build /src/app/target/sipstream.jar /opt/sipstream/sipstream.jar
USER sipstream
WORKDIR /var/lib/sipstream
EXPOSE 8080 5060/udp 5060/tcp
# JAVA_TOOL_OPTIONS adds JVM options (heap, GC logging) without rebuilding
ENTRYPOINT ["java", "-XX:+UseZGC", "-XX:MaxRAMPercentage=70", "-jar", "/opt/sipstream/sipstream.jar"]
