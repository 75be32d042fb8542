package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipstream.platform.progress.JobProgress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What an operator sees while import-redis or load-rates runs. */
class ProgressPrinterTest {

    @Test
    void shouldPrintALineWhenTheCountsMoveAndTheLastOnClose() {
        JobProgress progress = new JobProgress();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (ProgressPrinter printer = new ProgressPrinter("import-redis", progress, out, false, Duration.ofMillis(20))) {
            progress.stage("checking");
            progress.total(400);
            progress.update(100, 0, 2);
            await().atMost(Duration.ofSeconds(5)).until(() -> bytes.toString(StandardCharsets.UTF_8).contains("100 of 400 read"));
            progress.stage("writing");
            progress.update(400, 390, 10);
        }

        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("import-redis: checking, 100 of 400 read, 0 written, 2 skipped\n");
        assertThat(printed).endsWith("import-redis: writing, 400 of 400 read, 390 written, 10 skipped\n");
        assertThat(printed.lines().distinct().count()).as("no line repeated while nothing moves").isEqualTo(printed.lines().count());
    }

    @Test
    void shouldDrawABarByRecordsReadOfTheTotal() {
        assertThat(ProgressPrinter.bar(new JobProgress.Snapshot("writing", 200, 50, 40, 1)))
                .isEqualTo("[#######.......................]  25%");
        assertThat(ProgressPrinter.bar(new JobProgress.Snapshot("scanning", -1, 0, 0, 0))).startsWith("[   ").doesNotContain("%");
    }
}
