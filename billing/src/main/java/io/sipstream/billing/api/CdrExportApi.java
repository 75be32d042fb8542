package io.sipstream.billing.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.javalin.Javalin;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiContentProperty;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;
import io.javalin.http.Context;
import io.sipstream.avro.RatedCdr;
import io.sipstream.billing.StoreNames;
import io.sipstream.billing.cdrs.CdrFinder;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Json;
import io.sipstream.platform.http.Pages;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code GET /v1/cdrs?from=&to=&account=}: the stored CDRs of every account (or one) that ended in a
 * window, oldest first, as JSON pages ({@code limit}, {@code cursor}) or, with {@code Accept: text/csv},
 * all of them as one streamed CSV. Each instance reads its own partitions ({@link CdrFinder}); the
 * instance asked merges its own with the other instances' pages by position, so the order and the
 * cursor are the same whichever instance is asked.
 */
public final class CdrExportApi {
    /** The window's length when {@code from} is not given. */
    static final Duration DEFAULT_WINDOW = Duration.ofHours(24);
    static final int DEFAULT_LIMIT = 100;
    private static final Pattern POSITION = Pattern.compile("\\d{19}\\|[^|]{1,128}\\|\\d{19}\\|.+");
    private static final ObjectWriter CSV = new CsvMapper()
            .writer(CsvSchema.builder().addColumns(CdrViews.COLUMNS, CsvSchema.ColumnType.STRING).build().withHeader());

    private final BillingQueries queries;
    private final AccountRouter instances;
    private final Clock clock;

    public CdrExportApi(BillingQueries queries, AccountRouter instances, Clock clock) {
        this.queries = queries;
        this.instances = instances;
        this.clock = clock;
    }

    public void mount(Javalin app) { app.get("/v1/cdrs", this::list); }

    /** A CDR as the page shows it, and its position (the order of pages, the cursor). */
    private record Row(String position, Map<String, Object> fields) {}

    private record Page(List<Row> rows, String next) {}

    @OpenApi(path = "/v1/cdrs", methods = HttpMethod.GET, versions = BillingApi.DOCUMENT, tags = "cdrs",
            summary = "The CDRs of every account (or one) that ended in a window, oldest first",
            description = "JSON pages (limit, cursor), or with Accept: text/csv every CDR of the window as one streamed CSV",
            queryParams = {@OpenApiParam(name = "from", description = "ISO-8601 instant, inclusive (default: 24 h before to)"),
                    @OpenApiParam(name = "to", description = "ISO-8601 instant, exclusive (default: now)"),
                    @OpenApiParam(name = "account", description = "only this account's CDRs"),
                    @OpenApiParam(name = "limit", type = Integer.class, description = "CDRs per page (default 100)"),
                    @OpenApiParam(name = "cursor", description = "the previous page's next, as it was; leave out for the first page")},
            headers = @OpenApiParam(name = "Accept", description = "text/csv for one CSV of the whole window"),
            responses = {@OpenApiResponse(status = "200", description = "a page of CDRs, or the CSV", content = {
                    @OpenApiContent(mimeType = "application/json", properties = {@OpenApiContentProperty(name = "items", isArray = true, type = "object"),
                            @OpenApiContentProperty(name = "next", type = "string")}),
                    @OpenApiContent(mimeType = "text/csv", type = "string")}),
                    @OpenApiResponse(status = "400", description = "a time, account, limit or cursor that is not valid"),
                    @OpenApiResponse(status = "503", description = "billing's stores are not ready (rebalancing): retry")})
    private void list(Context ctx) throws Exception {
        CdrFinder.Window window = window(ctx);
        String after = Pages.cursor(ctx);
        if (after != null && !POSITION.matcher(after).matches()) {
            throw Pages.notACursor(ctx.queryParam("cursor"));
        }
        boolean everywhere = ctx.header(AccountRouter.FORWARDED_BY) == null; // a forwarded request is about this instance's partitions
        if (Pages.wantsCsv(ctx)) {
            csv(ctx, window, after, everywhere);
            return;
        }
        Page page = page(ctx, window, after, Pages.limit(ctx, DEFAULT_LIMIT, ApiValues.MAX_COUNT), everywhere);
        ctx.json(Pages.page(page.rows().stream().map(Row::fields).toList(), page.next()));
    }

    private CdrFinder.Window window(Context ctx) {
        Instant to = instant(ctx, "to", clock.instant());
        Instant from = instant(ctx, "from", to.minus(DEFAULT_WINDOW));
        if (!from.isBefore(to)) throw ApiException.badRequest("from", "from " + from + " must be before to " + to);
        String account = ctx.queryParam("account");
        return new CdrFinder.Window(from, to, account == null || account.isBlank() ? null : AccountRouter.checkedAccountId(account, "account"));
    }

    private static Instant instant(Context ctx, String name, Instant fallback) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) return fallback;
        try {
            return Instant.parse(raw.trim());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name, name + " '" + raw + "' is not an ISO-8601 instant (e.g. 2026-01-31T00:00:00Z)");
        }
    }

    /**
     * The page after {@code after}: this instance's partitions, each read up to one row past the page (so
     * that it is known whether more follow), and when {@code everywhere} the other instances' pages, merged.
     */
    private Page page(Context ctx, CdrFinder.Window window, String after, int limit, boolean everywhere) throws Exception {
        List<Row> rows = new ArrayList<>();
        boolean more = false;
        for (int partition : queries.localPartitions()) {
            BillingQueries local = queries.onPartition(partition);
            ReadOnlyKeyValueStore<String, RatedCdr> cdrs = local.store(StoreNames.CDRS);
            ReadOnlyKeyValueStore<String, Long> expiry = local.store(StoreNames.EXPIRY);
            for (CdrFinder.Found found : new CdrFinder(cdrs, expiry).after(window, after, limit + 1)) {
                rows.add(new Row(found.position(), CdrViews.json(found.cdr())));
            }
        }
        if (everywhere) {
            for (HostInfo other : instances.others()) {
                JsonNode answer = Json.MAPPER.readTree(instances.getFrom(other, query(window, after, limit), ctx.header("Authorization")));
                more |= !answer.path("next").isNull() && !answer.path("next").isMissingNode();
                for (JsonNode item : answer.path("items")) {
                    Map<String, Object> fields = Json.MAPPER.convertValue(item, CdrViews.FIELDS);
                    rows.add(new Row(CdrFinder.position(item.path("accountId").asText(), Instant.parse(item.path("endedAt").asText()),
                            item.path("callId").asText()), fields));
                }
            }
        }
        rows.sort(Comparator.comparing(Row::position));
        more |= rows.size() > limit;
        List<Row> taken = rows.size() > limit ? rows.subList(0, limit) : rows;
        return new Page(taken, more && !taken.isEmpty() ? taken.get(taken.size() - 1).position() : null);
    }

    private static String query(CdrFinder.Window window, String after, int limit) {
        StringBuilder q = new StringBuilder("/v1/cdrs?from=").append(window.from()).append("&to=").append(window.to())
                .append("&limit=").append(limit);
        if (window.accountId() != null) q.append("&account=").append(URLEncoder.encode(window.accountId(), StandardCharsets.UTF_8));
        if (after != null) q.append("&cursor=").append(Pages.encode(after));
        return q.toString();
    }

    /**
     * Every CDR of the window from {@code after} on, one CSV row each after the header, written page by page
     * as it is read. The first page is read before anything is sent, so that an instance that cannot answer
     * makes a 503; a failure later can only cut the stream short.
     */
    private void csv(Context ctx, CdrFinder.Window window, String after, boolean everywhere) throws Exception {
        Page page = page(ctx, window, after, ApiValues.MAX_COUNT, everywhere);
        ctx.contentType("text/csv; charset=utf-8").header("Content-Disposition", "attachment; filename=\"cdrs.csv\"");
        try (SequenceWriter out = CSV.writeValues(ctx.outputStream())) {
            while (true) {
                for (Row row : page.rows()) out.write(cells(row.fields()));
                if (page.next() == null) break;
                out.flush();
                page = page(ctx, window, page.next(), ApiValues.MAX_COUNT, everywhere);
            }
        }
    }

    private static List<String> cells(Map<String, Object> fields) {
        List<String> cells = new ArrayList<>(CdrViews.COLUMNS.size());
        for (String column : CdrViews.COLUMNS) {
            Object value = fields.get(column);
            cells.add(value == null ? "" : value.toString());
        }
        return cells;
    }
}
