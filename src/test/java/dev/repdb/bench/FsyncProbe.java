package dev.repdb.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The raw fsync rate of a directory's disk: one thread appends {@code bytes} to a new file and fsyncs it
 * ({@code FileChannel.force(false)}, as the log does), back to back for a fixed time after a short warm-up. A fixed
 * time rather than a fixed count, so that the probe averages over the same kind of window as a benchmark cell.
 */
final class FsyncProbe {

    /** What one probe measured. */
    record Result(int bytes, int count, double perSecond, double meanMicros, double p50Micros, double p99Micros) {
    }

    private FsyncProbe() {
    }

    static Result run(Path dir, int bytes, double seconds) throws IOException {
        Path file = dir.resolve("fsync-probe-" + bytes + ".dat");
        Files.deleteIfExists(file);
        ByteBuffer block = ByteBuffer.allocate(bytes);
        Arrays.fill(block.array(), (byte) 0x5a);
        long[] nanos = new long[1 << 12];
        int count = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            long warmEnd = System.nanoTime() + (long) (Math.min(0.5, seconds / 10) * 1e9);
            while (System.nanoTime() < warmEnd) {
                appendAndForce(channel, block);
            }
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            long now = start;
            while (now < end) {
                appendAndForce(channel, block);
                long t = System.nanoTime();
                if (count == nanos.length) {
                    nanos = Arrays.copyOf(nanos, count * 2);
                }
                nanos[count++] = t - now;
                now = t;
            }
            long elapsed = now - start;
            Arrays.sort(nanos, 0, count);
            return new Result(bytes, count, count * 1e9 / elapsed, elapsed / 1e3 / count, nanos[count / 2] / 1e3,
                    nanos[Math.min(count - 1, (int) (count * 0.99))] / 1e3);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void appendAndForce(FileChannel channel, ByteBuffer block) throws IOException {
        block.clear();
        while (block.hasRemaining()) {
            channel.write(block);
        }
        channel.force(false);
    }
}
