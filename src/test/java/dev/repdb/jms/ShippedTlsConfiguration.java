package dev.repdb.jms;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The TLS settings as the shipped files write them, read from the files themselves so that the tests run what users
 * are told to write: broker.xml's commented {@code repdb-tls} acceptor, the Liberty {@code repdb.broker.options} TLS
 * value (server-config/liberty/README.md, server.xml, docs/security.md) and the WildFly remote connector's
 * {@code params} (server-config/wildfly/README.md, docs/security.md).
 */
final class ShippedTlsConfiguration {
    static final Path BROKER_XML = Path.of("server-config", "artemis", "broker.xml");
    static final Path LIBERTY_README = Path.of("server-config", "liberty", "README.md");
    static final Path LIBERTY_SERVER_XML = Path.of("server-config", "liberty", "server.xml");
    static final Path WILDFLY_README = Path.of("server-config", "wildfly", "README.md");
    static final Path SECURITY_MD = Path.of("docs", "security.md");

    private static final Pattern TLS_ACCEPTOR =
            Pattern.compile("<acceptor name=\"repdb-tls\">tcp://[^?<]+\\?([^<]+)</acceptor>");
    /** A Liberty TLS options value: {@code ;sslEnabled=true;key=value...} up to a backtick, blank or line end. */
    private static final Pattern LIBERTY_OPTIONS = Pattern.compile("(;sslEnabled=true(?:;[A-Za-z]+=[^;`\\s]*)*)");
    private static final Pattern LIBERTY_README_ROW = Pattern.compile("\\| `repdb\\.broker\\.options` \\|[^\\n]*?`("
            + LIBERTY_OPTIONS.pattern() + ")`");
    private static final Pattern WILDFLY_PARAMS = Pattern.compile(
            "remote-connector=remote-artemis:write-attribute\\(name=params, value=\\{([^}]*)}\\)");

    private ShippedTlsConfiguration() {
    }

    /** broker.xml's {@code repdb-tls} acceptor query, in order. */
    static Map<String, String> brokerTlsAcceptor() throws IOException {
        Matcher m = TLS_ACCEPTOR.matcher(Files.readString(BROKER_XML));
        assertTrue(m.find(), BROKER_XML + " documents no acceptor named repdb-tls");
        return pairs(m.group(1), ";", BROKER_XML);
    }

    /** The value the Liberty README gives for {@code repdb.broker.options} (with {@code ...} placeholders). */
    static String libertyReadmeOptions() throws IOException {
        Matcher m = LIBERTY_README_ROW.matcher(Files.readString(LIBERTY_README));
        assertTrue(m.find(), LIBERTY_README + " gives no TLS value for repdb.broker.options");
        return m.group(1);
    }

    /** Every Liberty TLS options value in {@code file}, each as its key=value pairs. */
    static List<Map<String, String>> libertyOptionsIn(Path file) throws IOException {
        List<Map<String, String>> found = new ArrayList<>();
        Matcher m = LIBERTY_OPTIONS.matcher(Files.readString(file));
        while (m.find()) {
            found.add(pairs(m.group(1).substring(1), ";", file));
        }
        assertFalse(found.isEmpty(), file + " names no Liberty TLS options (;sslEnabled=true;...)");
        return found;
    }

    /** Every WildFly remote-connector {@code params} value in {@code file}, each as its key=value pairs. */
    static List<Map<String, String>> wildflyParamsIn(Path file) throws IOException {
        List<Map<String, String>> found = new ArrayList<>();
        Matcher m = WILDFLY_PARAMS.matcher(Files.readString(file));
        while (m.find()) {
            found.add(pairs(m.group(1), ",", file));
        }
        assertFalse(found.isEmpty(), file + " gives the WildFly remote connector no TLS params");
        return found;
    }

    /** {@code options} ({@code ;k=v;k=v}) with the values of {@code replace} put in. */
    static String withValues(String options, Map<String, String> replace) {
        Map<String, String> pairs = pairs(options.substring(1), ";", LIBERTY_README);
        for (Map.Entry<String, String> e : replace.entrySet()) {
            assertTrue(pairs.containsKey(e.getKey()), "the documented options have no " + e.getKey() + ": "
                    + pairs.keySet());
            pairs.put(e.getKey(), e.getValue());
        }
        StringBuilder b = new StringBuilder();
        pairs.forEach((k, v) -> b.append(';').append(k).append('=').append(v));
        return b.toString();
    }

    private static Map<String, String> pairs(String text, String separator, Path where) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String pair : text.split(separator)) {
            String p = pair.strip();
            int eq = p.indexOf('=');
            assertTrue(eq > 0, "not key=value in " + where + ": " + p);
            pairs.put(p.substring(0, eq), p.substring(eq + 1));
        }
        return pairs;
    }
}
