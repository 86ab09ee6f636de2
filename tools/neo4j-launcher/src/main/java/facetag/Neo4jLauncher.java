package facetag;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.io.ByteUnit;

/**
 * Embedded Neo4j 5.26 community DBMS with Bolt on 127.0.0.1 only, for tests.
 *
 * Usage: java -jar neo4j-launcher.jar [port] [homeDir]
 *   port    : argv[0] | $NEO4J_PORT | 7687   (0 = pick a free port)
 *   homeDir : argv[1] | $NEO4J_HOME_DIR | fresh temp dir (deleted on exit)
 *   password: $NEO4J_PASSWORD (required, >= 8 chars as Neo4j demands)
 *   page cache: $NEO4J_PAGECACHE (default 128m)
 * Prints exactly one stdout line "READY bolt://127.0.0.1:PORT"; Neo4j logs go to stderr / homeDir/logs.
 */
public final class Neo4jLauncher {
    private static final String HOST = "127.0.0.1";

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            System.err.println("neo4j-launcher: failed: " + t);
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        System.setProperty("io.netty.tryReflectionSetAccessible", "true");
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.isEmpty()) {
            System.err.println("neo4j-launcher: NEO4J_PASSWORD is empty; refusing to start");
            System.exit(2);
        }
        if (password.length() < 8) {
            System.err.println("neo4j-launcher: NEO4J_PASSWORD must be at least 8 characters (Neo4j 5 rule)");
            System.exit(2);
        }
        int port = Integer.parseInt(firstNonEmpty(arg(args, 0), System.getenv("NEO4J_PORT"), "7687"));
        if (port == 0) { // pick a free loopback port; the READY line reports it
            try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
                port = ss.getLocalPort();
            }
        }
        String dir = firstNonEmpty(arg(args, 1), System.getenv("NEO4J_HOME_DIR"), null);
        boolean temp = dir == null;
        Path home = temp ? Files.createTempDirectory("neo4j-launcher-") : Path.of(dir).toAbsolutePath();
        Files.createDirectories(home);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(BoltConnector.server_bolt_telemetry_enabled, false)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory,
                        ByteUnit.parse(firstNonEmpty(System.getenv("NEO4J_PAGECACHE"), "128m")))
                .setConfig(GraphDatabaseSettings.udc_enabled, false) // dbms.usage_report.enabled
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress(HOST))
                .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress(HOST))
                // internal.dbms.usage_report.udc_network_enabled: belt and braces, no UDC network I/O
                .setConfig(GraphDatabaseInternalSettings.udc_network_enabled, false)
                // Bolt otherwise waits 2 x 5 s on shutdown (databases are already checkpointed by then)
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(500))
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofMillis(500))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                dbms.shutdown();
            } catch (Throwable t) {
                System.err.println("neo4j-launcher: shutdown error: " + t);
            }
            if (temp) deleteTree(home);
            System.err.println("neo4j-launcher: stopped");
            stopped.countDown();
        }, "neo4j-launcher-shutdown"));

        // Set the password of the built-in admin user (works on fresh and existing homes).
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
        } catch (QueryExecutionException e) {
            // Re-used home whose password already equals NEO4J_PASSWORD: nothing to do.
            if (e.getMessage() == null || !e.getMessage().contains("cannot be the same")) throw e;
        }

        waitForPort(port, 60_000);
        System.out.println("READY bolt://" + HOST + ":" + port);
        System.out.flush();
        if ("1".equals(System.getenv("NEO4J_LAUNCHER_EXIT_AFTER_READY"))) {
            System.exit(0); // training run for the CDS archive (build.sh); runs the shutdown hook
        }
        stopped.await(); // keep main alive until SIGTERM/SIGINT runs the hook
    }

    private static void waitForPort(int port, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(HOST, port), 500);
                return;
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("Bolt port " + port + " not accepting connections", e);
                }
                Thread.sleep(50);
            }
        }
    }

    private static String arg(String[] args, int i) {
        return args.length > i ? args[i] : null;
    }

    private static String firstNonEmpty(String... values) {
        for (String v : values) if (v != null && !v.isEmpty()) return v;
        return null;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
        }
    }
}
