package io.sipstream.billing.api;

import static io.sipstream.billing.api.ApiValues.MAX_COUNT;
import static io.sipstream.billing.api.ApiValues.intParam;
import static io.sipstream.billing.api.ApiValues.plain;

import io.javalin.Javalin;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiContentProperty;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;
import io.javalin.http.Context;
import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.avro.UsagePeriod;
import io.sipstream.billing.StoreNames;
import io.sipstream.billing.accounts.AccountDefaults;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.blocks.BlockPolicy;
import io.sipstream.billing.cdrs.CdrKeys;
import io.sipstream.billing.usage.UsageWindows;
import io.sipstream.platform.http.ApiException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * What billing knows of an account, read from the stores of the instance that owns it:
 * {@code GET /v1/accounts/{id}/usage} (balance, block decision as {@link BlockPolicy} makes it now,
 * usage windows) and {@code GET /v1/accounts/{id}/cdrs} (the stored CDRs, newest first).
 */
public final class AccountViewsApi {
    private final AccountRouter router;
    private final Clock clock;

    public AccountViewsApi(AccountRouter router, Clock clock) {
        this.router = router;
        this.clock = clock;
    }

    public void mount(Javalin app) {
        app.get("/v1/accounts/{id}/usage", ctx -> router.route(ctx, this::getUsage));
        app.get("/v1/accounts/{id}/cdrs", ctx -> router.route(ctx, this::getCdrs));
    }

    // ---- usage

    @OpenApi(path = "/v1/accounts/{id}/usage", methods = HttpMethod.GET, versions = BillingApi.DOCUMENT, tags = "accounts",
            summary = "An account's balance, block decision and usage by hour, day and month",
            pathParams = @OpenApiParam(name = "id", required = true, description = BillingApi.ACCOUNT_ID),
            queryParams = {@OpenApiParam(name = "period", description = "HOUR, DAY or MONTH (default: all three)"),
                    @OpenApiParam(name = "count", type = Integer.class, description = "windows per period, newest first (default 24)")},
            responses = {@OpenApiResponse(status = "200", description = "the usage", content = @OpenApiContent(mimeType = "application/json", properties = {
                    @OpenApiContentProperty(name = "accountId", type = "string"), @OpenApiContentProperty(name = "currency", type = "string"),
                    @OpenApiContentProperty(name = "balance", type = "string"), @OpenApiContentProperty(name = "credits", type = "string"),
                    @OpenApiContentProperty(name = "charged", type = "string"), @OpenApiContentProperty(name = "liveCost", type = "string"),
                    @OpenApiContentProperty(name = "liveCalls", type = "integer"), @OpenApiContentProperty(name = "blocked", type = "boolean"),
                    @OpenApiContentProperty(name = "reason", type = "string"), @OpenApiContentProperty(name = "prepaid", type = "boolean"),
                    @OpenApiContentProperty(name = "minutesLeft", type = "integer"), @OpenApiContentProperty(name = "periods", type = "object")})),
                    @OpenApiResponse(status = "400", description = "a period or count that is not valid"),
                    @OpenApiResponse(status = "503", description = "billing's stores are not ready (rebalancing): retry")})
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
        BlockDecision decision = BlockPolicy.decide(accountId, AccountDefaults.orDefault(accountId, account), state, clock.instant());

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

    @OpenApi(path = "/v1/accounts/{id}/cdrs", methods = HttpMethod.GET, versions = BillingApi.DOCUMENT, tags = "cdrs",
            summary = "An account's stored CDRs",
            pathParams = @OpenApiParam(name = "id", required = true, description = BillingApi.ACCOUNT_ID),
            queryParams = {@OpenApiParam(name = "offset", type = Integer.class, description = "CDRs to skip (default 0)"),
                    @OpenApiParam(name = "count", type = Integer.class, description = "CDRs to return (default 50)")},
            responses = {@OpenApiResponse(status = "200", description = "the CDRs", content = @OpenApiContent(mimeType = "application/json", properties = {
                    @OpenApiContentProperty(name = "total", type = "integer"), @OpenApiContentProperty(name = "rated", type = "integer"),
                    @OpenApiContentProperty(name = "offset", type = "integer"), @OpenApiContentProperty(name = "count", type = "integer"),
                    @OpenApiContentProperty(name = "cdrs", isArray = true, type = "object")})),
                    @OpenApiResponse(status = "400", description = "an offset or count that is not valid"),
                    @OpenApiResponse(status = "503", description = "billing's stores are not ready (rebalancing): retry")})
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
                    if (index++ >= offset) list.add(CdrViews.json(kv.value));
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
}
