package io.sipstream.registry.publish;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallerIdFormat;
import io.sipstream.avro.DialPlanRule;
import io.sipstream.avro.DialPlanRuleType;
import io.sipstream.avro.DestinationPattern;
import io.sipstream.avro.DestinationType;
import io.sipstream.avro.DidBinding;
import io.sipstream.avro.DiversionHeader;
import io.sipstream.avro.NumberAssignment;
import io.sipstream.avro.Route;
import io.sipstream.avro.RouteStrategy;
import io.sipstream.avro.RouteTrunk;
import io.sipstream.avro.TimeWindow;
import io.sipstream.avro.Transport;
import io.sipstream.avro.Trunk;
import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.platform.accounts.DialRule;
import io.sipstream.registry.store.Destination;
import io.sipstream.registry.store.DidDoc;
import io.sipstream.registry.store.NumberDoc;
import io.sipstream.registry.store.RouteDoc;
import io.sipstream.registry.store.OutboxEntry;
import io.sipstream.registry.store.RegistryStore;
import io.sipstream.registry.store.TrunkDoc;
import io.sipstream.schemas.Money;
import io.sipstream.schemas.Topics;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.apache.avro.specific.SpecificRecord;

/** The registry's stored documents as the Avro records of the registry topics. No secret has a field here. */
public final class AvroRecords {

    /** The record of an outbox entry; null for a tombstone. */
    public static SpecificRecord of(OutboxEntry entry, String sipDomain) {
        if (entry.tombstone()) return null;
        String topic = entry.topic();
        if (topic.equals(Topics.REGISTRY_ACCOUNTS.name())) {
            return account(RegistryStore.decode(entry.value().toString(), AccountDoc.class), sipDomain);
        }
        if (topic.equals(Topics.REGISTRY_NUMBERS.name())) {
            return number(RegistryStore.decode(entry.value().toString(), NumberDoc.class));
        }
        if (topic.equals(Topics.REGISTRY_TRUNKS.name())) {
            return trunk(RegistryStore.decode(entry.value().toString(), TrunkDoc.class));
        }
        if (topic.equals(Topics.REGISTRY_ROUTES.name())) {
            return route(RegistryStore.decode(entry.value().toString(), RouteDoc.class));
        }
        if (topic.equals(Topics.REGISTRY_DIDS.name())) {
            return did(RegistryStore.decode(entry.value().toString(), DidDoc.class));
        }
        throw new IllegalArgumentException("outbox entry " + entry.seq() + " names topic '" + topic + "', not a registry topic");
    }

    public static Account account(AccountDoc d, String sipDomain) {
        return Account.newBuilder()
                .setAccountId(d.id())
                .setDisplayName(d.displayName() == null ? "" : d.displayName())
                .setEnabled(d.enabled())
                .setSipUsername(d.sipUsername())
                .setSipDomain(sipDomain)
                .setRegion(d.region())
                .setDefaultCallerId(d.defaultCallerId())
                .setNumbers(List.copyOf(d.numbers()))
                .setOutboundTrunk(d.outboundTrunk())
                .setOutboundHost(d.outboundHost())
                .setAllowedCountries(List.copyOf(d.allowedCountries()))
                .setMaxConcurrentCalls(d.maxConcurrentCalls())
                .setMaxCallsPerSecond(d.maxCallsPerSecond())
                .setPrepaid(d.prepaid())
                .setCreditLimit(d.creditLimit() == null ? null : Money.of(new BigDecimal(d.creditLimit())))
                .setAllowUnratedCalls(d.allowUnratedCalls())
                .setCurrency(d.currency() == null ? "USD" : d.currency())
                .setRateDeckId(d.rateDeckId())
                .setMonthlyMinutes(d.monthlyMinutes())
                .setForwardTarget(d.forwardTarget())
                .setNoAnswerTarget(d.noAnswerTarget())
                .setNoAnswerSeconds(d.noAnswerSeconds())
                .setBusyTarget(d.busyTarget())
                .setUnavailableTarget(d.unavailableTarget())
                .setFailureTarget(d.failureTarget())
                .setDialPlan(d.dialPlan().stream().map(AvroRecords::rule).toList())
                .setVersion(d.version())
                .setUpdatedAt(instant(d.updatedAt()))
                .setEmergencyTrunk(d.emergencyTrunk())
                .build();
    }

    static DialPlanRule rule(DialRule r) {
        return DialPlanRule.newBuilder()
                .setType(DialPlanRuleType.valueOf(r.type().toUpperCase(Locale.ROOT)))
                .setPattern(r.pattern())
                .setStrip(r.strip())
                .setPrepend(r.prepend())
                .setReplace(r.replace())
                .setTrunks(List.copyOf(r.trunks()))
                .setTargetAccount(r.targetAccount())
                .setRejectStatus(r.reject())
                .setRoute(r.route())
                .build();
    }

    public static NumberAssignment number(NumberDoc d) {
        return NumberAssignment.newBuilder().setNumber(d.number()).setAccountId(d.accountId()).setRegion(d.region())
                .setVersion(d.version()).setUpdatedAt(instant(d.updatedAt())).build();
    }

    public static Trunk trunk(TrunkDoc d) {
        return Trunk.newBuilder()
                .setTrunkId(d.id())
                .setHost(d.host())
                .setPort(d.port())
                .setTransport(Transport.valueOf(d.transport().toUpperCase(Locale.ROOT)))
                .setEnabled(d.enabled())
                .setAllowedCidrs(List.copyOf(d.allowedCidrs()))
                .setAllowAnySource(d.allowAnySource())
                .setCallerIdFormat(CallerIdFormat.valueOf(d.callerIdFormat().toUpperCase(Locale.ROOT)))
                .setTechPrefix(d.techPrefix())
                .setMaxChannels(d.maxChannels())
                .setAllowRefer(d.allowRefer())
                .setAllowRedirect(d.allowRedirect())
                .setFinalCodes(List.copyOf(d.finalCodes()))
                .setRegister(d.register())
                .setHasCredentials(d.hasCredentials())
                .setOptionsInterval(d.optionsInterval())
                .setVersion(d.version())
                .setUpdatedAt(instant(d.updatedAt()))
                .setDestinations(d.destinations().stream().map(AvroRecords::destination).toList())
                .setRateDeckId(d.rateDeckId())
                .setDiversionHeader(DiversionHeader.valueOf(d.diversionHeader().toUpperCase(Locale.ROOT).replace('-', '_')))
                .setMedia(d.media())
                .build();
    }

    public static Route route(RouteDoc d) {
        RouteDoc.TimeWindow w = d.timeOfDay();
        return Route.newBuilder()
                .setRouteId(d.id())
                .setDestination(destination(d.destination()))
                .setStrategy(RouteStrategy.valueOf(d.strategy().toUpperCase(Locale.ROOT)))
                .setTrunks(d.trunks().stream().map(t -> new RouteTrunk(t.trunk(), t.weight() == null ? 1 : t.weight())).toList())
                .setPriority(d.priority())
                .setEnabled(d.enabled())
                .setTimeOfDay(w == null ? null : new TimeWindow(List.copyOf(w.days()), w.from(), w.to(), w.zone()))
                .setVersion(d.version())
                .setUpdatedAt(instant(d.updatedAt()))
                .build();
    }

    public static DidBinding did(DidDoc d) {
        return DidBinding.newBuilder().setNumber(d.number()).setTrunkId(d.trunk()).setVersion(d.version())
                .setUpdatedAt(instant(d.updatedAt())).build();
    }

    static DestinationPattern destination(Destination d) {
        return new DestinationPattern(DestinationType.valueOf(d.type().toUpperCase(Locale.ROOT)), d.pattern());
    }

    private static Instant instant(Instant i) { return i == null ? Instant.EPOCH : i; }

    private AvroRecords() {}
}
