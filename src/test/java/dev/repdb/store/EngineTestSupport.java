package dev.repdb.store;

import dev.repdb.Database;
import dev.repdb.Environment;
import dev.repdb.KeyValue;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Helpers for engine tests: a readable dump of every database. */
final class EngineTestSupport {
    private EngineTestSupport() {
    }

    /** database name -> (hex key -> hex value), for equality checks with readable failures. */
    static Map<String, Map<String, String>> dump(Environment env) {
        Map<String, Map<String, String>> all = new TreeMap<>();
        for (String name : env.databaseNames()) {
            Database db = env.openDatabase(name);
            Map<String, String> entries = new TreeMap<>();
            List<KeyValue> scan = db.scan(null, null);
            for (KeyValue kv : scan) {
                entries.put(HexFormat.of().formatHex(kv.key()), HexFormat.of().formatHex(kv.value()));
            }
            all.put(name, entries);
        }
        return all;
    }
}
