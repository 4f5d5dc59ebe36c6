package dev.weft.kafka;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import sun.misc.Signal;

/**
 * Weft's Kafka test broker: one KRaft node that is both broker and controller, on 127.0.0.1.
 *
 * <p>Usage: {@code Main <work-dir> [port]}. With no port (or port 0) a free port is picked. The
 * storage under {@code <work-dir>/data} is formatted with a random cluster id (a dir formatted
 * by an earlier run is reused as it is, topics and all). Once an admin client can see the broker
 * and the transaction and group coordinators are up, the bootstrap address {@code 127.0.0.1:PORT}
 * is written to {@code <work-dir>/bootstrap} (atomically: temp file + rename) and exactly one
 * line {@code KAFKA READY 127.0.0.1:PORT} is printed to stdout. Kafka's own logs go to
 * {@code <work-dir>/kafka.log}. SIGTERM (or SIGINT) shuts the broker down cleanly, removes the
 * bootstrap file and exits 0; the rest of the work dir is left for the caller to delete.
 */
public final class Main {
  private static final String HOST = "127.0.0.1";
  private static final long READY_TIMEOUT_MS = 120_000;

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) {
      System.err.println("KAFKA FAILED: " + t);
      t.printStackTrace();
      Runtime.getRuntime().halt(1);
    }
  }

  private static void run(String[] args) throws Exception {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: Main <work-dir> [port]");
      System.exit(2);
    }
    // Tests hold our stdin: when their process ends, however it ends, the broker stops.
    if (Boolean.getBoolean("weft.stopOnStdinEof")) {
      Thread watcher =
          new Thread(
              () -> {
                try {
                  while (System.in.read() != -1) {}
                } catch (Exception ignored) {
                }
                System.exit(0);
              },
              "stdin-eof");
      watcher.setDaemon(true);
      watcher.start();
    }
    long t0 = System.nanoTime();
    File workDir = new File(args[0]).getAbsoluteFile();
    workDir.mkdirs();
    File bootstrapFile = new File(workDir, "bootstrap");
    Files.deleteIfExists(bootstrapFile.toPath());

    // Route slf4j-simple to a file before anything creates a logger; -D on the command line wins.
    defaultProperty("org.slf4j.simpleLogger.logFile", new File(workDir, "kafka.log").getPath());
    defaultProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
    defaultProperty("org.slf4j.simpleLogger.showDateTime", "true");
    defaultProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
    // Any stray System.out output goes to stderr; stdout carries only the ready line.
    PrintStream stdout = System.out;
    System.setOut(System.err);

    int port = args.length == 2 ? Integer.parseInt(args[1]) : 0;
    if (port == 0) {
      port = freePort();
    }
    int controllerPort = freePort();
    while (controllerPort == port) {
      controllerPort = freePort();
    }
    String bootstrap = HOST + ":" + port;

    File dataDir = new File(workDir, "data");
    Properties props = brokerProperties(port, controllerPort, dataDir);
    File propsFile = new File(workDir, "server.properties");
    writeProperties(propsFile, props);

    // Format exactly as `kafka-storage.sh format -c server.properties -t <random id>`, unless a
    // previous run already did (then its cluster id is kept: a restart sees the same data).
    if (!new File(dataDir, "meta.properties").exists()) {
      String clusterId = Uuid.randomUuid().toString();
      int rc =
          StorageTool.execute(
              new String[] {"format", "--config", propsFile.getPath(), "--cluster-id", clusterId},
              new PrintStream(OutputStream.nullOutputStream()));
      if (rc != 0) {
        throw new IllegalStateException("kafka-storage format failed with exit code " + rc);
      }
    }

    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
    // SIGTERM / SIGINT: stop the broker, then exit 0 (a plain shutdown hook would leave the JVM's
    // 143/130). The hook covers every other way out of the JVM.
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> stop(server, bootstrapFile), "weft-kafka-shutdown"));
    for (String sig : new String[] {"TERM", "INT"}) {
      Signal.handle(
          new Signal(sig),
          s ->
              new Thread(
                      () -> {
                        stop(server, bootstrapFile);
                        System.exit(0);
                      },
                      "weft-kafka-signal")
                  .start());
    }
    server.startup();
    awaitReady(bootstrap);

    writeAtomically(bootstrapFile, bootstrap);
    System.err.printf(
        "weft-kafka: ready in %d ms (controller 127.0.0.1:%d, work dir %s)%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), controllerPort, workDir);
    stdout.println("KAFKA READY " + bootstrap);
    stdout.flush();

    server.awaitShutdown();
    // Reached after a signal (exit 0) or if the broker stopped on its own (exit 1).
    System.exit(isStopped() ? 0 : 1);
  }

  private static synchronized boolean isStopped() {
    return stopped;
  }

  /** Single-node settings: everything replicated once, small internal topics, fast groups. */
  private static Properties brokerProperties(int port, int controllerPort, File dataDir) {
    Map<String, String> p = new TreeMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", dataDir.getPath());

    p.put("auto.create.topics.enable", "true");
    p.put("num.partitions", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");

    // Small footprint: few threads, and a 16 MiB log-cleaner buffer instead of 128 MiB of heap.
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "4");
    p.put("background.threads", "2");
    p.put("num.recovery.threads.per.data.dir", "1");
    p.put("log.cleaner.threads", "1");
    p.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
    // A loaded test machine can stall the controller for seconds (metadata-log fsyncs behind a
    // busy disk): give the broker a long session so it is not fenced mid-test.
    p.put("broker.session.timeout.ms", "30000");

    Properties props = new Properties();
    props.putAll(p);
    return props;
  }

  /**
   * Waits until an admin client sees the broker, then brings up the transaction and group
   * coordinators (their internal topics are created on first lookup) so the first test does not
   * pay for that.
   */
  private static void awaitReady(String bootstrap) throws Exception {
    long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
    Properties conf = new Properties();
    conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    conf.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    conf.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    conf.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50");
    conf.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "200");
    try (Admin admin = Admin.create(conf)) {
      while (true) {
        try {
          Collection<Node> nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
          if (!nodes.isEmpty()) {
            break;
          }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          // Not up yet.
        }
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("broker at " + bootstrap + " did not become ready");
        }
        Thread.sleep(50);
      }
      // FindCoordinator(TRANSACTION) creates __transaction_state; the id itself is unknown.
      try {
        admin.describeTransactions(List.of("weft-kafka-warmup")).all().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        requireCause(e, "TransactionalIdNotFoundException");
      }
      // FindCoordinator(GROUP) creates __consumer_offsets.
      try {
        admin.describeConsumerGroups(List.of("weft-kafka-warmup")).all().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        requireCause(e, "GroupIdNotFoundException");
      }
    }
  }

  private static void requireCause(ExecutionException e, String expected) throws ExecutionException {
    if (e.getCause() == null || !e.getCause().getClass().getSimpleName().equals(expected)) {
      throw e;
    }
  }

  private static boolean stopped;

  private static synchronized void stop(KafkaRaftServer server, File bootstrapFile) {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      Files.deleteIfExists(bootstrapFile.toPath());
    } catch (IOException e) {
      e.printStackTrace();
    }
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (Throwable t) {
      t.printStackTrace();
    }
  }

  private static void defaultProperty(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
      return s.getLocalPort();
    }
  }

  private static void writeProperties(File file, Properties props) throws IOException {
    StringBuilder text = new StringBuilder("# Written by dev.weft.kafka.Main\n");
    new TreeMap<>(props).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
    writeAtomically(file, text.toString());
  }

  private static void writeAtomically(File file, String text) throws IOException {
    File tmp = new File(file.getPath() + ".tmp");
    Files.write(tmp.toPath(), text.getBytes(StandardCharsets.UTF_8));
    Files.move(
        tmp.toPath(),
        file.toPath(),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  private Main() {}
}
