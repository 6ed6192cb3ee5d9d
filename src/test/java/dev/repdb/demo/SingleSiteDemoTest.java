package dev.repdb.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's group command scenario, so it cannot rot. */
class SingleSiteDemoTest {

    @TempDir
    Path home;

    @Test
    void theDemoCommitsRecoversAndSaysOk() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean ok = SingleSiteDemo.run(home, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String output = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(ok, output);
        assertTrue(output.contains("order-5 = {\"qty\":5}"), output);
        assertTrue(output.contains("OK: 5 orders recovered"), output);
    }
}
