package dev.repdb.crash;

import dev.repdb.Database;
import dev.repdb.Durability;
import dev.repdb.EnvironmentConfig;
import dev.repdb.Transaction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What the crash child writes and what a recovered environment must therefore hold. Shared by {@link CrashChild}
 * (which writes) and {@link CrashRecoveryTest} (which checks), so both agree on every key and value.
 *
 * <p>Each committer thread {@code t} runs transactions {@code i = 0, 1, 2, ...} one after the other; transaction
 * {@code (t, i)} always writes the same keys and values (derived from {@code t} and {@code i} only), and it sets
 * {@code last/t} to {@code i}. So the whole content of the database is a function of the vector of {@code last/t}
 * values: {@link #expected(int, long, Map)} gives it, and a recovered database must equal it exactly. A
 * partly-visible transaction, a lost write, a resurrected delete or a stray key all break that equality.
 */
enum CrashWorkload {

    /**
     * Small transactions from several threads (group commit), tiny segments and frequent checkpoints. Transaction
     * {@code (t, i)} puts {@code a/t/i}, {@code b/t/i}, {@code c/t/i} (values of varying length), puts
     * {@code tmp/t/i} and deletes {@code tmp/t/(i-1)}, and sets {@code last/t}.
     */
    SMALL(3, 16) {
        @Override
        EnvironmentConfig config() {
            return EnvironmentConfig.builder()
                    .durability(Durability.SYNC)
                    .segmentSize(64 << 10)          // the minimum: segments roll every few dozen commits
                    .maxRecordSize(16 << 10)
                    .checkpointBytes(64 << 10)      // background checkpoints during the run
                    .checkpointMemoryBytes(1 << 20)
                    .cacheMegabytes(4)
                    .build();
        }

        @Override
        void write(Database db, Transaction txn, int t, long i) {
            for (char kind : KINDS) {
                db.put(txn, key(kind + "/" + t + "/" + pad(i)), smallValue(kind, t, i));
            }
            db.put(txn, key("tmp/" + t + "/" + pad(i)), tmpValue(t, i));
            if (i > 0) {
                db.delete(txn, key("tmp/" + t + "/" + pad(i - 1)));
            }
            db.put(txn, lastKey(t), lastValue(i));
        }

        @Override
        void expected(int t, long last, Map<String, byte[]> into) {
            if (last < 0) {
                return;
            }
            for (long i = 0; i <= last; i++) {
                for (char kind : KINDS) {
                    into.put(kind + "/" + t + "/" + pad(i), smallValue(kind, t, i));
                }
            }
            into.put("tmp/" + t + "/" + pad(last), tmpValue(t, last));
            into.put("last/" + t, lastValue(last));
        }
    },

    /**
     * Big transactions (4 to 24 values of 100 KiB, 0.4 to 5 MiB per commit record with the undo images), so that a
     * kill often lands while a record is being written: torn tails. Transaction {@code (t, i)} puts
     * {@code big/t/i/k} for {@code k < count(t, i)} and {@code meta/t/i}, deletes everything of transaction
     * {@code (t, i-2)}, and sets {@code last/t}; only the last two transactions of a thread stay visible.
     */
    BIG(2, 4) {
        static final int VALUE_SIZE = 100 << 10;

        @Override
        EnvironmentConfig config() {
            int maxRecord = 8 << 20;
            return EnvironmentConfig.builder()
                    .durability(Durability.SYNC)
                    .maxRecordSize(maxRecord)
                    .segmentSize(maxRecord + (1 << 20))   // a new segment every two or three commits
                    .checkpointBytes(16 << 20)
                    .checkpointMemoryBytes(8 << 20)
                    .cacheMegabytes(8)
                    .build();
        }

        @Override
        void write(Database db, Transaction txn, int t, long i) {
            int count = bigCount(t, i);
            for (int k = 0; k < count; k++) {
                db.put(txn, key(bigKey(t, i, k)), bigValue(t, i, k));
            }
            db.put(txn, key("meta/" + t + "/" + pad(i)), metaValue(t, i));
            if (i >= 2) {
                long old = i - 2;
                for (int k = 0, n = bigCount(t, old); k < n; k++) {
                    db.delete(txn, key(bigKey(t, old, k)));
                }
                db.delete(txn, key("meta/" + t + "/" + pad(old)));
            }
            db.put(txn, lastKey(t), lastValue(i));
        }

        @Override
        void expected(int t, long last, Map<String, byte[]> into) {
            if (last < 0) {
                return;
            }
            for (long i = Math.max(0, last - 1); i <= last; i++) {
                for (int k = 0, n = bigCount(t, i); k < n; k++) {
                    into.put(bigKey(t, i, k), bigValue(t, i, k));
                }
                into.put("meta/" + t + "/" + pad(i), metaValue(t, i));
            }
            into.put("last/" + t, lastValue(last));
        }

        private String bigKey(int t, long i, int k) {
            return "big/" + t + "/" + pad(i) + "/" + k;
        }

        private int bigCount(int t, long i) {
            return 4 + new SplittableRandom(mix('B', t, i)).nextInt(21);
        }

        private byte[] metaValue(int t, long i) {
            return ("meta " + t + " " + i + " count=" + bigCount(t, i)).getBytes(StandardCharsets.UTF_8);
        }

        private byte[] bigValue(int t, long i, int k) {
            return filled("big/" + t + "/" + i + "/" + k + "|", VALUE_SIZE, mix('V', t, i * 64 + k));
        }
    };

    static final String DATABASE = "crash";
    private static final char[] KINDS = {'a', 'b', 'c'};

    /** Committer threads in the child. */
    final int threads;
    /** Thread 0 of the child calls {@code env.checkpoint()} after every this many of its commits. */
    final int checkpointEvery;

    CrashWorkload(int threads, int checkpointEvery) {
        this.threads = threads;
        this.checkpointEvery = checkpointEvery;
    }

    abstract EnvironmentConfig config();

    /** Adds transaction {@code (t, i)}'s writes to {@code txn}. */
    abstract void write(Database db, Transaction txn, int t, long i);

    /** Puts into {@code into} everything thread {@code t}'s transactions leave when {@code last/t} is {@code last}. */
    abstract void expected(int t, long last, Map<String, byte[]> into);

    static byte[] key(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] lastKey(int t) {
        return key("last/" + t);
    }

    static byte[] lastValue(long i) {
        return Long.toString(i).getBytes(StandardCharsets.UTF_8);
    }

    /** The value of {@code last/t} as a number, or -1 if absent. */
    static long parseLast(byte[] value) {
        return value == null ? -1 : Long.parseLong(new String(value, StandardCharsets.UTF_8));
    }

    static String pad(long i) {
        return String.format("%010d", i);
    }

    private static byte[] tmpValue(int t, long i) {
        return ("tmp " + t + " " + i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] smallValue(char kind, int t, long i) {
        long seed = mix(kind, t, i);
        int length = 8 + new SplittableRandom(seed).nextInt(1200);
        return filled(kind + "/" + t + "/" + i + "|", length, seed);
    }

    /** A value that starts with a readable header and is followed by deterministic pseudo-random bytes. */
    private static byte[] filled(String header, int length, long seed) {
        byte[] head = header.getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[Math.max(length, head.length)];
        new SplittableRandom(seed ^ 0x5DEECE66DL).nextBytes(value);
        System.arraycopy(head, 0, value, 0, head.length);
        return value;
    }

    private static long mix(char kind, int t, long i) {
        long h = kind * 0x9E3779B97F4A7C15L + t * 0xC2B2AE3D27D4EB4FL + i * 0x165667B19E3779F9L;
        h ^= h >>> 31;
        return h * 0xBF58476D1CE4E5B9L;
    }
}
