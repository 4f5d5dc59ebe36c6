package dev.weft.iceberg;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.types.Types;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * Reads Iceberg tables in the Hadoop layout ({@code LOCATION/metadata/v<N>.metadata.json} +
 * {@code version-hint.text}) with the real Apache Iceberg library, so Weft's tests can check
 * what Weft's own writer produced. LOCATION is a local directory path or a {@code file://} URI.
 *
 * <pre>
 *   count LOCATION              live rows (deletes applied)
 *   rows LOCATION c1,c2,...     those columns of every row, comma-separated, null as \N, sorted
 *   snapshots LOCATION          one line per snapshot: id operation key=value... (keys sorted)
 *   files LOCATION              one line per live data file: path record-count partition
 *   create-sample LOCATION      writes a small v2 table (see README.md)
 *   avro-meta FILE              an Avro container file's schema and file metadata
 *   avro-records FILE           an Avro container file's records, one JSON object a line
 *   parquet-schema FILE         a Parquet file's schema (with field ids) and key/value metadata
 * </pre>
 *
 * Output goes to stdout; on any error a one-line message goes to stderr and the exit code is 1.
 */
public final class Probe {
  private Probe() {}

  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
    try {
      run(args);
      System.out.flush();
      System.exit(0);
    } catch (Throwable e) {
      System.out.flush();
      String msg = String.valueOf(e.getMessage()).replace('\n', ' ');
      System.err.println("Probe: " + e.getClass().getSimpleName() + ": " + msg);
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    if (args.length < 2) {
      throw new IllegalArgumentException(
          "usage: Probe count|rows|snapshots|files|create-sample LOCATION [cols]"
              + " | avro-meta|avro-records|parquet-schema FILE");
    }
    String cmd = args[0];
    String loc = args[1];
    switch (cmd) {
      case "count" -> count(loc);
      case "rows" -> {
        if (args.length < 3) {
          throw new IllegalArgumentException("usage: Probe rows LOCATION col1,col2,...");
        }
        rows(loc, args[2].split(","));
      }
      case "snapshots" -> snapshots(loc);
      case "files" -> files(loc);
      case "create-sample" -> createSample(loc);
      case "avro-meta" -> avroMeta(loc);
      case "avro-records" -> avroRecords(loc);
      case "parquet-schema" -> parquetSchema(loc);
      default -> throw new IllegalArgumentException("unknown command " + cmd);
    }
  }

  private static Configuration conf() {
    return new Configuration();
  }

  private static Table load(String location) {
    return new HadoopTables(conf()).load(location);
  }

  private static void count(String loc) throws Exception {
    long n = 0;
    try (CloseableIterable<Record> it = IcebergGenerics.read(load(loc)).build()) {
      for (Record ignored : it) {
        n++;
      }
    }
    System.out.println(n);
  }

  private static void rows(String loc, String[] cols) throws Exception {
    Table t = load(loc);
    for (String c : cols) {
      if (t.schema().findField(c) == null) {
        throw new IllegalArgumentException("no column " + c + " in " + t.schema().asStruct());
      }
    }
    List<String> lines = new ArrayList<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(t).build()) {
      for (Record r : it) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cols.length; i++) {
          if (i > 0) {
            sb.append(',');
          }
          sb.append(format(field(r, cols[i])));
        }
        lines.add(sb.toString());
      }
    }
    Collections.sort(lines);
    StringBuilder out = new StringBuilder();
    for (String l : lines) {
      out.append(l).append('\n');
    }
    System.out.print(out);
  }

  /** A column by name; a dotted name walks into struct columns. */
  private static Object field(Record r, String name) {
    Object v = r;
    for (String part : name.split("\\.")) {
      if (v == null) {
        return null;
      }
      v = ((Record) v).getField(part);
    }
    return v;
  }

  private static String format(Object v) {
    if (v == null) {
      return "\\N";
    }
    if (v instanceof ByteBuffer b) {
      StringBuilder sb = new StringBuilder();
      ByteBuffer d = b.duplicate();
      while (d.hasRemaining()) {
        sb.append(String.format("%02x", d.get()));
      }
      return sb.toString();
    }
    if (v instanceof byte[] b) {
      return format(ByteBuffer.wrap(b));
    }
    return v.toString();
  }

  private static void snapshots(String loc) {
    StringBuilder out = new StringBuilder();
    for (Snapshot s : load(loc).snapshots()) {
      out.append(s.snapshotId()).append(' ').append(s.operation());
      Map<String, String> summary = s.summary() == null ? Map.of() : new TreeMap<>(s.summary());
      for (Map.Entry<String, String> e : summary.entrySet()) {
        out.append(' ').append(e.getKey()).append('=').append(e.getValue());
      }
      out.append('\n');
    }
    System.out.print(out);
  }

  private static void files(String loc) throws Exception {
    Table t = load(loc);
    StringBuilder out = new StringBuilder();
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        PartitionSpec spec = task.spec();
        StructLike p = task.file().partition();
        String part = spec.isUnpartitioned() ? "-" : spec.partitionToPath(p);
        out.append(task.file().location())
            .append(' ')
            .append(task.file().recordCount())
            .append(' ')
            .append(part)
            .append('\n');
      }
    }
    System.out.print(out);
  }

  /**
   * A format-version 2 table (id long required, name string, dt string) partitioned by
   * identity(dt), with one append of two Parquet files (dt=2024-01-01: 2 rows, dt=2024-01-02:
   * 1 row) whose snapshot summary carries weft.checkpoint-id=7.
   */
  private static void createSample(String loc) throws Exception {
    Schema schema =
        new Schema(
            Types.NestedField.required(1, "id", Types.LongType.get()),
            Types.NestedField.optional(2, "name", Types.StringType.get()),
            Types.NestedField.optional(3, "dt", Types.StringType.get()));
    PartitionSpec spec = PartitionSpec.builderFor(schema).identity("dt").build();
    Table t =
        new HadoopTables(conf())
            .create(schema, spec, Map.of(TableProperties.FORMAT_VERSION, "2"), loc);
    schema = t.schema();
    spec = t.spec();

    GenericAppenderFactory factory = new GenericAppenderFactory(schema, spec);
    OutputFileFactory files =
        OutputFileFactory.builderFor(t, 0, 0).format(FileFormat.PARQUET).build();
    AppendFiles append = t.newAppend();
    Object[][][] parts = {
      {{1L, "a", "2024-01-01"}, {2L, null, "2024-01-01"}},
      {{3L, "c", "2024-01-02"}},
    };
    for (Object[][] rows : parts) {
      List<Record> records = new ArrayList<>();
      for (Object[] row : rows) {
        GenericRecord r = GenericRecord.create(schema);
        r.setField("id", row[0]);
        r.setField("name", row[1]);
        r.setField("dt", row[2]);
        records.add(r);
      }
      PartitionKey key = new PartitionKey(spec, schema);
      key.partition(records.get(0));
      DataWriter<Record> w =
          factory.newDataWriter(files.newOutputFile(spec, key), FileFormat.PARQUET, key);
      try {
        for (Record r : records) {
          w.write(r);
        }
      } finally {
        w.close();
      }
      append.appendFile(w.toDataFile());
    }
    append.set("weft.checkpoint-id", "7");
    append.commit();
    System.out.println(t.location());
  }

  private static void avroMeta(String file) throws Exception {
    try (DataFileReader<org.apache.avro.generic.GenericRecord> r =
        new DataFileReader<>(new File(file), new GenericDatumReader<>())) {
      StringBuilder out = new StringBuilder();
      out.append(r.getSchema().toString()).append('\n');
      for (String k : new TreeSet<>(r.getMetaKeys())) {
        out.append(k).append('=').append(new String(r.getMeta(k), StandardCharsets.UTF_8));
        out.append('\n');
      }
      System.out.print(out);
    }
  }

  private static void avroRecords(String file) throws Exception {
    try (DataFileReader<org.apache.avro.generic.GenericRecord> r =
        new DataFileReader<>(new File(file), new GenericDatumReader<>())) {
      StringBuilder out = new StringBuilder();
      for (org.apache.avro.generic.GenericRecord rec : r) {
        out.append(rec).append('\n');
      }
      System.out.print(out);
    }
  }

  private static void parquetSchema(String file) throws Exception {
    Path p = new Path(new File(file).getAbsoluteFile().toURI());
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(p, conf()))) {
      FileMetaData md = r.getFooter().getFileMetaData();
      StringBuilder out = new StringBuilder();
      out.append(md.getSchema().toString());
      out.append("created_by=").append(md.getCreatedBy()).append('\n');
      for (Map.Entry<String, String> e : new TreeMap<>(md.getKeyValueMetaData()).entrySet()) {
        out.append(e.getKey()).append('=').append(e.getValue()).append('\n');
      }
      out.append("row_groups=").append(r.getFooter().getBlocks().size()).append('\n');
      out.append("rows=").append(r.getRecordCount()).append('\n');
      System.out.print(out);
    }
  }
}
