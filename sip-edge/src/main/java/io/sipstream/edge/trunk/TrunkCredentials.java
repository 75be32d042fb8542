package io.sipstream.edge.trunk;

/** A trunk's outbound digest credentials, opened. */
public record TrunkCredentials(String username, String password, String realm) {
    @Override
    public String toString() { return "TrunkCredentials[username=" + username + ", realm=" + realm + "]"; }
}
