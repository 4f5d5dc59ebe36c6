package t;
import java.io.*;
import java.nio.file.Files;
import java.util.*;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.minikdc.MiniKdc;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.fs.*;
import org.apache.hadoop.fs.permission.FsPermission;

public class Secure {
  public static void main(String[] a) throws Exception {
    File work = new File(a[0]).getAbsoluteFile(); work.mkdirs();
    System.setProperty("test.build.data", new File(work, "test-data").getPath());
    PrintStream out = System.out; System.setOut(System.err);
    String prot = a.length > 1 ? a[1] : "privacy";
    File kdcDir = new File(work, "kdc"); kdcDir.mkdirs();
    Properties kc = MiniKdc.createConf();
    kc.setProperty(MiniKdc.KDC_BIND_ADDRESS, "localhost");
    MiniKdc kdc = new MiniKdc(kc, kdcDir); kdc.start();
    String os = System.getProperty("user.name");
    File svcKt = new File(kdcDir, "service.keytab");
    kdc.createPrincipal(svcKt, os + "/localhost", "HTTP/localhost");
    File userKt = new File(kdcDir, "weft.keytab");
    kdc.createPrincipal(userKt, "weft");
    String realm = kdc.getRealm();
    String svc = os + "/localhost@" + realm, http = "HTTP/localhost@" + realm, kt = svcKt.getPath();

    Configuration conf = new Configuration();
    conf.set("hadoop.security.authentication", "kerberos");
    conf.set("hadoop.rpc.protection", prot);
    conf.set("hadoop.security.auth_to_local", "RULE:[1:$1] RULE:[2:$1] DEFAULT");
    conf.set("dfs.block.access.token.enable", "true");
    conf.set("dfs.namenode.kerberos.principal", svc);
    conf.set("dfs.namenode.keytab.file", kt);
    conf.set("dfs.datanode.kerberos.principal", svc);
    conf.set("dfs.datanode.keytab.file", kt);
    conf.set("dfs.web.authentication.kerberos.principal", http);
    conf.set("dfs.web.authentication.kerberos.keytab", kt);
    conf.set("dfs.data.transfer.protection", prot);
    conf.set("ignore.secure.ports.for.testing", "true");
    conf.set("dfs.namenode.delegation.token.max-lifetime", "120000");
    conf.set("dfs.namenode.delegation.token.renew-interval", "60000");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(work, "dfs").getPath());
    UserGroupInformation.setConfiguration(conf);
    MiniDFSCluster dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).format(true).build();
    dfs.waitActive();
    String fsUri = "hdfs://127.0.0.1:" + dfs.getNameNodePort();
    FileSystem fs = dfs.getFileSystem();
    fs.mkdirs(new Path("/user/weft")); fs.setOwner(new Path("/user/weft"), "weft", "weft");
    fs.mkdirs(new Path("/tmp")); fs.setPermission(new Path("/tmp"), new FsPermission((short)01777));

    YarnConfiguration y = new YarnConfiguration(conf);
    y.set("fs.defaultFS", fsUri);
    y.set(YarnConfiguration.RM_PRINCIPAL, svc);
    y.set(YarnConfiguration.RM_KEYTAB, kt);
    y.set(YarnConfiguration.NM_PRINCIPAL, svc);
    y.set(YarnConfiguration.NM_KEYTAB, kt);
    y.set(YarnConfiguration.RM_WEBAPP_SPNEGO_USER_NAME_KEY, http);
    y.set(YarnConfiguration.RM_WEBAPP_SPNEGO_KEYTAB_FILE_KEY, kt);
    y.set(YarnConfiguration.NM_WEBAPP_SPNEGO_USER_NAME_KEY, http);
    y.set(YarnConfiguration.NM_WEBAPP_SPNEGO_KEYTAB_FILE_KEY, kt);
    y.set(YarnConfiguration.RM_ADDRESS, "127.0.0.1:" + free());
    y.set(YarnConfiguration.RM_SCHEDULER_ADDRESS, "127.0.0.1:" + free());
    y.set(YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, "127.0.0.1:" + free());
    y.set(YarnConfiguration.RM_ADMIN_ADDRESS, "127.0.0.1:" + free());
    y.set(YarnConfiguration.RM_WEBAPP_ADDRESS, "127.0.0.1:" + free());
    y.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
    y.set(YarnConfiguration.RM_BIND_HOST, "127.0.0.1");
    y.set(YarnConfiguration.NM_BIND_HOST, "127.0.0.1");
    y.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100");
    long t0 = System.currentTimeMillis();
    MiniYARNCluster yarn = new MiniYARNCluster("secure", 1, 1, 1, 1);
    yarn.init(y); yarn.start();
    if (!yarn.waitForNodeManagersToConnect(60000)) throw new IllegalStateException("NM did not connect");
    Map<String,String> site = new LinkedHashMap<>();
    for (String k : new String[]{"hadoop.security.authentication","hadoop.rpc.protection","dfs.data.transfer.protection",
        "dfs.namenode.kerberos.principal", YarnConfiguration.RM_PRINCIPAL, YarnConfiguration.RM_ADDRESS,
        YarnConfiguration.RM_SCHEDULER_ADDRESS, "hadoop.security.auth_to_local"}) site.put(k, y.get(k));
    site.put("fs.defaultFS", fsUri);
    StringBuilder x = new StringBuilder("<?xml version=\"1.0\"?>\n<configuration>\n");
    site.forEach((k,v) -> x.append("<property><name>").append(k).append("</name><value>").append(v).append("</value></property>\n"));
    x.append("</configuration>\n");
    Files.write(new File(work, "core-site.xml").toPath(), x.toString().getBytes());
    out.println("SECURE READY rm=" + y.get(YarnConfiguration.RM_ADDRESS) + " hdfs=" + fsUri + " krb5=" + kdc.getKrb5conf()
        + " userkt=" + userKt + " svc=" + svc + " yarnStartMs=" + (System.currentTimeMillis()-t0));
    out.flush();
    while (System.in.read() >= 0) {}
    yarn.stop(); dfs.shutdown(); kdc.stop();
    System.exit(0);
  }
  static int free() throws IOException { try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) { return s.getLocalPort(); } }
}
