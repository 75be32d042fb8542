package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A resent first INVITE is known by the nonce its first copy got, for 32 s; the memory of them is bounded. */
class StatelessChallengesTest {

    @Test
    void shouldKnowAResentRequestAndNotAnother() {
        StatelessChallenges challenges = new StatelessChallenges();
        String first = challenges.remember("call-1", "z9hG4bK1", 1_000, now -> "n@" + now);
        assertThat(challenges.nonceOf("call-1", "z9hG4bK1", 1_600)).isEqualTo(first);
        assertThat(challenges.knows("call-1", "z9hG4bK1", 1_600)).isTrue();
        assertThat(challenges.knows("call-1", "z9hG4bK2", 1_600)).as("another transaction of the call").isFalse();
        assertThat(challenges.knows("call-2", "z9hG4bK1", 1_600)).as("another call").isFalse();
        assertThat(challenges.knows("call-1", "z9hG4bK1", 1_000 + StatelessChallenges.REMEMBERED_MILLIS + 1))
                .as("past Timer B the caller has given up").isFalse();
    }

    @Test
    void shouldForgetTheOldestBeyondItsCapacity() {
        StatelessChallenges challenges = new StatelessChallenges();
        challenges.remember("call-0", "b", 0, now -> "first");
        for (int i = 1; i <= StatelessChallenges.CAPACITY; i++) challenges.remember("call-" + i, "b", 0, now -> "other");
        assertThat(challenges.size()).isEqualTo(StatelessChallenges.CAPACITY);
        assertThat(challenges.knows("call-0", "b", 0)).isFalse();
        assertThat(challenges.knows("call-1", "b", 0)).isTrue();
    }
}
