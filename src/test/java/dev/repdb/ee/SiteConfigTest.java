package dev.repdb.ee;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.AckPolicy;
import dev.repdb.EnvironmentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SiteConfigTest {
    private static final Path HOME = Path.of("/tmp/repdb-default-home");

    private static SiteConfig read(String... keyValues) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        return SiteConfig.read(key -> Optional.ofNullable(values.get(key)), HOME);
    }

    @Test
    void defaultsNeedOnlyTheSiteId() {
        SiteConfig c = read("repdb.site.id", "7");
        assertEquals(7, c.siteId());
        assertEquals("repdb.site.7", c.names().siteQueue(7));
        assertEquals(HOME, c.home());
        assertEquals("jms/repdb", c.connectionFactory());
        assertEquals("site-7", c.siteUrl());
        EnvironmentConfig env = c.environment().build();
        assertEquals(3, env.replication().nsites());
        assertEquals(AckPolicy.QUORUM, env.replication().ackPolicy());
        assertEquals(1L << 30, env.replication().retainLogBytes());
        assertFalse(c.transport().persistent());
        assertEquals(4, c.transport().priority());
        assertEquals(7, c.transport().urgentPriority());
        assertFalse(c.transport().asyncPersistentSends());
        assertTrue(c.reactions().onDupmaster() && c.reactions().onMasterLost());
    }

    @Test
    void valuesAreApplied() {
        SiteConfig c = read("repdb.site.id", "2", "repdb.group", "orders.eu", "repdb.ack-policy", "all",
                "repdb.ack-timeout", "2.5s", "repdb.nsites", "5", "repdb.jms.time-to-live", "PT1M",
                "repdb.reactions.hold-election", "false", "repdb.home", "/var/repdb", "repdb.election-timeout",
                "450ms", "repdb.retain-log", "262144");
        assertEquals("orders.eu.broadcast", c.names().broadcastTopic());
        EnvironmentConfig env = c.environment().build();
        assertEquals(262144, env.replication().retainLogBytes());
        assertEquals(AckPolicy.ALL, env.replication().ackPolicy());
        assertEquals(Duration.ofMillis(2500), env.replication().ackTimeout());
        assertEquals(5, env.replication().nsites());
        assertEquals(Duration.ofMinutes(1), c.transport().timeToLive());
        assertFalse(c.reactions().onHoldElection());
        assertEquals(Duration.ofMillis(450), c.reactions().electionTimeout());
        assertEquals(Path.of("/var/repdb"), c.home());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "repdb.site.id|0|an integer ≥ 1",
            "repdb.site.id|two|an integer ≥ 1",
            "repdb.ack-policy|MOST|NONE, ONE, QUORUM, ALL",
            "repdb.ack-timeout|soon|a duration",
            "repdb.ack-timeout|-1s|a duration",
            "repdb.durability|FSYNC|SYNC, WRITE_NO_SYNC, NO_SYNC",
            "repdb.bulk|yes|true, false",
            "repdb.group|a group|dot-separated words",
            "repdb.jms.priority|12|0 – 9",
            "repdb.jms.urgent-priority|3|at least repdb.jms.priority",
            "repdb.jms.async-persistent-sends|maybe|true, false",
            "repdb.nsites|0|an integer ≥ 1",
            "repdb.max-message-bytes|10|1024 – 67108864",
            "repdb.retain-log|1000|≥ 65536",
            "repdb.retain-log|1GiB|≥ 65536",
            "repdb.max-lag-bytes|100|at least 4096",
            "repdb.clock-skew|3|1.0 – 2.0"})
    void aBadValueNamesTheKeyTheValueAndWhatIsAllowed(String key, String value, String allowed) {
        String[] kv = key.equals("repdb.site.id") ? new String[] {key, value}
                : key.equals("repdb.clock-skew") ? new String[] {"repdb.site.id", "1", "repdb.master-leases", "true",
                        key, value}
                : new String[] {"repdb.site.id", "1", key, value};
        SiteConfigException e = assertThrows(SiteConfigException.class, () -> read(kv));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains("'" + value + "'")
                && e.getMessage().contains(allowed), e.getMessage());
    }

    @Test
    void aMissingSiteIdIsNamed() {
        SiteConfigException e = assertThrows(SiteConfigException.class, () -> read());
        assertTrue(e.getMessage().contains("repdb.site.id is required"), e.getMessage());
    }

    @Test
    void knobsThatExcludeEachOtherAreReported() {
        SiteConfigException e = assertThrows(SiteConfigException.class, () -> read("repdb.site.id", "1",
                "repdb.master-leases", "true", "repdb.allow-appointed-master", "true"));
        assertTrue(e.getMessage().startsWith("repdb configuration: "), e.getMessage());
    }

    @Test
    void theReadmeDocumentsEveryKeyWithItsEnvironmentVariable() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (SiteConfig.Key key : SiteConfig.KEYS) {
            assertTrue(readme.contains("| `" + key.name() + "` |"), "README lacks a row for " + key.name());
            assertTrue(readme.contains("`" + key.environmentVariable() + "`"),
                    "README lacks " + key.environmentVariable());
        }
        assertEquals("REPDB_JMS_CONNECTION_FACTORY",
                new SiteConfig.Key("repdb.jms.connection-factory", "", "", "").environmentVariable());
    }

    private static final String SECRET = java.util.Base64.getEncoder().encodeToString(
            "0123456789abcdef-secret".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    private static final String OLD = java.util.Base64.getEncoder().encodeToString(
            "an older secret of the group".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    private static Optional<GroupSecrets> secrets(String... keyValues) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        return GroupSecrets.read(key -> Optional.ofNullable(values.get(key)));
    }

    @Test
    void adminResourcesAreOffUnlessEnabled() {
        assertFalse(read("repdb.site.id", "1").adminEnabled());
        assertTrue(read("repdb.site.id", "1", "repdb.admin.enabled", "true").adminEnabled());
        assertTrue(read("repdb.site.id", "1").secrets().isEmpty(), "no secret: unauthenticated");
    }

    @Test
    void secretsComeInlineOrFromAFileWithPreviousOnesForRotation() throws Exception {
        GroupSecrets inline = secrets("repdb.group-secret", SECRET, "repdb.group-secret.previous",
                OLD + ", " + SECRET).orElseThrow();
        assertEquals(1, inline.acceptedCount(), "the signing secret is not listed twice");
        dev.repdb.EnvironmentConfig.Builder builder = dev.repdb.EnvironmentConfig.builder();
        inline.applyTo(builder);
        dev.repdb.rep.auth.GroupSecrets core = builder.build().replication().groupSecrets();
        assertEquals(2, core.keyIds().size(), "the core signs with one secret and accepts both: " + core.keyIds());
        Path file = Files.createTempFile("repdb-secret", ".b64");
        try {
            Files.writeString(file, SECRET + "\n");
            GroupSecrets fromFile = secrets("repdb.group-secret-file", file.toString()).orElseThrow();
            assertEquals(0, fromFile.acceptedCount());
            assertFalse(fromFile.toString().contains(SECRET) || inline.toString().contains(OLD), inline.toString());
        } finally {
            Files.delete(file);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "repdb.group-secret|not*base64!|is not valid base64",
            "repdb.group-secret|c2hvcnQ=|decodes to 5 bytes",
            "repdb.group-secret.previous|c2hvcnQ=|entry 1 of the list"})
    void aBadSecretNamesTheKeyButNeverTheValue(String key, String value, String fault) {
        String[] kv = key.equals("repdb.group-secret") ? new String[] {key, value}
                : new String[] {"repdb.group-secret", SECRET, key, value};
        SiteConfigException e = assertThrows(SiteConfigException.class, () -> secrets(kv));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(fault), e.getMessage());
        assertFalse(e.getMessage().contains(value), "the value is never echoed: " + e.getMessage());
        SiteConfigException viaConfig = assertThrows(SiteConfigException.class, () -> read(
                java.util.stream.Stream.concat(java.util.stream.Stream.of("repdb.site.id", "1"),
                        java.util.Arrays.stream(kv)).toArray(String[]::new)));
        assertFalse(viaConfig.getMessage().contains(value), viaConfig.getMessage());
    }

    @Test
    void conflictingOrIncompleteSecretSettingsAreRefused() {
        SiteConfigException both = assertThrows(SiteConfigException.class, () -> secrets("repdb.group-secret",
                SECRET, "repdb.group-secret-file", "/etc/repdb/secret"));
        assertTrue(both.getMessage().contains("both set"), both.getMessage());
        SiteConfigException previousOnly = assertThrows(SiteConfigException.class, () -> secrets(
                "repdb.group-secret.previous", OLD));
        assertTrue(previousOnly.getMessage().contains("repdb.group-secret.previous"), previousOnly.getMessage());
        SiteConfigException missing = assertThrows(SiteConfigException.class, () -> secrets(
                "repdb.group-secret-file", "/nonexistent/repdb-secret"));
        assertTrue(missing.getMessage().contains("repdb.group-secret-file = '/nonexistent/repdb-secret'"),
                missing.getMessage());
    }

    /** A valid secret reaches the core's builder, or, in a build without message authentication, fails loudly. */
    @Test
    void aValidSecretIsHandedToTheCoreOrRefused() {
        boolean coreHasIt = java.util.Arrays.stream(EnvironmentConfig.Builder.class.getMethods())
                .anyMatch(m -> m.getName().equals("groupSecrets"));
        if (coreHasIt) {
            SiteConfig c = read("repdb.site.id", "1", "repdb.group-secret", SECRET);
            assertTrue(c.secrets().isPresent());
            assertFalse(c.toString().contains(SECRET), c.toString());
        } else {
            SiteConfigException e = assertThrows(SiteConfigException.class, () -> read("repdb.site.id", "1",
                    "repdb.group-secret", SECRET));
            assertTrue(e.getMessage().contains("no message authentication"), e.getMessage());
            assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        }
    }
}
