package io.sipstream.platform.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.platform.http.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stored account: what the registry writes to {@code account:<id>} and the edge reads on every INVITE. */
class AccountDocTest {
    /** Written by number-registry's own AccountDoc before the shape moved here: records in Redis look like this. */
    private static final String STORED = "{\"id\":\"acc-1\",\"displayName\":\"Alice\",\"enabled\":true,\"sipUsername\":\"alice\","
            + "\"region\":\"US\",\"defaultCallerId\":\"+15551230001\",\"numbers\":[\"+15551230001\"],\"outboundTrunk\":\"t1\","
            + "\"outboundHost\":null,\"allowedCountries\":[\"US\",\"CA\"],\"maxConcurrentCalls\":2,\"maxCallsPerSecond\":0,"
            + "\"prepaid\":false,\"creditLimit\":\"10.5\",\"currency\":\"USD\",\"rateDeckId\":null,\"monthlyMinutes\":100,"
            + "\"forwardTarget\":null,\"noAnswerTarget\":\"sip:vm@example.com\",\"noAnswerSeconds\":25,"
            + "\"dialPlan\":[{\"type\":\"prefix\",\"pattern\":\"00\",\"strip\":2,\"prepend\":\"+\",\"replace\":null,"
            + "\"trunks\":[\"t1\"],\"targetAccount\":null,\"reject\":null}],\"version\":7,\"updatedAt\":\"2025-01-02T03:04:05.123Z\"}";

    private static final AccountDoc ALICE = new AccountDoc("acc-1", "Alice", true, "alice", "US", "+15551230001",
            List.of("+15551230001"), "t1", null, List.of("US", "CA"), 2, 0, false, "10.5", false, "USD", null, 100, null,
            "sip:vm@example.com", 25, List.of(new DialRule("prefix", "00", 2, "+", null, List.of("t1"), null, null)), 7L,
            Instant.parse("2025-01-02T03:04:05.123Z"), null, null, null);

    @Test
    void shouldWriteTheStoredFieldsByteForByteAsBefore() throws Exception {
        assertThat(Json.MAPPER.writeValueAsString(ALICE)).isEqualTo(STORED);
    }

    @Test
    void shouldReadAStoredRecordWhole() throws Exception {
        assertThat(AccountDoc.read(STORED)).isEqualTo(ALICE);
        assertThat(AccountDoc.read(null)).isNull();
        // a field a newer registry added is skipped, not an error
        assertThat(AccountDoc.read(STORED.replace("{\"id\"", "{\"futureField\":{\"x\":[1]},\"id\""))).isEqualTo(ALICE);
    }

    @Test
    void shouldWriteAllowUnratedCallsOnlyWhenSet() throws Exception {
        AccountDoc allowing = new AccountDoc("acc-1", "Alice", true, "alice", "US", "+15551230001",
                List.of("+15551230001"), "t1", null, List.of("US", "CA"), 2, 0, false, "10.5", true, "USD", null, 100, null,
                "sip:vm@example.com", 25, ALICE.dialPlan(), 7L, ALICE.updatedAt(), null, null, null);
        String written = Json.MAPPER.writeValueAsString(allowing);
        assertThat(written).isEqualTo(STORED.replace("\"creditLimit\":\"10.5\",", "\"creditLimit\":\"10.5\",\"allowUnratedCalls\":true,"));
        assertThat(AccountDoc.read(written)).isEqualTo(allowing);
        assertThat(AccountDoc.read(STORED).allowUnratedCalls()).as("a record from before the field").isFalse();
    }

    @Test
    void shouldReadOnlyTheEnabledFlagForAuthorization() throws Exception {
        AccountDoc account = AccountDoc.readForAuthorization(STORED.replace("\"enabled\":true", "\"enabled\":false"));
        assertThat(account.enabled()).isFalse();
        assertThat(account.id()).as("not bound").isNull();
        assertThat(account.numbers()).as("not bound").isEmpty();
        assertThat(account.dialPlan()).as("not bound").isEmpty();
        assertThat(AccountDoc.readForAuthorization(STORED).enabled()).isTrue();
        // fields it does not bind are not type-checked, but must still parse
        String badNumbers = STORED.replace("\"numbers\":[\"+15551230001\"]", "\"numbers\":{\"a\":1}");
        assertThat(AccountDoc.readForAuthorization(badNumbers).enabled()).isTrue();
        assertThatThrownBy(() -> AccountDoc.read(badNumbers)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> AccountDoc.readForAuthorization("{\"enabled\":true,\"numbers\":[1,}"))
                .isInstanceOf(IOException.class);
        assertThat(AccountDoc.readForAuthorization("null")).isNull();
    }

    @Test
    void shouldReadEnabledLikeTheEdgeAlwaysHas() throws Exception {
        for (String enabled : List.of("{}", "{\"enabled\":true}", "{\"enabled\":null}", "{\"enabled\":2}",
                "{\"enabled\":0.0}", "{\"enabled\":\"true\"}", "{\"enabled\":\"no\"}", "{\"enabled\":{\"x\":false}}",
                "{\"enabled\":[false]}", "{\"enabled\":false,\"enabled\":true}")) {
            assertThat(AccountDoc.read(enabled).enabled()).as(enabled).isTrue();
            assertThat(AccountDoc.readForAuthorization(enabled).enabled()).as(enabled).isTrue();
        }
        for (String disabled : List.of("{\"enabled\":false}", "{\"enabled\":0}", "{\"enabled\":\"false\"}",
                "{\"enabled\":\" false \"}", "{\"enabled\":true,\"enabled\":false}")) {
            assertThat(AccountDoc.read(disabled).enabled()).as(disabled).isFalse();
            assertThat(AccountDoc.readForAuthorization(disabled).enabled()).as(disabled).isFalse();
        }
    }

    @Test
    void shouldWriteTheBusyUnavailableAndFailureTargetsOnlyWhenSet() throws Exception {
        AccountDoc forwarding = new AccountDoc("acc-1", "Alice", true, "alice", "US", "+15551230001",
                List.of("+15551230001"), "t1", null, List.of("US", "CA"), 2, 0, false, "10.5", false, "USD", null, 100, null,
                "sip:vm@example.com", 25, ALICE.dialPlan(), 7L, ALICE.updatedAt(), "sip:busy@vm.example.com", null, "+15559990000");
        String written = Json.MAPPER.writeValueAsString(forwarding);
        assertThat(written).isEqualTo(STORED.substring(0, STORED.length() - 1)
                + ",\"busyTarget\":\"sip:busy@vm.example.com\",\"failureTarget\":\"+15559990000\"}");
        assertThat(AccountDoc.read(written)).isEqualTo(forwarding);
        assertThat(AccountDoc.read(STORED).busyTarget()).as("a record from before the fields").isNull();
    }
}
