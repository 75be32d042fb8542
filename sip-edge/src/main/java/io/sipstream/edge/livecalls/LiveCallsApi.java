package io.sipstream.edge.livecalls;

import io.javalin.Javalin;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiContentProperty;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiResponse;
import io.javalin.http.Context;
import io.sipstream.edge.call.B2buaCall;
import io.sipstream.edge.call.CallRegistry;
import io.sipstream.edge.call.LiveCall;
import io.sipstream.edge.log.CallMdc;
import io.sipstream.edge.media.MediaReport;
import io.sipstream.edge.media.ng.NgException;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Pages;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The calls in progress on this edge, on its admin server: {@code GET /v1/calls} (cursor pages, oldest
 * call first, {@code ?account=}), {@code GET /v1/calls/{id}}, {@code GET /v1/calls/{id}/media} (what the media relay
 * sees of an anchored call's RTP, asked of rtpengine now) and {@code DELETE /v1/calls/{id}}, which hangs
 * the call up on both legs ({@link B2buaCall#hangUpByOperator}). Each edge lists only its own calls: they
 * live in its memory, nowhere else.
 */
public final class LiveCallsApi {
    /** The edge's part of /v1/openapi.json: the {@code versions} of its routes' {@code @OpenApi} annotations. */
    public static final String DOCUMENT = "edge";
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final CallRegistry calls;
    private final Clock clock;

    public LiveCallsApi(CallRegistry calls, Clock clock) {
        this.calls = calls;
        this.clock = clock;
    }

    public void mount(Javalin app) {
        app.get("/v1/calls", this::list);
        app.get("/v1/calls/{id}", this::get);
        app.get("/v1/calls/{id}/media", this::media);
        app.delete("/v1/calls/{id}", this::hangUp);
    }

    /** A call's place in the list: when it started, then its id (the cursor of the page it ends). */
    private static String position(LiveCall c) { return String.format("%019d|%s", c.startedAt().toEpochMilli(), c.callId()); }

    @OpenApi(path = "/v1/calls", methods = HttpMethod.GET, versions = DOCUMENT, tags = "calls",
            summary = "The calls in progress on this edge, oldest first, a page at a time",
            queryParams = {@OpenApiParam(name = "account", description = "only this account's calls"),
                    @OpenApiParam(name = "limit", type = Integer.class, description = "calls per page, 1 to " + MAX_LIMIT + " (default " + DEFAULT_LIMIT + ")"),
                    @OpenApiParam(name = "cursor", description = "the previous page's next, as it was; leave out for the first page")},
            responses = {@OpenApiResponse(status = "200", description = "a page of calls", content = @OpenApiContent(mimeType = "application/json",
                    properties = {@OpenApiContentProperty(name = "items", isArray = true, from = LiveCall.class),
                            @OpenApiContentProperty(name = "next", type = "string")})),
                    @OpenApiResponse(status = "400", description = "a limit or cursor that is not valid")})
    private void list(Context ctx) {
        int limit = Pages.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
        String after = Pages.cursor(ctx);
        String account = ctx.queryParam("account");
        long now = clock.millis();
        List<LiveCall> live = new ArrayList<>();
        for (B2buaCall call : calls.all()) {
            if (account != null && !account.equals(call.accountId())) continue;
            LiveCall c = call.live(now);
            if (c != null && (after == null || position(c).compareTo(after) > 0)) live.add(c);
        }
        live.sort(Comparator.comparing(LiveCallsApi::position));
        List<LiveCall> page = live.size() > limit ? live.subList(0, limit) : live;
        ctx.json(Pages.page(page, live.size() > limit ? position(page.get(page.size() - 1)) : null));
    }

    @OpenApi(path = "/v1/calls/{id}", methods = HttpMethod.GET, versions = DOCUMENT, tags = "calls",
            summary = "A call in progress on this edge", pathParams = @OpenApiParam(name = "id", required = true, description = "the edge's call id, or the caller's SIP Call-ID"),
            responses = {@OpenApiResponse(status = "200", description = "the call", content = @OpenApiContent(from = LiveCall.class)),
                    @OpenApiResponse(status = "404", description = "no such call in progress on this edge")})
    private void get(Context ctx) {
        LiveCall c = call(ctx).live(clock.millis());
        if (c == null) throw notInProgress(ctx);
        ctx.json(c);
    }

    /** An anchored call's media now; a call whose media passes end to end says so ({@code anchored: false}). */
    @OpenApi(path = "/v1/calls/{id}/media", methods = HttpMethod.GET, versions = DOCUMENT, tags = "calls",
            summary = "What the media relay sees of the call's RTP now", pathParams = @OpenApiParam(name = "id", required = true, description = "the edge's call id, or the caller's SIP Call-ID"),
            responses = {@OpenApiResponse(status = "200", description = "the call's media (anchored: false when it passes end to end)",
                    content = @OpenApiContent(from = CallMedia.class)),
                    @OpenApiResponse(status = "404", description = "no such call in progress on this edge"),
                    @OpenApiResponse(status = "503", description = "rtpengine did not answer")})
    private void media(Context ctx) {
        B2buaCall call = call(ctx);
        MediaReport report;
        try {
            report = call.mediaReport(); // a request to rtpengine, on this HTTP thread: never a SIP thread
        } catch (NgException e) {
            throw ApiException.unavailable("the media relay did not answer for call '" + ctx.pathParam("id") + "': " + e.getMessage());
        }
        ctx.json(new CallMedia(call.callId(), report != null, report == null ? null : report.verdict(),
                report == null ? List.of() : report.streams()));
    }

    /** The body of {@code GET /v1/calls/{id}/media}. */
    public record CallMedia(String callId, boolean anchored, MediaReport.Verdict verdict, List<MediaReport.Stream> streams) {}

    @OpenApi(path = "/v1/calls/{id}", methods = HttpMethod.DELETE, versions = DOCUMENT, tags = "calls",
            summary = "Hang a call up on both legs", pathParams = @OpenApiParam(name = "id", required = true, description = "the edge's call id, or the caller's SIP Call-ID"),
            responses = {@OpenApiResponse(status = "204", description = "hung up"),
                    @OpenApiResponse(status = "404", description = "no such call in progress on this edge")})
    private void hangUp(Context ctx) {
        B2buaCall call = call(ctx);
        boolean[] ended = new boolean[1];
        CallMdc.run(call.callId(), () -> ended[0] = call.hangUpByOperator());
        if (!ended[0]) throw notInProgress(ctx);
        ctx.status(204);
    }

    /** The call of the path's id: the edge's call id, or the caller's SIP Call-ID. */
    private B2buaCall call(Context ctx) {
        B2buaCall call = calls.get(ctx.pathParam("id"));
        if (call == null) throw notInProgress(ctx);
        return call;
    }

    private static ApiException notInProgress(Context ctx) {
        return ApiException.notFound("call '" + ctx.pathParam("id") + "' in progress on this edge");
    }
}
