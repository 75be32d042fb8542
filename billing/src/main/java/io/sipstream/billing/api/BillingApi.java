package io.sipstream.billing.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.CreditChange;
import io.sipstream.avro.Rate;
import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.avro.UsagePeriod;
import io.sipstream.billing.StoreNames;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.CreditReceipt;
import io.sipstream.billing.blocks.BlockPolicy;
import io.sipstream.billing.cdrs.CdrKeys;
import io.sipstream.billing.rating.RateDeckCsv;
import io.sipstream.billing.rating.RateDeckLoader;
import io.sipstream.billing.usage.UsageWindows;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Json;
import io.sipstream.schemas.Money;
import io.sipstream.schemas.Topics;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Billing's REST API: {@code PUT /v1/ratedecks/{id}} (CSV), {@code GET /v1/ratedecks/{id}},
 * {@code POST /v1/accounts/{id}/credits}, {@code GET /v1/accounts/{id}/usage} and
 * {@code GET /v1/accounts/{id}/cdrs?offset=&count=}. Reads come from the topology's stores; the
 * account requests run on the billing instance that owns the account ({@link AccountRouter}).
 */
public final class BillingApi {
    private static final Pattern ACCOUNT_ID = Pattern.compile("[^|\\s/]{1,128}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Set<String> CREDIT_FIELDS = Set.of("amount", "currency", "idempotencyKey", "reason");
    private static final int MAX_COUNT = 1000;

    private final RateDeckLoader decks;
    private final Producer<String, CreditChange> credits;
    private final BillingQueries queries;
    private final AccountRouter router;
    private final Duration confirmTimeout;
    private final Clock clock;
    private final MeterRegistry metrics;

    public BillingApi(RateDeckLoader decks, Producer<String, CreditChange> credits, BillingQueries queries,
                      AccountRouter router, Duration confirmTimeout, Clock clock, MeterRegistry metrics) {
        this.decks = decks;
        this.credits = credits;
        this.queries = queries;
        this.router = router;
        this.confirmTimeout = confirmTimeout;
        this.clock = clock;
        this.metrics = metrics;
    }

    public void mount(Javalin app) {
        app.put("/v1/ratedecks/{id}", this::putDeck);
        app.get("/v1/ratedecks/{id}", this::getDeck);
        app.post("/v1/accounts/{id}/credits", ctx -> routed(ctx, this::postCredit));
        app.get("/v1/accounts/{id}/usage", ctx -> routed(ctx, this::getUsage));
        app.get("/v1/accounts/{id}/cdrs", ctx -> routed(ctx, this::getCdrs));
    }

    /** A request about one account, served with the queries of the instance that owns it. */
    @FunctionalInterface
    private interface AccountHandler {
        void handle(Context ctx, String accountId, BillingQueries queries) throws Exception;
    }

    /** Serves the request here when this instance owns the account, else on the owner (see {@link AccountRouter}). */
    private void routed(Context ctx, AccountHandler handler) throws Exception {
        String accountId = accountId(ctx);
        AccountRouter.Place place = router.place(accountId, ctx.header(AccountRouter.FORWARDED_BY) != null);
        switch (place) {
            case AccountRouter.There there -> router.forward(ctx, accountId, there);
            case AccountRouter.Here here -> handler.handle(ctx, accountId, here.queries());
        }
    }

    // ---- rate decks

    private void putDeck(Context ctx) {
        String deckId = ctx.pathParam("id");
        if (!RateDeckCsv.validDeckId(deckId)) {
            throw ApiException.badRequest("id", "deck id '" + deckId + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        List<Rate> rows;
        try {
            rows = RateDeckCsv.parse(deckId, ctx.body());
        } catch (RateDeckCsv.CsvException e) {
            metrics.counter("billing_ratedeck_loads_total", "outcome", "invalid").increment();
            throw ApiException.unprocessable(e.where(), e.getMessage());
        }
        RateDeckLoader.Result result;
        try {
            result = decks.replace(deckId, rows, ctx.header("If-Match"));
        } catch (RateDeckLoader.StaleDeckException e) {
            throw ApiException.preconditionFailed(e.getMessage());
        } catch (org.apache.kafka.common.KafkaException e) {
            throw ApiException.unavailable("cannot write the deck to " + Topics.BILLING_RATES.name() + ": " + e.getMessage());
        }
        metrics.counter("billing_ratedeck_loads_total", "outcome", "loaded").increment();
        boolean applied = awaitRates(result);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("deckId", deckId);
        body.put("rows", result.rows());
        body.put("written", result.written());
        body.put("removed", result.removed());
        body.put("applied", applied);
        ctx.header("ETag", result.etag()).json(body);
    }

    /** Waits (a while) until this instance rates with the new deck, so that calls after the answer use it. */
    private boolean awaitRates(RateDeckLoader.Result result) {
        long deadline = System.nanoTime() + confirmTimeout.toNanos();
        while (true) {
            try {
                ReadOnlyKeyValueStore<String, Rate> rates = queries.store(StoreNames.RATES);
                boolean done = result.removedKeys().stream().allMatch(k -> rates.get(k) == null)
                        && result.deck().entrySet().stream().allMatch(e -> e.getValue().equals(rates.get(e.getKey())));
                if (done) return true;
            } catch (ApiException | org.apache.kafka.streams.errors.InvalidStateStoreException notReady) {
                // the store is not queryable yet
            }
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private void getDeck(Context ctx) {
        String deckId = ctx.pathParam("id");
        if (!RateDeckCsv.validDeckId(deckId)) throw ApiException.badRequest("id", "deck id '" + deckId + "' is not valid");
        Map<String, Rate> rows;
        try {
            rows = decks.current(deckId);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw ApiException.unavailable("cannot read " + Topics.BILLING_RATES.name() + ": " + e.getMessage());
        }
        if (rows.isEmpty()) throw ApiException.notFound("rate deck '" + deckId + "'");
        List<Map<String, Object>> out = new ArrayList<>();
        for (Rate r : rows.values()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("prefix", r.getPrefix());
            row.put("pricePerMinute", plain(r.getPricePerMinute()));
            row.put("currency", r.getCurrency());
            row.put("firstIncrement", r.getFirstIncrement());
            row.put("nextIncrement", r.getNextIncrement());
            row.put("connectionFee", plain(r.getConnectionFee()));
            out.add(row);
        }
        ctx.header("ETag", RateDeckLoader.etag(rows.values())).json(Map.of("deckId", deckId, "rates", out));
    }

    // ---- credits

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
        String key = text(body, "idempotencyKey", true);
        if (key.length() > 200) throw ApiException.badRequest("idempotencyKey", "is longer than 200 characters");
        String reason = text(body, "reason", false);
        if (reason != null && reason.length() > 500) throw ApiException.badRequest("reason", "is longer than 500 characters");

        String receiptKey = CreditReceipt.key(accountId, key);
        CreditReceipt earlier = queries.get(StoreNames.CREDIT_RECEIPTS, receiptKey);
        if (earlier != null) {
            if (earlier.amount.compareTo(amount) != 0 || !earlier.currency.equals(currency)) {
                throw ApiException.conflict("idempotencyKey", "idempotency key '" + key + "' was already used for "
                        + plain(earlier.amount) + " " + earlier.currency);
            }
            answerCredit(ctx, queries, accountId, key, amount, currency, earlier, false);
            return;
        }
        Account account = queries.get(StoreNames.ACCOUNTS, accountId);
        BalanceState state = queries.get(StoreNames.BALANCES, accountId);
        String billed = state != null && state.currency != null ? state.currency : account != null ? account.getCurrency() : null;
        if (billed != null && !billed.equals(currency)) {
            metrics.counter("billing_credits_total", "outcome", "refused").increment();
            throw ApiException.unprocessable("currency", "account " + accountId + " is billed in " + billed + ", not " + currency);
        }

        CreditChange change = CreditChange.newBuilder()
                .setAccountId(accountId).setIdempotencyKey(key).setAmount(Money.of(amount)).setCurrency(currency)
                .setReason(reason).setCreatedAt(clock.instant()).build();
        RecordMetadata sent;
        try {
            sent = credits.send(new ProducerRecord<>(Topics.BILLING_CREDITS.name(), accountId, change)).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw ApiException.unavailable("cannot write the credit to " + Topics.BILLING_CREDITS.name() + ": " + e.getMessage());
        }
        // the topology decides; wait to tell whether this record was the one applied
        long deadline = System.nanoTime() + confirmTimeout.toNanos();
        CreditReceipt receipt = null;
        while (System.nanoTime() < deadline) {
            try {
                receipt = queries.get(StoreNames.CREDIT_RECEIPTS, receiptKey);
            } catch (ApiException unavailable) {
                receipt = null;
            }
            if (receipt != null) break;
            Thread.sleep(20);
        }
        if (receipt == null) {
            metrics.counter("billing_credits_total", "outcome", "accepted").increment();
            Map<String, Object> out = creditBody(accountId, key, amount, currency);
            out.put("new", null);
            out.put("status", "accepted: billing has not applied it yet");
            ctx.status(202).json(out);
            return;
        }
        boolean ours = receipt.partition == sent.partition() && receipt.offset == sent.offset();
        answerCredit(ctx, queries, accountId, key, amount, currency, receipt, ours);
    }

    private void answerCredit(Context ctx, BillingQueries queries, String accountId, String key, BigDecimal amount,
                              String currency, CreditReceipt receipt, boolean isNew) {
        if (!receipt.applied) {
            metrics.counter("billing_credits_total", "outcome", "refused").increment();
            throw ApiException.unprocessable("currency", receipt.refusal);
        }
        metrics.counter("billing_credits_total", "outcome", isNew ? "applied" : "duplicate").increment();
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

    // ---- usage

    private void getUsage(Context ctx, String accountId, BillingQueries queries) {
        int count = intParam(ctx, "count", 24, 1, MAX_COUNT);
        List<UsagePeriod> periods = List.of(UsagePeriod.values());
        String period = ctx.queryParam("period");
        if (period != null && !period.isBlank()) {
            try {
                periods = List.of(UsagePeriod.valueOf(period.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("period", "'" + period + "' is not HOUR, DAY or MONTH");
            }
        }
        Account account = queries.get(StoreNames.ACCOUNTS, accountId);
        BalanceState state = queries.get(StoreNames.BALANCES, accountId);
        if (state == null) state = new BalanceState();
        Account effective = account != null ? account
                : Account.newBuilder().setAccountId(accountId).setSipUsername(accountId).setSipDomain("").build();
        BlockDecision decision = BlockPolicy.decide(accountId, effective, state, clock.instant());

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("accountId", accountId);
        out.put("currency", decision.getCurrency());
        out.put("balance", plain(decision.getBalance()));
        out.put("credits", plain(state.credits));
        out.put("charged", plain(state.charged));
        out.put("liveCost", plain(state.liveCost()));
        out.put("liveCalls", decision.getLiveCalls());
        out.put("blocked", decision.getBlocked());
        out.put("reason", decision.getReason());
        out.put("prepaid", decision.getPrepaid());
        out.put("minutesLeft", decision.getMinutesLeft());
        Map<String, Object> windows = new LinkedHashMap<>();
        ReadOnlyKeyValueStore<String, Usage> store = queries.store(StoreNames.USAGE);
        for (UsagePeriod p : periods) {
            List<Map<String, Object>> list = new ArrayList<>();
            try (KeyValueIterator<String, Usage> it = store.reverseRange(UsageWindows.periodStart(accountId, p),
                    UsageWindows.periodEnd(accountId, p))) {
                while (it.hasNext() && list.size() < count) list.add(usage(it.next().value));
            }
            windows.put(p.name(), list);
        }
        out.put("periods", windows);
        ctx.json(out);
    }

    private static Map<String, Object> usage(Usage u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("windowStart", u.getWindowStart().toString());
        m.put("windowEnd", u.getWindowEnd().toString());
        m.put("calls", u.getCalls());
        m.put("answeredCalls", u.getAnsweredCalls());
        m.put("billableSeconds", u.getBillableSeconds());
        m.put("minutes", BigDecimal.valueOf(u.getBillableSeconds()).divide(BigDecimal.valueOf(60), 2, RoundingMode.HALF_UP)
                .toPlainString());
        m.put("cost", plain(u.getCost()));
        m.put("currency", u.getCurrency());
        return m;
    }

    // ---- CDRs

    private void getCdrs(Context ctx, String accountId, BillingQueries queries) {
        int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        int count = intParam(ctx, "count", 50, 1, MAX_COUNT);
        BalanceState state = queries.get(StoreNames.BALANCES, accountId);
        // every CDR passes through the balance, which counts those the store holds and those rated ever
        long total = state == null ? 0 : state.storedCdrs;
        List<Map<String, Object>> list = new ArrayList<>();
        if (total > offset) {
            ReadOnlyKeyValueStore<String, RatedCdr> store = queries.store(StoreNames.CDRS);
            long index = 0;
            try (KeyValueIterator<String, RatedCdr> it = store.range(CdrKeys.accountStart(accountId), CdrKeys.accountEnd(accountId))) {
                while (it.hasNext() && list.size() < count) {
                    KeyValue<String, RatedCdr> kv = it.next();
                    if (index++ >= offset) list.add(cdr(kv.value));
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", total);
        out.put("rated", state == null ? 0 : state.cdrCount);
        out.put("offset", offset);
        out.put("count", list.size());
        out.put("cdrs", list);
        ctx.json(out);
    }

    private static Map<String, Object> cdr(RatedCdr c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("callId", c.getCallId());
        m.put("accountId", c.getAccountId());
        m.put("direction", c.getDirection().name());
        m.put("callerId", c.getCallerId());
        m.put("destination", c.getDestination());
        m.put("trunkId", c.getTrunkId());
        m.put("startedAt", iso(c.getStartedAt()));
        m.put("answeredAt", iso(c.getAnsweredAt()));
        m.put("endedAt", iso(c.getEndedAt()));
        m.put("durationMillis", c.getDurationMillis());
        m.put("billableSeconds", c.getBillableSeconds());
        m.put("deckId", c.getDeckId());
        m.put("ratePrefix", c.getRatePrefix());
        m.put("pricePerMinute", plain(c.getPricePerMinute()));
        m.put("connectionFee", plain(c.getConnectionFee()));
        m.put("cost", plain(c.getCost()));
        m.put("currency", c.getCurrency());
        m.put("disposition", c.getDisposition().name());
        m.put("sipStatus", c.getSipStatus());
        m.put("hangupBy", c.getHangupBy().name());
        m.put("ratedAt", iso(c.getRatedAt()));
        return m;
    }

    // ---- input helpers

    private static String accountId(Context ctx) {
        String id = ctx.pathParam("id");
        if (!ACCOUNT_ID.matcher(id).matches()) {
            throw ApiException.badRequest("id", "account id '" + id + "' must be 1 to 128 characters without '|', '/' or spaces");
        }
        return id;
    }

    private static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) return fallback;
        try {
            int value = Integer.parseInt(raw.trim());
            if (value < min || value > max) {
                throw ApiException.badRequest(name, name + " " + value + " is outside " + min + ".." + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name, name + " '" + raw + "' is not a whole number");
        }
    }

    private static BigDecimal amount(JsonNode node) {
        if (node == null || node.isNull()) throw ApiException.badRequest("amount", "amount is required, e.g. \"10.00\"");
        if (!node.isTextual() && !node.isNumber()) throw ApiException.badRequest("amount", "amount must be a decimal string");
        String text = node.isNumber() ? node.decimalValue().toPlainString() : node.asText();
        BigDecimal amount;
        try {
            amount = Money.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("amount", e.getMessage());
        }
        if (amount.signum() == 0) throw ApiException.badRequest("amount", "amount must not be zero");
        return amount;
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

    private static String plain(BigDecimal amount) { return amount == null ? null : Money.of(amount).toPlainString(); }

    private static String iso(Instant at) { return at == null ? null : at.toString(); }
}
