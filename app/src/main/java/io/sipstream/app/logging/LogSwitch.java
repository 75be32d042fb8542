package io.sipstream.app.logging;

import ch.qos.logback.core.PropertyDefinerBase;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A logging switch of logback.xml, read when Logback configures itself from a variable of the
 * environment (or a {@code -D} system property, or a property of the logger context, of the same
 * name). Its {@code choices} are {@code value} or {@code value:result} pairs, matched ignoring case:
 * {@code on:TRACE,off:OFF}. A value that is none of them is reported on the console with the
 * variable's name and the default is used: a typo never silences the logs or stops a start.
 */
public final class LogSwitch extends PropertyDefinerBase {
    private String variable;
    private String choices = "";
    private String defaultValue = "";

    public void setVariableName(String variable) { this.variable = variable; }

    public void setChoices(String choices) { this.choices = choices; }

    public void setDefault(String defaultValue) { this.defaultValue = defaultValue; }

    @Override
    public String getPropertyValue() {
        String raw = raw();
        if (raw == null || raw.isBlank()) return defaultValue;
        Map<String, String> allowed = allowed();
        String result = allowed.get(raw.trim().toLowerCase(java.util.Locale.ROOT));
        if (result != null) return result;
        addWarn(variable + "=" + raw + " is none of " + String.join(", ", allowed.keySet()) + ": logging goes on with "
                + variable + "=" + defaultValue);
        return defaultValue;
    }

    private String raw() {
        if (variable == null) return null;
        String value = getContext() == null ? null : getContext().getProperty(variable);
        if (value == null) value = System.getProperty(variable);
        if (value == null) value = System.getenv(variable);
        return value;
    }

    private Map<String, String> allowed() {
        Map<String, String> allowed = new LinkedHashMap<>();
        for (String choice : choices.split(",")) {
            String c = choice.trim();
            if (c.isEmpty()) continue;
            int colon = c.indexOf(':');
            String value = colon < 0 ? c : c.substring(0, colon).trim();
            allowed.put(value.toLowerCase(java.util.Locale.ROOT), colon < 0 ? c : c.substring(colon + 1).trim());
        }
        return allowed;
    }
}
