package dev.repdb.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's group command scenario (embedded Artemis, 3 sites over JMS), so it cannot rot. */
class GroupDemoTest {

    @TempDir
    Path dir;

    @Test
    void theGroupElectsReplicatesFailsOverAndTheOldMasterCatchesUp() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean ok = GroupDemo.run(dir, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String output = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(ok, output);
        assertTrue(output.matches("(?s).*site \\d reads order-3 = written on site \\d.*"), output);
        assertTrue(output.matches("(?s).*site \\d reads order-5 = written on site \\d.*"), output);
        assertTrue(output.contains("the others elect a new master"), output);
        assertTrue(output.contains("OK: all three sites hold the same 5 orders"), output);
    }
}
