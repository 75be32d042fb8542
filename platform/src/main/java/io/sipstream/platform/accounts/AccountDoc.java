package io.sipstream.platform.accounts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonView;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sipstream.platform.http.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * An account as number-registry keeps it in Redis under {@code account:<id>} (JSON) and shows it in
 * its API, and as the edge reads it for every INVITE: the shape both agree on. The component names
 * are the stored field names; renaming one would leave existing records unread. Maps 1:1 to the
 * Avro {@code io.sipstream.avro.Account} except {@code sipDomain}, which comes from the
 * configuration, and {@code media}, which only the edge reads. Never holds a secret. {@code allowUnratedCalls} is written only when true, and the busy,
 * unavailable and failure targets, {@code emergencyTrunk} and {@code media} (passthrough, anchor or auto: whether the edge
 * anchors the account's calls' media; read with {@code enabled} on every INVITE) only when set, so the records of every account without them read and write as
 * before they existed.
 */
@JsonPropertyOrder(alphabetic = false)
public record AccountDoc(String id, String displayName,
                         @JsonView(Authorization.class) @JsonDeserialize(using = EnabledFlag.class) boolean enabled,
                         String sipUsername, String region,
                         String defaultCallerId, List<String> numbers, String outboundTrunk, String outboundHost,
                         List<String> allowedCountries, int maxConcurrentCalls, int maxCallsPerSecond, boolean prepaid,
                         String creditLimit, @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean allowUnratedCalls,
                         String currency, String rateDeckId, Integer monthlyMinutes,
                         String forwardTarget, String noAnswerTarget, int noAnswerSeconds, List<DialRule> dialPlan,
                         long version, Instant updatedAt,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String busyTarget,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String unavailableTarget,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String failureTarget,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String emergencyTrunk,
                         @JsonView(Authorization.class) @JsonInclude(JsonInclude.Include.NON_NULL) String media) {

    /** The fields that authorising a call reads ({@link #readForAuthorization}). */
    public interface Authorization {}

    /** Unknown fields are skipped: a newer registry may add some before every edge knows them. */
    private static final ObjectReader READER = Json.MAPPER.readerFor(AccountDoc.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    /** Binds only the {@link Authorization} fields; the others are parsed (a malformed record stays unreadable) but not built. */
    private static final ObjectReader AUTHORIZATION_READER = ((JsonMapper) Json.MAPPER).rebuild()
            .disable(MapperFeature.DEFAULT_VIEW_INCLUSION).build()
            .readerFor(AccountDoc.class).withView(Authorization.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public AccountDoc {
        numbers = numbers == null ? List.of() : List.copyOf(numbers);
        allowedCountries = allowedCountries == null ? List.of() : List.copyOf(allowedCountries);
        dialPlan = dialPlan == null ? List.of() : List.copyOf(dialPlan);
    }

    /** A stored account; null for null. */
    public static AccountDoc read(String json) throws IOException {
        return json == null ? null : READER.readValue(json);
    }

    /**
     * A stored account with only the {@link Authorization} fields read, the rest left at their defaults: the edge
     * reads this on every INVITE, and an account's numbers and dial plan are no business of authorisation.
     * Null for null or a JSON {@code null}.
     */
    public static AccountDoc readForAuthorization(String json) throws IOException {
        return json == null ? null : AUTHORIZATION_READER.readValue(json);
    }

    /** An account without an emergency trunk of its own (emergency calls take the router's, else the outbound trunk). */
    public AccountDoc(String id, String displayName, boolean enabled, String sipUsername, String region,
                      String defaultCallerId, List<String> numbers, String outboundTrunk, String outboundHost,
                      List<String> allowedCountries, int maxConcurrentCalls, int maxCallsPerSecond, boolean prepaid,
                      String creditLimit, boolean allowUnratedCalls, String currency, String rateDeckId, Integer monthlyMinutes,
                      String forwardTarget, String noAnswerTarget, int noAnswerSeconds, List<DialRule> dialPlan,
                      long version, Instant updatedAt, String busyTarget, String unavailableTarget, String failureTarget) {
        this(id, displayName, enabled, sipUsername, region, defaultCallerId, numbers, outboundTrunk, outboundHost, allowedCountries,
                maxConcurrentCalls, maxCallsPerSecond, prepaid, creditLimit, allowUnratedCalls, currency, rateDeckId, monthlyMinutes,
                forwardTarget, noAnswerTarget, noAnswerSeconds, dialPlan, version, updatedAt, busyTarget, unavailableTarget,
                failureTarget, null);
    }

    /** An account without a media mode of its own (its calls' media as its trunks say). */
    public AccountDoc(String id, String displayName, boolean enabled, String sipUsername, String region,
                      String defaultCallerId, List<String> numbers, String outboundTrunk, String outboundHost,
                      List<String> allowedCountries, int maxConcurrentCalls, int maxCallsPerSecond, boolean prepaid,
                      String creditLimit, boolean allowUnratedCalls, String currency, String rateDeckId, Integer monthlyMinutes,
                      String forwardTarget, String noAnswerTarget, int noAnswerSeconds, List<DialRule> dialPlan,
                      long version, Instant updatedAt, String busyTarget, String unavailableTarget, String failureTarget,
                      String emergencyTrunk) {
        this(id, displayName, enabled, sipUsername, region, defaultCallerId, numbers, outboundTrunk, outboundHost, allowedCountries,
                maxConcurrentCalls, maxCallsPerSecond, prepaid, creditLimit, allowUnratedCalls, currency, rateDeckId, monthlyMinutes,
                forwardTarget, noAnswerTarget, noAnswerSeconds, dialPlan, version, updatedAt, busyTarget, unavailableTarget,
                failureTarget, emergencyTrunk, null);
    }

    public AccountDoc withNumbers(List<String> newNumbers) {
        return new AccountDoc(id, displayName, enabled, sipUsername, region, defaultCallerId, newNumbers, outboundTrunk,
                outboundHost, allowedCountries, maxConcurrentCalls, maxCallsPerSecond, prepaid, creditLimit, allowUnratedCalls, currency,
                rateDeckId, monthlyMinutes, forwardTarget, noAnswerTarget, noAnswerSeconds, dialPlan, version, updatedAt,
                busyTarget, unavailableTarget, failureTarget, emergencyTrunk, media);
    }

    public AccountDoc withDialPlan(List<DialRule> rules) {
        return new AccountDoc(id, displayName, enabled, sipUsername, region, defaultCallerId, numbers, outboundTrunk,
                outboundHost, allowedCountries, maxConcurrentCalls, maxCallsPerSecond, prepaid, creditLimit, allowUnratedCalls, currency,
                rateDeckId, monthlyMinutes, forwardTarget, noAnswerTarget, noAnswerSeconds, rules, version, updatedAt,
                busyTarget, unavailableTarget, failureTarget, emergencyTrunk, media);
    }

    public AccountDoc withVersion(long newVersion, Instant at) {
        return new AccountDoc(id, displayName, enabled, sipUsername, region, defaultCallerId, numbers, outboundTrunk,
                outboundHost, allowedCountries, maxConcurrentCalls, maxCallsPerSecond, prepaid, creditLimit, allowUnratedCalls, currency,
                rateDeckId, monthlyMinutes, forwardTarget, noAnswerTarget, noAnswerSeconds, dialPlan, newVersion, at,
                busyTarget, unavailableTarget, failureTarget, emergencyTrunk, media);
    }

    /**
     * {@code enabled} read the way the edge has always read it (Jackson's {@code JsonNode.asBoolean(true)}):
     * absent, null or not a recognisable flag is enabled, as the API's default is; false, 0 and "false" are not.
     * So a hand-edited record is read alike by the registry and the edge, and never fails on this field.
     */
    static final class EnabledFlag extends StdDeserializer<Boolean> {
        EnabledFlag() { super(Boolean.class); }

        @Override
        public Boolean deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return switch (p.currentToken()) {
                case VALUE_FALSE -> false;
                case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? p.getBigIntegerValue().signum() != 0 : p.getLongValue() != 0;
                case VALUE_STRING -> !p.getText().trim().equals("false");
                case START_OBJECT, START_ARRAY -> {
                    p.skipChildren();
                    yield true;
                }
                default -> true;
            };
        }

        @Override
        public Boolean getNullValue(DeserializationContext ctxt) { return true; }

        @Override
        public Object getAbsentValue(DeserializationContext ctxt) { return true; }
    }
}
