# One image for every service: docker-compose picks the service with the command.
# Build the jar first: ./mvnw -DskipTests package
FROM eclipse-temurin:21-jre
RUN useradd --system --uid 10001 sipstream && mkdir -p /var/lib/sipstream && chown sipstream /var/lib/sipstream
COPY app/target/sipstream.jar /opt/sipstream/sipstream.jar
USER sipstream
WORKDIR /var/lib/sipstream
ENTRYPOINT ["java", "-XX:+UseZGC", "-XX:MaxRAMPercentage=70", "-jar", "/opt/sipstream/sipstream.jar"]
