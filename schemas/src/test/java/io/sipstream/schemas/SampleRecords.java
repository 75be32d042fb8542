package io.sipstream.schemas;

import io.sipstream.avro.*;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** One filled-in record per topic, with every optional field set, so a round trip proves each field. */
final class SampleRecords {
    static final Instant T = Instant.ofEpochMilli(1_763_000_000_123L);

    static Map<Topic<?>, SpecificRecord> all() {
        RouteTarget target = RouteTarget.newBuilder().setKind(TargetKind.TRUNK).setTrunkId("t1")
                .setRequestUri("sip:+442079460018@127.0.0.1:5090;transport=udp").setFromUser("+15551230001").build();
        return Map.ofEntries(
                Map.entry(Topics.REGISTRY_ACCOUNTS, Account.newBuilder().setAccountId("alice").setDisplayName("Alice")
                        .setSipUsername("alice").setSipDomain("sipstream.local").setDefaultCallerId("+15551230001")
                        .setNumbers(List.of("+15551230001")).setOutboundTrunk("t1").setAllowedCountries(List.of("US", "GB"))
                        .setPrepaid(true).setCreditLimit(Money.parse("50")).setRateDeckId("retail").setMonthlyMinutes(1000)
                        .setDialPlan(List.of(DialPlanRule.newBuilder().setType(DialPlanRuleType.PREFIX).setPattern("011.")
                                .setStrip(3).setPrepend("+").setTrunks(List.of("t2", "t1")).build(),
                                DialPlanRule.newBuilder().setType(DialPlanRuleType.PREFIX).setPattern("44.").setRoute("uk").build()))
                        .setVersion(3).setUpdatedAt(T).build()),
                Map.entry(Topics.REGISTRY_NUMBERS, NumberAssignment.newBuilder().setNumber("+15551230001").setAccountId("alice")
                        .setRegion("US").setUpdatedAt(T).build()),
                Map.entry(Topics.REGISTRY_TRUNKS, Trunk.newBuilder().setTrunkId("t1").setHost("127.0.0.1").setPort(5090)
                        .setTransport(Transport.TCP).setAllowedCidrs(List.of("127.0.0.0/8", "::1/128"))
                        .setCallerIdFormat(CallerIdFormat.NATIONAL).setTechPrefix("99#").setFinalCodes(List.of(486, 603))
                        .setDestinations(List.of(new DestinationPattern(DestinationType.PREFIX, "44"),
                                new DestinationPattern(DestinationType.REGEX, "\\+1(212|646)\\d{7}")))
                        .setRateDeckId("carrier-t1").setUpdatedAt(T).build()),
                Map.entry(Topics.REGISTRY_ROUTES, Route.newBuilder().setRouteId("uk").setDestination(new DestinationPattern(DestinationType.PREFIX, "44"))
                        .setStrategy(RouteStrategy.WEIGHTED).setTrunks(List.of(new RouteTrunk("t1", 3), new RouteTrunk("t2", 1)))
                        .setPriority(5).setTimeOfDay(new TimeWindow(List.of("mon", "fri"), "08:00", "18:00", "Europe/London"))
                        .setVersion(4).setUpdatedAt(T).build()),
                Map.entry(Topics.REGISTRY_DIDS, DidBinding.newBuilder().setNumber("+442079460018").setTrunkId("t1").setVersion(5)
                        .setUpdatedAt(T).build()),
                Map.entry(Topics.CALL_ATTEMPTS, CallAttempt.newBuilder().setCallId("call-1").setEdgeId("edge-0").setReplyPartition(5)
                        .setDirection(Direction.OUTBOUND).setAccountId("alice").setFromUser("alice").setDialled("011442079460018")
                        .setAssertedIdentity("+15551230001").setSourceIp("127.0.0.1").setSourcePort(5062).setReceivedAt(T).build()),
                Map.entry(Topics.CALL_VERDICTS, RoutingVerdict.newBuilder().setCallId("call-1").setEdgeId("edge-0").setAccountId("alice")
                        .setAction(VerdictAction.ROUTE).setSipStatus(0).setDestination("+442079460018").setDestinationRegion("GB")
                        .setCallerId("+15551230001").setTargets(List.of(target)).setNoAnswerSeconds(20)
                        .setNoAnswerTargets(List.of(target)).setMaxDurationSeconds(3600).setAttemptReceivedAt(T).setDecidedAt(T)
                        .setQ850Cause(34).build()),
                Map.entry(Topics.CALL_EVENTS, CallEvent.newBuilder().setEventId("call-1:ENDED:0").setCallId("call-1").setAccountId("alice")
                        .setType(CallEventType.ENDED).setDirection(Direction.OUTBOUND).setTrunkId("t1").setOccurredAt(T)
                        .setStartedAt(T).setAnsweredAt(T).setEndedAt(T.plusSeconds(61)).setDurationMillis(61_000).setSipStatus(200)
                        .setHangupBy(HangupParty.CALLEE).build()),
                Map.entry(Topics.BILLING_RATES, Rate.newBuilder().setDeckId("default").setPrefix("44").setPricePerMinute(Money.parse("0.0125"))
                        .setCurrency("USD").setFirstIncrement(30).setNextIncrement(6).setConnectionFee(Money.parse("0.01")).build()),
                Map.entry(Topics.BILLING_CREDITS, CreditChange.newBuilder().setAccountId("alice").setIdempotencyKey("topup-1")
                        .setAmount(Money.parse("10.00")).setCurrency("USD").setCreatedAt(T).build()),
                Map.entry(Topics.BILLING_CDRS, RatedCdr.newBuilder().setCallId("call-1").setAccountId("alice").setDirection(Direction.OUTBOUND)
                        .setStartedAt(T).setAnsweredAt(T).setEndedAt(T.plusSeconds(61)).setDurationMillis(61_000).setBillableSeconds(66)
                        .setPricePerMinute(Money.parse("0.0125")).setConnectionFee(Money.parse("0.01")).setCost(Money.parse("0.02375"))
                        .setCurrency("USD").setDisposition(Disposition.ANSWERED).setSipStatus(200).setRatedAt(T).build()),
                Map.entry(Topics.BILLING_USAGE, Usage.newBuilder().setAccountId("alice").setPeriod(UsagePeriod.DAY).setWindowStart(T)
                        .setWindowEnd(T.plusSeconds(86_400)).setCalls(3).setAnsweredCalls(2).setBillableSeconds(120)
                        .setCost(Money.parse("0.05")).setCurrency("USD").setUpdatedAt(T).build()),
                Map.entry(Topics.BILLING_BLOCKS, BlockDecision.newBuilder().setAccountId("alice").setBlocked(true).setReason("balance spent")
                        .setBalance(Money.parse("-0.01")).setCurrency("USD").setLivePerMinute(Money.parse("0.02")).setMinutesLeft(12L)
                        .setDecidedAt(T).build()),
                Map.entry(Topics.ROUTER_TRUNK_CALLS, TrunkLoad.newBuilder().setTrunkId("t1").setLiveCalls(7).setCountedAt(T).build()),
                Map.entry(Topics.DEAD_LETTERS, DeadLetter.newBuilder().setService("router").setSourceTopic("call.attempts").setPartition(1)
                        .setOffset(42).setKey(ByteBuffer.wrap(new byte[] {1, 2})).setValue(ByteBuffer.wrap(new byte[] {3}))
                        .setReason("not Avro").setFailedAt(T).build()));
    }

    private SampleRecords() {}
}
