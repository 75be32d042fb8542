package io.sipstream.router.topology;

import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.VerdictAction;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The verdict goes to the call.verdicts partition the asking edge reads. */
class AddressedVerdictTest {
    private static final RoutingVerdict VERDICT = RoutingVerdict.newBuilder().setCallId("c1").setEdgeId("edge-5")
            .setAction(VerdictAction.ROUTE).setSipStatus(0).setDecidedAt(Instant.EPOCH).build();

    @Test
    void shouldPartitionEachVerdictByTheAttemptsReplyPartition() {
        var partitioner = AddressedVerdict.partitioner();
        for (int p = 0; p < 8; p++) {
            assertThat(partitioner.partitions("call.verdicts", "c1", new AddressedVerdict(VERDICT, p), 8))
                    .isEqualTo(Optional.of(Set.of(p)));
        }
    }

    @Test
    void shouldRefuseAPartitionTheTopicDoesNotHave() {
        assertThatThrownBy(() -> AddressedVerdict.partitioner().partitions("call.verdicts", "c1", new AddressedVerdict(VERDICT, 5), 4))
                .hasMessageContaining("call.verdicts has 4 partitions, the verdict of c1 is for partition 5");
    }
}
