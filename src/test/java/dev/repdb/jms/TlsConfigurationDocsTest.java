package dev.repdb.jms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.activemq.artemis.core.remoting.impl.netty.TransportConstants;
import org.junit.jupiter.api.Test;

/**
 * The TLS options the docs and server-config name are Artemis's own (its {@code TransportConstants} lists of the
 * acceptor and connector keys it knows; a misspelt key would be ignored, and the connection would silently go without
 * TLS or without a truststore), and every place says the same: the Liberty value in server.xml, its README and
 * docs/security.md, and the WildFly remote-connector params, which the messaging subsystem writes with hyphens and maps
 * onto the same Artemis keys ({@code ssl-enabled} to {@code sslEnabled}; checked here as that camel-case form).
 * {@link BrokerTlsTest} runs the broker.xml acceptor and the Liberty README value for real.
 */
class TlsConfigurationDocsTest {
    /** What a site needs to connect over TLS and check the broker, in every documented form. */
    private static final Set<String> CLIENT_OPTIONS =
            Set.of("sslEnabled", "trustStorePath", "trustStoreType", "trustStorePassword", "verifyHost");

    @Test
    void theBrokerTlsAcceptorUsesArtemisAcceptorOptions() throws Exception {
        Map<String, String> acceptor = ShippedTlsConfiguration.brokerTlsAcceptor();
        for (String key : acceptor.keySet()) {
            assertTrue(TransportConstants.ALLOWABLE_ACCEPTOR_KEYS.contains(key),
                    "broker.xml's repdb-tls acceptor has " + key + ", which Artemis does not know");
        }
        assertEquals("true", acceptor.get("sslEnabled"));
        assertEquals("PKCS12", acceptor.get("keyStoreType"));
    }

    @Test
    void libertyDocumentsTheSameArtemisConnectorOptionsEverywhere() throws Exception {
        for (Path file : List.of(ShippedTlsConfiguration.LIBERTY_README, ShippedTlsConfiguration.LIBERTY_SERVER_XML,
                ShippedTlsConfiguration.SECURITY_MD)) {
            for (Map<String, String> options : ShippedTlsConfiguration.libertyOptionsIn(file)) {
                assertKnownConnectorOptions(options.keySet(), file + " (Liberty)");
                assertEquals(CLIENT_OPTIONS, options.keySet(), file + " (Liberty)");
                assertEquals("true", options.get("verifyHost"), file.toString());
            }
        }
    }

    @Test
    void wildflyDocumentsTheSameOptionsInTheSubsystemsHyphenatedForm() throws Exception {
        for (Path file : List.of(ShippedTlsConfiguration.WILDFLY_README, ShippedTlsConfiguration.SECURITY_MD)) {
            for (Map<String, String> params : ShippedTlsConfiguration.wildflyParamsIn(file)) {
                Set<String> artemisKeys = new TreeSet<>();
                for (String key : params.keySet()) {
                    assertTrue(key.matches("[a-z]+(-[a-z]+)*"), file + ": " + key + " is not in the subsystem's form");
                    artemisKeys.add(camelCase(key));
                }
                assertKnownConnectorOptions(artemisKeys, file + " (WildFly)");
                assertEquals(CLIENT_OPTIONS, artemisKeys, file + " (WildFly)");
            }
        }
    }

    private static void assertKnownConnectorOptions(Set<String> keys, String where) {
        for (String key : keys) {
            assertTrue(TransportConstants.ALLOWABLE_CONNECTOR_KEYS.contains(key),
                    where + " names " + key + ", which is no Artemis connector option");
        }
    }

    private static String camelCase(String hyphenated) {
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char c : hyphenated.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }
}
