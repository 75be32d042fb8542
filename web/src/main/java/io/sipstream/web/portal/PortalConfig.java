package io.sipstream.web.portal;

import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.redis.RedisSettings;
import java.time.Duration;
import java.util.Locale;

/**
 * The self-service portal's settings (docs/configuration.md, "Portal").
 *
 * @param signup who may sign up: anyone ({@code open}), anyone but the account waits for the operator to enable
 *               it ({@code approval}), or whoever gives the operator's {@code portal.signup.code} ({@code code})
 * @param poolAccount the account that holds the numbers users may take (the operator assigns them to it)
 * @param trunk the outbound trunk of a new user's account (null: the shared route table decides)
 * @param dialpad where the dialpad's browser reaches the edge's SIP over WebSocket
 */
public record PortalConfig(Signup signup, String signupCode, String region, String trunk, String poolAccount,
                           int lockoutFailures, Duration lockoutDuration, RedisSettings redis, DialpadSocket dialpad) {

    public enum Signup { OPEN, APPROVAL, CODE }

    public static PortalConfig from(Settings settings) {
        String mode = settings.string("portal.signup", "approval").trim().toUpperCase(Locale.ROOT);
        Signup signup;
        try {
            signup = Signup.valueOf(mode);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("portal.signup", "must be open, approval or code, not '" + mode.toLowerCase(Locale.ROOT) + "'");
        }
        String code = settings.string("portal.signup.code", null);
        if (signup == Signup.CODE && (code == null || code.length() < 8)) {
            throw new ConfigException("portal.signup.code", "must have at least 8 characters when portal.signup is code");
        }
        String region = settings.string("portal.region", "US").trim().toUpperCase(Locale.ROOT);
        if (!region.matches("[A-Z]{2}")) throw new ConfigException("portal.region", "must be a two-letter country code, not '" + region + "'");
        String trunk = settings.string("portal.trunk", null);
        return new PortalConfig(signup, code, region, trunk == null || trunk.isBlank() ? null : trunk.trim(),
                settings.string("portal.pool.account", "pool"),
                settings.integer("portal.lockout.failures", 5, 1, 100),
                settings.duration("portal.lockout.duration", Duration.ofMinutes(15)),
                RedisSettings.from(settings), DialpadSocket.from(settings));
    }
}
