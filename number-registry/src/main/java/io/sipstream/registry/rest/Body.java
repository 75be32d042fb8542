package io.sipstream.registry.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Json;
import io.sipstream.schemas.Money;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A JSON request object read field by field, so that every error names its field: an unknown
 * field or a value of the wrong JSON type is a 400; what the value means is checked by the caller (422).
 */
public final class Body {
    private final ObjectNode node;
    private final String path;

    private Body(ObjectNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /** Parses a request body (empty means {}) and refuses fields outside {@code allowed}. */
    public static Body parse(String text, Set<String> allowed) {
        return of((ObjectNode) Json.parseBody(text), "", allowed);
    }

    /** A nested object, its fields reported as {@code path.field}. */
    public static Body of(JsonNode node, String path, Set<String> allowed) {
        if (node == null || !node.isObject()) throw ApiException.badRequest(path.isEmpty() ? null : path, "must be a JSON object");
        ObjectNode object = (ObjectNode) node;
        Iterator<String> names = object.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw ApiException.badRequest(qualify(path, name), "unknown field '" + name + "' (known: "
                        + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
        return new Body(object, path);
    }

    public String field(String name) { return qualify(path, name); }

    private static String qualify(String path, String name) { return path.isEmpty() ? name : path + "." + name; }

    /** Present with a non-null value. */
    public boolean has(String name) {
        JsonNode v = node.get(name);
        return v != null && !v.isNull();
    }

    public JsonNode raw(String name) { return node.get(name); }

    public String string(String name) {
        if (!has(name)) return null;
        JsonNode v = node.get(name);
        if (!v.isTextual()) throw ApiException.badRequest(field(name), "must be a string");
        return v.asText();
    }

    public String requiredString(String name) {
        String s = string(name);
        if (s == null) throw ApiException.badRequest(field(name), "is required");
        return s;
    }

    public Boolean bool(String name) {
        if (!has(name)) return null;
        JsonNode v = node.get(name);
        if (!v.isBoolean()) throw ApiException.badRequest(field(name), "must be true or false");
        return v.asBoolean();
    }

    public boolean bool(String name, boolean fallback) {
        Boolean b = bool(name);
        return b == null ? fallback : b;
    }

    public Integer integer(String name) {
        if (!has(name)) return null;
        return integerValue(node.get(name), field(name));
    }

    /** A whole number within min..max (422 outside). */
    public Integer integer(String name, int min, int max) {
        Integer i = integer(name);
        if (i != null && (i < min || i > max)) {
            throw ApiException.unprocessable(field(name), "must be between " + min + " and " + max + ", not " + i);
        }
        return i;
    }

    /**
     * An amount given as a string ("10.50") or a JSON number, at the scale it was given, within what
     * the schemas hold ({@link Money}: 6 decimals, below 10^13), else 422. Digits and exponent are
     * checked before the value is converted or printed: a JSON 1e999999999 has a billion-digit plain form.
     */
    public BigDecimal amount(String name) {
        if (!has(name)) return null;
        JsonNode v = node.get(name);
        if (!v.isNumber() && !v.isTextual()) throw ApiException.badRequest(field(name), "must be a decimal string such as \"100.00\"");
        try {
            return v.isNumber() ? Money.check(v.decimalValue()) : Money.read(v.asText());
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable(field(name), e.getMessage());
        }
    }

    public List<String> strings(String name) {
        if (!has(name)) return null;
        JsonNode v = node.get(name);
        if (!v.isArray()) throw ApiException.badRequest(field(name), "must be an array of strings");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) throw ApiException.badRequest(field(name) + "[" + i + "]", "must be a string");
            out.add(v.get(i).asText());
        }
        return out;
    }

    public List<Integer> integers(String name) {
        if (!has(name)) return null;
        JsonNode v = node.get(name);
        if (!v.isArray()) throw ApiException.badRequest(field(name), "must be an array of whole numbers");
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) out.add(integerValue(v.get(i), field(name) + "[" + i + "]"));
        return out;
    }

    /** The elements of an array of objects. */
    public List<JsonNode> objects(String name) {
        if (!has(name)) return null;
        JsonNode v = node.get(name);
        if (!v.isArray()) throw ApiException.badRequest(field(name), "must be an array");
        List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return out;
    }

    private static int integerValue(JsonNode v, String field) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            if (v.isNumber() && !v.isIntegralNumber()) throw ApiException.badRequest(field, "must be a whole number");
            if (v.isIntegralNumber()) throw ApiException.unprocessable(field, "is out of range");
            throw ApiException.badRequest(field, "must be a number");
        }
        return v.asInt();
    }
}
