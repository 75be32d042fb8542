package io.sipstream.edge.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A retransmitted INVITE is challenged with the nonce its first copy got; the memory of them is bounded. */
class RecentChallengesTest {

    @Test
    void shouldGiveARetransmissionTheSameNonceAndAnotherRequestANewOne() {
        RecentChallenges recent = new RecentChallenges();
        AtomicInteger issued = new AtomicInteger();
        String first = recent.nonceFor("call-1", "z9hG4bK1", 1_000, now -> "n" + issued.incrementAndGet() + "@" + now);
        assertThat(recent.nonceFor("call-1", "z9hG4bK1", 1_600, now -> "n" + issued.incrementAndGet() + "@" + now)).isEqualTo(first);
        assertThat(recent.nonceFor("call-1", "z9hG4bK2", 1_600, now -> "n" + issued.incrementAndGet() + "@" + now))
                .as("another transaction of the call").isNotEqualTo(first);
        assertThat(recent.nonceFor("call-2", "z9hG4bK1", 1_600, now -> "n" + issued.incrementAndGet() + "@" + now))
                .as("another call").isNotEqualTo(first);
        assertThat(issued).hasValue(3);
    }

    @Test
    void shouldForgetTheOldestBeyondItsCapacity() {
        RecentChallenges recent = new RecentChallenges();
        String first = recent.nonceFor("call-0", "b", 0, now -> "first");
        for (int i = 1; i <= RecentChallenges.CAPACITY; i++) recent.nonceFor("call-" + i, "b", 0, now -> "other");
        assertThat(recent.size()).isEqualTo(RecentChallenges.CAPACITY);
        assertThat(recent.nonceFor("call-0", "b", 0, now -> "again")).isNotEqualTo(first).isEqualTo("again");
    }
}
