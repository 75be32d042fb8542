package io.sipstream.platform.redis;

/**
 * The Redis key layout shared by number-registry (which writes) and sip-edge (which reads
 * credentials and owns the registrar's bindings). Every key starts with the configured prefix
 * ({@code redis.prefix}, default {@code sipstream:}) so one registry never reads another backend's
 * records. docs/redis.md describes each key.
 */
public record RedisKeys(String prefix) {

    /** String: the account as the registry's JSON document. */
    public String account(String accountId) { return prefix + "account:" + accountId; }

    /** Set: every account id. */
    public String accounts() { return prefix + "accounts"; }

    /** Hash {@link io.sipstream.platform.credentials.SipCredentials}: digest username, realm and HA1 values. */
    public String credentials(String accountId) { return prefix + "cred:" + accountId; }

    /** String: the account id whose SIP username (in the domain) this is. */
    public String sipUser(String domain, String username) { return prefix + "sipuser:" + domain + ":" + username; }

    /** String: the account id owning an E.164 number. */
    public String number(String e164) { return prefix + "number:" + e164; }

    /** String: the trunk as the registry's JSON document (no secret). */
    public String trunk(String trunkId) { return prefix + "trunk:" + trunkId; }

    /** Set: every trunk id. */
    public String trunks() { return prefix + "trunks"; }

    /** Hash {username, secret (SecretBox-sealed password), realm}: a trunk's outbound digest credentials. */
    public String trunkCredentials(String trunkId) { return prefix + "trunkcred:" + trunkId; }

    /** String: a route of the shared route table as the registry's JSON document. */
    public String route(String routeId) { return prefix + "route:" + routeId; }

    /** Set: every route id. */
    public String routes() { return prefix + "routes"; }

    /** String: the DID binding of an E.164 number (JSON: the trunk its calls arrive on). */
    public String did(String e164) { return prefix + "did:" + e164; }

    /** Set: every number with a DID binding. */
    public String dids() { return prefix + "dids"; }

    /** Hash contact URI -> binding JSON: the registrar's bindings of an account (owned by sip-edge). */
    /** A self-service portal user: password hash (PBKDF2), account, failed log-ins, lock (web module). */
    public String portalUser(String username) { return prefix + "portal:user:" + username; }

    public String location(String accountId) { return prefix + "loc:" + accountId; }

    /** Any further key of a component, under the same prefix. */
    public String other(String suffix) { return prefix + suffix; }
}
