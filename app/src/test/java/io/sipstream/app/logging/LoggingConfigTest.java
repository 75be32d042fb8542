package io.sipstream.app.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.status.Status;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** The launcher's logback.xml under each of its switches (docs/configuration.md, "Logging"). */
class LoggingConfigTest {

    @Test
    void shouldWriteTheDateTheLevelAndTheCallIdInEveryTextLineByDefault() throws Exception {
        LoggerContext logs = configured(Map.of());
        ConsoleAppender<?> out = appender(logs);
        assertThat(out.getEncoder()).isInstanceOf(PatternLayoutEncoder.class);
        assertThat(logs.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
        assertThat(logs.getLogger("gov.nist.javax.sip.messages").getLevel()).as("no SIP trace").isEqualTo(Level.OFF);

        String aboutACall = text(out, event(logs, "call ended", Map.of("call_id", "0-ab12:c1@phone")));
        String aboutNone = text(out, event(logs, "started", Map.of()));
        assertThat(aboutACall).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) INFO .*"
                + "io\\.sipstream\\.test - \\[0-ab12:c1@phone] call ended\\R");
        assertThat(aboutNone).matches("\\d{4}-\\d{2}-\\d{2}T.* INFO .*io\\.sipstream\\.test - started\\R");
        assertThat(errorsAndWarnings(logs)).isEmpty();
    }

    @Test
    void shouldWriteOneJsonObjectALineWithTheCallIdWhenAsked() throws Exception {
        LoggerContext logs = configured(Map.of("SIPSTREAM_LOG_FORMAT", "JSON", "SIPSTREAM_LOG_LEVEL", "debug"));
        ConsoleAppender<?> out = appender(logs);
        assertThat(out.getEncoder()).isInstanceOf(JsonEncoder.class);
        assertThat(logs.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.DEBUG);

        String line = text(out, event(logs, "call \"ended\"", Map.of("call_id", "0-ab12:c1@phone")));
        assertThat(line).startsWith("{").endsWith("}\n").contains("\"timestamp\"", "\"level\":\"INFO\"",
                "\"loggerName\":\"io.sipstream.test\"", "\"mdc\": {\"call_id\":\"0-ab12:c1@phone\"}",
                "\"formattedMessage\":\"call \\\"ended\\\"\"");
        assertThat(errorsAndWarnings(logs)).isEmpty();
    }

    @Test
    void shouldTraceSipMessagesWhenSwitchedOn() throws Exception {
        LoggerContext logs = configured(Map.of("SIPSTREAM_SIP_TRACE", "on"));
        assertThat(logs.getLogger("gov.nist.javax.sip.messages").getLevel()).isEqualTo(Level.TRACE);
        assertThat(logs.getLogger("gov.nist").getLevel()).as("the stack's own chatter stays quiet").isEqualTo(Level.WARN);
    }

    @Test
    void shouldSayWhichVariableIsWrongAndLogAsByDefault() throws Exception {
        LoggerContext logs = configured(Map.of("SIPSTREAM_LOG_FORMAT", "xml", "SIPSTREAM_LOG_LEVEL", "loud"));
        assertThat(appender(logs).getEncoder()).isInstanceOf(PatternLayoutEncoder.class);
        assertThat(logs.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
        assertThat(errorsAndWarnings(logs)).anySatisfy(m -> assertThat(m).contains("SIPSTREAM_LOG_FORMAT=xml", "text, json"))
                .anySatisfy(m -> assertThat(m).contains("SIPSTREAM_LOG_LEVEL=loud", "INFO"));
    }

    /** A fresh logger context configured by the launcher's logback.xml, the switches given as its properties. */
    private static LoggerContext configured(Map<String, String> switches) throws Exception {
        LoggerContext logs = new LoggerContext();
        switches.forEach(logs::putProperty);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(logs);
        configurator.doConfigure(LoggingConfigTest.class.getResource("/logback.xml"));
        return logs;
    }

    private static ConsoleAppender<?> appender(LoggerContext logs) {
        var appenders = logs.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
        ConsoleAppender<?> only = (ConsoleAppender<?>) appenders.next();
        assertThat(appenders.hasNext()).as("one appender").isFalse();
        return only;
    }

    private static LoggingEvent event(LoggerContext logs, String message, Map<String, String> mdc) {
        LoggingEvent e = new LoggingEvent("test", logs.getLogger("io.sipstream.test"), Level.INFO, message, null, null);
        e.setMDCPropertyMap(mdc);
        return e;
    }

    @SuppressWarnings("unchecked")
    private static String text(ConsoleAppender<?> out, LoggingEvent event) {
        var encoder = (ch.qos.logback.core.encoder.Encoder<Object>) out.getEncoder();
        if ((Object) encoder instanceof PatternLayoutEncoder p) assertThat(p.getPattern()).contains("%d");
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    private static java.util.List<String> errorsAndWarnings(LoggerContext logs) {
        return logs.getStatusManager().getCopyOfStatusList().stream().filter(s -> s.getLevel() >= Status.WARN)
                .map(Status::getMessage).toList();
    }
}
