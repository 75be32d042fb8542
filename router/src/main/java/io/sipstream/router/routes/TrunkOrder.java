package io.sipstream.router.routes;

import io.sipstream.avro.Route;
import io.sipstream.avro.RouteTrunk;
import io.sipstream.avro.Trunk;
import io.sipstream.rating.RateLookup;
import io.sipstream.rating.RateSnapshot;
import io.sipstream.rating.Rating;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The order in which a route's trunks are tried for one call:
 * <ul>
 *   <li>ORDERED: as listed;</li>
 *   <li>WEIGHTED: a draw by weight for the first, then among the rest for the second, and so on
 *       (failover continues in a weighted order). The draw is seeded by the call id, so a call asked
 *       about twice gets one answer, and over many calls each trunk comes first by its share;</li>
 *   <li>LCR: by what the first minute to the destination costs in each trunk's own rate deck
 *       (the carrier's price, {@link Rating#firstMinuteCost}), cheapest first, ties as listed;
 *       a trunk without a deck or without a rate for the destination is skipped. Costs are compared
 *       in the currency of the first priced trunk as listed; trunks priced in another currency come
 *       after those, as listed (one route's carrier decks should share a currency).</li>
 * </ul>
 */
public final class TrunkOrder {

    /** The trunk ids in the order to try, and why any were left out. */
    public record Ordered(List<String> trunkIds, List<String> skipped) {}

    private TrunkOrder() {}

    /**
     * @param trunks the registry's trunks by id (null: unknown; those stay in the order for the caller to report)
     * @param rates  the carrier decks' lookup (billing.rates)
     */
    public static Ordered of(Route route, String e164, String callId, Function<String, Trunk> trunks, RateLookup rates) {
        List<RouteTrunk> listed = route.getTrunks();
        return switch (route.getStrategy()) {
            case ORDERED -> new Ordered(listed.stream().map(RouteTrunk::getTrunkId).toList(), List.of());
            case WEIGHTED -> new Ordered(weighted(listed, callId), List.of());
            case LCR -> leastCost(listed, e164, trunks, rates);
        };
    }

    static List<String> weighted(List<RouteTrunk> listed, String callId) {
        List<RouteTrunk> left = new ArrayList<>(listed);
        List<String> out = new ArrayList<>(listed.size());
        SplittableRandom random = new SplittableRandom(seed(callId));
        while (!left.isEmpty()) {
            long total = 0;
            for (RouteTrunk t : left) total += Math.max(1, t.getWeight());
            long draw = random.nextLong(total);
            int i = 0;
            for (; i < left.size() - 1; i++) {
                draw -= Math.max(1, left.get(i).getWeight());
                if (draw < 0) break;
            }
            out.add(left.remove(i).getTrunkId());
        }
        return out;
    }

    private static Ordered leastCost(List<RouteTrunk> listed, String e164, Function<String, Trunk> trunks, RateLookup rates) {
        record Priced(String trunkId, int index, RateSnapshot rate, BigDecimal cost) {}
        List<Priced> priced = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < listed.size(); i++) {
            String id = listed.get(i).getTrunkId();
            Trunk trunk = trunks.apply(id);
            if (trunk == null) {
                unknown.add(id); // reported as unknown by the caller
                continue;
            }
            if (trunk.getRateDeckId() == null || trunk.getRateDeckId().isBlank()) {
                skipped.add("trunk " + id + " has no rate deck");
                continue;
            }
            RateSnapshot rate = rates.inDeck(trunk.getRateDeckId(), e164);
            if (rate == null) {
                skipped.add("trunk " + id + " has no rate for " + e164 + " in deck '" + trunk.getRateDeckId() + "'");
                continue;
            }
            priced.add(new Priced(id, i, rate, Rating.firstMinuteCost(rate)));
        }
        String currency = priced.isEmpty() ? null : priced.getFirst().rate().currency();
        List<String> order = new ArrayList<>(priced.stream()
                .filter(p -> p.rate().currency().equals(currency))
                .sorted(Comparator.comparing(Priced::cost).thenComparingInt(Priced::index))
                .map(Priced::trunkId).toList());
        priced.stream().filter(p -> !p.rate().currency().equals(currency)).map(Priced::trunkId).forEach(order::add);
        order.addAll(unknown);
        return new Ordered(order, skipped);
    }

    /** A call id's 64-bit seed (FNV-1a): stable across JVMs, unlike a random seed, and spread unlike String.hashCode. */
    private static long seed(String callId) {
        long h = 0xcbf29ce484222325L;
        String s = callId == null ? "" : callId;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
