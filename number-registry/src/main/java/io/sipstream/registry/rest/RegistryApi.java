package io.sipstream.registry.rest;

import io.javalin.openapi.OpenApi;

/**
 * The registry's part of /v1/openapi.json: the {@code versions} of its routes' {@code @OpenApi} annotations.
 * The lone, ignored {@code @OpenApi} here makes javac run javalin-openapi's processor on this module: it claims
 * {@code @OpenApi} only, not the {@code @OpenApis} container that the repeated annotations of a mount method become.
 */
@OpenApi(path = "/", ignore = true, versions = RegistryApi.DOCUMENT)
public final class RegistryApi {
    public static final String DOCUMENT = "registry";

    /** Headers every registry write takes (their meaning: docs/api.md). */
    public static final String IDEMPOTENCY_KEY = "a write repeated with the same key and request within 24 h gets the first answer again (Idempotent-Replayed: true)";
    public static final String IF_MATCH = "the ETag (version) the write expects: 412 when the record changed since";
    public static final String IF_NONE_MATCH = "* creates only: 412 when the record exists";
    public static final String LIMIT = "items per page, 1 to " + Pages.MAX_LIMIT + " (default " + Pages.DEFAULT_LIMIT + ")";
    public static final String CURSOR = "the previous page's next, as it was; leave out for the first page";

    private RegistryApi() {}
}
