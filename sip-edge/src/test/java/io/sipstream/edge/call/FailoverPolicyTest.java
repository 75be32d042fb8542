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
        // issue 15: the list is what stops the hunt, so a code the trunk did not list moves on (it stopped before)
        assertThat(FailoverPolicy.failsOver(486, strict)).as("only its own list counts").isTrue();
    }

    @Test
    void shouldStopOnlyOnTheFinalCodesAndMoveOnForEveryOtherFailure() {
        Trunk defaults = Trunk.newBuilder().setTrunkId("t").setHost("h").build();
        assertThat(defaults.getFinalCodes()).as("the schema's default is the edge's").isEqualTo(FailoverPolicy.DEFAULT_FINAL);
        for (int stop : List.of(486, 600, 603, 404, 484, 485)) {
            assertThat(FailoverPolicy.failsOver(stop, defaults)).as("%s stops", stop).isFalse();
            assertThat(FailoverPolicy.failsOver(stop, null)).as("%s stops a phone's hunt", stop).isFalse();
        }
        for (int next : List.of(403, 480, 488, 500, 502, 503, 604, 606, 408, 0, 401, 407, 302)) {
            assertThat(FailoverPolicy.failsOver(next, defaults)).as("%s moves on", next).isTrue();
        }
        Trunk everything = Trunk.newBuilder(defaults).setFinalCodes(List.of()).build();
        assertThat(FailoverPolicy.failsOver(486, everything)).as("an empty list stops on nothing").isTrue();
        Trunk timeouts = Trunk.newBuilder(defaults).setFinalCodes(List.of(408)).build();
        assertThat(FailoverPolicy.failsOver(408, timeouts)).as("a listed 408 stops").isFalse();
        assertThat(FailoverPolicy.failsOver(0, timeouts)).as("no response at all always moves on").isTrue();
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
