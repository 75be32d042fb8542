package io.sipstream.edge.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.util.ArrayList;
import java.util.List;
import javax.sip.header.ContactHeader;
import javax.sip.header.MinExpiresHeader;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** REGISTER against the edge: bindings in Redis with expiry limits, several contacts, unbinding. */
@ExtendWith(SharedEdge.class)
class RegistrarTest {
    private final EdgeFixture edge;
    private TestUserAgent phone;

    RegistrarTest(SharedEdge.Shared shared) { this.edge = shared.edge(); }

    @BeforeEach
    void phone() throws Exception { phone = TestUserAgent.start("reg-phone"); }

    @AfterEach
    void close() { phone.close(); }

    private List<String> bound(String account) {
        return new ArrayList<>(edge.redis.hkeys(edge.keys.location(account)));
    }

    @Test
    void shouldBindSeveralContactsAndUnbindThemOneByOneOrAll() throws Exception {
        edge.account("reg1", "pw", true);
        String a = "sip:reg1@127.0.0.1:" + phone.port();
        String b = "sip:reg1-desk@127.0.0.1:" + phone.port();
        Response first = phone.register(edge.uri("reg1"), "reg1", "pw", 120, a);
        assertThat(first.getStatusCode()).isEqualTo(200);
        assertThat(((ContactHeader) first.getHeader(ContactHeader.NAME)).getExpires()).isBetween(119, 120);
        assertThat(phone.register(edge.uri("reg1"), "reg1", "pw", 99_999, b).getStatusCode()).isEqualTo(200);
        assertThat(bound("reg1")).containsExactlyInAnyOrder(a, b);
        long ttl = edge.redis.ttl(edge.keys.location("reg1"));
        assertThat(ttl).isBetween(3000L, 3600L); // the longest binding, capped at edge.registrar.max.expires

        assertThat(phone.register(edge.uri("reg1"), "reg1", "pw", 0, a).getStatusCode()).isEqualTo(200);
        assertThat(bound("reg1")).containsExactly(b);
        assertThat(phone.register(edge.uri("reg1"), "reg1", "pw", 0, "*").getStatusCode()).isEqualTo(200);
        assertThat(bound("reg1")).isEmpty();
    }

    @Test
    void shouldRefuseAContactBeyondTheLimitWith403AndKeepTheBindings() throws Exception {
        edge.account("reg4", "pw", true);
        List<String> contacts = new ArrayList<>();
        for (int i = 0; i < 10; i++) { // edge.registrar.max.contacts defaults to 10
            String c = "sip:reg4-" + i + "@127.0.0.1:" + phone.port();
            assertThat(phone.register(edge.uri("reg4"), "reg4", "pw", 300, c).getStatusCode()).isEqualTo(200);
            contacts.add(c);
        }
        Response refused = phone.register(edge.uri("reg4"), "reg4", "pw", 300, "sip:reg4-extra@127.0.0.1:" + phone.port());
        assertThat(refused.getStatusCode()).isEqualTo(403);
        assertThat(refused.getHeader("Reason").toString()).contains("too many registered contacts");
        assertThat(bound("reg4")).containsExactlyInAnyOrderElementsOf(contacts);
        // at the limit, a binding is still refreshed and removed
        assertThat(phone.register(edge.uri("reg4"), "reg4", "pw", 300, contacts.get(0)).getStatusCode()).isEqualTo(200);
        assertThat(phone.register(edge.uri("reg4"), "reg4", "pw", 0, contacts.get(1)).getStatusCode()).isEqualTo(200);
        assertThat(phone.register(edge.uri("reg4"), "reg4", "pw", 300, "sip:reg4-extra@127.0.0.1:" + phone.port()).getStatusCode())
                .isEqualTo(200);
        assertThat(bound("reg4")).hasSize(10).contains("sip:reg4-extra@127.0.0.1:" + phone.port()).doesNotContain(contacts.get(1));
    }

    @Test
    void shouldRefuseAnExpiryBelowTheMinimumWith423() throws Exception {
        edge.account("reg2", "pw", true);
        Response r = phone.register(edge.uri("reg2"), "reg2", "pw", 30, null);
        assertThat(r.getStatusCode()).isEqualTo(423);
        assertThat(((MinExpiresHeader) r.getHeader(MinExpiresHeader.NAME)).getExpires()).isEqualTo(60);
        assertThat(bound("reg2")).isEmpty();
    }

    @Test
    void shouldRefuseAWrongPasswordAndAnotherAccountsAddress() throws Exception {
        edge.account("reg3", "pw", true);
        assertThat(phone.register(edge.uri("reg3"), "reg3", "nope", 300, null).getStatusCode()).isEqualTo(403);
        assertThat(bound("reg3")).isEmpty();
    }

    @Test
    void shouldKeepTheBindingFormatOfOlderEdgesWhileEdgesDoNotRelayAndReadBindingsOfOtherVersions() throws Exception {
        edge.account("reg-fmt", "pw", true);
        String contact = "sip:reg-fmt@127.0.0.1:" + phone.port();
        assertThat(phone.register(edge.uri("reg-fmt"), "reg-fmt", "pw", 120, contact).getStatusCode()).isEqualTo(200);
        String stored = edge.redis.hget(edge.keys.location("reg-fmt"), contact);
        assertThat(stored).as("an edge without edge.peer.secret writes what older edges read").doesNotContain("edgeId", "edgeAddress");

        long later = System.currentTimeMillis() + 60_000;
        String old = "sip:old@127.0.0.1:5999";
        edge.redis.hset(edge.keys.location("reg-fmt"), old, "{\"contact\":\"" + old + "\",\"expiresAt\":" + later
                + ",\"callId\":\"c1\",\"cseq\":1,\"sourceIp\":\"127.0.0.1\",\"sourcePort\":5999,\"transport\":\"udp\",\"userAgent\":null}");
        String newer = "sip:newer@127.0.0.1:5998";
        edge.redis.hset(edge.keys.location("reg-fmt"), newer, "{\"contact\":\"" + newer + "\",\"expiresAt\":" + later
                + ",\"callId\":\"c2\",\"cseq\":1,\"sourceIp\":\"127.0.0.1\",\"sourcePort\":5998,\"transport\":\"udp\","
                + "\"edgeId\":3,\"edgeAddress\":\"sip:10.0.0.3:5060\",\"aFieldOfALaterVersion\":true}");

        List<Binding> read = new Bindings(edge.redis, edge.keys).current("reg-fmt", System.currentTimeMillis());
        assertThat(read).extracting(Binding::contact).containsExactlyInAnyOrder(contact, old, newer);
        assertThat(read).filteredOn(b -> b.contact().equals(old)).singleElement()
                .satisfies(b -> assertThat(b.heldBy(1)).as("a binding naming no edge is every edge's").isTrue());
        assertThat(read).filteredOn(b -> b.contact().equals(newer)).singleElement().satisfies(b -> {
            assertThat(b.heldBy(1)).isFalse();
            assertThat(b.edgeAddress()).isEqualTo("sip:10.0.0.3:5060");
        });
    }
}
