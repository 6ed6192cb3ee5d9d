package dev.repdb.rep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN §1: the reactions run "on managed threads", never on the thread that delivered the message. Three sites
 * deliver every message on one "message" thread and run their {@link Reactions} on their own executors; the
 * reactions elect a master from a cold start. A listener records the thread of every start(MASTER) (role change to
 * master) and every election won: none is the message thread, although the winner learns of its win there (the
 * deciding VOTE2's NEWMASTER result, and its election's completion).
 */
class ReactionsThreadTest {

    @TempDir
    Path dir;

    @Test
    void processMessagesThreadNeverRunsStart() throws Exception {
        int n = 3;
        ExecutorService messages = Executors.newSingleThreadExecutor(r -> new Thread(r, "message-thread"));
        List<ScheduledExecutorService> reactionThreads = new ArrayList<>();
        List<Environment> envs = new ArrayList<>();
        List<Reactions> reactions = new ArrayList<>();
        ConcurrentLinkedQueue<String> startThreads = new ConcurrentLinkedQueue<>();
        try {
            for (int id = 1; id <= n; id++) {
                envs.add(Environment.open(dir.resolve("site" + id), EnvironmentConfig.builder().nsites(n)
                        .heartbeatInterval(Duration.ofMillis(50)).masterTimeout(Duration.ofMillis(300))
                        .electionTimeouts(Duration.ofMillis(300), Duration.ofMillis(300)).build()));
            }
            for (int id = 1; id <= n; id++) {
                int me = id;
                Replication rep = envs.get(id - 1).replication();
                rep.setTransport(id, (target, control, rec, lsn, flags) -> {
                    for (int to = 1; to <= n; to++) {
                        if (to != me && (target == Transport.EID_BROADCAST || target == to)) {
                            int dest = to;
                            messages.execute(() -> {
                                RepResult result = envs.get(dest - 1).replication().processMessage(control, rec, me);
                                reactions.get(dest - 1).onResult(result);
                            });
                        }
                    }
                });
                rep.addListener(new Replication.Listener() {
                    @Override
                    public void roleChanged(RepRole from, RepRole to, int generation) {
                        if (to == RepRole.MASTER) {
                            startThreads.add(Thread.currentThread().getName());
                        }
                    }

                    @Override
                    public void elected(int generation) {
                        startThreads.add(Thread.currentThread().getName());
                    }
                });
                int index = id;
                ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                        r -> new Thread(r, "reactions-" + index));
                reactionThreads.add(executor);
                reactions.add(new Reactions(rep, new ExecutorScheduler(executor),
                        Reactions.Options.defaults(Duration.ofMillis(300)),
                        ("site" + id).getBytes(StandardCharsets.UTF_8)));
            }
            for (int id = 1; id <= n; id++) {
                envs.get(id - 1).replication().start(RepRole.CLIENT, ("site" + id).getBytes(StandardCharsets.UTF_8));
                reactions.get(id - 1).start();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // generous: a loaded 2-core CI
            // the role changes inside the transition; its listeners are told right after it
            while ((envs.stream().noneMatch(e -> e.replication().role() == RepRole.MASTER) || startThreads.size() < 2)
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, envs.stream().filter(e -> e.replication().role() == RepRole.MASTER).count(),
                    "the reactions elected and started one master");
            assertFalse(startThreads.isEmpty());
            assertTrue(startThreads.stream().allMatch(t -> t.startsWith("reactions-")),
                    "start(MASTER) ran on the reactions' executors only: " + startThreads);
            assertFalse(startThreads.contains("message-thread"));
        } finally {
            reactions.forEach(Reactions::close);
            messages.shutdownNow();
            reactionThreads.forEach(ExecutorService::shutdownNow);
            messages.awaitTermination(10, TimeUnit.SECONDS);
            for (Environment env : envs) {
                env.close();
            }
        }
    }
}
