package io.sipstream.registry.store;

/**
 * A destination pattern as stored and shown: {@code type} prefix (E.164 digits without '+') or
 * regex (over the whole E.164 number with its '+'). Routes and trunks use it.
 */
public record Destination(String type, String pattern) {}
