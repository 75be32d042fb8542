package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sip.message.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * What the router, billing and the edge's trunk handling say about a refused call stays inside: the caller
 * gets the status, its phrase and a reference; the log line and the FAILED event carry the reason under it.
 */
@ExtendWith(SharedEdge.class)
class WithheldReasonTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Pattern REF = Pattern.compile("ref=([a-z2-7]{8})");
    private final SharedEdge.Shared shared;
    private final EdgeFixture edge;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private TestUserAgent phone;
    private TestUserAgent carrier;

    WithheldReasonTest(SharedEdge.Shared shared) {
        this.shared = shared;
        this.edge = shared.edge();
    }

    @BeforeEach
    void peers() throws Exception {
        phone = TestUserAgent.start("phone");
        carrier = TestUserAgent.start("carrier");
        edge.publishTrunk(EdgeFixture.trunk("withheld-t1", carrier.port()).build());
        shared.router().clear();
        log.start();
        ((Logger) LoggerFactory.getLogger("io.sipstream.edge.call")).addAppender(log);
    }

    @AfterEach
    void close() {
        ((Logger) LoggerFactory.getLogger("io.sipstream.edge.call")).detachAppender(log);
        shared.router().policy(a -> null);
        phone.close();
        carrier.close();
    }

    /** The reference in the response's Reason and Warning, which must say nothing but the status's phrase and it. */
    private static String refOf(Response r, String phrase, String... secrets) {
        String reason = r.getHeader("Reason").toString();
        String warning = r.getHeader("Warning").toString();
        Matcher m = REF.matcher(reason);
        assertThat(m.find()).as("a reference in %s", reason).isTrue();
        String ref = m.group(1);
        assertThat(reason).contains("text=\"" + phrase + "; ref=" + ref + "\"");
        assertThat(warning).contains("\"" + phrase + "; ref=" + ref + "\"");
        for (String secret : secrets) {
            assertThat(r.toString()).as("the response").doesNotContain(secret);
        }
        return ref;
    }

    private void assertLogged(String ref, String reason) {
        assertThat(log.list).as("the log line with the reference and the reason")
                .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("ref=" + ref).contains(reason));
    }

    @Test
    void shouldGiveTheCallerAReferenceForTheRoutersReason() throws Exception {
        edge.account("wr-ann", "pw-ann", true);
        String reason = "account wr-ann has 2 live calls, its limit is 2";
        shared.router().policy(a -> FakeRouter.reject(a, 403, reason));
        var call = phone.call(edge.uri("+15557654321"), "wr-ann", "pw-ann");
        Response r = call.awaitFinal(WAIT);

        assertThat(r.getStatusCode()).isEqualTo(403);
        String ref = refOf(r, "Forbidden", "live calls", "its limit");
        CallEvent failed = shared.events().await(call.callId(), CallEventType.FAILED, WAIT);
        assertThat(failed.getReason()).isEqualTo(reason);
        assertThat(failed.getRef()).isEqualTo(ref);
        assertLogged(ref, reason);
    }

    @Test
    void shouldGiveTheCallerAReferenceForWhyNoTrunkCouldBeDialled() throws Exception {
        edge.account("wr-ben", "pw-ben", true);
        shared.router().policy(a -> route(a, trunk("wr-secret-trunk-7", "sip:+15557654321@127.0.0.1:" + carrier.port(), null)).build());
        var call = phone.call(edge.uri("+15557654321"), "wr-ben", "pw-ben");
        Response r = call.awaitFinal(WAIT);

        assertThat(r.getStatusCode()).isEqualTo(503);
        String ref = refOf(r, "Service unavailable", "wr-secret-trunk-7");
        CallEvent failed = shared.events().await(call.callId(), CallEventType.FAILED, WAIT);
        assertThat(failed.getReason()).isEqualTo("trunk wr-secret-trunk-7 is unknown or disabled");
        assertThat(failed.getRef()).isEqualTo(ref);
        assertLogged(ref, "trunk wr-secret-trunk-7 is unknown or disabled");
    }

    @Test
    void shouldGiveABlockedAccountsCallerAReferenceForBillingsReason() throws Exception {
        edge.account("wr-cy", "pw-cy", true);
        shared.router().policy(a -> route(a, trunk("withheld-t1", "sip:+15557654321@127.0.0.1:" + carrier.port(), null)).build());
        edge.block("wr-cy", true, 402); // billing's reason: "balance exhausted"
        try {
            Response[] refused = new Response[1];
            Awaitility.await().atMost(WAIT).untilAsserted(() -> {
                var call = phone.call(edge.uri("+15557654321"), "wr-cy", "pw-cy");
                Response r = call.awaitFinal(WAIT);
                if (r.getStatusCode() == 200) call.bye(); // the block has not reached the edge yet
                assertThat(r.getStatusCode()).isEqualTo(402);
                refused[0] = r;
            });
            String ref = refOf(refused[0], "Payment required", "balance");
            assertLogged(ref, "balance exhausted");
        } finally {
            edge.block("wr-cy", false, 402);
        }
    }
}
