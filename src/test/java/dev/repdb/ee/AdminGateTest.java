package dev.repdb.ee;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Origin check of {@link AdminGate}: same host and port (default ports filled in), everything else refused. */
class AdminGateTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "http://localhost:9080|localhost:9080|true",
            "http://LOCALHOST:9080|localhost:9080|true",
            "https://repdb.example|repdb.example|true",
            "https://repdb.example|repdb.example:443|true",
            "http://repdb.example|repdb.example:80|true",
            "http://[::1]:9080|[::1]:9080|true",
            "http://evil.example:9080|localhost:9080|false",
            "http://localhost:9081|localhost:9080|false",
            "https://repdb.example|repdb.example:8443|false",
            "null|localhost:9080|false",
            "file:///tmp/x.html|localhost:9080|false",
            "not a uri|localhost:9080|false"})
    void anOriginMustNameTheHostAndPortTheRequestWentTo(String origin, String host, boolean same) {
        assertEquals(same, AdminGate.sameAuthority(origin, host, URI.create("http://" + host + "/repdb/election")),
                origin + " vs " + host);
    }
}
