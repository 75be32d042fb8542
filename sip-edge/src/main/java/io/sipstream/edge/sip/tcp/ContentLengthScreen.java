package io.sipstream.edge.sip.tcp;

/**
 * Reads a connection's bytes as they arrive, before JAIN-SIP's NIO parser does, and finds a
 * Content-Length larger than the largest message the edge takes. That parser allocates the whole
 * body the moment a header block ends, whatever size it declares: one line
 * ({@code Content-Length: 2000000000}) would be an OutOfMemoryError on the thread that reads every
 * connection. Lines are matched the way that parser reads them (CRs dropped wherever they are, a
 * line starting with {@code content-length}, any letter case, then one separator, then the number); the body is
 * not told apart from the headers, which costs nothing: no body line declares gigabytes.
 * One per connection, fed in order; not thread-safe.
 */
final class ContentLengthScreen {
    private static final String NAME = "content-length";
    private static final int NAME_CHARS = 0, SEPARATOR = 1, BEFORE_VALUE = 2, VALUE = 3, AFTER_VALUE = 4, OTHER = 5;

    private final long max;
    private int state = NAME_CHARS;
    private int matched;
    private long value;

    ContentLengthScreen(int maxMessageSize) { this.max = maxMessageSize; }

    /** False when these bytes complete a Content-Length line over the limit (the connection must go before the parser sees them). */
    boolean accept(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '\r') continue; // the parser drops a CR anywhere in a line
            if (b == '\n') {
                boolean over = (state == VALUE || state == AFTER_VALUE) && value > max;
                state = NAME_CHARS;
                matched = 0;
                value = 0;
                if (over) return false;
                continue;
            }
            char c = (char) (b & 0xFF);
            switch (state) {
                case NAME_CHARS -> {
                    if (Character.toLowerCase(c) != NAME.charAt(matched)) state = OTHER;
                    else if (++matched == NAME.length()) state = SEPARATOR;
                }
                case SEPARATOR -> state = BEFORE_VALUE; // the parser skips one character, whatever it is
                case BEFORE_VALUE -> {
                    if (c >= '0' && c <= '9') {
                        state = VALUE;
                        value = c - '0';
                    } else if (c != '+' && c > ' ') {
                        state = OTHER; // not a number the parser takes ('-' is refused by it, harmlessly)
                    }
                }
                case VALUE -> {
                    if (c >= '0' && c <= '9') value = Math.min(value * 10 + (c - '0'), max + 1);
                    else state = c <= ' ' ? AFTER_VALUE : OTHER;
                }
                case AFTER_VALUE -> {
                    if (c > ' ') state = OTHER;
                }
                default -> { } // the rest of a line that is something else
            }
        }
        return true;
    }
}
