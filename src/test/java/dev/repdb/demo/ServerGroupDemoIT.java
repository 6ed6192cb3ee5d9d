package dev.repdb.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The README's group command, on both servers, so it cannot rot: three real servers, a failover, a rejoin. */
@EnabledIfSystemProperty(named = "repdb.it.container", matches = "mixed") // the it-servers execution
class ServerGroupDemoIT {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"liberty", "wildfly"})
    void theScenarioHoldsOn(String server) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        PrintStream tee = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
                System.out.write(b);
            }
        }, true, StandardCharsets.UTF_8);
        boolean ok = ServerGroupDemo.run(dir, tee, server);
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(ok, printed);
        assertTrue(printed.contains("OK: all three sites hold the same 5 orders"), printed);
        assertTrue(printed.contains("a write on a client answers 409"), printed);
    }
}
