import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.metastore.HiveMetaStoreClient;
import org.apache.hadoop.hive.metastore.api.AlreadyExistsException;
import org.apache.hadoop.hive.metastore.api.Catalog;
import org.apache.hadoop.hive.metastore.api.Database;
import org.apache.hadoop.hive.metastore.api.FieldSchema;
import org.apache.hadoop.hive.metastore.api.NoSuchObjectException;
import org.apache.hadoop.hive.metastore.api.Partition;
import org.apache.hadoop.hive.metastore.api.PrincipalType;
import org.apache.hadoop.hive.metastore.api.SerDeInfo;
import org.apache.hadoop.hive.metastore.api.StorageDescriptor;
import org.apache.hadoop.hive.metastore.api.Table;
import org.apache.hadoop.hive.metastore.conf.MetastoreConf;
import org.apache.hadoop.hive.metastore.conf.MetastoreConf.ConfVars;

/**
 * Drives Apache Hive 4's own {@link HiveMetaStoreClient} against a metastore and prints one JSON
 * object per line: {"step": NAME, "result": VALUE}, then {"step": "done", "result": true}.
 * Any unexpected exception (or an expected one that does not come) prints
 * {"step": NAME, "error": "..."} and exits 1.
 *
 * Usage: java -cp ... Hive4Smoke thrift://127.0.0.1:9083 file:/path/to/warehouse
 *
 * State left behind on success (checked by tests/integration/test_hive4_client.py):
 * database hive4_smoke with table events (altered, partitions ds=2024-01-01/hr=0 dropped),
 * no table events_parquet, no database hive4_scratch.
 */
public final class Hive4Smoke {
  static final String DB = "hive4_smoke";
  static final String SCRATCH_DB = "hive4_scratch";
  static final String TBL = "events";
  static final String PQ_TBL = "events_parquet";

  static final String ORC_IN = "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat";
  static final String ORC_OUT = "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat";
  static final String ORC_SERDE = "org.apache.hadoop.hive.ql.io.orc.OrcSerde";
  static final String PQ_IN = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
  static final String PQ_OUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
  static final String PQ_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";

  private static String step = "start";

  private Hive4Smoke() {}

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: Hive4Smoke <metastore-uri> <warehouse>");
      System.exit(2);
    }
    int rc = 0;
    try {
      run(args[0], args[1].replaceAll("/+$", ""));
      emit("done", true);
    } catch (Throwable t) {
      rc = 1;
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("step", step);
      line.put("error", t.getClass().getName() + ": " + t.getMessage());
      System.out.println(json(line));
      System.out.flush();
      t.printStackTrace();
    }
    System.exit(rc);
  }

  interface Call {
    Object run() throws Exception;
  }

  interface VoidCall {
    void run() throws Exception;
  }

  static Object step(String name, Call call) throws Exception {
    step = name;
    Object result = call.run();
    emit(name, result);
    return result;
  }

  static void stepVoid(String name, VoidCall call) throws Exception {
    step(name, () -> {
      call.run();
      return "ok";
    });
  }

  /** Runs a call that must fail with {@code expected}; records the exception's class name. */
  static void expectFailure(String name, Class<? extends Exception> expected, VoidCall call) throws Exception {
    step = name;
    try {
      call.run();
    } catch (Exception e) {
      if (!expected.isInstance(e)) {
        throw e;
      }
      emit(name, e.getClass().getSimpleName());
      return;
    }
    throw new AssertionError(name + ": expected " + expected.getSimpleName() + " but the call succeeded");
  }

  static void run(String uri, String warehouse) throws Exception {
    Configuration conf = MetastoreConf.newMetastoreConf();
    MetastoreConf.setVar(conf, ConfVars.THRIFT_URIS, uri);
    MetastoreConf.setBoolVar(conf, ConfVars.USE_THRIFT_SASL, false);
    MetastoreConf.setBoolVar(conf, ConfVars.USE_THRIFT_FRAMED_TRANSPORT, false);
    MetastoreConf.setBoolVar(conf, ConfVars.USE_THRIFT_COMPACT_PROTOCOL, false);
    MetastoreConf.setVar(conf, ConfVars.WAREHOUSE, warehouse);
    MetastoreConf.setLongVar(conf, ConfVars.THRIFT_CONNECTION_RETRIES, 1);
    MetastoreConf.setTimeVar(conf, ConfVars.CLIENT_SOCKET_TIMEOUT, 60, java.util.concurrent.TimeUnit.SECONDS);
    // metastore.execute.setugi keeps its default (true): the client sends set_ugi on connect.

    step = "connect";
    HiveMetaStoreClient client = new HiveMetaStoreClient(conf);
    try {
      scenario(client, warehouse);
    } finally {
      client.close();
    }
  }

  static void scenario(HiveMetaStoreClient client, String warehouse) throws Exception {
    // --- catalogs -------------------------------------------------------------------------
    step("getCatalogs", client::getCatalogs);
    step("getCatalog", () -> {
      Catalog cat = client.getCatalog("hive");
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", cat.getName());
      m.put("locationUri", cat.getLocationUri());
      return m;
    });
    expectFailure("getCatalog_missing", NoSuchObjectException.class, () -> client.getCatalog("spark_cat"));

    // --- databases ------------------------------------------------------------------------
    String dbLocation = warehouse + "/" + DB + ".db";
    stepVoid("createDatabase", () -> {
      Database db = new Database();
      db.setName(DB);
      db.setDescription("Hive 4 client smoke test");
      db.setLocationUri(dbLocation);
      db.setParameters(new HashMap<>(Map.of("team", "data-platform")));
      db.setOwnerName("hive4");
      db.setOwnerType(PrincipalType.USER);
      client.createDatabase(db);
    });
    expectFailure("createDatabase_duplicate", AlreadyExistsException.class, () -> {
      Database db = new Database();
      db.setName(DB);
      db.setLocationUri(dbLocation);
      client.createDatabase(db);
    });
    step("getDatabase", () -> {
      Database db = client.getDatabase(DB);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", db.getName());
      m.put("description", db.getDescription());
      m.put("locationUri", db.getLocationUri());
      m.put("parameters", new TreeMap<>(db.getParameters()));
      m.put("ownerName", db.getOwnerName());
      m.put("catalogName", db.getCatalogName());
      return m;
    });
    step("getAllDatabases", () -> sorted(client.getAllDatabases()));

    // --- tables ---------------------------------------------------------------------------
    String tblLocation = dbLocation + "/" + TBL;
    stepVoid("createTable", () -> {
      Table t = table(DB, TBL, tblLocation, ORC_IN, ORC_OUT, ORC_SERDE,
          List.of(col("id", "bigint"), col("payload", "string")),
          List.of(col("ds", "string"), col("hr", "int")));
      t.getParameters().put("created.by", "hive4-smoke");
      client.createTable(t);
    });
    String pqLocation = dbLocation + "/" + PQ_TBL;
    stepVoid("createTable_parquet", () -> client.createTable(table(DB, PQ_TBL, pqLocation, PQ_IN, PQ_OUT, PQ_SERDE,
        List.of(col("id", "bigint"), col("amount", "double")), List.of())));
    step("getTable", () -> describe(client.getTable(DB, TBL)));
    step("getTable_parquet", () -> describe(client.getTable(DB, PQ_TBL)));
    step("getTables_pattern", () -> sorted(client.getTables(DB, "events*")));
    step("getTables_parquet_pattern", () -> sorted(client.getTables(DB, "*parquet")));
    step("getAllTables", () -> sorted(client.getAllTables(DB)));
    step("tableExists_missing", () -> client.tableExists(DB, "no_such_table"));

    // --- partitions: add ------------------------------------------------------------------
    Table events = client.getTable(DB, TBL);
    step("add_partitions", () -> client.add_partitions(new ArrayList<>(List.of(
        partition(events, List.of("2024-01-01", "0"), tblLocation + "/ds=2024-01-01/hr=0"),
        partition(events, List.of("2024-01-02", "1"), tblLocation + "/ds=2024-01-02/hr=1")))));
    step("add_partitions_ifNotExists_needResults", () -> {
      // ds=2024-01-02/hr=1 exists already: with ifNotExists only the new ones come back.
      // The new ones carry no location: the server puts them under the table's location.
      List<Partition> added = client.add_partitions(new ArrayList<>(List.of(
          partition(events, List.of("2024-01-02", "1"), null),
          partition(events, List.of("2024-01-03", "1"), null),
          partition(events, List.of("2024-01-03", "2"), null))), true, true);
      return partitionsSummary(added);
    });
    step("add_partitions_noResults", () -> {
      List<Partition> added = client.add_partitions(new ArrayList<>(List.of(
          partition(events, List.of("2024-01-04", "0"), tblLocation + "/ds=2024-01-04/hr=0"))), false, false);
      return added == null ? "null" : "list of " + added.size();
    });
    expectFailure("add_partitions_duplicate", AlreadyExistsException.class, () -> client.add_partitions(
        new ArrayList<>(List.of(partition(events, List.of("2024-01-01", "0"), null))), false, true));

    // --- partitions: read -----------------------------------------------------------------
    step("listPartitionNames", () -> client.listPartitionNames(DB, TBL, (short) -1));
    step("listPartitionNames_max2", () -> client.listPartitionNames(DB, TBL, (short) 2));
    step("listPartitionNames_ps", () -> client.listPartitionNames(DB, TBL, List.of("2024-01-03", ""), (short) -1));
    step("listPartitionsByFilter", () -> partitionsSummary(
        client.listPartitionsByFilter(DB, TBL, "ds >= \"2024-01-02\" and hr = 1", (short) -1)));
    step("listPartitionsByFilter_or", () -> partitionsSummary(
        client.listPartitionsByFilter(DB, TBL, "ds = \"2024-01-01\" or hr > 1", (short) -1)));
    step("getNumPartitionsByFilter", () -> client.getNumPartitionsByFilter(DB, TBL, "hr = 1"));
    step("getPartitionsByNames", () -> partitionsSummary(client.getPartitionsByNames(DB, TBL,
        List.of("ds=2024-01-01/hr=0", "ds=2024-01-03/hr=2"))));
    step("getPartition", () -> partitionSummary(client.getPartition(DB, TBL, List.of("2024-01-02", "1"))));
    step("listPartitions", () -> partitionsSummary(client.listPartitions(DB, TBL, (short) -1)));

    // --- alter ----------------------------------------------------------------------------
    stepVoid("alter_table", () -> {
      Table t = client.getTable(DB, TBL);
      List<FieldSchema> cols = new ArrayList<>(t.getSd().getCols());
      cols.add(new FieldSchema("country", "string", "added by alter_table"));
      t.getSd().setCols(cols);
      t.getParameters().put("smoke.altered", "true");
      t.getParameters().put("comment", "events, altered by Hive 4");
      client.alter_table(DB, TBL, t);
    });
    step("getTable_after_alter", () -> describe(client.getTable(DB, TBL)));
    stepVoid("alter_partition", () -> {
      Partition p = client.getPartition(DB, TBL, List.of("2024-01-02", "1"));
      p.getParameters().put("smoke.partition", "altered");
      client.alter_partition(DB, TBL, p);
    });
    step("getPartition_after_alter", () -> partitionSummary(client.getPartition(DB, TBL, List.of("2024-01-02", "1"))));

    // --- truncate -------------------------------------------------------------------------
    Path keptFile = localPath(tblLocation + "/ds=2024-01-01/hr=0").resolve("000000_0.orc");
    Path truncatedFile = localPath(tblLocation + "/ds=2024-01-02/hr=1").resolve("000000_0.orc");
    Path pqFile = localPath(pqLocation).resolve("part-00000.parquet");
    for (Path f : List.of(keptFile, truncatedFile, pqFile)) {
      Files.createDirectories(f.getParent());
      Files.write(f, new byte[] {'O', 'R', 'C'});
    }
    stepVoid("truncateTable_partition", () -> client.truncateTable(DB, TBL, List.of("ds=2024-01-02/hr=1")));
    step("truncateTable_partition_files", () -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("truncated_partition_file_exists", Files.exists(truncatedFile));
      m.put("truncated_partition_dir_exists", Files.isDirectory(truncatedFile.getParent()));
      m.put("other_partition_file_exists", Files.exists(keptFile));
      return m;
    });
    stepVoid("truncateTable", () -> client.truncateTable(DB, PQ_TBL, null));
    step("truncateTable_files", () -> Map.of("file_exists", Files.exists(pqFile)));

    // --- drop -----------------------------------------------------------------------------
    step("dropPartition_by_name", () -> client.dropPartition(DB, TBL, "ds=2024-01-01/hr=0", true));
    step("dropPartition_by_values", () -> client.dropPartition(DB, TBL, List.of("2024-01-04", "0"), true));
    step("dropPartition_dir_deleted", () -> !Files.exists(keptFile.getParent()));
    expectFailure("dropPartition_missing", NoSuchObjectException.class,
        () -> client.dropPartition(DB, TBL, List.of("1999-01-01", "0"), false));
    step("listPartitionNames_after_drop", () -> client.listPartitionNames(DB, TBL, (short) -1));
    stepVoid("dropTable", () -> client.dropTable(DB, PQ_TBL));
    step("tableExists_after_drop", () -> client.tableExists(DB, PQ_TBL));
    step("dropTable_dir_deleted", () -> !Files.exists(localPath(pqLocation)));
    expectFailure("getTable_after_drop", NoSuchObjectException.class, () -> client.getTable(DB, PQ_TBL));
    step("getAllTables_after_drop", () -> sorted(client.getAllTables(DB)));

    // A second database with a partitioned table, dropped with cascade.
    String scratchLocation = warehouse + "/" + SCRATCH_DB + ".db";
    stepVoid("createDatabase_scratch", () -> {
      Database db = new Database();
      db.setName(SCRATCH_DB);
      db.setLocationUri(scratchLocation);
      db.setParameters(new HashMap<>());
      client.createDatabase(db);
    });
    stepVoid("createTable_scratch", () -> {
      Table t = table(SCRATCH_DB, "logs", scratchLocation + "/logs", PQ_IN, PQ_OUT, PQ_SERDE,
          List.of(col("line", "string")), List.of(col("dt", "string")));
      client.createTable(t);
      Table created = client.getTable(SCRATCH_DB, "logs");
      client.add_partitions(new ArrayList<>(List.of(
          partition(created, List.of("2024-02-01"), scratchLocation + "/logs/dt=2024-02-01"))));
    });
    expectFailure("dropDatabase_not_empty", org.apache.hadoop.hive.metastore.api.InvalidOperationException.class,
        () -> client.dropDatabase(SCRATCH_DB, true, false, false));
    stepVoid("dropDatabase_cascade", () -> client.dropDatabase(SCRATCH_DB, true, false, true));
    expectFailure("getDatabase_after_drop", NoSuchObjectException.class, () -> client.getDatabase(SCRATCH_DB));
    step("scratch_dir_deleted", () -> !Files.exists(localPath(scratchLocation)));
    step("getAllDatabases_after_drop", () -> sorted(client.getAllDatabases()));
  }

  // --- builders ---------------------------------------------------------------------------

  static FieldSchema col(String name, String type) {
    return new FieldSchema(name, type, null);
  }

  static StorageDescriptor sd(List<FieldSchema> cols, String location, String in, String out, String serde) {
    StorageDescriptor sd = new StorageDescriptor();
    sd.setCols(new ArrayList<>(cols));
    sd.setLocation(location);
    sd.setInputFormat(in);
    sd.setOutputFormat(out);
    sd.setCompressed(false);
    sd.setNumBuckets(-1);
    SerDeInfo si = new SerDeInfo();
    si.setSerializationLib(serde);
    si.setParameters(new HashMap<>(Map.of("serialization.format", "1")));
    sd.setSerdeInfo(si);
    sd.setBucketCols(new ArrayList<>());
    sd.setSortCols(new ArrayList<>());
    sd.setParameters(new HashMap<>());
    return sd;
  }

  static Table table(String db, String name, String location, String in, String out, String serde,
                     List<FieldSchema> cols, List<FieldSchema> partKeys) {
    Table t = new Table();
    t.setDbName(db);
    t.setTableName(name);
    t.setOwner("hive4");
    t.setOwnerType(PrincipalType.USER);
    t.setTableType("MANAGED_TABLE");
    t.setSd(sd(cols, location, in, out, serde));
    t.setPartitionKeys(new ArrayList<>(partKeys));
    t.setParameters(new HashMap<>());
    return t;
  }

  static Partition partition(Table t, List<String> values, String location) {
    Partition p = new Partition();
    p.setDbName(t.getDbName());
    p.setTableName(t.getTableName());
    p.setValues(new ArrayList<>(values));
    StorageDescriptor sd = new StorageDescriptor(t.getSd());
    sd.setLocation(location);
    p.setSd(sd);
    p.setParameters(new HashMap<>());
    return p;
  }

  // --- summaries --------------------------------------------------------------------------

  static Map<String, Object> describe(Table t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("dbName", t.getDbName());
    m.put("tableName", t.getTableName());
    m.put("catName", t.getCatName());
    m.put("owner", t.getOwner());
    m.put("tableType", t.getTableType());
    m.put("cols", columns(t.getSd().getCols()));
    m.put("partitionKeys", columns(t.getPartitionKeys()));
    m.put("location", t.getSd().getLocation());
    m.put("inputFormat", t.getSd().getInputFormat());
    m.put("outputFormat", t.getSd().getOutputFormat());
    m.put("serde", t.getSd().getSerdeInfo().getSerializationLib());
    Map<String, String> params = new TreeMap<>(t.getParameters());
    params.remove("transient_lastDdlTime");
    m.put("parameters", params);
    m.put("createTime_set", t.getCreateTime() > 0);
    return m;
  }

  static List<String> columns(List<FieldSchema> cols) {
    List<String> out = new ArrayList<>();
    for (FieldSchema f : cols) {
      out.add(f.getName() + ":" + f.getType());
    }
    return out;
  }

  static Map<String, Object> partitionSummary(Partition p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("values", p.getValues());
    m.put("location", p.getSd().getLocation());
    m.put("inputFormat", p.getSd().getInputFormat());
    m.put("cols", columns(p.getSd().getCols()));
    Map<String, String> params = new TreeMap<>(p.getParameters());
    params.remove("transient_lastDdlTime");
    m.put("parameters", params);
    return m;
  }

  static List<Object> partitionsSummary(List<Partition> parts) {
    List<Partition> sortedParts = new ArrayList<>(parts);
    sortedParts.sort((a, b) -> String.join("/", a.getValues()).compareTo(String.join("/", b.getValues())));
    List<Object> out = new ArrayList<>();
    for (Partition p : sortedParts) {
      out.add(partitionSummary(p));
    }
    return out;
  }

  static List<String> sorted(Collection<String> names) {
    List<String> out = new ArrayList<>(names);
    Collections.sort(out);
    return out;
  }

  static Path localPath(String location) {
    return location.startsWith("file:") ? Paths.get(URI.create(location)) : Paths.get(location);
  }

  // --- output -----------------------------------------------------------------------------

  static void emit(String name, Object result) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("step", name);
    line.put("result", result);
    System.out.println(json(line));
    System.out.flush();
  }

  static String json(Object o) {
    StringBuilder sb = new StringBuilder();
    write(sb, o);
    return sb.toString();
  }

  static void write(StringBuilder sb, Object o) {
    if (o == null) {
      sb.append("null");
    } else if (o instanceof Boolean || o instanceof Number) {
      sb.append(o);
    } else if (o instanceof Map) {
      sb.append('{');
      Iterator<? extends Map.Entry<?, ?>> it = ((Map<?, ?>) o).entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        write(sb, String.valueOf(e.getKey()));
        sb.append(':');
        write(sb, e.getValue());
        if (it.hasNext()) {
          sb.append(',');
        }
      }
      sb.append('}');
    } else if (o instanceof Collection) {
      sb.append('[');
      Iterator<?> it = ((Collection<?>) o).iterator();
      while (it.hasNext()) {
        write(sb, it.next());
        if (it.hasNext()) {
          sb.append(',');
        }
      }
      sb.append(']');
    } else {
      String s = o.toString();
      sb.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"': sb.append("\\\""); break;
          case '\\': sb.append("\\\\"); break;
          case '\n': sb.append("\\n"); break;
          case '\r': sb.append("\\r"); break;
          case '\t': sb.append("\\t"); break;
          default:
            if (c < 0x20) {
              sb.append(String.format("\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
        }
      }
      sb.append('"');
    }
  }
}
