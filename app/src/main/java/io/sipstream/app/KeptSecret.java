package io.sipstream.app;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A secret that {@code sipstream local} makes once and keeps in its data dir, in a file only its owner can read
 * (mode 600, set as the file is created, so it is never readable by others even for a moment): the key that
 * seals trunk passwords, and the admin API key when none is given, which would otherwise change at every start.
 */
record KeptSecret(Path file, String value, boolean created) {

    /** The secret in {@code file}, or {@code fresh}, written there, when the file does not exist. */
    static KeptSecret readOrCreate(Path file, String fresh) throws IOException {
        if (!Files.exists(file)) {
            try {
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException notPosix) {
                    Files.createFile(file); // Windows: the file system's ACLs apply
                }
                Files.writeString(file, fresh + "\n");
                return new KeptSecret(file, fresh, true);
            } catch (FileAlreadyExistsException raced) {
                // another start on the same data dir made it first: read theirs
            }
        }
        String kept = Files.readString(file).trim();
        if (kept.isEmpty()) throw new UsageException(file + " is empty: delete it to have a new one made");
        return new KeptSecret(file, kept, false);
    }

    @Override
    public String toString() { // never the value
        return "KeptSecret[" + file + (created ? ", created" : "") + "]";
    }
}
