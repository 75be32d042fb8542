package io.sipstream.platform.http;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * The admin server's limit on a request body, counted on the stream as the body is read, whatever
 * its framing. Javalin 6 checks only Content-Length: a chunked body has none, and was read whole
 * into memory however long. Jetty 11 has no size-limit handler (Jetty 12's SizeLimitHandler), so
 * this servlet filter wraps the request's input stream: past the limit a read throws an
 * {@link ApiException} 413, which the route's exception handling answers as JSON like any other
 * error, and Jetty closes the connection without reading the rest. A Content-Length over the limit is
 * refused before anything is read.
 *
 * <p>The limit is the route's where one is set ({@link #route}: a rate deck is megabytes), else the default.
 * It runs before Javalin matches a route, so it matches the request's path against the route templates itself.
 */
final class BodyLimit implements Filter {
    private final long defaultMaxBytes;
    private final List<RouteLimit> routes = new CopyOnWriteArrayList<>();

    BodyLimit(long defaultMaxBytes) { this.defaultMaxBytes = defaultMaxBytes; }

    /** A limit of its own for the route template {@code path} ({@code {name}} matches one path segment). */
    void route(String path, long maxBytes) {
        if (maxBytes < 1) throw new IllegalArgumentException("a body limit must be at least 1 byte");
        StringBuilder regex = new StringBuilder();
        for (String part : path.split("(?=\\{)|(?<=})")) {
            regex.append(part.startsWith("{") && part.endsWith("}") ? "[^/]+" : Pattern.quote(part));
        }
        routes.add(new RouteLimit(Pattern.compile(regex.toString()), maxBytes));
    }

    /** The limit of a request path (as sent, without the context path). */
    long limitFor(String path) {
        for (RouteLimit r : routes) if (r.path.matcher(path).matches()) return r.maxBytes;
        return defaultMaxBytes;
    }

    private record RouteLimit(Pattern path, long maxBytes) {}

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http)) {
            chain.doFilter(request, response);
            return;
        }
        String path = http.getRequestURI().substring(http.getContextPath().length());
        chain.doFilter(new Limited(http, limitFor(path)), response);
    }

    static ApiException tooLarge(long maxBytes) {
        return new ApiException(413, null, "request body is larger than " + maxBytes + " bytes");
    }

    /** The request with its body stream (and a reader over it) counted. */
    private static final class Limited extends HttpServletRequestWrapper {
        private final long maxBytes;
        private CountingStream stream;
        private BufferedReader reader;

        Limited(HttpServletRequest request, long maxBytes) {
            super(request);
            this.maxBytes = maxBytes;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (getContentLengthLong() > maxBytes) throw tooLarge(maxBytes); // no need to read what is refused anyway
            if (stream == null) stream = new CountingStream(super.getInputStream(), maxBytes);
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            if (reader == null) {
                String encoding = getCharacterEncoding();
                Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
                reader = new BufferedReader(new InputStreamReader(getInputStream(), charset));
            }
            return reader;
        }
    }

    private static final class CountingStream extends ServletInputStream {
        private final ServletInputStream in;
        private final long maxBytes;
        private long read;

        CountingStream(ServletInputStream in, long maxBytes) {
            this.in = in;
            this.maxBytes = maxBytes;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) count(1);
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) count(n);
            return n;
        }

        private void count(int n) {
            read += n;
            if (read > maxBytes) throw tooLarge(maxBytes);
        }

        @Override
        public boolean isFinished() { return in.isFinished(); }

        @Override
        public boolean isReady() { return in.isReady(); }

        @Override
        public void setReadListener(ReadListener listener) { in.setReadListener(listener); }
    }
}
