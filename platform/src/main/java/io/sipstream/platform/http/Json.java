package io.sipstream.platform.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;

/** The one JSON mapper of the process, and body parsing that answers 400 instead of throwing. */
public final class Json {
    /**
     * How deep a JSON document may nest. The deepest request body is 4 levels (a dial plan rule's trunks);
     * Jackson's own default (1000) is a library choice that changes between versions, so it is set here.
     */
    public static final int MAX_NESTING_DEPTH = 64;

    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    // Jackson's default pool of parse buffers is per thread, and the edge parses an account on a new
                    // virtual thread per INVITE: each parse allocated fresh buffers. A shared pool (100 at most) reuses them.
                    .recyclerPool(JsonRecyclerPools.sharedBoundedPool())
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                    .build())
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    /** Parses a request body into a tree; an empty body is an empty object. */
    public static JsonNode parseBody(String body) {
        if (body == null || body.isBlank()) return MAPPER.createObjectNode();
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || !node.isObject()) throw ApiException.badRequest(null, "request body must be a JSON object");
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiException.badRequest(null, "request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest(null, "request body cannot be read: " + e.getMessage());
        }
    }

    private Json() {}
}
