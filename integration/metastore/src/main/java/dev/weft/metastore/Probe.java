package dev.weft.metastore;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.metastore.HiveMetaStoreClient;
import org.apache.hadoop.hive.metastore.IMetaStoreClient;
import org.apache.hadoop.hive.metastore.TableType;
import org.apache.hadoop.hive.metastore.api.Database;
import org.apache.hadoop.hive.metastore.api.FieldSchema;
import org.apache.hadoop.hive.metastore.api.Partition;
import org.apache.hadoop.hive.metastore.api.SerDeInfo;
import org.apache.hadoop.hive.metastore.api.StorageDescriptor;
import org.apache.hadoop.hive.metastore.api.Table;
import org.apache.hadoop.hive.metastore.conf.MetastoreConf;
import org.apache.hadoop.hive.metastore.conf.MetastoreConf.ConfVars;

/**
 * A small Hive Metastore client for tests to cross-check what a Rust client wrote (or to set
 * up what it should read). {@code URIS} is {@code thrift://host:port} or the path of the
 * {@code uris} file {@link Main} writes. Output goes to stdout, one record a line; logs go to
 * stderr. Exit status 0 on success, 1 on a metastore error, 2 on bad usage.
 *
 * <pre>
 * Probe URIS list-databases
 * Probe URIS create-database DB [LOCATION]
 * Probe URIS create-table DB TABLE LOCATION col:type,... [partcol:type,...]
 *     (an EXTERNAL_TABLE stored as Parquet; "-" or "" for no partition columns)
 * Probe URIS add-partition DB TABLE v1,v2,... [LOCATION]
 *     (LOCATION defaults to TABLE_LOCATION/k1=v1/k2=v2)
 * Probe URIS list-partitions DB TABLE
 *     (one line per partition, sorted: k1=v1/k2=v2 TAB LOCATION)
 * Probe URIS describe-table DB TABLE
 *     (TYPE, LOCATION, then "col NAME TYPE" and "part NAME TYPE" lines, then "param K=V" lines)
 * </pre>
 */
public final class Probe {
  public static void main(String[] args) {
    // Logs to stderr; stdout carries only results.
    java.io.PrintStream out = System.out;
    System.setOut(System.err);
    int status;
    try {
      status = run(args, out);
    } catch (Exception e) {
      System.err.println("probe: " + e);
      status = 1;
    }
    out.flush();
    System.exit(status);
  }

  private static int usage() {
    System.err.println(
        "usage: Probe URIS (list-databases | create-database DB [LOCATION]"
            + " | create-table DB TABLE LOCATION col:type,... [partcol:type,...]"
            + " | add-partition DB TABLE v1,v2,... [LOCATION]"
            + " | list-partitions DB TABLE | describe-table DB TABLE)");
    return 2;
  }

  private static int run(String[] a, java.io.PrintStream out) throws Exception {
    if (a.length < 2) {
      return usage();
    }
    String uris = a[0];
    if (!uris.startsWith("thrift://")) {
      uris = new String(Files.readAllBytes(new File(uris).toPath()), StandardCharsets.UTF_8).trim();
    }
    Configuration conf = MetastoreConf.newMetastoreConf();
    MetastoreConf.setVar(conf, ConfVars.THRIFT_URIS, uris);
    MetastoreConf.setLongVar(conf, ConfVars.THRIFT_CONNECTION_RETRIES, 1);
    IMetaStoreClient client = new HiveMetaStoreClient(conf);
    try {
      switch (a[1]) {
        case "list-databases":
          if (a.length != 2) {
            return usage();
          }
          for (String db : client.getAllDatabases()) {
            out.println(db);
          }
          return 0;
        case "create-database":
          if (a.length < 3 || a.length > 4) {
            return usage();
          }
          client.createDatabase(
              new Database(a[2], "", a.length == 4 ? a[3] : null, new HashMap<>()));
          return 0;
        case "create-table":
          if (a.length < 6 || a.length > 7) {
            return usage();
          }
          createTable(client, a[2], a[3], a[4], a[5], a.length == 7 ? a[6] : "");
          return 0;
        case "add-partition":
          if (a.length < 5 || a.length > 6) {
            return usage();
          }
          addPartition(client, a[2], a[3], a[4], a.length == 6 ? a[5] : null);
          return 0;
        case "list-partitions":
          if (a.length != 4) {
            return usage();
          }
          listPartitions(client, a[2], a[3], out);
          return 0;
        case "describe-table":
          if (a.length != 4) {
            return usage();
          }
          describeTable(client, a[2], a[3], out);
          return 0;
        default:
          return usage();
      }
    } finally {
      client.close();
    }
  }

  private static List<FieldSchema> columns(String spec) {
    List<FieldSchema> cols = new ArrayList<>();
    if (spec.isEmpty() || spec.equals("-")) {
      return cols;
    }
    for (String c : spec.split(",")) {
      int colon = c.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("column '" + c + "' is not name:type");
      }
      cols.add(new FieldSchema(c.substring(0, colon), c.substring(colon + 1), null));
    }
    return cols;
  }

  private static void createTable(
      IMetaStoreClient client, String db, String name, String location, String cols, String parts)
      throws Exception {
    SerDeInfo serde = new SerDeInfo();
    serde.setName(name);
    serde.setSerializationLib("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
    serde.setParameters(new HashMap<>(Map.of("serialization.format", "1")));
    StorageDescriptor sd = new StorageDescriptor();
    sd.setCols(columns(cols));
    sd.setLocation(location);
    sd.setInputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat");
    sd.setOutputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat");
    sd.setSerdeInfo(serde);
    sd.setParameters(new HashMap<>());
    Table t = new Table();
    t.setDbName(db);
    t.setTableName(name);
    t.setOwner(System.getProperty("user.name"));
    t.setTableType(TableType.EXTERNAL_TABLE.toString());
    t.setParameters(new HashMap<>(Map.of("EXTERNAL", "TRUE")));
    t.setPartitionKeys(columns(parts));
    t.setSd(sd);
    client.createTable(t);
  }

  private static void addPartition(
      IMetaStoreClient client, String db, String table, String values, String location)
      throws Exception {
    Table t = client.getTable(db, table);
    List<String> vals = Arrays.asList(values.split(",", -1));
    if (vals.size() != t.getPartitionKeys().size()) {
      throw new IllegalArgumentException(
          "table has " + t.getPartitionKeysSize() + " partition keys, got " + vals.size());
    }
    if (location == null) {
      location = t.getSd().getLocation() + "/" + partName(t.getPartitionKeys(), vals);
    }
    StorageDescriptor sd = new StorageDescriptor(t.getSd());
    sd.setLocation(location);
    Partition p = new Partition();
    p.setDbName(db);
    p.setTableName(table);
    p.setValues(vals);
    p.setSd(sd);
    p.setParameters(new HashMap<>());
    client.add_partition(p);
  }

  private static void listPartitions(
      IMetaStoreClient client, String db, String table, java.io.PrintStream out)
      throws Exception {
    Table t = client.getTable(db, table);
    List<Partition> parts = new ArrayList<>(client.listPartitions(db, table, (short) -1));
    parts.sort(Comparator.comparing(p -> String.join("\u0000", p.getValues())));
    for (Partition p : parts) {
      out.println(partName(t.getPartitionKeys(), p.getValues()) + "\t" + p.getSd().getLocation());
    }
  }

  private static void describeTable(
      IMetaStoreClient client, String db, String table, java.io.PrintStream out)
      throws Exception {
    Table t = client.getTable(db, table);
    out.println(t.getTableType());
    out.println(t.getSd().getLocation());
    for (FieldSchema f : t.getSd().getCols()) {
      out.println("col " + f.getName() + " " + f.getType());
    }
    for (FieldSchema f : t.getPartitionKeys()) {
      out.println("part " + f.getName() + " " + f.getType());
    }
    t.getParameters().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> out.println("param " + e.getKey() + "=" + e.getValue()));
  }

  /** k1=v1/k2=v2, values as stored (not path-escaped). */
  private static String partName(List<FieldSchema> keys, List<String> values) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < keys.size(); i++) {
      if (i > 0) {
        s.append('/');
      }
      s.append(keys.get(i).getName()).append('=').append(values.get(i));
    }
    return s.toString();
  }

  private Probe() {}
}
