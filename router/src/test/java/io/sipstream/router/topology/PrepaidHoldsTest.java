package io.sipstream.router.topology;

import static io.sipstream.router.topology.RouterDriver.account;
import static io.sipstream.router.topology.RouterDriver.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.VerdictAction;
import io.sipstream.rating.RateSnapshot;
import io.sipstream.rating.Rating;
import io.sipstream.schemas.Money;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Prepaid calls set up together share their account's balance: each routed call holds what it may
 * cost at its cap until it ends, so billing's balance (which knows a call only from its events) is
 * never promised twice. The cnxcc failure this prevents: every simultaneous call capped by the
 * whole balance, and the balance negative until the next INTERIM.
 */
class PrepaidHoldsTest {
    /** 0.60 per minute billed by the second: a balance of 0.60 is worth one minute. */
    private static final RateSnapshot RATE = new RateSnapshot("default", "1", Money.parse("0.60"), Money.ZERO, "USD", 1, 1);

    private RouterDriver d;

    @BeforeEach
    void setUp() {
        d = new RouterDriver();
        d.put(trunk("t1"));
        d.put(account("acme").setPrepaid(true));
        d.put(RouterDriver.rateRow("default", "1", "0.60").setFirstIncrement(1).setNextIncrement(1));
        d.block("acme", false, true, "0.60", "0");
    }

    @AfterEach
    void tearDown() { d.close(); }

    /** What billing charges a call that lasts its whole cap and hangs up within the safety second after it. */
    private static BigDecimal charge(RoutingVerdict routed) {
        long millis = routed.getMaxDurationSeconds() * 1000L + 999;
        return Rating.callCost(RATE, Rating.billableSeconds(millis, RATE.firstIncrement(), RATE.nextIncrement()));
    }

    /** Ten attempts of the account, all read before any event of theirs comes back. */
    private List<RoutingVerdict> tenSimultaneousCalls() {
        for (int i = 1; i <= 10; i++) {
            CallAttempt attempt = d.outbound("acme", "+15551234567").setCallId("sim-" + i).build();
            d.attempts.pipeInput("acme", attempt);
        }
        List<RoutingVerdict> verdicts = d.verdicts.readValuesToList();
        assertThat(verdicts).hasSize(10);
        return verdicts;
    }

    @Test
    void shouldShareOneMinuteOfBalanceAmongTenSimultaneousCalls() {
        List<RoutingVerdict> verdicts = tenSimultaneousCalls();

        List<RoutingVerdict> routed = verdicts.stream().filter(v -> v.getAction() == VerdictAction.ROUTE).toList();
        assertThat(routed).isNotEmpty();
        assertThat(routed).allSatisfy(v -> assertThat(v.getMaxDurationSeconds()).isNotNull().isPositive());
        BigDecimal charged = routed.stream().map(PrepaidHoldsTest::charge).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(charged).as("the caps add up to at most one minute of charges").isLessThanOrEqualTo(new BigDecimal("0.60"));
        assertThat(new BigDecimal("0.60").subtract(charged)).as("the balance after every call ran to its cap").isNotNegative();

        assertThat(verdicts).filteredOn(v -> v.getAction() == VerdictAction.REJECT).allSatisfy(v -> {
            assertThat(v.getSipStatus()).isEqualTo(402);
            assertThat(v.getReason()).contains("prepaid balance of account acme (0.600000 USD,", "held for");
        });
    }

    @Test
    void shouldFreeTheHoldWhenTheCallEnds() {
        RoutingVerdict first = d.decide(d.outbound("acme", "+15551234567"));
        assertThat(first.getMaxDurationSeconds()).isEqualTo(59);
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getSipStatus()).isEqualTo(402);

        // the first call talked 20 s: billing charged 0.20; its end frees what it held
        d.event("acme", first.getCallId(), CallEventType.ENDED);
        d.block("acme", false, true, "0.40", "0");
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getMaxDurationSeconds()).isEqualTo(39);
    }

    @Test
    void shouldFreeTheHoldOfACallThatFails() {
        RoutingVerdict first = d.decide(d.outbound("acme", "+15551234567"));
        d.event("acme", first.getCallId(), CallEventType.FAILED);
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getMaxDurationSeconds()).isEqualTo(59);
    }

    @Test
    void shouldLetAHoldLapseAfterItsCapAndTheMarginWhenTheCallsEndIsNeverReported() {
        RoutingVerdict first = d.decide(d.outbound("acme", "+15551234567"));
        d.driver.advanceWallClockTime(Duration.ofSeconds(59).plus(RouterOptions.DEFAULT_PENDING_MAX_AGE).minusSeconds(1));
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getSipStatus()).as("still held").isEqualTo(402);

        d.driver.advanceWallClockTime(Duration.ofSeconds(2));
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getMaxDurationSeconds()).isEqualTo(59);
        assertThat(first.getMaxDurationSeconds()).isEqualTo(59);
    }

    @Test
    void shouldNotHoldAnAttemptReadAgainAgainstItself() {
        CallAttempt attempt = d.outbound("acme", "+15551234567").setCallId("again").build();
        d.attempts.pipeInput("acme", attempt);
        d.attempts.pipeInput("acme", attempt); // read again after a fail-over
        assertThat(d.verdicts.readValuesToList()).extracting(RoutingVerdict::getMaxDurationSeconds).containsExactly(59, 59);
    }

    @Test
    void shouldCapEachCallAtTheLongestDurationSoALargeBalanceIsShared() {
        // 1000.00 at 0.60 a minute is 27 hours: one call capped by all of it would hold it all, and the
        // edge would hang it up after its 4 h anyway; capped at 4 h (144.01 held), six calls get 4 h each
        d.block("acme", false, true, "1000.00", "0");
        List<RoutingVerdict> verdicts = tenSimultaneousCalls();
        assertThat(verdicts.subList(0, 6)).extracting(RoutingVerdict::getMaxDurationSeconds).containsOnly(4 * 3600);
        assertThat(verdicts.get(6).getMaxDurationSeconds()).isEqualTo(13_593); // the 135.94 left
        assertThat(verdicts.subList(7, 10)).extracting(RoutingVerdict::getSipStatus).containsOnly(402);
        BigDecimal charged = verdicts.stream().filter(v -> v.getAction() == VerdictAction.ROUTE).map(PrepaidHoldsTest::charge)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(charged).isLessThanOrEqualTo(new BigDecimal("1000.00"));
    }

    @Test
    void shouldNotHoldForAPostpaidAccountOrARefusedCall() {
        var changelog = d.driver.createOutputTopic("router-test-" + RouterTopology.RESERVATIONS_STORE + "-changelog",
                new StringDeserializer(), new ByteArrayDeserializer());
        d.put(account("acme").setPrepaid(true).setMaxConcurrentCalls(1));
        d.block("acme", false, true, "1000.00", "0"); // more than one call at its longest cap holds
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getSipStatus()).as("the concurrency limit").isEqualTo(486);
        assertThat(changelog.readRecordsToList()).as("one hold, written to the changelog a restart restores it from")
                .singleElement().satisfies(r -> assertThat(r.value()).isNotNull());

        d.put(account("postpaid"));
        d.block("postpaid", false, false, "0.60", "0");
        assertThat(d.decide(d.outbound("postpaid", "+15551234567")).getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(changelog.readRecordsToList()).isEmpty();
    }

    @Test
    void shouldNotHoldForACallToAnotherAccountsPhones() {
        // a dial plan extension is not priced here: it holds nothing, and the next call has the balance
        d.put(account("acme").setPrepaid(true).setDialPlan(List.of(io.sipstream.avro.DialPlanRule.newBuilder()
                .setType(io.sipstream.avro.DialPlanRuleType.EXACT).setPattern("100").setReplace("+15551239999")
                .setTargetAccount("office").build())));
        RoutingVerdict extension = d.decide(d.outbound("acme", "100"));
        assertThat(extension.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(extension.getMaxDurationSeconds()).isNull();
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getMaxDurationSeconds()).isEqualTo(59);
    }

    @Test
    void shouldHoldTheConnectionFeeOfAFreeCall() {
        // a free destination with a fee has no cap, but each call still costs its fee
        d.put(RouterDriver.rateRow("default", "1800", "0").setConnectionFee(Money.parse("0.25")));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 3; i++) statuses.add(d.decide(d.outbound("acme", "+18005551234")).getSipStatus());
        assertThat(statuses).containsExactly(0, 0, 402); // 0.60 pays two fees of 0.25
    }
}
