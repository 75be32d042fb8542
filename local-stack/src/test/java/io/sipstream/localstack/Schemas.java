package io.sipstream.localstack;

/** Small Avro schemas for the registry tests, each a step in one record's evolution. */
final class Schemas {
    private Schemas() {}

    static String call(String... extraFields) {
        StringBuilder fields = new StringBuilder("{\"name\":\"callId\",\"type\":\"string\"}");
        for (String field : extraFields) fields.append(',').append(field);
        return "{\"type\":\"record\",\"name\":\"Call\",\"namespace\":\"test\",\"fields\":[" + fields + "]}";
    }

    /** v1 of every subject in these tests. */
    static final String CALL_V1 = call();
    /** A BACKWARD-compatible step: a new field with a default. */
    static final String CALL_V2_WITH_DEFAULT = call("{\"name\":\"trunk\",\"type\":\"string\",\"default\":\"\"}");
    /** Not BACKWARD-compatible: new readers find no value for the new field in old records. */
    static final String CALL_V2_WITHOUT_DEFAULT = call("{\"name\":\"trunk\",\"type\":\"string\"}");
}
