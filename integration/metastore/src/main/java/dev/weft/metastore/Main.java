package dev.weft.metastore;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.metastore.HiveMetaStore;
import org.apache.hadoop.hive.metastore.IHMSHandler;
import org.apache.hadoop.hive.metastore.RetryingHMSHandler;
import org.apache.hadoop.hive.metastore.TSetIpAddressProcessor;
import org.apache.hadoop.hive.metastore.TUGIBasedProcessor;
import org.apache.hadoop.hive.metastore.api.ThriftHiveMetastore;
import org.apache.hadoop.hive.metastore.conf.MetastoreConf;
import org.apache.hadoop.hive.metastore.conf.MetastoreConf.ConfVars;
import org.apache.hadoop.hive.metastore.security.TUGIContainingTransport;
import org.apache.thrift.TProcessor;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.server.TServer;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TServerSocket;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransportFactory;

/**
 * Weft's Hive Metastore harness: a real Hive 3.1.3 thrift metastore with an embedded Derby
 * database and a local-file warehouse, listening on 127.0.0.1 only.
 *
 * <p>Usage: {@code Main <work-dir> [--stop-on-stdin-eof]}. Creates (or reopens)
 * {@code <work-dir>/metastore_db} (a new one gets Hive's Derby schema script), uses
 * {@code file://<work-dir>/warehouse} as the warehouse, serves plain thrift — TBinaryProtocol
 * over an unframed socket, no SASL, no auth — on a free port, and once a thrift call answers
 * writes {@code thrift://127.0.0.1:PORT} to {@code <work-dir>/uris} (temp file + rename) and
 * prints one line {@code METASTORE READY thrift://127.0.0.1:PORT} to stdout. All logging goes
 * to stderr. Stops cleanly on SIGTERM/SIGINT (and, with {@code --stop-on-stdin-eof}, when
 * stdin reaches end-of-file, so a test process that dies never leaks the server); the work
 * dir is kept, only {@code uris} is removed.
 */
public final class Main {
  private static final String HOST = "127.0.0.1";
  private static final String DB_USER = "APP";
  private static final String DB_PASSWORD = "mine";
  private static final String SCHEMA_SCRIPT = "hive-schema/hive-schema-3.1.0.derby.sql";

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) {
      System.err.println("METASTORE FAILED: " + t);
      t.printStackTrace();
      Runtime.getRuntime().halt(1);
    }
  }

  private static void run(String[] args) throws Exception {
    boolean stopOnStdinEof = args.length == 2 && args[1].equals("--stop-on-stdin-eof");
    if (args.length < 1 || args.length > 2 || (args.length == 2 && !stopOnStdinEof)) {
      System.err.println("usage: Main <work-dir> [--stop-on-stdin-eof]");
      System.exit(2);
    }
    File workDir = new File(args[0]).getAbsoluteFile();
    File warehouse = new File(workDir, "warehouse");
    File urisFile = new File(workDir, "uris");
    if (!warehouse.isDirectory() && !warehouse.mkdirs()) {
      throw new IOException("could not create " + warehouse);
    }
    Files.deleteIfExists(urisFile.toPath());

    // Logs go to stderr; stdout carries only the ready line.
    PrintStream stdout = System.out;
    System.setOut(System.err);

    // Derby writes derby.log into the current directory unless told otherwise.
    System.setProperty("derby.stream.error.file", new File(workDir, "derby.log").getPath());

    // A fresh database gets Hive's own Derby schema script (what `schematool -initSchema
    // -dbType derby` runs); an existing one is reopened as it is.
    File db = new File(workDir, "metastore_db");
    String dbUrl = "jdbc:derby:;databaseName=" + db.getPath() + ";create=true";
    if (!db.exists()) {
      initSchema(db, dbUrl);
    }

    Configuration conf = MetastoreConf.newMetastoreConf();
    conf.set("fs.defaultFS", "file:///");
    conf.set("datanucleus.autoStartMechanismMode", "ignored");
    MetastoreConf.setVar(conf, ConfVars.CONNECT_URL_KEY, dbUrl);
    MetastoreConf.setVar(conf, ConfVars.CONNECTION_DRIVER, "org.apache.derby.jdbc.EmbeddedDriver");
    MetastoreConf.setVar(conf, ConfVars.CONNECTION_USER_NAME, DB_USER);
    MetastoreConf.setVar(conf, ConfVars.PWD, DB_PASSWORD);
    MetastoreConf.setVar(conf, ConfVars.WAREHOUSE, "file://" + warehouse.getPath());
    // The schema comes from the script, as in production: DataNucleus must not add to it, and
    // the metastore checks the recorded schema version (3.1.0) against its own.
    MetastoreConf.setBoolVar(conf, ConfVars.AUTO_CREATE_ALL, false);
    MetastoreConf.setBoolVar(conf, ConfVars.SCHEMA_VERIFICATION, true);
    // Plain binary thrift on an unframed socket, no SASL: what a generic thrift client speaks.
    MetastoreConf.setBoolVar(conf, ConfVars.USE_THRIFT_SASL, false);
    MetastoreConf.setBoolVar(conf, ConfVars.USE_THRIFT_FRAMED_TRANSPORT, false);
    MetastoreConf.setBoolVar(conf, ConfVars.USE_THRIFT_COMPACT_PROTOCOL, false);
    MetastoreConf.setBoolVar(conf, ConfVars.USE_SSL, false);
    MetastoreConf.setVar(conf, ConfVars.THRIFT_URIS, "");
    // The default proxy lives in hive-exec (org.apache.hadoop.hive.ql...), which a standalone
    // metastore does not have; the standalone one (as in the binary distribution's
    // metastore-site.xml) serves everything but get_partitions_by_expr.
    MetastoreConf.setVar(
        conf,
        ConfVars.EXPRESSION_PROXY_CLASS,
        "org.apache.hadoop.hive.metastore.DefaultPartitionExpressionProxy");
    // The default list names a hive-exec class (repl.DumpDirCleanerTask) the handler checks
    // at init; keep the metastore's own ones. (This harness starts no background tasks.)
    MetastoreConf.setVar(
        conf,
        ConfVars.TASK_THREADS_ALWAYS,
        "org.apache.hadoop.hive.metastore.events.EventCleanerTask,"
            + "org.apache.hadoop.hive.metastore.RuntimeStatsCleanerTask");
    MetastoreConf.setLongVar(conf, ConfVars.SERVER_MIN_THREADS, 4);
    MetastoreConf.setLongVar(conf, ConfVars.SERVER_MAX_THREADS, 256);

    // What HiveMetaStore.startMetaStore does for the no-SASL case, except that the socket is
    // bound to 127.0.0.1 (Hive 3.1 has no bind-host setting and listens on all interfaces)
    // and to port 0, so the port is known without a probe-then-bind race.
    setMetaStoreRemote();
    IHMSHandler handler =
        RetryingHMSHandler.getProxy(
            conf, new HiveMetaStore.HMSHandler("weft metastore", conf, false), false);
    TProcessor processor;
    TTransportFactory transportFactory;
    if (MetastoreConf.getBoolVar(conf, ConfVars.EXECUTE_SET_UGI)) {
      // Accepts (but does not require) the set_ugi call Hive's own client sends first; the
      // transport is still the raw socket, not framed.
      transportFactory = new TUGIContainingTransport.Factory();
      processor = new TUGIBasedProcessor<>(handler);
    } else {
      transportFactory = new TTransportFactory();
      processor = new TSetIpAddressProcessor<>(handler);
    }
    long maxMessageSize = MetastoreConf.getLongVar(conf, ConfVars.SERVER_MAX_MESSAGE_SIZE);
    TServerSocket socket =
        new TServerSocket(new InetSocketAddress(InetAddress.getByName(HOST), 0));
    int port = socket.getServerSocket().getLocalPort();
    TThreadPoolServer.Args serverArgs =
        new TThreadPoolServer.Args(socket)
            .processor(processor)
            .transportFactory(transportFactory)
            .protocolFactory(new TBinaryProtocol.Factory())
            .inputProtocolFactory(
                new TBinaryProtocol.Factory(true, true, maxMessageSize, maxMessageSize))
            .minWorkerThreads(MetastoreConf.getIntVar(conf, ConfVars.SERVER_MIN_THREADS))
            .maxWorkerThreads(MetastoreConf.getIntVar(conf, ConfVars.SERVER_MAX_THREADS));
    serverArgs.stopTimeoutVal = 5;
    TServer server = new TThreadPoolServer(serverArgs);
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> stop(server, urisFile), "metastore-stop"));
    Thread serveThread =
        new Thread(
            () -> {
              server.serve();
              if (!stopping) {
                System.err.println("METASTORE FAILED: thrift server stopped serving");
                Runtime.getRuntime().halt(1);
              }
            },
            "metastore-thrift");
    serveThread.start();

    String uris = "thrift://" + HOST + ":" + port;
    waitUntilAnswering(port, 60_000);

    Path tmp = new File(workDir, "uris.tmp").toPath();
    Files.write(tmp, (uris + "\n").getBytes(StandardCharsets.UTF_8));
    Files.move(tmp, urisFile.toPath(), StandardCopyOption.ATOMIC_MOVE);
    stdout.println("METASTORE READY " + uris);
    stdout.flush();

    if (stopOnStdinEof) {
      waitForStdinClose(System.in);
      System.exit(0);
    }
    serveThread.join();
  }

  /**
   * Creates the Derby database and runs the metastore schema script in one transaction; on
   * failure the half-made database directory is removed.
   */
  private static void initSchema(File db, String url) throws Exception {
    InputStream script = Main.class.getClassLoader().getResourceAsStream(SCHEMA_SCRIPT);
    if (script == null) {
      throw new IOException(SCHEMA_SCRIPT + " is not on the classpath (run .ci/setup-metastore.sh)");
    }
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(script, StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        String t = line.trim();
        if (t.isEmpty() || t.startsWith("--")) {
          continue;
        }
        current.append(line).append('\n');
        if (t.endsWith(";")) {
          String stmt = current.toString().trim();
          statements.add(stmt.substring(0, stmt.length() - 1).trim());
          current.setLength(0);
        }
      }
    }
    if (current.toString().trim().length() > 0) {
      statements.add(current.toString().trim());
    }
    try (Connection c = DriverManager.getConnection(url, DB_USER, DB_PASSWORD)) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        for (String sql : statements) {
          try {
            st.execute(sql);
          } catch (SQLException e) {
            throw new SQLException("schema script failed at: " + sql, e);
          }
        }
        c.commit();
      } catch (Exception e) {
        c.rollback();
        throw e;
      }
    } catch (Exception e) {
      shutdownDerby();
      deleteRecursively(db);
      throw e;
    }
  }

  private static void deleteRecursively(File f) {
    File[] children = f.listFiles();
    if (children != null) {
      for (File c : children) {
        deleteRecursively(c);
      }
    }
    f.delete();
  }

  /** Marks the handler as serving remote clients, as HiveMetaStore.startMetaStore does. */
  private static void setMetaStoreRemote() {
    try {
      Field f = HiveMetaStore.class.getDeclaredField("isMetaStoreRemote");
      f.setAccessible(true);
      f.setBoolean(null, true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.err.println("metastore: could not set isMetaStoreRemote: " + e);
    }
  }

  /** Calls get_all_databases over a plain binary-protocol socket until it answers. */
  private static void waitUntilAnswering(int port, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      TSocket transport = new TSocket(HOST, port, 10_000);
      try {
        transport.open();
        List<String> dbs =
            new ThriftHiveMetastore.Client(new TBinaryProtocol(transport)).get_all_databases();
        if (dbs.contains("default")) {
          return;
        }
        throw new IllegalStateException("no default database yet: " + dbs);
      } catch (Exception e) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("metastore did not answer on port " + port, e);
        }
        Thread.sleep(100);
      } finally {
        transport.close();
      }
    }
  }

  private static volatile boolean stopping;

  private static synchronized void stop(TServer server, File urisFile) {
    if (stopping) {
      return;
    }
    stopping = true;
    urisFile.delete();
    try {
      server.stop();
    } catch (Throwable t) {
      t.printStackTrace();
    }
    shutdownDerby();
  }

  /** Shuts Derby down so the database is closed cleanly (checkpointed, lock files removed). */
  private static void shutdownDerby() {
    try {
      DriverManager.getConnection("jdbc:derby:;shutdown=true").close();
    } catch (SQLException e) {
      // XJ015 is Derby's "system shut down" and means success.
      if (!"XJ015".equals(e.getSQLState())) {
        System.err.println("metastore: derby shutdown: " + e);
      }
    }
  }

  private static void waitForStdinClose(InputStream in) {
    byte[] buf = new byte[256];
    try {
      while (in.read(buf) >= 0) {
        // Anything written to stdin is ignored; only end-of-file matters.
      }
    } catch (IOException e) {
      // A broken pipe means the parent is gone: stop as for end-of-file.
    }
  }

  private Main() {}
}
