package io.sipstream.edge.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Trunk;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailoverPolicyTest {
    @Test
    void shouldFailOverOnServerErrorsAndTimeoutsButNotOnTheTrunksFinalCodes() {
        Trunk defaults = Trunk.newBuilder().setTrunkId("t").setHost("h").build();
        assertThat(FailoverPolicy.failsOver(503, defaults)).isTrue();
        assertThat(FailoverPolicy.failsOver(408, defaults)).isTrue();
        assertThat(FailoverPolicy.failsOver(0, defaults)).isTrue();
        assertThat(FailoverPolicy.failsOver(486, defaults)).isFalse();
        assertThat(FailoverPolicy.failsOver(603, defaults)).isFalse();
        assertThat(FailoverPolicy.failsOver(404, defaults)).isFalse();
        Trunk strict = Trunk.newBuilder(defaults).setFinalCodes(List.of(503)).build();
        assertThat(FailoverPolicy.failsOver(503, strict)).isFalse();
        assertThat(FailoverPolicy.failsOver(486, strict)).as("only its own list counts").isFalse();
    }

    @Test
    void shouldNeverHandTheCallerATrunksChallengeOrRedirect() {
        assertThat(FailoverPolicy.callerStatus(407)).isEqualTo(503);
        assertThat(FailoverPolicy.callerStatus(302)).isEqualTo(502);
        assertThat(FailoverPolicy.callerStatus(0)).isEqualTo(408);
        assertThat(FailoverPolicy.callerStatus(486)).isEqualTo(486);
    }

    @Test
    void shouldPreferA6xxThenTheLowestClassAmongForks() {
        assertThat(FailoverPolicy.best(486, 603)).isEqualTo(603);
        assertThat(FailoverPolicy.best(503, 486)).isEqualTo(486);
        assertThat(FailoverPolicy.best(0, 480)).isEqualTo(480);
    }
}
