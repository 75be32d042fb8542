package io.sipstream.billing.api;

/** Billing's part of /v1/openapi.json: the {@code versions} of its routes' {@code @OpenApi} annotations. */
public final class BillingApi {
    public static final String DOCUMENT = "billing";
    static final String ACCOUNT_ID = "the account id";

    private BillingApi() {}
}
