package io.sipstream.billing.api;

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
import io.micrometer.core.instrument.MeterRegistry;
import io.sipstream.avro.Rate;
import io.sipstream.billing.StoreNames;
import io.sipstream.billing.decks.DeckWatch;
import io.sipstream.billing.rating.RateDeckCsv;
import io.sipstream.billing.rating.RateDeckLoader;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Pages;
import io.sipstream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code PUT /v1/ratedecks/{id}} (CSV) replaces a deck and answers once this instance rates with
 * it ({@code applied}), or after {@code billing.credit.confirm.timeout} with {@code applied: false};
 * {@code GET /v1/ratedecks/{id}} lists its rows (as JSON, or with {@code Accept: text/csv} as the CSV the PUT takes). Every instance holds every deck: nothing is forwarded.
 */
public final class RateDeckApi {
    /** The route's body limit: an A-Z deck is tens of thousands of rows, far over the admin server's default. */
    public static final long MAX_DECK_BYTES = 16_000_000L;
    public static final String DECK_PATH = "/v1/ratedecks/{id}";
    private final RateDeckLoader decks;
    private final BillingQueries queries;
    private final DeckWatch watch;
    private final Duration confirmTimeout;
    private final MeterRegistry metrics;

    public RateDeckApi(RateDeckLoader decks, BillingQueries queries, DeckWatch watch, Duration confirmTimeout,
                       MeterRegistry metrics) {
        this.decks = decks;
        this.queries = queries;
        this.watch = watch;
        this.confirmTimeout = confirmTimeout;
        this.metrics = metrics;
    }

    public void mount(Javalin app) {
        app.put(DECK_PATH, this::putDeck);
        app.get(DECK_PATH, this::getDeck);
    }

    @OpenApi(path = DECK_PATH, methods = HttpMethod.PUT, versions = BillingApi.DOCUMENT, tags = "rates",
            summary = "Replace a rate deck with a CSV",
            description = "Answers once this instance rates with the new deck (applied), or after billing.credit.confirm.timeout "
                    + "with applied false. Bodies up to 16 MB (an A-Z deck).",
            pathParams = @OpenApiParam(name = "id", required = true, description = "the deck id: 1 to 64 letters, digits, '.', '_' or '-'"),
            headers = @OpenApiParam(name = "If-Match", description = "the ETag of the deck the upload replaces: 412 when it changed"),
            requestBody = @OpenApiRequestBody(required = true, description = "prefix,price_per_minute,currency,first_increment,next_increment[,connection_fee]",
                    content = @OpenApiContent(mimeType = "text/csv", type = "string")),
            responses = {@OpenApiResponse(status = "200", description = "loaded (ETag: the deck's)", content = @OpenApiContent(mimeType = "application/json", properties = {
                    @OpenApiContentProperty(name = "deckId", type = "string"), @OpenApiContentProperty(name = "rows", type = "integer"),
                    @OpenApiContentProperty(name = "written", type = "integer"), @OpenApiContentProperty(name = "removed", type = "integer"),
                    @OpenApiContentProperty(name = "applied", type = "boolean")})),
                    @OpenApiResponse(status = "400", description = "a deck id that is not valid"),
                    @OpenApiResponse(status = "412", description = "If-Match not met"),
                    @OpenApiResponse(status = "422", description = "a row that is not valid (field: line and column)"),
                    @OpenApiResponse(status = "503", description = "billing.rates cannot be written")})
    private void putDeck(Context ctx) throws InterruptedException {
        String deckId = ctx.pathParam("id");
        if (!RateDeckCsv.validDeckId(deckId)) {
            throw ApiException.badRequest("id", "deck id '" + deckId + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        List<Rate> rows;
        try {
            rows = RateDeckCsv.parse(deckId, ctx.body());
        } catch (RateDeckCsv.CsvException e) {
            metrics.counter("sipstream.billing.ratedeck.loads", "outcome", "invalid").increment();
            throw ApiException.unprocessable(e.where(), e.getMessage());
        }
        RateDeckLoader.Result result;
        try {
            result = decks.replace(deckId, rows, ctx.header("If-Match"));
        } catch (RateDeckLoader.StaleDeckException e) {
            throw ApiException.preconditionFailed(e.getMessage());
        } catch (KafkaException e) {
            throw ApiException.unavailable("cannot write the deck to " + Topics.BILLING_RATES.name() + ": " + e.getMessage());
        }
        metrics.counter("sipstream.billing.ratedeck.loads", "outcome", "loaded").increment();
        // so that calls after the answer are rated with the new deck
        boolean applied = watch.await(result.deck(), result.removedKeys(), this::rates, confirmTimeout);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("deckId", deckId);
        body.put("rows", result.rows());
        body.put("written", result.written());
        body.put("removed", result.removed());
        body.put("applied", applied);
        ctx.header("ETag", result.etag()).json(body);
    }

    /** This instance's global store of rate rows, as the topology rates with them. */
    private Function<String, Rate> rates() {
        ReadOnlyKeyValueStore<String, Rate> store = queries.store(StoreNames.RATES);
        return store::get;
    }

    @OpenApi(path = DECK_PATH, methods = HttpMethod.GET, versions = BillingApi.DOCUMENT, tags = "rates",
            summary = "A rate deck's rows, as JSON or (Accept: text/csv) as the CSV the PUT takes",
            pathParams = @OpenApiParam(name = "id", required = true, description = "the deck id"),
            headers = @OpenApiParam(name = "Accept", description = "text/csv for the CSV"),
            responses = {@OpenApiResponse(status = "200", description = "the deck (ETag: its version)", content = {
                    @OpenApiContent(mimeType = "application/json", properties = {@OpenApiContentProperty(name = "deckId", type = "string"),
                            @OpenApiContentProperty(name = "rates", isArray = true, type = "object")}),
                    @OpenApiContent(mimeType = "text/csv", type = "string")}),
                    @OpenApiResponse(status = "400", description = "a deck id that is not valid"),
                    @OpenApiResponse(status = "404", description = "no such deck"),
                    @OpenApiResponse(status = "503", description = "billing.rates cannot be read")})
    private void getDeck(Context ctx) {
        String deckId = ctx.pathParam("id");
        if (!RateDeckCsv.validDeckId(deckId)) throw ApiException.badRequest("id", "deck id '" + deckId + "' is not valid");
        Map<String, Rate> rows;
        try {
            rows = decks.current(deckId);
        } catch (KafkaException e) {
            throw ApiException.unavailable("cannot read " + Topics.BILLING_RATES.name() + ": " + e.getMessage());
        }
        if (rows.isEmpty()) throw ApiException.notFound("rate deck '" + deckId + "'");
        ctx.header("ETag", RateDeckLoader.etag(rows.values()));
        if (Pages.wantsCsv(ctx)) { // the columns the PUT reads: a downloaded deck uploads again unchanged
            ctx.contentType("text/csv; charset=utf-8").result(RateDeckCsv.write(rows.values()));
            return;
        }
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
        ctx.json(Map.of("deckId", deckId, "rates", out));
    }
}
