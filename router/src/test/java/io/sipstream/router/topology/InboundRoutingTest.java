package io.sipstream.router.topology;

import io.sipstream.avro.CallerIdFormat;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.TargetKind;
import io.sipstream.avro.VerdictAction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.sipstream.router.topology.RouterDriver.account;
import static io.sipstream.router.topology.RouterDriver.trunk;
import static org.assertj.core.api.Assertions.assertThat;

/** Inbound decisions: the dialled number's owner, its forward, registered contacts and no-answer targets. */
class InboundRoutingTest {
    private RouterDriver d;

    @BeforeEach
    void setUp() {
        d = new RouterDriver();
        d.put(trunk("t1").setHost("198.51.100.1"));
        d.put(account("bob").setNumbers(java.util.List.of("+15551230009")));
        d.assign("+15551230009", "bob");
    }

    @AfterEach
    void tearDown() { d.close(); }

    @Test
    void shouldRouteInboundCallToTheOwnersRegisteredContacts() {
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getAccountId()).isEqualTo("bob");
        assertThat(v.getDestination()).isEqualTo("+15551230009");
        assertThat(v.getCallerId()).isEqualTo("+12125550100");
        assertThat(v.getTargets()).singleElement().satisfies(t -> {
            assertThat(t.getKind()).isEqualTo(TargetKind.REGISTERED);
            assertThat(t.getAccountId()).isEqualTo("bob");
            assertThat(t.getRequestUri()).isEqualTo("sip:bob@sipstream.local");
            assertThat(t.getFromUser()).isEqualTo("+12125550100");
        });
        assertThat(v.getNoAnswerSeconds()).isZero();
        assertThat(v.getNoAnswerTargets()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"15551230009", "5551230009", "sip:+15551230009@edge.example;user=phone", "+1 (555) 123-0009"})
    void shouldFindTheOwnerOfTheDialledNumberInAnyFormat(String dialled) {
        RoutingVerdict v = d.decide(d.inbound(dialled, "anonymous"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getAccountId()).isEqualTo("bob");
        assertThat(v.getCallerId()).isNull();
        assertThat(v.getTargets().getFirst().getFromUser()).isEqualTo("anonymous");
    }

    @Test
    void shouldRejectInboundCallToAnUnknownNumber() {
        RoutingVerdict v = d.decide(d.inbound("+15559999999", "+12125550100"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.REJECT);
        assertThat(v.getSipStatus()).isEqualTo(404);
        assertThat(v.getReason()).isEqualTo("number +15559999999 is not assigned");
    }

    @Test
    void shouldRejectInboundCallToSomethingThatIsNoNumber() {
        RoutingVerdict v = d.decide(d.inbound("*123", "+12125550100"));
        assertThat(v.getSipStatus()).isEqualTo(404);
    }

    @Test
    void shouldRejectInboundCallToADisabledOwner() {
        d.put(account("bob").setEnabled(false));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.REJECT);
        assertThat(v.getSipStatus()).isEqualTo(480);
        assertThat(v.getReason()).contains("account bob owning +15551230009 is disabled");
    }

    @Test
    void shouldRejectInboundCallWhenTheOwnerAccountIsGone() {
        d.assign("+15551230010", "ghost");
        RoutingVerdict v = d.decide(d.inbound("+15551230010", "+12125550100"));
        assertThat(v.getSipStatus()).isEqualTo(404);
        assertThat(v.getReason()).contains("account ghost");
    }

    @Test
    void shouldForwardInboundCallToANumberThroughTheOwnersTrunk() {
        d.put(trunk("t1").setHost("198.51.100.1").setCallerIdFormat(CallerIdFormat.NATIONAL));
        d.put(account("bob").setForwardTarget("(212) 555-0199"));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getTargets()).singleElement().satisfies(t -> {
            assertThat(t.getKind()).isEqualTo(TargetKind.TRUNK);
            assertThat(t.getTrunkId()).isEqualTo("t1");
            assertThat(t.getRequestUri()).isEqualTo("sip:2125550199@198.51.100.1:5060;transport=udp");
            assertThat(t.getFromUser()).isEqualTo("2125550100"); // the original caller, in the trunk's format
        });
    }

    @Test
    void shouldForwardInboundCallToASipUri() {
        d.put(account("bob").setForwardTarget("sip:desk@pbx.example.com"));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getTargets()).singleElement().satisfies(t -> {
            assertThat(t.getKind()).isEqualTo(TargetKind.URI);
            assertThat(t.getRequestUri()).isEqualTo("sip:desk@pbx.example.com");
        });
    }

    @Test
    void shouldRejectInboundForwardToABarredNumber() {
        d.put(account("bob").setForwardTarget("+19005550123"));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getSipStatus()).isEqualTo(403);
        assertThat(v.getReason()).contains("forward target +19005550123 of account bob is barred");
    }

    @Test
    void shouldAddTheNoAnswerTargetAfterTheOwnersNoAnswerTime() {
        d.put(account("bob").setNoAnswerTarget("sip:voicemail@vm.example.com").setNoAnswerSeconds(20));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getTargets()).extracting(t -> t.getKind()).containsExactly(TargetKind.REGISTERED);
        assertThat(v.getNoAnswerSeconds()).isEqualTo(20);
        assertThat(v.getNoAnswerTargets()).singleElement().satisfies(t -> {
            assertThat(t.getKind()).isEqualTo(TargetKind.URI);
            assertThat(t.getRequestUri()).isEqualTo("sip:voicemail@vm.example.com");
        });
    }

    @Test
    void shouldSendTheNoAnswerCallToANumberThroughTheOwnersTrunk() {
        d.put(account("bob").setNoAnswerTarget("+12125550199"));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getNoAnswerSeconds()).isEqualTo(25);
        assertThat(v.getNoAnswerTargets()).singleElement().satisfies(t -> {
            assertThat(t.getKind()).isEqualTo(TargetKind.TRUNK);
            assertThat(t.getRequestUri()).isEqualTo("sip:+12125550199@198.51.100.1:5060;transport=udp");
        });
    }

    @Test
    void shouldStillRingTheOwnerWhenTheNoAnswerTargetCannotBeRouted() {
        d.put(account("bob").setOutboundTrunk(null).setNoAnswerTarget("+12125550199"));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getNoAnswerTargets()).isEmpty();
        assertThat(v.getReason()).contains("no-answer target skipped");
    }

    @Test
    void shouldAddTheBusyUnavailableAndFailureTargetsEachMarkedWithItsDiversionReason() {
        d.put(account("bob").setNoAnswerTarget("sip:vm-bob@vm.example.com").setBusyTarget("sip:busy-bob@vm.example.com")
                .setUnavailableTarget("+12125550199").setFailureTarget("sip:fail-bob@vm.example.com"));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getTargets()).singleElement().satisfies(t -> {
            assertThat(t.getKind()).isEqualTo(TargetKind.REGISTERED);
            assertThat(t.getDiversionReason()).as("the owner's own phones are no forward").isNull();
        });
        assertThat(v.getNoAnswerTargets()).singleElement().satisfies(t -> assertThat(t.getDiversionReason()).isEqualTo("no-answer"));
        assertThat(v.getBusyTargets()).singleElement().satisfies(t -> {
            assertThat(t.getRequestUri()).isEqualTo("sip:busy-bob@vm.example.com");
            assertThat(t.getDiversionReason()).isEqualTo("user-busy");
        });
        assertThat(v.getUnavailableTargets()).singleElement().satisfies(t -> {
            assertThat(t.getKind()).as("a number leaves over the owner's trunk").isEqualTo(TargetKind.TRUNK);
            assertThat(t.getRequestUri()).isEqualTo("sip:+12125550199@198.51.100.1:5060;transport=udp");
            assertThat(t.getDiversionReason()).isEqualTo("unavailable");
        });
        assertThat(v.getFailureTargets()).singleElement().satisfies(t -> assertThat(t.getDiversionReason()).isEqualTo("unavailable"));
    }

    @Test
    void shouldLeaveEveryForwardOutThatTheAccountDoesNotSet() {
        d.put(account("bob").setBusyTarget("sip:busy-bob@vm.example.com"));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getBusyTargets()).hasSize(1);
        assertThat(v.getNoAnswerSeconds()).as("no no-answer forward").isZero();
        assertThat(v.getNoAnswerTargets()).isEmpty();
        assertThat(v.getUnavailableTargets()).isEmpty();
        assertThat(v.getFailureTargets()).isEmpty();
    }

    @Test
    void shouldMarkAnUnconditionalForward() {
        d.put(account("bob").setForwardTarget("sip:desk@pbx.example.com"));
        assertThat(d.decide(d.inbound("+15551230009", "+12125550100")).getTargets())
                .singleElement().satisfies(t -> assertThat(t.getDiversionReason()).isEqualTo("unconditional"));
    }

    @Test
    void shouldSkipABusyTargetThatCannotBeRoutedAndStillRingTheOwner() {
        d.put(account("bob").setAllowedCountries(java.util.List.of("US")).setBusyTarget("+442079460000"));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getBusyTargets()).isEmpty();
        assertThat(v.getReason()).contains("busy target skipped", "outside the countries");
    }

    @Test
    void shouldCapThePrepaidOwnersCallByTheShortestForwardOverATrunk() {
        d.put(account("bob").setPrepaid(true).setBusyTarget("+12125550199").setFailureTarget("sip:vm@vm.example.com"));
        d.rate("default", "1", "0.50");
        d.block("bob", false, true, "1.00", "0");
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getBusyTargets()).hasSize(1);
        assertThat(v.getMaxDurationSeconds()).as("the busy forward's cap; the URI has none").isEqualTo(119);
    }

    // ---- a forward over the owner's trunk is an outbound call of the owner's: its controls apply

    @Test
    void shouldRejectInboundForwardOutsideTheOwnersCountries() {
        d.put(account("bob").setAllowedCountries(java.util.List.of("US")).setForwardTarget("+442079460000"));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.REJECT);
        assertThat(v.getSipStatus()).isEqualTo(403);
        assertThat(v.getReason()).contains("forward target +442079460000 (GB) is outside the countries account bob may call");
    }

    @Test
    void shouldSkipANoAnswerTargetOutsideTheOwnersCountries() {
        d.put(account("bob").setAllowedCountries(java.util.List.of("US")).setNoAnswerTarget("+442079460000"));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getTargets()).extracting(t -> t.getKind()).containsExactly(TargetKind.REGISTERED);
        assertThat(v.getNoAnswerTargets()).isEmpty();
        assertThat(v.getReason()).contains("no-answer target skipped", "outside the countries");
    }

    @Test
    void shouldRingTheBlockedOwnersPhonesInsteadOfForwardingOverATrunk() {
        d.put(account("bob").setForwardTarget("+12125550199").setNoAnswerTarget("+12125550198"));
        d.block("bob", true, false, "-5.00", "0");
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getTargets()).singleElement().satisfies(t -> assertThat(t.getKind()).isEqualTo(TargetKind.REGISTERED));
        assertThat(v.getNoAnswerTargets()).isEmpty();
        assertThat(v.getReason()).contains("forward target skipped: forward target +12125550199: account bob is blocked by billing",
                "no-answer target skipped");
    }

    @Test
    void shouldStillForwardTheBlockedOwnerToASipUri() {
        d.put(account("bob").setForwardTarget("sip:desk@pbx.example.com"));
        d.block("bob", true, false, "-5.00", "0");
        assertThat(d.decide(d.inbound("+15551230009", "+12125550100")).getTargets())
                .singleElement().satisfies(t -> assertThat(t.getKind()).isEqualTo(TargetKind.URI));
    }

    @Test
    void shouldCapThePrepaidOwnersForwardByWhatItsBalanceBuys() {
        d.put(account("bob").setPrepaid(true).setForwardTarget("+12125550199"));
        d.rate("default", "1", "0.50");
        d.block("bob", false, true, "1.00", "0");
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getTargets()).singleElement().satisfies(t -> assertThat(t.getKind()).isEqualTo(TargetKind.TRUNK));
        assertThat(v.getMaxDurationSeconds()).isEqualTo(119); // two whole minutes at 0.50, less the safety second
    }

    @Test
    void shouldCapThePrepaidOwnersCallWhenItsNoAnswerTargetLeavesOverATrunk() {
        d.put(account("bob").setPrepaid(true).setNoAnswerTarget("+12125550199"));
        d.rate("default", "1", "0.50");
        d.block("bob", false, true, "1.00", "0");
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getNoAnswerTargets()).hasSize(1);
        assertThat(v.getMaxDurationSeconds()).isEqualTo(119);
    }

    @Test
    void shouldNotForwardAPrepaidOwnerWithoutABalanceOrARateOverATrunk() {
        d.put(account("bob").setPrepaid(true).setForwardTarget("+12125550199"));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getTargets()).singleElement().satisfies(t -> assertThat(t.getKind()).isEqualTo(TargetKind.REGISTERED));
        assertThat(v.getReason()).contains("no balance known yet");
        assertThat(v.getMaxDurationSeconds()).isNull();

        d.block("bob", false, true, "1.00", "0"); // a balance, but the number is not rated
        v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getTargets()).singleElement().satisfies(t -> assertThat(t.getKind()).isEqualTo(TargetKind.REGISTERED));
        assertThat(v.getReason()).contains("destination not rated for prepaid");
    }

    @Test
    void shouldNotCapAPostpaidOwnersForward() {
        d.put(account("bob").setForwardTarget("+12125550199"));
        d.rate("default", "1", "0.50");
        d.block("bob", false, false, "-3.00", "0");
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getTargets()).singleElement().satisfies(t -> assertThat(t.getKind()).isEqualTo(TargetKind.TRUNK));
        assertThat(v.getMaxDurationSeconds()).isNull();
    }

    @Test
    void shouldForwardAPostpaidOwnersCallToAnUnratedNumber() {
        // billing rates inbound calls at zero whatever the forward's rate: only outbound calls need one
        d.put(account("bob").setAllowUnratedCalls(false).setForwardTarget("+12125550199"));
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getTargets()).singleElement().satisfies(t -> assertThat(t.getKind()).isEqualTo(TargetKind.TRUNK));
    }

    @Test
    void shouldNotHoldThePrepaidOwnersBalanceForAForwardedCall() {
        // the forwarded leg is capped, not billed: it holds nothing, and the owner's own calls keep the balance
        d.put(account("bob").setPrepaid(true).setForwardTarget("+12125550199"));
        d.rate("default", "1", "0.50");
        d.block("bob", false, true, "1.00", "0");
        assertThat(d.decide(d.inbound("+15551230009", "+12125550100")).getMaxDurationSeconds()).isEqualTo(119);
        assertThat(d.decide(d.outbound("bob", "+12125550111")).getMaxDurationSeconds()).isEqualTo(119);
    }
}
