package io.sipstream.edge.auth;

import io.sipstream.avro.Trunk;
import io.sipstream.platform.net.SourceRule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which enabled trunk a source address belongs to, by the trunks' allow-lists (entries as
 * number-registry stored them, read with the same {@link SourceRule}). Rebuilt whole whenever
 * the trunk directory changes; lookups read an immutable snapshot.
 */
public final class TrunkAllowList {
    private static final Logger log = LoggerFactory.getLogger(TrunkAllowList.class);

    private record Entry(String trunkId, SourceRule rule) {}

    private volatile List<Entry> entries = List.of();

    public void rebuild(Iterable<Trunk> trunks) {
        List<Entry> next = new ArrayList<>();
        for (Trunk t : trunks) {
            if (!t.getEnabled()) continue;
            for (String cidr : t.getAllowedCidrs()) {
                try {
                    next.add(new Entry(t.getTrunkId(), SourceRule.parse(cidr)));
                } catch (IllegalArgumentException e) {
                    log.warn("trunk {}: allow-list entry ignored: {}", t.getTrunkId(), e.getMessage());
                }
            }
        }
        // most specific first, so a pinned port or a longer prefix wins over a broad range
        next.sort(Comparator.comparing(Entry::rule, SourceRule.MOST_SPECIFIC_FIRST));
        entries = List.copyOf(next);
    }

    public Optional<String> trunkOf(String ip, int port) {
        byte[] source = SourceRule.literal(ip);
        if (source == null) return Optional.empty();
        for (Entry e : entries) if (e.rule().matches(source, port)) return Optional.of(e.trunkId());
        return Optional.empty();
    }
}
