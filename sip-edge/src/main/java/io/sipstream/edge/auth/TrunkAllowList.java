package io.sipstream.edge.auth;

import io.sipstream.avro.Trunk;
import io.sipstream.platform.net.SourceRule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which enabled trunk a source address belongs to, by the trunks' allow-lists (entries as
 * number-registry stored them, read with the same {@link SourceRule}). Rebuilt whole whenever
 * the trunk directory changes; lookups read an immutable snapshot. A dotted-quad source is
 * matched without allocating: every SIP request asks (its limits depend on it).
 *
 * <p>An entry wider than one provider ({@link SourceRule#wide()}) would make nearly every source an
 * unauthenticated trunk. The registry refuses one unless the trunk says {@code allowAnySource};
 * one that arrives without it anyway (data written before the registry checked) is ignored here
 * with a warning, and one that is meant is kept with a warning at every start.
 */
public final class TrunkAllowList {
    private static final Logger log = LoggerFactory.getLogger(TrunkAllowList.class);

    private record Entry(String trunkId, SourceRule rule) {}

    private volatile List<Entry> entries = List.of();
    private volatile Entry[] ipv4 = new Entry[0];
    private Set<String> warned = Set.of(); // the wide entries warned about, so an unchanged one is not warned again

    public synchronized void rebuild(Iterable<Trunk> trunks) {
        List<Entry> next = new ArrayList<>();
        Set<String> wide = new HashSet<>();
        for (Trunk t : trunks) {
            if (!t.getEnabled()) continue;
            for (String cidr : t.getAllowedCidrs()) {
                SourceRule rule;
                try {
                    rule = SourceRule.parse(cidr);
                } catch (IllegalArgumentException e) {
                    log.warn("trunk {}: allow-list entry ignored: {}", t.getTrunkId(), e.getMessage());
                    continue;
                }
                if (rule.wide()) {
                    String key = t.getTrunkId() + " " + rule + " " + t.getAllowAnySource();
                    wide.add(key);
                    boolean fresh = !warned.contains(key);
                    if (!t.getAllowAnySource()) {
                        if (fresh) {
                            log.warn("trunk {}: allow-list entry {} ignored: it is wider than one provider's addresses and the "
                                    + "trunk does not say allowAnySource (list the provider's addresses instead)", t.getTrunkId(), rule);
                        }
                        continue;
                    }
                    if (fresh) {
                        log.warn("trunk {}: every source in {} calls in as this trunk without authenticating (allowAnySource)",
                                t.getTrunkId(), rule);
                    }
                }
                next.add(new Entry(t.getTrunkId(), rule));
            }
        }
        warned = wide;
        // most specific first, so a pinned port or a longer prefix wins over a broad range
        next.sort(Comparator.comparing(Entry::rule, SourceRule.MOST_SPECIFIC_FIRST));
        entries = List.copyOf(next);
        ipv4 = next.stream().filter(e -> !e.rule().ipv6()).toArray(Entry[]::new);
    }

    public Optional<String> trunkOf(String ip, int port) { return Optional.ofNullable(trunkIdOf(ip, port)); }

    /** The trunk this source belongs to, or null. */
    public String trunkIdOf(String ip, int port) {
        long v4 = SourceRule.ipv4(ip);
        if (v4 >= 0) {
            for (Entry e : ipv4) if (e.rule().matchesIpv4(v4, port)) return e.trunkId();
            return null;
        }
        byte[] source = SourceRule.literal(ip);
        if (source == null) return null;
        for (Entry e : entries) if (e.rule().matches(source, port)) return e.trunkId();
        return null;
    }
}
