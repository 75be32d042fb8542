package io.sipstream.billing.api;

import static io.sipstream.billing.api.ApiValues.plain;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiContentProperty;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.sipstream.avro.Account;
import io.sipstream.avro.CreditChange;
import io.sipstream.avro.CreditType;
import io.sipstream.billing.StoreNames;
import io.sipstream.billing.accounts.AccountArrivals;
import io.sipstream.billing.accounts.AccountDefaults;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.CreditConfirmations;
import io.sipstream.billing.balances.CreditReceipt;
import io.sipstream.billing.balances.Credits;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Json;
import io.sipstream.schemas.Money;
import io.sipstream.schemas.Topics;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * {@code POST /v1/accounts/{id}/credits}: writes a CreditChange to billing.credits and waits (at
 * most {@code billing.credit.confirm.timeout}) for the credits processor to decide on it: 201 when
 * this request's record was applied, 200 for a key applied before, 422 when refused, 202 when
 * billing did not decide in time. Runs on the instance that owns the account ({@link AccountRouter}),
 * where the processor confirms it. An account the registry never issued gets 404: billing has no
 * record of it and no money of it (a deleted account's balance can still be refunded).
 */
public final class CreditApi {
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Set<String> CREDIT_FIELDS = Set.of("amount", "currency", "idempotencyKey", "reason", "type");
    /** The idempotency key as a header, as the registry's writes take it, for clients that send it so on every POST. */
    static final String IDEMPOTENCY_HEADER = "Idempotency-Key";

    private final Producer<String, CreditChange> credits;
    private final AccountRouter router;
    private final CreditConfirmations confirmations;
    private final AccountArrivals arrivals;
    private final Duration confirmTimeout;
    private final Clock clock;
    private final MeterRegistry metrics;

    public CreditApi(Producer<String, CreditChange> credits, AccountRouter router, CreditConfirmations confirmations,
                     AccountArrivals arrivals, Duration confirmTimeout, Clock clock, MeterRegistry metrics) {
        this.credits = credits;
        this.router = router;
        this.confirmations = confirmations;
        this.arrivals = arrivals;
        this.confirmTimeout = confirmTimeout;
        this.clock = clock;
        this.metrics = metrics;
    }

    public void mount(Javalin app) {
        app.post("/v1/accounts/{id}/credits", ctx -> router.route(ctx, this::postCredit));
    }

    @OpenApi(path = "/v1/accounts/{id}/credits", methods = HttpMethod.POST, versions = BillingApi.DOCUMENT, tags = "accounts",
            summary = "Credit (top up, refund or adjust) an account's balance, once per idempotency key",
            pathParams = @OpenApiParam(name = "id", required = true, description = BillingApi.ACCOUNT_ID),
            headers = @OpenApiParam(name = IDEMPOTENCY_HEADER, description = "the credit's idempotency key, when the body has no idempotencyKey"),
            requestBody = @OpenApiRequestBody(required = true, content = @OpenApiContent(mimeType = "application/json", properties = {
                    @OpenApiContentProperty(name = "amount", type = "string"), @OpenApiContentProperty(name = "currency", type = "string"),
                    @OpenApiContentProperty(name = "idempotencyKey", type = "string"), @OpenApiContentProperty(name = "reason", type = "string"),
                    @OpenApiContentProperty(name = "type", type = "string")})),
            responses = {@OpenApiResponse(status = "201", description = "applied", content = @OpenApiContent(mimeType = "application/json", properties = {@OpenApiContentProperty(name = "accountId", type = "string"), @OpenApiContentProperty(name = "idempotencyKey", type = "string"), @OpenApiContentProperty(name = "amount", type = "string"), @OpenApiContentProperty(name = "currency", type = "string"), @OpenApiContentProperty(name = "new", type = "boolean"), @OpenApiContentProperty(name = "balance", type = "string"), @OpenApiContentProperty(name = "status", type = "string")})),
                    @OpenApiResponse(status = "200", description = "applied before, with this key", content = @OpenApiContent(mimeType = "application/json", properties = {@OpenApiContentProperty(name = "accountId", type = "string"), @OpenApiContentProperty(name = "idempotencyKey", type = "string"), @OpenApiContentProperty(name = "amount", type = "string"), @OpenApiContentProperty(name = "currency", type = "string"), @OpenApiContentProperty(name = "new", type = "boolean"), @OpenApiContentProperty(name = "balance", type = "string"), @OpenApiContentProperty(name = "status", type = "string")})),
                    @OpenApiResponse(status = "202", description = "written; billing has not applied it yet", content = @OpenApiContent(mimeType = "application/json", properties = {@OpenApiContentProperty(name = "accountId", type = "string"), @OpenApiContentProperty(name = "idempotencyKey", type = "string"), @OpenApiContentProperty(name = "amount", type = "string"), @OpenApiContentProperty(name = "currency", type = "string"), @OpenApiContentProperty(name = "new", type = "boolean"), @OpenApiContentProperty(name = "balance", type = "string"), @OpenApiContentProperty(name = "status", type = "string")})),
                    @OpenApiResponse(status = "400", description = "a field that is not valid"),
                    @OpenApiResponse(status = "404", description = "an account the registry never issued"),
                    @OpenApiResponse(status = "409", description = "the key was used for another amount"),
                    @OpenApiResponse(status = "422", description = "refused: another currency, or a refund over the credits"),
                    @OpenApiResponse(status = "503", description = "billing.credits cannot be written, or billing is rebalancing")})
    private void postCredit(Context ctx, String accountId, BillingQueries queries) throws InterruptedException {
        JsonNode body = Json.parseBody(ctx.body());
        body.fieldNames().forEachRemaining(f -> {
            if (!CREDIT_FIELDS.contains(f)) throw ApiException.badRequest(f, "unknown field '" + f + "'; allowed: " + CREDIT_FIELDS);
        });
        BigDecimal amount = amount(body.get("amount"));
        String currency = text(body, "currency", true);
        if (!CURRENCY.matcher(currency).matches()) {
            throw ApiException.badRequest("currency", "'" + currency + "' is not an ISO 4217 currency code (e.g. USD)");
        }
        String key = idempotencyKey(ctx, body);
        String reason = text(body, "reason", false);
        if (reason != null && reason.length() > 500) throw ApiException.badRequest("reason", "is longer than 500 characters");
        CreditType type = type(body);

        String receiptKey = CreditReceipt.key(accountId, key);
        CreditReceipt earlier = queries.get(StoreNames.CREDIT_RECEIPTS, receiptKey);
        if (earlier != null) {
            answer(ctx, queries, accountId, key, amount, currency, earlier, false);
            return;
        }
        awaitIssued(accountId, queries);
        String billed = knownCurrency(accountId, queries);
        if (billed != null && !billed.equals(currency)) {
            metrics.counter("sipstream.billing.credits", "outcome", "refused").increment();
            throw ApiException.unprocessable("currency", "account " + accountId + " is billed in " + billed + ", not " + currency);
        }

        CreditChange change = CreditChange.newBuilder()
                .setAccountId(accountId).setIdempotencyKey(key).setAmount(Money.of(amount)).setCurrency(currency)
                .setReason(reason).setCreatedAt(clock.instant()).setType(type).build();
        // waiting before the record exists: the processor cannot decide on it unseen
        CompletableFuture<CreditReceipt> decided = confirmations.expect(receiptKey);
        CreditReceipt receipt;
        RecordMetadata sent;
        try {
            try {
                sent = credits.send(new ProducerRecord<>(Topics.BILLING_CREDITS.name(), accountId, change)).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw ApiException.unavailable("cannot write the credit to " + Topics.BILLING_CREDITS.name() + ": " + e.getMessage());
            }
            receipt = decided(decided, receiptKey, queries);
        } finally {
            confirmations.forget(receiptKey, decided);
        }
        if (receipt == null) {
            metrics.counter("sipstream.billing.credits", "outcome", "accepted").increment();
            Map<String, Object> out = creditBody(accountId, key, amount, currency);
            out.put("new", null);
            out.put("status", "accepted: billing has not applied it yet");
            ctx.status(202).json(out);
            return;
        }
        boolean ours = receipt.partition == sent.partition() && receipt.offset == sent.offset();
        answer(ctx, queries, accountId, key, amount, currency, receipt, ours);
    }

    /**
     * Returns once billing knows the account: the registry issued it (billing has its registry.accounts
     * record) or billing holds money of it. An account created a moment ago may be on its way through
     * registry.accounts: the request waits for the accounts processor to store it ({@link AccountArrivals}),
     * at most {@code billing.credit.confirm.timeout}, before the 404.
     */
    private void awaitIssued(String accountId, BillingQueries queries) throws InterruptedException {
        if (known(accountId, queries)) return;
        CompletableFuture<Void> arrival = arrivals.expect(accountId);
        try {
            if (known(accountId, queries)) return; // stored between the first look and the registration
            arrival.get(confirmTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            if (known(accountId, queries)) return; // stored on another instance, should the partition have moved
            metrics.counter("sipstream.billing.credits", "outcome", "refused").increment();
            throw new ApiException(404, null, "account " + accountId + " not found: the registry has not issued it");
        } finally {
            arrivals.forget(accountId, arrival);
        }
    }

    private static boolean known(String accountId, BillingQueries queries) {
        return queries.get(StoreNames.ACCOUNTS, accountId) != null || holdsMoney(queries.get(StoreNames.BALANCES, accountId));
    }

    private static boolean holdsMoney(BalanceState state) { return state != null && state.currency != null; }

    /**
     * The currency billing knows the account's balance in, by the processor's own rule; null when it
     * knows neither account nor balance currency yet (the processor decides: its account record may
     * be on its way).
     */
    private static String knownCurrency(String accountId, BillingQueries queries) {
        Account account = queries.get(StoreNames.ACCOUNTS, accountId);
        BalanceState state = queries.get(StoreNames.BALANCES, accountId);
        if (state == null) state = new BalanceState();
        if (account == null && state.currency == null) return null;
        return state.billedIn(AccountDefaults.orDefault(accountId, account));
    }

    /** The receipt the processor confirmed within the timeout, else the one the store holds by then, else null. */
    private CreditReceipt decided(CompletableFuture<CreditReceipt> decided, String receiptKey, BillingQueries queries)
            throws InterruptedException {
        try {
            return decided.get(confirmTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            try {
                // confirmed on another instance, should the partition have moved meanwhile
                return queries.get(StoreNames.CREDIT_RECEIPTS, receiptKey);
            } catch (ApiException unavailable) {
                return null;
            }
        }
    }

    /** Answers with what became of the key: {@code isNew} when this request's own record was the one decided on. */
    private void answer(Context ctx, BillingQueries queries, String accountId, String key, BigDecimal amount, String currency,
                        CreditReceipt receipt, boolean isNew) {
        if (!isNew && !Credits.sameCredit(receipt, amount, currency)) {
            throw ApiException.conflict("idempotencyKey", "idempotency key '" + key + "' was already used for "
                    + plain(receipt.amount) + " " + receipt.currency);
        }
        if (!receipt.applied) {
            metrics.counter("sipstream.billing.credits", "outcome", "refused").increment();
            throw ApiException.unprocessable(Credits.refusedAmount(receipt) ? "amount" : "currency", receipt.refusal);
        }
        metrics.counter("sipstream.billing.credits", "outcome", isNew ? "applied" : "duplicate").increment();
        Map<String, Object> out = creditBody(accountId, key, amount, currency);
        out.put("new", isNew);
        BalanceState state = queries.get(StoreNames.BALANCES, accountId);
        if (state != null) out.put("balance", plain(state.balance()));
        ctx.status(isNew ? 201 : 200).json(out);
    }

    private static Map<String, Object> creditBody(String accountId, String key, BigDecimal amount, String currency) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("accountId", accountId);
        out.put("idempotencyKey", key);
        out.put("amount", plain(amount));
        out.put("currency", currency);
        return out;
    }

    /** The body's idempotencyKey, or the Idempotency-Key header; both must then name the same key. */
    private static String idempotencyKey(Context ctx, JsonNode body) {
        String header = ctx.header(IDEMPOTENCY_HEADER);
        if (header != null) {
            header = header.trim();
            // a structured-field string ("...") as the header's draft has it, or a bare token
            if (header.length() >= 2 && header.startsWith("\"") && header.endsWith("\"")) header = header.substring(1, header.length() - 1);
            if (header.isEmpty()) throw ApiException.badRequest(IDEMPOTENCY_HEADER, IDEMPOTENCY_HEADER + " must not be empty");
        }
        JsonNode given = body.get("idempotencyKey");
        if (header == null && (given == null || given.isNull())) {
            throw ApiException.badRequest("idempotencyKey", "idempotencyKey is required (or the " + IDEMPOTENCY_HEADER + " header)");
        }
        String inBody = text(body, "idempotencyKey", header == null);
        if (inBody != null && header != null && !inBody.equals(header)) {
            throw ApiException.badRequest(IDEMPOTENCY_HEADER, IDEMPOTENCY_HEADER + " '" + abbreviate(header)
                    + "' and the body's idempotencyKey '" + abbreviate(inBody) + "' differ: send one, or the same in both");
        }
        String key = inBody != null ? inBody : header;
        String field = inBody != null ? "idempotencyKey" : IDEMPOTENCY_HEADER;
        if (key.length() > 200) throw ApiException.badRequest(field, "is longer than 200 characters");
        if (inBody == null && !key.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw ApiException.badRequest(field, "must be printable ASCII characters");
        }
        return key;
    }

    private static String abbreviate(String s) { return s.length() <= 40 ? s : s.substring(0, 40) + "..."; }

    private static BigDecimal amount(JsonNode node) {
        if (node == null || node.isNull()) throw ApiException.badRequest("amount", "amount is required, e.g. \"10.00\"");
        if (!node.isTextual() && !node.isNumber()) throw ApiException.badRequest("amount", "amount must be a decimal string");
        BigDecimal amount;
        try {
            // a JSON number is checked as the parser made it: its plain text may be a billion digits long
            amount = node.isNumber() ? Money.of(Money.check(node.decimalValue())) : Money.parse(node.asText());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("amount", e.getMessage());
        }
        if (amount.signum() == 0) throw ApiException.badRequest("amount", "amount must not be zero");
        return amount;
    }

    /** {@code credit} (the default: a top-up, or a refund when negative) or {@code adjustment}. */
    private static CreditType type(JsonNode body) {
        String type = text(body, "type", false);
        if (type == null || type.equalsIgnoreCase("credit")) return CreditType.CREDIT;
        if (type.equalsIgnoreCase("adjustment")) return CreditType.ADJUSTMENT;
        throw ApiException.badRequest("type", "'" + (type.length() > 40 ? type.substring(0, 40) + "..." : type)
                + "' is not a credit type: credit (a top-up, or a refund of credits received) or adjustment");
    }

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            if (required) throw ApiException.badRequest(field, field + " is required");
            return null;
        }
        if (!node.isTextual()) throw ApiException.badRequest(field, field + " must be a string");
        String value = node.asText().trim();
        if (required && value.isEmpty()) throw ApiException.badRequest(field, field + " must not be empty");
        return value;
    }
}
