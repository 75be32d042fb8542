package io.sipstream.router.topology;

import io.sipstream.avro.CallEventType;
import io.sipstream.avro.CallerIdFormat;
import io.sipstream.avro.DialPlanRule;
import io.sipstream.avro.DialPlanRuleType;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.TargetKind;
import io.sipstream.avro.Transport;
import io.sipstream.avro.VerdictAction;
import io.sipstream.router.numbers.BarredPrefixes;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.sipstream.router.topology.RouterDriver.account;
import static io.sipstream.router.topology.RouterDriver.trunk;
import static org.assertj.core.api.Assertions.assertThat;

/** Outbound decisions through the whole topology: account, number, dial plan, destination, caller ID, trunks, billing. */
class OutboundRoutingTest {
    private RouterDriver d;

    @BeforeEach
    void setUp() {
        d = new RouterDriver();
        d.put(trunk("t1").setHost("198.51.100.1"));
        d.put(trunk("t2").setHost("198.51.100.2"));
        d.put(account("acme"));
    }

    @AfterEach
    void tearDown() { d.close(); }

    private static DialPlanRule.Builder rule(DialPlanRuleType type, String pattern) {
        return DialPlanRule.newBuilder().setType(type).setPattern(pattern);
    }

    private void dialPlan(DialPlanRule.Builder... rules) {
        d.put(account("acme").setDialPlan(java.util.Arrays.stream(rules).map(DialPlanRule.Builder::build).toList()));
    }

    private static List<String> trunkIds(RoutingVerdict v) {
        return v.getTargets().stream().map(RouteTarget::getTrunkId).toList();
    }

    private static void assertRejected(RoutingVerdict v, int status, String reasonPart) {
        assertThat(v.getAction()).isEqualTo(VerdictAction.REJECT);
        assertThat(v.getSipStatus()).isEqualTo(status);
        assertThat(v.getReason()).contains(reasonPart);
        assertThat(v.getTargets()).isEmpty();
    }

    // ---- (1) the account may call

    @Test
    void shouldRouteCallOfEnabledAccountThroughItsOutboundTrunk() {
        RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getSipStatus()).isZero();
        assertThat(v.getAccountId()).isEqualTo("acme");
        assertThat(v.getEdgeId()).isEqualTo("edge-0");
        assertThat(v.getDestination()).isEqualTo("+15551234567");
        assertThat(v.getDestinationRegion()).isEqualTo("US");
        assertThat(v.getCallerId()).isEqualTo("+15551230001");
        assertThat(v.getAttemptReceivedAt()).isEqualTo(RouterDriver.START);
        assertThat(v.getTargets()).singleElement().satisfies(t -> {
            assertThat(t.getKind()).isEqualTo(TargetKind.TRUNK);
            assertThat(t.getTrunkId()).isEqualTo("t1");
            assertThat(t.getRequestUri()).isEqualTo("sip:+15551234567@198.51.100.1:5060;transport=udp");
            assertThat(t.getFromUser()).isEqualTo("+15551230001");
        });
    }

    @Test
    void shouldRejectUnknownAccount() {
        assertRejected(d.decide(d.outbound("nobody", "+15551234567")), 403, "account unknown or disabled");
    }

    @Test
    void shouldRejectDisabledAccount() {
        d.put(account("acme").setEnabled(false));
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 403, "account unknown or disabled");
    }

    @Test
    void shouldRejectAccountBlockedByBillingWithPaymentRequired() {
        d.block("acme", true, false, "-5.00", "0");
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 402, "blocked by billing");
    }

    @Test
    void shouldRejectBlockedAccountWithTheStatusBillingChose() {
        d.blocks.pipeInput("acme", io.sipstream.avro.BlockDecision.newBuilder()
                .setAccountId("acme").setBlocked(true).setSipStatus(403).setReason("credit limit reached")
                .setBalance(io.sipstream.schemas.Money.ZERO).setCurrency("USD").setDecidedAt(RouterDriver.START).build());
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 403, "credit limit reached");
    }

    @Test
    void shouldRouteAgainWhenBillingLiftsTheBlock() {
        d.block("acme", true, false, "0", "0");
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getAction()).isEqualTo(VerdictAction.REJECT);
        d.block("acme", false, false, "10", "0");
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldDecideEachAttemptOnTheTablesAsTheyAreNow() {
        // the stores' values are decoded once per distinct stored bytes: every update must still reach the next attempt
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getAction()).isEqualTo(VerdictAction.ROUTE);
        d.put(account("acme").setEnabled(false));
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 403, "account unknown or disabled");
        d.put(account("acme")); // the bytes stored before the change again
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getAction()).isEqualTo(VerdictAction.ROUTE);

        d.block("acme", true, false, "-1.00", "0");
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 402, "blocked by billing");
        d.block("acme", false, false, "5.00", "0");
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getAction()).isEqualTo(VerdictAction.ROUTE);
        d.block("acme", true, false, "-1.00", "0");
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 402, "blocked by billing");
        d.block("acme", false, false, "5.00", "0");

        d.put(trunk("t1").setHost("198.51.100.9"));
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getTargets()).singleElement().satisfies(t ->
                assertThat(t.getRequestUri()).isEqualTo("sip:+15551234567@198.51.100.9:5060;transport=udp"));
        d.put(account("acme").setOutboundTrunk("t2"));
        assertThat(trunkIds(d.decide(d.outbound("acme", "+15551234567")))).containsExactly("t2");

        d.put(account("acme").setOutboundTrunk("t2").setAllowUnratedCalls(false));
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 403, "not rated");
        d.rate("default", "1555", "0.01");
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getAction()).isEqualTo(VerdictAction.ROUTE);
        d.rates.pipeInput("default:1555", null);
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 403, "not rated");

        d.accounts.pipeInput("acme", null);
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 403, "account unknown or disabled");
    }

    @Test
    void shouldRejectPrepaidAccountWithNoBalanceLeft() {
        d.block("acme", false, true, "0.000000", "0");
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 402, "no balance left");
    }

    // ---- (2) the dialled string as an E.164 number

    @ParameterizedTest(name = "{0} in {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "+15551234567                          | US | +15551234567",
            "15551234567                           | US | +15551234567",
            "5551234567                            | US | +15551234567",
            "+1 555 123 4567                       | US | +15551234567",
            "1-555-123-4567                        | US | +15551234567",
            "(555) 123-4567                        | US | +15551234567",
            "555.123.4567                          | US | +15551234567",
            "011 44 20 7946 0000                   | US | +442079460000",
            "0044 20 7946 0000                     | US | +442079460000",
            "442079460000                          | US | +442079460000",
            "sip:+15551234567@edge.example;user=phone | US | +15551234567",
            "sip:5551234567@edge.example           | US | +15551234567",
            "tel:+1-555-123-4567                   | US | +15551234567",
            "1234567;phone-context=+1555           | US | +15551234567",
            "%2B15551234567                        | US | +15551234567",
            "020 7946 0000                         | GB | +442079460000",
            "07700 900123                          | GB | +447700900123",
            "00 1 555 123 4567                     | GB | +15551234567",
            "+44 (0)20 7946 0000                   | US | +442079460000",
            "0011 44 20 7946 0000                  | AU | +442079460000",
    })
    void shouldNormaliseEveryNumberFormatToE164(String dialled, String region, String e164) {
        d.put(account("acme").setRegion(region));
        RoutingVerdict v = d.decide(d.outbound("acme", dialled.trim()));
        assertThat(v.getAction()).as(v.getReason()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getDestination()).isEqualTo(e164);
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource(delimiter = '|', value = {"555123", "1234567", "+1555", "*99", "sip:@edge", "abc"})
    void shouldRejectIncompleteNumberWithAddressIncomplete(String dialled) {
        RoutingVerdict v = d.decide(d.outbound("acme", dialled));
        assertRejected(v, 484, "");
        assertThat(v.getReason()).isNotBlank();
    }

    @Test
    void shouldRejectEmptyDialledString() {
        assertRejected(d.decide(d.outbound("acme", "")), 484, "nothing was dialled");
    }

    // ---- (3) the dial plan

    @Test
    void shouldRouteSpeedDialBeforeNormalising() {
        dialPlan(rule(DialPlanRuleType.EXACT, "*100").setReplace("+15559876543"));
        RoutingVerdict v = d.decide(d.outbound("acme", "*100"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getDestination()).isEqualTo("+15559876543");
        assertThat(trunkIds(v)).containsExactly("t1");
    }

    @Test
    void shouldMatchExactRuleOnTheRawDialledStringOnly() {
        dialPlan(rule(DialPlanRuleType.EXACT, "411").setReplace("+18005551212"));
        assertThat(d.decide(d.outbound("acme", "411")).getDestination()).isEqualTo("+18005551212");
        // 4-1-1 has the same digits: exact rules see the digits without separators too
        assertThat(d.decide(d.outbound("acme", "4-1-1")).getDestination()).isEqualTo("+18005551212");
        assertRejected(d.decide(d.outbound("acme", "4111")), 484, "");
    }

    @Test
    void shouldStripAndPrependOnPrefixRuleAndUseItsTrunksInFailoverOrder() {
        dialPlan(rule(DialPlanRuleType.PREFIX, "011.").setStrip(3).setPrepend("+").setTrunks(List.of("t2", "t1")));
        RoutingVerdict v = d.decide(d.outbound("acme", "011-44-20-7946-0000"));
        assertThat(v.getDestination()).isEqualTo("+442079460000");
        assertThat(trunkIds(v)).containsExactly("t2", "t1");
    }

    @Test
    void shouldMatchXZNPrefixPattern() {
        dialPlan(rule(DialPlanRuleType.PREFIX, "1NXXNXXXXXX").setTrunks(List.of("t2")));
        assertThat(trunkIds(d.decide(d.outbound("acme", "12125551234")))).containsExactly("t2");
        // N is 2-9: an area code starting with 1 does not match, the call takes the account's trunk
        assertThat(trunkIds(d.decide(d.outbound("acme", "+15551234567")))).containsExactly("t1");
        // X is exactly one digit each: a shorter string does not match
        assertThat(trunkIds(d.decide(d.outbound("acme", "1212555123")))).containsExactly("t1");
    }

    @Test
    void shouldMatchZPrefixPattern() {
        dialPlan(rule(DialPlanRuleType.PREFIX, "8Z.").setRejectStatus(403));
        assertRejected(d.decide(d.outbound("acme", "8123")), 403, "dial plan rule 1 (prefix 8Z.)");
        assertThat(d.decide(d.outbound("acme", "8023")).getSipStatus()).isEqualTo(484); // Z is 1-9
    }

    @Test
    void shouldMatchCharacterClassPrefixPattern() {
        dialPlan(rule(DialPlanRuleType.PREFIX, "9[2-4]XXXXXXXXX").setStrip(1).setPrepend("+1").setTrunks(List.of("t2")));
        RoutingVerdict v = d.decide(d.outbound("acme", "92125551234"));
        assertThat(v.getDestination()).isEqualTo("+12125551234");
        assertThat(trunkIds(v)).containsExactly("t2");
        assertThat(trunkIds(d.decide(d.outbound("acme", "95125551234")))).doesNotContain("t2");
    }

    @Test
    void shouldMatchTrailingBangAsZeroOrMore() {
        dialPlan(rule(DialPlanRuleType.PREFIX, "7!").setRejectStatus(404));
        assertRejected(d.decide(d.outbound("acme", "7")), 404, "dial plan rule 1");
        assertRejected(d.decide(d.outbound("acme", "7123")), 404, "dial plan rule 1");
    }

    @Test
    void shouldRewriteWithRegexGroups() {
        dialPlan(rule(DialPlanRuleType.REGEX, "9(\\d{10})").setReplace("+1$1").setTrunks(List.of("t2")));
        RoutingVerdict v = d.decide(d.outbound("acme", "9 555 123 4567"));
        assertThat(v.getDestination()).isEqualTo("+15551234567");
        assertThat(trunkIds(v)).containsExactly("t2");
    }

    @Test
    void shouldMatchRegexAgainstTheE164FormToo() {
        dialPlan(rule(DialPlanRuleType.REGEX, "\\+44(\\d+)").setTrunks(List.of("t2")));
        assertThat(trunkIds(d.decide(d.outbound("acme", "011 44 20 7946 0000")))).containsExactly("t2");
        assertThat(trunkIds(d.decide(d.outbound("acme", "+15551234567")))).containsExactly("t1");
    }

    @Test
    void shouldApplyTheFirstMatchingRuleInOrder() {
        dialPlan(rule(DialPlanRuleType.PREFIX, "1555.").setTrunks(List.of("t2")),
                rule(DialPlanRuleType.PREFIX, "1.").setRejectStatus(403));
        assertThat(trunkIds(d.decide(d.outbound("acme", "15551234567")))).containsExactly("t2");
        assertRejected(d.decide(d.outbound("acme", "12125551234")), 403, "dial plan rule 2 (prefix 1.)");
    }

    @Test
    void shouldRejectWithTheDialPlanRulesStatus() {
        dialPlan(rule(DialPlanRuleType.PREFIX, "1900.").setRejectStatus(603));
        assertRejected(d.decide(d.outbound("acme", "19005551234")), 603, "dial plan rule 1 (prefix 1900.) rejects '19005551234'");
    }

    @Test
    void shouldMatchAPrefixRuleAgainstTheE164FormOfWhatWasDialled() {
        // issue 15: a 1900 rule catches the number however it is dialled
        dialPlan(rule(DialPlanRuleType.PREFIX, "1900.").setRejectStatus(603));
        for (String dialled : List.of("19005551234", "+1 900 555 1234", "011 1 900 555 1234", "(900) 555-1234", "tel:+19005551234")) {
            assertRejected(d.decide(d.outbound("acme", dialled)), 603, "dial plan rule 1 (prefix 1900.)");
        }
        assertThat(d.decide(d.outbound("acme", "+12125551234")).getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldMatchAPlusPatternAgainstTheE164FormWithItsPlus() {
        dialPlan(rule(DialPlanRuleType.PREFIX, "+44.").setTrunks(List.of("t2")));
        for (String dialled : List.of("+44 20 7946 0000", "011 44 20 7946 0000", "00442079460000")) {
            RoutingVerdict v = d.decide(d.outbound("acme", dialled));
            assertThat(trunkIds(v)).as(dialled).containsExactly("t2");
            assertThat(v.getDestination()).isEqualTo("+442079460000");
        }
        assertThat(trunkIds(d.decide(d.outbound("acme", "+15551234567")))).containsExactly("t1");
    }

    @Test
    void shouldMatchAnExactRuleAgainstTheE164FormToo() {
        dialPlan(rule(DialPlanRuleType.EXACT, "+15559990000").setReplace("+15559876543"),
                rule(DialPlanRuleType.EXACT, "18005551212").setTrunks(List.of("t2")));
        assertThat(d.decide(d.outbound("acme", "(555) 999-0000")).getDestination()).isEqualTo("+15559876543");
        RoutingVerdict tollFree = d.decide(d.outbound("acme", "+1 800 555 1212"));
        assertThat(trunkIds(tollFree)).containsExactly("t2");
        assertThat(tollFree.getDestination()).isEqualTo("+18005551212");
    }

    @Test
    void shouldMatchARuleThatRewritesOnlyAgainstWhatWasDialled() {
        // a rewrite made for dialling habits would turn a complete number into another one: +65 6987 6543 is
        // ten E.164 digits that "NXXNXXXXXX" would make +1 656 987 6543; "9." would strip India's country code
        dialPlan(rule(DialPlanRuleType.PREFIX, "NXXNXXXXXX").setPrepend("+1").setTrunks(List.of("t2")),
                rule(DialPlanRuleType.PREFIX, "9.").setStrip(1));
        RoutingVerdict singapore = d.decide(d.outbound("acme", "+6569876543"));
        assertThat(singapore.getDestination()).isEqualTo("+6569876543");
        assertThat(trunkIds(singapore)).containsExactly("t1");
        assertThat(d.decide(d.outbound("acme", "+919876543210")).getDestination()).isEqualTo("+919876543210");
        assertThat(d.decide(d.outbound("acme", "2125551234")).getDestination()).isEqualTo("+12125551234");
    }

    @Test
    void shouldRouteDialPlanTargetAccountToItsRegisteredContacts() {
        dialPlan(rule(DialPlanRuleType.EXACT, "200").setTargetAccount("bob"));
        RoutingVerdict v = d.decide(d.outbound("acme", "200"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getTargets()).singleElement().satisfies(t -> {
            assertThat(t.getKind()).isEqualTo(TargetKind.REGISTERED);
            assertThat(t.getAccountId()).isEqualTo("bob");
            assertThat(t.getRequestUri()).isEqualTo("sip:bob@sipstream.local");
            assertThat(t.getFromUser()).isEqualTo("+15551230001");
        });
    }

    @Test
    void shouldSkipARuleWithABrokenPattern() {
        dialPlan(rule(DialPlanRuleType.REGEX, "(unclosed").setRejectStatus(403),
                rule(DialPlanRuleType.PREFIX, "1.").setTrunks(List.of("t2")));
        assertThat(trunkIds(d.decide(d.outbound("acme", "15551234567")))).containsExactly("t2");
    }

    @Test
    void shouldRejectWhenTheRewrittenNumberIsIncomplete() {
        dialPlan(rule(DialPlanRuleType.PREFIX, "8.").setStrip(1));
        assertRejected(d.decide(d.outbound("acme", "8123")), 484, "dial plan rule 1 (prefix 8.) made '123'");
    }

    // ---- (4) the destination

    @Test
    void shouldRejectDestinationOutsideTheAccountsCountries() {
        d.put(account("acme").setAllowedCountries(List.of("US", "CA")));
        RoutingVerdict v = d.decide(d.outbound("acme", "+442079460000"));
        assertRejected(v, 403, "(GB) is outside the countries account acme may call");
        assertThat(v.getDestination()).isEqualTo("+442079460000");
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldAllowEveryCountryWhenTheListIsEmpty() {
        assertThat(d.decide(d.outbound("acme", "+81312345678")).getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldRejectPremiumRateDestination() {
        assertRejected(d.decide(d.outbound("acme", "1-900-555-1234")), 403, "barred (premium-rate or fraud-prone prefix +1900)");
        assertRejected(d.decide(d.outbound("acme", "+19765551234")), 403, "prefix +1976");
    }

    @Test
    void shouldRejectUkPremiumRateDestination() {
        d.put(account("acme").setRegion("GB"));
        assertRejected(d.decide(d.outbound("acme", "0909 879 0000")), 403, "prefix +449");
        assertRejected(d.decide(d.outbound("acme", "0911 123 4567")), 403, "prefix +449");
    }

    @Test
    void shouldRejectInternationalNetworkAndSatelliteDestinations() {
        assertRejected(d.decide(d.outbound("acme", "+88234512345")), 403, "prefix +882");
        assertRejected(d.decide(d.outbound("acme", "+883510012345")), 403, "prefix +883");
        assertRejected(d.decide(d.outbound("acme", "011 881 612 345 678")), 403, "prefix +881");
    }

    @Test
    void shouldBarTheConfiguredPrefixesInsteadOfTheDefaults() {
        d.close();
        d = new RouterDriver(o -> o.withBarred(BarredPrefixes.of(List.of("1 555"))));
        d.put(trunk("t1"));
        d.put(account("acme"));
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 403, "prefix +1555");
        assertThat(d.decide(d.outbound("acme", "+19005551234")).getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    // ---- (5) caller ID

    @Test
    void shouldUseTheDefaultCallerIdWhenTheAssertedNumberIsNotTheAccounts() {
        RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567").setAssertedIdentity("+15557777777"));
        assertThat(v.getCallerId()).isEqualTo("+15551230001");
    }

    @Test
    void shouldUseTheAssertedIdentityWhenTheAccountOwnsIt() {
        d.put(account("acme").setNumbers(List.of("+15551230001", "+15551230002")));
        RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567").setAssertedIdentity("sip:+15551230002@pbx.example"));
        assertThat(v.getCallerId()).isEqualTo("+15551230002");
    }

    @Test
    void shouldUseTheAssertedIdentityWhenTheNumberRegistryNamesTheAccountItsOwner() {
        d.assign("+15551230003", "acme");
        d.assign("+15551230004", "other");
        assertThat(d.decide(d.outbound("acme", "+15551234567").setAssertedIdentity("5551230003")).getCallerId())
                .isEqualTo("+15551230003");
        assertThat(d.decide(d.outbound("acme", "+15551234567").setAssertedIdentity("+15551230004")).getCallerId())
                .isEqualTo("+15551230001");
    }

    @Test
    void shouldUseTheFromUserWhenItIsANumberTheAccountOwns() {
        d.put(account("acme").setNumbers(List.of("+15551230001", "+15551230002")));
        assertThat(d.decide(d.outbound("acme", "+15551234567").setFromUser("15551230002")).getCallerId()).isEqualTo("+15551230002");
    }

    @Test
    void shouldNotPresentADefaultCallerIdTheAccountDoesNotOwn() {
        d.put(account("acme").setDefaultCallerId("+15557777777").setNumbers(List.of("+15551230001")));
        d.assign("+15557777777", "other");
        RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567").setFromUser("alice"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getCallerId()).isNull();
        assertThat(v.getTargets().getFirst().getFromUser()).isNull();
        // nor a default that is no number at all
        d.put(account("acme").setDefaultCallerId("Acme Sales").setNumbers(List.of("+15551230001")));
        assertThat(d.decide(d.outbound("acme", "+15551234567").setFromUser("alice")).getTargets().getFirst().getFromUser()).isNull();
    }

    @Test
    void shouldPresentADefaultCallerIdTheNumberRegistryNamesTheAccountOwnerOf() {
        d.put(account("acme").setDefaultCallerId("5557777777").setNumbers(List.of()));
        d.assign("+15557777777", "acme");
        assertThat(d.decide(d.outbound("acme", "+15551234567").setFromUser("alice")).getCallerId()).isEqualTo("+15557777777");
    }

    @Test
    void shouldPresentNoCallerIdWhenTheAccountHasNone() {
        d.put(account("acme").setDefaultCallerId(null).setNumbers(List.of()));
        RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getCallerId()).isNull();
        assertThat(v.getTargets().getFirst().getFromUser()).isNull();
    }

    // ---- (6) trunks

    @Test
    void shouldApplyTheTrunksNationalFormatAndTechPrefix() {
        d.put(trunk("t1").setHost("carrier.example").setPort(5070).setTransport(Transport.TCP)
                .setCallerIdFormat(CallerIdFormat.NATIONAL).setTechPrefix("1234#"));
        RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567"));
        assertThat(v.getDestination()).isEqualTo("+15551234567");
        assertThat(v.getCallerId()).isEqualTo("+15551230001");
        RouteTarget t = v.getTargets().getFirst();
        assertThat(t.getRequestUri()).isEqualTo("sip:1234#5551234567@carrier.example:5070;transport=tcp");
        assertThat(t.getFromUser()).isEqualTo("5551230001");
    }

    @Test
    void shouldBracketAnIpv6TrunkHost() {
        d.put(trunk("t1").setHost("2001:db8::1"));
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getTargets().getFirst().getRequestUri())
                .isEqualTo("sip:+15551234567@[2001:db8::1]:5060;transport=udp");
    }

    @Test
    void shouldSkipMissingAndDisabledTrunks() {
        d.put(trunk("t2").setEnabled(false));
        dialPlan(rule(DialPlanRuleType.PREFIX, "+.").setTrunks(List.of("gone", "t2", "t1")));
        assertThat(trunkIds(d.decide(d.outbound("acme", "+15551234567")))).containsExactly("t1");
    }

    @Test
    void shouldRejectWithServiceUnavailableWhenNoTrunkIsUsable() {
        d.put(trunk("t1").setEnabled(false));
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 503, "no route to +15551234567: trunk t1 is disabled");
        d.put(account("acme").setOutboundTrunk(null));
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 503, "has no outbound trunk or host");
    }

    @Test
    void shouldRouteToTheAccountsOutboundHost() {
        d.put(account("acme").setOutboundTrunk(null).setOutboundHost("pbx.example.com:5080"));
        RoutingVerdict v = d.decide(d.outbound("acme", "5551234567"));
        assertThat(v.getTargets()).singleElement().satisfies(t -> {
            assertThat(t.getKind()).isEqualTo(TargetKind.URI);
            assertThat(t.getRequestUri()).isEqualTo("sip:+15551234567@pbx.example.com:5080");
            assertThat(t.getFromUser()).isEqualTo("+15551230001");
        });
    }

    @Test
    void shouldFailOverFromTheOutboundTrunkToTheOutboundHost() {
        d.put(account("acme").setOutboundHost("pbx.example.com"));
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getTargets()).extracting(RouteTarget::getKind)
                .containsExactly(TargetKind.TRUNK, TargetKind.URI);
    }

    // ---- (7) billing's cap on the duration

    /**
     * What billing charges for a call of this many milliseconds (see rating's Rating): the fee, the
     * first increment whole, then whole next increments; plus the live calls' burn over the time.
     */
    private static BigDecimal cost(String fee, String perMinute, int first, int next, String livePerMinute, long millis) {
        long billed = millis <= 0 ? 0 : millis <= first * 1000L ? first
                : first + (millis - first * 1000L + next * 1000L - 1) / (next * 1000L) * next;
        BigDecimal sixty = BigDecimal.valueOf(60);
        return new BigDecimal(fee)
                .add(new BigDecimal(perMinute).multiply(BigDecimal.valueOf(billed)).divide(sixty, 6, RoundingMode.HALF_EVEN))
                .add(new BigDecimal(livePerMinute).multiply(BigDecimal.valueOf(millis)).divide(BigDecimal.valueOf(60_000), 9,
                        RoundingMode.HALF_EVEN));
    }

    /** The cap leaves the edge a second to hang up and the call still costs no more than the balance; not needlessly short either. */
    private static void assertAffordable(int cap, String balance, String fee, String perMinute, int first, int next,
                                         String livePerMinute) {
        BigDecimal most = new BigDecimal(balance);
        assertThat(cost(fee, perMinute, first, next, livePerMinute, cap * 1000L + 999)).isLessThanOrEqualTo(most);
        assertThat(cost(fee, perMinute, first, next, livePerMinute, (cap + 2) * 1000L)).isGreaterThan(most);
    }

    @Test
    void shouldCapThePrepaidCallByWhatTheBalanceBuys() {
        d.block("acme", false, true, "1.00", "0.05");
        d.rate("default", "1", "0.10");
        d.rate("default", "1555", "0.05");
        // (0.05 live + 0.05 for +1555) per minute, billed in whole minutes: 10 minutes, less the safety second
        RoutingVerdict first = d.decide(d.outbound("acme", "+15551234567"));
        assertThat(first.getMaxDurationSeconds()).isEqualTo(599);
        d.event("acme", first.getCallId(), CallEventType.FAILED); // one call after the other: the first holds nothing now
        // 0.05 live + 0.10 for +1: 6 whole minutes (0.60 + 0.30 live); a 7th would cost 0.70 + 0.30 and more
        assertThat(d.decide(d.outbound("acme", "+12125551234")).getMaxDurationSeconds()).isEqualTo(359);
        assertAffordable(359, "1.00", "0", "0.10", 60, 60, "0.05");
    }

    @Test
    void shouldPriceTheCallInTheAccountsOwnDeckThenTheDefaultDeck() {
        d.put(account("acme").setRateDeckId("gold"));
        d.block("acme", false, true, "3.00", "0");
        d.rate("gold", "1555", "0.02");
        d.rate("default", "1", "0.50");
        d.rate("default", "44", "0.30");
        RoutingVerdict first = d.decide(d.outbound("acme", "+15551234567"));
        assertThat(first.getMaxDurationSeconds()).isEqualTo(8999);
        d.event("acme", first.getCallId(), CallEventType.FAILED); // one call after the other: the first holds nothing now
        assertThat(d.decide(d.outbound("acme", "+442079460000")).getMaxDurationSeconds()).isEqualTo(599);
    }

    @Test
    void shouldCapThePrepaidCallAfterTheConnectionFeeAndWholeIncrements() {
        // balance 1.00, 0.50 per minute, fee 0.25, 60/60: a 120 s cap would be billed 180 s = 1.75
        d.block("acme", false, true, "1.00", "0");
        d.put(RouterDriver.rateRow("default", "1", "0.50").setConnectionFee(io.sipstream.schemas.Money.of(new BigDecimal("0.25"))));
        int cap = d.decide(d.outbound("acme", "+15551234567")).getMaxDurationSeconds();
        assertThat(cap).isLessThan(120).isEqualTo(59);
        assertAffordable(cap, "1.00", "0.25", "0.50", 60, 60, "0");
    }

    @Test
    void shouldCapThePrepaidCallWithThirtySixIncrements() {
        // balance 1.00, 0.60 per minute, fee 0.10, 30/6: 0.90 buys 90 billed seconds (30 + 10 x 6); the old cap was 100 s
        d.block("acme", false, true, "1.00", "0");
        d.put(RouterDriver.rateRow("default", "1", "0.60").setFirstIncrement(30).setNextIncrement(6).setConnectionFee(io.sipstream.schemas.Money.of(new BigDecimal("0.10"))));
        int cap = d.decide(d.outbound("acme", "+15551234567")).getMaxDurationSeconds();
        assertThat(cap).isEqualTo(89);
        assertAffordable(cap, "1.00", "0.10", "0.60", 30, 6, "0");
    }

    @Test
    void shouldCapThePrepaidCallWithIncrementsAndTheLiveCallsBurn() {
        // 0.60 live + 0.60 for this call at 30/6 from 2.00: billed(t) + t <= 200 -> t = 98 (billed 102)
        d.block("acme", false, true, "2.00", "0.60");
        d.put(RouterDriver.rateRow("default", "1", "0.60").setFirstIncrement(30).setNextIncrement(6));
        int cap = d.decide(d.outbound("acme", "+15551234567")).getMaxDurationSeconds();
        assertThat(cap).isEqualTo(97);
        assertAffordable(cap, "2.00", "0", "0.60", 30, 6, "0.60");
    }

    @Test
    void shouldCapThePrepaidCallByWhatBillingChargesAfterRounding() {
        // 0.00001 per minute at 1/1: billing charges 63 s as 0.0000105 -> 0.000010 (half-even), so 0.000010
        // buys 63 s, not the 60 s of exact arithmetic; 64 s cost 0.000011
        d.block("acme", false, true, "0.000010", "0");
        d.put(RouterDriver.rateRow("default", "1", "0.00001").setFirstIncrement(1).setNextIncrement(1));
        int cap = d.decide(d.outbound("acme", "+15551234567")).getMaxDurationSeconds();
        assertThat(cap).isEqualTo(62);
        assertAffordable(cap, "0.000010", "0", "0.00001", 1, 1, "0");
    }

    @Test
    void shouldRejectThePrepaidCallWhenTheBalanceDoesNotCoverTheConnectionFee() {
        d.block("acme", false, true, "0.25", "0");
        d.put(RouterDriver.rateRow("default", "1", "0.01").setConnectionFee(io.sipstream.schemas.Money.of(new BigDecimal("0.25"))));
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 402, "does not cover the connection fee");
    }

    @Test
    void shouldRejectThePrepaidCallWhenTheBalanceBuysLessThanTheFirstIncrement() {
        d.block("acme", false, true, "0.30", "0");
        d.put(RouterDriver.rateRow("default", "1", "0.50").setConnectionFee(io.sipstream.schemas.Money.of(new BigDecimal("0.25"))));
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 402, "does not buy the first increment");
    }

    @Test
    void shouldRejectThePrepaidCallWhenTheBalanceBuysLessThanASecond() {
        d.block("acme", false, true, "0.000001", "0");
        d.put(RouterDriver.rateRow("default", "1", "1.00").setFirstIncrement(1).setNextIncrement(1));
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 402, "does not buy the first increment");
    }

    @Test
    void shouldNotCapAPrepaidCallToAFreeDestinationWithoutLiveCalls() {
        d.block("acme", false, true, "1.00", "0");
        d.rate("default", "1800", "0");
        RoutingVerdict v = d.decide(d.outbound("acme", "+18005551234"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getMaxDurationSeconds()).isNull();
    }

    @Test
    void shouldRejectAPrepaidCallToAnUnratedDestination() {
        d.block("acme", false, true, "10.00", "0");
        d.rate("default", "44", "0.10");
        RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567"));
        assertRejected(v, 403, "destination not rated for prepaid");
        assertThat(v.getReason()).contains("no rate for +15551234567");
        assertThat(v.getMaxDurationSeconds()).isNull();
    }

    @Test
    void shouldRejectAPrepaidCallWhoseRateIsInAnotherCurrencyThanTheAccounts() {
        d.put(account("acme").setRateDeckId("gold").setCurrency("USD"));
        d.block("acme", false, true, "10.00", "0");
        d.put(RouterDriver.rateRow("gold", "1555", "0.02").setCurrency("EUR"));
        d.rate("default", "1", "0.10"); // a shorter match in the default deck does not stand in (billing refuses the call)
        RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567"));
        assertRejected(v, 403, "destination not rated for prepaid");
        assertThat(v.getReason()).contains("gold:1555 is in EUR", "billed in USD");
        assertThat(d.decide(d.outbound("acme", "+12125551234")).getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldRejectAPostpaidCallToAnUnratedDestinationUnlessTheAccountAllowsIt() {
        d.put(account("acme").setAllowUnratedCalls(false)); // the registry's default
        d.rate("default", "44", "0.10");
        RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567"));
        assertRejected(v, 403, "destination not rated: no rate for +15551234567 in deck 'default'");
        assertThat(v.getReason()).endsWith("account acme does not allow unrated calls (allowUnratedCalls)");
        assertThat(v.getDestination()).isEqualTo("+15551234567");

        // a rate in the account's currency routes it, uncapped
        d.rate("default", "1", "0.10");
        RoutingVerdict rated = d.decide(d.outbound("acme", "+15551234567"));
        assertThat(rated.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(rated.getMaxDurationSeconds()).isNull();

        // a rate in another currency is no rate: billing refuses to rate the call
        d.put(account("acme").setAllowUnratedCalls(false).setRateDeckId("euro"));
        d.put(RouterDriver.rateRow("euro", "1555", "0.02").setCurrency("EUR"));
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 403, "euro:1555 is in EUR");
    }

    @Test
    void shouldRoutePostpaidCallsToUnratedDestinationsWhenTheAccountAllowsIt() {
        d.put(account("acme").setAllowUnratedCalls(true));
        d.block("acme", false, false, "10.00", "0");
        RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getMaxDurationSeconds()).isNull();
    }

    @Test
    void shouldNotCapAPostpaidAccount() {
        d.block("acme", false, false, "-20.00", "0.50");
        d.rate("default", "1", "1.00");
        RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getMaxDurationSeconds()).isNull();
    }

    @Test
    void shouldRejectAPrepaidAccountBillingHasNotSpokenFor() {
        d.put(account("acme").setPrepaid(true));
        d.rate("default", "1", "0.10");
        assertRejected(d.decide(d.outbound("acme", "+15551234567")), 402, "no balance known yet");
        // once billing speaks, the balance decides (billing's decision need not repeat that the account is prepaid)
        d.block("acme", false, false, "1.00", "0");
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getMaxDurationSeconds()).isPositive();
    }
}
