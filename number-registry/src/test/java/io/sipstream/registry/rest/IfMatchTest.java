package io.sipstream.registry.rest;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.platform.http.ApiException;
import org.junit.jupiter.api.Test;

class IfMatchTest {

    @Test
    void shouldPassOnlyTheCurrentVersion() {
        assertThatCode(() -> IfMatch.parse("\"7\"").check(7L)).doesNotThrowAnyException();
        assertThatCode(() -> IfMatch.parse("W/\"7\", \"9\"").check(9L)).doesNotThrowAnyException();
        assertThatCode(() -> IfMatch.parse(null).check(null)).doesNotThrowAnyException();
        assertThatCode(() -> IfMatch.parse("*").check(3L)).doesNotThrowAnyException();
        assertThatThrownBy(() -> IfMatch.parse("\"6\"").check(7L)).isInstanceOfSatisfying(ApiException.class,
                e -> org.assertj.core.api.Assertions.assertThat(e.status()).isEqualTo(412));
        assertThatThrownBy(() -> IfMatch.parse("*").check(null)).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> IfMatch.ABSENT.check(1L)).hasMessageContaining("exists already");
    }
}
