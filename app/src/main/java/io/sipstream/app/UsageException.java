package io.sipstream.app;

/** Bad input the operator can fix (a flag, a setting, a port in use): one line on stderr and exit code 2, no trace. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
