package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipstream.platform.progress.JobProgress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What an operator sees while import-redis or load-rates runs. */
class ProgressPrinterTest {

    @Test
    void shouldPrintALineWhenTheCountsMoveAndTheLastOnClose() {
        JobProgress progress = new JobProgress();
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text, true);
        try (ProgressPrinter printer = new ProgressPrinter("import-redis", progress, out, false, Duration.ofMillis(20))) {
            progress.stage("checking");
            progress.total(400);
            progress.update(100, 0, 2);
            await().atMost(Duration.ofSeconds(5)).until(() -> text.toString().contains("100 of 400 read"));
            progress.stage("writing");
            progress.update(400, 390, 10);
        }

        String printed = text.toString();
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
