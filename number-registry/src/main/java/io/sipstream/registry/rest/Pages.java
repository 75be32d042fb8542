package io.sipstream.registry.rest;

import io.javalin.http.Context;
import io.sipstream.registry.store.RegistryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Cursor pagination of the list endpoints: {@code ?limit=} (default {@value #DEFAULT_LIMIT}, at most
 * {@value #MAX_LIMIT}) and {@code ?cursor=}, the previous page's {@code next}. A cursor is the last id a
 * page looked at, encoded so that clients treat it as opaque: a page starts after it, so an item
 * created or deleted between two pages moves no other item to another page, and no item is on two pages.
 */
public final class Pages {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;
    /** How many records one search page looks at, at most: a page's cost stays bounded however rare the matches. */
    public static final int SEARCH_BUDGET = 10_000;
    private static final int BATCH = 500;
    private static final String VERSION = "1:";

    /** A page to read: how many items at most, after which id (null: from the first). */
    public record Request(int limit, String after) {}

    /** One page: its items, and the cursor of the next page (null on the last). */
    public record Page<T>(List<T> items, String next) {}

    /** The page a request asks for; a bad limit or cursor is 400. */
    public static Request of(Context ctx) {
        int limit = io.sipstream.platform.http.Pages.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
        String position = io.sipstream.platform.http.Pages.cursor(ctx);
        if (position == null) return new Request(limit, null);
        if (!position.startsWith(VERSION) || position.length() == VERSION.length()) {
            throw io.sipstream.platform.http.Pages.notACursor(ctx.queryParam("cursor"));
        }
        return new Request(limit, position.substring(VERSION.length()));
    }

    public static String cursor(String lastId) { return io.sipstream.platform.http.Pages.encode(VERSION + lastId); }

    /**
     * A page of the records a sorted index names, in id order. {@code load} reads the records of some ids (null
     * where one is gone); {@code match} (null: every record) filters them. Without a filter a page reads
     * limit + 1 ids; with one it reads at most {@link #SEARCH_BUDGET} records and may hold fewer than
     * {@code limit} items with a {@code next}: the search goes on from there.
     */
    public static <T> Page<T> fromIndex(RegistryStore store, String indexKey, Request request,
                                        Function<List<String>, List<T>> load, Predicate<T> match) {
        List<T> items = new ArrayList<>();
        String last = request.after();
        int examined = 0;
        while (match == null || examined < SEARCH_BUDGET) {
            int batch = match == null ? request.limit() - items.size() + 1 : Math.min(BATCH, SEARCH_BUDGET - examined + 1);
            List<String> ids = store.indexRange(indexKey, last, batch);
            List<T> records = load.apply(ids);
            for (int i = 0; i < ids.size(); i++) {
                if (items.size() == request.limit() || (match != null && examined == SEARCH_BUDGET)) {
                    return new Page<>(items, cursor(last)); // ids.get(i) is proof that more follow
                }
                examined++;
                last = ids.get(i);
                T record = records.get(i);
                if (record != null && (match == null || match.test(record))) items.add(record);
            }
            if (ids.size() < batch) return new Page<>(items, null);
        }
        return new Page<>(items, cursor(last));
    }

    /** A page of a list held whole in memory (sorted by {@code idOf}), such as an account's numbers. */
    public static <T> Page<T> fromList(List<T> sorted, Function<T, String> idOf, Request request) {
        List<T> items = new ArrayList<>();
        for (T item : sorted) {
            if (request.after() != null && idOf.apply(item).compareTo(request.after()) <= 0) continue;
            if (items.size() == request.limit()) return new Page<>(items, cursor(idOf.apply(items.get(items.size() - 1))));
            items.add(item);
        }
        return new Page<>(items, null);
    }

    private Pages() {}
}
