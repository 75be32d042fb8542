package io.sipstream.registry.store;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;

/**
 * An account as kept in Redis under {@code account:<id>} (JSON) and shown by the API; maps 1:1 to
 * the Avro {@code io.sipstream.avro.Account} except {@code sipDomain}, which comes from the
 * configuration. Never holds a secret.
 */
@JsonPropertyOrder(alphabetic = false)
public record AccountDoc(String id, String displayName, boolean enabled, String sipUsername, String region,
                         String defaultCallerId, List<String> numbers, String outboundTrunk, String outboundHost,
                         List<String> allowedCountries, int maxConcurrentCalls, int maxCallsPerSecond, boolean prepaid,
                         String creditLimit, String currency, String rateDeckId, Integer monthlyMinutes,
                         String forwardTarget, String noAnswerTarget, int noAnswerSeconds, List<DialRule> dialPlan,
                         long version, Instant updatedAt) {

    public AccountDoc {
        numbers = numbers == null ? List.of() : List.copyOf(numbers);
        allowedCountries = allowedCountries == null ? List.of() : List.copyOf(allowedCountries);
        dialPlan = dialPlan == null ? List.of() : List.copyOf(dialPlan);
    }

    public AccountDoc withNumbers(List<String> newNumbers) {
        return new AccountDoc(id, displayName, enabled, sipUsername, region, defaultCallerId, newNumbers, outboundTrunk,
                outboundHost, allowedCountries, maxConcurrentCalls, maxCallsPerSecond, prepaid, creditLimit, currency,
                rateDeckId, monthlyMinutes, forwardTarget, noAnswerTarget, noAnswerSeconds, dialPlan, version, updatedAt);
    }

    public AccountDoc withDialPlan(List<DialRule> rules) {
        return new AccountDoc(id, displayName, enabled, sipUsername, region, defaultCallerId, numbers, outboundTrunk,
                outboundHost, allowedCountries, maxConcurrentCalls, maxCallsPerSecond, prepaid, creditLimit, currency,
                rateDeckId, monthlyMinutes, forwardTarget, noAnswerTarget, noAnswerSeconds, rules, version, updatedAt);
    }

    public AccountDoc withVersion(long newVersion, Instant at) {
        return new AccountDoc(id, displayName, enabled, sipUsername, region, defaultCallerId, numbers, outboundTrunk,
                outboundHost, allowedCountries, maxConcurrentCalls, maxCallsPerSecond, prepaid, creditLimit, currency,
                rateDeckId, monthlyMinutes, forwardTarget, noAnswerTarget, noAnswerSeconds, dialPlan, newVersion, at);
    }
}
