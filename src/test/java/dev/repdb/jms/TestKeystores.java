package dev.repdb.jms;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Throwaway TLS material for a test broker, made at test time with the JDK's own {@code keytool} (no key or
 * certificate is checked in): a PKCS12 keystore holding the broker's key and a self-signed certificate for
 * {@code localhost} / {@code 127.0.0.1}, a truststore holding that certificate, and a truststore holding only a
 * stranger's certificate (a client that does not trust the broker). Passwords are random per run; keytool gets them
 * through its environment ({@code -storepass:env}), so they appear on no command line and in no output.
 *
 * <p>The commands are the ones docs/security.md shows for a test broker.
 */
final class TestKeystores {
    private static final String PASSWORD_VARIABLE = "REPDB_TEST_STORE_PASSWORD";
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A store on disk and its password. */
    record Store(Path path, String password) {
        @Override
        public String toString() {
            return "Store[" + path + "]"; // never the password
        }
    }

    final Store brokerKeyStore;
    final Store trustingBroker;
    final Store trustingStranger;

    private TestKeystores(Store brokerKeyStore, Store trustingBroker, Store trustingStranger) {
        this.brokerKeyStore = brokerKeyStore;
        this.trustingBroker = trustingBroker;
        this.trustingStranger = trustingStranger;
    }

    /** Makes the three stores under {@code dir} (which must exist). */
    static TestKeystores create(Path dir) throws IOException, InterruptedException {
        Store broker = keyPair(dir, "broker");
        Store stranger = keyPair(dir, "stranger");
        Path brokerCert = exportCertificate(dir, broker, "broker");
        Path strangerCert = exportCertificate(dir, stranger, "stranger");
        return new TestKeystores(broker, trustStore(dir, "trusts-broker", brokerCert),
                trustStore(dir, "trusts-stranger", strangerCert));
    }

    private static Store keyPair(Path dir, String alias) throws IOException, InterruptedException {
        Store store = new Store(dir.resolve(alias + ".p12"), password());
        keytool(store.password(), "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.path().toString(), "-storepass:env", PASSWORD_VARIABLE);
        return store;
    }

    private static Path exportCertificate(Path dir, Store store, String alias) throws IOException, InterruptedException {
        Path certificate = dir.resolve(alias + ".crt");
        keytool(store.password(), "-exportcert", "-rfc", "-alias", alias, "-file", certificate.toString(),
                "-storetype", "PKCS12", "-keystore", store.path().toString(), "-storepass:env", PASSWORD_VARIABLE);
        return certificate;
    }

    private static Store trustStore(Path dir, String name, Path certificate) throws IOException, InterruptedException {
        Store store = new Store(dir.resolve(name + ".p12"), password());
        keytool(store.password(), "-importcert", "-noprompt", "-alias", "trusted", "-file", certificate.toString(),
                "-storetype", "PKCS12", "-keystore", store.path().toString(), "-storepass:env", PASSWORD_VARIABLE);
        return store;
    }

    /** 24 random letters and digits: about 140 bits, and nothing that needs quoting in a connector URL. */
    private static String password() {
        StringBuilder b = new StringBuilder(24);
        for (int i = 0; i < 24; i++) {
            b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    /** Runs this JDK's keytool; fails with its output (which holds no password) if it does not succeed. */
    private static void keytool(String password, String... arguments) throws IOException, InterruptedException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new ArrayList<>();
        command.add(keytool.toString());
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> environment = builder.environment();
        environment.put(PASSWORD_VARIABLE, password);
        Process process = builder.start();
        process.getOutputStream().close(); // -noprompt everywhere; nothing may wait for input
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IOException("keytool " + arguments[0] + " failed (exit " + exit + "): " + output.strip());
        }
    }
}
