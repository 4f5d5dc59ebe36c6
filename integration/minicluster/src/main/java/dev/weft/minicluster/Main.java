package dev.weft.minicluster;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * Weft's Hadoop mini cluster: one NameNode + DataNode and one ResourceManager + NodeManager,
 * all on 127.0.0.1.
 *
 * <p>Usage: {@code Main <conf-dir> <work-dir>}. Writes {@code core-site.xml} and
 * {@code yarn-site.xml} into the conf dir, prints exactly one line starting with
 * {@code MINICLUSTER READY} to stdout, and stops when its stdin closes, so a test process that
 * dies never leaks the cluster.
 */
public final class Main {
  private static final String HOST = "127.0.0.1";

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) {
      System.err.println("MINICLUSTER FAILED: " + t);
      t.printStackTrace();
      Runtime.getRuntime().halt(1);
    }
  }

  private static void run(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: Main <conf-dir> <work-dir>");
      System.exit(2);
    }
    File confDir = new File(args[0]).getAbsoluteFile();
    File workDir = new File(args[1]).getAbsoluteFile();
    confDir.mkdirs();
    workDir.mkdirs();

    // MiniYARNCluster keeps its dirs under ./target of the working directory (the launcher
    // starts us in the work dir); Hadoop's test utilities use test.build.data.
    System.setProperty("test.build.data", new File(workDir, "test-data").getPath());

    // Hadoop logs go to stderr; stdout carries only the ready line.
    PrintStream stdout = System.out;
    System.setOut(System.err);

    Configuration hdfsConf = new Configuration();
    hdfsConf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(workDir, "dfs").getPath());
    hdfsConf.set("dfs.namenode.http-address", HOST + ":0");
    hdfsConf.set("dfs.datanode.http.address", HOST + ":0");
    MiniDFSCluster dfs =
        new MiniDFSCluster.Builder(hdfsConf).numDataNodes(1).format(true).build();
    dfs.waitActive();
    String defaultFs = "hdfs://" + HOST + ":" + dfs.getNameNodePort();

    Map<String, String> rm = new LinkedHashMap<>();
    rm.put(YarnConfiguration.RM_ADDRESS, HOST + ":" + freePort());
    rm.put(YarnConfiguration.RM_SCHEDULER_ADDRESS, HOST + ":" + freePort());
    rm.put(YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, HOST + ":" + freePort());
    rm.put(YarnConfiguration.RM_ADMIN_ADDRESS, HOST + ":" + freePort());
    rm.put(YarnConfiguration.RM_WEBAPP_ADDRESS, HOST + ":" + freePort());

    YarnConfiguration yarnConf = new YarnConfiguration();
    yarnConf.set("fs.defaultFS", defaultFs);
    rm.forEach(yarnConf::set);
    yarnConf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
    yarnConf.set(YarnConfiguration.RM_BIND_HOST, HOST);
    yarnConf.set(YarnConfiguration.NM_BIND_HOST, HOST);
    yarnConf.setInt(YarnConfiguration.NM_PMEM_MB, 8192);
    // MiniYARNCluster overrides the NM memory with this key (default 4096).
    yarnConf.setInt("yarn.minicluster.yarn.nodemanager.resource.memory-mb", 8192);
    yarnConf.setInt(YarnConfiguration.NM_VCORES, 8);
    yarnConf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
    yarnConf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, 8192);
    yarnConf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES, 8);
    // Physical-memory enforcement on, as on production NodeManagers: a container that grows
    // past its size is killed. (Virtual memory stays unchecked, as Flink and Spark advise.)
    yarnConf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, true);
    yarnConf.setLong(YarnConfiguration.NM_CONTAINER_MON_INTERVAL_MS, 500);
    yarnConf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    yarnConf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_CONTROL_RESOURCE_MONITORING, true);
    yarnConf.set(
        "yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100");
    yarnConf.set("yarn.nodemanager.delete.debug-delay-sec", "0");

    MiniYARNCluster yarn = new MiniYARNCluster("weft-minicluster", 1, 1, 1, 1);
    yarn.init(yarnConf);
    yarn.start();
    if (!yarn.waitForNodeManagersToConnect(60_000)) {
      throw new IllegalStateException("NodeManager did not register with the ResourceManager");
    }

    Map<String, String> core = new LinkedHashMap<>();
    core.put("fs.defaultFS", defaultFs);
    writeSite(new File(confDir, "core-site.xml"), core);
    Map<String, String> site = new LinkedHashMap<>();
    // The RM listens where configured (fixed ports); write 127.0.0.1, not a resolved name.
    site.putAll(rm);
    site.put(YarnConfiguration.RM_HOSTNAME, HOST);
    writeSite(new File(confDir, "yarn-site.xml"), site);

    stdout.println(
        "MINICLUSTER READY rm="
            + site.get(YarnConfiguration.RM_ADDRESS)
            + " scheduler="
            + site.get(YarnConfiguration.RM_SCHEDULER_ADDRESS)
            + " hdfs="
            + defaultFs
            + " webapp="
            + site.get(YarnConfiguration.RM_WEBAPP_ADDRESS)
            + " conf="
            + confDir.getPath());
    stdout.flush();

    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopQuietly(yarn, dfs, confDir, workDir)));
    waitForStdinClose(System.in);
    stopQuietly(yarn, dfs, confDir, workDir);
    System.exit(0);
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

  private static boolean stopped;

  /** Stops both clusters and deletes the directories the harness was given. */
  private static synchronized void stopQuietly(
      MiniYARNCluster yarn, MiniDFSCluster dfs, File confDir, File workDir) {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      yarn.stop();
    } catch (Throwable t) {
      t.printStackTrace();
    }
    try {
      dfs.shutdown(true);
    } catch (Throwable t) {
      t.printStackTrace();
    }
    deleteRecursively(confDir);
    deleteRecursively(workDir);
    // The launcher's per-run directory holds just these two; remove it once empty.
    File parent = confDir.getParentFile();
    if (parent != null && parent.equals(workDir.getParentFile())) {
      parent.delete();
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

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
      return s.getLocalPort();
    }
  }

  private static void writeSite(File file, Map<String, String> props) throws IOException {
    StringBuilder xml = new StringBuilder();
    xml.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n");
    for (Map.Entry<String, String> e : props.entrySet()) {
      xml.append("  <property>\n    <name>")
          .append(e.getKey())
          .append("</name>\n    <value>")
          .append(e.getValue())
          .append("</value>\n  </property>\n");
    }
    xml.append("</configuration>\n");
    File tmp = new File(file.getPath() + ".tmp");
    Files.write(tmp.toPath(), xml.toString().getBytes(StandardCharsets.UTF_8));
    if (!tmp.renameTo(file)) {
      throw new IOException("could not write " + file);
    }
  }

  private Main() {}
}
