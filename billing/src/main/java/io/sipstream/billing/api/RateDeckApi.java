package io.sipstream.billing.api;

import static io.sipstream.billing.api.ApiValues.plain;

import io.javalin.Javalin;
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
