package io.sipstream.router.verdicts;

import java.math.BigDecimal;

/**
 * What a routed prepaid call holds of its account's balance until it ends: the most billing can
 * charge it at {@code capSeconds}, and its price per minute.
 */
public record PrepaidHold(BigDecimal amount, BigDecimal perMinute, int capSeconds) {}
