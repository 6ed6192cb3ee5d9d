package dev.repdb.rep;

import dev.repdb.log.ChecksummedProperties;
import dev.repdb.log.Storage;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The replication state a site keeps outside its replicated log, in {@code <home>/rep.meta}: its site id, whether
 * replication was ever started on this home, the generation and the election generation. Every change is written
 * atomically and fsynced before it is acted on (a vote sent, an acknowledgement given at a new generation, a
 * NEWMASTER announced). A damaged file is a clear error, never a silent reset.
 */
final class RepMeta {

    static final String FILE = "rep.meta";

    /**
     * The persisted values. {@code siteId} is {@link Transport#EID_INVALID} until the first setTransport.
     * {@code electionGeneration} is the next election this site may vote in; {@code promised} is the election
     * generation this site last sent a VOTE2 in (0: none): until it accepts a NEWMASTER at a generation at least
     * that, it applies and acknowledges no record of an older generation.
     */
    record State(int siteId, boolean started, int generation, int electionGeneration, int promised) {
        State withGeneration(int newGeneration) {
            return new State(siteId, started, newGeneration, Math.max(electionGeneration, newGeneration + 1),
                    promised);
        }
    }

    private final Storage storage;
    private final Path file;
    private State state;

    private RepMeta(Storage storage, Path file, State state) {
        this.storage = storage;
        this.file = file;
        this.state = state;
    }

    static RepMeta load(Storage storage, Path home) {
        Path file = home.resolve(FILE);
        java.util.Optional<Properties> read = ChecksummedProperties.read(storage, file,
                "this site's generation and election generation");
        if (read.isEmpty()) {
            return new RepMeta(storage, file, new State(Transport.EID_INVALID, false, 0, 1, 0));
        }
        Properties p = read.get();
        try {
            return new RepMeta(storage, file, new State(Integer.parseInt(p.getProperty("siteId")),
                    Boolean.parseBoolean(p.getProperty("started")), Integer.parseInt(p.getProperty("generation")),
                    Integer.parseInt(p.getProperty("electionGeneration")),
                    Integer.parseInt(p.getProperty("promised", "0"))));
        } catch (RuntimeException e) {
            throw new IllegalStateException(file + " is damaged: " + e.getMessage(), e);
        }
    }

    State state() {
        return state;
    }

    /** Replaces the state durably; returns only once it is on disk. */
    void store(State next) {
        if (next.equals(state)) {
            return;
        }
        String body = "# repdb replication state; do not edit\nsiteId=" + next.siteId() + "\nstarted="
                + next.started() + "\ngeneration=" + next.generation() + "\nelectionGeneration="
                + next.electionGeneration() + "\npromised=" + next.promised() + "\n";
        ChecksummedProperties.write(storage, file, body);
        state = next;
    }
}
