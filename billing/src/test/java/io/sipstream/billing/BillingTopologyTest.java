package io.sipstream.billing;

import static io.sipstream.billing.BillingDriver.money;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Disposition;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BillingTopologyTest {
    private BillingDriver billing;

    @BeforeEach
    void start() {
        billing = new BillingDriver();
    }

    @AfterEach
    void stop() {
        billing.close();
    }

    @Test
    void shouldBillFirstIncrementThenNextIncrementsRoundingUp() {
        billing.rate("default", "1", "0.60", 60, 60);
        billing.rate("default", "44", "0.60", 30, 6);
        billing.rate("default", "49", "0.60", 1, 1);

        billing.call("acme", "c1", "+15551234567").talk(61_000);
        billing.call("acme", "c2", "+447700900123").talk(31_000);
        billing.call("acme", "c3", "+4930123456").talk(61_200);
        billing.call("acme", "c4", "+4930123456").talk(400);

        assertThat(billing.cdr("c1").getBillableSeconds()).isEqualTo(120);
        assertThat(billing.cdr("c1").getCost()).isEqualTo(money("1.20"));
        assertThat(billing.cdr("c2").getBillableSeconds()).isEqualTo(36);
        assertThat(billing.cdr("c2").getCost()).isEqualTo(money("0.36"));
        assertThat(billing.cdr("c3").getBillableSeconds()).isEqualTo(62);
        assertThat(billing.cdr("c3").getCost()).isEqualTo(money("0.62"));
        assertThat(billing.cdr("c4").getBillableSeconds()).isEqualTo(1);
        assertThat(billing.cdr("c4").getCost()).isEqualTo(money("0.01"));
        assertThat(billing.cdr("c1").getDisposition()).isEqualTo(Disposition.ANSWERED);
        assertThat(billing.cdr("c1").getCurrency()).isEqualTo("USD");
    }

    @Test
    void shouldTakeCallerIdAndDestinationFromTheRoutedEventsNotTheAttempt() {
        billing.rate("default", "1", "0.60", 60, 60);
        var call = billing.call("acme", "c9", "+15551234567");
        // ATTEMPT goes out before the router has chosen a caller ID or normalised the number: what it
        // carries (here an older edge's From user and raw dial string) must not stick to the CDR
        billing.send(call.event(CallEventType.ATTEMPT, 0, 0).setCallerId("alice").setDestination("5551234567").build());
        billing.send(call.answered(5));
        billing.send(call.ended(10_000, 200, HangupParty.CALLER));

        assertThat(billing.cdr("c9").getCallerId()).isEqualTo("+15551230001");
        assertThat(billing.cdr("c9").getDestination()).isEqualTo("+15551234567");
    }

    @Test
    void shouldKeepAnAnchoredCallsMediaDiagnosticsInItsCdr() {
        billing.rate("default", "1", "0.60", 60, 60);
        var call = billing.call("acme", "m1", "+15551234567");
        billing.send(call.answered(5));
        io.sipstream.avro.CallMedia media = io.sipstream.avro.CallMedia.newBuilder().setVerdict("ONE_WAY").setRelay("udp:127.0.0.1:2223")
                .setStreams(java.util.List.of(io.sipstream.avro.MediaStream.newBuilder().setSide("caller").setAnnounced("10.0.0.5:4000")
                        .setSource("203.0.113.7:4000").setPacketsReceived(250).setBytesReceived(43_000).build()))
                .build();
        CallEvent ended = call.ended(10_000, 200, HangupParty.CALLER);
        ended.setMedia(media);
        billing.send(ended);

        assertThat(billing.cdr("m1").getMedia()).isEqualTo(media);
        billing.call("acme", "m2", "+15551234567").talk(10_000); // its media passed end to end: none
        assertThat(billing.cdr("m2").getMedia()).isNull();
    }

    @Test
    void shouldRateByLongestPrefixOfTheAccountsOwnDeckThenDefault() {
        billing.rate("default", "44", "0.10", 1, 1);
        billing.rate("default", "447", "0.20", 1, 1);
        billing.rate("default", "4477", "0.30", 1, 1);
        billing.rate("vip", "447", "0.05", 1, 1);
        billing.account(BillingDriver.account("vip-customer").setRateDeckId("vip"));

        billing.call("acme", "a1", "+447712345678").talk(60_000);
        billing.call("acme", "a2", "+447612345678").talk(60_000);
        billing.call("acme", "a3", "+441234567890").talk(60_000);
        billing.call("vip-customer", "v1", "+447712345678").talk(60_000);
        billing.call("vip-customer", "v2", "+441234567890").talk(60_000);

        assertThat(billing.cdr("a1").getRatePrefix()).isEqualTo("4477");
        assertThat(billing.cdr("a1").getCost()).isEqualTo(money("0.30"));
        assertThat(billing.cdr("a2").getRatePrefix()).isEqualTo("447");
        assertThat(billing.cdr("a3").getRatePrefix()).isEqualTo("44");
        assertThat(billing.cdr("v1").getDeckId()).isEqualTo("vip");
        assertThat(billing.cdr("v1").getCost()).isEqualTo(money("0.05"));
        assertThat(billing.cdr("v2").getDeckId()).isEqualTo("default");
        assertThat(billing.cdr("v2").getCost()).isEqualTo(money("0.10"));
    }

    @Test
    void shouldChargeTheConnectionFeeOnlyOnAnsweredCalls() {
        billing.rate("default", "1", "0.012", "USD", 6, 6, "0.05");
        billing.call("acme", "answered", "+15551234567").talk(10_000);
        var unanswered = billing.call("acme", "busy", "+15551234567");
        billing.send(unanswered.attempt());
        billing.send(unanswered.failed(486));

        RatedCdr answered = billing.cdr("answered");
        assertThat(answered.getBillableSeconds()).isEqualTo(12);
        assertThat(answered.getConnectionFee()).isEqualTo(money("0.05"));
        assertThat(answered.getCost()).isEqualTo(money("0.0524")); // 0.012 * 12 / 60 + 0.05
        RatedCdr busy = billing.cdr("busy");
        assertThat(busy.getDisposition()).isEqualTo(Disposition.BUSY);
        assertThat(busy.getCost()).isEqualTo(money("0"));
        assertThat(busy.getConnectionFee()).isEqualTo(money("0"));
        assertThat(busy.getSipStatus()).isEqualTo(486);
    }

    @Test
    void shouldWriteZeroCostCdrsWithTheDispositionOfUnansweredCalls() {
        billing.rate("default", "1", "0.60", 60, 60);
        String[][] cases = {{"n487", "487", "SYSTEM"}, {"n480", "480", "CALLEE"}, {"n408", "408", "SYSTEM"},
                {"b600", "600", "CALLEE"}, {"cancel", "487", "CALLER"}, {"f503", "503", "CALLEE"}};
        for (String[] c : cases) {
            var call = billing.call("acme", c[0], "+15551234567");
            billing.send(call.attempt());
            billing.send(call.ended(0, Integer.parseInt(c[1]), HangupParty.valueOf(c[2])));
        }
        assertThat(billing.cdr("n487").getDisposition()).isEqualTo(Disposition.NO_ANSWER);
        assertThat(billing.cdr("n480").getDisposition()).isEqualTo(Disposition.NO_ANSWER);
        assertThat(billing.cdr("n408").getDisposition()).isEqualTo(Disposition.NO_ANSWER);
        assertThat(billing.cdr("b600").getDisposition()).isEqualTo(Disposition.BUSY);
        assertThat(billing.cdr("cancel").getDisposition()).isEqualTo(Disposition.CANCELLED);
        assertThat(billing.cdr("f503").getDisposition()).isEqualTo(Disposition.FAILED);
        assertThat(billing.cdrs()).allSatisfy(cdr -> {
            assertThat(cdr.getCost()).isEqualTo(money("0"));
            assertThat(cdr.getBillableSeconds()).isZero();
            assertThat(cdr.getAnsweredAt()).isNull();
        });
        assertThat(billing.block("acme").getBalance()).isEqualTo(money("0"));
    }

    @Test
    void shouldRateAnEmergencyCallAtZeroWhateverTheDeckSaysAndMarkItsCdr() {
        billing.rate("default", "9", "5.00", "USD", 60, 60, "1.00"); // a deck that would price 911 dearly
        billing.rate("default", "1", "0.60", 60, 60);
        billing.account(BillingDriver.account("acme").setPrepaid(true));
        billing.credit("acme", "1.00", "USD", "topup-1");

        var call = billing.call("acme", "sos", "911");
        billing.send(call.attempt()); // sent before the verdict: not yet known as an emergency call
        billing.send(call.event(CallEventType.ANSWERED, 0, 5).setAnsweredAt(call.answeredAt = BillingDriver.T0.plusSeconds(5)).setEmergency(true).build());
        billing.send(CallEvent.newBuilder(call.ended(300_000, 200, HangupParty.CALLER)).setEmergency(true).build());

        RatedCdr cdr = billing.cdr("sos");
        assertThat(cdr.getEmergency()).isTrue();
        assertThat(cdr.getCost()).isEqualByComparingTo(money("0.000000"));
        assertThat(cdr.getConnectionFee()).isEqualByComparingTo(money("0.000000"));
        assertThat(cdr.getPricePerMinute()).isEqualByComparingTo(money("0.000000"));
        assertThat(cdr.getDeckId()).isNull();
        assertThat(cdr.getDestination()).isEqualTo("911");
        assertThat(cdr.getDisposition()).isEqualTo(Disposition.ANSWERED);
        assertThat(billing.block("acme").getBalance()).isEqualByComparingTo(money("1.00"));

        // the same account's ordinary call is rated as before
        billing.call("acme", "c1", "+15551234567").talk(30_000);
        assertThat(billing.cdr("c1").getEmergency()).isFalse();
        assertThat(billing.cdr("c1").getCost()).isEqualByComparingTo(money("0.60"));
    }

    @Test
    void shouldKeepTheBalanceAsCreditsMinusCostAndApplyAnIdempotencyKeyOnce() {
        billing.rate("default", "1", "0.60", 60, 60);
        billing.account(BillingDriver.account("acme").setPrepaid(true));
        billing.credit("acme", "10.00", "USD", "topup-1");
        billing.credit("acme", "10.00", "USD", "topup-1"); // the same top-up again
        billing.credit("acme", "2.50", "USD", "topup-2");
        billing.call("acme", "c1", "+15551234567").talk(90_000); // 2 minutes = 1.20

        BlockDecision decision = billing.block("acme");
        assertThat(decision.getBalance()).isEqualTo(money("11.30"));
        assertThat(decision.getBlocked()).isFalse();
        assertThat(decision.getPrepaid()).isTrue();
        assertThat(billing.balances().get("acme").credits).isEqualByComparingTo("12.50");
    }

    @Test
    void shouldBlockAPrepaidAccountWhenSpentAndUnblockAfterATopUp() {
        billing.rate("default", "1", "1.00", 60, 60);
        billing.account(BillingDriver.account("pre").setPrepaid(true));
        assertThat(billing.block("pre").getBlocked()).as("nothing to spend yet").isTrue();

        billing.credit("pre", "2.00", "USD", "k1");
        assertThat(billing.block("pre").getBlocked()).isFalse();

        billing.call("pre", "c1", "+15551234567").talk(120_000);
        BlockDecision spent = billing.block("pre");
        assertThat(spent.getBlocked()).isTrue();
        assertThat(spent.getSipStatus()).isEqualTo(402);
        assertThat(spent.getReason()).contains("prepaid balance spent");
        assertThat(spent.getBalance()).isEqualTo(money("0"));

        billing.credit("pre", "5.00", "USD", "k2");
        BlockDecision toppedUp = billing.block("pre");
        assertThat(toppedUp.getBlocked()).isFalse();
        assertThat(toppedUp.getBalance()).isEqualTo(money("5.00"));
    }

    @Test
    void shouldBlockAPostpaidAccountOnlyAtItsCreditLimit() {
        billing.rate("default", "1", "1.00", 60, 60);
        billing.account(BillingDriver.account("post"));
        billing.account(BillingDriver.account("limited").setCreditLimit(money("3.00")));

        billing.call("post", "p1", "+15551234567").talk(600_000);
        billing.call("limited", "l1", "+15551234567").talk(120_000);
        assertThat(billing.block("post").getBlocked()).isFalse();
        assertThat(billing.balance("post")).isEqualTo(money("-10.00"));
        assertThat(billing.block("limited").getBlocked()).isFalse();

        billing.call("limited", "l2", "+15551234567").talk(60_000);
        assertThat(billing.block("limited").getBlocked()).isTrue();
        assertThat(billing.block("limited").getReason()).contains("credit limit of 3.000000 USD");

        billing.credit("limited", "1.00", "USD", "pay-1");
        assertThat(billing.block("limited").getBlocked()).isFalse();
    }

    @Test
    void shouldPublishAPostpaidAccountsDecisionOnlyWhenItsStandingChangesAndAPrepaidOnesAtEveryChargeOfItsBalance() {
        billing.rate("default", "1", "1.00", 60, 60);
        billing.account(BillingDriver.account("post"));
        billing.account(BillingDriver.account("pre").setPrepaid(true));
        billing.credit("pre", "10.00", "USD", "k1");
        billing.newBlocks();

        billing.call("post", "p1", "+15551234567").talk(60_000);
        billing.call("post", "p2", "+15551234567").talk(60_000);
        billing.call("pre", "c1", "+15551234567").talk(60_000);

        List<BlockDecision> published = billing.newBlocks();
        // the router caps a prepaid account's next call by its balance and burn: each answer and end is news
        assertThat(published).filteredOn(d -> d.getAccountId().equals("pre")).hasSizeGreaterThanOrEqualTo(2)
                .last().satisfies(d -> assertThat(d.getBalance()).isEqualTo(money("9.00")));
        // a postpaid account's standing did not move: nobody reads its balance off billing.blocks
        assertThat(published).filteredOn(d -> d.getAccountId().equals("post")).isEmpty();
        assertThat(billing.balance("post")).isEqualTo(money("-2.00"));
    }

    @Test
    void shouldBlockWhenTheMonthlyAllowanceIsUsedUpAndCountLiveMinutes() {
        billing.rate("default", "1", "0.01", 60, 60);
        billing.account(BillingDriver.account("capped").setMonthlyMinutes(5));
        assertThat(billing.block("capped").getMinutesLeft()).isEqualTo(5L);

        billing.call("capped", "c1", "+15551234567").talk(170_000); // 3 minutes
        assertThat(billing.block("capped").getMinutesLeft()).isEqualTo(2L);
        assertThat(billing.block("capped").getBlocked()).isFalse();

        var live = billing.call("capped", "c2", "+15551234567");
        billing.send(live.attempt());
        billing.send(live.answered(5));
        billing.send(live.interim(1, 61_000)); // 2 minutes so far
        BlockDecision decision = billing.block("capped");
        assertThat(decision.getMinutesLeft()).isZero();
        assertThat(decision.getBlocked()).isTrue();
        assertThat(decision.getReason()).contains("allowance of 5 minutes");
    }

    @Test
    void shouldBlockALiveCallFromItsInterimEventsBeforeItEnds() {
        billing.rate("default", "1", "0.50", 60, 60);
        billing.account(BillingDriver.account("pre").setPrepaid(true));
        billing.credit("pre", "2.00", "USD", "k1");

        var call = billing.call("pre", "live", "+15551234567");
        billing.send(call.attempt());
        billing.send(call.answered(3));
        BlockDecision answered = billing.block("pre");
        assertThat(answered.getLiveCalls()).isEqualTo(1);
        assertThat(answered.getLivePerMinute()).isEqualTo(money("0.50"));
        assertThat(answered.getBlocked()).isFalse();

        billing.send(call.interim(1, 60_000));
        assertThat(billing.block("pre").getBalance()).isEqualTo(money("1.50"));
        billing.send(call.interim(2, 120_000));
        billing.send(call.interim(3, 180_000));
        assertThat(billing.block("pre").getBlocked()).isFalse();
        billing.send(call.interim(4, 181_000)); // into the 4th minute: 2.00 spent
        BlockDecision blocked = billing.block("pre");
        assertThat(blocked.getBlocked()).isTrue();
        assertThat(blocked.getBalance()).isEqualTo(money("0"));
        assertThat(blocked.getLiveCalls()).isEqualTo(1);
        assertThat(billing.cdrs()).as("the call is still running").isEmpty();

        billing.send(call.ended(185_000, 200, HangupParty.SYSTEM));
        assertThat(billing.cdr("live").getCost()).isEqualTo(money("2.00"));
        assertThat(billing.block("pre").getLiveCalls()).isZero();
        assertThat(billing.block("pre").getBlocked()).isTrue();
    }

    @Test
    void shouldIgnoreDuplicateEventsAndLateInterims() {
        billing.rate("default", "1", "0.60", 60, 60);
        var call = billing.call("acme", "dup", "+15551234567");
        CallEvent attempt = call.attempt();
        CallEvent answered = call.answered(5);
        CallEvent interim = call.interim(1, 30_000);
        CallEvent ended = call.ended(100_000, 200, HangupParty.CALLEE);
        billing.send(attempt);
        billing.send(attempt);
        billing.send(answered);
        billing.send(interim);
        billing.send(interim);
        billing.send(ended);
        billing.send(ended);
        billing.send(call.interim(2, 200_000)); // a late INTERIM after the end
        billing.send(answered);

        assertThat(billing.cdrs()).hasSize(1);
        assertThat(billing.cdr("dup").getCost()).isEqualTo(money("1.20"));
        assertThat(billing.balance("acme")).isEqualTo(money("-1.20"));
        assertThat(billing.liveCalls("acme")).isZero();
    }

    @Test
    void shouldRateAnEndedEventThatArrivesBeforeItsAnsweredEvent() {
        billing.rate("default", "1", "0.60", 60, 60);
        var call = billing.call("acme", "reordered", "+15551234567");
        CallEvent attempt = call.attempt();
        CallEvent answered = call.answered(5);
        CallEvent ended = call.ended(125_000, 200, HangupParty.CALLER);
        billing.send(ended);
        billing.send(answered);
        billing.send(attempt);

        assertThat(billing.cdrs()).hasSize(1);
        RatedCdr cdr = billing.cdr("reordered");
        assertThat(cdr.getDisposition()).isEqualTo(Disposition.ANSWERED);
        assertThat(cdr.getBillableSeconds()).isEqualTo(180);
        assertThat(cdr.getCost()).isEqualTo(money("1.80"));
        assertThat(cdr.getAnsweredAt()).isEqualTo(BillingDriver.T0.plusSeconds(5));
        assertThat(billing.block("acme").getLiveCalls()).isZero();
    }

    @Test
    void shouldChargeASilentLiveCallAsIfItRanOnAndCloseItAsAGhostAfterTheMaxAge() {
        billing.rate("default", "1", "1.00", 60, 60);
        billing.account(BillingDriver.account("pre").setPrepaid(true));
        billing.credit("pre", "10.00", "USD", "k1");
        var call = billing.call("pre", "ghost", "+15551234567");
        billing.send(call.attempt());
        billing.send(call.answered(1));
        billing.send(call.interim(1, 30_000));
        assertThat(billing.block("pre").getBalance()).isEqualTo(money("9.00"));

        billing.advance(Duration.ofMinutes(1));
        assertThat(billing.newBlocks()).as("within the grace nothing changes").isEmpty();

        billing.advance(Duration.ofMinutes(2)); // 3 minutes silent: 30 s + 3 min = 4 minutes charged
        assertThat(billing.block("pre").getBalance()).isEqualTo(money("6.00"));
        billing.advance(Duration.ofMinutes(3));
        assertThat(billing.block("pre").getBalance()).isEqualTo(money("3.00"));
        assertThat(billing.cdrs()).isEmpty();

        billing.advance(Duration.ofMinutes(3)); // 9 min 30 s silent: balance spent, blocked
        assertThat(billing.block("pre").getBlocked()).isTrue();

        billing.advance(Duration.ofMinutes(55)); // past billing.max.call.age (1h)
        RatedCdr ghost = billing.cdr("ghost");
        assertThat(ghost.getHangupBy()).isEqualTo(HangupParty.SYSTEM);
        assertThat(ghost.getDisposition()).isEqualTo(Disposition.ANSWERED);
        assertThat(ghost.getBillableSeconds()).isGreaterThanOrEqualTo(60 * 60);
        BlockDecision after = billing.block("pre");
        assertThat(after.getLiveCalls()).isZero();
        assertThat(after.getBalance()).isEqualTo(money("10.00").subtract(ghost.getCost()));

        billing.send(call.ended(120_000, 200, HangupParty.CALLER)); // the edge comes back too late
        assertThat(billing.cdrs()).hasSize(1);
    }

    @Test
    void shouldRefuseARateOrACreditInAnotherCurrencyThanTheAccountsAndDeadLetterIt() {
        billing.rate("default", "1", "0.60", 60, 60); // USD
        billing.rate("euro", "33", "0.40", "EUR", 60, 60, "0");
        billing.account(BillingDriver.account("eu").setCurrency("EUR").setRateDeckId("euro"));
        billing.credit("eu", "5.00", "EUR", "eur-1");
        billing.credit("eu", "5.00", "USD", "usd-1");

        billing.call("eu", "paris", "+33140000000").talk(60_000);
        billing.call("eu", "nyc", "+15551234567").talk(60_000);

        assertThat(billing.cdr("paris").getCost()).isEqualTo(money("0.40"));
        assertThat(billing.cdr("paris").getCurrency()).isEqualTo("EUR");
        RatedCdr nyc = billing.cdr("nyc");
        assertThat(nyc.getCost()).isEqualTo(money("0"));
        assertThat(nyc.getDeckId()).isNull();
        assertThat(nyc.getCurrency()).isEqualTo("EUR");
        BlockDecision decision = billing.block("eu");
        assertThat(decision.getCurrency()).isEqualTo("EUR");
        assertThat(billing.balance("eu")).isEqualTo(money("4.60"));
        assertThat(billing.deadLetters()).extracting(d -> d.getReason())
                .anySatisfy(r -> assertThat(r).contains("credit in USD refused").contains("EUR"))
                .anySatisfy(r -> assertThat(r).contains("nyc").contains("is in USD but the account is billed in EUR"));
    }

    @Test
    void shouldSumMinutesAndCostPerHourDayAndMonth() {
        billing.rate("default", "1", "0.60", 60, 60);
        billing.call("acme", "c1", "+15551234567").talk(60_000);
        billing.call("acme", "c2", "+15551234567").talk(120_000);
        var unanswered = billing.call("acme", "c3", "+15551234567");
        billing.send(unanswered.attempt());
        billing.send(unanswered.failed(486));

        Map<String, Usage> usage = billing.usage();
        Usage hour = usage.get("acme|HOUR|2025-03-10T12:00:00Z");
        Usage day = usage.get("acme|DAY|2025-03-10T00:00:00Z");
        Usage month = usage.get("acme|MONTH|2025-03-01T00:00:00Z");
        for (Usage u : new Usage[] {hour, day, month}) {
            assertThat(u.getCalls()).isEqualTo(3);
            assertThat(u.getAnsweredCalls()).isEqualTo(2);
            assertThat(u.getBillableSeconds()).isEqualTo(180);
            assertThat(u.getCost()).isEqualTo(money("1.80"));
        }
        assertThat(month.getWindowEnd()).isEqualTo(java.time.Instant.parse("2025-04-01T00:00:00Z"));
    }

    @Test
    void shouldUseTheDeckAsReplacedAndRateInboundCallsAtZero() {
        billing.rate("default", "1", "0.60", 60, 60);
        billing.rate("default", "1555", "0.90", 60, 60);
        billing.removeRate("default", "1555");
        billing.call("acme", "out", "+15551234567").talk(60_000);
        billing.call("acme", "in", "+15551230001").inbound().talk(60_000);

        assertThat(billing.cdr("out").getRatePrefix()).isEqualTo("1");
        assertThat(billing.cdr("in").getCost()).isEqualTo(money("0"));
        assertThat(billing.cdr("in").getBillableSeconds()).isEqualTo(60);
        assertThat(billing.deadLetters()).isEmpty();
    }

    @Test
    void shouldDeadLetterUnreadableRecordsAndGoOn() {
        billing.rate("default", "1", "0.60", 60, 60);
        billing.rawEvents.pipeInput("acme", "not avro".getBytes(), BillingDriver.T0);
        var mismatched = billing.call("other", "x1", "+15551234567").attempt();
        billing.events.pipeInput("acme", mismatched, BillingDriver.T0);
        billing.call("acme", "ok", "+15551234567").talk(60_000);

        // TopologyTestDriver does not send the deserialization handler's records (the integration
        // test sees them on the broker); the unreadable record is skipped and billing goes on
        assertThat(billing.deadLetters()).hasSize(1);
        assertThat(billing.deadLetters().get(0).getReason()).contains("arrived under key acme");
        assertThat(billing.deadLetters().get(0).getOffset()).isEqualTo(1);
        assertThat(billing.cdr("ok").getCost()).isEqualTo(money("0.60"));
    }

    @Test
    void shouldDeadLetterAnAbsurdDurationInsteadOfStallingThePartition() {
        billing.rate("default", "1", "0.60", 60, 60);
        var forged = billing.call("acme", "forged", "+15551234567");
        billing.send(forged.attempt());
        billing.send(forged.answered(5));
        // 9e18 ms would cost more than decimal(20,6) holds: before the check, the CDR's serializer
        // failed the stream thread on this record again and again
        billing.send(forged.ended(9_000_000_000_000_000_000L, 200, HangupParty.CALLER));
        billing.call("acme", "next", "+15551234567").talk(60_000);

        assertThat(billing.deadLetters()).anySatisfy(d -> assertThat(d.getReason()).contains("durationMillis"));
        assertThat(billing.cdrs()).extracting(RatedCdr::getCallId).doesNotContain("forged");
        assertThat(billing.cdr("next").getCost()).isEqualTo(money("0.60"));
    }

    @Test
    void shouldIgnoreAnEventOfAnotherTypeOnlyOnceItsIdRepeats() {
        billing.rate("default", "1", "0.60", 60, 60);
        var call = billing.call("acme", "seq", "+15551234567");
        billing.send(call.attempt());
        billing.send(call.answered(1));
        billing.send(call.event(CallEventType.INTERIM, 1, 0).setDurationMillis(70_000).build());
        billing.send(call.event(CallEventType.INTERIM, 2, 0).setDurationMillis(130_000).build());
        assertThat(billing.balance("acme")).isEqualTo(money("-1.80"));
    }

    @Test
    void shouldStillIgnoreTheLateEventsOfACallFinishedBeforeTheClosedCallsWindowStore() {
        billing.rate("default", "1", "0.60", 60, 60);
        // what a billing before the window store left: the key-value store ended-calls (and its expiry index entry)
        billing.driver.<String, Long>getKeyValueStore(StoreNames.ENDED_CALLS).put("acme|before", BillingDriver.T0.toEpochMilli());
        var call = billing.call("acme", "before", "+15551234567");
        call.answeredAt = BillingDriver.T0.plusSeconds(5);
        billing.send(call.ended(60_000, 200, HangupParty.CALLER));
        assertThat(billing.cdrs()).isEmpty();
        assertThat(billing.deadLetters()).isEmpty();
        assertThat(billing.driver.getKeyValueStore(StoreNames.CALLS).get("acme|before")).isNull();
    }

    @Test
    void shouldForgetFinishedCallsAfterTheirRetention() {
        billing.close();
        billing = new BillingDriver(Map.of("billing.closed.call.retention", "30m"));
        billing.rate("default", "1", "0.60", 60, 60);
        billing.call("acme", "old", "+15551234567").talk(60_000);
        assertThat(billing.remembersFinished("acme", "old")).isTrue();
        assertThat(billing.driver.getKeyValueStore(StoreNames.CALLS).get("acme|old")).isNull();

        billing.advance(Duration.ofMinutes(20));
        assertThat(billing.remembersFinished("acme", "old")).as("within the retention").isTrue();
        billing.advance(Duration.ofMinutes(20));
        assertThat(billing.remembersFinished("acme", "old")).isFalse();
    }
}
