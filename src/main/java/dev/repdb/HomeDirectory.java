package dev.repdb;

import dev.repdb.log.Storage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The home directory of an environment: checks that it is one (its {@code repdb.env} file names the format), or
 * that it is absent or empty so one can be created there, and holds its lock for as long as it is open. A
 * directory that is neither is refused before anything is written into it.
 */
final class HomeDirectory implements AutoCloseable {

    static final String ENV_FILE = "repdb.env";
    static final String LOCK_FILE = "repdb.lock";
    static final int FORMAT_VERSION = 1;

    private final FileChannel lockChannel;
    private final FileLock lock;

    private HomeDirectory(FileChannel lockChannel, FileLock lock) {
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Checks or creates the home. Its own files (repdb.env, the lock) are always on the real file system, whatever
     * storage the log uses, since the lock must be a real one.
     */
    static HomeDirectory openOrCreate(Path home, Storage ignored) {
        Storage storage = dev.repdb.log.FileStorage.INSTANCE;
        Path envFile = home.resolve(ENV_FILE);
        boolean create;
        if (Files.exists(home) && !Files.isDirectory(home)) {
            throw new EnvironmentFormatException(home + " is not a directory");
        }
        if (Files.isRegularFile(envFile)) {
            checkFormat(envFile, storage);
            create = false;
        } else if (!Files.exists(home) || isEmpty(home)) {
            create = true;
        } else {
            throw new EnvironmentFormatException(home + " is not a repdb environment (it has files but no "
                    + ENV_FILE + "); refusing to touch it");
        }
        try {
            Files.createDirectories(home);
            FileChannel channel = FileChannel.open(home.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new EnvironmentLockedException("the environment in " + home
                        + " is open in another process or deployment");
            }
            if (create) {
                storage.writeAtomically(envFile, ("# repdb environment home; do not edit\nformat=" + FORMAT_VERSION
                        + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            return new HomeDirectory(channel, lock);
        } catch (IOException e) {
            throw new EnvironmentFailedException("cannot open the environment in " + home + ": " + e.getMessage(), e);
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            // a lock file and a half-written repdb.env are what a crash during creation leaves behind
            return entries.allMatch(p -> p.getFileName().toString().equals(LOCK_FILE)
                    || p.getFileName().toString().equals(ENV_FILE + ".tmp"));
        } catch (IOException e) {
            throw new EnvironmentFormatException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void checkFormat(Path envFile, Storage storage) {
        Properties properties = new Properties();
        try {
            byte[] bytes = storage.readAll(envFile);
            properties.load(new java.io.StringReader(new String(bytes, StandardCharsets.ISO_8859_1)));
        } catch (IOException | IllegalArgumentException e) {
            throw new EnvironmentFormatException("cannot read " + envFile + ": " + e.getMessage(), e);
        }
        String format = properties.getProperty("format");
        int version;
        try {
            version = Integer.parseInt(format == null ? "" : format.trim());
        } catch (NumberFormatException e) {
            throw new EnvironmentFormatException(envFile + " is damaged: no valid 'format' entry");
        }
        if (version > FORMAT_VERSION) {
            throw new EnvironmentFormatException(envFile.getParent() + " has environment format " + version
                    + ", newer than this repdb opens (" + FORMAT_VERSION + ")");
        }
        if (version < 1) {
            throw new EnvironmentFormatException(envFile + " is damaged: format " + version);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            // the lock goes with the channel or the process; nothing more to do
        }
    }
}
