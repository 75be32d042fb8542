package io.sipstream.app;

import io.sipstream.localstack.LocalStack;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The settings of a whole stack on the local stack, on 127.0.0.1, as the end-to-end tests start it. */
final class StackSettings {

    /**
     * @param tag keeps each test class's Redis keys apart
     * @param dir state directories of router, billing and the edge journal
     */
    static Map<String, String> base(LocalStack stack, String tag, String apiKey, int sipPort, String domain, Path dir) {
        Map<String, String> v = new HashMap<>();
        v.put("kafka.bootstrap", stack.bootstrapServers());
        v.put("schema.registry.url", stack.schemaRegistryUrl());
        v.put("redis.url", stack.redisUrl());
        v.put("redis.prefix", tag + ":");
        v.put("api.key", apiKey);
        v.put("http.host", "127.0.0.1");
        v.put("http.port", "0");
        v.put("sip.host", "127.0.0.1");
        v.put("sip.port", Integer.toString(sipPort));
        v.put("sip.advertised.host", "127.0.0.1");
        v.put("sip.domain", domain);
        v.put("secrets.key", "e2e-secrets-key-0123456789abcdef");
        v.put("edge.id", "0");
        v.put("router.state.dir", dir.resolve("router-state").toString());
        v.put("billing.state.dir", dir.resolve("billing-state").toString());
        v.put("edge.journal.dir", dir.resolve("edge-journal").toString());
        // every test peer is on 127.0.0.1: the per-source limit of a public port would drop them
        v.put("edge.ratelimit.per.second", "100000");
        // these tests prove the path, not the latency: a CI machine short of CPU must not turn a slow
        // verdict into a 503 (bench/run-bench.sh measures with the default 2 s)
        v.put("edge.verdict.timeout", "10s");
        return v;
    }

    private StackSettings() {}
}
