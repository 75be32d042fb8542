package io.sipstream.localstack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a {@code redis-server}: the one on PATH when there is one (a distribution's build, kept
 * up to date by the OS), else the binary shipped inside the {@code com.github.codemonstur:embedded-redis}
 * jar, so a machine with only a JDK still gets a real Redis.
 */
final class RedisExecutable {
    private static final Logger log = LoggerFactory.getLogger(RedisExecutable.class);

    private RedisExecutable() {}

    static Path resolve() {
        return onPath().orElseGet(RedisExecutable::bundled);
    }

    static Optional<Path> onPath() {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) continue;
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /**
     * Copies the bundled binary for this OS and CPU out of the jar, once per machine: it lives in
     * the temp dir under its own (versioned) name and is reused while its size matches.
     */
    static Path bundled() {
        String resource = resourceName();
        URL url = RedisExecutable.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("no redis-server on PATH and " + resource
                    + " is not on the classpath (is com.github.codemonstur:embedded-redis a dependency?)");
        }
        Path target = Path.of(System.getProperty("java.io.tmpdir"), "sipstream-redis", resource);
        try {
            URLConnection connection = url.openConnection();
            long size = connection.getContentLengthLong();
            if (Files.isExecutable(target) && Files.size(target) == size) {
                connection.getInputStream().close();
                return target;
            }
            Files.createDirectories(target.getParent());
            // copy then rename: another JVM may be extracting or running the same file right now
            Path partial = Files.createTempFile(target.getParent(), resource, ".part");
            try (InputStream in = connection.getInputStream()) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            if (!partial.toFile().setExecutable(true, false)) {
                throw new IOException("cannot make " + partial + " executable");
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            log.debug("extracted {} to {}", resource, target);
            return target;
        } catch (IOException e) {
            throw new IllegalStateException("cannot extract " + resource + " to " + target + ": " + e.getMessage(), e);
        }
    }

    /** The embedded-redis 1.4.3 jar's entry for this platform. */
    private static String resourceName() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.equals("aarch64") || arch.equals("arm64");
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        if (os.contains("linux") && x64) return "redis-server-6.2.6-v5-linux-amd64";
        if (os.contains("linux") && arm) return "redis-server-6.2.7-linux-arm64";
        if (os.contains("mac") && x64) return "redis-server-6.2.6-v5-darwin-amd64";
        if (os.contains("mac") && arm) return "redis-server-6.2.6-v5-darwin-arm64";
        throw new IllegalStateException("no bundled redis-server for " + os + "/" + arch
                + ": install redis-server on PATH");
    }
}
